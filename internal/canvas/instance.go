package canvas

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// ErrUntrustedInstance means a signed request names an instance URL that is
// not one of Salesforce's own https hosts. It maps to sfzoom.EFORBIDDEN (HTTP
// 403), and nothing has been sent to that host.
var ErrUntrustedInstance = errors.New("canvas: instance url is not a salesforce host")

// salesforceDomains are the registrable domains Salesforce serves orgs from.
// An instance URL must be https on a host strictly below one of them:
//
//   - salesforce.com: My Domain hosts (acme.my.salesforce.com and the
//     partitioned acme--uat.sandbox.my.salesforce.com,
//     acme-dev-ed.develop.my.salesforce.com, scratch, demo, free, trailblaze)
//     and the legacy instanced hosts (na17.salesforce.com, cs15.salesforce.com);
//   - force.com: Lightning and legacy My Domain application hosts
//     (acme.lightning.force.com, acme.my.force.com);
//   - cloudforce.com: legacy My Domain hosts (acme.cloudforce.com);
//   - salesforce.mil, force.mil, crmforce.mil: Government Cloud Plus –
//     Defense (acme.my.salesforce.mil, acme.lightning.force.mil,
//     acme.lightning.crmforce.mil).
//
// Sources: "My Domain" (https://help.salesforce.com/apex/HTViewHelpDoc?id=domain_name_overview.htm:
// "A My Domain uses Salesforce domain suffixes such as my.salesforce.com"),
// MyDomainSettings.domainPartition for the develop/demo/free partitions
// (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_mydomainsettings.htm),
// the instanced URLs (https://usa77.salesforce.com) in "Set the My Domain
// Login Policy" (https://help.salesforce.com/s/articleView?id=xcloud.domain_name_setting_login_policy.htm)
// and the sandbox hosts (MyDomainName--UAT.sandbox.lightning.force.com) in
// https://help.salesforce.com/apex/HTViewHelpDoc?id=xcloud.security_trusted_urls_external_redirections_orgs.htm .
var salesforceDomains = []string{
	"salesforce.com",
	"force.com",
	"cloudforce.com",
	"salesforce.mil",
	"force.mil",
	"crmforce.mil",
}

// InstancePolicy decides which instance URLs may vouch for a signed request:
// the host the replay guard and the admin check call with the request's
// OAuth token, and the one stored as the org's instance URL. The signed
// request is the caller's text, so its client.instanceUrl must never choose
// an arbitrary host.
//
// The zero value accepts https URLs on Salesforce's domains only, which is
// what `sfzoom serve` uses. DevOrigins exists for the in-process fake org of
// `sfzoom demo` and tests (http://localhost:PORT); only that wiring sets it,
// and no configuration variable reaches it.
type InstancePolicy struct {
	// DevOrigins are extra origins (scheme://host:port, compared exactly)
	// accepted in addition to Salesforce's hosts.
	DevOrigins []string
}

// Check validates raw and returns the instance base URL (scheme://host[:port],
// no path). Errors: EFORBIDDEN wrapping ErrUntrustedInstance.
func (p InstancePolicy) Check(raw string) (string, error) {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(raw), "/"))
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") || u.Opaque != "" {
		return "", untrusted("not an absolute URL")
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	for _, o := range p.DevOrigins {
		if strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return origin, nil
		}
	}
	if u.Scheme != "https" {
		return "", untrusted("not https")
	}
	if u.Port() != "" && u.Port() != "443" {
		return "", untrusted("non-standard port")
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if !IsSalesforceHost(host) {
		return "", untrusted("host is not on a Salesforce domain")
	}
	return "https://" + host, nil
}

// IsSalesforceHost reports whether host (no port) is strictly below one of
// Salesforce's domains. IP literals never are.
func IsSalesforceHost(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" || net.ParseIP(host) != nil || strings.ContainsAny(host, "/\\@%: ") {
		return false
	}
	for _, d := range salesforceDomains {
		if strings.HasSuffix(host, "."+d) && len(host) > len(d)+1 {
			return true
		}
	}
	return false
}

// untrusted builds the error for an instance URL outside the policy. detail
// is for logs and never contains the URL (it is the caller's text).
func untrusted(detail string) error {
	return sfzoom.WrapError(sfzoom.EFORBIDDEN, fmt.Errorf("%w: %s", ErrUntrustedInstance, detail),
		"This request names a Salesforce address sfzoom does not trust, so it was refused. Open sfzoom from a record page in your Salesforce org.")
}
