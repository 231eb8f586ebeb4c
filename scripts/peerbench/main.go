// Command peerbench measures sfzoom side by side with a peer on one machine,
// as docs/performance.md reports it: the same load (internal/loadgen: the
// same generator, the same concurrency, the same signed bodies) against
// sfzoom (SQLite, and Postgres when a URL is given) and against peers that
// verify and store nothing (the peers) or store as sfzoom must (the
// durable peers), each server in its own process, the sides alternated
// A B C A B C.
//
// Peers (scripts/peerbench/node, dependencies pinned in package-lock.json;
// the Node webhook peers share zoom-sample.js):
//   - node-webhook: Zoom's Node.js webhook sample
//     (https://github.com/zoom/webhook-sample): express, HMAC-SHA256 over
//     v0:{timestamp}:{body}, endpoint.url_validation, nothing stored;
//   - go-webhook: the same in Go's net/http, standard library only (this
//     program run with -role go-webhook);
//   - node-canvas: express + salesforce-signed-request: verify the Canvas
//     signed request, render a small page;
//   - durable peers, which store each verified delivery and a job for it in
//     one transaction before the 200, as sfzoom must: go-webhook-sqlite
//     (go-webhook on SQLite with sfzoom's settings, in the SQLite rows) and
//     node-webhook-pg (the Node sample with node-postgres, in the Postgres
//     rows, with -postgres). The goal is against node-webhook;
//     these show what the same durability costs a plain service.
//
// sfzoom is this program run with -role sfzoom: the servers of the Go
// benchmarks (internal/loadgen), i.e. the production echo server, handlers
// and middleware on the production store, with the per-IP rate limits
// lifted (one load generator is one address) and no job workers (jobs are
// stored, not worked; the peers do no work after answering either). The
// Canvas replay guard answers from its cache, as on every reload within its
// TTL. To load `sfzoom serve` itself with another tool, set
// SFZOOM_ZOOM_WEBHOOK_RATE_LIMIT=off and SFZOOM_CANVAS_RATE_LIMIT=off.
//
// Before each turn the program waits until every server process is idle,
// so no side's background work runs in another side's turn.
//
// Usage, from the repository root (needs Go, Node 20 and npm):
//
//	flock /tmp/suite.lock go run ./scripts/peerbench -postgres "$TEST_DATABASE_URL"
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for the scratch schema

	"github.com/sfzoom/sfzoom/internal/loadgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "peerbench:", err)
		os.Exit(1)
	}
}

type options struct {
	n, warmup, rounds int
	conc              []int
	postgres          string
	only              string
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("peerbench", flag.ContinueOnError)
	var o options
	var conc string
	role := fs.String("role", "", "internal: run one server (sfzoom, go-webhook or go-webhook-sqlite) instead of the comparison")
	addr := fs.String("addr", "127.0.0.1:0", "internal: the listen address (with -role)")
	db := fs.String("db", "", "internal: the database URL of -role sfzoom, the file of -role go-webhook-sqlite")
	fs.IntVar(&o.n, "n", 10000, "requests per turn")
	fs.IntVar(&o.warmup, "warmup", 1000, "requests sent to each side before its first turn of a row (not measured)")
	fs.IntVar(&o.rounds, "rounds", 3, "turns per side (A B C A B C ...)")
	fs.StringVar(&conc, "c", "16,64", "webhook concurrencies (Canvas runs at 64)")
	fs.StringVar(&o.postgres, "postgres", "", "a Postgres URL (e.g. $TEST_DATABASE_URL) to also measure sfzoom on Postgres, in a scratch schema")
	fs.StringVar(&o.only, "only", "", "run only the rows whose name contains this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch *role {
	case "go-webhook":
		return serveGoWebhook(ctx, *addr, nil)
	case "go-webhook-sqlite":
		return serveGoWebhookSQLite(ctx, *addr, *db)
	case "sfzoom":
		return serveSfzoom(ctx, *addr, *db)
	}
	for _, s := range strings.Split(conc, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 {
			return fmt.Errorf("-c: %q is not a list of positive numbers", conc)
		}
		o.conc = append(o.conc, c)
	}
	return compare(ctx, o, out)
}

// A target is one server under load, in its own process.
type target struct {
	name string
	cmd  *exec.Cmd
	base string // http://127.0.0.1:port
}

// A row is one comparison: sfzoom and its peers under the same load.
type row struct {
	name   string
	conc   int
	goal   float64 // sfzoom/peer the issue asks for
	sides  []*target
	loadOf func(t *target, run string) (build func(int) (*http.Request, error), want int)
}

func compare(ctx context.Context, o options, out io.Writer) error {
	tmp, err := os.MkdirTemp("", "peerbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	nodeDir := filepath.Join("scripts", "peerbench", "node")
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "pg")); err != nil { // the newest dependency
		if err := command(ctx, nodeDir, "npm", "ci", "--no-audit", "--no-fund"); err != nil {
			return fmt.Errorf("install the Node peers' dependencies: %w", err)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	f := &fleet{ctx: ctx}
	defer f.stop()
	p, err := startPeers(f, nodeDir, self, tmp)
	if err != nil {
		return err
	}
	dbs := []database{{"sqlite", "sqlite:" + filepath.Join(tmp, "sfzoom.db")}}
	if o.postgres != "" {
		u, _, drop, err := scratchSchema(ctx, o.postgres)
		if err != nil {
			return err
		}
		defer drop()
		dbs = append(dbs, database{"postgres", u})
		_, schema, dropPeer, err := scratchSchema(ctx, o.postgres)
		if err != nil {
			return err
		}
		defer dropPeer()
		port := freePort()
		cmd := nodeCmd(ctx, nodeDir, "webhook-pg.js", port, "ZOOM_WEBHOOK_SECRET_TOKEN="+loadgen.WebhookSecret,
			"PG_URL="+o.postgres, "PG_SCHEMA="+schema)
		if p.nodeWebhookPG, err = f.start("node-webhook-pg", cmd, port, "/"); err != nil {
			return err
		}
		if err := checkURLValidation(ctx, p.nodeWebhookPG.base+"/webhook"); err != nil {
			return fmt.Errorf("%s: %w", p.nodeWebhookPG.name, err)
		}
	}
	sfzooms := map[string]*target{}
	for _, db := range dbs {
		port := freePort()
		cmd := exec.CommandContext(ctx, self, "-role", "sfzoom", "-db", db.url, "-addr", "127.0.0.1:"+port)
		if sfzooms[db.name], err = f.start("sfzoom-"+db.name, cmd, port, "/healthz"); err != nil {
			return err
		}
	}

	fmt.Fprintf(out, "peerbench %s, %d CPUs, load average %s, %d requests per turn, %d rounds\n\n",
		time.Now().UTC().Format(time.RFC3339), runtime.NumCPU(), loadAvg(), o.n, o.rounds)
	fmt.Fprintln(out, "| Path | Side | req/s per turn | median req/s | sfzoom/side | goal |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")
	runID := strconv.FormatInt(time.Now().UnixNano(), 36)
	for _, r := range rows(o, dbs, sfzooms, p) {
		if o.only != "" && !strings.Contains(r.name, o.only) {
			continue
		}
		results, err := runRow(ctx, o, r, f.all, runID)
		if err != nil {
			return err
		}
		printRow(out, r, results)
	}
	fmt.Fprintf(out, "\nload average after: %s\n", loadAvg())
	return nil
}

// fleet is the servers a comparison started; stop ends them all.
type fleet struct {
	ctx context.Context
	all []*target
}

// start starts cmd as the side called name, listening on port, and waits
// until probe answers.
func (f *fleet) start(name string, cmd *exec.Cmd, port string, probe string) (*target, error) {
	t := &target{name: name, cmd: cmd, base: "http://127.0.0.1:" + port}
	cmd.Stdout, cmd.Stderr = prefixed(name), prefixed(name)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	f.all = append(f.all, t)
	return t, waitUp(f.ctx, t.base+probe)
}

func (f *fleet) stop() {
	for _, t := range f.all {
		t.stop()
	}
}

// peers are the servers sfzoom is compared with.
type peers struct {
	nodeWebhook, goWebhook, nodeCanvas *target
	goWebhookSQLite                    *target
	nodeWebhookPG                      *target // with -postgres only
}

// startPeers starts the Node and Go webhook peers, the durable Go peer on
// SQLite and the Node Canvas peer, and checks that the webhook peers answer
// Zoom's URL validation.
func startPeers(f *fleet, nodeDir, self, tmp string) (peers, error) {
	var p peers
	port := freePort()
	var err error
	if p.nodeWebhook, err = f.start("node-webhook", nodeCmd(f.ctx, nodeDir, "webhook.js", port, "ZOOM_WEBHOOK_SECRET_TOKEN="+loadgen.WebhookSecret), port, "/"); err != nil {
		return p, err
	}
	port = freePort()
	if p.goWebhook, err = f.start("go-webhook", exec.CommandContext(f.ctx, self, "-role", "go-webhook", "-addr", "127.0.0.1:"+port), port, "/"); err != nil {
		return p, err
	}
	port = freePort()
	if p.goWebhookSQLite, err = f.start("go-webhook-sqlite", exec.CommandContext(f.ctx, self, "-role", "go-webhook-sqlite",
		"-db", filepath.Join(tmp, "go-webhook.db"), "-addr", "127.0.0.1:"+port), port, "/"); err != nil {
		return p, err
	}
	port = freePort()
	if p.nodeCanvas, err = f.start("node-canvas", nodeCmd(f.ctx, nodeDir, "canvas.js", port, "CANVAS_CONSUMER_SECRET="+loadgen.ConsumerSecret), port, "/"); err != nil {
		return p, err
	}
	for _, peer := range []*target{p.nodeWebhook, p.goWebhook, p.goWebhookSQLite} {
		if err := checkURLValidation(f.ctx, peer.base+"/webhook"); err != nil {
			return p, fmt.Errorf("%s: %w", peer.name, err)
		}
	}
	return p, nil
}

// database is one store sfzoom runs on: its name in the table and its URL.
type database struct{ name, url string }

// rows lists the comparisons: webhook ingest per database and concurrency
// against both webhook peers, then Canvas open per database against the
// Node Canvas peer.
func rows(o options, dbs []database, sfzooms map[string]*target, p peers) []row {
	var rows []row
	for _, db := range dbs {
		for _, c := range o.conc {
			sides := []*target{sfzooms[db.name], p.nodeWebhook, p.goWebhook}
			switch {
			case db.name == "sqlite":
				sides = append(sides, p.goWebhookSQLite)
			case db.name == "postgres" && p.nodeWebhookPG != nil:
				sides = append(sides, p.nodeWebhookPG)
			}
			rows = append(rows, row{name: fmt.Sprintf("webhook ingest, %s, c%d", db.name, c), conc: c, goal: 3,
				sides: sides, loadOf: webhookLoad})
		}
	}
	for _, db := range dbs {
		rows = append(rows, row{name: fmt.Sprintf("POST /canvas, %s, c64", db.name), conc: 64, goal: 3,
			sides: []*target{sfzooms[db.name], p.nodeCanvas}, loadOf: canvasLoad})
	}
	return rows
}

// webhookLoad is signed Zoom deliveries, to sfzoom's webhook path or the
// peers' /webhook.
func webhookLoad(t *target, run string) (func(int) (*http.Request, error), int) {
	wh := loadgen.Deliveries(t.base, run)
	if !strings.HasPrefix(t.name, "sfzoom") {
		wh.URL = t.base + "/webhook"
	}
	return wh.Request, http.StatusOK
}

// canvasLoad is signed Canvas opens: sfzoom answers 303 to the record page,
// the peer the page itself.
func canvasLoad(t *target, _ string) (func(int) (*http.Request, error), int) {
	if strings.HasPrefix(t.name, "sfzoom") {
		return loadgen.Opens(t.base).Requests(), http.StatusSeeOther // 303 to the record page
	}
	return loadgen.Opens(t.base).Requests(), http.StatusOK // the page itself
}

// runRow warms every side up, then runs o.rounds rounds of o.n requests per
// side in turn, each after the machine is idle, and returns each side's
// requests per second per turn.
func runRow(ctx context.Context, o options, r row, all []*target, runID string) ([][]float64, error) {
	results := make([][]float64, len(r.sides))
	for _, t := range r.sides {
		build, want := r.loadOf(t, runID+"-warm-"+strconv.Itoa(r.conc))
		if _, err := loadgen.Run(ctx, loadgen.Client(r.conc), o.warmup, r.conc, want, build); err != nil {
			return nil, fmt.Errorf("%s: warm up %s: %w", r.name, t.name, err)
		}
	}
	for round := range o.rounds {
		for i, t := range r.sides {
			if err := waitIdle(ctx, all); err != nil {
				return nil, err
			}
			build, want := r.loadOf(t, fmt.Sprintf("%s-c%d-r%d", runID, r.conc, round))
			res, err := loadgen.Run(ctx, loadgen.Client(r.conc), o.n, r.conc, want, build)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", r.name, t.name, err)
			}
			results[i] = append(results[i], res.PerSecond())
		}
	}
	return results, nil
}

// printRow writes a row's table lines: each side's rates, sfzoom's median
// over the side's, and for the Node peers whether the goal is met.
func printRow(out io.Writer, r row, results [][]float64) {
	own := median(results[0])
	for i, t := range r.sides {
		ratio, goal := "—", "—"
		if i > 0 {
			q := own / median(results[i])
			ratio = fmt.Sprintf("%.2f×", q)
			if t.name == "node-webhook" || t.name == "node-canvas" { // the goal is against these
				goal = fmt.Sprintf("≥ %g×: %s", r.goal, map[bool]string{true: "met", false: "not met"}[q >= r.goal])
			}
		}
		fmt.Fprintf(out, "| %s | %s | %s | %.0f | %s | %s |\n", r.name, t.name, perTurn(results[i]), median(results[i]), ratio, goal)
	}
}

func nodeCmd(ctx context.Context, dir, script, port string, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append(env, "PORT="+port, "NODE_ENV=production")...)
	return cmd
}

func (t *target) stop() {
	if t.cmd.Process == nil {
		return
	}
	_ = t.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = t.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = t.cmd.Process.Kill()
	}
}

// checkURLValidation sends Zoom's endpoint.url_validation and checks the
// answer: encryptedToken = hex(HMAC-SHA256(secret, plainToken))
// (https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint).
func checkURLValidation(ctx context.Context, u string) error {
	wh := loadgen.Webhook{URL: u, Secret: []byte(loadgen.WebhookSecret)}
	req, err := wh.Signed([]byte(`{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}`))
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var got struct{ PlainToken, EncryptedToken string }
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("endpoint.url_validation: status %d, %v", resp.StatusCode, err)
	}
	mac := hmac.New(sha256.New, []byte(loadgen.WebhookSecret))
	mac.Write([]byte("qgg8vlvZRS6UYooatFL8Aw"))
	if got.PlainToken != "qgg8vlvZRS6UYooatFL8Aw" || got.EncryptedToken != hex.EncodeToString(mac.Sum(nil)) {
		return fmt.Errorf("endpoint.url_validation answered %+v", got)
	}
	return nil
}

// scratchSchema creates a schema for this run in the database at base and
// returns base pointed at it, the schema's name, and a function that drops
// it.
func scratchSchema(ctx context.Context, base string) (u, schema string, drop func(), _ error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", "", nil, err
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema = "peerbench_" + hex.EncodeToString(b)
	if _, err := db.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		db.Close()
		return "", "", nil, fmt.Errorf("-postgres: create a scratch schema: %w", err)
	}
	pu, err := url.Parse(base)
	if err != nil {
		db.Close()
		return "", "", nil, err
	}
	q := pu.Query()
	q.Set("search_path", schema)
	pu.RawQuery = q.Encode()
	return pu.String(), schema, func() {
		_, _ = db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		db.Close()
	}, nil
}

// waitIdle waits until no target process uses more than 2% of a CPU over
// half a second (at most 60 s), so one side's background work never runs in
// another side's turn.
func waitIdle(ctx context.Context, ts []*target) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		before := cpuTicks(ts)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		if cpuTicks(ts)-before <= 1 || time.Now().After(deadline) { // 100 ticks a second
			return nil
		}
	}
}

// cpuTicks sums the user and system CPU ticks of the targets (Linux /proc).
func cpuTicks(ts []*target) int {
	sum := 0
	for _, t := range ts {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", t.cmd.Process.Pid))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.Atoi(f[11]) // utime, field 14 of proc(5)
			s, _ := strconv.Atoi(f[12]) // stime, field 15
			sum += u + s
		}
	}
	return sum
}

func waitUp(ctx context.Context, u string) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s did not answer within 60s", u)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func command(ctx context.Context, dir, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, os.Stderr, os.Stderr
	return cmd.Run()
}

// prefixed writes a child's output to stderr, each line prefixed by its name.
func prefixed(name string) io.Writer {
	pr, pw := io.Pipe()
	go func() {
		buf := make([]byte, 0, 4096)
		tmp := make([]byte, 4096)
		for {
			n, err := pr.Read(tmp)
			buf = append(buf, tmp[:n]...)
			for {
				i := bytes.IndexByte(buf, '\n')
				if i < 0 {
					break
				}
				fmt.Fprintf(os.Stderr, "[%s] %s\n", name, buf[:i])
				buf = buf[i+1:]
			}
			if err != nil {
				return
			}
		}
	}()
	return pw
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func perTurn(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(x, 'f', 0, 64)
	}
	return strings.Join(parts, ", ")
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
