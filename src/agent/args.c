/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the agent's commands share: option parsing (mm_args_parse, with
 * the errors printed as the agent's) and error printing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "base/banned.h"

int agent_parse(agent_args *a, int argc, char **argv, const char *spec)
{
	mm_err err;
	mm_err_clear(&err);
	return mm_args_parse(a, argc, argv, spec, &err) ? agent_error("%s", err.msg) : AGENT_OK;
}

int agent_error(const char *fmt, ...)
{
	va_list ap;
	fputs("mamori-agent: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return AGENT_USAGE;
}

int agent_report(const mm_err *e)
{
	fprintf(stderr, "mamori-agent: error: %s\n", e->msg[0] ? e->msg : mm_strerror(e->code));
	return AGENT_USAGE;
}
