package activity

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/salesforce"
)

// TestEmailChunks: a few hundred emails fit one IN list; many more are
// split so that each query stays under Salesforce's 100,000-character SOQL
// limit and 500 emails, and no email is lost or repeated.
func TestEmailChunks(t *testing.T) {
	emails := func(n, width int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("guest%0*d@company.example", width, i))
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		emails []string
		chunks int
	}{
		{"none", nil, 0},
		{"300", emails(300, 3), 1},
		{"501", emails(501, 3), 2},
		{"long addresses", emails(400, 200), 2}, // ~220 characters each: 50,000 per query
	} {
		t.Run(tc.name, func(t *testing.T) {
			chunks := emailChunks(tc.emails)
			if len(chunks) != tc.chunks {
				t.Fatalf("%d chunks, want %d", len(chunks), tc.chunks)
			}
			var all []string
			for _, c := range chunks {
				q, err := contactsByEmail(c).SOQL()
				if err != nil {
					t.Fatal(err)
				}
				if len(q) > 100_000 || len(c) > maxEmailsPerQuery {
					t.Errorf("a query of %d characters and %d emails, want ≤ 100,000 and ≤ %d", len(q), len(c), maxEmailsPerQuery)
				}
				all = append(all, c...)
			}
			if strings.Join(all, ",") != strings.Join(tc.emails, ",") {
				t.Error("the chunks do not hold every email once, in order")
			}
		})
	}
}

// TestCompositeBatches: at most five queries per composite request
// (https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-composite-post.html),
// a record GET riding along without counting, in order.
func TestCompositeBatches(t *testing.T) {
	q := func(ref string) salesforce.Subrequest {
		return salesforce.Subrequest{Method: http.MethodGet, URL: "query?q=SELECT+Id+FROM+Contact", ReferenceID: ref}
	}
	get := salesforce.Subrequest{Method: http.MethodGet, URL: "sobjects/Organization/00D000000000001AAA", ReferenceID: "org"}
	for _, tc := range []struct {
		name  string
		steps []salesforce.Subrequest
		want  []string
	}{
		{"five queries and a record GET: one call", []salesforce.Subrequest{q("a"), q("b"), q("c"), q("d"), q("e"), get}, []string{"a b c d e org"}},
		{"six queries: two calls", []salesforce.Subrequest{q("a"), q("b"), q("c"), q("d"), q("e"), q("f")}, []string{"a b c d e", "f"}},
		{"none", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, b := range compositeBatches(tc.steps) {
				var refs []string
				for _, st := range b {
					refs = append(refs, st.ReferenceID)
				}
				got = append(got, strings.Join(refs, " "))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("batches = %q, want %q", got, tc.want)
			}
		})
	}
}
