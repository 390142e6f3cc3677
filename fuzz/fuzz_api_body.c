/* SPDX-License-Identifier: Apache-2.0 */
/*
 * API request bodies: any bytes through the body parser; an accepted body
 * must be an object whose known members have the promised types.
 */
#include <stdlib.h>
#include <string.h>

#include "server/mm_server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *o = NULL;
	mm_err err;
	if (mm_http_body_parse(data, size, &o, &err) != MM_OK) {
		if (o)
			abort();
		return 0;
	}
	if (!json_is_object(o))
		abort();
	json_t *d = json_object_get(o, "data"), *v = json_object_get(o, "version");
	if ((d && !json_is_object(d)) || (v && (!json_is_integer(v) || json_integer_value(v) < 1)))
		abort();
	const char *u = json_string_value(json_object_get(o, "user"));
	if (u && strlen(u) != json_string_length(json_object_get(o, "user")))
		abort();
	if (d) { /* what the API hands the store */
		char *text = json_dumps(d, JSON_COMPACT);
		free(text);
	}
	json_decref(o);
	return 0;
}
