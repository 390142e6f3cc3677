/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/ops: the deriver's context and the rules kept in their own files. */
#ifndef MM_OPS_INT_H
#define MM_OPS_INT_H

#include "crypto/mm_crypto.h"
#include "ops/mm_ops.h"

struct mm_ops {
	mm_contract *contract;
	int64_t now;     /* 0: the clock */
	mm_store *store; /* set by mm_ops_install: roster and order rules read through it */
	bool has_signer; /* the ledger's key, for restore orders (order.c) */
	uint8_t sk[MM_ED25519_SK_LEN];
};

/* Load the ledger's signing key file (C2SP signer format) into o. */
int ops_load_signer(mm_ops *o, const char *path, mm_err *err);
/* The "restore_order" rule: sign the order when the record enters its state (order.c). */
int ops_derive_order(mm_ops *o, const mm_kind *k, const char *state, json_t *data, mm_err *err);

#endif
