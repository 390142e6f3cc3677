/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operations deriver: service-level fields from the contract and
 * "required in state" rules, both read from each kind's "derive" object
 * (format in docs/operations.md).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cal/mm_cal.h"
#include "ops/ops_int.h"
#include "base/banned.h"


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
	mm_wipe(o->sk, sizeof o->sk);
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

/* "roster": [{"field": F, "date": D, "states": [...]}]: F names people, D a date or date-time. */
static int check_roster(const mm_kind *k, const json_t *ro, mm_err *err)
{
	static const char *const keys[] = {"field", "date", "states", NULL};
	size_t i;
	const json_t *v;
	int rc;
	char path[128];
	if (!ro)
		return MM_OK;
	if (!json_is_array(ro))
		return mm_err_set(err, MM_EINVAL, "%s: $.derive.roster: must be an array", k->file);
	json_array_foreach(ro, i, v) {
		snprintf(path, sizeof path, "$.derive.roster[%zu]", i);
		if ((rc = check_keys(k, v, path, keys, err)) ||
		    (rc = check_field_ref(k, v, "field", path, true, 0, err)) ||
		    (rc = check_field_ref(k, v, "date", path, false, -1, err)))
			return rc;
		const mm_field *f = field_of(k, json_string_value(json_object_get(v, "field")));
		const mm_field *one = f->type == MM_F_LIST ? f->item : f;
		if (!one || one->type != MM_F_REF || strcmp(one->ref_kind, "person") != 0)
			return mm_err_set(err, MM_EINVAL, "%s: %s.field: '%s' must be a reference (or list of references) "
					  "to person", k->file, path, f->name);
		const json_t *dn = json_object_get(v, "date");
		const mm_field *d = dn ? field_of(k, json_string_value(dn)) : NULL;
		if (d && d->type != MM_F_DATE && d->type != MM_F_DATETIME)
			return mm_err_set(err, MM_EINVAL, "%s: %s.date: '%s' must be a date or date-time field", k->file,
					  path, d->name);
		const json_t *st = json_object_get(v, "states");
		if (st) {
			snprintf(path, sizeof path, "$.derive.roster[%zu].states", i);
			if ((rc = check_states(k, st, path, err)))
				return rc;
		}
	}
	return MM_OK;
}

/* "restore_order": {"state", "asset", "host", "files", "order", "id", "expires", "valid_hours"}. */
static int check_order(const mm_kind *k, const json_t *ro, mm_err *err)
{
	static const char *const keys[] = {"state", "asset", "host", "files", "order", "id", "expires", "valid_hours",
					   NULL};
	static const char *const P = "$.derive.restore_order";
	int rc;
	if (!ro)
		return MM_OK;
	if ((rc = check_keys(k, ro, P, keys, err)) || (rc = check_field_ref(k, ro, "asset", P, false, 0, err)) ||
	    (rc = check_field_ref(k, ro, "host", P, false, 0, err)) ||
	    (rc = check_field_ref(k, ro, "files", P, true, 0, err)) ||
	    (rc = check_field_ref(k, ro, "order", P, true, 1, err)) ||
	    (rc = check_field_ref(k, ro, "id", P, true, 1, err)) ||
	    (rc = check_field_ref(k, ro, "expires", P, true, 1, err)))
		return rc;
	const char *st = json_string_value(json_object_get(ro, "state"));
	if (!st || !mm_kind_has_state(k, st))
		return mm_err_set(err, MM_EINVAL, "%s: %s.state: must be a state of %s", k->file, P, k->name);
	const json_t *h = json_object_get(ro, "valid_hours");
	if (!json_is_integer(h) || json_integer_value(h) < 1 || json_integer_value(h) > 720)
		return mm_err_set(err, MM_EINVAL, "%s: %s.valid_hours: must be a whole number of hours, 1..720", k->file, P);
	const mm_field *f = field_of(k, json_string_value(json_object_get(ro, "files")));
	if (f->type != MM_F_LIST || !f->item || f->item->type != MM_F_STRING)
		return mm_err_set(err, MM_EINVAL, "%s: %s.files: '%s' must be a list of strings", k->file, P, f->name);
	f = field_of(k, json_string_value(json_object_get(ro, "order")));
	if (f->type != MM_F_TEXT)
		return mm_err_set(err, MM_EINVAL, "%s: %s.order: '%s' must be a text field", k->file, P, f->name);
	f = field_of(k, json_string_value(json_object_get(ro, "expires")));
	if (f->type != MM_F_DATETIME)
		return mm_err_set(err, MM_EINVAL, "%s: %s.expires: '%s' must be a datetime field", k->file, P, f->name);
	return MM_OK;
}

static int check_derive(const mm_kind *k, mm_err *err)
{
	static const char *const top[] = {"sla", "require", "require_if", "roster", "restore_order", "children_done", NULL};
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
	if ((rc = check_roster(k, json_object_get(d, "roster"), err)))
		return rc;
	return check_order(k, json_object_get(d, "restore_order"), err);
}

/*
 * "children_done": [{"kind": C, "ref": F, "open": [...], "states": [...]}]: the record may enter one
 * of "states" only when no record of kind C whose reference F names it is in a state of "open".
 */
static int check_children(const mm_schema *s, const mm_kind *k, mm_err *err)
{
	static const char *const keys[] = {"kind", "ref", "open", "states", NULL};
	const json_t *a = k->derive ? json_object_get(k->derive, "children_done") : NULL;
	size_t i;
	const json_t *r;
	char path[96];
	int rc;
	if (!a)
		return MM_OK;
	if (!json_is_array(a))
		return mm_err_set(err, MM_EINVAL, "%s: $.derive.children_done: must be an array", k->file);
	json_array_foreach(a, i, r) {
		snprintf(path, sizeof path, "$.derive.children_done[%zu]", i);
		if (!json_is_object(r))
			return mm_err_set(err, MM_EINVAL, "%s: %s: must be an object", k->file, path);
		if ((rc = check_keys(k, r, path, keys, err)))
			return rc;
		const mm_kind *c = mm_schema_kind(s, json_string_value(json_object_get(r, "kind")) ?
							 json_string_value(json_object_get(r, "kind")) : "");
		if (!c)
			return mm_err_set(err, MM_EINVAL, "%s: %s.kind: not a kind of the schema", k->file, path);
		const mm_field *f = field_of(c, json_string_value(json_object_get(r, "ref")) ?
						     json_string_value(json_object_get(r, "ref")) : "");
		if (!f || f->type != MM_F_REF || !f->ref_kind || strcmp(f->ref_kind, k->name) != 0)
			return mm_err_set(err, MM_EINVAL, "%s: %s.ref: must be a field of %s that refers to %s", k->file,
					  path, c->name, k->name);
		const json_t *open = json_object_get(r, "open"), *v;
		size_t j;
		if (!json_is_array(open) || json_array_size(open) == 0)
			return mm_err_set(err, MM_EINVAL, "%s: %s.open: must be a non-empty array of states", k->file, path);
		json_array_foreach(open, j, v) {
			if (!json_is_string(v) || !mm_kind_has_state(c, json_string_value(v)))
				return mm_err_set(err, MM_EINVAL, "%s: %s.open[%zu]: not a state of %s", k->file, path, j,
						  c->name);
		}
		snprintf(path + strlen(path), sizeof path - strlen(path), ".states");
		if ((rc = check_states(k, json_object_get(r, "states"), path, err)))
			return rc;
	}
	return MM_OK;
}

int mm_ops_check_schema(const mm_schema *s, mm_err *err)
{
	int rc;
	for (size_t i = 0; i < mm_schema_count(s); i++)
		if ((rc = check_derive(mm_schema_kind_at(s, i), err)) ||
		    (rc = check_children(s, mm_schema_kind_at(s, i), err)))
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

/* ---- the roster rule (C10; 002 §6(1)) ---- */

static bool names_person(const json_t *v, const char *id)
{
	size_t i;
	const json_t *x;
	if (json_is_string(v))
		return strcmp(json_string_value(v), id) == 0;
	json_array_foreach(v, i, x) {
		if (json_is_string(x) && strcmp(json_string_value(x), id) == 0)
			return true;
	}
	return false;
}

/* The date (YYYY-MM-DD) a rule measures by: its date field's day as written, else today in Japan. */
static void roster_date(mm_ops *o, const json_t *data, const char *field, char out[11])
{
	const json_t *v = field ? json_object_get(data, field) : NULL;
	const char *s = json_string_value(v);
	if (s && strlen(s) >= 10) {
		memcpy(out, s, 10);
		out[10] = '\0';
		if (mm_schema_date_valid(out))
			return;
	}
	char now[40];
	mm_cal_format_instant(o->now ? o->now : (int64_t)time(NULL), now, sizeof now);
	memcpy(out, now, 10);
	out[10] = '\0';
}

/* Refuse person id in field unless active on the roster and allowed on day. */
static int roster_person(mm_ops *o, const char *field, const char *id, const char *day, mm_err *err)
{
	char state[MM_NAME_MAX + 1];
	json_t *p = NULL;
	int rc = mm_store_txn_get(o->store, "person", id, state, &p, err);
	if (rc == MM_ENOTFOUND)
		return mm_err_set(err, MM_EINVAL, "field %s: '%.128s' is not on the roster: no staff member has that id",
				  field, id);
	if (rc)
		return rc;
	const char *name = json_string_value(json_object_get(p, "name"));
	const char *from = json_string_value(json_object_get(p, "allowed_from"));
	const char *until = json_string_value(json_object_get(p, "allowed_until"));
	name = name ? name : "?";
	if (strcmp(state, "proposed") == 0)
		rc = mm_err_set(err, MM_EINVAL, "field %s: %.100s (%.128s) is not on the roster yet: the municipality has "
				"not approved them (state '%s')", field, name, id, state);
	else if (strcmp(state, "active") != 0)
		rc = mm_err_set(err, MM_EINVAL, "field %s: %.100s (%.128s) is no longer on the roster: they have left "
				"(state '%s')", field, name, id, state);
	else if ((from && strcmp(day, from) < 0) || (until && strcmp(day, until) > 0))
		rc = mm_err_set(err, MM_EINVAL, "field %s: %.100s (%.128s) is outside the allowed period on %s "
				"(allowed %s to %s)", field, name, id, day, from ? from : "-", until ? until : "-");
	json_decref(p);
	return rc;
}

/*
 * Everyone a write newly names in a roster field is checked; everyone in it
 * when the write moves the record into one of the rule's states.
 */
static int derive_roster(mm_ops *o, const mm_kind *k, const char *state, const json_t *data, mm_err *err)
{
	const json_t *rules = json_object_get(k->derive, "roster");
	const char *bstate;
	const json_t *bdata, *r;
	size_t i;
	int rc;
	if (!rules || !o->store)
		return MM_OK;
	if ((rc = mm_store_txn_before(o->store, &bstate, &bdata, err))) {
		if (rc != MM_EUNSUPPORTED)
			return rc;
		mm_err_clear(err); /* not inside a write (a plan checked before loading): the write checks */
		return MM_OK;
	}
	json_array_foreach(rules, i, r) {
		const char *field = json_string_value(json_object_get(r, "field"));
		const json_t *st = json_object_get(r, "states");
		bool entering = st && states_have(st, state) && (!bstate || strcmp(bstate, state) != 0);
		const json_t *v = json_object_get(data, field), *prev = bdata ? json_object_get(bdata, field) : NULL;
		const json_t *one;
		size_t j, n = json_is_array(v) ? json_array_size(v) : 1;
		char day[11];
		if (!v || json_is_null(v))
			continue;
		roster_date(o, data, json_string_value(json_object_get(r, "date")), day);
		for (j = 0; j < n; j++) {
			one = json_is_array(v) ? json_array_get(v, j) : v;
			if (!json_is_string(one))
				continue; /* validation names the wrong type */
			const char *id = json_string_value(one);
			if (!entering && prev && names_person(prev, id))
				continue;
			if ((rc = roster_person(o, field, id, day, err)))
				return rc;
		}
	}
	return MM_OK;
}

/* ---- the children rule: a campaign closes only when its lines are done ---- */

static int derive_children(mm_ops *o, const mm_kind *k, const char *state, mm_err *err)
{
	const json_t *rules = json_object_get(k->derive, "children_done");
	const char *bstate;
	const json_t *bdata;
	size_t i;
	const json_t *r;
	int rc;
	if (!rules || !o->store)
		return MM_OK;
	if ((rc = mm_store_txn_before(o->store, &bstate, &bdata, err))) {
		if (rc != MM_EUNSUPPORTED)
			return rc;
		mm_err_clear(err); /* not inside a write (a plan checked before loading): the write checks */
		return MM_OK;
	}
	if (!bstate || strcmp(bstate, state) == 0) /* a create, or no change of state: nothing to check */
		return MM_OK;
	json_array_foreach(rules, i, r) {
		if (!states_have(json_object_get(r, "states"), state))
			continue;
		const char *kind = json_string_value(json_object_get(r, "kind"));
		const char *ref = json_string_value(json_object_get(r, "ref"));
		const json_t *open = json_object_get(r, "open"), *v;
		size_t j;
		json_array_foreach(open, j, v) {
			uint64_t n = 0;
			if ((rc = mm_store_txn_count(o->store, kind, ref, json_string_value(v), &n, err)))
				return rc;
			if (n)
				return mm_err_set(err, MM_EINVAL,
						  "state '%s' needs every %s of this record finished: %" PRIu64
						  " still '%s'",
						  state, kind, n, json_string_value(v));
		}
	}
	return MM_OK;
}

int mm_ops_derive(void *ctx, const mm_kind *k, const char *state, json_t *data, mm_err *err)
{
	mm_ops *o = ctx;
	int rc;
	if (!k->derive)
		return MM_OK;
	if ((rc = derive_require(k, state, data, err)))
		return rc;
	if ((rc = derive_roster(o, k, state, data, err)))
		return rc;
	if ((rc = derive_children(o, k, state, err)))
		return rc;
	if ((rc = ops_derive_order(o, k, state, data, err)))
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
	(*out)->store = s;
	if (*mm_store_signer_path(s) && (rc = ops_load_signer(*out, mm_store_signer_path(s), err))) {
		mm_ops_free(*out);
		*out = NULL;
		return rc;
	}
	mm_store_set_deriver(s, mm_ops_derive, *out);
	return MM_OK;
}
