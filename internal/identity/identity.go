// Package identity maps Salesforce users to Zoom users.
//
// A Salesforce user is matched, in order, by the admin override
// (User.Zoom_Email__c), by the Salesforce email, and by a SCIM2 search of
// the Zoom account. Every result (found or not) is kept in the store's
// user mapping table with how it was found and when it was last verified;
// a matched mapping older than MaxAge is verified again before use.
//
// The package reaches Salesforce, Zoom and the store only through the small
// interfaces below; cmd/sfzoom passes the integration clients.
package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// DefaultMaxAge is how long a verified mapping is trusted.
const DefaultMaxAge = 24 * time.Hour

// MsgNoZoomUser is what a rep sees when no Zoom user matches.
const MsgNoZoomUser = "We couldn't find your Zoom user. Ask your Salesforce admin to set your Zoom email in sfzoom Settings → Users, then try again."

// Store is the part of the store identity uses.
type Store interface {
	FindUserMapping(ctx context.Context, orgID, sfUserID string) (*sfzoom.UserMapping, error)
	UpsertUserMapping(ctx context.Context, m *sfzoom.UserMapping) error
	FindUserMappings(ctx context.Context, f sfzoom.UserMappingFilter) ([]*sfzoom.UserMapping, int, error)
}

// ZoomUsers looks Zoom users up (the account-wide client).
type ZoomUsers interface {
	User(ctx context.Context, idOrEmail string) (*zoom.User, error)
	FindUserByEmail(ctx context.Context, email string) (*zoom.SCIMUser, error)
}

// SalesforceUsers reads and updates Salesforce users (the integration client).
type SalesforceUsers interface {
	FindUsers(ctx context.Context, ids []string) ([]salesforce.User, error)
	Query(ctx context.Context, q salesforce.Query) ([]salesforce.Record, error)
	Update(ctx context.Context, object salesforce.Object, id string, fields salesforce.Fields) error
}

// Options configure a Resolver.
type Options struct {
	Store Store
	// Zoom returns the account-wide Zoom client.
	Zoom func(ctx context.Context) (ZoomUsers, error)
	// Salesforce returns the org's integration client.
	Salesforce func(ctx context.Context, orgID string) (SalesforceUsers, error)
	MaxAge     time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

// Resolver resolves and verifies user mappings.
type Resolver struct {
	opts Options
}

// New returns a Resolver.
func New(opts Options) *Resolver {
	if opts.MaxAge <= 0 {
		opts.MaxAge = DefaultMaxAge
	}
	opts.Now = sfzoom.NowOrTimeNow(opts.Now)
	opts.Logger = sfzoom.LoggerOrDiscard(opts.Logger)
	return &Resolver{opts: opts}
}

// Resolve returns u's Zoom user, from the mapping table when it was
// verified recently, otherwise after verifying it again.
//
// Errors: EFORBIDDEN with MsgNoZoomUser when no Zoom user matches;
// EUNAVAILABLE, ERATELIMIT, EUNAUTHORIZED from the APIs.
func (r *Resolver) Resolve(ctx context.Context, u *sfzoom.User) (*sfzoom.UserMapping, error) {
	m, err := r.opts.Store.FindUserMapping(ctx, u.OrgID, u.UserID)
	if err == nil && m.Status == sfzoom.MappingMatched && m.ZoomUserID != "" && r.opts.Now().Sub(m.VerifiedAt) < r.opts.MaxAge {
		return m, nil
	} else if err != nil && sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		return nil, fmt.Errorf("identity: resolve: %w", err)
	}
	m, err = r.Verify(ctx, u.OrgID, u.UserID, u)
	if err != nil {
		return nil, err
	}
	if m.Status != sfzoom.MappingMatched {
		return nil, sfzoom.Errorf(sfzoom.EFORBIDDEN, "%s", MsgNoZoomUser)
	}
	return m, nil
}

// Lookup returns the stored mapping without calling any API (ENOTFOUND).
func (r *Resolver) Lookup(ctx context.Context, orgID, sfUserID string) (*sfzoom.UserMapping, error) {
	return r.opts.Store.FindUserMapping(ctx, orgID, sfUserID)
}

// Verify matches the Salesforce user against Zoom now and stores the result
// (matched, unmatched or error). fallback supplies the email and name when
// the Salesforce integration connection is not available (it may be nil).
//
// Errors: EUNAVAILABLE, ERATELIMIT, EUNAUTHORIZED when an API failed (the
// mapping is stored with status error first).
func (r *Resolver) Verify(ctx context.Context, orgID, sfUserID string, fallback *sfzoom.User) (*sfzoom.UserMapping, error) {
	prev, err := r.opts.Store.FindUserMapping(ctx, orgID, sfUserID)
	if err != nil && sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
		return nil, fmt.Errorf("identity: verify: %w", err)
	}
	m := &sfzoom.UserMapping{OrgID: orgID, SFUserID: sfUserID}
	override := ""
	if prev != nil {
		m.SFEmail, m.SFName = prev.SFEmail, prev.SFName
		if prev.Source == sfzoom.MappingSourceOverride {
			override = prev.ZoomEmail
		}
	}
	if fallback != nil {
		m.SFEmail, m.SFName = fallback.Email, fallback.Name
	}
	// Salesforce holds the override; without the integration connection the
	// last known override and the session's email still work.
	if sf, err := r.opts.Salesforce(ctx, orgID); err == nil {
		users, err := sf.FindUsers(ctx, []string{sfUserID})
		if err != nil {
			return nil, r.fail(ctx, m, err, "Salesforce could not be read")
		}
		if len(users) == 0 {
			return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "Salesforce user %s was not found.", sfUserID)
		}
		m.SFEmail, m.SFName, override = users[0].Email, users[0].Name, strings.TrimSpace(users[0].ZoomEmail)
	} else if fallback == nil {
		return nil, err
	}
	return r.match(ctx, m, override)
}

// match tries the override, the Salesforce email, then SCIM, and stores the
// outcome.
func (r *Resolver) match(ctx context.Context, m *sfzoom.UserMapping, override string) (*sfzoom.UserMapping, error) {
	zc, err := r.opts.Zoom(ctx)
	if err != nil {
		return nil, r.fail(ctx, m, err, "Zoom is not connected")
	}
	m.VerifiedAt = r.opts.Now()
	type candidate struct{ email, source string }
	var cands []candidate
	if override != "" {
		// An override is the admin's word: never fall back to the Salesforce
		// email, which would silently host meetings as someone else.
		cands = []candidate{{override, sfzoom.MappingSourceOverride}}
	} else if m.SFEmail != "" {
		cands = []candidate{{m.SFEmail, sfzoom.MappingSourceEmail}}
	}
	for _, c := range cands {
		zu, err := zc.User(ctx, c.email)
		if err == nil {
			m.ZoomUserID, m.ZoomEmail, m.Source, m.Status, m.Detail = zu.ID, zu.Email, c.source, sfzoom.MappingMatched, ""
			return m, r.save(ctx, m)
		}
		if !errors.Is(err, zoom.ErrNotFound) && sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND {
			return nil, r.fail(ctx, m, err, "Zoom could not be reached")
		}
	}
	if override == "" && m.SFEmail != "" {
		// SCIM needs an SSO account; any error here just means "no match".
		if su, err := zc.FindUserByEmail(ctx, m.SFEmail); err == nil && su.ID != "" {
			m.ZoomUserID, m.ZoomEmail, m.Source, m.Status, m.Detail = su.ID, su.PrimaryEmail(), sfzoom.MappingSourceSCIM, sfzoom.MappingMatched, ""
			return m, r.save(ctx, m)
		}
	}
	m.ZoomUserID, m.Status = "", sfzoom.MappingUnmatched
	switch {
	case override != "":
		m.ZoomEmail, m.Source = override, sfzoom.MappingSourceOverride
		m.Detail = fmt.Sprintf("No Zoom user has the override email %s. Check the address or add the user in Zoom.", override)
	case m.SFEmail == "":
		m.ZoomEmail, m.Source = "", ""
		m.Detail = "The Salesforce user has no email. Set a Zoom email override."
	default:
		m.ZoomEmail, m.Source = "", ""
		m.Detail = fmt.Sprintf("No Zoom user has the email %s. Set a Zoom email override.", m.SFEmail)
	}
	return m, r.save(ctx, m)
}

func (r *Resolver) save(ctx context.Context, m *sfzoom.UserMapping) error {
	if err := r.opts.Store.UpsertUserMapping(ctx, m); err != nil {
		return fmt.Errorf("identity: save mapping: %w", err)
	}
	return nil
}

// fail records an API failure on the mapping (status error) and returns err.
func (r *Resolver) fail(ctx context.Context, m *sfzoom.UserMapping, err error, what string) error {
	m.Status, m.Detail = sfzoom.MappingError, what+": "+sfzoom.ErrorMessage(err)
	if serr := r.opts.Store.UpsertUserMapping(ctx, m); serr != nil {
		r.opts.Logger.WarnContext(ctx, "identity: save failed mapping", "org_id", m.OrgID, "user_id", m.SFUserID, "err", serr.Error())
	}
	return fmt.Errorf("identity: verify %s: %w", m.SFUserID, err)
}

// SetOverride writes email as the user's Zoom_Email__c in Salesforce ("" clears
// it), then verifies the mapping against Zoom at once.
//
// Errors: EINVALID for a malformed email; API errors as Verify.
func (r *Resolver) SetOverride(ctx context.Context, orgID, sfUserID, email string) (*sfzoom.UserMapping, error) {
	email = strings.TrimSpace(email)
	if email != "" {
		if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
			return nil, sfzoom.Errorf(sfzoom.EINVALID, "%q is not an email address. Enter the Zoom login email, like name@example.com.", email)
		}
	}
	if !salesforce.ValidID(sfUserID) {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "That is not a Salesforce user id.")
	}
	sf, err := r.opts.Salesforce(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var v any = email
	if email == "" {
		v = nil
	}
	if err := sf.Update(ctx, salesforce.ObjectUser, sfUserID, salesforce.Fields{salesforce.FieldZoomEmail: v}); err != nil {
		return nil, fmt.Errorf("identity: set override: %w", err)
	}
	return r.Verify(ctx, orgID, sfUserID, nil)
}

// UserStatus is one Salesforce user with its mapping (nil when never checked).
type UserStatus struct {
	SFUserID  string
	Name      string
	Email     string
	ZoomEmail string // the override in Salesforce
	Mapping   *sfzoom.UserMapping
}

// MaxUsers caps the users listed on the admin page (which searches,
// filters and pages them on the server: web.UsersPageSize per page).
const MaxUsers = 10000

// Users lists the org's active Salesforce users with their mappings,
// ordered by name.
//
// Errors: EUNAUTHORIZED when Salesforce is not connected; API errors.
func (r *Resolver) Users(ctx context.Context, orgID string) ([]UserStatus, error) {
	sf, err := r.opts.Salesforce(ctx, orgID)
	if err != nil {
		return nil, err
	}
	q := salesforce.Select(salesforce.FieldID, salesforce.FieldName, salesforce.FieldEmail, salesforce.FieldZoomEmail).
		From(salesforce.ObjectUser).Where(salesforce.Eq(salesforce.FieldIsActive, true)).
		OrderBy(salesforce.FieldName, salesforce.Asc).Limit(MaxUsers)
	recs, err := sf.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("identity: users: %w", err)
	}
	ms, _, err := r.opts.Store.FindUserMappings(ctx, sfzoom.UserMappingFilter{OrgID: orgID})
	if err != nil {
		return nil, fmt.Errorf("identity: users: %w", err)
	}
	byID := make(map[string]*sfzoom.UserMapping, len(ms))
	for _, m := range ms {
		byID[salesforce.To18(m.SFUserID)] = m
	}
	out := make([]UserStatus, 0, len(recs))
	for _, rec := range recs {
		id := rec.ID()
		out = append(out, UserStatus{SFUserID: id, Name: rec.String(salesforce.FieldName), Email: rec.String(salesforce.FieldEmail),
			ZoomEmail: rec.String(salesforce.FieldZoomEmail), Mapping: byID[salesforce.To18(id)]})
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// VerifyAll verifies every active user of the org and returns how many are
// matched and how many are not.
func (r *Resolver) VerifyAll(ctx context.Context, orgID string) (matched, unmatched int, err error) {
	users, err := r.Users(ctx, orgID)
	if err != nil {
		return 0, 0, err
	}
	for _, u := range users {
		m, err := r.Verify(ctx, orgID, u.SFUserID, nil)
		if err != nil {
			return matched, unmatched, err
		}
		if m.Status == sfzoom.MappingMatched {
			matched++
		} else {
			unmatched++
		}
	}
	return matched, unmatched, nil
}
