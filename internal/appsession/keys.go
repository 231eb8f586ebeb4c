package appsession

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ParseKeys parses SFZOOM_SESSION_KEYS: a comma-separated list of base64 keys
// (standard or URL alphabet, with or without padding), each decoding to 32 or
// 64 bytes. The first key encodes new sessions; the others only decode, so a
// key can be rotated by prepending a new one and removing the old one once
// its sessions have expired.
//
// Errors name the position of the bad key and what is wrong with it, never
// the key itself. Generate a key with `openssl rand -base64 32`.
func ParseKeys(s string) ([][]byte, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("appsession: parse keys: no keys (want a comma-separated list of base64 keys of 32 or 64 bytes)")
	}
	parts := strings.Split(s, ",")
	keys := make([][]byte, 0, len(parts))
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, fmt.Errorf("appsession: parse keys: key %d of %d is empty", i+1, len(parts))
		}
		k, err := decodeKey(p)
		if err != nil {
			return nil, fmt.Errorf("appsession: parse keys: key %d of %d: %w", i+1, len(parts), err)
		}
		if err := checkKeyLength(len(k)); err != nil {
			return nil, fmt.Errorf("appsession: parse keys: key %d of %d: %w", i+1, len(parts), err)
		}
		for j, prev := range keys {
			if subtle.ConstantTimeCompare(prev, k) == 1 {
				return nil, fmt.Errorf("appsession: parse keys: key %d of %d repeats key %d", i+1, len(parts), j+1)
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func decodeKey(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") {
		enc = enc.WithPadding(base64.NoPadding)
	}
	k, err := enc.DecodeString(s)
	if err != nil {
		// base64.CorruptInputError holds only an offset, but keep the
		// message fixed so nothing about the key can leak.
		return nil, errors.New("not valid base64 (standard or URL alphabet)")
	}
	return k, nil
}

func checkKeyLength(n int) error {
	if n != 32 && n != 64 {
		return fmt.Errorf("decodes to %d bytes, want 32 or 64", n)
	}
	return nil
}
