package dos

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

func TestIDAllocateConcurrent(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	var got []json.Number
	var wg sync.WaitGroup
	retries := int64(2000)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				n, err := IdAllocAllocate(IdAllocAllocateArgs{Dir: dir, ScopeKey: "scope/x", Retries: &retries})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				got = append(got, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	ids := make([]int64, len(got))
	for i, n := range got {
		ids[i], _ = n.Int64()
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for i, n := range ids {
		if n != int64(i+1) {
			t.Fatalf("ids are not 1..80 once each: %v", got)
		}
	}
	if n, err := IdAllocPeek(IdAllocPeekArgs{Dir: dir, ScopeKey: "scope/x"}); err != nil || n == nil || *n != "80" {
		t.Fatalf("peek %v %v", n, err)
	}
	stem, _ := IdAllocScopeFilename(IdAllocScopeFilenameArgs{ScopeKey: "scope/x"})
	if b, _ := os.ReadFile(filepath.Join(dir, stem+".id")); string(b) != "80" {
		t.Fatalf("counter file %q", b)
	}
	if n, _ := IdAllocPeek(IdAllocPeekArgs{Dir: dir, ScopeKey: "never"}); n != nil {
		t.Fatal("a fresh scope has no id")
	}
}

func TestIDAllocateBusy(t *testing.T) {
	dir := t.TempDir()
	stem, _ := IdAllocScopeFilename(IdAllocScopeFilenameArgs{ScopeKey: "s"})
	body := "owner: other\nacquired_at: 2999-01-01T00:00:00Z\npid: 1\n"
	if err := os.WriteFile(filepath.Join(dir, stem+".lock"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	zero, tiny := int64(1), Float(0.001)
	_, err := IdAllocAllocate(IdAllocAllocateArgs{Dir: dir, ScopeKey: "s", Retries: &zero, RetryInterval: &tiny})
	if !IsBusy(err) {
		t.Fatalf("want BUSY, got %v", err)
	}
}

func TestRunIDs(t *testing.T) {
	clock, entropy := int64(1780000000000), int64(0x3FFFFFFF)
	r, err := RunIdMint(RunIdMintArgs{ProcessId: "fanout", ClockMs: &clock, Entropy: &entropy})
	if err != nil || r.RunId != "RID-1KSR49200ZZZZZZ" || r.ProcessId != "PROC-fanout" || r.RootId != r.RunId || r.ParentId != nil {
		t.Fatalf("%+v %v", r, err)
	}
	ts, err := RunIdTsMsOf(RunIdTsMsOfArgs{RunId: r.RunId})
	if err != nil || ts == nil || ts.String() != "1780000000000" {
		t.Fatalf("ts_ms_of %v %v", ts, err)
	}
	if ok, _ := RunIdIsRunId(RunIdIsRunIdArgs{S: r.RunId}); !ok {
		t.Fatalf("%s is not a run id", r.RunId)
	}
	if ok, _ := RunIdIsRunId(RunIdIsRunIdArgs{S: strings.ToLower(r.RunId)}); ok {
		t.Fatal("a lower-case token passed")
	}
	if ts, err := RunIdTsMsOf(RunIdTsMsOfArgs{RunId: 5}); err != nil || ts != nil {
		t.Fatalf("ts_ms_of(5) %v %v", ts, err)
	}
	// A full run as the parent: the child inherits its root (the clock and entropy are libdos's).
	child, err := RunIdMint(RunIdMintArgs{ProcessId: "x", Parent: r})
	if err != nil || child.RootId != r.RunId || child.ParentId == nil || *child.ParentId != r.RunId {
		t.Fatalf("%+v %v", child, err)
	}
	other, _ := RunIdMint(RunIdMintArgs{ProcessId: "x", Parent: r})
	if other.RunId == child.RunId {
		t.Fatal("two mints collided")
	}
	// Only the parent's token: the child is its own root.
	orphan, err := RunIdMint(RunIdMintArgs{ProcessId: "x", Parent: r.RunId})
	if err != nil || orphan.RootId != orphan.RunId || *orphan.ParentId != r.RunId {
		t.Fatalf("%+v %v", orphan, err)
	}
	env, err := RunIdLineageEnv(RunIdLineageEnvArgs{Run: child})
	if err != nil || env["CID_PARENT_ID"] != r.RunId || env["CID_ROOT_ID"] != r.RunId || len(env) != 4 {
		t.Fatalf("%v %v", env, err)
	}
	vars := map[string]any{}
	for k, v := range env {
		vars[k] = v
	}
	grand, err := RunIdMintChildFromEnv(RunIdMintChildFromEnvArgs{ProcessId: "y", Env: &vars})
	if err != nil || grand.RootId != r.RunId || *grand.ParentId != child.RunId {
		t.Fatalf("%+v %v", grand, err)
	}
	if _, err := RunIdMint(RunIdMintArgs{ProcessId: ""}); err == nil {
		t.Fatal("an empty process id was minted")
	}
	dir := t.TempDir()
	p, err := RunIdWriteRunJson(RunIdWriteRunJsonArgs{RunDir: dir, Run: r})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	want, _ := RunIdRunJson(RunIdRunJsonArgs{Run: r})
	if string(b) != want || !strings.HasPrefix(want, "{\n  \"parent_id\": null,") {
		t.Fatalf("run.json %q", b)
	}
	back, err := RunIdReadRunJson(RunIdReadRunJsonArgs{RunDir: dir})
	if m, ok := back.(map[string]any); err != nil || !ok || m["run_id"] != r.RunId {
		t.Fatalf("run.json read back as %v %v", back, err)
	}
	if v, err := RunIdReadRunJson(RunIdReadRunJsonArgs{RunDir: filepath.Join(dir, "none")}); err != nil || v != nil {
		t.Fatalf("a missing run.json read as %v %v", v, err)
	}
}

func TestVerdictJournalAndCursor(t *testing.T) {
	dir := t.TempDir()
	j := filepath.Join(dir, "verdict-journal.jsonl")
	// The generated struct sends every field: Source is given (the
	// reference's default, "kernel"), as Go has no field defaults.
	for _, ev := range []VerdictEvent{
		{Syscall: "liveness", Verdict: "STALLED", RunId: "RID-1", Source: "kernel"},
		{Syscall: "verify", Verdict: "SHIPPED", Source: "kernel"},
	} {
		if ok, err := VerdictJournalRecord(VerdictJournalRecordArgs{Event: ev, Path: j}); err != nil || !ok {
			t.Fatalf("record failed: %v", err)
		}
	}
	evs, err := VerdictJournalReadEventsFile(VerdictJournalReadEventsFileArgs{Path: j})
	if err != nil || len(evs) != 2 || evs[1].Seq != 2 || evs[0].Source != "kernel" {
		t.Fatalf("%+v %v", evs, err)
	}
	r, err := VerdictJournalRollup(VerdictJournalRollupArgs{Events: evs})
	if err != nil || r.Total != 2 || r.Dimensions[0] != "verify" {
		t.Fatalf("%+v %v", r, err)
	}
	c := filepath.Join(dir, "export-cursor")
	if ok, err := ExportCursorWriteFile(ExportCursorWriteFileArgs{Value: 2, Path: c}); err != nil || !ok {
		t.Fatalf("cursor write failed: %v", err)
	}
	since := func(s string) (json.Number, bool, error) {
		pair, err := ExportCursorResolveSinceFile(ExportCursorResolveSinceFileArgs{SinceArg: &s, Path: c})
		if err != nil {
			return "", false, err
		}
		return pair[0].(json.Number), pair[1].(bool), nil
	}
	if seq, auto, err := since("auto"); err != nil || !auto || seq != "2" {
		t.Fatalf("%s %v %v", seq, auto, err)
	}
	if seq, auto, err := since(" 5 "); err != nil || auto || seq != "5" {
		t.Fatalf("%s %v %v", seq, auto, err)
	}
	if _, _, err := since("x"); err == nil {
		t.Fatal("a bad --since must be refused")
	}
}

func TestIntentLedger(t *testing.T) {
	p := filepath.Join(t.TempDir(), "RID-1", "intent.jsonl")
	intent := map[string]interface{}{"op": "INTENT", "goal": "ship", "declared_steps": []string{"s1"}}
	rec, err := IntentLedgerAppend(IntentLedgerAppendArgs{Path: p, RunId: "RID-1", Entry: intent})
	if err != nil || rec["run_id"] != "RID-1" || rec["schema"] == nil {
		t.Fatalf("%v %v", rec, err)
	}
	if _, err := IntentLedgerAppend(IntentLedgerAppendArgs{Path: p, RunId: "RID-1", Entry: map[string]any{"op": "SUSPEND", "resume_sha": "abc"}}); err != nil {
		t.Fatal(err)
	}
	all, err := IntentLedgerReadFile(IntentLedgerReadFileArgs{Path: p})
	if err != nil || len(all) != 2 {
		t.Fatalf("%v %v", all, err)
	}
	st, err := IntentLedgerReplay(IntentLedgerReplayArgs{Entries: all})
	if err != nil || !st.Suspended || st.Goal != "ship" || !st.HasIntent || st.SuspendResumeSha != "abc" {
		t.Fatalf("%v %v", st, err)
	}
}

func TestArchiveLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "leases", ".archive.lock")
	t.Setenv("DISPATCH_ARCHIVE_LOCK_PATH", "")
	none := int64(0)
	got, err := ArchiveLockAcquire(ArchiveLockAcquireArgs{Path: p, Owner: "fanout-A", Retries: &none})
	if err != nil || got.Outcome != ArchiveAcquireOutcomeAcquired || got.Owner != nil {
		t.Fatalf("%+v %v", got, err)
	}
	busy, err := ArchiveLockAcquire(ArchiveLockAcquireArgs{Path: p, Owner: "fanout-B", Retries: &none})
	if err != nil || busy.Outcome != ArchiveAcquireOutcomeBusy || busy.Owner == nil || *busy.Owner != "fanout-A" {
		t.Fatalf("%+v %v", busy, err)
	}
	st, err := ArchiveLockStatus(ArchiveLockStatusArgs{Path: p})
	if err != nil || st.State != ArchiveLockStateHeld || st.Owner == nil || *st.Owner != "fanout-A" {
		t.Fatalf("%+v %v", st, err)
	}
	rel, err := ArchiveLockRelease(ArchiveLockReleaseArgs{Path: p, Owner: "fanout-B"})
	if err != nil || rel.Outcome != ArchiveReleaseOutcomeOwnerMismatch || rel.Have == nil || *rel.Have != "fanout-A" {
		t.Fatalf("%+v %v", rel, err)
	}
	if rel, err = ArchiveLockRelease(ArchiveLockReleaseArgs{Path: p, Owner: "fanout-A"}); err != nil || rel.Outcome != ArchiveReleaseOutcomeReleased {
		t.Fatalf("%+v %v", rel, err)
	}
	bad := int64(-1)
	if _, err := ArchiveLockAcquire(ArchiveLockAcquireArgs{Path: p, Owner: "x", Retries: &bad}); err == nil || !strings.Contains(err.Error(), "retries") {
		t.Fatalf("a negative retries must be BAD_ARGS naming it: %v", err)
	}
}
