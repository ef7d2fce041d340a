package dos

import (
	"bytes"
	"encoding/json"
)

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
