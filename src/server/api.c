/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON API handlers. api_dispatch checks, in this order and for every
 * request: Origin (state changes), the session cookie, the CSRF token
 * (state changes), then the role for the operation; the store checks the
 * role against the schema's transition and the tenant once more. Every
 * refusal after login is an "auth.denied" ledger entry.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "server/server_int.h"
#include "qr/mm_qr.h"
#include "base/banned.h"

/* ---- helpers ---- */

#define READ_MAX (64u << 20) /* a store read (a whole kind's list) */

static void reply_obj(struct ctx *x, unsigned status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!s) {
		reply_error(x, 500, "internal", NULL);
		return;
	}
	reply_json(x, status, s, strlen(s));
	free(s);
}

static json_t *body_object(struct ctx *x)
{
	json_t *o = NULL;
	mm_err e;
	mm_err_clear(&e);
	if (mm_http_body_parse(x->body, x->body_len, &o, &e)) {
		reply_error(x, e.code == MM_ELIMIT ? 413 : 400, e.code == MM_ELIMIT ? "too_large" : "bad_request", e.msg);
		return NULL;
	}
	return o;
}

static const char *str_member(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

static void denied(struct ctx *x, const char *what, const char *subject, const char *detail)
{
	mm_err e;
	mm_err_clear(&e);
	if (mm_auth_denied(x->srv->auth, x->logged_in ? &x->sess : NULL, what, subject, &e))
		fprintf(stderr, "mamori serve: cannot record a denial: %s\n", e.msg);
	reply_error(x, 403, "forbidden", detail);
}

static mm_actor actor_of(const struct ctx *x)
{
	mm_actor a = {.name = x->sess.user, .role = x->sess.role, .tenant = x->sess.tenant};
	return a;
}

static bool role_in(const char *role, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(role, *list) == 0)
			return true;
	return false;
}

static void session_cookie(struct ctx *x, const char *token, int64_t max_age)
{
	snprintf(x->rp->cookie, sizeof x->rp->cookie,
		 "%s=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%lld", SESSION_COOKIE, token,
		 (long long)max_age);
}

static json_t *session_json(const struct ctx *x, const mm_session *s)
{
	int64_t now = mm_now_ns();
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:b}", "user", s->user, "role", s->role, "tenant",
			 s->tenant, "csrf", s->csrf, "idle_expires_in_s",
			 (json_int_t)((s->idle_deadline_ns - now) / 1000000000LL), "expires_in_s",
			 (json_int_t)((s->absolute_deadline_ns - now) / 1000000000LL), "must_change", s->must_change,
			 "totp", mm_auth_user_has_totp(x->srv->auth, s->user));
}

/* ---- sessions ---- */

static void do_login(struct ctx *x)
{
	json_t *o = body_object(x);
	if (!o)
		return;
	const char *user = str_member(o, "user"), *pw = str_member(o, "password");
	if (!user || !pw) {
		json_decref(o);
		reply_error(x, 400, "bad_request", "\"user\" and \"password\" are required strings");
		return;
	}
	mm_session s;
	mm_err e;
	mm_err_clear(&e);
	int rc = mm_auth_login_totp(x->srv->auth, user, pw, json_string_length(json_object_get(o, "password")),
				    str_member(o, "totp"), &s, &e);
	json_decref(o); /* the password goes with it; the request body is wiped after the reply */
	if (rc == MM_EPERM) {
		reply_error(x, 401, strstr(e.msg, "locked") ? "locked" : "login_failed", NULL);
		return;
	}
	if (rc == MM_ELIMIT) { /* the session table is full: try again later */
		reply_error(x, 503, "unavailable", e.msg);
		return;
	}
	if (rc) {
		reply_mm_error(x, &e);
		return;
	}
	session_cookie(x, s.token, (s.absolute_deadline_ns - s.created_ns) / 1000000000LL);
	reply_obj(x, 200, session_json(x, &s));
	sodium_memzero(&s, sizeof s);
}

static void do_logout(struct ctx *x, bool everywhere)
{
	mm_err e;
	mm_err_clear(&e);
	int rc = mm_auth_logout(x->srv->auth, x->token, everywhere, &e);
	session_cookie(x, "", 0);
	if (rc) {
		reply_mm_error(x, &e);
		return;
	}
	reply_obj(x, 200, json_pack("{s:b}", "ok", 1));
}

static void do_password(struct ctx *x)
{
	json_t *o = body_object(x);
	if (!o)
		return;
	json_t *cur = json_object_get(o, "current"), *pw = json_object_get(o, "password");
	if (!json_is_string(cur) || !json_is_string(pw)) {
		json_decref(o);
		reply_error(x, 400, "bad_request", "\"current\" and \"password\" are required strings");
		return;
	}
	mm_err e;
	mm_err_clear(&e);
	int rc = mm_auth_change_password(x->srv->auth, x->token, json_string_value(cur), json_string_length(cur),
					 json_string_value(pw), json_string_length(pw), &e);
	json_decref(o);
	if (rc) {
		reply_mm_error(x, &e);
		return;
	}
	reply_obj(x, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- schema ---- */

static json_t *str_array(const char *const *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static const char *type_name(mm_ftype t)
{
	static const char *const names[] = {"string", "text", "integer", "boolean", "date",
					    "datetime", "enum", "ref", "list", "attachment"};
	return (size_t)t < sizeof names / sizeof names[0] ? names[t] : "string";
}

static json_t *field_json(const mm_field *f)
{
	json_t *o = json_pack("{s:s, s:s, s:b, s:I, s:I}", "name", f->name ? f->name : "", "type", type_name(f->type),
			      "required", f->required, "min", (json_int_t)f->min, "max", (json_int_t)f->max);
	if (!o)
		return NULL;
	if (f->title)
		json_object_set(o, "title", f->title);
	if (f->nvalues)
		json_object_set_new(o, "values", str_array(f->values, f->nvalues));
	if (f->ref_kind)
		json_object_set_new(o, "ref", json_string(f->ref_kind));
	if (f->item)
		json_object_set_new(o, "item", field_json(f->item));
	if (f->derived) /* computed by mamori (SLA due, restore order): forms leave it out */
		json_object_set_new(o, "derived", json_true());
	return o;
}

static void do_schema(struct ctx *x)
{
	const mm_schema *sc = mm_store_schema(x->srv->store);
	json_t *kinds = json_array();
	for (size_t i = 0; kinds && i < mm_schema_count(sc); i++) {
		const mm_kind *k = mm_schema_kind_at(sc, i);
		json_t *fields = json_array(), *trans = json_array();
		json_t *vt = json_object_get(x->srv->value_titles, k->name);
		for (size_t j = 0; j < k->nfields; j++) {
			json_t *fj = field_json(&k->fields[j]);
			json_t *titles = json_object_get(vt, k->fields[j].name);
			if (fj && titles) /* what the UI shows for each enum value */
				json_object_set(fj, "value_titles", titles);
			json_array_append_new(fields, fj);
		}
		for (size_t j = 0; j < k->ntrans; j++) {
			const mm_transition *t = &k->trans[j];
			json_t *tj = json_pack("{s:s, s:o, s:s, s:o, s:b, s:b}", "name", t->name, "from",
					       str_array(t->from, t->nfrom), "to", t->to, "roles",
					       str_array(t->roles, t->nroles), "reason_required", t->reason_required,
					       "allowed", mm_transition_allows(t, x->sess.role));
			if (tj && t->title)
				json_object_set(tj, "title", t->title);
			json_array_append_new(trans, tj);
		}
		json_t *kj = json_pack("{s:s, s:o, s:o, s:s, s:o, s:b, s:b}", "kind", k->name, "fields", fields, "states",
				       str_array(k->states, k->nstates), "initial", k->initial ? k->initial : "",
				       "transitions", trans, "may_create", mm_kind_may_create(k, x->sess.role),
				       "may_update", mm_kind_may_update(k, x->sess.role));
		if (kj && k->title)
			json_object_set(kj, "title", k->title);
		/* the service-level fields (due, status, reason), for the UI's live countdown */
		if (kj && k->derive && json_object_get(k->derive, "sla"))
			json_object_set(kj, "sla", json_object_get(k->derive, "sla"));
		/* a restore request's signed order is downloaded from /record/{id}/order */
		if (kj && k->derive && json_object_get(k->derive, "restore_order"))
			json_object_set(kj, "restore_order", json_object_get(k->derive, "restore_order"));
		json_t *st = json_object_get(x->srv->state_titles, k->name);
		if (kj && st)
			json_object_set(kj, "state_titles", st);
		json_array_append_new(kinds, kj);
	}
	reply_obj(x, 200, json_pack("{s:o}", "kinds", kinds));
}

/* ---- records ---- */

static bool query_u64(struct ctx *x, const char *name, uint64_t max, uint64_t def, uint64_t *out)
{
	const char *s = ctx_query(x, name);
	*out = def;
	if (!s)
		return true;
	if (!mm_parse_u64(s, max, out)) {
		char d[120];
		snprintf(d, sizeof d, "query parameter '%s' must be a whole number up to %llu", name,
			 (unsigned long long)max);
		reply_error(x, 400, "bad_request", d);
		return false;
	}
	return true;
}

static void do_list(struct ctx *x)
{
	const char *state = ctx_query(x, "state"), *q = ctx_query(x, "q"), *sort = ctx_query(x, "sort");
	const char *order = ctx_query(x, "order");
	uint64_t limit, offset;
	if (!query_u64(x, "limit", MM_HTTP_PAGE_MAX, 50, &limit) || !query_u64(x, "offset", UINT32_MAX, 0, &offset))
		return;
	if (limit == 0)
		limit = 1;
	mm_store_query query = {
		.state = state && *state ? state : NULL,
		.text = q && *q ? q : NULL,
		.sort = sort && *sort ? sort : NULL,
		.descending = order && strcmp(order, "desc") == 0,
		.offset = offset,
		.limit = limit,
	};
	mm_actor who = actor_of(x);
	mm_err e;
	mm_err_clear(&e);
	uint64_t total = 0;
	/*
	 * Filtering, sorting and paging happen in the database, and the store
	 * writes the page's JSON straight into the reply: nothing is parsed
	 * again here. The object is {"items":[...],"total":T,"offset":O,"limit":L}.
	 */
	mm_buf *out = &x->rp->body;
	mm_buf_reset(out);
	if (mm_buf_puts(out, "{\"items\":")) {
		reply_error(x, 500, "internal", NULL);
		return;
	}
	if (mm_store_query_page(x->srv->store, &who, x->route.arg, &query, out, &total, &e)) {
		if (e.code == MM_EINVAL && strncmp(e.msg, "unknown kind", 12) == 0)
			e.code = MM_ENOTFOUND; /* an unknown kind is a missing resource */
		reply_mm_error(x, &e);
		return;
	}
	if (mm_buf_printf(out, ",\"total\":%llu,\"offset\":%llu,\"limit\":%llu}", (unsigned long long)total,
			  (unsigned long long)offset, (unsigned long long)limit)) {
		reply_error(x, 500, "internal", NULL);
		return;
	}
	x->rp->status = 200;
	x->rp->ctype = "application/json; charset=utf-8";
}

static void write_error(struct ctx *x, const mm_err *e, const char *what, const char *subject)
{
	if (e->code == MM_EPERM)
		denied(x, what, subject, e->msg);
	else
		reply_mm_error(x, e);
}

static void write_reply(struct ctx *x, unsigned status, const mm_write_result *r)
{
	reply_obj(x, status, json_pack("{s:s, s:I, s:I}", "id", r->id, "version", (json_int_t)r->version, "seq",
				       (json_int_t)r->seq));
}

static bool version_of(struct ctx *x, json_t *o, uint32_t *v)
{
	json_t *jv = json_object_get(o, "version");
	*v = 0;
	if (!jv)
		return true;
	if (!json_is_integer(jv) || json_integer_value(jv) < 1 || json_integer_value(jv) > UINT32_MAX) {
		reply_error(x, 400, "bad_request", "\"version\" must be the record version you read (a positive integer)");
		return false;
	}
	*v = (uint32_t)json_integer_value(jv);
	return true;
}

static void do_create(struct ctx *x)
{
	json_t *o = body_object(x);
	if (!o)
		return;
	json_t *data = json_object_get(o, "data");
	const char *reason = str_member(o, "reason");
	char *text = data ? json_dumps(data, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	mm_write_result r;
	mm_err e;
	mm_err_clear(&e);
	mm_actor who = actor_of(x);
	if (!text)
		reply_error(x, 400, "bad_request", "\"data\" (the record's fields as an object) is required");
	else if (mm_store_create(x->srv->store, &who, x->route.arg, text, strlen(text), reason, &r, &e))
		write_error(x, &e, "record.create", x->route.arg);
	else
		write_reply(x, 201, &r);
	free(text);
	json_decref(o);
}

static void do_update(struct ctx *x)
{
	json_t *o = body_object(x);
	if (!o)
		return;
	uint32_t v;
	json_t *patch = json_object_get(o, "data");
	char *text = patch ? json_dumps(patch, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	mm_write_result r;
	mm_err e;
	mm_err_clear(&e);
	mm_actor who = actor_of(x);
	if (!version_of(x, o, &v))
		goto out;
	if (!text)
		reply_error(x, 400, "bad_request", "\"data\" (a JSON merge patch of fields) is required");
	else if (mm_store_update(x->srv->store, &who, x->route.arg, v, text, strlen(text), str_member(o, "reason"),
				 &r, &e))
		write_error(x, &e, "record.update", x->route.arg);
	else
		write_reply(x, 200, &r);
out:
	free(text);
	json_decref(o);
}

static void do_transition(struct ctx *x)
{
	json_t *o = body_object(x);
	if (!o)
		return;
	uint32_t v;
	const char *what = str_member(o, "transition");
	if (!what)
		what = str_member(o, "to");
	mm_write_result r;
	mm_err e;
	mm_err_clear(&e);
	mm_actor who = actor_of(x);
	if (!version_of(x, o, &v))
		goto out;
	if (!what)
		reply_error(x, 400, "bad_request", "\"transition\" (or \"to\", the target state) is required");
	else if (mm_store_transition(x->srv->store, &who, x->route.arg, v, what, str_member(o, "reason"), &r, &e))
		write_error(x, &e, "record.transition", x->route.arg);
	else
		write_reply(x, 200, &r);
out:
	json_decref(o);
}

static void do_show(struct ctx *x)
{
	mm_actor who = actor_of(x);
	mm_buf b;
	mm_buf_init(&b, READ_MAX);
	mm_err e;
	mm_err_clear(&e);
	if (mm_store_get(x->srv->store, &who, x->route.arg, &b, &e)) {
		reply_mm_error(x, &e);
		goto out;
	}
	json_error_t je;
	json_t *rec = json_loadb((const char *)b.p, b.len, 0, &je);
	const mm_kind *k = mm_schema_kind(mm_store_schema(x->srv->store), or_empty(str_member(rec, "kind")));
	const char *state = str_member(rec, "state");
	json_t *allowed = json_array();
	for (size_t i = 0; k && state && allowed && i < k->ntrans; i++) {
		const mm_transition *t = &k->trans[i];
		if (mm_kind_transition(k, state, t->name) == t && mm_transition_allows(t, x->sess.role))
			json_array_append_new(allowed, json_string(t->name));
	}
	if (rec) {
		json_object_set_new(rec, "allowed_transitions", allowed);
		json_object_set_new(rec, "may_update", json_boolean(k && mm_kind_may_update(k, x->sess.role)));
		allowed = NULL;
	}
	json_decref(allowed);
	reply_obj(x, 200, rec);
out:
	mm_buf_release(&b);
}

static void do_history(struct ctx *x)
{
	mm_actor who = actor_of(x);
	mm_buf b;
	mm_buf_init(&b, READ_MAX);
	mm_err e;
	mm_err_clear(&e);
	if (mm_store_history(x->srv->store, &who, x->route.arg, &b, &e))
		reply_mm_error(x, &e);
	else
		reply_json(x, 200, (const char *)b.p, b.len);
	mm_buf_release(&b);
}

/* ---- attachments ---- */

static const char *const writers[] = {"admin", "contractor-manager", "contractor-operator", "municipality-approver",
				      NULL};

static void do_attach(struct ctx *x)
{
	if (!role_in(x->sess.role, writers)) {
		denied(x, "attachment.create", "", NULL);
		return;
	}
	const char *name = ctx_query(x, "name");
	if (!name || !*name || strlen(name) > 255 || !mm_utf8_valid(name, strlen(name)) || strpbrk(name, "/\\\r\n\"")) {
		reply_error(x, 400, "bad_request", "query parameter 'name' (the file name, no slashes or quotes) is required");
		return;
	}
	if (!x->body_len) {
		reply_error(x, 400, "bad_request", "the body (the file's bytes) is empty");
		return;
	}
	char hex[2 * MM_SHA256_LEN + 1];
	mm_err e;
	mm_err_clear(&e);
	mm_actor who = actor_of(x);
	if (mm_store_attach(x->srv->store, &who, x->body, x->body_len, name, hex, &e)) {
		reply_mm_error(x, &e);
		return;
	}
	reply_obj(x, 201, json_pack("{s:s, s:I}", "sha256", hex, "size", (json_int_t)x->body_len));
}

static void do_attachment(struct ctx *x)
{
	char path[4096];
	mm_err e;
	mm_err_clear(&e);
	if (mm_store_attachment_path(x->srv->store, x->route.arg, path, sizeof path, &e)) {
		reply_mm_error(x, &e);
		return;
	}
	mm_buf_reset(&x->rp->body);
	if (mm_file_read(path, MM_HTTP_UPLOAD_MAX, &x->rp->body, &e)) {
		e.code = e.code == MM_EIO ? MM_ENOTFOUND : e.code;
		reply_mm_error(x, &e);
		return;
	}
	/* never rendered by the browser: a fixed type, always a download */
	x->rp->ctype = "application/octet-stream";
	snprintf(x->rp->disposition, sizeof x->rp->disposition, "attachment; filename=\"%.64s.bin\"", x->route.arg);
}

/* ---- ledger ---- */

static void do_checkpoint(struct ctx *x)
{
	mm_buf b;
	mm_buf_init(&b, 1u << 20);
	mm_err e;
	mm_err_clear(&e);
	mm_ledger *l = mm_store_ledger(x->srv->store);
	if (mm_ledger_latest_checkpoint(l, &b, &e))
		reply_mm_error(x, &e);
	else
		reply_obj(x, 200, json_pack("{s:s, s:I}", "checkpoint", (const char *)b.p, "size",
					    (json_int_t)mm_ledger_size(l)));
	mm_buf_release(&b);
}

static void do_proof(struct ctx *x)
{
	uint64_t seq, size;
	mm_ledger *l = mm_store_ledger(x->srv->store);
	(void)mm_parse_u64(x->route.arg, UINT64_MAX, &seq);
	if (!query_u64(x, "size", UINT64_MAX, mm_ledger_size(l), &size))
		return;
	mm_hash leaf, path[MM_PROOF_MAX], root;
	size_t n = 0;
	mm_err e;
	mm_err_clear(&e);
	if (seq > size || mm_ledger_inclusion(l, seq, size, leaf, path, &n, &e) || mm_ledger_root(l, size, root, &e)) {
		if (seq > size)
			mm_err_set(&e, MM_ENOTFOUND, "entry %llu is not in a tree of %llu entries",
				   (unsigned long long)seq, (unsigned long long)size);
		reply_mm_error(x, &e);
		return;
	}
	char hex[2 * MM_SHA256_LEN + 1];
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++) {
		mm_hex_encode(path[i], MM_SHA256_LEN, hex);
		json_array_append_new(arr, json_string(hex));
	}
	char leafhex[2 * MM_SHA256_LEN + 1], roothex[2 * MM_SHA256_LEN + 1];
	mm_hex_encode(leaf, MM_SHA256_LEN, leafhex);
	mm_hex_encode(root, MM_SHA256_LEN, roothex);
	reply_obj(x, 200, json_pack("{s:I, s:I, s:s, s:s, s:o}", "seq", (json_int_t)seq, "tree_size", (json_int_t)size,
				    "leaf", leafhex, "root", roothex, "path", arr));
}

/* ---- accounts ---- */

static const char *const account_readers[] = {"admin", "municipality-approver", "municipality-viewer", "auditor",
					       "contractor-manager", NULL};

static void do_users(struct ctx *x)
{
	if (!role_in(x->sess.role, account_readers)) {
		denied(x, "account.list", "", NULL);
		return;
	}
	mm_buf b;
	mm_buf_init(&b, READ_MAX);
	mm_err e;
	mm_err_clear(&e);
	if (mm_auth_user_list(x->srv->auth, x->sess.tenant, &b, &e))
		reply_mm_error(x, &e);
	else
		reply_json(x, 200, (const char *)b.p, b.len);
	mm_buf_release(&b);
}

static bool is_admin(struct ctx *x, const char *what, const char *subject)
{
	if (strcmp(x->sess.role, "admin") == 0)
		return true;
	denied(x, what, subject, NULL);
	return false;
}

/* An administrator manages only the accounts of their own organisation. */
static bool same_tenant_account(struct ctx *x, const char *name)
{
	mm_buf b;
	mm_buf_init(&b, READ_MAX);
	mm_err e;
	bool ok = false;
	if (!mm_auth_user_list(x->srv->auth, x->sess.tenant, &b, &e)) {
		json_error_t je;
		json_t *arr = json_loadb((const char *)b.p, b.len, 0, &je);
		size_t i;
		json_t *v;
		json_array_foreach(arr, i, v) ok = ok || strcmp(or_empty(str_member(v, "name")), name) == 0;
		json_decref(arr);
	}
	mm_buf_release(&b);
	if (!ok)
		reply_error(x, 404, "not_found", NULL);
	return ok;
}

static void do_user_add(struct ctx *x)
{
	if (!is_admin(x, "account.create", ""))
		return;
	json_t *o = body_object(x);
	if (!o)
		return;
	json_t *pw = json_object_get(o, "password");
	mm_err e;
	mm_err_clear(&e);
	if (!str_member(o, "name") || !str_member(o, "role") || !json_is_string(pw))
		reply_error(x, 400, "bad_request", "\"name\", \"role\" and \"password\" are required strings");
	else if (mm_auth_user_add(x->srv->auth, x->sess.user, str_member(o, "name"), str_member(o, "role"),
				  x->sess.tenant, json_string_value(pw), json_string_length(pw), &e))
		reply_mm_error(x, &e);
	else
		reply_obj(x, 201, json_pack("{s:s, s:s, s:s}", "name", str_member(o, "name"), "role",
					    str_member(o, "role"), "tenant", x->sess.tenant));
	json_decref(o);
}

static void do_user_disable(struct ctx *x, bool disabled)
{
	if (!is_admin(x, disabled ? "account.disable" : "account.enable", x->route.arg) ||
	    !same_tenant_account(x, x->route.arg))
		return;
	mm_err e;
	mm_err_clear(&e);
	if (mm_auth_user_disable(x->srv->auth, x->sess.user, x->route.arg, disabled, &e))
		reply_mm_error(x, &e);
	else
		reply_obj(x, 200, json_pack("{s:s, s:b}", "name", x->route.arg, "disabled", disabled));
}

static void do_user_passwd(struct ctx *x)
{
	if (!is_admin(x, "account.password", x->route.arg) || !same_tenant_account(x, x->route.arg))
		return;
	json_t *o = body_object(x);
	if (!o)
		return;
	json_t *pw = json_object_get(o, "password");
	mm_err e;
	mm_err_clear(&e);
	if (!json_is_string(pw))
		reply_error(x, 400, "bad_request", "\"password\" is a required string");
	else if (mm_auth_user_passwd(x->srv->auth, x->sess.user, x->route.arg, json_string_value(pw),
				     json_string_length(pw), &e))
		reply_mm_error(x, &e);
	else
		reply_obj(x, 200, json_pack("{s:s}", "name", x->route.arg));
	json_decref(o);
}

/* An administrator sets a one-time password for another account of their organisation. */
static void do_user_reset(struct ctx *x)
{
	if (!is_admin(x, "account.password-reset", x->route.arg) || !same_tenant_account(x, x->route.arg))
		return;
	json_t *o = body_object(x);
	if (!o)
		return;
	json_t *pw = json_object_get(o, "password");
	mm_err e;
	mm_err_clear(&e);
	if (!json_is_string(pw))
		reply_error(x, 400, "bad_request", "\"password\" (the one-time password) is a required string");
	else if (mm_auth_user_reset(x->srv->auth, x->sess.user, x->route.arg, json_string_value(pw),
				    json_string_length(pw), &e))
		reply_mm_error(x, &e);
	else /* the password is never echoed */
		reply_obj(x, 200, json_pack("{s:s, s:b}", "name", x->route.arg, "must_change", 1));
	json_decref(o);
}

/* ---- two-step login (TOTP) enrolment from the account page ---- */

/* The otpauth:// URI an authenticator app takes (names are [A-Za-z0-9._@-]: nothing to escape). */
static void otpauth_uri(char *out, size_t n, const char *user, const char *b32)
{
	snprintf(out, n, "otpauth://totp/mamori:%s?secret=%s&issuer=mamori&algorithm=SHA1&digits=6&period=30", user, b32);
}

static void do_totp_begin(struct ctx *x)
{
	char b32[48], user[MM_USER_NAME_MAX + 1], uri[256];
	mm_err e;
	mm_err_clear(&e);
	if (mm_auth_totp_begin(x->srv->auth, x->token, b32, sizeof b32, user, &e)) {
		reply_mm_error(x, &e);
		return;
	}
	otpauth_uri(uri, sizeof uri, user, b32);
	/* shown once, to its owner, to type into the app; never stored outside the session until confirmed */
	reply_obj(x, 200, json_pack("{s:s, s:s, s:s}", "secret", b32, "uri", uri, "qr", "/api/v1/session/totp/qr.svg"));
	sodium_memzero(b32, sizeof b32);
	sodium_memzero(uri, sizeof uri);
}

static void do_totp_qr(struct ctx *x)
{
	char b32[48], user[MM_USER_NAME_MAX + 1], uri[256];
	mm_err e;
	mm_err_clear(&e);
	mm_qr q;
	if (mm_auth_totp_pending(x->srv->auth, x->token, b32, sizeof b32, user, &e)) {
		reply_mm_error(x, &e);
		return;
	}
	otpauth_uri(uri, sizeof uri, user, b32);
	mm_buf_reset(&x->rp->body);
	if (mm_qr_encode(uri, strlen(uri), -1, &q, &e) || mm_qr_svg(&q, 4, &x->rp->body, &e)) {
		reply_mm_error(x, &e);
	} else {
		x->rp->status = 200;
		x->rp->ctype = "image/svg+xml"; /* no script in it, and the CSP forbids any */
	}
	sodium_memzero(&q, sizeof q);
	sodium_memzero(b32, sizeof b32);
	sodium_memzero(uri, sizeof uri);
}

static void do_totp_confirm(struct ctx *x)
{
	json_t *o = body_object(x);
	if (!o)
		return;
	const char *code = str_member(o, "totp");
	mm_err e;
	mm_err_clear(&e);
	if (!code)
		reply_error(x, 400, "bad_request", "\"totp\" (the 6-digit code from the app) is required");
	else if (mm_auth_totp_confirm(x->srv->auth, x->token, code, &e))
		reply_mm_error(x, &e);
	else
		reply_obj(x, 200, json_pack("{s:b}", "totp", 1));
	json_decref(o);
}

static void do_totp_disable(struct ctx *x)
{
	json_t *o = body_object(x);
	if (!o)
		return;
	json_t *pw = json_object_get(o, "password");
	mm_err e;
	mm_err_clear(&e);
	if (!json_is_string(pw))
		reply_error(x, 400, "bad_request", "\"password\" is a required string");
	else if (mm_auth_totp_disable(x->srv->auth, x->token, json_string_value(pw), json_string_length(pw), &e))
		reply_error(x, e.code == MM_EPERM ? 403 : e.code == MM_ENOTFOUND ? 404 : 500,
			    e.code == MM_EPERM ? "login_failed" : e.code == MM_ENOTFOUND ? "not_found" : "internal",
			    e.code == MM_EPERM || e.code == MM_ENOTFOUND ? e.msg : NULL);
	else
		reply_obj(x, 200, json_pack("{s:b}", "totp", 0));
	json_decref(o);
}

/* While a one-time password is unchanged, only these are allowed. */
static bool allowed_before_change(mm_route_id id)
{
	return id == MM_R_SESSION_GET || id == MM_R_SESSION_LOGOUT || id == MM_R_SESSIONS_LOGOUT || id == MM_R_PASSWORD;
}

/* ---- dispatch ---- */

void api_dispatch(struct ctx *x)
{
	const mm_route *r = &x->route;
	if (r->changes_state) {
		const char *site = ctx_header(x, "Sec-Fetch-Site");
		const char *origin = ctx_header(x, "Origin");
		/* the Host the browser used, or the public origin the operator configured (a proxy in front) */
		bool origin_ok = mm_http_origin_ok(origin, ctx_header(x, "Host")) ||
				 (origin && strcmp(origin, x->srv->origin) == 0);
		if (!origin_ok ||
		    (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)) {
			reply_error(x, 403, "origin", NULL);
			return;
		}
	}
	if (r->id == MM_R_AGENT_ENROLL || r->id == MM_R_AGENT_REPORT) {
		agentapi_dispatch(x); /* authenticated by token or signature, never by cookie */
		return;
	}
	if (r->id == MM_R_SESSION_LOGIN) {
		do_login(x);
		return;
	}
	mm_err e;
	mm_err_clear(&e);
	if (!mm_http_cookie_get(ctx_header(x, "Cookie"), SESSION_COOKIE, x->token, sizeof x->token) ||
	    mm_auth_session(x->srv->auth, x->token, &x->sess, &e)) {
		reply_error(x, 401, "unauthorized", strcmp(e.msg, "session expired") == 0 ? "session expired" : NULL);
		return;
	}
	x->logged_in = true;
	if (r->changes_state && !mm_auth_csrf_ok(&x->sess, ctx_header(x, "X-CSRF-Token"))) {
		mm_err_clear(&e);
		if (mm_auth_denied(x->srv->auth, &x->sess, "csrf", "", &e))
			fprintf(stderr, "mamori serve: cannot record a denial: %s\n", e.msg);
		reply_error(x, 403, "csrf", "missing or wrong X-CSRF-Token header");
		return;
	}
	if (x->sess.must_change && !allowed_before_change(r->id)) {
		reply_error(x, 403, "password_change_required", "PUT /api/v1/session/password first");
		return;
	}
	switch (r->id) {
	case MM_R_SESSION_GET: reply_obj(x, 200, session_json(x, &x->sess)); break;
	case MM_R_SESSION_LOGOUT: do_logout(x, false); break;
	case MM_R_SESSIONS_LOGOUT: do_logout(x, true); break;
	case MM_R_PASSWORD: do_password(x); break;
	case MM_R_SCHEMA: do_schema(x); break;
	case MM_R_LIST: do_list(x); break;
	case MM_R_CREATE: do_create(x); break;
	case MM_R_SHOW: do_show(x); break;
	case MM_R_UPDATE: do_update(x); break;
	case MM_R_HISTORY: do_history(x); break;
	case MM_R_TRANSITION: do_transition(x); break;
	case MM_R_ATTACH: do_attach(x); break;
	case MM_R_ATTACHMENT: do_attachment(x); break;
	case MM_R_CHECKPOINT: do_checkpoint(x); break;
	case MM_R_PROOF: do_proof(x); break;
	case MM_R_USERS: do_users(x); break;
	case MM_R_USER_ADD: do_user_add(x); break;
	case MM_R_USER_DISABLE: do_user_disable(x, true); break;
	case MM_R_USER_ENABLE: do_user_disable(x, false); break;
	case MM_R_USER_PASSWD: do_user_passwd(x); break;
	case MM_R_USER_RESET: do_user_reset(x); break;
	case MM_R_TOTP_BEGIN: do_totp_begin(x); break;
	case MM_R_TOTP_QR: do_totp_qr(x); break;
	case MM_R_TOTP_CONFIRM: do_totp_confirm(x); break;
	case MM_R_TOTP_DISABLE: do_totp_disable(x); break;
	case MM_R_IMPORT: api_import(x); break;
	case MM_R_RESTORE_ORDER: api_restore_order(x); break;
	case MM_R_POPULATE: api_populate(x); break;
	case MM_R_COMPLIANCE: dash_compliance(x); break;
	case MM_R_DASHBOARD: dash_dashboard(x); break;
	case MM_R_CHART: dash_chart(x); break;
	case MM_R_REPORT: api_report(x); break;
	default: reply_error(x, 404, "not_found", NULL); break;
	}
}
