package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// mediaServer streams one signed media URL (*recordings.Proxy).
type mediaServer interface {
	Serve(w http.ResponseWriter, r *http.Request, token string) error
}

// MediaRoutes serves signed recording URLs at /media/{token}. The route is
// outside the /app session because a <video> element can send neither the
// session header nor, in the iframe, reliably a cookie: the signed URL is
// the credential, and the proxy re-checks record access before streaming.
type MediaRoutes struct {
	Proxy mediaServer
}

// handleRecordingMedia streams a recording file. Denials come back as
// errors before any byte is written and render as 403 pages that say why;
// unsatisfiable ranges as 416 (a *recordings.RangeError) with Content-Range
// set by the proxy.
func handleRecordingMedia(p mediaServer) echo.HandlerFunc {
	return func(c echo.Context) error {
		token := c.Param("token")
		if token == "" || len(token) > 2048 {
			return sfzoom.Errorf(sfzoom.EFORBIDDEN, "This recording link is malformed. Reopen the record in Salesforce to get a fresh link.")
		}
		return p.Serve(c.Response(), c.Request(), token)
	}
}
