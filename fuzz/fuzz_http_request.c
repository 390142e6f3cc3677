/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request-line and header parsing: the input is split at newlines into a
 * method, a path, an Origin, a Host, an Accept-Language and a listen
 * address, and every pure parser of the server runs on them. A matched
 * route's parameter must be a safe path segment.
 */
#include <stdlib.h>
#include <string.h>

#include "server/mm_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	char *part[6] = {"GET", "/", NULL, NULL, NULL, "127.0.0.1:0"};
	char *p = buf;
	for (int i = 0; i < 6 && p; i++) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		part[i] = p;
		p = nl ? nl + 1 : NULL;
	}
	mm_route r;
	mm_http_route(part[0], part[1], &r);
	if (r.arg[0] && (r.arg[0] == '.' || strchr(r.arg, '/') || strchr(r.arg, '%')))
		abort();
	(void)mm_http_origin_ok(part[2], part[3]);
	(void)mm_http_lang(part[4], part[2]);
	char host[256];
	uint16_t port;
	mm_err err;
	(void)mm_http_listen_parse(part[5], host, sizeof host, &port, &err);
	free(buf);
	return 0;
}
