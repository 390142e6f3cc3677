/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ledger: the append-only, tamper-evident log every mamori write goes
 * through. Entries have a canonical binary encoding (docs/ledger.md) and
 * are the leaves of an RFC 9162 Merkle tree; checkpoints over the tree are
 * signed notes (src/note). Storage is SQLite in WAL mode with
 * synchronous=FULL; one leader at a time commits all queued appends in
 * one transaction (group commit) and every submitter returns only after
 * its entry is durable.
 *
 * Projections (the record tables) are written by the caller's apply
 * callback inside the same transaction as the entry, so a record and its
 * ledger entry are never apart.
 */
#ifndef MM_LEDGER_H
#define MM_LEDGER_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/mm_base.h"
#include "merkle/mm_merkle.h"
#include "note/mm_note.h"

#define MM_ENTRY_VERSION 1
/* The database layout (docs/ledger.md), kept in meta('format'). */
#define MM_LEDGER_FORMAT "mamori-ledger-3"

/*
 * One ledger entry. Strings are length-delimited and not owned: after
 * mm_entry_decode they point into the decoded bytes.
 */
typedef struct mm_entry {
	uint64_t seq;     /* 1-based, contiguous */
	int64_t time_ns;  /* ns since the Unix epoch, UTC; never decreases */
	const char *kind; /* [a-z0-9._-]{1,64}, e.g. "record.create" */
	size_t kind_len;
	const char *actor; /* who: UTF-8, 1..MM_ACTOR_MAX bytes */
	size_t actor_len;
	const char *subject; /* what: record id or empty, UTF-8 */
	size_t subject_len;
	uint64_t ref; /* seq of a referenced earlier entry, 0 = none */
	const uint8_t *payload; /* kind-specific bytes (JSON for records) */
	size_t payload_len;
} mm_entry;

/* Set a string field from a C string (convenience for writers). */
void mm_entry_set(const char **field, size_t *len, const char *s);

/* Canonical encoding, appended to out. Validates every field. */
int mm_entry_encode(const mm_entry *e, mm_buf *out, mm_err *err) MM_MUST_USE;
/* Strict decode of exactly n bytes; e borrows p. */
int mm_entry_decode(const uint8_t *p, size_t n, mm_entry *e, mm_err *err) MM_MUST_USE;

typedef struct mm_ledger mm_ledger;

/*
 * Create the ledger tables in a new database file and write the signer's
 * verifier key into it. Fails MM_EEXIST if path exists.
 */
int mm_ledger_create(const char *path, const mm_note_signer *signer, mm_err *err) MM_MUST_USE;

/*
 * Open an existing ledger database. signer_path names the signing key
 * file (checkpoints are made only with a signer; pass NULL for tools that
 * only read or verify). The handle is safe to share between threads for
 * mm_ledger_submit/append; free with mm_ledger_close.
 */
int mm_ledger_open(const char *path, const char *signer_path, mm_ledger **out,
		   mm_err *err) MM_MUST_USE;

/*
 * Make a final checkpoint if there is a signer and anything is unsigned,
 * then close. Returns the checkpoint's error, if any; l is freed anyway.
 */
int mm_ledger_close(mm_ledger *l, mm_err *err);

/*
 * The database connection, for reads and for schema setup by modules that
 * keep projections. Do not begin transactions on it yourself; writes go
 * through mm_ledger_submit. Valid until mm_ledger_close.
 */
sqlite3 *mm_ledger_db(mm_ledger *l);

/* The verifier key stored in the database at creation. */
const mm_note_verifier *mm_ledger_verifier(const mm_ledger *l);

/*
 * Apply callback, run by the committing thread inside the transaction
 * (in its own savepoint). seq and time are the new entry's; the callback
 * writes its projection rows through db and fills e's kind, actor,
 * subject, ref and payload (memory it owns, alive until submit returns).
 * A non-OK return rolls back this callback's writes and no entry is made;
 * the error reaches the submitter.
 */
typedef int (*mm_ledger_apply_fn)(void *ctx, sqlite3 *db, uint64_t seq, int64_t time_ns,
				  mm_entry *e, mm_err *err);

/*
 * Queue an apply callback and wait until its entry is committed durably
 * (or refused). *seq receives the entry's sequence number.
 */
int mm_ledger_submit(mm_ledger *l, mm_ledger_apply_fn fn, void *ctx, uint64_t *seq,
		     mm_err *err) MM_MUST_USE;

/*
 * The same for n entries (1..MM_LEDGER_GROUP_MAX) that stand or fall
 * together: fn is called n times in order within one transaction, each
 * call making the next entry (ctx keeps count); if any call fails, or the
 * commit does, none of the n is written and the first error is returned.
 * *seq receives the first entry's sequence number.
 */
int mm_ledger_submit_n(mm_ledger *l, mm_ledger_apply_fn fn, void *ctx, size_t n, uint64_t *seq,
		       mm_err *err) MM_MUST_USE;

/* Append a ready entry (its seq and time are assigned; other fields copied). */
int mm_ledger_append(mm_ledger *l, const mm_entry *e, uint64_t *seq, mm_err *err) MM_MUST_USE;

/* Number of entries committed. */
uint64_t mm_ledger_size(mm_ledger *l);

/*
 * Sign a checkpoint of the current tree now if anything is unsigned (or
 * always with force). The signed note text is appended to out if non-NULL.
 */
int mm_ledger_checkpoint(mm_ledger *l, bool force, mm_buf *out, mm_err *err) MM_MUST_USE;

/* Latest stored checkpoint note (MM_ENOTFOUND if none). */
int mm_ledger_latest_checkpoint(mm_ledger *l, mm_buf *out, mm_err *err) MM_MUST_USE;

/* Read entry seq's bytes into out. */
int mm_ledger_get(mm_ledger *l, uint64_t seq, mm_buf *out, mm_err *err) MM_MUST_USE;

/* Inclusion proof of entry seq in the tree of tree_size entries. */
int mm_ledger_inclusion(mm_ledger *l, uint64_t seq, uint64_t tree_size, mm_hash leaf,
			mm_hash path[MM_PROOF_MAX], size_t *n, mm_err *err) MM_MUST_USE;
/* Consistency proof between two tree sizes. */
int mm_ledger_consistency(mm_ledger *l, uint64_t old_size, uint64_t new_size,
			  mm_hash proof[MM_PROOF_MAX], size_t *n, mm_err *err) MM_MUST_USE;
/* Root of the first size entries, from stored nodes. */
int mm_ledger_root(mm_ledger *l, uint64_t size, mm_hash out, mm_err *err) MM_MUST_USE;

/* ---- verification ---- */

/* Outcome of a verification run. bad_seq is 0 when the finding concerns no entry. */
typedef struct mm_verify_report {
	bool ok;
	uint64_t bad_seq;
	char reason[MM_ERR_MSG_MAX];
	uint64_t entries;
	uint64_t checkpoints;
	mm_hash root;
	int64_t last_time_ns;
} mm_verify_report;

/*
 * Visitor called for every entry in order after its own checks pass (the
 * store replays projections with it). A non-OK return is a finding at
 * that entry, with err's message as the reason.
 */
typedef int (*mm_ledger_visit_fn)(void *ctx, const mm_entry *e, mm_err *err);

typedef struct mm_verify_opts {
	const mm_note_verifier *key; /* trusted key; NULL = the key stored with the data */
	const char *held;            /* a checkpoint note the verifier holds, or NULL */
	size_t held_len;
	const char *held_name;       /* where held came from (a file name), for messages; or NULL */
	mm_ledger_visit_fn visit;
	void *visit_ctx;
} mm_verify_opts;

/*
 * Verify the whole database: every entry decodes, sequence numbers are
 * contiguous, time never decreases, references point backwards, stored
 * leaf hashes and Merkle nodes match the entries, every checkpoint is
 * signed by the key and matches the recomputed root, and the held
 * checkpoint (if any) is a prefix of this ledger. Returns MM_OK when the
 * run completed (rep->ok tells the outcome), an error when it could not run.
 */
int mm_ledger_verify(mm_ledger *l, const mm_verify_opts *o, mm_verify_report *rep,
		     mm_err *err) MM_MUST_USE;

/*
 * Bundle: a self-contained export for offline audit — the verifier key,
 * every entry and every checkpoint (format in docs/ledger.md).
 */
int mm_ledger_export(mm_ledger *l, const char *path, mm_err *err) MM_MUST_USE;
/* Verify a bundle file with the same checks (no projections are in a bundle). */
int mm_ledger_verify_bundle(const char *path, const mm_verify_opts *o, mm_verify_report *rep,
			    mm_err *err) MM_MUST_USE;
/* Same, from bytes in memory (used by the fuzz target). */
int mm_ledger_verify_bundle_mem(const uint8_t *p, size_t n, const mm_verify_opts *o,
				mm_verify_report *rep, mm_err *err) MM_MUST_USE;

#endif
