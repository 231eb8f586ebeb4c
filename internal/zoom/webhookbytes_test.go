package zoom_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sfzoom/sfzoom/internal/zoom"
	"github.com/sfzoom/sfzoom/internal/zoom/zoomtest"
)

// TestWebhookBytesAsZoomSends: the fake Zoom sends webhook bodies as Zoom's
// Node.js services write them with JSON.stringify, so that a receiver that
// verifies over JSON.stringify(JSON.parse(body)), as Zoom's own sample does
// (https://github.com/zoom/webhook-sample, index.js: the message is
// `v0:${timestamp}:${JSON.stringify(request.body)}`) and Zoom's SDK does
// (zoom/rivet-javascript CommonHttpRequest.isEventVerified), accepts them.
// JSON.stringify leaves U+2028, U+2029, '<', '>' and '&' unescaped
// (https://tc39.es/ecma262/#sec-quotejsonstring); encoding/json escapes the
// first two even with SetEscapeHTML(false), which this catches. Our own
// receiver verifies the raw bytes and accepts the delivery either way.
func TestWebhookBytesAsZoomSends(t *testing.T) {
	secret := []byte("whsec")
	var (
		mu     sync.Mutex
		bodies [][]byte
		heads  []http.Header
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies, heads = append(bodies, b), append(heads, r.Header.Clone())
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	srv := zoomtest.NewServer(zoomtest.WithSeed(3))
	t.Cleanup(srv.Close)
	srv.SetWebhook(hook.URL, secret)
	host := srv.AddUser(zoomtest.User{Email: "h@example.com"})
	// The topic also holds the six characters \u2028, which must stay an
	// escaped backslash followed by "u2028".
	const topic = "Q3\u2028plan\u2029 <b>Tom & Jerry</b> \\u2028 \"é\" \t"
	m, err := srv.AddMeeting(zoomtest.Meeting{HostID: host.ID, Topic: topic, UUID: "/lead+slash//x=="})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.StartMeeting(t.Context(), m.ID); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 1 {
		t.Fatalf("%d deliveries, want 1", len(bodies))
	}
	body, h := bodies[0], heads[0]
	for _, want := range []string{"\u2028", "\u2029", "<b>", "&"} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("body lacks raw %q: %s", want, body)
		}
	}
	restrung, err := jsonStringifyParse(body)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(restrung, body) {
		t.Errorf("JSON.stringify(JSON.parse(body)) differs from the body:\n got %q\nwant %q", restrung, body)
	}
	ts, sig := h.Get(zoom.HeaderTimestamp), h.Get(zoom.HeaderSignature)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(restrung)
	if got := "v0=" + hex.EncodeToString(mac.Sum(nil)); got != sig {
		t.Errorf("signature over the re-serialised body = %s, header %s: Zoom's sample would answer 401", got, sig)
	}
	unix, _ := strconv.ParseInt(ts, 10, 64)
	if err := zoom.VerifyWebhook(secret, ts, sig, body, time.Unix(unix, 0)); err != nil {
		t.Errorf("VerifyWebhook(raw body) = %v", err)
	}
	ev, err := zoom.ParseWebhook(body)
	if err != nil || ev.Meeting == nil || ev.Meeting.Topic != topic {
		t.Fatalf("ParseWebhook = %+v, %v; want meeting topic %q", ev, err, topic)
	}
}

// TestVerifyWebhookRawBytes: our receiver verifies the signature over the
// bytes received, never over a re-encoding, so a body signed as sent is
// accepted whatever escaping it uses (Go's \u2028, JSON.stringify's raw
// U+2028) and a re-encoded one is not.
func TestVerifyWebhookRawBytes(t *testing.T) {
	const ts = "1739923528"
	now := time.Unix(1739923528, 0)
	secret := []byte("testsecret")
	raw := "{\"event\":\"meeting.started\",\"payload\":{\"object\":{\"topic\":\"a\u2028b <&>\"}}}"
	goEscaped := `{"event":"meeting.started","payload":{"object":{"topic":"a\u2028b \u003c\u0026\u003e"}}}`
	for _, body := range []string{raw, goEscaped} {
		sig := zoom.SignWebhook(secret, ts, []byte(body))
		if err := zoom.VerifyWebhook(secret, ts, sig, []byte(body), now); err != nil {
			t.Errorf("VerifyWebhook(%q) = %v, want ok", body, err)
		}
	}
	// Signed as JSON.stringify wrote it, received as Go would re-encode it.
	sig := zoom.SignWebhook(secret, ts, []byte(raw))
	if err := zoom.VerifyWebhook(secret, ts, sig, []byte(goEscaped), now); !errors.Is(err, zoom.ErrWebhookSignature) {
		t.Errorf("VerifyWebhook(re-encoded) = %v, want ErrWebhookSignature", err)
	}
}

// jsonStringifyParse returns JSON.stringify(JSON.parse(b)) as Node computes
// it: object keys in their original order, no whitespace, strings escaped
// by QuoteJSONString (only '"', '\\', the short escapes \b \t \n \f \r, and
// other code points below U+0020 as \u00xx), numbers formatted as
// Number::toString, which encoding/json's float64 encoding follows.
func jsonStringifyParse(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out bytes.Buffer
	if err := jsValue(dec, &out); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("trailing data")
	}
	return out.Bytes(), nil
}

func jsValue(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		closing := map[json.Delim]byte{'{': '}', '[': ']'}[v]
		out.WriteByte(byte(v))
		for i := 0; dec.More(); i++ {
			if i > 0 {
				out.WriteByte(',')
			}
			if v == '{' {
				key, err := dec.Token()
				if err != nil {
					return err
				}
				jsQuote(out, key.(string))
				out.WriteByte(':')
			}
			if err := jsValue(dec, out); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return err
		}
		out.WriteByte(closing)
	case string:
		jsQuote(out, v)
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return err
		}
		nb, err := json.Marshal(f)
		if err != nil {
			return err
		}
		out.Write(nb)
	case bool:
		out.WriteString(strconv.FormatBool(v))
	case nil:
		out.WriteString("null")
	default:
		return fmt.Errorf("unexpected token %T", tok)
	}
	return nil
}

func jsQuote(out *bytes.Buffer, s string) {
	short := map[rune]string{'"': `\"`, '\\': `\\`, '\b': `\b`, '\t': `\t`, '\n': `\n`, '\f': `\f`, '\r': `\r`}
	out.WriteByte('"')
	for _, r := range s {
		switch {
		case short[r] != "":
			out.WriteString(short[r])
		case r < 0x20:
			fmt.Fprintf(out, `\u%04x`, r)
		default:
			out.WriteString(string(r))
		}
	}
	out.WriteByte('"')
}
