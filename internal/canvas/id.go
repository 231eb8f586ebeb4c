package canvas

import (
	"errors"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// ErrInvalidID is returned (wrapped) by ID18 for a string that is not a
// Salesforce record id.
var ErrInvalidID = errors.New("canvas: invalid salesforce id")

// idSuffixAlphabet maps a 5-bit case mask to the checksum character.
const idSuffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// ID18 returns the 18-character, case-insensitive-safe form of a Salesforce
// id.
//
// A 15-character (case-sensitive) id gets its three checksum characters: the
// id is split into three chunks of five, and for each chunk a 5-bit mask with
// bit i set when character i is an upper-case letter selects a character of
// "A…Z0…5". An 18-character id is returned with its suffix upper-cased, after
// checking that the suffix matches the first 15 characters. Anything else,
// including non-alphanumeric characters, is ErrInvalidID.
func ID18(id string) (string, error) {
	switch len(id) {
	case 15, 18:
	default:
		return "", sfzoom.WrapError(sfzoom.EINVALID, ErrInvalidID, "A Salesforce id has 15 or 18 characters.")
	}
	for i := 0; i < len(id); i++ {
		if !isAlnum(id[i]) {
			return "", sfzoom.WrapError(sfzoom.EINVALID, ErrInvalidID, "A Salesforce id has only letters and digits.")
		}
	}
	suffix := idSuffix(id[:15])
	if len(id) == 18 && !strings.EqualFold(id[15:], suffix) {
		return "", sfzoom.WrapError(sfzoom.EINVALID, ErrInvalidID, "This Salesforce id's checksum does not match.")
	}
	return id[:15] + suffix, nil
}

// idSuffix computes the 3-character checksum of a 15-character id.
func idSuffix(id15 string) string {
	var b [3]byte
	for chunk := 0; chunk < 3; chunk++ {
		mask := 0
		for i := 0; i < 5; i++ {
			if c := id15[chunk*5+i]; c >= 'A' && c <= 'Z' {
				mask |= 1 << i
			}
		}
		b[chunk] = idSuffixAlphabet[mask]
	}
	return string(b[:])
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// normalizeID returns ID18(id), or "" when id is not a valid id. Used for
// values read from payloads, where a bad id is treated as absent.
func normalizeID(id string) string {
	n, err := ID18(strings.TrimSpace(id))
	if err != nil {
		return ""
	}
	return n
}

// ObjectForID returns the sObject name for id's 3-character key prefix
// (006 Opportunity, 003 Contact, 00Q Lead, 001 Account), or "" for any other
// prefix. Key prefixes are case-sensitive.
func ObjectForID(id string) string {
	if len(id) < 3 {
		return ""
	}
	switch id[:3] {
	case "006":
		return sfzoom.ObjectOpportunity
	case "003":
		return sfzoom.ObjectContact
	case "00Q":
		return sfzoom.ObjectLead
	case "001":
		return sfzoom.ObjectAccount
	}
	return ""
}
