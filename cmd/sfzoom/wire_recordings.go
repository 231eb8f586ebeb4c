package main

import (
	"context"
	"fmt"

	"github.com/sfzoom/sfzoom/internal/activity"
	"github.com/sfzoom/sfzoom/internal/demo"
	"github.com/sfzoom/sfzoom/internal/recordings"
	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/web"
)

// wireRecordings builds the media proxy and adds its pages (the per-meeting
// recordings fragment and the create-tasks action), the signed media route,
// and the record page's "Recordings and summaries" section to what
// wirePages built. The media URL key is derived from the session keys.
func (a *app) wireRecordings(opts *web.Options, co *web.CanvasOptions) {
	in := a.integrations
	signer, err := recordings.NewSigner(a.cfg.SessionKeys, a.cfg.MediaURLTTL, nil)
	if err != nil {
		panic(fmt.Sprintf("recordings signer: %v", err)) // config validation guarantees keys and a TTL
	}
	access := recordings.NewAccessCache(func(ctx context.Context, orgID, userID, recordID string) (bool, error) {
		sf, err := in.Salesforce(ctx, orgID)
		if err != nil {
			return false, err
		}
		return sf.CanRead(ctx, userID, recordID)
	}, a.cfg.MediaAccessTTL, nil)
	proxy := recordings.NewProxy(recordings.Options{
		Signer: signer, Access: access, Meetings: a.backend.Store, Audit: a.backend.Store, Stored: a.backend.Store, Logger: a.log,
		Zoom: func(ctx context.Context, orgID, hostSFUserID string) (recordings.Zoom, error) {
			return in.Zoom(ctx, orgID, hostSFUserID)
		},
	})
	// Tasks are keyed like the post-meeting pipeline's, so the button and
	// the pipeline never duplicate each other.
	tasks := activity.NewTaskWriter(func(ctx context.Context, orgID string) (activity.TaskOrg, error) {
		return in.Salesforce(ctx, orgID)
	})
	rp := &web.RecordingsPages{Media: proxy, Meetings: a.backend.Store, Tasks: tasks}
	co.Scheduling.Sections = append(co.Scheduling.Sections, rp)
	co.Recordings, opts.Media = rp, &web.MediaRoutes{Proxy: proxy}
}

// demoSeedRecordings links the demo's recorded meeting (a real playable
// recording, a transcript and an AI summary in the fake Zoom) to the first
// demo Opportunity, so the record page shows the player at once.
func (a *app) demoSeedRecordings(ctx context.Context, d *demo.Demo) (*demo.RecordedMeeting, error) {
	orgID, rep := d.Info.OrgID, d.Info.Users["rep"]
	opps := d.Info.SampleRecords[sfzoom.ObjectOpportunity]
	if len(opps) == 0 || rep == "" {
		return nil, nil
	}
	rm, err := d.SeedRecordedMeeting(ctx)
	if err != nil {
		return nil, err
	}
	if err := a.backend.Store.UpsertOrg(ctx, &sfzoom.Org{ID: orgID, Name: "Demo org", InstanceURL: d.Info.SalesforceURL}); err != nil {
		return nil, err
	}
	m := &sfzoom.Meeting{OrgID: orgID, ZoomMeetingID: rm.ZoomMeetingID, ZoomUUID: rm.UUID, HostSFUserID: rep,
		RecordObject: sfzoom.ObjectOpportunity, RecordID: opps[0], Topic: rm.Topic,
		StartTime: rm.Start, Duration: rm.Duration, Status: sfzoom.MeetingEnded}
	if err := a.backend.Store.CreateMeeting(ctx, m); err != nil && sfzoom.ErrorCode(err) != sfzoom.ECONFLICT {
		return nil, fmt.Errorf("demo recordings: %w", err)
	}
	return &rm, nil
}
