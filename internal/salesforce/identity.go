package salesforce

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Identity is the identity URL's (or userinfo's) description of the token's
// user.
type Identity struct {
	ID             string // the identity URL itself
	UserID         string
	OrganizationID string
	Username       string
	DisplayName    string
	Email          string
	FirstName      string
	LastName       string
	Active         bool
	UserType       string
	Language       string
	Locale         string
	TimeZone       string
	URLs           map[string]string
}

type identityWire struct {
	ID             string            `json:"id"`
	Sub            string            `json:"sub"`
	UserID         string            `json:"user_id"`
	OrganizationID string            `json:"organization_id"`
	Username       string            `json:"username"`
	Preferred      string            `json:"preferred_username"`
	DisplayName    string            `json:"display_name"`
	Name           string            `json:"name"`
	Email          string            `json:"email"`
	FirstName      string            `json:"first_name"`
	GivenName      string            `json:"given_name"`
	LastName       string            `json:"last_name"`
	FamilyName     string            `json:"family_name"`
	Active         bool              `json:"active"`
	UserType       string            `json:"user_type"`
	Language       string            `json:"language"`
	Locale         string            `json:"locale"`
	Timezone       string            `json:"timezone"`
	Zoneinfo       string            `json:"zoneinfo"`
	URLs           map[string]string `json:"urls"`
}

func (w identityWire) identity() *Identity {
	return &Identity{
		ID:             firstNonEmpty(w.ID, w.Sub),
		UserID:         w.UserID,
		OrganizationID: w.OrganizationID,
		Username:       firstNonEmpty(w.Username, w.Preferred),
		DisplayName:    firstNonEmpty(w.DisplayName, w.Name),
		Email:          w.Email,
		FirstName:      firstNonEmpty(w.FirstName, w.GivenName),
		LastName:       firstNonEmpty(w.LastName, w.FamilyName),
		Active:         w.Active,
		UserType:       w.UserType,
		Language:       w.Language,
		Locale:         w.Locale,
		TimeZone:       firstNonEmpty(w.Timezone, w.Zoneinfo),
		URLs:           w.URLs,
	}
}

// Identity fetches an identity URL (the token response's "id", e.g.
// https://login.salesforce.com/id/00D…/005…). It also proves the token is
// alive: a dead token gives 403 "Bad_OAuth_Token" (IsInvalidSession).
//
// Salesforce docs: https://developer.salesforce.com/docs/atlas.en-us.mobile_sdk.meta/mobile_sdk/oauth_using_identity_urls.htm
//
// Errors: EUNAUTHORIZED (dead token), EINVALID (not an http(s) URL),
// EUNAVAILABLE.
func (c *Client) Identity(ctx context.Context, identityURL string) (*Identity, error) {
	if !strings.HasPrefix(identityURL, "https://") && !strings.HasPrefix(identityURL, "http://") {
		return nil, fmt.Errorf("salesforce: identity: %w", &APIError{StatusCode: http.StatusBadRequest, Errors: []ErrorItem{{Message: "identity URL must be absolute"}}})
	}
	var w identityWire
	if _, err := c.call(ctx, http.MethodGet, identityURL, nil, &w); err != nil {
		return nil, fmt.Errorf("salesforce: identity: %w", toDomain(err))
	}
	return w.identity(), nil
}

// UserInfo fetches the OpenID Connect userinfo endpoint on the instance.
//
// Salesforce docs: https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_using_userinfo_endpoint.htm
//
// Errors: EUNAUTHORIZED (dead token), EUNAVAILABLE.
func (c *Client) UserInfo(ctx context.Context) (*Identity, error) {
	var w identityWire
	if _, err := c.call(ctx, http.MethodGet, "/services/oauth2/userinfo", nil, &w); err != nil {
		return nil, fmt.Errorf("salesforce: userinfo: %w", toDomain(err))
	}
	return w.identity(), nil
}
