// Package canvas verifies Salesforce Canvas signed requests and decodes the
// CanvasRequest they carry.
//
// Salesforce loads sfzoom inside a record page by POSTing a form field
// signed_request = "<signature>.<payload>". Both parts are standard base64
// with padding; the signature is HMAC-SHA256 over the payload's base64 TEXT as
// received, keyed with the raw bytes of the connected app's consumer secret
// (see https://developer.salesforce.com/docs/platform/canvas-framework/guide/canvas-app-unsigning-code-example.html). Verify checks the signature before it
// looks at the JSON, then requires algorithm "HMACSHA256"; the payload never
// chooses the algorithm.
//
// A signed request has no expiry and no nonce, so a captured one stays
// signature-valid forever. TokenChecker closes that gap by proving the
// embedded OAuth token is still alive.
package canvas

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Algorithm is the only value of the CanvasRequest "algorithm" field that
// Verify accepts. Note: no hyphen (Facebook's format spells it "HMAC-SHA256").
const Algorithm = "HMACSHA256"

// MaxSignedRequestSize is the largest signed request Verify accepts, in bytes
// (64 KiB). Salesforce caps developer parameters at 32 KB, so a real request
// is far smaller; the limit stops an attacker from making sfzoom HMAC and
// decode megabytes.
const MaxSignedRequestSize = 64 << 10

// Sentinel errors. Verify wraps them in a *sfzoom.Error, so use errors.Is to
// tell them apart and sfzoom.ErrorCode to map them to HTTP statuses.
var (
	// ErrMalformed means the signed request is not shaped like one: no '.',
	// empty parts, bad base64, too large, invalid JSON or an unsupported
	// algorithm. It maps to sfzoom.EINVALID (HTTP 400).
	ErrMalformed = errors.New("canvas: malformed signed request")

	// ErrBadSignature means the signature does not match any configured
	// consumer secret. It maps to sfzoom.EUNAUTHORIZED (HTTP 401).
	ErrBadSignature = errors.New("canvas: signed request signature mismatch")

	// ErrWrongOrg means the signature matches a consumer secret that is
	// configured for other orgs than the one the payload names. It maps to
	// sfzoom.EUNAUTHORIZED (HTTP 401).
	ErrWrongOrg = errors.New("canvas: consumer secret is not configured for this org")
)

// Secret is a consumer secret and the org whose signed requests it verifies.
// A secret bound to an org verifies only requests whose
// context.organization.organizationId is that org, so the holder of one org's
// secret cannot sign requests for another. An unbound secret (OrgID "")
// verifies any org and is meant for single-org deployments only.
type Secret struct {
	OrgID string // 18-character org id, or "" for any org
	Key   []byte
}

// BindSecret returns key bound to orgID (15 or 18 characters; normalised to
// 18). An empty orgID gives an unbound secret.
func BindSecret(orgID string, key []byte) (Secret, error) {
	if orgID == "" {
		return Secret{Key: key}, nil
	}
	id, err := ID18(orgID)
	if err != nil || !strings.HasPrefix(id, "00D") {
		return Secret{}, fmt.Errorf("canvas: %q is not a Salesforce org id (15 or 18 characters starting with 00D)", orgID)
	}
	return Secret{OrgID: id, Key: key}, nil
}

// UnboundSecrets returns keys as secrets that verify any org.
func UnboundSecrets(keys ...[]byte) []Secret {
	out := make([]Secret, len(keys))
	for i, k := range keys {
		out[i] = Secret{Key: k}
	}
	return out
}

// User-facing messages. They never contain the payload, a token or a secret.
const (
	msgMalformed    = "This page could not read the request from Salesforce. Open sfzoom from a Salesforce record page."
	msgBadSignature = "This request did not come from your Salesforce org. Open sfzoom from a Salesforce record page."
)

// malformed returns an EINVALID *sfzoom.Error wrapping ErrMalformed with a
// diagnostic detail for logs. detail must never contain request content.
func malformed(detail string) error {
	return sfzoom.WrapError(sfzoom.EINVALID, fmt.Errorf("%w: %s", ErrMalformed, detail), msgMalformed)
}

// Verify checks signedRequest against each consumer secret in secrets (several
// secrets allow rotation: the request is accepted if any secret matches) and
// returns the decoded CanvasRequest. A matching secret bound to an org
// verifies only that org's requests (Secret).
//
// The steps follow docs/canvas.md §1.3: split on the first '.', decode the
// signature with standard base64 (padding required, base64url rejected),
// HMAC-SHA256 the payload text exactly as received, compare with hmac.Equal,
// and only then decode the payload and parse the JSON. Finally the
// "algorithm" field must equal "HMACSHA256" (ASCII case-insensitively, as
// Java's Mac.getInstance in Salesforce's SDK is).
//
// Errors: EINVALID wrapping ErrMalformed, EUNAUTHORIZED wrapping
// ErrBadSignature or ErrWrongOrg, and EINTERNAL when no usable secret is
// configured.
func Verify(signedRequest string, secrets []Secret) (*Request, error) {
	payloadJSON, orgs, anyOrg, err := verifySignature(signedRequest, secrets)
	if err != nil {
		return nil, err
	}

	var r Request
	if err := json.Unmarshal(payloadJSON, &r); err != nil {
		// A field of an unexpected type (say a number where the docs promise
		// a string) is skipped by encoding/json, which still fills in every
		// other field; the request stays usable, so tolerate that. Anything
		// else (syntax errors, a non-object top level) is malformed.
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) || typeErr.Field == "" {
			return nil, malformed("payload is not a JSON object")
		}
	}
	if !strings.EqualFold(r.Algorithm, Algorithm) {
		// Only the field's presence and value are reported; the algorithm in
		// use is always HMAC-SHA256.
		if r.Algorithm == "" {
			return nil, malformed("algorithm field missing")
		}
		return nil, malformed("unsupported algorithm (want " + Algorithm + ")")
	}
	if !anyOrg {
		org := r.OrgID18()
		if org == "" || !slices.Contains(orgs, org) {
			return nil, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, ErrWrongOrg,
				"This request was signed for a different Salesforce org than the one it names. Open sfzoom from a Salesforce record page in your org.")
		}
	}
	return &r, nil
}

// verifySignature performs every check up to and including the HMAC and
// returns the decoded payload bytes, the orgs the matching secrets are bound
// to, and whether an unbound secret matched (any org).
func verifySignature(signedRequest string, secrets []Secret) (payload []byte, orgs []string, anyOrg bool, err error) {
	sig, payloadB64, err := splitSignedRequest(signedRequest)
	if err != nil {
		return nil, nil, false, err
	}
	if orgs, anyOrg, err = matchSecrets(sig, payloadB64, secrets); err != nil {
		return nil, nil, false, err
	}
	payload, err = base64.StdEncoding.DecodeString(payloadB64)
	if err != nil {
		return nil, nil, false, malformed("payload is not standard base64")
	}
	if len(bytes.TrimSpace(payload)) == 0 || bytes.TrimSpace(payload)[0] != '{' {
		return nil, nil, false, malformed("payload is not a JSON object")
	}
	return payload, orgs, anyOrg, nil
}

// splitSignedRequest checks the shape of a signed request (size, one
// "<signature>.<payload>", no whitespace) and returns the decoded 32-byte
// signature and the still-encoded payload the HMAC is computed over.
func splitSignedRequest(signedRequest string) (sig []byte, payloadB64 string, err error) {
	if len(signedRequest) > MaxSignedRequestSize {
		return nil, "", malformed(fmt.Sprintf("signed request larger than %d KiB", MaxSignedRequestSize>>10))
	}
	sigB64, payloadB64, ok := strings.Cut(signedRequest, ".")
	if !ok || sigB64 == "" || payloadB64 == "" {
		return nil, "", malformed("want <signature>.<payload>")
	}
	if strings.ContainsAny(signedRequest, " \t\r\n") {
		// The usual cause is a signed request forwarded in a query string
		// without escaping, where every '+' becomes a space.
		return nil, "", malformed("contains whitespace (was it URL-decoded from a query string?)")
	}
	sig, err = base64.StdEncoding.Strict().DecodeString(sigB64)
	if err != nil || len(sig) != sha256.Size {
		return nil, "", malformed("signature is not standard base64 of 32 bytes")
	}
	return sig, payloadB64, nil
}

// matchSecrets compares sig with the HMAC-SHA256 of payloadB64 under every
// configured secret, in constant time and without stopping at the first
// match, and returns the orgs the matching secrets are bound to and whether
// an unbound one matched. No usable secret is EINTERNAL; no match is
// EUNAUTHORIZED (ErrBadSignature).
func matchSecrets(sig []byte, payloadB64 string, secrets []Secret) (orgs []string, anyOrg bool, err error) {
	matched, usable := false, false
	// Every secret is tried (no early exit): the same key may be listed for
	// several orgs (one app installed in production and a sandbox).
	for _, secret := range secrets {
		// An empty key would let anyone forge a signature.
		if len(secret.Key) == 0 {
			continue
		}
		usable = true
		mac := hmac.New(sha256.New, secret.Key)
		mac.Write([]byte(payloadB64))
		if hmac.Equal(sig, mac.Sum(nil)) {
			matched = true
			if secret.OrgID == "" {
				anyOrg = true
			} else {
				orgs = append(orgs, secret.OrgID)
			}
		}
	}
	if !usable {
		return nil, false, sfzoom.Errorf(sfzoom.EINTERNAL, "sfzoom is not configured with a Salesforce consumer secret. Tell your Salesforce admin.")
	}
	if !matched {
		return nil, false, sfzoom.WrapError(sfzoom.EUNAUTHORIZED, ErrBadSignature, msgBadSignature)
	}
	return orgs, anyOrg, nil
}

// Sign returns the signed request Salesforce would send for payload (the
// CanvasRequest JSON) under the consumer secret: base64(HMAC-SHA256(secret,
// base64(payload))) + "." + base64(payload), standard alphabet with padding.
// Tests and the fake org's canvas simulator use it.
func Sign(payload []byte, secret []byte) string {
	payloadB64 := base64.StdEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(payloadB64))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + payloadB64
}
