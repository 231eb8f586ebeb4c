package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite"

	"github.com/sfzoom/sfzoom/internal/sfzoom"
	"github.com/sfzoom/sfzoom/internal/store"
)

// The store methods are exercised on real databases by storetest (through
// internal/store/sqlite and internal/store/postgres); these tests cover the
// dialect plumbing on inputs those databases never produce.

func TestTimeScan(t *testing.T) {
	want := time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		name      string
		src       any
		want      time.Time
		wantValid bool
		wantErr   bool // for dbNullTime; dbTime also fails on nil
	}{
		{name: "String", src: "2025-03-04T05:06:07.123456Z", want: want, wantValid: true},
		{name: "Bytes", src: []byte("2025-03-04T05:06:07.123456Z"), want: want, wantValid: true},
		{name: "TimeInUTC", src: want.In(paris), want: want, wantValid: true},
		{name: "Null"},
		{name: "ErrLayout", src: "2025-03-04 05:06:07", wantErr: true},
		{name: "ErrType", src: int64(1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n dbNullTime
			err := n.Scan(tt.src)
			if (err != nil) != tt.wantErr {
				t.Fatalf("dbNullTime.Scan(%v) error = %v, want error %v", tt.src, err, tt.wantErr)
			}
			if err == nil && (!n.Time.Equal(tt.want) || n.Time.Location() != time.UTC || n.Valid != tt.wantValid) {
				t.Fatalf("dbNullTime.Scan(%v) = %v (valid %v), want %v in UTC (valid %v)", tt.src, n.Time, n.Valid, tt.want, tt.wantValid)
			}

			var d dbTime
			err = d.Scan(tt.src)
			if wantErr := tt.wantErr || tt.src == nil; (err != nil) != wantErr {
				t.Fatalf("dbTime.Scan(%v) error = %v, want error %v", tt.src, err, wantErr)
			}
			if err == nil && (!d.Time.Equal(tt.want) || d.Time.Location() != time.UTC) {
				t.Fatalf("dbTime.Scan(%v) = %v, want %v in UTC", tt.src, d.Time, tt.want)
			}
		})
	}
}

func TestDialectHelpers(t *testing.T) {
	d := &Dialect{
		Name:    "test",
		TimeArg: func(t time.Time) any { return t.Format(TimeLayout) },
		NoLimit: "ALL",
		ErrorCode: func(err error) string {
			if err.Error() == "dup" {
				return sfzoom.ECONFLICT
			}
			return ""
		},
	}
	t.Run("FormatTime", func(t *testing.T) {
		in := time.Date(2025, 3, 4, 6, 6, 7, 123456789, time.FixedZone("CET", 3600))
		if got, want := d.formatTime(in), "2025-03-04T05:06:07.123456Z"; got != want {
			t.Errorf("formatTime(%v) = %v, want %v", in, got, want)
		}
		if got := d.formatNullTime(time.Time{}); got != nil {
			t.Errorf("formatNullTime(zero) = %v, want nil", got)
		}
	})
	t.Run("LimitClause", func(t *testing.T) {
		for _, tt := range []struct {
			limit, offset int
			want          string
		}{
			{0, 0, ""},
			{10, 0, " LIMIT 10 OFFSET 0"},
			{0, 5, " LIMIT ALL OFFSET 5"},
			{10, 5, " LIMIT 10 OFFSET 5"},
		} {
			if got := d.limitClause(tt.limit, tt.offset); got != tt.want {
				t.Errorf("limitClause(%d, %d) = %q, want %q", tt.limit, tt.offset, got, tt.want)
			}
		}
	})
	t.Run("Rebind", func(t *testing.T) {
		if got := d.rebind("SELECT ?"); got != "SELECT ?" {
			t.Errorf("rebind without Rebind = %q, want the query unchanged", got)
		}
	})
	t.Run("WrapErr", func(t *testing.T) {
		err := d.wrapErr("create thing", errors.New("dup"))
		if got, want := err.Error(), "test: create thing: "; !strings.HasPrefix(got, want) {
			t.Errorf("wrapErr = %q, want prefix %q", got, want)
		}
		if got, want := sfzoom.ErrorMessage(err), "It already exists."; got != want {
			t.Errorf("wrapErr message = %q, want %q", got, want)
		}
		if code := sfzoom.ErrorCode(err); code != sfzoom.ECONFLICT {
			t.Errorf("wrapErr code = %q, want %q", code, sfzoom.ECONFLICT)
		}
		if code := sfzoom.ErrorCode(d.wrapErr("x", fmt.Errorf("boom"))); code != sfzoom.EINTERNAL {
			t.Errorf("wrapErr(other) code = %q, want %q", code, sfzoom.EINTERNAL)
		}
		if d.wrapErr("x", nil) != nil {
			t.Error("wrapErr(nil) != nil")
		}
	})
}

// TestTransactionHelpers checks that write commits only when its function
// succeeds and that read sees what write committed, on a real SQLite file.
func TestTransactionHelpers(t *testing.T) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "tx.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE things (name TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	s := New(db, Dialect{Name: "test", ErrorCode: func(error) string { return "" }}, nil, nil)
	ctx := context.Background()
	insert := func(name string) func(tx *sqlTx) error {
		return func(tx *sqlTx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO things (name) VALUES (?)`, name)
			return err
		}
	}
	count := func() (n int) {
		t.Helper()
		if err := s.read(ctx, "count", func(tx *sqlTx) error {
			return tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM things`).Scan(&n)
		}); err != nil {
			t.Fatalf("read: %v", err)
		}
		return n
	}

	if err := s.write(ctx, "insert", insert("kept")); err != nil {
		t.Fatalf("write = %v, want nil", err)
	}
	boom := sfzoom.Errorf(sfzoom.EINVALID, "boom")
	err = s.write(ctx, "insert then fail", func(tx *sqlTx) error {
		if err := insert("dropped")(tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "test: insert then fail: ") {
		t.Errorf("write(failing) = %v, want %v prefixed with the dialect and op", err, boom)
	}
	if n := count(); n != 1 {
		t.Errorf("rows after a committed and a failed write = %d, want 1 (the failed write rolled back)", n)
	}
	if err := s.exec(ctx, "delete", `DELETE FROM things WHERE name = ?`, "kept"); err != nil {
		t.Fatalf("exec = %v", err)
	}
	err = s.execOne(ctx, "delete again", "No such thing.", `DELETE FROM things WHERE name = ?`, "kept")
	if sfzoom.ErrorCode(err) != sfzoom.ENOTFOUND || sfzoom.ErrorMessage(err) != "No such thing." {
		t.Errorf("execOne(no row) = %v, want ENOTFOUND %q", err, "No such thing.")
	}
}

type plainArgs struct{}

func (plainArgs) Kind() string { return "plain" }

type uniqueArgs struct{}

func (uniqueArgs) Kind() string { return "unique" }
func (uniqueArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

type retryArgs struct{}

func (retryArgs) Kind() string                 { return "retry" }
func (retryArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 15} }

// TestIsUniqueJob: only jobs without unique options may take River's fast
// insert, which cannot skip a duplicate of a unique job
// (https://pkg.go.dev/github.com/riverqueue/river#Client.InsertManyFastTx).
func TestIsUniqueJob(t *testing.T) {
	for _, tc := range []struct {
		name string
		job  store.Job
		want bool
	}{
		{"no options", store.Job{Args: plainArgs{}}, false},
		{"options without uniqueness", store.Job{Args: plainArgs{}, InsertOpts: &river.InsertOpts{ScheduledAt: time.Now()}}, false},
		{"args' options without uniqueness", store.Job{Args: retryArgs{}}, false},
		{"unique by the job's options", store.Job{Args: plainArgs{}, InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}}, true},
		{"unique by the args' options", store.Job{Args: uniqueArgs{}}, true},
		{"unique by state only", store.Job{Args: plainArgs{}, InsertOpts: &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{rivertype.JobStateAvailable}}}}, true},
	} {
		if got := isUniqueJob(tc.job); got != tc.want {
			t.Errorf("%s: isUniqueJob = %v, want %v", tc.name, got, tc.want)
		}
	}
}
