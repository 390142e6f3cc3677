/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 from libcrypto (SHA-NI where the CPU has it), Ed25519 and
 * base64 via libsodium.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* the one-shot SHA256_* functions: deprecated in OpenSSL 3 only in favour of EVP */
#define OPENSSL_API_COMPAT 0x10100000L
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "crypto/mm_crypto.h"
#include "base/banned.h"

static EVP_MD *sha256_md;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_rc = MM_OK;

static void do_init(void)
{
	if (sodium_init() < 0) {
		init_rc = MM_ECRYPTO;
		return;
	}
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (!sha256_md)
		init_rc = MM_ECRYPTO;
}

int mm_crypto_init(void)
{
	pthread_once(&init_once, do_init);
	return init_rc;
}

/*
 * One-shot hashes use libcrypto's SHA256_* functions: the same SHA-NI
 * block function as EVP, without EVP's per-call dispatch, which costs as
 * much as hashing a Merkle node (65 bytes) itself. The context lives on
 * the stack, so nothing is allocated and nothing can fail.
 */
static void hash_parts(const void *a, size_t an, const void *b, size_t bn, const void *c, size_t cn,
		       uint8_t out[MM_SHA256_LEN])
{
	SHA256_CTX ctx;
	SHA256_Init(&ctx);
	SHA256_Update(&ctx, a, an);
	if (bn)
		SHA256_Update(&ctx, b, bn);
	if (cn)
		SHA256_Update(&ctx, c, cn);
	SHA256_Final(out, &ctx);
}

void mm_sha256(const void *data, size_t n, uint8_t out[MM_SHA256_LEN])
{
	hash_parts(data, n, NULL, 0, NULL, 0, out);
}

void mm_sha256_prefixed(uint8_t prefix, const void *data, size_t n, uint8_t out[MM_SHA256_LEN])
{
	hash_parts(&prefix, 1, data, n, NULL, 0, out);
}

void mm_sha256_node(const uint8_t left[MM_SHA256_LEN], const uint8_t right[MM_SHA256_LEN],
		    uint8_t out[MM_SHA256_LEN])
{
	uint8_t buf[1 + 2 * MM_SHA256_LEN];
	buf[0] = 0x01;
	memcpy(buf + 1, left, MM_SHA256_LEN);
	memcpy(buf + 1 + MM_SHA256_LEN, right, MM_SHA256_LEN);
	hash_parts(buf, sizeof buf, NULL, 0, NULL, 0, out);
}

struct mm_sha256_ctx {
	EVP_MD_CTX *ctx;
};

mm_sha256_ctx *mm_sha256_new(void)
{
	mm_sha256_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->ctx = EVP_MD_CTX_new();
	if (!c->ctx || EVP_DigestInit_ex2(c->ctx, sha256_md, NULL) != 1) {
		mm_sha256_free(c);
		return NULL;
	}
	return c;
}

void mm_sha256_update(mm_sha256_ctx *c, const void *data, size_t n)
{
	if (n && EVP_DigestUpdate(c->ctx, data, n) != 1)
		abort();
}

void mm_sha256_final(mm_sha256_ctx *c, uint8_t out[MM_SHA256_LEN])
{
	unsigned len = 0;
	if (EVP_DigestFinal_ex(c->ctx, out, &len) != 1 || EVP_DigestInit_ex2(c->ctx, sha256_md, NULL) != 1)
		abort();
}

void mm_sha256_free(mm_sha256_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->ctx);
	free(c);
}

void mm_ed25519_keypair(uint8_t pk[MM_ED25519_PK_LEN], uint8_t sk[MM_ED25519_SK_LEN])
{
	crypto_sign_ed25519_keypair(pk, sk);
}

void mm_ed25519_from_seed(const uint8_t seed[MM_ED25519_SEED_LEN], uint8_t pk[MM_ED25519_PK_LEN],
			  uint8_t sk[MM_ED25519_SK_LEN])
{
	crypto_sign_ed25519_seed_keypair(pk, sk, seed);
}

void mm_ed25519_sign(uint8_t sig[MM_ED25519_SIG_LEN], const void *msg, size_t n,
		     const uint8_t sk[MM_ED25519_SK_LEN])
{
	crypto_sign_ed25519_detached(sig, NULL, msg, n, sk);
}

bool mm_ed25519_verify(const uint8_t sig[MM_ED25519_SIG_LEN], const void *msg, size_t n,
		       const uint8_t pk[MM_ED25519_PK_LEN])
{
	return crypto_sign_ed25519_verify_detached(sig, msg, n, pk) == 0;
}

void mm_random(void *out, size_t n)
{
	randombytes_buf(out, n);
}

bool mm_ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

int mm_base64_encode(const uint8_t *in, size_t n, mm_buf *b)
{
	size_t need = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	int rc = mm_buf_reserve(b, need);
	if (rc)
		return rc;
	sodium_bin2base64((char *)b->p + b->len, need, in, n, sodium_base64_VARIANT_ORIGINAL);
	b->len += need - 1;
	return MM_OK;
}

bool mm_base64_decode(const char *s, size_t slen, uint8_t *out, size_t outmax, size_t *outlen)
{
	const char *end = NULL;
	size_t len = 0;
	if (sodium_base642bin(out, outmax, s, slen, NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	if (end != s + slen)
		return false;
	*outlen = len;
	return true;
}
