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

func replayStepFromEvent(t *testing.T, place string, args map[string]json.RawMessage, rec goldenRecord) (string, bool) {
	event, ok := args["event"]
	if !ok {
		event = json.RawMessage("null")
	}
	pol, ok := policyArg(args, DefaultStreamPolicy())
	var want *StreamStep
	if !ok || !strictInto([]byte(rec.Expected), &want) {
		return "", false
	}
	got, err := StepFromEvent(event, pol)
	if err != nil {
		t.Errorf("%s: %v", place, err)
		return "", true
	}
	sameAsGolden(t, place, got, []byte(rec.Expected), rec.Prose)
	switch {
	case got == nil:
		return "no step", true
	case got.ResultDigest == nil:
		return "no result", true
	}
	return "step", true
}

func replayWarnPayload(t *testing.T, place string, args map[string]json.RawMessage, rec goldenRecord) (string, bool) {
	var v StreamVerdict
	var want *PostToolUseWarning
	if !strictInto(args["verdict"], &v) || !strictInto([]byte(rec.Expected), &want) {
		return "", false
	}
	got, err := WarnPayload(v)
	if err != nil {
		t.Errorf("%s: %v", place, err)
		return "", true
	}
	sameAsGolden(t, place, got, []byte(rec.Expected), rec.Prose)
	if got == nil {
		return "silent", true
	}
	if got.HookSpecificOutput.HookEventName != "PostToolUse" {
		t.Errorf("%s: %+v", place, got)
	}
	return "warns", true
}

// TestPosttoolSensorGolden replays the reference's records through the typed
// functions of posttool_sensor (tool_stream's are replayed by the generated
// TestToolStreamTypedFunctionsReplayTheCorpus).
func TestPosttoolSensorGolden(t *testing.T) {
	t.Run("posttool_sensor.step_from_event", func(t *testing.T) {
		replayTyped(t, "posttool_sensor.step_from_event", replayStepFromEvent, 300, []string{"no step", "no result", "step"})
	})
	t.Run("posttool_sensor.warn_payload", func(t *testing.T) {
		replayTyped(t, "posttool_sensor.warn_payload", replayWarnPayload, 300, []string{"silent", "warns"})
	})
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
		step, err := StepFromEvent(read, nil)
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
		w, err := WarnPayload(last)
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
	other, err := StepFromEvent([]byte(`{"tool_name":"Read","tool_input":{"file_path":"a.txt","limit":1},"tool_response":"same bytes"}`), nil)
	if err != nil || other.ArgsDigest != "cd8d269c12ac3206" {
		t.Fatalf("%+v %v", other, err)
	}
	w, err := WarnPayload(last)
	if err != nil || w == nil {
		t.Fatal(w, err)
	}
	text := w.HookSpecificOutput.AdditionalContext
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
	none, err := StepFromEvent([]byte(`{"tool_name":"Read","tool_input":{"file_path":"a.txt","limit":1.0}}`), nil)
	if err != nil || none.ResultDigest != nil {
		t.Fatalf("%+v %v", none, err)
	}
	broken := ToolStream{Steps: append(append([]StreamStep{}, stream.Steps...), *none)}
	if v, err := classifyStream(broken, nil); err != nil || v.State != StreamStateAdvancing || v.RepeatRun != 1 || v.RepeatedStep != nil {
		t.Fatalf("%+v %v", v, err)
	}

	// Not a tool call: no step, no error.
	for _, ev := range []string{`null`, `[]`, `{}`, `{"tool_name":""}`, `{"tool_name":7}`} {
		if s, err := StepFromEvent([]byte(ev), nil); s != nil || err != nil {
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
	_, refused["unknown state"] = WarnPayload(StreamVerdict{State: "SPINNING", RepeatRun: 3})
	_, refused["bad policy on an event"] = StepFromEvent([]byte(`{"tool_name":"X"}`), &StreamPolicy{})
	for name, err := range refused {
		var e *Error
		if !errors.As(err, &e) || e.Code != "BAD_ARGS" || e.Message == "" {
			t.Errorf("%s: want BAD_ARGS, got %v", name, err)
		}
	}
	// Text that is not JSON never reaches libdos.
	var e *Error
	if _, err := StepFromEvent([]byte(`{"tool_name":"X"},"policy":{`), nil); err == nil || errors.As(err, &e) {
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
				step, err := StepFromEvent(ev, nil)
				if err != nil || step == nil {
					errs <- err
					continue
				}
				v, err := classifyStream(ToolStream{Steps: []StreamStep{*step, *step, *step}}, nil)
				if err != nil || v.State != StreamStateRepeating {
					errs <- err
				}
				if _, err := WarnPayload(v); err != nil {
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
