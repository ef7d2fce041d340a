package dos

import "errors"

// The durable surfaces' functions are generated (zz_generated_id_alloc.go,
// zz_generated_intent_ledger.go, zz_generated_run_id.go, ...). Functions that
// touch files take the path explicitly; a lock that stays busy is an *Error
// with Code "BUSY", a file-system failure one with Code "IO_ERROR".

// IsBusy reports whether err is a lock that could not be taken in time.
func IsBusy(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == "BUSY"
}
