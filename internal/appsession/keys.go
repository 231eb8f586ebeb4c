package appsession

import "fmt"

// checkKeyLength accepts session keys of 32 or 64 bytes.
func checkKeyLength(n int) error {
	if n != 32 && n != 64 {
		return fmt.Errorf("decodes to %d bytes, want 32 or 64", n)
	}
	return nil
}
