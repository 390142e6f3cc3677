/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Option parsing shared by every `mamori` subcommand: strict (unknown
 * options are errors), bounded, and free of global state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/banned.h"

/* Find name in spec; returns 0 unknown, 1 flag, 2 takes a value. */
static int spec_lookup(const char *spec, const char *name, size_t len)
{
	const char *p = spec;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *start = p;
		while (*p && *p != ' ' && *p != ':')
			p++;
		size_t n = (size_t)(p - start);
		bool val = *p == ':';
		if (val)
			p++;
		if (n == len && n && memcmp(start, name, n) == 0)
			return val ? 2 : 1;
	}
	return 0;
}

int cli_parse(cli_args *a, int argc, char **argv, const char *spec)
{
	memset(a, 0, sizeof *a);
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		/* one-letter options ("-o FILE") are spelled in the spec as their letter */
		bool shortopt = !only_pos && s[0] == '-' && ((s[1] >= 'a' && s[1] <= 'z') || (s[1] >= 'A' && s[1] <= 'Z')) &&
				s[2] == '\0'; /* "-1" stays a number */
		if (!shortopt && (only_pos || s[0] != '-' || s[1] != '-' || s[2] == '\0')) {
			if (!only_pos && strcmp(s, "--") == 0) {
				only_pos = true;
				continue;
			}
			if (a->npos >= CLI_POS_MAX)
				return cli_error("too many arguments");
			a->pos[a->npos++] = s;
			continue;
		}
		const char *name = shortopt ? s + 1 : s + 2;
		const char *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int kind = spec_lookup(spec, name, len);
		if (kind == 0)
			return cli_error("unknown option %s%.*s", shortopt ? "-" : "--", (int)len, name);
		if (a->n >= CLI_OPTS_MAX)
			return cli_error("too many options");
		const char *val = NULL;
		if (kind == 2) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return cli_error("option --%.*s needs a value", (int)len, name);
		} else if (eq) {
			return cli_error("option --%.*s takes no value", (int)len, name);
		}
		/* names point into argv; keep the length by storing the spec-matched name */
		a->name[a->n] = name;
		a->value[a->n] = val;
		a->n++;
	}
	return CLI_OK;
}

static bool name_is(const char *stored, const char *name)
{
	size_t n = strlen(name);
	return strncmp(stored, name, n) == 0 && (stored[n] == '\0' || stored[n] == '=');
}

const char *cli_opt(const cli_args *a, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < a->n; i++)
		if (name_is(a->name[i], name) && a->value[i])
			v = a->value[i];
	return v;
}

bool cli_flag(const cli_args *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (name_is(a->name[i], name))
			return true;
	return false;
}

size_t cli_opt_all(const cli_args *a, const char *name, const char **out, size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < a->n && k < max; i++)
		if (name_is(a->name[i], name) && a->value[i])
			out[k++] = a->value[i];
	return k;
}

const char *cli_need(const cli_args *a, const char *name)
{
	const char *v = cli_opt(a, name);
	if (!v)
		cli_error("missing --%s", name);
	return v;
}

int cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("mamori: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_USAGE;
}

int cli_report(const mm_err *e)
{
	fprintf(stderr, "mamori: error: %s\n", e->msg[0] ? e->msg : mm_strerror(e->code));
	return e->code == MM_ECORRUPT ? CLI_FAIL : CLI_USAGE;
}

const char *cli_data_dir(void)
{
	const char *d = getenv("MAMORI_DATA");
	return d && *d ? d : MM_DATA_DIR;
}

int cli_schema_dir(char *out, size_t n)
{
	if (snprintf(out, n, "%s/schema", cli_data_dir()) >= (int)n)
		return cli_error("MAMORI_DATA path too long");
	return CLI_OK;
}

int cli_read_input(const char *json, const char *file, mm_buf *b)
{
	if (json && file)
		return cli_error("give either --json or --file, not both");
	if (!json && !file)
		return cli_error("missing --json TEXT or --file FILE");
	if (json) {
		if (mm_buf_puts(b, json))
			return cli_error("--json: longer than %zu bytes", b->limit);
		return CLI_OK;
	}
	mm_err err;
	mm_err_clear(&err);
	int rc = strcmp(file, "-") == 0 ? mm_file_read("/dev/stdin", b->limit, b, &err)
					: mm_file_read(file, b->limit, b, &err);
	return rc ? cli_report(&err) : CLI_OK;
}

int cli_print_json(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!s)
		return cli_error("out of memory");
	puts(s);
	free(s);
	return CLI_OK;
}
