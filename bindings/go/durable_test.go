package dos

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestJournalRoundTrip(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ".dos", "lane-journal.jsonl")
	lease := map[string]any{"lane": "main", "loop_ts": "t1", "holder": "go-agent", "tree": []any{"**/*"}}
	rec, err := LaneJournalAppend(LaneJournalAppendArgs{Journal: p, Entry: map[string]any{"op": "ACQUIRE", "lane": "main", "loop_ts": "t1", "lease": lease}})
	if err != nil {
		t.Fatal(err)
	}
	if rec["seq"] != json.Number("1") || rec["ts"] == nil {
		t.Fatalf("append did not stamp seq/ts: %v", rec)
	}
	// A foreign writer's torn tail, then another append: nothing is lost.
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"op": "REL`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := LaneJournalAppend(LaneJournalAppendArgs{Journal: p, Entry: map[string]any{"op": "ACQUIRE", "lane": "docs", "loop_ts": "t1",
		"lease": map[string]any{"lane": "docs", "loop_ts": "t1", "holder": "h\u2028x"}}}); err != nil {
		t.Fatal(err)
	}
	body, _ := os.ReadFile(p)
	if !strings.Contains(string(body), `\u2028`) {
		t.Fatalf("U+2028 should be written escaped: %s", body)
	}
	live, err := LaneJournalLiveOfFile(LaneJournalLiveOfFileArgs{Journal: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(live) != 2 || live[0]["lane"] != "main" || live[1]["holder"] != "h\u2028x" {
		t.Fatalf("live set: %v", live)
	}
	all, err := LaneJournalReadFile(LaneJournalReadFileArgs{Journal: p})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || all[1]["op"] != "_CORRUPT" {
		t.Fatalf("read_all: %v", all)
	}
	if n, err := LaneJournalNextSeqOfFile(LaneJournalNextSeqOfFileArgs{Journal: p}); err != nil || n != "3" {
		t.Fatalf("next seq %v %v", n, err)
	}
}

func TestLeaseVerbs(t *testing.T) {
	dir := t.TempDir()
	s := LeaseStore{Journal: filepath.Join(dir, "lane-journal.jsonl")}
	for _, lane := range []string{"main", "docs"} {
		if _, err := LaneJournalAppend(LaneJournalAppendArgs{Journal: s.Journal, Entry: map[string]any{"op": "ACQUIRE", "lane": lane, "loop_ts": "t",
			"lease": map[string]any{"lane": lane, "loop_ts": "t", "holder": "a1", "pid": 77}}}); err != nil {
			t.Fatal(err)
		}
	}
	j := &s.Journal
	if ok, err := LaneLeaseHeartbeat(LaneLeaseHeartbeatArgs{Journal: j, Lane: "main", Owner: "a1"}, nil); err != nil || !ok {
		t.Fatalf("heartbeat %v %v", ok, err)
	}
	if ok, _ := LaneLeaseHeartbeat(LaneLeaseHeartbeatArgs{Journal: j, Lane: "main", Owner: "a2"}, nil); ok {
		t.Fatal("a2 does not hold main")
	}
	pid := int64(9)
	if ok, err := LaneLeaseAdopt(LaneLeaseAdoptArgs{Journal: j, Lane: "docs", NewOwner: "a2", NewPid: &pid}, nil); err != nil || !ok {
		t.Fatalf("adopt %v %v", ok, err)
	}
	h, err := LaneLeaseHalt(LaneLeaseHaltArgs{Journal: j, Handle: "77"}, nil)
	if err != nil || !h.Recorded || h.Lane != "main" {
		t.Fatalf("halt %+v %v", h, err)
	}
	if ok, err := LaneLeaseRelease(LaneLeaseReleaseArgs{Journal: j, Lane: "main", Owner: "a1"}, nil); err != nil || !ok {
		t.Fatalf("release %v %v", ok, err)
	}
	live, err := LaneLeaseLiveLeases(LaneLeaseLiveLeasesArgs{Journal: j}, nil)
	if err != nil || len(live) != 1 || live[0]["holder"] != "a2" || live[0]["pid"] != json.Number("9") {
		t.Fatalf("live %v %v", live, err)
	}
	reason := "supervisor: STALLED"
	if ok, err := LaneLeaseScavenge(LaneLeaseScavengeArgs{Journal: j, Lane: "docs", Reason: &reason}, nil); err != nil || !ok {
		t.Fatalf("scavenge %v %v", ok, err)
	}
	if _, err := LaneJournalAppend(LaneJournalAppendArgs{Journal: s.Journal, Entry: map[string]any{"op": "ACQUIRE", "lane": "docs", "loop_ts": "t",
		"lease": map[string]any{"lane": "docs", "loop_ts": "t", "holder": "a2", "pid": 9}}}); err != nil {
		t.Fatal(err)
	}
	c, err := LaneLeaseCompactJournal(LaneLeaseCompactJournalArgs{Journal: j}, nil)
	if err != nil || c.EntriesAfter != 1 {
		t.Fatalf("compact %+v %v", c, err)
	}
	if again, _ := LaneLeaseLiveLeases(LaneLeaseLiveLeasesArgs{Journal: j}, nil); len(again) != 1 {
		t.Fatalf("compaction changed the live set: %v", again)
	}
	if ok, err := LaneLeaseRelease(LaneLeaseReleaseArgs{Journal: j, Lane: "nope", Owner: "x"}, nil); err != nil || ok {
		t.Fatalf("releasing an unheld lane: %v %v", ok, err)
	}
	_, err = LaneJournalReadFile(LaneJournalReadFileArgs{Journal: ""})
	if e, ok := err.(*Error); !ok || e.Code != "BAD_ARGS" {
		t.Fatalf("an empty path should be BAD_ARGS, got %v", err)
	}
}

func TestAcquireThenRefuse(t *testing.T) {
	dir := t.TempDir()
	s := LeaseStore{Journal: filepath.Join(dir, "lane-journal.jsonl")}
	// A workspace config probes the runtime files: a foreign repository, so the
	// SELF_MODIFY guard has nothing to protect (with no facts it assumes the worst).
	ws := map[string]any{"workspace": dir}
	first, err := s.Acquire(AcquireRequest{Lane: "main", Kind: "cluster", Tree: []string{"src/**"}, Owner: "go-1"}, ws)
	if err != nil || !first.Journaled || first.Decision["outcome"] != "acquire" || first.Record["op"] != "ACQUIRE" {
		t.Fatalf("first acquire: %+v %v", first, err)
	}
	second, err := s.Acquire(AcquireRequest{Lane: "main", Kind: "cluster", Tree: []string{"src/**"}, Owner: "go-2"}, ws)
	if err != nil || second.Journaled || second.Decision["outcome"] != "refuse" || second.Record["op"] != "REFUSE" {
		t.Fatalf("second acquire: %+v %v", second, err)
	}
	live, _ := LaneLeaseLiveLeases(LaneLeaseLiveLeasesArgs{Journal: &s.Journal}, nil)
	if len(live) != 1 || live[0]["holder"] != "go-1" {
		t.Fatalf("live: %v", live)
	}
}
