// A Go program using smartkampung through its C ABI (cgo), as a third language would:
// it validates a column of NIKs in one batch call, decodes one NIK into the
// caller-sized struct and masks it for display. The include and library paths come
// from CGO_CFLAGS / CGO_LDFLAGS (see run_test.cmake or README.md beside this file).
//
// It exits non-zero when any result differs from what the library documents, so
// that building and running it is a test of the ABI from Go.
package main

/*
#cgo LDFLAGS: -lsmartkampung
#include <stdlib.h>
#include <smartkampung/smartkampung.h>

// cgo cannot take sizeof of a typedef'd struct in Go code portably; this helper does.
static size_t skamp_go_nik_info_size(void) { return sizeof(skamp_nik_info); }
*/
import "C"

import (
	"fmt"
	"os"
	"runtime"
	"unsafe"
)

// skamp_last_error() is per OS thread, and the Go scheduler may move a goroutine to
// another thread between two cgo calls: without this, the message read after a failed
// call can be another thread's (seen as an occasional empty message). A program that
// calls the library from many goroutines locks each one around its call and the
// skamp_last_error() that follows it.
func init() { runtime.LockOSThread() }

var failures int

func check(ok bool, format string, args ...interface{}) {
	if !ok {
		failures++
		fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	}
}

func lastError() string { return C.GoString(C.skamp_last_error()) }

// validateBatch passes a Go slice of strings as a C array of C strings.
func validateBatch(niks []string, year, month, day int) ([]int8, error) {
	if len(niks) == 0 {
		return nil, nil
	}
	cstrings := C.malloc(C.size_t(len(niks)) * C.size_t(unsafe.Sizeof(uintptr(0))))
	defer C.free(cstrings)
	array := (*[1 << 28]*C.char)(cstrings)[:len(niks):len(niks)]
	for i, nik := range niks {
		array[i] = C.CString(nik)
	}
	defer func() {
		for _, p := range array {
			C.free(unsafe.Pointer(p))
		}
	}()
	reasons := make([]int8, len(niks))
	status := C.skamp_nik_validate_batch((*C.int8_t)(unsafe.Pointer(&reasons[0])),
		(**C.char)(cstrings), C.size_t(len(niks)), C.int(year), C.int(month), C.int(day))
	if status != C.SKAMP_OK {
		return nil, fmt.Errorf("%s: %s", C.GoString(C.skamp_status_str(status)), lastError())
	}
	return reasons, nil
}

func main() {
	version := C.GoString(C.skamp_version())
	check(version == C.SKAMP_VERSION_STRING, "header %s, library %s", C.SKAMP_VERSION_STRING, version)
	fmt.Printf("smartkampung %s from Go\n", version)

	niks := []string{"3510014501900001", "3.51001E+15", "9910014501900001", "3510013002900001", "'3510010501900002"}
	reasons, err := validateBatch(niks, 2020, 5, 1)
	check(err == nil, "validate batch: %v", err)
	want := []int8{0, 6, 3, 4, 0}
	for i := range want {
		check(reasons != nil && reasons[i] == want[i], "reason of row %d: got %v, want %d", i, reasons, want[i])
	}
	for i, r := range reasons {
		fmt.Printf("row %d: %s\n", i, C.GoString(C.skamp_nik_reason_str(C.int(r))))
	}

	var info C.skamp_nik_info
	info.size = C.skamp_go_nik_info_size()
	nik := C.CString("3510014501900001")
	defer C.free(unsafe.Pointer(nik))
	status := C.skamp_nik_parse_as_of(&info, nik, 2020, 5, 1)
	check(status == C.SKAMP_OK, "parse: %s", lastError())
	check(C.GoString(&info.district[0]) == "351001", "district %q", C.GoString(&info.district[0]))
	check(info.birth_year == 1990 && info.birth_month == 1 && info.birth_day == 5, "birth date %d-%d-%d",
		info.birth_year, info.birth_month, info.birth_day)
	check(info.sex == 'F', "sex %c", info.sex)

	bad := C.CString("3510013002900001")
	defer C.free(unsafe.Pointer(bad))
	status = C.skamp_nik_parse_as_of(&info, bad, 2020, 5, 1)
	check(status == C.SKAMP_EINVALID && info.reason == C.SKAMP_NIK_BIRTH_DATE, "bad date: status %d", status)
	message := lastError()
	check(message != "", "no error message")
	for i := 0; i+16 <= len(message); i++ {
		check(message[i:i+16] != "3510013002900001", "the message repeats the NIK: %q", message)
	}
	fmt.Printf("rejected: %s\n", message)

	buf := (*C.char)(C.malloc(17))
	defer C.free(unsafe.Pointer(buf))
	check(C.skamp_nik_mask(buf, 17, nik) == C.SKAMP_OK, "mask: %s", lastError())
	masked := C.GoString(buf)
	check(masked == "3510********0001", "masked %q", masked)
	fmt.Printf("masked: %s\n", masked)

	C.skamp_free(nil)
	checkAreas() // areas.go: registry, rules, geo and cert handles
	if failures > 0 {
		fmt.Printf("%d checks failed\n", failures)
		os.Exit(1)
	}
	fmt.Println("all checks passed")
}
