/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading the requirements catalogue. Strict like the schema loader: an
 * unknown key, a title missing in one language, an unknown rule type or a
 * parameter of the wrong shape fails with the file, the JSON path and the
 * reason, so a typo never silently drops an obligation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/compliance_int.h"
#include "base/banned.h"

struct mm_catalogue {
	json_t *doc;
	size_t nreqs;
	char label[256]; /* the file it came from, for errors of mm_catalogue_check */
};

typedef struct lctx {
	const char *label;
	char path[192];
	mm_err *err;
} lctx;

static int fail(lctx *c, const char *fmt, ...) MM_PRINTF(2, 3);
static int fail(lctx *c, const char *fmt, ...)
{
	char why[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return mm_err_set(c->err, MM_EINVAL, "%s: %s: %s", c->label, c->path[0] ? c->path : "$", why);
}

static void at(lctx *c, const char *fmt, ...) MM_PRINTF(2, 3);
static void at(lctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->path, sizeof c->path, fmt, ap);
	va_end(ap);
}

static int only_keys(lctx *c, const json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		bool found = false;
		for (size_t i = 0; keys[i] && !found; i++)
			found = strcmp(k, keys[i]) == 0;
		if (!found)
			return fail(c, "unknown key '%.64s'", k);
	}
	return MM_OK;
}

/* A {"ja": ..., "en": ...} text: both present, non-empty, bounded. */
static int check_text(lctx *c, const json_t *o, const char *key, bool required)
{
	json_t *t = json_object_get(o, key);
	if (!t)
		return required ? fail(c, "missing '%s'", key) : MM_OK;
	if (!json_is_object(t))
		return fail(c, "'%s' must be an object {\"ja\": ..., \"en\": ...}", key);
	static const char *const langs[] = {"ja", "en", NULL};
	if (only_keys(c, t, langs))
		return fail(c, "'%s' may only have the keys \"ja\" and \"en\"", key);
	for (size_t i = 0; langs[i]; i++) {
		json_t *s = json_object_get(t, langs[i]);
		if (!json_is_string(s) || json_string_length(s) == 0)
			return fail(c, "'%s.%s' must be a non-empty string", key, langs[i]);
		if (json_string_length(s) > MM_CATALOGUE_TEXT_MAX)
			return fail(c, "'%s.%s' is longer than %d bytes", key, langs[i], MM_CATALOGUE_TEXT_MAX);
		if (strlen(json_string_value(s)) != json_string_length(s))
			return fail(c, "'%s.%s' contains a NUL character", key, langs[i]);
	}
	return MM_OK;
}

bool compliance_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > MM_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static int check_name(lctx *c, const json_t *v, const char *key)
{
	if (!json_is_string(v) || !compliance_name_ok(json_string_value(v)))
		return fail(c, "'%s' must be a name (a-z, 0-9, '_' or '-', starting with a letter, at most %d)", key,
			    MM_NAME_MAX);
	return MM_OK;
}

static int check_names(lctx *c, const json_t *v, const char *key)
{
	if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > MM_CATALOGUE_LIST_MAX)
		return fail(c, "'%s' must be a list of 1 to %d names", key, MM_CATALOGUE_LIST_MAX);
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) if (check_name(c, e, key)) return fail(c, "'%s'[%zu] is not a valid name", key, i);
	return MM_OK;
}

static int check_int(lctx *c, const json_t *v, const char *key, json_int_t lo, json_int_t hi)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return fail(c, "'%s' must be a whole number from %lld to %lld", key, (long long)lo, (long long)hi);
	return MM_OK;
}

/* Parameter shapes of the rule types. */
enum ptype { P_NAME, P_NAMES, P_DAYS, P_HOURS, P_DAYMAP, P_CLASSMAP, P_MONTHS };

struct pspec {
	const char *key;
	enum ptype type;
	bool required;
	/*
	 * Checked against the schema (mm_catalogue_check): K = the parameter
	 * names a kind; otherwise the name of the parameter holding the kind
	 * whose field (P_NAME) or states (P_NAMES) it names.
	 */
	const char *of;
};

#define K "="

struct rspec {
	const char *type;
	struct pspec p[12];
};

/* Every rule type with its parameters (docs/catalogue.md "Rule types"). */
static const struct rspec rule_types[] = {
	{"recent_evidence",
	 {{"kind", P_NAME, true, K}, {"states", P_NAMES, false, "kind"}, {"evidence_kind", P_NAME, true, K},
	  {"ref_field", P_NAME, true, "evidence_kind"}, {"time_field", P_NAME, true, "evidence_kind"},
	  {"ok_states", P_NAMES, true, "evidence_kind"}, {"bad_states", P_NAMES, false, "evidence_kind"},
	  {"max_days", P_DAYS, true, NULL}, {"warn_days", P_DAYS, true, NULL}}},
	{"deadline",
	 {{"kind", P_NAME, true, K}, {"due_field", P_NAME, true, "kind"}, {"done_field", P_NAME, true, "kind"},
	  {"reason_field", P_NAME, false, "kind"}, {"warn_hours", P_HOURS, true, NULL}}},
	{"business_days",
	 {{"kind", P_NAME, true, K}, {"start_field", P_NAME, true, "kind"}, {"done_field", P_NAME, true, "kind"},
	  {"reason_field", P_NAME, false, "kind"}, {"class_field", P_NAME, true, "kind"}, {"days", P_DAYMAP, true, NULL},
	  {"warn_hours", P_HOURS, true, NULL}}},
	{"rotation",
	 {{"kind", P_NAME, true, K}, {"ref_field", P_NAME, true, "kind"}, {"component_field", P_NAME, true, "kind"},
	  {"time_field", P_NAME, true, "kind"}, {"done_states", P_NAMES, true, "kind"}, {"subject_kind", P_NAME, true, K},
	  {"subject_states", P_NAMES, false, "subject_kind"}, {"class_field", P_NAME, true, "subject_kind"},
	  {"components", P_CLASSMAP, true, NULL}, {"months", P_MONTHS, true, NULL}, {"due_days", P_DAYS, true, NULL}}},
	{"prior_notice",
	 {{"kind", P_NAME, true, K}, {"start_field", P_NAME, true, "kind"}, {"approved_states", P_NAMES, true, "kind"},
	  {"pending_states", P_NAMES, true, "kind"}, {"ignore_states", P_NAMES, false, "kind"},
	  {"notice_field", P_NAME, false, "kind"}, {"warn_days", P_DAYS, true, NULL}}},
	{"recent_field",
	 {{"kind", P_NAME, true, K}, {"states", P_NAMES, false, "kind"}, {"field", P_NAME, true, "kind"},
	  {"max_days", P_DAYS, true, NULL}, {"warn_days", P_DAYS, true, NULL}}},
	{"date_limit",
	 {{"kind", P_NAME, true, K}, {"states", P_NAMES, false, "kind"}, {"field", P_NAME, true, "kind"},
	  {"warn_days", P_DAYS, true, NULL}}},
	{"ledger", {{"max_age_hours", P_HOURS, true, NULL}, {"warn_hours", P_HOURS, true, NULL}}},
};

static int check_param(lctx *c, const json_t *v, const struct pspec *p)
{
	switch (p->type) {
	case P_NAME: return check_name(c, v, p->key);
	case P_NAMES: return check_names(c, v, p->key);
	case P_DAYS: return check_int(c, v, p->key, 0, 3660);
	case P_HOURS: return check_int(c, v, p->key, 0, 87840);
	case P_DAYMAP:
	case P_CLASSMAP: {
		if (!json_is_object(v) || json_object_size(v) == 0 || json_object_size(v) > MM_CATALOGUE_LIST_MAX)
			return fail(c, "'%s' must be an object of 1 to %d entries", p->key, MM_CATALOGUE_LIST_MAX);
		const char *k;
		json_t *e;
		json_object_foreach((json_t *)v, k, e) {
			if (!compliance_name_ok(k))
				return fail(c, "'%s': key '%.64s' is not a valid name", p->key, k);
			if (p->type == P_DAYMAP ? check_int(c, e, k, 1, 366) : check_names(c, e, k))
				return fail(c, "'%s.%.64s' must be %s", p->key, k,
					    p->type == P_DAYMAP ? "a number of days from 1 to 366" : "a list of names");
		}
		return MM_OK;
	}
	case P_MONTHS: {
		if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > 12)
			return fail(c, "'%s' must be a list of 1 to 12 months", p->key);
		size_t i;
		json_t *e;
		json_int_t last = 0;
		json_array_foreach(v, i, e) {
			if (check_int(c, e, "months[]", 1, 12))
				return MM_EINVAL;
			if (json_integer_value(e) <= last)
				return fail(c, "'%s' must be in increasing order", p->key);
			last = json_integer_value(e);
		}
		return MM_OK;
	}
	}
	return fail(c, "internal: parameter type");
}

static const struct rspec *find_type(const char *t)
{
	for (size_t i = 0; t && i < sizeof rule_types / sizeof rule_types[0]; i++)
		if (strcmp(rule_types[i].type, t) == 0)
			return &rule_types[i];
	return NULL;
}

static int check_rule(lctx *c, const json_t *r, size_t ri, size_t ki)
{
	at(c, "$.requirements[%zu].rules[%zu]", ri, ki);
	if (!json_is_object(r))
		return fail(c, "a rule must be an object");
	const char *type = json_string_value(json_object_get(r, "type"));
	const struct rspec *rs = find_type(type);
	if (!rs) {
		char known[200] = "";
		for (size_t i = 0; i < sizeof rule_types / sizeof rule_types[0]; i++) {
			size_t l = strlen(known);
			snprintf(known + l, sizeof known - l, "%s%s", i ? ", " : "", rule_types[i].type);
		}
		return type ? fail(c, "unknown rule type '%.64s' (known: %s)", type, known)
			    : fail(c, "missing 'type' (one of: %s)", known);
	}
	if (check_text(c, r, "title", true))
		return MM_EINVAL;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)r, k, v) {
		if (strcmp(k, "type") == 0 || strcmp(k, "title") == 0)
			continue;
		const struct pspec *p = NULL;
		for (size_t i = 0; rs->p[i].key && !p; i++)
			if (strcmp(rs->p[i].key, k) == 0)
				p = &rs->p[i];
		if (!p)
			return fail(c, "rule type '%s' has no parameter '%.64s'", type, k);
		if (check_param(c, v, p))
			return MM_EINVAL;
	}
	for (size_t i = 0; rs->p[i].key; i++)
		if (rs->p[i].required && !json_object_get(r, rs->p[i].key))
			return fail(c, "rule type '%s' needs the parameter '%s'", type, rs->p[i].key);
	return MM_OK;
}

static bool req_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 2 || n > 16 || s[0] != 'C')
		return false;
	for (size_t i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int check_requirement(lctx *c, const json_t *r, size_t ri, const json_t *docs, const json_t *seen)
{
	static const char *const keys[] = {"id", "title", "summary", "clauses", "rules", "evidence_note", NULL};
	at(c, "$.requirements[%zu]", ri);
	if (!json_is_object(r))
		return fail(c, "a requirement must be an object");
	if (only_keys(c, r, keys))
		return MM_EINVAL;
	const char *id = json_string_value(json_object_get(r, "id"));
	if (!req_id_ok(id))
		return fail(c, "'id' must be 'C' followed by digits (e.g. \"C7\")");
	if (json_object_get(seen, id))
		return fail(c, "requirement '%s' is given twice", id);
	if (check_text(c, r, "title", true) || check_text(c, r, "summary", true) ||
	    check_text(c, r, "evidence_note", false))
		return MM_EINVAL;
	json_t *cl = json_object_get(r, "clauses");
	if (!json_is_array(cl) || json_array_size(cl) == 0 || json_array_size(cl) > MM_CATALOGUE_CLAUSES_MAX)
		return fail(c, "'clauses' must be a list of 1 to %d source clauses", MM_CATALOGUE_CLAUSES_MAX);
	size_t i;
	json_t *e;
	json_array_foreach(cl, i, e) {
		static const char *const ckeys[] = {"doc", "clause", "text", NULL};
		at(c, "$.requirements[%zu].clauses[%zu]", ri, i);
		if (!json_is_object(e))
			return fail(c, "a clause must be an object");
		if (only_keys(c, e, ckeys))
			return MM_EINVAL;
		const char *doc = json_string_value(json_object_get(e, "doc"));
		if (!doc || !json_object_get(docs, doc))
			return fail(c, "'doc' must name one of the catalogue's documents");
		json_t *cs = json_object_get(e, "clause");
		if (!json_is_string(cs) || json_string_length(cs) == 0 || json_string_length(cs) > 200)
			return fail(c, "'clause' must be a non-empty string of at most 200 bytes");
		if (check_text(c, e, "text", true))
			return MM_EINVAL;
	}
	at(c, "$.requirements[%zu]", ri);
	json_t *rules = json_object_get(r, "rules");
	if (!json_is_array(rules) || json_array_size(rules) > MM_CATALOGUE_RULES_MAX)
		return fail(c, "'rules' must be a list of at most %d evidence rules", MM_CATALOGUE_RULES_MAX);
	if (json_array_size(rules) == 0 && !json_object_get(r, "evidence_note"))
		return fail(c, "a requirement without rules needs an 'evidence_note' saying what would evidence it");
	json_array_foreach(rules, i, e) if (check_rule(c, e, ri, i)) return MM_EINVAL;
	return MM_OK;
}

int mm_catalogue_parse(const char *text, size_t n, const char *label, mm_catalogue **out, mm_err *err)
{
	lctx c = {.label = label ? label : "catalogue", .err = err};
	json_t *doc = NULL, *docs = json_object(), *seen = json_object();
	mm_catalogue *cat = NULL;
	int rc = MM_EINVAL;
	*out = NULL;
	if (!docs || !seen) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if (n > MM_CATALOGUE_FILE_MAX) {
		rc = mm_err_set(err, MM_ELIMIT, "%s: larger than %u bytes", c.label, MM_CATALOGUE_FILE_MAX);
		goto out;
	}
	json_error_t je;
	doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!doc) {
		mm_err_set(err, MM_EINVAL, "%s: line %d, column %d: %s", c.label, je.line, je.column, je.text);
		goto out;
	}
	static const char *const keys[] = {"format", "name", "documents", "requirements", NULL};
	if (!json_is_object(doc)) {
		fail(&c, "the catalogue must be a JSON object");
		goto out;
	}
	if (only_keys(&c, doc, keys))
		goto out;
	const char *fmt = json_string_value(json_object_get(doc, "format"));
	if (!fmt || strcmp(fmt, MM_CATALOGUE_FORMAT) != 0) {
		fail(&c, "'format' must be \"%s\"", MM_CATALOGUE_FORMAT);
		goto out;
	}
	if (check_text(&c, doc, "name", true))
		goto out;
	json_t *dl = json_object_get(doc, "documents");
	if (!json_is_array(dl) || json_array_size(dl) == 0 || json_array_size(dl) > MM_CATALOGUE_LIST_MAX) {
		fail(&c, "'documents' must be a list of 1 to %d source documents", MM_CATALOGUE_LIST_MAX);
		goto out;
	}
	size_t i;
	json_t *e;
	json_array_foreach(dl, i, e) {
		static const char *const dkeys[] = {"id", "file", "title", NULL};
		at(&c, "$.documents[%zu]", i);
		if (!json_is_object(e) || only_keys(&c, e, dkeys)) {
			if (!json_is_object(e))
				fail(&c, "a document must be an object");
			goto out;
		}
		json_t *id = json_object_get(e, "id"), *file = json_object_get(e, "file");
		if (!json_is_string(id) || json_string_length(id) == 0 || json_string_length(id) > 16 ||
		    strlen(json_string_value(id)) != json_string_length(id)) {
			fail(&c, "'id' must be a short non-empty string (e.g. \"002\")");
			goto out;
		}
		if (file && (!json_is_string(file) || json_string_length(file) > 255)) {
			fail(&c, "'file' must be a string of at most 255 bytes");
			goto out;
		}
		if (json_object_get(docs, json_string_value(id))) {
			fail(&c, "document '%s' is given twice", json_string_value(id));
			goto out;
		}
		if (check_text(&c, e, "title", true))
			goto out;
		json_object_set_new(docs, json_string_value(id), json_true());
	}
	json_t *reqs = json_object_get(doc, "requirements");
	c.path[0] = 0;
	if (!json_is_array(reqs) || json_array_size(reqs) == 0 || json_array_size(reqs) > MM_CATALOGUE_REQS_MAX) {
		fail(&c, "'requirements' must be a list of 1 to %d requirements", MM_CATALOGUE_REQS_MAX);
		goto out;
	}
	json_array_foreach(reqs, i, e) {
		if (check_requirement(&c, e, i, docs, seen))
			goto out;
		json_object_set_new(seen, json_string_value(json_object_get(e, "id")), json_true());
	}
	cat = calloc(1, sizeof *cat);
	if (!cat) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	cat->doc = doc;
	cat->nreqs = json_array_size(reqs);
	snprintf(cat->label, sizeof cat->label, "%s", c.label);
	doc = NULL;
	*out = cat;
	rc = MM_OK;
out:
	json_decref(doc);
	json_decref(docs);
	json_decref(seen);
	return rc;
}

int mm_catalogue_load(const char *path, mm_catalogue **out, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_CATALOGUE_FILE_MAX);
	*out = NULL;
	int rc = mm_file_read(path, MM_CATALOGUE_FILE_MAX, &b, err);
	if (!rc)
		rc = mm_catalogue_parse((const char *)b.p, b.len, path, out, err);
	mm_buf_release(&b);
	return rc;
}

void mm_catalogue_free(mm_catalogue *c)
{
	if (!c)
		return;
	json_decref(c->doc);
	free(c);
}

int mm_catalogue_default_path(char *out, size_t n, mm_err *err)
{
	const char *d = getenv("MAMORI_DATA");
	if (snprintf(out, n, "%s/catalogue/catalogue.json", d && *d ? d : MM_DATA_DIR) >= (int)n)
		return mm_err_set(err, MM_ELIMIT, "MAMORI_DATA path too long");
	return MM_OK;
}

static bool has_field(const mm_kind *k, const char *name)
{
	for (size_t i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return true;
	return false;
}

int mm_catalogue_check(const mm_catalogue *cat, const mm_schema *schema, mm_err *err)
{
	lctx c = {.label = cat->label, .err = err};
	size_t i, j;
	json_t *r, *rule;
	json_array_foreach(json_object_get(cat->doc, "requirements"), i, r)
		json_array_foreach(json_object_get(r, "rules"), j, rule) {
		const struct rspec *rs = find_type(json_string_value(json_object_get(rule, "type")));
		at(&c, "$.requirements[%zu].rules[%zu]", i, j);
		for (size_t p = 0; rs && rs->p[p].key; p++) {
			const struct pspec *ps = &rs->p[p];
			json_t *v = json_object_get(rule, ps->key);
			if (!v || !ps->of)
				continue;
			if (strcmp(ps->of, K) == 0) {
				if (!mm_schema_kind(schema, json_string_value(v)))
					return fail(&c, "'%s': '%s' is not a record kind", ps->key, json_string_value(v));
				continue;
			}
			const mm_kind *k = mm_schema_kind(schema, json_string_value(json_object_get(rule, ps->of)));
			if (!k)
				continue; /* reported with its own parameter */
			if (ps->type == P_NAME && !has_field(k, json_string_value(v)))
				return fail(&c, "'%s': kind %s has no field '%s'", ps->key, k->name, json_string_value(v));
			size_t n;
			json_t *st;
			json_array_foreach(ps->type == P_NAMES ? v : NULL, n, st) if (!mm_kind_has_state(k, json_string_value(st)))
				return fail(&c, "'%s': kind %s has no state '%s'", ps->key, k->name, json_string_value(st));
		}
	}
	return MM_OK;
}

size_t mm_catalogue_count(const mm_catalogue *c)
{
	return c ? c->nreqs : 0;
}

const json_t *mm_catalogue_json(const mm_catalogue *c)
{
	return c ? c->doc : NULL;
}
