package dos

import (
	"encoding/json"
	"errors"
	"strconv"
)

// Typed wrappers for the tool-stream verdict and the pure half of the
// PostToolUse sensor: a hook event becomes a StreamStep (two digests), the
// steps so far become a StreamVerdict, and a firing verdict becomes the
// hook's advisory payload. Strings travel as UTF-8: a lone surrogate that a
// host's JSON carried comes back as U+FFFD.

// StreamState is the tool stream's state.
type StreamState string

const (
	StreamAdvancing StreamState = "ADVANCING"
	StreamRepeating StreamState = "REPEATING"
	StreamStalled   StreamState = "STALLED"
)

// The reference's default run lengths.
const (
	defaultRepeatN = 3
	defaultStallN  = 5
)

// StreamPolicy: a run of RepeatN identical (tool, args, result) keys at the
// end of the stream is REPEATING, a run of StallN is STALLED; libdos refuses
// RepeatN < 1 or StallN < RepeatN. A step whose tool is in IgnoreTools
// (compared case-folded) never extends a run.
type StreamPolicy struct {
	RepeatN     int64    `json:"repeat_n"`
	StallN      int64    `json:"stall_n"`
	IgnoreTools []string `json:"ignore_tools"`
}

// DefaultStreamPolicy is the reference's default (3 and 5, nothing ignored).
func DefaultStreamPolicy() StreamPolicy {
	return StreamPolicy{RepeatN: defaultRepeatN, StallN: defaultStallN}
}

// StreamStep is one tool call as the verdict sees it. A nil ResultDigest
// is a call that returned nothing; it never matches another step.
type StreamStep struct {
	ToolName     string  `json:"tool_name"`
	ArgsDigest   string  `json:"args_digest"`
	ResultDigest *string `json:"result_digest"`
}

// ToolStream is the steps so far, oldest first.
type ToolStream struct {
	Steps []StreamStep `json:"steps"`
}

// StreamVerdict mirrors tool_stream.StreamVerdict.to_dict(). RepeatRun is
// the length of the identical run ending at the latest step; RepeatedStep
// is that step when the state fires and the run is two or longer.
type StreamVerdict struct {
	State        StreamState `json:"state"`
	RepeatRun    int64       `json:"repeat_run"`
	RepeatedStep *StreamStep `json:"repeated_step"`
	Reason       string      `json:"reason"`
}

type streamArgs struct {
	Stream ToolStream    `json:"stream"`
	Policy *StreamPolicy `json:"policy,omitempty"`
}

// ClassifyStream is tool_stream.classify_stream (policy may be nil; nil
// Steps is an empty stream).
func ClassifyStream(stream ToolStream, policy *StreamPolicy) (StreamVerdict, error) {
	if stream.Steps == nil {
		stream.Steps = []StreamStep{}
	}
	var v StreamVerdict
	err := CallInto("tool_stream.classify_stream", streamArgs{Stream: stream, Policy: policy}, nil, &v)
	return v, err
}

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
