package main

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/demo"
)

// startDemo runs `sfzoom demo` in-process on free ports and returns its
// demo.json once the app answers /healthz.
func startDemo(t *testing.T, extraEnv map[string]string) demo.Info {
	t.Helper()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"demo", "-data", dir, "-addr", "127.0.0.1:0", "-salesforce-addr", "127.0.0.1:0", "-zoom-addr", "127.0.0.1:0"},
			envFrom(extraEnv), io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo exited with %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("demo did not stop within 20s of cancellation")
		}
	})
	var info demo.Info
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("demo exited early: %v", err)
		default:
		}
		b, err := os.ReadFile(filepath.Join(dir, "demo.json"))
		if err == nil && json.Unmarshal(b, &info) == nil && info.AppURL != "" {
			if resp, err := http.Get(info.AppURL + "/healthz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return info
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("demo did not become healthy within 30s")
	return info
}

func TestDemo_ServesSimulatorAndApp(t *testing.T) {
	info := startDemo(t, map[string]string{"SFZOOM_CANVAS_CONSUMER_SECRET": "from-the-environment"})
	if info.CanvasConsumerSecret != "from-the-environment" {
		t.Errorf("demo.json canvas_consumer_secret = %q, want the environment's value", info.CanvasConsumerSecret)
	}
	if info.ZoomWebhookSecret == "" || len(info.SampleRecords["Opportunity"]) == 0 || len(info.SampleRecords["Contact"]) == 0 {
		t.Errorf("demo.json lacks secrets or sample records: %+v", info)
	}
	if !strings.HasPrefix(info.SalesforceURL, "http://localhost:") || !strings.HasPrefix(info.AppURL, "http://127.0.0.1:") {
		t.Errorf("simulator %s and app %s must be different sites (localhost vs 127.0.0.1)", info.SalesforceURL, info.AppURL)
	}
	// The simulator's record page posts a signed request into the app's iframe.
	page := getBody(t, info.SalesforceURL+"/lightning/r/Opportunity/"+info.SampleRecords["Opportunity"][0]+"/view")
	for _, want := range []string{`name="signed_request"`, `action="` + info.AppURL + `/canvas"`, `<iframe`} {
		if !strings.Contains(page, want) {
			t.Errorf("simulator record page lacks %q", want)
		}
	}
	if body := getBody(t, info.ZoomControlURL); !strings.Contains(body, `data-testid="zoomtest-control"`) {
		t.Error("the Zoom control page is not served")
	}
	if body := getBody(t, info.AppURL+"/readyz"); !strings.Contains(body, `"ready":true`) {
		t.Errorf("/readyz = %s", body)
	}
}

func getBody(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// TestDemo_CanvasOpenWorks: the legitimate demo flow still works with the
// trust rules on: the simulator's signed request (pointing at the fake org
// on http://localhost) opens a session in the app, because the demo's wiring
// (and only it) trusts that origin.
func TestDemo_CanvasOpenWorks(t *testing.T) {
	info := startDemo(t, nil)
	opp := info.SampleRecords["Opportunity"][0]
	page := getBody(t, info.SalesforceURL+"/lightning/r/Opportunity/"+opp+"/view")
	m := regexp.MustCompile(`name="signed_request" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the simulator page has no signed request")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(info.AppURL+"/canvas", url.Values{"signed_request": {html.UnescapeString(m[1])}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/records/Opportunity/"+opp) {
		t.Fatalf("POST /canvas = %d %q, want 303 to the record page", resp.StatusCode, loc)
	}
	if body := getBody(t, info.AppURL+loc); !strings.Contains(body, opp) {
		t.Error("the record page does not show the record")
	}
}
