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

/* Rows the ledger implies that the table lacks or holds differently. */
static int compare(sqlite3 *db, const char *table, const char *key, mm_verify_report *rep, mm_err *err)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	/* 1: rows whose ledger version is absent or different on disk */
	snprintf(sql, sizeof sql,
		 "SELECT %s, seq FROM (SELECT * FROM v.%s EXCEPT SELECT * FROM main.%s) ORDER BY seq LIMIT 1",
		 key, table, table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "verify %s: %s", table, sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW)
		note_finding(rep, (uint64_t)sqlite3_column_int64(st, 1),
			     "table %s, row %s: differs from what the ledger says (changed or deleted directly in the "
			     "database); written by entry %lld",
			     table, sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	/* 2: rows on disk the ledger never wrote */
	snprintf(sql, sizeof sql,
		 "SELECT %s FROM (SELECT * FROM main.%s EXCEPT SELECT * FROM v.%s) LIMIT 1", key, table, table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "verify %s: %s", table, sqlite3_errmsg(db));
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
	sqlite3 *db = mm_ledger_db(s->l);
	proj shadow;
	memset(&shadow, 0, sizeof shadow);
	int rc;
	if (sqlite3_exec(db, "ATTACH DATABASE ':memory:' AS v", NULL, NULL, NULL) != SQLITE_OK)
		return mm_err_set(err, MM_EDB, "verify: %s", sqlite3_errmsg(db));
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
	if ((rc = compare(db, "record", "id", rep, err)) ||
	    (rc = compare(db, "record_version", "id || ' version ' || version", rep, err)) ||
	    (rc = compare(db, "attachment", "sha256", rep, err)) || (rc = check_files(s, db, rep, err)))
		goto out;
out:
	proj_finalize(&shadow);
	sqlite3_exec(db, "DETACH DATABASE v", NULL, NULL, NULL);
	return rc;
}
