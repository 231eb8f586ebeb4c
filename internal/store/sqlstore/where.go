package sqlstore

import "strings"

// where builds a WHERE clause (without the keyword) from AND-ed conditions
// and their arguments.
type where struct {
	conds []string
	args  []any
}

// orgWhere starts a clause that keeps to one org.
func orgWhere(orgID string) *where {
	return &where{conds: []string{"org_id = ?"}, args: []any{orgID}}
}

func (w *where) add(cond string, arg any) {
	w.conds, w.args = append(w.conds, cond), append(w.args, arg)
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

// whereEq adds "column = ?" with *v when the filter field v is set.
func whereEq[T any](w *where, column string, v *T) {
	if v != nil {
		w.add(column+" = ?", *v)
	}
}
