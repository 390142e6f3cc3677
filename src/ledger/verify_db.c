/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Database verification on every core. The ledger is cut into chunks of
 * 2^CHUNK_LOG entries aligned in the tree, so each chunk is one perfect
 * subtree. Workers take chunks in order, each on a read-only connection of
 * its own, and do all the per-entry work there: decode, leaf hash, the
 * Merkle nodes inside the chunk against the stored ones, and the tree state
 * at every checkpoint size in the chunk. This thread folds the chunks in
 * order — time across chunk edges, the nodes above the chunks, checkpoint
 * roots, the visitor — so the findings and their order are exactly those
 * of one pass over the entries.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/rows.h"
#include "ledger/verify_int.h"
#include "base/banned.h"

#define CHUNK_LOG 10
#define CHUNK ((uint64_t)1 << CHUNK_LOG)
#define WORKERS_MAX 8 /* more cores than this do not help: the fold is serial */
#define SLOTS_PER_WORKER 3
#define UPPER_MAX ((64 - CHUNK_LOG) * MM_SHA256_LEN)

/* The tree inside a chunk after its first size - base entries: levels below CHUNK_LOG. */
typedef struct vsnap {
	uint64_t size;
	mm_hash level[CHUNK_LOG];
} vsnap;

enum { SLOT_FREE, SLOT_BUSY, SLOT_READY };

typedef struct vchunk {
	int state;
	uint64_t base; /* entries base+1 .. base+CHUNK */
	uint64_t good; /* leading entries that passed every check inside the chunk */
	bool first_timed; /* the first entry got as far as the time check: first_time is its time */
	int64_t first_time, last_time;
	mm_hash root;  /* the chunk's subtree root, when all CHUNK entries are good */
	uint8_t upper[UPPER_MAX]; /* the last entry's stored nodes above CHUNK_LOG */
	size_t upper_len;          /* their stored length (upper holds at most UPPER_MAX) */
	vsnap *snaps;             /* tree state at each checkpoint size inside, ascending */
	size_t nsnaps, capsnaps;
	vsnap end;                /* tree state after the good entries, unless all CHUNK are good */
	bool found;
	vfind find;
	int rc;
	mm_err err;
} vchunk;

typedef struct vpool {
	vstate *vs;
	const char *path;
	uint64_t tip, nchunks, next;
	vchunk *slots;
	size_t nslots;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopped;
} vpool;

static int open_reader(const char *path, sqlite3 **db, mm_err *err)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(*db, "PRAGMA mmap_size=1073741824; BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "verify: %s", *db ? sqlite3_errmsg(*db) : "cannot open the database");
	return MM_OK;
}

/* Compares the nodes a leaf completes inside its chunk with those stored in its row. */
typedef struct nodecmp {
	const uint8_t *stored;
	size_t len;
	uint64_t base;
	bool bad;
	vfind *f;
} nodecmp;

static void node_mismatch(vfind *f, bool missing, unsigned level, uint64_t idx)
{
	uint64_t first = (idx << level) + 1, last = (idx + 1) << level;
	if (missing)
		vfind_set(f, first, "Merkle node (level %u, index %llu) over entries %llu..%llu is missing", level,
			  (unsigned long long)idx, (unsigned long long)first, (unsigned long long)last);
	else
		vfind_set(f, first,
			  "stored Merkle node (level %u, index %llu) does not match entries %llu..%llu: "
			  "one of them was changed after writing",
			  level, (unsigned long long)idx, (unsigned long long)first, (unsigned long long)last);
}

static void cmp_inner(void *ctx, unsigned level, uint64_t idx, const mm_hash h)
{
	nodecmp *c = ctx;
	if (c->bad)
		return;
	size_t off = (size_t)(level - 1) * MM_SHA256_LEN;
	bool missing = c->len < off + MM_SHA256_LEN;
	if (missing || memcmp(c->stored + off, h, MM_SHA256_LEN) != 0) {
		node_mismatch(c->f, missing, level, (c->base >> level) + idx);
		c->bad = true;
	}
}

static int add_snap(vchunk *ch, const mm_merkle_acc *local)
{
	if (ch->nsnaps == ch->capsnaps) {
		size_t cap = ch->capsnaps ? ch->capsnaps * 2 : 4;
		vsnap *p = realloc(ch->snaps, cap * sizeof *p);
		if (!p)
			return mm_err_set(&ch->err, MM_ENOMEM, "out of memory");
		ch->snaps = p;
		ch->capsnaps = cap;
	}
	vsnap *s = &ch->snaps[ch->nsnaps++];
	s->size = ch->base + local->size;
	memcpy(s->level, local->level, sizeof s->level);
	return MM_OK;
}

/* Name the entry after a gap: the first stored one past want. */
static void missing_entry(sqlite3 *db, uint64_t want, vfind *f)
{
	sqlite3_stmt *st = NULL;
	long long next = 0;
	if (sqlite3_prepare_v2(db, "SELECT min(first) FROM ledger WHERE first > ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)want);
		if (sqlite3_step(st) == SQLITE_ROW)
			next = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	vfind_set(f, want, "entry %llu is missing (the next stored entry is %lld)", (unsigned long long)want, next);
}

/* All the per-entry work of one chunk; touches only ch and read-only shared state. */
static void run_chunk(vpool *vp, sqlite3 *db, sqlite3_stmt *rows, vchunk *ch)
{
	const vstate *vs = vp->vs;
	uint64_t end = vp->tip - ch->base < CHUNK ? vp->tip : ch->base + CHUNK;
	mm_merkle_acc local;
	mm_merkle_acc_init(&local);
	/* checkpoints inside this chunk, in order (vs->cps is sorted and no longer changes) */
	size_t cp = 0;
	while (cp < vs->ncp && vs->cps[cp].size <= ch->base)
		cp++;
	sqlite3_reset(rows);
	sqlite3_bind_int64(rows, 1, (sqlite3_int64)ch->base + 1);
	sqlite3_bind_int64(rows, 2, (sqlite3_int64)end);
	int64_t prev = 0;
	uint64_t want = ch->base + 1;
	while (want <= end && !ch->found && !ch->rc) {
		int s = sqlite3_step(rows);
		if (s == SQLITE_DONE) {
			missing_entry(db, want, &ch->find);
			ch->found = true;
			break;
		}
		if (s != SQLITE_ROW) {
			ch->rc = mm_err_set(&ch->err, MM_EDB, "verify: %s", sqlite3_errmsg(db));
			break;
		}
		uint64_t first = (uint64_t)sqlite3_column_int64(rows, 0), last = (uint64_t)sqlite3_column_int64(rows, 1);
		const uint8_t *p = sqlite3_column_blob(rows, 2);
		size_t n = (size_t)sqlite3_column_bytes(rows, 2), off = 0;
		mm_entry e;
		mm_hash leaf;
		bool timed;
		if (first != want) {
			/* names the gap, or the entry stored twice */
			v_check_entry(want, first, p, 0, NULL, NULL, &timed, &e, leaf, &ch->find);
			ch->found = true;
			break;
		}
		if (first != row_first(first)) {
			vfind_set(&ch->find, first, "entry %llu: its row does not start on a row boundary (%u·k + 1)",
				  (unsigned long long)first, ROW_ENTRIES);
			ch->found = true;
			break;
		}
		/* the row's shape first, its damage named after the intact records before it */
		bool damaged;
		size_t rest;
		unsigned k = row_count(p, n, &damaged, &rest);
		uint64_t upto = first + k - 1 < end ? first + k - 1 : end;
		for (uint64_t seq = first; seq <= upto; seq++) {
			row_rec r;
			bool parsed_before;
			row_next(p, n, &off, &r, &parsed_before); /* row_count has parsed it */
			bool ok = v_check_entry(want, seq, r.entry, r.len, r.hash, want > ch->base + 1 ? &prev : NULL,
						&timed, &e, leaf, &ch->find);
			if (want == ch->base + 1 && timed) {
				ch->first_timed = true;
				ch->first_time = e.time_ns;
			}
			if (!ok) {
				ch->found = true;
				break;
			}
			nodecmp c = {r.nodes, (size_t)r.nnodes * MM_SHA256_LEN, ch->base, false, &ch->find};
			mm_merkle_acc_push(&local, leaf, cmp_inner, &c);
			if (c.bad) {
				ch->found = true;
				break;
			}
			size_t inner = (size_t)row_nodes(seq) * MM_SHA256_LEN;
			if (local.size == CHUNK) {
				/* the nodes above the chunk are the fold's to check */
				inner = (size_t)CHUNK_LOG * MM_SHA256_LEN;
				ch->upper_len = c.len - inner;
				memcpy(ch->upper, c.stored + inner, ch->upper_len < UPPER_MAX ? ch->upper_len : UPPER_MAX);
			} else if (c.len != inner) {
				vfind_set(&ch->find, seq, "entry %llu: %zu bytes of stored Merkle nodes where it completes %zu",
					  (unsigned long long)seq, c.len, inner / MM_SHA256_LEN);
				ch->found = true;
				break;
			}
			prev = e.time_ns;
			ch->last_time = e.time_ns;
			ch->good++;
			want = seq + 1;
			for (; cp < vs->ncp && vs->cps[cp].size <= seq; cp++)
				if (vs->cps[cp].size == seq && local.size < CHUNK &&
				    (!ch->nsnaps || ch->snaps[ch->nsnaps - 1].size != seq) && (ch->rc = add_snap(ch, &local)))
					return;
		}
		if (ch->found)
			break;
		uint64_t after = first + k; /* the first entry past the row's intact records */
		if (damaged && last == after - 1 && k)
			damaged = false; /* every entry the row claims is intact: what follows is stray bytes */
		if (damaged)
			vfind_set(&ch->find, after, "entry %llu: its stored record is damaged (its lengths run past the end of its row)",
				  (unsigned long long)after);
		else if (rest)
			vfind_set(&ch->find, after - 1, "entry %llu: %zu stray bytes follow the last record of its row",
				  (unsigned long long)(after - 1), rest);
		else if (last != after - 1)
			vfind_set(&ch->find, last < after - 1 ? last + 1 : after,
				  "entry %llu: the row from entry %llu says it ends at %llu but holds %u entries",
				  (unsigned long long)(last < after - 1 ? last + 1 : after), (unsigned long long)first,
				  (unsigned long long)last, k);
		ch->found = damaged || rest || last != after - 1;
	}
	if (local.size == CHUNK) {
		memcpy(ch->root, local.level[CHUNK_LOG], sizeof ch->root);
	} else {
		ch->end.size = ch->base + local.size;
		memcpy(ch->end.level, local.level, sizeof ch->end.level);
	}
}

static void *worker(void *arg)
{
	vpool *vp = arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *rows = NULL;
	mm_err oerr;
	mm_err_clear(&oerr);
	int orc = open_reader(vp->path, &db, &oerr);
	if (!orc && sqlite3_prepare_v3(db, "SELECT first, last, data FROM ledger WHERE first BETWEEN ? AND ? ORDER BY first",
				       -1, SQLITE_PREPARE_PERSISTENT, &rows, NULL) != SQLITE_OK)
		orc = mm_err_set(&oerr, MM_EDB, "verify: %s", sqlite3_errmsg(db));
	for (;;) {
		pthread_mutex_lock(&vp->mu);
		while (!vp->stopped && vp->next < vp->nchunks && vp->slots[vp->next % vp->nslots].state != SLOT_FREE)
			pthread_cond_wait(&vp->cv, &vp->mu);
		if (vp->stopped || vp->next >= vp->nchunks) {
			pthread_mutex_unlock(&vp->mu);
			break;
		}
		vchunk *ch = &vp->slots[vp->next % vp->nslots];
		ch->base = vp->next++ << CHUNK_LOG;
		ch->state = SLOT_BUSY;
		pthread_mutex_unlock(&vp->mu);

		ch->good = ch->nsnaps = ch->upper_len = 0;
		ch->first_timed = ch->found = false;
		ch->rc = orc;
		ch->err = oerr;
		if (!orc)
			run_chunk(vp, db, rows, ch);

		pthread_mutex_lock(&vp->mu);
		ch->state = SLOT_READY;
		pthread_cond_broadcast(&vp->cv);
		pthread_mutex_unlock(&vp->mu);
	}
	sqlite3_finalize(rows);
	sqlite3_close(db);
	return NULL;
}

/* The whole tree at a size inside chunk: the fold's levels above the chunk, the chunk's below. */
static void tree_at(const mm_merkle_acc *above, const vsnap *s, mm_merkle_acc *out)
{
	if (out != above)
		*out = *above;
	out->size = s->size;
	memcpy(out->level, s->level, sizeof s->level);
}

typedef struct uppercmp {
	const vchunk *ch;
	bool bad;
	vfind f;
} uppercmp;

static void cmp_upper(void *ctx, unsigned level, uint64_t idx, const mm_hash h)
{
	uppercmp *c = ctx;
	if (c->bad)
		return;
	size_t off = (size_t)(level - CHUNK_LOG - 1) * MM_SHA256_LEN;
	bool missing = c->ch->upper_len < off + MM_SHA256_LEN;
	if (missing || memcmp(c->ch->upper + off, h, MM_SHA256_LEN) != 0) {
		node_mismatch(&c->f, missing, level, idx);
		c->bad = true;
	}
}

/* Entries re-read in order from their rows, for the visitor. */
typedef struct rowread {
	sqlite3_stmt *st;
	const uint8_t *p;
	size_t n, off;
	uint64_t next; /* the entry at off */
	bool have;
} rowread;

static bool read_next(rowread *rr, uint64_t seq, row_rec *r)
{
	bool damaged;
	for (;;) {
		if (rr->have && rr->next == seq && row_next(rr->p, rr->n, &rr->off, r, &damaged)) {
			rr->next++;
			return true;
		}
		if (rr->have && rr->off < rr->n)
			return false;
		if (sqlite3_step(rr->st) != SQLITE_ROW)
			return false;
		rr->have = true;
		rr->next = (uint64_t)sqlite3_column_int64(rr->st, 0);
		rr->p = sqlite3_column_blob(rr->st, 1);
		rr->n = (size_t)sqlite3_column_bytes(rr->st, 1);
		rr->off = 0;
		if (rr->next != seq)
			return false;
	}
}

/* Fold one chunk into the report, in entry order. Returns false to stop. */
static bool fold(vpool *vp, sqlite3_stmt *entries, vchunk *ch, mm_err *err)
{
	vstate *vs = vp->vs;
	mm_verify_report *rep = vs->rep;
	if (ch->first_timed && ch->first_time < rep->last_time_ns) {
		vfind f;
		vs_time_backwards(&f, ch->base + 1, ch->first_time, rep->last_time_ns);
		vs_finding(vs, &f);
		return false;
	}
	bool visit = vs->o && vs->o->visit;
	rowread rr = {entries, NULL, 0, 0, 0, false};
	if (visit) {
		sqlite3_reset(entries);
		sqlite3_bind_int64(entries, 1, (sqlite3_int64)ch->base + 1);
		sqlite3_bind_int64(entries, 2, (sqlite3_int64)(ch->base + ch->good));
	}
	size_t snap = 0;
	mm_merkle_acc at;
	for (uint64_t i = 0; i < ch->good; i++) {
		uint64_t seq = ch->base + i + 1;
		if (seq == ch->base + CHUNK) {
			uppercmp c = {ch, false, {0, ""}};
			mm_merkle_acc_push_subtree(&vs->acc, CHUNK_LOG, ch->root, cmp_upper, &c);
			if (!c.bad && ch->upper_len != (size_t)(__builtin_ctzll(seq) - CHUNK_LOG) * MM_SHA256_LEN) {
				c.bad = true;
				vfind_set(&c.f, seq, "entry %llu: %zu bytes of stored Merkle nodes above level %u where it completes %d",
					  (unsigned long long)seq, ch->upper_len, CHUNK_LOG, __builtin_ctzll(seq) - CHUNK_LOG);
			}
			if (c.bad) {
				vs_finding(vs, &c.f);
				return false;
			}
		}
		if (visit) {
			/* re-read, so a chunk holds no entry bytes: entries up to the tip do not change */
			mm_entry e;
			row_rec r;
			if (!read_next(&rr, seq, &r) || mm_entry_decode(r.entry, r.len, &e, err) != MM_OK) {
				mm_err_set(err, MM_EDB, "verify: entry %llu changed while it was being verified",
					   (unsigned long long)seq);
				return false;
			}
			if (!vs_visit(vs, &e))
				return false;
		}
		while (vs->next_cp < vs->ncp && vs->cps[vs->next_cp].size < seq)
			vs->next_cp++; /* size 0: checked in vs_end */
		if (vs->next_cp < vs->ncp && vs->cps[vs->next_cp].size == seq) {
			const mm_merkle_acc *tree = &vs->acc;
			if (seq != ch->base + CHUNK) {
				while (snap < ch->nsnaps && ch->snaps[snap].size < seq)
					snap++;
				if (snap == ch->nsnaps || ch->snaps[snap].size != seq) {
					mm_err_set(err, MM_EINVAL, "verify: no tree state at checkpoint %llu", (unsigned long long)seq);
					return false;
				}
				tree_at(&vs->acc, &ch->snaps[snap], &at);
				tree = &at;
			}
			rep->entries = seq;
			if (!vs_checkpoints_at(vs, seq, tree))
				return false;
		}
	}
	rep->entries = ch->base + ch->good;
	if (ch->good)
		rep->last_time_ns = ch->last_time;
	if (ch->good < CHUNK)
		tree_at(&vs->acc, &ch->end, &vs->acc);
	if (ch->found) {
		vs_finding(vs, &ch->find);
		return false;
	}
	return true;
}

static unsigned worker_count(uint64_t nchunks)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	return (uint64_t)n < nchunks ? (unsigned)n : (unsigned)nchunks;
}

int mm_ledger_verify(mm_ledger *l, const mm_verify_opts *o, mm_verify_report *rep, mm_err *err)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	vstate vs;
	vpool vp;
	memset(&vp, 0, sizeof vp);
	pthread_t th[WORKERS_MAX];
	unsigned nth = 0;
	const mm_note_verifier *key = o && o->key ? o->key : mm_ledger_verifier(l);
	int rc = vs_init(&vs, o, key, rep, err);
	if (rc)
		goto out;
	/*
	 * Checkpoints and the tip come from one snapshot. Workers read later
	 * snapshots on their own connections, always bounded by this tip: a
	 * writer only ever adds entries past it.
	 */
	vp.path = sqlite3_db_filename(mm_ledger_db(l), "main");
	if (!vp.path || (rc = open_reader(vp.path, &db, err)))
		goto out_db;
	if (sqlite3_prepare_v2(db, "SELECT note FROM checkpoint ORDER BY size", -1, &st, NULL) != SQLITE_OK)
		goto out_db;
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = vs_add_checkpoint(&vs, (const char *)sqlite3_column_text(st, 0),
					    (size_t)sqlite3_column_bytes(st, 0), err)))
			goto out;
	if (s != SQLITE_DONE)
		goto out_db;
	sqlite3_finalize(st);
	st = NULL;
	vs_begin(&vs);
	if (sqlite3_prepare_v2(db, "SELECT (SELECT min(first) FROM ledger), (SELECT last FROM ledger ORDER BY first DESC LIMIT 1)",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out_db;
	bool empty = sqlite3_column_type(st, 0) == SQLITE_NULL;
	long long lo = sqlite3_column_int64(st, 0), hi = sqlite3_column_int64(st, 1);
	sqlite3_finalize(st);
	st = NULL;
	if (!empty && lo < 1) {
		vs_found(&vs, 1, "a stored row starts at sequence number %lld; entries start at 1", lo);
		goto out;
	}
	if (!empty && hi < lo) {
		vs_found(&vs, (uint64_t)lo, "entry %lld: the last row says it ends at %lld", lo, hi);
		goto out;
	}
	vp.vs = &vs;
	vp.tip = empty ? 0 : (uint64_t)hi;
	vp.nchunks = (vp.tip >> CHUNK_LOG) + ((vp.tip & (CHUNK - 1)) != 0);
	unsigned want = worker_count(vp.nchunks);
	vp.nslots = (size_t)(want ? want : 1) * SLOTS_PER_WORKER;
	if (!(vp.slots = calloc(vp.nslots, sizeof *vp.slots))) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if (vs.o && vs.o->visit &&
	    sqlite3_prepare_v2(db, "SELECT first, data FROM ledger WHERE first BETWEEN ? AND ? ORDER BY first", -1, &st,
			       NULL) != SQLITE_OK)
		goto out_db;
	pthread_mutex_init(&vp.mu, NULL);
	pthread_cond_init(&vp.cv, NULL);
	for (; nth < want; nth++)
		if (pthread_create(&th[nth], NULL, worker, &vp) != 0)
			break;
	if (want && !nth) {
		rc = mm_err_set(err, MM_ENOMEM, "verify: cannot start a thread");
		goto out_threads;
	}
	for (uint64_t c = 0; c < vp.nchunks; c++) {
		vchunk *ch = &vp.slots[c % vp.nslots];
		pthread_mutex_lock(&vp.mu);
		while (ch->state != SLOT_READY)
			pthread_cond_wait(&vp.cv, &vp.mu);
		pthread_mutex_unlock(&vp.mu);
		mm_err ferr;
		mm_err_clear(&ferr);
		bool go = !ch->rc && fold(&vp, st, ch, &ferr);
		if (ch->rc)
			rc = mm_err_set(err, ch->rc, "%s", ch->err.msg);
		else if (!go && !vs.stop)
			rc = mm_err_set(err, ferr.code ? ferr.code : MM_EDB, "%s", ferr.msg);
		pthread_mutex_lock(&vp.mu);
		ch->state = SLOT_FREE;
		vp.stopped = !go;
		pthread_cond_broadcast(&vp.cv);
		pthread_mutex_unlock(&vp.mu);
		if (!go)
			break;
	}
	if (!rc)
		vs_end(&vs);
out_threads:
	pthread_mutex_lock(&vp.mu);
	vp.stopped = true;
	pthread_cond_broadcast(&vp.cv);
	pthread_mutex_unlock(&vp.mu);
	for (unsigned i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&vp.mu);
	pthread_cond_destroy(&vp.cv);
	goto out;
out_db:
	if (!rc)
		rc = mm_err_set(err, MM_EDB, "verify: %s", db ? sqlite3_errmsg(db) : "cannot open the database");
out:
	if (vp.slots)
		for (size_t i = 0; i < vp.nslots; i++)
			free(vp.slots[i].snaps);
	free(vp.slots);
	sqlite3_finalize(st);
	sqlite3_close(db);
	vs_release(&vs);
	return rc;
}
