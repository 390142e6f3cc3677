/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to the ledger module: the streaming verifier shared by the
 * database and bundle paths. */
#ifndef MM_LEDGER_VERIFY_INT_H
#define MM_LEDGER_VERIFY_INT_H

#include "ledger/mm_ledger.h"

typedef struct vcp {
	uint64_t size;
	int64_t time_ns;
	mm_hash root;
	bool held;
} vcp;

typedef struct vstate {
	const mm_verify_opts *o;
	const mm_note_verifier *key;
	mm_verify_report *rep;
	mm_merkle_acc acc;
	vcp *cps;
	size_t ncp, capcp, next_cp;
	uint64_t prev_cp_size;
	bool stop;
} vstate;

/* A finding made away from the report (by a worker), passed on to it in order. */
typedef struct vfind {
	uint64_t seq;
	char reason[MM_ERR_MSG_MAX];
} vfind;

void vfind_set(vfind *f, uint64_t seq, const char *fmt, ...) MM_PRINTF(3, 4);
void vs_time_backwards(vfind *f, uint64_t seq, int64_t t, int64_t prev);
/*
 * One entry's own checks, in the order findings are named: its row is the
 * one expected (want), it decodes, it carries its own seq, its time is not
 * before *prev_time (skipped when NULL; *timed says the check was reached),
 * its leaf hash equals stored_hash (if non-NULL). Fills e (borrowing p) and
 * leaf. Touches no shared state, so workers call it in parallel.
 */
bool v_check_entry(uint64_t want, uint64_t row_seq, const uint8_t *p, size_t n, const uint8_t *stored_hash,
		   const int64_t *prev_time, bool *timed, mm_entry *e, mm_hash leaf, vfind *f);

/* Record a finding in the report (the earliest entry named wins). */
void vs_found(vstate *vs, uint64_t seq, const char *fmt, ...) MM_PRINTF(3, 4);
/* Record f and stop. */
void vs_finding(vstate *vs, const vfind *f);
/* The visitor on e; false (and stop) on a finding. */
bool vs_visit(vstate *vs, const mm_entry *e);
/* Check every checkpoint of this size against acc (the tree of size entries). */
bool vs_checkpoints_at(vstate *vs, uint64_t size, const mm_merkle_acc *acc);

int vs_init(vstate *vs, const mm_verify_opts *o, const mm_note_verifier *key, mm_verify_report *rep,
	    mm_err *err);
int vs_add_checkpoint(vstate *vs, const char *note, size_t n, mm_err *err);
int vs_add_checkpoint_parsed(vstate *vs, const mm_checkpoint *c, bool held, mm_err *err);
void vs_begin(vstate *vs);
/* Check the next entry in order (bundle path; no stored hashes or nodes). */
bool vs_feed(vstate *vs, uint64_t row_seq, const uint8_t *p, size_t n);
void vs_end(vstate *vs);
void vs_release(vstate *vs);

#endif
