/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the baseline file and resume-journal decoders. A baseline that
 * decodes must re-encode to exactly the same bytes (the format is canonical);
 * a journal decodes only whole chunks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fim/mm_fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init)
		init = mm_crypto_init() == MM_OK ? 1 : -1;
	mm_fim_set s;
	mm_fim_set_init(&s);
	mm_err e;
	if (mm_fim_baseline_decode(data, size, &s, &e) == MM_OK) {
		mm_buf b;
		mm_buf_init(&b, size + 1);
		if (mm_fim_baseline_encode(&s, &b) != MM_OK || b.len != size || memcmp(b.p, data, size) != 0)
			abort();
		for (size_t i = 0; i < s.n; i++)
			if (mm_fim_set_find(&s, mm_fim_rec_path(&s, &s.recs[i]), s.recs[i].path_len) != &s.recs[i])
				abort();
		mm_buf_release(&b);
	}
	mm_fim_set_release(&s);
	mm_fim_set_init(&s);
	if (mm_fim_journal_decode(data, size, &s, &e) == MM_OK) {
		mm_fim_set_sort(&s);
		for (size_t i = 1; i < s.n; i++)
			if (strcmp(mm_fim_rec_path(&s, &s.recs[i - 1]), mm_fim_rec_path(&s, &s.recs[i])) >= 0)
				abort();
	}
	mm_fim_set_release(&s);
	return 0;
}
