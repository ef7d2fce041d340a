package dos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// decodeExact decodes JSON keeping numbers exact (json.Number in open types).
func decodeExact(raw []byte, out interface{}) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(out)
}

// replayRouted replays the golden records of op through a typed function of
// the generated route (zz_generated_*_test.go call it): each record the
// reference answered must give the same JSON. Records the reference refused
// are the envelope replay's (golden_test.go): Go's zero values cannot tell a
// missing argument from a null one. Records holding a lone surrogate are
// skipped (a Go string cannot carry one).
func replayRouted(t *testing.T, op string, run func(args []byte) (any, error)) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "tests", "golden", "cases", op+".jsonl"))
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	n := 0
	for line := 1; sc.Scan(); line++ {
		var rec struct {
			Request  string  `json:"request"`
			Error    *string `json:"error"`
			Expected string  `json:"expected"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("%s:%d: %v", op, line, err)
		}
		if rec.Error != nil || hasLoneSurrogate([]byte(rec.Request)) || hasLoneSurrogate([]byte(rec.Expected)) {
			continue
		}
		var req struct {
			Args json.RawMessage `json:"args"`
		}
		if err := json.Unmarshal([]byte(rec.Request), &req); err != nil {
			t.Fatalf("%s:%d: %v", op, line, err)
		}
		got, err := run(req.Args)
		if err != nil {
			t.Errorf("%s:%d: %v", op, line, err)
			continue
		}
		raw, err := json.Marshal(got)
		if err != nil {
			t.Fatalf("%s:%d: %v", op, line, err)
		}
		var g, w any
		if err := decodeExact(raw, &g); err != nil {
			t.Fatal(err)
		}
		if err := decodeExact([]byte(rec.Expected), &w); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:%d: got %s, want %s", op, line, raw, rec.Expected)
		}
		n++
	}
	if n < 100 {
		t.Errorf("%s: only %d records replayed", op, n)
	}
}
