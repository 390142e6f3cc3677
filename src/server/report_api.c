/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /api/v1/report/{name}?month=YYYY-MM | ?id=ID: a report (src/report)
 * as an .xlsx download, made as the signed-in account sees the records
 * (its tenant), refused for roles that do not submit or receive reports,
 * and recorded as a "report.write" ledger entry naming the account.
 */
#include <stdio.h>
#include <string.h>

#include "report/mm_report.h"
#include "server/server_int.h"
#include "auth/mm_auth.h"
#include "base/banned.h"

/* The contractor's managers and the municipality's people; field operators work from records. */
static const char *const report_readers[] = {"admin", "contractor-manager", "municipality-approver",
					     "municipality-viewer", "auditor", NULL};

static bool may_read_reports(const char *role)
{
	for (const char *const *r = report_readers; *r; r++)
		if (strcmp(role, *r) == 0)
			return true;
	return false;
}

void api_report(struct ctx *x)
{
	mm_err e;
	mm_err_clear(&e);
	if (!may_read_reports(x->sess.role)) {
		if (mm_auth_denied(x->srv->auth, &x->sess, "report.read", x->route.arg, &e))
			fprintf(stderr, "mamori serve: cannot record a denial: %s\n", e.msg);
		reply_error(x, 403, "forbidden", "this role does not receive reports");
		return;
	}
	const char *lang = ctx_query(x, "lang");
	mm_actor who = {.name = x->sess.user, .role = x->sess.role, .tenant = x->sess.tenant};
	mm_report_req q = {.name = x->route.arg,
			   .month = ctx_query(x, "month"),
			   .id = ctx_query(x, "id"),
			   .lang = lang ? lang : x->lang,
			   .schema_dir = x->srv->schema_dir[0] ? x->srv->schema_dir : NULL,
			   .db_label = NULL,
			   .who = &who};
	if (mm_report_check(&q, &e)) {
		reply_mm_error(x, &e);
		return;
	}
	char disp[sizeof x->rp->disposition];
	if (!mm_report_disposition(&q, disp, sizeof disp)) {
		reply_error(x, 400, "invalid", "the report's file name is too long");
		return;
	}
	uint64_t size = 0;
	mm_buf_reset(&x->rp->body);
	if (mm_report_build(x->srv->store, &q, NULL, &x->rp->body, &size, &e) ||
	    mm_report_record(x->srv->store, &q, x->rp->body.p, x->rp->body.len, size, &e)) {
		mm_buf_reset(&x->rp->body);
		reply_mm_error(x, &e);
		return;
	}
	x->rp->status = 200;
	x->rp->ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
	snprintf(x->rp->disposition, sizeof x->rp->disposition, "%s", disp);
}
