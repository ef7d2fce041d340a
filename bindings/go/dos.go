// Package dos is the Go binding of libdos, the native DOS decision kernel.
//
// Call sends one JSON envelope request and returns the response; the typed
// functions (ExecCapabilityClassifyCommand, TreePrefixesCollide, ...) sit on top. Every function
// is safe for concurrent use.
package dos

/*
#include <stdlib.h>
#include "dos.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"unsafe"
)

// ABIVersion is the envelope ABI this binding was built against.
const ABIVersion = int(C.DOS_ABI_VERSION)

// Version returns the libdos version string.
func Version() string { return C.GoString(C.dos_version()) }

// LibraryABIVersion returns the ABI version of the linked libdos.
func LibraryABIVersion() int { return int(C.dos_abi_version()) }

// Error is a refused request: Code is the envelope's stable error code
// (BAD_JSON, BAD_REQUEST, ABI_MISMATCH, UNKNOWN_OP, BAD_ARGS, BAD_CONFIG,
// BUSY and IO_ERROR for ops that touch files, INTERNAL).
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// StatusError is a C-level failure that produced no envelope response.
type StatusError struct{ Status int }

func (e *StatusError) Error() string {
	return fmt.Sprintf("libdos: %s", C.GoString(C.dos_status_name(C.int32_t(e.Status))))
}

func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

func takeBuffer(buf *C.dos_buffer) []byte {
	defer C.dos_buffer_free(buf)
	if buf.data == nil || buf.len == 0 {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(buf.data), C.int(buf.len))
}

// CallRaw sends a request document and returns the response document as
// libdos wrote it, whatever its "ok" says.
func CallRaw(request []byte) ([]byte, error) {
	var out C.dos_buffer
	st := C.dos_call(bytesPtr(request), C.size_t(len(request)), &out)
	runtime.KeepAlive(request)
	resp := takeBuffer(&out)
	switch st {
	case C.DOS_STATUS_OK, C.DOS_STATUS_ERROR_RESPONSE, C.DOS_STATUS_PANIC:
		if resp != nil {
			return resp, nil
		}
	}
	return nil, &StatusError{Status: int(st)}
}

type request struct {
	ABI    int         `json:"abi"`
	Op     string      `json:"op"`
	Config interface{} `json:"config"`
	Args   interface{} `json:"args"`
}

type response struct {
	ABI     int             `json:"abi"`
	OK      bool            `json:"ok"`
	Verdict json.RawMessage `json:"verdict"`
	Error   *Error          `json:"error"`
}

// Call runs one operation: args and config are marshalled with encoding/json
// (config may be nil), except that a *Config handle as config runs the op
// under that handle (Config.CallWith). It returns the verdict JSON, or an
// *Error.
func Call(op string, args interface{}, config interface{}) (json.RawMessage, error) {
	if args == nil {
		args = map[string]interface{}{}
	}
	if h, ok := config.(*Config); ok && h != nil {
		// A config handle: the op runs under it (its settings, the lease
		// store it names, travel with it).
		return h.CallWith(op, args)
	}
	req, err := json.Marshal(request{ABI: ABIVersion, Op: op, Config: config, Args: args})
	if err != nil {
		return nil, fmt.Errorf("libdos: cannot encode the request: %w", err)
	}
	raw, err := CallRaw(req)
	if err != nil {
		return nil, err
	}
	var resp response
	if err := json.Unmarshal(raw, &resp); err != nil {
		return nil, fmt.Errorf("libdos: unreadable response: %w", err)
	}
	if !resp.OK {
		if resp.Error == nil {
			return nil, errors.New("libdos: refused without an error body")
		}
		return nil, resp.Error
	}
	return resp.Verdict, nil
}

// CallInto runs one operation and decodes its verdict into out.
func CallInto(op string, args interface{}, config interface{}, out interface{}) error {
	v, err := Call(op, args, config)
	if err != nil {
		return err
	}
	return json.Unmarshal(v, out)
}

// Ops lists every operation the envelope serves.
func Ops() ([]string, error) {
	var listing struct {
		Ops []struct {
			Op string `json:"op"`
		} `json:"ops"`
	}
	if err := CallInto("ops", nil, nil, &listing); err != nil {
		return nil, err
	}
	names := make([]string, len(listing.Ops))
	for i, o := range listing.Ops {
		names[i] = o.Op
	}
	return names, nil
}
