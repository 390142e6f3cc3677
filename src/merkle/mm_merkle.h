/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merkle: the RFC 9162 Merkle tree — roots, inclusion and consistency
 * proofs and their verification. Leaf hash = SHA-256(0x00 ‖ entry), node =
 * SHA-256(0x01 ‖ left ‖ right). The tree is read through a callback that
 * returns the hash of a perfect subtree, so storage stays with the caller
 * (the ledger keeps those nodes in SQLite; tests keep them in memory).
 */
#ifndef MM_MERKLE_H
#define MM_MERKLE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/mm_base.h"
#include "crypto/mm_crypto.h"

typedef uint8_t mm_hash[MM_SHA256_LEN];

/*
 * Source of perfect-subtree hashes: node(ctx, level, index, out) stores the
 * hash of leaves [index << level, (index + 1) << level) — level 0 is a leaf
 * hash — and returns MM_OK, or an error code that is passed through.
 */
typedef struct mm_merkle_src {
	int (*node)(void *ctx, unsigned level, uint64_t index, mm_hash out);
	void *ctx;
} mm_merkle_src;

/* Root of the first size leaves (size 0: SHA-256 of the empty string). */
int mm_merkle_root(const mm_merkle_src *src, uint64_t size, mm_hash out) MM_MUST_USE;

/*
 * Inclusion proof of leaf index in the tree of size leaves, into path
 * (capacity MM_PROOF_MAX); *n gets the number of hashes.
 */
int mm_merkle_inclusion(const mm_merkle_src *src, uint64_t index, uint64_t size,
			mm_hash path[MM_PROOF_MAX], size_t *n) MM_MUST_USE;

/* Consistency proof between sizes old_size <= new_size (RFC 9162 2.1.4). */
int mm_merkle_consistency(const mm_merkle_src *src, uint64_t old_size, uint64_t new_size,
			  mm_hash proof[MM_PROOF_MAX], size_t *n) MM_MUST_USE;

bool mm_merkle_verify_inclusion(const mm_hash leaf, uint64_t index, uint64_t size,
				const mm_hash *path, size_t n, const mm_hash root);
bool mm_merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const mm_hash old_root,
				  const mm_hash new_root, const mm_hash *proof, size_t n);

/*
 * Streaming accumulator: push leaf hashes in order; it keeps one hash per
 * level (O(log n) memory) and reports every perfect subtree it completes.
 */
typedef struct mm_merkle_acc {
	uint64_t size;
	mm_hash level[64];
} mm_merkle_acc;

typedef void (*mm_merkle_emit_fn)(void *ctx, unsigned level, uint64_t index, const mm_hash h);

void mm_merkle_acc_init(mm_merkle_acc *a);
/* emit may be NULL; it is called for each completed node at level >= 1. */
void mm_merkle_acc_push(mm_merkle_acc *a, const mm_hash leaf, mm_merkle_emit_fn emit, void *ctx);
/*
 * Push the root of a perfect subtree of 2^level leaves at once (level 0 is
 * a leaf); a->size must be a multiple of 2^level. emit gets the nodes above
 * level it completes. Lets workers hash aligned ranges apart and fold them.
 */
void mm_merkle_acc_push_subtree(mm_merkle_acc *a, unsigned level, const mm_hash root, mm_merkle_emit_fn emit,
				void *ctx);
/* Root of all leaves pushed so far. */
void mm_merkle_acc_root(const mm_merkle_acc *a, mm_hash out);

/* Leaf hash of an entry: SHA-256(0x00 ‖ data). */
void mm_merkle_leaf(const void *data, size_t n, mm_hash out);

#endif
