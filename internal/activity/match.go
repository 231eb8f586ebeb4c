package activity

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/sfzoom/sfzoom/internal/salesforce"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// mergeParticipants folds Zoom's join sessions into one participant per
// person (by email, else by name): durations are summed, the first join and
// the last leave kept. Internal people (the org's domains, or Zoom's
// internal_user) are marked MatchInternal; people without an email are
// unmatched, since nothing identifies them.
func mergeParticipants(in []*zoom.Participant, settings sfzoom.OrgSettings) []*sfzoom.Participant {
	byKey := map[string]*sfzoom.Participant{}
	var order []string
	for _, z := range in {
		email := strings.ToLower(strings.TrimSpace(z.UserEmail))
		name := strings.TrimSpace(z.Name)
		key := email
		if key == "" {
			key = "name:" + strings.ToLower(name)
		}
		p := byKey[key]
		if p == nil {
			p = &sfzoom.Participant{Name: name, Email: email, Match: sfzoom.MatchUnmatched}
			byKey[key] = p
			order = append(order, key)
		}
		if p.Name == "" {
			p.Name = name
		}
		if j := z.JoinTime.Time; !j.IsZero() && (p.JoinTime.IsZero() || j.Before(p.JoinTime)) {
			p.JoinTime = j.UTC()
		}
		if l := z.LeaveTime.Time; l.After(p.LeaveTime) {
			p.LeaveTime = l.UTC()
		}
		p.Duration += z.Duration
		if z.InternalUser || (email != "" && settings.IsInternalEmail(email)) {
			p.Match = sfzoom.MatchInternal
		}
	}
	out := make([]*sfzoom.Participant, 0, len(order))
	for _, k := range order {
		out = append(out, byKey[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].JoinTime.Before(out[j].JoinTime) })
	return out
}

// freemail domains never identify an Account.
var freemail = map[string]bool{"gmail.com": true, "googlemail.com": true, "outlook.com": true, "hotmail.com": true,
	"yahoo.com": true, "icloud.com": true, "me.com": true, "aol.com": true, "proton.me": true, "protonmail.com": true, "live.com": true}

func domainOf(email string) string {
	_, d, _ := strings.Cut(email, "@")
	return d
}

// related is the record the Event hangs off.
type related struct {
	whatID string // Opportunity or Account
	whoID  string // Contact or Lead chosen as the related record
	isOpp  bool
}

// lookup is what one read composite (one API call) told us.
type lookup struct {
	eventID    string                   // the occurrence's Event, when it already exists
	matches    map[string]*sfzoom.Match // email → match, cache hits included
	related    related
	accountIDs []string // Accounts of matched Contacts, for the fallback derivation
	others     *others  // the locked Opportunity's other logged Events, when read here
	orgZone    string   // Organization.TimeZoneSidKey, read when the meeting has no time zone of its own
}

// emailQueryChars bounds the emails of one IN clause, in characters of
// SOQL. A query may be 100,000 characters long by default
// (https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm),
// and inside a composite request's body it is not held to the 16,384
// bytes of a GET's URI (https://help.salesforce.com/s/articleView?id=000386264&type=1).
// Half of it leaves room for the rest of the query: a few hundred
// participants take one query.
const emailQueryChars = 50_000

// maxEmailsPerQuery keeps a query's answer within one page of 2,000
// records (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.html)
// even when several records share an email.
const maxEmailsPerQuery = 500

// emailChunks splits emails into the IN lists of as few queries as the
// limits allow.
func emailChunks(emails []string) [][]string {
	var chunks [][]string
	start, size := 0, 0
	for i, e := range emails {
		n := len(e) + 4 + strings.Count(e, "'") + strings.Count(e, `\`) // quotes, ", ", escapes
		if i > start && (size+n > emailQueryChars || i-start >= maxEmailsPerQuery) {
			chunks = append(chunks, emails[start:i])
			start, size = i, 0
		}
		size += n
	}
	if start < len(emails) {
		chunks = append(chunks, emails[start:])
	}
	return chunks
}

// soqlStep is a composite GET of a SOQL query.
func soqlStep(ref string, q salesforce.Query) (salesforce.Subrequest, error) {
	s, err := q.SOQL()
	if sfzoom.ErrorCode(err) == sfzoom.EINVALID {
		// The caller's text cannot be searched for (a control character):
		// the user's mistake, said as such, not a server error.
		return salesforce.Subrequest{}, err
	} else if err != nil {
		return salesforce.Subrequest{}, sfzoom.WrapError(sfzoom.EINTERNAL, err, "Could not build a Salesforce query.")
	}
	return salesforce.Subrequest{Method: http.MethodGet, URL: "query?" + url.Values{"q": {s}}.Encode(), ReferenceID: ref}, nil
}

func records(r salesforce.SubResponse) ([]salesforce.Record, error) {
	if err := r.Err(); err != nil {
		return nil, err
	}
	var qr salesforce.QueryResult
	if err := json.Unmarshal(r.Body, &qr); err != nil {
		return nil, fmt.Errorf("activity: decode %s: %w", r.ReferenceID, err)
	}
	return qr.Records, nil
}

// matchAndRelate resolves participants' emails (cache first, then Contacts,
// unconverted Leads and Account website domains), finds the related record
// and whether the occurrence's Event exists, with read-only composite calls
// (allOrNone false: a failed step fails the job, nothing was written): one
// call for up to five queries, which covers a hundred unknown emails. One
// more call is made only in the uncommon case where the related Opportunity
// must be derived from a Contact's Account.
//
// lockedOpp, when not empty, is the Opportunity whose lease the caller
// holds: its other logged Events are read in the same call (roll-ups).
func (p *Pipeline) matchAndRelate(ctx context.Context, sf SalesforceAPI, orgID, uuid string, m *sfzoom.Meeting, parts []*sfzoom.Participant, direct bool, lockedOpp string) (*lookup, error) {
	lk := &lookup{matches: map[string]*sfzoom.Match{}}
	emails := externalEmails(parts)
	misses, err := p.cachedMatches(ctx, orgID, emails, lk)
	if err != nil {
		return nil, err
	}
	_, scheduled := scheduledRelation(m)
	steps, err := lookupSteps(uuid, emails, misses, direct, scheduled, lockedOpp)
	if err != nil {
		return nil, err
	}
	steps = withOrgZone(steps, orgID, m)
	byRef, err := runQueries(ctx, sf, steps)
	if err != nil {
		return nil, err
	}
	l := &learner{lk: lk, orgID: orgID, exp: p.now().Add(p.opts.CacheTTL)}
	for _, st := range steps {
		if err := l.read(st.ReferenceID, byRef[st.ReferenceID], misses, lockedOpp); err != nil {
			return nil, err
		}
	}
	if err := p.opts.Store.SaveCachedMatches(ctx, l.fresh); err != nil {
		return nil, err
	}
	lk.accountIDs = contactAccounts(lk.matches)
	if rel, ok := scheduledRelation(m); ok {
		if !rel.isOpp || lk.related.whatID == "" {
			lk.related = rel
		}
	} else if lk.related.whatID == "" && len(lk.accountIDs) > 0 && direct {
		if err := deriveOpportunity(ctx, sf, lk); err != nil {
			return nil, err
		}
	}
	return lk, nil
}

// externalEmails are the participants' emails worth matching (not internal).
func externalEmails(parts []*sfzoom.Participant) []string {
	var emails []string
	for _, pt := range parts {
		if pt.Email != "" && pt.Match != sfzoom.MatchInternal {
			emails = append(emails, pt.Email)
		}
	}
	return emails
}

// cachedMatches puts the cached matches of emails in lk and returns the
// emails the cache does not know.
func (p *Pipeline) cachedMatches(ctx context.Context, orgID string, emails []string, lk *lookup) ([]string, error) {
	cached, err := p.opts.Store.FindCachedMatches(ctx, orgID, emails, p.now())
	if err != nil {
		return nil, err
	}
	var misses []string
	for _, e := range emails {
		if c := cached[e]; c != nil {
			lk.matches[e] = c
		} else {
			misses = append(misses, e)
		}
	}
	return misses, nil
}

// lookupSteps are the read-only queries of a lookup: the occurrence's
// Event, Contacts and Leads by email (emailChunks), Accounts by website
// domain, the locked Opportunity's other logged Events and, for a meeting
// not scheduled from a record, the open Opportunities of the Contacts
// (Contact → OpportunityContactRole).
func lookupSteps(uuid string, emails, misses []string, direct, scheduled bool, lockedOpp string) ([]salesforce.Subrequest, error) {
	var steps []salesforce.Subrequest
	add := func(ref string, q salesforce.Query) error {
		st, err := soqlStep(ref, q)
		steps = append(steps, st)
		return err
	}
	if direct {
		if err := add("evt", salesforce.Select(salesforce.FieldID).From(salesforce.ObjectEvent).
			Where(salesforce.Eq(salesforce.FieldZoomMeetingID, uuid))); err != nil {
			return nil, err
		}
	}
	for i, chunk := range emailChunks(misses) {
		if err := add(fmt.Sprintf("con%d", i), contactsByEmail(chunk)); err != nil {
			return nil, err
		}
		if err := add(fmt.Sprintf("lead%d", i), leadsByEmail(chunk)); err != nil {
			return nil, err
		}
	}
	if domains := companyDomains(misses); len(domains) > 0 {
		if err := add("acct", accountsByDomain(domains)); err != nil {
			return nil, err
		}
	}
	if lockedOpp != "" && direct {
		st, err := othersStep(lockedOpp, uuid)
		steps = append(steps, st)
		if err != nil {
			return nil, err
		}
	}
	if !scheduled && len(emails) > 0 {
		if err := add("ocr", openOpportunityRoles(emails)); err != nil {
			return nil, err
		}
	}
	return steps, nil
}

// withOrgZone adds to a lookup that calls Salesforce anyway the read of
// the org's default time zone (Setup → Company Information), for what
// people read when the meeting has no zone of its own: a record GET, which
// rides in the lookup's call without counting against the composite's five
// queries (compositeBatches,
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_composite.htm).
func withOrgZone(steps []salesforce.Subrequest, orgID string, m *sfzoom.Meeting) []salesforce.Subrequest {
	if len(steps) == 0 || (m != nil && m.Timezone != "") {
		return steps
	}
	return append(steps, salesforce.Subrequest{Method: http.MethodGet, ReferenceID: "org",
		URL: "sobjects/" + string(salesforce.ObjectOrganization) + "/" + url.PathEscape(orgID) + "?fields=" + string(salesforce.FieldTimeZoneSidKey)})
}

// orgZoneOf is the Organization's TimeZoneSidKey in the answer to the
// withOrgZone step; "" when it failed (optional: the time is then written
// in UTC, and says so).
func orgZoneOf(r salesforce.SubResponse) string {
	var org salesforce.Record
	if r.Err() != nil || json.Unmarshal(r.Body, &org) != nil {
		return ""
	}
	return org.String(salesforce.FieldTimeZoneSidKey)
}

func contactsByEmail(emails []string) salesforce.Query {
	return salesforce.Select(salesforce.FieldID, salesforce.FieldEmail, salesforce.FieldAccountID).From(salesforce.ObjectContact).
		Where(salesforce.In(salesforce.FieldEmail, emails...)).OrderBy(salesforce.FieldID, salesforce.Asc)
}

// leadsByEmail finds unconverted Leads.
func leadsByEmail(emails []string) salesforce.Query {
	return salesforce.Select(salesforce.FieldID, salesforce.FieldEmail).From(salesforce.ObjectLead).
		Where(salesforce.And(salesforce.Eq(salesforce.FieldIsConverted, false), salesforce.In(salesforce.FieldEmail, emails...))).
		OrderBy(salesforce.FieldID, salesforce.Asc)
}

// accountsByDomain finds the Accounts whose website mentions a domain.
func accountsByDomain(domains []string) salesforce.Query {
	conds := make([]salesforce.Condition, len(domains))
	for i, d := range domains {
		conds[i] = salesforce.Like(salesforce.FieldWebsite, "%"+d+"%")
	}
	return salesforce.Select(salesforce.FieldID, salesforce.FieldWebsite).From(salesforce.ObjectAccount).
		Where(salesforce.Or(conds...)).OrderBy(salesforce.FieldID, salesforce.Asc)
}

// openOpportunityRoles finds the open Opportunities the emails' Contacts
// have a role on.
func openOpportunityRoles(emails []string) salesforce.Query {
	return salesforce.Select(salesforce.FieldOpportunityID, salesforce.FieldContactID, salesforce.FieldContactEmail,
		"Opportunity.LastModifiedDate").From(salesforce.ObjectOpportunityContactRole).
		Where(salesforce.And(salesforce.In(salesforce.FieldContactEmail, emails...), salesforce.Eq("Opportunity.IsClosed", false))).
		OrderBy(salesforce.FieldID, salesforce.Asc)
}

// companyDomains are the registrable, non-freemail domains of emails (at
// most 20), which may name an Account.
func companyDomains(emails []string) []string {
	var domains []string
	for _, e := range emails {
		if d := domainOf(e); d != "" && !freemail[d] && registrable(d) && !slices.Contains(domains, d) && len(domains) < 20 {
			domains = append(domains, d)
		}
	}
	return domains
}

// maxQueriesPerComposite is Salesforce's limit on query subrequests in one
// composite request (docs/salesforce-api.md §6.1,
// https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html).
const maxQueriesPerComposite = 5

// maxSubrequests is Salesforce's limit on subrequests in one composite request.
const maxSubrequests = 25

// runQueries runs read-only steps in as few composite calls as the limits
// allow (compositeBatches) and returns the answers by reference id.
func runQueries(ctx context.Context, sf SalesforceAPI, steps []salesforce.Subrequest) (map[string]salesforce.SubResponse, error) {
	byRef := map[string]salesforce.SubResponse{}
	for _, batch := range compositeBatches(steps) {
		resps, err := sf.Composite(ctx, false, batch)
		if err != nil {
			return nil, fmt.Errorf("activity: salesforce lookups: %w", err)
		}
		for _, r := range resps {
			byRef[r.ReferenceID] = r
		}
	}
	return byRef, nil
}

// compositeBatches splits steps, in order, into composite requests of at
// most maxQueriesPerComposite queries and maxSubrequests subrequests; a
// step that is not a query (a record GET) rides along without counting.
func compositeBatches(steps []salesforce.Subrequest) [][]salesforce.Subrequest {
	var (
		batches [][]salesforce.Subrequest
		cur     []salesforce.Subrequest
		queries int
	)
	for _, st := range steps {
		q := strings.HasPrefix(st.URL, "query?") || strings.HasPrefix(st.URL, "queryAll?")
		if len(cur) == maxSubrequests || (q && queries == maxQueriesPerComposite) {
			batches, cur, queries = append(batches, cur), nil, 0
		}
		cur = append(cur, st)
		if q {
			queries++
		}
	}
	if len(cur) > 0 {
		batches = append(batches, cur)
	}
	return batches
}

// learner turns lookup answers into matches, the Event and the related record.
type learner struct {
	lk    *lookup
	orgID string
	exp   time.Time
	fresh []*sfzoom.Match // matches learnt now, for the cache
}

func (l *learner) learn(email, kind, id, account string) {
	if _, done := l.lk.matches[email]; done {
		return
	}
	mt := &sfzoom.Match{OrgID: l.orgID, Email: email, Kind: kind, SFRecordID: id, AccountID: account, ExpiresAt: l.exp}
	l.lk.matches[email] = mt
	l.fresh = append(l.fresh, mt)
}

// read learns from the answer of step ref. Steps are read in order:
// Contacts win over Leads because the Contact steps come first.
func (l *learner) read(ref string, r salesforce.SubResponse, misses []string, lockedOpp string) error {
	if ref == "org" {
		l.lk.orgZone = orgZoneOf(r)
		return nil
	}
	if ref == "others" {
		var err error
		l.lk.others, err = othersFrom(lockedOpp, r)
		return err
	}
	recs, err := records(r)
	if err != nil {
		return fmt.Errorf("activity: salesforce lookup %s: %w", ref, err)
	}
	switch {
	case ref == "evt":
		if len(recs) > 0 {
			l.lk.eventID = recs[0].ID()
		}
	case strings.HasPrefix(ref, "con"):
		for _, rec := range recs {
			l.learn(strings.ToLower(rec.String(salesforce.FieldEmail)), sfzoom.MatchContact, rec.ID(), rec.String(salesforce.FieldAccountID))
		}
	case strings.HasPrefix(ref, "lead"):
		for _, rec := range recs {
			e := strings.ToLower(rec.String(salesforce.FieldEmail))
			if cur := l.lk.matches[e]; cur == nil || cur.Kind != sfzoom.MatchContact {
				l.learn(e, sfzoom.MatchLead, rec.ID(), "")
			}
		}
	case ref == "acct":
		l.learnAccounts(recs, misses)
	case ref == "ocr":
		l.lk.related = latestOpportunity(recs)
	}
	return nil
}

// learnAccounts matches each email still unknown to the first Account whose
// website is its domain.
func (l *learner) learnAccounts(recs []salesforce.Record, misses []string) {
	for _, e := range misses {
		if _, done := l.lk.matches[e]; done {
			continue
		}
		for _, rec := range recs {
			if websiteMatches(rec.String(salesforce.FieldWebsite), domainOf(e)) {
				l.learn(e, sfzoom.MatchAccount, rec.ID(), rec.ID())
				break
			}
		}
	}
}

// latestOpportunity is the most recently modified open Opportunity among
// the Contacts' roles (no relation when there is none).
func latestOpportunity(recs []salesforce.Record) related {
	var best salesforce.Record
	var bestAt time.Time
	for _, r := range recs {
		at, _ := r.Time("Opportunity.LastModifiedDate")
		if best.String(salesforce.FieldOpportunityID) == "" || at.After(bestAt) {
			best, bestAt = r, at
		}
	}
	if id := best.String(salesforce.FieldOpportunityID); id != "" {
		return related{whatID: id, isOpp: true}
	}
	return related{}
}

// contactAccounts are the sorted Accounts of the matched Contacts.
func contactAccounts(matches map[string]*sfzoom.Match) []string {
	var ids []string
	for _, mt := range matches {
		if mt.Kind == sfzoom.MatchContact && mt.AccountID != "" && !slices.Contains(ids, mt.AccountID) {
			ids = append(ids, mt.AccountID)
		}
	}
	slices.Sort(ids)
	return ids
}

// deriveOpportunity relates the occurrence to the most recent open
// Opportunity of the Contacts' Accounts (one more call, the uncommon path).
func deriveOpportunity(ctx context.Context, sf SalesforceAPI, lk *lookup) error {
	recs, err := sf.Query(ctx, salesforce.Select(salesforce.FieldID).From(salesforce.ObjectOpportunity).
		Where(salesforce.And(salesforce.Eq(salesforce.FieldIsClosed, false), salesforce.In(salesforce.FieldAccountID, lk.accountIDs...))).
		OrderBy(salesforce.FieldLastModifiedDate, salesforce.Desc).Limit(1))
	if err != nil {
		return fmt.Errorf("activity: derive opportunity: %w", err)
	}
	if len(recs) > 0 {
		lk.related = related{whatID: recs[0].ID(), isOpp: true}
	}
	return nil
}

// registrable reports whether domain is under a registrable domain (not
// itself a public suffix), so it can name one company.
func registrable(domain string) bool {
	_, err := publicsuffix.EffectiveTLDPlusOne(domain)
	return err == nil
}

// websiteMatches reports whether an Account website belongs to domain.
func websiteMatches(website, domain string) bool {
	if domain == "" || website == "" {
		return false
	}
	w := strings.ToLower(strings.TrimSpace(website))
	if !strings.Contains(w, "://") {
		w = "http://" + w
	}
	u, err := url.Parse(w)
	if err != nil {
		return false
	}
	host := strings.TrimPrefix(u.Hostname(), "www.")
	domain = strings.ToLower(domain)
	// Both must sit under the same registrable domain (eTLD+1), so a
	// website that is only a public suffix ("com", "co.uk", "github.io")
	// matches nobody, and an address at a public suffix matches no Account.
	// The list is Mozilla's Public Suffix List, https://publicsuffix.org/.
	hostSite, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil {
		return false
	}
	if domainSite, err := publicsuffix.EffectiveTLDPlusOne(domain); err != nil || domainSite != hostSite {
		return false
	}
	return host == domain || strings.HasSuffix(host, "."+domain) || strings.HasSuffix(domain, "."+host)
}
