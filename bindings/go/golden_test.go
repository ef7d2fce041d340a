package dos

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

type goldenRecord struct {
	Op       string              `json:"op"`
	Request  string              `json:"request"`
	Expected string              `json:"expected_compact"`
	Error    *string             `json:"error"`
	Prose    map[string][]string `json:"prose"`
}

// quoteNonFinite turns the bare NaN, Infinity and -Infinity tokens Python's
// json writes (outside strings) into marker strings encoding/json can read,
// so two documents holding them still compare.
func quoteNonFinite(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if inString {
			out = append(out, c)
			if c == '\\' && i+1 < len(raw) {
				i++
				out = append(out, raw[i])
			} else if c == '"' {
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			out = append(out, c)
			continue
		}
		matched := false
		for _, tok := range []string{"NaN", "Infinity", "-Infinity"} {
			if bytes.HasPrefix(raw[i:], []byte(tok)) {
				out = append(out, []byte(`"\u0000`+tok+`"`)...)
				i += len(tok) - 1
				matched = true
				break
			}
		}
		if !matched {
			out = append(out, c)
		}
	}
	return out
}

func decode(t *testing.T, raw []byte) interface{} {
	raw = quoteNonFinite(raw)
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v interface{}
	if err := d.Decode(&v); err != nil {
		t.Fatalf("undecodable JSON %q: %v", raw, err)
	}
	return v
}

// takePath removes the field at a dotted path and returns it.
func takePath(v interface{}, path string) interface{} {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		switch c := v.(type) {
		case map[string]interface{}:
			v = c[p]
		case []interface{}:
			// A decimal segment indexes a list.
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil
	}
	leaf := parts[len(parts)-1]
	out := m[leaf]
	delete(m, leaf)
	return out
}

// TestGoldenCorpus replays every golden record through the envelope and
// compares the decision fields with the reference's exactly.
func TestGoldenCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../tests/golden/cases/*.jsonl")
	if len(files) == 0 {
		t.Fatal("no golden corpus (run `make golden`)")
	}
	total, failed := 0, 0
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<26)
		line := 0
		for sc.Scan() {
			line++
			total++
			var rec goldenRecord
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("%s:%d: %v", file, line, err)
			}
			raw, err := CallRaw([]byte(rec.Request))
			if err != nil {
				t.Errorf("%s:%d: %v", file, line, err)
				failed++
				continue
			}
			if rec.Error == nil && len(rec.Prose) == 0 {
				// No prose: the whole response is fixed bytes (this also covers
				// NaN and Infinity, which encoding/json cannot read).
				if string(raw) != `{"abi":1,"ok":true,"verdict":`+rec.Expected+`}` {
					failed++
					t.Errorf("%s:%d: got %s want verdict %s", file, line, raw, rec.Expected)
				}
				continue
			}
			resp := decode(t, raw).(map[string]interface{})
			if rec.Error != nil {
				e, _ := resp["error"].(map[string]interface{})
				if resp["ok"] != false || e == nil || e["code"] != *rec.Error {
					failed++
					t.Errorf("%s:%d: want error %s, got %s", file, line, *rec.Error, raw)
				}
				continue
			}
			if resp["ok"] != true {
				failed++
				t.Errorf("%s:%d: unexpected error %s", file, line, raw)
				continue
			}
			got, want := resp["verdict"], decode(t, []byte(rec.Expected))
			for path, facts := range rec.Prose {
				ours, _ := takePath(got, path).(string)
				takePath(want, path)
				for _, fact := range facts {
					if !strings.Contains(ours, fact) {
						failed++
						t.Errorf("%s:%d: prose %s = %q lacks %q", file, line, path, ours, fact)
					}
				}
			}
			if !reflect.DeepEqual(got, want) {
				failed++
				if failed < 20 {
					t.Errorf("%s:%d: verdict differs\n got  %v\n want %v", file, line, got, want)
				}
			}
		}
		f.Close()
	}
	t.Logf("golden (Go): %d records, %d failed", total, failed)
}
