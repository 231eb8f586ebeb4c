package salesforce

import (
	"context"
	"fmt"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// MaxRecordAccessIDs is how many record ids one UserRecordAccess query may
// carry.
const MaxRecordAccessIDs = 200

// RecordAccess reports which of recordIDs userID can read, keyed by the
// 18-character id. It batches 200 ids per query. A record missing from
// Salesforce's answer means no access (rows the running user cannot see are
// filtered out, docs/salesforce-api.md §9).
//
// Salesforce docs: https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_userrecordaccess.htm
//
// Errors: EINVALID (malformed id), EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) RecordAccess(ctx context.Context, userID string, recordIDs []string) (map[string]bool, error) {
	if err := checkID(userID); err != nil {
		return nil, fmt.Errorf("salesforce: record access: %w", err)
	}
	out := make(map[string]bool, len(recordIDs))
	var ids []string
	for _, id := range dedupe(recordIDs) {
		if err := checkID(id); err != nil {
			return nil, fmt.Errorf("salesforce: record access: %w", err)
		}
		id18 := To18(id)
		out[id18] = false
		ids = append(ids, id18)
	}
	for start := 0; start < len(ids); start += MaxRecordAccessIDs {
		batch := ids[start:min(start+MaxRecordAccessIDs, len(ids))]
		q := Select(FieldRecordID, FieldHasReadAccess).From(ObjectUserRecordAccess).
			Where(And(Eq(FieldUserID, To18(userID)), In(FieldRecordID, batch...)))
		recs, err := c.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("salesforce: record access: %w", err)
		}
		for _, r := range recs {
			id := r.String(FieldRecordID)
			if ValidID(id) {
				out[To18(id)] = r.Bool(FieldHasReadAccess)
			}
		}
	}
	return out, nil
}

// CanRead reports whether userID can read recordID (one RecordAccess call).
//
// Errors: as RecordAccess.
func (c *Client) CanRead(ctx context.Context, userID, recordID string) (bool, error) {
	m, err := c.RecordAccess(ctx, userID, []string{recordID})
	if err != nil {
		return false, err
	}
	return m[To18(recordID)], nil
}

// HasPermissionSet reports whether userID is assigned the permission set
// with API name name (e.g. PermissionSetAdmin).
//
// Errors: EINVALID, EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) HasPermissionSet(ctx context.Context, userID, name string) (bool, error) {
	if err := checkID(userID); err != nil {
		return false, fmt.Errorf("salesforce: permission set: %w", err)
	}
	if name == "" {
		return false, fmt.Errorf("salesforce: permission set: %w", sfzoom.Errorf(sfzoom.EINVALID, "Permission set name required."))
	}
	q := Select(FieldID).From(ObjectPermissionSetAssignment).
		Where(And(Eq(FieldAssigneeID, To18(userID)), Eq(FieldPermissionSetName, name))).Limit(1)
	recs, err := c.Query(ctx, q)
	if err != nil {
		return false, fmt.Errorf("salesforce: permission set: %w", err)
	}
	return len(recs) > 0, nil
}

// To18 converts a 15-character record id to its case-safe 18-character form
// (an 18-character id is returned unchanged). Anything else is returned as
// is.
func To18(id string) string {
	if len(id) != 15 {
		return id
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
	suffix := make([]byte, 3)
	for chunk := 0; chunk < 3; chunk++ {
		flags := 0
		for i := 0; i < 5; i++ {
			ch := id[chunk*5+i]
			if ch >= 'A' && ch <= 'Z' {
				flags |= 1 << i
			}
		}
		suffix[chunk] = alphabet[flags]
	}
	return id + string(suffix)
}
