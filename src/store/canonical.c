/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Canonical JSON for everything the store persists (ledger payloads and
 * projection text): compact, object keys sorted bytewise, strings escaped
 * minimally (", \ and control characters), UTF-8 kept as is. Written here
 * rather than with json_dumps because every failure must surface: under
 * memory pressure json_dumps was seen to return text with a member
 * silently missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "base/banned.h"

static int put_string(mm_buf *b, const char *s, size_t n)
{
	int rc = mm_buf_put_u8(b, '"');
	for (size_t i = 0; i < n && !rc; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			rc = mm_buf_append(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			rc = mm_buf_printf(b, "\\u%04x", c);
		} else {
			rc = mm_buf_put_u8(b, c);
		}
	}
	return rc ? rc : mm_buf_put_u8(b, '"');
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int put_value(mm_buf *b, const json_t *v, int depth)
{
	if (depth > MM_RECORD_DEPTH_MAX + 4)
		return MM_ELIMIT;
	switch (json_typeof(v)) {
	case JSON_NULL:
		return mm_buf_puts(b, "null");
	case JSON_TRUE:
		return mm_buf_puts(b, "true");
	case JSON_FALSE:
		return mm_buf_puts(b, "false");
	case JSON_INTEGER:
		return mm_buf_printf(b, "%lld", (long long)json_integer_value(v));
	case JSON_REAL:
		return mm_buf_printf(b, "%.17g", json_real_value(v));
	case JSON_STRING:
		return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_ARRAY: {
		int rc = mm_buf_put_u8(b, '[');
		for (size_t i = 0; i < json_array_size(v) && !rc; i++) {
			if (i)
				rc = mm_buf_put_u8(b, ',');
			if (!rc)
				rc = put_value(b, json_array_get(v, i), depth + 1);
		}
		return rc ? rc : mm_buf_put_u8(b, ']');
	}
	case JSON_OBJECT: {
		size_t n = json_object_size(v), k = 0;
		const char **keys = n ? malloc(n * sizeof *keys) : NULL;
		if (n && !keys)
			return MM_ENOMEM;
		const char *key;
		json_t *x;
		json_object_foreach((json_t *)v, key, x) keys[k++] = key;
		qsort(keys, k, sizeof *keys, cmp_key);
		int rc = mm_buf_put_u8(b, '{');
		for (size_t i = 0; i < k && !rc; i++) {
			if (i)
				rc = mm_buf_put_u8(b, ',');
			if (!rc)
				rc = put_string(b, keys[i], strlen(keys[i]));
			if (!rc)
				rc = mm_buf_put_u8(b, ':');
			if (!rc)
				rc = put_value(b, json_object_get(v, keys[i]), depth + 1);
		}
		free(keys);
		return rc ? rc : mm_buf_put_u8(b, '}');
	}
	}
	return MM_EINVAL;
}

int canonical_json(const json_t *v, char **out, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_ENTRY_PAYLOAD_MAX);
	*out = NULL;
	int rc = v ? put_value(&b, v, 0) : MM_EINVAL;
	if (!rc && !b.p)
		rc = mm_buf_reserve(&b, 1); /* never return NULL on success */
	if (rc) {
		mm_buf_release(&b);
		return mm_err_set(err, rc, "encoding JSON: %s", mm_strerror(rc));
	}
	*out = (char *)mm_buf_detach(&b, NULL);
	return MM_OK;
}
