package dos

import (
	"encoding/json"
	"errors"
)

// The durable surfaces not yet on the generated route (run_id, the verdict
// journal, the intent ledger), over the envelope (id_alloc and the export
// cursor are generated: zz_generated_id_alloc.go, zz_generated_export_cursor.go). Functions that
// touch files take the path explicitly; a lock that stays busy is an *Error
// with Code "BUSY", a file-system failure one with Code "IO_ERROR".

// IsBusy reports whether err is a lock that could not be taken in time.
func IsBusy(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "BUSY"
}

// RunID mirrors run_id.RunId.to_dict().
type RunID struct {
	RunID     string  `json:"run_id"`
	ProcessID string  `json:"process_id"`
	ParentID  *string `json:"parent_id"`
	RootID    string  `json:"root_id"`
	TsMs      int64   `json:"ts_ms"`
}

// MintOptions: the parent (a full run, or only its token), an explicit
// root, and a pinned clock and entropy (nil: this host's clock, libdos's
// per-process entropy).
type MintOptions struct {
	Parent      *RunID
	ParentToken *string
	RootID      string
	ClockMs     *int64
	Entropy     *int64
}

func (o *MintOptions) args(a map[string]interface{}) {
	if o == nil {
		return
	}
	if o.Parent != nil {
		a["parent"] = map[string]string{"run_id": o.Parent.RunID, "root_id": o.Parent.RootID}
	} else if o.ParentToken != nil {
		a["parent"] = *o.ParentToken
	}
	if o.RootID != "" {
		a["root_id"] = o.RootID
	}
	if o.ClockMs != nil {
		a["clock_ms"] = *o.ClockMs
	}
	if o.Entropy != nil {
		a["entropy"] = *o.Entropy
	}
}

// MintRunID is run_id.mint.
func MintRunID(processID string, opts *MintOptions) (RunID, error) {
	a := map[string]interface{}{"process_id": processID}
	opts.args(a)
	var r RunID
	err := CallInto("run_id.mint", a, nil, &r)
	return r, err
}

// MintChildFromEnv is run_id.mint_child_from_env; env nil reads this
// process's CID_RUN_ID and CID_ROOT_ID. Parent options in opts are ignored.
func MintChildFromEnv(processID string, env map[string]string, opts *MintOptions) (RunID, error) {
	a := map[string]interface{}{"process_id": processID}
	if env != nil {
		a["env"] = env
	}
	if opts != nil {
		o := *opts
		o.Parent, o.ParentToken, o.RootID = nil, nil, ""
		o.args(a)
	}
	var r RunID
	err := CallInto("run_id.mint_child_from_env", a, nil, &r)
	return r, err
}

// IsRunID is run_id.is_run_id.
func IsRunID(s string) bool {
	var ok bool
	if err := CallInto("run_id.is_run_id", map[string]interface{}{"s": s}, nil, &ok); err != nil {
		return false
	}
	return ok
}

// TsMsOf is run_id.ts_ms_of; ok=false for a malformed token.
func TsMsOf(runID string) (int64, bool) {
	var n *int64
	if err := CallInto("run_id.ts_ms_of", map[string]interface{}{"run_id": runID}, nil, &n); err != nil || n == nil {
		return 0, false
	}
	return *n, true
}

// LineageEnv is run_id.lineage_env: the CID_* variables for a child process.
func LineageEnv(run RunID) (map[string]string, error) {
	var env map[string]string
	err := CallInto("run_id.lineage_env", map[string]interface{}{"run": run}, nil, &env)
	return env, err
}

// RunJSON is the exact text of run.json for run.
func RunJSON(run RunID) (string, error) {
	var s string
	err := CallInto("run_id.run_json", map[string]interface{}{"run": run}, nil, &s)
	return s, err
}

// WriteRunJSON writes runDir/run.json atomically and returns its path.
func WriteRunJSON(runDir string, run RunID) (string, error) {
	var p string
	err := CallInto("run_id.write_run_json", map[string]interface{}{"run_dir": runDir, "run": run}, nil, &p)
	return p, err
}

// ReadRunJSON is run_id.read_run_json (nil when missing or unreadable).
func ReadRunJSON(runDir string) (json.RawMessage, error) {
	v, err := Call("run_id.read_run_json", map[string]interface{}{"run_dir": runDir}, nil)
	if err != nil || string(v) == "null" {
		return nil, err
	}
	return v, nil
}

// IntentAppend is intent_ledger.append: stamp entry for runID and append it
// to the ledger at path. Returns the stamped record.
func IntentAppend(path, runID string, entry map[string]interface{}) (map[string]interface{}, error) {
	var out map[string]interface{}
	err := CallInto("intent_ledger.append", map[string]interface{}{"path": path, "run_id": runID, "entry": entry}, nil, &out)
	return out, err
}

// IntentReadAll is intent_ledger.read_all over the file at path, for a
// reader that understands schema versions up to understands (0: this
// kernel's).
func IntentReadAll(path string, understands int64) ([]map[string]interface{}, error) {
	a := map[string]interface{}{"path": path}
	if understands != 0 {
		a["understands"] = understands
	}
	var out []map[string]interface{}
	err := CallInto("intent_ledger.read_file", a, nil, &out)
	return out, err
}
