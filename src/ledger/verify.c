/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification of a ledger, from the database or from an exported bundle.
 * One pass over the entries in order: decode, sequence, time, references,
 * leaf hash, Merkle nodes, projections (through the visitor) and every
 * checkpoint's root at its size. The report names the first bad entry.
 */
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
			return mm_err_prefix(err, "held checkpoint");
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
	if (!vs->nodes || vs->stop)
		return;
	uint64_t first = (index << level) + 1, last = (index + 1) << level;
	if (sqlite3_step(vs->nodes) != SQLITE_ROW) {
		finding(vs, first, "Merkle node (level %u, index %llu) over entries %llu..%llu is missing", level,
			(unsigned long long)index, (unsigned long long)first, (unsigned long long)last);
		vs->stop = true;
		return;
	}
	if ((unsigned)sqlite3_column_int(vs->nodes, 0) != level ||
	    (uint64_t)sqlite3_column_int64(vs->nodes, 1) != index ||
	    sqlite3_column_bytes(vs->nodes, 2) != MM_SHA256_LEN ||
	    memcmp(sqlite3_column_blob(vs->nodes, 2), h, MM_SHA256_LEN) != 0) {
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

bool vs_feed(vstate *vs, uint64_t row_seq, const uint8_t *p, size_t n, const uint8_t *stored_hash)
{
	if (vs->stop)
		return false;
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

int mm_ledger_verify(mm_ledger *l, const mm_verify_opts *o, mm_verify_report *rep, mm_err *err)
{
	sqlite3 *db = mm_ledger_db(l);
	sqlite3_stmt *st = NULL;
	vstate vs;
	const mm_note_verifier *key = o && o->key ? o->key : mm_ledger_verifier(l);
	int rc = vs_init(&vs, o, key, rep, err);
	if (rc)
		goto out;
	if (sqlite3_prepare_v2(db, "SELECT note FROM checkpoint ORDER BY size", -1, &st, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "verify: %s", sqlite3_errmsg(db));
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
	if (sqlite3_prepare_v2(db, "SELECT level, idx, hash FROM merkle_node ORDER BY id", -1, &vs.nodes, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT seq, entry, hash FROM ledger ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "verify: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *h = sqlite3_column_blob(st, 2);
		uint8_t none[MM_SHA256_LEN] = {0};
		if (sqlite3_column_bytes(st, 2) != MM_SHA256_LEN)
			h = none; /* a damaged hash column is a mismatch */
		if (!vs_feed(&vs, (uint64_t)sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1),
			     (size_t)sqlite3_column_bytes(st, 1), h))
			break;
	}
	if (s != SQLITE_ROW && s != SQLITE_DONE) {
		rc = mm_err_set(err, MM_EDB, "verify: %s", sqlite3_errmsg(db));
		goto out;
	}
	vs_end(&vs);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(vs.nodes);
	vs_release(&vs);
	return rc;
}
