/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the vault object decoder (header, zlib stream, size and hash check). */
#include <stdint.h>
#include <stdlib.h>

#include "fim/mm_fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init)
		init = mm_crypto_init() == MM_OK ? 1 : -1;
	mm_buf b;
	mm_buf_init(&b, 1u << 20);
	mm_err e;
	if (mm_fim_vault_decode(data, size, &b, &e) == MM_OK) {
		/* a good object's header holds the hash of exactly what came out */
		uint8_t h[MM_SHA256_LEN];
		mm_sha256(b.p ? b.p : (const uint8_t *)"", b.len, h);
		if (size < 48 || !mm_ct_equal(h, data + 16, MM_SHA256_LEN))
			abort();
	}
	mm_buf_release(&b);
	return 0;
}
