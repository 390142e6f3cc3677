/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line options for both executables: strict (an unknown option is
 * an error), bounded, no global state. The spec lists the options:
 * "db: output|o: quiet" — a name followed by ':' takes a value (as
 * `--name V` or `--name=V`), otherwise it is a flag; `|x` adds the short
 * spelling `-x`. Values are stored under the long name.
 */
#include <string.h>

#include "base/mm_base.h"
#include "base/banned.h"

/* Find an option by its long name (len bytes) or, when shortopt, its letter: 0 unknown, 1 flag, 2 value. */
static int lookup(const char *spec, const char *name, size_t len, bool shortopt, const char **canon, size_t *clen)
{
	for (const char *p = spec; *p;) {
		while (*p == ' ')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != ':' && *p != '|')
			p++;
		size_t n = (size_t)(p - s);
		char letter = 0;
		if (*p == '|' && p[1] && p[1] != ' ' && p[1] != ':') {
			letter = p[1];
			p += 2;
		}
		int kind = *p == ':' ? 2 : 1;
		if (*p == ':')
			p++;
		bool hit = shortopt ? letter && len == 1 && name[0] == letter : n == len && n && memcmp(s, name, n) == 0;
		if (hit) {
			*canon = s;
			*clen = n;
			return kind;
		}
	}
	return 0;
}

int mm_args_parse(mm_args *a, int argc, char **argv, const char *spec, mm_err *err)
{
	memset(a, 0, sizeof *a);
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		/* "-o FILE"; "-1" stays a number */
		bool shortopt = !only_pos && s[0] == '-' &&
				((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z')) && s[2] == '\0';
		if (!shortopt && (only_pos || s[0] != '-' || s[1] != '-' || s[2] == '\0')) {
			if (!only_pos && strcmp(s, "--") == 0) {
				only_pos = true;
				continue;
			}
			if (a->npos >= MM_ARGS_POS_MAX)
				return mm_err_set(err, MM_EINVAL, "too many arguments");
			a->pos[a->npos++] = s;
			continue;
		}
		const char *name = shortopt ? s + 1 : s + 2;
		const char *eq = shortopt ? NULL : strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const char *canon = NULL;
		size_t clen = 0;
		int kind = lookup(spec, name, len, shortopt, &canon, &clen);
		if (kind == 0)
			return mm_err_set(err, MM_EINVAL, "unknown option %s%.*s", shortopt ? "-" : "--",
					  (int)(len > 64 ? 64 : len), name);
		if (a->n >= MM_ARGS_OPTS_MAX)
			return mm_err_set(err, MM_EINVAL, "too many options");
		const char *val = NULL;
		if (kind == 2) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return mm_err_set(err, MM_EINVAL, "option --%.*s needs a value", (int)clen, canon);
		} else if (eq) {
			return mm_err_set(err, MM_EINVAL, "option --%.*s takes no value", (int)clen, canon);
		}
		a->name[a->n] = canon;
		a->namelen[a->n] = clen;
		a->value[a->n] = val;
		a->n++;
	}
	return MM_OK;
}

static bool is(const mm_args *a, size_t i, const char *name)
{
	return a->namelen[i] == strlen(name) && memcmp(a->name[i], name, a->namelen[i]) == 0;
}

const char *mm_args_opt(const mm_args *a, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < a->n; i++)
		if (is(a, i, name) && a->value[i])
			v = a->value[i];
	return v;
}

bool mm_args_flag(const mm_args *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (is(a, i, name))
			return true;
	return false;
}

size_t mm_args_all(const mm_args *a, const char *name, const char **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < a->n && k < max; i++)
		if (is(a, i, name) && a->value[i])
			out[k++] = a->value[i];
	return k;
}
