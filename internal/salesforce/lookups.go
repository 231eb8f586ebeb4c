package salesforce

import (
	"context"
	"fmt"
	"strings"
)

// Contact is the part of a Contact sfzoom uses.
type Contact struct {
	ID             string
	Name           string
	Email          string
	AccountID      string
	AccountWebsite string
	OwnerID        string
}

// Lead is the part of a Lead sfzoom uses.
type Lead struct {
	ID      string
	Name    string
	Email   string
	Company string
	OwnerID string
}

// User is the part of a Salesforce User sfzoom uses.
type User struct {
	ID        string
	Name      string
	Email     string
	Username  string
	ZoomEmail string // the admin override, "" when unset
	IsActive  bool
	TimeZone  string
}

// ContactRole links a Contact to an Opportunity.
type ContactRole struct {
	ID            string
	OpportunityID string
	ContactID     string
	ContactEmail  string
	Role          string
	IsPrimary     bool
}

func lowerAll(ss []string) []string {
	out := make([]string, 0, len(ss))
	for _, s := range ss {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// FindContactsByEmail returns the Contacts whose Email is in emails, with
// their Account's Website, in as few queries as the URL length allows
// (usually one for 200 addresses). SOQL "=" on Email is case-insensitive.
//
// Errors: as Query.
func (c *Client) FindContactsByEmail(ctx context.Context, emails []string) ([]Contact, error) {
	q := Select(FieldID, FieldName, FieldEmail, FieldAccountID, FieldAccountWebsite, FieldOwnerID).
		From(ObjectContact).OrderBy(FieldID, Asc)
	recs, err := c.QueryIn(ctx, q, FieldEmail, lowerAll(emails))
	if err != nil {
		return nil, fmt.Errorf("salesforce: find contacts: %w", err)
	}
	out := make([]Contact, len(recs))
	for i, r := range recs {
		out[i] = Contact{ID: r.ID(), Name: r.String(FieldName), Email: r.String(FieldEmail), AccountID: r.String(FieldAccountID),
			AccountWebsite: r.String(FieldAccountWebsite), OwnerID: r.String(FieldOwnerID)}
	}
	return out, nil
}

// FindLeadsByEmail returns the unconverted Leads whose Email is in emails.
//
// Errors: as Query.
func (c *Client) FindLeadsByEmail(ctx context.Context, emails []string) ([]Lead, error) {
	q := Select(FieldID, FieldName, FieldEmail, FieldCompany, FieldOwnerID).
		From(ObjectLead).Where(Eq(FieldIsConverted, false)).OrderBy(FieldID, Asc)
	recs, err := c.QueryIn(ctx, q, FieldEmail, lowerAll(emails))
	if err != nil {
		return nil, fmt.Errorf("salesforce: find leads: %w", err)
	}
	out := make([]Lead, len(recs))
	for i, r := range recs {
		out[i] = Lead{ID: r.ID(), Name: r.String(FieldName), Email: r.String(FieldEmail), Company: r.String(FieldCompany), OwnerID: r.String(FieldOwnerID)}
	}
	return out, nil
}

// FindUsers returns the Users with the given ids, including their
// Zoom_Email__c override.
//
// Errors: as Query.
func (c *Client) FindUsers(ctx context.Context, ids []string) ([]User, error) {
	q := Select(FieldID, FieldName, FieldEmail, FieldUsername, FieldZoomEmail, FieldIsActive, FieldTimeZoneSidKey).
		From(ObjectUser).OrderBy(FieldID, Asc)
	recs, err := c.QueryIn(ctx, q, FieldID, ids)
	if err != nil {
		return nil, fmt.Errorf("salesforce: find users: %w", err)
	}
	out := make([]User, len(recs))
	for i, r := range recs {
		out[i] = User{ID: r.ID(), Name: r.String(FieldName), Email: r.String(FieldEmail), Username: r.String(FieldUsername),
			ZoomEmail: r.String(FieldZoomEmail), IsActive: r.Bool(FieldIsActive), TimeZone: r.String(FieldTimeZoneSidKey)}
	}
	return out, nil
}

// ContactRoles returns the contact roles of an Opportunity with each
// Contact's Email.
//
// Errors: as Query.
func (c *Client) ContactRoles(ctx context.Context, opportunityID string) ([]ContactRole, error) {
	if err := checkID(opportunityID); err != nil {
		return nil, fmt.Errorf("salesforce: contact roles: %w", err)
	}
	q := Select(FieldID, FieldOpportunityID, FieldContactID, FieldContactEmail, FieldRole, FieldIsPrimary).
		From(ObjectOpportunityContactRole).Where(Eq(FieldOpportunityID, To18(opportunityID))).OrderBy(FieldID, Asc)
	recs, err := c.Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("salesforce: contact roles: %w", err)
	}
	out := make([]ContactRole, len(recs))
	for i, r := range recs {
		out[i] = ContactRole{ID: r.ID(), OpportunityID: r.String(FieldOpportunityID), ContactID: r.String(FieldContactID),
			ContactEmail: r.String(FieldContactEmail), Role: r.String(FieldRole), IsPrimary: r.Bool(FieldIsPrimary)}
	}
	return out, nil
}
