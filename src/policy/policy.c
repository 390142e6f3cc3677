/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policies and site files: from the marked document tree to checks,
 * parameter declarations and site values, strictly (unknown keys, wrong
 * types and missing fields are errors naming their line and column).
 * docs/policies.md describes the format.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto/mm_crypto.h"
#include "policy/policy_int.h"
#include "base/banned.h"

const char *const role_names[] = {"any", "terminal", "cs"};

/* Collectors a check may name in `needs` (the collector column of collector_status). */
static const char *const collectors[] = {
	"host", "accounts", "login_defs", "pam", "pwquality", "faillock", "firewall", "shares",
	"services", "processes", "sockets", "packages", "network", "devices", "logons", "logging",
	"time_sync", "antimalware", "desktop",
};

typedef struct pctx {
	const ddoc *d;
	mm_err *err;
} pctx;

static bool valid_ident(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (!n || n > max)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return false;
	return true;
}

static int need_type(pctx *c, const dnode *n, int type, const char *what)
{
	static const char *const names[] = {"a value", "a list", "a mapping"};
	if (n->type != type)
		return dnode_err(c->d, n, c->err, "%s must be %s", what, names[type]);
	return MM_OK;
}

static int get_string(pctx *c, const dnode *n, const char *what, char **out)
{
	int rc = need_type(c, n, DN_SCALAR, what);
	if (rc)
		return rc;
	if (!(*out = strdup(n->str)))
		return mm_err_set(c->err, MM_ENOMEM, "out of memory");
	return MM_OK;
}

static int get_text(pctx *c, const dnode *n, const char *what, mtext *t)
{
	int rc = need_type(c, n, DN_MAP, what);
	if (rc)
		return rc;
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const char *k = n->kids[i]->str;
		if (strcmp(k, "ja") && strcmp(k, "en"))
			return dnode_err(c->d, n->kids[i], c->err, "%s: unknown language '%s' (ja, en)",
					 what, k);
	}
	const dnode *ja = dmap_get(n, "ja"), *en = dmap_get(n, "en");
	if (!ja || !en)
		return dnode_err(c->d, n, c->err, "%s needs both ja and en", what);
	rc = get_string(c, ja, what, &t->ja);
	return rc ? rc : get_string(c, en, what, &t->en);
}

static int get_bool(pctx *c, const dnode *n, const char *what, bool *out)
{
	if (n->type != DN_SCALAR || !n->plain || (strcmp(n->str, "true") && strcmp(n->str, "false")))
		return dnode_err(c->d, n, c->err, "%s must be true or false", what);
	*out = strcmp(n->str, "true") == 0;
	return MM_OK;
}

static int get_role(pctx *c, const dnode *n, int *role, bool any_ok)
{
	if (n->type == DN_SCALAR)
		for (int r = any_ok ? 0 : 1; r < 3; r++)
			if (strcmp(n->str, role_names[r]) == 0) {
				*role = r;
				return MM_OK;
			}
	return dnode_err(c->d, n, c->err, "applies_to must be %sterminal or cs", any_ok ? "any, " : "");
}

/* Every key of map must be in allowed. */
static int known_keys(pctx *c, const dnode *map, const char *const *allowed, const char *what)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			if (strcmp(map->kids[i]->str, *a) == 0)
				ok = true;
		if (!ok)
			return dnode_err(c->d, map->kids[i], c->err, "unknown key '%s' in %s",
					 map->kids[i]->str, what);
	}
	return MM_OK;
}

static void text_free(mtext *t)
{
	free(t->ja);
	free(t->en);
}

static void check_free(pcheck *k)
{
	free(k->id);
	text_free(&k->title);
	free(k->item);
	free(k->requirement);
	free(k->severity);
	free(k->sql);
	free(k->applies_if);
	text_free(&k->na_reason);
	text_free(&k->attest);
	text_free(&k->remediation);
	for (size_t i = 0; i < k->nneeds; i++)
		free(k->needs[i]);
	free(k->needs);
}

void mm_policy_free(mm_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nchecks; i++)
		check_free(&p->checks[i]);
	free(p->checks);
	for (size_t i = 0; i < p->nparams; i++) {
		free(p->params[i].name);
		text_free(&p->params[i].desc);
	}
	free(p->params);
	for (size_t i = 0; i < p->nitems; i++) {
		free(p->items[i].key);
		text_free(&p->items[i].title);
	}
	free(p->items);
	free(p->id);
	text_free(&p->title);
	ddoc_release(&p->doc);
	free(p);
}

const char *mm_policy_id(const mm_policy *p)
{
	return p->id;
}

size_t mm_policy_check_count(const mm_policy *p)
{
	return p->nchecks;
}

size_t mm_policy_item_count(const mm_policy *p)
{
	return p->nitems;
}

mm_policy_item mm_policy_item_at(const mm_policy *p, size_t i)
{
	const pitem *it = &p->items[i];
	mm_policy_item r = {it->key, it->title.ja, it->title.en, false};
	for (size_t c = 0; c < p->nchecks && !r.automated; c++)
		r.automated = !p->checks[c].manual && p->checks[c].item && strcmp(p->checks[c].item, it->key) == 0;
	return r;
}

static bool is_int(const dnode *n)
{
	int64_t v;
	return n->type == DN_SCALAR && n->plain && mm_parse_i64(n->str, &v);
}

/* A value matches a parameter type (lists hold scalars only). */
int policy_check_value(const ddoc *d, const dnode *v, int type, const char *name, mm_err *err)
{
	if (type == PT_INT && !is_int(v))
		return dnode_err(d, v, err, "parameter %s must be an integer", name);
	if (type == PT_STRING && v->type != DN_SCALAR)
		return dnode_err(d, v, err, "parameter %s must be a single value", name);
	if (type == PT_LIST) {
		if (v->type != DN_SEQ)
			return dnode_err(d, v, err, "parameter %s must be a list", name);
		if (v->n > MM_POLICY_LIST_MAX)
			return dnode_err(d, v, err, "parameter %s has more than %d items", name,
					 MM_POLICY_LIST_MAX);
		for (size_t i = 0; i < v->n; i++)
			if (v->kids[i]->type != DN_SCALAR)
				return dnode_err(d, v->kids[i], err, "items of %s must be single values", name);
	}
	return MM_OK;
}

static int parse_params(pctx *c, mm_policy *p, const dnode *n)
{
	int rc = need_type(c, n, DN_MAP, "parameters");
	if (rc)
		return rc;
	if (n->n / 2 > MM_POLICY_PARAMS_MAX)
		return dnode_err(c->d, n, c->err, "more than %d parameters", MM_POLICY_PARAMS_MAX);
	if (!(p->params = calloc(n->n / 2 + 1, sizeof *p->params)))
		return mm_err_set(c->err, MM_ENOMEM, "out of memory");
	static const char *const keys[] = {"type", "default", "description", NULL};
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		const dnode *k = n->kids[i], *v = n->kids[i + 1];
		pparam *pp = &p->params[p->nparams++];
		if (!valid_ident(k->str, 64))
			return dnode_err(c->d, k, c->err, "parameter name '%s' must be [a-z0-9_.-]", k->str);
		if ((rc = need_type(c, v, DN_MAP, "a parameter")) || (rc = known_keys(c, v, keys, k->str)))
			return rc;
		if (!(pp->name = strdup(k->str)))
			return mm_err_set(c->err, MM_ENOMEM, "out of memory");
		const dnode *t = dmap_get(v, "type"), *dflt = dmap_get(v, "default"),
			    *desc = dmap_get(v, "description");
		if (!t || t->type != DN_SCALAR ||
		    (strcmp(t->str, "integer") && strcmp(t->str, "string") && strcmp(t->str, "list")))
			return dnode_err(c->d, t ? t : v, c->err,
					 "parameter %s needs type: integer, string or list", k->str);
		pp->type = !strcmp(t->str, "integer") ? PT_INT : !strcmp(t->str, "string") ? PT_STRING : PT_LIST;
		if (!dflt)
			return dnode_err(c->d, v, c->err, "parameter %s needs a default", k->str);
		if ((rc = policy_check_value(c->d, dflt, pp->type, k->str, c->err)))
			return rc;
		pp->dflt = dflt;
		if (desc && (rc = get_text(c, desc, "description", &pp->desc)))
			return rc;
	}
	return MM_OK;
}

static int parse_items(pctx *c, mm_policy *p, const dnode *n)
{
	int rc = need_type(c, n, DN_MAP, "items");
	if (rc)
		return rc;
	if (!(p->items = calloc(n->n / 2 + 1, sizeof *p->items)))
		return mm_err_set(c->err, MM_ENOMEM, "out of memory");
	for (size_t i = 0; i + 1 < n->n; i += 2) {
		pitem *it = &p->items[p->nitems++];
		if (!(it->key = strdup(n->kids[i]->str)))
			return mm_err_set(c->err, MM_ENOMEM, "out of memory");
		if ((rc = get_text(c, n->kids[i + 1], "an item title", &it->title)))
			return rc;
	}
	return MM_OK;
}

static int parse_check(pctx *c, mm_policy *p, const dnode *n, pcheck *k)
{
	static const char *const keys[] = {"id", "title", "item", "requirement", "severity",
					   "applies_to", "sql", "manual", "attest", "needs",
					   "applies_if", "na_reason", "remediation", NULL};
	int rc = need_type(c, n, DN_MAP, "a check");
	if (rc || (rc = known_keys(c, n, keys, "a check")))
		return rc;
	k->line = n->line;
	const dnode *id = dmap_get(n, "id"), *title = dmap_get(n, "title"), *item = dmap_get(n, "item"),
		    *req = dmap_get(n, "requirement"), *sev = dmap_get(n, "severity"),
		    *role = dmap_get(n, "applies_to"), *sql = dmap_get(n, "sql"),
		    *manual = dmap_get(n, "manual"), *attest = dmap_get(n, "attest"),
		    *needs = dmap_get(n, "needs"), *aif = dmap_get(n, "applies_if"),
		    *na = dmap_get(n, "na_reason"), *rem = dmap_get(n, "remediation");
	if (!id || !title || !item || !req || !sev)
		return dnode_err(c->d, n, c->err,
				 "a check needs id, title, item, requirement and severity");
	if ((rc = get_string(c, id, "id", &k->id)))
		return rc;
	if (!valid_ident(k->id, MM_NAME_MAX))
		return dnode_err(c->d, id, c->err, "check id '%s' must be [a-z0-9_.-]", k->id);
	for (size_t i = 0; i < p->nchecks; i++)
		if (strcmp(p->checks[i].id, k->id) == 0)
			return dnode_err(c->d, id, c->err, "duplicate check id '%s'", k->id);
	if ((rc = get_text(c, title, "title", &k->title)) || (rc = get_string(c, item, "item", &k->item)) ||
	    (rc = get_string(c, req, "requirement", &k->requirement)) ||
	    (rc = get_string(c, sev, "severity", &k->severity)))
		return rc;
	if (strcmp(k->severity, "low") && strcmp(k->severity, "medium") && strcmp(k->severity, "high") &&
	    strcmp(k->severity, "critical"))
		return dnode_err(c->d, sev, c->err, "severity must be low, medium, high or critical");
	k->role = p->role;
	if (role && (rc = get_role(c, role, &k->role, true)))
		return rc;
	if (manual && (rc = get_bool(c, manual, "manual", &k->manual)))
		return rc;
	if (k->manual) {
		if (sql)
			return dnode_err(c->d, sql, c->err, "a manual check has no sql");
		if (!attest)
			return dnode_err(c->d, n, c->err, "a manual check needs attest (ja, en)");
		if ((rc = get_text(c, attest, "attest", &k->attest)))
			return rc;
	} else {
		if (!sql)
			return dnode_err(c->d, n, c->err, "a check needs sql, or manual: true");
		if (attest)
			return dnode_err(c->d, attest, c->err, "attest belongs to manual checks");
		if ((rc = get_string(c, sql, "sql", &k->sql)))
			return rc;
	}
	if (aif && (rc = get_string(c, aif, "applies_if", &k->applies_if)))
		return rc;
	if (na && (rc = get_text(c, na, "na_reason", &k->na_reason)))
		return rc;
	if (rem && (rc = get_text(c, rem, "remediation", &k->remediation)))
		return rc;
	if (needs) {
		if ((rc = need_type(c, needs, DN_SEQ, "needs")))
			return rc;
		if (!(k->needs = calloc(needs->n + 1, sizeof *k->needs)))
			return mm_err_set(c->err, MM_ENOMEM, "out of memory");
		for (size_t i = 0; i < needs->n; i++) {
			const dnode *v = needs->kids[i];
			bool known = false;
			for (size_t j = 0; v->type == DN_SCALAR && j < sizeof collectors / sizeof *collectors; j++)
				known |= strcmp(v->str, collectors[j]) == 0;
			if (!known)
				return dnode_err(c->d, v, c->err, "needs: unknown collector '%s'",
						 v->type == DN_SCALAR ? v->str : "?");
			if ((rc = get_string(c, v, "needs", &k->needs[k->nneeds])))
				return rc;
			k->nneeds++;
		}
	}
	return MM_OK;
}

static int policy_from_doc(mm_policy *p, mm_err *err)
{
	pctx c = {&p->doc, err};
	const dnode *r = p->doc.root;
	static const char *const keys[] = {"id", "version", "title", "description", "applies_to",
					   "items", "parameters", "checks", NULL};
	int rc = need_type(&c, r, DN_MAP, "a policy");
	if (rc || (rc = known_keys(&c, r, keys, "a policy")))
		return rc;
	const dnode *id = dmap_get(r, "id"), *ver = dmap_get(r, "version"), *title = dmap_get(r, "title"),
		    *desc = dmap_get(r, "description"), *role = dmap_get(r, "applies_to"),
		    *items = dmap_get(r, "items"), *params = dmap_get(r, "parameters"),
		    *checks = dmap_get(r, "checks");
	if (!id || !title || !checks)
		return dnode_err(c.d, r, err, "a policy needs id, title and checks");
	if ((rc = get_string(&c, id, "id", &p->id)))
		return rc;
	if (!valid_ident(p->id, MM_NAME_MAX))
		return dnode_err(c.d, id, err, "policy id must be [a-z0-9_.-]");
	p->version = 1;
	if (ver && (!is_int(ver) || !mm_parse_i64(ver->str, &p->version) || p->version < 1))
		return dnode_err(c.d, ver, err, "version must be a positive integer");
	if ((rc = get_text(&c, title, "title", &p->title)))
		return rc;
	if (desc) {
		mtext t = {0};
		rc = get_text(&c, desc, "description", &t);
		text_free(&t);
		if (rc)
			return rc;
	}
	if (role && (rc = get_role(&c, role, &p->role, true)))
		return rc;
	if (items && (rc = parse_items(&c, p, items)))
		return rc;
	if (params && (rc = parse_params(&c, p, params)))
		return rc;
	if ((rc = need_type(&c, checks, DN_SEQ, "checks")))
		return rc;
	if (checks->n == 0 || checks->n > MM_POLICY_CHECKS_MAX)
		return dnode_err(c.d, checks, err, "a policy has 1 to %d checks", MM_POLICY_CHECKS_MAX);
	if (!(p->checks = calloc(checks->n, sizeof *p->checks)))
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	for (size_t i = 0; i < checks->n; i++) {
		rc = parse_check(&c, p, checks->kids[i], &p->checks[p->nchecks]);
		p->nchecks++; /* counted even on failure so mm_policy_free releases it */
		if (rc)
			return rc;
	}
	return MM_OK;
}

int mm_policy_load_buffer(mm_policy **out, const char *name, const void *data, size_t len,
			  bool json, mm_err *err)
{
	*out = NULL;
	mm_policy *p = calloc(1, sizeof *p);
	if (!p)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	snprintf(p->path, sizeof p->path, "%s", name);
	mm_sha256(data, len, p->sha256);
	int rc = ddoc_parse(&p->doc, name, data, len, json, err);
	if (!rc)
		rc = policy_from_doc(p, err);
	if (rc) {
		mm_policy_free(p);
		return rc;
	}
	*out = p;
	return MM_OK;
}


int mm_policy_resolve(const char *arg, char *out, size_t cap, mm_err *err)
{
	struct stat st;
	if (strchr(arg, '/') || stat(arg, &st) == 0) {
		if (stat(arg, &st) != 0)
			return mm_err_set(err, MM_ENOTFOUND, "policy %s: %s", arg, strerror(errno));
		if ((size_t)snprintf(out, cap, "%s", arg) >= cap)
			return mm_err_set(err, MM_ELIMIT, "policy path too long");
		return MM_OK;
	}
	if (!valid_ident(arg, MM_NAME_MAX))
		return mm_err_set(err, MM_EINVAL, "policy '%s' is neither a file nor a policy name", arg);
	const char *data = getenv("MAMORI_DATA");
	if (!data || !*data)
		data = MM_DATA_DIR;
	if ((size_t)snprintf(out, cap, "%s/policies/%s.yaml", data, arg) >= cap)
		return mm_err_set(err, MM_ELIMIT, "policy path too long");
	if (stat(out, &st) != 0)
		return mm_err_set(err, MM_ENOTFOUND, "no policy named '%s' (looked for %s)", arg, out);
	return MM_OK;
}

/* ---- site files ---- */

void mm_site_free(mm_site *s)
{
	if (!s)
		return;
	free(s->id);
	ddoc_release(&s->doc);
	free(s);
}

const char *mm_site_role(const mm_site *s)
{
	return role_names[s->role];
}

static int site_from_doc(mm_site *s, mm_err *err)
{
	pctx c = {&s->doc, err};
	const dnode *r = s->doc.root;
	static const char *const keys[] = {"site", "role", "description", "params", NULL};
	int rc = need_type(&c, r, DN_MAP, "a site file");
	if (rc || (rc = known_keys(&c, r, keys, "a site file")))
		return rc;
	const dnode *site = dmap_get(r, "site"), *role = dmap_get(r, "role"), *params = dmap_get(r, "params");
	if (site && (rc = get_string(&c, site, "site", &s->id)))
		return rc;
	s->role = ROLE_ANY;
	if (role && (rc = get_role(&c, role, &s->role, false)))
		return rc;
	if (params) {
		if ((rc = need_type(&c, params, DN_MAP, "params")))
			return rc;
		if (params->n / 2 > MM_POLICY_PARAMS_MAX)
			return dnode_err(c.d, params, err, "more than %d parameters", MM_POLICY_PARAMS_MAX);
		for (size_t i = 0; i + 1 < params->n; i += 2) {
			const dnode *k = params->kids[i], *v = params->kids[i + 1];
			if (!valid_ident(k->str, 64))
				return dnode_err(c.d, k, err, "parameter name '%s' must be [a-z0-9_.-]", k->str);
			if (v->type == DN_MAP)
				return dnode_err(c.d, v, err, "parameter %s must be a value or a list", k->str);
			if (v->type == DN_SEQ &&
			    (rc = policy_check_value(&s->doc, v, PT_LIST, k->str, err)))
				return rc;
		}
		s->params = params;
	}
	return MM_OK;
}

int mm_site_load_buffer(mm_site **out, const char *name, const void *data, size_t len, bool json,
			mm_err *err)
{
	*out = NULL;
	mm_site *s = calloc(1, sizeof *s);
	if (!s)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	snprintf(s->path, sizeof s->path, "%s", name);
	mm_sha256(data, len, s->sha256);
	int rc = ddoc_parse(&s->doc, name, data, len, json, err);
	if (!rc)
		rc = site_from_doc(s, err);
	if (rc) {
		mm_site_free(s);
		return rc;
	}
	*out = s;
	return MM_OK;
}

/* Read a policy or site file whole and hand it to load (JSON when it ends in .json). */
static int load_path(const char *path, void **out,
		     int (*load)(void **, const char *, const void *, size_t, bool, mm_err *), mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_POLICY_FILE_MAX);
	int rc = mm_file_read(path, MM_POLICY_FILE_MAX, &b, err);
	if (rc == MM_OK) {
		size_t n = strlen(path);
		bool json = n >= 5 && strcmp(path + n - 5, ".json") == 0;
		rc = load(out, path, b.p ? (const char *)b.p : "", b.len, json, err);
	}
	mm_buf_release(&b);
	return rc;
}

static int load_policy(void **out, const char *name, const void *data, size_t len, bool json,
		       mm_err *err)
{
	return mm_policy_load_buffer((mm_policy **)out, name, data, len, json, err);
}

static int load_site(void **out, const char *name, const void *data, size_t len, bool json,
		     mm_err *err)
{
	return mm_site_load_buffer((mm_site **)out, name, data, len, json, err);
}

int mm_policy_load(mm_policy **out, const char *path, mm_err *err)
{
	void *p = NULL;
	int rc = load_path(path, &p, load_policy, err);
	*out = p;
	return rc;
}

int mm_site_load(mm_site **out, const char *path, mm_err *err)
{
	void *s = NULL;
	int rc = load_path(path, &s, load_site, err);
	*out = s;
	return rc;
}
