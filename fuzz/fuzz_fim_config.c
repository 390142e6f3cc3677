/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz the fim JSON configuration parser: never crash, leak or accept a
 * non-normalised path; a parsed configuration's scope lookups stay safe. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fim/mm_fim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init)
		init = mm_crypto_init() == MM_OK ? 1 : -1;
	mm_fim_config *c = NULL;
	mm_err e;
	if (mm_fim_config_parse((const char *)data, size, &c, &e) == MM_OK) {
		for (size_t i = 0; i < c->nroots; i++) {
			const char *p = c->roots[i].path;
			if (p[0] != '/' || strstr(p, "//") || strstr(p, "/../") || strstr(p, "/./"))
				abort();
			(void)mm_fim_config_scope(c, p, true);
		}
		(void)mm_fim_config_scope(c, "/etc/passwd", false);
		(void)mm_fim_config_scope(c, "/var/www/html/index.html", false);
		mm_fim_config_free(c);
	}
	return 0;
}
