package appsession_test

import (
	"bytes"
	"testing"

	"github.com/sfzoom/sfzoom/internal/appsession"
)

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
