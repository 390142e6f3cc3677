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
