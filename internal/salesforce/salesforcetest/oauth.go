package salesforcetest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// DefaultAppScopes are the OAuth scopes the sfzoom External Client App in
// sfdx/ grants (commaSeparatedOauthScopes "Api,Basic,RefreshToken"), by
// their protocol names. A consistency test in internal/sfdxmeta keeps the
// two in step.
var DefaultAppScopes = []string{"api", "id", "refresh_token"}

// Scopes that stand for others, as Salesforce documents them: "full" allows
// everything; profile, email, address and phone are synonyms of id.
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_tokens_scopes.htm
var scopeSynonyms = map[string][]string{
	"id":     {"id", "profile", "email", "address", "phone", "full"},
	"api":    {"api", "full"},
	"openid": {"openid"},
}

// hasScope reports whether a token's scopes allow need.
func hasScope(scopes []string, need string) bool {
	for _, s := range scopes {
		for _, ok := range scopeSynonyms[need] {
			if s == ok {
				return true
			}
		}
	}
	return false
}

// grantScopes returns the scopes a token gets for a request: the app's
// scopes when none were asked for, else those asked for that the app has.
func (s *Server) grantScopes(requested string) []string {
	if strings.TrimSpace(requested) == "" {
		return append([]string(nil), s.appScopes...)
	}
	var out []string
	for _, r := range strings.Fields(requested) {
		for _, a := range s.appScopes {
			if r == a || (a == "full" && r != "refresh_token" && r != "offline_access") {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// IssueToken returns a fresh access token for userID, as if the user had
// just logged in. The canvas simulator uses it for client.oauthToken; like
// Salesforce's signed request it carries every scope the app grants.
func (s *Server) IssueToken(userID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueAccess(to18(userID), "", s.appScopes)
}

func (s *Server) issueAccess(userID, refresh string, scopes []string) string {
	org := s.orgs[0].id
	if u, ok := s.users[userID]; ok {
		org = u.org
	}
	// Real access tokens start with the 15-character org id and "!".
	tok := org[:15] + "!AQ" + s.token("access")
	s.sessions[tok] = &session{user: userID, org: org, refresh: refresh, scopes: scopes}
	return tok
}

func (s *Server) identityURL(org, user string) string { return s.publicURL + "/id/" + org + "/" + user }

// tokenResponse renders Salesforce's token response: no expires_in,
// issued_at as epoch milliseconds in a string, and signature =
// Base64(HMAC-SHA256(client_secret, id + issued_at)) (docs/salesforce-api.md §2.1).
func (s *Server) tokenResponse(access, refresh, user, org string, scopes []string) []byte {
	id := s.identityURL(org, user)
	issued := strconv.FormatInt(s.now().UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(s.secret))
	mac.Write([]byte(id + issued))
	o := ordered{{"access_token", access}}
	if refresh != "" {
		o = append(o, kv{"refresh_token", refresh})
	}
	o = append(o,
		kv{"signature", base64.StdEncoding.EncodeToString(mac.Sum(nil))},
		kv{"scope", strings.Join(scopes, " ")},
		kv{"instance_url", s.publicURL},
		kv{"id", id},
		kv{"token_type", "Bearer"},
		kv{"issued_at", issued},
	)
	return mustJSON(o)
}

func (s *Server) checkClient(r *http.Request) (string, bool) {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if s.clientID == "" {
		return id, true
	}
	return id, id == s.clientID && (secret == "" || secret == s.secret)
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.admit(w, r, false, func(w http.ResponseWriter) {
		writeJSON(w, http.StatusServiceUnavailable, oauthError("temporarily_unavailable", "service unavailable"))
	}) {
		return
	}
	clientID, ok := s.checkClient(r)
	if !ok {
		writeJSON(w, http.StatusBadRequest, oauthError("invalid_client_id", "client identifier invalid"))
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "":
		writeJSON(w, http.StatusBadRequest, oauthError("invalid_request", "missing required parameter: grant_type"))
	case "authorization_code":
		s.authorizationCodeGrant(w, r, clientID)
	case "refresh_token":
		s.refreshTokenGrant(w, r)
	default:
		writeJSON(w, http.StatusBadRequest, oauthError("unsupported_grant_type", "grant type not supported"))
	}
}

// authorizationCodeGrant redeems an authorization code once, for the client
// and redirect URI it was issued to, checking the PKCE verifier when the
// code has a challenge; a refresh token is issued when the scopes allow one.
func (s *Server) authorizationCodeGrant(w http.ResponseWriter, r *http.Request, clientID string) {
	code, found := s.codes[r.PostForm.Get("code")]
	if !found || code.used || code.redirectURI != r.PostForm.Get("redirect_uri") || (s.clientID != "" && code.clientID != clientID) {
		writeJSON(w, http.StatusBadRequest, oauthError("invalid_grant", "authentication failure"))
		return
	}
	if code.challenge != "" {
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if base64.RawURLEncoding.EncodeToString(sum[:]) != code.challenge {
			writeJSON(w, http.StatusBadRequest, oauthError("invalid_grant", "invalid code verifier"))
			return
		}
	}
	code.used = true
	refresh := ""
	if hasRefreshScope(code.scopes) {
		refresh = code.org[:15] + "!" + s.token("refresh")
		s.refreshes[refresh] = &refreshGrant{user: code.user, org: code.org, clientID: clientID, scopes: code.scopes}
	}
	access := s.issueAccess(code.user, refresh, code.scopes)
	writeJSON(w, http.StatusOK, s.tokenResponse(access, refresh, code.user, code.org, code.scopes))
}

// refreshTokenGrant issues an access token for a live refresh token,
// rotating the refresh token when the server rotates.
func (s *Server) refreshTokenGrant(w http.ResponseWriter, r *http.Request) {
	rt := r.PostForm.Get("refresh_token")
	g, found := s.refreshes[rt]
	if !found || g.revoked {
		writeJSON(w, http.StatusBadRequest, oauthError("invalid_grant", "expired access/refresh token"))
		return
	}
	newRefresh := ""
	if s.rotate {
		g.revoked = true
		newRefresh = g.org[:15] + "!" + s.token("refresh")
		s.refreshes[newRefresh] = &refreshGrant{user: g.user, org: g.org, clientID: g.clientID, scopes: g.scopes}
		rt = newRefresh
	}
	access := s.issueAccess(g.user, rt, g.scopes)
	// Without rotation the response carries no refresh_token.
	writeJSON(w, http.StatusOK, s.tokenResponse(access, newRefresh, g.user, g.org, g.scopes))
}

// handleRevoke revokes an access or refresh token; revoking a refresh token
// also revokes its access tokens.
func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	tok := r.Form.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.record(r, false)
	if _, ok := s.sessions[tok]; ok {
		delete(s.sessions, tok)
		w.WriteHeader(http.StatusOK)
		return
	}
	if g, ok := s.refreshes[tok]; ok && !g.revoked {
		g.revoked = true
		for k, se := range s.sessions {
			if se.refresh == tok {
				delete(s.sessions, k)
			}
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusBadRequest, oauthError("invalid_token", "invalid token"))
}

// identitySession records and authenticates an identity request; callers
// hold s.mu. Failures are HTTP 403 with the plain-text body
// Bad_OAuth_Token. The identity URL and userinfo
// need the id scope ("Allows access to the identity URL service",
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_tokens_scopes.htm;
// userinfo also takes openid); a token without it is refused like a dead one.
func (s *Server) identitySession(w http.ResponseWriter, r *http.Request, alsoOK string) *session {
	if !s.admit(w, r, false, func(w http.ResponseWriter) {
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	}) {
		return nil
	}
	se := s.authenticate(r)
	if se != nil && !hasScope(se.scopes, "id") && (alsoOK == "" || !hasScope(se.scopes, alsoOK)) {
		se = nil
	}
	if se == nil {
		badOAuthToken(w)
		return nil
	}
	return se
}

// badOAuthToken is the identity service's refusal: 403 Bad_OAuth_Token.
func badOAuthToken(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain;charset=UTF-8")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write([]byte("Bad_OAuth_Token"))
}

// identity serves an identity endpoint: h runs, holding s.mu, once the
// request is recorded and authenticated by identitySession (alsoOK: a scope
// accepted besides id).
func (s *Server) identity(alsoOK string, h func(w http.ResponseWriter, r *http.Request, se *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if se := s.identitySession(w, r, alsoOK); se != nil {
			h(w, r, se)
		}
	}
}

func (s *Server) handleIdentity(w http.ResponseWriter, r *http.Request, se *session) {
	org, user := to18(r.PathValue("org")), to18(r.PathValue("user"))
	rec, ok := s.records[user]
	if !ok || org != se.org || rec.obj.Name != "User" {
		badOAuthToken(w)
		return
	}
	base := s.publicURL
	str := func(k string) any { return rec.fields[k] }
	writeJSON(w, http.StatusOK, mustJSON(ordered{
		{"id", s.identityURL(org, user)}, {"asserted_user", se.user == user}, {"user_id", user}, {"organization_id", org},
		{"username", str("Username")}, {"nick_name", strings.Split(rec.fields["Username"].(string), "@")[0]},
		{"display_name", str("Name")}, {"email", str("Email")}, {"email_verified", true},
		{"first_name", str("FirstName")}, {"last_name", str("LastName")}, {"timezone", str("TimeZoneSidKey")},
		{"status", ordered{{"created_date", nil}, {"body", nil}}},
		{"urls", ordered{
			{"enterprise", base + "/services/Soap/c/{version}/" + org[:15]},
			{"partner", base + "/services/Soap/u/{version}/" + org[:15]},
			{"rest", base + "/services/data/v{version}/"},
			{"sobjects", base + "/services/data/v{version}/sobjects/"},
			{"query", base + "/services/data/v{version}/query/"},
			{"profile", base + "/" + user},
		}},
		{"active", str("IsActive")}, {"user_type", "STANDARD"}, {"language", "en_US"}, {"locale", "en_US"},
		{"utcOffset", 0}, {"last_modified_date", formatDateTime(s.now())},
	}))
}

func (s *Server) handleUserInfo(w http.ResponseWriter, r *http.Request, se *session) {
	rec, ok := s.records[se.user]
	if !ok {
		http.Error(w, "Bad_OAuth_Token", http.StatusForbidden)
		return
	}
	writeJSON(w, http.StatusOK, mustJSON(ordered{
		{"sub", s.identityURL(se.org, se.user)}, {"user_id", se.user}, {"organization_id", se.org},
		{"preferred_username", rec.fields["Username"]}, {"name", rec.fields["Name"]}, {"email", rec.fields["Email"]},
		{"email_verified", true}, {"given_name", rec.fields["FirstName"]}, {"family_name", rec.fields["LastName"]},
		{"zoneinfo", rec.fields["TimeZoneSidKey"]}, {"active", rec.fields["IsActive"]}, {"user_type", "STANDARD"},
		{"language", "en_US"}, {"locale", "en_US"}, {"utcOffset", 0}, {"updated_at", s.now().UTC().Format("2006-01-02T15:04:05Z")},
	}))
}

var approveTmpl = template.Must(template.New("approve").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Allow Access?</title><style>` + simCSS + `</style></head>
<body class="login"><main class="card" data-testid="oauth-approve">
<h1>Allow Access?</h1>
<p><strong>{{.ClientID}}</strong> is asking to access your Salesforce data.</p>
<form method="post" action="/services/oauth2/authorize">
{{range $k, $v := .Params}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<label>Log in as <select name="user_id" data-testid="oauth-user">{{range .Users}}<option value="{{.ID}}"{{if .Selected}} selected{{end}}>{{.Name}} ({{.Username}})</option>{{end}}</select></label>
<p><button type="submit" name="decision" value="allow" data-testid="oauth-allow">Allow</button>
<button type="submit" name="decision" value="deny" data-testid="oauth-deny">Deny</button></p>
</form></main></body></html>`))

type userOption struct {
	ID, Name, Username string
	Selected           bool
}

// handleAuthorize shows a simple approval page; Salesforce would first ask
// for a login, the fake lets the person pick a user.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.mu.Lock()
	s.record(r, false)
	if q.Get("response_type") != "code" || q.Get("redirect_uri") == "" || q.Get("client_id") == "" ||
		(s.clientID != "" && q.Get("client_id") != s.clientID) {
		s.mu.Unlock()
		http.Error(w, "error=invalid_request: missing or invalid response_type, client_id or redirect_uri", http.StatusBadRequest)
		return
	}
	current := s.simUser(r)
	users := s.userOptions(current)
	s.mu.Unlock()
	params := map[string]string{}
	for _, k := range []string{"response_type", "client_id", "redirect_uri", "state", "scope", "code_challenge", "code_challenge_method"} {
		if v := q.Get(k); v != "" {
			params[k] = v
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	_ = approveTmpl.Execute(w, map[string]any{"ClientID": q.Get("client_id"), "Params": params, "Users": users})
}

func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f := r.PostForm
	redirect, err := url.Parse(f.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" {
		http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
		return
	}
	q := redirect.Query()
	if st := f.Get("state"); st != "" {
		q.Set("state", st)
	}
	s.mu.Lock()
	s.record(r, false)
	user := to18(f.Get("user_id"))
	meta, known := s.users[user]
	if f.Get("decision") != "allow" || !known {
		s.mu.Unlock()
		q.Set("error", "access_denied")
		q.Set("error_description", "end-user denied authorization")
		redirect.RawQuery = q.Encode()
		http.Redirect(w, r, redirect.String(), http.StatusFound)
		return
	}
	code := "aPrx" + s.token("code")
	s.codes[code] = &authCode{user: user, org: meta.org, clientID: f.Get("client_id"), redirectURI: f.Get("redirect_uri"),
		challenge: f.Get("code_challenge"), scopes: s.grantScopes(f.Get("scope"))}
	s.mu.Unlock()
	q.Set("code", code)
	redirect.RawQuery = q.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// hasRefreshScope reports whether a grant may get a refresh token
// (refresh_token or its synonym offline_access).
func hasRefreshScope(scopes []string) bool {
	for _, s := range scopes {
		if s == "refresh_token" || s == "offline_access" {
			return true
		}
	}
	return false
}
