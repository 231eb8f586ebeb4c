package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfdxmeta"
)

// runSFDXConfig writes the deployment-specific values (canvas URL, OAuth
// callback URLs, contact email) into the sfdx/ metadata before deploy, so
// nobody edits XML by hand. It is idempotent.
func runSFDXConfig(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("sfdx-config", stderr)
	dir := fs.String("dir", "sfdx", "the Salesforce DX project directory")
	publicURL := fs.String("public-url", getenv("SFZOOM_PUBLIC_URL"), "sfzoom's public https URL (default $SFZOOM_PUBLIC_URL)")
	callbacks := fs.String("callback-urls", "", "comma-separated OAuth callback URLs (default PUBLIC_URL"+sfdxmeta.DefaultCallbackPath+")")
	email := fs.String("contact-email", "", "contact email of the app (unchanged when empty)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *publicURL == "" {
		return &usageError{msg: "sfdx-config: -public-url (or SFZOOM_PUBLIC_URL) is required"}
	}
	opts := sfdxmeta.ConfigOptions{PublicURL: *publicURL, ContactEmail: *email}
	for _, u := range strings.Split(*callbacks, ",") {
		if u = strings.TrimSpace(u); u != "" {
			opts.CallbackURLs = append(opts.CallbackURLs, u)
		}
	}
	changed, err := sfdxmeta.Configure(*dir, opts)
	if err != nil {
		return err
	}
	if len(changed) == 0 {
		fmt.Fprintln(stdout, "sfdx metadata already up to date")
	}
	for _, f := range changed {
		fmt.Fprintln(stdout, "updated", f)
	}
	return nil
}
