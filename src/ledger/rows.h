/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the ledger module: how entries sit in the rows of the
 * `ledger` table (docs/ledger.md, "Database layout"). Entries are stored
 * ROW_ENTRIES to a row, aligned: the row of entry seq starts at
 * row_first(seq). A row's data is one record per entry, in order:
 * 4-byte big-endian entry length, the entry, its 32-byte leaf hash, a
 * count byte k and the k 32-byte hashes of the perfect subtrees it
 * completes (k = ctz(seq) when intact: the count lets damage be named).
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
/* the largest record: length, entry, leaf hash, count, at most 255 nodes */
#define ROW_RECORD_MAX (4 + MM_ENTRY_MAX + MM_SHA256_LEN + 1 + 255 * MM_SHA256_LEN)
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
	const uint8_t *nodes; /* nnodes × MM_SHA256_LEN bytes: levels 1, 2, … */
	unsigned nnodes;
} row_rec;

/*
 * The record at *off in a row's data of n bytes, borrowing p. False when
 * the data ends there (*off == n) or is damaged (a length that runs past
 * the end or over MM_ENTRY_MAX): *damaged tells which.
 */
bool row_next(const uint8_t *p, size_t n, size_t *off, row_rec *r, bool *damaged);

/*
 * How many records a row's data holds before it ends or is damaged (then
 * *damaged), at most ROW_ENTRIES; *rest is what follows them.
 */
unsigned row_count(const uint8_t *p, size_t n, bool *damaged, size_t *rest);

/* Find entry seq in its row's data (which starts at row_first(seq)). */
bool row_find(const uint8_t *p, size_t n, uint64_t seq, row_rec *r);

/* Append a record to a row being built. */
int row_append(mm_buf *row, const uint8_t *entry, size_t len, const mm_hash leaf, const mm_hash *nodes,
	       unsigned nnodes) MM_MUST_USE;

#endif
