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

/* SQL for a sort key: a fixed column, or the kind's own field through json_extract. */
static const char *sort_sql(const mm_kind *k, const char *sort, bool *by_field)
{
	static const struct {
		const char *name, *sql;
	} meta[] = {
		{"state", "state"}, {"version", "version"}, {"created", "created_ns"}, {"updated", "updated_ns"},
		{"created_by", "created_by"}, {"updated_by", "updated_by"}, {"seq", "seq"},
	};
	*by_field = false;
	if (!sort)
		return NULL;
	for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
		if (strcmp(sort, meta[i].name) == 0)
			return meta[i].sql;
	for (size_t i = 0; i < k->nfields; i++)
		if (strcmp(sort, k->fields[i].name) == 0) {
			*by_field = true;
			return "json_extract(data, ?7)";
		}
	return NULL;
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
	bool by_field;
	const char *key = sort_sql(k, q->sort, &by_field);
	const char *dir = q->descending ? "DESC" : "ASC";
	/* the statement text comes only from fixed strings above; values are bound */
	static const char where[] =
		" FROM record WHERE tenant = ?1 AND kind = ?2 AND (?3 IS NULL OR state = ?3)"
		" AND (?4 IS NULL OR instr(id, ?4) > 0 OR EXISTS (SELECT 1 FROM json_each(record.data)"
		" WHERE json_each.type = 'text' AND instr(json_each.value, ?4) > 0))";
	char sql[1024];
	if (key)
		snprintf(sql, sizeof sql, "SELECT " RECORD_COLS "%s ORDER BY %s %s, length(id) %s, id %s LIMIT ?5 OFFSET ?6",
			 where, key, dir, dir, dir);
	else
		snprintf(sql, sizeof sql, "SELECT " RECORD_COLS "%s ORDER BY length(id) %s, id %s LIMIT ?5 OFFSET ?6",
			 where, dir, dir);
	char path[MM_NAME_MAX + 8];
	snprintf(path, sizeof path, "$.\"%s\"", by_field ? q->sort : "");
	sqlite3 *db;
	sqlite3_stmt *st;
	int rc = begin_read(s, who, sql, &db, &st, err);
	if (rc)
		return rc;
	/* count and page from one snapshot */
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (int pass = 0; pass < 2 && !rc; pass++) {
		sqlite3_bind_text(st, 1, actor_tenant(who), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		if (q->state)
			sqlite3_bind_text(st, 3, q->state, -1, SQLITE_STATIC);
		if (q->text && *q->text)
			sqlite3_bind_text(st, 4, q->text, -1, SQLITE_STATIC);
		if (pass == 0) {
			sqlite3_bind_int64(st, 5, (sqlite3_int64)limit);
			sqlite3_bind_int64(st, 6, (sqlite3_int64)q->offset);
			if (by_field)
				sqlite3_bind_text(st, 7, path, -1, SQLITE_STATIC);
			json_t *arr = json_array();
			int r;
			while (arr && (r = sqlite3_step(st)) == SQLITE_ROW)
				json_array_append_new(arr, row_record(st));
			if (arr && r != SQLITE_DONE) {
				json_decref(arr);
				arr = NULL;
				rc = mm_err_set(err, MM_EDB, "listing %s: %s", kind, sqlite3_errmsg(db));
			} else {
				rc = emit(arr, out, err);
			}
			sqlite3_finalize(st);
			st = NULL;
			snprintf(sql, sizeof sql, "SELECT count(*)%s", where);
			if (!rc && sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
				rc = mm_err_set(err, MM_EDB, "%s", sqlite3_errmsg(db));
		} else {
			if (sqlite3_step(st) == SQLITE_ROW)
				*total = (uint64_t)sqlite3_column_int64(st, 0);
			else
				rc = mm_err_set(err, MM_EDB, "counting %s: %s", kind, sqlite3_errmsg(db));
		}
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	end_read(s, db, st);
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
