package zoom

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// User is a Zoom user as returned by GET /users/{userId}. Only the fields
// sfzoom uses are decoded.
type User struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	DisplayName string    `json:"display_name"`
	Type        FlexInt64 `json:"type"` // 1 Basic, 2 Licensed, 4 Unassigned, 99 None
	Status      string    `json:"status"`
	PMI         FlexInt64 `json:"pmi"` // a number here, a string in meeting objects
	Timezone    string    `json:"timezone"`
	AccountID   string    `json:"account_id"`
	RoleName    string    `json:"role_name"`
	Dept        string    `json:"dept"`
	Language    string    `json:"language"`
	CreatedAt   Time      `json:"created_at"`
	Verified    FlexInt64 `json:"verified"`
}

// User fetches a user by id, email, or "me" (user-level apps only).
//
// Zoom docs: https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}
//
// Errors: ENOTFOUND (404/1001, errors.Is(err, ErrNotFound)), EUNAUTHORIZED,
// ERATELIMIT, EUNAVAILABLE.
func (c *Client) User(ctx context.Context, idOrEmailOrMe string) (*User, error) {
	if idOrEmailOrMe == "" {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "A Zoom user id or email is required.")
	}
	cl, _ := newCall(http.MethodGet, "users/"+escapeID(idOrEmailOrMe), APIUsers, CategoryLight, nil)
	var u User
	if err := c.do(ctx, cl, &u); err != nil {
		return nil, fmt.Errorf("zoom: user: %w", err)
	}
	return &u, nil
}

// SCIMUser is a SCIM2 user resource.
type SCIMUser struct {
	ID          string `json:"id"`
	UserName    string `json:"userName"`
	DisplayName string `json:"displayName"`
	Active      bool   `json:"active"`
	UserType    string `json:"userType"`
	Name        struct {
		GivenName  string `json:"givenName"`
		FamilyName string `json:"familyName"`
	} `json:"name"`
	Emails []struct {
		Type    string `json:"type"`
		Value   string `json:"value"`
		Primary bool   `json:"primary"`
	} `json:"emails"`
}

// PrimaryEmail returns the primary email, or userName.
func (u *SCIMUser) PrimaryEmail() string {
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	return u.UserName
}

type scimList struct {
	TotalResults int         `json:"totalResults"`
	StartIndex   int         `json:"startIndex"`
	ItemsPerPage int         `json:"itemsPerPage"`
	Resources    []*SCIMUser `json:"Resources"`
}

// FindUserByEmail looks a user up through SCIM2
// (GET /scim2/Users?filter=userName eq "…", beside /v2 rather than under it).
// SCIM needs an SSO-enabled Business or Education account; callers should
// fall back to User(ctx, email) when it answers 400.
//
// Zoom docs: https://developers.zoom.us/docs/api/rest/scim-api/ (SCIM2 Users, GET /scim2/Users)
//
// Errors: ENOTFOUND when no user has that userName, EINVALID (400, e.g. SSO
// not enabled), EFORBIDDEN, EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) FindUserByEmail(ctx context.Context, email string) (*SCIMUser, error) {
	if email == "" || strings.ContainsAny(email, "\"\\") {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "A valid email is required.")
	}
	cl, _ := newCall(http.MethodGet, "../scim2/Users", APISCIM, CategoryMedium, nil)
	cl.accept = "application/scim+json"
	cl.query = url.Values{
		"filter":     {`userName eq "` + email + `"`},
		"startIndex": {"1"},
		"count":      {"1"}, // the spec's default is 1 too, but say so
	}
	var list scimList
	if err := c.do(ctx, cl, &list); err != nil {
		return nil, fmt.Errorf("zoom: find user by email: %w", err)
	}
	for _, u := range list.Resources {
		if strings.EqualFold(u.UserName, email) || strings.EqualFold(u.PrimaryEmail(), email) {
			return u, nil
		}
	}
	return nil, fmt.Errorf("zoom: find user by email: %w", &notFoundError{what: "SCIM user"})
}

// notFoundError is a not-found decided by the client (an empty search).
type notFoundError struct{ what string }

func (e *notFoundError) Error() string        { return e.what + " not found" }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }
func (e *notFoundError) Unwrap() error {
	return &sfzoom.Error{Code: sfzoom.ENOTFOUND, Message: "Zoom has no matching " + e.what + "."}
}
