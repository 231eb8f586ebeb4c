package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/web"
)

type auditLog struct {
	mu sync.Mutex
	as []*sfzoom.MediaAudit
}

func (l *auditLog) AppendMediaAudit(_ context.Context, a *sfzoom.MediaAudit) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.as = append(l.as, a)
	return nil
}

func (l *auditLog) last() *sfzoom.MediaAudit {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.as) == 0 {
		return nil
	}
	return l.as[len(l.as)-1]
}

type oneMeeting struct{ m *sfzoom.Meeting }

func (o oneMeeting) FindMeetingByID(_ context.Context, orgID string, id int64) (*sfzoom.Meeting, error) {
	if orgID != o.m.OrgID || id != o.m.ID {
		return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "No such meeting.")
	}
	return o.m, nil
}

// listingZoom lists one 100-byte recording file and downloads nothing.
type listingZoom struct{}

func (listingZoom) Recordings(context.Context, string, *zoom.RecordingsOptions) (*zoom.Recording, error) {
	return &zoom.Recording{RecordingFiles: []zoom.RecordingFile{
		{ID: "file-1", FileExtension: "MP4", FileSize: 100, DownloadURL: "https://zoom.example/rec/download/file-1"},
	}}, nil
}

func (listingZoom) Download(context.Context, string, *zoom.DownloadOptions) (*http.Response, error) {
	return nil, errors.New("listingZoom downloads nothing")
}

func (listingZoom) MeetingSummary(context.Context, string) (*zoom.MeetingSummary, error) {
	return nil, sfzoom.Errorf(sfzoom.ENOTFOUND, "No summary.")
}

// TestMediaAuditStatusIsStatusSent serves every kind of error the media
// proxy can return through the real error handler and checks that the audit
// row records the status the client was sent.
func TestMediaAuditStatusIsStatusSent(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	signer, err := recordings.NewSigner([][]byte{[]byte("0123456789abcdef0123456789abcdef")}, time.Hour, clock)
	if err != nil {
		t.Fatal(err)
	}
	meeting := &sfzoom.Meeting{ID: 7, OrgID: "00Dorg", ZoomMeetingID: 85746382, HostSFUserID: "005host"}
	audit := &auditLog{}
	var zoomErr error // what the Zoom client lookup fails with; nil serves listingZoom
	proxy := recordings.NewProxy(recordings.Options{
		Signer:   signer,
		Meetings: oneMeeting{meeting},
		Audit:    audit,
		Zoom: func(context.Context, string, string) (recordings.Zoom, error) {
			if zoomErr != nil {
				return nil, zoomErr
			}
			return listingZoom{}, nil
		},
		Now:        clock,
		ListingTTL: time.Nanosecond,
	})
	srv, err := web.NewServer(web.Options{Media: &web.MediaRoutes{Proxy: proxy}})
	if err != nil {
		t.Fatal(err)
	}
	path, err := signer.Path(recordings.Claims{OrgID: meeting.OrgID, UserID: meeting.HostSFUserID, MeetingID: meeting.ID, FileID: "file-1"})
	if err != nil {
		t.Fatal(err)
	}

	codes := []string{sfzoom.ECONFLICT, sfzoom.EINTERNAL, sfzoom.EINVALID, sfzoom.ENOTFOUND, sfzoom.ENOTIMPLEMENTED,
		sfzoom.EUNAUTHORIZED, sfzoom.EFORBIDDEN, sfzoom.ERATELIMIT, sfzoom.EUNAVAILABLE}
	type test struct {
		name       string
		zoomErr    error
		rangeHdr   string
		wantStatus int
	}
	var tests []test
	wantByCode := map[string]int{
		sfzoom.ECONFLICT: 409, sfzoom.EINTERNAL: 500, sfzoom.EINVALID: 400, sfzoom.ENOTFOUND: 404, sfzoom.ENOTIMPLEMENTED: 501,
		sfzoom.EUNAUTHORIZED: 401, sfzoom.EFORBIDDEN: 403, sfzoom.ERATELIMIT: 429, sfzoom.EUNAVAILABLE: 503,
	}
	for _, code := range codes {
		tests = append(tests, test{name: code, zoomErr: fmt.Errorf("wrapped: %w", sfzoom.Errorf(code, "Failed with %s.", code)), wantStatus: wantByCode[code]})
	}
	tests = append(tests,
		test{name: "PlainError", zoomErr: errors.New("boom"), wantStatus: http.StatusInternalServerError},
		test{name: "SalesforceUnreachable", zoomErr: sfzoom.WrapError(sfzoom.EUNAVAILABLE,
			fmt.Errorf("x: %w", canvas.ErrSalesforceUnreachable), "Salesforce could not be reached."), wantStatus: http.StatusBadGateway},
		test{name: "RangeNotSatisfiable", rangeHdr: "bytes=500-", wantStatus: http.StatusRequestedRangeNotSatisfiable},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zoomErr = tt.zoomErr
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if tt.rangeHdr != "" {
				req.Header.Set("Range", tt.rangeHdr)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("GET %s = %d, want %d", path, rec.Code, tt.wantStatus)
			}
			a := audit.last()
			if a == nil {
				t.Fatal("no audit row written")
			}
			if a.Status != rec.Code {
				t.Errorf("audited status = %d, sent %d; the audit log must record the status sent", a.Status, rec.Code)
			}
		})
	}
}
