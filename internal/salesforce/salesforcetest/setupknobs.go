package salesforcetest

import "strings"

// RemoveField deletes a field from the org's schema, as an admin deleting
// it in Setup → Object Manager does: describe no longer lists it and
// queries and writes that name it fail with INVALID_FIELD. It reports
// whether the field existed.
func (s *Server) RemoveField(object, field string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.schema.Objects {
		o := &s.schema.Objects[i]
		if !strings.EqualFold(o.Name, object) {
			continue
		}
		for j, f := range o.Fields {
			if strings.EqualFold(f.Name, field) {
				o.Fields = append(o.Fields[:j:j], o.Fields[j+1:]...)
				return true
			}
		}
	}
	return false
}

// UnassignPermissionSet removes the named permission set from a user, as
// Setup → Permission Sets → Manage Assignments does. It reports whether the
// user had it.
func (s *Server) UnassignPermissionSet(userID, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	userID = to18(userID)
	removed := false
	for id, r := range s.records {
		if r.obj.Name != "PermissionSetAssignment" || r.fields["AssigneeId"] != userID {
			continue
		}
		if ps, ok := s.records[r.fields["PermissionSetId"].(string)]; ok && ps.fields["Name"] == name {
			delete(s.records, id)
			removed = true
		}
	}
	return removed
}
