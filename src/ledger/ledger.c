/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ledger storage: schema, open/close, group commit, checkpoints, proofs.
 *
 * Group commit is leader/follower: a submitter queues its operation; if no
 * one is committing it becomes the leader, takes the whole queue, runs it
 * in one transaction and wakes everyone whose operation it carried. There
 * is no background thread, so a single-threaded CLI pays nothing for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ledger/mm_ledger.h"
#include "ledger/rows.h"
#include "base/banned.h"

static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	/*
	 * Entries first..last, ROW_ENTRIES to a row (rows.h): each with its leaf
	 * hash and the nodes of the perfect subtrees it completes, so the whole
	 * tree is stored, and node (level, idx) is with entry (idx + 1) << level.
	 */
	"CREATE TABLE ledger(first INTEGER PRIMARY KEY, last INTEGER NOT NULL, data BLOB NOT NULL);"
	"CREATE TABLE checkpoint(size INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, note TEXT NOT NULL);";

struct op {
	mm_ledger_apply_fn fn;
	void *ctx;
	size_t n; /* entries fn makes, all or none (mm_ledger_submit_n) */
	mm_err *err;
	int rc;
	uint64_t seq;
	bool done; /* under mu */
	sem_t wake; /* posted once: when done, or when this writer is to lead */
	struct op *next;
};

struct mm_ledger {
	sqlite3 *db;
	pthread_mutex_t mu;
	pthread_cond_t cv;     /* the leader role is free (for acquire) */
	pthread_cond_t cv_enq; /* a waiting leader's queue reached want */
	size_t acquirers;      /* threads waiting in acquire() */
	size_t want;           /* how many queued operations the waiting leader waits for; SIZE_MAX: none */
	struct op *head, *tail;
	size_t qlen;
	size_t last_batch; /* size of the previous batch: how many writers are active */
	bool writing;

	/* state below is touched only by the leader */
	mm_merkle_acc acc;
	bool tree_bad;   /* the stored tree could not be loaded: nothing may be appended */
	mm_err tree_err; /* why */
	uint64_t size;
	int64_t last_time;
	uint64_t cp_size;
	int64_t cp_time_mono;
	bool has_signer;
	mm_note_signer signer;
	mm_note_verifier verifier;
	mm_buf enc;
	mm_hash nodes[64]; /* the Merkle nodes the entry being appended completes */
	unsigned nnodes;
	/*
	 * trow: the last row (entries tail_first .. size), as written or about to be.
	 * Appends go to it in memory; it is written when full, before an
	 * all-or-nothing group (whose rollback reads it back), and before the
	 * commit. Invalid after a failed batch, until load_tip reads it again.
	 */
	mm_buf trow;
	uint64_t tail_first;
	bool tail_stored; /* a row for tail_first exists in the database */
	bool tail_dirty;  /* the database's row lacks entries the buffer has */
	bool tail_valid;
	sqlite3_stmt *ins_row, *upd_row, *get_row, *ins_cp;
	sqlite3_stmt *sp_begin, *sp_release, *sp_rollback, *get_tip;
};

static int db_err(mm_err *err, sqlite3 *db, const char *what)
{
	return mm_err_set(err, MM_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

static int exec(sqlite3 *db, const char *sql, mm_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		mm_err_set(err, MM_EDB, "%s", msg ? msg : "sqlite error");
		sqlite3_free(msg);
		return MM_EDB;
	}
	return MM_OK;
}

static int open_db(const char *path, int flags, sqlite3 **out, mm_err *err)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
		mm_err_set(err, MM_EDB, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
		sqlite3_close(db);
		return MM_EDB;
	}
	sqlite3_busy_timeout(db, 10000);
	int rc = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
			 " PRAGMA mmap_size=1073741824;", err);
	if (rc) {
		mm_err_prefix(err, "%s", path);
		sqlite3_close(db);
		return rc;
	}
	*out = db;
	return MM_OK;
}

int mm_ledger_create(const char *path, const mm_note_signer *signer, mm_err *err)
{
	if (mm_file_exists(path))
		return mm_err_set(err, MM_EEXIST, "%s: already exists; refusing to overwrite", path);
	/* the records are the municipality's: owner-only from the first byte (SQLite gives its -wal and -shm
	   files the same mode) */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return mm_err_set(err, errno == EEXIST ? MM_EEXIST : MM_EIO, "%s: %s", path, strerror(errno));
	close(fd);
	sqlite3 *db = NULL;
	int rc = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db, err);
	if (rc)
		return rc;
	mm_buf key;
	mm_buf_init(&key, MM_KEY_FILE_MAX);
	sqlite3_stmt *st = NULL;
	if ((rc = exec(db, "BEGIN", err)) || (rc = exec(db, schema_sql, err)))
		goto out;
	if ((rc = mm_note_verifier_format(&signer->v, &key))) {
		mm_err_set(err, rc, "formatting key");
		goto out;
	}
	if (sqlite3_prepare_v2(db, "INSERT INTO meta(key, value) VALUES(?, ?)", -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(err, db, "create");
		goto out;
	}
	const char *keys[] = {"format", "verifier", "origin"};
	const char *vals[] = {MM_LEDGER_FORMAT, (const char *)key.p, signer->v.name};
	for (size_t i = 0; i < 3; i++) {
		sqlite3_bind_text(st, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, vals[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = db_err(err, db, "create");
			goto out;
		}
		sqlite3_reset(st);
	}
	rc = exec(db, "COMMIT", err);
out:
	sqlite3_finalize(st);
	mm_buf_release(&key);
	sqlite3_close(db);
	if (rc)
		remove(path);
	return rc;
}

static int node_fn(void *ctx, unsigned level, uint64_t index, mm_hash out)
{
	mm_ledger *l = ctx;
	/* node (level, index) is stored with the entry that completed it: seq (index + 1) << level */
	if (level > 62 || index >= (UINT64_C(1) << (62 - level)))
		return MM_ENOTFOUND;
	uint64_t seq = (index + 1) << level;
	sqlite3_stmt *st = l->get_row;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)row_first(seq));
	int rc = MM_ENOTFOUND;
	row_rec r;
	if (sqlite3_step(st) == SQLITE_ROW &&
	    row_find(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), seq, &r) && r.nnodes >= level) {
		memcpy(out, level == 0 ? r.hash : r.nodes + (size_t)(level - 1) * MM_SHA256_LEN, MM_SHA256_LEN);
		rc = MM_OK;
	}
	sqlite3_reset(st);
	return rc;
}

/* Rebuild the accumulator for the current size from stored perfect subtrees. */
static int load_acc(mm_ledger *l, mm_err *err)
{
	mm_merkle_acc_init(&l->acc);
	l->acc.size = l->size;
	uint64_t start = 0;
	for (int lvl = 63; lvl >= 0; lvl--) {
		uint64_t bit = (uint64_t)1 << lvl;
		if (!(l->size & bit))
			continue;
		if (node_fn(l, (unsigned)lvl, start >> lvl, l->acc.level[lvl]) != MM_OK)
			return mm_err_set(err, MM_ECORRUPT, "ledger: Merkle node (%d, %llu) is missing", lvl,
					  (unsigned long long)(start >> lvl));
		start += bit;
	}
	return MM_OK;
}

static int load_signer(const char *path, mm_note_signer *s, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_KEY_FILE_MAX);
	int rc = mm_file_read(path, MM_KEY_FILE_MAX, &b, err);
	if (!rc)
		rc = mm_note_signer_parse((const char *)b.p, b.len, s, err);
	if (rc)
		mm_err_prefix(err, "signing key %s", path);
	mm_buf_wipe(&b);
	return rc;
}

static int prepare(mm_ledger *l, mm_err *err)
{
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} q[] = {
		{&l->ins_row, "INSERT INTO ledger(first, last, data) VALUES(?, ?, ?)"},
		{&l->upd_row, "UPDATE ledger SET last = ?, data = ? WHERE first = ?"},
		{&l->get_row, "SELECT last, data FROM ledger WHERE first = ?"},
		{&l->ins_cp, "INSERT OR REPLACE INTO checkpoint(size, time_ns, note) VALUES(?, ?, ?)"},
		{&l->get_tip, "SELECT last FROM ledger ORDER BY first DESC LIMIT 1"},
		{&l->sp_begin, "SAVEPOINT op"},
		{&l->sp_release, "RELEASE op"},
		{&l->sp_rollback, "ROLLBACK TO op"},
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++)
		if (sqlite3_prepare_v3(l->db, q[i].sql, -1, SQLITE_PREPARE_PERSISTENT, q[i].st, NULL) != SQLITE_OK)
			return db_err(err, l->db, "ledger: preparing statements");
	return MM_OK;
}

static int load_tip(mm_ledger *l, mm_err *err);

static int load_state(mm_ledger *l, mm_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	if (sqlite3_prepare_v2(l->db, "SELECT value FROM meta WHERE key = 'format'", -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EINVAL, "not a mamori database: %s", sqlite3_errmsg(l->db));
	if (sqlite3_step(st) != SQLITE_ROW || !sqlite3_column_text(st, 0)) {
		rc = mm_err_set(err, MM_EINVAL, "not a mamori database: no format");
		goto out;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), MM_LEDGER_FORMAT) != 0) {
		rc = mm_err_set(err, MM_EUNSUPPORTED, "ledger format %.64s is not supported (this build reads %s)",
				(const char *)sqlite3_column_text(st, 0), MM_LEDGER_FORMAT);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT value FROM meta WHERE key = 'verifier'", -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EINVAL, "not a mamori database: %s", sqlite3_errmsg(l->db));
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = mm_err_set(err, MM_EINVAL, "not a mamori database: no verifier key");
		goto out;
	}
	const char *v = (const char *)sqlite3_column_text(st, 0);
	if ((rc = mm_note_verifier_parse(v, strlen(v), &l->verifier, err)))
		goto out;
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = prepare(l, err)))
		goto out;
	rc = load_tip(l, err);
out:
	sqlite3_finalize(st);
	return rc;
}

/*
 * Read the tip of the ledger — size, last time, last checkpoint and the
 * accumulator — from the database. Called at open, and inside a write
 * transaction whenever another process has appended since.
 */
static int load_tip(mm_ledger *l, mm_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	l->size = 0;
	l->last_time = 0;
	l->cp_size = 0;
	mm_buf_reset(&l->trow);
	l->tail_first = 1;
	l->tail_stored = l->tail_dirty = false;
	l->tail_valid = true;
	bool tail_bad = false;
	if (sqlite3_prepare_v2(l->db, "SELECT first, data FROM ledger ORDER BY first DESC LIMIT 1", -1, &st, NULL) !=
	    SQLITE_OK) {
		rc = db_err(err, l->db, "ledger");
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW) {
		/* the size is what the last row holds; a damaged row stops writes (below), not the open */
		uint64_t first = (uint64_t)sqlite3_column_int64(st, 0);
		const uint8_t *p = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1), rest;
		row_rec r;
		bool damaged = false;
		unsigned k = first >= 1 ? row_count(p, n, &damaged, &rest) : 0;
		tail_bad = first < 1 || first != row_first(first) || damaged || rest || k == 0;
		l->size = first >= 1 ? first + k - 1 : 0;
		mm_entry e;
		if (!tail_bad && row_find(p, n, l->size, &r) && mm_entry_decode(r.entry, r.len, &e, NULL) == MM_OK)
			l->last_time = e.time_ns;
		if (!tail_bad && (rc = mm_buf_append(&l->trow, p, n))) {
			mm_err_set(err, rc, "ledger: %s", mm_strerror(rc));
			goto out;
		}
		l->tail_first = first;
		l->tail_stored = true;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(l->db, "SELECT max(size) FROM checkpoint", -1, &st, NULL) != SQLITE_OK) {
		rc = db_err(err, l->db, "ledger");
		goto out;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		l->cp_size = (uint64_t)sqlite3_column_int64(st, 0);
	l->cp_time_mono = mm_mono_ns();
	/*
	 * A damaged stored tree must not stop the database from opening, or
	 * `ledger verify` could not name the damage; it stops every write.
	 */
	mm_err_clear(&l->tree_err);
	if (tail_bad)
		l->tree_bad = mm_err_set(&l->tree_err, MM_ECORRUPT, "ledger: the last row (from entry %llu) is damaged",
					 (unsigned long long)l->tail_first) != MM_OK;
	else
		l->tree_bad = load_acc(l, &l->tree_err) != MM_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

int mm_ledger_open(const char *path, const char *signer_path, mm_ledger **out, mm_err *err)
{
	*out = NULL;
	if (!mm_file_exists(path))
		return mm_err_set(err, MM_ENOTFOUND, "%s: no such database (create it with `mamori init`)", path);
	mm_ledger *l = calloc(1, sizeof *l);
	if (!l)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	l->want = SIZE_MAX;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv_enq, &ca);
	pthread_condattr_destroy(&ca);
	mm_buf_init(&l->enc, MM_ENTRY_MAX);
	mm_buf_init(&l->trow, ROW_DATA_MAX);
	int rc = open_db(path, SQLITE_OPEN_READWRITE, &l->db, err);
	if (rc)
		goto fail;
	if ((rc = load_state(l, err)))
		goto fail;
	if (signer_path) {
		if ((rc = load_signer(signer_path, &l->signer, err)))
			goto fail;
		if (memcmp(l->signer.v.pk, l->verifier.pk, MM_ED25519_PK_LEN) != 0) {
			rc = mm_err_set(err, MM_ECRYPTO, "signing key %s does not belong to this database",
					signer_path);
			goto fail;
		}
		l->has_signer = true;
	}
	*out = l;
	return MM_OK;
fail:
	l->has_signer = false; /* no final checkpoint on a failed open */
	mm_ledger_close(l, NULL);
	return rc;
}

sqlite3 *mm_ledger_db(mm_ledger *l)
{
	return l->db;
}

const mm_note_verifier *mm_ledger_verifier(const mm_ledger *l)
{
	return &l->verifier;
}

uint64_t mm_ledger_size(mm_ledger *l)
{
	pthread_mutex_lock(&l->mu);
	uint64_t n = l->size;
	pthread_mutex_unlock(&l->mu);
	return n;
}

/* Collect the nodes a push completes (levels 1, 2, … in order) for the entry's row. */
static void emit_node(void *ctx, unsigned level, uint64_t index, const mm_hash h)
{
	mm_ledger *l = ctx;
	(void)level, (void)index;
	memcpy(l->nodes[l->nnodes++], h, MM_SHA256_LEN);
}

/* Sign and store a checkpoint of the current tree (inside a transaction). */
static int write_checkpoint(mm_ledger *l, mm_buf *out, mm_err *err)
{
	mm_checkpoint c;
	memset(&c, 0, sizeof c);
	snprintf(c.origin, sizeof c.origin, "%s", l->signer.v.name);
	c.size = l->size;
	c.time_ns = l->last_time > mm_now_ns() ? l->last_time : mm_now_ns();
	mm_merkle_acc_root(&l->acc, c.root);
	mm_buf body, note;
	mm_buf_init(&body, MM_NOTE_MAX);
	mm_buf_init(&note, MM_NOTE_MAX);
	int rc = mm_checkpoint_format(&c, &body);
	if (rc) {
		mm_err_set(err, rc, "checkpoint: %s", mm_strerror(rc));
		goto out;
	}
	if ((rc = mm_note_sign(&l->signer, (const char *)body.p, body.len, &note, err)))
		goto out;
	sqlite3_bind_int64(l->ins_cp, 1, (sqlite3_int64)c.size);
	sqlite3_bind_int64(l->ins_cp, 2, c.time_ns);
	sqlite3_bind_text(l->ins_cp, 3, (const char *)note.p, (int)note.len, SQLITE_STATIC);
	if (sqlite3_step(l->ins_cp) != SQLITE_DONE)
		rc = db_err(err, l->db, "storing checkpoint");
	sqlite3_reset(l->ins_cp);
	if (!rc && out && (rc = mm_buf_append(out, note.p, note.len)))
		mm_err_set(err, rc, "checkpoint: %s", mm_strerror(rc));
out:
	mm_buf_release(&body);
	mm_buf_release(&note);
	return rc;
}

static int run_stmt(mm_ledger *l, sqlite3_stmt *st, mm_err *err)
{
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	return r == SQLITE_DONE ? MM_OK : db_err(err, l->db, "savepoint");
}

static void undo_op(mm_ledger *l)
{
	run_stmt(l, l->sp_rollback, NULL);
	run_stmt(l, l->sp_release, NULL);
}

static int copy_entry(void *ctx, sqlite3 *db, uint64_t seq, int64_t t, mm_entry *e, mm_err *err);

/* Read the row of entry l->size into the tail again (after a rollback to a savepoint). */
static int reload_tail(mm_ledger *l, mm_err *err)
{
	mm_buf_reset(&l->trow);
	l->tail_first = l->size ? row_first(l->size) : 1;
	l->tail_stored = l->tail_dirty = false;
	l->tail_valid = false;
	if (l->size) {
		sqlite3_stmt *st = l->get_row;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)l->tail_first);
		row_rec r;
		int rc = MM_OK;
		if (sqlite3_step(st) != SQLITE_ROW || (uint64_t)sqlite3_column_int64(st, 0) != l->size ||
		    !row_find(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), l->size, &r))
			rc = mm_err_set(err, MM_ECORRUPT, "ledger: the row of entry %llu cannot be read back",
					(unsigned long long)l->size);
		else if ((rc = mm_buf_append(&l->trow, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))))
			mm_err_set(err, rc, "ledger: %s", mm_strerror(rc));
		sqlite3_reset(st);
		if (rc)
			return rc;
		l->tail_stored = true;
	}
	l->tail_valid = true;
	return MM_OK;
}

/* Write the tail row if the database's copy lacks entries. */
static int flush_tail(mm_ledger *l, mm_err *err)
{
	if (!l->tail_dirty)
		return MM_OK;
	sqlite3_stmt *st = l->tail_stored ? l->upd_row : l->ins_row;
	int i = l->tail_stored ? 0 : 1; /* UPDATE binds first last; INSERT first */
	sqlite3_bind_int64(st, l->tail_stored ? 3 : 1, (sqlite3_int64)l->tail_first);
	sqlite3_bind_int64(st, 1 + i, (sqlite3_int64)l->size);
	sqlite3_bind_blob(st, 2 + i, l->trow.p, (int)l->trow.len, SQLITE_STATIC);
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		l->tail_valid = false; /* the batch is abandoned and the tail read again */
		return db_err(err, l->db, "appending entries");
	}
	l->tail_stored = true;
	l->tail_dirty = false;
	return MM_OK;
}

/* Add entry seq (in l->enc, with leaf and l->nodes) to the tail row, starting a new one after a full one. */
static int tail_append(mm_ledger *l, uint64_t seq, const mm_hash leaf, mm_err *err)
{
	if (seq < l->tail_first || seq - l->tail_first > ROW_ENTRIES)
		return mm_err_set(err, MM_ECORRUPT, "ledger: entry %llu does not follow the last row",
				  (unsigned long long)seq);
	if (seq - l->tail_first == ROW_ENTRIES) {
		mm_buf_reset(&l->trow);
		l->tail_first = seq;
		l->tail_stored = false;
	}
	int rc = row_append(&l->trow, l->enc.p, l->enc.len, leaf, (const mm_hash *)l->nodes, l->nnodes);
	if (rc)
		return mm_err_set(err, rc, "appending entry: %s", mm_strerror(rc));
	l->tail_dirty = true;
	return MM_OK;
}

/* Run one operation inside the open transaction. */
static int run_op(mm_ledger *l, struct op *o)
{
	/*
	 * A plain append only adds to the tail row in memory: only callbacks
	 * that write need a savepoint. The tail changes only once the callback
	 * has succeeded, and a row written inside the savepoint (a full one) is
	 * written after everything that can fail, so rolling back to it leaves
	 * the database and the tail in step without writing the tail first.
	 */
	bool sp = o->fn != copy_entry;
	mm_entry e;
	memset(&e, 0, sizeof e);
	uint64_t seq = l->size + 1;
	int64_t now = mm_now_ns();
	int64_t t = now > l->last_time ? now : l->last_time; /* time never goes backwards */
	int rc;
	if (sp && (rc = run_stmt(l, l->sp_begin, o->err)))
		return rc;
	rc = o->fn(o->ctx, l->db, seq, t, &e, o->err);
	if (rc)
		goto undo;
	e.seq = seq;
	e.time_ns = t;
	mm_buf_reset(&l->enc);
	if ((rc = mm_entry_encode(&e, &l->enc, o->err)))
		goto undo;
	mm_hash leaf;
	mm_merkle_leaf(l->enc.p, l->enc.len, leaf);
	l->nnodes = 0;
	mm_merkle_acc_push(&l->acc, leaf, emit_node, l);
	if ((rc = tail_append(l, seq, leaf, o->err))) {
		/*
		 * A push only reads the levels below the one it writes, and that one
		 * was unused at the old size, so taking the size back undoes it.
		 */
		l->acc.size = seq - 1;
		goto undo;
	}
	l->size = seq;
	l->last_time = t;
	o->seq = seq;
	/* a full row is written at once: a row is never rewritten once it holds ROW_ENTRIES */
	if (seq - l->tail_first == ROW_ENTRIES - 1 && (rc = flush_tail(l, o->err)))
		return rc; /* tail_valid is false: run_batch abandons the batch */
	if (sp && (rc = run_stmt(l, l->sp_release, o->err)))
		l->tail_valid = false; /* the entry is in the transaction but reported failed: abandon the batch */
	return rc;
undo:
	if (sp)
		undo_op(l);
	return rc;
}

/*
 * Run an operation of o->n entries inside its own savepoint: if any of
 * them fails, every one is undone and the tree is put back as it was.
 */
static int run_group(mm_ledger *l, struct op *o)
{
	mm_merkle_acc saved_acc = l->acc;
	uint64_t saved_size = l->size;
	int64_t saved_time = l->last_time;
	uint64_t first = l->size + 1;
	int rc = flush_tail(l, o->err);
	if (rc)
		return rc;
	if (sqlite3_exec(l->db, "SAVEPOINT grp", NULL, NULL, NULL) != SQLITE_OK)
		return db_err(o->err, l->db, "savepoint");
	for (size_t i = 0; i < o->n; i++)
		if ((rc = run_op(l, o)))
			goto undo;
	if (sqlite3_exec(l->db, "RELEASE grp", NULL, NULL, NULL) != SQLITE_OK) {
		rc = db_err(o->err, l->db, "savepoint");
		goto undo;
	}
	o->seq = first;
	return MM_OK;
undo:
	sqlite3_exec(l->db, "ROLLBACK TO grp", NULL, NULL, NULL);
	sqlite3_exec(l->db, "RELEASE grp", NULL, NULL, NULL);
	l->acc = saved_acc;
	l->size = saved_size;
	l->last_time = saved_time;
	/* the rows are as they were before the group; if the tail cannot be read back, the batch is abandoned */
	reload_tail(l, NULL);
	o->seq = 0;
	return rc;
}

static bool checkpoint_due(const mm_ledger *l)
{
	if (!l->has_signer || l->size == l->cp_size)
		return false;
	return l->size - l->cp_size >= MM_CHECKPOINT_EVERY_N ||
	       mm_mono_ns() - l->cp_time_mono >= MM_CHECKPOINT_EVERY_NS;
}

/*
 * BEGIN IMMEDIATE or COMMIT, retried while another process holds the
 * write lock. SQLite skips its busy handler where waiting could deadlock
 * and a COMMIT refused as busy stays open to be retried, so a bounded
 * retry here is what makes several writing processes safe.
 */
static int exec_busy(mm_ledger *l, const char *sql, mm_err *err)
{
	int64_t deadline = mm_mono_ns() + MM_WRITE_BUSY_WAIT_NS;
	for (unsigned delay_us = 100;; delay_us = delay_us < 20000 ? delay_us * 2 : 20000) {
		int r = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
		if (r == SQLITE_OK)
			return MM_OK;
		if ((r & 0xff) != SQLITE_BUSY && (r & 0xff) != SQLITE_LOCKED)
			return db_err(err, l->db, sql);
		if (mm_mono_ns() > deadline)
			return mm_err_set(err, MM_EDB, "%s: another process held the database for more than %lld s",
					  sql, (long long)(MM_WRITE_BUSY_WAIT_NS / 1000000000));
		struct timespec ts = {0, (long)delay_us * 1000};
		nanosleep(&ts, NULL);
	}
}

/*
 * Inside a write transaction: if another process appended since we last
 * looked, reload the tip, so this process never writes on a stale tree.
 */
static int sync_tip(mm_ledger *l, mm_err *err)
{
	int r = sqlite3_step(l->get_tip);
	uint64_t tip = r == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(l->get_tip, 0) : 0;
	sqlite3_reset(l->get_tip);
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		return db_err(err, l->db, "reading the ledger's tip");
	int rc = tip == l->size && l->tail_valid ? MM_OK : load_tip(l, err);
	if (!rc && l->tree_bad)
		rc = mm_err_set(err, l->tree_err.code, "%s", l->tree_err.msg);
	return rc;
}

/* Commit a batch of operations in one transaction. Leader only. */
static void run_batch(mm_ledger *l, struct op *batch)
{
	mm_err txerr;
	mm_err_clear(&txerr);
	/* a ROLLBACK that itself failed (out of memory) leaves a transaction behind */
	if (!sqlite3_get_autocommit(l->db))
		exec(l->db, "ROLLBACK", NULL);
	int rc = exec_busy(l, "BEGIN IMMEDIATE", &txerr);
	if (rc)
		mm_err_prefix(&txerr, "starting the write");
	if (!rc && (rc = sync_tip(l, &txerr)))
		exec(l->db, "ROLLBACK", NULL);
	mm_merkle_acc saved_acc = l->acc;
	uint64_t saved_size = l->size;
	int64_t saved_time = l->last_time, saved_cp_mono = l->cp_time_mono;
	uint64_t saved_cp = l->cp_size;
	if (!rc) {
		for (struct op *o = batch; o; o = o->next) {
			o->rc = o->n > 1 ? run_group(l, o) : run_op(l, o);
			/*
			 * The accumulator out of step, or SQLite rolled the whole
			 * transaction back (it may on I/O errors and out of memory):
			 * abandon the batch, or later operations would run outside it.
			 */
			if (o->rc && (l->acc.size != l->size || !l->tail_valid || sqlite3_get_autocommit(l->db))) {
				rc = o->rc;
				txerr = *o->err;
				break;
			}
		}
		if (!rc)
			rc = flush_tail(l, &txerr);
		if (!rc && checkpoint_due(l)) {
			rc = write_checkpoint(l, NULL, &txerr);
			if (!rc) {
				l->cp_size = l->size;
				l->cp_time_mono = mm_mono_ns();
			}
		}
		if (!rc && (rc = exec_busy(l, "COMMIT", &txerr)))
			mm_err_prefix(&txerr, "committing");
		if (rc)
			exec(l->db, "ROLLBACK", NULL);
	}
	if (rc) {
		l->tail_valid = false; /* read again by the next write's sync_tip */
		l->acc = saved_acc;
		l->size = saved_size;
		l->last_time = saved_time;
		l->cp_size = saved_cp;
		l->cp_time_mono = saved_cp_mono;
		for (struct op *o = batch; o; o = o->next) {
			if (!o->rc || o->rc == MM_EDB) {
				o->rc = mm_err_set(o->err, MM_EDB, "commit failed: %s", txerr.msg);
				o->seq = 0;
			}
		}
	}
}

/* Post each operation of a list; it may be gone the moment it is posted. */
static void wake_all(struct op *o, const struct op *except)
{
	while (o) {
		struct op *next = o->next;
		if (o != except)
			sem_post(&o->wake);
		o = next;
	}
}

/*
 * Give up the leader role (l->mu held): to a thread waiting in acquire(),
 * else to the first queued operation's thread, else to whoever comes
 * next. Returns the operation to post once l->mu is released, or NULL.
 */
static struct op *hand_off(mm_ledger *l)
{
	/* someone waiting in acquire() goes first, so a busy queue cannot starve proofs and checkpoints */
	if (l->head && !l->acquirers)
		return l->head; /* its thread wakes, finds its operation not done, and leads */
	l->writing = false;
	pthread_cond_broadcast(&l->cv);
	return NULL;
}

/* Commit batches until mine is done, then hand the role on. Called with l->mu held, as the leader. */
static void lead(mm_ledger *l, struct op *mine)
{
	for (;;) {
		/*
		 * Writers woken by the previous commit are re-queueing now: give them
		 * a moment (bounded) so one commit carries them all instead of one.
		 */
		if (l->last_batch > 1 && l->qlen < l->last_batch) {
			struct timespec until;
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_nsec += MM_GROUP_COMMIT_WAIT_NS;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			l->want = l->last_batch;
			while (l->qlen < l->last_batch)
				if (pthread_cond_timedwait(&l->cv_enq, &l->mu, &until) != 0)
					break;
			l->want = SIZE_MAX;
		}
		struct op *batch = l->head, *last = batch;
		size_t n = 1;
		while (last->next && n < MM_GROUP_COMMIT_MAX) {
			last = last->next;
			n++;
		}
		l->head = last->next;
		if (!l->head)
			l->tail = NULL;
		last->next = NULL;
		l->qlen -= n;
		l->last_batch = n;
		pthread_mutex_unlock(&l->mu);
		run_batch(l, batch);
		pthread_mutex_lock(&l->mu);
		for (struct op *o = batch; o; o = o->next)
			o->done = true;
		struct op *heir = mine->done ? hand_off(l) : NULL;
		pthread_mutex_unlock(&l->mu);
		/* one post per finished writer: no herd on a shared condition variable */
		wake_all(batch, mine);
		if (mine->done) {
			if (heir)
				sem_post(&heir->wake);
			return;
		}
		pthread_mutex_lock(&l->mu); /* mine is further down a queue longer than one batch */
	}
}

int mm_ledger_submit(mm_ledger *l, mm_ledger_apply_fn fn, void *ctx, uint64_t *seq, mm_err *err)
{
	return mm_ledger_submit_n(l, fn, ctx, 1, seq, err);
}

int mm_ledger_submit_n(mm_ledger *l, mm_ledger_apply_fn fn, void *ctx, size_t n, uint64_t *seq, mm_err *err)
{
	mm_err local;
	mm_err_clear(&local);
	if (n == 0 || n > MM_LEDGER_GROUP_MAX)
		return mm_err_set(err, MM_ELIMIT, "%zu entries in one all-or-nothing write; 1..%u are allowed", n,
				  MM_LEDGER_GROUP_MAX);
	struct op o = {.fn = fn, .ctx = ctx, .n = n, .err = err ? err : &local};
	if (sem_init(&o.wake, 0, 0) != 0)
		return mm_err_set(o.err, MM_ENOMEM, "ledger: cannot make a semaphore: %s", strerror(errno));
	pthread_mutex_lock(&l->mu);
	if (l->tail)
		l->tail->next = &o;
	else
		l->head = &o;
	l->tail = &o;
	l->qlen++;
	if (l->qlen >= l->want)
		pthread_cond_signal(&l->cv_enq); /* the waiting leader has all it waits for */
	bool leader = !l->writing;
	l->writing = true;
	if (!leader) {
		pthread_mutex_unlock(&l->mu);
		/* posted once: when done, or when the role of leader is handed to us */
		while (sem_wait(&o.wake) != 0)
			;
		/* the post orders the leader's writes to o before this read */
		leader = !o.done;
		if (leader)
			pthread_mutex_lock(&l->mu);
	}
	if (leader)
		lead(l, &o);
	sem_destroy(&o.wake);
	if (seq)
		*seq = o.seq;
	return o.rc;
}

static int copy_entry(void *ctx, sqlite3 *db, uint64_t seq, int64_t t, mm_entry *e, mm_err *err)
{
	(void)db, (void)seq, (void)t, (void)err;
	*e = *(const mm_entry *)ctx;
	return MM_OK;
}

int mm_ledger_append(mm_ledger *l, const mm_entry *e, uint64_t *seq, mm_err *err)
{
	return mm_ledger_submit(l, copy_entry, (void *)e, seq, err);
}

/* Take the leader role for work outside the queue (checkpoints, proofs). */
static void acquire(mm_ledger *l)
{
	pthread_mutex_lock(&l->mu);
	l->acquirers++;
	while (l->writing)
		pthread_cond_wait(&l->cv, &l->mu);
	l->acquirers--;
	l->writing = true;
	pthread_mutex_unlock(&l->mu);
}

static void release(mm_ledger *l)
{
	pthread_mutex_lock(&l->mu);
	struct op *heir = hand_off(l);
	pthread_mutex_unlock(&l->mu);
	if (heir)
		sem_post(&heir->wake);
}

int mm_ledger_checkpoint(mm_ledger *l, bool force, mm_buf *out, mm_err *err)
{
	if (!l->has_signer)
		return mm_err_set(err, MM_ECRYPTO, "no signing key: cannot make a checkpoint");
	acquire(l);
	int rc = MM_OK;
	if (!sqlite3_get_autocommit(l->db))
		exec(l->db, "ROLLBACK", NULL);
	if (!force && l->size == l->cp_size) {
		release(l);
		return out ? mm_ledger_latest_checkpoint(l, out, err) : MM_OK;
	}
	if ((rc = exec_busy(l, "BEGIN IMMEDIATE", err)))
		goto out;
	if ((rc = sync_tip(l, err))) {
		exec(l->db, "ROLLBACK", NULL);
		goto out;
	}
	rc = write_checkpoint(l, out, err);
	if (!rc)
		rc = exec_busy(l, "COMMIT", err);
	if (rc)
		exec(l->db, "ROLLBACK", NULL);
	else {
		l->cp_size = l->size;
		l->cp_time_mono = mm_mono_ns();
	}
out:
	release(l);
	return rc;
}

int mm_ledger_latest_checkpoint(mm_ledger *l, mm_buf *out, mm_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	acquire(l);
	if (sqlite3_prepare_v2(l->db, "SELECT note FROM checkpoint ORDER BY size DESC LIMIT 1", -1, &st, NULL) !=
	    SQLITE_OK) {
		rc = db_err(err, l->db, "checkpoint");
		goto out;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = mm_err_set(err, MM_ENOTFOUND, "no checkpoint has been made yet");
		goto out;
	}
	if ((rc = mm_buf_append(out, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0))))
		mm_err_set(err, rc, "checkpoint: %s", mm_strerror(rc));
out:
	sqlite3_finalize(st);
	release(l);
	return rc;
}

int mm_ledger_get(mm_ledger *l, uint64_t seq, mm_buf *out, mm_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	acquire(l);
	if (sqlite3_prepare_v2(l->db, "SELECT data FROM ledger WHERE first = ? AND last >= ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		rc = db_err(err, l->db, "ledger");
		goto out;
	}
	row_rec r;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(seq ? row_first(seq) : 0));
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	if (seq == 0 || sqlite3_step(st) != SQLITE_ROW ||
	    !row_find(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), seq, &r)) {
		rc = mm_err_set(err, MM_ENOTFOUND, "no entry %llu", (unsigned long long)seq);
		goto out;
	}
	if ((rc = mm_buf_append(out, r.entry, r.len)))
		mm_err_set(err, rc, "entry: %s", mm_strerror(rc));
out:
	sqlite3_finalize(st);
	release(l);
	return rc;
}

int mm_ledger_inclusion(mm_ledger *l, uint64_t seq, uint64_t tree_size, mm_hash leaf,
			mm_hash path[MM_PROOF_MAX], size_t *n, mm_err *err)
{
	acquire(l);
	int rc = MM_OK;
	if (seq == 0 || seq > tree_size || tree_size > l->size) {
		rc = mm_err_set(err, MM_EINVAL, "entry %llu is not in a tree of %llu entries (ledger has %llu)",
				(unsigned long long)seq, (unsigned long long)tree_size,
				(unsigned long long)l->size);
		goto out;
	}
	mm_merkle_src src = {node_fn, l};
	if ((rc = node_fn(l, 0, seq - 1, leaf)) || (rc = mm_merkle_inclusion(&src, seq - 1, tree_size, path, n)))
		mm_err_set(err, rc == MM_ENOTFOUND ? MM_ECORRUPT : rc, "inclusion proof: stored tree incomplete");
out:
	release(l);
	return rc ? (err ? err->code : rc) : MM_OK;
}

int mm_ledger_consistency(mm_ledger *l, uint64_t old_size, uint64_t new_size,
			  mm_hash proof[MM_PROOF_MAX], size_t *n, mm_err *err)
{
	acquire(l);
	int rc = MM_OK;
	if (old_size > new_size || new_size > l->size) {
		rc = mm_err_set(err, MM_EINVAL, "no consistency proof from %llu to %llu (ledger has %llu)",
				(unsigned long long)old_size, (unsigned long long)new_size,
				(unsigned long long)l->size);
		goto out;
	}
	mm_merkle_src src = {node_fn, l};
	if ((rc = mm_merkle_consistency(&src, old_size, new_size, proof, n)))
		rc = mm_err_set(err, MM_ECORRUPT, "consistency proof: stored tree incomplete");
out:
	release(l);
	return rc;
}

int mm_ledger_root(mm_ledger *l, uint64_t size, mm_hash out, mm_err *err)
{
	acquire(l);
	int rc = MM_OK;
	if (size > l->size) {
		rc = mm_err_set(err, MM_EINVAL, "ledger has only %llu entries", (unsigned long long)l->size);
	} else {
		mm_merkle_src src = {node_fn, l};
		if (mm_merkle_root(&src, size, out))
			rc = mm_err_set(err, MM_ECORRUPT, "root: stored tree incomplete");
	}
	release(l);
	return rc;
}

int mm_ledger_close(mm_ledger *l, mm_err *err)
{
	if (!l)
		return MM_OK;
	int rc = MM_OK;
	if (l->has_signer && l->db && l->size != l->cp_size)
		rc = mm_ledger_checkpoint(l, false, NULL, err);
	sqlite3_finalize(l->ins_row);
	sqlite3_finalize(l->upd_row);
	sqlite3_finalize(l->get_row);
	sqlite3_finalize(l->ins_cp);
	sqlite3_finalize(l->sp_begin);
	sqlite3_finalize(l->sp_release);
	sqlite3_finalize(l->sp_rollback);
	sqlite3_finalize(l->get_tip);
	sqlite3_close(l->db);
	mm_note_signer_wipe(&l->signer);
	mm_buf_release(&l->enc);
	mm_buf_release(&l->trow);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	pthread_cond_destroy(&l->cv_enq);
	free(l);
	return rc;
}
