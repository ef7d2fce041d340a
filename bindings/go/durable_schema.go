package dos

import (
	"encoding/json"
	"errors"
	"strconv"
)

// Readability is whether one reader may parse a durable record.
type Readability string

const (
	SchemaReadable        Readability = "READABLE"
	SchemaUnreadableNewer Readability = "UNREADABLE_NEWER"
	SchemaUntagged        Readability = "UNTAGGED"
	SchemaWrongFamily     Readability = "WRONG_FAMILY"
)

// SchemaTag is a record's declared format. Version is kept as the JSON
// number the record holds, so a version past int64 (which a damaged or
// foreign record may carry) still classifies; Version.Int64() reads it. An
// empty Version is left out when sent, which means 1, the reference's
// default. Family is empty for the older bare-integer tag.
type SchemaTag struct {
	Family  string      `json:"family"`
	Version json.Number `json:"version,omitempty"`
}

// SchemaFragment is the {"schema": {...}} object a writer merges into a
// record (embed it in the record's struct).
type SchemaFragment struct {
	Schema SchemaTag `json:"schema"`
}

// DurableSchemaTag is durable_schema.tag: the fragment naming family at
// version. libdos refuses an empty family and a version below 1.
func DurableSchemaTag(family string, version int64) (SchemaFragment, error) {
	var f SchemaFragment
	err := CallInto("durable_schema.tag", map[string]interface{}{"family": family, "version": version}, nil, &f)
	return f, err
}

// ReadabilityVerdict mirrors durable_schema.ReadabilityVerdict.to_dict():
// the reader's family and ceiling, and the tag the record declared (nil
// when UNTAGGED).
type ReadabilityVerdict struct {
	Readability Readability `json:"readability"`
	Reason      string      `json:"reason"`
	Family      string      `json:"family"`
	Ceiling     int64       `json:"ceiling"`
	Tag         *SchemaTag  `json:"tag"`
}

// IsSoundlyReadable reports whether the record may be parsed without a
// caller policy (READABLE only).
func (v ReadabilityVerdict) IsSoundlyReadable() bool { return v.Readability == SchemaReadable }

// DurableSchemaClassify is durable_schema.classify. record is the record
// as stored (JSON text of an object), passed to libdos byte for byte; family
// is the reader's family (empty matches any) and understands the highest
// version it reads.
func DurableSchemaClassify(record []byte, family string, understands int64) (ReadabilityVerdict, error) {
	var v ReadabilityVerdict
	if !json.Valid(record) {
		return v, errors.New("libdos: the record is not a JSON document")
	}
	fam, err := json.Marshal(family)
	if err != nil {
		return v, err
	}
	b := make([]byte, 0, len(record)+len(fam)+120)
	b = strconv.AppendInt(append(b, `{"abi":`...), int64(ABIVersion), 10)
	b = append(b, `,"op":"durable_schema.classify","config":null,"args":{"record":`...)
	b = append(b, record...)
	b = append(append(b, `,"family":`...), fam...)
	b = strconv.AppendInt(append(b, `,"understands":`...), understands, 10)
	b = append(b, "}}"...)
	err = callRequestInto(b, &v)
	return v, err
}

// RefusalPayload mirrors durable_schema.unreadable_refusal_payload: the
// reason class, the family, the version the record asked for, the versions
// this reader supports (1 to the ceiling) and the verdict's reason.
type RefusalPayload struct {
	ReasonClass string      `json:"reason_class"`
	Family      string      `json:"family"`
	Requested   json.Number `json:"requested"`
	Supported   []int64     `json:"supported"`
	Detail      string      `json:"detail"`
}

// UnreadableRefusalPayload is durable_schema.unreadable_refusal_payload.
// libdos refuses a ceiling above 65536 (the supported list would be huge).
func UnreadableRefusalPayload(verdict ReadabilityVerdict) (RefusalPayload, error) {
	var p RefusalPayload
	err := CallInto("durable_schema.unreadable_refusal_payload", map[string]interface{}{"verdict": verdict}, nil, &p)
	return p, err
}
