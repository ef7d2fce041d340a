package dos

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
)

// Float is a float field of the generated types: a float64 written as a
// JSON float literal, as Python's json module writes a float. encoding/json
// would write 2^63 as 9223372036854776000, which libdos (like Python) reads
// as that integer, a different number. NaN and the infinities have no JSON
// form: marshalling one is an error, never another number.
type Float float64

// MarshalJSON writes f as a float literal.
func (f Float) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil, errors.New("libdos: a NaN or infinite float has no JSON form")
	}
	b := strconv.AppendFloat(make([]byte, 0, 24), x, 'g', -1, 64)
	if !bytes.ContainsAny(b, ".e") {
		b = append(b, ".0"...)
	}
	return b, nil
}

// callNumbers runs one op and decodes its verdict into out, keeping every
// number exact (json.Number where the type is open): the generated typed
// functions (zz_generated_*.go) use it, since a Python int may leave the
// 64-bit range.
func callNumbers(op string, args interface{}, out interface{}) error {
	return callNumbersConfig(op, args, nil, out)
}

// callNumbersConfig is callNumbers for an op that reads the envelope's
// config (nil: the defaults).
func callNumbersConfig(op string, args interface{}, config interface{}, out interface{}) error {
	v, err := Call(op, args, config)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	return dec.Decode(out)
}

// decodeNumbers decodes JSON keeping numbers exact (json.Number where the
// type is open: a float written 2.0 stays a float when it is sent back).
// The generated records' UnmarshalJSON uses it.
func decodeNumbers(b []byte, out interface{}) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(out)
}
