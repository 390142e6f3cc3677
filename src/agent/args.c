/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Option parsing for the agent's commands: strict (unknown options are
 * errors), bounded, no global state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "base/banned.h"

/* 0 unknown, 1 flag, 2 takes a value. */
static int spec_kind(const char *spec, const char *name, size_t len)
{
	for (const char *p = spec; *p;) {
		while (*p == ' ')
			p++;
		const char *s = p;
		while (*p && *p != ' ' && *p != ':')
			p++;
		size_t n = (size_t)(p - s);
		bool val = *p == ':';
		if (val)
			p++;
		if (n == len && n && memcmp(s, name, n) == 0)
			return val ? 2 : 1;
	}
	return 0;
}

int agent_parse(agent_args *a, int argc, char **argv, const char *spec)
{
	memset(a, 0, sizeof *a);
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		const char *name;
		size_t len;
		const char *eq = NULL;
		if (strcmp(s, "-o") == 0) {
			name = "output";
			len = 6;
		} else if (s[0] == '-' && s[1] == '-' && s[2]) {
			name = s + 2;
			eq = strchr(name, '=');
			len = eq ? (size_t)(eq - name) : strlen(name);
		} else {
			if (a->npos >= sizeof a->pos / sizeof a->pos[0])
				return agent_error("too many arguments");
			a->pos[a->npos++] = s;
			continue;
		}
		int kind = spec_kind(spec, name, len);
		if (kind == 0)
			return agent_error("unknown option %s%.*s", s[1] == '-' ? "--" : "-",
					   (int)(s[1] == '-' ? len : 1), s[1] == '-' ? name : "o");
		if (a->n >= AGENT_OPTS_MAX)
			return agent_error("too many options");
		const char *val = NULL;
		if (kind == 2) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return agent_error("option --%.*s needs a value", (int)len, name);
		} else if (eq) {
			return agent_error("option --%.*s takes no value", (int)len, name);
		}
		a->name[a->n] = name;
		a->namelen[a->n] = len;
		a->value[a->n] = val;
		a->n++;
	}
	return AGENT_OK;
}

static bool is(const agent_args *a, size_t i, const char *name)
{
	return a->namelen[i] == strlen(name) && memcmp(a->name[i], name, a->namelen[i]) == 0;
}

const char *agent_opt(const agent_args *a, const char *name)
{
	const char *v = NULL;
	for (size_t i = 0; i < a->n; i++)
		if (is(a, i, name) && a->value[i])
			v = a->value[i];
	return v;
}

bool agent_flag(const agent_args *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (is(a, i, name))
			return true;
	return false;
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
