package dos

import "errors"

// The intent ledger's file functions (hand-registered ops), over the envelope
// (id_alloc, the export cursor, run_id and the rest of the durable surfaces are
// generated: zz_generated_id_alloc.go, zz_generated_run_id.go, ...). Functions that
// touch files take the path explicitly; a lock that stays busy is an *Error
// with Code "BUSY", a file-system failure one with Code "IO_ERROR".

// IsBusy reports whether err is a lock that could not be taken in time.
func IsBusy(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "BUSY"
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
