package sfdxmeta

import (
	"bytes"
	"fmt"
	"html"
	"io/fs"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Default paths of the sfzoom routes that Salesforce calls.
const (
	DefaultCanvasPath   = "/canvas"
	DefaultCallbackPath = "/oauth/salesforce/callback"
)

// ConfigOptions are the deployment-specific values written into the metadata.
type ConfigOptions struct {
	// PublicURL is sfzoom's public base URL, e.g. "https://sfzoom.example.com". Required.
	PublicURL string
	// CanvasPath is appended to PublicURL to form the canvas URL; DefaultCanvasPath when empty.
	CanvasPath string
	// CallbackURLs are the OAuth callback URLs; PublicURL + DefaultCallbackPath when empty. Several
	// URLs are written one per line, as Salesforce's "Callback URL" box takes them.
	CallbackURLs []string
	// ContactEmail is the app's contact email; left unchanged when empty.
	ContactEmail string
}

// elementRule rewrites one element in the files whose name ends with suffix.
type elementRule struct {
	suffix  string
	element string
	value   string
}

// Configure rewrites, in place under the SFDX project dir, the canvas URL (ExtlClntAppCanvasSettings and
// the legacy ConnectedApp), the OAuth callback URLs (ExtlClntAppGlobalOauthSettings, ConnectedApp) and
// the contact email (ExternalClientApplication, ConnectedApp). It is idempotent: a file is written only
// when its content changes, and changed lists those files relative to dir, sorted.
//
// URLs must be absolute https URLs, or http for localhost, 127.0.0.0/8 and ::1, without a fragment
// (Salesforce strips it) or user info. Invalid options return an EINVALID error; a project without canvas
// settings returns ENOTFOUND.
func Configure(dir string, opts ConfigOptions) (changed []string, err error) {
	rules, err := configRules(opts)
	if err != nil {
		return nil, err
	}
	changed, canvasFiles, err := applyRules(dir, rules)
	if err != nil {
		return changed, fmt.Errorf("sfdxmeta: configure %s: %w", dir, err)
	}
	if canvasFiles == 0 {
		return changed, sfzoom.Errorf(sfzoom.ENOTFOUND, "sfdxmeta: no *.ecaCanvas-meta.xml under %s; is it the sfdx/ project?", dir)
	}
	sort.Strings(changed)
	return changed, nil
}

// configRules checks opts (every URL with ValidateURL, the contact email as
// a plain address) and returns the element rewrites they ask for: the canvas
// URL, the callback URLs (one per line) and, when set, the contact email, each
// in the External Client App file and the legacy ConnectedApp.
func configRules(opts ConfigOptions) ([]elementRule, error) {
	base, err := ValidateURL(opts.PublicURL)
	if err != nil {
		return nil, err
	}
	canvasPath := opts.CanvasPath
	if canvasPath == "" {
		canvasPath = DefaultCanvasPath
	}
	canvasURL := strings.TrimSuffix(base.String(), "/") + "/" + strings.TrimPrefix(canvasPath, "/")
	if _, err := ValidateURL(canvasURL); err != nil {
		return nil, err
	}
	callbacks := opts.CallbackURLs
	if len(callbacks) == 0 {
		callbacks = []string{strings.TrimSuffix(base.String(), "/") + DefaultCallbackPath}
	}
	for _, c := range callbacks {
		if _, err := ValidateURL(c); err != nil {
			return nil, err
		}
	}
	rules := []elementRule{
		{".ecaCanvas-meta.xml", "canvasUrl", canvasURL},
		{".connectedApp-meta.xml", "canvasUrl", canvasURL},
		{".ecaGlblOauth-meta.xml", "callbackUrl", strings.Join(callbacks, "\n")},
		{".connectedApp-meta.xml", "callbackUrl", strings.Join(callbacks, "\n")},
	}
	if opts.ContactEmail != "" {
		a, err := mail.ParseAddress(opts.ContactEmail)
		if err != nil || a.Address != opts.ContactEmail {
			return nil, sfzoom.Errorf(sfzoom.EINVALID, "sfdxmeta: contact email %q is not a plain email address", opts.ContactEmail)
		}
		rules = append(rules,
			elementRule{".eca-meta.xml", "contactEmail", opts.ContactEmail},
			elementRule{".connectedApp-meta.xml", "contactEmail", opts.ContactEmail})
	}
	return rules, nil
}

// applyRules walks dir (skipping node_modules and hidden directories),
// rewrites each file some rule applies to, and returns the files it changed
// (relative to dir, slash-separated) and how many canvas settings files it
// saw.
func applyRules(dir string, rules []elementRule) (changed []string, canvasFiles int, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "node_modules" || (strings.HasPrefix(d.Name(), ".") && p != dir) {
				return filepath.SkipDir
			}
			return nil
		}
		mine := slices.DeleteFunc(slices.Clone(rules), func(r elementRule) bool { return !strings.HasSuffix(d.Name(), r.suffix) })
		if len(mine) == 0 {
			return nil
		}
		if strings.HasSuffix(d.Name(), ".ecaCanvas-meta.xml") {
			canvasFiles++
		}
		did, err := rewrite(p, mine)
		if err != nil || !did {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return fmt.Errorf("sfdxmeta: %w", err)
		}
		changed = append(changed, filepath.ToSlash(rel))
		return nil
	})
	return changed, canvasFiles, err
}

// rewrite replaces the text of every rule's element in file p, keeping the rest of the file byte for
// byte, and reports whether it wrote the file.
func rewrite(p string, rules []elementRule) (bool, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", p, err)
	}
	out := b
	for _, r := range rules {
		re := regexp.MustCompile(`(<` + r.element + `>)([^<]*)(</` + r.element + `>)`)
		if !re.Match(out) {
			return false, fmt.Errorf("%s: no <%s> element to configure", p, r.element)
		}
		value := []byte(html.EscapeString(r.value))
		out = re.ReplaceAllFunc(out, func(m []byte) []byte {
			return append(append([]byte("<"+r.element+">"), value...), []byte("</"+r.element+">")...)
		})
	}
	if bytes.Equal(out, b) {
		return false, nil
	}
	info, err := os.Stat(p)
	if err != nil {
		return false, fmt.Errorf("stat %s: %w", p, err)
	}
	// Write beside the file and rename, so an interrupted run never leaves half a file.
	tmp, err := os.CreateTemp(filepath.Dir(p), ".sfdxmeta-*")
	if err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Chmod(tmp.Name(), info.Mode().Perm()); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		return false, fmt.Errorf("write %s: %w", p, err)
	}
	return true, nil
}

// ValidateURL parses an absolute URL that Salesforce will call: https, or http only when the host is
// localhost, in 127.0.0.0/8 or ::1; no user info and no fragment. It returns an EINVALID error otherwise.
func ValidateURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "sfdxmeta: URL %q is not a valid URL", raw)
	}
	switch {
	case u.Host == "" || u.Hostname() == "":
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "sfdxmeta: URL %q must be absolute, like https://sfzoom.example.com", raw)
	case u.User != nil:
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "sfdxmeta: URL %q must not contain user info", raw)
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "sfdxmeta: URL %q must not contain a fragment (Salesforce strips it)", raw)
	case u.Scheme == "https":
		return u, nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return u, nil
	case u.Scheme == "http":
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "sfdxmeta: URL %q must use https (http is allowed only for localhost and 127.x)", raw)
	default:
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "sfdxmeta: URL %q must use https", raw)
	}
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
