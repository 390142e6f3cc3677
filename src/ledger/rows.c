/* SPDX-License-Identifier: Apache-2.0 */
/* Records of entries inside a `ledger` row (rows.h). */
#include <string.h>

#include "ledger/rows.h"
#include "base/banned.h"

bool row_next(const uint8_t *p, size_t n, size_t *off, row_rec *r, bool *damaged)
{
	size_t at = *off;
	*damaged = false;
	if (at >= n)
		return false;
	*damaged = true;
	if (n - at < 4)
		return false;
	size_t len = (size_t)p[at] << 24 | (size_t)p[at + 1] << 16 | (size_t)p[at + 2] << 8 | p[at + 3];
	at += 4;
	if (len > MM_ENTRY_MAX || n - at < len + MM_SHA256_LEN + 1)
		return false;
	unsigned k = p[at + len + MM_SHA256_LEN];
	size_t nodes = (size_t)k * MM_SHA256_LEN;
	if (n - at - len - MM_SHA256_LEN - 1 < nodes)
		return false;
	r->entry = p + at;
	r->len = len;
	r->hash = p + at + len;
	r->nnodes = k;
	r->nodes = r->hash + MM_SHA256_LEN + 1;
	*off = at + len + MM_SHA256_LEN + 1 + nodes;
	*damaged = false;
	return true;
}

unsigned row_count(const uint8_t *p, size_t n, bool *damaged, size_t *rest)
{
	size_t off = 0;
	unsigned k = 0;
	row_rec r;
	*damaged = false;
	while (k < ROW_ENTRIES && row_next(p, n, &off, &r, damaged))
		k++;
	*rest = n - off;
	return k;
}

bool row_find(const uint8_t *p, size_t n, uint64_t seq, row_rec *r)
{
	size_t off = 0;
	bool damaged;
	for (uint64_t s = row_first(seq); s <= seq; s++)
		if (!row_next(p, n, &off, r, &damaged))
			return false;
	return true;
}

int row_append(mm_buf *row, const uint8_t *entry, size_t len, const mm_hash leaf, const mm_hash *nodes,
	       unsigned nnodes)
{
	if (len > MM_ENTRY_MAX || nnodes > 255)
		return MM_ELIMIT;
	uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
	uint8_t k = (uint8_t)nnodes;
	size_t mark = row->len;
	int rc = mm_buf_append(row, be, sizeof be);
	if (!rc)
		rc = mm_buf_append(row, entry, len);
	if (!rc)
		rc = mm_buf_append(row, leaf, MM_SHA256_LEN);
	if (!rc)
		rc = mm_buf_append(row, &k, 1);
	if (!rc)
		rc = mm_buf_append(row, nodes, (size_t)nnodes * MM_SHA256_LEN);
	if (rc)
		row->len = mark;
	return rc;
}
