/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The vault: approved content of protected files, stored once per SHA-256
 * (content addressed, so identical files share one object), compressed with
 * zlib, in root-only directories; and the quarantine, where detected files
 * are kept compressed with mode 0 beside a JSON note of where they were.
 * Every object carries its size and hash, so a damaged one is detected on
 * read and never restored.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <zlib.h>

#include "fim/fim_int.h"
#include "base/banned.h"

static const uint8_t OBJ_MAGIC[8] = {'M', 'M', 'V', 'A', 'U', 'L', 'T', '1'};
#define OBJ_HDR (8 + 8 + MM_SHA256_LEN)
#define ZCHUNK (256u << 10)

struct mm_fim_vault_w {
	mm_fim_state *st;
	int fd;
	char tmp[96];
	z_stream z;
	uint64_t size;
	uint8_t out[ZCHUNK];
	bool zinit;
};

static void obj_rel(const uint8_t h[MM_SHA256_LEN], char *out, size_t outlen)
{
	char hex[2 * MM_SHA256_LEN + 1];
	fim_hex(h, hex);
	snprintf(out, outlen, "vault/objects/%.2s/%s", hex, hex);
}

void mm_fim_vault_object_path(const mm_fim_state *st, const uint8_t h[MM_SHA256_LEN], char *out, size_t outlen)
{
	char rel[128];
	obj_rel(h, rel, sizeof rel);
	if (!fim_state_path(st, rel, out, outlen) && outlen)
		out[0] = 0;
}

bool mm_fim_vault_has(const mm_fim_state *st, const uint8_t h[MM_SHA256_LEN])
{
	char rel[128];
	obj_rel(h, rel, sizeof rel);
	struct stat sb;
	return fstatat(st->dirfd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode);
}

static bool write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	while (n) {
		ssize_t w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		q += w;
		n -= (size_t)w;
	}
	return true;
}

/* A fresh temp file under vault/tmp (or another state subdir) with mode. */
static int open_tmp(mm_fim_state *st, const char *dir, unsigned mode, char *rel, size_t rellen)
{
	for (int i = 0; i < 16; i++) {
		uint8_t r[12];
		char hex[25];
		mm_random(r, sizeof r);
		mm_hex_encode(r, sizeof r, hex);
		snprintf(rel, rellen, "%s/%s", dir, hex);
		int fd = openat(st->dirfd, rel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

int mm_fim_vault_begin(mm_fim_state *st, mm_fim_vault_w **out, mm_err *err)
{
	*out = NULL;
	mm_fim_vault_w *w = calloc(1, sizeof *w);
	if (!w)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	w->st = st;
	w->fd = open_tmp(st, "vault/tmp", 0400, w->tmp, sizeof w->tmp);
	if (w->fd < 0) {
		int e = errno;
		free(w);
		return mm_err_set(err, MM_EIO, "%s/vault/tmp: %s", st->dir, strerror(e));
	}
	uint8_t hdr[OBJ_HDR] = {0};
	if (!write_all(w->fd, hdr, sizeof hdr) || deflateInit(&w->z, 1) != Z_OK) {
		mm_fim_vault_abort(w);
		return mm_err_set(err, MM_EIO, "%s/vault/tmp: cannot start an object", st->dir);
	}
	w->zinit = true;
	*out = w;
	return MM_OK;
}

static int pump(mm_fim_vault_w *w, const void *p, size_t n, int flush)
{
	w->z.next_in = (Bytef *)(uintptr_t)p;
	w->z.avail_in = (uInt)n;
	int zr;
	do {
		w->z.next_out = w->out;
		w->z.avail_out = ZCHUNK;
		zr = deflate(&w->z, flush);
		if (zr == Z_STREAM_ERROR)
			return MM_EIO;
		if (!write_all(w->fd, w->out, ZCHUNK - w->z.avail_out))
			return MM_EIO;
	} while (w->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return MM_OK;
}

int mm_fim_vault_write(mm_fim_vault_w *w, const void *p, size_t n, mm_err *err)
{
	const uint8_t *q = p;
	while (n) {
		size_t k = n > (1u << 30) ? (1u << 30) : n;
		if (pump(w, q, k, Z_NO_FLUSH))
			return mm_err_set(err, MM_EIO, "vault write: %s", strerror(errno));
		w->size += k;
		q += k;
		n -= k;
	}
	return MM_OK;
}

int mm_fim_vault_commit(mm_fim_vault_w *w, const uint8_t h[MM_SHA256_LEN], mm_err *err)
{
	int rc = MM_OK;
	uint8_t hdr[OBJ_HDR];
	memcpy(hdr, OBJ_MAGIC, 8);
	for (int i = 0; i < 8; i++)
		hdr[8 + i] = (uint8_t)(w->size >> (56 - 8 * i));
	memcpy(hdr + 16, h, MM_SHA256_LEN);
	char rel[128], dir[64];
	obj_rel(h, rel, sizeof rel);
	snprintf(dir, sizeof dir, "%.*s", (int)(strlen("vault/objects/") + 2), rel);
	if (pump(w, NULL, 0, Z_FINISH) || pwrite(w->fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
		rc = mm_err_set(err, MM_EIO, "vault: %s", strerror(errno));
		goto out;
	}
	if (mm_fim_vault_has(w->st, h))
		goto out; /* deduplicated: the same content is already kept */
	if (mkdirat(w->st->dirfd, dir, 0700) != 0 && errno != EEXIST) {
		rc = mm_err_set(err, MM_EIO, "%s/%s: %s", w->st->dir, dir, strerror(errno));
		goto out;
	}
	if (renameat(w->st->dirfd, w->tmp, w->st->dirfd, rel) != 0) {
		rc = mm_err_set(err, MM_EIO, "%s/%s: %s", w->st->dir, rel, strerror(errno));
		goto out;
	}
	w->tmp[0] = 0;
out:
	mm_fim_vault_abort(w);
	return rc;
}

void mm_fim_vault_abort(mm_fim_vault_w *w)
{
	if (!w)
		return;
	if (w->zinit)
		deflateEnd(&w->z);
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp[0])
		unlinkat(w->st->dirfd, w->tmp, 0);
	free(w);
}

int mm_fim_vault_sync(mm_fim_state *st, mm_err *err)
{
	if (syncfs(st->dirfd) != 0)
		return mm_err_set(err, MM_EIO, "%s: syncfs: %s", st->dir, strerror(errno));
	return MM_OK;
}

/*
 * Inflate an object from memory (p, len) or from fd into a buffer or fd,
 * hashing the output; verify size and hash against the header (and want).
 */
static int object_read(const uint8_t *p, size_t len, int in_fd, mm_buf *ob, int out_fd,
		       const uint8_t *want, mm_err *err)
{
	uint8_t hdr[OBJ_HDR];
	if (p) {
		if (len < OBJ_HDR)
			return mm_err_set(err, MM_ECORRUPT, "vault object truncated");
		memcpy(hdr, p, OBJ_HDR);
	} else if (read(in_fd, hdr, OBJ_HDR) != OBJ_HDR) {
		return mm_err_set(err, MM_ECORRUPT, "vault object truncated");
	}
	if (memcmp(hdr, OBJ_MAGIC, 8) != 0)
		return mm_err_set(err, MM_ECORRUPT, "not a vault object");
	uint64_t size = 0;
	for (int i = 0; i < 8; i++)
		size = size << 8 | hdr[8 + i];
	if (size > MM_FIM_VAULT_OBJECT_MAX)
		return mm_err_set(err, MM_ECORRUPT, "vault object claims %llu bytes", (unsigned long long)size);
	if (want && memcmp(want, hdr + 16, MM_SHA256_LEN) != 0)
		return mm_err_set(err, MM_ECORRUPT, "vault object holds another hash than its name");
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return mm_err_set(err, MM_ENOMEM, "zlib: out of memory");
	mm_sha256_ctx *h = mm_sha256_new();
	uint8_t *in = malloc(ZCHUNK), *out = malloc(ZCHUNK);
	int rc = MM_OK;
	uint64_t total = 0;
	if (!h || !in || !out) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	const uint8_t *src = p ? p + OBJ_HDR : NULL;
	size_t left = p ? len - OBJ_HDR : 0;
	int zr = Z_OK;
	while (zr != Z_STREAM_END) {
		if (z.avail_in == 0) {
			if (p) {
				size_t k = left > ZCHUNK ? ZCHUNK : left;
				if (k == 0)
					break;
				z.next_in = (Bytef *)(uintptr_t)src;
				z.avail_in = (uInt)k;
				src += k;
				left -= k;
			} else {
				ssize_t n = read(in_fd, in, ZCHUNK);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0)
					break;
				z.next_in = in;
				z.avail_in = (uInt)n;
			}
		}
		z.next_out = out;
		z.avail_out = ZCHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			rc = mm_err_set(err, MM_ECORRUPT, "vault object: compressed data is damaged");
			goto out;
		}
		size_t got = ZCHUNK - z.avail_out;
		total += got;
		if (total > size) {
			rc = mm_err_set(err, MM_ECORRUPT, "vault object: longer than its header says");
			goto out;
		}
		mm_sha256_update(h, out, got);
		if (ob && (rc = mm_buf_append(ob, out, got))) {
			mm_err_set(err, rc, "vault object: %s", mm_strerror(rc));
			goto out;
		}
		if (out_fd >= 0 && !write_all(out_fd, out, got)) {
			rc = mm_err_set(err, MM_EIO, "write: %s", strerror(errno));
			goto out;
		}
	}
	if (zr != Z_STREAM_END || total != size || z.avail_in != 0 || left != 0) {
		rc = mm_err_set(err, MM_ECORRUPT, "vault object: truncated or with trailing data");
		goto out;
	}
	uint8_t got[MM_SHA256_LEN];
	mm_sha256_final(h, got);
	if (!mm_ct_equal(got, hdr + 16, MM_SHA256_LEN))
		rc = mm_err_set(err, MM_ECORRUPT, "vault object: content does not match its hash");
out:
	inflateEnd(&z);
	mm_sha256_free(h);
	free(in);
	free(out);
	return rc;
}

int mm_fim_vault_decode(const uint8_t *p, size_t len, mm_buf *b, mm_err *err)
{
	return object_read(p, len, -1, b, -1, NULL, err);
}

static int open_object(mm_fim_state *st, const uint8_t h[MM_SHA256_LEN], mm_err *err)
{
	char rel[128];
	obj_rel(h, rel, sizeof rel);
	int fd = openat(st->dirfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "%s/%s: %s", st->dir, rel,
			   errno == ENOENT ? "not in the vault" : strerror(errno));
	return fd;
}

int mm_fim_vault_get(mm_fim_state *st, const uint8_t h[MM_SHA256_LEN], mm_buf *b, mm_err *err)
{
	int fd = open_object(st, h, err);
	if (fd < 0)
		return err ? err->code : MM_EIO;
	int rc = object_read(NULL, 0, fd, b, -1, h, err);
	close(fd);
	return rc;
}

int fim_vault_copy(mm_fim_state *st, const uint8_t h[MM_SHA256_LEN], int out_fd, mm_err *err)
{
	int fd = open_object(st, h, err);
	if (fd < 0)
		return err ? err->code : MM_EIO;
	int rc = object_read(NULL, 0, fd, NULL, out_fd, h, err);
	close(fd);
	return rc;
}

int mm_fim_quarantine(mm_fim_state *st, const char *path, const char *reason, char *id_out, size_t idlen,
		      mm_err *err)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "quarantine %s: %s", path, strerror(errno));
	int rc = MM_OK;
	mm_fim_vault_w *w = NULL;
	mm_sha256_ctx *h = mm_sha256_new();
	uint8_t *buf = malloc(ZCHUNK);
	char *meta = NULL;
	json_t *j = NULL;
	struct stat sb = {0}, now;
	uint8_t sha[MM_SHA256_LEN];
	if (!h || !buf) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = mm_err_set(err, MM_EINVAL, "quarantine %s: not a regular file", path);
		goto out;
	}
	/* remove every permission at once: nobody runs it while it is copied */
	fchmod(fd, 0);
	if ((rc = mm_fim_vault_begin(st, &w, err)))
		goto out;
	for (;;) {
		ssize_t n = read(fd, buf, ZCHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = mm_err_set(err, MM_EIO, "quarantine %s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		mm_sha256_update(h, buf, (size_t)n);
		if ((rc = mm_fim_vault_write(w, buf, (size_t)n, err)))
			goto out;
	}
	mm_sha256_final(h, sha);
	uint8_t rnd[8];
	char rhex[17], shex[65], when[48];
	mm_random(rnd, sizeof rnd);
	mm_hex_encode(rnd, sizeof rnd, rhex);
	fim_hex(sha, shex);
	int64_t t = mm_now_ns();
	snprintf(id_out, idlen, "Q%lld-%s", (long long)(t / 1000000000), rhex);
	mm_time_format(t, 0, when, sizeof when);
	/* the object: the vault writer's temp file, moved under quarantine/ with mode 0 */
	char qrel[160], mrel[160];
	snprintf(qrel, sizeof qrel, "vault/quarantine/%s.z", id_out);
	snprintf(mrel, sizeof mrel, "vault/quarantine/%s.json", id_out);
	{
		uint8_t hdr[OBJ_HDR];
		memcpy(hdr, OBJ_MAGIC, 8);
		for (int i = 0; i < 8; i++)
			hdr[8 + i] = (uint8_t)(w->size >> (56 - 8 * i));
		memcpy(hdr + 16, sha, MM_SHA256_LEN);
		if (pump(w, NULL, 0, Z_FINISH) || pwrite(w->fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
		    fchmod(w->fd, 0) != 0 || fsync(w->fd) != 0 ||
		    renameat(st->dirfd, w->tmp, st->dirfd, qrel) != 0) {
			rc = mm_err_set(err, MM_EIO, "quarantine %s: %s", path, strerror(errno));
			goto out;
		}
		w->tmp[0] = 0;
	}
	char *esc = malloc(4 * strlen(path) + 1);
	if (!esc) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	mm_fim_path_escape(path, strlen(path), esc, 4 * strlen(path) + 1);
	j = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "id", id_out, "path", esc,
		      "reason", reason, "sha256", shex, "size", (json_int_t)sb.st_size,
		      "uid", (json_int_t)sb.st_uid, "gid", (json_int_t)sb.st_gid, "inode", (json_int_t)sb.st_ino,
		      "mtime_ns", (json_int_t)((int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec),
		      "quarantined", when);
	if (j) {
		char mode[8];
		snprintf(mode, sizeof mode, "%04o", (unsigned)(sb.st_mode & 07777));
		json_object_set_new(j, "mode", json_string(mode));
		meta = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	}
	free(esc);
	if (!meta) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	{
		int mfd = openat(st->dirfd, mrel, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
		if (mfd < 0 || !write_all(mfd, meta, strlen(meta)) || fsync(mfd) != 0) {
			rc = mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, mrel, strerror(errno));
			if (mfd >= 0)
				close(mfd);
			goto out;
		}
		close(mfd);
	}
	fsync(st->dirfd);
	/* unlink only the file we copied, not one swapped in meanwhile */
	if (lstat(path, &now) != 0 || now.st_ino != sb.st_ino || now.st_dev != sb.st_dev || unlink(path) != 0) {
		rc = mm_err_set(err, MM_EIO, "quarantine %s: copied as %s but could not remove the original", path,
				id_out);
		goto out;
	}
out:
	/* on failure the file stays where it was, with mode 0: never runnable again */
	mm_fim_vault_abort(w);
	free(meta);
	json_decref(j);
	free(buf);
	mm_sha256_free(h);
	close(fd);
	return rc;
}
