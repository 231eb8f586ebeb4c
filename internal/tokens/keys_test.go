package tokens_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/tokens"
)

func TestKeyNeverPrintsMaterial(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	key, err := tokens.NewKey("k1", raw)
	if err != nil {
		t.Fatal(err)
	}
	keys := []tokens.Key{key}
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(format, keys[0]) + fmt.Sprintf(format, keys)
		if strings.Contains(out, string(raw)) || strings.Contains(out, fmt.Sprint(raw)) || strings.Contains(out, "3031") {
			t.Errorf("Sprintf(%q, key) = %q, leaks key material", format, out)
		}
		if !strings.Contains(out, "k1") {
			t.Errorf("Sprintf(%q, key) = %q, want the key id", format, out)
		}
	}
}
