package config_test

import (
	"encoding/base64"
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfzoom/sfzoom/internal/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func validServeEnv() map[string]string {
	key := base64.StdEncoding.EncodeToString(make([]byte, 32))
	return map[string]string{
		"SFZOOM_PUBLIC_URL":               "https://sfzoom.example.com/",
		"SFZOOM_CANVAS_CONSUMER_SECRET":   "secret-one,secret-two",
		"SFZOOM_SESSION_KEYS":             key,
		"SFZOOM_ENCRYPTION_KEYS":          "k2:" + key + ",k1:" + key,
		"SFZOOM_ZOOM_WEBHOOK_SECRET":      "whsec",
		"SFZOOM_ZOOM_ACCOUNT_ID":          "acct",
		"SFZOOM_ZOOM_CLIENT_ID":           "zid",
		"SFZOOM_ZOOM_CLIENT_SECRET":       "zsecret",
		"SFZOOM_SALESFORCE_CLIENT_ID":     "sfid",
		"SFZOOM_SALESFORCE_CLIENT_SECRET": "sfsecret",
	}
}

func TestLoad_OK(t *testing.T) {
	c, err := config.Load(env(validServeEnv()), config.ModeServe)
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if got, want := c.PublicURL.String(), "https://sfzoom.example.com"; got != want {
		t.Errorf("PublicURL = %q, want %q", got, want)
	}
	if got := len(c.CanvasConsumerSecrets); got != 2 {
		t.Errorf("len(CanvasConsumerSecrets) = %d, want 2", got)
	}
	if c.EncryptionKeys[0].ID != "k2" || len(c.EncryptionKeys) != 2 {
		t.Errorf("EncryptionKeys = %v, want k2 first of 2", c.EncryptionKeys)
	}
	if c.DatabaseURL != "sqlite:data/sfzoom.db" || c.Addr != ":8080" || c.ShutdownTimeout != 30*time.Second {
		t.Errorf("defaults not applied: %+v", c)
	}
	if !c.CanvasTokenCheck {
		t.Error("CanvasTokenCheck = false, want on by default")
	}
	if c.DBMaxConns != 16 {
		t.Errorf("DBMaxConns = %d, want 16 by default", c.DBMaxConns)
	}
}

func TestLoad_ServeWithNothingListsEveryMissingVariable(t *testing.T) {
	_, err := config.Load(env(nil), config.ModeServe)
	var ve *config.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load() error = %v, want *ValidationError", err)
	}
	for _, v := range config.Vars() {
		if !v.Required {
			continue
		}
		if !strings.Contains(err.Error(), v.Name+":") {
			t.Errorf("error does not mention %s:\n%v", v.Name, err)
		}
	}
	// S2S is the default mode, so the account id is required as well.
	if !strings.Contains(err.Error(), "SFZOOM_ZOOM_ACCOUNT_ID:") {
		t.Errorf("error does not mention SFZOOM_ZOOM_ACCOUNT_ID:\n%v", err)
	}
}

func TestLoad_Malformed(t *testing.T) {
	tests := []struct {
		name, key, value, want string
	}{
		{"BadAddr", "SFZOOM_ADDR", "8080", "host:port"},
		{"BadDatabase", "SFZOOM_DATABASE_URL", "mysql://x", "sqlite:PATH or postgres://"},
		{"HTTPPublicURL", "SFZOOM_PUBLIC_URL", "http://sfzoom.example.com", "https"},
		{"RelativeURL", "SFZOOM_ZOOM_API_URL", "/v2", "absolute URL"},
		{"ShortSessionKey", "SFZOOM_SESSION_KEYS", base64.StdEncoding.EncodeToString([]byte("short")), "32 or 64 bytes"},
		{"EncryptionKeyWithoutID", "SFZOOM_ENCRYPTION_KEYS", base64.StdEncoding.EncodeToString(make([]byte, 32)), "id:base64key"},
		{"BadDuration", "SFZOOM_SHUTDOWN_TIMEOUT", "soon", "duration"},
		{"BadBudget", "SFZOOM_SALESFORCE_BACKGROUND_BUDGET", "1.5", "from 0 to 1"},
		{"BadAdminID", "SFZOOM_ADMIN_USER_IDS", "bob", "Salesforce user id"},
		{"BadAdminOrg", "SFZOOM_ADMIN_USER_IDS", "bob:005xx000001Svk1AAC", "ORGID:USERID"},
		{"BadOrigin", "SFZOOM_FRAME_ANCESTORS", "localhost:8080/path", "not an origin"},
		{"BadMode", "SFZOOM_ZOOM_AUTH_MODE", "jwt", "s2s, user"},
		{"NoDBConns", "SFZOOM_DB_MAX_CONNS", "0", "from 1 to 1000"},
		{"RateWithoutBurst", "SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT", "50", "RATE:BURST"},
		{"ZeroRate", "SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT", "0:10", "RATE:BURST"},
		{"ZeroBurst", "SFZOOM_CANVAS_RATE_LIMIT", "5:0", "RATE:BURST"},
		{"WordRate", "SFZOOM_CANVAS_RATE_LIMIT", "fast:60", "e.g. 5:60, or off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := validServeEnv()
			m[tt.key] = tt.value
			_, err := config.Load(env(m), config.ModeServe)
			if err == nil {
				t.Fatalf("Load(%s=%q) error = nil, want one", tt.key, tt.value)
			}
			if !strings.Contains(err.Error(), tt.key+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%s=%q) error = %v, want it to name the variable and say %q", tt.key, tt.value, err, tt.want)
			}
		})
	}
}

func TestLoad_SecretsNeverEchoed(t *testing.T) {
	m := validServeEnv()
	m["SFZOOM_ENCRYPTION_KEYS"] = "k1:c2VjcmV0LWtleS1tYXRlcmlhbA=="
	_, err := config.Load(env(m), config.ModeServe)
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0LWtleS1tYXRlcmlhbA") {
		t.Errorf("Load() error = %v, want an error that does not echo the key", err)
	}
}

func TestLoad_MigrateNeedsOnlyDatabase(t *testing.T) {
	c, err := config.Load(env(map[string]string{"SFZOOM_DATABASE_URL": "postgres://u:p@localhost/db"}), config.ModeMigrate)
	if err != nil {
		t.Fatalf("Load(ModeMigrate) error = %v", err)
	}
	if c.DatabaseURL != "postgres://u:p@localhost/db" {
		t.Errorf("DatabaseURL = %q", c.DatabaseURL)
	}
}

// TestREADMEListsEveryVariable keeps the README's configuration table in
// step with Vars.
func TestREADMEListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range config.Vars() {
		row := "| `" + v.Name + "` |"
		if !strings.Contains(string(b), row) {
			t.Errorf("README.md has no table row for %s", v.Name)
		}
	}
}

// TestLoad_AdminUserIDs: bare user ids and org-bound ORGID:USERID entries.
func TestLoad_AdminUserIDs(t *testing.T) {
	m := validServeEnv()
	m["SFZOOM_ADMIN_USER_IDS"] = "005xx000001Svk1AAC, 00Dxx0000001gPFEAY:005xx000001Svk2AAC"
	c, err := config.Load(env(m), config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"005xx000001Svk1AAC", "00Dxx0000001gPFEAY:005xx000001Svk2AAC"}; strings.Join(c.AdminUserIDs, ",") != strings.Join(want, ",") {
		t.Fatalf("AdminUserIDs = %v, want %v", c.AdminUserIDs, want)
	}
}

// TestLoad_ConsumerSecrets pins the ORGID:secret format of
// SFZOOM_CANVAS_CONSUMER_SECRET: secrets are bound to their org, several per
// org for rotation, and a malformed entry stops start-up without echoing it.
func TestLoad_ConsumerSecrets(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    []config.ConsumerSecret
		problem string // substring of the error; "" for success
	}{
		{name: "Bound", value: "00Dx00000001hxyEAA:s1, 00Do0000000YsLj:s2", want: []config.ConsumerSecret{
			{OrgID: "00Dx00000001hxyEAA", Secret: []byte("s1")}, {OrgID: "00Do0000000YsLj", Secret: []byte("s2")}}},
		{name: "Rotation", value: "00Dx00000001hxyEAA:new,00Dx00000001hxyEAA:old", want: []config.ConsumerSecret{
			{OrgID: "00Dx00000001hxyEAA", Secret: []byte("new")}, {OrgID: "00Dx00000001hxyEAA", Secret: []byte("old")}}},
		{name: "SecretWithColon", value: "00Dx00000001hxyEAA:a:b", want: []config.ConsumerSecret{{OrgID: "00Dx00000001hxyEAA", Secret: []byte("a:b")}}},
		{name: "BareSingleOrg", value: "bare-one,bare-two", want: []config.ConsumerSecret{{Secret: []byte("bare-one")}, {Secret: []byte("bare-two")}}},
		{name: "NotAnOrgID", value: "005x0000001SyyEAAS:hunter2", problem: "entry #1 must look like ORGID:secret"},
		{name: "ShortOrgID", value: "00Dx:hunter2", problem: "entry #1 must look like ORGID:secret"},
		{name: "EmptySecret", value: "00Dx00000001hxyEAA:", problem: "has no secret after the colon"},
		{name: "Mixed", value: "00Dx00000001hxyEAA:hunter2,hunter3", problem: "mixes ORGID:secret entries with bare secrets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := validServeEnv()
			e["SFZOOM_CANVAS_CONSUMER_SECRET"] = tt.value
			c, err := config.Load(env(e), config.ModeServe)
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), "SFZOOM_CANVAS_CONSUMER_SECRET: ") || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("Load() = %v, want a SFZOOM_CANVAS_CONSUMER_SECRET problem %q", err, tt.problem)
				}
				if strings.Contains(err.Error(), "hunter") {
					t.Errorf("Load() error echoes the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load() = %v", err)
			}
			if diff := cmp.Diff(tt.want, c.CanvasConsumerSecrets); diff != "" {
				t.Errorf("CanvasConsumerSecrets (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLoad_WebhookRetention: 30 days by default; shorter than a day is
// refused, since Zoom's retries must still be recognised as duplicates.
func TestLoad_WebhookRetention(t *testing.T) {
	c, err := config.Load(env(validServeEnv()), config.ModeServe)
	if err != nil {
		t.Fatal(err)
	}
	if c.WebhookRetention != 30*24*time.Hour {
		t.Errorf("default WebhookRetention = %v, want 720h", c.WebhookRetention)
	}
	for _, v := range []string{"1h", "0s", "thirty days"} {
		m := validServeEnv()
		m["SFZOOM_WEBHOOK_RETENTION"] = v
		if _, err := config.Load(env(m), config.ModeServe); err == nil || !strings.Contains(err.Error(), "SFZOOM_WEBHOOK_RETENTION") {
			t.Errorf("SFZOOM_WEBHOOK_RETENTION=%q: error = %v, want one naming the variable", v, err)
		}
	}
}

// TestLoad_RateLimits: the per-client-IP limits default to 50:1000 (Zoom
// webhook) and 5:60 (Canvas), take RATE:BURST, and "off" lifts them (for a
// load test from one address).
func TestLoad_RateLimits(t *testing.T) {
	inf := config.RateLimit{Rate: math.Inf(1), Burst: math.MaxInt32}
	for _, tt := range []struct {
		name, webhook, canvas string
		wantWebhook, wantCanv config.RateLimit
	}{
		{"Defaults", "", "", config.RateLimit{Rate: 50, Burst: 1000}, config.RateLimit{Rate: 5, Burst: 60}},
		{"Set", "200:5000", "0.5:10", config.RateLimit{Rate: 200, Burst: 5000}, config.RateLimit{Rate: 0.5, Burst: 10}},
		{"Off", "off", "OFF", inf, inf},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := validServeEnv()
			m["SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT"] = tt.webhook
			m["SFZOOM_CANVAS_RATE_LIMIT"] = tt.canvas
			c, err := config.Load(env(m), config.ModeServe)
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			if c.ZoomWebhookRateLimit != tt.wantWebhook || c.CanvasRateLimit != tt.wantCanv {
				t.Errorf("rate limits = webhook %+v, canvas %+v; want %+v, %+v", c.ZoomWebhookRateLimit, c.CanvasRateLimit, tt.wantWebhook, tt.wantCanv)
			}
		})
	}
}
