package web

import (
	"testing"

	"github.com/sfzoom/sfzoom/internal/identity"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// TestUserMatches pins the Users tab's search: any of the name, the email,
// the Zoom email override or the matched Zoom email, ignoring case; an
// empty search keeps everyone.
func TestUserMatches(t *testing.T) {
	u := identity.UserStatus{Name: "Riley Chen", Email: "riley@acme.example", ZoomEmail: "rc@zoom.example",
		Mapping: &sfzoom.UserMapping{ZoomEmail: "riley.chen@zoom-mapped.example"}}
	unmapped := identity.UserStatus{Name: "Sam O'Neil", Email: "sam@acme.example"}
	tests := []struct {
		name   string
		u      identity.UserStatus
		needle string
		want   bool
	}{
		{"empty search", unmapped, "", true},
		{"name", u, "chen", true},
		{"email", u, "acme.example", true},
		{"override", u, "rc@zoom", true},
		{"matched Zoom email", u, "zoom-mapped", true},
		{"no field", u, "morgan", false},
		{"unmapped user, other field", unmapped, "zoom-mapped", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := userMatches(tt.u, tt.needle); got != tt.want {
				t.Errorf("userMatches(%q, %q) = %v, want %v", tt.u.Name, tt.needle, got, tt.want)
			}
		})
	}
}
