/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypto: SHA-256 (OpenSSL libcrypto, which uses the CPU's SHA extensions),
 * Ed25519 and randomness (libsodium), base64. Call mm_crypto_init() once
 * before any other function (it is idempotent and thread-safe).
 */
#ifndef MM_CRYPTO_H
#define MM_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mm_base.h"

#define MM_SHA256_LEN 32
#define MM_ED25519_PK_LEN 32
#define MM_ED25519_SK_LEN 64   /* libsodium layout: seed ‖ public key */
#define MM_ED25519_SEED_LEN 32
#define MM_ED25519_SIG_LEN 64

int mm_crypto_init(void) MM_MUST_USE;

/* One-shot SHA-256 of n bytes. */
void mm_sha256(const void *data, size_t n, uint8_t out[MM_SHA256_LEN]);
/* SHA-256(prefix ‖ data): RFC 9162 leaf hashing without a copy. */
void mm_sha256_prefixed(uint8_t prefix, const void *data, size_t n, uint8_t out[MM_SHA256_LEN]);
/* SHA-256(0x01 ‖ left ‖ right): RFC 9162 interior node. */
void mm_sha256_node(const uint8_t left[MM_SHA256_LEN], const uint8_t right[MM_SHA256_LEN],
		    uint8_t out[MM_SHA256_LEN]);

/* Streaming SHA-256 for large inputs (files). Opaque; free with _free. */
typedef struct mm_sha256_ctx mm_sha256_ctx;
mm_sha256_ctx *mm_sha256_new(void);
void mm_sha256_update(mm_sha256_ctx *c, const void *data, size_t n);
void mm_sha256_final(mm_sha256_ctx *c, uint8_t out[MM_SHA256_LEN]); /* ctx reusable after */
void mm_sha256_free(mm_sha256_ctx *c);

/* Ed25519 via libsodium. sk layout: 32-byte seed then 32-byte public key. */
void mm_ed25519_keypair(uint8_t pk[MM_ED25519_PK_LEN], uint8_t sk[MM_ED25519_SK_LEN]);
void mm_ed25519_from_seed(const uint8_t seed[MM_ED25519_SEED_LEN], uint8_t pk[MM_ED25519_PK_LEN],
			  uint8_t sk[MM_ED25519_SK_LEN]);
void mm_ed25519_sign(uint8_t sig[MM_ED25519_SIG_LEN], const void *msg, size_t n,
		     const uint8_t sk[MM_ED25519_SK_LEN]);
bool mm_ed25519_verify(const uint8_t sig[MM_ED25519_SIG_LEN], const void *msg, size_t n,
		       const uint8_t pk[MM_ED25519_PK_LEN]);

/* Cryptographically secure random bytes. */
void mm_random(void *out, size_t n);
/* Constant-time comparison. */
bool mm_ct_equal(const void *a, const void *b, size_t n);

/* Standard base64 with padding, appended to b. */
int mm_base64_encode(const uint8_t *in, size_t n, mm_buf *b) MM_MUST_USE;
/*
 * Decode standard padded base64 s[0..slen) into out (capacity outmax);
 * false if malformed or too long. *outlen gets the decoded length.
 */
bool mm_base64_decode(const char *s, size_t slen, uint8_t *out, size_t outmax, size_t *outlen);

#endif
