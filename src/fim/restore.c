/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Restore: put approved content back on a verified order. Everything is
 * checked before anything is written (key, host, validity period, replay,
 * scope, baseline hash, vault object). Each file is written to a temp file
 * in its directory (opened without following any symlink below the root),
 * fsynced, given the baseline's owner, mode, xattrs and mtime, renamed over
 * the target, re-hashed and compared. The baseline then learns the new inode
 * and ctime, so neither `check` nor `watch` calls the restore a tamper.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <jansson.h>

#include "fim/fim_int.h"
#include "base/banned.h"

#define INFLIGHT "restore.inflight"
#define USED "orders.used"

static bool id_used(mm_fim_state *st, const char *id, int *rc, mm_err *err)
{
	char path[4096];
	fim_state_path(st, USED, path, sizeof path);
	mm_buf b;
	mm_buf_init(&b, MM_FIM_ORDERS_USED_MAX);
	int r = mm_file_read(path, MM_FIM_ORDERS_USED_MAX, &b, err);
	bool used = false;
	*rc = MM_OK;
	if (r == MM_OK) {
		size_t n = strlen(id);
		const char *p = (const char *)b.p, *end = p + b.len;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (ll == n && memcmp(p, id, n) == 0)
				used = true;
			p += ll + 1;
		}
	} else if (r != MM_ENOTFOUND) {
		*rc = r;
	}
	mm_buf_release(&b);
	return used;
}

static int mark_used(mm_fim_state *st, const char *id, mm_err *err)
{
	int fd = openat(st->dirfd, USED, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
	char line[MM_FIM_ORDER_ID_MAX + 2];
	int n = snprintf(line, sizeof line, "%s\n", id);
	if (fd < 0 || write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return mm_err_set(err, MM_EIO, "%s/%s: %s", st->dir, USED, strerror(e));
	}
	close(fd);
	return MM_OK;
}

static int write_inflight(mm_fim_state *st, const char *target, const char *tmp, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, 3 * MM_FIM_PATH_MAX);
	int rc = mm_buf_printf(&b, "%ld\n%s\n%s\n", (long)getpid(), target, tmp);
	if (!rc) {
		char path[4096];
		fim_state_path(st, INFLIGHT, path, sizeof path);
		rc = mm_file_write_atomic(path, b.p, b.len, 0600, false, err);
	} else {
		mm_err_set(err, rc, "restore marker: %s", mm_strerror(rc));
	}
	mm_buf_release(&b);
	return rc;
}

bool mm_fim_restore_inflight(mm_fim_state *st, const char *path)
{
	char p[4096];
	fim_state_path(st, INFLIGHT, p, sizeof p);
	mm_buf b;
	mm_buf_init(&b, 3 * MM_FIM_PATH_MAX + 64);
	bool hit = false;
	if (mm_file_read(p, 3 * MM_FIM_PATH_MAX + 64, &b, NULL) == MM_OK && b.len) {
		char *s = (char *)b.p, *l1 = strchr(s, '\n');
		char *l2 = l1 ? strchr(l1 + 1, '\n') : NULL;
		char *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
		if (l3) {
			*l1 = *l2 = *l3 = 0;
			uint64_t pid;
			/* a marker left by a dead process is stale: ignore it */
			if (mm_parse_u64(s, 1u << 30, &pid) && kill((pid_t)pid, 0) == 0)
				hit = strcmp(path, l1 + 1) == 0 || strcmp(path, l2 + 1) == 0;
		}
	}
	mm_buf_release(&b);
	return hit;
}

typedef struct apply_ctx {
	int fd;
	bool ok;
} apply_ctx;

static bool apply_one(void *ctx, const char *name, size_t nlen, const uint8_t *v, size_t vlen)
{
	(void)nlen;
	apply_ctx *a = ctx;
	if (fsetxattr(a->fd, name, v, vlen, 0) != 0)
		a->ok = false;
	return true;
}

bool fim_xattrs_apply(int fd, const uint8_t *blob, size_t n)
{
	/* remove what the baseline does not have, then set what it has */
	char list[8192];
	ssize_t ln = flistxattr(fd, list, sizeof list);
	for (ssize_t i = 0; i < ln;) {
		const char *nm = list + i;
		if (strncmp(nm, "security.", 9) != 0)
			fremovexattr(fd, nm);
		i += (ssize_t)strlen(nm) + 1;
	}
	apply_ctx a = {fd, true};
	if (n && !fim_xattrs_each(blob, n, apply_one, &a))
		return false;
	return a.ok;
}

/* Open (creating from the baseline if missing) the parent directory of rel under rootfd. */
static int open_parent(int rootfd, const mm_fim_root *root, const mm_fim_set *base, const char *rel,
		       char *name, size_t namelen, mm_err *err)
{
	const char *slash = strrchr(rel, '/');
	char dir[MM_FIM_PATH_MAX + 1];
	size_t dl = slash ? (size_t)(slash - rel) : 0;
	memcpy(dir, rel, dl);
	dir[dl] = 0;
	snprintf(name, namelen, "%s", slash ? slash + 1 : rel);
	int fd = fim_open_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0 || errno != ENOENT)
		return fd >= 0 ? fd : -mm_err_set(err, MM_EIO, "%s/%s: %s", root->path, dir,
						  errno == ELOOP ? "a symbolic link lies on the path; refused"
								 : strerror(errno));
	/* recreate missing directories as the baseline knew them */
	for (size_t i = 0; i <= dl; i++) {
		if (i < dl && dir[i] != '/')
			continue;
		char c = dir[i];
		dir[i] = 0;
		int d = fim_open_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
		if (d >= 0) {
			close(d);
		} else if (errno == ENOENT) {
			char full[MM_FIM_PATH_MAX + 2];
			snprintf(full, sizeof full, "%s%s%s", strcmp(root->path, "/") ? root->path : "", "/", dir);
			const mm_fim_rec *r = mm_fim_set_find(base, full, strlen(full));
			if (!r || r->type != MM_FIM_DIR)
				return -mm_err_set(err, MM_ENOTFOUND, "%s: directory missing and not in the baseline", full);
			const char *ps = strrchr(dir, '/');
			char pdir[MM_FIM_PATH_MAX + 1];
			size_t pl = ps ? (size_t)(ps - dir) : 0;
			memcpy(pdir, dir, pl);
			pdir[pl] = 0;
			int pfd = fim_open_beneath(rootfd, pdir, O_RDONLY | O_DIRECTORY, 0);
			const char *leaf = ps ? ps + 1 : dir;
			if (pfd < 0 || mkdirat(pfd, leaf, 0700) != 0) {
				int e = errno;
				if (pfd >= 0)
					close(pfd);
				return -mm_err_set(err, MM_EIO, "%s: cannot recreate: %s", full, strerror(e));
			}
			int nd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (nd >= 0) {
				if (fchown(nd, r->uid, r->gid) != 0 && geteuid() == 0) {
					/* reported by the owner comparison of the next check */
				}
				fchmod(nd, r->mode);
				close(nd);
			}
			close(pfd);
		} else {
			return -mm_err_set(err, MM_EIO, "%s/%s: %s", root->path, dir, strerror(errno));
		}
		dir[i] = c;
	}
	fd = fim_open_beneath(rootfd, dir, O_RDONLY | O_DIRECTORY, 0);
	return fd >= 0 ? fd : -mm_err_set(err, MM_EIO, "%s/%s: %s", root->path, dir, strerror(errno));
}

/* Put one file back; on success updates *r (baseline record) with the new inode and ctime. */
static int restore_one(const mm_fim_config *cfg, mm_fim_state *st, mm_fim_set *base, mm_fim_rec *r,
		       const char *path, mm_err *err)
{
	const char *rel = NULL;
	const mm_fim_root *root = fim_root_of(cfg, path, &rel);
	char name[NAME_MAX + 1], tmpname[64];
	int rootfd = -1, pfd = -1, tfd = -1, rc = MM_OK;
	bool tmp_made = false;
	if (!root || !*rel)
		return mm_err_set(err, MM_EPERM, "%s: not under a configured path", path);
	rootfd = open(root->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return mm_err_set(err, MM_EIO, "%s: %s", root->path, strerror(errno));
	pfd = open_parent(rootfd, root, base, rel, name, sizeof name, err);
	if (pfd < 0) {
		rc = -pfd;
		pfd = -1;
		goto out;
	}
	struct stat sb;
	if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode)) {
		rc = mm_err_set(err, MM_ECONFLICT, "%s: a directory stands there now; not replaced", path);
		goto out;
	}
	uint8_t rnd[8];
	char hex[17];
	mm_random(rnd, sizeof rnd);
	mm_hex_encode(rnd, sizeof rnd, hex);
	snprintf(tmpname, sizeof tmpname, "%s%s", FIM_RESTORE_TMP_PREFIX, hex);
	{
		char tfull[MM_FIM_PATH_MAX + 80];
		const char *sl = strrchr(path, '/');
		snprintf(tfull, sizeof tfull, "%.*s/%s", (int)(sl - path), path, tmpname);
		if ((rc = write_inflight(st, path, tfull, err)))
			goto out;
	}
	tfd = openat(pfd, tmpname, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (tfd < 0) {
		rc = mm_err_set(err, MM_EIO, "%s: cannot create a temp file: %s", path, strerror(errno));
		goto out;
	}
	tmp_made = true;
	if ((rc = fim_vault_copy(st, r->sha256, tfd, err))) {
		mm_err_prefix(err, "%s", path);
		goto out;
	}
	if (fchown(tfd, r->uid, r->gid) != 0 && (r->uid != geteuid() || r->gid != getegid())) {
		rc = mm_err_set(err, MM_EPERM, "%s: cannot set owner %u:%u: %s", path, r->uid, r->gid, strerror(errno));
		goto out;
	}
	if (fchmod(tfd, r->mode) != 0 || !fim_xattrs_apply(tfd, base->arena.p + r->xattr_off, r->xattr_len)) {
		rc = mm_err_set(err, MM_EIO, "%s: cannot set mode or xattrs: %s", path, strerror(errno));
		goto out;
	}
	struct timespec ts[2] = {{.tv_nsec = UTIME_NOW},
				 {.tv_sec = r->mtime_ns / 1000000000, .tv_nsec = r->mtime_ns % 1000000000}};
	if (futimens(tfd, ts) != 0 || fsync(tfd) != 0) {
		rc = mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (renameat(pfd, tmpname, pfd, name) != 0) {
		rc = mm_err_set(err, MM_EIO, "%s: rename: %s", path, strerror(errno));
		goto out;
	}
	tmp_made = false;
	fsync(pfd);
	/* re-read what is now there and compare with the baseline */
	mm_fim_set chk;
	mm_fim_set_init(&chk);
	bool found = false;
	rc = mm_fim_scan_one(cfg, path, &chk, &found, err);
	if (!rc) {
		const mm_fim_rec *now = found ? &chk.recs[0] : NULL;
		unsigned d = now ? mm_fim_rec_diff(base, r, &chk, now) & ~(MM_FIM_CH_INO | MM_FIM_CH_CTIME) : ~0u;
		if (d)
			rc = mm_err_set(err, MM_ECORRUPT, "%s: after restore the file still differs from the baseline "
							  "(changes 0x%x)", path, d);
		else
			r->ino = now->ino, r->ctime_ns = now->ctime_ns;
	}
	mm_fim_set_release(&chk);
out:
	if (tfd >= 0)
		close(tfd);
	if (tmp_made)
		unlinkat(pfd, tmpname, 0);
	if (pfd >= 0)
		close(pfd);
	if (rootfd >= 0)
		close(rootfd);
	unlinkat(st->dirfd, INFLIGHT, 0);
	return rc;
}

int mm_fim_restore(const mm_fim_config *cfg, mm_fim_state *st, const mm_fim_order *ord, mm_fim_report *rep,
		   mm_err *err)
{
	mm_fim_set base;
	mm_fim_set_init(&base);
	mm_fim_rec **recs = NULL;
	int rc = MM_OK;
	if (!cfg->has_order_key) {
		rc = mm_err_set(err, MM_EPERM, "no restore key is configured (restore.public_key): refusing");
		goto out;
	}
	if (!ord->signed_ok) {
		rc = mm_err_set(err, MM_ECRYPTO, "order %s: not verified: refusing", ord->id);
		goto out;
	}
	char host[MM_FIM_HOST_MAX + 2] = "";
	gethostname(host, sizeof host - 1);
	if (strcmp(ord->host, "*") != 0 && strcmp(ord->host, host) != 0) {
		rc = mm_err_set(err, MM_EPERM, "order %s is for host %s, this is %s: refusing", ord->id, ord->host, host);
		goto out;
	}
	int64_t now = mm_now_ns() / 1000000000;
	if (now + 300 < ord->issued_s || now > ord->expires_s) {
		rc = mm_err_set(err, MM_EPERM, "order %s is not valid now (issued %lld, expires %lld, now %lld): refusing",
				ord->id, (long long)ord->issued_s, (long long)ord->expires_s, (long long)now);
		goto out;
	}
	if ((rc = mm_fim_state_lock(st, err)))
		goto out;
	if (id_used(st, ord->id, &rc, err)) {
		rc = mm_err_set(err, MM_EPERM, "order %s was already executed (replay): refusing", ord->id);
		goto out;
	}
	if (rc)
		goto out;
	if ((rc = mm_fim_state_load(st, &base, err)))
		goto out;
	recs = calloc(ord->nfiles, sizeof *recs);
	if (!recs) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	/* everything is checked before anything is written */
	for (size_t i = 0; i < ord->nfiles; i++) {
		const char *p = ord->files[i].path;
		const char *rel;
		if (!fim_root_of(cfg, p, &rel) || !mm_fim_config_scope(cfg, p, false)) {
			rc = mm_err_set(err, MM_EPERM, "order %s: %s is not under a configured path: refusing", ord->id, p);
			goto out;
		}
		mm_fim_rec *r = mm_fim_set_find(&base, p, strlen(p));
		if (!r || r->type != MM_FIM_REG || !(r->flags & MM_FIM_HASHED)) {
			rc = mm_err_set(err, MM_EPERM, "order %s: %s is not a file of the baseline: refusing", ord->id, p);
			goto out;
		}
		if (!mm_ct_equal(r->sha256, ord->files[i].sha256, MM_SHA256_LEN)) {
			rc = mm_err_set(err, MM_EPERM, "order %s: %s: the ordered hash is not the approved one: refusing",
					ord->id, p);
			goto out;
		}
		if (!(r->flags & MM_FIM_VAULTED) || !mm_fim_vault_has(st, r->sha256)) {
			rc = mm_err_set(err, MM_ENOTFOUND, "order %s: %s: its approved content is not in the vault "
							   "(not a protected path?): refusing", ord->id, p);
			goto out;
		}
		recs[i] = r;
	}
	if ((rc = mark_used(st, ord->id, err)))
		goto out;
	size_t failed = 0;
	for (size_t i = 0; i < ord->nfiles; i++) {
		mm_err e;
		mm_err_clear(&e);
		const char *p = ord->files[i].path;
		char detail[MM_ERR_MSG_MAX + 80];
		if (restore_one(cfg, st, &base, recs[i], p, &e) != MM_OK) {
			failed++;
			fim_log_event(st, "error", p, e.msg);
			rc = mm_fim_report_event(rep, MM_FIM_EV_ERROR, p, NULL, NULL, NULL, NULL, e.msg);
		} else {
			snprintf(detail, sizeof detail, "order %s", ord->id);
			fim_log_event(st, "restored", p, detail);
			rc = mm_fim_report_event(rep, MM_FIM_EV_RESTORED, p, NULL, NULL, &base, recs[i], detail);
		}
		if (rc) {
			mm_err_set(err, rc, "report: %s", mm_strerror(rc));
			goto out;
		}
	}
	/* the baseline knows the restored files' new inode and ctime */
	if ((rc = mm_fim_state_save(st, &base, err)))
		goto out;
	if (failed)
		rc = mm_err_set(err, MM_EIO, "order %s: %zu of %zu files could not be restored", ord->id, failed,
				ord->nfiles);
out:
	free(recs);
	mm_fim_set_release(&base);
	return rc;
}
