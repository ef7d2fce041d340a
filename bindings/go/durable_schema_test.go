package dos

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// TestDurableSchemaRoundTrip: a writer tags a record, readers of several
// ceilings and families classify it, and a refusal names the versions (the
// generated functions; the corpus replays in zz_generated_durable_schema_test.go).
func TestDurableSchemaRoundTrip(t *testing.T) {
	frag, err := DurableSchemaTag(DurableSchemaTagArgs{Family: "lane-journal", Version: 3})
	want := map[string]any{"schema": map[string]any{"family": "lane-journal", "version": json.Number("3")}}
	if err != nil || !reflect.DeepEqual(frag, want) {
		t.Fatalf("%#v %v", frag, err)
	}
	record := map[string]any{"schema": frag["schema"], "op": "LEASE"}
	cases := []struct {
		family      string
		understands int64
		want        Readability
	}{
		{"lane-journal", 3, ReadabilityReadable},
		{"", 9, ReadabilityReadable},
		{"lane-journal", 2, ReadabilityUnreadableNewer},
		{"intent-ledger", 9, ReadabilityWrongFamily},
	}
	for _, c := range cases {
		v, err := DurableSchemaClassify(DurableSchemaClassifyArgs{Record: record, Family: c.family, Understands: c.understands})
		if err != nil || v.Readability != c.want || v.Family != c.family || v.Ceiling != c.understands || v.Tag == nil ||
			*v.Tag != (SchemaTag{Family: "lane-journal", Version: 3}) {
			t.Fatalf("%+v: %+v %v", c, v, err)
		}
		sound, err := DurableSchemaIsSoundlyReadable(DurableSchemaIsSoundlyReadableArgs{Self: v.Readability})
		if err != nil || sound != (c.want == ReadabilityReadable) {
			t.Fatalf("%+v: %v %v", v, sound, err)
		}
	}
	newer, _ := DurableSchemaClassify(DurableSchemaClassifyArgs{Record: record, Family: "lane-journal", Understands: 2})
	p, err := DurableSchemaUnreadableRefusalPayload(DurableSchemaUnreadableRefusalPayloadArgs{Verdict: newer})
	wantP := map[string]any{"reason_class": "SCHEMA_UNREADABLE", "family": "lane-journal", "requested": json.Number("3"),
		"supported": []any{json.Number("1"), json.Number("2")}, "detail": newer.Reason}
	if err != nil || !reflect.DeepEqual(p, wantP) {
		t.Fatalf("%#v %v", p, err)
	}
	// No tag, a bare-integer tag, a malformed tag.
	for raw, want := range map[string]Readability{
		`{}`:               ReadabilityUntagged,
		`{"schema": 2}`:    ReadabilityReadable,
		`{"schema": true}`: ReadabilityUntagged,
		`{"schema": {"family": "run", "version": 1.0}}`: ReadabilityUntagged,
	} {
		// json.Number keeps 1.0 a float on the way back out.
		var rec map[string]any
		d := json.NewDecoder(strings.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		v, err := DurableSchemaClassify(DurableSchemaClassifyArgs{Record: rec, Family: "run", Understands: 2})
		if err != nil || v.Readability != want || (want == ReadabilityUntagged) != (v.Tag == nil) {
			t.Fatalf("%s: %+v %v", raw, v, err)
		}
	}
	untagged, _ := DurableSchemaClassify(DurableSchemaClassifyArgs{Record: map[string]any{}, Family: "run", Understands: 2})
	if p, err := DurableSchemaUnreadableRefusalPayload(DurableSchemaUnreadableRefusalPayloadArgs{Verdict: untagged}); err != nil ||
		p.(map[string]any)["requested"] != json.Number("2") {
		t.Fatalf("%+v %v", p, err)
	}
	// SchemaTag.from_obj: a bare integer, a mapping, and a value of neither shape.
	if tag, err := DurableSchemaFromObj(DurableSchemaFromObjArgs{Obj: 4}); err != nil || tag == nil || *tag != (SchemaTag{Version: 4}) {
		t.Fatalf("%+v %v", tag, err)
	}
	if tag, err := DurableSchemaFromObj(DurableSchemaFromObjArgs{Obj: "x"}); err != nil || tag != nil {
		t.Fatalf("%+v %v", tag, err)
	}
}

func TestDurableSchemaErrors(t *testing.T) {
	refused := map[string]error{}
	_, refused["empty family"] = DurableSchemaTag(DurableSchemaTagArgs{Family: "", Version: 1})
	_, refused["version 0"] = DurableSchemaTag(DurableSchemaTagArgs{Family: "run", Version: 0})
	_, refused["huge ceiling"] = DurableSchemaUnreadableRefusalPayload(DurableSchemaUnreadableRefusalPayloadArgs{
		Verdict: ReadabilityVerdict{Readability: ReadabilityUntagged, Family: "run", Ceiling: 1 << 40}})
	_, refused["unknown readability"] = DurableSchemaUnreadableRefusalPayload(DurableSchemaUnreadableRefusalPayloadArgs{
		Verdict: ReadabilityVerdict{Readability: "MAYBE", Family: "run", Ceiling: 1}})
	for name, err := range refused {
		var e *Error
		if !errors.As(err, &e) || e.Code != "BAD_ARGS" || e.Message == "" {
			t.Errorf("%s: want BAD_ARGS, got %v", name, err)
		}
	}
}

func TestHooksAndSchemaConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 1024)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				if _, err := HookExitClassifyExit(HookExitClassifyExitArgs{Code: int64(i % 4)}); err != nil {
					errs <- err
				}
				frag, err := DurableSchemaTag(DurableSchemaTagArgs{Family: "run", Version: g + 1})
				if err != nil {
					errs <- err
					continue
				}
				v, err := DurableSchemaClassify(DurableSchemaClassifyArgs{Record: frag, Family: "run", Understands: int64(i % 8)})
				if err != nil {
					errs <- err
				} else if _, err := DurableSchemaUnreadableRefusalPayload(DurableSchemaUnreadableRefusalPayloadArgs{Verdict: v}); err != nil {
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
