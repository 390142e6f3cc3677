/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ops: the operations rules the schema cannot say by itself, driven by
 * each kind's "derive" object (docs/operations.md). It is the store's
 * deriver (mm_store_set_deriver): inside every write it computes service-
 * level fields — the due time from the contract (src/sla) for a class and
 * a start instant, and pending/met/missed from the instant the target was
 * met — refuses a record that reaches a closing state with a missed target
 * and no reason, and refuses states that need fields not yet given (e.g.
 * a procedure document before approval).
 */
#ifndef MM_OPS_H
#define MM_OPS_H

#include <stdint.h>

#include <jansson.h>

#include "base/mm_base.h"
#include "schema/mm_schema.h"
#include "sla/mm_sla.h"
#include "store/mm_store.h"

/* The deriver's context: the contract it measures by and its clock. */
typedef struct mm_ops mm_ops;

/*
 * A new context measuring by the contract file at contract_path (NULL: the
 * shipped default, mm_sla_default_contract_path()). Free with mm_ops_free.
 */
int mm_ops_new(const char *contract_path, mm_ops **out, mm_err *err) MM_MUST_USE;
void mm_ops_free(mm_ops *o);
/* Evaluate "now" as instant t (Unix seconds) instead of the clock; 0 restores the clock. For tests. */
void mm_ops_set_now(mm_ops *o, int64_t t);
/* The contract (lives as long as o). */
const mm_contract *mm_ops_contract(const mm_ops *o);

/*
 * Check every kind's "derive" object in s: known keys, fields that exist,
 * output fields marked "derived", states that exist. Errors name the
 * kind's file and the JSON path.
 */
int mm_ops_check_schema(const mm_schema *s, mm_err *err) MM_MUST_USE;

/*
 * The deriver (an mm_store_derive_fn; ctx is an mm_ops). Sets or removes
 * the kind's derived fields in data for a record in state; a refusal is
 * MM_EINVAL with a message naming the field.
 */
int mm_ops_derive(void *ctx, const mm_kind *k, const char *state, json_t *data, mm_err *err) MM_MUST_USE;

/*
 * What a program that writes to a store calls once after mm_store_open
 * (with MM_STORE_WRITE) and before the first write: loads the contract
 * (NULL: the default), checks the store's schema with mm_ops_check_schema
 * and installs mm_ops_derive. *out must be freed with mm_ops_free after
 * mm_store_close.
 */
int mm_ops_install(mm_store *s, const char *contract_path, mm_ops **out, mm_err *err) MM_MUST_USE;

/*
 * Demo data ("mamori-demo/1", docs/operations.md): sites with device
 * counts per model, expanded into assets, then records that name earlier
 * ones as "@name". Planning parses text (n bytes, at most MM_DEMO_FILE_MAX;
 * label names it in errors), expands it, and checks every record against
 * schema s and — when ops is not NULL — the deriver in every state its
 * transitions pass, so a bad file is refused whole ("LABEL: $.path:
 * reason") before anything is written. "@now-Nm" is resolved against now.
 * *plan is a new JSON value the caller releases.
 */
int mm_ops_demo_plan(const mm_schema *s, mm_ops *ops, const char *text, size_t n, const char *label, int64_t now,
		     json_t **plan, mm_err *err) MM_MUST_USE;

typedef struct mm_ops_demo_counts {
	size_t sites, assets, records, transitions;
	size_t missed; /* faults whose SLA target was missed when loaded */
} mm_ops_demo_counts;

/*
 * Write a plan through st, one ledger entry per record and transition,
 * as the plan's actor in role admin (transitions as their own actor and
 * role) in who's tenant (who may be NULL: the default organisation).
 */
int mm_ops_demo_load(mm_store *st, const mm_actor *who, const json_t *plan, mm_ops_demo_counts *counts,
		     mm_err *err) MM_MUST_USE;

/*
 * Campaign checklists (src/ops/campaign.c): for the inspection_campaign or
 * password_rotation id (planned or in progress), create the lines it lacks —
 * an inspection_item per asset in service × item of the policy for its
 * class (municipal-terminal / municipal-cs, resolved like the agent's
 * --policy; automated when a check of the policy collects the item), or a
 * password_rotation_line per asset × component of 002 別紙1 §3 — through
 * the store as who, in one all-or-nothing write (at most MM_LEDGER_GROUP_MAX
 * lines). Lines already present (same parent, asset and item number or
 * component) are counted, not duplicated.
 */
typedef struct mm_ops_populate_counts {
	size_t assets;   /* machines of a class the campaign covers */
	size_t created;  /* lines written now */
	size_t existing; /* lines that were already there */
} mm_ops_populate_counts;
int mm_ops_campaign_populate(mm_store *st, const mm_actor *who, const char *id, mm_ops_populate_counts *c,
			     mm_err *err) MM_MUST_USE;

/*
 * CSV (RFC 4180, src/ops/csv.c): UTF-8 with an optional BOM, CRLF or LF
 * line ends, fields quoted with '"' holding commas, line breaks (kept as
 * LF) and doubled quotes. Empty lines are skipped; every other row must
 * have as many fields as the first (the header). A stray quote, a bare CR,
 * a NUL, invalid UTF-8, a ragged row or a limit of mm_limits.h (MM_CSV_*)
 * is refused with "line L, column C: reason" (L the line a row starts on,
 * C the field's position, both 1-based).
 */
typedef struct mm_csv {
	size_t nrows, ncols; /* rows (the header is row 0) and fields in each */
	char **cells;        /* nrows * ncols NUL-terminated strings, row by row (pointers into arena) */
	size_t *line;        /* line each row starts on */
	char *arena;         /* the cells' bytes */
} mm_csv;

/* Parse text[0..n) into *out (owned by the caller: mm_ops_csv_free, also after a failure). */
int mm_ops_csv_parse(const char *text, size_t n, mm_csv *out, mm_err *err) MM_MUST_USE;
void mm_ops_csv_free(mm_csv *c);

/*
 * Import CSV text (docs/operations.md "CSV import") as records of kind,
 * created by who: the header names fields of the kind (not derived ones);
 * an empty cell gives no value; lists are ';'-separated; references are
 * ids; booleans TRUE/FALSE, true/false or 1/0. Every row is checked as
 * mm_store_create checks it and all are written in one all-or-nothing
 * write (mm_store_create_all). A refusal names "LABEL: line L, column C:
 * reason" (column when the reason concerns one field) and writes nothing.
 */
int mm_ops_import_csv(mm_store *s, const mm_actor *who, const char *kind, const char *text, size_t n,
		      const char *label, const char *reason, mm_store_create_all_result *res,
		      mm_err *err) MM_MUST_USE;

/*
 * The same, importing the valid rows only, when the person asks for it
 * explicitly: a row refused for its values (a bad cell, the schema, a
 * reference, the deriver) is left out and listed in *skipped (a new JSON
 * array of {"line", "error"}; NULL on failure) and the others are written
 * in one all-or-nothing write. Refusals of the whole import (the header,
 * the role, the file, more than MM_CSV_SKIPPED_MAX bad rows, no valid row
 * at all) write nothing, as mm_ops_import_csv.
 */
int mm_ops_import_csv_valid(mm_store *s, const mm_actor *who, const char *kind, const char *text, size_t n,
			    const char *label, const char *reason, mm_store_create_all_result *res, json_t **skipped,
			    mm_err *err) MM_MUST_USE;

#endif
