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
	sqlite3_stmt *nodes; /* stored Merkle nodes in creation order, or NULL */
	bool stop;
} vstate;

int vs_init(vstate *vs, const mm_verify_opts *o, const mm_note_verifier *key, mm_verify_report *rep,
	    mm_err *err);
int vs_add_checkpoint(vstate *vs, const char *note, size_t n, mm_err *err);
int vs_add_checkpoint_parsed(vstate *vs, const mm_checkpoint *c, bool held, mm_err *err);
void vs_begin(vstate *vs);
bool vs_feed(vstate *vs, uint64_t row_seq, const uint8_t *p, size_t n, const uint8_t *stored_hash);
void vs_end(vstate *vs);
void vs_release(vstate *vs);

#endif
