package sfzoom

import "context"

// User is the Salesforce user making the current request, as established by
// the Canvas signed request and carried in the app session.
type User struct {
	OrgID       string
	UserID      string // 18-character Salesforce user id
	Name        string
	Email       string
	Locale      string
	TimeZone    string
	InstanceURL string
	IsAdmin     bool
}

type contextKey int

const userContextKey contextKey = iota + 1

// NewContextWithUser returns a copy of ctx that carries u.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userContextKey, u)
}

// UserFromContext returns the user carried by ctx, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userContextKey).(*User)
	return u
}
