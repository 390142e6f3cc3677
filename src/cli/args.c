/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every `mamori` subcommand shares: option parsing (mm_args_parse,
 * with the errors printed as the command's), error printing, input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "base/banned.h"

int cli_parse(cli_args *a, int argc, char **argv, const char *spec)
{
	mm_err err;
	mm_err_clear(&err);
	return mm_args_parse(a, argc, argv, spec, &err) ? cli_error("%s", err.msg) : CLI_OK;
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
