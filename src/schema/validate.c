/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Validation of record documents against a kind. Every refusal names the
 * field (as a JSON path) and says why, in terms a person can act on.
 */
#include <stdio.h>
#include <string.h>

#include "schema/mm_schema.h"
#include "base/banned.h"

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool ymd_valid(const char *s)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;
	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' || !digits(s + 8, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return false;
	int max = mdays[m - 1] + (m == 2 && leap(y));
	return d <= max;
}

bool mm_schema_date_valid(const char *s)
{
	return strlen(s) == 10 && ymd_valid(s);
}

bool mm_schema_datetime_valid(const char *s)
{
	size_t n = strlen(s);
	int hh, mm, ss = 0;
	if (n < 17 || !ymd_valid(s) || s[10] != 'T' || !digits(s + 11, 2, &hh) || s[13] != ':' ||
	    !digits(s + 14, 2, &mm) || hh > 23 || mm > 59)
		return false;
	size_t i = 16;
	if (s[i] == ':') {
		if (!digits(s + i + 1, 2, &ss) || ss > 59)
			return false;
		i += 3;
		if (s[i] == '.') {
			size_t j = i + 1;
			while (j < n && s[j] >= '0' && s[j] <= '9' && j - i <= 9)
				j++;
			if (j == i + 1 || (j < n && s[j] >= '0' && s[j] <= '9'))
				return false;
			i = j;
		}
	}
	if (s[i] == 'Z')
		return i + 1 == n;
	int oh, om;
	if ((s[i] != '+' && s[i] != '-') || n != i + 6 || !digits(s + i + 1, 2, &oh) || s[i + 3] != ':' ||
	    !digits(s + i + 4, 2, &om))
		return false;
	return oh <= 14 && om <= 59;
}

/* Characters (code points) in a valid UTF-8 string. */
static size_t charlen(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

static bool hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static int bad(mm_err *err, const char *path, const char *fmt, ...) MM_PRINTF(3, 4);
static int bad(mm_err *err, const char *path, const char *fmt, ...)
{
	char why[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return mm_err_set(err, MM_EINVAL, "field %s: %s", path, why);
}

static int check_value(const mm_field *f, const json_t *v, const char *path, const mm_schema_lookup *lk,
		       mm_err *err)
{
	switch (f->type) {
	case MM_F_STRING:
	case MM_F_TEXT: {
		if (!json_is_string(v))
			return bad(err, path, "must be text");
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		if (strlen(s) != n)
			return bad(err, path, "contains a NUL character");
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)s[i];
			bool ctl = ch < 0x20 || ch == 0x7f;
			if (ctl && !(f->type == MM_F_TEXT && (ch == '\n' || ch == '\t' || ch == '\r')))
				return bad(err, path, "contains a control character%s",
					    f->type == MM_F_STRING ? " (use one line)" : "");
		}
		size_t chars = charlen(s, n);
		if ((int64_t)chars > f->max)
			return bad(err, path, "is %zu characters long; at most %lld are allowed", chars,
				   (long long)f->max);
		if ((int64_t)chars < f->min || (f->required && chars == 0))
			return bad(err, path, "is too short (at least %lld characters)",
				   (long long)(f->min > 0 ? f->min : 1));
		return MM_OK;
	}
	case MM_F_INTEGER: {
		if (!json_is_integer(v))
			return bad(err, path, "must be a whole number");
		json_int_t x = json_integer_value(v);
		if (x < f->min || x > f->max)
			return bad(err, path, "%lld is outside %lld..%lld", (long long)x, (long long)f->min,
				   (long long)f->max);
		return MM_OK;
	}
	case MM_F_BOOLEAN:
		return json_is_boolean(v) ? MM_OK : bad(err, path, "must be true or false");
	case MM_F_DATE:
		if (!json_is_string(v) || !mm_schema_date_valid(json_string_value(v)))
			return bad(err, path, "must be a date YYYY-MM-DD that exists");
		return MM_OK;
	case MM_F_DATETIME:
		if (!json_is_string(v) || !mm_schema_datetime_valid(json_string_value(v)))
			return bad(err, path, "must be a date and time with offset, e.g. 2026-04-01T09:00:00+09:00");
		return MM_OK;
	case MM_F_ENUM:
		if (json_is_string(v))
			for (size_t i = 0; i < f->nvalues; i++)
				if (strcmp(f->values[i], json_string_value(v)) == 0)
					return MM_OK;
		return bad(err, path, "must be one of the listed values (first: '%s')", f->values[0]);
	case MM_F_REF: {
		if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > MM_ID_MAX)
			return bad(err, path, "must be the id of a %s record", f->ref_kind);
		if (lk && lk->record_exists && !lk->record_exists(lk->ctx, f->ref_kind, json_string_value(v)))
			return bad(err, path, "no %s record has id '%s'", f->ref_kind, json_string_value(v));
		return MM_OK;
	}
	case MM_F_ATTACHMENT:
		if (!json_is_string(v) || !hex64(json_string_value(v)))
			return bad(err, path, "must be the SHA-256 (64 lower-case hex digits) of an attachment");
		if (lk && lk->attachment_exists && !lk->attachment_exists(lk->ctx, json_string_value(v)))
			return bad(err, path, "no attachment with SHA-256 %s has been stored", json_string_value(v));
		return MM_OK;
	case MM_F_LIST: {
		if (!json_is_array(v))
			return bad(err, path, "must be a list");
		if (json_array_size(v) > f->max_items)
			return bad(err, path, "has %zu items; at most %zu are allowed", json_array_size(v),
				   f->max_items);
		for (size_t i = 0; i < json_array_size(v); i++) {
			char sub[256];
			snprintf(sub, sizeof sub, "%s[%zu]", path, i);
			int rc = check_value(f->item, json_array_get(v, i), sub, lk, err);
			if (rc)
				return rc;
		}
		return MM_OK;
	}
	}
	return bad(err, path, "unknown type");
}

int mm_schema_validate(const mm_kind *k, const json_t *data, const mm_schema_lookup *lookup, mm_err *err)
{
	if (!json_is_object(data))
		return mm_err_set(err, MM_EINVAL, "a %s record must be a JSON object of fields", k->name);
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)data, key, v) {
		const mm_field *f = NULL;
		for (size_t i = 0; i < k->nfields; i++)
			if (strcmp(k->fields[i].name, key) == 0)
				f = &k->fields[i];
		if (!f)
			return mm_err_set(err, MM_EINVAL, "field '%.64s' is not a field of kind '%s'", key, k->name);
		if (json_is_null(v))
			continue;
		int rc = check_value(f, v, f->name, lookup, err);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < k->nfields; i++) {
		json_t *x = json_object_get(data, k->fields[i].name);
		if (k->fields[i].required && (!x || json_is_null(x)))
			return mm_err_set(err, MM_EINVAL, "field %s: is required", k->fields[i].name);
	}
	return MM_OK;
}
