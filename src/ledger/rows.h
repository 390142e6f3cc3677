/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the ledger module: how entries sit in the rows of the
 * `ledger` table (docs/ledger.md, "Database layout"). Entries are stored
 * ROW_ENTRIES to a row, aligned: the row of entry seq starts at
 * row_first(seq). A row's data is one record per entry, in order:
 * 4-byte big-endian entry length, the entry, its 32-byte leaf hash, and
 * the 32-byte hashes of the ctz(seq) perfect subtrees it completes.
 */
#ifndef MM_LEDGER_ROWS_H
#define MM_LEDGER_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mm_base.h"
#include "merkle/mm_merkle.h"

#define ROW_LOG 3
#define ROW_ENTRIES (1u << ROW_LOG)
/* the largest record: length, entry, leaf hash, at most 63 nodes */
#define ROW_RECORD_MAX (4 + MM_ENTRY_MAX + MM_SHA256_LEN * 64)
#define ROW_DATA_MAX (ROW_ENTRIES * ROW_RECORD_MAX)

static inline uint64_t row_first(uint64_t seq)
{
	return ((seq - 1) & ~(uint64_t)(ROW_ENTRIES - 1)) + 1;
}

/* How many Merkle nodes entry seq completes (and stores). */
static inline unsigned row_nodes(uint64_t seq)
{
	return (unsigned)__builtin_ctzll(seq);
}

typedef struct row_rec {
	const uint8_t *entry;
	size_t len;
	const uint8_t *hash;  /* MM_SHA256_LEN bytes */
	const uint8_t *nodes; /* row_nodes(seq) × MM_SHA256_LEN bytes: levels 1, 2, … */
} row_rec;

/*
 * The record of entry seq at *off in a row's data of n bytes, borrowing p.
 * False when the data ends there (*off == n) or is damaged (a length that
 * runs past the end or over MM_ENTRY_MAX): *damaged tells which.
 */
bool row_next(const uint8_t *p, size_t n, size_t *off, uint64_t seq, row_rec *r, bool *damaged);

/* Find entry seq in its row's data (which starts at row_first(seq)). */
bool row_find(const uint8_t *p, size_t n, uint64_t seq, row_rec *r);

/* Append entry seq's record to a row being built. */
int row_append(mm_buf *row, uint64_t seq, const uint8_t *entry, size_t len, const mm_hash leaf,
	       const mm_hash *nodes) MM_MUST_USE;

#endif
