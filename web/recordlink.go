package web

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/sfzoom/sfzoom/internal/canvas"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
)

// RecordLinkStore is what the recording link needs from the store.
type RecordLinkStore interface {
	FindOrgByID(ctx context.Context, orgID string) (*sfzoom.Org, error)
	FindActivityLog(ctx context.Context, orgID, meetingUUID string) (*sfzoom.ActivityLog, error)
}

// RecordLink serves the stable recording links the post-meeting pipeline
// writes into Salesforce Events (/r/{org}/{meeting uuid}). A link carries no
// credential and reveals nothing: it redirects to the Salesforce record the
// meeting is logged on, where Salesforce checks the user's access and the
// sfzoom Canvas app (which checks it again on every play) shows the
// recording.
type RecordLink struct {
	Store RecordLinkStore
	// Instances is the policy the org's stored instance URL must pass
	// before a link redirects there (the zero value: Salesforce's https
	// hosts only), so a stored value from before it was verified cannot
	// send users elsewhere.
	Instances canvas.InstancePolicy
}

// RecordLinkPrefix is the path prefix of recording links.
const RecordLinkPrefix = "/r/"

func (rl *RecordLink) handle(c echo.Context) error {
	ctx := c.Request().Context()
	orgID := c.Param("org")
	uuid, err := url.PathUnescape(c.Param("*"))
	if err != nil || uuid == "" || len(uuid) > 200 || len(orgID) < 15 || len(orgID) > 18 {
		return sfzoom.Errorf(sfzoom.EINVALID, "This recording link is incomplete. Open the meeting's record in Salesforce instead.")
	}
	notFound := sfzoom.Errorf(sfzoom.ENOTFOUND, "This recording is not known to sfzoom (yet). Open the meeting's record in Salesforce; the recording appears there once Zoom has processed it.")
	log, err := rl.Store.FindActivityLog(ctx, orgID, uuid)
	if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		return notFound
	} else if err != nil {
		return err
	}
	org, err := rl.Store.FindOrgByID(ctx, orgID)
	if sfzoom.ErrorCode(err) == sfzoom.ENOTFOUND {
		return notFound
	} else if err != nil {
		return err
	}
	base, err := rl.Instances.Check(org.InstanceURL)
	if err != nil {
		return notFound
	}
	id := log.RelatedRecordID
	object := canvas.ObjectForID(id)
	if id == "" || object == "" {
		id, object = log.SFEventID, "Event"
	}
	if id == "" {
		return notFound
	}
	target := base + "/lightning/r/" + url.PathEscape(object) + "/" + url.PathEscape(id) + "/view"
	return c.Redirect(http.StatusFound, target)
}
