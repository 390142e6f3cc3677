/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /api/v1/record/{id}/populate: the checklist lines an inspection
 * campaign or a password rotation lacks (src/ops/campaign.c), written as
 * the caller — so the store checks the caller may create the lines, each
 * line is a ledger entry, and a refusal is one too.
 */
#include <stdio.h>

#include "ops/mm_ops.h"
#include "server/server_int.h"
#include "base/banned.h"

void api_populate(struct ctx *x)
{
	mm_actor who = {.name = x->sess.user, .role = x->sess.role, .tenant = x->sess.tenant};
	mm_ops_populate_counts n;
	mm_err e;
	mm_err_clear(&e);
	if (mm_ops_campaign_populate(x->srv->store, &who, x->route.arg, &n, &e) == MM_OK) {
		char body[MM_ID_MAX + 160];
		int len = snprintf(body, sizeof body, "{\"id\":\"%s\",\"assets\":%zu,\"created\":%zu,\"existing\":%zu}",
				   x->route.arg, n.assets, n.created, n.existing); /* the id is [A-Za-z0-9._@-] (routing) */
		reply_json(x, 200, body, (size_t)len);
		return;
	}
	if (e.code == MM_EPERM) {
		mm_err de;
		mm_err_clear(&de);
		if (mm_auth_denied(x->srv->auth, &x->sess, "campaign.populate", x->route.arg, &de))
			fprintf(stderr, "mamori serve: cannot record a denial: %s\n", de.msg);
		reply_error(x, 403, "forbidden", e.msg);
		return;
	}
	reply_mm_error(x, &e);
}
