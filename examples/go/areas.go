// The area handles from Go: a registry (load, public check), a rule set (one decision as
// JSON, a batch into Go slices), a facility index (nearest with a reservation) and a
// certificate registry (lifecycle, check-in), each created, used and freed through the
// C ABI, with the JSON results decoded by encoding/json.
package main

/*
#include <stdlib.h>
#include <smartkampung/smartkampung.h>

static size_t skamp_go_facility_size(void) { return sizeof(skamp_facility); }
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"unsafe"
)

// takeJSON decodes a library-owned JSON string into v and frees it.
func takeJSON(out *C.char, v interface{}) error {
	if out == nil {
		return fmt.Errorf("no output")
	}
	defer C.skamp_free(unsafe.Pointer(out))
	return json.Unmarshal([]byte(C.GoString(out)), v)
}

func checkRegistry() {
	var reg *C.skamp_registry
	check(C.skamp_registry_new(&reg) == C.SKAMP_OK, "registry_new: %s", lastError())
	defer C.skamp_registry_free(reg)
	records := C.CString(`[{"nik": "3510014501900001", "kk": "3510010101150001", "name": "Siti Aminah"}]`)
	defer C.free(unsafe.Pointer(records))
	program, level := C.CString("PKH"), C.CString("central")
	defer C.free(unsafe.Pointer(program))
	defer C.free(unsafe.Pointer(level))
	var out *C.char
	check(C.skamp_registry_add_json(&out, reg, records, program, level) == C.SKAMP_OK, "load: %s", lastError())
	var report struct {
		Schema string `json:"schema"`
		Loaded int    `json:"loaded"`
	}
	check(takeJSON(out, &report) == nil && report.Loaded == 1, "load report %+v", report)

	nik := C.CString("3510014501900001")
	defer C.free(unsafe.Pointer(nik))
	out = nil
	check(C.skamp_registry_public_check_json(&out, reg, nik) == C.SKAMP_OK, "public_check: %s", lastError())
	var public map[string]interface{}
	check(takeJSON(out, &public) == nil, "public check JSON")
	check(len(public) == 5 && public["schema"] == "skamp-public-check/1" && public["nik"] == "3510********0001" &&
		public["name"] == "S*** A***" && public["found"] == true, "public check %v", public)
	fmt.Printf("public check: %v\n", public)
}

func checkRules() {
	var rs *C.skamp_ruleset
	name := C.CString("bst")
	defer C.free(unsafe.Pointer(name))
	check(C.skamp_ruleset_builtin(&rs, name) == C.SKAMP_OK, "builtin: %s", lastError())
	defer C.skamp_ruleset_free(rs)
	record := `{"kk": {"programs": [], "region_kind": "desa", "lost_livelihood": true, "chronic_illness": false,` +
		` "in_dtks": true, "islands": false, "head": {"sex": "F"},` +
		` "members": [{"nik": "3510010101800001", "birth_date": "1980-01-01"}]}}`
	crecord := C.CString(record)
	defer C.free(unsafe.Pointer(crecord))
	var out *C.char
	check(C.skamp_ruleset_evaluate_json(&out, rs, crecord, 2020, 5, 1, 0) == C.SKAMP_OK, "evaluate: %s", lastError())
	var decision struct {
		Schema   string `json:"schema"`
		Decision string `json:"decision"`
		Amount   int64  `json:"amount"`
	}
	check(takeJSON(out, &decision) == nil && decision.Schema == "skamp-decision/1" && decision.Decision == "eligible" &&
		decision.Amount == 600000, "decision %+v", decision)

	batch := C.CString("[" + record + "," + record + "]")
	defer C.free(unsafe.Pointer(batch))
	decisions := make([]int8, 2)
	amounts := make([]int64, 2)
	check(C.skamp_ruleset_evaluate_batch((*C.int8_t)(unsafe.Pointer(&decisions[0])), (*C.int64_t)(unsafe.Pointer(&amounts[0])),
		nil, rs, batch, 2, 2020, 7, 1) == C.SKAMP_OK, "batch: %s", lastError())
	check(decisions[0] == C.SKAMP_ELIGIBLE && amounts[1] == 300000, "batch %v %v", decisions, amounts)
	fmt.Printf("BST in May 2020: %s, Rp%d; in July: Rp%d\n", decision.Decision, decision.Amount, amounts[0])
}

func checkGeo() {
	ids := []C.int64_t{1, 2}
	lats := []C.double{-8.2, -8.3}
	lons := []C.double{114.3, 114.4}
	capacity := []C.int32_t{1, 4}
	var index *C.skamp_facility_index
	check(C.skamp_geo_index_new(&index, 2, &ids[0], &lats[0], &lons[0], &capacity[0], nil, nil, nil) == C.SKAMP_OK,
		"index_new: %s", lastError())
	defer C.skamp_geo_index_free(index)
	var f C.skamp_facility
	f.size = C.skamp_go_facility_size()
	f.id, f.lat, f.lon, f.capacity, f.open = 3, -8.21, 114.31, 2, 1
	check(C.skamp_geo_index_add(index, &f) == C.SKAMP_OK, "add: %s", lastError())
	var id C.int64_t
	var dist C.double
	for _, want := range []C.int64_t{1, 3, 3, 2} {
		check(C.skamp_geo_index_nearest_reserve(&id, &dist, index, -8.2, 114.3, 1, nil) == C.SKAMP_OK && id == want,
			"nearest_reserve: got %d, want %d (%s)", id, want, lastError())
	}
	var free C.int32_t
	check(C.skamp_geo_index_free_beds(&free, index, 2) == C.SKAMP_OK && free == 3, "free beds %d", free)
	fmt.Printf("four residents placed; house 2 has %d beds left\n", free)
}

func checkCert() {
	var reg *C.skamp_cert_registry
	check(C.skamp_cert_registry_new(&reg, nil, 0) == C.SKAMP_OK, "cert_registry_new: %s", lastError())
	defer C.skamp_cert_registry_free(reg)
	name, category := C.CString("Warung"), C.CString("restaurant")
	defer C.free(unsafe.Pointer(name))
	defer C.free(unsafe.Pointer(category))
	const july1 = 1593536400
	const day = 86400
	check(C.skamp_cert_add_business(reg, 7, name, category, -8.2192, 114.3691, 101, nil, C.SKAMP_CERT_NO_TIME) == C.SKAMP_OK,
		"add_business: %s", lastError())
	check(C.skamp_cert_apply(reg, 7, july1) == C.SKAMP_OK, "apply: %s", lastError())
	check(C.skamp_cert_audit(reg, 7, july1+day, 1, nil) == C.SKAMP_OK, "audit: %s", lastError())
	var serial C.int64_t
	check(C.skamp_cert_issue(&serial, reg, 7, july1+2*day) == C.SKAMP_OK && serial == 1, "issue: %s", lastError())
	var admitted C.int
	check(C.skamp_cert_check_in(&admitted, reg, 7, july1+3*day, 10) == C.SKAMP_OK && admitted == 1, "check_in: %s",
		lastError())
	var out *C.char
	check(C.skamp_cert_history_json(&out, reg, 7) == C.SKAMP_OK, "history: %s", lastError())
	var history struct {
		Schema string `json:"schema"`
		Events []struct {
			Type string `json:"type"`
		} `json:"events"`
	}
	check(takeJSON(out, &history) == nil && history.Schema == "skamp-cert-history/1" && len(history.Events) == 4 &&
		history.Events[3].Type == "issued", "history %+v", history)
	var status C.skamp_cert_status
	check(C.skamp_cert_status_at(&status, reg, 7, july1+3*day) == C.SKAMP_OK, "status: %s", lastError())
	fmt.Printf("certificate %d: %s\n", serial, C.GoString(C.skamp_cert_status_str(C.int(status))))
}

func checkAreas() {
	checkRegistry()
	checkRules()
	checkGeo()
	checkCert()
}
