package activity_test

import (
	"testing"

	"github.com/sfzoom/sfzoom/internal/activity"
)

// TestWebsiteMatches: an Account's website identifies the Account only for
// addresses under the same registrable domain; a website that is only a
// public suffix (https://publicsuffix.org/) matches nobody.
func TestWebsiteMatches(t *testing.T) {
	tests := []struct {
		name, website, domain string
		want                  bool
	}{
		{"SameHost", "acme.com", "acme.com", true},
		{"URLWithWWWAndPath", "https://www.acme.com/about", "acme.com", true},
		{"WebsiteSubdomain", "https://eu.acme.com", "acme.com", true},
		{"AddressSubdomain", "acme.co.uk", "mail.acme.co.uk", true},
		{"UpperCase", "HTTP://WWW.ACME.COM", "acme.com", true},
		{"OtherCompany", "globex.com", "acme.com", false},
		{"LookalikeSuffix", "notacme.com", "acme.com", false},
		{"BareCom", "com", "acme.com", false},
		{"BareCoUK", "co.uk", "acme.co.uk", false},
		{"BareCoUKURL", "http://www.co.uk/acme.co.uk", "acme.co.uk", false},
		{"WWWCom", "www.com", "acme.com", false},
		{"PrivateSuffixWebsite", "github.io", "acme.github.io", false},
		{"AddressAtPublicSuffix", "acme.co.uk", "co.uk", false},
		{"SiblingsUnderPrivateSuffix", "acme.github.io", "globex.acme.github.io", true},
		{"OtherTenantOfPrivateSuffix", "acme.github.io", "globex.github.io", false},
		{"Empty", "", "acme.com", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := activity.WebsiteMatches(tt.website, tt.domain); got != tt.want {
				t.Errorf("websiteMatches(%q, %q) = %v, want %v", tt.website, tt.domain, got, tt.want)
			}
		})
	}
}
