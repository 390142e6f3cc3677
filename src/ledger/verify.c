/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks shared by database and bundle verification: one entry's own
 * checks (decode, sequence, time, leaf hash), checkpoints at their sizes,
 * the visitor, and the report, which names the first bad entry. The
 * database path (verify_db.c) runs the per-entry part on several threads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger/verify_int.h"
#include "base/banned.h"

void vs_found(vstate *vs, uint64_t seq, const char *fmt, ...)
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
		vs_found(vs, at, "checkpoint at tree size %llu: %s", (unsigned long long)at, e2.msg);
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

void vfind_set(vfind *f, uint64_t seq, const char *fmt, ...)
{
	f->seq = seq;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof f->reason, fmt, ap);
	va_end(ap);
}

void vs_finding(vstate *vs, const vfind *f)
{
	vs_found(vs, f->seq, "%s", f->reason);
	vs->stop = true;
}

void vs_time_backwards(vfind *f, uint64_t seq, int64_t t, int64_t prev)
{
	char a[48], b[48];
	mm_time_format(t, 0, a, sizeof a);
	mm_time_format(prev, 0, b, sizeof b);
	vfind_set(f, seq, "entry %llu: time goes backwards (%s is before the previous entry's %s)",
		  (unsigned long long)seq, a, b);
}

bool v_check_entry(uint64_t want, uint64_t row_seq, const uint8_t *p, size_t n, const uint8_t *stored_hash,
		   const int64_t *prev_time, bool *timed, mm_entry *e, mm_hash leaf, vfind *f)
{
	*timed = false;
	if (row_seq != want) {
		if (row_seq > want)
			vfind_set(f, want, "entry %llu is missing (the next stored entry is %llu)",
				  (unsigned long long)want, (unsigned long long)row_seq);
		else
			vfind_set(f, want, "entry %llu appears twice", (unsigned long long)row_seq);
		return false;
	}
	mm_err err;
	mm_err_clear(&err);
	if (mm_entry_decode(p, n, e, &err) != MM_OK) {
		vfind_set(f, want, "entry %llu does not decode: %s", (unsigned long long)want, err.msg);
		return false;
	}
	if (e->seq != want) {
		vfind_set(f, want, "entry at position %llu carries sequence number %llu (entries swapped, moved or deleted)",
			  (unsigned long long)want, (unsigned long long)e->seq);
		return false;
	}
	*timed = true;
	if (prev_time && e->time_ns < *prev_time) {
		vs_time_backwards(f, want, e->time_ns, *prev_time);
		return false;
	}
	mm_merkle_leaf(p, n, leaf);
	if (stored_hash && memcmp(stored_hash, leaf, MM_SHA256_LEN) != 0) {
		vfind_set(f, want, "entry %llu: bytes do not match their recorded hash (changed after writing)",
			  (unsigned long long)want);
		return false;
	}
	return true;
}

bool vs_visit(vstate *vs, const mm_entry *e)
{
	if (!vs->o || !vs->o->visit)
		return true;
	mm_err err;
	mm_err_clear(&err);
	if (vs->o->visit(vs->o->visit_ctx, e, &err) != MM_OK) {
		vs_found(vs, e->seq, "entry %llu: %s", (unsigned long long)e->seq, err.msg);
		vs->stop = true;
		return false;
	}
	return true;
}

bool vs_checkpoints_at(vstate *vs, uint64_t size, const mm_merkle_acc *acc)
{
	bool have = false;
	mm_hash root;
	while (vs->next_cp < vs->ncp && vs->cps[vs->next_cp].size <= size) {
		vcp *c = &vs->cps[vs->next_cp++];
		if (c->size < size)
			continue; /* size 0 checkpoints: checked in vs_end */
		if (!have) {
			mm_merkle_acc_root(acc, root);
			have = true;
		}
		if (memcmp(root, c->root, sizeof root) != 0) {
			vs_found(vs, vs->prev_cp_size + 1,
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

bool vs_feed(vstate *vs, uint64_t row_seq, const uint8_t *p, size_t n)
{
	if (vs->stop)
		return false;
	mm_entry e;
	mm_hash leaf;
	vfind f;
	bool timed;
	if (!v_check_entry(vs->acc.size + 1, row_seq, p, n, NULL, &vs->rep->last_time_ns, &timed, &e, leaf, &f)) {
		vs_finding(vs, &f);
		return false;
	}
	mm_merkle_acc_push(&vs->acc, leaf, NULL, NULL);
	vs->rep->entries = vs->acc.size;
	vs->rep->last_time_ns = e.time_ns;
	return vs_visit(vs, &e) && vs_checkpoints_at(vs, vs->acc.size, &vs->acc);
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
		vs_found(vs, vs->acc.size + 1,
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

