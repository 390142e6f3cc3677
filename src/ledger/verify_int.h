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

/* A stored Merkle node as read from the database, for comparison. */
typedef struct vnode {
	uint64_t idx;
	uint32_t level;
	bool present; /* false: the table had no more nodes */
	uint8_t hash[MM_SHA256_LEN];
} vnode;

typedef struct vstate {
	const mm_verify_opts *o;
	const mm_note_verifier *key;
	mm_verify_report *rep;
	mm_merkle_acc acc;
	vcp *cps;
	size_t ncp, capcp, next_cp;
	uint64_t prev_cp_size;
	bool check_nodes;    /* stored nodes come with each entry (database mode) */
	const vnode *cur_nodes; /* the nodes the current entry completes, in creation order */
	size_t cur_nnodes, cur_pos;
	bool stop;
} vstate;

int vs_init(vstate *vs, const mm_verify_opts *o, const mm_note_verifier *key, mm_verify_report *rep,
	    mm_err *err);
int vs_add_checkpoint(vstate *vs, const char *note, size_t n, mm_err *err);
int vs_add_checkpoint_parsed(vstate *vs, const mm_checkpoint *c, bool held, mm_err *err);
void vs_begin(vstate *vs);
/* Check one entry; nodes are the stored nodes it completes (ignored unless check_nodes). */
bool vs_feed(vstate *vs, uint64_t row_seq, const uint8_t *p, size_t n, const uint8_t *stored_hash,
	     const vnode *nodes, size_t nnodes);
void vs_end(vstate *vs);
void vs_release(vstate *vs);

#endif
