package tokens

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
)

// keySize is the AES-256 key length in bytes.
const keySize = 32

// Key is one AES-256 vault key and its id. The key material is unexported
// and never printed: String, GoString and LogValue show only the id.
type Key struct {
	// ID names the key; it is stored next to every ciphertext it sealed.
	ID       string
	material []byte
}

// String returns the key id only.
func (k Key) String() string { return "tokens.Key(" + k.ID + ")" }

// GoString returns the key id only, so %#v does not print key material.
func (k Key) GoString() string { return k.String() }

// LogValue makes slog print the key id only.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// ParseKeys parses a key list of the form "id1:base64key,id2:base64key". Each
// key must decode (standard or URL base64, padded or not) to 32 bytes. The
// first key seals new tokens; every key can open. Errors name the position and
// id of a bad entry but never repeat key material.
func ParseKeys(spec string) ([]Key, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, fmt.Errorf("tokens: no vault keys configured (want id:base64key[,id:base64key...])")
	}
	var keys []Key
	seen := make(map[string]bool)
	for i, entry := range strings.Split(spec, ",") {
		n := i + 1
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("tokens: key entry %d is empty", n)
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("tokens: key entry %d has no \"id:\" prefix (want id:base64key)", n)
		}
		id = strings.TrimSpace(id)
		if err := validKeyID(id); err != nil {
			return nil, fmt.Errorf("tokens: key entry %d: %w", n, err)
		}
		if seen[id] {
			return nil, fmt.Errorf("tokens: key entry %d: duplicate key id %q", n, id)
		}
		seen[id] = true
		material, err := decodeKey(strings.TrimSpace(b64))
		if err != nil {
			return nil, fmt.Errorf("tokens: key %q (entry %d): %w", id, n, err)
		}
		keys = append(keys, Key{ID: id, material: material})
	}
	return keys, nil
}

// validKeyID keeps ids short and printable, since they are stored in every
// token row and appear in logs.
func validKeyID(id string) error {
	if id == "" {
		return fmt.Errorf("empty key id")
	}
	if len(id) > 64 {
		return fmt.Errorf("key id longer than 64 characters")
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return fmt.Errorf("key id %q may only contain letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

// decodeKey accepts the common base64 alphabets. Its errors describe the
// problem without the input, which is secret.
func decodeKey(s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("key material is empty")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(b) != keySize {
			return nil, fmt.Errorf("key decodes to %d bytes, want %d (AES-256)", len(b), keySize)
		}
		return b, nil
	}
	return nil, fmt.Errorf("key material is not valid base64")
}

// NewKey returns a vault key from an id and 32 bytes of key material (as
// parsed by the config package). The material is copied.
func NewKey(id string, material []byte) (Key, error) {
	if err := validKeyID(id); err != nil {
		return Key{}, fmt.Errorf("tokens: key %q: %w", id, err)
	}
	if len(material) != keySize {
		return Key{}, fmt.Errorf("tokens: key %q: want %d bytes of key material", id, keySize)
	}
	return Key{ID: id, material: append([]byte(nil), material...)}, nil
}
