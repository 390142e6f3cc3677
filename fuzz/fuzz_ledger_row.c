/* SPDX-License-Identifier: Apache-2.0 */
/* A `ledger` row's data (src/ledger/rows.h): any bytes are counted without
 * reading past them; every record found is found again by row_find and
 * written back by row_append to exactly the bytes it was parsed from. */
#include <stdlib.h>
#include <string.h>

#include "ledger/rows.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool damaged;
	size_t rest, off = 0;
	unsigned k = row_count(data, size, &damaged, &rest);
	if (k > ROW_ENTRIES || rest > size || (damaged && !rest))
		abort();
	mm_buf b;
	mm_buf_init(&b, ROW_DATA_MAX);
	for (unsigned i = 0; i < k; i++) {
		row_rec r, f;
		bool d;
		if (!row_next(data, size, &off, &r, &d) || !row_find(data, size, 1 + i, &f) || f.entry != r.entry ||
		    row_append(&b, r.entry, r.len, r.hash, (const mm_hash *)r.nodes, r.nnodes) != MM_OK)
			abort();
	}
	if (b.len != size - rest || memcmp(b.p ? b.p : data, data, b.len) != 0)
		abort();
	mm_buf_release(&b);
	return 0;
}
