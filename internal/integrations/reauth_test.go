package integrations_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// TestZoom401RetriedOnceAfterRefresh: with the real vault and Zoom client,
// an access token Zoom refuses once (401 code 124, "Invalid access token",
// https://developers.zoom.us/docs/api/errors) is replaced
// by one forced token request and the call is retried once and succeeds;
// a 401 that persists after the new token is not retried again.
func TestZoom401RetriedOnceAfterRefresh(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	host := e.zoom.AddUser(zoomtest.User{Email: "riley.chen@acme-demo.com", FirstName: "Riley", LastName: "Chen", Type: 2})
	zc, err := e.in.ZoomAccount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const route = "GET /v2/users/{userId}"
	if _, err := zc.User(ctx, host.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.zoom.TokenRequests("account_credentials"); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}

	e.zoom.ExpireTokens() // the cached token is refused once
	if _, err := zc.User(ctx, host.ID); err != nil {
		t.Fatalf("call after the token expired at Zoom = %v, want success after one refresh", err)
	}
	if n := e.zoom.TokenRequests("account_credentials"); n != 2 {
		t.Errorf("token requests = %d, want 2 (one forced refresh)", n)
	}
	if n := e.zoom.Requests()[route]; n != 3 {
		t.Errorf("user requests = %d, want 3 (ok, 401, retry)", n)
	}

	// Zoom keeps refusing: one refresh, one retry, then the 401 stands.
	e.zoom.Fail(zoomtest.Failure{Status: http.StatusUnauthorized, Count: 100, Code: 124, Message: "Invalid access token."})
	if _, err := zc.User(ctx, host.ID); sfzoom.ErrorCode(err) != sfzoom.EUNAUTHORIZED {
		t.Fatalf("call while Zoom refuses every token = %v, want EUNAUTHORIZED", err)
	}
	if n := e.zoom.TokenRequests("account_credentials"); n != 3 {
		t.Errorf("token requests = %d, want 3 (one more forced refresh, no loop)", n)
	}
	if n := e.zoom.Requests()[route]; n != 5 {
		t.Errorf("user requests = %d, want 5 (the 401 and one retry)", n)
	}
}
