package zoomtest

import "strings"

// SetClientSecret replaces the app's client secret, as regenerating it in
// the Zoom App Marketplace does: token requests with the old secret are
// refused with invalid_client.
func (s *Server) SetClientSecret(secret string) { s.locked(func() { s.clientSecret = secret }) }

// RemoveUser deletes the user with this email from the account, as an
// admin removing them in the Zoom web portal does. It reports whether there
// was one.
func (s *Server) RemoveUser(email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, u := range s.users {
		if strings.EqualFold(u.Email, email) {
			s.users = append(s.users[:i], s.users[i+1:]...)
			return true
		}
	}
	return false
}
