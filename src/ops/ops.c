/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operations deriver: service-level fields from the contract and
 * "required in state" rules, both read from each kind's "derive" object
 * (format in docs/operations.md).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cal/mm_cal.h"
#include "ops/mm_ops.h"
#include "base/banned.h"

struct mm_ops {
	mm_contract *contract;
	int64_t now; /* 0: the clock */
};

int mm_ops_new(const char *contract_path, mm_ops **out, mm_err *err)
{
	int rc;
	mm_ops *o = calloc(1, sizeof *o);
	*out = NULL;
	if (!o)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	if ((rc = mm_sla_contract_load(contract_path ? contract_path : mm_sla_default_contract_path(), &o->contract,
				       err))) {
		free(o);
		return rc;
	}
	*out = o;
	return MM_OK;
}

void mm_ops_free(mm_ops *o)
{
	if (!o)
		return;
	mm_sla_contract_free(o->contract);
	free(o);
}

void mm_ops_set_now(mm_ops *o, int64_t t)
{
	o->now = t;
}

const mm_contract *mm_ops_contract(const mm_ops *o)
{
	return o->contract;
}

/* ---- checking "derive" objects ---- */

static const mm_field *field_of(const mm_kind *k, const char *name)
{
	for (size_t i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return &k->fields[i];
	return NULL;
}

/* member key of object o names a field of k (derived or not, as want_derived says; -1: either). */
static int check_field_ref(const mm_kind *k, const json_t *o, const char *key, const char *path, bool required,
			   int want_derived, mm_err *err)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return required ? mm_err_set(err, MM_EINVAL, "%s: %s.%s: is required", k->file, path, key) : MM_OK;
	if (!json_is_string(v))
		return mm_err_set(err, MM_EINVAL, "%s: %s.%s: must be a field name", k->file, path, key);
	const mm_field *f = field_of(k, json_string_value(v));
	if (!f)
		return mm_err_set(err, MM_EINVAL, "%s: %s.%s: '%.64s' is not a field of %s", k->file, path, key,
				  json_string_value(v), k->name);
	if (want_derived == 1 && !f->derived)
		return mm_err_set(err, MM_EINVAL, "%s: %s.%s: field '%s' must be declared \"derived\": true", k->file,
				  path, key, f->name);
	if (want_derived == 0 && f->derived)
		return mm_err_set(err, MM_EINVAL, "%s: %s.%s: field '%s' is derived: people cannot give it", k->file,
				  path, key, f->name);
	return MM_OK;
}

static int check_keys(const mm_kind *k, const json_t *o, const char *path, const char *const *known, mm_err *err)
{
	const char *key;
	const json_t *v;
	if (!json_is_object(o))
		return mm_err_set(err, MM_EINVAL, "%s: %s: must be an object", k->file, path);
	json_object_foreach((json_t *)o, key, v) {
		bool ok = false;
		for (size_t i = 0; known[i]; i++)
			ok = ok || strcmp(known[i], key) == 0;
		if (!ok)
			return mm_err_set(err, MM_EINVAL, "%s: %s: unknown key '%.64s'", k->file, path, key);
	}
	return MM_OK;
}

static int check_states(const mm_kind *k, const json_t *a, const char *path, mm_err *err)
{
	size_t i;
	const json_t *v;
	if (!json_is_array(a))
		return mm_err_set(err, MM_EINVAL, "%s: %s: must be an array of states", k->file, path);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) || !mm_kind_has_state(k, json_string_value(v)))
			return mm_err_set(err, MM_EINVAL, "%s: %s[%zu]: not a state of %s", k->file, path, i, k->name);
	}
	return MM_OK;
}

static int check_derive(const mm_kind *k, mm_err *err)
{
	static const char *const top[] = {"sla", "require", "require_if", NULL};
	static const char *const sla[] = {"class", "class_value", "start", "done", "due", "status",
					  "reason", "reason_states", NULL};
	static const char *const rif[] = {"field", "equals", "require", "states", NULL};
	const json_t *d = k->derive;
	int rc;
	char path[128];
	if (!d)
		return MM_OK;
	if ((rc = check_keys(k, d, "$.derive", top, err)))
		return rc;
	const json_t *s = json_object_get(d, "sla");
	if (s) {
		if ((rc = check_keys(k, s, "$.derive.sla", sla, err)))
			return rc;
		if (!json_object_get(s, "class") == !json_object_get(s, "class_value"))
			return mm_err_set(err, MM_EINVAL, "%s: $.derive.sla: give exactly one of 'class' (a field) and "
					  "'class_value' (a contract class)", k->file);
		if (json_object_get(s, "class_value") && !json_is_string(json_object_get(s, "class_value")))
			return mm_err_set(err, MM_EINVAL, "%s: $.derive.sla.class_value: must be a string", k->file);
		if ((rc = check_field_ref(k, s, "class", "$.derive.sla", false, 0, err)) ||
		    (rc = check_field_ref(k, s, "start", "$.derive.sla", true, 0, err)) ||
		    (rc = check_field_ref(k, s, "done", "$.derive.sla", true, 0, err)) ||
		    (rc = check_field_ref(k, s, "due", "$.derive.sla", true, 1, err)) ||
		    (rc = check_field_ref(k, s, "status", "$.derive.sla", true, 1, err)) ||
		    (rc = check_field_ref(k, s, "reason", "$.derive.sla", false, 0, err)))
			return rc;
		const json_t *rs = json_object_get(s, "reason_states");
		if (rs && (rc = check_states(k, rs, "$.derive.sla.reason_states", err)))
			return rc;
		if (rs && !json_object_get(s, "reason"))
			return mm_err_set(err, MM_EINVAL, "%s: $.derive.sla.reason_states: needs 'reason' (the field)",
					  k->file);
	}
	const json_t *req = json_object_get(d, "require");
	if (req) {
		const char *key;
		const json_t *v;
		if (!json_is_object(req))
			return mm_err_set(err, MM_EINVAL, "%s: $.derive.require: must be an object", k->file);
		json_object_foreach((json_t *)req, key, v) {
			const mm_field *f = field_of(k, key);
			if (!f || f->derived)
				return mm_err_set(err, MM_EINVAL, "%s: $.derive.require: '%.64s' is not a field people give",
						  k->file, key);
			snprintf(path, sizeof path, "$.derive.require.%s", key);
			if ((rc = check_states(k, v, path, err)))
				return rc;
		}
	}
	const json_t *ri = json_object_get(d, "require_if");
	if (ri) {
		size_t i;
		const json_t *v;
		if (!json_is_array(ri))
			return mm_err_set(err, MM_EINVAL, "%s: $.derive.require_if: must be an array", k->file);
		json_array_foreach(ri, i, v) {
			snprintf(path, sizeof path, "$.derive.require_if[%zu]", i);
			if ((rc = check_keys(k, v, path, rif, err)) ||
			    (rc = check_field_ref(k, v, "field", path, true, 0, err)) ||
			    (rc = check_field_ref(k, v, "require", path, true, 0, err)))
				return rc;
			if (!json_object_get(v, "equals"))
				return mm_err_set(err, MM_EINVAL, "%s: %s.equals: is required", k->file, path);
			snprintf(path, sizeof path, "$.derive.require_if[%zu].states", i);
			if ((rc = check_states(k, json_object_get(v, "states"), path, err)))
				return rc;
		}
	}
	return MM_OK;
}

int mm_ops_check_schema(const mm_schema *s, mm_err *err)
{
	int rc;
	for (size_t i = 0; i < mm_schema_count(s); i++)
		if ((rc = check_derive(mm_schema_kind_at(s, i), err)))
			return rc;
	return MM_OK;
}

/* ---- deriving ---- */

static bool states_have(const json_t *a, const char *state)
{
	size_t i;
	const json_t *v;
	json_array_foreach(a, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), state) == 0)
			return true;
	}
	return false;
}

/* A value counts as given unless absent, null, "" or []. */
static bool given(const json_t *v)
{
	if (!v || json_is_null(v))
		return false;
	if (json_is_string(v))
		return json_string_length(v) > 0;
	if (json_is_array(v))
		return json_array_size(v) > 0;
	return true;
}

static int need(const mm_kind *k, const char *field, const char *state, const json_t *data, mm_err *err)
{
	(void)k;
	if (given(json_object_get(data, field)))
		return MM_OK;
	return mm_err_set(err, MM_EINVAL, "field %s: is required in state '%s'", field, state);
}

static int derive_require(const mm_kind *k, const char *state, const json_t *data, mm_err *err)
{
	const json_t *req = json_object_get(k->derive, "require");
	const json_t *ri = json_object_get(k->derive, "require_if");
	const char *key;
	const json_t *v;
	size_t i;
	int rc;
	json_object_foreach((json_t *)req, key, v) {
		if (states_have(v, state) && (rc = need(k, key, state, data, err)))
			return rc;
	}
	json_array_foreach(ri, i, v) {
		const char *f = json_string_value(json_object_get(v, "field"));
		const json_t *have = f ? json_object_get(data, f) : NULL;
		const char *r = json_string_value(json_object_get(v, "require"));
		if (!f || !r || !have || !json_equal((json_t *)have, json_object_get(v, "equals")) ||
		    !states_have(json_object_get(v, "states"), state))
			continue;
		if ((rc = need(k, r, state, data, err)))
			return rc;
	}
	return MM_OK;
}

static const char *sla_key(const json_t *sla, const char *key)
{
	return json_string_value(json_object_get(sla, key));
}

/* Parse the datetime field name of data into *t; *present says whether it was given. */
static int instant_field(const json_t *data, const char *name, int64_t *t, bool *present, mm_err *err)
{
	const json_t *v = name ? json_object_get(data, name) : NULL;
	*present = false;
	if (!v || json_is_null(v))
		return MM_OK;
	if (!json_is_string(v))
		return mm_err_set(err, MM_EINVAL, "field %s: must be a date and time (ISO-8601 with an offset)", name);
	int rc = mm_cal_parse_instant(json_string_value(v), t, err);
	if (rc)
		return mm_err_prefix(err, "field %s", name);
	*present = true;
	return MM_OK;
}

static int set_string(json_t *data, const char *key, const char *value, mm_err *err)
{
	if (json_object_set_new(data, key, json_string(value)))
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	return MM_OK;
}

static int derive_sla(mm_ops *o, const mm_kind *k, const char *state, json_t *data, mm_err *err)
{
	const json_t *sla = json_object_get(k->derive, "sla");
	const char *due_f = sla_key(sla, "due"), *status_f = sla_key(sla, "status");
	const char *reason_f = sla_key(sla, "reason");
	const char *cls = sla_key(sla, "class_value");
	int64_t start = 0, done = 0, due;
	bool has_start, has_done;
	int rc;
	if (!due_f || !status_f)
		return mm_err_set(err, MM_EINVAL, "%s: $.derive.sla: 'due' and 'status' are required", k->file);
	json_object_del(data, due_f);
	json_object_del(data, status_f);
	if (!cls) {
		const json_t *cv = json_object_get(data, sla_key(sla, "class") ? sla_key(sla, "class") : "");
		cls = json_string_value(cv);
	}
	if ((rc = instant_field(data, sla_key(sla, "start"), &start, &has_start, err)) ||
	    (rc = instant_field(data, sla_key(sla, "done"), &done, &has_done, err)))
		return rc;
	if (!cls || !has_start)
		return MM_OK; /* nothing to measure yet; validation reports missing required fields */
	const mm_sla_rule *rule = mm_sla_rule_find(o->contract, cls);
	if (!rule)
		return set_string(data, status_f, "none", err);
	int64_t now = o->now ? o->now : (int64_t)time(NULL);
	mm_sla_status st;
	if ((rc = mm_sla_status_of(o->contract, cls, start, has_done ? &done : NULL, now, &st, err)))
		return rc;
	due = st.due;
	char ds[40], dn[40];
	mm_cal_format_instant(due, ds, sizeof ds);
	if ((rc = set_string(data, due_f, ds, err)) ||
	    (rc = set_string(data, status_f,
			     st.state == MM_SLA_MET ? "met" : st.state == MM_SLA_MISSED ? "missed" : "pending", err)))
		return rc;
	const json_t *rs = json_object_get(sla, "reason_states");
	if (st.state != MM_SLA_MISSED || !st.reason_required || !reason_f || !rs || !states_have(rs, state) ||
	    given(json_object_get(data, reason_f)))
		return MM_OK;
	if (has_done) {
		mm_cal_format_instant(done, dn, sizeof dn);
		return mm_err_set(err, MM_EINVAL,
				  "field %s: the %s target was missed (due %s, met at %s): give the reason before the "
				  "record can be '%s' (%s)", reason_f, cls, ds, dn, state, rule->source);
	}
	return mm_err_set(err, MM_EINVAL,
			  "field %s: the %s target was missed (due %s, not met yet): give the reason before the "
			  "record can be '%s' (%s)", reason_f, cls, ds, state, rule->source);
}

int mm_ops_derive(void *ctx, const mm_kind *k, const char *state, json_t *data, mm_err *err)
{
	mm_ops *o = ctx;
	int rc;
	if (!k->derive)
		return MM_OK;
	if ((rc = derive_require(k, state, data, err)))
		return rc;
	if (json_object_get(k->derive, "sla") && (rc = derive_sla(o, k, state, data, err)))
		return rc;
	return MM_OK;
}

int mm_ops_install(mm_store *s, const char *contract_path, mm_ops **out, mm_err *err)
{
	int rc;
	*out = NULL;
	if ((rc = mm_ops_check_schema(mm_store_schema(s), err)))
		return rc;
	if ((rc = mm_ops_new(contract_path, out, err)))
		return rc;
	mm_store_set_deriver(s, mm_ops_derive, *out);
	return MM_OK;
}
