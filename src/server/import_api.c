/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /api/v1/records/{kind}/import: a CSV body (text/csv) as records of
 * kind, through the same code as `mamori record import` (mm_ops_import_csv):
 * every row checked, all written or none. Allowed to the kind's create
 * roles; a refusal names the line and column.
 */
#include <stdio.h>
#include <string.h>

#include "ops/mm_ops.h"
#include "server/server_int.h"
#include "base/banned.h"

void api_import(struct ctx *x)
{
	const char *ctype = ctx_header(x, "Content-Type");
	const char *reason = ctx_query(x, "reason");
	mm_actor who = {.name = x->sess.user, .role = x->sess.role, .tenant = x->sess.tenant};
	mm_store_create_all_result res;
	mm_err e;
	mm_err_clear(&e);
	if (!ctype || strncmp(ctype, "text/csv", 8) != 0 || (ctype[8] && ctype[8] != ';')) {
		reply_error(x, 415, "bad_request", "the body must be text/csv (UTF-8)");
		return;
	}
	if (!x->body_len) {
		reply_error(x, 400, "bad_request", "the body (the CSV file) is empty");
		return;
	}
	if (mm_ops_import_csv(x->srv->store, &who, x->route.arg, (const char *)x->body, x->body_len, "CSV", reason,
			      &res, &e)) {
		if (e.code == MM_EPERM) {
			mm_err de;
			mm_err_clear(&de);
			if (mm_auth_denied(x->srv->auth, &x->sess, "record.import", x->route.arg, &de))
				fprintf(stderr, "mamori serve: cannot record a denial: %s\n", de.msg);
			reply_error(x, 403, "forbidden", e.msg);
		} else {
			reply_mm_error(x, &e);
		}
		return;
	}
	char body[512];
	int n = snprintf(body, sizeof body, "{\"count\":%zu,\"first\":\"%s\",\"last\":\"%s\",\"first_seq\":%llu}",
			 res.count, res.first, res.last, (unsigned long long)res.first_seq);
	reply_json(x, 201, body, (size_t)n);
}
