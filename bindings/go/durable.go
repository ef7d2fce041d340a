package dos

import (
	"bytes"
	"encoding/json"
)

// The lane journal and the lane-lease verbs on disk. These share the
// workspace's .dos/ files with the Python dos package while it runs: the
// same record bytes, the same lock protocol, the same live set.
//
// Records are decoded into map[string]any with json.Number for numbers, so
// an integer seq larger than 2^53 or a float keeps its exact text.

// LeaseRecord is one live lease as the journal fold returns it.
type LeaseRecord = map[string]any

func decodeRecords(raw json.RawMessage) ([]map[string]any, error) {
	var out []map[string]any
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}

// JournalReadAll returns every record of the journal file at path, as the
// reference's read_all reads them (a torn last line is dropped, a corrupt
// line in the middle becomes an _CORRUPT record).
func JournalReadAll(path string) ([]map[string]any, error) {
	raw, err := Call("lane_journal.read_file", map[string]any{"journal": path}, nil)
	if err != nil {
		return nil, err
	}
	return decodeRecords(raw)
}

// JournalAppend appends one record (stamping seq and ts when absent) with
// one write and an fsync, and returns the record as written.
func JournalAppend(path string, entry map[string]any) (map[string]any, error) {
	raw, err := Call("lane_journal.append", map[string]any{"journal": path, "entry": entry}, nil)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	return out, dec.Decode(&out)
}

// JournalLive returns the live leases of the journal file at path. Its cost
// does not grow with the journal's history (a sidecar keeps the fold).
func JournalLive(path string) ([]LeaseRecord, error) {
	raw, err := Call("lane_journal.live_of_file", map[string]any{"journal": path}, nil)
	if err != nil {
		return nil, err
	}
	return decodeRecords(raw)
}

// JournalNextSeq returns the seq the next append to path stamps.
func JournalNextSeq(path string) (json.Number, error) {
	var n json.Number
	raw, err := Call("lane_journal.next_seq_of_file", map[string]any{"journal": path}, nil)
	if err != nil {
		return "", err
	}
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	return n, dec.Decode(&n)
}

// LeaseStore names a workspace's lane journal for the lease verbs. As in
// the reference, DISPATCH_LANE_JOURNAL_PATH / JOB_LANE_JOURNAL_PATH (and
// DISPATCH_LANE_LEASE_LOCK_PATH for the mutex) win over Journal.
//
// Config, when set, is the workspace config the verbs run under: when it
// names a PostgreSQL lease store ([lease_store] url in dos.toml), every verb
// goes there and Journal is unused. DOS_LEASE_STORE_URL does the same for
// every verb of the process.
type LeaseStore struct {
	Journal string
	Config  *Config
}

func (s LeaseStore) args(extra map[string]any) map[string]any {
	if s.Journal != "" || s.Config == nil {
		extra["journal"] = s.Journal
	}
	return extra
}

// call runs op under s.Config when set, else under config.
func (s LeaseStore) call(op string, args map[string]any, config any) (json.RawMessage, error) {
	if s.Config != nil {
		return s.Config.CallWith(op, s.args(args))
	}
	return Call(op, s.args(args), config)
}

func (s LeaseStore) callInto(op string, args map[string]any, out any) error {
	raw, err := s.call(op, args, nil)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// ImportJournal copies the lane journal file path into the PostgreSQL lease
// store s.Config names (replace overwrites a workspace key that already has
// records). It answers {"records", "workspace_key", "live"}.
func (s LeaseStore) ImportJournal(path string, replace bool) (map[string]any, error) {
	var out map[string]any
	raw, err := s.call("lane_lease.import_journal", map[string]any{"journal": path, "replace": replace}, nil)
	if err != nil {
		return nil, err
	}
	return out, json.Unmarshal(raw, &out)
}

// ExportJournal writes the PostgreSQL lease store's records to the file path
// as a lane journal (what dos-kernel 0.22.0 reads).
func (s LeaseStore) ExportJournal(path string) (map[string]any, error) {
	var out map[string]any
	raw, err := s.call("lane_lease.export_journal", map[string]any{"journal": path}, nil)
	if err != nil {
		return nil, err
	}
	return out, json.Unmarshal(raw, &out)
}

// LiveLeases is lane_lease.live_leases: every un-released lease, or with
// expireDead the contention view without provably dead ones.
func (s LeaseStore) LiveLeases(expireDead bool) ([]LeaseRecord, error) {
	raw, err := s.call("lane_lease.live_leases", map[string]any{"expire_dead": expireDead}, nil)
	if err != nil {
		return nil, err
	}
	return decodeRecords(raw)
}

// LiveLeasesStrict is LiveLeases with the strict read (a libdos
// extension): a journal with mid-file damage (an unreadable line that more
// lines follow) fails closed with an *Error of code IO_ERROR whose message
// starts with "WAL_INTEGRITY: " and names the line, byte offset and the seq
// it follows, instead of a live set folded around the damage.
func (s LeaseStore) LiveLeasesStrict(expireDead bool) ([]LeaseRecord, error) {
	raw, err := s.call("lane_lease.live_leases", map[string]any{"expire_dead": expireDead, "strict": true}, nil)
	if err != nil {
		return nil, err
	}
	return decodeRecords(raw)
}

func (s LeaseStore) boolVerb(op string, args map[string]any) (bool, error) {
	var ok bool
	raw, err := s.call(op, args, nil)
	if err != nil {
		return false, err
	}
	return ok, json.Unmarshal(raw, &ok)
}

// Release appends a RELEASE for the newest lease on lane that owner may
// release ("" releases any holder's); false when none matches.
func (s LeaseStore) Release(lane, owner, loopTS string) (bool, error) {
	return s.boolVerb("lane_lease.release", map[string]any{"lane": lane, "owner": owner, "loop_ts": loopTS})
}

// Scavenge evicts the newest live lease on lane (and loopTS when given)
// with a SCAVENGE record; reason "" means "scavenged".
func (s LeaseStore) Scavenge(lane, loopTS, reason string) (bool, error) {
	if reason == "" {
		reason = "scavenged"
	}
	return s.boolVerb("lane_lease.scavenge", map[string]any{"lane": lane, "loop_ts": loopTS, "reason": reason})
}

// Heartbeat refreshes owner's newest lease on lane; coalesceWithinS > 0
// skips the write when it beat that recently.
func (s LeaseStore) Heartbeat(lane, owner, loopTS string, coalesceWithinS float64) (bool, error) {
	return s.boolVerb("lane_lease.heartbeat", map[string]any{"lane": lane, "owner": owner, "loop_ts": loopTS,
		"coalesce_within_s": coalesceWithinS})
}

// Adopt moves the newest lease on lane to newOwner (newPID may be nil).
func (s LeaseStore) Adopt(lane, newOwner, loopTS string, newPID *int64) (bool, error) {
	args := map[string]any{"lane": lane, "new_owner": newOwner, "loop_ts": loopTS}
	if newPID != nil {
		args["new_pid"] = *newPID
	}
	return s.boolVerb("lane_lease.adopt", args)
}

// HaltResult is what Halt recorded.
type HaltResult struct {
	Handle   string  `json:"handle"`
	Recorded bool    `json:"recorded"`
	Command  *string `json:"command"`
	Lane     string  `json:"lane"`
	LoopTS   string  `json:"loop_ts"`
}

// HaltRequest names what to stop; only Handle is required.
type HaltRequest struct {
	Handle, Lane, Owner, LoopTS, Reason, RunID string
	Command                                    *string
}

// Halt records the intent to stop a run (a HALT record). It never signals.
func (s LeaseStore) Halt(r HaltRequest) (HaltResult, error) {
	args := map[string]any{"handle": r.Handle, "lane": r.Lane, "owner": r.Owner, "loop_ts": r.LoopTS,
		"reason": r.Reason, "run_id": r.RunID}
	if r.Command != nil {
		args["command"] = *r.Command
	}
	var out HaltResult
	err := s.callInto("lane_lease.halt", args, &out)
	return out, err
}

// SpawnResult is what Spawn recorded.
type SpawnResult struct {
	Lane     string `json:"lane"`
	Recorded bool   `json:"recorded"`
	LoopTS   string `json:"loop_ts"`
	Holder   string `json:"holder"`
}

// Spawn records that a run is about to take lane (a SPAWN record).
func (s LeaseStore) Spawn(lane, owner, loopTS, runID, reason string) (SpawnResult, error) {
	var out SpawnResult
	err := s.callInto("lane_lease.spawn", map[string]any{"lane": lane, "owner": owner, "loop_ts": loopTS,
		"run_id": runID, "reason": reason}, &out)
	return out, err
}

// CompactResult is what CompactJournal did.
type CompactResult struct {
	EntriesBefore  int64 `json:"entries_before"`
	EntriesAfter   int64 `json:"entries_after"`
	BytesReclaimed int64 `json:"bytes_reclaimed"`
}

// CompactJournal rewrites the journal as one CHECKPOINT of the live set
// (plus any corrupt-line records), under the lane-lease mutex.
func (s LeaseStore) CompactJournal(owner string) (CompactResult, error) {
	if owner == "" {
		owner = "journal-compact"
	}
	var out CompactResult
	err := s.callInto("lane_lease.compact_journal", map[string]any{"owner": owner}, &out)
	return out, err
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// AcquireResult is what Acquire decided and wrote.
type AcquireResult struct {
	Decision  map[string]any `json:"decision"`
	Journaled bool           `json:"journaled"`
	Owner     string         `json:"owner"`
	// Record is the ACQUIRE appended, or the REFUSE when it could be written.
	Record map[string]any `json:"record"`
}

// AcquireRequest asks for a lane; Tree is the requested file tree.
type AcquireRequest struct {
	Lane, Kind, Owner, LoopTS, RunID string
	Tree                             []string
	ExtraLeases                      []map[string]any
}

// Acquire runs the arbiter over the live set (plus ExtraLeases) under the
// lane-lease mutex and appends an ACQUIRE, or a REFUSE record. config is the
// workspace config the arbiter reads (nil: the generic default; a
// map[string]any inline config, or {"workspace": dir}; or a *Config
// handle). Under a config with [lease_store] strict = true, a journal with
// mid-file damage is refused (decision outcome "refuse", the reason opening
// with the reason class WAL_INTEGRITY) without arbitrating.
func (s LeaseStore) Acquire(r AcquireRequest, config any) (AcquireResult, error) {
	tree := r.Tree
	if tree == nil {
		tree = []string{}
	}
	args := s.args(map[string]any{"lane": r.Lane, "kind": r.Kind, "tree": tree, "owner": r.Owner,
		"loop_ts": r.LoopTS, "run_id": r.RunID})
	if len(r.ExtraLeases) > 0 {
		args["extra_leases"] = r.ExtraLeases
	}
	var out AcquireResult
	var raw json.RawMessage
	var err error
	if h, ok := config.(*Config); ok && s.Config == nil {
		// A config handle given for this call: its settings (strict, the
		// lease store) travel with it.
		raw, err = h.CallWith("lane_lease.acquire", s.args(args))
	} else {
		raw, err = s.call("lane_lease.acquire", args, config)
	}
	if err != nil {
		return out, err
	}
	dec := json.NewDecoder(bytesReader(raw))
	dec.UseNumber()
	return out, dec.Decode(&out)
}
