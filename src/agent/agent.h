/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent: the `mamori-agent` command line. main.c dispatches
 * `mamori-agent COMMAND ...` to one agent_cmd_<command>() each (cmd_*.c);
 * this header is internal to the agent folder: the command table's
 * functions and the small option parser they share.
 * Exit statuses: 0 success (every check passed), 1 a check failed or a
 * change was found, 2 bad input or error.
 */
#ifndef MM_AGENT_H
#define MM_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/mm_base.h"

enum { AGENT_OK = 0, AGENT_FAIL = 1, AGENT_USAGE = 2 };

#define AGENT_OPTS_MAX 64

/*
 * Parsed options; strings point into argv. spec lists the allowed options
 * ("root: policy: json"): a name followed by ':' takes a value (`--name V`
 * or `--name=V`), otherwise it is a flag. `-o V` means `--output V`.
 * Positional arguments are collected in pos.
 */
typedef struct agent_args {
	const char *name[AGENT_OPTS_MAX];
	size_t namelen[AGENT_OPTS_MAX];
	const char *value[AGENT_OPTS_MAX];
	size_t n;
	const char *pos[16];
	size_t npos;
} agent_args;

/* Parse argv[0..argc); on error prints why and returns AGENT_USAGE. */
int agent_parse(agent_args *a, int argc, char **argv, const char *spec);
/* Last value of --name, or NULL. */
const char *agent_opt(const agent_args *a, const char *name);
bool agent_flag(const agent_args *a, const char *name);
/* Print "mamori-agent: error: ..." to stderr; returns AGENT_USAGE. */
int agent_error(const char *fmt, ...) MM_PRINTF(1, 2);
/* Print an mm_err; returns AGENT_USAGE. */
int agent_report(const mm_err *e);

/*
 * Collect the facts of root ("/" when NULL): the evaluation time is
 * $MAMORI_NOW (Unix seconds) when set, for re-evaluating captured trees.
 * Prints its own error; returns AGENT_OK or AGENT_USAGE.
 */
struct mm_facts;
int agent_collect(const char *root, struct mm_facts **out);

/* Commands: argv[0] is the command name. */
int agent_cmd_check(int argc, char **argv);
int agent_cmd_baseline(int argc, char **argv);
int agent_cmd_facts(int argc, char **argv);
int agent_cmd_fim(int argc, char **argv);
int agent_cmd_enroll(int argc, char **argv);
int agent_cmd_run(int argc, char **argv);

#endif
