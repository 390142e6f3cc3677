/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's HTTP/1.1 response parser and server URL parser (src/link) on arbitrary bytes. */
#include <stdlib.h>
#include <string.h>

#include "link/mm_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mm_link_response r;
	mm_err err;
	for (int complete = 0; complete < 2; complete++)
		if (mm_link_http_parse(data, size, complete, &r, &err) == MM_OK &&
		    (r.body < data || r.body + r.body_len > data + size))
			__builtin_trap();
	if (size < 512) {
		char *s = malloc(size + 1);
		if (!s)
			return 0;
		memcpy(s, data, size);
		s[size] = 0;
		mm_link_url u;
		(void)mm_link_url_parse(s, &u, &err);
		uint8_t pin[32], sec[32];
		(void)mm_link_token_parse(s, pin, sec, &err);
		free(s);
	}
	return 0;
}
