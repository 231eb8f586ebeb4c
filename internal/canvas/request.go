package canvas

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// Request is the decoded CanvasRequest
// (https://developer.salesforce.com/docs/platform/canvas-framework/guide/canvas-request-object.html).
//
// Every field is optional: real payloads send null, omit keys, mix 15- and
// 18-character ids and disagree with the docs on spelling (docs/canvas.md §2). Use
// the methods (UserID18, OrgID18, RecordContext, User) rather than the raw
// fields when comparing or storing ids.
//
// Request's String and LogValue never include the OAuth tokens or the
// environment's locationUrl (which can carry a session id).
type Request struct {
	// Algorithm is "HMACSHA256"; Verify checks it.
	Algorithm string `json:"algorithm"`
	// IssuedAt is "for internal use only": null, a number or garbage. It is
	// kept opaque and must never be used for freshness.
	IssuedAt json.RawMessage `json:"issuedAt"`
	// UserID is the top-level user id, which can be the 15-character form.
	UserID  string  `json:"userId"`
	Client  Client  `json:"client"`
	Context Context `json:"context"`
}

// Client is the CanvasRequest "client" object: the OAuth token and where the
// org lives. Its String, GoString and LogValue redact the tokens.
type Client struct {
	// OAuthToken is the current user's access token ("typically expires
	// after two hours"). Never log it.
	OAuthToken string `json:"oauthToken"`
	// RefreshToken is present only with the refresh_token scope, else "".
	// Never log it.
	RefreshToken string `json:"refreshToken"`
	// InstanceURL is the base of every relative URL in the request.
	InstanceURL string `json:"instanceUrl"`
	// TargetOrigin is the parent frame's origin, for postMessage.
	TargetOrigin string `json:"targetOrigin"`
	// InstanceID is opaque ("09Ho00000008knt:", "_:shipment:", …).
	InstanceID string `json:"instanceId"`
	// ClientID is undocumented and has only been seen as null.
	ClientID string `json:"clientId"`
}

// String returns the client without its tokens.
func (c Client) String() string {
	return fmt.Sprintf("canvas.Client{InstanceURL:%q TargetOrigin:%q InstanceID:%q OAuthToken:%s RefreshToken:%s}",
		c.InstanceURL, c.TargetOrigin, c.InstanceID, redacted(c.OAuthToken), redacted(c.RefreshToken))
}

// GoString implements fmt.GoStringer so %#v redacts too.
func (c Client) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without the tokens.
func (c Client) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("instance_url", c.InstanceURL),
		slog.String("target_origin", c.TargetOrigin),
		slog.Bool("has_oauth_token", c.OAuthToken != ""),
		slog.Bool("has_refresh_token", c.RefreshToken != ""),
	)
}

func redacted(s string) string {
	if s == "" {
		return `""`
	}
	return "[redacted]"
}

// Context is the CanvasRequest "context" object.
type Context struct {
	User         User         `json:"user"`
	Organization Organization `json:"organization"`
	Environment  Environment  `json:"environment"`
	Links        Links        `json:"links"`
	Application  Application  `json:"application"`
}

// User is the CanvasRequest "context.user" object.
type User struct {
	UserID                   string `json:"userId"` // 18 characters in every captured payload
	UserName                 string `json:"userName"`
	FirstName                string `json:"firstName"`
	LastName                 string `json:"lastName"`
	FullName                 string `json:"fullName"`
	Email                    string `json:"email"`
	Locale                   string `json:"locale"`
	Language                 string `json:"language"`
	TimeZone                 string `json:"timeZone"`
	ProfileID                string `json:"profileId"` // 15 characters in captured payloads
	RoleID                   string `json:"roleId"`
	UserType                 string `json:"userType"`
	CurrencyISOCode          string `json:"currencyISOCode"` // note: ISO in upper case here, Iso in organization
	ProfilePhotoURL          string `json:"profilePhotoUrl"`
	ProfileThumbnailURL      string `json:"profileThumbnailUrl"`
	SiteURL                  string `json:"siteUrl"`
	SiteURLPrefix            string `json:"siteUrlPrefix"`
	NetworkID                string `json:"networkId"`
	IsDefaultNetwork         bool   `json:"isDefaultNetwork"`
	AccessibilityModeEnabled bool   `json:"accessibilityModeEnabled"`
}

// Organization is the CanvasRequest "context.organization" object.
type Organization struct {
	OrganizationID       string `json:"organizationId"`
	Name                 string `json:"name"`
	NamespacePrefix      string `json:"namespacePrefix"`
	CurrencyISOCode      string `json:"currencyIsoCode"`
	MulticurrencyEnabled bool   `json:"multicurrencyEnabled"`
}

// Environment is the CanvasRequest "context.environment" object.
type Environment struct {
	// DisplayLocation is Chatter, ChatterFeed, MobileNav, OpenCTI,
	// PageLayout, Publisher, ServiceDesk, Visualforce, None, or null/missing
	// (the Previewer). Use Location to treat null, missing and "None" alike.
	DisplayLocation string `json:"displayLocation"`
	// LocationURL can contain a session id (…proxy.jsp?…&s=00D…!…). Never log
	// it verbatim.
	LocationURL string `json:"locationUrl"`
	// Sublocation is the spelling real payloads use.
	Sublocation string `json:"sublocation"`
	// SubLocationDocs is the spelling the documentation uses ("subLocation").
	// Use EffectiveSublocation to read either.
	SubLocationDocs string     `json:"subLocation"`
	UITheme         string     `json:"uiTheme"`
	Version         Version    `json:"version"`
	Dimensions      Dimensions `json:"dimensions"`
	// Record is the record the app sits on; zero when absent, {} or not an
	// object.
	Record Record `json:"record"`
	// Parameters is developer-supplied JSON of any shape (usually an object,
	// "{}" when empty); nil when absent.
	Parameters json.RawMessage `json:"parameters"`
}

// Location returns DisplayLocation, or "None" when it is null, missing or
// "None".
func (e Environment) Location() string {
	if e.DisplayLocation == "" {
		return "None"
	}
	return e.DisplayLocation
}

// EffectiveSublocation returns the sublocation under either spelling
// ("sublocation" in real payloads, "subLocation" in the docs), or "".
func (e Environment) EffectiveSublocation() string {
	if e.Sublocation != "" {
		return e.Sublocation
	}
	return e.SubLocationDocs
}

// Version is the CanvasRequest "context.environment.version" object.
type Version struct {
	API    string `json:"api"` // "66.0"
	Season string `json:"season"`
}

// Dimensions is the CanvasRequest "context.environment.dimensions" object.
// Every value is a CSS-like string: "800px", "100%", "infinite".
type Dimensions struct {
	Width        string `json:"width"`
	Height       string `json:"height"`
	MaxWidth     string `json:"maxWidth"`
	MaxHeight    string `json:"maxHeight"`
	ClientWidth  string `json:"clientWidth"`
	ClientHeight string `json:"clientHeight"`
}

// Record is the CanvasRequest "context.environment.record" object:
// {"attributes":{"type","url"},"Id",…entity fields}.
type Record struct {
	Type string // attributes.type, e.g. "Opportunity"
	URL  string // attributes.url, relative to the instance URL
	ID   string // "Id", 18 characters when Salesforce fills it
	// Fields holds every other key (Phone, Fax, … from entityFields), raw.
	Fields map[string]json.RawMessage
}

// UnmarshalJSON decodes a record leniently: null, {} and non-objects give a
// zero Record, and fields of the wrong type are ignored.
func (rec *Record) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil {
		*rec = Record{}
		return nil
	}
	var out Record
	for k, v := range m {
		switch {
		case k == "attributes":
			var a struct {
				Type string `json:"type"`
				URL  string `json:"url"`
			}
			_ = json.Unmarshal(v, &a) // a wrong shape leaves them empty
			out.Type, out.URL = a.Type, a.URL
		case strings.EqualFold(k, "Id"):
			// "Id" is the documented spelling; prefer it over other casings.
			var id string
			if json.Unmarshal(v, &id) == nil && (k == "Id" || out.ID == "") {
				out.ID = id
			}
		default:
			if out.Fields == nil {
				out.Fields = make(map[string]json.RawMessage)
			}
			out.Fields[k] = v
		}
	}
	*rec = out
	return nil
}

// Links is the CanvasRequest "context.links" object. Every URL except
// LoginURL is relative to Client.InstanceURL.
type Links struct {
	LoginURL            string `json:"loginUrl"`
	EnterpriseURL       string `json:"enterpriseUrl"`
	MetadataURL         string `json:"metadataUrl"`
	PartnerURL          string `json:"partnerUrl"`
	RestURL             string `json:"restUrl"`
	SObjectURL          string `json:"sobjectUrl"`
	SearchURL           string `json:"searchUrl"`
	QueryURL            string `json:"queryUrl"`
	RecentItemsURL      string `json:"recentItemsUrl"`
	UserURL             string `json:"userUrl"`
	ChatterFeedsURL     string `json:"chatterFeedsUrl"`
	ChatterGroupsURL    string `json:"chatterGroupsUrl"`
	ChatterUsersURL     string `json:"chatterUsersUrl"`
	ChatterFeedItemsURL string `json:"chatterFeedItemsUrl"`
}

// Application is the CanvasRequest "context.application" object.
type Application struct {
	ApplicationID          string   `json:"applicationId"`
	AuthType               string   `json:"authType"` // SIGNED_REQUEST or OAUTH
	CanvasURL              string   `json:"canvasUrl"`
	DeveloperName          string   `json:"developerName"`
	IsInstalledPersonalApp bool     `json:"isInstalledPersonalApp"`
	Name                   string   `json:"name"`
	Namespace              string   `json:"namespace"`
	Options                []string `json:"options"` // HideHeader, HideShare, PersonalEnabled
	ReferenceID            string   `json:"referenceId"`
	SAMLInitiationMethod   string   `json:"samlInitiationMethod"`
	Version                string   `json:"version"`
}

// UserID18 returns the current user's 18-character id: context.user.userId,
// else the top-level userId (which can be 15 characters), or "" when neither
// is a valid id.
func (r *Request) UserID18() string {
	if id := normalizeID(r.Context.User.UserID); id != "" {
		return id
	}
	return normalizeID(r.UserID)
}

// OrgID18 returns the 18-character organization id, or "" when it is missing
// or invalid.
func (r *Request) OrgID18() string {
	return normalizeID(r.Context.Organization.OrganizationID)
}

// User returns the sfzoom user the request describes. IsAdmin is always
// false: the payload does not say (sfzoom decides from its own settings).
func (r *Request) User() *sfzoom.User {
	u := r.Context.User
	name := u.FullName
	if name == "" {
		name = strings.TrimSpace(u.FirstName + " " + u.LastName)
	}
	return &sfzoom.User{
		OrgID:       r.OrgID18(),
		UserID:      r.UserID18(),
		Name:        name,
		Email:       u.Email,
		Locale:      u.Locale,
		TimeZone:    u.TimeZone,
		InstanceURL: strings.TrimRight(r.Client.InstanceURL, "/"),
	}
}

// RecordContext returns the record the app is shown on: its object name
// (Opportunity, Contact, … or a custom object such as "Bid__c") and its
// 18-character id.
//
// The id comes from environment.record.Id, else from environment.parameters
// (recordId and similar keys; parameters that arrive as a JSON string holding
// an object are unwrapped). The object comes from record.attributes.type,
// else from a parameter such as sObjectName or objectApiName, else from the
// id's key prefix (006 Opportunity, 003 Contact, 00Q Lead, 001 Account).
// ok is false when there is no valid id, or when the object cannot be
// determined (id18 is still returned then, so the caller can log it).
func (r *Request) RecordContext() (object, id18 string, ok bool) {
	env := r.Context.Environment
	if id := normalizeID(env.Record.ID); id != "" {
		object = env.Record.Type
		if object == "" {
			object = ObjectForID(id)
		}
		return object, id, object != ""
	}

	params := parameterObject(env.Parameters)
	if params == nil {
		return "", "", false
	}
	// Keys in order of preference, compared case-insensitively. recordId is
	// what Salesforce's force:canvasApp example passes (docs/canvas.md §2.3).
	id := normalizeID(stringParam(params, "recordId", "record_id", "sObjectId", "objectId", "entityId", "Id"))
	if id == "" {
		return "", "", false
	}
	object = stringParam(params, "sObjectName", "sObjectType", "objectApiName", "objectType", "objectName", "entityName", "sObject")
	if object == "" {
		object = ObjectForID(id)
	}
	return object, id, object != ""
}

// parameterObject returns parameters as an object, unwrapping a JSON string
// that holds an object (a developer passing JSON.stringify output to a string
// attribute), or nil for any other shape.
func parameterObject(raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) == nil {
		return m
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && json.Unmarshal([]byte(s), &m) == nil {
		return m
	}
	return nil
}

// stringParam returns the first non-empty string value among keys, matching
// each key exactly first and then case-insensitively.
func stringParam(m map[string]json.RawMessage, keys ...string) string {
	for _, want := range keys {
		if v, ok := m[want]; ok {
			if s := jsonString(v); s != "" {
				return s
			}
		}
		for k, v := range m {
			if k != want && strings.EqualFold(k, want) {
				if s := jsonString(v); s != "" {
					return s
				}
			}
		}
	}
	return ""
}

func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// String summarises the request without tokens or the location URL.
func (r *Request) String() string {
	object, id, _ := r.RecordContext()
	return fmt.Sprintf("canvas.Request{org=%s user=%s displayLocation=%s record=%s/%s}",
		r.OrgID18(), r.UserID18(), r.Context.Environment.Location(), object, id)
}

// LogValue implements slog.LogValuer with the fields that are safe to log.
func (r *Request) LogValue() slog.Value {
	object, id, _ := r.RecordContext()
	return slog.GroupValue(
		slog.String("org_id", r.OrgID18()),
		slog.String("user_id", r.UserID18()),
		slog.String("display_location", r.Context.Environment.Location()),
		slog.String("sublocation", r.Context.Environment.EffectiveSublocation()),
		slog.String("record_object", object),
		slog.String("record_id", id),
		slog.String("instance_url", r.Client.InstanceURL),
	)
}
