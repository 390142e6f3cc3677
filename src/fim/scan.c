/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scanning: one thread walks the roots by directory descriptor (never
 * following a symlink, never opening a device, FIFO or socket), then a pool
 * of threads hashes the regular files, largest first, with OpenSSL's SHA-256
 * (SHA-NI where the CPU has it). Files unchanged since a previous set (same
 * size, inode, mtime and ctime) reuse its hash unless a full scan is asked.
 * While a baseline is built, finished records go to the resume journal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fim/fim_int.h"
#include "base/banned.h"

#define HASH_BUF (512u << 10)

/* ---- helpers shared with restore and watch ---- */

void fim_rec_from_stat(mm_fim_rec *r, const struct stat *sb)
{
	mode_t m = sb->st_mode;
	r->type = S_ISREG(m) ? MM_FIM_REG : S_ISDIR(m) ? MM_FIM_DIR : S_ISLNK(m) ? MM_FIM_LNK :
		  S_ISCHR(m) ? MM_FIM_CHR : S_ISBLK(m) ? MM_FIM_BLK : S_ISFIFO(m) ? MM_FIM_FIFO : MM_FIM_SOCK;
	r->mode = (uint32_t)(m & 07777);
	r->uid = (uint32_t)sb->st_uid;
	r->gid = (uint32_t)sb->st_gid;
	r->size = (uint64_t)sb->st_size;
	r->ino = (uint64_t)sb->st_ino;
	r->mtime_ns = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
	r->ctime_ns = (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
}

int fim_open_beneath(int rootfd, const char *rel, int flags, unsigned mode)
{
	if (!*rel)
		return openat(rootfd, ".", flags | O_CLOEXEC);
	size_t n = strlen(rel);
	if (n < 4000) {
		struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .mode = (flags & O_CREAT) ? mode : 0,
				       .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
		long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof how);
		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
	}
	/* component by component: long paths, or kernels without openat2 */
	int dfd = rootfd, fd = -1;
	const char *p = rel;
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		char name[NAME_MAX + 1];
		if (len == 0 || len > NAME_MAX || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.')) {
			errno = EINVAL;
			fd = -1;
			break;
		}
		memcpy(name, p, len);
		name[len] = 0;
		if (slash)
			fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		else
			fd = openat(dfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
		if (dfd != rootfd) {
			int e = errno;
			close(dfd);
			errno = e;
		}
		if (fd < 0 || !slash)
			break;
		dfd = fd;
		p = slash + 1;
	}
	return fd;
}

const mm_fim_root *fim_root_of(const mm_fim_config *cfg, const char *path, const char **rel)
{
	for (size_t i = 0; i < cfg->nroots; i++) {
		const char *rp = cfg->roots[i].path;
		size_t l = strlen(rp);
		if (l == 1) {
			*rel = path + 1;
			return &cfg->roots[i];
		}
		if (strncmp(path, rp, l) == 0 && (path[l] == 0 || path[l] == '/')) {
			*rel = path[l] ? path + l + 1 : path + l;
			return &cfg->roots[i];
		}
	}
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fim_xattrs_encode(int fd, const char *path, mm_buf *out)
{
	char list[8192];
	ssize_t n = fd >= 0 ? flistxattr(fd, list, sizeof list) : llistxattr(path, list, sizeof list);
	if (n < 0)
		return (errno == ENOTSUP || errno == EPERM || errno == EACCES) ? MM_OK : MM_EIO;
	if (n == 0)
		return MM_OK;
	char *names[MM_FIM_XATTRS_MAX];
	size_t k = 0;
	for (ssize_t i = 0; i < n && k < MM_FIM_XATTRS_MAX;) {
		names[k++] = list + i;
		i += (ssize_t)strlen(list + i) + 1;
	}
	qsort(names, k, sizeof *names, name_cmp);
	int rc = mm_buf_put_u16(out, (uint16_t)k);
	uint8_t *val = malloc(MM_FIM_XATTR_MAX);
	if (!val)
		return MM_ENOMEM;
	size_t kept = 0, at = out->len - 2;
	for (size_t i = 0; i < k && !rc; i++) {
		size_t nl = strlen(names[i]);
		ssize_t vl = fd >= 0 ? fgetxattr(fd, names[i], val, MM_FIM_XATTR_MAX) :
				       lgetxattr(path, names[i], val, MM_FIM_XATTR_MAX);
		if (vl < 0 || nl == 0 || nl > 255)
			continue; /* vanished meanwhile or unreadable: not recorded */
		if ((rc = mm_buf_put_u8(out, (uint8_t)nl)) || (rc = mm_buf_append(out, names[i], nl)) ||
		    (rc = mm_buf_put_u32(out, (uint32_t)vl)) || (rc = mm_buf_append(out, val, (size_t)vl)))
			break;
		kept++;
	}
	free(val);
	if (!rc) {
		out->p[at] = (uint8_t)(kept >> 8);
		out->p[at + 1] = (uint8_t)kept;
		if (kept == 0)
			out->len = at;
	}
	return rc;
}

bool fim_xattrs_each(const uint8_t *p, size_t n,
		     bool (*fn)(void *ctx, const char *name, size_t nlen, const uint8_t *v, size_t vlen),
		     void *ctx)
{
	mm_rd r;
	mm_rd_init(&r, p, n);
	uint16_t k;
	if (!mm_rd_u16(&r, &k) || k == 0 || k > MM_FIM_XATTRS_MAX)
		return false;
	const uint8_t *prev = NULL;
	uint8_t prevlen = 0;
	for (uint16_t i = 0; i < k; i++) {
		uint8_t nl;
		uint32_t vl;
		const uint8_t *name, *v;
		if (!mm_rd_u8(&r, &nl) || nl == 0 || !mm_rd_bytes(&r, nl, &name) || memchr(name, 0, nl) ||
		    !mm_rd_u32(&r, &vl) || !mm_rd_bytes(&r, vl, &v))
			return false;
		if (prev) { /* names strictly increasing */
			int c = memcmp(prev, name, prevlen < nl ? prevlen : nl);
			if (c > 0 || (c == 0 && prevlen >= nl))
				return false;
		}
		prev = name;
		prevlen = nl;
		char nm[256];
		memcpy(nm, name, nl);
		nm[nl] = 0;
		if (!fn(ctx, nm, nl, v, vl))
			return false;
	}
	return mm_rd_left(&r) == 0;
}

/* ---- the governor: a token bucket shared by the hashing threads ---- */

typedef struct governor {
	pthread_mutex_t mu;
	unsigned rate;
	int64_t next_ns;
} governor;

static void governor_take(governor *g)
{
	if (!g || !g->rate)
		return;
	pthread_mutex_lock(&g->mu);
	int64_t now = mm_mono_ns(), step = 1000000000ll / g->rate;
	if (g->next_ns < now - 1000000000ll)
		g->next_ns = now - 1000000000ll; /* at most one second of burst */
	g->next_ns += step;
	int64_t wait = g->next_ns - now;
	pthread_mutex_unlock(&g->mu);
	if (wait > 0) {
		struct timespec ts = {.tv_sec = wait / 1000000000, .tv_nsec = wait % 1000000000};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
		}
	}
}

/* ---- hashing one file ---- */

enum { HF_OK, HF_VANISHED, HF_UNREADABLE, HF_NOTREG, HF_UNSTABLE };

typedef struct hash_res {
	struct stat sb;
	uint8_t sha[MM_SHA256_LEN];
	int err;       /* errno for HF_UNREADABLE */
	bool vaulted;
	mm_buf xattr;  /* encoded xattrs (when asked) */
} hash_res;

static bool same_version(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int hash_file(int rootfd, const char *rel, const char *path, mm_fim_state *vault, bool xattrs,
		     uint8_t *buf, mm_sha256_ctx *h, hash_res *res)
{
	for (int attempt = 0; attempt < MM_FIM_HASH_RETRIES; attempt++) {
		int flags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOATIME;
		int fd = rootfd >= 0 ? fim_open_beneath(rootfd, rel, flags, 0) : open(path, flags | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == EPERM) { /* O_NOATIME needs ownership */
			flags &= ~O_NOATIME;
			fd = rootfd >= 0 ? fim_open_beneath(rootfd, rel, flags, 0) : open(path, flags | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			int e = errno;
			if (e == ENOENT || e == ENOTDIR)
				return HF_VANISHED;
			if ((e == ELOOP || e == ENXIO || e == EXDEV) && lstat(path, &res->sb) == 0 &&
			    !S_ISREG(res->sb.st_mode))
				return HF_NOTREG;
			res->err = e;
			return HF_UNREADABLE;
		}
		struct stat before;
		if (fstat(fd, &before) != 0) {
			res->err = errno;
			close(fd);
			return HF_UNREADABLE;
		}
		if (!S_ISREG(before.st_mode)) {
			res->sb = before;
			close(fd);
			return HF_NOTREG;
		}
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		mm_fim_vault_w *vw = NULL;
		if (vault && mm_fim_vault_begin(vault, &vw, NULL) != MM_OK)
			vw = NULL;
		bool ok = true;
		for (;;) {
			ssize_t n = read(fd, buf, HASH_BUF);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				res->err = errno;
				ok = false;
				break;
			}
			if (n == 0)
				break;
			mm_sha256_update(h, buf, (size_t)n);
			if (vw && mm_fim_vault_write(vw, buf, (size_t)n, NULL) != MM_OK) {
				mm_fim_vault_abort(vw);
				vw = NULL;
			}
		}
		mm_sha256_final(h, res->sha);
		struct stat after;
		if (ok && fstat(fd, &after) != 0)
			ok = false;
		if (!ok) {
			if (!res->err)
				res->err = errno;
			mm_fim_vault_abort(vw);
			close(fd);
			return HF_UNREADABLE;
		}
		if (!same_version(&before, &after) || (uint64_t)after.st_size > (uint64_t)before.st_size) {
			mm_fim_vault_abort(vw);
			close(fd);
			continue; /* written while we read it: read again */
		}
		res->sb = after;
		res->vaulted = vw && mm_fim_vault_commit(vw, res->sha, NULL) == MM_OK;
		if (xattrs) {
			mm_buf_reset(&res->xattr);
			if (fim_xattrs_encode(fd, NULL, &res->xattr) != MM_OK)
				mm_buf_reset(&res->xattr);
		}
		close(fd);
		return HF_OK;
	}
	return HF_UNSTABLE;
}

/* ---- the pool ---- */

typedef struct job {
	uint32_t idx;   /* into the set being built, or (verify) into prev */
	uint16_t root;
	uint8_t verify; /* full check of an entry whose stat is unchanged: compare with prev, keep nothing if equal */
} job;

/* A verify job whose file differs from prev: becomes a record after the pool is done. */
typedef struct vdiff {
	uint32_t prev_idx;
	int state;          /* HF_* */
	struct stat sb;
	uint8_t sha[MM_SHA256_LEN];
	uint8_t *xattr;
	uint32_t xattr_len;
} vdiff;

typedef struct pool {
	const mm_fim_config *cfg;
	mm_fim_set *set;
	job *jobs;
	size_t njobs;
	int *rootfds;
	atomic_size_t next;
	mm_fim_state *vault;
	governor gov;
	FILE *warn;
	/* per-record xattrs found by workers, merged into the arena afterwards */
	uint8_t **xside;
	uint32_t *xside_len;
	size_t nxside;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* full check: verify jobs against prev */
	const mm_fim_set *prev;
	uint8_t *seen;      /* set (under mu) for prev entries found identical */
	vdiff *vd;
	size_t nvd, capvd;
	uint32_t *done;
	size_t ndone, capdone, finished;
	atomic_ullong hashed, bytes, warnings, vaulted;
	int rc;
} pool;

static void warnf(pool *p, const char *path, const char *what)
{
	atomic_fetch_add(&p->warnings, 1);
	if (p->warn) {
		char esc[4 * 256 + 1];
		mm_fim_path_escape(path, strlen(path) > 256 ? 256 : strlen(path), esc, sizeof esc);
		fprintf(p->warn, "mamori-agent: warning: %s: %s\n", esc, what);
	}
}

static bool xattrs_equal(const mm_fim_set *s, const mm_fim_rec *r, const mm_buf *b)
{
	return r->xattr_len == b->len && (!b->len || memcmp(s->arena.p + r->xattr_off, b->p, b->len) == 0);
}

/*
 * Full check of an entry whose stat matched prev: hash it; when content,
 * stat and xattrs are all as prev has them, only mark it seen (no copy of
 * the record is kept); otherwise keep what was found for the main thread.
 */
static void verify_job(pool *p, const job *jb, uint8_t *buf, mm_sha256_ctx *h, hash_res *res)
{
	const mm_fim_rec *old = &p->prev->recs[jb->idx];
	const char *path = mm_fim_rec_path(p->prev, old);
	const char *rel = NULL;
	(void)fim_root_of(p->cfg, path, &rel);
	vdiff d;
	memset(&d, 0, sizeof d);
	int st = HF_UNREADABLE;
	if (buf && h) {
		governor_take(&p->gov);
		res->err = 0;
		res->vaulted = false;
		mm_buf_reset(&res->xattr);
		st = hash_file(p->rootfds[jb->root], rel ? rel : "", path, NULL, p->cfg->xattrs, buf, h, res);
	}
	if (st == HF_OK) {
		atomic_fetch_add(&p->hashed, 1);
		atomic_fetch_add(&p->bytes, (uint64_t)res->sb.st_size);
		mm_fim_rec now;
		memset(&now, 0, sizeof now);
		fim_rec_from_stat(&now, &res->sb);
		if (now.type == old->type && now.mode == old->mode && now.uid == old->uid && now.gid == old->gid &&
		    now.size == old->size && now.ino == old->ino && now.mtime_ns == old->mtime_ns &&
		    now.ctime_ns == old->ctime_ns && (old->flags & MM_FIM_HASHED) &&
		    memcmp(res->sha, old->sha256, MM_SHA256_LEN) == 0 &&
		    (!p->cfg->xattrs || xattrs_equal(p->prev, old, &res->xattr))) {
			pthread_mutex_lock(&p->mu);
			__atomic_fetch_or(&p->seen[jb->idx / 8], (uint8_t)(1u << (jb->idx % 8)), __ATOMIC_RELAXED);
			pthread_mutex_unlock(&p->mu);
			return;
		}
	}
	if (st == HF_VANISHED) {
		warnf(p, path, "vanished while scanned");
		return; /* not seen, not found: reported as removed */
	}
	if (st == HF_NOTREG)
		warnf(p, path, "changed type while scanned (not opened)");
	else if (st == HF_UNSTABLE)
		warnf(p, path, "kept changing while hashed; no stable hash");
	else if (st == HF_UNREADABLE) {
		char msg[160];
		snprintf(msg, sizeof msg, "cannot read: %s", strerror(res->err));
		warnf(p, path, msg);
	}
	d.prev_idx = jb->idx;
	d.state = st;
	d.sb = res->sb;
	memcpy(d.sha, res->sha, MM_SHA256_LEN);
	if (st == HF_OK && res->xattr.len) {
		size_t xl = 0;
		d.xattr = mm_buf_detach(&res->xattr, &xl);
		d.xattr_len = (uint32_t)xl;
	}
	pthread_mutex_lock(&p->mu);
	if (p->nvd == p->capvd) {
		size_t cap = p->capvd ? p->capvd * 2 : 64;
		vdiff *nv = realloc(p->vd, cap * sizeof *nv);
		if (!nv) {
			p->rc = MM_ENOMEM;
			pthread_mutex_unlock(&p->mu);
			free(d.xattr);
			return;
		}
		p->vd = nv;
		p->capvd = cap;
	}
	p->vd[p->nvd++] = d;
	pthread_mutex_unlock(&p->mu);
}

/* Turn a verify job's difference into a record of out (main thread, pool done). */
static int vdiff_record(const mm_fim_config *cfg, const mm_fim_set *prev, mm_fim_set *out, const vdiff *d)
{
	const mm_fim_rec *old = &prev->recs[d->prev_idx];
	mm_fim_rec r;
	memset(&r, 0, sizeof r);
	r.flags = old->flags & MM_FIM_PROTECT;
	int rc = fim_arena_put(out, prev->arena.p + old->path_off, old->path_len, &r.path_off);
	if (rc)
		return rc;
	r.path_len = old->path_len;
	if (d->state == HF_OK || d->state == HF_NOTREG) {
		fim_rec_from_stat(&r, &d->sb);
	} else { /* unreadable or unstable: the stat the walk saw */
		r.type = old->type, r.mode = old->mode, r.uid = old->uid, r.gid = old->gid;
		r.size = old->size, r.ino = old->ino, r.mtime_ns = old->mtime_ns, r.ctime_ns = old->ctime_ns;
	}
	if (d->state == HF_OK) {
		memcpy(r.sha256, d->sha, MM_SHA256_LEN);
		r.flags |= MM_FIM_HASHED;
		if (cfg->xattrs && d->xattr_len) {
			if ((rc = fim_arena_put(out, d->xattr, d->xattr_len, &r.xattr_off)))
				return rc;
			r.xattr_len = d->xattr_len;
		}
	} else {
		r.flags |= d->state == HF_UNREADABLE ? MM_FIM_UNREADABLE : MM_FIM_UNSTABLE;
	}
	return fim_set_push(out, &r);
}

static void *worker(void *arg)
{
	pool *p = arg;
	uint8_t *buf = malloc(HASH_BUF);
	mm_sha256_ctx *h = mm_sha256_new();
	hash_res res;
	memset(&res, 0, sizeof res);
	mm_buf_init(&res.xattr, MM_FIM_XATTR_MAX);
	if (!buf || !h) {
		pthread_mutex_lock(&p->mu);
		p->rc = MM_ENOMEM;
		pthread_mutex_unlock(&p->mu);
	}
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->njobs)
			break;
		if (p->jobs[i].verify) {
			verify_job(p, &p->jobs[i], buf, h, &res);
			pthread_mutex_lock(&p->mu);
			p->finished++;
			if (p->finished == p->njobs)
				pthread_cond_signal(&p->cv);
			pthread_mutex_unlock(&p->mu);
			continue;
		}
		mm_fim_rec *r = &p->set->recs[p->jobs[i].idx];
		if (!buf || !h) {
			r->flags |= MM_FIM_UNREADABLE;
			goto done;
		}
		governor_take(&p->gov);
		const char *path = mm_fim_rec_path(p->set, r);
		const mm_fim_root *root = &p->cfg->roots[p->jobs[i].root];
		const char *rel = NULL;
		(void)fim_root_of(p->cfg, path, &rel);
		int rootfd = p->rootfds[p->jobs[i].root];
		res.err = 0;
		res.vaulted = false;
		int st = hash_file(rootfd, rel ? rel : "", path, root->protect ? p->vault : NULL, p->cfg->xattrs,
				   buf, h, &res);
		switch (st) {
		case HF_OK:
			fim_rec_from_stat(r, &res.sb);
			memcpy(r->sha256, res.sha, MM_SHA256_LEN);
			r->flags |= MM_FIM_HASHED;
			if (res.vaulted) {
				r->flags |= MM_FIM_VAULTED;
				atomic_fetch_add(&p->vaulted, 1);
			} else if (root->protect && p->vault) {
				warnf(p, path, "could not copy into the vault");
			}
			atomic_fetch_add(&p->hashed, 1);
			atomic_fetch_add(&p->bytes, r->size);
			if (res.xattr.len) {
				size_t xl = 0;
				p->xside[p->jobs[i].idx] = mm_buf_detach(&res.xattr, &xl);
				p->xside_len[p->jobs[i].idx] = (uint32_t)xl;
			}
			break;
		case HF_VANISHED:
			r->flags |= MM_FIM_VANISHED;
			warnf(p, path, "vanished while scanned");
			break;
		case HF_NOTREG:
			fim_rec_from_stat(r, &res.sb);
			r->flags |= MM_FIM_UNSTABLE;
			warnf(p, path, "changed type while scanned (not opened)");
			break;
		case HF_UNSTABLE:
			r->flags |= MM_FIM_UNSTABLE;
			warnf(p, path, "kept changing while hashed; no stable hash");
			break;
		default: {
			char msg[160];
			snprintf(msg, sizeof msg, "cannot read: %s", strerror(res.err));
			r->flags |= MM_FIM_UNREADABLE;
			warnf(p, path, msg);
		}
		}
	done:
		pthread_mutex_lock(&p->mu);
		if (p->ndone < p->capdone && (r->flags & MM_FIM_HASHED))
			p->done[p->ndone++] = p->jobs[i].idx;
		p->finished++;
		if (p->ndone >= 4096 || p->finished == p->njobs)
			pthread_cond_signal(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	mm_buf_release(&res.xattr);
	mm_sha256_free(h);
	free(buf);
	return NULL;
}

typedef struct job_sets {
	const mm_fim_set *out, *prev;
} job_sets;

static uint64_t job_size(const job_sets *js, const job *j)
{
	return j->verify ? js->prev->recs[j->idx].size : js->out->recs[j->idx].size;
}

static int job_cmp(const void *a, const void *b, void *arg)
{
	uint64_t x = job_size(arg, a), y = job_size(arg, b);
	return x < y ? 1 : x > y ? -1 : 0; /* largest first: the pool finishes together */
}

/* ---- the walk ---- */

typedef struct walker {
	const mm_fim_config *cfg;
	const mm_fim_root *root;
	uint16_t rootidx;
	mm_fim_set *out;
	const mm_fim_set *prev;
	bool full;
	bool vault;
	uint8_t *seen;
	char path[MM_FIM_PATH_MAX + 2];
	size_t plen;
	job *jobs;
	size_t njobs, capjobs;
	mm_buf xb;
	FILE *warn;
	mm_fim_scan_stats *stats;
	/* parallel walk (checks): the root's sub-directories are collected, not entered */
	bool defer;
	char **sub;
	size_t nsub, capsub;
} walker;

static void wwarn(walker *w, const char *what)
{
	w->stats->warnings++;
	if (w->warn) {
		char esc[4 * 512 + 1];
		mm_fim_path_escape(w->path, w->plen > 512 ? 512 : w->plen, esc, sizeof esc);
		fprintf(w->warn, "mamori-agent: warning: %s%s: %s\n", esc, w->plen > 512 ? "…" : "", what);
	}
}

static int add_job(walker *w, uint32_t idx)
{
	if (w->njobs == w->capjobs) {
		size_t cap = w->capjobs ? w->capjobs * 2 : 1024;
		job *j = realloc(w->jobs, cap * sizeof *j);
		if (!j)
			return MM_ENOMEM;
		w->jobs = j;
		w->capjobs = cap;
	}
	w->jobs[w->njobs++] = (job){idx, w->rootidx, 0};
	return MM_OK;
}

/* Record the entry at w->path (stat in sb, directory fd dfd + name for links). */
static int record(walker *w, int dfd, const char *name, const struct stat *sb)
{
	mm_fim_rec r;
	memset(&r, 0, sizeof r);
	fim_rec_from_stat(&r, sb);
	if (w->root->protect)
		r.flags |= MM_FIM_PROTECT;
	const mm_fim_rec *old = w->prev ? mm_fim_set_find(w->prev, w->path, w->plen) : NULL;
	bool same = old && old->type == r.type && old->size == r.size && old->ino == r.ino &&
		    old->mtime_ns == r.mtime_ns && old->ctime_ns == r.ctime_ns;
	if (same && w->seen && r.type == MM_FIM_REG && w->full && !w->vault && (old->flags & MM_FIM_HASHED)) {
		/* full check, stat unchanged: hashed and compared by the pool, kept only if different */
		int rc = add_job(w, (uint32_t)(old - w->prev->recs));
		if (rc)
			return rc;
		w->jobs[w->njobs - 1].verify = 1;
		w->stats->files++;
		return MM_OK;
	}
	if (same && w->seen && (r.type != MM_FIM_REG || (!w->full && (old->flags & MM_FIM_HASHED)))) {
		size_t k = (size_t)(old - w->prev->recs);
		__atomic_fetch_or(&w->seen[k / 8], (uint8_t)(1u << (k % 8)), __ATOMIC_RELAXED);
		w->stats->files++;
		if (r.type == MM_FIM_REG)
			w->stats->reused++;
		return MM_OK;
	}
	int rc = fim_arena_put(w->out, w->path, w->plen, &r.path_off);
	if (rc)
		return rc;
	r.path_len = (uint32_t)w->plen;
	if (same) { /* ctime unchanged: xattrs and link target unchanged too */
		if ((rc = fim_arena_put(w->out, w->prev->arena.p + old->xattr_off, old->xattr_len, &r.xattr_off)))
			return rc;
		r.xattr_len = old->xattr_len;
	} else if (w->cfg->xattrs && r.type != MM_FIM_REG) {
		mm_buf_reset(&w->xb);
		if (w->plen < PATH_MAX && fim_xattrs_encode(-1, w->path, &w->xb) == MM_OK && w->xb.len) {
			if ((rc = fim_arena_put(w->out, w->xb.p, w->xb.len, &r.xattr_off)))
				return rc;
			r.xattr_len = (uint32_t)w->xb.len;
		}
	}
	if (r.type == MM_FIM_LNK) {
		if (same) {
			rc = fim_arena_put(w->out, w->prev->arena.p + old->link_off, old->link_len, &r.link_off);
			r.link_len = old->link_len;
		} else {
			char target[MM_FIM_PATH_MAX + 1];
			ssize_t n = readlinkat(dfd, name, target, sizeof target);
			if (n < 0 || (size_t)n > MM_FIM_PATH_MAX) {
				wwarn(w, n < 0 ? strerror(errno) : "link target too long");
				n = 0;
			}
			rc = fim_arena_put(w->out, target, (size_t)n, &r.link_off);
			r.link_len = (uint32_t)n;
		}
		if (rc)
			return rc;
	}
	if (r.type == MM_FIM_REG) {
		bool reuse = same && !w->full && (old->flags & MM_FIM_HASHED) &&
			     (!w->root->protect || !w->vault || (old->flags & MM_FIM_VAULTED));
		if (reuse) {
			memcpy(r.sha256, old->sha256, MM_SHA256_LEN);
			r.flags |= old->flags & (MM_FIM_HASHED | MM_FIM_VAULTED);
			w->stats->reused++;
		} else if ((rc = add_job(w, (uint32_t)w->out->n))) {
			return rc;
		}
	}
	w->stats->files++;
	return fim_set_push(w->out, &r);
}

static int walk_dir(walker *w, int fd, unsigned depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		wwarn(w, strerror(errno));
		return MM_OK;
	}
	int rc = MM_OK;
	size_t base = w->plen;
	struct dirent *de;
	for (;;) {
		errno = 0;
		if (!(de = readdir(d))) {
			if (errno) {
				w->plen = base;
				w->path[base] = 0;
				wwarn(w, strerror(errno));
			}
			break;
		}
		const char *nm = de->d_name;
		if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0)))
			continue;
		size_t nl = strlen(nm);
		size_t sep = base == 1 ? 0 : 1; /* root "/" */
		if (base + sep + nl > MM_FIM_PATH_MAX) {
			w->plen = base;
			w->path[base] = 0;
			wwarn(w, "an entry's path is longer than the limit; not recorded");
			continue;
		}
		if (sep)
			w->path[base] = '/';
		memcpy(w->path + base + sep, nm, nl + 1);
		w->plen = base + sep + nl;
		struct stat sb;
		if (fstatat(dirfd(d), nm, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			if (errno != ENOENT)
				wwarn(w, strerror(errno));
			continue; /* vanished since listed */
		}
		bool isdir = S_ISDIR(sb.st_mode);
		if (!fim_scope_entry(w->cfg, w->root, w->path, isdir))
			continue;
		if ((rc = record(w, dirfd(d), nm, &sb)))
			break;
		if (!isdir)
			continue;
		if (depth + 1 > MM_FIM_DEPTH_MAX) {
			wwarn(w, "nested too deep; contents not recorded");
			continue;
		}
		if (w->defer && depth == 0) {
			if (w->nsub == w->capsub) {
				size_t cap = w->capsub ? w->capsub * 2 : 64;
				char **ns = realloc(w->sub, cap * sizeof *ns);
				if (!ns) {
					rc = MM_ENOMEM;
					break;
				}
				w->sub = ns;
				w->capsub = cap;
			}
			if (!(w->sub[w->nsub] = strdup(nm))) {
				rc = MM_ENOMEM;
				break;
			}
			w->nsub++;
			continue;
		}
		int cfd = openat(dirfd(d), nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (cfd < 0) {
			if (errno != ENOENT)
				wwarn(w, strerror(errno));
			continue;
		}
		if ((rc = walk_dir(w, cfd, depth + 1)))
			break;
	}
	w->plen = base;
	w->path[base] = 0;
	closedir(d);
	return rc;
}

static int walk_parallel(walker *m, int rootfd, size_t nthreads);

static int walk_root(walker *w, mm_err *err)
{
	size_t l = strlen(w->root->path);
	memcpy(w->path, w->root->path, l + 1);
	w->plen = l;
	struct stat sb;
	if (lstat(w->path, &sb) != 0) {
		if (errno == ENOENT) {
			wwarn(w, "configured path does not exist");
			return MM_OK;
		}
		return mm_err_set(err, MM_EIO, "%s: %s", w->path, strerror(errno));
	}
	int rc = record(w, AT_FDCWD, w->path, &sb);
	if (rc || !S_ISDIR(sb.st_mode))
		return rc;
	int fd = open(w->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "%s: %s", w->path, strerror(errno));
	if (!w->defer)
		return walk_dir(w, fd, 0);
	int rfd = dup(fd);
	rc = walk_dir(w, fd, 0); /* the root's own entries; its sub-directories are collected */
	size_t threads = w->cfg->threads;
	if (!threads) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus > 0 ? (size_t)cpus : 1;
	}
	if (threads > MM_FIM_THREADS_MAX)
		threads = MM_FIM_THREADS_MAX;
	if (threads > w->nsub)
		threads = w->nsub ? w->nsub : 1;
	if (!rc && rfd < 0)
		rc = mm_err_set(err, MM_EIO, "%s: %s", w->path, strerror(errno));
	if (!rc && w->nsub)
		rc = walk_parallel(w, rfd, threads);
	if (rfd >= 0)
		close(rfd);
	for (size_t i = 0; i < w->nsub; i++)
		free(w->sub[i]);
	w->nsub = 0;
	w->plen = l;
	w->path[l] = 0;
	return rc;
}

/*
 * Parallel walk of a root's sub-directories (checks only, where the threads'
 * own sets stay small: unchanged entries are only marked in seen). Each
 * thread has its own walker, set and jobs; they are merged into w's.
 */
typedef struct pwalk {
	walker *main;
	int rootfd;
	atomic_size_t next;
	walker *ws;
	mm_fim_set *sets;
	mm_fim_scan_stats *st;
	int *rc;
} pwalk;

typedef struct pwarg {
	pwalk *pw;
	size_t i;
} pwarg;

static void *pwalk_thread(void *arg)
{
	pwarg *a = arg;
	pwalk *pw = a->pw;
	walker *w = &pw->ws[a->i];
	const walker *m = pw->main;
	size_t base = m->plen;
	for (;;) {
		size_t k = atomic_fetch_add(&pw->next, 1);
		if (k >= m->nsub || pw->rc[a->i])
			break;
		const char *nm = m->sub[k];
		size_t nl = strlen(nm), sep = base == 1 ? 0 : 1;
		memcpy(w->path, m->path, base);
		if (sep)
			w->path[base] = '/';
		memcpy(w->path + base + sep, nm, nl + 1);
		w->plen = base + sep + nl;
		int cfd = openat(pw->rootfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (cfd < 0) {
			if (errno != ENOENT)
				wwarn(w, strerror(errno));
			continue;
		}
		pw->rc[a->i] = walk_dir(w, cfd, 1);
	}
	return NULL;
}

static int walk_parallel(walker *m, int rootfd, size_t nthreads)
{
	pwalk pw;
	memset(&pw, 0, sizeof pw);
	pw.main = m;
	pw.rootfd = rootfd;
	pw.ws = calloc(nthreads, sizeof *pw.ws);
	pw.sets = calloc(nthreads, sizeof *pw.sets);
	pw.st = calloc(nthreads, sizeof *pw.st);
	pw.rc = calloc(nthreads, sizeof *pw.rc);
	pwarg *args = calloc(nthreads, sizeof *args);
	pthread_t th[MM_FIM_THREADS_MAX];
	size_t nth = 0;
	int rc = MM_OK;
	if (!pw.ws || !pw.sets || !pw.st || !pw.rc || !args) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nthreads; i++) {
		walker *w = &pw.ws[i];
		w->cfg = m->cfg, w->root = m->root, w->rootidx = m->rootidx, w->prev = m->prev, w->full = m->full;
		w->vault = m->vault, w->seen = m->seen, w->warn = m->warn, w->stats = &pw.st[i];
		mm_fim_set_init(&pw.sets[i]);
		w->out = &pw.sets[i];
		mm_buf_init(&w->xb, MM_FIM_XATTR_MAX + 16);
		args[i] = (pwarg){&pw, i};
	}
	for (; nth < nthreads; nth++)
		if (pthread_create(&th[nth], NULL, pwalk_thread, &args[nth]) != 0)
			break;
	if (nth == 0)
		pwalk_thread(&args[0]);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	/* merge: records (strings copied), jobs (re-indexed), stats */
	for (size_t i = 0; i < nthreads; i++) {
		walker *w = &pw.ws[i];
		if (!rc && pw.rc[i])
			rc = pw.rc[i];
		size_t off = m->out->n;
		for (size_t k = 0; k < pw.sets[i].n && !rc; k++)
			rc = mm_fim_set_add(m->out, &pw.sets[i].recs[k], &pw.sets[i]);
		for (size_t k = 0; k < w->njobs && !rc; k++) {
			job j = w->jobs[k];
			if (!j.verify)
				j.idx += (uint32_t)off;
			if ((rc = add_job(m, j.idx)))
				break;
			m->jobs[m->njobs - 1] = j;
		}
		m->stats->files += pw.st[i].files;
		m->stats->reused += pw.st[i].reused;
		m->stats->warnings += pw.st[i].warnings;
	}
out:
	if (pw.ws)
		for (size_t i = 0; i < nthreads; i++) {
			free(pw.ws[i].jobs);
			mm_buf_release(&pw.ws[i].xb);
			mm_fim_set_release(&pw.sets[i]);
		}
	free(pw.ws);
	free(pw.sets);
	free(pw.st);
	free(pw.rc);
	free(args);
	return rc;
}

int mm_fim_scan(const mm_fim_config *cfg, const mm_fim_scan_opts *o, mm_fim_set *out,
		mm_fim_scan_stats *stats, mm_err *err)
{
	mm_fim_scan_stats local;
	if (!stats)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	walker w;
	memset(&w, 0, sizeof w);
	w.cfg = cfg;
	w.out = out;
	w.prev = o->prev;
	w.full = o->full;
	w.vault = o->vault != NULL;
	w.seen = o->prev ? o->seen : NULL;
	w.defer = w.seen != NULL; /* checks: threads' sets hold only what changed */
	w.warn = o->warn;
	w.stats = stats;
	mm_buf_init(&w.xb, MM_FIM_XATTR_MAX + 16);
	pool p;
	memset(&p, 0, sizeof p);
	int *rootfds = calloc(cfg->nroots ? cfg->nroots : 1, sizeof *rootfds);
	pthread_t th[MM_FIM_THREADS_MAX];
	size_t nth = 0;
	int rc = MM_OK;
	if (!rootfds) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cfg->nroots; i++)
		rootfds[i] = -1;
	out->created_ns = mm_now_ns();
	memcpy(out->cfg_digest, cfg->digest, MM_SHA256_LEN);
	for (size_t i = 0; i < cfg->nroots && !rc; i++) {
		w.root = &cfg->roots[i];
		w.rootidx = (uint16_t)i;
		rc = walk_root(&w, err);
		if (rc == MM_ENOMEM || rc == MM_ELIMIT)
			mm_err_set(err, rc, "%s: %s while listing files", w.root->path, mm_strerror(rc));
		rootfds[i] = open(cfg->roots[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (rc)
		goto out;

	/* hash */
	p.cfg = cfg;
	p.set = out;
	p.jobs = w.jobs;
	p.njobs = w.njobs;
	p.rootfds = rootfds;
	p.vault = o->vault;
	p.warn = o->warn;
	p.gov.rate = o->files_per_second;
	p.prev = o->prev;
	p.seen = w.seen;
	pthread_mutex_init(&p.gov.mu, NULL);
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (p.njobs) {
		job_sets js = {out, o->prev};
		qsort_r(p.jobs, p.njobs, sizeof *p.jobs, job_cmp, &js);
		p.nxside = out->n;
		p.xside = calloc(out->n ? out->n : 1, sizeof *p.xside);
		p.xside_len = calloc(out->n ? out->n : 1, sizeof *p.xside_len);
		p.capdone = p.njobs;
		p.done = malloc(p.capdone * sizeof *p.done);
		if (!p.xside || !p.xside_len || !p.done) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
			goto out_pool;
		}
		if (o->journal && (rc = fim_journal_open(o->journal, cfg->digest, o->prev == NULL, err)))
			goto out_pool;
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		size_t want = cfg->threads ? cfg->threads : (cpus > 0 ? (size_t)cpus : 1);
		if (want > MM_FIM_THREADS_MAX)
			want = MM_FIM_THREADS_MAX;
		if (want > p.njobs)
			want = p.njobs;
		for (; nth < want; nth++)
			if (pthread_create(&th[nth], NULL, worker, &p) != 0)
				break;
		if (nth == 0) {
			rc = mm_err_set(err, MM_EIO, "cannot start a hashing thread");
			goto out_pool;
		}
		/* journal what is finished while the pool works */
		uint32_t *batch = malloc(p.capdone * sizeof *batch);
		if (!batch)
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		int64_t last = mm_mono_ns();
		pthread_mutex_lock(&p.mu);
		for (;;) {
			bool all = p.finished >= p.njobs;
			if (!all) {
				struct timespec ts;
				clock_gettime(CLOCK_REALTIME, &ts);
				ts.tv_sec += 1;
				pthread_cond_timedwait(&p.cv, &p.mu, &ts);
				all = p.finished >= p.njobs;
			}
			size_t nb = 0;
			bool due = all || p.ndone >= 4096 || mm_mono_ns() - last >= 1000000000ll;
			if (batch && due && p.ndone) {
				memcpy(batch, p.done, p.ndone * sizeof *batch);
				nb = p.ndone;
				p.ndone = 0;
			}
			pthread_mutex_unlock(&p.mu);
			if (nb && o->journal && !rc) {
				/* objects must be durable before the journal claims them */
				if (o->vault)
					rc = mm_fim_vault_sync(o->vault, err);
				if (!rc)
					rc = fim_journal_append(o->journal, out, batch, nb, err);
				last = mm_mono_ns();
			}
			pthread_mutex_lock(&p.mu);
			if (all && p.ndone == 0)
				break;
		}
		pthread_mutex_unlock(&p.mu);
		free(batch);
		for (size_t i = 0; i < nth; i++)
			pthread_join(th[i], NULL);
		nth = 0;
		if (!rc && p.rc)
			rc = mm_err_set(err, p.rc, "hashing: %s", mm_strerror(p.rc));
		/* merge xattrs found by the workers (xside covers the records the walk made) */
		size_t walked = out->n;
		for (size_t i = 0; i < walked && !rc; i++) {
			if (!p.xside[i])
				continue;
			size_t len = p.xside_len[i];
			rc = fim_arena_put(out, p.xside[i], len, &out->recs[i].xattr_off);
			out->recs[i].xattr_len = (uint32_t)len;
			if (rc)
				mm_err_set(err, rc, "xattrs: %s", mm_strerror(rc));
		}
		/* full check: entries that differ from prev become records */
		for (size_t i = 0; i < p.nvd && !rc; i++)
			if ((rc = vdiff_record(cfg, o->prev, out, &p.vd[i])))
				mm_err_set(err, rc, "%s while comparing", mm_strerror(rc));
	}
	stats->hashed = p.hashed;
	stats->bytes_hashed = p.bytes;
	stats->warnings += p.warnings;
	stats->vaulted = p.vaulted;
	if (!rc) {
		size_t k = 0;
		for (size_t i = 0; i < out->n; i++)
			if (!(out->recs[i].flags & MM_FIM_VANISHED))
				out->recs[k++] = out->recs[i];
		out->n = k;
		mm_fim_set_sort(out);
	}
out_pool:
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	if (p.xside)
		for (size_t i = 0; i < p.nxside; i++)
			free(p.xside[i]);
	for (size_t i = 0; i < p.nvd; i++)
		free(p.vd[i].xattr);
	free(p.vd);
	free(p.xside);
	free(p.xside_len);
	free(p.done);
	pthread_mutex_destroy(&p.gov.mu);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.cv);
out:
	if (rootfds)
		for (size_t i = 0; i < cfg->nroots; i++)
			if (rootfds[i] >= 0)
				close(rootfds[i]);
	free(rootfds);
	free(w.jobs);
	free(w.sub);
	mm_buf_release(&w.xb);
	return rc;
}

int mm_fim_scan_one(const mm_fim_config *cfg, const char *path, mm_fim_set *s, bool *found, mm_err *err)
{
	*found = false;
	size_t plen = strlen(path);
	if (plen > MM_FIM_PATH_MAX)
		return mm_err_set(err, MM_ELIMIT, "path longer than %d bytes", MM_FIM_PATH_MAX);
	const char *rel = NULL;
	const mm_fim_root *root = fim_root_of(cfg, path, &rel);
	if (!root)
		return MM_OK;
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return errno == ENOENT || errno == ENOTDIR ? MM_OK :
		       mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
	if (!mm_fim_config_scope(cfg, path, S_ISDIR(sb.st_mode)))
		return MM_OK;
	mm_fim_rec r;
	memset(&r, 0, sizeof r);
	fim_rec_from_stat(&r, &sb);
	if (root->protect)
		r.flags |= MM_FIM_PROTECT;
	mm_buf xb;
	mm_buf_init(&xb, MM_FIM_XATTR_MAX + 16);
	int rc = fim_arena_put(s, path, plen, &r.path_off);
	r.path_len = (uint32_t)plen;
	if (!rc && r.type == MM_FIM_REG) {
		int rootfd = open(root->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		uint8_t *buf = malloc(HASH_BUF);
		mm_sha256_ctx *h = mm_sha256_new();
		hash_res res;
		memset(&res, 0, sizeof res);
		mm_buf_init(&res.xattr, MM_FIM_XATTR_MAX + 16);
		int stt = (!buf || !h) ? -1 : hash_file(rootfd, rel, path, NULL, cfg->xattrs, buf, h, &res);
		if (stt == -1) {
			rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		} else if (stt == HF_VANISHED) {
			r.flags |= MM_FIM_VANISHED;
		} else if (stt == HF_OK) {
			fim_rec_from_stat(&r, &res.sb);
			memcpy(r.sha256, res.sha, MM_SHA256_LEN);
			r.flags |= MM_FIM_HASHED;
			rc = fim_arena_put(s, res.xattr.p, res.xattr.len, &r.xattr_off);
			r.xattr_len = (uint32_t)res.xattr.len;
		} else if (stt == HF_NOTREG) {
			fim_rec_from_stat(&r, &res.sb);
			r.flags |= MM_FIM_UNSTABLE;
		} else {
			r.flags |= stt == HF_UNSTABLE ? MM_FIM_UNSTABLE : MM_FIM_UNREADABLE;
		}
		mm_buf_release(&res.xattr);
		mm_sha256_free(h);
		free(buf);
		if (rootfd >= 0)
			close(rootfd);
	} else if (!rc) {
		if (cfg->xattrs && plen < PATH_MAX && fim_xattrs_encode(-1, path, &xb) == MM_OK && xb.len) {
			rc = fim_arena_put(s, xb.p, xb.len, &r.xattr_off);
			r.xattr_len = (uint32_t)xb.len;
		}
		if (!rc && r.type == MM_FIM_LNK) {
			char target[MM_FIM_PATH_MAX + 1];
			ssize_t n = readlink(path, target, sizeof target);
			if (n < 0 || (size_t)n > MM_FIM_PATH_MAX)
				n = 0;
			rc = fim_arena_put(s, target, (size_t)n, &r.link_off);
			r.link_len = (uint32_t)n;
		}
	}
	mm_buf_release(&xb);
	if (rc)
		return rc;
	if (r.flags & MM_FIM_VANISHED)
		return MM_OK;
	rc = fim_set_push(s, &r);
	if (!rc)
		*found = true;
	return rc;
}
