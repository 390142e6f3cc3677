/* SPDX-License-Identifier: Apache-2.0 */
/* Cookie header parsing: any bytes as a Cookie header, several names and buffer sizes. */
#include <stdlib.h>
#include <string.h>

#include "server/mm_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *h = malloc(size + 1);
	if (!h)
		return 0;
	memcpy(h, data, size);
	h[size] = 0;
	static const char *const names[] = {"__Host-mamori", "a", "", "lang"};
	static const size_t sizes[] = {1, 2, 8, 65, 4096};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		for (size_t j = 0; j < sizeof sizes / sizeof sizes[0]; j++) {
			char out[4096];
			if (mm_http_cookie_get(h, names[i], out, sizes[j]) && strlen(out) >= sizes[j])
				abort(); /* a value that does not fit must be refused */
		}
	free(h);
	return 0;
}
