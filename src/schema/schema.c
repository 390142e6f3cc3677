/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading record kinds from JSON. Strict: unknown keys, wrong types and
 * dangling names are errors with the file and JSON path, so a typo in a
 * schema file fails loudly at start-up instead of weakening validation.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/mm_schema.h"
#include "crypto/mm_crypto.h"
#include "base/banned.h"

struct mm_schema {
	mm_kind *kinds;
	size_t nkinds;
	json_t **docs; /* parsed files, owning every string the kinds point to */
	size_t ndocs;
	void **allocs; /* arrays allocated while loading */
	size_t nallocs, capallocs;
	mm_sha256_ctx *hash;
	uint8_t digest[MM_SHA256_LEN];
};

static const char *const known_roles[] = {
	"admin", "contractor-manager", "contractor-operator",
	"municipality-approver", "municipality-viewer", "auditor",
};

bool mm_schema_role_known(const char *role)
{
	for (size_t i = 0; i < sizeof known_roles / sizeof known_roles[0]; i++)
		if (strcmp(role, known_roles[i]) == 0)
			return true;
	return false;
}

static const char *const type_names[] = {
	[MM_F_STRING] = "string", [MM_F_TEXT] = "text", [MM_F_INTEGER] = "integer",
	[MM_F_BOOLEAN] = "boolean", [MM_F_DATE] = "date", [MM_F_DATETIME] = "datetime",
	[MM_F_ENUM] = "enum", [MM_F_REF] = "ref", [MM_F_LIST] = "list",
	[MM_F_ATTACHMENT] = "attachment",
};

/* Load context: the file label and a JSON path built as we descend. */
typedef struct lctx {
	mm_schema *s;
	const char *label;
	char path[256];
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

static void *track(mm_schema *s, size_t n, size_t size)
{
	size_t bytes;
	if (mm_size_mul(n ? n : 1, size, &bytes))
		return NULL;
	if (s->nallocs == s->capallocs) {
		size_t cap = s->capallocs ? s->capallocs * 2 : 32;
		void **p = realloc(s->allocs, cap * sizeof *p);
		if (!p)
			return NULL;
		s->allocs = p;
		s->capallocs = cap;
	}
	void *p = calloc(1, bytes);
	if (p)
		s->allocs[s->nallocs++] = p;
	return p;
}

/* Set c->path to base + suffix for the duration of a check. */
static void path_set(lctx *c, const char *base, const char *fmt, ...) MM_PRINTF(3, 4);
static void path_set(lctx *c, const char *base, const char *fmt, ...)
{
	char suf[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(suf, sizeof suf, fmt, ap);
	va_end(ap);
	snprintf(c->path, sizeof c->path, "%s%s", base, suf);
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > MM_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/* Allowed keys of an object; anything else is an error. */
static int only_keys(lctx *c, const json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v) {
		bool found = false;
		for (size_t i = 0; keys[i]; i++)
			if (strcmp(k, keys[i]) == 0)
				found = true;
		if (!found)
			return fail(c, "unknown key '%s'", k);
	}
	return MM_OK;
}

static int get_name(lctx *c, const json_t *o, const char *key, bool required, const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v) {
		if (required)
			return fail(c, "missing '%s'", key);
		return MM_OK;
	}
	if (!json_is_string(v))
		return fail(c, "'%s' must be a string", key);
	if (!name_ok(json_string_value(v)))
		return fail(c, "'%s': '%s' is not a valid name (a-z, 0-9, '_' or '-', starting with a letter, at most %d)",
			    key, json_string_value(v), MM_NAME_MAX);
	*out = json_string_value(v);
	return MM_OK;
}

static int check_title(lctx *c, json_t *t, json_t **out)
{
	*out = NULL;
	if (!t)
		return MM_OK;
	static const char *const keys[] = {"ja", "en", NULL};
	if (!json_is_object(t))
		return fail(c, "title must be an object {\"ja\": ..., \"en\": ...}");
	int rc = only_keys(c, t, keys);
	if (rc)
		return rc;
	const char *k;
	json_t *v;
	json_object_foreach(t, k, v) if (!json_is_string(v)) return fail(c, "title '%s' must be a string", k);
	*out = t;
	return MM_OK;
}

/* An array of names (enum values, states, roles). */
static int name_array(lctx *c, const json_t *a, size_t max, const char ***out, size_t *n, bool roles)
{
	if (!json_is_array(a) || json_array_size(a) == 0)
		return fail(c, "must be a non-empty array");
	if (json_array_size(a) > max)
		return fail(c, "more than %zu elements", max);
	const char **v = track(c->s, json_array_size(a), sizeof *v);
	if (!v)
		return mm_err_set(c->err, MM_ENOMEM, "out of memory");
	for (size_t i = 0; i < json_array_size(a); i++) {
		json_t *e = json_array_get(a, i);
		if (json_is_object(e) && json_object_get(e, "value"))
			e = json_object_get(e, "value"); /* enum values may carry titles */
		if (!json_is_string(e) || !name_ok(json_string_value(e)))
			return fail(c, "element %zu is not a valid name", i);
		if (roles && !mm_schema_role_known(json_string_value(e)))
			return fail(c, "unknown role '%s'", json_string_value(e));
		for (size_t j = 0; j < i; j++)
			if (strcmp(v[j], json_string_value(e)) == 0)
				return fail(c, "'%s' appears twice", v[j]);
		v[i] = json_string_value(e);
	}
	*out = v;
	*n = json_array_size(a);
	return MM_OK;
}

static int get_int(lctx *c, const json_t *o, const char *key, int64_t *out)
{
	json_t *v = json_object_get(o, key);
	if (!v)
		return MM_OK;
	if (!json_is_integer(v))
		return fail(c, "'%s' must be an integer", key);
	*out = json_integer_value(v);
	return MM_OK;
}

static int load_field(lctx *c, const char *base, json_t *fo, mm_field *f, bool is_item, int depth)
{
	static const char *const keys[] = {"name", "type", "required", "min", "max", "min_length",
					   "max_length", "values", "kind", "items", "max_items",
					   "title", "help", "derived", NULL};
	int rc;
	snprintf(c->path, sizeof c->path, "%s", base);
	if (!json_is_object(fo))
		return fail(c, "field must be an object");
	if ((rc = only_keys(c, fo, keys)))
		return rc;
	if (!is_item) {
		if ((rc = get_name(c, fo, "name", true, &f->name)))
			return rc;
	} else if (json_object_get(fo, "name")) {
		return fail(c, "list items have no name");
	}
	json_t *t = json_object_get(fo, "type");
	if (!json_is_string(t))
		return fail(c, "missing or non-string 'type'");
	bool found = false;
	for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
		if (strcmp(json_string_value(t), type_names[i]) == 0) {
			f->type = (mm_ftype)i;
			found = true;
		}
	if (!found)
		return fail(c, "unknown type '%s'", json_string_value(t));
	json_t *req = json_object_get(fo, "required");
	if (req && !json_is_boolean(req))
		return fail(c, "'required' must be true or false");
	f->required = json_is_true(req);
	json_t *der = json_object_get(fo, "derived");
	if (der && !json_is_boolean(der))
		return fail(c, "'derived' must be true or false");
	f->derived = json_is_true(der);
	if (f->derived && f->required)
		return fail(c, "a derived field cannot be required");
	if ((rc = check_title(c, json_object_get(fo, "title"), &f->title)))
		return rc;
	f->min = INT64_MIN;
	f->max = INT64_MAX;
	switch (f->type) {
	case MM_F_INTEGER:
		if ((rc = get_int(c, fo, "min", &f->min)) || (rc = get_int(c, fo, "max", &f->max)))
			return rc;
		break;
	case MM_F_STRING:
	case MM_F_TEXT:
		f->min = 0;
		f->max = f->type == MM_F_STRING ? MM_STRING_DEFAULT_MAX : MM_TEXT_DEFAULT_MAX;
		if ((rc = get_int(c, fo, "min_length", &f->min)) || (rc = get_int(c, fo, "max_length", &f->max)))
			return rc;
		if (f->min < 0 || f->max < 1 || f->max > MM_TEXT_DEFAULT_MAX)
			return fail(c, "length bounds must lie in 0..%d", MM_TEXT_DEFAULT_MAX);
		break;
	case MM_F_ENUM:
		path_set(c, base, ".values");
		if ((rc = name_array(c, json_object_get(fo, "values"), MM_SCHEMA_ENUM_MAX, &f->values,
				     &f->nvalues, false)))
			return rc;
		break;
	case MM_F_REF:
		if ((rc = get_name(c, fo, "kind", true, &f->ref_kind)))
			return rc;
		break;
	case MM_F_LIST: {
		if (depth >= MM_RECORD_DEPTH_MAX)
			return fail(c, "lists nested too deeply");
		json_int_t mi = MM_LIST_DEFAULT_MAX;
		json_t *m = json_object_get(fo, "max_items");
		if (m) {
			if (!json_is_integer(m) || json_integer_value(m) < 1 ||
			    json_integer_value(m) > MM_LIST_DEFAULT_MAX)
				return fail(c, "'max_items' must be an integer in 1..%d", MM_LIST_DEFAULT_MAX);
			mi = json_integer_value(m);
		}
		f->max_items = (size_t)mi;
		f->item = track(c->s, 1, sizeof *f->item);
		if (!f->item)
			return mm_err_set(c->err, MM_ENOMEM, "out of memory");
		char sub[256];
		snprintf(sub, sizeof sub, "%s.items", base);
		if ((rc = load_field(c, sub, json_object_get(fo, "items"), f->item, true, depth + 1)))
			return rc;
		break;
	}
	default:
		break;
	}
	if (f->min > f->max)
		return fail(c, "minimum above maximum");
	return MM_OK;
}

static int load_transition(lctx *c, const char *base, json_t *to, mm_kind *k, mm_transition *t)
{
	static const char *const keys[] = {"name", "from", "to", "roles", "reason_required", "title", NULL};
	int rc;
	snprintf(c->path, sizeof c->path, "%s", base);
	if (!json_is_object(to))
		return fail(c, "transition must be an object");
	if ((rc = only_keys(c, to, keys)) || (rc = get_name(c, to, "name", true, &t->name)) ||
	    (rc = get_name(c, to, "to", true, &t->to)))
		return rc;
	if (!mm_kind_has_state(k, t->to))
		return fail(c, "'to' names unknown state '%s'", t->to);
	path_set(c, base, ".from");
	if ((rc = name_array(c, json_object_get(to, "from"), MM_SCHEMA_STATES_MAX, &t->from, &t->nfrom, false)))
		return rc;
	for (size_t i = 0; i < t->nfrom; i++)
		if (!mm_kind_has_state(k, t->from[i]))
			return fail(c, "unknown state '%s'", t->from[i]);
	path_set(c, base, ".roles");
	if ((rc = name_array(c, json_object_get(to, "roles"), MM_SCHEMA_ROLES_MAX, &t->roles, &t->nroles, true)))
		return rc;
	snprintf(c->path, sizeof c->path, "%s", base);
	json_t *rr = json_object_get(to, "reason_required");
	if (rr && !json_is_boolean(rr))
		return fail(c, "'reason_required' must be true or false");
	t->reason_required = json_is_true(rr);
	return check_title(c, json_object_get(to, "title"), &t->title);
}

static int load_kind(lctx *c, json_t *doc, mm_kind *k)
{
	static const char *const keys[] = {"kind", "title", "fields", "states", "initial",
					   "transitions", "roles", "description", "derive", NULL};
	int rc;
	c->path[0] = '\0';
	if (!json_is_object(doc))
		return fail(c, "a kind must be a JSON object");
	if ((rc = only_keys(c, doc, keys)) || (rc = get_name(c, doc, "kind", true, &k->name)) ||
	    (rc = check_title(c, json_object_get(doc, "title"), &k->title)))
		return rc;
	k->file = c->label;
	json_t *derive = json_object_get(doc, "derive");
	if (derive && !json_is_object(derive)) {
		snprintf(c->path, sizeof c->path, "$.derive");
		return fail(c, "must be an object (read by the deriver that computes derived fields)");
	}
	k->derive = derive;
	json_t *fields = json_object_get(doc, "fields");
	snprintf(c->path, sizeof c->path, "$.fields");
	if (!json_is_array(fields))
		return fail(c, "must be an array of fields");
	k->nfields = json_array_size(fields);
	if (k->nfields > MM_SCHEMA_FIELDS_MAX)
		return fail(c, "more than %d fields", MM_SCHEMA_FIELDS_MAX);
	k->fields = track(c->s, k->nfields, sizeof *k->fields);
	if (!k->fields)
		return mm_err_set(c->err, MM_ENOMEM, "out of memory");
	for (size_t i = 0; i < k->nfields; i++) {
		char base[64];
		snprintf(base, sizeof base, "$.fields[%zu]", i);
		if ((rc = load_field(c, base, json_array_get(fields, i), &k->fields[i], false, 0)))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(k->fields[j].name, k->fields[i].name) == 0)
				return fail(c, "field '%s' is declared twice", k->fields[i].name);
	}
	snprintf(c->path, sizeof c->path, "$.states");
	json_t *states = json_object_get(doc, "states");
	if ((rc = name_array(c, states, MM_SCHEMA_STATES_MAX, &k->states, &k->nstates, false)))
		return rc;
	c->path[0] = '\0';
	if ((rc = get_name(c, doc, "initial", true, &k->initial)))
		return rc;
	if (!mm_kind_has_state(k, k->initial))
		return fail(c, "'initial' names unknown state '%s'", k->initial);
	json_t *trans = json_object_get(doc, "transitions");
	if (trans) {
		snprintf(c->path, sizeof c->path, "$.transitions");
		if (!json_is_array(trans) || json_array_size(trans) > MM_SCHEMA_TRANS_MAX)
			return fail(c, "must be an array of at most %d transitions", MM_SCHEMA_TRANS_MAX);
		k->ntrans = json_array_size(trans);
		k->trans = track(c->s, k->ntrans, sizeof *k->trans);
		if (!k->trans)
			return mm_err_set(c->err, MM_ENOMEM, "out of memory");
		for (size_t i = 0; i < k->ntrans; i++) {
			char base[64];
			snprintf(base, sizeof base, "$.transitions[%zu]", i);
			if ((rc = load_transition(c, base, json_array_get(trans, i), k, &k->trans[i])))
				return rc;
			for (size_t j = 0; j < i; j++)
				for (size_t a = 0; a < k->trans[i].nfrom; a++)
					for (size_t b = 0; b < k->trans[j].nfrom; b++)
						if (strcmp(k->trans[i].from[a], k->trans[j].from[b]) == 0 &&
						    strcmp(k->trans[i].name, k->trans[j].name) == 0)
							return fail(c, "transition '%s' from '%s' is declared twice",
								    k->trans[i].name, k->trans[i].from[a]);
		}
	}
	json_t *roles = json_object_get(doc, "roles");
	if (roles) {
		static const char *const rkeys[] = {"create", "update", NULL};
		snprintf(c->path, sizeof c->path, "$.roles");
		if (!json_is_object(roles))
			return fail(c, "must be an object {\"create\": [...], \"update\": [...]}");
		if ((rc = only_keys(c, roles, rkeys)))
			return rc;
		if (json_object_get(roles, "create")) {
			snprintf(c->path, sizeof c->path, "$.roles.create");
			if ((rc = name_array(c, json_object_get(roles, "create"), MM_SCHEMA_ROLES_MAX,
					     &k->create_roles, &k->ncreate_roles, true)))
				return rc;
		}
		if (json_object_get(roles, "update")) {
			snprintf(c->path, sizeof c->path, "$.roles.update");
			if ((rc = name_array(c, json_object_get(roles, "update"), MM_SCHEMA_ROLES_MAX,
					     &k->update_roles, &k->nupdate_roles, true)))
				return rc;
		}
	}
	return MM_OK;
}

int mm_schema_new(mm_schema **out)
{
	mm_schema *s = calloc(1, sizeof *s);
	if (!s)
		return MM_ENOMEM;
	s->hash = mm_sha256_new();
	if (!s->hash) {
		free(s);
		return MM_ENOMEM;
	}
	*out = s;
	return MM_OK;
}

int mm_schema_add(mm_schema *s, const char *label, const char *text, size_t n, mm_err *err)
{
	if (n > MM_SCHEMA_FILE_MAX)
		return mm_err_set(err, MM_ELIMIT, "%s: larger than %u bytes", label, MM_SCHEMA_FILE_MAX);
	if (s->nkinds >= MM_SCHEMA_KINDS_MAX)
		return mm_err_set(err, MM_ELIMIT, "%s: more than %d kinds", label, MM_SCHEMA_KINDS_MAX);
	json_error_t je;
	json_t *doc = json_loadb(text, n, JSON_REJECT_DUPLICATES, &je);
	if (!doc && (json_error_code(&je) == json_error_out_of_memory || je.text[0] == '\0'))
		return mm_err_set(err, MM_ENOMEM, "%s: out of memory", label);
	if (!doc)
		return mm_err_set(err, MM_EINVAL, "%s: line %d, column %d: %s", label, je.line, je.column, je.text);
	/* the document and a copy of the label live as long as the schema */
	json_t *lab = json_string(label);
	json_t **docs = lab ? realloc(s->docs, (s->ndocs + 2) * sizeof *docs) : NULL;
	mm_kind *kinds = docs ? realloc(s->kinds, (s->nkinds + 1) * sizeof *kinds) : NULL;
	if (docs)
		s->docs = docs;
	if (kinds)
		s->kinds = kinds;
	if (!kinds) {
		json_decref(doc);
		json_decref(lab);
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	}
	s->docs[s->ndocs++] = doc;
	s->docs[s->ndocs++] = lab;
	lctx c = {.s = s, .label = json_string_value(lab), .err = err};
	mm_kind *k = &s->kinds[s->nkinds];
	memset(k, 0, sizeof *k);
	int rc = load_kind(&c, doc, k);
	if (rc)
		return rc;
	for (size_t i = 0; i < s->nkinds; i++)
		if (strcmp(s->kinds[i].name, k->name) == 0)
			return mm_err_set(err, MM_EINVAL, "%s: $.kind: kind '%s' is already declared in %s", label,
					  k->name, s->kinds[i].file);
	s->nkinds++;
	mm_sha256_update(s->hash, text, n);
	return MM_OK;
}

static int check_refs(const mm_schema *s, const mm_kind *k, const mm_field *f, const char *path, mm_err *err)
{
	if (f->type == MM_F_REF && !mm_schema_kind(s, f->ref_kind))
		return mm_err_set(err, MM_EINVAL, "%s: %s: refers to unknown kind '%s'", k->file, path, f->ref_kind);
	if (f->type == MM_F_LIST)
		return check_refs(s, k, f->item, path, err);
	return MM_OK;
}

int mm_schema_check(mm_schema *s, mm_err *err)
{
	for (size_t i = 0; i < s->nkinds; i++)
		for (size_t j = 0; j < s->kinds[i].nfields; j++) {
			char path[64];
			snprintf(path, sizeof path, "$.fields[%zu]", j);
			int rc = check_refs(s, &s->kinds[i], &s->kinds[i].fields[j], path, err);
			if (rc)
				return rc;
		}
	mm_sha256_final(s->hash, s->digest);
	return MM_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int mm_schema_load_dir(const char *dir, mm_schema **out, mm_err *err)
{
	*out = NULL;
	DIR *d = opendir(dir);
	if (!d)
		return mm_err_set(err, MM_ENOTFOUND, "%s: cannot open schema directory", dir);
	char *names[MM_SCHEMA_KINDS_MAX];
	size_t n = 0;
	int rc = MM_OK;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0 || de->d_name[0] == '.')
			continue;
		if (n == MM_SCHEMA_KINDS_MAX) {
			rc = mm_err_set(err, MM_ELIMIT, "%s: more than %d schema files", dir, MM_SCHEMA_KINDS_MAX);
			break;
		}
		if (!(names[n] = strdup(de->d_name))) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	mm_schema *s = NULL;
	if (!rc && mm_schema_new(&s) != MM_OK)
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
	qsort(names, n, sizeof names[0], cmp_str);
	for (size_t i = 0; i < n && !rc; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		mm_buf b;
		mm_buf_init(&b, MM_SCHEMA_FILE_MAX);
		rc = mm_file_read(path, MM_SCHEMA_FILE_MAX, &b, err);
		if (!rc)
			rc = mm_schema_add(s, names[i], (const char *)b.p, b.len, err);
		mm_buf_release(&b);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	if (!rc && s && s->nkinds == 0)
		rc = mm_err_set(err, MM_EINVAL, "%s: no schema files", dir);
	if (!rc)
		rc = mm_schema_check(s, err);
	if (rc) {
		mm_schema_free(s);
		return rc;
	}
	*out = s;
	return MM_OK;
}

void mm_schema_free(mm_schema *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->ndocs; i++)
		json_decref(s->docs[i]);
	for (size_t i = 0; i < s->nallocs; i++)
		free(s->allocs[i]);
	free(s->allocs);
	free(s->docs);
	free(s->kinds);
	mm_sha256_free(s->hash);
	free(s);
}

size_t mm_schema_count(const mm_schema *s) { return s->nkinds; }
const mm_kind *mm_schema_kind_at(const mm_schema *s, size_t i) { return i < s->nkinds ? &s->kinds[i] : NULL; }
const uint8_t *mm_schema_digest(const mm_schema *s) { return s->digest; }

const mm_kind *mm_schema_kind(const mm_schema *s, const char *name)
{
	for (size_t i = 0; i < s->nkinds; i++)
		if (strcmp(s->kinds[i].name, name) == 0)
			return &s->kinds[i];
	return NULL;
}

bool mm_kind_has_state(const mm_kind *k, const char *state)
{
	for (size_t i = 0; i < k->nstates; i++)
		if (strcmp(k->states[i], state) == 0)
			return true;
	return false;
}

const mm_transition *mm_kind_transition(const mm_kind *k, const char *from, const char *what)
{
	const mm_transition *by_target = NULL;
	for (size_t i = 0; i < k->ntrans; i++) {
		const mm_transition *t = &k->trans[i];
		bool from_ok = false;
		for (size_t j = 0; j < t->nfrom; j++)
			if (strcmp(t->from[j], from) == 0)
				from_ok = true;
		if (!from_ok)
			continue;
		if (strcmp(t->name, what) == 0)
			return t;
		if (!by_target && strcmp(t->to, what) == 0)
			by_target = t;
	}
	return by_target;
}

static bool in_list(const char **list, size_t n, const char *role)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], role) == 0)
			return true;
	return false;
}

bool mm_transition_allows(const mm_transition *t, const char *role)
{
	return in_list(t->roles, t->nroles, role);
}

bool mm_kind_may_create(const mm_kind *k, const char *role)
{
	return !k->create_roles || in_list(k->create_roles, k->ncreate_roles, role);
}

bool mm_kind_may_update(const mm_kind *k, const char *role)
{
	return !k->update_roles || in_list(k->update_roles, k->nupdate_roles, role);
}
