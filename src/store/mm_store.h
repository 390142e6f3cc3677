/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store: schema-driven records on top of the ledger. Every create, update
 * and transition is validated against its kind (src/schema), then written
 * as a ledger entry whose payload carries the record's full new version,
 * and projected — in the same transaction — into the tables people query
 * (record, record_version, attachment). Those tables are disposable: the
 * ledger alone can rebuild them, and mm_store_verify does exactly that and
 * compares. Attachments live outside the rows, named by their SHA-256.
 */
#ifndef MM_STORE_H
#define MM_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/mm_base.h"
#include "ledger/mm_ledger.h"
#include "schema/mm_schema.h"

typedef struct mm_store mm_store;

/*
 * Who is acting: a person's name, the role they act in, and their
 * organisation (tenant; NULL or "" is the default organisation). Every
 * record belongs to the tenant that created it; an actor reads, updates
 * and references only records of its own tenant.
 */
typedef struct mm_actor {
	const char *name;
	const char *role;
	const char *tenant;
} mm_actor;

/* Where init puts the keys and certificate. */
typedef struct mm_store_paths {
	char signer[4096];   /* Ed25519 signing key (0600) */
	char verifier[4096]; /* public verifier key, for witnesses and auditors */
	char tls_cert[4096];
	char tls_key[4096];  /* 0600 */
	char attachments[4096];
} mm_store_paths;

/*
 * Key and certificate paths for a database: in keys_dir (or beside the
 * database when NULL), named after the database file.
 */
int mm_store_paths_for(const char *db_path, const char *keys_dir, mm_store_paths *p, mm_err *err) MM_MUST_USE;

/*
 * Create a new database (refusing to overwrite anything) with its signing
 * key, verifier key, and the record tables; writes the genesis entry and
 * the first checkpoint. origin names the ledger in its checkpoints.
 */
int mm_store_init(const char *db_path, const mm_store_paths *p, const char *origin, const char *actor,
		  mm_err *err) MM_MUST_USE;

/* Open flags */
#define MM_STORE_WRITE 1u /* load the signing key so writes get checkpoints */

/*
 * Open a database and the schema in schema_dir. With MM_STORE_WRITE the
 * signing key recorded at init is loaded. Free with mm_store_close.
 */
int mm_store_open(const char *db_path, const char *schema_dir, unsigned flags, mm_store **out,
		  mm_err *err) MM_MUST_USE;
/* Final checkpoint (when writable) and close; returns the checkpoint's error. */
int mm_store_close(mm_store *s, mm_err *err);

/*
 * Deriver: computes a kind's derived fields (schema: "derived": true, and
 * the kind's "derive" object) — e.g. a fault's SLA due time. Called inside
 * the write's transaction for every create, update and transition, after
 * the change is applied to data and before validation; it may set or
 * remove derived fields of data. A non-OK return refuses the write with
 * err. People can never set derived fields themselves.
 */
typedef int (*mm_store_derive_fn)(void *ctx, const mm_kind *k, const char *state, json_t *data, mm_err *err);
/* Install the deriver (one per store; NULL removes it). Call before writes start. */
void mm_store_set_deriver(mm_store *s, mm_store_derive_fn fn, void *ctx);

/*
 * Reads for a deriver, inside the write it was called for (on that
 * thread, in that transaction: what it reads is what the write commits
 * against). Outside a deriver's call both fail MM_EUNSUPPORTED.
 *
 * mm_store_txn_before: the record as it was before this write — its state
 * and data, borrowed until the deriver returns — or NULL and NULL when the
 * write creates it.
 */
int mm_store_txn_before(mm_store *s, const char **state, const json_t **data, mm_err *err) MM_MUST_USE;
/*
 * mm_store_txn_get: record id of kind in the writer's organisation.
 * MM_ENOTFOUND if there is none. state receives its state and *data a new
 * reference the caller releases.
 */
int mm_store_txn_get(mm_store *s, const char *kind, const char *id, char state[MM_NAME_MAX + 1], json_t **data,
		     mm_err *err) MM_MUST_USE;
/*
 * mm_store_txn_count: how many records of kind in the writer's
 * organisation, in state, name the record being updated or transitioned in
 * their field (a reference) — e.g. the pending lines of a rotation.
 * MM_EUNSUPPORTED for a create (the record has no id yet).
 */
int mm_store_txn_count(mm_store *s, const char *kind, const char *field, const char *state, uint64_t *n,
		       mm_err *err) MM_MUST_USE;

mm_ledger *mm_store_ledger(mm_store *s);
/*
 * The file of the ledger's signing key (as `mamori init` recorded it) when
 * the store was opened with MM_STORE_WRITE, else "". The server signs FIM
 * restore orders with it (docs/operations.md). Lives as long as s.
 */
const char *mm_store_signer_path(const mm_store *s);
const mm_schema *mm_store_schema(mm_store *s);

/* Result of a write. */
typedef struct mm_write_result {
	char id[MM_ID_MAX + 1];
	uint32_t version;
	uint64_t seq;
} mm_write_result;

/*
 * Create a record of kind from a JSON object of fields (text of n bytes).
 * reason may be NULL. On success res has the new id, version 1 and seq.
 */
int mm_store_create(mm_store *s, const mm_actor *who, const char *kind, const char *json, size_t n,
		    const char *reason, mm_write_result *res, mm_err *err) MM_MUST_USE;

/* Result of mm_store_create_all. */
typedef struct mm_store_create_all_result {
	size_t count;                 /* records created */
	char first[MM_ID_MAX + 1];    /* first and last new id */
	char last[MM_ID_MAX + 1];
	uint64_t first_seq;           /* the first entry's sequence number; the others follow it */
	size_t bad;                   /* on failure: index of the document refused (SIZE_MAX: none was) */
} mm_store_create_all_result;

/*
 * Create one record of kind per object of the JSON array docs (1..
 * MM_LEDGER_GROUP_MAX), all or nothing: in one transaction, each checked
 * as mm_store_create checks it (schema, references, the deriver — and so
 * seeing the ones before it); if any is refused, nothing is written,
 * res->bad names its index and err says why. docs is borrowed.
 */
int mm_store_create_all(mm_store *s, const mm_actor *who, const char *kind, const json_t *docs, const char *reason,
			mm_store_create_all_result *res, mm_err *err) MM_MUST_USE;

/*
 * Update record id with a JSON merge patch (fields present replace, null
 * removes). expected_version must equal the current version (0 = whatever
 * is current, for tools that read and write in one step); a stale version
 * fails MM_ECONFLICT and nothing is written.
 */
int mm_store_update(mm_store *s, const mm_actor *who, const char *id, uint32_t expected_version,
		    const char *patch, size_t n, const char *reason, mm_write_result *res,
		    mm_err *err) MM_MUST_USE;

/*
 * Move record id along the transition named `what` (or the one leading to
 * state `what`) from its current state. The actor's role must be allowed;
 * MM_EPERM otherwise. Version check as for update.
 */
int mm_store_transition(mm_store *s, const mm_actor *who, const char *id, uint32_t expected_version,
			const char *what, const char *reason, mm_write_result *res, mm_err *err) MM_MUST_USE;

/*
 * Reads. Safe to call from many threads at once: each call borrows one of
 * a pool of read-only connections and sees only committed data. Only
 * records of who's tenant are visible (others are MM_ENOTFOUND).
 */
/* The record as a JSON object (see docs/schema.md), appended to out. */
int mm_store_get(mm_store *s, const mm_actor *who, const char *id, mm_buf *out, mm_err *err) MM_MUST_USE;
/* Every record of kind (optionally only in state), as a JSON array, appended to out. */
int mm_store_list(mm_store *s, const mm_actor *who, const char *kind, const char *state, mm_buf *out,
		  mm_err *err) MM_MUST_USE;
/* A page of records, filtered and sorted in the database. */
typedef struct mm_store_query {
	const char *state; /* only records in this state, or NULL */
	const char *text;  /* only records whose id or a text field contains it, or NULL */
	const char *sort;  /* id (default), state, version, created, updated, created_by, updated_by,
			    * seq, or a field of the kind; anything else sorts by id */
	bool descending;
	uint64_t offset;
	uint64_t limit; /* at most this many (1..MM_STORE_PAGE_MAX; 0 = MM_STORE_PAGE_MAX) */
} mm_store_query;

/*
 * The page of who's records of kind that q selects, as a compact JSON
 * array appended to out (each record as mm_store_get gives it, written
 * straight from the stored canonical text), and in *total how many
 * records match in all. On error out is as it was. Statements are
 * prepared once per read connection and reused.
 */
int mm_store_query_page(mm_store *s, const mm_actor *who, const char *kind, const mm_store_query *q,
			mm_buf *out, uint64_t *total, mm_err *err) MM_MUST_USE;

/* Every version of record id, oldest first, with who, when and why, as a JSON array. */
int mm_store_history(mm_store *s, const mm_actor *who, const char *id, mm_buf *out, mm_err *err) MM_MUST_USE;

/*
 * Store n bytes as an attachment (content-addressed by SHA-256, written
 * durably before its ledger entry). hex receives the hash.
 */
int mm_store_attach(mm_store *s, const mm_actor *who, const void *data, size_t n, const char *name,
		    char hex[2 * MM_SHA256_LEN + 1], mm_err *err) MM_MUST_USE;
/* Path of a stored attachment's file (it may be read; never written). */
int mm_store_attachment_path(mm_store *s, const char *hex, char *path, size_t len, mm_err *err) MM_MUST_USE;

/*
 * Verify the ledger (mm_ledger_verify) and then rebuild every projection
 * from it and compare with the tables, naming the first difference.
 * o may be NULL; its visit field is ignored.
 */
int mm_store_verify(mm_store *s, const mm_verify_opts *o, mm_verify_report *rep, mm_err *err) MM_MUST_USE;

#endif
