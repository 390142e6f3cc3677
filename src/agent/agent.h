/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent: the `mamori-agent` command line. main.c dispatches
 * `mamori-agent COMMAND ...` to one agent_cmd_<command>() each (cmd_*.c);
 * this header is internal to the agent folder: the command table's
 * functions and the error printing they share.
 * Exit statuses: 0 success (every check passed), 1 a check failed or a
 * change was found, 2 bad input or error.
 */
#ifndef MM_AGENT_H
#define MM_AGENT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/mm_base.h"

enum { AGENT_OK = 0, AGENT_FAIL = 1, AGENT_USAGE = 2 };

/* Parsed options (base/mm_base.h: mm_args); specs spell `-o` as "output|o:". */
typedef mm_args agent_args;

/* Parse argv[0..argc); on error prints why and returns AGENT_USAGE. */
int agent_parse(agent_args *a, int argc, char **argv, const char *spec);
static inline const char *agent_opt(const agent_args *a, const char *name) { return mm_args_opt(a, name); }
static inline bool agent_flag(const agent_args *a, const char *name) { return mm_args_flag(a, name); }
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
