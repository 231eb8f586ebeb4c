package recordings

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfzoom/sfzoom/internal/httperr"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/ttlcache"
	"github.com/sfzoom/sfzoom/internal/zoom"
)

// MeetingFinder finds a meeting of an org (ENOTFOUND for another org's).
type MeetingFinder interface {
	FindMeetingByID(ctx context.Context, orgID string, id int64) (*sfzoom.Meeting, error)
}

// Auditor records media accesses.
type Auditor interface {
	AppendMediaAudit(ctx context.Context, a *sfzoom.MediaAudit) error
}

// Zoom is what the proxy needs from a Zoom client; *zoom.Client has it.
type Zoom interface {
	Recordings(ctx context.Context, idOrUUID string, opts *zoom.RecordingsOptions) (*zoom.Recording, error)
	Download(ctx context.Context, downloadURL string, opts *zoom.DownloadOptions) (*http.Response, error)
	MeetingSummary(ctx context.Context, uuid string) (*zoom.MeetingSummary, error)
}

// ZoomFunc returns the Zoom client that may read a meeting's recordings
// (the host's connection, or the account's S2S app).
type ZoomFunc func(ctx context.Context, orgID, hostSFUserID string) (Zoom, error)

// Options configure a Proxy.
type Options struct {
	Signer   *Signer
	Access   *AccessCache
	Meetings MeetingFinder
	Audit    Auditor
	Zoom     ZoomFunc
	// Stored is what the post-meeting pipeline kept (recording file
	// metadata, summaries); nil asks Zoom every time.
	Stored Stored
	Logger *slog.Logger
	Now    func() time.Time
	// ListingTTL is how long a meeting's recording list (with its download
	// URLs, kept in memory only) is reused; default 30s. Zoom generates a
	// download URL per request, so a short reuse is safe and saves one API
	// call per Range request.
	ListingTTL time.Duration
	// WriteTimeout is how long one buffer write to the client may take; the
	// write deadline is pushed forward after every write so long streams
	// outlive the server's WriteTimeout. Default 30s.
	WriteTimeout time.Duration
	// BufferSize is the copy buffer; default 256 KiB, with which the proxy
	// streams as fast as a bare io.Copy relay (BenchmarkProxyThroughput,
	// docs/performance.md); at 64 KiB it reached about three quarters of it.
	BufferSize int
}

// DefaultBufferSize is the copy buffer of a Proxy whose Options leave
// BufferSize 0. Buffers are pooled, so memory grows with concurrent streams
// only, never with file size.
const DefaultBufferSize = 256 << 10

// Proxy streams recording files to authorised Salesforce users.
type Proxy struct {
	opts Options
	log  *slog.Logger
	pool sync.Pool

	listings    *ttlcache.Cache[*zoom.Recording]
	transcripts *ttlcache.Cache[[]Cue]
}

// maxListings bounds the recording lists kept in memory (each is one
// meeting's, reused for ListingTTL).
const maxListings = 1024

// NewProxy returns a proxy.
func NewProxy(opts Options) *Proxy {
	opts.Logger = sfzoom.LoggerOrDiscard(opts.Logger)
	opts.Now = sfzoom.NowOrTimeNow(opts.Now)
	if opts.ListingTTL <= 0 {
		opts.ListingTTL = 30 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 30 * time.Second
	}
	if opts.BufferSize <= 0 {
		opts.BufferSize = DefaultBufferSize
	}
	p := &Proxy{opts: opts, log: opts.Logger,
		listings:    ttlcache.New[*zoom.Recording](maxListings, opts.ListingTTL, opts.Now),
		transcripts: ttlcache.New[[]Cue](maxTranscriptEntries, transcriptTTL, opts.Now)}
	p.pool.New = func() any { b := make([]byte, opts.BufferSize); return &b }
	return p
}

// Signer returns the proxy's URL signer.
func (p *Proxy) Signer() *Signer { return p.opts.Signer }

// Authorize checks that userID of orgID may see meeting m's recordings: the
// user can read the Salesforce record the meeting is linked to (cached
// check), or, for a meeting linked to no record, is its host.
//
// Errors: EFORBIDDEN saying why; the access check's errors.
func (p *Proxy) Authorize(ctx context.Context, orgID, userID string, m *sfzoom.Meeting) error {
	if m.RecordID == "" {
		if m.HostSFUserID != "" && m.HostSFUserID == userID {
			return nil
		}
		return sfzoom.Errorf(sfzoom.EFORBIDDEN, "This meeting is not linked to a Salesforce record, so only its host can see its recordings.")
	}
	ok, err := p.opts.Access.CanRead(ctx, orgID, userID, m.RecordID)
	if err != nil {
		return err
	}
	if !ok {
		return sfzoom.Errorf(sfzoom.EFORBIDDEN, "You no longer have access to the Salesforce record this meeting belongs to, so you cannot see its recordings. Ask the record owner or your Salesforce admin to share it with you.")
	}
	return nil
}

// Recording returns the meeting's cloud recording as Zoom lists it now
// (reused for ListingTTL; concurrent requests, such as a player's Range
// requests, share one call). The result holds download URLs and must never
// reach a browser.
//
// Errors: ENOTFOUND (no recording), EUNAUTHORIZED, ERATELIMIT, EUNAVAILABLE.
func (p *Proxy) Recording(ctx context.Context, m *sfzoom.Meeting) (*zoom.Recording, error) {
	key := meetingInstance(m)
	return p.listings.Load(ctx, key, func(ctx context.Context) (*zoom.Recording, error) {
		zc, err := p.opts.Zoom(ctx, m.OrgID, m.HostSFUserID)
		if err != nil {
			return nil, fmt.Errorf("recordings: zoom client: %w", err)
		}
		rec, err := zc.Recordings(ctx, key, nil)
		if err != nil {
			return nil, fmt.Errorf("recordings: list: %w", err)
		}
		return rec, nil
	})
}

// Summary returns the meeting's AI Companion summary from Zoom.
//
// Errors: ENOTFOUND (no summary), EFORBIDDEN, EUNAUTHORIZED, ERATELIMIT,
// EUNAVAILABLE.
func (p *Proxy) Summary(ctx context.Context, m *sfzoom.Meeting) (*zoom.MeetingSummary, error) {
	zc, err := p.opts.Zoom(ctx, m.OrgID, m.HostSFUserID)
	if err != nil {
		return nil, fmt.Errorf("recordings: zoom client: %w", err)
	}
	s, err := zc.MeetingSummary(ctx, meetingInstance(m))
	if err != nil {
		return nil, fmt.Errorf("recordings: summary: %w", err)
	}
	return s, nil
}

// maxTextFile bounds transcripts and chat files read into memory.
const maxTextFile = 8 << 20

// ReadText downloads a small text file of the meeting's recording
// (transcript, chat) server-side, at most 8 MiB.
//
// Errors: ENOTFOUND, EFORBIDDEN (Zoom refused), EINVALID (too large),
// EUNAVAILABLE.
func (p *Proxy) ReadText(ctx context.Context, m *sfzoom.Meeting, fileID string) ([]byte, error) {
	rec, err := p.Recording(ctx, m)
	if err != nil {
		return nil, err
	}
	f := findFile(rec, fileID)
	if f == nil || f.DownloadURL == "" {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "This recording file no longer exists in Zoom.")
	}
	if f.FileSize > maxTextFile {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "This file is too large to show here; download it from Zoom instead.")
	}
	zc, err := p.opts.Zoom(ctx, m.OrgID, m.HostSFUserID)
	if err != nil {
		return nil, fmt.Errorf("recordings: zoom client: %w", err)
	}
	resp, err := zc.Download(ctx, f.DownloadURL, &zoom.DownloadOptions{Token: rec.DownloadAccessToken})
	if err != nil {
		return nil, fmt.Errorf("recordings: read %s: %w", f.FileType, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTextFile+1))
	if err != nil {
		return nil, sfzoom.WrapError(sfzoom.EUNAVAILABLE, err, "Zoom stopped sending the file; try again.")
	}
	if len(b) > maxTextFile {
		return nil, sfzoom.Errorf(sfzoom.EINVALID, "This file is too large to show here; download it from Zoom instead.")
	}
	return b, nil
}

// meetingInstance is the Zoom id the recording belongs to: the instance UUID
// when known, else the numeric id (the latest instance).
func meetingInstance(m *sfzoom.Meeting) string {
	if m.ZoomUUID != "" {
		return m.ZoomUUID
	}
	return strconv.FormatInt(m.ZoomMeetingID, 10)
}

func findFile(rec *zoom.Recording, id string) *zoom.RecordingFile {
	if id == "" {
		return nil
	}
	for _, list := range [][]zoom.RecordingFile{rec.RecordingFiles, rec.ParticipantAudioFiles} {
		for i := range list {
			if list[i].ID == id {
				return &list[i]
			}
		}
	}
	return nil
}

// ContentType is the media type sfzoom sends for a recording file
// extension; Zoom's own Content-Type is never trusted.
func ContentType(ext string) string {
	switch strings.ToUpper(ext) {
	case "MP4":
		return "video/mp4"
	case "M4A":
		return "audio/mp4"
	case "VTT":
		return "text/vtt; charset=utf-8"
	case "TXT":
		return "text/plain; charset=utf-8"
	case "JSON":
		return "application/json"
	case "CSV":
		return "text/csv; charset=utf-8"
	case "WEBM":
		return "video/webm"
	}
	return "application/octet-stream"
}

// Serve handles one media request for a signed token: GET or HEAD, with an
// optional Range/If-Range. Errors are returned before anything is written
// (the caller renders them: 403 pages that say why, 404, 416, 503); once
// streaming has begun, failures are logged and audited, and nil is
// returned. Every request is audited.
func (p *Proxy) Serve(w http.ResponseWriter, r *http.Request, token string) error {
	ctx := r.Context()
	a := &sfzoom.MediaAudit{Range: r.Header.Get("Range")}
	claims, err := p.opts.Signer.Verify(token)
	var bu *badURLError
	if errors.As(err, &bu) && !bu.expired {
		// The claims are not trustworthy: log only, never write another org's audit.
		p.log.WarnContext(ctx, "media url rejected", "reason", bu.msg)
		return err
	}
	a.OrgID, a.SFUserID, a.MeetingID, a.ZoomFileID = claims.OrgID, claims.UserID, claims.MeetingID, claims.FileID
	defer func() { p.audit(ctx, a) }()
	if err != nil {
		a.Status, a.Result, a.Detail = http.StatusForbidden, sfzoom.MediaBadURL, "expired"
		return err
	}
	err = p.serve(w, r, claims, a)
	if err != nil {
		// The status the web error handler will send.
		a.Status = httperr.Status(err)
		if a.Result == "" {
			a.Result = sfzoom.MediaFailed
		}
		if a.Detail == "" {
			a.Detail = sfzoom.ErrorMessage(err)
		}
	}
	return err
}

// serve answers one verified media request, step by step: the file the
// claims name (once the user may see it), the range asked for, then either
// the headers (HEAD) or Zoom's download streamed through.
func (p *Proxy) serve(w http.ResponseWriter, r *http.Request, c Claims, a *sfzoom.MediaAudit) error {
	ctx := r.Context()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return sfzoom.Errorf(sfzoom.EINVALID, "Recordings can only be fetched with GET.")
	}
	m, rec, f, err := p.authorizedFile(ctx, c, a)
	if err != nil {
		return err
	}
	size := int64(f.FileSize)
	h := mediaHeader(f.FileExtension)
	rangeHeader := r.Header.Get("Range")
	want, err := requestedRange(w.Header(), rangeHeader, size, a)
	if err != nil {
		return err
	}
	if r.Method == http.MethodHead {
		if size > 0 {
			h.Set("Content-Length", strconv.FormatInt(size, 10))
		}
		copyHeader(w.Header(), h)
		w.WriteHeader(http.StatusOK)
		a.Status, a.Result = http.StatusOK, sfzoom.MediaServed
		return nil
	}

	dopts := downloadOptions(r, rec.DownloadAccessToken, want, size)
	resp, err := p.download(ctx, c, m, f, dopts, a)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	for _, k := range []string{"ETag", "Last-Modified"} {
		if v := resp.Header.Get(k); v != "" {
			h.Set(k, v)
		}
	}
	part, err := answer(w.Header(), resp, want, size, dopts.IfRange != "", h, a)
	if err != nil {
		return err
	}
	if part.skip > 0 {
		if _, err := io.CopyN(io.Discard, resp.Body, part.skip); err != nil {
			return sfzoom.WrapError(sfzoom.EUNAVAILABLE, err, "Zoom stopped sending the recording; try again.")
		}
	}
	if part.length > 0 {
		h.Set("Content-Length", strconv.FormatInt(part.length, 10))
	}
	copyHeader(w.Header(), h)
	w.WriteHeader(part.status)
	a.Status = part.status
	p.stream(ctx, w, resp.Body, part.length, c, a)
	return nil
}

// downloadOptions asks Zoom for the range the client wants (want, resolved
// against the known size), or passes the client's Range on when the size is
// unknown; If-Range goes along only with a range.
func downloadOptions(r *http.Request, token string, want *byteRange, size int64) *zoom.DownloadOptions {
	d := &zoom.DownloadOptions{IfRange: r.Header.Get("If-Range"), Token: token}
	switch {
	case want != nil:
		d.Range = want.header()
	case size <= 0:
		d.Range = r.Header.Get("Range") // unknown size: let Zoom resolve it
	}
	if d.Range == "" {
		d.IfRange = ""
	}
	return d
}

// authorizedFile returns the meeting, its recording listing and the file
// the claims name, once the user may see them.
func (p *Proxy) authorizedFile(ctx context.Context, c Claims, a *sfzoom.MediaAudit) (*sfzoom.Meeting, *zoom.Recording, *zoom.RecordingFile, error) {
	m, err := p.opts.Meetings.FindMeetingByID(ctx, c.OrgID, c.MeetingID)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("recordings: meeting: %w", err)
	}
	if err := p.Authorize(ctx, c.OrgID, c.UserID, m); err != nil {
		if sfzoom.ErrorCode(err) == sfzoom.EFORBIDDEN {
			a.Result = sfzoom.MediaDenied
		}
		return nil, nil, nil, err
	}
	rec, err := p.Recording(ctx, m)
	if err != nil {
		return nil, nil, nil, err
	}
	f := findFile(rec, c.FileID)
	if f == nil || f.DownloadURL == "" {
		return nil, nil, nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "This recording file no longer exists in Zoom (it may have been deleted).")
	}
	return m, rec, f, nil
}

// mediaHeader is the header sent with media (and only with media: an
// error page keeps its own).
func mediaHeader(ext string) http.Header {
	h := http.Header{}
	h.Set("Content-Type", ContentType(ext))
	h.Set("Accept-Ranges", "bytes")
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Disposition", "inline")
	return h
}

// requestedRange parses the Range header against a file of known size (nil
// when the whole file is asked for, or the size is unknown); a range it
// cannot serve is a *RangeError with Content-Range set on wh.
func requestedRange(wh http.Header, rangeHeader string, size int64, a *sfzoom.MediaAudit) (*byteRange, error) {
	if size <= 0 {
		return nil, nil
	}
	want, err := parseRange(rangeHeader, size)
	switch {
	case errors.Is(err, errMultiRange):
		a.Result = sfzoom.MediaBadRange
		return nil, rangeNotSatisfiable(wh, size, "Only one byte range per request is supported.")
	case err != nil:
		a.Result = sfzoom.MediaBadRange
		return nil, rangeNotSatisfiable(wh, size, "")
	}
	return want, nil
}

// download asks Zoom for the file (or the part dopts names).
func (p *Proxy) download(ctx context.Context, c Claims, m *sfzoom.Meeting, f *zoom.RecordingFile, dopts *zoom.DownloadOptions, a *sfzoom.MediaAudit) (*http.Response, error) {
	zc, err := p.opts.Zoom(ctx, m.OrgID, m.HostSFUserID)
	if err != nil {
		return nil, fmt.Errorf("recordings: zoom client: %w", err)
	}
	resp, err := zc.Download(ctx, f.DownloadURL, dopts)
	if err == nil {
		return resp, nil
	}
	if errors.Is(err, zoom.ErrDownloadRefused) {
		a.Result = sfzoom.MediaZoomRefused
		p.log.WarnContext(ctx, "zoom refused a recording download", "org_id", c.OrgID, "meeting_id", c.MeetingID, "file_id", c.FileID)
		return nil, sfzoom.WrapError(sfzoom.EFORBIDDEN, err, "Zoom refused to hand out this recording (it answered with an error page instead of the file). Ask the meeting host to check the recording's settings in Zoom, then try again.")
	}
	if sfzoom.ErrorCode(err) == sfzoom.EFORBIDDEN {
		a.Result = sfzoom.MediaZoomRefused
	}
	return nil, fmt.Errorf("recordings: download: %w", err)
}

// part is what the client is sent of Zoom's answer: the status, the bytes
// of Zoom's body to skip, and how many to send (0: all).
type part struct {
	status       int
	skip, length int64
}

// answer decides the part to send from Zoom's answer to the download,
// setting Content-Range on h (or on wh for a 416).
func answer(wh http.Header, resp *http.Response, want *byteRange, size int64, ifRange bool, h http.Header, a *sfzoom.MediaAudit) (part, error) {
	out := part{status: http.StatusOK, length: size}
	switch resp.StatusCode {
	case http.StatusRequestedRangeNotSatisfiable:
		a.Result = sfzoom.MediaBadRange
		return out, rangeNotSatisfiable(wh, size, "")
	case http.StatusPartialContent:
		got, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok || (want != nil && (got.start != want.start || got.end > want.end)) {
			return out, sfzoom.Errorf(sfzoom.EUNAVAILABLE, "Zoom sent a different part of the recording than asked for; try again.")
		}
		if size <= 0 && total > 0 {
			size = total
		}
		out.status, out.length = http.StatusPartialContent, got.length()
		h.Set("Content-Range", got.contentRange(size))
	case http.StatusOK:
		if size <= 0 && resp.ContentLength > 0 {
			size, out.length = resp.ContentLength, resp.ContentLength
		}
		// Zoom ignored the range. With If-Range that means the validator no
		// longer matched and the whole file is the right answer; otherwise
		// serve the range ourselves by skipping ahead in the stream.
		if want != nil && !ifRange {
			out.status, out.skip, out.length = http.StatusPartialContent, want.start, want.length()
			h.Set("Content-Range", want.contentRange(size))
		}
	default:
		return out, sfzoom.Errorf(sfzoom.EUNAVAILABLE, "Zoom answered the download with status %d; try again.", resp.StatusCode)
	}
	return out, nil
}

// stream copies the body to the client once the header is written, and
// audits how it ended; a failure now is logged, not returned.
func (p *Proxy) stream(ctx context.Context, w http.ResponseWriter, body io.Reader, length int64, c Claims, a *sfzoom.MediaAudit) {
	n, err := p.copy(w, body, length)
	a.Bytes = n
	switch {
	case err != nil:
		a.Result, a.Detail = sfzoom.MediaPartial, streamFailure(ctx, err)
		p.log.InfoContext(ctx, "recording stream ended early", "org_id", c.OrgID, "meeting_id", c.MeetingID,
			"file_id", c.FileID, "bytes", n, "reason", a.Detail)
	case length > 0 && n != length:
		a.Result, a.Detail = sfzoom.MediaPartial, fmt.Sprintf("zoom sent %d of %d bytes", n, length)
	default:
		a.Result = sfzoom.MediaServed
	}
}

// copy streams at most limit bytes (all when limit <= 0) through a pooled
// buffer, pushing the write deadline forward after every write.
func (p *Proxy) copy(w http.ResponseWriter, body io.Reader, limit int64) (int64, error) {
	bp := p.pool.Get().(*[]byte)
	defer p.pool.Put(bp)
	buf := *bp
	rc := http.NewResponseController(w)
	if limit > 0 {
		body = io.LimitReader(body, limit)
	}
	var n int64
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(p.opts.WriteTimeout))
		nr, rerr := body.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, fmt.Errorf("write: %w", werr)
			}
		}
		if rerr == io.EOF {
			return n, nil
		} else if rerr != nil {
			return n, fmt.Errorf("read: %w", rerr)
		}
	}
}

func streamFailure(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "client went away"
	}
	if strings.HasPrefix(err.Error(), "write") {
		return "client connection failed"
	}
	return "zoom stream failed"
}

func copyHeader(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

func rangeNotSatisfiable(h http.Header, size int64, msg string) error {
	if size > 0 {
		h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
	}
	if msg == "" {
		msg = "The requested part of the recording is outside the file."
	}
	return &RangeError{Message: msg}
}

// RangeError is a request the proxy answers with 416 Range Not Satisfiable
// (the Content-Range header is already set). It unwraps to EINVALID.
type RangeError struct{ Message string }

func (e *RangeError) Error() string { return "recordings: range not satisfiable: " + e.Message }

// Unwrap returns the application error.
func (e *RangeError) Unwrap() error { return sfzoom.Errorf(sfzoom.EINVALID, "%s", e.Message) }

// HTTPStatus is 416 Range Not Satisfiable.
func (e *RangeError) HTTPStatus() int { return http.StatusRequestedRangeNotSatisfiable }

func (p *Proxy) audit(ctx context.Context, a *sfzoom.MediaAudit) {
	if a.OrgID == "" {
		return
	}
	if a.Status == 0 {
		a.Status = http.StatusInternalServerError
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := p.opts.Audit.AppendMediaAudit(ctx, a); err != nil {
		p.log.ErrorContext(ctx, "media audit write failed", "org_id", a.OrgID, "meeting_id", a.MeetingID, "err", err.Error())
	}
}
