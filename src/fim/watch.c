/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `fim watch`: follows changes in real time with fanotify where it is
 * available (root; one mark per filesystem, events carry the directory's
 * handle and the entry's name) or inotify (a watch on every directory in
 * scope), coalesces bursts per path (debounce) in a bounded
 * queue, judges each changed path against the baseline, and runs a periodic
 * rescan of everything as a safety net for missed events (queue overflow,
 * IN_Q_OVERFLOW, directories created faster than they could be watched).
 * Runs at low CPU and I/O priority with a files-per-second governor.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/inotify.h>
#include <sys/statfs.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "fim/fim_int.h"
#include "base/banned.h"

#define WATCH_MASK                                                                                  \
	(IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_ONLYDIR)

void fim_governor_lower_priority(int nice, bool ionice_idle)
{
	if (nice > 0)
		setpriority(PRIO_PROCESS, 0, nice);
	if (ionice_idle) {
		/* ioprio_set(IOPRIO_WHO_PROCESS, self, IOPRIO_CLASS_IDLE << 13) */
		syscall(SYS_ioprio_set, 1, 0, 3 << 13);
	}
}

/* ---- a small string map (open addressing, tombstones) ---- */

typedef struct slot {
	char *key; /* NULL empty; TOMB deleted */
	int64_t due;
	uint8_t dig[MM_SHA256_LEN];
} slot;

static char tomb_mark;
#define TOMB (&tomb_mark)

typedef struct smap {
	slot *s;
	size_t cap, n, used;
} smap;

static uint64_t hstr(const char *k)
{
	uint64_t h = 1469598103934665603ull;
	for (; *k; k++)
		h = (h ^ (unsigned char)*k) * 1099511628211ull;
	return h;
}

static void smap_free(smap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->s[i].key && m->s[i].key != TOMB)
			free(m->s[i].key);
	free(m->s);
	memset(m, 0, sizeof *m);
}

static slot *smap_find(const smap *m, const char *k)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hstr(k) & (m->cap - 1), step = 0; step < m->cap; i = (i + 1) & (m->cap - 1), step++) {
		slot *s = &m->s[i];
		if (!s->key)
			return NULL;
		if (s->key != TOMB && strcmp(s->key, k) == 0)
			return s;
	}
	return NULL;
}

static int smap_grow(smap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 256;
	if (m->n * 2 < m->cap)
		cap = m->cap; /* mostly tombstones: rebuild at the same size */
	slot *ns = calloc(cap, sizeof *ns);
	if (!ns)
		return MM_ENOMEM;
	for (size_t i = 0; i < m->cap; i++) {
		slot *o = &m->s[i];
		if (!o->key || o->key == TOMB)
			continue;
		size_t j = hstr(o->key) & (cap - 1);
		while (ns[j].key)
			j = (j + 1) & (cap - 1);
		ns[j] = *o;
	}
	free(m->s);
	m->s = ns;
	m->cap = cap;
	m->used = m->n;
	return MM_OK;
}

static slot *smap_put(smap *m, const char *k, bool *fresh)
{
	slot *s = smap_find(m, k);
	*fresh = false;
	if (s)
		return s;
	if ((m->used + 1) * 4 >= m->cap * 3 && smap_grow(m))
		return NULL;
	size_t i = hstr(k) & (m->cap - 1);
	while (m->s[i].key && m->s[i].key != TOMB)
		i = (i + 1) & (m->cap - 1);
	char *d = strdup(k);
	if (!d)
		return NULL;
	if (!m->s[i].key)
		m->used++;
	memset(&m->s[i], 0, sizeof m->s[i]);
	m->s[i].key = d;
	m->n++;
	*fresh = true;
	return &m->s[i];
}

static void smap_del(smap *m, slot *s)
{
	free(s->key);
	s->key = TOMB;
	m->n--;
}

/* ---- the watcher ---- */

typedef struct watcher {
	const mm_fim_config *cfg;
	mm_fim_state *st;
	mm_fim_report *rep;
	mm_fim_av *av;
	FILE *warn;
	int ifd;
	char **wd_path; /* indexed by watch descriptor */
	size_t wd_cap, nwatch;
	smap pending, reported;
	bool overflow;
	mm_fim_set base;
	struct stat base_sb;
	int64_t next_rescan;
	fim_maint *maint; /* maintenance windows in force (reloaded at each rescan) */
	uint64_t rescans;
	int ffd;          /* fanotify, or -1 (then inotify, ifd) */
	int *mfd;         /* per root: a descriptor on its filesystem, for open_by_handle_at */
	fsid_t *fsid;     /* per root */
} watcher;

static int watch_dir(watcher *w, const char *path)
{
	if (w->ffd >= 0)
		return MM_OK; /* fanotify marks whole filesystems */
	if (w->nwatch >= MM_FIM_WATCH_DIRS_MAX)
		return MM_ELIMIT;
	int wd = inotify_add_watch(w->ifd, path, WATCH_MASK);
	if (wd < 0) {
		if (errno == ENOSPC) {
			if (w->warn)
				fprintf(w->warn, "mamori-agent: warning: out of inotify watches at %s; the periodic rescan "
						 "covers the rest\n", path);
			return MM_ELIMIT;
		}
		return MM_OK; /* vanished or not a directory any more */
	}
	if ((size_t)wd >= w->wd_cap) {
		size_t cap = w->wd_cap ? w->wd_cap : 1024;
		while (cap <= (size_t)wd)
			cap *= 2;
		char **np = realloc(w->wd_path, cap * sizeof *np);
		if (!np)
			return MM_ENOMEM;
		memset(np + w->wd_cap, 0, (cap - w->wd_cap) * sizeof *np);
		w->wd_path = np;
		w->wd_cap = cap;
	}
	if (!w->wd_path[wd]) {
		w->nwatch++;
	} else {
		free(w->wd_path[wd]);
	}
	w->wd_path[wd] = strdup(path);
	return w->wd_path[wd] ? MM_OK : MM_ENOMEM;
}

static void enqueue(watcher *w, const char *path, int64_t due)
{
	if (w->pending.n >= w->cfg->queue_max) {
		w->overflow = true; /* the rescan sees everything */
		return;
	}
	bool fresh;
	slot *s = smap_put(&w->pending, path, &fresh);
	if (!s) {
		w->overflow = true;
		return;
	}
	s->due = due;
}

/* Watch a directory and everything under it that is in scope; queue its entries. */
static int watch_tree(watcher *w, const char *path, unsigned depth, bool queue)
{
	int rc = watch_dir(w, path);
	if (rc || depth > MM_FIM_DEPTH_MAX)
		return rc;
	DIR *d = opendir(path);
	if (!d)
		return MM_OK;
	struct dirent *de;
	char child[MM_FIM_PATH_MAX + 1];
	while ((de = readdir(d)) && !rc) {
		const char *nm = de->d_name;
		if (nm[0] == '.' && (nm[1] == 0 || (nm[1] == '.' && nm[2] == 0)))
			continue;
		if (snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", nm) >= (int)sizeof child)
			continue;
		struct stat sb;
		if (lstat(child, &sb) != 0)
			continue;
		bool isdir = S_ISDIR(sb.st_mode);
		if (!mm_fim_config_scope(w->cfg, child, isdir))
			continue;
		if (queue)
			enqueue(w, child, mm_mono_ns() + (int64_t)w->cfg->debounce_ms * 1000000);
		if (isdir)
			rc = watch_tree(w, child, depth + 1, queue);
	}
	closedir(d);
	return rc;
}

static int load_base(watcher *w, mm_err *err)
{
	char p[4096];
	fim_state_path(w->st, FIM_BASELINE_NAME, p, sizeof p);
	struct stat sb;
	if (stat(p, &sb) == 0 && w->base.n && sb.st_ino == w->base_sb.st_ino &&
	    sb.st_mtim.tv_nsec == w->base_sb.st_mtim.tv_nsec && sb.st_mtim.tv_sec == w->base_sb.st_mtim.tv_sec)
		return MM_OK;
	mm_fim_set ns;
	mm_fim_set_init(&ns);
	int rc = mm_fim_state_load(w->st, &ns, err);
	if (rc) {
		mm_fim_set_release(&ns);
		return rc;
	}
	mm_fim_set_release(&w->base);
	w->base = ns;
	w->base_sb = sb;
	return MM_OK;
}

/* A digest of a record's state, to report each distinct state of a path once. */
static void state_digest(const mm_fim_set *s, const mm_fim_rec *r, uint8_t out[MM_SHA256_LEN])
{
	mm_buf b;
	mm_buf_init(&b, MM_FIM_PATH_MAX * 2 + MM_FIM_XATTR_MAX + 256);
	if (!r) {
		mm_sha256("absent", 6, out);
	} else {
		mm_fim_rec c = *r;
		c.ino = 0, c.ctime_ns = 0; /* like the diff, judge content and attributes */
		if (mm_fim_rec_encode(s, &c, &b) == MM_OK)
			mm_sha256(b.p, b.len, out);
		else
			memset(out, 0, MM_SHA256_LEN);
	}
	mm_buf_release(&b);
}

/* Judge one path: current state (cur may be NULL) against the baseline. */
static int judge(watcher *w, const char *path, const mm_fim_set *cs, const mm_fim_rec *cur)
{
	const mm_fim_rec *b = mm_fim_set_find(&w->base, path, strlen(path));
	slot *rs = smap_find(&w->reported, path);
	mm_fim_ev_kind k;
	if (!b && !cur)
		goto back_to_baseline;
	if (b && cur && !mm_fim_rec_diff(&w->base, b, cs, cur))
		goto back_to_baseline;
	k = !b ? MM_FIM_EV_ADDED : !cur ? MM_FIM_EV_REMOVED : MM_FIM_EV_MODIFIED;
	char detail[400];
	bool expected = w->maint && fim_maint_expected(w->maint, path, cs, cur, detail, sizeof detail);
	uint8_t dig[MM_SHA256_LEN];
	state_digest(cs, cur, dig);
	if (rs && memcmp(rs->dig, dig, MM_SHA256_LEN) == 0)
		return MM_OK; /* this state was reported already */
	bool fresh;
	rs = smap_put(&w->reported, path, &fresh);
	if (rs)
		memcpy(rs->dig, dig, MM_SHA256_LEN);
	if (expected)
		fim_log_event(w->st, "expected", path, detail);
	int rc = mm_fim_report_event(w->rep, expected ? MM_FIM_EV_EXPECTED : k, path, &w->base, b, cs, cur,
				     expected ? detail : NULL);
	if (rc || !cur || cur->type != MM_FIM_REG)
		return rc;
	if (k == MM_FIM_EV_ADDED || (mm_fim_rec_diff(&w->base, b, cs, cur) & (MM_FIM_CH_SHA | MM_FIM_CH_TYPE)))
		rc = fim_respond(w->cfg, w->st, w->av, w->rep, cs, cur, k == MM_FIM_EV_ADDED && !expected, w->warn);
	return rc;
back_to_baseline:
	if (rs)
		smap_del(&w->reported, rs);
	return MM_OK;
}

static int process_path(watcher *w, const char *path, mm_err *err)
{
	mm_fim_set s;
	mm_fim_set_init(&s);
	bool found = false;
	int rc = mm_fim_scan_one(w->cfg, path, &s, &found, err);
	if (rc == MM_OK)
		rc = judge(w, path, &s, found ? &s.recs[0] : NULL);
	mm_fim_set_release(&s);
	return rc;
}

static int rescan(watcher *w, mm_err *err)
{
	mm_fim_set cur;
	mm_fim_set_init(&cur);
	fim_maint_close(w->maint);
	w->maint = NULL;
	int rc = fim_maint_open(w->cfg, w->st, NULL, w->warn, &w->maint, err);
	if (rc)
		return rc;
	w->rescans++;
	uint8_t *seen = calloc(w->base.n / 8 + 1, 1);
	if (!seen)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	mm_fim_scan_opts o = {.prev = &w->base, .files_per_second = w->cfg->files_per_second, .warn = w->warn,
			      .seen = seen};
	rc = mm_fim_scan(w->cfg, &o, &cur, NULL, err);
	size_t i = 0, k = 0;
	while (!rc && (i < w->base.n || k < cur.n)) {
		const mm_fim_rec *a = i < w->base.n ? &w->base.recs[i] : NULL;
		const mm_fim_rec *b = k < cur.n ? &cur.recs[k] : NULL;
		int c = !a ? 1 : !b ? -1 : strcmp(mm_fim_rec_path(&w->base, a), mm_fim_rec_path(&cur, b));
		if (c < 0 && fim_seen(seen, i)) {
			/* unchanged since the baseline: clear what was reported about it */
			slot *rs = smap_find(&w->reported, mm_fim_rec_path(&w->base, a));
			if (rs)
				smap_del(&w->reported, rs);
			i++;
		} else if (c < 0) {
			rc = judge(w, mm_fim_rec_path(&w->base, a), &cur, NULL);
			i++;
		} else if (c > 0) {
			rc = judge(w, mm_fim_rec_path(&cur, b), &cur, b);
			if (!rc && b->type == MM_FIM_DIR)
				rc = watch_dir(w, mm_fim_rec_path(&cur, b)) == MM_ENOMEM ? MM_ENOMEM : MM_OK;
			k++;
		} else {
			rc = judge(w, mm_fim_rec_path(&cur, b), &cur, b);
			i++, k++;
		}
	}
	mm_fim_set_release(&cur);
	free(seen);
	w->overflow = false;
	w->next_rescan = mm_mono_ns() + (int64_t)(w->cfg->rescan_seconds ? w->cfg->rescan_seconds : 3600) * 1000000000;
	return rc;
}

static void read_events(watcher *w)
{
	char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
	for (;;) {
		ssize_t n = read(w->ifd, buf, sizeof buf);
		if (n <= 0)
			return;
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			p += sizeof *ev + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				w->overflow = true;
				continue;
			}
			if (ev->wd < 0 || (size_t)ev->wd >= w->wd_cap || !w->wd_path[ev->wd])
				continue;
			if (ev->mask & IN_IGNORED) {
				free(w->wd_path[ev->wd]);
				w->wd_path[ev->wd] = NULL;
				w->nwatch--;
				continue;
			}
			const char *dir = w->wd_path[ev->wd];
			char path[MM_FIM_PATH_MAX + 1];
			if (ev->len && ev->name[0]) {
				if (snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", ev->name) >=
				    (int)sizeof path)
					continue;
			} else {
				snprintf(path, sizeof path, "%s", dir);
			}
			int64_t due = mm_mono_ns() + (int64_t)w->cfg->debounce_ms * 1000000;
			enqueue(w, path, due);
			if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && (ev->mask & IN_ISDIR) &&
			    mm_fim_config_scope(w->cfg, path, true))
				(void)watch_tree(w, path, 0, true); /* entries made before the watch existed */
		}
	}
}

#define FAN_EVENTS                                                                                  \
	(FAN_CREATE | FAN_DELETE | FAN_MOVED_FROM | FAN_MOVED_TO | FAN_MODIFY | FAN_ATTRIB | FAN_CLOSE_WRITE | \
	 FAN_ONDIR)

/*
 * fanotify with directory handles and names, one filesystem mark per root's
 * filesystem. Fails (errno) without CAP_SYS_ADMIN or on kernels before 5.9;
 * the caller then uses inotify.
 */
static int fan_setup(watcher *w)
{
	int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_NONBLOCK | FAN_CLOEXEC, O_RDONLY | O_LARGEFILE);
	if (fd < 0)
		return -1;
	w->mfd = calloc(w->cfg->nroots ? w->cfg->nroots : 1, sizeof *w->mfd);
	w->fsid = calloc(w->cfg->nroots ? w->cfg->nroots : 1, sizeof *w->fsid);
	if (!w->mfd || !w->fsid) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < w->cfg->nroots; i++)
		w->mfd[i] = -1;
	for (size_t i = 0; i < w->cfg->nroots; i++) {
		const char *rp = w->cfg->roots[i].path;
		struct statfs sf;
		int rfd = open(rp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (rfd < 0)
			continue; /* not there (yet): the rescans see it */
		if (fstatfs(rfd, &sf) != 0 ||
		    fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_EVENTS, AT_FDCWD, rp) != 0) {
			int e = errno;
			close(rfd);
			close(fd);
			errno = e;
			return -1;
		}
		w->mfd[i] = rfd;
		memcpy(&w->fsid[i], &sf.f_fsid, sizeof sf.f_fsid);
	}
	w->ffd = fd;
	return 0;
}

/* The path of a directory file handle on the filesystem with fsid; false if unknown or gone. */
static bool fan_dir_path(watcher *w, const fsid_t *fsid, struct file_handle *fh, char *out, size_t outlen)
{
	for (size_t i = 0; i < w->cfg->nroots; i++) {
		if (w->mfd[i] < 0 || memcmp(&w->fsid[i], fsid, sizeof *fsid) != 0)
			continue;
		int dfd = open_by_handle_at(w->mfd[i], fh, O_PATH | O_CLOEXEC);
		if (dfd < 0)
			continue;
		char link[64];
		snprintf(link, sizeof link, "/proc/self/fd/%d", dfd);
		ssize_t n = readlink(link, out, outlen - 1);
		close(dfd);
		if (n <= 0 || (size_t)n >= outlen - 1)
			return false;
		out[n] = 0;
		return out[0] == '/';
	}
	return false;
}

/*
 * Read fanotify events. With names, records are not 8-byte aligned in the
 * buffer: every structure is copied out before it is looked at.
 */
static void fan_event(watcher *w, const char *ev, size_t evlen)
{
	struct fanotify_event_metadata m;
	memcpy(&m, ev, sizeof m);
	if (m.fd >= 0)
		close(m.fd);
	if (m.mask & FAN_Q_OVERFLOW) {
		w->overflow = true;
		return;
	}
	for (size_t off = m.metadata_len; off + sizeof(struct fanotify_event_info_header) <= evlen;) {
		struct fanotify_event_info_header h;
		memcpy(&h, ev + off, sizeof h);
		if (h.len < sizeof h || h.len > evlen - off)
			return;
		size_t fixed = sizeof(struct fanotify_event_info_fid) + sizeof(struct file_handle);
		if (h.info_type == FAN_EVENT_INFO_TYPE_DFID_NAME && h.len > fixed) {
			struct fanotify_event_info_fid fid;
			memcpy(&fid, ev + off, sizeof fid);
			union {
				struct file_handle fh;
				char raw[sizeof(struct file_handle) + MAX_HANDLE_SZ];
			} u;
			const char *hp = ev + off + sizeof fid;
			memcpy(&u.fh, hp, sizeof u.fh);
			size_t hb = u.fh.handle_bytes;
			const char *name = hp + sizeof u.fh + hb, *rec_end = ev + off + h.len;
			char dir[MM_FIM_PATH_MAX + 1], path[MM_FIM_PATH_MAX + 1];
			if (hb <= MAX_HANDLE_SZ && name < rec_end && memchr(name, 0, (size_t)(rec_end - name))) {
				memcpy(u.fh.f_handle, hp + sizeof u.fh, hb);
				fsid_t fsid;
				memcpy(&fsid, &fid.fsid, sizeof fsid);
				if (fan_dir_path(w, &fsid, &u.fh, dir, sizeof dir)) {
					bool self = !name[0] || strcmp(name, ".") == 0;
					int k = self ? snprintf(path, sizeof path, "%s", dir) :
						       snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", name);
					const char *rel;
					if (k > 0 && k < (int)sizeof path && fim_root_of(w->cfg, path, &rel)) {
						enqueue(w, path, mm_mono_ns() + (int64_t)w->cfg->debounce_ms * 1000000);
						if ((m.mask & (FAN_CREATE | FAN_MOVED_TO)) && (m.mask & FAN_ONDIR) &&
						    mm_fim_config_scope(w->cfg, path, true))
							(void)watch_tree(w, path, 0, true); /* entries made before we looked */
					}
				}
			}
		}
		off += h.len;
	}
}

static void fan_read(watcher *w)
{
	char buf[64 * 1024];
	for (;;) {
		ssize_t n = read(w->ffd, buf, sizeof buf);
		if (n <= 0)
			return;
		size_t off = 0;
		while ((size_t)n - off >= sizeof(struct fanotify_event_metadata)) {
			struct fanotify_event_metadata m;
			memcpy(&m, buf + off, sizeof m);
			if (m.event_len < sizeof m || m.event_len > (size_t)n - off)
				break;
			if (m.vers == FANOTIFY_METADATA_VERSION)
				fan_event(w, buf + off, m.event_len);
			off += m.event_len;
		}
	}
}

int mm_fim_watch(const mm_fim_config *cfg, mm_fim_state *st, const mm_fim_watch_opts *o, mm_fim_report *rep,
		 mm_err *err)
{
	watcher w;
	memset(&w, 0, sizeof w);
	w.ffd = -1;
	w.ifd = -1;
	w.cfg = cfg;
	w.st = st;
	w.rep = rep;
	w.warn = o->warn;
	mm_fim_set_init(&w.base);
	int rc = load_base(&w, err);
	if (rc)
		goto out;
	if (cfg->malware_db && (rc = mm_fim_av_open(cfg->malware_db, &w.av, err)))
		goto out;
	fim_governor_lower_priority(cfg->nice, cfg->ionice_idle);
	if (o->backend != MM_FIM_WATCH_INOTIFY && fan_setup(&w) != 0) {
		if (o->backend == MM_FIM_WATCH_FANOTIFY) {
			rc = mm_err_set(err, MM_EUNSUPPORTED, "fanotify: %s (it needs root and Linux 5.9)", strerror(errno));
			goto out;
		}
		if (o->warn)
			fprintf(o->warn, "mamori-agent: fanotify unavailable (%s); using inotify\n", strerror(errno));
	}
	if (w.ffd < 0 && (w.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		rc = mm_err_set(err, MM_EIO, "inotify: %s", strerror(errno));
		goto out;
	}
	if (o->used)
		*o->used = w.ffd >= 0 ? MM_FIM_WATCH_FANOTIFY : MM_FIM_WATCH_INOTIFY;
	for (size_t i = 0; i < cfg->nroots && !rc && w.ffd < 0; i++) {
		struct stat sb;
		if (lstat(cfg->roots[i].path, &sb) == 0 && S_ISDIR(sb.st_mode))
			rc = watch_tree(&w, cfg->roots[i].path, 0, false);
		if (rc == MM_ELIMIT)
			rc = MM_OK;
	}
	if (rc) {
		mm_err_set(err, rc, "watch: %s", mm_strerror(rc));
		goto out;
	}
	/* catch up with what changed while nobody watched */
	if ((rc = rescan(&w, err)))
		goto out;
	if (o->warn) {
		if (w.ffd >= 0)
			fprintf(o->warn, "mamori-agent: watching %zu paths with fanotify\n", cfg->nroots);
		else
			fprintf(o->warn, "mamori-agent: watching %zu directories under %zu paths with inotify\n", w.nwatch,
				cfg->nroots);
		fflush(o->warn);
	}
	int64_t end = o->max_seconds ? mm_mono_ns() + (int64_t)o->max_seconds * 1000000000 : INT64_MAX;
	while (!(o->stop && *o->stop) && mm_mono_ns() < end) {
		int64_t now = mm_mono_ns(), next = w.next_rescan;
		for (size_t i = 0; i < w.pending.cap; i++) {
			slot *s = &w.pending.s[i];
			if (s->key && s->key != TOMB && s->due < next)
				next = s->due;
		}
		int64_t wait = next - now;
		if (wait > 200000000)
			wait = 200000000; /* look at the stop flag regularly */
		if (wait < 0)
			wait = 0;
		struct pollfd pfd = {.fd = w.ffd >= 0 ? w.ffd : w.ifd, .events = POLLIN};
		int pr = poll(&pfd, 1, (int)(wait / 1000000));
		if (pr > 0 && w.ffd >= 0)
			fan_read(&w);
		else if (pr > 0)
			read_events(&w);
		now = mm_mono_ns();
		if ((rc = load_base(&w, err)))
			goto out;
		if (w.overflow || now >= w.next_rescan) {
			if (w.overflow && o->warn)
				fprintf(o->warn, "mamori-agent: event queue overflowed; rescanning everything\n");
			for (size_t i = 0; i < w.pending.cap; i++)
				if (w.pending.s[i].key && w.pending.s[i].key != TOMB)
					smap_del(&w.pending, &w.pending.s[i]);
			if ((rc = rescan(&w, err)))
				goto out;
			continue;
		}
		for (size_t i = 0; i < w.pending.cap; i++) {
			slot *s = &w.pending.s[i];
			if (!s->key || s->key == TOMB || s->due > now)
				continue;
			if (mm_fim_restore_inflight(st, s->key)) {
				s->due = now + 200000000; /* the agent's own restore: look after it finished */
				continue;
			}
			mm_err e;
			mm_err_clear(&e);
			if (process_path(&w, s->key, &e) != MM_OK && o->warn)
				fprintf(o->warn, "mamori-agent: warning: %s\n", e.msg);
			smap_del(&w.pending, s);
		}
	}
out:
	if (w.ifd >= 0)
		close(w.ifd);
	if (w.ffd >= 0)
		close(w.ffd);
	for (size_t i = 0; w.mfd && i < cfg->nroots; i++)
		if (w.mfd[i] >= 0)
			close(w.mfd[i]);
	free(w.mfd);
	free(w.fsid);
	for (size_t i = 0; i < w.wd_cap; i++)
		free(w.wd_path[i]);
	free(w.wd_path);
	smap_free(&w.pending);
	smap_free(&w.reported);
	mm_fim_set_release(&w.base);
	mm_fim_av_close(w.av);
	fim_maint_close(w.maint);
	return rc;
}
