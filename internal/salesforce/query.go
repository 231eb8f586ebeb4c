package salesforce

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// QueryResult is one page of a query response.
type QueryResult struct {
	TotalSize      int      `json:"totalSize"`
	Done           bool     `json:"done"`
	NextRecordsURL string   `json:"nextRecordsUrl"`
	Records        []Record `json:"records"`
}

// Query runs q and returns every record, following nextRecordsUrl until
// done. Each page is one API call.
//
// Salesforce docs: https://developer.salesforce.com/docs/platform/api-rest/guide/resources-query.html
//
// Errors: EINVALID (malformed query, unknown field or object),
// EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (c *Client) Query(ctx context.Context, q Query) ([]Record, error) {
	soql, err := q.SOQL()
	if err != nil {
		return nil, sfzoom.WrapError(sfzoom.EINVALID, err, "Invalid Salesforce query.")
	}
	recs, err := c.querySOQL(ctx, soql)
	if err != nil {
		return nil, fmt.Errorf("salesforce: query %s: %w", q.object, err)
	}
	return recs, nil
}

func (c *Client) querySOQL(ctx context.Context, soql string) ([]Record, error) {
	path := "query?" + url.Values{"q": {soql}}.Encode()
	var out []Record
	for path != "" {
		var page QueryResult
		if _, err := c.call(ctx, http.MethodGet, path, nil, &page); err != nil {
			return nil, toDomain(err)
		}
		out = append(out, page.Records...)
		path = ""
		if !page.Done && page.NextRecordsURL != "" {
			path = page.NextRecordsURL
		}
	}
	return out, nil
}

// QueryIn runs q with "AND f IN (values)" added, splitting values over as
// few queries as the URL length allows (see WithMaxQueryLength). Duplicate
// values are sent once. With no values it makes no call.
func (c *Client) QueryIn(ctx context.Context, q Query, f Field, values []string) ([]Record, error) {
	values = dedupe(values)
	if len(values) == 0 {
		return nil, nil
	}
	chunks, err := c.chunkIn(q, f, values)
	if err != nil {
		return nil, sfzoom.WrapError(sfzoom.EINVALID, err, "Invalid Salesforce query.")
	}
	var out []Record
	for _, chunk := range chunks {
		recs, err := c.Query(ctx, q.Where(And(q.where, In(f, chunk...))))
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
	}
	return out, nil
}

func dedupe(values []string) []string {
	seen := make(map[string]bool, len(values))
	out := make([]string, 0, len(values))
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// chunkIn groups values so each rendered, URL-encoded query stays within
// maxQueryLen. The cost of a value is its encoded literal plus separator.
func (c *Client) chunkIn(q Query, f Field, values []string) ([][]string, error) {
	base, err := q.Where(And(q.where, In(f, ""))).SOQL()
	if err != nil {
		return nil, err
	}
	baseLen := len(url.QueryEscape(base))
	var chunks [][]string
	var cur []string
	size := baseLen
	for _, v := range values {
		esc, err := escapeString(v)
		if err != nil {
			return nil, err
		}
		cost := len(url.QueryEscape("'" + esc + "', "))
		if len(cur) > 0 && size+cost > c.maxQueryLen {
			chunks = append(chunks, cur)
			cur, size = nil, baseLen
		}
		cur = append(cur, v)
		size += cost
	}
	if len(cur) > 0 {
		chunks = append(chunks, cur)
	}
	return chunks, nil
}
