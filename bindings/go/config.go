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
	"sync"
	"unsafe"
)

// Config is a workspace config built once by libdos (its dos.toml read,
// parsed and layered over a preset) and shared by every call made with it.
// It is immutable and safe for concurrent use. Close releases it; a
// finalizer releases a Config that is dropped without Close.
type Config struct {
	mu     sync.RWMutex
	handle *C.dos_config
}

var errClosed = errors.New("libdos: the config is closed")

func newConfig(st C.dos_status, handle *C.dos_config, errBuf *C.dos_buffer) (*Config, error) {
	body := takeBuffer(errBuf)
	if st != C.DOS_STATUS_OK {
		if body != nil {
			var resp response
			if err := json.Unmarshal(body, &resp); err == nil && resp.Error != nil {
				return nil, resp.Error
			}
		}
		return nil, &StatusError{Status: int(st)}
	}
	c := &Config{handle: handle}
	runtime.SetFinalizer(c, (*Config).Close)
	return c, nil
}

// ConfigFromTOML builds a config from dos.toml text over the generic preset,
// without touching the disk (root ".", workspace not probed). The text must
// be UTF-8 (a leading byte order mark is skipped); other bytes give a
// *StatusError with DOS_STATUS_INVALID_UTF8. (ConfigFromWorkspace instead
// ignores a dos.toml that is not UTF-8 table by table, with warnings, as the
// reference does.)
func ConfigFromTOML(text []byte) (*Config, error) {
	var handle *C.dos_config
	var errBuf C.dos_buffer
	// An empty text and no text build the same config (no tables).
	st := C.dos_config_from_toml(bytesPtr(text), C.size_t(len(text)), &handle, &errBuf)
	runtime.KeepAlive(text)
	return newConfig(st, handle, &errBuf)
}

// ConfigFromWorkspace builds the config of a workspace on disk: path ("" for
// $DISPATCH_WORKSPACE, else the current directory) is resolved, probed, and
// its dos.toml layered over the generic preset.
func ConfigFromWorkspace(path string) (*Config, error) {
	var handle *C.dos_config
	var errBuf C.dos_buffer
	var cpath *C.char
	if path != "" {
		cpath = C.CString(path)
		defer C.free(unsafe.Pointer(cpath))
	}
	st := C.dos_config_from_workspace(cpath, &handle, &errBuf)
	return newConfig(st, handle, &errBuf)
}

// ConfigFromJSON builds a config from an inline config object (the
// envelope's config shape: preset, workspace, root, workspace_facts and the
// dos.toml tables); obj is marshalled with encoding/json.
func ConfigFromJSON(obj interface{}) (*Config, error) {
	body, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("libdos: cannot encode the config: %w", err)
	}
	var handle *C.dos_config
	var errBuf C.dos_buffer
	st := C.dos_config_from_json(bytesPtr(body), C.size_t(len(body)), &handle, &errBuf)
	runtime.KeepAlive(body)
	return newConfig(st, handle, &errBuf)
}

// Close releases the config. Calls made after Close return an error;
// Close is idempotent.
func (c *Config) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.handle != nil {
		C.dos_config_free(c.handle)
		c.handle = nil
	}
	runtime.SetFinalizer(c, nil)
	return nil
}

func (c *Config) buffer(fn func(h *C.dos_config, out *C.dos_buffer) C.dos_status) ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, errClosed
	}
	var out C.dos_buffer
	st := fn(c.handle, &out)
	body := takeBuffer(&out)
	if st != C.DOS_STATUS_OK {
		return nil, &StatusError{Status: int(st)}
	}
	return body, nil
}

// Warnings lists the tables the build ignored.
func (c *Config) Warnings() ([]ConfigWarning, error) {
	body, err := c.buffer(func(h *C.dos_config, out *C.dos_buffer) C.dos_status { return C.dos_config_warnings(h, out) })
	if err != nil {
		return nil, err
	}
	var w []ConfigWarning
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	return w, nil
}

// JSON returns the config as data: every seam in the reference's field order.
func (c *Config) JSON() (json.RawMessage, error) {
	return c.buffer(func(h *C.dos_config, out *C.dos_buffer) C.dos_status { return C.dos_config_to_json(h, out) })
}

// CallRawWith sends a request document under this config (the request's own
// config field is not consulted) and returns the response document.
func (c *Config) CallRawWith(request []byte) ([]byte, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.handle == nil {
		return nil, errClosed
	}
	var out C.dos_buffer
	st := C.dos_call_with_config(c.handle, bytesPtr(request), C.size_t(len(request)), &out)
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

// CallWith runs one operation under this config and returns the verdict
// JSON, or an *Error.
func (c *Config) CallWith(op string, args interface{}) (json.RawMessage, error) {
	if args == nil {
		args = map[string]interface{}{}
	}
	req, err := json.Marshal(request{ABI: ABIVersion, Op: op, Args: args})
	if err != nil {
		return nil, fmt.Errorf("libdos: cannot encode the request: %w", err)
	}
	raw, err := c.CallRawWith(req)
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
