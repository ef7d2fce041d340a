package dos

import (
	"bytes"
	"encoding/json"
)

// Acquire, the lane-lease verb that runs the arbiter (the journal file's
// functions and the other verbs are generated: LaneJournalReadFile,
// LaneJournalAppend, LaneLeaseRelease, ...). These share the workspace's
// .dos/ files with the Python dos package while it runs: the same record
// bytes, the same lock protocol, the same live set.
//
// Records are decoded into map[string]any with json.Number for numbers, so
// an integer seq larger than 2^53 or a float keeps its exact text.

// LeaseRecord is one live lease as the journal fold returns it.
type LeaseRecord = map[string]any

// LeaseStore names a workspace's lane journal for Acquire (the other lease
// verbs are the generated LaneLease* functions: LaneLeaseRelease,
// LaneLeaseLiveLeases, ...). As in the reference, DISPATCH_LANE_JOURNAL_PATH
// / JOB_LANE_JOURNAL_PATH (and DISPATCH_LANE_LEASE_LOCK_PATH for the mutex)
// win over Journal.
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
