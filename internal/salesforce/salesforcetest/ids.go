package salesforcetest

import "strings"

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID returns the deterministic 18-character id number n for a key prefix:
// prefix + "5g" + base62(n) padded to 15 characters, plus the case-safe
// checksum. Ids sort in creation order.
func newID(prefix string, n int64) string {
	var digits []byte
	for n > 0 {
		digits = append([]byte{base62[n%62]}, digits...)
		n /= 62
	}
	body := prefix + "5g"
	pad := 15 - len(body) - len(digits)
	id15 := body + strings.Repeat("0", max(pad, 0)) + string(digits)
	return to18(id15)
}

// to18 appends the case-safe checksum to a 15-character id.
func to18(id string) string {
	if len(id) != 15 {
		return id
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	suffix := make([]byte, 3)
	for chunk := range 3 {
		flags := 0
		for i := range 5 {
			if c := id[chunk*5+i]; c >= 'A' && c <= 'Z' {
				flags |= 1 << i
			}
		}
		suffix[chunk] = alphabet[flags]
	}
	return id + string(suffix)
}

func validID(s string) bool {
	if len(s) != 15 && len(s) != 18 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
