/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli: the `mamori` command line. main.c dispatches `mamori GROUP ...` to
 * one cmd_<group>.c each; this header is internal to the cli folder and
 * holds the shared option parser and error printing.
 * Exit statuses: 0 success, 1 a check or verification failed, 2 bad input
 * or error (nothing written).
 */
#ifndef MM_CLI_H
#define MM_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "base/mm_base.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Parsed arguments (base/mm_base.h: mm_args); the spec's grammar is mm_args_parse's. */
typedef mm_args cli_args;

/* Parse argv[0..argc); on error prints a message and returns CLI_USAGE. */
int cli_parse(cli_args *a, int argc, char **argv, const char *spec);
static inline const char *cli_opt(const cli_args *a, const char *name) { return mm_args_opt(a, name); }
static inline bool cli_flag(const cli_args *a, const char *name) { return mm_args_flag(a, name); }
static inline size_t cli_opt_all(const cli_args *a, const char *name, const char **out, size_t max)
{
	return mm_args_all(a, name, out, max);
}
/* Value of a required option, or prints "missing --name" and returns NULL. */
const char *cli_need(const cli_args *a, const char *name);

/* Print "mamori: error: ..." to stderr; returns CLI_USAGE. */
int cli_error(const char *fmt, ...) MM_PRINTF(1, 2);
/* Print an mm_err; returns CLI_USAGE (or CLI_FAIL for MM_ECORRUPT). */
int cli_report(const mm_err *e);

/* Print j compactly on one line and release it (j may be NULL: out of memory). */
int cli_print_json(json_t *j);

/* The data directory (MAMORI_DATA, else the built-in one) and its schema folder. */
const char *cli_data_dir(void);
int cli_schema_dir(char *out, size_t n);
/* Read a document from --json TEXT or --file FILE ("-" = stdin) into b (bounded by b->limit). */
int cli_read_input(const char *json, const char *file, mm_buf *b);

/* Group handlers: argv[0] is the group name. */
int cmd_init(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_ledger(int argc, char **argv);
int cmd_calendar(int argc, char **argv);
int cmd_sla(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_campaign(int argc, char **argv);
int cmd_enroll_token(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_compliance(int argc, char **argv);
int cmd_report(int argc, char **argv);

#endif
