package web_test

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/appsession"
	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/web"
)

// TestRouteTable: a server with every part of sfzoom registers exactly the
// routes routes.go lists, and nothing registers routes elsewhere. The
// echo_route_not_found rows are the groups whose middleware also answers the
// unknown paths below them (routes.go).
func TestRouteTable(t *testing.T) {
	codec, err := appsession.NewCodec([][]byte{testKey()})
	if err != nil {
		t.Fatal(err)
	}
	oauth := &web.OAuth{Key: []byte("0123456789abcdef0123456789abcdef")}
	srv, err := web.NewServer(web.Options{Store: fakeStore{},
		Webhook: &web.ZoomWebhook{}, OAuth: oauth, Media: &web.MediaRoutes{}, RecordLink: &web.RecordLink{}, AdminEntry: true,
		Canvas: &web.CanvasOptions{ConsumerSecrets: canvas.UnboundSecrets([]byte(testSecret)), Sessions: codec, Orgs: &fakeOrgs{},
			Scheduling: &web.SchedulingPages{Zoom: &web.ZoomUserConnection{}},
			Settings:   &web.SettingsPages{OAuth: oauth, Routing: &fakeRouting{}},
			Review:     &web.ReviewPages{},
			Recordings: &web.RecordingsPages{}}})
	if err != nil {
		t.Fatal(err)
	}
	e, ok := srv.Handler().(*echo.Echo)
	if !ok {
		t.Fatalf("Handler() is a %T, want *echo.Echo", srv.Handler())
	}
	type route struct{ Method, Path string }
	var got []route
	for _, r := range e.Routes() {
		got = append(got, route{r.Method, r.Path})
	}
	less := func(a, b route) bool { return a.Method+" "+a.Path < b.Method+" "+b.Path }
	sort.Slice(got, func(i, j int) bool { return less(got[i], got[j]) })
	want := []route{
		{"GET", "/admin"},
		{"GET", "/app/home"},
		{"GET", "/app/meetings/:id/media"},
		{"GET", "/app/records/:object/:id"},
		{"GET", "/app/records/:object/:id/meetings"},
		{"GET", "/app/records/:object/:id/schedule-form"},
		{"GET", "/app/review"},
		{"GET", "/app/review/:id/candidates"},
		{"GET", "/app/settings"},
		{"GET", "/canvas"},
		{"GET", "/healthz"},
		{"GET", "/media/:token"},
		{"GET", "/metrics"},
		{"GET", "/oauth/:provider/start"},
		{"GET", "/oauth/salesforce/callback"},
		{"GET", "/oauth/zoom/callback"},
		{"GET", "/r/:org/*"},
		{"GET", "/readyz"},
		{"GET", "/static/*"},
		{"HEAD", "/healthz"},
		{"HEAD", "/media/:token"},
		{"HEAD", "/static/*"},
		{"POST", "/app/meetings/:id/cancel"},
		{"POST", "/app/meetings/:id/reschedule"},
		{"POST", "/app/meetings/:id/tasks"},
		{"POST", "/app/records/:object/:id/meetings"},
		{"POST", "/app/review/:id/link"},
		{"POST", "/app/settings/connections/salesforce/disconnect"},
		{"POST", "/app/settings/jobs/:id/retry"},
		{"POST", "/app/settings/org"},
		{"POST", "/app/settings/routing/claim"},
		{"POST", "/app/settings/routing/release"},
		{"POST", "/app/settings/routing/route"},
		{"POST", "/app/settings/users/:id/override"},
		{"POST", "/app/settings/users/verify"},
		{"POST", "/app/zoom/disconnect"},
		{"POST", "/canvas"},
		{"POST", "/webhooks/zoom"},
		{"echo_route_not_found", "/"},
		{"echo_route_not_found", "/*"},
		{"echo_route_not_found", "/app"},
		{"echo_route_not_found", "/app/*"},
		{"echo_route_not_found", "/app/review"},
		{"echo_route_not_found", "/app/review/*"},
		{"echo_route_not_found", "/app/settings"},
		{"echo_route_not_found", "/app/settings/*"},
	}
	sort.Slice(want, func(i, j int) bool { return less(want[i], want[j]) })
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("registered routes differ from routes.go's table (-want +got):\n%s", diff)
	}
}
