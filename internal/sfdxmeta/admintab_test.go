package sfdxmeta_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAdminTab checks the "sfzoom Admin" Lightning tab that opens sfzoom's
// Settings (docs/install.md step 5; the /admin page names its address
// /lightning/n/sfzoom_Admin): the tab shows an Aura component that can be a
// tab (force:appHostable), which hosts the Zoom_Canvas canvas app with the
// parameter {"page":"setup"} that sfzoom maps to Settings → Setup
// (web/adminentry.go), and the sfzoom Admin permission set makes the tab
// visible. Aura component tabs:
// https://developer.salesforce.com/docs/atlas.en-us.lightning.meta/lightning/components_using_lex_s1_config_tab.htm
// CustomTab metadata:
// https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_tab.htm
func TestAdminTab(t *testing.T) {
	root := filepath.Join(sfdxDir(t), "force-app", "main", "default")
	read := func(rel string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	var tab struct {
		AuraComponent string `xml:"auraComponent"`
		Label         string `xml:"label"`
	}
	if err := xml.Unmarshal(read("tabs/sfzoom_Admin.tab-meta.xml"), &tab); err != nil {
		t.Fatal(err)
	}
	if tab.Label != "sfzoom Admin" {
		t.Errorf("tab label = %q, want %q", tab.Label, "sfzoom Admin")
	}
	if tab.AuraComponent == "" {
		t.Fatal("the sfzoom_Admin tab names no auraComponent")
	}
	cmp := string(read(filepath.Join("aura", tab.AuraComponent, tab.AuraComponent+".cmp")))
	if !regexp.MustCompile(`implements="[^"]*force:appHostable`).MatchString(cmp) {
		t.Errorf("c:%s does not implement force:appHostable, so it cannot be a tab", tab.AuraComponent)
	}
	if !strings.Contains(cmp, `<force:canvasApp developerName="Zoom_Canvas"`) || !strings.Contains(cmp, `parameters="{!v.canvasParameters}"`) {
		t.Errorf("c:%s does not host the Zoom_Canvas app with its canvasParameters:\n%s", tab.AuraComponent, cmp)
	}
	ctrl := string(read(filepath.Join("aura", tab.AuraComponent, tab.AuraComponent+"Controller.js")))
	if !regexp.MustCompile(`cmp\.set\(\s*'v\.canvasParameters',\s*JSON\.stringify\(\{\s*page:\s*'setup'\s*\}\)\s*\)`).MatchString(ctrl) {
		t.Errorf("c:%s's controller does not set the canvas parameters to {page: 'setup'}:\n%s", tab.AuraComponent, ctrl)
	}

	var ps struct {
		Tabs []struct {
			Tab        string `xml:"tab"`
			Visibility string `xml:"visibility"`
		} `xml:"tabSettings"`
	}
	if err := xml.Unmarshal(read("permissionsets/sfzoom_Admin.permissionset-meta.xml"), &ps); err != nil {
		t.Fatal(err)
	}
	visible := false
	for _, ts := range ps.Tabs {
		visible = visible || (ts.Tab == "sfzoom_Admin" && ts.Visibility == "Visible")
	}
	if !visible {
		t.Errorf("the sfzoom Admin permission set does not make the sfzoom_Admin tab visible: %+v", ps.Tabs)
	}
}
