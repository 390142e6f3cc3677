/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ledger bundles: one file an auditor verifies offline (docs/ledger.md).
 *   "MMLEDGER" | u8 version=1 | u16 key_len, verifier key line |
 *   u64 entry_count | entry_count × (u32 len, entry) |
 *   u32 checkpoint_count | checkpoint_count × (u32 len, signed note)
 * Integers big-endian; nothing may follow the last checkpoint.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "ledger/rows.h"
#include "ledger/verify_int.h"
#include "base/banned.h"

static const char magic[8] = {'M', 'M', 'L', 'E', 'D', 'G', 'E', 'R'};
#define BUNDLE_VERSION 1

static int put(FILE *f, const void *p, size_t n)
{
	return fwrite(p, 1, n, f) == n ? MM_OK : MM_EIO;
}

static int put_be(FILE *f, uint64_t v, unsigned bytes)
{
	uint8_t b[8];
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return put(f, b, bytes);
}

int mm_ledger_export(mm_ledger *l, const char *path, mm_err *err)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
		return mm_err_set(err, MM_ELIMIT, "%s: path too long", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
	FILE *f = fdopen(fd, "wb");
	sqlite3 *db = mm_ledger_db(l);
	sqlite3_stmt *st = NULL;
	mm_buf key;
	mm_buf_init(&key, MM_KEY_FILE_MAX);
	int rc = MM_OK;
	if (!f) {
		close(fd);
		rc = mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((rc = mm_note_verifier_format(mm_ledger_verifier(l), &key)))
		goto out_io;
	key.len--; /* without the newline */
	/* a read transaction gives one consistent snapshot of entries and checkpoints */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "export: %s", sqlite3_errmsg(db));
		goto out;
	}
	uint64_t count = 0;
	if (sqlite3_prepare_v2(db, "SELECT last FROM ledger ORDER BY first DESC LIMIT 1", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		count = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = put(f, magic, sizeof magic)) || (rc = put_be(f, BUNDLE_VERSION, 1)) ||
	    (rc = put_be(f, key.len, 2)) || (rc = put(f, key.p, key.len)) || (rc = put_be(f, count, 8)))
		goto out_io;
	if (sqlite3_prepare_v2(db, "SELECT first, data FROM ledger ORDER BY first", -1, &st, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "export: %s", sqlite3_errmsg(db));
		goto out_tx;
	}
	/* the entries as stored, in order; `ledger verify` (here or on the bundle) judges them */
	uint64_t written = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const uint8_t *p = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1), off = 0;
		row_rec r;
		bool damaged = false;
		while (written < count && row_next(p, n, &off, &r, &damaged)) {
			if ((rc = put_be(f, r.len, 4)) || (rc = put(f, r.entry, r.len)))
				goto out_io;
			written++;
		}
		if (damaged || (written < count && off != n)) {
			rc = mm_err_set(err, MM_ECORRUPT,
					"export: the row of entries from %lld is damaged (run `mamori ledger verify`)",
					(long long)sqlite3_column_int64(st, 0));
			goto out_tx;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	if (written != count) {
		rc = mm_err_set(err, MM_ECORRUPT,
				"export: %llu entries stored where the last row ends at %llu (run `mamori ledger verify`)",
				(unsigned long long)written, (unsigned long long)count);
		goto out_tx;
	}
	uint32_t ncp = 0;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM checkpoint", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		ncp = (uint32_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = put_be(f, ncp, 4)))
		goto out_io;
	if (sqlite3_prepare_v2(db, "SELECT note FROM checkpoint ORDER BY size", -1, &st, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "export: %s", sqlite3_errmsg(db));
		goto out_tx;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);
		if ((rc = put_be(f, n, 4)) || (rc = put(f, sqlite3_column_text(st, 0), n)))
			goto out_io;
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = MM_EIO;
		goto out_io;
	}
	goto out_tx;
out_io:
	if (rc == MM_EIO)
		mm_err_set(err, MM_EIO, "%s: write failed: %s", path, strerror(errno));
	else if (err && err->code != rc)
		mm_err_set(err, rc, "export: %s", mm_strerror(rc));
out_tx:
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
out:
	sqlite3_finalize(st);
	mm_buf_release(&key);
	if (f && fclose(f) != 0 && !rc)
		rc = mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
	if (!rc && rename(tmp, path) != 0)
		rc = mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	return rc;
}

int mm_ledger_verify_bundle_mem(const uint8_t *p, size_t n, const mm_verify_opts *o,
				mm_verify_report *rep, mm_err *err)
{
	memset(rep, 0, sizeof *rep);
	mm_rd r;
	mm_rd_init(&r, p, n);
	const uint8_t *m, *keyp;
	uint8_t ver;
	uint16_t klen;
	uint64_t count;
	if (!mm_rd_bytes(&r, sizeof magic, &m) || memcmp(m, magic, sizeof magic) != 0)
		return mm_err_set(err, MM_EINVAL, "bundle: not a mamori ledger bundle (bad magic)");
	if (!mm_rd_u8(&r, &ver) || ver != BUNDLE_VERSION)
		return mm_err_set(err, MM_EUNSUPPORTED, "bundle: unsupported version");
	if (!mm_rd_u16(&r, &klen) || !mm_rd_bytes(&r, klen, &keyp))
		return mm_err_set(err, MM_EINVAL, "bundle: truncated key");
	mm_note_verifier bundled;
	int rc = mm_note_verifier_parse((const char *)keyp, klen, &bundled, err);
	if (rc)
		return mm_err_prefix(err, "bundle");
	if (!mm_rd_u64(&r, &count) || count > MM_BUNDLE_ENTRIES_MAX)
		return mm_err_set(err, MM_EINVAL, "bundle: bad entry count");
	size_t entries_off = r.off;
	/* first pass: find the checkpoints after the entries */
	for (uint64_t i = 0; i < count; i++) {
		uint32_t len;
		const uint8_t *e;
		if (!mm_rd_u32(&r, &len) || len > MM_ENTRY_MAX || !mm_rd_bytes(&r, len, &e))
			return mm_err_set(err, MM_EINVAL, "bundle: entry %llu is truncated or oversized",
					  (unsigned long long)i + 1);
	}
	uint32_t ncp;
	if (!mm_rd_u32(&r, &ncp) || ncp > MM_BUNDLE_CHECKPOINTS_MAX)
		return mm_err_set(err, MM_EINVAL, "bundle: bad checkpoint count");
	const mm_note_verifier *key = o && o->key ? o->key : &bundled;
	if (o && o->key && (memcmp(o->key->pk, bundled.pk, sizeof bundled.pk) != 0))
		return mm_err_set(err, MM_ECRYPTO, "bundle: made with key %s+%08x, not the given key %s+%08x",
				  bundled.name, bundled.keyid, o->key->name, o->key->keyid);
	vstate vs;
	if ((rc = vs_init(&vs, o, key, rep, err)))
		goto out;
	for (uint32_t i = 0; i < ncp; i++) {
		uint32_t len;
		const uint8_t *note;
		if (!mm_rd_u32(&r, &len) || len > MM_NOTE_MAX || !mm_rd_bytes(&r, len, &note)) {
			rc = mm_err_set(err, MM_EINVAL, "bundle: checkpoint %u is truncated or oversized", i + 1);
			goto out;
		}
		if ((rc = vs_add_checkpoint(&vs, (const char *)note, len, err)))
			goto out;
	}
	if (mm_rd_left(&r) != 0) {
		rc = mm_err_set(err, MM_EINVAL, "bundle: %zu unexpected bytes at the end", mm_rd_left(&r));
		goto out;
	}
	vs_begin(&vs);
	r.off = entries_off;
	for (uint64_t i = 0; i < count; i++) {
		uint32_t len;
		const uint8_t *e;
		(void)(mm_rd_u32(&r, &len) && mm_rd_bytes(&r, len, &e)); /* checked in the first pass */
		if (!vs_feed(&vs, i + 1, e, len))
			break;
	}
	vs_end(&vs);
out:
	vs_release(&vs);
	return rc;
}

int mm_ledger_verify_bundle(const char *path, const mm_verify_opts *o, mm_verify_report *rep, mm_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return mm_err_set(err, MM_ENOTFOUND, "%s: %s", path, strerror(errno));
	struct stat st;
	int rc = MM_OK;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = mm_err_set(err, MM_EINVAL, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		rc = mm_err_set(err, MM_EINVAL, "%s: empty file", path);
		goto out;
	}
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED) {
		rc = mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	rc = mm_ledger_verify_bundle_mem(m, (size_t)st.st_size, o, rep, err);
	if (rc)
		mm_err_prefix(err, "%s", path);
	munmap(m, (size_t)st.st_size);
out:
	close(fd);
	return rc;
}
