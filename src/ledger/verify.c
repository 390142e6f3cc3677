/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification of a ledger, from the database or from an exported bundle.
 * One pass over the entries in order: decode, sequence, time, references,
 * leaf hash, Merkle nodes, projections (through the visitor) and every
 * checkpoint's root at its size. The report names the first bad entry.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger/verify_int.h"
#include "base/banned.h"

static void finding(vstate *vs, uint64_t seq, const char *fmt, ...) MM_PRINTF(3, 4);
static void finding(vstate *vs, uint64_t seq, const char *fmt, ...)
{
	mm_verify_report *r = vs->rep;
	/* keep the earliest entry named; a finding tied to an entry beats one that is not */
	if (!r->ok && (seq == 0 || (r->bad_seq != 0 && r->bad_seq <= seq)))
		return;
	r->ok = false;
	r->bad_seq = seq;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
}

static int cmp_cp(const void *a, const void *b)
{
	const vcp *x = a, *y = b;
	return x->size < y->size ? -1 : x->size > y->size;
}

int vs_init(vstate *vs, const mm_verify_opts *o, const mm_note_verifier *key, mm_verify_report *rep,
	    mm_err *err)
{
	memset(vs, 0, sizeof *vs);
	memset(rep, 0, sizeof *rep);
	rep->ok = true;
	vs->o = o;
	vs->key = key;
	vs->rep = rep;
	mm_merkle_acc_init(&vs->acc);
	if (o && o->held) {
		mm_checkpoint c;
		int rc = mm_checkpoint_open(key, o->held, o->held_len, &c, err);
		if (rc)
			return o->held_name ? mm_err_prefix(err, "held checkpoint %s", o->held_name)
					    : mm_err_prefix(err, "held checkpoint");
		if ((rc = vs_add_checkpoint_parsed(vs, &c, true, err)))
			return rc;
	}
	return MM_OK;
}

int vs_add_checkpoint_parsed(vstate *vs, const mm_checkpoint *c, bool held, mm_err *err)
{
	if (vs->ncp == vs->capcp) {
		size_t cap = vs->capcp ? vs->capcp * 2 : 16;
		if (cap > MM_BUNDLE_CHECKPOINTS_MAX + 1)
			return mm_err_set(err, MM_ELIMIT, "too many checkpoints");
		vcp *p = realloc(vs->cps, cap * sizeof *p);
		if (!p)
			return mm_err_set(err, MM_ENOMEM, "out of memory");
		vs->cps = p;
		vs->capcp = cap;
	}
	vcp *x = &vs->cps[vs->ncp++];
	x->size = c->size;
	x->held = held;
	x->time_ns = c->time_ns;
	memcpy(x->root, c->root, sizeof x->root);
	return MM_OK;
}

int vs_add_checkpoint(vstate *vs, const char *note, size_t n, mm_err *err)
{
	mm_checkpoint c;
	mm_err e2;
	mm_err_clear(&e2);
	vs->rep->checkpoints++;
	int rc = mm_checkpoint_open(vs->key, note, n, &c, &e2);
	if (rc == MM_ECRYPTO || rc == MM_EINVAL || rc == MM_ELIMIT) {
		/* name the tree size the note claims, if it is readable */
		mm_checkpoint claimed;
		uint64_t at = mm_checkpoint_parse(note, n, &claimed, NULL) == MM_OK ? claimed.size : 0;
		finding(vs, at, "checkpoint at tree size %llu: %s", (unsigned long long)at, e2.msg);
		return MM_OK;
	}
	if (rc)
		return mm_err_set(err, rc, "%s", e2.msg);
	return vs_add_checkpoint_parsed(vs, &c, false, err);
}

void vs_begin(vstate *vs)
{
	if (vs->ncp)
		qsort(vs->cps, vs->ncp, sizeof *vs->cps, cmp_cp);
}

static void node_check(void *ctx, unsigned level, uint64_t index, const mm_hash h)
{
	vstate *vs = ctx;
	if (!vs->check_nodes || vs->stop)
		return;
	uint64_t first = (index << level) + 1, last = (index + 1) << level;
	const vnode *nd = vs->cur_pos < vs->cur_nnodes ? &vs->cur_nodes[vs->cur_pos++] : NULL;
	if (!nd || !nd->present) {
		finding(vs, first, "Merkle node (level %u, index %llu) over entries %llu..%llu is missing", level,
			(unsigned long long)index, (unsigned long long)first, (unsigned long long)last);
		vs->stop = true;
		return;
	}
	if (nd->level != level || nd->idx != index || memcmp(nd->hash, h, MM_SHA256_LEN) != 0) {
		finding(vs, first,
			"stored Merkle node (level %u, index %llu) does not match entries %llu..%llu: "
			"one of them was changed after writing",
			level, (unsigned long long)index, (unsigned long long)first, (unsigned long long)last);
		vs->stop = true;
	}
}

static void fmt_time(int64_t ns, char *out, size_t n)
{
	mm_time_format(ns, 0, out, n);
}

bool vs_feed(vstate *vs, uint64_t row_seq, const uint8_t *p, size_t n, const uint8_t *stored_hash,
	     const vnode *nodes, size_t nnodes)
{
	if (vs->stop)
		return false;
	vs->cur_nodes = nodes;
	vs->cur_nnodes = nnodes;
	vs->cur_pos = 0;
	uint64_t want = vs->acc.size + 1;
	if (row_seq != want) {
		if (row_seq > want)
			finding(vs, want, "entry %llu is missing (the next stored entry is %llu)",
				(unsigned long long)want, (unsigned long long)row_seq);
		else
			finding(vs, want, "entry %llu appears twice", (unsigned long long)row_seq);
		vs->stop = true;
		return false;
	}
	mm_entry e;
	mm_err err;
	mm_err_clear(&err);
	if (mm_entry_decode(p, n, &e, &err) != MM_OK) {
		finding(vs, want, "entry %llu does not decode: %s", (unsigned long long)want, err.msg);
		vs->stop = true;
		return false;
	}
	if (e.seq != want) {
		finding(vs, want, "entry at position %llu carries sequence number %llu (entries swapped or moved)",
			(unsigned long long)want, (unsigned long long)e.seq);
		vs->stop = true;
		return false;
	}
	if (e.time_ns < vs->rep->last_time_ns) {
		char a[48], b[48];
		fmt_time(e.time_ns, a, sizeof a);
		fmt_time(vs->rep->last_time_ns, b, sizeof b);
		finding(vs, want, "entry %llu: time goes backwards (%s is before the previous entry's %s)",
			(unsigned long long)want, a, b);
		vs->stop = true;
		return false;
	}
	mm_hash leaf;
	mm_merkle_leaf(p, n, leaf);
	if (stored_hash && memcmp(stored_hash, leaf, sizeof leaf) != 0) {
		finding(vs, want, "entry %llu: bytes do not match their recorded hash (changed after writing)",
			(unsigned long long)want);
		vs->stop = true;
		return false;
	}
	mm_merkle_acc_push(&vs->acc, leaf, node_check, vs);
	if (vs->stop)
		return false;
	vs->rep->entries = vs->acc.size;
	vs->rep->last_time_ns = e.time_ns;
	if (vs->o && vs->o->visit) {
		mm_err_clear(&err);
		if (vs->o->visit(vs->o->visit_ctx, &e, &err) != MM_OK) {
			finding(vs, want, "entry %llu: %s", (unsigned long long)want, err.msg);
			vs->stop = true;
			return false;
		}
	}
	while (vs->next_cp < vs->ncp && vs->cps[vs->next_cp].size <= vs->acc.size) {
		vcp *c = &vs->cps[vs->next_cp++];
		if (c->size < vs->acc.size)
			continue; /* size 0 checkpoints: checked in vs_end */
		mm_hash root;
		mm_merkle_acc_root(&vs->acc, root);
		if (memcmp(root, c->root, sizeof root) != 0) {
			finding(vs, vs->prev_cp_size + 1,
				"%s checkpoint at tree size %llu does not match the entries: "
				"an entry in %llu..%llu was changed",
				c->held ? "held" : "signed", (unsigned long long)c->size,
				(unsigned long long)vs->prev_cp_size + 1, (unsigned long long)c->size);
			vs->stop = true;
			return false;
		}
		vs->prev_cp_size = c->size;
	}
	return true;
}

void vs_end(vstate *vs)
{
	mm_merkle_acc_root(&vs->acc, vs->rep->root);
	if (vs->stop)
		return;
	for (size_t i = vs->next_cp; i < vs->ncp; i++) {
		vcp *c = &vs->cps[i];
		if (c->size == 0)
			continue;
		finding(vs, vs->acc.size + 1,
			"ledger ends at entry %llu but a %s checkpoint covers %llu entries: "
			"entries %llu..%llu were removed",
			(unsigned long long)vs->acc.size, c->held ? "held" : "signed",
			(unsigned long long)c->size, (unsigned long long)vs->acc.size + 1,
			(unsigned long long)c->size);
		break;
	}
}

void vs_release(vstate *vs)
{
	free(vs->cps);
	vs->cps = NULL;
}

/*
 * Database verification runs as a two-stage pipeline: this thread steps
 * SQLite and copies each entry, its stored hash and the stored Merkle
 * nodes it completes into a batch; a worker checks the batches strictly in
 * order with the same vs_feed as the bundle path, so findings are
 * identical, and both cores work.
 */
#define VB_ENTRIES 1024
#define VB_BYTES (8u << 20) /* a batch ends early past this many entry bytes */

typedef struct vbatch {
	size_t n;
	uint64_t seq[VB_ENTRIES];
	size_t off[VB_ENTRIES];
	uint32_t len[VB_ENTRIES];
	uint8_t hash[VB_ENTRIES][MM_SHA256_LEN];
	size_t node_start[VB_ENTRIES + 1];
	vnode *nodes;
	size_t nodes_cap;
	mm_buf arena;
	bool full;
	bool last; /* no batch follows */
} vbatch;

typedef struct vpipe {
	vstate *vs;
	vbatch b[2];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t worker_thread;
	bool stopped; /* the worker found something: stop reading */
} vpipe;

static void *verify_worker(void *arg)
{
	vpipe *vp = arg;
	for (size_t k = 0;; k ^= 1) {
		vbatch *b = &vp->b[k];
		pthread_mutex_lock(&vp->mu);
		while (!b->full)
			pthread_cond_wait(&vp->cv, &vp->mu);
		pthread_mutex_unlock(&vp->mu);
		bool ok = true;
		for (size_t i = 0; i < b->n && ok; i++) {
			size_t nn = b->node_start[i + 1] - b->node_start[i];
			/* no pointer arithmetic on a batch that has no nodes (nodes is NULL) */
			ok = vs_feed(vp->vs, b->seq[i], b->arena.p + b->off[i], b->len[i], b->hash[i],
				     nn ? b->nodes + b->node_start[i] : NULL, nn);
		}
		bool last = b->last;
		pthread_mutex_lock(&vp->mu);
		if (!ok)
			vp->stopped = true;
		b->full = false;
		pthread_cond_broadcast(&vp->cv);
		pthread_mutex_unlock(&vp->mu);
		if (last)
			return NULL;
	}
}

/* Read the next stored node into nd (present = false when the table has no more). */
static void read_node(sqlite3_stmt *nodes, bool *exhausted, vnode *nd)
{
	memset(nd, 0, sizeof *nd);
	if (*exhausted || sqlite3_step(nodes) != SQLITE_ROW) {
		*exhausted = true;
		return;
	}
	nd->level = (uint32_t)sqlite3_column_int(nodes, 0);
	nd->idx = (uint64_t)sqlite3_column_int64(nodes, 1);
	if (sqlite3_column_bytes(nodes, 2) == MM_SHA256_LEN) {
		memcpy(nd->hash, sqlite3_column_blob(nodes, 2), MM_SHA256_LEN);
		nd->present = true;
	} else {
		/* a damaged hash column compares unequal */
		nd->present = true;
		memset(nd->hash, 0xff, MM_SHA256_LEN);
		nd->hash[0] ^= 1;
	}
}

/* Fill batch b from the cursors; returns an error code, sets *done at the end of the ledger. */
static int fill_batch(sqlite3 *db, sqlite3_stmt *rows, sqlite3_stmt *nodes, bool *nodes_done, vbatch *b,
		      bool *done, mm_err *err)
{
	b->n = 0;
	mm_buf_reset(&b->arena);
	size_t nn = 0;
	while (b->n < VB_ENTRIES && b->arena.len < VB_BYTES) {
		int s = sqlite3_step(rows);
		if (s == SQLITE_DONE) {
			*done = true;
			break;
		}
		if (s != SQLITE_ROW)
			return mm_err_set(err, MM_EDB, "verify: %s", sqlite3_errmsg(db));
		size_t i = b->n;
		uint64_t seq = (uint64_t)sqlite3_column_int64(rows, 0);
		size_t len = (size_t)sqlite3_column_bytes(rows, 1);
		/* an oversized entry is cut one byte past the limit: the decoder refuses it by size */
		if (len > MM_ENTRY_MAX)
			len = MM_ENTRY_MAX + 1;
		b->seq[i] = seq;
		b->off[i] = b->arena.len;
		b->len[i] = (uint32_t)len;
		int rc = mm_buf_append(&b->arena, sqlite3_column_blob(rows, 1), len);
		if (rc)
			return mm_err_set(err, rc, "verify: %s", mm_strerror(rc));
		if (sqlite3_column_bytes(rows, 2) == MM_SHA256_LEN)
			memcpy(b->hash[i], sqlite3_column_blob(rows, 2), MM_SHA256_LEN);
		else
			memset(b->hash[i], 0, MM_SHA256_LEN); /* a damaged hash column is a mismatch */
		/* pushing leaf seq completes as many nodes as seq has trailing zero bits */
		unsigned k = seq ? (unsigned)__builtin_ctzll(seq) : 0;
		if (nn + k > b->nodes_cap) {
			size_t cap = b->nodes_cap ? b->nodes_cap * 2 : 2 * VB_ENTRIES;
			while (cap < nn + k)
				cap *= 2;
			vnode *p = realloc(b->nodes, cap * sizeof *p);
			if (!p)
				return mm_err_set(err, MM_ENOMEM, "out of memory");
			b->nodes = p;
			b->nodes_cap = cap;
		}
		b->node_start[i] = nn;
		for (unsigned j = 0; j < k; j++)
			read_node(nodes, nodes_done, &b->nodes[nn++]);
		b->n++;
	}
	b->node_start[b->n] = nn;
	return MM_OK;
}

int mm_ledger_verify(mm_ledger *l, const mm_verify_opts *o, mm_verify_report *rep, mm_err *err)
{
	sqlite3 *db = mm_ledger_db(l), *rdb = NULL;
	sqlite3_stmt *st = NULL, *nodes = NULL;
	vstate vs;
	vpipe vp;
	memset(&vp, 0, sizeof vp);
	const mm_note_verifier *key = o && o->key ? o->key : mm_ledger_verifier(l);
	int rc = vs_init(&vs, o, key, rep, err);
	if (rc)
		goto out;
	/*
	 * Everything is read on a connection of its own, inside one read
	 * transaction: one snapshot for checkpoints, entries and nodes, so
	 * writers appending meanwhile cannot make a sound ledger look
	 * truncated; and unshared, so no mutex per call.
	 */
	const char *path = sqlite3_db_filename(db, "main");
	if (!path || sqlite3_open_v2(path, &rdb, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(rdb, "PRAGMA mmap_size=1073741824; BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(rdb, "SELECT note FROM checkpoint ORDER BY size", -1, &st, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "verify: %s", rdb ? sqlite3_errmsg(rdb) : "cannot open the database");
		goto out;
	}
	int s;
	while ((s = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = vs_add_checkpoint(&vs, (const char *)sqlite3_column_text(st, 0),
					    (size_t)sqlite3_column_bytes(st, 0), err)))
			goto out;
	sqlite3_finalize(st);
	st = NULL;
	vs_begin(&vs);
	vs.check_nodes = true;
	if (sqlite3_prepare_v2(rdb, "SELECT level, idx, hash FROM merkle_node ORDER BY id", -1, &nodes, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(rdb, "SELECT seq, entry, hash FROM ledger ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "verify: %s", sqlite3_errmsg(rdb));
		goto out;
	}
	vp.vs = &vs;
	pthread_mutex_init(&vp.mu, NULL);
	pthread_cond_init(&vp.cv, NULL);
	for (int i = 0; i < 2; i++)
		mm_buf_init(&vp.b[i].arena, VB_BYTES + MM_ENTRY_MAX + 1);
	if (pthread_create(&vp.worker_thread, NULL, verify_worker, &vp) != 0) {
		rc = mm_err_set(err, MM_ENOMEM, "verify: cannot start a thread");
		goto out;
	}
	bool done = false, nodes_done = false;
	for (size_t k = 0;; k ^= 1) {
		vbatch *b = &vp.b[k];
		pthread_mutex_lock(&vp.mu);
		while (b->full)
			pthread_cond_wait(&vp.cv, &vp.mu);
		bool stopped = vp.stopped;
		pthread_mutex_unlock(&vp.mu);
		int frc = stopped ? MM_OK : fill_batch(rdb, st, nodes, &nodes_done, b, &done, err);
		if (stopped || frc)
			b->n = 0;
		pthread_mutex_lock(&vp.mu);
		b->last = done || stopped || frc;
		b->full = true;
		pthread_cond_broadcast(&vp.cv);
		pthread_mutex_unlock(&vp.mu);
		if (b->last) {
			rc = frc;
			break;
		}
	}
	pthread_join(vp.worker_thread, NULL);
	if (!rc)
		vs_end(&vs);
out:
	for (int i = 0; i < 2; i++) {
		mm_buf_release(&vp.b[i].arena);
		free(vp.b[i].nodes);
	}
	if (vp.vs) {
		pthread_mutex_destroy(&vp.mu);
		pthread_cond_destroy(&vp.cv);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(nodes);
	sqlite3_close(rdb);
	vs_release(&vs);
	return rc;
}
