package dos

import (
	"encoding/json"
	"errors"
	"strconv"
)

// Typed wrappers for the pure half of the PostToolUse sensor (its types,
// StreamStep, StreamPolicy and StreamVerdict, are tool_stream's generated
// ones): a hook event becomes a StreamStep (two digests), and a firing
// verdict becomes the hook's advisory payload. Strings travel as UTF-8: a
// lone surrogate that a host's JSON carried comes back as U+FFFD.

// StepFromEvent is posttool_sensor.step_from_event. event is the hook
// event document as the host sent it (JSON text), passed to libdos
// byte for byte: the digests hash its values exactly as the reference
// does, so a float such as 1.0 must not be re-encoded on the way. It
// returns nil, nil when the event is not a tool call (no non-empty string
// tool_name). policy may be nil; the reference accepts it and does not use it.
func StepFromEvent(event []byte, policy *StreamPolicy) (*StreamStep, error) {
	if !json.Valid(event) {
		return nil, errors.New("libdos: the event is not a JSON document")
	}
	b := make([]byte, 0, len(event)+160)
	b = strconv.AppendInt(append(b, `{"abi":`...), int64(ABIVersion), 10)
	b = append(b, `,"op":"posttool_sensor.step_from_event","config":null,"args":{"event":`...)
	b = append(b, event...)
	if policy != nil {
		p, err := json.Marshal(policy)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `,"policy":`...), p...)
	}
	b = append(b, "}}"...)
	var step *StreamStep
	err := callRequestInto(b, &step)
	return step, err
}

// HookSpecificOutput is the PostToolUse hook's advisory block.
type HookSpecificOutput struct {
	HookEventName     string `json:"hookEventName"`
	AdditionalContext string `json:"additionalContext"`
}

// PostToolUseWarning is the document a PostToolUse hook prints to surface
// a firing verdict: {"hookSpecificOutput": {"hookEventName", "additionalContext"}}.
type PostToolUseWarning struct {
	HookSpecificOutput HookSpecificOutput `json:"hookSpecificOutput"`
}

// WarnPayload is posttool_sensor.warn_payload: nil for an ADVANCING
// verdict, otherwise the advisory naming the repeated tool, the run and the
// result digest (the text is libdos's own).
func WarnPayload(verdict StreamVerdict) (*PostToolUseWarning, error) {
	var p *PostToolUseWarning
	err := CallInto("posttool_sensor.warn_payload", map[string]interface{}{"verdict": verdict}, nil, &p)
	return p, err
}
