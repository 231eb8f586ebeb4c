package zoom

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/sfzoom/sfzoom/internal/httpretry"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// RecordingFile is one entry of recording_files or participant_audio_files.
// TIMELINE and CC entries have no PlayURL; Zoom sends them with an ID,
// Status, FileSize and RecordingType ("timeline", "closed_caption"), though
// its reference says they lack those too, so none of them may be relied on. FileType is never "VTT": transcripts are TRANSCRIPT with
// extension VTT, captions CC/VTT, chat CHAT/TXT.
type RecordingFile struct {
	ID             string    `json:"id"`
	MeetingID      string    `json:"meeting_id"` // the instance UUID
	RecordingStart Time      `json:"recording_start"`
	RecordingEnd   Time      `json:"recording_end"`
	FileName       string    `json:"file_name"`
	FileType       string    `json:"file_type"`
	FileExtension  string    `json:"file_extension"`
	FileSize       FlexInt64 `json:"file_size"`
	PlayURL        string    `json:"play_url"`
	DownloadURL    string    `json:"download_url"` // never store it; fetch fresh ones
	FilePath       string    `json:"file_path"`    // on-premise only
	Status         string    `json:"status"`
	RecordingType  string    `json:"recording_type"`
	DeletedTime    Time      `json:"deleted_time"`
}

// Recording is a meeting instance's cloud recording, from
// GET /meetings/{id}/recordings or the recording.completed webhook.
type Recording struct {
	UUID                  string          `json:"uuid"`
	ID                    FlexInt64       `json:"id"`
	AccountID             string          `json:"account_id"`
	HostID                string          `json:"host_id"`
	HostEmail             string          `json:"host_email"`
	Topic                 string          `json:"topic"`
	Type                  FlexInt64       `json:"type"` // a string in REST, a number in webhooks
	StartTime             Time            `json:"start_time"`
	Timezone              string          `json:"timezone"`
	Duration              int             `json:"duration"`
	TotalSize             FlexInt64       `json:"total_size"`
	RecordingCount        int             `json:"recording_count"`
	ShareURL              string          `json:"share_url"`
	RecordingFiles        []RecordingFile `json:"recording_files"`
	ParticipantAudioFiles []RecordingFile `json:"participant_audio_files"`
	Password              string          `json:"password"`
	RecordingPlayPasscode string          `json:"recording_play_passcode"`
	DownloadAccessToken   string          `json:"download_access_token"` // secret: never log it
	OnPrem                bool            `json:"on_prem"`
}

// RecordingsOptions ask for a download access token with the recordings.
type RecordingsOptions struct {
	IncludeDownloadAccessToken bool
	TTL                        int // token lifetime in seconds, 0–604800
}

// Recordings fetches all recording files (every file type) of a meeting
// instance. idOrUUID is a numeric id (the latest instance) or a UUID,
// double-encoded when it starts with '/' or contains "//".
//
// Zoom docs: https://developers.zoom.us/docs/api/meetings/#tag/cloud-recording/GET/meetings/{meetingId}/recordings
//
// Errors: ENOTFOUND (404/3301 no recording, 404/3001), EUNAUTHORIZED,
// ERATELIMIT, EUNAVAILABLE.
func (c *Client) Recordings(ctx context.Context, idOrUUID string, opts *RecordingsOptions) (*Recording, error) {
	if idOrUUID == "" {
		return nil, fmt.Errorf("zoom: recordings: %w", &notFoundError{what: "meeting"})
	}
	cl, _ := newCall(http.MethodGet, "meetings/"+escapeID(idOrUUID)+"/recordings", APIRecordings, CategoryLight, nil)
	if opts != nil && opts.IncludeDownloadAccessToken {
		cl.query = url.Values{"include_fields": {"download_access_token"}}
		if opts.TTL > 0 {
			cl.query.Set("ttl", strconv.Itoa(min(opts.TTL, 604800)))
		}
	}
	var r Recording
	if err := c.do(ctx, cl, &r); err != nil {
		return nil, fmt.Errorf("zoom: recordings: %w", err)
	}
	return &r, nil
}

// ErrDownloadRefused is matched (errors.Is) when a recording download
// answers HTTP 200 with an HTML page instead of media ("Only the host can
// download this recording…", docs/zoom-api.md §7). It maps to EFORBIDDEN.
var ErrDownloadRefused = errors.New("zoom: download refused")

type downloadRefusedError struct{ status int }

func (e *downloadRefusedError) Error() string {
	return fmt.Sprintf("zoom: download: status %d with an HTML page instead of media", e.status)
}
func (e *downloadRefusedError) Is(target error) bool { return target == ErrDownloadRefused }
func (e *downloadRefusedError) Unwrap() error {
	return &sfzoom.Error{Code: sfzoom.EFORBIDDEN, Message: "Zoom refused to hand out this recording."}
}

// ErrDownloadHost is returned when a recording download URL, or a redirect
// of one, points anywhere but an https Zoom host: nothing is sent there.
var ErrDownloadHost = &sfzoom.Error{Code: sfzoom.EFORBIDDEN,
	Message: "Zoom's download link for this recording points outside Zoom, so sfzoom did not follow it. Try again later or open the recording in Zoom."}

// IsZoomDownloadHost reports whether u may be fetched during a recording
// download: https, no user info, the default port, and zoom.us or one of
// its subdomains. Zoom documents download URLs on the account's Zoom
// domain ("https://{{base-domain}}/rec/archive/download/xyz",
// https://developers.zoom.us/docs/api/using-zoom-apis/#download-url), such
// as us02web.zoom.us, which redirect to pre-signed ssrweb.zoom.us file URLs.
func IsZoomDownloadHost(u *url.URL) bool {
	if u == nil || u.Scheme != "https" || u.User != nil || (u.Port() != "" && u.Port() != "443") {
		return false
	}
	h := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	return h == "zoom.us" || strings.HasSuffix(h, ".zoom.us")
}

// downloadAllowed: Zoom's own hosts, or an origin the caller allowed
// explicitly (the demo's fake Zoom on localhost).
func (c *Client) downloadAllowed(u *url.URL) bool {
	if IsZoomDownloadHost(u) {
		return true
	}
	origin := strings.ToLower(u.Scheme + "://" + u.Host)
	return u.User == nil && slices.Contains(c.extraDownloadOrigins, origin)
}

// DownloadOptions tune Download.
type DownloadOptions struct {
	Range   string // forwarded Range header, e.g. "bytes=0-1023"
	IfRange string // forwarded If-Range header (an ETag or HTTP date)
	// Token is an optional download token (the webhook's download_token or a
	// download_access_token). When set, the first hop is sent with it as a
	// Bearer token through the plain download client instead of the
	// authenticated one. It never appears in errors or logs.
	Token string
}

// Download starts streaming a recording file. It sends the first request
// authenticated, follows Zoom's 302 to the pre-signed storage URL itself
// (without Authorization, since the signed URL carries its own credentials),
// forwards Range/If-Range on every hop, and refuses "200 + HTML" answers by
// checking Content-Type and the first bytes. The caller must close the
// returned body; 200, 206 and 416 answers are returned as they are.
//
// Zoom docs: https://developers.zoom.us/docs/api/using-zoom-apis/#download-url
//
// Errors: EFORBIDDEN (ErrDownloadRefused, 401/403), ENOTFOUND (404),
// EUNAVAILABLE (5xx, transport, breaker open).
func (c *Client) Download(ctx context.Context, downloadURL string, opts *DownloadOptions) (*http.Response, error) {
	if opts == nil {
		opts = &DownloadOptions{}
	}
	u, err := c.parseDownloadURL(ctx, downloadURL)
	if err != nil {
		return nil, err
	}
	var resp *http.Response
	err = c.breakers[APIDownloads].Execute(ctx, func() error {
		var err error
		if resp, err = c.followDownload(ctx, u, opts); err != nil {
			return err
		}
		if resp.StatusCode >= 500 {
			return httpretry.ErrServerStatus
		}
		return nil
	})
	if resp == nil {
		return nil, &unavailableError{op: "download", err: redact(err)}
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
		return refuseHTML(resp)
	case http.StatusRequestedRangeNotSatisfiable:
		return resp, nil
	}
	return nil, c.downloadStatusError(u, resp)
}

// parseDownloadURL checks a download URL before anything is sent: it must be
// an absolute http(s) URL (EINVALID) on a host Zoom serves downloads from
// (ErrDownloadHost), since the authenticated client would send the Zoom
// access token to whatever host the URL names.
func (c *Client) parseDownloadURL(ctx context.Context, downloadURL string) (*url.URL, error) {
	u, err := url.Parse(downloadURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "The recording download URL is invalid.")
	}
	if !c.downloadAllowed(u) {
		c.logger.WarnContext(ctx, "zoom: download url on a host that is not zoom's; not requested", "host", u.Hostname())
		return nil, ErrDownloadHost
	}
	return u, nil
}

// downloadStatusError closes a download answer that is neither content nor
// 416 and maps its status to an error as an API call's would be (a 1xx/3xx
// that was not followed is an APIError of its own).
func (c *Client) downloadStatusError(u *url.URL, resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	cl := &call{method: http.MethodGet, path: "download " + u.Path}
	err := c.checkResponse(cl, &httpretry.Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: body})
	if err == nil { // a 1xx/3xx we did not follow
		err = &APIError{Method: http.MethodGet, Path: cl.path, StatusCode: resp.StatusCode, Message: "unexpected status"}
	}
	return fmt.Errorf("zoom: download: %w", err)
}

// refuseHTML refuses Zoom's "200 + HTML" failure (a sign-in or error page
// served as the file), told by its Content-Type or its first 512 bytes. The
// body it returns replays the bytes it peeked at.
func refuseHTML(resp *http.Response) (*http.Response, error) {
	if strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "text/html") {
		resp.Body.Close()
		return nil, &downloadRefusedError{status: resp.StatusCode}
	}
	br := bufio.NewReaderSize(resp.Body, 512)
	head, _ := br.Peek(512) // a short body is fine; errors surface on Read
	if looksLikeHTML(head) {
		resp.Body.Close()
		return nil, &downloadRefusedError{status: resp.StatusCode}
	}
	resp.Body = readCloser{Reader: br, Closer: resp.Body}
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// followDownload sends the hops of a download, at most 5 redirects.
func (c *Client) followDownload(ctx context.Context, u *url.URL, opts *DownloadOptions) (*http.Response, error) {
	first := *c.httpClient
	first.CheckRedirect = noRedirect
	hc := &first
	// Every hop is checked here, so the plain client must not follow
	// redirects on its own either.
	plain := *c.downloadClient
	plain.CheckRedirect = noRedirect
	bearer := ""
	if opts.Token != "" {
		hc, bearer = &plain, opts.Token
	}
	for hop := 0; hop < 6; hop++ {
		if !c.downloadAllowed(u) {
			c.logger.WarnContext(ctx, "zoom: download redirected to a host that is not zoom's; not followed", "host", u.Hostname())
			return nil, ErrDownloadHost
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return nil, fmt.Errorf("zoom: download request: %w", redact(err))
		}
		if opts.Range != "" {
			req.Header.Set("Range", opts.Range)
		}
		if opts.IfRange != "" {
			req.Header.Set("If-Range", opts.IfRange)
		}
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, redact(err)
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			return resp, nil
		}
		loc := resp.Header.Get("Location")
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		next, err := u.Parse(loc)
		if err != nil || loc == "" {
			return nil, errors.New("zoom: download: redirect without a usable Location")
		}
		// The signed storage URL carries its own credentials: no hop after
		// the first carries a token, whatever its host.
		u, hc, bearer = next, &plain, ""
	}
	return nil, errors.New("zoom: download: too many redirects")
}

// looksLikeHTML reports whether a body starts like an HTML document.
func looksLikeHTML(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) > 16 {
		b = b[:16]
	}
	l := bytes.ToLower(b)
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<!--"} {
		if bytes.HasPrefix(l, []byte(p)) {
			return true
		}
	}
	return false
}
