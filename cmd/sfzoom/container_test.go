package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/sfzoom/sfzoom/internal/config"
)

// dockerInstructions reads a Dockerfile into its instructions (continuation
// lines joined, comments dropped), per stage: a new stage starts at each FROM.
// https://docs.docker.com/reference/dockerfile/#format
func dockerInstructions(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]string
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		ins := cur.String()
		cur.Reset()
		if strings.HasPrefix(strings.ToUpper(ins), "FROM ") {
			stages = append(stages, nil)
		}
		if len(stages) == 0 {
			t.Fatalf("%s: instruction %q before the first FROM", path, ins)
		}
		stages[len(stages)-1] = append(stages[len(stages)-1], ins)
	}
	return stages
}

// TestDockerfile checks what the image promises without a Docker engine (none
// on the CI machine): a multi-stage build of a CGO_ENABLED=0 binary with the
// version stamped, and a final stage that runs as a non-root user, declares
// the SQLite folder its default database URL points into as a VOLUME, and has
// a shell-free HEALTHCHECK running `sfzoom healthcheck`.
// TestStaticBinary_NonRootEnvOnly runs that binary the same way.
// https://docs.docker.com/reference/dockerfile/#healthcheck
func TestDockerfile(t *testing.T) {
	stages := dockerInstructions(t, "../../Dockerfile")
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stage(s), want a multi-stage build", len(stages))
	}
	build := strings.Join(stages[0], "\n")
	for _, want := range []string{"CGO_ENABLED=0", "-X main.buildVersion=", "./cmd/sfzoom"} {
		if !strings.Contains(build, want) {
			t.Errorf("the build stage does not contain %q", want)
		}
	}
	final := stages[len(stages)-1]
	find := func(kw string) []string {
		var out []string
		for _, ins := range final {
			if k, rest, _ := strings.Cut(ins, " "); strings.EqualFold(k, kw) {
				out = append(out, strings.TrimSpace(rest))
			}
		}
		return out
	}
	users := find("USER")
	if len(users) == 0 {
		t.Fatal("the final stage has no USER: the container would run as root")
	}
	user, group, _ := strings.Cut(users[len(users)-1], ":")
	for _, id := range []string{user, group} {
		if id == "0" || id == "root" {
			t.Errorf("the final stage's USER is %q, want a non-root user and group", users[len(users)-1])
		}
	}
	hc := find("HEALTHCHECK")
	if len(hc) != 1 {
		t.Fatalf("the final stage has %d HEALTHCHECK lines, want 1", len(hc))
	}
	if !regexp.MustCompile(`CMD \["/sfzoom", "healthcheck"\]$`).MatchString(hc[0]) {
		t.Errorf("HEALTHCHECK = %q, want the exec form CMD [\"/sfzoom\", \"healthcheck\"] (the image has no shell)", hc[0])
	}
	envs := strings.Join(find("ENV"), " ")
	m := regexp.MustCompile(`SFZOOM_DATABASE_URL=sqlite:(\S+)/[^/\s]+`).FindStringSubmatch(envs)
	if m == nil {
		t.Fatalf("the final stage sets no sqlite SFZOOM_DATABASE_URL (ENV %q)", envs)
	}
	if vols := strings.Join(find("VOLUME"), " "); !strings.Contains(vols, `"`+m[1]+`"`) {
		t.Errorf("VOLUME %q does not hold the SQLite folder %s", vols, m[1])
	}
	if ep := strings.Join(find("ENTRYPOINT"), " "); ep != `["/sfzoom"]` {
		t.Errorf("ENTRYPOINT = %q, want [\"/sfzoom\"]", ep)
	}
}

// TestComposeFile checks compose.yaml runs sfzoom replica-ready: PostgreSQL
// with a healthcheck, migrations once before the replicas, more than one
// replica, each replica healthchecked, and every variable `sfzoom serve`
// requires passed through.
// https://docs.docker.com/reference/compose-file/deploy/#replicas
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile("../../compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{
		"image: postgres:",
		`test: ["CMD", "pg_isready"`,
		`command: ["migrate"]`,
		"condition: service_completed_successfully",
		`test: ["CMD", "/sfzoom", "healthcheck"]`,
		"SFZOOM_DATABASE_URL: postgres://",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("compose.yaml does not contain %q", want)
		}
	}
	if m := regexp.MustCompile(`replicas: (\d+)`).FindStringSubmatch(s); m == nil || m[1] == "1" || m[1] == "0" {
		t.Errorf("compose.yaml runs %v replicas, want at least 2", m)
	}
	for _, v := range config.Vars() {
		if v.Required && !strings.Contains(s, "  "+v.Name+": ") {
			t.Errorf("compose.yaml does not pass %s, which serve requires", v.Name)
		}
	}
}
