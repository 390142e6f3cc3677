/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ledger: entry encoding round trip and refusals, group commit under 16
 * concurrent writers (every acknowledged seq is unique and present, the
 * result verifies), checkpoints signed and consistent, proofs checked
 * against signed roots, and a failing apply callback writing nothing.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "scratch.h"

#include "ledger/mm_ledger.h"
#include "ledger/rows.h"

static char dir[4096], db[4200], key[4200];

static int setup(void **state)
{
	(void)state;
	if (scratch_make(dir, sizeof dir, "ledger"))
		return -1;
	snprintf(db, sizeof db, "%s/l.db", dir);
	snprintf(key, sizeof key, "%s/l.key", dir);
	mm_note_signer s;
	mm_err err;
	mm_buf b;
	mm_buf_init(&b, 4096);
	if (mm_note_signer_generate("test.example/ledger", &s, &err) || mm_note_signer_format(&s, &b) ||
	    mm_file_write_atomic(key, b.p, b.len, 0600, true, &err) || mm_ledger_create(db, &s, &err))
		return -1;
	mm_buf_wipe(&b);
	mm_note_signer_wipe(&s);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

static void test_entry_roundtrip_and_refusals(void **state)
{
	(void)state;
	mm_entry e = {.seq = 7, .time_ns = 1700000000123456789, .ref = 3};
	mm_entry_set(&e.kind, &e.kind_len, "record.update");
	mm_entry_set(&e.actor, &e.actor_len, "山田太郎");
	mm_entry_set(&e.subject, &e.subject_len, "asset-1");
	e.payload = (const uint8_t *)"{}";
	e.payload_len = 2;
	mm_buf b;
	mm_buf_init(&b, MM_ENTRY_MAX);
	mm_err err;
	assert_int_equal(mm_entry_encode(&e, &b, &err), MM_OK);
	assert_int_equal(b.len, 1 + 8 + 8 + 1 + 13 + 2 + 12 + 2 + 7 + 8 + 4 + 2);
	assert_int_equal(b.p[0], 1);
	assert_int_equal(b.p[8], 7); /* seq, big-endian */
	mm_entry d;
	assert_int_equal(mm_entry_decode(b.p, b.len, &d, &err), MM_OK);
	assert_int_equal(d.seq, 7);
	assert_int_equal(d.time_ns, e.time_ns);
	assert_int_equal(d.ref, 3);
	assert_memory_equal(d.actor, "山田太郎", d.actor_len);
	/* trailing byte, truncation, unknown version */
	b.p[b.len] = 0;
	assert_int_equal(mm_entry_decode(b.p, b.len + 1, &d, &err), MM_EINVAL);
	assert_int_equal(mm_entry_decode(b.p, b.len - 1, &d, &err), MM_EINVAL);
	b.p[0] = 2;
	assert_int_equal(mm_entry_decode(b.p, b.len, &d, &err), MM_EUNSUPPORTED);
	mm_buf_release(&b);
	/* references must point backwards; kinds are restricted */
	e.ref = 7;
	mm_buf_init(&b, MM_ENTRY_MAX);
	assert_int_equal(mm_entry_encode(&e, &b, &err), MM_EINVAL);
	e.ref = 0;
	mm_entry_set(&e.kind, &e.kind_len, "Record Update");
	assert_int_equal(mm_entry_encode(&e, &b, &err), MM_EINVAL);
	mm_entry_set(&e.kind, &e.kind_len, "x");
	mm_entry_set(&e.actor, &e.actor_len, "bad\nactor");
	assert_int_equal(mm_entry_encode(&e, &b, &err), MM_EINVAL);
	mm_buf_release(&b);
}

#define WRITERS 16
#define PER_WRITER 150
static mm_ledger *shared;
static _Atomic int refused_wrong;
static uint64_t seqs[WRITERS][PER_WRITER];

static int refuse(void *ctx, sqlite3 *db_, uint64_t seq, int64_t t, mm_entry *e, mm_err *err);

static void *writer(void *arg)
{
	long w = (long)arg;
	for (int i = 0; i < PER_WRITER; i++) {
		char payload[64];
		int n = snprintf(payload, sizeof payload, "{\"w\":%ld,\"i\":%d}", w, i);
		mm_entry e = {0};
		mm_entry_set(&e.kind, &e.kind_len, "test.append");
		mm_entry_set(&e.actor, &e.actor_len, "writer");
		e.payload = (const uint8_t *)payload;
		e.payload_len = (size_t)n;
		mm_err err;
		if (mm_ledger_append(shared, &e, &seqs[w][i], &err) != MM_OK)
			seqs[w][i] = 0;
		/*
		 * refusals rolled back to their savepoints in the same batches as
		 * plain appends still in the last row's unwritten part
		 */
		uint64_t no = 1;
		if ((w & 1) && i % 10 == 5 && (mm_ledger_submit(shared, refuse, NULL, &no, &err) != MM_EINVAL || no != 0))
			refused_wrong++;
	}
	return NULL;
}

static int refuse(void *ctx, sqlite3 *db_, uint64_t seq, int64_t t, mm_entry *e, mm_err *err)
{
	(void)ctx, (void)seq, (void)t, (void)e;
	/* write something, then fail: the savepoint must undo it */
	sqlite3_exec(db_, "INSERT INTO meta(key, value) VALUES('junk', 'x')", NULL, NULL, NULL);
	return mm_err_set(err, MM_EINVAL, "refused on purpose");
}

static void test_group_commit_and_verify(void **state)
{
	(void)state;
	mm_err err;
	assert_int_equal(mm_ledger_open(db, key, &shared, &err), MM_OK);
	pthread_t th[WRITERS];
	for (long i = 0; i < WRITERS; i++)
		pthread_create(&th[i], NULL, writer, (void *)i);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(th[i], NULL);
	/* every acknowledged seq is unique and within 1..N */
	uint64_t n = (uint64_t)WRITERS * PER_WRITER;
	uint8_t *seen = calloc(n + 1, 1);
	for (int w = 0; w < WRITERS; w++)
		for (int i = 0; i < PER_WRITER; i++) {
			assert_in_range(seqs[w][i], 1, n);
			assert_int_equal(seen[seqs[w][i]]++, 0);
		}
	free(seen);
	assert_int_equal(mm_ledger_size(shared), n);
	assert_int_equal(refused_wrong, 0);
	sqlite3_stmt *junk;
	assert_int_equal(sqlite3_prepare_v2(mm_ledger_db(shared), "SELECT count(*) FROM meta WHERE key = 'junk'", -1, &junk,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(junk), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(junk, 0), 0); /* every refusal's own write was rolled back */
	sqlite3_finalize(junk);

	/* a refused operation leaves nothing behind */
	uint64_t seq = 99;
	assert_int_equal(mm_ledger_submit(shared, refuse, NULL, &seq, &err), MM_EINVAL);
	assert_string_equal(err.msg, "refused on purpose");
	assert_int_equal(mm_ledger_size(shared), n);

	mm_buf note;
	mm_buf_init(&note, MM_NOTE_MAX);
	assert_int_equal(mm_ledger_checkpoint(shared, false, &note, &err), MM_OK);
	mm_checkpoint cp;
	assert_int_equal(mm_checkpoint_open(mm_ledger_verifier(shared), (const char *)note.p, note.len, &cp, &err), MM_OK);
	assert_int_equal(cp.size, n);

	/* inclusion of a few entries against the signed root; consistency with an older root */
	mm_hash leaf, path[MM_PROOF_MAX], old_root, proof[MM_PROOF_MAX];
	size_t k;
	for (uint64_t s = 1; s <= n; s += 397) {
		assert_int_equal(mm_ledger_inclusion(shared, s, n, leaf, path, &k, &err), MM_OK);
		assert_true(mm_merkle_verify_inclusion(leaf, s - 1, n, (const mm_hash *)path, k, cp.root));
	}
	assert_int_equal(mm_ledger_root(shared, 1000, old_root, &err), MM_OK);
	assert_int_equal(mm_ledger_consistency(shared, 1000, n, proof, &k, &err), MM_OK);
	assert_true(mm_merkle_verify_consistency(1000, n, old_root, cp.root, (const mm_hash *)proof, k));

	mm_verify_report rep;
	assert_int_equal(mm_ledger_verify(shared, NULL, &rep, &err), MM_OK);
	if (!rep.ok)
		print_error("%s\n", rep.reason);
	assert_true(rep.ok);
	assert_int_equal(rep.entries, n);
	assert_true(rep.checkpoints >= 2); /* at least one every 1000 entries */
	assert_int_equal(mm_ledger_close(shared, &err), MM_OK);
	mm_buf_release(&note);

	/* reopened, the tree continues where it was */
	assert_int_equal(mm_ledger_open(db, key, &shared, &err), MM_OK);
	mm_entry e = {0};
	mm_entry_set(&e.kind, &e.kind_len, "test.append");
	mm_entry_set(&e.actor, &e.actor_len, "writer");
	assert_int_equal(mm_ledger_append(shared, &e, &seq, &err), MM_OK);
	assert_int_equal(seq, n + 1);
	assert_int_equal(mm_ledger_verify(shared, NULL, &rep, &err), MM_OK);
	assert_true(rep.ok);
	assert_int_equal(mm_ledger_close(shared, &err), MM_OK);
}

static void exec_ok(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* The ledger's rows unpacked into TEMP TABLE e, one row per entry, for SQL to damage. */
static void unpack(sqlite3 *h)
{
	sqlite3_stmt *rd, *wr;
	exec_ok(h, "CREATE TEMP TABLE e(seq INTEGER PRIMARY KEY, entry BLOB, hash BLOB, nodes BLOB)");
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT first, data FROM ledger ORDER BY first", -1, &rd, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO e VALUES(?, ?, ?, ?)", -1, &wr, NULL), SQLITE_OK);
	while (sqlite3_step(rd) == SQLITE_ROW) {
		uint64_t seq = (uint64_t)sqlite3_column_int64(rd, 0);
		const uint8_t *p = sqlite3_column_blob(rd, 1);
		size_t n = (size_t)sqlite3_column_bytes(rd, 1), off = 0;
		row_rec r;
		bool damaged;
		while (row_next(p, n, &off, &r, &damaged)) {
			sqlite3_bind_int64(wr, 1, (sqlite3_int64)seq++);
			sqlite3_bind_blob(wr, 2, r.entry, (int)r.len, SQLITE_STATIC);
			sqlite3_bind_blob(wr, 3, r.hash, MM_SHA256_LEN, SQLITE_STATIC);
			sqlite3_bind_blob(wr, 4, r.nnodes ? r.nodes : (const uint8_t *)"", (int)(r.nnodes * MM_SHA256_LEN),
					  SQLITE_STATIC);
			assert_int_equal(sqlite3_step(wr), SQLITE_DONE);
			sqlite3_reset(wr);
		}
		assert_false(damaged);
	}
	sqlite3_finalize(rd);
	sqlite3_finalize(wr);
}

static void put_row(sqlite3_stmt *wr, uint64_t first, uint64_t last, const mm_buf *b)
{
	sqlite3_bind_int64(wr, 1, (sqlite3_int64)first);
	sqlite3_bind_int64(wr, 2, (sqlite3_int64)last);
	sqlite3_bind_blob(wr, 3, b->p ? b->p : (const uint8_t *)"", (int)b->len, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(wr), SQLITE_DONE);
	sqlite3_reset(wr);
}

/* ... and packed back: each entry into the row its seq belongs to, as the writer would have put it. */
static void repack(sqlite3 *h)
{
	sqlite3_stmt *rd, *wr;
	exec_ok(h, "DELETE FROM ledger");
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT seq, entry, hash, nodes FROM e ORDER BY seq", -1, &rd, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, "INSERT INTO ledger(first, last, data) VALUES(?, ?, ?)", -1, &wr, NULL),
			 SQLITE_OK);
	mm_buf b;
	mm_buf_init(&b, ROW_DATA_MAX);
	long long first = 0, last = 0;
	bool open = false;
	while (sqlite3_step(rd) == SQLITE_ROW) {
		long long seq = sqlite3_column_int64(rd, 0);
		long long row = seq < 1 ? seq : (long long)row_first((uint64_t)seq);
		if (open && row != first) {
			put_row(wr, (uint64_t)first, (uint64_t)last, &b);
			mm_buf_reset(&b);
		}
		first = row;
		last = seq;
		open = true;
		mm_hash leaf = {0};
		size_t hl = (size_t)sqlite3_column_bytes(rd, 2);
		memcpy(leaf, sqlite3_column_blob(rd, 2), hl < sizeof leaf ? hl : sizeof leaf);
		assert_int_equal(row_append(&b, sqlite3_column_blob(rd, 1), (size_t)sqlite3_column_bytes(rd, 1), leaf,
					    sqlite3_column_blob(rd, 3), (unsigned)sqlite3_column_bytes(rd, 3) / MM_SHA256_LEN),
				 MM_OK);
	}
	if (open)
		put_row(wr, (uint64_t)first, (uint64_t)last, &b);
	mm_buf_release(&b);
	sqlite3_finalize(rd);
	sqlite3_finalize(wr);
	exec_ok(h, "DROP TABLE e");
}

/*
 * Damage the database and check that verification names exactly bad_seq
 * and says why; the ledger is put back as it was after. With unpacked,
 * sql runs on TEMP TABLE e(seq, entry, hash, nodes), one row per entry,
 * packed back into the ledger's rows after; without, on the rows.
 */
static void damage(bool unpacked, const char *sql, uint64_t bad_seq, const char *why)
{
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	exec_ok(h, "CREATE TABLE keep AS SELECT * FROM ledger");
	if (unpacked)
		unpack(h);
	exec_ok(h, sql);
	if (unpacked)
		repack(h);
	sqlite3_close(h);

	mm_ledger *l;
	mm_err err;
	mm_verify_report rep;
	if (mm_ledger_open(db, NULL, &l, &err) != MM_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(mm_ledger_verify(l, NULL, &rep, &err), MM_OK);
	if (rep.ok || rep.bad_seq != bad_seq || !strstr(rep.reason, why))
		print_error("after %s:\n  got seq %llu: %s\n  want seq %llu: %s\n", sql, (unsigned long long)rep.bad_seq,
			    rep.reason, (unsigned long long)bad_seq, why);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_seq, bad_seq);
	assert_non_null(strstr(rep.reason, why));
	assert_int_equal(mm_ledger_close(l, &err), MM_OK);

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	exec_ok(h, "DELETE FROM ledger; INSERT INTO ledger SELECT * FROM keep; DROP TABLE keep");
	sqlite3_close(h);
}

static void expect_damage(const char *sql, uint64_t bad_seq, const char *why)
{
	damage(true, sql, bad_seq, why);
}

static void expect_row_damage(const char *sql, uint64_t bad_seq, const char *why)
{
	damage(false, sql, bad_seq, why);
}

static uint64_t visited, fail_at;

static int visit(void *ctx, const mm_entry *e, mm_err *err)
{
	(void)ctx;
	if (e->seq != ++visited)
		return mm_err_set(err, MM_EINVAL, "visited %llu out of order", (unsigned long long)e->seq);
	if (e->seq == fail_at)
		return mm_err_set(err, MM_EINVAL, "the visitor refuses this one");
	return MM_OK;
}

/*
 * The ledger left by the group commit test (2,401 entries) spans three of
 * the verifier's 1,024-entry chunks, with checkpoints inside them: stored
 * nodes inside a chunk and above it, entries at chunk edges, the visitor
 * order and the roots at checkpoints are all checked.
 */
static void test_verify_chunks_and_stored_nodes(void **state)
{
	(void)state;
	mm_ledger *l;
	mm_err err;
	mm_verify_report rep, brep;
	assert_int_equal(mm_ledger_open(db, NULL, &l, &err), MM_OK);
	uint64_t n = mm_ledger_size(l);
	assert_true(n > 2048);
	/* the parallel database path agrees with the one-pass bundle path */
	assert_int_equal(mm_ledger_verify(l, NULL, &rep, &err), MM_OK);
	assert_true(rep.ok);
	assert_int_equal(rep.entries, n);
	assert_true(rep.checkpoints >= 3);
	char bundle[4300];
	snprintf(bundle, sizeof bundle, "%s/l.bundle", dir);
	assert_int_equal(mm_ledger_export(l, bundle, &err), MM_OK);
	mm_verify_opts bo = {.key = mm_ledger_verifier(l)};
	assert_int_equal(mm_ledger_verify_bundle(bundle, &bo, &brep, &err), MM_OK);
	unlink(bundle);
	assert_true(brep.ok);
	assert_int_equal(brep.entries, n);
	assert_memory_equal(brep.root, rep.root, sizeof rep.root);
	assert_int_equal(brep.last_time_ns, rep.last_time_ns);
	/* the visitor sees every entry once, in order, and its finding is named */
	mm_verify_opts vo = {.visit = visit};
	visited = fail_at = 0;
	assert_int_equal(mm_ledger_verify(l, &vo, &rep, &err), MM_OK);
	assert_true(rep.ok);
	assert_int_equal(visited, n);
	visited = 0;
	fail_at = 1500;
	assert_int_equal(mm_ledger_verify(l, &vo, &rep, &err), MM_OK);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_seq, 1500);
	assert_non_null(strstr(rep.reason, "the visitor refuses this one"));
	assert_int_equal(mm_ledger_close(l, &err), MM_OK);

	/* stored nodes: inside a chunk, the chunk's own root, and above the chunks */
	expect_damage("UPDATE e SET nodes = zeroblob(32) WHERE seq = 6", 5,
		      "stored Merkle node (level 1, index 2) does not match entries 5..6");
	expect_damage("UPDATE e SET nodes = substr(nodes, 1, 288) || zeroblob(32) WHERE seq = 1024", 1,
		      "stored Merkle node (level 10, index 0) does not match entries 1..1024");
	expect_damage("UPDATE e SET nodes = substr(nodes, 1, 320) || zeroblob(32) WHERE seq = 2048", 1,
		      "stored Merkle node (level 11, index 0) does not match entries 1..2048");
	expect_damage("UPDATE e SET nodes = substr(nodes, 1, 320) WHERE seq = 2048", 1,
		      "Merkle node (level 11, index 0) over entries 1..2048 is missing");
	expect_damage("UPDATE e SET nodes = substr(nodes, 1, 32) WHERE seq = 4", 1,
		      "Merkle node (level 2, index 0) over entries 1..4 is missing");
	expect_damage("UPDATE e SET nodes = zeroblob(32) WHERE seq = 7", 7,
		      "32 bytes of stored Merkle nodes where it completes 0");
	expect_damage("UPDATE e SET nodes = nodes || zeroblob(32) WHERE seq = 2048", 2048,
		      "64 bytes of stored Merkle nodes above level 10 where it completes 1");
	/* entries at the chunk edges */
	expect_damage("UPDATE e SET entry = substr(entry, 1, 9) || zeroblob(8) || substr(entry, 18) WHERE seq = 1025",
		      1025, "time goes backwards");
	expect_damage("DELETE FROM e WHERE seq = 1024", 1024, "entry 1024 is missing (the next stored entry is 1025)");
	expect_damage("DELETE FROM e WHERE seq BETWEEN 1025 AND 1032", 1025,
		      "entry 1025 is missing (the next stored entry is 1033)");
	/* inside a row, a deleted entry leaves the next one out of place */
	expect_damage("DELETE FROM e WHERE seq BETWEEN 1025 AND 1030", 1025,
		      "entry at position 1025 carries sequence number 1031");
	expect_damage("INSERT INTO e VALUES(0, x'01', zeroblob(32), x'')", 1, "a stored row starts at sequence number 0");
	expect_damage("UPDATE e SET entry = (SELECT entry FROM e WHERE seq = 2050),"
		      " hash = (SELECT hash FROM e WHERE seq = 2050) WHERE seq = 2049",
		      2049, "carries sequence number 2050");
	/* the rows themselves: lengths, stray bytes, their last entry, their place */
	expect_row_damage("UPDATE ledger SET data = x'7fffffff' || substr(data, 5) WHERE first = 1", 1,
			  "entry 1: its stored record is damaged");
	expect_row_damage("UPDATE ledger SET data = substr(data, 1, length(data) - 1) WHERE first = 9", 16,
			  "entry 16: its stored record is damaged");
	expect_row_damage("UPDATE ledger SET data = data || x'00' WHERE first = 1033", 1040,
			  "entry 1040: 1 stray bytes follow the last record of its row");
	expect_row_damage("UPDATE ledger SET last = 15 WHERE first = 9", 16,
			  "entry 16: the row from entry 9 says it ends at 15 but holds 8 entries");
	expect_row_damage("UPDATE ledger SET last = 17 WHERE first = 9", 17,
			  "entry 17: the row from entry 9 says it ends at 17 but holds 8 entries");
	expect_row_damage("UPDATE ledger SET first = 10 WHERE first = 9", 9,
			  "entry 9 is missing (the next stored entry is 10)");
	expect_row_damage("UPDATE ledger SET first = 2 WHERE first = 1", 1,
			  "entry 1 is missing (the next stored entry is 2)");
	expect_row_damage("DELETE FROM ledger WHERE first = 2049", 2049,
			  "entry 2049 is missing (the next stored entry is 2057)");

	/* a changed entry whose stored hash was rewritten to match is caught by the node above it */
	mm_buf ent;
	mm_buf_init(&ent, MM_ENTRY_MAX);
	assert_int_equal(mm_ledger_open(db, NULL, &l, &err), MM_OK);
	assert_int_equal(mm_ledger_get(l, 1500, &ent, &err), MM_OK);
	assert_int_equal(mm_ledger_close(l, &err), MM_OK);
	ent.p[ent.len - 2] ^= 0x01; /* inside the payload */
	mm_hash leaf;
	mm_merkle_leaf(ent.p, ent.len, leaf);
	mm_buf sql;
	mm_buf_init(&sql, 1 << 20);
	assert_int_equal(mm_buf_puts(&sql, "UPDATE e SET entry = x'"), MM_OK);
	for (size_t i = 0; i < ent.len; i++)
		assert_int_equal(mm_buf_printf(&sql, "%02x", ent.p[i]), MM_OK);
	assert_int_equal(mm_buf_puts(&sql, "', hash = x'"), MM_OK);
	for (size_t i = 0; i < sizeof leaf; i++)
		assert_int_equal(mm_buf_printf(&sql, "%02x", leaf[i]), MM_OK);
	assert_int_equal(mm_buf_puts(&sql, "' WHERE seq = 1500"), MM_OK);
	assert_int_equal(mm_buf_append(&sql, "", 1), MM_OK);
	expect_damage((const char *)sql.p, 1499, "stored Merkle node (level 1, index 749) does not match entries 1499..1500");
	mm_buf_release(&sql);
	mm_buf_release(&ent);

	/*
	 * A damaged last row: the database still opens, so verify can name the
	 * damage, but nothing is appended after it.
	 */
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	exec_ok(h, "CREATE TABLE keep AS SELECT * FROM ledger WHERE first = (SELECT max(first) FROM ledger);"
		   " UPDATE ledger SET data = data || x'00' WHERE first = (SELECT max(first) FROM ledger)");
	sqlite3_close(h);
	assert_int_equal(mm_ledger_open(db, key, &l, &err), MM_OK);
	assert_int_equal(mm_ledger_verify(l, NULL, &rep, &err), MM_OK);
	assert_false(rep.ok);
	assert_int_equal(rep.bad_seq, n);
	assert_non_null(strstr(rep.reason, "1 stray bytes follow the last record of its row"));
	mm_entry e = {0};
	mm_entry_set(&e.kind, &e.kind_len, "test.append");
	mm_entry_set(&e.actor, &e.actor_len, "writer");
	uint64_t seq = 0;
	assert_int_not_equal(mm_ledger_append(l, &e, &seq, &err), MM_OK);
	assert_non_null(strstr(err.msg, "is damaged"));
	assert_int_equal(seq, 0);
	assert_int_equal(mm_ledger_close(l, &err), MM_OK);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	exec_ok(h, "DELETE FROM ledger WHERE first = (SELECT max(first) FROM ledger);"
		   " INSERT INTO ledger SELECT * FROM keep; DROP TABLE keep");
	sqlite3_close(h);

	/* and everything put back verifies again */
	assert_int_equal(mm_ledger_open(db, NULL, &l, &err), MM_OK);
	assert_int_equal(mm_ledger_verify(l, NULL, &rep, &err), MM_OK);
	assert_true(rep.ok);
	assert_int_equal(mm_ledger_close(l, &err), MM_OK);
}

/* Pushing a perfect subtree's root at once equals pushing its leaves one by one. */
static void test_merkle_push_subtree(void **state)
{
	(void)state;
	mm_merkle_acc one, sub, part;
	mm_merkle_acc_init(&one);
	mm_merkle_acc_init(&sub);
	for (uint64_t c = 0; c < 7; c++) {
		mm_merkle_acc_init(&part);
		for (uint64_t i = 0; i < 16; i++) {
			uint8_t b[8];
			for (int k = 0; k < 8; k++)
				b[k] = (uint8_t)((c * 16 + i) >> (8 * k));
			mm_hash leaf;
			mm_merkle_leaf(b, sizeof b, leaf);
			mm_merkle_acc_push(&one, leaf, NULL, NULL);
			mm_merkle_acc_push(&part, leaf, NULL, NULL);
		}
		mm_merkle_acc_push_subtree(&sub, 4, part.level[4], NULL, NULL);
		mm_hash r1, r2;
		mm_merkle_acc_root(&one, r1);
		mm_merkle_acc_root(&sub, r2);
		assert_int_equal(sub.size, one.size);
		assert_memory_equal(r1, r2, sizeof r1);
	}
}

static void test_old_format_refused(void **state)
{
	(void)state;
	sqlite3 *h;
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, "UPDATE meta SET value = 'mamori-ledger-1' WHERE key = 'format'", NULL, NULL, NULL),
			 SQLITE_OK);
	mm_ledger *l = NULL;
	mm_err err;
	assert_int_equal(mm_ledger_open(db, NULL, &l, &err), MM_EUNSUPPORTED);
	assert_non_null(strstr(err.msg, "ledger format mamori-ledger-1 is not supported"));
	assert_int_equal(sqlite3_exec(h, "UPDATE meta SET value = '" MM_LEDGER_FORMAT "' WHERE key = 'format'", NULL,
				      NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(h);
	assert_int_equal(mm_ledger_open(db, NULL, &l, &err), MM_OK);
	assert_int_equal(mm_ledger_close(l, &err), MM_OK);
}

/* SQLite's allocator, failing the Nth allocation from arming on (once, or from then on). */
static sqlite3_mem_methods orig_mem;
static long countdown = -1;
static bool persistent, fired;

static bool fault_now(void)
{
	if (countdown < 0)
		return false;
	if (fired)
		return persistent;
	if (--countdown == 0)
		return fired = true;
	return false;
}

static void *f_malloc(int n) { return fault_now() ? NULL : orig_mem.xMalloc(n); }
static void *f_realloc(void *p, int n) { return fault_now() ? NULL : orig_mem.xRealloc(p, n); }

/*
 * A plain append runs without a savepoint (its one INSERT is atomic by
 * itself): fail every allocation of an append in turn, once and from then
 * on, and check it happened exactly when it said so and the ledger verifies.
 */
static void test_append_fault_loop(void **state)
{
	(void)state;
	mm_err err;
	mm_ledger *l;
	assert_int_equal(mm_ledger_open(db, NULL, &l, &err), MM_OK);
	mm_entry e = {0};
	mm_entry_set(&e.kind, &e.kind_len, "test.fault");
	mm_entry_set(&e.actor, &e.actor_len, "writer");
	for (int pers = 0; pers < 2; pers++) {
		bool met = true;
		long refused = 0;
		for (long n = 1; met && n < 2000; n++) {
			uint64_t before = mm_ledger_size(l), seq = 0;
			fired = false;
			persistent = pers;
			countdown = n;
			int rc = mm_ledger_append(l, &e, &seq, &err);
			met = fired;
			countdown = -1;
			uint64_t after = mm_ledger_size(l);
			if (rc == MM_OK) {
				assert_int_equal(seq, before + 1);
				assert_int_equal(after, before + 1);
			} else {
				assert_int_equal(after, before);
				refused++;
			}
			/* the next append works and lands right after what is really stored */
			assert_int_equal(mm_ledger_append(l, &e, &seq, &err), MM_OK);
			assert_int_equal(seq, after + 1);
		}
		assert_false(met); /* the loop ran until an append met no fault */
		assert_true(refused > 0); /* and the faults did reach the append */
	}
	mm_verify_report rep;
	assert_int_equal(mm_ledger_verify(l, NULL, &rep, &err), MM_OK);
	if (!rep.ok)
		print_error("%s\n", rep.reason);
	assert_true(rep.ok);
	assert_int_equal(rep.entries, mm_ledger_size(l));
	assert_int_equal(mm_ledger_close(l, &err), MM_OK);
}

static void test_wrong_key_refused(void **state)
{
	(void)state;
	char other[4300];
	snprintf(other, sizeof other, "%s/other.key", dir);
	mm_note_signer s;
	mm_err err;
	mm_buf b;
	mm_buf_init(&b, 4096);
	assert_int_equal(mm_note_signer_generate("test.example/ledger", &s, &err), MM_OK);
	assert_int_equal(mm_note_signer_format(&s, &b), MM_OK);
	assert_int_equal(mm_file_write_atomic(other, b.p, b.len, 0600, true, &err), MM_OK);
	mm_ledger *l;
	assert_int_equal(mm_ledger_open(db, other, &l, &err), MM_ECRYPTO);
	assert_non_null(strstr(err.msg, "does not belong to this database"));
	unlink(other);
	mm_buf_wipe(&b);
	mm_note_signer_wipe(&s);
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	sqlite3_mem_methods m;
	sqlite3_config(SQLITE_CONFIG_GETMALLOC, &orig_mem);
	m = orig_mem;
	m.xMalloc = f_malloc;
	m.xRealloc = f_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_roundtrip_and_refusals),
		cmocka_unit_test(test_group_commit_and_verify),
		cmocka_unit_test(test_verify_chunks_and_stored_nodes),
		cmocka_unit_test(test_merkle_push_subtree),
		cmocka_unit_test(test_old_format_refused),
		cmocka_unit_test(test_append_fault_loop),
		cmocka_unit_test(test_wrong_key_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
