package sfdxmeta_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// validatorScript returns the path of .ci/sfdx-validate.sh and skips the test when the npm tools it needs
// are not installed, unless CI is set: then the test is required and the script installs them itself.
func validatorScript(t *testing.T) string {
	t.Helper()
	script := filepath.Join(sfdxDir(t), "..", ".ci", "sfdx-validate.sh")
	if _, err := os.Stat(script); err != nil {
		t.Fatalf("validator: %v", err)
	}
	if os.Getenv("CI") != "" {
		return script
	}
	if testing.Short() {
		t.Skip("skipping the npm-based validator in -short mode")
	}
	for _, cmd := range []string{"bash", "node", "npm"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Skipf("%s not installed; set CI=1 to require this test", cmd)
		}
	}
	if _, err := os.Stat(filepath.Join(toolsDir(t), "node_modules")); err != nil {
		t.Skipf("sfdx tools not installed (%v); run .ci/sfdx-validate.sh once, or set CI=1", err)
	}
	return script
}

// toolsDir mirrors the cache location computed by .ci/sfdx-validate.sh.
func toolsDir(t *testing.T) string {
	t.Helper()
	h := sha256.New()
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(sfdxDir(t), f))
		if err != nil {
			t.Fatal(err)
		}
		h.Write(b)
	}
	root := os.Getenv("SFZOOM_SFDX_TOOLS")
	if root == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				t.Skipf("no home directory: %v", err)
			}
			cache = filepath.Join(home, ".cache")
		}
		root = filepath.Join(cache, "sfzoom", "sfdx-tools")
	}
	return filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
}

// TestValidator runs .ci/sfdx-validate.sh on copies of sfdx/: the pristine copy must pass, and a copy with
// broken files must fail with a message naming each broken file. The LWC Jest step is skipped here to keep
// the package fast; CI runs the script on sfdx/ with it.
func TestValidator(t *testing.T) {
	script := validatorScript(t)
	type breakage struct {
		file   string
		mutate func(string) string
	}
	tests := []struct {
		name   string
		breaks []breakage
	}{
		{name: "OK"},
		{
			name: "Broken",
			breaks: []breakage{
				// Caught by the schema check only: sf project convert accepts an unknown element.
				{"force-app/main/default/objects/User/fields/Zoom_Email__c.field-meta.xml",
					func(s string) string {
						return strings.Replace(s, "<label>", "<bogusElement>x</bogusElement>\n    <label>", 1)
					}},
				// An enum value outside AccessMethod {Get, Post}.
				{"force-app/main/default/extlClntAppCanvasSettings/Zoom_Canvas_canvas.ecaCanvas-meta.xml",
					func(s string) string {
						return strings.Replace(s, "<accessMethod>Post<", "<accessMethod>SignedRequest<", 1)
					}},
				// Malformed XML that sf project convert silently repairs.
				{"force-app/main/default/objects/Opportunity/fields/Meeting_Count__c.field-meta.xml",
					func(s string) string { return strings.Replace(s, "</label>", "</labelx>", 1) }},
				// An Apex syntax error.
				{"force-app/main/default/classes/ZoomMeetingEventHandler.cls",
					func(s string) string {
						return strings.Replace(s, "Boolean isNew = current == null;", "Boolean isNew = current == null", 1)
					}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := MustCopySFDX(t)
			for _, b := range tt.breaks {
				p := filepath.Join(dir, filepath.FromSlash(b.file))
				orig, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				broken := b.mutate(string(orig))
				if broken == string(orig) {
					t.Fatalf("the test did not change %s", b.file)
				}
				if err := os.WriteFile(p, []byte(broken), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("bash", script, dir)
			cmd.Env = append(os.Environ(), "SFZOOM_SFDX_SKIP_JEST=1")
			out, err := cmd.CombinedOutput()
			if len(tt.breaks) == 0 {
				if err != nil {
					t.Fatalf("sfdx-validate.sh on a pristine copy: %v\n%s", err, out)
				}
				if !strings.Contains(string(out), "3 passed, 0 failed") {
					t.Errorf("sfdx-validate.sh did not run its three metadata steps:\n%s", out)
				}
				return
			}
			if err == nil {
				t.Fatalf("sfdx-validate.sh with broken files succeeded, want failure\n%s", out)
			}
			for _, b := range tt.breaks {
				if !strings.Contains(string(out), "ERROR "+b.file) {
					t.Errorf("sfdx-validate.sh output does not name %s:\n%s", b.file, out)
				}
			}
		})
	}
}
