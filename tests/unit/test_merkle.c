/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Merkle tree: the RFC 6962/9162 reference roots, and every inclusion and
 * consistency proof of trees up to 70 leaves checked against a naive
 * recursive implementation, with single-bit damage always detected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "merkle/mm_merkle.h"

#define MAXL 70
static mm_hash leaves[MAXL];

/* Naive MTH straight from the RFC's definition. */
static void naive(size_t a, size_t b, mm_hash out)
{
	size_t n = b - a;
	if (n == 1) {
		memcpy(out, leaves[a], sizeof(mm_hash));
		return;
	}
	size_t k = 1;
	while (k * 2 < n)
		k *= 2;
	mm_hash l, r;
	naive(a, a + k, l);
	naive(a + k, b, r);
	mm_sha256_node(l, r, out);
}

static int node(void *ctx, unsigned level, uint64_t index, mm_hash out)
{
	(void)ctx;
	size_t a = (size_t)(index << level), b = a + ((size_t)1 << level);
	if (b > MAXL)
		return MM_ENOTFOUND;
	naive(a, b, out);
	return MM_OK;
}

static const mm_merkle_src src = {node, NULL};

static void hexeq(const mm_hash h, const char *hex)
{
	char s[65];
	mm_hex_encode(h, 32, s);
	assert_string_equal(s, hex);
}

static void test_reference_roots(void **state)
{
	(void)state;
	static const uint8_t d7[] = {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57};
	uint8_t d8[16];
	for (int i = 0; i < 16; i++)
		d8[i] = (uint8_t)(0x60 + i);
	const struct { const void *p; size_t n; } in[8] = {
		{"", 0}, {"\x00", 1}, {"\x10", 1}, {"\x20\x21", 2}, {"\x30\x31", 2},
		{"\x40\x41\x42\x43", 4}, {d7, 8}, {d8, 16},
	};
	static const char *roots[8] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	mm_merkle_acc acc;
	mm_merkle_acc_init(&acc);
	for (int i = 0; i < 8; i++) {
		mm_merkle_leaf(in[i].p, in[i].n, leaves[i]);
		mm_merkle_acc_push(&acc, leaves[i], NULL, NULL);
		mm_hash r;
		mm_merkle_acc_root(&acc, r);
		hexeq(r, roots[i]);
		assert_int_equal(mm_merkle_root(&src, (uint64_t)i + 1, r), MM_OK);
		hexeq(r, roots[i]);
	}
	mm_hash empty;
	mm_merkle_root(&src, 0, empty) == MM_OK ? (void)0 : fail();
	hexeq(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void fill(void)
{
	for (int i = 0; i < MAXL; i++) {
		uint8_t b[4] = {(uint8_t)i, 1, 2, 3};
		mm_merkle_leaf(b, sizeof b, leaves[i]);
	}
}

static void test_inclusion_all(void **state)
{
	(void)state;
	fill();
	for (uint64_t size = 1; size <= MAXL; size++) {
		mm_hash root;
		naive(0, size, root);
		for (uint64_t i = 0; i < size; i++) {
			mm_hash path[MM_PROOF_MAX];
			size_t n;
			assert_int_equal(mm_merkle_inclusion(&src, i, size, path, &n), MM_OK);
			assert_true(mm_merkle_verify_inclusion(leaves[i], i, size, (const mm_hash *)path, n, root));
			/* wrong index, damaged path, missing element: all refused (the tree size
			 * is bound by the signed checkpoint, not by the path) */
			if (size > 1)
				assert_false(mm_merkle_verify_inclusion(leaves[i], (i + 1) % size, size,
									(const mm_hash *)path, n, root));
			if (n) {
				path[n / 2][3] ^= 0x10;
				assert_false(mm_merkle_verify_inclusion(leaves[i], i, size, (const mm_hash *)path, n, root));
				path[n / 2][3] ^= 0x10;
				assert_false(mm_merkle_verify_inclusion(leaves[i], i, size, (const mm_hash *)path, n - 1, root));
			}
		}
	}
	mm_hash path[MM_PROOF_MAX];
	size_t n;
	assert_int_equal(mm_merkle_inclusion(&src, 5, 5, path, &n), MM_EINVAL);
}

static void test_consistency_all(void **state)
{
	(void)state;
	fill();
	for (uint64_t m = 0; m <= MAXL; m++) {
		mm_hash oldr;
		if (m)
			naive(0, m, oldr);
		else
			mm_sha256("", 0, oldr);
		for (uint64_t n2 = m; n2 <= MAXL; n2++) {
			mm_hash newr, proof[MM_PROOF_MAX];
			if (n2)
				naive(0, n2, newr);
			else
				mm_sha256("", 0, newr);
			size_t n;
			assert_int_equal(mm_merkle_consistency(&src, m, n2, proof, &n), MM_OK);
			assert_true(mm_merkle_verify_consistency(m, n2, oldr, newr, (const mm_hash *)proof, n));
			if (m > 0 && m < n2) {
				mm_hash bad;
				memcpy(bad, oldr, sizeof bad);
				bad[0] ^= 1;
				assert_false(mm_merkle_verify_consistency(m, n2, bad, newr, (const mm_hash *)proof, n));
				assert_false(mm_merkle_verify_consistency(m, n2, oldr, bad, (const mm_hash *)proof, n));
				if (n) {
					proof[n - 1][31] ^= 0x80;
					assert_false(mm_merkle_verify_consistency(m, n2, oldr, newr, (const mm_hash *)proof, n));
				}
			}
		}
	}
}

static mm_hash emitted[2 * MAXL];
static int nemit;
static void on_emit(void *ctx, unsigned level, uint64_t index, const mm_hash h)
{
	(void)ctx;
	mm_hash want;
	assert_int_equal(node(NULL, level, index, want), MM_OK);
	assert_memory_equal(want, h, sizeof want);
	memcpy(emitted[nemit++], h, sizeof(mm_hash));
}

static void test_accumulator_emits_every_node(void **state)
{
	(void)state;
	fill();
	mm_merkle_acc acc;
	mm_merkle_acc_init(&acc);
	nemit = 0;
	for (int i = 0; i < 64; i++)
		mm_merkle_acc_push(&acc, leaves[i], on_emit, NULL);
	assert_int_equal(nemit, 63); /* a perfect tree of 64 leaves has 63 inner nodes */
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_roots),
		cmocka_unit_test(test_inclusion_all),
		cmocka_unit_test(test_consistency_all),
		cmocka_unit_test(test_accumulator_emits_every_node),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
