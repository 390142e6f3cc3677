/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading records and their history as JSON, and content-addressed
 * attachments.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_int.h"
#include "crypto/mm_crypto.h"
#include "base/banned.h"

static json_t *time_json(int64_t ns)
{
	char t[48];
	mm_time_format(ns, 540, t, sizeof t); /* Asia/Tokyo: +09:00, no DST */
	return json_string(t);
}

static json_t *row_record(sqlite3_stmt *st)
{
	json_error_t je;
	json_t *data = json_loads((const char *)sqlite3_column_text(st, 4), 0, &je);
	json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:o, s:o, s:s, s:o, s:s, s:I}",
			      "id", sqlite3_column_text(st, 0), "kind", sqlite3_column_text(st, 1),
			      "version", (json_int_t)sqlite3_column_int64(st, 2), "state", sqlite3_column_text(st, 3),
			      "data", data ? data : json_null(), "created", time_json(sqlite3_column_int64(st, 5)),
			      "created_by", sqlite3_column_text(st, 6), "updated", time_json(sqlite3_column_int64(st, 7)),
			      "updated_by", sqlite3_column_text(st, 8), "seq", (json_int_t)sqlite3_column_int64(st, 9));
	if (o && sqlite3_column_bytes(st, 10) > 0)
		json_object_set_new(o, "tenant", json_string((const char *)sqlite3_column_text(st, 10)));
	return o;
}

static int emit(json_t *v, mm_buf *out, mm_err *err)
{
	char *s = v ? json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(v);
	if (!s)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	int rc = mm_buf_puts(out, s);
	free(s);
	return rc ? mm_err_set(err, rc, "output: %s", mm_strerror(rc)) : MM_OK;
}

#define RECORD_COLS "id, kind, version, state, data, created_ns, created_by, updated_ns, updated_by, seq, tenant"

/* Prepare sql on a borrowed reader; on failure the reader is returned. */
static int begin_read(mm_store *s, const mm_actor *who, const char *sql, sqlite3 **db, sqlite3_stmt **st,
		      mm_err *err)
{
	int rc = check_tenant(who, err);
	if (!rc)
		rc = reader_get(s, db, err);
	if (rc)
		return rc;
	if (sqlite3_prepare_v2(*db, sql, -1, st, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "%s", sqlite3_errmsg(*db));
		reader_put(s, *db);
	}
	return rc;
}

static void end_read(mm_store *s, sqlite3 *db, sqlite3_stmt *st)
{
	sqlite3_finalize(st);
	reader_put(s, db);
}

int mm_store_get(mm_store *s, const mm_actor *who, const char *id, mm_buf *out, mm_err *err)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc = begin_read(s, who, "SELECT " RECORD_COLS " FROM record WHERE id = ? AND tenant = ?", &db, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, actor_tenant(who), -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = mm_err_set(err, MM_ENOTFOUND, "no record has id '%.128s'", id);
	else
		rc = emit(row_record(st), out, err);
	end_read(s, db, st);
	return rc;
}

int mm_store_list(mm_store *s, const mm_actor *who, const char *kind, const char *state, mm_buf *out,
		  mm_err *err)
{
	if (!mm_schema_kind(mm_store_schema(s), kind))
		return mm_err_set(err, MM_EINVAL, "unknown kind '%.64s'", kind);
	sqlite3 *db;
	sqlite3_stmt *st;
	/* ids are "<kind>-<n>": order by the number */
	int rc = begin_read(s, who,
			    "SELECT " RECORD_COLS " FROM record WHERE tenant = ?3 AND kind = ?1"
			    " AND (?2 IS NULL OR state = ?2) ORDER BY length(id), id",
			    &db, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	if (state)
		sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, actor_tenant(who), -1, SQLITE_STATIC);
	json_t *arr = json_array();
	while (arr && sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(arr, row_record(st));
	end_read(s, db, st);
	return emit(arr, out, err);
}

/* ---- pages: written straight from the stored canonical text ---- */

/*
 * Append s as a JSON string. Text in the tables was validated UTF-8 when
 * it was written; only the characters JSON requires are escaped.
 */
static int put_str(mm_buf *b, const unsigned char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t worst;
	if (__builtin_mul_overflow(n, (size_t)6, &worst) || mm_buf_reserve(b, worst + 2))
		return MM_ELIMIT;
	char *o = (char *)b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c >= 0x20 && c != '"' && c != '\\') {
			*o++ = (char)c;
		} else if (c == '"' || c == '\\' || c == '\n' || c == '\t' || c == '\r') {
			*o++ = '\\';
			*o++ = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : (char)c;
		} else {
			memcpy(o, "\\u00", 4);
			o[4] = hex[c >> 4];
			o[5] = hex[c & 15];
			o += 6;
		}
	}
	*o++ = '"';
	*o = 0; /* as mm_buf_append leaves it */
	b->len = (size_t)(o - (char *)b->p);
	return MM_OK;
}

static int put_col_str(mm_buf *b, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	return put_str(b, t ? t : (const unsigned char *)"", (size_t)sqlite3_column_bytes(st, col));
}

size_t store_time_format(int64_t ns, char out[STORE_TIME_LEN + 1])
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		sec -= 1;
	}
	sec += 9 * 3600; /* Asia/Tokyo: +09:00, no DST */
	int64_t days = sec / 86400, rem = sec % 86400;
	if (rem < 0) {
		rem += 86400;
		days -= 1;
	}
	/* civil date from days since 1970-01-01 (proleptic Gregorian, 400-year eras) */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	if (y < 0 || y > 9999) { /* not a time this store writes; the general formatter says what it is */
		mm_time_format(ns, 540, out, STORE_TIME_LEN + 1);
		return strlen(out);
	}
	int64_t v[] = {y, m, d, rem / 3600, rem / 60 % 60, rem % 60, frac / 1000000};
	static const struct {
		unsigned width;
		char sep;
	} f[] = {{4, '-'}, {2, '-'}, {2, 'T'}, {2, ':'}, {2, ':'}, {2, '.'}, {3, '+'}};
	char *p = out;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		for (unsigned w = f[i].width; w > 0; w--, v[i] /= 10)
			p[w - 1] = (char)('0' + v[i] % 10);
		p += f[i].width;
		*p++ = f[i].sep;
	}
	memcpy(p, "09:00", 6);
	return STORE_TIME_LEN;
}

static int put_time(mm_buf *b, int64_t ns)
{
	char t[STORE_TIME_LEN + 1];
	size_t n = store_time_format(ns, t);
	return put_str(b, (const unsigned char *)t, n);
}

static int put_lit(mm_buf *b, const char *lit)
{
	return mm_buf_append(b, lit, strlen(lit)) ? MM_ELIMIT : MM_OK;
}

static int put_i64(mm_buf *b, int64_t v)
{
	char t[24], *p = t + sizeof t;
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	return mm_buf_append(b, p, (size_t)(t + sizeof t - p)) ? MM_ELIMIT : MM_OK;
}

/*
 * One row of RECORD_COLS as the same object row_record builds, compact.
 * The data column is copied as it is: only the projection writes it, as
 * the canonical JSON of an object the schema validated (store.c), and
 * `mamori ledger verify` rebuilds it from the ledger and compares. Only
 * its outline is checked here (an object, no NUL), so that a row damaged
 * behind the store's back gives "data":null, as the parsed path did.
 */
static int put_row(mm_buf *b, sqlite3_stmt *st)
{
	int rc = 0; /* nonzero once any append failed (the buffer's limit) */
	rc |= put_lit(b, "{\"id\":") | put_col_str(b, st, 0);
	rc |= put_lit(b, ",\"kind\":") | put_col_str(b, st, 1);
	rc |= put_lit(b, ",\"version\":") | put_i64(b, sqlite3_column_int64(st, 2));
	rc |= put_lit(b, ",\"state\":") | put_col_str(b, st, 3);
	rc |= put_lit(b, ",\"data\":");
	const unsigned char *data = sqlite3_column_text(st, 4);
	size_t dn = (size_t)sqlite3_column_bytes(st, 4);
	if (data && dn >= 2 && data[0] == '{' && data[dn - 1] == '}' && !memchr(data, 0, dn))
		rc |= mm_buf_append(b, data, dn) ? MM_ELIMIT : 0;
	else
		rc |= put_lit(b, "null");
	rc |= put_lit(b, ",\"created\":") | put_time(b, sqlite3_column_int64(st, 5));
	rc |= put_lit(b, ",\"created_by\":") | put_col_str(b, st, 6);
	rc |= put_lit(b, ",\"updated\":") | put_time(b, sqlite3_column_int64(st, 7));
	rc |= put_lit(b, ",\"updated_by\":") | put_col_str(b, st, 8);
	rc |= put_lit(b, ",\"seq\":") | put_i64(b, sqlite3_column_int64(st, 9));
	if (sqlite3_column_bytes(st, 10) > 0)
		rc |= put_lit(b, ",\"tenant\":") | put_col_str(b, st, 10);
	rc |= put_lit(b, "}");
	return rc ? MM_ELIMIT : MM_OK;
}

/* Sort keys: fixed columns, or (index FIELD_SORT) the kind's own field through json_extract. */
static const struct {
	const char *name, *sql;
} sort_keys[] = {
	{"state", "state"}, {"version", "version"}, {"created", "created_ns"}, {"updated", "updated_ns"},
	{"created_by", "created_by"}, {"updated_by", "updated_by"}, {"seq", "seq"},
};
#define SORT_ID 7u
#define SORT_FIELD 8u

static unsigned sort_index(const mm_kind *k, const char *sort)
{
	if (!sort)
		return SORT_ID;
	for (unsigned i = 0; i < sizeof sort_keys / sizeof sort_keys[0]; i++)
		if (strcmp(sort, sort_keys[i].name) == 0)
			return i;
	for (size_t i = 0; i < k->nfields; i++)
		if (strcmp(sort, k->fields[i].name) == 0)
			return SORT_FIELD;
	return SORT_ID;
}

/*
 * The statement for one shape of query, prepared once per reader
 * connection and kept there (SQLite lists a connection's statements; the
 * leading tag makes a mismatch fail on the first bytes). Only clauses the
 * query uses are in the text, so the planner sees plain index ranges.
 * The text comes only from the fixed strings here; values are bound:
 * ?1 tenant, ?2 kind, ?3 state, ?4 text, ?5 limit, ?6 offset, ?7 field path.
 */
static int page_stmt(sqlite3 *db, unsigned sort, bool desc, bool state, bool text, bool count, sqlite3_stmt **st,
		     mm_err *err)
{
	char sql[1024];
	unsigned tag = (((sort * 2u + desc) * 2u + state) * 2u + text) * 2u + count;
	int n = snprintf(sql, sizeof sql, "/*page%u*/", tag);
	for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p; p = sqlite3_next_stmt(db, p)) {
		if (strncmp(sqlite3_sql(p), sql, (size_t)n) == 0) {
			*st = p;
			return MM_OK;
		}
	}
	n += snprintf(sql + n, sizeof sql - (size_t)n, "SELECT %s FROM record WHERE tenant = ?1 AND kind = ?2%s%s",
			 count ? "count(*)" : RECORD_COLS, state ? " AND state = ?3" : "",
			 text ? " AND (instr(id, ?4) > 0 OR EXISTS (SELECT 1 FROM json_each(record.data)"
				" WHERE json_each.type = 'text' AND instr(json_each.value, ?4) > 0))"
			      : "");
	if (!count) {
		const char *dir = desc ? "DESC" : "ASC";
		const char *key = sort == SORT_FIELD ? "json_extract(data, ?7)" : sort < SORT_ID ? sort_keys[sort].sql : NULL;
		if (key)
			n += snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY %s %s, length(id) %s, id %s", key, dir,
				      dir, dir);
		else
			n += snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY length(id) %s, id %s", dir, dir);
		n += snprintf(sql + n, sizeof sql - (size_t)n, " LIMIT ?5 OFFSET ?6");
	}
	if (sqlite3_prepare_v3(db, sql, n, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "%s", sqlite3_errmsg(db));
	return MM_OK;
}

static void stmt_done(sqlite3_stmt *st)
{
	if (st) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st); /* bindings point into the caller's strings */
	}
}

static void bind_filter(sqlite3_stmt *st, const mm_actor *who, const char *kind, const mm_store_query *q)
{
	sqlite3_bind_text(st, 1, actor_tenant(who), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	if (q->state)
		sqlite3_bind_text(st, 3, q->state, -1, SQLITE_STATIC);
	if (q->text)
		sqlite3_bind_text(st, 4, q->text, -1, SQLITE_STATIC);
}

/* A cached statement with fixed text (the tag leads, as for pages). */
static int fixed_stmt(sqlite3 *db, const char *sql, sqlite3_stmt **st, mm_err *err)
{
	size_t n = strlen(sql);
	for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p; p = sqlite3_next_stmt(db, p)) {
		if (strcmp(sqlite3_sql(p), sql) == 0) {
			*st = p;
			return MM_OK;
		}
	}
	if (sqlite3_prepare_v3(db, sql, (int)n, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "%s", sqlite3_errmsg(db));
	return MM_OK;
}

/* The total for key counted at ledger size gen, if it is remembered. */
static bool count_recall(mm_store *s, const char *key, uint64_t gen, uint64_t *total)
{
	bool hit = false;
	pthread_mutex_lock(&s->pool_mu);
	for (size_t i = 0; i < STORE_COUNT_CACHE && !hit; i++) {
		const struct page_count *c = &s->counts[i];
		if (c->used && c->gen == gen && strcmp(c->key, key) == 0) {
			*total = c->total;
			hit = true;
		}
	}
	pthread_mutex_unlock(&s->pool_mu);
	return hit;
}

static void count_remember(mm_store *s, const char *key, uint64_t gen, uint64_t total)
{
	pthread_mutex_lock(&s->pool_mu);
	size_t slot = s->counts_next++ % STORE_COUNT_CACHE;
	for (size_t i = 0; i < STORE_COUNT_CACHE; i++) /* an older total of the same query is replaced */
		if (s->counts[i].used && strcmp(s->counts[i].key, key) == 0) {
			slot = i;
			break;
		}
	struct page_count *c = &s->counts[slot];
	c->used = true;
	c->gen = gen;
	c->total = total;
	snprintf(c->key, sizeof c->key, "%s", key);
	pthread_mutex_unlock(&s->pool_mu);
}

int mm_store_query_page(mm_store *s, const mm_actor *who, const char *kind, const mm_store_query *q,
			mm_buf *out, uint64_t *total, mm_err *err)
{
	*total = 0;
	const mm_kind *k = mm_schema_kind(mm_store_schema(s), kind);
	if (!k)
		return mm_err_set(err, MM_EINVAL, "unknown kind '%.64s'", kind);
	uint64_t limit = q->limit ? q->limit : MM_STORE_PAGE_MAX;
	if (limit > MM_STORE_PAGE_MAX || q->offset > INT64_MAX)
		return mm_err_set(err, MM_EINVAL, "a page holds 1..%d records", MM_STORE_PAGE_MAX);
	if (q->text && strlen(q->text) > MM_STRING_DEFAULT_MAX)
		return mm_err_set(err, MM_ELIMIT, "search text longer than %d bytes", MM_STRING_DEFAULT_MAX);
	mm_store_query f = *q;
	if (f.text && !*f.text)
		f.text = NULL;
	unsigned sort = sort_index(k, f.sort);
	char path[MM_NAME_MAX + 8];
	if (sort == SORT_FIELD)
		snprintf(path, sizeof path, "$.\"%s\"", f.sort);
	/* totals of searches are not remembered; the rest by tenant, kind and state */
	char key[sizeof s->counts[0].key];
	int kn = f.text ? -1 : snprintf(key, sizeof key, "%s\n%s\n%s", actor_tenant(who), kind, f.state ? f.state : "");
	bool cacheable = kn > 0 && (size_t)kn < sizeof key;
	sqlite3 *db;
	sqlite3_stmt *st = NULL, *cnt = NULL, *gst = NULL;
	int rc = check_tenant(who, err);
	if (!rc)
		rc = reader_get(s, &db, err);
	if (rc)
		return rc;
	size_t mark = out->len;
	if ((rc = page_stmt(db, sort, f.descending, f.state, f.text, false, &st, err)) ||
	    (rc = page_stmt(db, sort, f.descending, f.state, f.text, true, &cnt, err)) ||
	    (rc = fixed_stmt(db, "/*pagegen*/SELECT last FROM ledger ORDER BY first DESC LIMIT 1", &gst, err)))
		goto out;
	/* the ledger's size, the page and the count all from one snapshot */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	uint64_t gen = 0;
	if (sqlite3_step(gst) == SQLITE_ROW)
		gen = (uint64_t)sqlite3_column_int64(gst, 0);
	else
		cacheable = false;
	bind_filter(st, who, kind, &f);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)limit);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)f.offset);
	if (sort == SORT_FIELD)
		sqlite3_bind_text(st, 7, path, -1, SQLITE_STATIC);
	int r = SQLITE_DONE;
	rc = put_lit(out, "[");
	for (bool first = true; !rc && (r = sqlite3_step(st)) == SQLITE_ROW; first = false)
		rc = (first ? MM_OK : put_lit(out, ",")) || put_row(out, st) ? MM_ELIMIT : MM_OK;
	if (!rc)
		rc = put_lit(out, "]");
	if (rc)
		rc = mm_err_set(err, rc, "a page of %s: larger than its output buffer allows", kind);
	else if (r != SQLITE_DONE)
		rc = mm_err_set(err, MM_EDB, "listing %s: %s", kind, sqlite3_errmsg(db));
	if (!rc && !(cacheable && count_recall(s, key, gen, total))) {
		bind_filter(cnt, who, kind, &f);
		if (sqlite3_step(cnt) == SQLITE_ROW) {
			*total = (uint64_t)sqlite3_column_int64(cnt, 0);
			if (cacheable)
				count_remember(s, key, gen, *total);
		} else {
			rc = mm_err_set(err, MM_EDB, "counting %s: %s", kind, sqlite3_errmsg(db));
		}
	}
	stmt_done(st);
	stmt_done(cnt);
	stmt_done(gst);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
out:
	if (rc)
		out->len = mark;
	reader_put(s, db);
	return rc;
}

int mm_store_history(mm_store *s, const mm_actor *who, const char *id, mm_buf *out, mm_err *err)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc = begin_read(s, who,
			    "SELECT v.version, v.seq, v.op, v.actor, v.role, v.time_ns, v.reason, v.state, v.data"
			    " FROM record_version v JOIN record r ON r.id = v.id"
			    " WHERE v.id = ? AND r.tenant = ? ORDER BY v.version",
			    &db, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, actor_tenant(who), -1, SQLITE_STATIC);
	json_t *arr = json_array();
	while (arr && sqlite3_step(st) == SQLITE_ROW) {
		json_error_t je;
		json_t *data = json_loads((const char *)sqlite3_column_text(st, 8), 0, &je);
		json_array_append_new(arr, json_pack("{s:I, s:I, s:s, s:s, s:s, s:o, s:s, s:s, s:o}",
						     "version", (json_int_t)sqlite3_column_int64(st, 0),
						     "seq", (json_int_t)sqlite3_column_int64(st, 1),
						     "op", sqlite3_column_text(st, 2), "actor", sqlite3_column_text(st, 3),
						     "role", sqlite3_column_text(st, 4),
						     "time", time_json(sqlite3_column_int64(st, 5)),
						     "reason", sqlite3_column_text(st, 6), "state", sqlite3_column_text(st, 7),
						     "data", data ? data : json_null()));
	}
	end_read(s, db, st);
	if (arr && json_array_size(arr) == 0) {
		json_decref(arr);
		return mm_err_set(err, MM_ENOTFOUND, "no record has id '%.128s'", id);
	}
	return emit(arr, out, err);
}
