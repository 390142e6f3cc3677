/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Demo data (format "mamori-demo/1", docs/operations.md): planned — parsed,
 * expanded and checked against the schema and the deriver — in full before
 * anything is written, then loaded through the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/mm_cal.h"
#include "ops/mm_ops.h"
#include "base/banned.h"

typedef struct plan_ctx {
	const mm_schema *schema;
	mm_ops *ops;
	const char *label;
	int64_t now;
	json_t *refs;  /* ref name → kind */
	json_t *sites; /* "@CODE" of every site, for "@all-sites" */
	json_t *steps;
	mm_err *err;
} plan_ctx;

static int fail(plan_ctx *c, const char *path, const char *fmt, const char *arg)
{
	char why[MM_ERR_MSG_MAX / 2];
	snprintf(why, sizeof why, fmt, arg ? arg : "");
	return mm_err_set(c->err, MM_EINVAL, "%s: %s: %s", c->label, path, why);
}

static int nomem(plan_ctx *c)
{
	return mm_err_set(c->err, MM_ENOMEM, "out of memory");
}

/* "@now-Nm" → the instant N minutes before c->now; *out NULL when s is not of that form. */
static int now_minus(plan_ctx *c, const char *s, const char *path, json_t **out)
{
	uint64_t m;
	char num[16];
	size_t n = strlen(s + 5);
	*out = NULL;
	if (n < 2 || n > sizeof num || s[5 + n - 1] != 'm')
		return fail(c, path, "'@now-' must be followed by minutes, e.g. @now-30m%s", NULL);
	memcpy(num, s + 5, n - 1);
	num[n - 1] = '\0';
	if (!mm_parse_u64(num, MM_DEMO_MINUTES_MAX, &m))
		return fail(c, path, "'@now-Nm': N must be a number of minutes up to 527040%s", NULL);
	char t[40];
	mm_cal_format_instant(c->now - (int64_t)m * 60, t, sizeof t);
	if (!(*out = json_string(t)))
		return nomem(c);
	return MM_OK;
}

/*
 * Copy v with "@now-Nm" resolved and "@all-sites" expanded; every other
 * "@name" must name an earlier record (it stays symbolic until loading).
 */
static int expand(plan_ctx *c, json_t *v, const char *path, unsigned depth, json_t **out)
{
	int rc;
	*out = NULL;
	if (depth > 8)
		return fail(c, path, "nested too deeply%s", NULL);
	if (json_is_array(v) || json_is_object(v)) {
		json_t *r = json_is_array(v) ? json_array() : json_object();
		size_t i;
		const char *k;
		json_t *e, *x;
		char sub[256];
		if (!r)
			return nomem(c);
		if (json_is_array(v)) {
			json_array_foreach(v, i, e) {
				snprintf(sub, sizeof sub, "%s[%zu]", path, i);
				if ((rc = expand(c, e, sub, depth + 1, &x)))
					goto fail_r;
				if (json_array_append_new(r, x)) {
					rc = nomem(c);
					goto fail_r;
				}
			}
		} else {
			json_object_foreach(v, k, e) {
				snprintf(sub, sizeof sub, "%s.%.64s", path, k);
				if ((rc = expand(c, e, sub, depth + 1, &x)))
					goto fail_r;
				if (json_object_set_new(r, k, x)) {
					rc = nomem(c);
					goto fail_r;
				}
			}
		}
		*out = r;
		return MM_OK;
fail_r:
		json_decref(r);
		return rc;
	}
	const char *s = json_string_value(v);
	if (s && strcmp(s, "@all-sites") == 0) {
		if (!(*out = json_copy(c->sites)))
			return nomem(c);
		return MM_OK;
	}
	if (s && strncmp(s, "@now-", 5) == 0)
		return now_minus(c, s, path, out);
	if (s && s[0] == '@' && !json_object_get(c->refs, s + 1))
		return fail(c, path, "unknown reference '%.64s' (name a site code, an asset name or an earlier ref)", s);
	*out = json_incref(v);
	return MM_OK;
}

/* Schema lookup during planning: a reference is "@name" of an earlier record of the right kind. */
static bool plan_ref_exists(void *ctx, const char *kind, const char *id)
{
	plan_ctx *c = ctx;
	const char *k = id[0] == '@' ? json_string_value(json_object_get(c->refs, id + 1)) : NULL;
	return k && strcmp(k, kind) == 0;
}

static bool plan_attachment_exists(void *ctx, const char *hex)
{
	(void)ctx;
	(void)hex;
	return false; /* demo data carries no attachments */
}

/* Check a step as the store would: kind, derived fields, schema, deriver in each state it passes. */
static int check_step(plan_ctx *c, const char *path, const char *kind, const char *ref, json_t *data,
		      json_t *trans)
{
	const mm_kind *k = mm_schema_kind(c->schema, kind);
	mm_schema_lookup lk = {plan_ref_exists, plan_attachment_exists, c};
	size_t i;
	json_t *t;
	int rc;
	char sub[160];
	if (!k)
		return fail(c, path, "unknown kind '%.64s'", kind);
	if (ref && json_object_get(c->refs, ref))
		return fail(c, path, "the name '%.64s' is already taken", ref);
	for (i = 0; i < k->nfields; i++)
		if (k->fields[i].derived && json_object_get(data, k->fields[i].name))
			return fail(c, path, "field %s: is computed by mamori and cannot be set", k->fields[i].name);
	json_t *copy = json_deep_copy(data);
	if (!copy)
		return nomem(c);
	const char *state = k->initial;
	snprintf(sub, sizeof sub, "%s.data", path);
	if (c->ops && (rc = mm_ops_derive(c->ops, k, state, copy, c->err)))
		goto out_prefix;
	if ((rc = mm_schema_validate(k, copy, &lk, c->err)))
		goto out_prefix;
	json_array_foreach(trans, i, t) {
		snprintf(sub, sizeof sub, "%s.transitions[%zu]", path, i);
		const char *to = json_string_value(json_object_get(t, "to"));
		const char *role = json_string_value(json_object_get(t, "role"));
		if (!json_is_object(t) || !to || !role || !json_is_string(json_object_get(t, "actor"))) {
			rc = fail(c, sub, "a transition needs \"to\", \"role\" and \"actor\" (text)%s", NULL);
			goto out;
		}
		const mm_transition *tr = mm_kind_transition(k, state, to);
		if (!tr) {
			rc = fail(c, sub, "no transition to '%.64s' from the state before it", to);
			goto out;
		}
		if (!mm_transition_allows(tr, role)) {
			rc = fail(c, sub, "role '%.64s' may not make this transition", role);
			goto out;
		}
		if (tr->reason_required) {
			rc = fail(c, sub, "transition '%s' needs a reason, which demo data cannot give", tr->name);
			goto out;
		}
		state = tr->to;
		if (c->ops && (rc = mm_ops_derive(c->ops, k, state, copy, c->err)))
			goto out_prefix;
	}
	if (ref && json_object_set_new(c->refs, ref, json_string(kind)))
		rc = nomem(c);
	goto out;
out_prefix:
	mm_err_prefix(c->err, "%s: %s", c->label, sub);
out:
	json_decref(copy);
	return rc;
}

static int add_step(plan_ctx *c, const char *path, const char *kind, const char *ref, json_t *data, json_t *trans)
{
	int rc;
	if ((rc = check_step(c, path, kind, ref, data, trans)))
		return rc;
	json_t *st = json_pack("{s:s, s:O, s:O}", "kind", kind, "data", data, "transitions", trans ? trans : json_null());
	if (!st || (ref && json_object_set_new(st, "ref", json_string(ref))) || json_array_append_new(c->steps, st))
		return nomem(c);
	return MM_OK;
}

static int plan_sites(plan_ctx *c, json_t *doc)
{
	json_t *models = json_object_get(doc, "models"), *sites = json_object_get(doc, "sites");
	size_t i;
	json_t *site;
	int rc;
	char path[160];
	if (!json_is_object(models))
		return fail(c, "$.models", "must be an object of device models%s", NULL);
	if (!json_is_array(sites) || json_array_size(sites) > MM_DEMO_SITES_MAX)
		return fail(c, "$.sites", "must be an array of at most 1000 sites%s", NULL);
	json_array_foreach(sites, i, site) {
		snprintf(path, sizeof path, "$.sites[%zu]", i);
		const char *code = json_string_value(json_object_get(site, "code"));
		json_t *devices = json_object_get(site, "devices");
		if (!json_is_object(site) || !code || !json_is_object(devices))
			return fail(c, path, "a site needs \"code\" (text) and \"devices\" (an object of counts)%s", NULL);
		json_t *data = json_deep_copy(site);
		if (!data)
			return nomem(c);
		json_object_del(data, "devices");
		rc = add_step(c, path, "site", code, data, NULL);
		json_decref(data);
		if (rc)
			return rc;
		char at[80];
		snprintf(at, sizeof at, "@%.64s", code);
		if (json_array_append_new(c->sites, json_string(at)))
			return nomem(c);
		const char *mk;
		json_t *count;
		json_object_foreach(devices, mk, count) {
			json_t *model = json_object_get(models, mk);
			const char *prefix = json_string_value(json_object_get(model, "prefix"));
			snprintf(path, sizeof path, "$.sites[%zu].devices.%.64s", i, mk);
			if (!json_is_object(model) || !prefix)
				return fail(c, path, "names no model of $.models (with a \"prefix\")%s", NULL);
			if (!json_is_integer(count) || json_integer_value(count) < 0 ||
			    json_integer_value(count) > MM_DEMO_DEVICES_PER_SITE_MAX)
				return fail(c, path, "must be a count 0–1000%s", NULL);
			for (json_int_t n = 1; n <= json_integer_value(count); n++) {
				char name[160];
				snprintf(name, sizeof name, "%.64s-%.32s-%02lld", code, prefix, (long long)n);
				json_t *a = json_deep_copy(model);
				if (!a)
					return nomem(c);
				json_object_del(a, "prefix");
				if (json_object_set_new(a, "name", json_string(name)) ||
				    json_object_set_new(a, "site", json_string(at))) {
					json_decref(a);
					return nomem(c);
				}
				rc = add_step(c, path, "asset", name, a, NULL);
				json_decref(a);
				if (rc)
					return rc;
			}
		}
	}
	return MM_OK;
}

static int plan_records(plan_ctx *c, json_t *doc)
{
	json_t *recs = json_object_get(doc, "records");
	size_t i;
	json_t *r;
	int rc;
	char path[160];
	if (!recs)
		return MM_OK;
	if (!json_is_array(recs) || json_array_size(recs) > MM_DEMO_RECORDS_MAX)
		return fail(c, "$.records", "must be an array of at most 10000 records%s", NULL);
	json_array_foreach(recs, i, r) {
		snprintf(path, sizeof path, "$.records[%zu]", i);
		const char *kind = json_string_value(json_object_get(r, "kind"));
		json_t *ref = json_object_get(r, "ref");
		json_t *trans = json_object_get(r, "transitions");
		if (!json_is_object(r) || !kind || !json_is_object(json_object_get(r, "data")) ||
		    (ref && !json_is_string(ref)) || (trans && !json_is_array(trans)))
			return fail(c, path, "a record needs \"kind\" (text), \"data\" (an object), optional \"ref\" "
					     "(text) and \"transitions\" (an array)%s", NULL);
		char dpath[180];
		json_t *data;
		snprintf(dpath, sizeof dpath, "%s.data", path);
		if ((rc = expand(c, json_object_get(r, "data"), dpath, 0, &data)))
			return rc;
		rc = add_step(c, path, kind, json_string_value(ref), data, trans);
		json_decref(data);
		if (rc)
			return rc;
	}
	return MM_OK;
}

int mm_ops_demo_plan(const mm_schema *s, mm_ops *ops, const char *text, size_t n, const char *label, int64_t now,
		     json_t **plan, mm_err *err)
{
	plan_ctx c = {.schema = s, .ops = ops, .label = label, .now = now, .err = err};
	json_t *doc = NULL;
	json_error_t je;
	int rc;
	*plan = NULL;
	if (n > MM_DEMO_FILE_MAX)
		return mm_err_set(err, MM_EINVAL, "%s: larger than the limit of %u bytes", label, MM_DEMO_FILE_MAX);
	doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return mm_err_set(err, MM_EINVAL, "%s:%d:%d: not valid JSON: %s", label, je.line, je.column, je.text);
	c.refs = json_object();
	c.sites = json_array();
	c.steps = json_array();
	if (!c.refs || !c.sites || !c.steps) {
		rc = nomem(&c);
		goto out;
	}
	static const char *const known[] = {"format", "name", "source", "actor", "models", "sites", "records", NULL};
	const char *key;
	json_t *v;
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "format")) ||
	    strcmp(json_string_value(json_object_get(doc, "format")), "mamori-demo/1") != 0) {
		rc = fail(&c, "$.format", "must be \"mamori-demo/1\"%s", NULL);
		goto out;
	}
	json_object_foreach(doc, key, v) {
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			ok = ok || strcmp(key, known[i]) == 0;
		if (!ok) {
			rc = fail(&c, "$", "unknown key '%.64s'", key);
			goto out;
		}
	}
	json_t *actor = json_object_get(doc, "actor");
	if (actor && (!json_is_string(actor) || json_string_length(actor) == 0 || json_string_length(actor) > 100)) {
		rc = fail(&c, "$.actor", "must be a name of 1–100 bytes%s", NULL);
		goto out;
	}
	if ((rc = plan_sites(&c, doc)) || (rc = plan_records(&c, doc)))
		goto out;
	*plan = json_pack("{s:s, s:O}", "actor", actor ? json_string_value(actor) : "demo", "steps", c.steps);
	if (!*plan)
		rc = nomem(&c);
out:
	json_decref(c.refs);
	json_decref(c.sites);
	json_decref(c.steps);
	json_decref(doc);
	return rc;
}

/* Copy v with every "@name" replaced by the id it was given. */
static json_t *resolve(const json_t *ids, json_t *v)
{
	if (json_is_array(v) || json_is_object(v)) {
		json_t *r = json_is_array(v) ? json_array() : json_object();
		size_t i;
		const char *k;
		json_t *e;
		if (!r)
			return NULL;
		if (json_is_array(v)) {
			json_array_foreach(v, i, e) {
				if (json_array_append_new(r, resolve(ids, e)))
					goto fail_r;
			}
		} else {
			json_object_foreach(v, k, e) {
				if (json_object_set_new(r, k, resolve(ids, e)))
					goto fail_r;
			}
		}
		return r;
fail_r:
		json_decref(r);
		return NULL;
	}
	const char *s = json_string_value(v);
	json_t *id = s && s[0] == '@' ? json_object_get(ids, s + 1) : NULL;
	return json_incref(id ? id : v);
}

int mm_ops_demo_load(mm_store *st, const mm_actor *who, const json_t *plan, mm_ops_demo_counts *counts, mm_err *err)
{
	json_t *ids = json_object(), *data = NULL;
	json_t *steps = json_object_get(plan, "steps");
	mm_actor me = {json_string_value(json_object_get(plan, "actor")), "admin", who ? who->tenant : NULL};
	char *text = NULL;
	mm_buf b;
	size_t i, j;
	json_t *step, *t;
	int rc = MM_OK;
	memset(counts, 0, sizeof *counts);
	mm_buf_init(&b, MM_RECORD_JSON_MAX * 2);
	if (!ids || !me.name) {
		rc = mm_err_set(err, ids ? MM_EINVAL : MM_ENOMEM, ids ? "not a demo plan" : "out of memory");
		goto out;
	}
	json_array_foreach(steps, i, step) {
		const char *kind = json_string_value(json_object_get(step, "kind"));
		const char *ref = json_string_value(json_object_get(step, "ref"));
		mm_write_result res;
		json_decref(data);
		free(text);
		text = NULL;
		data = resolve(ids, json_object_get(step, "data"));
		if (!data || !(text = json_dumps(data, JSON_COMPACT))) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			goto out;
		}
		if ((rc = mm_store_create(st, &me, kind, text, strlen(text), "demo load", &res, err)))
			goto out;
		if (ref && json_object_set_new(ids, ref, json_string(res.id))) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			goto out;
		}
		counts->sites += strcmp(kind, "site") == 0;
		counts->assets += strcmp(kind, "asset") == 0;
		counts->records += strcmp(kind, "site") != 0 && strcmp(kind, "asset") != 0;
		json_array_foreach(json_object_get(step, "transitions"), j, t) {
			mm_actor by = {json_string_value(json_object_get(t, "actor")),
				       json_string_value(json_object_get(t, "role")), me.tenant};
			if ((rc = mm_store_transition(st, &by, res.id, 0, json_string_value(json_object_get(t, "to")),
						      "demo load", &res, err)))
				goto out;
			counts->transitions++;
		}
		if (strcmp(kind, "fault") == 0) {
			b.len = 0;
			if ((rc = mm_store_get(st, &me, res.id, &b, err)))
				goto out;
			json_t *r = json_loadb((const char *)b.p, b.len, 0, NULL);
			const char *sla = json_string_value(json_object_get(json_object_get(r, "data"), "sla_status"));
			counts->missed += sla && strcmp(sla, "missed") == 0;
			json_decref(r);
		}
	}
out:
	mm_buf_release(&b);
	free(text);
	json_decref(data);
	json_decref(ids);
	return rc;
}
