package canvas

// Page returns the app page the signed request asks for in its canvas
// parameters ({"page":"setup"} from the sfzoom Admin tab, docs/install.md),
// lower-cased, or "" when it names none. The caller decides what a page
// name opens and whether the user may see it.
func (r *Request) Page() string {
	params := parameterObject(r.Context.Environment.Parameters)
	if params == nil {
		return ""
	}
	p := stringParam(params, "page")
	if len(p) > 32 {
		return ""
	}
	b := []byte(p)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
