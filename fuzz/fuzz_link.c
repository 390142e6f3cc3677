/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent report envelope / offline bundle decoder (src/link) on
 * arbitrary bytes, and the signature check against a fixed key (seed
 * 32 × 0x01) that the committed seeds are signed with, so mutations reach
 * the verifier too.
 */
#include <string.h>

#include "link/mm_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static uint8_t pk[MM_ED25519_PK_LEN], sk[MM_ED25519_SK_LEN];
	if (!init++) {
		uint8_t seed[MM_ED25519_SEED_LEN];
		memset(seed, 1, sizeof seed);
		if (mm_crypto_init() != MM_OK)
			return 0;
		mm_ed25519_from_seed(seed, pk, sk);
	}
	mm_link_envelope e;
	mm_err err;
	if (mm_link_decode(data, size, &e, &err) == MM_OK) {
		(void)mm_link_verify(&e, pk);
		/* what decodes re-encodes to the same bytes when the signature is ours */
		if (mm_link_verify(&e, pk)) {
			mm_buf b;
			mm_buf_init(&b, MM_LINK_ENVELOPE_MAX);
			mm_link_envelope f = e;
			if (mm_link_seal(&f, sk, &b, &err) == MM_OK &&
			    (b.len != size || memcmp(b.p, data, size) != 0))
				__builtin_trap();
			mm_buf_release(&b);
		}
	}
	return 0;
}
