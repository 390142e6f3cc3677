/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verification of the record tables: replay every ledger entry into an
 * in-memory copy of the projection tables, then compare them with the
 * tables on disk and check every attachment file against its hash.
 */
#include <stdio.h>
#include <string.h>

#include "store/store_int.h"
#include "crypto/mm_crypto.h"
#include "base/banned.h"

static int replay(void *ctx, const mm_entry *e, mm_err *err)
{
	return proj_apply(ctx, e, err);
}

static void note_finding(mm_verify_report *rep, uint64_t seq, const char *fmt, ...) MM_PRINTF(3, 4);
static void note_finding(mm_verify_report *rep, uint64_t seq, const char *fmt, ...)
{
	if (!rep->ok && (seq == 0 || (rep->bad_seq && rep->bad_seq <= seq)))
		return;
	rep->ok = false;
	rep->bad_seq = seq;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(rep->reason, sizeof rep->reason, fmt, ap);
	va_end(ap);
}

/*
 * Rows the ledger implies that the table lacks or holds differently, and
 * rows nobody's entry wrote. Only rows written up to entry upto (the last
 * one verified) are judged: a writer may have gone on meanwhile.
 */
static int compare(sqlite3 *db, const char *table, const char *key, bool current, uint64_t upto,
		   mm_verify_report *rep, mm_err *err)
{
	char sql[768];
	sqlite3_stmt *st = NULL;
	/* 1: rows whose ledger version is absent or different on disk (for current-state
	 * tables, not those a later entry has already rewritten) */
	snprintf(sql, sizeof sql,
		 "SELECT %s, seq FROM (SELECT * FROM v.%s EXCEPT SELECT * FROM main.%s)%s ORDER BY seq LIMIT 1",
		 key, table, table, current ? " WHERE id NOT IN (SELECT id FROM main.record WHERE seq > ?1)" : "");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "verify %s: %s", table, sqlite3_errmsg(db));
	if (current)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)upto);
	if (sqlite3_step(st) == SQLITE_ROW)
		note_finding(rep, (uint64_t)sqlite3_column_int64(st, 1),
			     "table %s, row %s: differs from what the ledger says (changed or deleted directly in the "
			     "database); written by entry %lld",
			     table, sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	/* 2: rows on disk the ledger never wrote */
	snprintf(sql, sizeof sql,
		 "SELECT %s FROM (SELECT * FROM main.%s WHERE seq <= ?1 EXCEPT SELECT * FROM v.%s) LIMIT 1", key,
		 table, table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "verify %s: %s", table, sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)upto);
	if (sqlite3_step(st) == SQLITE_ROW)
		note_finding(rep, 0, "table %s, row %s: not written by any ledger entry (inserted directly)", table,
			     sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return MM_OK;
}

static int check_files(mm_store *s, sqlite3 *db, mm_verify_report *rep, mm_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT sha256, seq FROM v.attachment ORDER BY seq", -1, &st, NULL))
		return mm_err_set(err, MM_EDB, "verify attachments: %s", sqlite3_errmsg(db));
	int rc = MM_OK;
	mm_sha256_ctx *h = mm_sha256_new();
	if (!h) {
		sqlite3_finalize(st);
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *hex = (const char *)sqlite3_column_text(st, 0);
		uint64_t seq = (uint64_t)sqlite3_column_int64(st, 1);
		char path[4200];
		if (mm_store_attachment_path(s, hex, path, sizeof path, NULL) != MM_OK) {
			note_finding(rep, seq, "attachment entry %llu names a malformed hash", (unsigned long long)seq);
			break;
		}
		mm_buf b;
		mm_buf_init(&b, MM_ATTACHMENT_MAX);
		int r = mm_file_read(path, MM_ATTACHMENT_MAX, &b, NULL);
		uint8_t d[MM_SHA256_LEN];
		char got[65] = "";
		if (r == MM_OK) {
			mm_sha256(b.p, b.len, d);
			mm_hex_encode(d, sizeof d, got);
		}
		mm_buf_release(&b);
		if (r != MM_OK || strcmp(got, hex) != 0) {
			note_finding(rep, seq, "attachment %s (entry %llu): file %s", hex, (unsigned long long)seq,
				     r != MM_OK ? "is missing or unreadable" : "content does not match its hash");
			break;
		}
	}
	mm_sha256_free(h);
	sqlite3_finalize(st);
	return rc;
}

int mm_store_verify(mm_store *s, const mm_verify_opts *o, mm_verify_report *rep, mm_err *err)
{
	/*
	 * A connection of its own: the ledger's is shared with writers (the
	 * server's), and replay writes into an attached in-memory copy.
	 */
	sqlite3 *db = NULL;
	proj shadow;
	memset(&shadow, 0, sizeof shadow);
	int rc = MM_OK;
	if (sqlite3_open_v2(s->db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA query_only=OFF; ATTACH DATABASE ':memory:' AS v", NULL, NULL, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "verify: %s", db ? sqlite3_errmsg(db) : "cannot open the database");
		goto out;
	}
	sqlite3_busy_timeout(db, 10000);
	if ((rc = proj_create_tables(db, "v", err)) || (rc = proj_prepare(&shadow, db, "v", err)))
		goto out;
	mm_verify_opts opts = {0};
	if (o)
		opts = *o;
	opts.visit = replay;
	opts.visit_ctx = &shadow;
	if ((rc = mm_ledger_verify(s->l, &opts, rep, err)))
		goto out;
	if (!rep->ok)
		goto out; /* the ledger itself is bad: projections cannot be judged */
	/* one snapshot of the tables for every comparison */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "verify: %s", sqlite3_errmsg(db));
		goto out;
	}
	uint64_t n = rep->entries;
	if (!(rc = compare(db, "record", "id", true, n, rep, err)) &&
	    !(rc = compare(db, "record_version", "id || ' version ' || version", false, n, rep, err)) &&
	    !(rc = compare(db, "attachment", "sha256", false, n, rep, err)))
		rc = check_files(s, db, rep, err);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
out:
	proj_finalize(&shadow);
	sqlite3_close(db);
	return rc;
}
