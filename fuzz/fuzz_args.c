/* SPDX-License-Identifier: Apache-2.0 */
/* The shared option parser: any words (the input split at NUL bytes) are
 * parsed or refused with a message; every option found is one the spec
 * names, and its value is one of the words. */
#include <stdlib.h>
#include <string.h>

#include "base/mm_base.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *buf = malloc(size + 1), *argv[256];
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	int argc = 0;
	for (char *p = buf; p <= buf + size && argc < 256; p += strlen(p) + 1)
		argv[argc++] = p;
	mm_args a;
	mm_err err;
	mm_err_clear(&err);
	if (mm_args_parse(&a, argc, argv, "db: output|o: path: quiet|q", &err) != MM_OK) {
		if (!err.msg[0])
			abort();
	} else {
		static const char *names[] = {"db", "output", "path", "quiet"};
		for (size_t i = 0; i < a.n; i++) {
			bool known = false;
			for (size_t k = 0; k < 4; k++)
				known |= a.namelen[i] == strlen(names[k]) && memcmp(a.name[i], names[k], a.namelen[i]) == 0;
			if (!known || (a.value[i] && (a.value[i] < buf || a.value[i] > buf + size)))
				abort();
		}
	}
	free(buf);
	return 0;
}
