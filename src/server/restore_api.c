/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /api/v1/record/{id}/order: the signed FIM restore order of an
 * approved restore request, as a file for `mamori-agent fim restore
 * --order FILE`. The order itself is written by the approval (the ops
 * deriver's "restore_order" rule, docs/operations.md); this only hands it
 * out, to whoever may read the record.
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "server/server_int.h"
#include "base/banned.h"

void api_restore_order(struct ctx *x)
{
	mm_actor who = {.name = x->sess.user, .role = x->sess.role, .tenant = x->sess.tenant};
	mm_buf b;
	mm_err e;
	mm_err_clear(&e);
	mm_buf_init(&b, MM_RECORD_JSON_MAX * 2);
	json_t *r = NULL;
	if (mm_store_get(x->srv->store, &who, x->route.arg, &b, &e)) {
		reply_mm_error(x, &e);
		goto out;
	}
	json_error_t je;
	r = json_loadb((const char *)b.p, b.len, 0, &je);
	const mm_kind *k = r ? mm_schema_kind(mm_store_schema(x->srv->store), json_string_value(json_object_get(r, "kind")))
			     : NULL;
	const json_t *rule = k && k->derive ? json_object_get(k->derive, "restore_order") : NULL;
	if (!rule) {
		reply_error(x, 404, "not_found", "this record is not a restore request");
		goto out;
	}
	const json_t *data = json_object_get(r, "data");
	const char *order = json_string_value(json_object_get(data, json_string_value(json_object_get(rule, "order"))));
	const char *oid = json_string_value(json_object_get(data, json_string_value(json_object_get(rule, "id"))));
	if (!order || !oid) {
		reply_error(x, 404, "not_found", "no restore order has been issued: the municipality approves the request first");
		goto out;
	}
	mm_buf_reset(&x->rp->body);
	if (mm_buf_puts(&x->rp->body, order)) {
		reply_error(x, 500, "internal", NULL);
		goto out;
	}
	/* never rendered by the browser: a fixed type, always a download; the id is [A-Za-z0-9._-] */
	x->rp->ctype = "application/octet-stream";
	snprintf(x->rp->disposition, sizeof x->rp->disposition, "attachment; filename=\"%.64s.order\"", oid);
out:
	json_decref(r);
	mm_buf_release(&b);
}
