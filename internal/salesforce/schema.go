package salesforce

// Object is the API name of a Salesforce object (sObject). Use the constants
// below; the query builder and the write methods reject any value that is not
// a well-formed API name, so an Object can never smuggle SOQL.
type Object string

// Field is the API name of a Salesforce field, optionally a relationship path
// such as "Account.Website". Like Object, it is validated before use.
type Field string

// Objects sfzoom reads or writes.
const (
	ObjectEvent                   Object = "Event"
	ObjectTask                    Object = "Task"
	ObjectOpportunity             Object = "Opportunity"
	ObjectOpportunityContactRole  Object = "OpportunityContactRole"
	ObjectContact                 Object = "Contact"
	ObjectLead                    Object = "Lead"
	ObjectAccount                 Object = "Account"
	ObjectUser                    Object = "User"
	ObjectUserRecordAccess        Object = "UserRecordAccess"
	ObjectPermissionSet           Object = "PermissionSet"
	ObjectPermissionSetAssignment Object = "PermissionSetAssignment"
	ObjectOrganization            Object = "Organization"
	// ObjectZoomMeetingEvent is sfzoom's platform event.
	ObjectZoomMeetingEvent Object = "Zoom_Meeting_Event__e"
	// ObjectActivity is the metadata parent of Event and Task: custom
	// activity fields are defined once on it and appear on both. It cannot
	// be queried or written through the REST API.
	ObjectActivity Object = "Activity"
)

// Standard fields sfzoom uses. Many exist on several objects (Id, Name,
// Email, OwnerId, …); the object they are used with is given in parentheses.
const (
	FieldID               Field = "Id"
	FieldName             Field = "Name"
	FieldFirstName        Field = "FirstName"
	FieldLastName         Field = "LastName"
	FieldEmail            Field = "Email"
	FieldOwnerID          Field = "OwnerId"
	FieldCreatedDate      Field = "CreatedDate"
	FieldLastModifiedDate Field = "LastModifiedDate"
	FieldDescription      Field = "Description"
	FieldTitle            Field = "Title"
	FieldPhone            Field = "Phone"

	FieldWebsite Field = "Website" // (Account)

	FieldAccountID        Field = "AccountId"       // (Contact, Opportunity)
	FieldAccountWebsite   Field = "Account.Website" // relationship path (Contact, Opportunity)
	FieldAccountName      Field = "Account.Name"    // relationship path (Contact, Opportunity)
	FieldCompany          Field = "Company"         // (Lead)
	FieldStatus           Field = "Status"          // (Lead, Task)
	FieldIsConverted      Field = "IsConverted"     // (Lead)
	FieldStageName        Field = "StageName"       // (Opportunity)
	FieldCloseDate        Field = "CloseDate"       // (Opportunity)
	FieldAmount           Field = "Amount"          // (Opportunity)
	FieldIsClosed         Field = "IsClosed"        // (Opportunity)
	FieldOpportunityID    Field = "OpportunityId"   // (OpportunityContactRole)
	FieldContactID        Field = "ContactId"       // (OpportunityContactRole)
	FieldContactEmail     Field = "Contact.Email"   // relationship path (OpportunityContactRole)
	FieldRole             Field = "Role"            // (OpportunityContactRole)
	FieldIsPrimary        Field = "IsPrimary"       // (OpportunityContactRole)
	FieldUsername         Field = "Username"        // (User)
	FieldIsActive         Field = "IsActive"        // (User)
	FieldTimeZoneSidKey   Field = "TimeZoneSidKey"  // (User, Organization)
	FieldLocaleSidKey     Field = "LocaleSidKey"    // (User)
	FieldSubject          Field = "Subject"         // (Event, Task)
	FieldWhoID            Field = "WhoId"           // (Event, Task): Contact or Lead
	FieldWhatID           Field = "WhatId"          // (Event, Task): Opportunity, Account, …
	FieldStartDateTime    Field = "StartDateTime"   // (Event)
	FieldEndDateTime      Field = "EndDateTime"     // (Event)
	FieldDurationInMins   Field = "DurationInMinutes"
	FieldActivityDate     Field = "ActivityDate" // (Event, Task)
	FieldActivityDateTime Field = "ActivityDateTime"
	FieldLocation         Field = "Location" // (Event)
	FieldType             Field = "Type"     // (Event, Task)
	FieldPriority         Field = "Priority" // (Task)
	FieldTaskSubtype      Field = "TaskSubtype"

	FieldRecordID          Field = "RecordId"           // (UserRecordAccess)
	FieldUserID            Field = "UserId"             // (UserRecordAccess)
	FieldHasReadAccess     Field = "HasReadAccess"      // (UserRecordAccess)
	FieldHasEditAccess     Field = "HasEditAccess"      // (UserRecordAccess)
	FieldMaxAccessLevel    Field = "MaxAccessLevel"     // (UserRecordAccess)
	FieldAssigneeID        Field = "AssigneeId"         // (PermissionSetAssignment)
	FieldPermissionSetID   Field = "PermissionSetId"    // (PermissionSetAssignment)
	FieldPermissionSetName Field = "PermissionSet.Name" // relationship path (PermissionSetAssignment)
)

// Custom fields sfzoom adds (see CustomFields for their types).
const (
	// Activity (Event and Task).
	FieldZoomMeetingID    Field = "Zoom_Meeting_ID__c"
	FieldZoomRecordingURL Field = "Zoom_Recording_URL__c"
	// FieldZoomMeetingNumber is the meeting ID as Zoom shows it to people
	// ("812 3456 7890"); Zoom_Meeting_ID__c keeps the occurrence UUID.
	FieldZoomMeetingNumber Field = "Zoom_Meeting_Number__c"
	// FieldZoomLoggedAt is set when the post-meeting pipeline logs attendance,
	// in the same all-or-none write as the Opportunity roll-up, so an Event
	// created at scheduling time is still counted exactly once.
	FieldZoomLoggedAt Field = "Zoom_Logged_At__c"
	// User.
	FieldZoomEmail Field = "Zoom_Email__c"
	// Opportunity.
	FieldLastMeetingDate    Field = "Last_Meeting_Date__c"
	FieldMeetingCount       Field = "Meeting_Count__c"
	FieldLastMeetingSummary Field = "Last_Meeting_Summary__c"
	// Zoom_Meeting_Event__e (platform event).
	FieldPEMeetingID         Field = "Meeting_ID__c"
	FieldPEEventType         Field = "Event_Type__c"
	FieldPEParticipantEmails Field = "Participant_Emails__c"
	FieldPEDurationMinutes   Field = "Duration_Minutes__c"
	FieldPERecordingURL      Field = "Recording_URL__c"
	FieldPERelatedRecordID   Field = "Related_Record_ID__c"
	FieldPEHostEmail         Field = "Host_Email__c"
	FieldPEStartTime         Field = "Start_Time__c"
	FieldPETopic             Field = "Topic__c"
	FieldPESummary           Field = "Summary__c"
	FieldPEWhoID             Field = "Who_ID__c"
)

// PermissionSetAdmin is the API name of the permission set that makes a
// Salesforce user an sfzoom administrator.
const PermissionSetAdmin = "sfzoom_Admin"

// Metadata field types used in FieldSpec.Type (Metadata API spelling).
const (
	TypeText         = "Text"
	TypeURL          = "Url"
	TypeEmail        = "Email"
	TypeDate         = "Date"
	TypeDateTime     = "DateTime"
	TypeNumber       = "Number"
	TypeLongTextArea = "LongTextArea"
	TypeCheckbox     = "Checkbox"
)

// FieldSpec describes one custom field as deployed by sfdx/. Length is the
// text length, or the precision for Number fields, and 0 where the type has
// none (Url, Email, Date, DateTime).
type FieldSpec struct {
	Object     string
	Field      string
	Type       string
	Length     int
	ExternalID bool
	Unique     bool
}

// CustomFields lists every custom field sfzoom needs, Activity fields under
// Object "Activity". A test in sfdx/ compares it with the metadata.
//
// Platform event fields may only be Checkbox, Date, DateTime, Number, Text or
// LongTextArea (Salesforce Help "Define and Publish Platform Events"), so the
// event's URL and e-mail fields are Text.
func CustomFields() []FieldSpec {
	act, opp, usr, pe := string(ObjectActivity), string(ObjectOpportunity), string(ObjectUser), string(ObjectZoomMeetingEvent)
	return []FieldSpec{
		{Object: act, Field: string(FieldZoomMeetingID), Type: TypeText, Length: 255, ExternalID: true, Unique: true},
		{Object: act, Field: string(FieldZoomRecordingURL), Type: TypeURL},
		{Object: act, Field: string(FieldZoomMeetingNumber), Type: TypeText, Length: 20},
		{Object: act, Field: string(FieldZoomLoggedAt), Type: TypeDateTime},
		{Object: usr, Field: string(FieldZoomEmail), Type: TypeEmail},
		{Object: opp, Field: string(FieldLastMeetingDate), Type: TypeDate},
		{Object: opp, Field: string(FieldMeetingCount), Type: TypeNumber, Length: 18},
		{Object: opp, Field: string(FieldLastMeetingSummary), Type: TypeLongTextArea, Length: 32768},
		{Object: pe, Field: string(FieldPEMeetingID), Type: TypeText, Length: 255},
		{Object: pe, Field: string(FieldPEEventType), Type: TypeText, Length: 80},
		{Object: pe, Field: string(FieldPEParticipantEmails), Type: TypeLongTextArea, Length: 131072},
		{Object: pe, Field: string(FieldPEDurationMinutes), Type: TypeNumber, Length: 18},
		{Object: pe, Field: string(FieldPERecordingURL), Type: TypeText, Length: 255},
		{Object: pe, Field: string(FieldPERelatedRecordID), Type: TypeText, Length: 18},
		{Object: pe, Field: string(FieldPEHostEmail), Type: TypeText, Length: 255},
		{Object: pe, Field: string(FieldPEStartTime), Type: TypeDateTime},
		{Object: pe, Field: string(FieldPETopic), Type: TypeText, Length: 255},
		{Object: pe, Field: string(FieldPESummary), Type: TypeLongTextArea, Length: 131072},
		{Object: pe, Field: string(FieldPEWhoID), Type: TypeText, Length: 18},
	}
}
