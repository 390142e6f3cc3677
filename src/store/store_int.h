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

#include <pthread.h>

#define STORE_READERS_MAX 16

/*
 * read.c: the totals of recent page queries (tenant, kind, state; not
 * text searches). A total is valid while the ledger's size is unchanged:
 * every change of the record table is a ledger entry, so counting 1,000
 * rows again for each page of an unchanged kind is work for nothing.
 */
#define STORE_COUNT_CACHE 32
struct page_count {
	bool used;
	uint64_t gen; /* the ledger's last sequence number the total was counted at */
	uint64_t total;
	char key[MM_TENANT_MAX + MM_ID_MAX + MM_NAME_MAX + 4];
};

struct mm_store {
	mm_ledger *l;
	mm_schema *schema;
	proj live;
	char db_path[4096];
	char attach_dir[4096];
	char signer_path[4096]; /* the ledger's signing key file (opened for writing), else "" */
	sqlite3_stmt *exists_rec, *exists_att, *count_kind;
	mm_store_derive_fn derive;
	void *derive_ctx;
	/* the write whose deriver runs now, and its thread (mm_store_txn_*) */
	const struct write *txn;
	pthread_t txn_thread;
	/* pool of read-only connections for concurrent readers */
	pthread_mutex_t pool_mu;
	pthread_cond_t pool_cv;
	sqlite3 *readers[STORE_READERS_MAX];
	bool reader_busy[STORE_READERS_MAX];
	size_t nreaders;
	/* guarded by pool_mu */
	struct page_count counts[STORE_COUNT_CACHE];
	unsigned counts_next;
};

/* Borrow a read-only connection (waits if all are busy); give it back with reader_put. */
int reader_get(mm_store *s, sqlite3 **db, mm_err *err);
void reader_put(mm_store *s, sqlite3 *db);
/*
 * Canonical JSON of v (compact, sorted keys) in a new string the caller
 * frees; every failure is reported (never truncated output).
 */
int canonical_json(const json_t *v, char **out, mm_err *err);

/*
 * True when jansson failed for lack of memory rather than bad input (its
 * lexer's own allocation failing leaves no message at all).
 */
static inline bool json_oom(const json_error_t *je)
{
	return json_error_code(je) == json_error_out_of_memory || je->text[0] == '\0';
}

/*
 * read.c: ns since the epoch as mm_time_format(ns, 540, ...) writes it
 * ("2026-04-01T09:00:00.000+09:00"), without stdio: a page formats two
 * times a record. Returns the length (STORE_TIME_LEN for years 0..9999).
 */
#define STORE_TIME_LEN 29
size_t store_time_format(int64_t ns, char out[STORE_TIME_LEN + 1]);

/* Refuse malformed organisation names (reads and writes). */
int check_tenant(const mm_actor *who, mm_err *err);
/* The tenant of an actor as stored ("" for the default organisation). */
static inline const char *actor_tenant(const mm_actor *who)
{
	return who && who->tenant ? who->tenant : "";
}

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
/* The same for a record or attachment entry whose payload the caller already holds parsed. */
int proj_apply_json(proj *p, const mm_entry *e, json_t *payload, mm_err *err);

#endif
