/* SPDX-License-Identifier: Apache-2.0 */
/* Ledger entry decoder: any bytes either decode to an entry that encodes
 * back to exactly the same bytes, or are refused. */
#include <stdlib.h>
#include <string.h>

#include "ledger/mm_ledger.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mm_entry e;
	mm_err err;
	if (mm_entry_decode(data, size, &e, &err) != MM_OK)
		return 0;
	mm_buf b;
	mm_buf_init(&b, MM_ENTRY_MAX);
	if (mm_entry_encode(&e, &b, &err) != MM_OK || b.len != size || memcmp(b.p, data, size) != 0)
		abort(); /* canonical: one encoding per entry */
	mm_buf_release(&b);
	return 0;
}
