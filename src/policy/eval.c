/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Evaluation: site parameters become rows of `params` (bound values, never
 * SQL text), the database is made read-only (PRAGMA query_only and an
 * authorizer that allows only SELECT, reads and functions: no writes,
 * ATTACH or PRAGMA), and each check's query runs under a time budget. The
 * rows a query returns are the violations; they become the evidence.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mm_crypto.h"
#include "policy/policy_int.h"
#include "base/banned.h"

enum { R_PASS, R_FAIL, R_NA, R_ERROR, R_MANUAL, R_COUNT };
static const char *const status_names[R_COUNT] = {"pass", "fail", "not-applicable", "error",
						  "manual"};

static int authorize(void *u, int action, const char *a, const char *b, const char *c, const char *d)
{
	(void)u;
	(void)a;
	(void)c;
	(void)d;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		return b && strcmp(b, "load_extension") == 0 ? SQLITE_DENY : SQLITE_OK;
	default:
		return SQLITE_DENY;
	}
}

static int over_budget(void *deadline)
{
	return mm_mono_ns() > *(int64_t *)deadline;
}

/* ---- parameters ---- */

static int bind_scalar(sqlite3_stmt *st, int col, const dnode *v)
{
	int64_t i;
	if (v->plain && mm_parse_i64(v->str, &i))
		return sqlite3_bind_int64(st, col, i);
	return sqlite3_bind_text(st, col, v->str, (int)v->len, SQLITE_TRANSIENT);
}

static int insert_param(sqlite3_stmt *ins, const char *name, const dnode *v)
{
	size_t n = v->type == DN_SEQ ? v->n : 1;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
		if (bind_scalar(ins, 2, v->type == DN_SEQ ? v->kids[i] : v) != SQLITE_OK ||
		    sqlite3_step(ins) != SQLITE_DONE)
			return MM_EDB;
	}
	return MM_OK;
}

static int install_params(sqlite3 *db, const mm_eval_opts *o, mm_err *err)
{
	const mm_policy *p = o->policy;
	const mm_site *s = o->site;
	if (sqlite3_exec(db, "CREATE TABLE params(name TEXT NOT NULL, value)", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return mm_err_set(err, MM_EDB, "params: %s", sqlite3_errmsg(db));
	sqlite3_stmt *ins = NULL;
	if (sqlite3_prepare_v2(db, "INSERT INTO params VALUES(?, ?)", -1, &ins, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "params: %s", sqlite3_errmsg(db));
	int rc = MM_OK;
	for (size_t i = 0; rc == MM_OK && i < p->nparams; i++) {
		const pparam *pp = &p->params[i];
		const dnode *v = s ? dmap_get(s->params, pp->name) : NULL;
		if (v) {
			rc = policy_check_value(&s->doc, v, pp->type, pp->name, err);
			if (rc)
				break;
		} else {
			v = pp->dflt;
		}
		if (insert_param(ins, pp->name, v) != MM_OK)
			rc = mm_err_set(err, MM_EDB, "params: %s", sqlite3_errmsg(db));
	}
	/* parameters the policy does not declare are still visible to its queries */
	for (size_t i = 0; rc == MM_OK && s && s->params && i + 1 < s->params->n; i += 2) {
		const char *name = s->params->kids[i]->str;
		bool declared = false;
		for (size_t k = 0; k < p->nparams; k++)
			declared |= strcmp(p->params[k].name, name) == 0;
		if (!declared && insert_param(ins, name, s->params->kids[i + 1]) != MM_OK)
			rc = mm_err_set(err, MM_EDB, "params: %s", sqlite3_errmsg(db));
	}
	sqlite3_finalize(ins);
	return rc;
}

/* ---- one query ---- */

/* Skip blanks, semicolons and comments after the statement. */
static bool only_trailer(const char *t)
{
	while (t && *t) {
		if (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == ';') {
			t++;
		} else if (t[0] == '-' && t[1] == '-') {
			t = strchr(t, '\n');
		} else if (t[0] == '/' && t[1] == '*') {
			t = strstr(t + 2, "*/");
			if (!t)
				return false;
			t += 2;
		} else {
			return false;
		}
	}
	return true;
}

/* A cell as JSON: integers stay integers; reals and blobs become text (no floats in reports). */
static json_t *cell(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_column_int64(st, i));
	case SQLITE_NULL:
		return json_null();
	case SQLITE_FLOAT: {
		char b[64];
		snprintf(b, sizeof b, "%.15g", sqlite3_column_double(st, i));
		return json_string(b);
	}
	case SQLITE_BLOB: {
		int n = sqlite3_column_bytes(st, i);
		size_t keep = n > MM_CHECK_CELL_MAX / 2 ? MM_CHECK_CELL_MAX / 2 : (size_t)n;
		char *hex = malloc(2 * keep + 1);
		if (!hex)
			return NULL;
		mm_hex_encode(sqlite3_column_blob(st, i), keep, hex);
		json_t *j = json_string(hex);
		free(hex);
		return j;
	}
	default: {
		const char *t = (const char *)sqlite3_column_text(st, i);
		size_t n = (size_t)sqlite3_column_bytes(st, i);
		if (n > MM_CHECK_CELL_MAX) {
			n = MM_CHECK_CELL_MAX;
			while (n && ((unsigned char)t[n] & 0xC0) == 0x80)
				n--; /* do not cut a character */
		}
		json_t *j = t ? json_stringn(t, n) : json_null();
		if (!j) { /* not UTF-8 (a query built bytes): show them as hex */
			char *hex = malloc(2 * n + 5);
			if (!hex)
				return NULL;
			memcpy(hex, "hex:", 4);
			mm_hex_encode((const uint8_t *)t, n, hex + 4);
			j = json_string(hex);
			free(hex);
		}
		return j;
	}
	}
}

typedef struct qres {
	json_t *columns, *rows;
	int64_t count;
	char why[512];
} qres;

/* Run a read-only query; returns 0 (res filled) or -1 (why says). */
static int run_query(sqlite3 *db, const char *sql, qres *res, bool keep)
{
	memset(res, 0, sizeof *res);
	sqlite3_stmt *st = NULL;
	const char *tail = NULL;
	int64_t deadline = mm_mono_ns() + (int64_t)MM_CHECK_TIME_MAX_MS * 1000000;
	sqlite3_progress_handler(db, 1000, over_budget, &deadline);
	int ret = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, &tail) != SQLITE_OK) {
		snprintf(res->why, sizeof res->why, "%s", sqlite3_errmsg(db));
		goto out;
	}
	if (!st) {
		snprintf(res->why, sizeof res->why, "empty query");
		goto out;
	}
	if (!only_trailer(tail)) {
		snprintf(res->why, sizeof res->why, "more than one statement");
		goto out;
	}
	if (!sqlite3_stmt_readonly(st) || sqlite3_column_count(st) == 0) {
		snprintf(res->why, sizeof res->why, "not a read-only query");
		goto out;
	}
	int ncol = sqlite3_column_count(st);
	if (keep) {
		res->columns = json_array();
		res->rows = json_array();
		if (!res->columns || !res->rows)
			goto out;
		for (int i = 0; i < ncol; i++)
			json_array_append_new(res->columns, json_string(sqlite3_column_name(st, i)));
	}
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		res->count++;
		if (!keep || res->count > MM_CHECK_EVIDENCE_MAX)
			continue;
		json_t *row = json_array();
		for (int i = 0; row && i < ncol; i++)
			json_array_append_new(row, cell(st, i));
		json_array_append_new(res->rows, row);
	}
	if (step != SQLITE_DONE) {
		snprintf(res->why, sizeof res->why, "%s",
			 step == SQLITE_INTERRUPT ? "took longer than the time budget" : sqlite3_errmsg(db));
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	sqlite3_progress_handler(db, 0, NULL, NULL);
	if (ret != 0) {
		json_decref(res->columns);
		json_decref(res->rows);
		res->columns = res->rows = NULL;
	}
	return ret;
}

/* ---- collectors a check needs ---- */

/*
 * A collector is unusable when one of its sources failed (error), or when
 * it has sources and every one is a live source that was not collected.
 */
static bool collector_unusable(sqlite3 *db, const char *name, char *why, size_t whylen)
{
	sqlite3_stmt *q = NULL;
	bool bad = false;
	if (sqlite3_prepare_v2(db,
			       "SELECT sum(status = 'error'), sum(status <> 'not-collected'), count(*),"
			       " group_concat(CASE WHEN status IN ('error','not-collected')"
			       "  THEN source || ': ' || COALESCE(detail, status) END, '; ')"
			       " FROM collector_status WHERE collector = ?",
			       -1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		int64_t errors = sqlite3_column_int64(q, 0), usable = sqlite3_column_int64(q, 1),
			total = sqlite3_column_int64(q, 2);
		bad = errors > 0 || (total > 0 && usable == 0);
		if (bad)
			snprintf(why, whylen, "%s (%s)", name, (const char *)sqlite3_column_text(q, 3));
	}
	sqlite3_finalize(q);
	return bad;
}

static bool collector_partial(sqlite3 *db, const char *name)
{
	sqlite3_stmt *q = NULL;
	bool partial = false;
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM collector_status WHERE collector = ? AND status = 'partial'",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
		partial = sqlite3_step(q) == SQLITE_ROW;
	}
	sqlite3_finalize(q);
	return partial;
}

/* ---- results ---- */

static json_t *mtext_json(const mtext *t)
{
	if (!t->ja && !t->en)
		return json_null();
	return json_pack("{s:s, s:s}", "ja", t->ja ? t->ja : "", "en", t->en ? t->en : "");
}

static json_t *reason(const char *ja, const char *en)
{
	return json_pack("{s:s, s:s}", "ja", ja, "en", en);
}

static const pitem *item_of(const mm_policy *p, const char *key)
{
	for (size_t i = 0; i < p->nitems; i++)
		if (strcmp(p->items[i].key, key) == 0)
			return &p->items[i];
	return NULL;
}

static json_t *eval_check(sqlite3 *db, const mm_policy *p, const pcheck *k, int site_role,
			  const char *kind, int *status)
{
	json_t *r = json_object();
	if (!r)
		return NULL;
	const pitem *it = item_of(p, k->item);
	json_object_set_new(r, "id", json_string(k->id));
	json_object_set_new(r, "title", mtext_json(&k->title));
	json_object_set_new(r, "item", json_string(k->item));
	json_object_set_new(r, "item_title", it ? mtext_json(&it->title) : json_null());
	json_object_set_new(r, "requirement", json_string(k->requirement));
	json_object_set_new(r, "severity", json_string(k->severity));
	json_object_set_new(r, "applies_to", json_string(role_names[k->role]));
	json_object_set_new(r, "kind", json_string(kind));
	json_t *why = json_null(), *evidence = json_null();
	int st = R_PASS;
	char buf[1024], msg[1200];
	qres q;
	if (k->role != ROLE_ANY && site_role != ROLE_ANY && k->role != site_role) {
		st = R_NA;
		snprintf(buf, sizeof buf, "%s", role_names[site_role]);
		snprintf(msg, sizeof msg, "この項目は %s 向けで、このホストは %s です",
			 k->role == ROLE_CS ? "CS" : "端末", site_role == ROLE_CS ? "CS" : "端末");
		char en[256];
		snprintf(en, sizeof en, "the check is for %s hosts; this host is %s",
			 role_names[k->role], buf);
		why = reason(msg, en);
		goto done;
	}
	if (k->manual) {
		st = R_MANUAL;
		json_object_set_new(r, "attest", mtext_json(&k->attest));
		goto done;
	}
	for (size_t i = 0; i < k->nneeds; i++) {
		if (collector_unusable(db, k->needs[i], buf, sizeof buf)) {
			st = R_ERROR;
			snprintf(msg, sizeof msg, "必要な情報を収集できませんでした: %s", buf);
			char en[1200];
			snprintf(en, sizeof en, "facts not collected: %s", buf);
			why = reason(msg, en);
			goto done;
		}
	}
	if (k->applies_if) {
		if (run_query(db, k->applies_if, &q, false) != 0) {
			st = R_ERROR;
			snprintf(msg, sizeof msg, "applies_if: %s", q.why);
			why = reason(msg, msg);
			goto done;
		}
		if (q.count == 0) {
			st = R_NA;
			why = k->na_reason.ja ? mtext_json(&k->na_reason)
					      : reason("適用条件 (applies_if) を満たしません",
						       "the applies_if condition is not met");
			goto done;
		}
	}
	if (run_query(db, k->sql, &q, true) != 0) {
		st = R_ERROR;
		char ja[1200];
		snprintf(msg, sizeof msg, "SQL: %s", q.why);
		snprintf(ja, sizeof ja, "SQL を実行できませんでした: %s", q.why);
		why = reason(ja, msg);
		goto done;
	}
	st = q.count ? R_FAIL : R_PASS;
	if (q.count) {
		evidence = json_pack("{s:o, s:o, s:I, s:b}", "columns", q.columns, "rows", q.rows,
				     "count", (json_int_t)q.count, "truncated",
				     q.count > MM_CHECK_EVIDENCE_MAX);
	} else {
		json_decref(q.columns);
		json_decref(q.rows);
	}
	for (size_t i = 0; i < k->nneeds; i++) {
		if (collector_partial(db, k->needs[i])) {
			snprintf(buf, sizeof buf, "based on partly read facts: %s (see collectors)",
				 k->needs[i]);
			snprintf(msg, sizeof msg, "一部のみ読み取れた情報に基づきます: %s (collectors 参照)",
				 k->needs[i]);
			why = reason(msg, buf);
			break;
		}
	}
done:
	json_object_set_new(r, "status", json_string(status_names[st]));
	json_object_set_new(r, "reason", why ? why : json_null());
	json_object_set_new(r, "evidence", evidence ? evidence : json_null());
	json_object_set_new(r, "remediation", mtext_json(&k->remediation));
	*status = st;
	return r;
}

/* ---- the report ---- */

static json_t *iso_time(int64_t ns)
{
	char b[48];
	mm_time_format(ns, 0, b, sizeof b);
	return json_string(b);
}

static json_t *hex_json(const uint8_t *h, size_t n)
{
	char hex[2 * 64 + 1];
	mm_hex_encode(h, n, hex);
	return json_string(hex);
}

static json_t *table_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	json_t *arr = json_array();
	if (!arr || sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		sqlite3_finalize(q);
		return arr;
	}
	while (sqlite3_step(q) == SQLITE_ROW) {
		json_t *o = json_object();
		for (int i = 0; o && i < sqlite3_column_count(q); i++)
			json_object_set_new(o, sqlite3_column_name(q, i), cell(q, i));
		json_array_append_new(arr, o);
	}
	sqlite3_finalize(q);
	return arr;
}

int mm_policy_evaluate(mm_facts *f, const mm_eval_opts *o, json_t **report, mm_err *err)
{
	*report = NULL;
	int64_t started = mm_now_ns(), t0 = mm_mono_ns();
	sqlite3 *db = mm_facts_db(f);
	const mm_policy *p = o->policy;
	int rc = install_params(db, o, err);
	json_t *binfo = json_null();
	if (rc == MM_OK && o->baseline_path) {
		binfo = json_object();
		rc = baseline_load(db, o->baseline_path, binfo, err);
	}
	if (rc != MM_OK) {
		json_decref(binfo);
		return rc;
	}
	/* from here on nothing may write */
	sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, (int)MM_CHECK_SQL_LENGTH_MAX);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_set_authorizer(db, authorize, NULL);

	int site_role = o->site ? o->site->role : ROLE_ANY;
	json_t *results = json_array();
	int64_t counts[R_COUNT] = {0};
	for (size_t i = 0; results && i < p->nchecks; i++) {
		int st;
		json_t *r = eval_check(db, p, &p->checks[i], site_role, p->checks[i].manual ? "manual" : "sql",
				       &st);
		if (!r) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			break;
		}
		counts[st]++;
		json_array_append_new(results, r);
	}
	for (size_t i = 0; rc == MM_OK && o->baseline_path && i < drift_check_count(); i++) {
		pcheck k;
		drift_buf db_buf;
		drift_check(db, i, &k, &db_buf);
		int st;
		json_t *r = eval_check(db, p, &k, site_role, "drift", &st);
		if (!r) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			break;
		}
		counts[st]++;
		json_array_append_new(results, r);
	}
	sqlite3_set_authorizer(db, NULL, NULL);
	if (rc != MM_OK || !results) {
		json_decref(results);
		json_decref(binfo);
		return rc ? rc : mm_err_set(err, MM_ENOMEM, "out of memory");
	}

	json_t *host = json_object(), *collected = NULL;
	json_t *hrows = table_rows(db, "SELECT hostname, machine_id, os_id, os_version_id, os_name, kernel,"
				      " root, live, collected_at, agent_version FROM host");
	json_t *h0 = json_array_get(hrows, 0);
	if (h0) {
		json_object_update(host, h0);
		json_object_set_new(host, "live", json_boolean(json_integer_value(json_object_get(h0, "live"))));
		collected = iso_time(json_integer_value(json_object_get(h0, "collected_at")) * 1000000000);
		json_object_del(host, "collected_at");
		json_object_del(host, "agent_version");
	}
	json_decref(hrows);
	json_t *site = json_null();
	if (o->site)
		site = json_pack("{s:s?, s:s, s:o, s:s}", "id", o->site->id, "role",
				 role_names[o->site->role], "sha256", hex_json(o->site->sha256, 32), "path",
				 o->site->path);
	int64_t total = 0;
	for (int i = 0; i < R_COUNT; i++)
		total += counts[i];
	const char *overall = counts[R_FAIL] ? "fail" : counts[R_ERROR] ? "error" : "pass";
	json_t *summary = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:s}", "pass", counts[R_PASS],
				    "fail", counts[R_FAIL], "not-applicable", counts[R_NA], "error",
				    counts[R_ERROR], "manual", counts[R_MANUAL], "total", total,
				    "status", overall);
	json_t *rep = json_pack(
		"{s:s, s:{s:s, s:s}, s:o, s:o, s:o, s:o, s:I,"
		" s:{s:s, s:I, s:o, s:o, s:s}, s:o, s:o, s:o, s:o, s:o}",
		"format", "mamori-report/1", "agent", "name", "mamori-agent", "version", MM_VERSION,
		"host", host, "collected_at", collected ? collected : json_null(), "started_at",
		iso_time(started), "finished_at", iso_time(mm_now_ns()), "duration_ms",
		(json_int_t)((mm_mono_ns() - t0) / 1000000), "policy", "id", p->id, "version",
		(json_int_t)p->version, "title", mtext_json(&p->title), "sha256", hex_json(p->sha256, 32),
		"path", p->path, "site", site, "baseline", binfo, "summary", summary, "collectors",
		table_rows(db, "SELECT collector, source, status, detail, rows FROM collector_status"),
		"results", results);
	if (!rep)
		return mm_err_set(err, MM_ENOMEM, "cannot build the report");
	*report = rep;
	return MM_OK;
}

int mm_policy_exit_status(const json_t *report)
{
	const char *s = json_string_value(json_object_get(json_object_get(report, "summary"), "status"));
	if (!s)
		return 2;
	return strcmp(s, "fail") == 0 ? 1 : strcmp(s, "error") == 0 ? 2 : 0;
}
