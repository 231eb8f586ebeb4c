// Package demo wires `sfzoom demo`: a fake Salesforce org with its simulator
// UI and a fake Zoom, each on its own listener, seeded with sample data, plus
// the configuration that points the real app at them. Only cmd/sfzoom
// imports it; production wiring never does.
//
// The simulator and the app are different sites (http://localhost:PORT and
// http://127.0.0.1:PORT), so cookies and framing behave as they do between
// Salesforce and a real deployment.
package demo

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sfzoom/sfzoom/internal/salesforce/salesforcetest"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// Options configure the demo.
type Options struct {
	DataDir        string // default data/demo
	Reset          bool   // delete DataDir first
	AppAddr        string // default 127.0.0.1:8080
	SalesforceAddr string // default 127.0.0.1:8081, presented as http://localhost:PORT
	ZoomAddr       string // default 127.0.0.1:8082
	// Getenv reads SFZOOM_CANVAS_CONSUMER_SECRET and SFZOOM_ZOOM_WEBHOOK_SECRET;
	// they are generated (and kept in the data folder) when unset.
	Getenv func(string) string
	Logger *slog.Logger
}

// Info is what the demo writes to demo.json in its data folder.
type Info struct {
	AppURL               string              `json:"app_url"`
	SalesforceURL        string              `json:"salesforce_url"`
	ZoomURL              string              `json:"zoom_url"`
	ZoomControlURL       string              `json:"zoom_control_url"`
	OpenURL              string              `json:"open_url"`
	CanvasConsumerSecret string              `json:"canvas_consumer_secret"`
	ZoomWebhookSecret    string              `json:"zoom_webhook_secret"`
	OrgID                string              `json:"org_id"`
	Users                map[string]string   `json:"users"`
	SampleRecords        map[string][]string `json:"sample_records"`
	StartedAt            time.Time           `json:"started_at"`
}

// Demo is a running demo environment (without the app itself).
type Demo struct {
	Info        Info
	Env         map[string]string // SFZOOM_* variables for the app
	AppListener net.Listener
	Salesforce  *salesforcetest.Server
	Zoom        *zoomtest.Server

	servers []*http.Server
}

// Demo credentials of the fake Zoom and Salesforce apps. They are not
// secrets: the fakes only exist inside this process.
const (
	zoomClientID     = "demo-zoom-client"
	zoomClientSecret = "demo-zoom-secret"
	zoomAccountID    = "demo-zoom-account"
	sfClientID       = "demo-salesforce-client"
	sfClientSecret   = "demo-salesforce-secret"
)

// Start prepares the data folder, starts both fakes and seeds them. The
// caller runs the app on AppListener with Env, then calls Close.
func Start(ctx context.Context, opts Options) (_ *Demo, err error) {
	opts = opts.withDefaults()
	secrets, err := prepareDataDir(opts)
	if err != nil {
		return nil, err
	}
	d := &Demo{}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	appLn, err := listen(opts.AppAddr, "-addr")
	if err != nil {
		return nil, err
	}
	d.AppListener = appLn
	sfLn, err := listen(opts.SalesforceAddr, "-salesforce-addr")
	if err != nil {
		return nil, err
	}
	zoomLn, err := listen(opts.ZoomAddr, "-zoom-addr")
	if err != nil {
		sfLn.Close()
		return nil, err
	}
	appURL := "http://" + urlHost(appLn.Addr(), "127.0.0.1")
	sfURL := "http://" + urlHost(sfLn.Addr(), "localhost") // a different site from the app
	zoomURL := "http://" + urlHost(zoomLn.Addr(), "127.0.0.1")
	d.startFakes(sfLn, zoomLn, sfURL, zoomURL, opts.Logger)
	seed := d.seed(appURL, secrets)

	d.Info = Info{
		AppURL: appURL, SalesforceURL: sfURL, ZoomURL: zoomURL,
		ZoomControlURL: zoomURL + "/_control", OpenURL: sfURL + "/",
		CanvasConsumerSecret: secrets.Canvas, ZoomWebhookSecret: secrets.Webhook,
		OrgID: seed.OrgID,
		Users: map[string]string{"rep": seed.RepID, "override_rep": seed.OverrideRepID, "admin": seed.AdminID},
		SampleRecords: map[string][]string{
			"Opportunity": seed.OpportunityIDs, "Contact": seed.ContactIDs,
			"Lead": seed.LeadIDs, "Account": seed.AccountIDs,
		},
		StartedAt: time.Now().UTC(),
	}
	d.Env = d.appEnv(opts.DataDir, seed.OrgID, secrets)
	if err := writeJSON(filepath.Join(opts.DataDir, "demo.json"), d.Info); err != nil {
		return nil, err
	}
	return d, nil
}

// withDefaults fills the options left unset: the data folder, the three
// addresses, an empty environment and a discarding logger.
func (opts Options) withDefaults() Options {
	if opts.DataDir == "" {
		opts.DataDir = filepath.Join("data", "demo")
	}
	if opts.AppAddr == "" {
		opts.AppAddr = "127.0.0.1:8080"
	}
	if opts.SalesforceAddr == "" {
		opts.SalesforceAddr = "127.0.0.1:8081"
	}
	if opts.ZoomAddr == "" {
		opts.ZoomAddr = "127.0.0.1:8082"
	}
	if opts.Getenv == nil {
		opts.Getenv = func(string) string { return "" }
	}
	opts.Logger = sfzoom.LoggerOrDiscard(opts.Logger)
	return opts
}

// prepareDataDir empties the data folder when asked to (Reset), creates it,
// and loads the demo's secrets kept there (generating them on first use).
func prepareDataDir(opts Options) (secretsFile, error) {
	if opts.Reset {
		if err := os.RemoveAll(opts.DataDir); err != nil {
			return secretsFile{}, fmt.Errorf("demo: reset %s: %w", opts.DataDir, err)
		}
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return secretsFile{}, fmt.Errorf("demo: create data folder: %w", err)
	}
	return loadSecrets(filepath.Join(opts.DataDir, "secrets.json"), opts.Getenv)
}

// startFakes builds the fake Zoom and Salesforce at their public URLs and
// serves them on their listeners.
func (d *Demo) startFakes(sfLn, zoomLn net.Listener, sfURL, zoomURL string, log *slog.Logger) {
	d.Zoom = zoomtest.NewServer(
		zoomtest.WithoutListener(zoomURL),
		zoomtest.WithCredentials(zoomClientID, zoomClientSecret, zoomAccountID),
		// Meetings scheduled during the demo have nobody to join them or
		// record them: let the control page fill that in.
		zoomtest.WithDemoContent(),
	)
	d.Salesforce = salesforcetest.NewServer(
		salesforcetest.WithoutListener(),
		salesforcetest.WithConnectedApp(sfClientID, sfClientSecret),
	)
	d.Salesforce.SetPublicURL(sfURL)
	d.serve(sfLn, d.Salesforce.Handler(), log)
	d.serve(zoomLn, d.Zoom.Handler(), log)
}

// seed loads the fake org's demo data, points its Canvas app and the Zoom
// webhook at the app, and gives the org's people their Zoom users.
func (d *Demo) seed(appURL string, secrets secretsFile) salesforcetest.Demo {
	seed := d.Salesforce.SeedDemo()
	d.Salesforce.SetCanvasApp(appURL+"/canvas", []byte(secrets.Canvas))
	// The app's record page component sits on the objects it schedules from
	// (sfdx/force-app/main/default/flexipages), not on Accounts or Events.
	d.Salesforce.SetCanvasObjects(sfzoom.ObjectOpportunity, sfzoom.ObjectContact, sfzoom.ObjectLead)
	d.Zoom.SetWebhook(appURL+"/webhooks/zoom", []byte(secrets.Webhook))
	for _, u := range []struct{ id, first, last, email string }{
		{seed.RepID, "Riley", "Chen", "riley.chen@acme-demo.com"},
		{seed.OverrideRepID, "Sam", "O'Neil", "sam@zoom.acme-demo.com"}, // the Zoom_Email__c override
		{seed.AdminID, "Alex", "Morgan", "alex.morgan@acme-demo.com"},
	} {
		d.Zoom.AddUser(zoomtest.User{Email: u.email, FirstName: u.first, LastName: u.last, Type: 2})
	}
	return seed
}

// appEnv is the SFZOOM_* environment the app runs with against the fakes.
func (d *Demo) appEnv(dataDir, orgID string, secrets secretsFile) map[string]string {
	sfURL, zoomURL := d.Info.SalesforceURL, d.Info.ZoomURL
	return map[string]string{
		"SFZOOM_ADDR":                     d.AppListener.Addr().String(),
		"SFZOOM_PUBLIC_URL":               d.Info.AppURL,
		"SFZOOM_DATABASE_URL":             "sqlite:" + filepath.Join(dataDir, "sfzoom.db"),
		"SFZOOM_LOG_FORMAT":               "text",
		"SFZOOM_SHUTDOWN_TIMEOUT":         "10s",
		"SFZOOM_CANVAS_CONSUMER_SECRET":   orgID + ":" + secrets.Canvas, // bound to the fake org, as docs/install.md asks
		"SFZOOM_SESSION_KEYS":             secrets.SessionKey,
		"SFZOOM_ENCRYPTION_KEYS":          "demo:" + secrets.EncryptionKey,
		"SFZOOM_FRAME_ANCESTORS":          sfURL,
		"SFZOOM_ZOOM_WEBHOOK_SECRET":      secrets.Webhook,
		"SFZOOM_ZOOM_AUTH_MODE":           "s2s",
		"SFZOOM_ZOOM_ACCOUNT_ID":          zoomAccountID,
		"SFZOOM_ZOOM_CLIENT_ID":           zoomClientID,
		"SFZOOM_ZOOM_CLIENT_SECRET":       zoomClientSecret,
		"SFZOOM_ZOOM_API_URL":             d.Zoom.APIURL(),
		"SFZOOM_ZOOM_OAUTH_URL":           zoomURL,
		"SFZOOM_SALESFORCE_CLIENT_ID":     sfClientID,
		"SFZOOM_SALESFORCE_CLIENT_SECRET": sfClientSecret,
		"SFZOOM_SALESFORCE_LOGIN_URL":     sfURL,
	}
}

// Close stops the fakes' listeners. The app listener is closed by the app.
func (d *Demo) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, s := range d.servers {
		_ = s.Shutdown(ctx)
	}
	if d.Zoom != nil {
		d.Zoom.Close()
	}
	if d.Salesforce != nil {
		d.Salesforce.Close()
	}
}

func (d *Demo) serve(ln net.Listener, h http.Handler, logger *slog.Logger) {
	s := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	d.servers = append(d.servers, s)
	go func() {
		if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("demo fake server stopped", "addr", ln.Addr().String(), "err", err.Error())
		}
	}()
}

func listen(addr, flag string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo: listen on %s (set another with %s, or port 0 for a free one): %w", addr, flag, err)
	}
	return ln, nil
}

// urlHost names a listener in a URL, replacing a wildcard or loopback IP by
// host so the demo's sites differ as intended.
func urlHost(a net.Addr, host string) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP.IsUnspecified() || tcp.IP.IsLoopback() {
		return fmt.Sprintf("%s:%d", host, tcp.Port)
	}
	return a.String()
}

type secretsFile struct {
	Canvas        string `json:"canvas_consumer_secret"`
	Webhook       string `json:"zoom_webhook_secret"`
	SessionKey    string `json:"session_key"`
	EncryptionKey string `json:"encryption_key"`
}

// loadSecrets reuses the data folder's secrets so sessions and encrypted
// tokens survive a restart; environment variables win for the two secrets
// the issue names.
func loadSecrets(path string, getenv func(string) string) (secretsFile, error) {
	var s secretsFile
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &s); err != nil {
			return s, fmt.Errorf("demo: %s is damaged (start with -reset): %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return s, fmt.Errorf("demo: read secrets: %w", err)
	}
	fill := func(v *string, env string, n int) {
		if e := strings.TrimSpace(getenv(env)); e != "" {
			*v = e
		} else if *v == "" {
			*v = random(n)
		}
	}
	fill(&s.Canvas, "SFZOOM_CANVAS_CONSUMER_SECRET", 24)
	fill(&s.Webhook, "SFZOOM_ZOOM_WEBHOOK_SECRET", 24)
	fill(&s.SessionKey, "", 32)
	fill(&s.EncryptionKey, "", 32)
	return s, writeJSON(path, s)
}

func random(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("demo: encode %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("demo: write %s: %w", path, err)
	}
	return nil
}
