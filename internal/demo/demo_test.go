package demo_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/sfzoom/sfzoom/internal/demo"
	"github.com/sfzoom/sfzoom/internal/scheduling"
)

// TestStart_ZoomFillsInDemoMeetings checks that the demo's fake Zoom gives a
// meeting scheduled during the demo participants, a recording and a
// summary, so the control page's end → recording → summary flow works.
func TestStart_ZoomFillsInDemoMeetings(t *testing.T) {
	d := startDemo(t)
	d.Zoom.SetWebhook("", nil) // no app is running behind AppListener

	tok := d.Zoom.IssueAccessToken("riley.chen@acme-demo.com")
	body, _ := json.Marshal(map[string]any{"topic": "Demo call", "type": 2, "start_time": "2030-01-01T10:00:00Z", "duration": 30,
		"settings": map[string]any{"meeting_invitees": []any{map[string]any{"email": "hank@globex.example"}}}})
	status, b := do(t, "POST", d.Zoom.APIURL()+"users/me/meetings", tok, body)
	if status != http.StatusCreated {
		t.Fatalf("create meeting = %d %s", status, b)
	}
	var m struct{ ID int64 }
	json.Unmarshal(b, &m)
	uuid, err := d.Zoom.EndMeeting(t.Context(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, b = do(t, "GET", d.Zoom.APIURL()+"past_meetings/"+strconv.FormatInt(m.ID, 10)+"/participants", tok, nil)
	if !bytes.Contains(b, []byte(`"user_email":"hank@globex.example"`)) {
		t.Errorf("participants = %s, want the invitee among them", b)
	}
	if err := d.Zoom.CompleteRecording(t.Context(), uuid); err != nil {
		t.Errorf("CompleteRecording = %v, want nil", err)
	}
	if err := d.Zoom.CompleteSummary(t.Context(), uuid); err != nil {
		t.Errorf("CompleteSummary = %v, want nil", err)
	}
}

// startDemo starts the demo's fakes on free ports (no app behind AppListener).
func startDemo(t *testing.T) *demo.Demo {
	t.Helper()
	d, err := demo.Start(t.Context(), demo.Options{DataDir: t.TempDir(), AppAddr: "127.0.0.1:0",
		SalesforceAddr: "127.0.0.1:0", ZoomAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.AppListener.Close(); d.Close() })
	return d
}

func do(t *testing.T, method, url, token string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// TestStart_AppFramedOnlyWhereItServes checks issue 16's item 11: the
// demo's simulated record pages frame the app on exactly the objects it
// schedules from (scheduling.Supported), and say why elsewhere.
func TestStart_AppFramedOnlyWhereItServes(t *testing.T) {
	d := startDemo(t)
	if len(d.Info.SampleRecords) < 4 {
		t.Fatalf("sample records = %v, want Opportunities, Contacts, Leads and Accounts", d.Info.SampleRecords)
	}
	for object, ids := range d.Info.SampleRecords {
		status, b := do(t, "GET", d.Info.SalesforceURL+"/lightning/r/"+object+"/"+ids[0]+"/view", "", nil)
		framed := bytes.Contains(b, []byte(`data-testid="canvas-frame"`))
		absent := bytes.Contains(b, []byte(`data-testid="canvas-absent"`))
		if status != http.StatusOK || framed != scheduling.Supported(object) || absent == framed {
			t.Errorf("%s page: status %d, framed %v, absent note %v; want the app framed = %v", object, status, framed, absent, scheduling.Supported(object))
		}
	}
}
