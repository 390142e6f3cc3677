/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9162 §2.1 Merkle tree algorithms over a perfect-subtree source.
 * Every range the recursions visit splits into O(log n) perfect subtrees,
 * so a root or proof costs O(log n) lookups plus O(log n) hashes.
 */
#include <string.h>

#include "merkle/mm_merkle.h"
#include "base/banned.h"

/* Largest power of two strictly less than n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

static bool is_pow2(uint64_t n)
{
	return n && !(n & (n - 1));
}

static unsigned log2u(uint64_t n)
{
	return 63u - (unsigned)__builtin_clzll(n);
}

void mm_merkle_leaf(const void *data, size_t n, mm_hash out)
{
	mm_sha256_prefixed(0x00, data, n, out);
}

/* MTH(D[a:b]) */
static int range_hash(const mm_merkle_src *src, uint64_t a, uint64_t b, mm_hash out)
{
	uint64_t n = b - a;
	if (n == 0) {
		mm_sha256("", 0, out);
		return MM_OK;
	}
	if (is_pow2(n) && a % n == 0)
		return src->node(src->ctx, log2u(n), a / n, out);
	uint64_t k = split_point(n);
	mm_hash l, r;
	int rc = range_hash(src, a, a + k, l);
	if (!rc)
		rc = range_hash(src, a + k, b, r);
	if (!rc)
		mm_sha256_node(l, r, out);
	return rc;
}

int mm_merkle_root(const mm_merkle_src *src, uint64_t size, mm_hash out)
{
	return range_hash(src, 0, size, out);
}

static int push_hash(mm_hash *path, size_t *n, const mm_hash h)
{
	if (*n >= MM_PROOF_MAX)
		return MM_ELIMIT;
	memcpy(path[(*n)++], h, sizeof(mm_hash));
	return MM_OK;
}

/* PATH(m, D[a:b]), m relative to a */
static int path_rec(const mm_merkle_src *src, uint64_t m, uint64_t a, uint64_t b, mm_hash *path,
		    size_t *n)
{
	uint64_t len = b - a;
	if (len <= 1)
		return MM_OK;
	uint64_t k = split_point(len);
	mm_hash sib;
	int rc;
	if (m < k) {
		if ((rc = path_rec(src, m, a, a + k, path, n)) || (rc = range_hash(src, a + k, b, sib)))
			return rc;
	} else {
		if ((rc = path_rec(src, m - k, a + k, b, path, n)) || (rc = range_hash(src, a, a + k, sib)))
			return rc;
	}
	return push_hash(path, n, sib);
}

int mm_merkle_inclusion(const mm_merkle_src *src, uint64_t index, uint64_t size,
			mm_hash path[MM_PROOF_MAX], size_t *n)
{
	*n = 0;
	if (index >= size)
		return MM_EINVAL;
	return path_rec(src, index, 0, size, path, n);
}

/* SUBPROOF(m, D[a:b], whole) */
static int subproof(const mm_merkle_src *src, uint64_t m, uint64_t a, uint64_t b, bool whole,
		    mm_hash *proof, size_t *n)
{
	uint64_t len = b - a;
	mm_hash h;
	int rc;
	if (m == len) {
		if (whole)
			return MM_OK;
		if ((rc = range_hash(src, a, b, h)))
			return rc;
		return push_hash(proof, n, h);
	}
	uint64_t k = split_point(len);
	if (m <= k) {
		if ((rc = subproof(src, m, a, a + k, whole, proof, n)) || (rc = range_hash(src, a + k, b, h)))
			return rc;
	} else {
		if ((rc = subproof(src, m - k, a + k, b, false, proof, n)) || (rc = range_hash(src, a, a + k, h)))
			return rc;
	}
	return push_hash(proof, n, h);
}

int mm_merkle_consistency(const mm_merkle_src *src, uint64_t old_size, uint64_t new_size,
			  mm_hash proof[MM_PROOF_MAX], size_t *n)
{
	*n = 0;
	if (old_size > new_size)
		return MM_EINVAL;
	if (old_size == 0 || old_size == new_size)
		return MM_OK;
	return subproof(src, old_size, 0, new_size, true, proof, n);
}

bool mm_merkle_verify_inclusion(const mm_hash leaf, uint64_t index, uint64_t size,
				const mm_hash *path, size_t n, const mm_hash root)
{
	if (index >= size)
		return false;
	uint64_t fn = index, sn = size - 1;
	mm_hash r;
	memcpy(r, leaf, sizeof r);
	for (size_t i = 0; i < n; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			mm_sha256_node(path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			mm_sha256_node(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && mm_ct_equal(r, root, sizeof r);
}

bool mm_merkle_verify_consistency(uint64_t old_size, uint64_t new_size, const mm_hash old_root,
				  const mm_hash new_root, const mm_hash *proof, size_t n)
{
	if (old_size > new_size)
		return false;
	if (old_size == new_size)
		return n == 0 && mm_ct_equal(old_root, new_root, sizeof(mm_hash));
	if (old_size == 0)
		return n == 0;
	/* When old_size is a power of two, the old root is the first hash. */
	size_t i = 0;
	mm_hash fr, sr;
	if (is_pow2(old_size)) {
		memcpy(fr, old_root, sizeof fr);
	} else {
		if (n == 0)
			return false;
		memcpy(fr, proof[0], sizeof fr);
		i = 1;
	}
	memcpy(sr, fr, sizeof sr);
	uint64_t fn = old_size - 1, sn = new_size - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < n; i++) {
		if (sn == 0)
			return false;
		if ((fn & 1) || fn == sn) {
			mm_sha256_node(proof[i], fr, fr);
			mm_sha256_node(proof[i], sr, sr);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			mm_sha256_node(sr, proof[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	return sn == 0 && mm_ct_equal(fr, old_root, sizeof fr) && mm_ct_equal(sr, new_root, sizeof sr);
}

void mm_merkle_acc_init(mm_merkle_acc *a)
{
	memset(a, 0, sizeof *a);
}

void mm_merkle_acc_push_subtree(mm_merkle_acc *a, unsigned level, const mm_hash root, mm_merkle_emit_fn emit,
				void *ctx)
{
	mm_hash h;
	memcpy(h, root, sizeof h);
	uint64_t idx = a->size >> level;
	unsigned lvl = level;
	while (lvl < 63 && (a->size & ((uint64_t)1 << lvl))) {
		mm_sha256_node(a->level[lvl], h, h);
		lvl++;
		idx >>= 1;
		if (emit)
			emit(ctx, lvl, idx, h);
	}
	memcpy(a->level[lvl], h, sizeof h);
	a->size += (uint64_t)1 << level;
}

void mm_merkle_acc_push(mm_merkle_acc *a, const mm_hash leaf, mm_merkle_emit_fn emit, void *ctx)
{
	mm_merkle_acc_push_subtree(a, 0, leaf, emit, ctx);
}

void mm_merkle_acc_root(const mm_merkle_acc *a, mm_hash out)
{
	if (a->size == 0) {
		mm_sha256("", 0, out);
		return;
	}
	unsigned lvl = (unsigned)__builtin_ctzll(a->size);
	mm_hash r;
	memcpy(r, a->level[lvl], sizeof r);
	for (lvl++; lvl < 64; lvl++)
		if (a->size & ((uint64_t)1 << lvl))
			mm_sha256_node(a->level[lvl], r, r);
	memcpy(out, r, sizeof r);
}
