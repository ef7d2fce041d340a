package dos

import (
	"encoding/json"
	"errors"
	"fmt"
)

// The loop-economics deciders (liveness, productivity, efficiency and the
// circuit breaker) are generated from the op table:
// zz_generated_liveness.go, zz_generated_productivity.go,
// zz_generated_efficiency.go and zz_generated_breaker.go. What stays here is
// shared by hand-written wrappers elsewhere (durable_schema.go,
// tool_stream.go).

// callRequestInto sends a ready request document and decodes its verdict
// into out, answering errors as Call does.
func callRequestInto(req []byte, out interface{}) error {
	raw, err := CallRaw(req)
	if err != nil {
		return err
	}
	var resp response
	if err := json.Unmarshal(raw, &resp); err != nil {
		return fmt.Errorf("libdos: unreadable response: %w", err)
	}
	if !resp.OK {
		if resp.Error == nil {
			return errors.New("libdos: refused without an error body")
		}
		return resp.Error
	}
	return json.Unmarshal(resp.Verdict, out)
}
