package appsession_test

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/appsession"
)

func TestParseKeys(t *testing.T) {
	// k32 contains bytes that encode to '+' and '/' (std) or '-' and '_' (url).
	k32 := bytes.Repeat([]byte{0xfb, 0xff, 0xbf}, 11)[:32]
	k64 := bytes.Repeat([]byte{0x42}, 64)
	k16 := bytes.Repeat([]byte{0x42}, 16)
	std, url := base64.StdEncoding.EncodeToString(k32), base64.URLEncoding.EncodeToString(k32)
	rawURL := base64.RawURLEncoding.EncodeToString(k32)
	if !strings.ContainsAny(std, "+/") || !strings.ContainsAny(url, "-_") {
		t.Fatalf("test keys do not exercise both alphabets: %q %q", std, url)
	}

	tests := []struct {
		name    string
		in      string
		want    [][]byte
		wantErr string // substring of the error
	}{
		{name: "OK/Std", in: std, want: [][]byte{k32}},
		{name: "OK/URL", in: url, want: [][]byte{k32}},
		{name: "OK/RawURL", in: rawURL, want: [][]byte{k32}},
		{name: "OK/RawStd", in: strings.TrimRight(std, "="), want: [][]byte{k32}},
		{name: "OK/64Bytes", in: base64.StdEncoding.EncodeToString(k64), want: [][]byte{k64}},
		{name: "OK/ListWithSpaces", in: " " + base64.StdEncoding.EncodeToString(k64) + " , " + url + "\n", want: [][]byte{k64, k32}},
		{name: "ErrEmpty", in: "", wantErr: "no keys"},
		{name: "ErrBlank", in: "  ", wantErr: "no keys"},
		{name: "ErrTrailingComma", in: std + ",", wantErr: "key 2 of 2 is empty"},
		{name: "ErrShortKey", in: std + "," + base64.StdEncoding.EncodeToString(k16), wantErr: "key 2 of 2: decodes to 16 bytes, want 32 or 64"},
		{name: "ErrRawPassphrase", in: "correct horse battery staple!!", wantErr: "key 1 of 1: not valid base64"},
		{name: "ErrMixedAlphabets", in: "+" + url[1:], wantErr: "key 1 of 1: not valid base64"},
		{name: "ErrDuplicate", in: std + "," + url, wantErr: "key 2 of 2 repeats key 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := appsession.ParseKeys(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseKeys() = %v, want error containing %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "appsession: ") {
					t.Errorf("ParseKeys() error %q lacks the package prefix", err)
				}
				for _, part := range strings.Split(tt.in, ",") {
					if p := strings.TrimSpace(part); len(p) > 4 && strings.Contains(err.Error(), p) {
						t.Errorf("ParseKeys() error %q echoes a key", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeys() = %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseKeys() mismatch (-want +got):\n%s", diff)
			}
			if _, err := appsession.NewCodec(got); err != nil {
				t.Errorf("NewCodec(ParseKeys()) = %v", err)
			}
		})
	}
}

func TestNewCodec_Errors(t *testing.T) {
	tests := map[string][][]byte{
		"NoKeys":   nil,
		"ShortKey": {bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{1}, 31)},
	}
	for name, keys := range tests {
		if _, err := appsession.NewCodec(keys); err == nil {
			t.Errorf("%s: NewCodec() = nil error, want one", name)
		}
	}
}
