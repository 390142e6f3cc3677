/* SPDX-License-Identifier: Apache-2.0 */
/* Catalogue loader on arbitrary text; what loads is evaluated over no records and charted. */
#include "compliance/mm_compliance.h"
#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mm_cal cal;
	static int init;
	mm_err err;
	if (!init++) {
		mm_cal_config cfg;
		mm_cal_config_default(&cfg);
		if (mm_cal_init(&cal, &cfg, &err) != MM_OK)
			return 0;
	}
	mm_catalogue *c = NULL;
	if (mm_catalogue_parse((const char *)data, size, "fuzz.json", &c, &err) != MM_OK)
		return 0;
	json_t *none = json_object(), *res = NULL, *d = NULL;
	mm_compliance_input in = {.records = none, .cal = &cal, .has_ledger = true, .ledger_ok = true};
	int64_t now = 1795000000; /* 2026-11 */
	if (none && mm_compliance_eval(c, &in, now, &res, &err) == MM_OK &&
	    mm_compliance_dashboard(c, &in, res, now, &d, &err) == MM_OK) {
		mm_buf b;
		mm_buf_init(&b, 1u << 20);
		(void)mm_compliance_chart(MM_CHART_REQUIREMENTS, d, "ja", &b, &err);
		mm_buf_release(&b);
	}
	json_decref(d);
	json_decref(res);
	json_decref(none);
	mm_catalogue_free(c);
	return 0;
}
