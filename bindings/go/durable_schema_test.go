package dos

import (
	"encoding/json"
	"errors"
	"reflect"
	"sync"
	"testing"
)

func replayTag(t *testing.T, place string, args map[string]json.RawMessage, rec goldenRecord) (string, bool) {
	var family string
	version := int64(1)
	var want SchemaFragment
	if v, ok := args["version"]; ok && !strictInto(v, &version) {
		return "", false
	}
	if !strictInto(args["family"], &family) || !strictInto([]byte(rec.Expected), &want) {
		return "", false
	}
	got, err := DurableSchemaTag(family, version)
	if err != nil {
		t.Errorf("%s: %v", place, err)
		return "", true
	}
	sameAsGolden(t, place, got, []byte(rec.Expected), rec.Prose)
	if version == 1 {
		return "version 1", true
	}
	return "later version", true
}

func replayDurableClassify(t *testing.T, place string, args map[string]json.RawMessage, rec goldenRecord) (string, bool) {
	var family string
	var understands int64
	var want ReadabilityVerdict
	record, ok := args["record"]
	if !ok || !strictInto(args["family"], &family) || !strictInto(args["understands"], &understands) || !strictInto([]byte(rec.Expected), &want) {
		return "", false
	}
	got, err := DurableSchemaClassify(record, family, understands)
	if err != nil {
		t.Errorf("%s: %v", place, err)
		return "", true
	}
	sameAsGolden(t, place, got, []byte(rec.Expected), rec.Prose)
	if got.IsSoundlyReadable() != (want.Readability == SchemaReadable) {
		t.Errorf("%s: IsSoundlyReadable %v", place, got.IsSoundlyReadable())
	}
	return string(got.Readability), true
}

func replayRefusal(t *testing.T, place string, args map[string]json.RawMessage, rec goldenRecord) (string, bool) {
	var v ReadabilityVerdict
	var want RefusalPayload
	if !strictInto(args["verdict"], &v) || !strictInto([]byte(rec.Expected), &want) {
		return "", false
	}
	got, err := UnreadableRefusalPayload(v)
	if err != nil {
		t.Errorf("%s: %v", place, err)
		return "", true
	}
	sameAsGolden(t, place, got, []byte(rec.Expected), rec.Prose)
	if v.Tag == nil {
		return "untagged", true
	}
	return "tagged", true
}

func TestDurableSchemaGolden(t *testing.T) {
	t.Run("durable_schema.tag", func(t *testing.T) {
		replayTyped(t, "durable_schema.tag", replayTag, 80, []string{"version 1", "later version"})
	})
	t.Run("durable_schema.classify", func(t *testing.T) {
		replayTyped(t, "durable_schema.classify", replayDurableClassify, 300,
			[]string{"READABLE", "UNREADABLE_NEWER", "UNTAGGED", "WRONG_FAMILY"})
	})
	t.Run("durable_schema.unreadable_refusal_payload", func(t *testing.T) {
		replayTyped(t, "durable_schema.unreadable_refusal_payload", replayRefusal, 150, []string{"untagged", "tagged"})
	})
}

// TestDurableSchemaRoundTrip: a writer tags a record, readers of several
// ceilings and families classify it, and a refusal names the versions.
func TestDurableSchemaRoundTrip(t *testing.T) {
	frag, err := DurableSchemaTag("lane-journal", 3)
	if err != nil || frag.Schema.Family != "lane-journal" || frag.Schema.Version != "3" {
		t.Fatalf("%+v %v", frag, err)
	}
	record, err := json.Marshal(struct {
		SchemaFragment
		Op string `json:"op"`
	}{frag, "LEASE"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		family      string
		understands int64
		want        Readability
	}{
		{"lane-journal", 3, SchemaReadable},
		{"", 9, SchemaReadable},
		{"lane-journal", 2, SchemaUnreadableNewer},
		{"intent-ledger", 9, SchemaWrongFamily},
	}
	for _, c := range cases {
		v, err := DurableSchemaClassify(record, c.family, c.understands)
		if err != nil || v.Readability != c.want || v.Family != c.family || v.Ceiling != c.understands || v.Tag == nil || *v.Tag != frag.Schema {
			t.Fatalf("%+v: %+v %v", c, v, err)
		}
		if v.IsSoundlyReadable() != (c.want == SchemaReadable) {
			t.Fatalf("%+v", v)
		}
	}
	newer, _ := DurableSchemaClassify(record, "lane-journal", 2)
	p, err := UnreadableRefusalPayload(newer)
	if err != nil || p.ReasonClass != "SCHEMA_UNREADABLE" || p.Requested != "3" || !reflect.DeepEqual(p.Supported, []int64{1, 2}) || p.Detail != newer.Reason {
		t.Fatalf("%+v %v", p, err)
	}

	// A version past int64 still classifies, and the refusal echoes it.
	v, err := DurableSchemaClassify([]byte(`{"schema": {"family": "run", "version": 99999999999999999999}}`), "run", 4)
	if err != nil || v.Readability != SchemaUnreadableNewer || v.Tag.Version != "99999999999999999999" {
		t.Fatalf("%+v %v", v, err)
	}
	if p, err := UnreadableRefusalPayload(v); err != nil || p.Requested != "99999999999999999999" || len(p.Supported) != 4 {
		t.Fatalf("%+v %v", p, err)
	}
	// No tag, a bare-integer tag, a malformed tag.
	for raw, want := range map[string]Readability{
		`{}`:               SchemaUntagged,
		`{"schema": 2}`:    SchemaReadable,
		`{"schema": true}`: SchemaUntagged,
		`{"schema": {"family": "run", "version": 1.0}}`: SchemaUntagged,
	} {
		v, err := DurableSchemaClassify([]byte(raw), "run", 2)
		if err != nil || v.Readability != want || (want == SchemaUntagged) != (v.Tag == nil) {
			t.Fatalf("%s: %+v %v", raw, v, err)
		}
	}
	untagged, _ := DurableSchemaClassify([]byte(`{}`), "run", 2)
	if p, err := UnreadableRefusalPayload(untagged); err != nil || p.Requested != "2" {
		t.Fatalf("%+v %v", p, err)
	}
}

func TestDurableSchemaErrors(t *testing.T) {
	refused := map[string]error{}
	_, refused["empty family"] = DurableSchemaTag("", 1)
	_, refused["version 0"] = DurableSchemaTag("run", 0)
	_, refused["record not an object"] = DurableSchemaClassify([]byte(`[1]`), "run", 1)
	_, refused["huge ceiling"] = UnreadableRefusalPayload(ReadabilityVerdict{Readability: SchemaUntagged, Family: "run", Ceiling: 1 << 40})
	_, refused["unknown readability"] = UnreadableRefusalPayload(ReadabilityVerdict{Readability: "MAYBE", Family: "run", Ceiling: 1})
	for name, err := range refused {
		var e *Error
		if !errors.As(err, &e) || e.Code != "BAD_ARGS" || e.Message == "" {
			t.Errorf("%s: want BAD_ARGS, got %v", name, err)
		}
	}
	var e *Error
	if _, err := DurableSchemaClassify([]byte(`{"schema":`), "run", 1); err == nil || errors.As(err, &e) {
		t.Errorf("torn record: want a Go-side error, got %v", err)
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
				frag, err := DurableSchemaTag("run", int64(g+1))
				if err != nil {
					errs <- err
					continue
				}
				rec, _ := json.Marshal(frag)
				if v, err := DurableSchemaClassify(rec, "run", int64(i%8)); err != nil {
					errs <- err
				} else if _, err := UnreadableRefusalPayload(v); err != nil {
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
