/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the store module: projection of ledger entries into tables,
 * shared by live writes (schema "main") and verification replay ("v"). */
#ifndef MM_STORE_INT_H
#define MM_STORE_INT_H

#include <jansson.h>

#include "store/mm_store.h"

/* Prepared statements writing one projection schema. */
typedef struct proj {
	sqlite3 *db;
	sqlite3_stmt *ins_record, *upd_record, *cur_record, *ins_version, *ins_attach;
} proj;

struct mm_store {
	mm_ledger *l;
	mm_schema *schema;
	proj live;
	char attach_dir[4096];
	sqlite3_stmt *exists_rec, *exists_att, *count_kind;
};

/* Create the projection tables in schema prefix ("main" or "v"). */
int proj_create_tables(sqlite3 *db, const char *prefix, mm_err *err);
int proj_prepare(proj *p, sqlite3 *db, const char *prefix, mm_err *err);
void proj_finalize(proj *p);

/*
 * Apply one entry to the projection. For records the payload is the JSON
 * documented in docs/ledger.md; the entry's ref must name the record's
 * previous version's entry. Errors describe what in the entry is wrong.
 */
int proj_apply(proj *p, const mm_entry *e, mm_err *err);

#endif
