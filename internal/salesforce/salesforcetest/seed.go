package salesforcetest

import (
	"fmt"
	"sort"
	"strings"
)

// User is a seed user.
type User struct {
	OrgID     string // "" means the default org
	FirstName string
	LastName  string
	Email     string
	Username  string // defaults to Email
	ZoomEmail string // User.Zoom_Email__c, the admin override
	TimeZone  string // defaults to America/Los_Angeles
	// SystemAdmin users can read every record (the fake's sharing model).
	SystemAdmin bool
	// SfzoomAdmin assigns the sfzoom_Admin permission set.
	SfzoomAdmin bool
}

// Contact is a seed contact.
type Contact struct {
	FirstName, LastName, Email, Title, AccountID, OwnerID string
}

// Lead is a seed lead.
type Lead struct {
	FirstName, LastName, Email, Company, OwnerID string
}

// Opportunity is a seed opportunity.
type Opportunity struct {
	Name, AccountID, StageName, OwnerID string
	CloseDate                           string // YYYY-MM-DD
	Amount                              float64
}

// AdminPermissionSet is the permission set that marks sfzoom admins.
const AdminPermissionSet = "sfzoom_Admin"

// AddOrg creates an org and returns its 18-character id. NewServer creates
// the default org; later orgs hold their own users and records.
func (s *Server) AddOrg(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := &orgInfo{id: newID("00D", s.nextSeq()), name: name}
	s.orgs = append(s.orgs, o)
	// The org's own Organization record (id = the org id), readable with
	// SOQL or GET sobjects/Organization/{id} like in a real org.
	obj, _ := s.schema.object("Organization")
	rec := &record{obj: obj, org: o.id, id: o.id, fields: map[string]any{}}
	for _, f := range obj.Fields {
		rec.fields[f.Name] = nil
	}
	rec.fields["Id"], rec.fields["Name"] = o.id, name
	rec.fields["TimeZoneSidKey"], rec.fields["DefaultLocaleSidKey"] = DefaultOrgTimeZone, "en_US"
	s.records[o.id] = rec
	return o.id
}

// DefaultOrgTimeZone is the Organization.TimeZoneSidKey of every fake org
// until SetOrgTimeZone changes it.
const DefaultOrgTimeZone = "America/Los_Angeles"

// SetOrgTimeZone sets an org's default time zone (Organization.TimeZoneSidKey,
// Setup → Company Information).
func (s *Server) SetOrgTimeZone(orgID, tz string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec, ok := s.records[to18(orgID)]; ok && rec.obj.Name == "Organization" {
		rec.fields["TimeZoneSidKey"] = tz
	}
}

// DefaultOrgID returns the id of the org NewServer created.
func (s *Server) DefaultOrgID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.orgs[0].id
}

func (s *Server) orgName(id string) string {
	for _, o := range s.orgs {
		if o.id == id {
			return o.name
		}
	}
	return ""
}

// mustCreate stores a seed record; seed data that fails validation is a
// programming error in the caller.
func (s *Server) mustCreate(org, object string, fields map[string]any) string {
	obj, ok := s.schema.object(object)
	if !ok {
		panic("salesforcetest: unknown object " + object)
	}
	rec := s.newRecord(org, obj)
	clean := map[string]any{}
	for k, v := range fields {
		if v == nil || v == "" {
			continue
		}
		clean[k] = v
	}
	// Seeds may set read-only fields (Name is derived anyway).
	for k, v := range clean {
		if f, ok := obj.field(k); ok && f.ReadOnly {
			rec.fields[f.Name] = v
			delete(clean, k)
		}
	}
	if oe := s.applyFields(rec, clean, true); oe != nil {
		panic(fmt.Sprintf("salesforcetest: seed %s: %s: %s", object, oe.code, oe.message))
	}
	s.records[rec.id] = rec
	return rec.id
}

// AddRecord stores a record of any object in the default org after the
// same validation as the REST API. It returns the id.
func (s *Server) AddRecord(object string, fields map[string]any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	obj, ok := s.schema.object(object)
	if !ok {
		return "", fmt.Errorf("salesforcetest: unknown object %s", object)
	}
	rec := s.newRecord(s.orgs[0].id, obj)
	if oe := s.applyFields(rec, fields, true); oe != nil {
		return "", fmt.Errorf("salesforcetest: add %s: %s: %s", object, oe.code, oe.message)
	}
	s.records[rec.id] = rec
	return rec.id, nil
}

// AddUser creates a user and returns its id.
func (s *Server) AddUser(u User) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	org := s.orgs[0].id
	if u.OrgID != "" {
		org = to18(u.OrgID)
	}
	if u.Username == "" {
		u.Username = u.Email
	}
	if u.TimeZone == "" {
		u.TimeZone = "America/Los_Angeles"
	}
	id := s.mustCreate(org, "User", map[string]any{
		"FirstName": u.FirstName, "LastName": u.LastName, "Email": u.Email, "Username": u.Username,
		"Zoom_Email__c": u.ZoomEmail, "TimeZoneSidKey": u.TimeZone, "LocaleSidKey": "en_US",
		"LanguageLocaleKey": "en_US", "IsActive": true,
	})
	s.users[id] = &userMeta{org: org, isAdmin: u.SystemAdmin}
	if u.SfzoomAdmin {
		s.assignPermissionSet(org, id, AdminPermissionSet)
	}
	return id
}

// AssignPermissionSet assigns the named permission set to a user, creating
// the permission set if needed.
func (s *Server) AssignPermissionSet(userID, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[to18(userID)]
	if !ok {
		panic("salesforcetest: unknown user " + userID)
	}
	s.assignPermissionSet(u.org, to18(userID), name)
}

func (s *Server) assignPermissionSet(org, userID, name string) {
	var psID string
	for _, r := range s.records {
		if r.obj.Name == "PermissionSet" && r.org == org && r.fields["Name"] == name {
			psID = r.id
		}
	}
	if psID == "" {
		psID = s.mustCreate(org, "PermissionSet", map[string]any{"Name": name, "Label": strings.ReplaceAll(name, "_", " ")})
	}
	s.mustCreate(org, "PermissionSetAssignment", map[string]any{"AssigneeId": userID, "PermissionSetId": psID})
}

// AddAccount creates an Account with a Website and returns its id.
func (s *Server) AddAccount(name, website, ownerID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustCreate(s.orgs[0].id, "Account", map[string]any{"Name": name, "Website": website, "OwnerId": ownerID})
}

// AddContact creates a Contact and returns its id.
func (s *Server) AddContact(c Contact) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustCreate(s.orgs[0].id, "Contact", map[string]any{"FirstName": c.FirstName, "LastName": c.LastName,
		"Email": c.Email, "Title": c.Title, "AccountId": c.AccountID, "OwnerId": c.OwnerID})
}

// AddLead creates a Lead and returns its id.
func (s *Server) AddLead(l Lead) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustCreate(s.orgs[0].id, "Lead", map[string]any{"FirstName": l.FirstName, "LastName": l.LastName,
		"Email": l.Email, "Company": l.Company, "Status": "Open - Not Contacted", "OwnerId": l.OwnerID})
}

// AddOpportunity creates an Opportunity and returns its id.
func (s *Server) AddOpportunity(o Opportunity) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o.StageName == "" {
		o.StageName = "Prospecting"
	}
	if o.CloseDate == "" {
		o.CloseDate = s.now().AddDate(0, 2, 0).Format("2006-01-02")
	}
	var amount any
	if o.Amount != 0 {
		amount = o.Amount
	}
	return s.mustCreate(s.orgs[0].id, "Opportunity", map[string]any{"Name": o.Name, "AccountId": o.AccountID,
		"StageName": o.StageName, "CloseDate": o.CloseDate, "OwnerId": o.OwnerID, "Amount": amount, "Meeting_Count__c": 0.0})
}

// AddContactRole links a Contact to an Opportunity.
func (s *Server) AddContactRole(opportunityID, contactID, role string, primary bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mustCreate(s.orgs[0].id, "OpportunityContactRole", map[string]any{"OpportunityId": opportunityID,
		"ContactId": contactID, "Role": role, "IsPrimary": primary})
}

// Demo holds the ids SeedDemo created.
type Demo struct {
	OrgID string
	// RepID is a sales rep whose Zoom e-mail equals the Salesforce e-mail.
	RepID string
	// OverrideRepID is a rep with a Zoom_Email__c override.
	OverrideRepID string
	// AdminID holds the sfzoom_Admin permission set (and System
	// Administrator rights).
	AdminID        string
	AccountIDs     []string
	ContactIDs     []string
	LeadIDs        []string
	OpportunityIDs []string
}

// SeedDemo creates a small believable data set in the default org.
func (s *Server) SeedDemo() Demo {
	d := Demo{OrgID: s.DefaultOrgID()}
	d.RepID = s.AddUser(User{FirstName: "Riley", LastName: "Chen", Email: "riley.chen@acme-demo.com"})
	d.OverrideRepID = s.AddUser(User{FirstName: "Sam", LastName: "O'Neil", Email: "sam.oneil@acme-demo.com", ZoomEmail: "sam@zoom.acme-demo.com", TimeZone: "America/New_York"})
	d.AdminID = s.AddUser(User{FirstName: "Alex", LastName: "Morgan", Email: "alex.morgan@acme-demo.com", SystemAdmin: true, SfzoomAdmin: true})
	accounts := []struct{ name, site, owner string }{
		{"Globex Corporation", "https://www.globex.example", d.RepID},
		{"Initech", "http://initech.example", d.RepID},
		{"Umbrella Health", "https://umbrella-health.example", d.OverrideRepID},
	}
	for _, a := range accounts {
		d.AccountIDs = append(d.AccountIDs, s.AddAccount(a.name, a.site, a.owner))
	}
	contacts := []Contact{
		{FirstName: "Hank", LastName: "Scorpio", Email: "hank@globex.example", Title: "CEO", AccountID: d.AccountIDs[0], OwnerID: d.RepID},
		{FirstName: "Mindy", LastName: "Simmons", Email: "mindy.simmons@globex.example", Title: "VP Operations", AccountID: d.AccountIDs[0], OwnerID: d.RepID},
		{FirstName: "Bill", LastName: "Lumbergh", Email: "bill.lumbergh@initech.example", Title: "Division VP", AccountID: d.AccountIDs[1], OwnerID: d.RepID},
		{FirstName: "Peter", LastName: "Gibbons", Email: "peter_gibbons@initech.example", Title: "Engineer", AccountID: d.AccountIDs[1], OwnerID: d.RepID},
		{FirstName: "Alice", LastName: "Abernathy", Email: "alice@umbrella-health.example", Title: "CIO", AccountID: d.AccountIDs[2], OwnerID: d.OverrideRepID},
		{FirstName: "Carlos", LastName: "Oliveira", Email: "c.oliveira@umbrella-health.example", Title: "Procurement", AccountID: d.AccountIDs[2], OwnerID: d.OverrideRepID},
	}
	for _, c := range contacts {
		d.ContactIDs = append(d.ContactIDs, s.AddContact(c))
	}
	d.LeadIDs = append(d.LeadIDs,
		s.AddLead(Lead{FirstName: "Dana", LastName: "Scully", Email: "dana.scully@fbi-consulting.example", Company: "FBI Consulting", OwnerID: d.RepID}),
		s.AddLead(Lead{FirstName: "Fox", LastName: "Mulder", Email: "fox@truth.example", Company: "Truth Ltd", OwnerID: d.OverrideRepID}),
	)
	opps := []Opportunity{
		{Name: "Globex - Platform Renewal", AccountID: d.AccountIDs[0], StageName: "Negotiation/Review", OwnerID: d.RepID, Amount: 120000},
		{Name: "Initech - TPS Automation", AccountID: d.AccountIDs[1], StageName: "Qualification", OwnerID: d.RepID, Amount: 45000},
		{Name: "Umbrella - Telehealth Pilot", AccountID: d.AccountIDs[2], StageName: "Proposal/Price Quote", OwnerID: d.OverrideRepID, Amount: 80000},
	}
	for _, o := range opps {
		d.OpportunityIDs = append(d.OpportunityIDs, s.AddOpportunity(o))
	}
	s.AddContactRole(d.OpportunityIDs[0], d.ContactIDs[0], "Decision Maker", true)
	s.AddContactRole(d.OpportunityIDs[0], d.ContactIDs[1], "Evaluator", false)
	s.AddContactRole(d.OpportunityIDs[1], d.ContactIDs[2], "Economic Buyer", true)
	s.AddContactRole(d.OpportunityIDs[1], d.ContactIDs[3], "Technical Buyer", false)
	s.AddContactRole(d.OpportunityIDs[2], d.ContactIDs[4], "Decision Maker", true)
	s.AddContactRole(d.OpportunityIDs[2], d.ContactIDs[5], "Influencer", false)
	return d
}

// userOptions lists users for pickers; callers hold mu.
func (s *Server) userOptions(selected string) []userOption {
	var out []userOption
	for id := range s.users {
		r := s.records[id]
		name, _ := r.fields["Name"].(string)
		un, _ := r.fields["Username"].(string)
		out = append(out, userOption{ID: id, Name: name, Username: un, Selected: id == selected})
	}
	sort.Slice(out, func(i, j int) bool { return seqOf(out[i].ID) < seqOf(out[j].ID) })
	return out
}
