package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

type linkStore struct {
	org  *sfzoom.Org
	logs map[string]*sfzoom.ActivityLog
}

func (s linkStore) FindOrgByID(_ context.Context, id string) (*sfzoom.Org, error) {
	if s.org == nil || s.org.ID != id {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "no org")
	}
	return s.org, nil
}

func (s linkStore) FindActivityLog(_ context.Context, org, uuid string) (*sfzoom.ActivityLog, error) {
	if l := s.logs[org+"|"+uuid]; l != nil {
		return l, nil
	}
	return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "no log")
}

func TestRecordLink(t *testing.T) {
	const org = "00D5g0000000001EAA"
	uuid := "aB/+cd//ef=="
	st := linkStore{
		org: &sfzoom.Org{ID: org, InstanceURL: "https://acme.my.salesforce.com"},
		logs: map[string]*sfzoom.ActivityLog{
			org + "|" + uuid:    {OrgID: org, MeetingUUID: uuid, RelatedRecordID: "0065g000000000IAAQ", SFEventID: "00U5g000000000XAAQ"},
			org + "|" + "noRel": {OrgID: org, MeetingUUID: "noRel", SFEventID: "00U5g000000000XAAQ"},
		},
	}
	srv, err := web.NewServer(web.Options{Store: fakeStore{}, RecordLink: &web.RecordLink{Store: st}})
	if err != nil {
		t.Fatal(err)
	}
	// An instance URL written before it was verified (issue 12: a forged
	// signed request could store any host) is never a redirect target.
	poisoned := linkStore{org: &sfzoom.Org{ID: org, InstanceURL: "https://evil.example"}, logs: st.logs}
	evil, err := web.NewServer(web.Options{Store: fakeStore{}, RecordLink: &web.RecordLink{Store: poisoned}})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	evil.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/r/"+org+"/"+url.PathEscape(uuid), nil))
	if rec.Code != http.StatusNotFound || rec.Header().Get("Location") != "" {
		t.Errorf("link of an org with a non-Salesforce instance URL = %d %q, want 404 and no redirect", rec.Code, rec.Header().Get("Location"))
	}
	tests := []struct {
		name     string
		path     string
		status   int
		location string
	}{
		{"OpportunityOfMeeting", "/r/" + org + "/" + url.PathEscape(uuid), http.StatusFound, "https://acme.my.salesforce.com/lightning/r/Opportunity/0065g000000000IAAQ/view"},
		{"EventWhenNoRelatedRecord", "/r/" + org + "/noRel", http.StatusFound, "https://acme.my.salesforce.com/lightning/r/Event/00U5g000000000XAAQ/view"},
		{"UnknownMeeting", "/r/" + org + "/nope", http.StatusNotFound, ""},
		{"OtherOrg", "/r/00D5g0000000002EAA/" + url.PathEscape(uuid), http.StatusNotFound, ""},
		{"BadOrg", "/r/x/" + url.PathEscape(uuid), http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			if rec.Code != tt.status || rec.Header().Get("Location") != tt.location {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, rec.Code, rec.Header().Get("Location"), tt.status, tt.location)
			}
			if rec.Header().Get("X-Frame-Options") != "DENY" {
				t.Error("recording links must not be frameable")
			}
		})
	}
}
