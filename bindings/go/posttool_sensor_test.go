package dos

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
)

// classifyStream is tool_stream.classify_stream through its generated Go
// function (policy may be nil: the default).
func classifyStream(stream ToolStream, policy *StreamPolicy) (StreamVerdict, error) {
	return ToolStreamClassifyStream(ToolStreamClassifyStreamArgs{Stream: stream, Policy: policy})
}

// stepFromEvent is posttool_sensor.step_from_event through its generated Go
// function, the event passed as JSON text byte for byte (json.RawMessage):
// the digests hash its values as the reference does, so a float such as 1.0
// must not be re-encoded on the way.
func stepFromEvent(event []byte, policy *StreamPolicy) (*StreamStep, error) {
	return PosttoolSensorStepFromEvent(PosttoolSensorStepFromEventArgs{Event: json.RawMessage(event), Policy: policy})
}

// warnPayload is posttool_sensor.warn_payload through its generated Go
// function, with the advisory text (empty when the verdict does not fire).
func warnPayload(v StreamVerdict) (*map[string]any, string, error) {
	w, err := PosttoolSensorWarnPayload(PosttoolSensorWarnPayloadArgs{Verdict: v})
	if err != nil || w == nil {
		return w, "", err
	}
	hso, _ := (*w)["hookSpecificOutput"].(map[string]any)
	if hso["hookEventName"] != "PostToolUse" {
		return w, "", errors.New("the advisory is not a PostToolUse document")
	}
	text, _ := hso["additionalContext"].(string)
	return w, text, nil
}

// TestToolStreamPipeline walks a hook's life: events become steps, the
// stream fires at the third and fifth identical call, and the firing verdict
// becomes the advisory payload.
func TestToolStreamPipeline(t *testing.T) {
	read := []byte(`{"tool_name":"Read","tool_input":{"file_path":"a.txt","limit":1.0},"tool_response":"same bytes"}`)
	var stream ToolStream
	states := []StreamState{}
	var last StreamVerdict
	for i := 0; i < 5; i++ {
		step, err := stepFromEvent(read, nil)
		if err != nil || step == nil {
			t.Fatalf("step %d: %+v %v", i, step, err)
		}
		stream.Steps = append(stream.Steps, *step)
		if last, err = classifyStream(stream, nil); err != nil {
			t.Fatal(err)
		}
		states = append(states, last.State)
		if last.RepeatRun != int64(i+1) {
			t.Fatalf("step %d: run %d", i, last.RepeatRun)
		}
		w, _, err := warnPayload(last)
		if err != nil || (w == nil) != (last.State == StreamStateAdvancing) {
			t.Fatalf("step %d: %+v %v", i, w, err)
		}
	}
	want := []StreamState{StreamStateAdvancing, StreamStateAdvancing, StreamStateRepeating, StreamStateRepeating, StreamStateStalled}
	for i := range want {
		if states[i] != want[i] {
			t.Fatalf("states %v, want %v", states, want)
		}
	}
	// Digests computed by the reference (dos-kernel 0.22.0) for this event;
	// 1.0 and 1 are different inputs to it.
	step := last.RepeatedStep
	if step == nil || step.ToolName != "Read" || step.ArgsDigest != "6ba4a83ea361e011" || *step.ResultDigest != "58100dc8fc06562c" {
		t.Fatalf("%+v", step)
	}
	other, err := stepFromEvent([]byte(`{"tool_name":"Read","tool_input":{"file_path":"a.txt","limit":1},"tool_response":"same bytes"}`), nil)
	if err != nil || other.ArgsDigest != "cd8d269c12ac3206" {
		t.Fatalf("%+v %v", other, err)
	}
	w, text, err := warnPayload(last)
	if err != nil || w == nil {
		t.Fatal(w, err)
	}
	for _, fact := range []string{"STALLED", "Read", "5", "58100dc8fc06562c"} {
		if !strings.Contains(text, fact) {
			t.Errorf("advisory lacks %q: %s", fact, text)
		}
	}

	// An exempt tool never builds a run (compared case-folded), and a
	// result-less step breaks one.
	pol := DefaultStreamPolicy()
	pol.IgnoreTools = []string{"READ"}
	if v, err := classifyStream(stream, &pol); err != nil || v.State != StreamStateAdvancing || v.RepeatRun != 1 {
		t.Fatalf("%+v %v", v, err)
	}
	none, err := stepFromEvent([]byte(`{"tool_name":"Read","tool_input":{"file_path":"a.txt","limit":1.0}}`), nil)
	if err != nil || none.ResultDigest != nil {
		t.Fatalf("%+v %v", none, err)
	}
	broken := ToolStream{Steps: append(append([]StreamStep{}, stream.Steps...), *none)}
	if v, err := classifyStream(broken, nil); err != nil || v.State != StreamStateAdvancing || v.RepeatRun != 1 || v.RepeatedStep != nil {
		t.Fatalf("%+v %v", v, err)
	}

	// Not a tool call: no step, no error.
	for _, ev := range []string{`null`, `[]`, `{}`, `{"tool_name":""}`, `{"tool_name":7}`} {
		if s, err := stepFromEvent([]byte(ev), nil); s != nil || err != nil {
			t.Errorf("%s: %+v %v", ev, s, err)
		}
	}
	// nil policy and nil steps are the defaults.
	def := DefaultStreamPolicy()
	a, err1 := classifyStream(ToolStream{}, nil)
	b, err2 := classifyStream(ToolStream{Steps: []StreamStep{}}, &def)
	if err1 != nil || err2 != nil || a != b || a.State != StreamStateAdvancing || a.RepeatRun != 0 {
		t.Fatalf("%+v %v / %+v %v", a, err1, b, err2)
	}
}

func TestToolStreamErrors(t *testing.T) {
	refused := map[string]error{}
	_, refused["repeat_n 0"] = classifyStream(ToolStream{}, &StreamPolicy{RepeatN: 0, StallN: 5})
	_, refused["stall below repeat"] = classifyStream(ToolStream{}, &StreamPolicy{RepeatN: 4, StallN: 3})
	_, _, refused["unknown state"] = warnPayload(StreamVerdict{State: "SPINNING", RepeatRun: 3})
	_, refused["bad policy on an event"] = stepFromEvent([]byte(`{"tool_name":"X"}`), &StreamPolicy{})
	for name, err := range refused {
		var e *Error
		if !errors.As(err, &e) || e.Code != "BAD_ARGS" || e.Message == "" {
			t.Errorf("%s: want BAD_ARGS, got %v", name, err)
		}
	}
	// Text that is not JSON never reaches libdos.
	var e *Error
	if _, err := stepFromEvent([]byte(`{"tool_name":"X"},"policy":{`), nil); err == nil || errors.As(err, &e) {
		t.Errorf("malformed event: want a Go-side error, got %v", err)
	}
}

func TestToolStreamConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				ev, _ := json.Marshal(map[string]interface{}{"tool_name": "Read", "tool_input": map[string]int{"n": i % 3}, "tool_output": g})
				step, err := stepFromEvent(ev, nil)
				if err != nil || step == nil {
					errs <- err
					continue
				}
				v, err := classifyStream(ToolStream{Steps: []StreamStep{*step, *step, *step}}, nil)
				if err != nil || v.State != StreamStateRepeating {
					errs <- err
				}
				if _, _, err := warnPayload(v); err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
