package tokens

import (
	"fmt"
	"log/slog"
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
