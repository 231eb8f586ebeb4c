package salesforcetest

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

//go:embed assets/canvas-all.js
var assets embed.FS

const simCookie = "sfsim_user"

// SetCanvasApp configures the canvas app the simulator frames: the canvas
// URL that receives the signed_request POST and the consumer secret that
// signs it.
func (s *Server) SetCanvasApp(canvasURL string, consumerSecret []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canvasURL = canvasURL
	s.canvasKey = append([]byte(nil), consumerSecret...)
}

// SetCanvasObjects places the canvas app on the record pages of objects
// only, as an admin adds the app's component to those objects' Lightning
// record pages (the repo's sfdx/force-app/main/default/flexipages); other
// record pages show no frame. Without a call every record page frames it.
func (s *Server) SetCanvasObjects(objects ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.canvasObjects = make(map[string]bool, len(objects))
	for _, o := range objects {
		s.canvasObjects[o] = true
	}
}

// canvasOn reports whether object's record page holds the canvas app.
// Callers hold mu.
func (s *Server) canvasOn(object string) bool {
	return s.canvasObjects == nil || s.canvasObjects[object]
}

// SignRequest signs a CanvasRequest JSON payload exactly like Salesforce
// (docs/canvas.md §1.1): Base64(HMAC-SHA256(secret, base64 payload text)) + "." +
// base64 payload, standard alphabet with padding.
func SignRequest(payloadJSON, secret []byte) string {
	payload := base64.StdEncoding.EncodeToString(payloadJSON)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(payload))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)) + "." + payload
}

// SignedRequestFor builds and signs a CanvasRequest for userID viewing the
// record (object and recordID may be empty), with targetOrigin the
// simulator's origin. It issues a fresh access token for client.oauthToken.
func (s *Server) SignedRequestFor(userID, object, recordID, targetOrigin string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signedRequest(to18(userID), object, recordID, targetOrigin, nil)
}

func (s *Server) signedRequest(userID, object, recordID, origin string, params map[string]any) (string, error) {
	payload, err := json.Marshal(s.canvasRequest(userID, object, recordID, origin, params))
	if err != nil {
		return "", err
	}
	return SignRequest(payload, s.canvasKey), nil
}

const canvasInstanceID = "09H5g0000000sfzAAA"

// canvasRequest builds a realistic CanvasRequest (docs/canvas.md §2). Callers
// hold mu.
func (s *Server) canvasRequest(userID, object, recordID, origin string, params map[string]any) ordered {
	ver := DefaultAPIVersion
	meta := s.users[userID]
	org := s.orgs[0].id
	if meta != nil {
		org = meta.org
	}
	token := s.issueAccess(userID, "", s.appScopes)
	var record any = ordered{}
	location := origin + "/lightning/n/sfzoom"
	if recordID != "" {
		record = ordered{{"attributes", ordered{{"type", object}, {"url", attrURL(ver, object, recordID)}}}, {"Id", recordID}}
		location = origin + "/lightning/r/" + object + "/" + recordID + "/view"
	}
	if params == nil {
		params = map[string]any{}
	}
	return ordered{
		{"algorithm", "HMACSHA256"},
		{"issuedAt", nil},
		{"userId", userID},
		{"client", ordered{
			{"clientId", nil}, {"instanceId", canvasInstanceID + ":"}, {"instanceUrl", s.publicURL},
			{"oauthToken", token}, {"refreshToken", nil}, {"targetOrigin", origin},
		}},
		{"context", ordered{
			{"application", ordered{
				{"applicationId", "06P5g0000000sfz"}, {"authType", "SIGNED_REQUEST"}, {"canvasUrl", s.canvasURL},
				{"developerName", "sfzoom"}, {"isInstalledPersonalApp", false}, {"name", "sfzoom"}, {"namespace", ""},
				{"options", []string{"HideShare"}}, {"referenceId", "09H5g0000000sfz"}, {"samlInitiationMethod", "None"}, {"version", "1.0"},
			}},
			{"user", s.canvasUser(userID)},
			{"environment", ordered{
				{"parameters", params},
				{"dimensions", ordered{{"clientHeight", "50px"}, {"clientWidth", "70px"}, {"height", "900px"}, {"width", "100%"}, {"maxHeight", "2000px"}, {"maxWidth", "1000px"}}},
				{"record", record},
				{"displayLocation", "PageLayout"},
				{"locationUrl", location},
				{"sublocation", nil},
				{"uiTheme", "Theme4d"},
				{"version", ordered{{"api", ver}, {"season", "SUMMER"}}},
			}},
			{"organization", ordered{
				{"currencyIsoCode", "USD"}, {"multicurrencyEnabled", false}, {"name", s.orgName(org)},
				{"namespacePrefix", nil}, {"organizationId", org},
			}},
			{"links", s.canvasLinks(ver, org, userID)},
		}},
	}
}

// canvasUser is the context.user section of a CanvasRequest for userID,
// read from the User record (docs/canvas.md §2).
func (s *Server) canvasUser(userID string) ordered {
	u := s.records[userID]
	str := func(k string) any {
		if u == nil {
			return nil
		}
		return u.fields[k]
	}
	return ordered{
		{"accessibilityModeEnabled", false}, {"currencyISOCode", "USD"}, {"email", str("Email")},
		{"firstName", str("FirstName")}, {"fullName", str("Name")}, {"isDefaultNetwork", true}, {"language", "en_US"},
		{"lastName", str("LastName")}, {"locale", "en_US"}, {"networkId", nil}, {"profileId", "00e5g000000sfzA"},
		{"profilePhotoUrl", s.publicURL + "/profilephoto/005/F"}, {"profileThumbnailUrl", s.publicURL + "/profilephoto/005/T"},
		{"roleId", nil}, {"siteUrl", nil}, {"siteUrlPrefix", nil}, {"timeZone", str("TimeZoneSidKey")},
		{"userId", userID}, {"userName", str("Username")}, {"userType", "STANDARD"},
	}
}

// canvasLinks is the context.links section of a CanvasRequest: the REST
// and SOAP endpoints of API version ver for org.
func (s *Server) canvasLinks(ver, org, userID string) ordered {
	data := "/services/data/v" + ver
	return ordered{
		{"chatterFeedItemsUrl", data + "/chatter/feed-items"}, {"chatterFeedsUrl", data + "/chatter/feeds"},
		{"chatterGroupsUrl", data + "/chatter/groups"}, {"chatterUsersUrl", data + "/chatter/users"},
		{"enterpriseUrl", "/services/Soap/c/" + ver + "/" + org[:15]}, {"loginUrl", s.publicURL},
		{"metadataUrl", "/services/Soap/m/" + ver + "/" + org[:15]}, {"partnerUrl", "/services/Soap/u/" + ver + "/" + org[:15]},
		{"queryUrl", data + "/query/"}, {"recentItemsUrl", data + "/recent/"}, {"restUrl", data + "/"},
		{"searchUrl", data + "/search/"}, {"sobjectUrl", data + "/sobjects/"}, {"userUrl", "/" + userID},
	}
}

// simUser returns the "view as" user: the cookie's user, else the first
// user created. Callers hold mu.
func (s *Server) simUser(r *http.Request) string {
	if c, err := r.Cookie(simCookie); err == nil {
		if _, ok := s.users[c.Value]; ok {
			return c.Value
		}
	}
	best := ""
	for id := range s.users {
		if best == "" || seqOf(id) < seqOf(best) {
			best = id
		}
	}
	return best
}

func (s *Server) isSfzoomAdmin(userID string) bool {
	if u, ok := s.users[userID]; ok && u.isAdmin {
		return true
	}
	for _, r := range s.records {
		if r.obj.Name == "PermissionSetAssignment" && r.fields["AssigneeId"] == userID {
			if ps, ok := s.records[r.fields["PermissionSetId"].(string)]; ok && ps.fields["Name"] == AdminPermissionSet {
				return true
			}
		}
	}
	return false
}

// origin is the simulator origin as the browser sees it.
func origin(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) simRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.handleSimHome)
	mux.HandleFunc("GET /lightning/r/{object}/{id}/view", s.handleSimRecord)
	mux.HandleFunc("GET /lightning/r/{id}/view", s.handleSimRecordByID)
	mux.HandleFunc("GET /lightning/n/sfzoom", s.handleSimAppHome)
	mux.HandleFunc("GET /lightning/setup/sfzoom/home", s.handleSimSetup)
	mux.HandleFunc("POST /_sim/view-as", s.handleSimViewAs)
	mux.HandleFunc("POST /_sim/signed-request", s.handleSimSignedRequest)
	mux.HandleFunc("GET /canvas/sdk/js/{version}/canvas-all.js", func(w http.ResponseWriter, r *http.Request) {
		b, _ := assets.ReadFile("assets/canvas-all.js")
		w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	})
}

type listRow struct {
	ID, Name, Detail, URL string
}

type pageData struct {
	Title      string
	Users      []userOption
	Current    userOption
	IsAdmin    bool
	Admins     []string // the names of the users holding the sfzoom admin permission set
	Opps       []listRow
	Contacts   []listRow
	Leads      []listRow
	Events     []listRow // the record's related Events (WhatId or WhoId), newest first
	Tasks      []listRow // the record's related Tasks
	Related    bool      // the record page shows the Events and Tasks related lists
	NoCanvas   string    // why the record page has no frame (the app is not placed on it)
	Object     string
	RecordID   string
	RecordName string
	Fields     []listRow
	CanvasURL  string
	FrameName  string
	Signed     string
	Page       string
	Error      string
}

func (s *Server) basePage(r *http.Request, page, title string) pageData {
	cur := s.simUser(r)
	users := s.userOptions(cur)
	d := pageData{Page: page, Title: title, Users: users, IsAdmin: s.isSfzoomAdmin(cur), CanvasURL: s.canvasURL, FrameName: "canvas-frame-" + canvasInstanceID + ":"}
	for _, u := range users {
		if u.Selected {
			d.Current = u
		}
		if s.isSfzoomAdmin(u.ID) {
			d.Admins = append(d.Admins, u.Name)
		}
	}
	return d
}

func (s *Server) render(w http.ResponseWriter, status int, d pageData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = simTmpl.Execute(w, d)
}

func (s *Server) handleSimHome(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.basePage(r, "home", "Home")
	for _, rec := range s.sortedRecords() {
		name, _ := rec.fields["Name"].(string)
		switch rec.obj.Name {
		case "Opportunity":
			stage, _ := rec.fields["StageName"].(string)
			d.Opps = append(d.Opps, listRow{ID: rec.id, Name: name, Detail: stage, URL: "/lightning/r/Opportunity/" + rec.id + "/view"})
		case "Contact":
			email, _ := rec.fields["Email"].(string)
			d.Contacts = append(d.Contacts, listRow{ID: rec.id, Name: name, Detail: email, URL: "/lightning/r/Contact/" + rec.id + "/view"})
		case "Lead":
			company, _ := rec.fields["Company"].(string)
			status, _ := rec.fields["Status"].(string)
			d.Leads = append(d.Leads, listRow{ID: rec.id, Name: name, Detail: strings.Trim(company+" · "+status, " ·"), URL: "/lightning/r/Lead/" + rec.id + "/view"})
		}
	}
	s.render(w, http.StatusOK, d)
}

func (s *Server) handleSimRecord(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.basePage(r, "record", "Record")
	obj, ok := s.schema.object(r.PathValue("object"))
	rec, found := s.records[to18(r.PathValue("id"))]
	if !ok || !found || rec.obj != obj {
		d.Error = "This record doesn't exist or you don't have access to it."
		s.render(w, http.StatusNotFound, d)
		return
	}
	d.Object, d.RecordID = obj.Name, rec.id
	d.RecordName, _ = rec.fields["Name"].(string)
	d.Title = d.RecordName
	for _, f := range obj.Fields {
		v := rec.fields[f.Name]
		if v == nil || f.Name == "Id" {
			continue
		}
		// Strings as they are (an Event's multi-line description must not
		// show JSON escapes); other values in their wire form.
		text := fieldText(v)
		if f.Type == "reference" {
			if target, ok := s.records[v.(string)]; ok {
				n, _ := target.fields["Name"].(string)
				d.Fields = append(d.Fields, listRow{Name: labelOf(f.Name), Detail: n, URL: "/lightning/r/" + target.obj.Name + "/" + target.id + "/view"})
				continue
			}
		}
		d.Fields = append(d.Fields, listRow{Name: labelOf(f.Name), Detail: text})
	}
	if obj.Name != "Event" && obj.Name != "Task" {
		d.Related = true
		d.Events, d.Tasks = s.relatedActivities(rec.id)
	}
	if !s.canvasOn(obj.Name) {
		d.NoCanvas = "sfzoom is not on " + obj.Name + " pages: its record page component is placed on " + s.canvasObjectList() + " records."
		s.render(w, http.StatusOK, d)
		return
	}
	if s.canvasURL != "" {
		signed, err := s.signedRequest(s.simUser(r), obj.Name, rec.id, origin(r), nil)
		if err != nil {
			http.Error(w, "sign: "+err.Error(), http.StatusInternalServerError)
			return
		}
		d.Signed = signed
	}
	s.render(w, http.StatusOK, d)
}

// relatedActivities returns the Events and Tasks whose WhatId or WhoId is
// id, newest first (Events by start, Tasks by due date), as a record page's
// related lists show them. Callers hold mu.
func (s *Server) relatedActivities(id string) (events, tasks []listRow) {
	recs := s.sortedRecords()
	for i := len(recs) - 1; i >= 0; i-- {
		rec := recs[i]
		if (rec.obj.Name != "Event" && rec.obj.Name != "Task") || (rec.fields["WhatId"] != id && rec.fields["WhoId"] != id) {
			continue
		}
		subject, _ := rec.fields["Subject"].(string)
		if subject == "" {
			subject = rec.id
		}
		row := listRow{ID: rec.id, Name: subject, URL: "/lightning/r/" + rec.obj.Name + "/" + rec.id + "/view"}
		if rec.obj.Name == "Event" {
			row.Detail = fieldText(rec.fields["StartDateTime"])
			events = append(events, row)
			continue
		}
		row.Detail = strings.Trim(fieldText(rec.fields["ActivityDate"])+" · "+fieldText(rec.fields["Status"]), " ·")
		tasks = append(tasks, row)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Detail > events[j].Detail })
	sort.SliceStable(tasks, func(i, j int) bool { return tasks[i].Detail > tasks[j].Detail })
	return events, tasks
}

// fieldText is a field's value as text: strings as they are, others in
// their wire form, nothing for null.
func fieldText(v any) string {
	if v == nil {
		return ""
	}
	if s, ok := renderValue(v).(string); ok {
		return s
	}
	return strings.TrimSpace(string(mustJSON(renderValue(v))))
}

// canvasObjectList names the objects the app is placed on, for a page
// without it. Callers hold mu.
func (s *Server) canvasObjectList() string {
	var objs []string
	for o := range s.canvasObjects {
		objs = append(objs, o)
	}
	sort.Strings(objs)
	switch len(objs) {
	case 0:
		return "no"
	case 1:
		return objs[0]
	}
	return strings.Join(objs[:len(objs)-1], ", ") + " and " + objs[len(objs)-1]
}

// handleSimRecordByID opens a record by id alone (where s1.navigateToSObject
// lands), like Salesforce's /lightning/r/{id}/view.
func (s *Server) handleSimRecordByID(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	rec, ok := s.records[to18(r.PathValue("id"))]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, "/lightning/r/"+rec.obj.Name+"/"+rec.id+"/view", http.StatusFound)
}

func (s *Server) handleSimAppHome(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.basePage(r, "app", "sfzoom")
	if s.canvasURL != "" {
		d.Signed, _ = s.signedRequest(s.simUser(r), "", "", origin(r), nil)
	}
	s.render(w, http.StatusOK, d)
}

func (s *Server) handleSimSetup(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.basePage(r, "setup", "Setup: sfzoom")
	if !d.IsAdmin {
		d.Error = "Insufficient Privileges: you need the sfzoom Admin permission set to open this page."
		s.render(w, http.StatusForbidden, d)
		return
	}
	if s.canvasURL != "" {
		d.Signed, _ = s.signedRequest(s.simUser(r), "", "", origin(r), map[string]any{"page": "setup"})
	}
	s.render(w, http.StatusOK, d)
}

func (s *Server) handleSimViewAs(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	_, ok := s.users[to18(r.PostForm.Get("user_id"))]
	s.mu.Unlock()
	if ok {
		http.SetCookie(w, &http.Cookie{Name: simCookie, Value: to18(r.PostForm.Get("user_id")), Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	}
	back := r.PostForm.Get("back")
	if u, err := url.Parse(back); err != nil || back == "" || u.IsAbs() || !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// handleSimSignedRequest is the simulator's stand-in for Salesforce's
// internal platformconnect/signedrequest call: the parent page asks it for
// a fresh signed request when the app calls refreshSignedRequest or
// repost({refresh:true}).
func (s *Server) handleSimSignedRequest(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	if r.Header.Get("Origin") != "" && r.Header.Get("Origin") != origin(r) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	object, id := r.PostForm.Get("object"), r.PostForm.Get("id")
	var params map[string]any
	if p := r.PostForm.Get("page"); p == "setup" {
		params = map[string]any{"page": "setup"}
	}
	signed, err := s.signedRequest(s.simUser(r), object, id, origin(r), params)
	if err != nil || s.canvasURL == "" {
		http.Error(w, "no canvas app configured", http.StatusConflict)
		return
	}
	writeJSON(w, http.StatusOK, mustJSON(ordered{{"signedRequest", signed}}))
}

const simCSS = `
*{box-sizing:border-box}body{margin:0;font:14px/1.4 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;background:#f3f3f3;color:#181818}
header{background:#032d60;color:#fff;display:flex;align-items:center;gap:1rem;padding:.5rem 1rem}
header a{color:#fff;text-decoration:none}header .brand{font-weight:700;font-size:1.1rem}header nav{display:flex;gap:1rem;flex:1}
header form{display:flex;gap:.5rem;align-items:center}main{padding:1rem;max-width:1200px;margin:0 auto}
.card{background:#fff;border:1px solid #ddd;border-radius:.25rem;padding:1rem;margin-bottom:1rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #eee}
a{color:#0176d3}h1{font-size:1.3rem;margin:.2rem 0 1rem}h2{font-size:1.05rem;margin:0 0 .5rem}
.grid{display:grid;grid-template-columns:1fr 2fr;gap:1rem}dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}dt{color:#555}dd{margin:0;white-space:pre-wrap}
iframe.canvas{width:100%;height:400px;border:0;display:block;background:#fff}.error{color:#ba0517}
.banner{background:#fef1ce;border-bottom:1px solid #e4a201;padding:.5rem 1rem}.muted{color:#555}
.login{display:flex;justify-content:center;padding-top:4rem}.login .card{max-width:420px}button{padding:.35rem .9rem}
@media (max-width:800px){.grid{grid-template-columns:1fr}}
`

var simTmpl = template.Must(template.New("sim").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{{.Title}} | Salesforce</title><style>` + simCSS + `</style></head>
<body data-testid="sim-page" data-page="{{.Page}}">
<header data-testid="sim-header">
 <span class="brand">Salesforce (simulated)</span>
 <nav><a href="/" data-testid="nav-home">Home</a><a href="/lightning/n/sfzoom" data-testid="nav-app">sfzoom</a>{{if .IsAdmin}}<a href="/lightning/setup/sfzoom/home" data-testid="nav-setup">Setup</a>{{end}}</nav>
 <form method="post" action="/_sim/view-as" data-testid="view-as-form">
  <label for="view-as">View as</label>
  <select id="view-as" name="user_id" data-testid="view-as" onchange="this.form.submit()">{{range .Users}}<option value="{{.ID}}"{{if .Selected}} selected{{end}}>{{.Name}}</option>{{end}}</select>
  <input type="hidden" name="back" value="">
  <noscript><button type="submit">Switch</button></noscript>
 </form>
</header>
<div class="banner" role="note" data-testid="sim-banner">Simulated Salesforce org. You are viewing as <strong data-testid="banner-user">{{.Current.Name}}</strong>{{if .IsAdmin}} (the sfzoom admin){{else}} (a sales rep){{end}}.
 {{if .Admins}}The sfzoom admin is <strong data-testid="banner-admin">{{range $i, $a := .Admins}}{{if $i}}, {{end}}{{$a}}{{end}}</strong>: view as them for Setup.{{end}}
 Use “View as” at the top right to switch users.</div>
<main>
{{if .Error}}<div class="card error" data-testid="sim-error">{{.Error}}</div>{{end}}
{{if eq .Page "home"}}
 <h1>Welcome, {{.Current.Name}}</h1>
 <div class="card" data-testid="opportunity-list"><h2>Opportunities</h2><table>
 {{range .Opps}}<tr data-testid="opportunity-row" data-id="{{.ID}}"><td><a href="{{.URL}}">{{.Name}}</a></td><td>{{.Detail}}</td></tr>{{end}}</table></div>
 <div class="card" data-testid="contact-list"><h2>Contacts</h2><table>
 {{range .Contacts}}<tr data-testid="contact-row" data-id="{{.ID}}"><td><a href="{{.URL}}">{{.Name}}</a></td><td>{{.Detail}}</td></tr>{{end}}</table></div>

 <div class="card" data-testid="lead-list"><h2>Leads</h2><table>
 {{range .Leads}}<tr data-testid="lead-row" data-id="{{.ID}}"><td><a href="{{.URL}}">{{.Name}}</a></td><td>{{.Detail}}</td></tr>{{else}}<tr><td class="muted">No leads.</td></tr>{{end}}</table></div>
{{end}}
{{if and (eq .Page "record") .RecordID}}
 <h1 data-testid="record-title">{{.Object}}: {{.RecordName}}</h1>
 <div class="grid">
  <div class="card" data-testid="record-details"><h2>Details</h2><dl>
  {{range .Fields}}<dt>{{.Name}}</dt><dd>{{if .URL}}<a href="{{.URL}}">{{.Detail}}</a>{{else}}{{.Detail}}{{end}}</dd>{{end}}</dl></div>
  {{if .NoCanvas}}<div class="card muted" data-testid="canvas-absent">{{.NoCanvas}}</div>{{else}}<div class="card" data-testid="canvas-card"><h2>Zoom</h2>{{template "canvas" .}}</div>{{end}}
 </div>
 {{if .Related}}
 <div class="card" data-testid="related-events"><h2>Events ({{len .Events}})</h2><table>
 {{range .Events}}<tr data-testid="related-event" data-id="{{.ID}}"><td><a href="{{.URL}}">{{.Name}}</a></td><td>{{.Detail}}</td></tr>{{else}}<tr><td class="muted">No events.</td></tr>{{end}}</table></div>
 <div class="card" data-testid="related-tasks"><h2>Tasks ({{len .Tasks}})</h2><table>
 {{range .Tasks}}<tr data-testid="related-task" data-id="{{.ID}}"><td><a href="{{.URL}}">{{.Name}}</a></td><td>{{.Detail}}</td></tr>{{else}}<tr><td class="muted">No tasks.</td></tr>{{end}}</table></div>
 {{end}}
{{end}}
{{if eq .Page "app"}}<h1>sfzoom</h1><div class="card" data-testid="canvas-card">{{template "canvas" .}}</div>{{end}}
{{if and (eq .Page "setup") (not .Error)}}<h1>Setup: sfzoom</h1><div class="card" data-testid="canvas-card">{{template "canvas" .}}</div>{{end}}
</main>
<script>
(function () {
  var sel = document.querySelector('[data-testid="view-as-form"] input[name="back"]');
  if (sel) { sel.value = location.pathname; }
})();
</script>
</body></html>
{{define "canvas"}}{{if .Signed}}
<iframe name="{{.FrameName}}" class="canvas" data-testid="canvas-frame" title="sfzoom" scrolling="no"></iframe>
<form id="canvas-form" data-testid="canvas-form" method="post" action="{{.CanvasURL}}" target="{{.FrameName}}"
      data-object="{{.Object}}" data-record-id="{{.RecordID}}" data-page="{{.Page}}" style="display:none">
 <input type="hidden" name="signed_request" value="{{.Signed}}" data-testid="signed-request">
</form>
<script>
(function () {
  "use strict";
  var form = document.getElementById("canvas-form");
  var frame = document.querySelector('[data-testid="canvas-frame"]');
  var appOrigin = new URL(form.action, location.href).origin;
  function fresh() {
    var body = new URLSearchParams({ object: form.dataset.object, id: form.dataset.recordId, page: form.dataset.page });
    return fetch("/_sim/signed-request", { method: "POST", credentials: "same-origin", body: body })
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (d) { return d.signedRequest; });
  }
  function reply(seq, type, status, payload) {
    frame.contentWindow.postMessage(JSON.stringify({ seq: seq, type: type, status: status, statusText: status === 200 ? "OK" : "Error",
      payload: payload, parentVersion: "` + DefaultAPIVersion + `", targetModule: "Canvas" }), appOrigin);
  }
  window.addEventListener("message", function (ev) {
    if (ev.origin !== appOrigin || ev.source !== frame.contentWindow) { return; }
    var msg;
    try { msg = typeof ev.data === "string" ? JSON.parse(ev.data) : ev.data; } catch (e) { return; }
    if (!msg || !msg.body || (msg.targetModule && msg.targetModule !== "Canvas")) { return; }
    var body = msg.body;
    switch (body.type) {
    case "resize":
      var h = body.size && parseInt(body.size.height, 10);
      if (h > 0) { frame.style.height = Math.min(h, 2000) + "px"; frame.dataset.height = String(Math.min(h, 2000)); }
      if (body.size && body.size.width && body.size.width !== "100%") { frame.style.width = body.size.width; }
      break;
    case "refresh":
      fresh().then(function (sr) { reply(msg.seq, "refresh", 200, { response: sr }); },
                   function (e) { reply(msg.seq, "refresh", 500, { response: null, error: String(e) }); });
      break;
    case "repost":
      (body.refresh ? fresh() : Promise.resolve(null)).then(function (sr) {
        if (sr) { form.elements.signed_request.value = sr; }
        form.submit();
      });
      break;
    case "publish":
      // Salesforce's navigation events for canvas apps (s1.*): the record
      // opens in this window, not in the frame.
      var ev = body.event || {};
      if (ev.name === "s1.navigateToSObject" && ev.payload && /^[A-Za-z0-9]{15,18}$/.test(ev.payload.recordId || "")) {
        location.href = "/lightning/r/" + ev.payload.recordId + "/view";
      }
      break;
    case "ctx":
      var parts = form.elements.signed_request.value.split(".");
      var ctx = JSON.parse(decodeURIComponent(escape(atob(parts[1])))).context;
      reply(msg.seq, "ctx", 200, ctx);
      break;
    }
  });
  form.submit();
})();
</script>
{{else}}<p data-testid="canvas-missing">No canvas app configured (SetCanvasApp).</p>{{end}}{{end}}
`))
