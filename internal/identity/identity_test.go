package identity_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/backend"
	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context())
	r2.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r2)
}

func TestResolver(t *testing.T) {
	ctx := context.Background()
	be, err := backend.Open(ctx, backend.Options{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "t.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { be.Close() })
	sfs := salesforcetest.NewServer()
	t.Cleanup(sfs.Close)
	seed := sfs.SeedDemo()
	zs := zoomtest.NewServer()
	t.Cleanup(zs.Close)
	riley := zs.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", Type: 2})
	sam := zs.AddUser(zoomtest.User{Email: "sam@zoom.acme-demo.com", Type: 2})
	sfc, err := salesforce.NewClient(&http.Client{Transport: bearer(sfs.IssueToken(seed.AdminID))}, sfs.URL())
	if err != nil {
		t.Fatal(err)
	}
	zc := zoom.NewClient(&http.Client{Transport: bearer(zs.IssueAccessToken(""))}, zoom.WithBaseURL(zs.APIURL()))
	now := time.Now()
	r := identity.New(identity.Options{
		Store: be.Store, Now: func() time.Time { return now },
		Zoom:       func(context.Context) (identity.ZoomUsers, error) { return zc, nil },
		Salesforce: func(context.Context, string) (identity.SalesforceUsers, error) { return sfc, nil },
	})
	org := seed.OrgID

	t.Run("EmailOverrideUnmatched", func(t *testing.T) {
		tests := []struct {
			name, user, zoomID, source, status string
		}{
			{"Email", seed.RepID, riley.ID, sfzoom.MappingSourceEmail, sfzoom.MappingMatched},
			{"Override", seed.OverrideRepID, sam.ID, sfzoom.MappingSourceOverride, sfzoom.MappingMatched},
			{"Unmatched", seed.AdminID, "", "", sfzoom.MappingUnmatched},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m, err := r.Verify(ctx, org, tt.user, nil)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if m.ZoomUserID != tt.zoomID || m.Source != tt.source || m.Status != tt.status {
					t.Fatalf("Verify = %+v; want zoom %q source %q status %q", m, tt.zoomID, tt.source, tt.status)
				}
			})
		}
	})

	t.Run("ResolveUsesFreshMappingAndReverifiesStale", func(t *testing.T) {
		u := &sfzoom.User{OrgID: org, UserID: seed.RepID}
		zs.ResetRequests()
		if _, err := r.Resolve(ctx, u); err != nil {
			t.Fatal(err)
		}
		if n := len(zs.RequestLog()); n != 0 {
			t.Fatalf("Zoom calls for a fresh mapping = %d, want 0", n)
		}
		now = now.Add(identity.DefaultMaxAge + time.Minute)
		if _, err := r.Resolve(ctx, u); err != nil {
			t.Fatal(err)
		}
		if n := len(zs.RequestLog()); n == 0 {
			t.Fatal("a stale mapping was not verified again")
		}
		_, err := r.Resolve(ctx, &sfzoom.User{OrgID: org, UserID: seed.AdminID})
		if sfzoom.ErrorCode(err) != sfzoom.EFORBIDDEN || sfzoom.ErrorMessage(err) != identity.MsgNoZoomUser {
			t.Fatalf("Resolve without Zoom user = %v", err)
		}
	})

	t.Run("SetOverride", func(t *testing.T) {
		m, err := r.SetOverride(ctx, org, seed.AdminID, "sam@zoom.acme-demo.com")
		if err != nil {
			t.Fatal(err)
		}
		if m.ZoomUserID != sam.ID || m.Source != sfzoom.MappingSourceOverride {
			t.Fatalf("SetOverride mapping = %+v", m)
		}
		if rec, _ := sfs.Record(seed.AdminID); rec["Zoom_Email__c"] != "sam@zoom.acme-demo.com" {
			t.Fatalf("User.Zoom_Email__c = %v", rec["Zoom_Email__c"])
		}
		if _, err := r.SetOverride(ctx, org, seed.AdminID, "not an email"); sfzoom.ErrorCode(err) != sfzoom.EINVALID {
			t.Fatalf("bad email = %v, want EINVALID", err)
		}
		m, err = r.SetOverride(ctx, org, seed.AdminID, "")
		if err != nil || m.Status != sfzoom.MappingUnmatched {
			t.Fatalf("clearing the override = %+v, %v; want unmatched (no Zoom user for the SF email)", m, err)
		}
	})

	t.Run("UsersAndVerifyAll", func(t *testing.T) {
		users, err := r.Users(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if len(users) != 3 || users[0].Name != "Alex Morgan" || users[0].Mapping == nil {
			t.Fatalf("Users = %+v", users)
		}
		matched, unmatched, err := r.VerifyAll(ctx, org)
		if err != nil || matched != 2 || unmatched != 1 {
			t.Fatalf("VerifyAll = %d, %d, %v; want 2, 1", matched, unmatched, err)
		}
	})
}
