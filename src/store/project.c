/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Projection of record and attachment entries into tables. The same code
 * runs for live writes and for verification replay, so a rebuilt table is
 * byte-for-byte what a correct live write would have produced.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "base/banned.h"

static const char *const ddl[] = {
	("CREATE TABLE IF NOT EXISTS %s.record(id TEXT PRIMARY KEY, tenant TEXT NOT NULL, kind TEXT NOT NULL,"
	 " version INTEGER NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL,"
	 " created_ns INTEGER NOT NULL, created_by TEXT NOT NULL,"
	 " updated_ns INTEGER NOT NULL, updated_by TEXT NOT NULL, seq INTEGER NOT NULL)"),
	"CREATE INDEX IF NOT EXISTS %s.record_kind ON record(tenant, kind, state)",
	/* pages in id order (ids are "<kind>-<n>": by length, then text) without a sort */
	"CREATE INDEX IF NOT EXISTS %s.record_order ON record(tenant, kind, length(id), id)",
	("CREATE TABLE IF NOT EXISTS %s.record_version(id TEXT NOT NULL, version INTEGER NOT NULL,"
	 " seq INTEGER NOT NULL, op TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL,"
	 " time_ns INTEGER NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL, data TEXT NOT NULL,"
	 " PRIMARY KEY(id, version))"),
	("CREATE TABLE IF NOT EXISTS %s.attachment(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	 " name TEXT NOT NULL, seq INTEGER NOT NULL)"),
};

static bool prefix_ok(const char *prefix)
{
	/* statement text is built from fixed names only, never from data */
	return strcmp(prefix, "main") == 0 || strcmp(prefix, "v") == 0;
}

int proj_create_tables(sqlite3 *db, const char *prefix, mm_err *err)
{
	if (!prefix_ok(prefix))
		return mm_err_set(err, MM_EINVAL, "bad projection schema");
	for (size_t i = 0; i < sizeof ddl / sizeof ddl[0]; i++) {
		char sql[512];
		snprintf(sql, sizeof sql, ddl[i], prefix);
		char *msg = NULL;
		if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			mm_err_set(err, MM_EDB, "creating tables: %s", msg ? msg : "?");
			sqlite3_free(msg);
			return MM_EDB;
		}
	}
	return MM_OK;
}

int proj_prepare(proj *p, sqlite3 *db, const char *prefix, mm_err *err)
{
	memset(p, 0, sizeof *p);
	p->db = db;
	if (!prefix_ok(prefix))
		return mm_err_set(err, MM_EINVAL, "bad projection schema");
	struct {
		sqlite3_stmt **st;
		const char *sql;
	} q[] = {
		{&p->ins_record, "INSERT INTO %s.record(id, kind, version, state, data, created_ns, created_by,"
				 " updated_ns, updated_by, seq, tenant) VALUES(?1, ?2, 1, ?3, ?4, ?5, ?6, ?5, ?6, ?7, ?8)"},
		{&p->upd_record, "UPDATE %s.record SET version = ?2, state = ?3, data = ?4, updated_ns = ?5,"
				 " updated_by = ?6, seq = ?7 WHERE id = ?1"},
		{&p->cur_record, "SELECT kind, version, seq, tenant FROM %s.record WHERE id = ?"},
		{&p->ins_version, "INSERT INTO %s.record_version(id, version, seq, op, actor, role, time_ns,"
				  " reason, state, data) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"},
		{&p->ins_attach, "INSERT OR IGNORE INTO %s.attachment(sha256, size, name, seq) VALUES(?, ?, ?, ?)"},
	};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		char sql[512];
		snprintf(sql, sizeof sql, q[i].sql, prefix);
		if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, q[i].st, NULL) != SQLITE_OK) {
			int rc = mm_err_set(err, MM_EDB, "preparing projection: %s", sqlite3_errmsg(db));
			proj_finalize(p);
			return rc;
		}
	}
	return MM_OK;
}

void proj_finalize(proj *p)
{
	sqlite3_finalize(p->ins_record);
	sqlite3_finalize(p->upd_record);
	sqlite3_finalize(p->cur_record);
	sqlite3_finalize(p->ins_version);
	sqlite3_finalize(p->ins_attach);
	memset(p, 0, sizeof *p);
}

static int step_done(proj *p, sqlite3_stmt *st, mm_err *err, const char *what)
{
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r != SQLITE_DONE)
		return mm_err_set(err, MM_EDB, "%s: %s", what, sqlite3_errmsg(p->db));
	return MM_OK;
}

static const char *str_field(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool kind_is(const mm_entry *e, const char *k)
{
	return e->kind_len == strlen(k) && memcmp(e->kind, k, e->kind_len) == 0;
}

static int apply_record(proj *p, const mm_entry *e, json_t *pl, mm_err *err)
{
	const char *id = str_field(pl, "id"), *kind = str_field(pl, "kind"), *state = str_field(pl, "state");
	const char *op = str_field(pl, "op"), *reason = str_field(pl, "reason"), *role = str_field(pl, "role");
	const char *tenant = str_field(pl, "tenant");
	json_t *ver = json_object_get(pl, "version"), *data = json_object_get(pl, "data");
	if (!id || !kind || !state || !op || !reason || !role || !tenant || !json_is_integer(ver) ||
	    !json_is_object(data))
		return mm_err_set(err, MM_ECORRUPT,
				  "record payload lacks id, kind, op, role, reason, state, tenant, version or data");
	if (e->subject_len != strlen(id) || memcmp(e->subject, id, e->subject_len) != 0)
		return mm_err_set(err, MM_ECORRUPT, "entry subject is not the record id '%s'", id);
	json_int_t version = json_integer_value(ver);
	char *text = NULL;
	int rc = canonical_json(data, &text, err);
	if (rc)
		return rc;
	bool create = kind_is(e, "record.create");
	if (create != (version == 1) || create != (strcmp(op, "create") == 0)) {
		rc = mm_err_set(err, MM_ECORRUPT, "record %s: operation '%s' at version %lld is inconsistent", id, op,
				(long long)version);
		goto out;
	}
	sqlite3_stmt *cur = p->cur_record;
	sqlite3_bind_text(cur, 1, id, -1, SQLITE_STATIC);
	int r = sqlite3_step(cur);
	bool exists = r == SQLITE_ROW;
	json_int_t cur_version = exists ? sqlite3_column_int64(cur, 1) : 0;
	uint64_t cur_seq = exists ? (uint64_t)sqlite3_column_int64(cur, 2) : 0;
	bool same_kind = exists && strcmp((const char *)sqlite3_column_text(cur, 0), kind) == 0 &&
			 strcmp((const char *)sqlite3_column_text(cur, 3), tenant) == 0;
	sqlite3_reset(cur);
	if (r != SQLITE_ROW && r != SQLITE_DONE) {
		rc = mm_err_set(err, MM_EDB, "projection: %s", sqlite3_errmsg(p->db));
		goto out;
	}
	if (create) {
		if (exists || e->ref != 0) {
			rc = mm_err_set(err, MM_ECORRUPT, "record %s is created twice", id);
			goto out;
		}
		sqlite3_stmt *st = p->ins_record;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, e->time_ns);
		sqlite3_bind_text(st, 6, e->actor, (int)e->actor_len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)e->seq);
		sqlite3_bind_text(st, 8, tenant, -1, SQLITE_STATIC);
		if ((rc = step_done(p, st, err, "projection insert")))
			goto out;
	} else {
		if (!exists || !same_kind || version != cur_version + 1 || e->ref != cur_seq) {
			rc = mm_err_set(err, MM_ECORRUPT,
					"record %s: version %lld does not follow version %lld written by entry %llu "
					"(entry refers to %llu)",
					id, (long long)version, (long long)cur_version, (unsigned long long)cur_seq,
					(unsigned long long)e->ref);
			goto out;
		}
		sqlite3_stmt *st = p->upd_record;
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, version);
		sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, e->time_ns);
		sqlite3_bind_text(st, 6, e->actor, (int)e->actor_len, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, (sqlite3_int64)e->seq);
		if ((rc = step_done(p, st, err, "projection update")))
			goto out;
	}
	sqlite3_stmt *st = p->ins_version;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, version);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)e->seq);
	sqlite3_bind_text(st, 4, op, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, e->actor, (int)e->actor_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, e->time_ns);
	sqlite3_bind_text(st, 8, reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, text, -1, SQLITE_STATIC);
	rc = step_done(p, st, err, "projection history");
out:
	free(text);
	return rc;
}

static int apply_attachment(proj *p, const mm_entry *e, json_t *pl, mm_err *err)
{
	const char *hex = str_field(pl, "sha256"), *name = str_field(pl, "name");
	json_t *size = json_object_get(pl, "size");
	if (!hex || strlen(hex) != 64 || !name || !json_is_integer(size))
		return mm_err_set(err, MM_ECORRUPT, "attachment payload lacks sha256, name or size");
	sqlite3_stmt *st = p->ins_attach;
	sqlite3_bind_text(st, 1, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, json_integer_value(size));
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)e->seq);
	return step_done(p, st, err, "projection attachment");
}

int proj_apply_json(proj *p, const mm_entry *e, json_t *pl, mm_err *err)
{
	bool rec = kind_is(e, "record.create") || kind_is(e, "record.update") || kind_is(e, "record.transition");
	if (!json_is_object(pl))
		return mm_err_set(err, MM_ECORRUPT, "payload is not a JSON object");
	return rec ? apply_record(p, e, pl, err) : apply_attachment(p, e, pl, err);
}

int proj_apply(proj *p, const mm_entry *e, mm_err *err)
{
	bool rec = kind_is(e, "record.create") || kind_is(e, "record.update") || kind_is(e, "record.transition");
	bool att = kind_is(e, "attachment.add");
	if (!rec && !att)
		return MM_OK; /* entries without a projection (ledger.init, future kinds) */
	json_error_t je;
	json_t *pl = json_loadb((const char *)e->payload, e->payload_len, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(pl)) {
		json_decref(pl);
		if (!pl && json_oom(&je))
			return mm_err_set(err, MM_ENOMEM, "out of memory");
		return mm_err_set(err, MM_ECORRUPT, "payload is not a JSON object");
	}
	int rc = proj_apply_json(p, e, pl, err);
	json_decref(pl);
	return rc;
}
