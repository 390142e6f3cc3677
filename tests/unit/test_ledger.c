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

#include "ledger/mm_ledger.h"

static char dir[4096], db[4200], key[4200];

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("MM_TEST_TMP");
	mkdir(tmp ? tmp : "/tmp", 0755); /* shared with tests that drop privileges */
	snprintf(dir, sizeof dir, "%s/ledgerXXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
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
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "%s/l.db-wal", dir);
	unlink(cmd);
	snprintf(cmd, sizeof cmd, "%s/l.db-shm", dir);
	unlink(cmd);
	unlink(db);
	unlink(key);
	rmdir(dir);
	return 0;
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
static uint64_t seqs[WRITERS][PER_WRITER];

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
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entry_roundtrip_and_refusals),
		cmocka_unit_test(test_group_commit_and_verify),
		cmocka_unit_test(test_wrong_key_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
