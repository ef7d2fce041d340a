package dos

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Helpers for replaying golden records through the typed functions of the
// stream, hook and durable-schema deciders.

// hasLoneSurrogate reports whether JSON text holds a \u escape of a UTF-16
// surrogate that is not half of a pair. Go strings cannot carry one (the
// decoder turns it into U+FFFD), so such records are not replayable through
// typed Go values; the envelope replay in golden_test.go covers them.
func hasLoneSurrogate(raw []byte) bool {
	high := false
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			if high {
				return true
			}
			continue
		}
		if i+1 < len(raw) && raw[i+1] == 'u' && i+5 < len(raw) {
			v, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
			if err == nil {
				switch {
				case v >= 0xD800 && v < 0xDC00:
					if high {
						return true
					}
					high = true
				case v >= 0xDC00 && v < 0xE000:
					if !high {
						return true
					}
					high = false
				default:
					if high {
						return true
					}
				}
				i += 5
				continue
			}
		}
		if high {
			return true
		}
		i++ // the escaped character
	}
	return high
}

func TestHasLoneSurrogate(t *testing.T) {
	cases := map[string]bool{
		`"a"`:                  false,
		`"\ud83d\ude80"`:       false,
		`"\ud83d"`:             true,
		`"\ude80x"`:            true,
		`"\ud83d\u0041"`:       true,
		`"\\ud83d"`:            false,
		`"\ud83d\\"`:           true,
		`["\u00e9","\n"]`:      false,
		`{"k":"\uDBFF\uDFFF"}`: false,
	}
	for raw, want := range cases {
		if got := hasLoneSurrogate([]byte(raw)); got != want {
			t.Errorf("%s: got %v", raw, got)
		}
	}
}

// sameAsGolden compares a typed result with a record's expected verdict as
// JSON values. Prose fields (the record's "prose" paths) are libdos's own
// words: they must carry the listed facts and are otherwise not compared.
func sameAsGolden(t *testing.T, place string, got interface{}, want []byte, prose map[string][]string) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("%s: %v", place, err)
	}
	gv, wv := decode(t, g), decode(t, want)
	for path, facts := range prose {
		ours, _ := takePath(gv, path).(string)
		takePath(wv, path)
		for _, fact := range facts {
			if !strings.Contains(ours, fact) {
				t.Errorf("%s: prose %s = %q lacks %q", place, path, ours, fact)
			}
		}
	}
	if !reflect.DeepEqual(gv, wv) {
		t.Errorf("%s:\n got  %s\n want %s", place, g, want)
	}
}

// typedReplay runs one record's args through a typed function. It returns
// a label for coverage counting (the verdict, say) and false when the record
// does not fit the Go types.
type typedReplay func(t *testing.T, place string, args map[string]json.RawMessage, rec goldenRecord) (label string, ok bool)

// replayTyped replays every successful, Go-representable record of op and
// checks that at least min records were replayed and every label in labels
// was seen.
func replayTyped(t *testing.T, op string, run typedReplay, min int, labels []string) {
	t.Helper()
	seen := map[string]int{}
	replayed := 0
	for _, rec := range readGolden(t, "../../tests/golden/cases/"+op+".jsonl.gz") {
		n := rec.Line
		if rec.Error != nil || hasLoneSurrogate([]byte(rec.Request)) || hasLoneSurrogate([]byte(rec.Expected)) {
			continue
		}
		var req struct {
			Args map[string]json.RawMessage `json:"args"`
		}
		if json.Unmarshal([]byte(rec.Request), &req) != nil {
			continue // NaN / Infinity: not JSON Go can read
		}
		if req.Args == nil {
			req.Args = map[string]json.RawMessage{}
		}
		label, ok := run(t, op+":"+strconv.Itoa(n), req.Args, rec)
		if ok {
			replayed++
			seen[label]++
		}
	}
	if replayed < min {
		t.Errorf("only %d records replayed (want %d)", replayed, min)
	}
	for _, l := range labels {
		if seen[l] == 0 {
			t.Errorf("no replayed record gave %s (%v)", l, seen)
		}
	}
	t.Logf("%s: %d records replayed through the typed API (%v)", op, replayed, seen)
}
