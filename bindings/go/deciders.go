package dos

/*
#include "dos.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// ClassifyCommandFast is the typed C fast path of ExecCapabilityClassifyCommand
// with the default policy: the capability and the invoked program, without the reason.
func ClassifyCommandFast(command string) (Capability, string, error) {
	var capability C.dos_capability
	var prog C.dos_buffer
	b := []byte(command)
	st := C.dos_exec_classify(nil, bytesPtr(b), C.size_t(len(b)), &capability, &prog)
	runtime.KeepAlive(b)
	program := string(takeBuffer(&prog))
	if st != C.DOS_STATUS_OK {
		return "", "", &StatusError{Status: int(st)}
	}
	switch capability {
	case C.DOS_CAPABILITY_GRANTS_ARBITRARY_EXEC:
		return CapabilityGrantsArbitraryExec, program, nil
	case C.DOS_CAPABILITY_BOUNDED:
		return CapabilityBounded, program, nil
	default:
		return CapabilityEmpty, program, nil
	}
}

// NormTreePrefixFast is the typed C fast path of TreeNormTreePrefix.
func NormTreePrefixFast(p string) (string, error) {
	var out C.dos_buffer
	b := []byte(p)
	st := C.dos_norm_tree_prefix(bytesPtr(b), C.size_t(len(b)), &out)
	runtime.KeepAlive(b)
	s := string(takeBuffer(&out))
	if st != C.DOS_STATUS_OK {
		return "", &StatusError{Status: int(st)}
	}
	return s, nil
}

// PrefixesCollideFast is the typed C fast path of TreePrefixesCollide.
func PrefixesCollideFast(a, b string) bool {
	var out C.bool
	ab, bb := []byte(a), []byte(b)
	C.dos_prefixes_collide(bytesPtr(ab), C.size_t(len(ab)), bytesPtr(bb), C.size_t(len(bb)), &out)
	runtime.KeepAlive(ab)
	runtime.KeepAlive(bb)
	return bool(out)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var _ = unsafe.Pointer(nil)
