package zoomtest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"html/template"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"
)

const (
	accessTokenTTL = time.Hour
	// tokenExpiresIn is what /oauth/token says: Zoom answers 3599 for its
	// one-hour tokens (recorded S2S responses; the device-authorization
	// example of https://developers.zoom.us/docs/integrations/oauth/).
	tokenExpiresIn = 3599
	codeTTL        = 5 * time.Minute
	userScopes     = "meeting:read:meeting meeting:write:meeting user:read:user cloud_recording:read:recording meeting:read:summary"
	s2sScopes      = "meeting:read:meeting:admin meeting:write:meeting:admin user:read:user:admin cloud_recording:read:recording:admin meeting:read:summary:admin meeting:read:participant:admin"
)

type accessToken struct {
	userID  string // "" for account (S2S) tokens
	expires time.Time
	revoked bool
}

type refreshToken struct {
	userID string
	scope  string
	used   bool
}

type authCode struct {
	redirectURI string
	challenge   string
	method      string
	userID      string
	expires     time.Time
	used        bool
}

// TokenRequests returns how many /oauth/token requests used a grant type
// ("account_credentials", "authorization_code", "refresh_token").
func (s *Server) TokenRequests(grantType string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests[grantType]
}

// ExpireTokens makes every access token issued so far invalid (401, code
// 124), as if an hour had passed. Refresh tokens keep working.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.accessTokens {
		t.expires = time.Time{}
	}
}

// SetAutoApprove makes GET /oauth/authorize approve at once (as the first
// user) instead of showing the approval page.
func (s *Server) SetAutoApprove(on bool) { s.locked(func() { s.autoApprove = on }) }

// IssueAccessToken mints an access token for a user id or email ("" for an
// account-level token), for callers that skip OAuth.
func (s *Server) IssueAccessToken(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	uid := ""
	if u := s.findUser(user); u != nil {
		uid = u.ID
	}
	t := s.newToken()
	s.accessTokens[t] = &accessToken{userID: uid, expires: s.now().Add(accessTokenTTL)}
	return t
}

// authenticate checks the bearer token of an API request.
func (s *Server) authenticate(r *http.Request) (*accessToken, bool) {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(h, "bearer ")
	}
	if !ok || tok == "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.accessTokens[tok]
	if t == nil || t.revoked || !s.now().Before(t.expires) {
		return nil, false
	}
	return t, true
}

// oauthError writes Zoom's OAuth error shape: {"reason","error"}.
func oauthError(w http.ResponseWriter, status int, errCode, reason string) {
	writeJSON(w, status, obj{"reason": reason, "error": errCode})
}

func (s *Server) clientOK(r *http.Request) bool {
	id, secret, ok := r.BasicAuth()
	if !ok {
		// Zoom documents Basic auth; x/oauth2's AuthStyleAutoDetect may
		// retry with the credentials in the body, which we accept too.
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return subtle.ConstantTimeCompare([]byte(id), []byte(s.clientID)) == 1 &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.clientSecret)) == 1
}

// DelayTokenResponses makes POST /oauth/token do its work at once (a
// refresh rotates the refresh token) but answer only after d, or never if
// the client gives up first: a response lost to a client timeout. 0 turns
// it off.
func (s *Server) DelayTokenResponses(d time.Duration) { s.locked(func() { s.tokenDelay = d }) }

// handleToken serves POST /oauth/token, answering after the delay set by
// DelayTokenResponses.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d := s.tokenDelay
	s.mu.Unlock()
	if d <= 0 {
		s.token(w, r)
		return
	}
	rec := httptest.NewRecorder()
	s.token(rec, r)
	select {
	case <-time.After(d):
	case <-r.Context().Done():
		return // the client left; the rotation stands
	}
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// token handles POST /oauth/token. Parameters may come in the query or a
// form body (developers.zoom.us/docs/rooms/oauth).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid request")
		return
	}
	grant := r.Form.Get("grant_type")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenRequests[grant]++
	if !s.clientOK(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	now := s.now()
	switch grant {
	case "account_credentials":
		if r.Form.Get("account_id") != s.accountID {
			oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid account_id")
			return
		}
		at := s.newToken()
		s.accessTokens[at] = &accessToken{expires: now.Add(accessTokenTTL)}
		// S2S tokens have no refresh token (developers.zoom.us/docs/internal-apps/s2s-oauth).
		writeJSON(w, http.StatusOK, obj{"access_token": at, "token_type": "bearer", "expires_in": tokenExpiresIn, "scope": s2sScopes, "api_url": s.base})
	case "authorization_code":
		c := s.codes[r.Form.Get("code")]
		switch {
		case c == nil || c.used:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid authorization code")
			return
		case !now.Before(c.expires):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Authorization code is expired")
			return
		case r.Form.Get("redirect_uri") != c.redirectURI:
			oauthError(w, http.StatusBadRequest, "invalid_request", "Redirect URI mismatch.")
			return
		case c.challenge != "" && !pkceOK(c.challenge, c.method, r.Form.Get("code_verifier")):
			oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid code_verifier")
			return
		}
		c.used = true
		s.issueUserTokens(w, c.userID, userScopes)
	case "refresh_token":
		rt := s.refreshTokens[r.Form.Get("refresh_token")]
		if rt == nil || rt.used {
			// Refresh tokens rotate; a previous one answers exactly this
			// (devsupport KB 360060332931, docs/zoom-api.md §5.2).
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid Token!")
			return
		}
		rt.used = true
		s.issueUserTokens(w, rt.userID, rt.scope)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
	}
}

// issueUserTokens writes a user token pair; callers hold s.mu.
func (s *Server) issueUserTokens(w http.ResponseWriter, userID, scope string) {
	at, rt := s.newToken(), s.newToken()
	s.accessTokens[at] = &accessToken{userID: userID, expires: s.now().Add(accessTokenTTL)}
	s.refreshTokens[rt] = &refreshToken{userID: userID, scope: scope}
	writeJSON(w, http.StatusOK, obj{"access_token": at, "token_type": "bearer", "refresh_token": rt, "expires_in": tokenExpiresIn, "scope": scope, "api_url": s.base})
}

func pkceOK(challenge, method, verifier string) bool {
	if verifier == "" {
		return false
	}
	if method == "plain" {
		return subtle.ConstantTimeCompare([]byte(challenge), []byte(verifier)) == 1
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	return subtle.ConstantTimeCompare([]byte(challenge), []byte(want)) == 1
}

// handleRevoke serves POST /oauth/revoke (token in the body or query, Basic
// auth), answering {"status":"success"}.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid request")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.clientOK(r) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	tok := r.Form.Get("token")
	if t := s.accessTokens[tok]; t != nil {
		t.revoked = true
	}
	if rt := s.refreshTokens[tok]; rt != nil {
		rt.used = true
	}
	writeJSON(w, http.StatusOK, obj{"status": "success"})
}

var authorizePage = template.Must(template.New("authorize").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize app - Zoom (fake)</title>
<style>body{font-family:sans-serif;max-width:32rem;margin:3rem auto}button{padding:.5rem 1.5rem}</style></head>
<body data-testid="zoomtest-authorize"><h1>Authorize sfzoom</h1>
<p>sfzoom would like to read and create meetings, recordings and summaries on your behalf.</p>
<form method="post" action="authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<label>Sign in as <select name="zoom_user">{{range .Users}}<option value="{{.ID}}">{{.Email}}</option>{{end}}</select></label>
<p><button type="submit" name="approve" value="1" data-testid="approve">Allow</button>
<button type="submit" name="approve" value="0" data-testid="deny">Decline</button></p>
</form></body></html>`))

// handleAuthorizePage serves GET /oauth/authorize: a one-click approval
// page, or an immediate redirect when auto-approve is on.
func (s *Server) handleAuthorizePage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.clientID || q.Get("response_type") != "code" || q.Get("redirect_uri") == "" {
		http.Error(w, "Invalid client_id, response_type or redirect_uri.", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	auto := s.autoApprove
	users := make([]User, 0, len(s.users))
	for _, u := range s.users {
		users = append(users, u.User)
	}
	s.mu.Unlock()
	if auto {
		s.approve(w, r, q, "")
		return
	}
	params := map[string]string{}
	for _, k := range []string{"client_id", "response_type", "redirect_uri", "state", "code_challenge", "code_challenge_method"} {
		if v := q.Get(k); v != "" {
			params[k] = v
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	authorizePage.Execute(w, struct {
		Params map[string]string
		Users  []User
	}{params, users})
}

// handleAuthorizeApprove serves the approval form's POST.
func (s *Server) handleAuthorizeApprove(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") != s.clientID || r.PostForm.Get("redirect_uri") == "" {
		http.Error(w, "Invalid request.", http.StatusBadRequest)
		return
	}
	if r.PostForm.Get("approve") != "1" {
		target, err := url.Parse(r.PostForm.Get("redirect_uri"))
		if err != nil {
			http.Error(w, "Invalid redirect_uri.", http.StatusBadRequest)
			return
		}
		tq := target.Query()
		tq.Set("error", "access_denied")
		tq.Set("state", r.PostForm.Get("state"))
		target.RawQuery = tq.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
		return
	}
	s.approve(w, r, r.PostForm, r.PostForm.Get("zoom_user"))
}

// approve issues a code and redirects back with code and state.
func (s *Server) approve(w http.ResponseWriter, r *http.Request, p url.Values, who string) {
	target, err := url.Parse(p.Get("redirect_uri"))
	if err != nil || (target.Scheme != "http" && target.Scheme != "https") {
		http.Error(w, "Invalid redirect_uri.", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	uid := ""
	if u := s.findUser(who); u != nil {
		uid = u.ID
	} else if len(s.users) > 0 {
		uid = s.users[0].ID
	}
	code := s.randHex(16)
	s.codes[code] = &authCode{
		redirectURI: p.Get("redirect_uri"), challenge: p.Get("code_challenge"), method: p.Get("code_challenge_method"),
		userID: uid, expires: s.now().Add(codeTTL),
	}
	s.mu.Unlock()
	tq := target.Query()
	tq.Set("code", code)
	if st := p.Get("state"); st != "" {
		tq.Set("state", st)
	}
	target.RawQuery = tq.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}
