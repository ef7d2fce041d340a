package dos

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The PostgreSQL lease store from Go: a config handle built from dos.toml
// text with [lease_store] carries the store to every verb. make test-pg
// starts a server and sets DOS_TEST_PG_URL; without it the test skips.
func TestLeaseStoreOnPostgres(t *testing.T) {
	url := os.Getenv("DOS_TEST_PG_URL")
	if url == "" {
		t.Skip("DOS_TEST_PG_URL is not set (make test-pg sets it)")
	}
	key := fmt.Sprintf("go-%d-%d", os.Getpid(), time.Now().UnixNano())
	toml := fmt.Sprintf("[lanes]\nconcurrent = [\"api\", \"docs\"]\n[lanes.trees]\napi = [\"src/api/**\"]\ndocs = [\"docs/\"]\n"+
		"[lease_store]\nurl = %q\nworkspace = %q\n", url, key)
	cfg, err := ConfigFromTOML([]byte(toml))
	if err != nil {
		t.Fatal(err)
	}
	defer cfg.Close()
	js, _ := cfg.JSON()
	if !strings.Contains(string(js), key) {
		t.Fatalf("the config does not carry the lease store: %s", js)
	}
	dir := t.TempDir()
	s := LeaseStore{Config: cfg}
	r, err := s.Acquire(AcquireRequest{Lane: "api", Kind: "cluster", Tree: []string{"src/api/**"}, Owner: "go", LoopTS: "g1"}, nil)
	if err != nil || !r.Journaled {
		t.Fatalf("acquire: %v %+v", err, r)
	}
	live, err := LaneLeaseLiveLeases(LaneLeaseLiveLeasesArgs{}, cfg)
	if err != nil || len(live) != 1 {
		t.Fatalf("live: %v %v", err, live)
	}
	g1 := "g1"
	if ok, err := LaneLeaseHeartbeat(LaneLeaseHeartbeatArgs{Lane: "api", Owner: "go", LoopTs: &g1}, cfg); err != nil || !ok {
		t.Fatalf("heartbeat: %v %v", ok, err)
	}
	if h, err := LaneLeaseHalt(LaneLeaseHaltArgs{Handle: "1"}, cfg); err != nil || !h.Recorded {
		t.Fatalf("halt: %v %+v", err, h)
	}
	out := filepath.Join(dir, "lane-journal.jsonl")
	if e, err := LaneLeaseExportJournal(LaneLeaseExportJournalArgs{Journal: out}, cfg); err != nil || e.Journal != out || e.WorkspaceKey != key {
		t.Fatalf("export: %v %+v", err, e)
	}
	if os.Getenv("DOS_LEASE_STORE_URL") == "" {
		// Without a config naming a store there is nothing to export from.
		if _, err := LaneLeaseExportJournal(LaneLeaseExportJournalArgs{Journal: out}, nil); err == nil {
			t.Fatal("an export with no PostgreSQL store named should fail")
		} else if e, ok := err.(*Error); !ok || e.Code != "BAD_CONFIG" {
			t.Fatal(err)
		}
	}
	// The export is a lane journal the file backend reads with the same live set.
	fromFile, err := LaneLeaseLiveLeases(LaneLeaseLiveLeasesArgs{Journal: &out}, nil)
	if err != nil || len(fromFile) != 1 || fromFile[0]["holder"] != "go" {
		t.Fatalf("export: %v %v", err, fromFile)
	}
	if ok, err := LaneLeaseRelease(LaneLeaseReleaseArgs{Lane: "api", Owner: "go", LoopTs: &g1}, cfg); err != nil || !ok {
		t.Fatalf("release: %v %v", ok, err)
	}
	yes := true
	if c, err := LaneLeaseCompactJournal(LaneLeaseCompactJournalArgs{}, cfg); err != nil || c.EntriesAfter != 1 {
		t.Fatalf("compact: %v %+v", err, c)
	}
	if n, err := LaneLeaseImportJournal(LaneLeaseImportJournalArgs{Journal: out, Replace: &yes}, cfg); err != nil || n.Live != 1 || n.WorkspaceKey != key {
		t.Fatalf("import: %v %v", err, n)
	}
}
