/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the contract loader (JSON → calendar and SLA rules). Properties: no
 * crash, leak or UB; a refusal always carries a message; an accepted
 * contract answers every one of its classes with a due time no earlier
 * than the start, and status agrees with due.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sla/mm_sla.h"
#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mm_contract *c = NULL;
	mm_err err;
	err.msg[0] = '\0';
	if (mm_sla_contract_parse((const char *)data, size, "fuzz.json", &c, &err) != MM_OK) {
		if (!err.msg[0] || c)
			abort();
		return 0;
	}
	/* 2026-04-01 10:00 JST (in hours), 2026-12-28 18:00 JST (before the closure) */
	static const int64_t starts[] = {1775005200, 1798448400};
	for (size_t i = 0; i < c->nrules; i++)
		for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
			int64_t due;
			mm_sla_status st;
			if (mm_sla_due(c, c->rules[i].cls, starts[k], &due, &err) != MM_OK)
				continue;
			if (due < starts[k])
				abort();
			if (mm_sla_status_of(c, c->rules[i].cls, starts[k], NULL, starts[k], &st, &err) != MM_OK ||
			    st.due != due || st.state != MM_SLA_PENDING)
				abort();
		}
	mm_sla_contract_free(c);
	return 0;
}
