/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The baseline on disk and in memory: record sets with a string arena, the
 * versioned and checksummed baseline file, the resume journal of an
 * interrupted baseline, and the state directory that holds them. Byte
 * layouts are in docs/fim.md; every decoder treats its input as hostile.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "fim/fim_int.h"
#include "base/banned.h"

static const uint8_t BL_MAGIC[8] = {'M', 'M', 'F', 'I', 'M', 'B', 'L', '\n'};
static const uint8_t BL_END[8] = {'M', 'M', 'F', 'I', 'M', 'E', 'N', 'D'};
static const uint8_t JR_MAGIC[8] = {'M', 'M', 'F', 'I', 'M', 'J', 'R', '\n'};
#define BL_VERSION 1
#define REC_FIXED (1 + 1 + 4 * 3 + 8 * 4)

/* ---- sets ---- */

void mm_fim_set_init(mm_fim_set *s)
{
	memset(s, 0, sizeof *s);
	mm_buf_init(&s->arena, MM_FIM_ARENA_MAX);
}

void mm_fim_set_release(mm_fim_set *s)
{
	free(s->recs);
	mm_buf_release(&s->arena);
	memset(s, 0, sizeof *s);
	mm_buf_init(&s->arena, MM_FIM_ARENA_MAX);
}

int fim_arena_put(mm_fim_set *s, const void *p, size_t n, uint32_t *off)
{
	if (s->arena.len == 0) {
		/* offset 0 is the empty string */
		int rc = mm_buf_put_u8(&s->arena, 0);
		if (rc)
			return rc;
	}
	if (n == 0) {
		*off = 0;
		return MM_OK;
	}
	if (s->arena.len + n + 1 > UINT32_MAX)
		return MM_ELIMIT;
	*off = (uint32_t)s->arena.len;
	int rc = mm_buf_append(&s->arena, p, n);
	return rc ? rc : mm_buf_put_u8(&s->arena, 0);
}

static int set_grow(mm_fim_set *s)
{
	if (s->n < s->cap)
		return MM_OK;
	if (s->n >= MM_FIM_FILES_MAX)
		return MM_ELIMIT;
	size_t cap = s->cap ? s->cap * 2 : 1024;
	mm_fim_rec *r = realloc(s->recs, cap * sizeof *r);
	if (!r)
		return MM_ENOMEM;
	s->recs = r;
	s->cap = cap;
	return MM_OK;
}

int mm_fim_set_add(mm_fim_set *s, const mm_fim_rec *r, const mm_fim_set *src)
{
	int rc = set_grow(s);
	if (rc)
		return rc;
	mm_fim_rec c = *r;
	size_t need = (size_t)r->path_len + r->link_len + r->xattr_len + 4;
	/* reserve first: src may be s itself, whose arena must not move mid-copy */
	rc = mm_buf_reserve(&s->arena, need);
	if (rc)
		return rc;
	const uint8_t *base = src->arena.p;
	if ((rc = fim_arena_put(s, base + r->path_off, r->path_len, &c.path_off)) ||
	    (rc = fim_arena_put(s, base + r->link_off, r->link_len, &c.link_off)) ||
	    (rc = fim_arena_put(s, base + r->xattr_off, r->xattr_len, &c.xattr_off)))
		return rc;
	s->recs[s->n++] = c;
	s->sorted = false;
	return MM_OK;
}

int fim_set_push(mm_fim_set *s, const mm_fim_rec *r)
{
	int rc = set_grow(s);
	if (rc)
		return rc;
	s->recs[s->n++] = *r;
	s->sorted = false;
	return MM_OK;
}

static int rec_cmp(const void *a, const void *b, void *arg)
{
	const mm_fim_set *s = arg;
	const mm_fim_rec *x = a, *y = b;
	size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
	int c = memcmp(s->arena.p + x->path_off, s->arena.p + y->path_off, n);
	if (c)
		return c;
	if (x->path_len != y->path_len)
		return x->path_len < y->path_len ? -1 : 1;
	/* the arena only grows: a later record has a larger offset */
	return x->path_off < y->path_off ? -1 : x->path_off > y->path_off;
}

static bool same_path(const mm_fim_set *s, const mm_fim_rec *a, const mm_fim_rec *b)
{
	return a->path_len == b->path_len &&
	       memcmp(s->arena.p + a->path_off, s->arena.p + b->path_off, a->path_len) == 0;
}

void mm_fim_set_sort(mm_fim_set *s)
{
	if (s->n > 1)
		qsort_r(s->recs, s->n, sizeof *s->recs, rec_cmp, s);
	size_t w = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (i + 1 < s->n && same_path(s, &s->recs[i], &s->recs[i + 1]))
			continue; /* keep the last of equal paths */
		s->recs[w++] = s->recs[i];
	}
	s->n = w;
	s->sorted = true;
}

mm_fim_rec *mm_fim_set_find(const mm_fim_set *s, const char *path, size_t len)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const mm_fim_rec *r = &s->recs[mid];
		size_t n = r->path_len < len ? r->path_len : len;
		int c = memcmp(s->arena.p + r->path_off, path, n);
		if (c == 0 && r->path_len != len)
			c = r->path_len < len ? -1 : 1;
		if (c == 0)
			return &s->recs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- record encoding ---- */

int mm_fim_rec_encode(const mm_fim_set *s, const mm_fim_rec *r, mm_buf *out)
{
	const uint8_t *a = s->arena.p;
	int rc;
	if ((rc = mm_buf_put_u8(out, r->type)) || (rc = mm_buf_put_u8(out, r->flags & MM_FIM_FLAGS_DISK)) ||
	    (rc = mm_buf_put_u32(out, r->mode)) || (rc = mm_buf_put_u32(out, r->uid)) ||
	    (rc = mm_buf_put_u32(out, r->gid)) || (rc = mm_buf_put_u64(out, r->size)) ||
	    (rc = mm_buf_put_u64(out, r->ino)) || (rc = mm_buf_put_u64(out, (uint64_t)r->mtime_ns)) ||
	    (rc = mm_buf_put_u64(out, (uint64_t)r->ctime_ns)) || (rc = mm_buf_put_u32(out, r->path_len)) ||
	    (rc = mm_buf_append(out, a + r->path_off, r->path_len)) ||
	    (rc = mm_buf_put_u32(out, r->link_len)) || (rc = mm_buf_append(out, a + r->link_off, r->link_len)) ||
	    (rc = mm_buf_put_u32(out, r->xattr_len)) ||
	    (rc = mm_buf_append(out, a + r->xattr_off, r->xattr_len)))
		return rc;
	if (r->flags & MM_FIM_HASHED)
		rc = mm_buf_append(out, r->sha256, MM_SHA256_LEN);
	return rc;
}

static bool count_xattr(void *ctx, const char *name, size_t nlen, const uint8_t *v, size_t vlen)
{
	(void)name, (void)nlen, (void)v, (void)vlen;
	(*(size_t *)ctx)++;
	return true;
}

/* Decode one record body of exactly len bytes into s; false if malformed. */
static bool rec_decode(const uint8_t *p, size_t len, mm_fim_set *s, int *rc)
{
	mm_rd r;
	mm_rd_init(&r, p, len);
	mm_fim_rec x;
	memset(&x, 0, sizeof x);
	uint64_t mt, ct;
	uint32_t pl, ll, xl;
	const uint8_t *path, *link, *xa, *h;
	if (!mm_rd_u8(&r, &x.type) || !mm_rd_u8(&r, &x.flags) || !mm_rd_u32(&r, &x.mode) ||
	    !mm_rd_u32(&r, &x.uid) || !mm_rd_u32(&r, &x.gid) || !mm_rd_u64(&r, &x.size) ||
	    !mm_rd_u64(&r, &x.ino) || !mm_rd_u64(&r, &mt) || !mm_rd_u64(&r, &ct) || !mm_rd_u32(&r, &pl) ||
	    pl == 0 || pl > MM_FIM_PATH_MAX || !mm_rd_bytes(&r, pl, &path) || !mm_rd_u32(&r, &ll) ||
	    ll > MM_FIM_PATH_MAX || !mm_rd_bytes(&r, ll, &link) || !mm_rd_u32(&r, &xl) ||
	    xl > MM_FIM_XATTR_MAX || !mm_rd_bytes(&r, xl, &xa))
		return false;
	if (x.type < MM_FIM_REG || x.type > MM_FIM_SOCK || (x.flags & ~MM_FIM_FLAGS_DISK))
		return false;
	/* a hash only for regular files; the vault only holds hashed content */
	if ((x.flags & MM_FIM_HASHED) && x.type != MM_FIM_REG)
		return false;
	if ((x.flags & MM_FIM_VAULTED) && !(x.flags & MM_FIM_HASHED))
		return false;
	if (path[0] != '/' || memchr(path, 0, pl) || (ll && memchr(link, 0, ll)) ||
	    (ll && x.type != MM_FIM_LNK))
		return false;
	size_t nx = 0;
	if (xl && !fim_xattrs_each(xa, xl, count_xattr, &nx))
		return false;
	if (x.flags & MM_FIM_HASHED) {
		if (!mm_rd_bytes(&r, MM_SHA256_LEN, &h))
			return false;
		memcpy(x.sha256, h, MM_SHA256_LEN);
	}
	if (mm_rd_left(&r) != 0)
		return false;
	x.mtime_ns = (int64_t)mt;
	x.ctime_ns = (int64_t)ct;
	x.path_len = pl;
	x.link_len = ll;
	x.xattr_len = xl;
	if ((*rc = set_grow(s)) || (*rc = mm_buf_reserve(&s->arena, (size_t)pl + ll + xl + 4)) ||
	    (*rc = fim_arena_put(s, path, pl, &x.path_off)) || (*rc = fim_arena_put(s, link, ll, &x.link_off)) ||
	    (*rc = fim_arena_put(s, xa, xl, &x.xattr_off)))
		return false;
	s->recs[s->n++] = x;
	return true;
}

/* ---- baseline file ---- */

/* A byte sink that hashes what it writes: to a buffer or to a file descriptor. */
typedef struct sink {
	mm_buf *buf;
	int fd;
	mm_sha256_ctx *h;
	mm_buf pend;
	int rc;
} sink;

static void sink_drain(sink *k)
{
	const uint8_t *q = k->pend.p;
	size_t left = k->pend.len;
	while (left && !k->rc) {
		ssize_t w = write(k->fd, q, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			k->rc = MM_EIO;
			break;
		}
		q += w;
		left -= (size_t)w;
	}
	mm_buf_reset(&k->pend);
}

static void sink_put(sink *k, const void *p, size_t n)
{
	if (k->rc)
		return;
	if (k->h)
		mm_sha256_update(k->h, p, n);
	if (k->buf) {
		k->rc = mm_buf_append(k->buf, p, n);
		return;
	}
	if (!(k->rc = mm_buf_append(&k->pend, p, n)) && k->pend.len >= (256u << 10))
		sink_drain(k);
}

static void sink_flush(sink *k)
{
	if (!k->buf && !k->rc && k->pend.len)
		sink_drain(k);
}

static int baseline_emit(const mm_fim_set *s, sink *k)
{
	uint8_t hdr[8 + 2 + 2 + 8 + MM_SHA256_LEN + 8];
	mm_buf rb;
	mm_buf_init(&rb, MM_FIM_JOURNAL_CHUNK_MAX);
	memcpy(hdr, BL_MAGIC, 8);
	hdr[8] = 0, hdr[9] = BL_VERSION, hdr[10] = 0, hdr[11] = 0;
	for (int i = 0; i < 8; i++) {
		hdr[12 + i] = (uint8_t)((uint64_t)s->created_ns >> (56 - 8 * i));
		hdr[20 + MM_SHA256_LEN + i] = (uint8_t)((uint64_t)s->n >> (56 - 8 * i));
	}
	memcpy(hdr + 20, s->cfg_digest, MM_SHA256_LEN);
	sink_put(k, hdr, sizeof hdr);
	for (size_t i = 0; i < s->n && !k->rc; i++) {
		mm_buf_reset(&rb);
		int rc = mm_buf_put_u32(&rb, 0);
		if (!rc)
			rc = mm_fim_rec_encode(s, &s->recs[i], &rb);
		if (rc) {
			k->rc = rc;
			break;
		}
		uint32_t n = (uint32_t)(rb.len - 4);
		rb.p[0] = (uint8_t)(n >> 24), rb.p[1] = (uint8_t)(n >> 16), rb.p[2] = (uint8_t)(n >> 8),
		rb.p[3] = (uint8_t)n;
		sink_put(k, rb.p, rb.len);
	}
	mm_buf_release(&rb);
	uint8_t tr[8 + MM_SHA256_LEN];
	memcpy(tr, BL_END, 8);
	if (k->h && !k->rc)
		mm_sha256_final(k->h, tr + 8);
	k->h = NULL;
	sink_put(k, tr, sizeof tr);
	sink_flush(k);
	return k->rc;
}

int mm_fim_baseline_encode(const mm_fim_set *s, mm_buf *out)
{
	sink k = {.buf = out, .fd = -1, .h = mm_sha256_new()};
	if (!k.h)
		return MM_ENOMEM;
	mm_sha256_ctx *h = k.h;
	int rc = baseline_emit(s, &k);
	mm_sha256_free(h);
	return rc;
}

/* Give pages of a read-only file mapping back (they stay in the page cache): keeps RSS near one copy. */
static void release_upto(const uint8_t *p, size_t off, size_t *released)
{
	size_t page = 4096, end = off & ~(page - 1);
	if (end > *released + (4u << 20)) {
		madvise((void *)(uintptr_t)(p + *released), end - *released, MADV_DONTNEED);
		*released = end;
	}
}

/* The checksum of a mapped baseline, taken on another thread while the records are decoded. */
typedef struct sum_job {
	const uint8_t *p;
	size_t len;
	atomic_size_t done; /* bytes hashed so far: pages below it may be released */
	atomic_size_t dec;  /* bytes decoded so far (len when the decoder stopped) */
	uint8_t h[MM_SHA256_LEN];
	bool ok;
} sum_job;

/*
 * Neither side runs more than this ahead of the other, so the pages of the
 * mapping resident at once stay bounded (they are released behind both).
 */
#define SUM_WINDOW (4u << 20)

static void sum_wait(const atomic_size_t *other, size_t mine)
{
	while (mine > atomic_load(other) + SUM_WINDOW) {
		struct timespec ts = {0, 20000};
		nanosleep(&ts, NULL);
	}
}

static void *sum_thread(void *arg)
{
	sum_job *j = arg;
	mm_sha256_ctx *c = mm_sha256_new();
	if (c) {
		for (size_t off = 0; off < j->len;) {
			size_t k = j->len - off > (1u << 20) ? (1u << 20) : j->len - off;
			sum_wait(&j->dec, off);
			mm_sha256_update(c, j->p + off, k);
			off += k;
			atomic_store(&j->done, off);
		}
		mm_sha256_final(c, j->h);
		mm_sha256_free(c);
		j->ok = true;
	}
	atomic_store(&j->done, j->len);
	return NULL;
}

static int baseline_decode_records(const uint8_t *p, size_t len, mm_fim_set *s, bool mapped, sum_job *sj,
				   mm_err *err);

static int baseline_decode(const uint8_t *p, size_t len, mm_fim_set *s, bool mapped, mm_err *err)
{
	const size_t hdr = 8 + 4 + 8 + MM_SHA256_LEN + 8, tr = 8 + MM_SHA256_LEN;
	if (len < hdr + tr || memcmp(p, BL_MAGIC, 8) != 0)
		return mm_err_set(err, MM_ECORRUPT, "not a mamori baseline (bad magic or too short)");
	if (p[8] != 0 || p[9] != BL_VERSION)
		return mm_err_set(err, MM_ECORRUPT, "baseline version %u is not understood", p[8] << 8 | p[9]);
	if (memcmp(p + len - tr, BL_END, 8) != 0)
		return mm_err_set(err, MM_ECORRUPT, "baseline is truncated (no trailer)");
	if (!mapped || len < (1u << 20))
		return baseline_decode_records(p, len, s, mapped, NULL, err);
	/*
	 * A large mapped file: hash it on another thread while decoding (each
	 * page is read once); nothing decoded is handed out unless the checksum
	 * matches.
	 */
	sum_job sj = {.p = p, .len = len - tr};
	atomic_init(&sj.done, 0);
	atomic_init(&sj.dec, 0);
	pthread_t th;
	if (pthread_create(&th, NULL, sum_thread, &sj) != 0)
		return baseline_decode_records(p, len, s, mapped, NULL, err);
	size_t first = s->n;
	mm_err derr;
	mm_err_clear(&derr);
	int rc = baseline_decode_records(p, len, s, mapped, &sj, &derr);
	atomic_store(&sj.dec, len); /* never hold the hashing thread back any more */
	pthread_join(th, NULL);
	if (!sj.ok)
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
	else if (!mm_ct_equal(sj.h, p + len - MM_SHA256_LEN, MM_SHA256_LEN))
		rc = mm_err_set(err, MM_ECORRUPT, "baseline checksum mismatch: the file is damaged or was altered");
	else if (rc && err)
		*err = derr;
	if (rc)
		s->n = first; /* never trusted */
	return rc;
}

static int baseline_decode_records(const uint8_t *p, size_t len, mm_fim_set *s, bool mapped, sum_job *sj,
				   mm_err *err)
{
	size_t released = 0;
	const size_t hdr = 8 + 4 + 8 + MM_SHA256_LEN + 8, tr = 8 + MM_SHA256_LEN;
	if (len < hdr + tr || memcmp(p, BL_MAGIC, 8) != 0)
		return mm_err_set(err, MM_ECORRUPT, "not a mamori baseline (bad magic or too short)");
	if (p[8] != 0 || p[9] != BL_VERSION)
		return mm_err_set(err, MM_ECORRUPT, "baseline version %u is not understood", p[8] << 8 | p[9]);
	if (memcmp(p + len - tr, BL_END, 8) != 0)
		return mm_err_set(err, MM_ECORRUPT, "baseline is truncated (no trailer)");
	uint8_t h[MM_SHA256_LEN] = {0};
	if (sj) {
		/* checked by the caller when the hashing thread is done */
	} else if (mapped) {
		mm_sha256_ctx *c = mm_sha256_new();
		if (!c)
			return mm_err_set(err, MM_ENOMEM, "out of memory");
		for (size_t off = 0; off < len - tr;) {
			size_t k = len - tr - off > (4u << 20) ? (4u << 20) : len - tr - off;
			mm_sha256_update(c, p + off, k);
			off += k;
			release_upto(p, off, &released);
		}
		mm_sha256_final(c, h);
		mm_sha256_free(c);
		released = 0;
	} else {
		mm_sha256(p, len - tr, h);
	}
	if (!sj && !mm_ct_equal(h, p + len - MM_SHA256_LEN, MM_SHA256_LEN))
		return mm_err_set(err, MM_ECORRUPT, "baseline checksum mismatch: the file is damaged or was altered");
	mm_rd r;
	mm_rd_init(&r, p, len - tr);
	const uint8_t *skip, *dig;
	uint64_t created, count;
	(void)mm_rd_bytes(&r, 12, &skip);
	(void)mm_rd_u64(&r, &created);
	(void)mm_rd_bytes(&r, MM_SHA256_LEN, &dig);
	(void)mm_rd_u64(&r, &count);
	if (count > MM_FIM_FILES_MAX)
		return mm_err_set(err, MM_ECORRUPT, "baseline claims %llu entries (limit %u)",
				  (unsigned long long)count, MM_FIM_FILES_MAX);
	size_t first = s->n;
	if (count > s->cap - s->n) { /* exactly what the header says: no growth slack */
		mm_fim_rec *nr = realloc(s->recs, (s->n + count) * sizeof *nr);
		if (!nr)
			return mm_err_set(err, MM_ENOMEM, "baseline: out of memory for %llu entries",
					  (unsigned long long)count);
		s->recs = nr;
		s->cap = s->n + count;
	}
	for (uint64_t i = 0; i < count; i++) {
		uint32_t n;
		const uint8_t *body;
		int rc = MM_OK;
		if (!mm_rd_u32(&r, &n) || !mm_rd_bytes(&r, n, &body) || !rec_decode(body, n, s, &rc)) {
			if (rc)
				return mm_err_set(err, rc, "baseline entry %llu: %s", (unsigned long long)i,
						  mm_strerror(rc));
			return mm_err_set(err, MM_ECORRUPT, "baseline entry %llu is malformed",
					  (unsigned long long)i);
		}
		if (mapped) {
			size_t upto = r.off;
			if (sj) {
				atomic_store(&sj->dec, r.off);
				sum_wait(&sj->done, r.off);
				size_t hashed = atomic_load(&sj->done);
				upto = hashed < upto ? hashed : upto;
			}
			release_upto(p, upto, &released);
		}
		/* strictly increasing paths: the invariant lookups rely on */
		if (s->n - first > 1) {
			const mm_fim_rec *a = &s->recs[s->n - 2], *b = &s->recs[s->n - 1];
			if (rec_cmp(a, b, s) >= 0 || same_path(s, a, b))
				return mm_err_set(err, MM_ECORRUPT, "baseline entry %llu is out of order",
						  (unsigned long long)i);
		}
	}
	if (mm_rd_left(&r) != 0)
		return mm_err_set(err, MM_ECORRUPT, "baseline has %zu stray bytes", mm_rd_left(&r));
	s->created_ns = (int64_t)created;
	memcpy(s->cfg_digest, dig, MM_SHA256_LEN);
	s->sorted = true;
	return MM_OK;
}

int mm_fim_baseline_decode(const uint8_t *p, size_t len, mm_fim_set *s, mm_err *err)
{
	return baseline_decode(p, len, s, false, err);
}

int mm_fim_journal_decode(const uint8_t *p, size_t len, mm_fim_set *s, mm_err *err)
{
	const size_t hdr = 8 + 4 + MM_SHA256_LEN;
	if (len < hdr || memcmp(p, JR_MAGIC, 8) != 0 || p[8] != 0 || p[9] != BL_VERSION)
		return mm_err_set(err, MM_ECORRUPT, "not a mamori baseline journal");
	memcpy(s->cfg_digest, p + 12, MM_SHA256_LEN);
	mm_rd r;
	mm_rd_init(&r, p + hdr, len - hdr);
	for (;;) {
		uint32_t plen, nrec;
		const uint8_t *start = r.p + r.off, *payload, *sum;
		if (!mm_rd_u32(&r, &plen) || !mm_rd_u32(&r, &nrec) || plen > MM_FIM_JOURNAL_CHUNK_MAX ||
		    !mm_rd_bytes(&r, plen, &payload) || !mm_rd_bytes(&r, MM_SHA256_LEN, &sum))
			break; /* torn tail */
		uint8_t h[MM_SHA256_LEN];
		mm_sha256(start, 8 + (size_t)plen, h);
		if (!mm_ct_equal(h, sum, MM_SHA256_LEN))
			break;
		mm_rd c;
		mm_rd_init(&c, payload, plen);
		size_t keep = s->n;
		bool good = true;
		for (uint32_t i = 0; i < nrec && good; i++) {
			uint32_t n;
			const uint8_t *body;
			int rc = MM_OK;
			good = mm_rd_u32(&c, &n) && mm_rd_bytes(&c, n, &body) && rec_decode(body, n, s, &rc);
			if (rc)
				return mm_err_set(err, rc, "journal: %s", mm_strerror(rc));
		}
		if (!good || mm_rd_left(&c) != 0) {
			s->n = keep; /* a chunk is all or nothing */
			break;
		}
	}
	s->sorted = false;
	return MM_OK;
}

/* ---- state directory ---- */

bool fim_state_path(const mm_fim_state *st, const char *name, char *out, size_t outlen)
{
	return snprintf(out, outlen, "%s/%s", st->dir, name) < (int)outlen;
}

const char *mm_fim_state_dir(const mm_fim_state *st)
{
	return st->dir;
}

static int mkdir_private(const mm_fim_state *st, const char *name, mm_err *err)
{
	if (mkdirat(st->dirfd, name, 0700) != 0 && errno != EEXIST)
		return mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, name, strerror(errno));
	struct stat sb;
	if (fstatat(st->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(sb.st_mode))
		return mm_err_set(err, MM_EINVAL, "%s/%s: not a directory", st->dir, name);
	if (sb.st_uid != geteuid() || (sb.st_mode & 077))
		return mm_err_set(err, MM_EPERM, "%s/%s: must be owned by uid %u with mode 0700", st->dir,
				  name, (unsigned)geteuid());
	return MM_OK;
}

int mm_fim_state_open(const char *dir, bool create, mm_fim_state **out, mm_err *err)
{
	*out = NULL;
	if (strlen(dir) > 3000)
		return mm_err_set(err, MM_ELIMIT, "state directory path too long");
	if (create && mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mm_err_set(err, MM_EIO, "%s: %s", dir, strerror(errno));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "state directory %s: %s", dir,
				  errno == ELOOP ? "is a symbolic link" : strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0 || sb.st_uid != geteuid() || (sb.st_mode & 022)) {
		close(fd);
		return mm_err_set(err, MM_EPERM,
				  "state directory %s must be owned by uid %u and writable by nobody else",
				  dir, (unsigned)geteuid());
	}
	mm_fim_state *st = calloc(1, sizeof *st);
	char *d = strdup(dir);
	if (!st || !d) {
		free(st);
		free(d);
		close(fd);
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	}
	st->dir = d;
	st->dirfd = fd;
	st->lockfd = -1;
	st->journal_fd = -1;
	int rc = MM_OK;
	if (create) {
		const char *subs[] = {"vault", "vault/objects", "vault/quarantine", "vault/tmp"};
		for (size_t i = 0; i < sizeof subs / sizeof subs[0] && !rc; i++)
			rc = mkdir_private(st, subs[i], err);
	}
	if (rc) {
		mm_fim_state_close(st);
		return rc;
	}
	*out = st;
	return MM_OK;
}

void mm_fim_state_close(mm_fim_state *st)
{
	if (!st)
		return;
	if (st->journal_fd >= 0)
		close(st->journal_fd);
	if (st->lockfd >= 0)
		close(st->lockfd);
	if (st->dirfd >= 0)
		close(st->dirfd);
	free(st->dir);
	free(st);
}

int mm_fim_state_lock(mm_fim_state *st, mm_err *err)
{
	if (st->lockfd >= 0)
		return MM_OK;
	int fd = openat(st->dirfd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "%s/lock: %s", st->dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return mm_err_set(err, MM_ECONFLICT, "%s: another fim baseline or restore is running", st->dir);
	}
	st->lockfd = fd;
	return MM_OK;
}

/* Map a whole state file read-only; *p NULL with MM_ENOTFOUND if absent. */
static int map_file(mm_fim_state *st, const char *name, uint64_t limit, const uint8_t **p, size_t *len,
		    mm_err *err)
{
	*p = NULL;
	*len = 0;
	int fd = openat(st->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "%s/%s: %s", st->dir, name,
				  strerror(errno));
	struct stat sb;
	int rc = MM_OK;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = mm_err_set(err, MM_ECORRUPT, "%s/%s: not a regular file", st->dir, name);
	} else if ((uint64_t)sb.st_size > limit) {
		rc = mm_err_set(err, MM_ELIMIT, "%s/%s: larger than %llu bytes", st->dir, name,
				(unsigned long long)limit);
	} else if (sb.st_size > 0) {
		void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			rc = mm_err_set(err, MM_EIO, "%s/%s: mmap: %s", st->dir, name, strerror(errno));
		else
			*p = m, *len = (size_t)sb.st_size;
	}
	close(fd);
	return rc;
}

int mm_fim_state_load(mm_fim_state *st, mm_fim_set *s, mm_err *err)
{
	const uint8_t *p;
	size_t len;
	int rc = map_file(st, FIM_BASELINE_NAME, MM_FIM_BASELINE_MAX, &p, &len, err);
	if (rc == MM_ENOTFOUND)
		return mm_err_set(err, MM_ENOTFOUND, "%s: no baseline yet (run `fim baseline` first)", st->dir);
	if (rc)
		return rc;
	rc = baseline_decode(p ? p : (const uint8_t *)"", len, s, p != NULL, err);
	if (rc)
		mm_err_prefix(err, "%s/%s", st->dir, FIM_BASELINE_NAME);
	if (p)
		munmap((void *)p, len);
	return rc;
}

/* Write a whole file under the state dir through a temp name and rename. */
static int save_with(mm_fim_state *st, const char *name, const mm_fim_set *s, mm_err *err)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", name, (long)getpid());
	int fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, tmp, strerror(errno));
	sink k = {.fd = fd, .h = mm_sha256_new()};
	mm_buf_init(&k.pend, SIZE_MAX / 2);
	mm_sha256_ctx *h = k.h;
	int rc = h ? baseline_emit(s, &k) : MM_ENOMEM;
	mm_sha256_free(h);
	mm_buf_release(&k.pend);
	if (!rc && fsync(fd) != 0)
		rc = MM_EIO;
	close(fd);
	if (!rc && renameat(st->dirfd, tmp, st->dirfd, name) != 0)
		rc = MM_EIO;
	if (!rc && fsync(st->dirfd) != 0)
		rc = MM_EIO;
	if (rc) {
		unlinkat(st->dirfd, tmp, 0);
		return mm_err_set(err, rc, "%s/%s: cannot write: %s", st->dir, name,
				  rc == MM_EIO ? strerror(errno) : mm_strerror(rc));
	}
	return MM_OK;
}

int mm_fim_state_save(mm_fim_state *st, const mm_fim_set *s, mm_err *err)
{
	return save_with(st, FIM_BASELINE_NAME, s, err);
}

int mm_fim_state_event(mm_fim_state *st, const char *json_line, mm_err *err)
{
	int fd = openat(st->dirfd, "events.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "%s/events.jsonl: %s", st->dir, strerror(errno));
	size_t n = strlen(json_line);
	int rc = MM_OK;
	/* one write per line: O_APPEND keeps concurrent writers' lines whole */
	char *line = malloc(n + 1);
	if (!line) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
	} else {
		memcpy(line, json_line, n);
		line[n] = '\n';
		if (write(fd, line, n + 1) != (ssize_t)(n + 1) || fdatasync(fd) != 0)
			rc = mm_err_set(err, MM_EIO, "%s/events.jsonl: %s", st->dir, strerror(errno));
	}
	free(line);
	close(fd);
	return rc;
}

/* Append one event to the state's local log (quarantine and restore events). */
void fim_log_event(mm_fim_state *st, const char *event, const char *path, const char *detail)
{
	size_t n = strlen(path);
	char *esc = malloc(4 * n + 1);
	if (!esc)
		return;
	mm_fim_path_escape(path, n, esc, 4 * n + 1);
	char when[48];
	mm_time_format(mm_now_ns(), 0, when, sizeof when);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "time", when, "event", event, "path", esc, "detail",
			      detail ? detail : "");
	char *line = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (line && mm_fim_state_event(st, line, NULL) != MM_OK) {
		/* the report still carries the event; the local log is a copy */
	}
	free(line);
	json_decref(j);
	free(esc);
}

/* ---- resume journal ---- */

int mm_fim_journal_load(mm_fim_state *st, const uint8_t cfg_digest[MM_SHA256_LEN], mm_fim_set *s,
			mm_err *err)
{
	const uint8_t *p;
	size_t len;
	int rc = map_file(st, FIM_JOURNAL_NAME, MM_FIM_BASELINE_MAX, &p, &len, err);
	if (rc)
		return rc;
	if (!p)
		return mm_err_set(err, MM_ENOTFOUND, "empty journal");
	rc = mm_fim_journal_decode(p, len, s, err);
	munmap((void *)p, len);
	if (!rc && memcmp(s->cfg_digest, cfg_digest, MM_SHA256_LEN) != 0) {
		mm_fim_set_release(s);
		rc = mm_err_set(err, MM_ENOTFOUND, "journal belongs to another configuration");
	}
	if (!rc)
		mm_fim_set_sort(s);
	return rc;
}

void mm_fim_journal_remove(mm_fim_state *st)
{
	if (st->journal_fd >= 0) {
		close(st->journal_fd);
		st->journal_fd = -1;
	}
	unlinkat(st->dirfd, FIM_JOURNAL_NAME, 0);
}

int fim_journal_open(mm_fim_state *st, const uint8_t cfg_digest[MM_SHA256_LEN], bool fresh, mm_err *err)
{
	if (st->journal_fd >= 0)
		return MM_OK;
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (fresh ? O_TRUNC : O_APPEND);
	int fd = openat(st->dirfd, FIM_JOURNAL_NAME, flags, 0600);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, FIM_JOURNAL_NAME, strerror(errno));
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		close(fd);
		return mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, FIM_JOURNAL_NAME, strerror(errno));
	}
	if (sb.st_size == 0) {
		uint8_t hdr[8 + 4 + MM_SHA256_LEN] = {0};
		memcpy(hdr, JR_MAGIC, 8);
		hdr[9] = BL_VERSION;
		memcpy(hdr + 12, cfg_digest, MM_SHA256_LEN);
		if (write(fd, hdr, sizeof hdr) != (ssize_t)sizeof hdr) {
			close(fd);
			return mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, FIM_JOURNAL_NAME, strerror(errno));
		}
	}
	st->journal_fd = fd;
	return MM_OK;
}

int fim_journal_append(mm_fim_state *st, const mm_fim_set *s, const uint32_t *idx, size_t n, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, MM_FIM_JOURNAL_CHUNK_MAX + 64);
	int rc = mm_buf_put_u64(&b, 0);
	size_t done = 0;
	while (!rc && done < n) {
		size_t start = done;
		mm_buf_reset(&b);
		rc = mm_buf_put_u64(&b, 0);
		for (; done < n && !rc && b.len < MM_FIM_JOURNAL_CHUNK_MAX / 2; done++) {
			size_t at = b.len;
			rc = mm_buf_put_u32(&b, 0);
			if (!rc)
				rc = mm_fim_rec_encode(s, &s->recs[idx[done]], &b);
			if (!rc) {
				uint32_t l = (uint32_t)(b.len - at - 4);
				b.p[at] = (uint8_t)(l >> 24), b.p[at + 1] = (uint8_t)(l >> 16),
				b.p[at + 2] = (uint8_t)(l >> 8), b.p[at + 3] = (uint8_t)l;
			}
		}
		if (rc)
			break;
		uint32_t plen = (uint32_t)(b.len - 8), cnt = (uint32_t)(done - start);
		uint8_t *q = b.p;
		q[0] = (uint8_t)(plen >> 24), q[1] = (uint8_t)(plen >> 16), q[2] = (uint8_t)(plen >> 8),
		q[3] = (uint8_t)plen;
		q[4] = (uint8_t)(cnt >> 24), q[5] = (uint8_t)(cnt >> 16), q[6] = (uint8_t)(cnt >> 8),
		q[7] = (uint8_t)cnt;
		uint8_t h[MM_SHA256_LEN];
		mm_sha256(b.p, b.len, h);
		rc = mm_buf_append(&b, h, sizeof h);
		if (!rc && (write(st->journal_fd, b.p, b.len) != (ssize_t)b.len || fdatasync(st->journal_fd) != 0))
			rc = MM_EIO;
	}
	mm_buf_release(&b);
	if (rc)
		return mm_err_set(err, rc, "%s/%s: cannot append: %s", st->dir, FIM_JOURNAL_NAME,
				  rc == MM_EIO ? strerror(errno) : mm_strerror(rc));
	return MM_OK;
}
