package tokens_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/tokens"
)

// TestNoSecretInLogsAuditOrErrors drives every flow, including the failure
// paths, with debug logging into a buffer, then scans the logs, the audit
// trail and every returned error for any secret the endpoint ever issued and
// for the client secret.
func TestNoSecretInLogsAuditOrErrors(t *testing.T) {
	ctx := tokens.WithActor(context.Background(), "005000000000001AAA", "test")
	st, ids := newMem(t, sfzoom.ProviderZoomS2S, sfzoom.ProviderZoomUser, sfzoom.ProviderZoomUser)
	e := newEnv(t, st, false)
	v := e.vault(t)
	var errs []error
	collect := func(_ any, err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	collect(e.s2s(v, ids[0]).Token(ctx))
	z := e.zoomUser(v)
	e.connectZoomUser(t, z, ids[1])
	e.connectZoomUser(t, z, ids[2])
	e.clock.Advance(2 * time.Hour)
	collect(z.Token(ctx, ids[1]))
	// A wrong code, a refused refresh token, a bad client secret.
	e.srv.addCode("code-never-logged-1234", "verifier-verifier-verifier-verifier-verifier")
	collect(z.Exchange(ctx, ids[1], "code-never-logged-1234", "other-verifier-other-verifier-other-verifier"))
	e.srv.mu.Lock()
	clear(e.srv.refresh)
	e.srv.mu.Unlock()
	e.clock.Advance(2 * time.Hour)
	collect(z.Token(ctx, ids[1]))
	collect(tokens.NewZoomS2S(v, tokens.S2SConfig{ConnectionID: ids[0], AccountID: "a", ClientID: e.srv.clientID, ClientSecret: "wrong-secret-wrong", OAuthURL: e.srv.URL}).Token(ctx))
	collect(nil, z.Revoke(ctx, ids[2]))

	if len(errs) < 3 {
		t.Fatalf("only %d errors collected, want the failure paths exercised: %v", len(errs), errs)
	}
	if !strings.Contains(e.logs.String(), "tokens:") {
		t.Fatalf("nothing was logged; the scan would prove nothing")
	}
	for _, err := range errs {
		for _, s := range append(e.srv.secrets(), "wrong-secret-wrong") {
			if strings.Contains(err.Error(), s) || strings.Contains(sfzoom.ErrorMessage(err), s) {
				t.Errorf("error %q contains secret %q", err, s)
			}
		}
	}
	rows, _ := st.FindTokenAudit(ctx, ids[1], 1000)
	if len(rows) == 0 {
		t.Fatalf("no audit rows")
	}
	actions := map[string]bool{}
	for _, id := range ids {
		rows, _ := st.FindTokenAudit(ctx, id, 1000)
		for _, a := range rows {
			actions[a.Action] = true
		}
	}
	for _, want := range []string{tokens.ActionRead, tokens.ActionWrite, tokens.ActionRefresh, tokens.ActionRevoke} {
		if !actions[want] {
			t.Errorf("no %q audit row", want)
		}
	}
	assertNoSecrets(t, e, ids...)
	if strings.Contains(e.logs.String(), "wrong-secret-wrong") {
		t.Errorf("logs contain the client secret")
	}
}
