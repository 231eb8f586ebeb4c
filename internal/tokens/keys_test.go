package tokens_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/tokens"
)

func TestParseKeys(t *testing.T) {
	k32 := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	k32url := base64.RawURLEncoding.EncodeToString([]byte("\xff\xfe0123456789abcdef0123456789abcd"))
	k16 := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	tests := []struct {
		name    string
		spec    string
		wantIDs []string
		wantErr string // substring; "" means success
	}{
		{name: "OK", spec: "k1:" + k32, wantIDs: []string{"k1"}},
		{name: "OKSeveral", spec: " k2:" + k32 + " , k1:" + k32url, wantIDs: []string{"k2", "k1"}},
		{name: "ErrEmpty", spec: "  ", wantErr: "no vault keys"},
		{name: "ErrEmptyEntry", spec: "k1:" + k32 + ",", wantErr: "entry 2 is empty"},
		{name: "ErrNoID", spec: k32, wantErr: "no \"id:\" prefix"},
		{name: "ErrEmptyID", spec: ":" + k32, wantErr: "empty key id"},
		{name: "ErrBadIDChars", spec: "k 1:" + k32, wantErr: "may only contain"},
		{name: "ErrDuplicate", spec: "k1:" + k32 + ",k1:" + k32, wantErr: "duplicate key id"},
		{name: "ErrNotBase64", spec: "k1:" + k32[:20] + "!!" + k32[22:], wantErr: "not valid base64"},
		{name: "ErrShortKey", spec: "k1:" + k16, wantErr: "16 bytes, want 32"},
		{name: "ErrEmptyMaterial", spec: "k1:", wantErr: "key material is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := tokens.ParseKeys(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseKeys() error = %v, want it to contain %q", err, tt.wantErr)
				}
				// Errors must never echo key material.
				for _, m := range []string{k32, k32url, k16, k32[:20]} {
					if strings.Contains(err.Error(), m) {
						t.Errorf("ParseKeys() error %q echoes key material", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeys() error = %v", err)
			}
			var ids []string
			for _, k := range keys {
				ids = append(ids, k.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tt.wantIDs) {
				t.Errorf("ParseKeys() ids = %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestKeyNeverPrintsMaterial(t *testing.T) {
	raw := []byte("0123456789abcdef0123456789abcdef")
	keys, err := tokens.ParseKeys("k1:" + base64.StdEncoding.EncodeToString(raw))
	if err != nil {
		t.Fatal(err)
	}
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
