/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the maintenance-window order parser: unsigned (syntax) and with a
 * fixed key. Every accepted window ends after it starts, within the limit,
 * and names valid, distinct package names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fim/mm_fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static uint8_t pk[MM_ED25519_PK_LEN], sk[MM_ED25519_SK_LEN];
	if (!init) {
		init = mm_crypto_init() == MM_OK ? 1 : -1;
		uint8_t seed[MM_ED25519_SEED_LEN] = {7};
		mm_ed25519_from_seed(seed, pk, sk);
	}
	for (int k = 0; k < 2; k++) {
		mm_fim_window *w = NULL;
		mm_err e;
		if (mm_fim_window_parse((const char *)data, size, k ? pk : NULL, &w, &e) != MM_OK)
			continue;
		if (w->signed_ok != (k == 1) || w->end_s <= w->start_s ||
		    w->end_s - w->start_s > MM_FIM_WINDOW_SECONDS_MAX || !w->id[0] || !w->host[0])
			abort();
		for (size_t i = 0; i < w->npackages; i++) {
			size_t n = strlen(w->packages[i]);
			if (n < 2 || n > MM_FIM_PACKAGE_NAME_MAX)
				abort();
			for (size_t j = 0; j < i; j++)
				if (strcmp(w->packages[i], w->packages[j]) == 0)
					abort();
		}
		mm_fim_window_free(w);
	}
	return 0;
}
