/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bounded reading confined to the root: openat2(RESOLVE_IN_ROOT) so that a
 * symlink in a fixture or captured tree cannot lead outside it, regular
 * files only (a FIFO or device never blocks or streams forever), a line
 * splitter with a fixed line limit, directory listing with a count limit,
 * and running a live command without a shell.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "facts/facts_int.h"
#include "base/banned.h"

int facts_openat(mm_facts *f, const char *rel, bool dir)
{
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	struct open_how how;
	memset(&how, 0, sizeof how);
	how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (dir ? O_DIRECTORY : 0);
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	int fd = (int)syscall(SYS_openat2, f->rootfd, rel, &how, sizeof how);
	if (fd < 0 && errno == ENOSYS)
		fd = openat(f->rootfd, rel, (int)how.flags);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		close(fd);
		errno = dir ? ENOTDIR : (S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
		return -1;
	}
	/* reads of regular files never block; clear O_NONBLOCK for clarity */
	if (!dir)
		(void)fcntl(fd, F_SETFL, 0);
	return fd;
}

static const char *open_error(int e)
{
	if (e == EINVAL)
		return "not a regular file";
	return strerror(e);
}

/* ---- line splitter ---- */

static void reject(fsrc *s, size_t *counter, const char *why)
{
	(*counter)++;
	if (!s->first_bad) {
		s->first_bad = s->lineno ? s->lineno : 1;
		if (why || !s->why[0])
			snprintf(s->why, sizeof s->why, "%s", why ? why : "malformed");
	}
}

int src_bad(fsrc *s, const char *why)
{
	if (!s->first_bad)
		snprintf(s->why, sizeof s->why, "%s", why);
	return SRC_REJECT;
}

static int deliver(fsrc *s, char *line, size_t len)
{
	s->lineno++;
	if (s->skip_first) { /* the partial line where a tail read starts */
		s->skip_first = false;
		s->overlong = false;
		return MM_OK;
	}
	if (s->overlong) {
		s->overlong = false;
		reject(s, &s->too_long, "line too long");
		return MM_OK;
	}
	if (memchr(line, '\0', len)) {
		reject(s, &s->with_nul, "NUL byte in line");
		return MM_OK;
	}
	if (len && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	int rc = s->fn(s, line, len);
	if (rc == SRC_REJECT) {
		reject(s, &s->rejected, NULL);
		return MM_OK;
	}
	return rc;
}

int src_feed(fsrc *s, const char *data, size_t len, bool final)
{
	if (!s->lbuf && !(s->lbuf = malloc(MM_FACTS_LINE_MAX + 1)))
		return s->rc = MM_ENOMEM;
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t)(nl - data) : len;
		if (!s->overlong) {
			if (s->llen + seg > MM_FACTS_LINE_MAX) {
				s->overlong = true;
				s->llen = 0;
			} else {
				memcpy(s->lbuf + s->llen, data, seg);
				s->llen += seg;
			}
		}
		if (!nl)
			break;
		int rc = deliver(s, s->lbuf, s->llen);
		s->llen = 0;
		if (rc != MM_OK)
			return s->rc = rc;
		data += seg + 1;
		len -= seg + 1;
	}
	if (final && (s->llen || s->overlong)) {
		int rc = deliver(s, s->lbuf, s->llen);
		s->llen = 0;
		if (rc != MM_OK)
			return s->rc = rc;
	}
	return MM_OK;
}

int src_read_lines(fsrc *s, const char *rel, uint64_t limit, bool tail, line_fn fn)
{
	s->fn = fn;
	int fd = facts_openat(s->f, rel, false);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			src_set(s, ST_MISSING, "not present");
		else
			src_set(s, ST_ERROR, "cannot open: %s", open_error(errno));
		return MM_OK;
	}
	int rc = MM_OK;
	struct stat st;
	if (fstat(fd, &st) == 0)
		s->size = (uint64_t)st.st_size;
	if (s->size > limit) {
		if (!tail) {
			src_set(s, ST_ERROR, "larger than the limit of %llu bytes (%llu bytes)",
				(unsigned long long)limit, (unsigned long long)s->size);
			goto out;
		}
		s->skipped_bytes = s->size - limit;
		if (lseek(fd, (off_t)s->skipped_bytes, SEEK_SET) < 0) {
			src_set(s, ST_ERROR, "cannot seek: %s", strerror(errno));
			goto out;
		}
		s->truncated = true;
		s->skip_first = true;
	}
	uint64_t total = 0;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			src_set(s, ST_ERROR, "read failed: %s", strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (total + (uint64_t)n > limit) {
			/* the file grew (or is a procfs file without a size) past the limit */
			n = (ssize_t)(limit - total);
			s->truncated = true;
			if (!s->size || s->size < total + (uint64_t)n)
				s->size = total + (uint64_t)n + 1;
		}
		total += (uint64_t)n;
		rc = src_feed(s, chunk, (size_t)n, false);
		if (rc != MM_OK || total >= limit)
			break;
	}
	if (rc == MM_OK)
		rc = src_feed(s, "", 0, true);
	if (s->sensitive)
		mm_wipe(chunk, sizeof chunk);
out:
	close(fd);
	if (rc == MM_ELIMIT)
		return MM_OK; /* recorded by src_finish */
	return rc;
}

int facts_read_config(mm_facts *f, const char *collector, const char *rel, line_fn fn,
		      int (*finish)(fsrc *), const char *arg, unsigned flags)
{
	fsrc s;
	char *st = calloc(1, FACTS_STATE_MAX);
	if (!st)
		return MM_ENOMEM;
	src_init(&s, f, collector, rel);
	s.st = st;
	s.arg = arg;
	s.sensitive = flags & FR_SENSITIVE;
	int rc = src_read_lines(&s, rel, MM_FACTS_CONFIG_MAX, false, fn);
	if (rc == MM_OK && finish && s.status < 0)
		rc = finish(&s);
	if (rc == MM_ELIMIT)
		rc = MM_OK; /* recorded by src_finish */
	int frc = MM_OK;
	if ((flags & FR_QUIET_MISSING) && s.status == ST_MISSING)
		free(s.lbuf);
	else
		frc = src_finish(&s);
	free(st);
	return rc ? rc : frc;
}

ssize_t facts_read_small(mm_facts *f, const char *rel, char *buf, size_t cap)
{
	int fd = facts_openat(f, rel, false);
	if (fd < 0)
		return -1;
	size_t len = 0;
	for (;;) {
		if (len + 1 >= cap) {
			char c;
			ssize_t extra = read(fd, &c, 1);
			close(fd);
			if (extra > 0) {
				errno = E2BIG;
				return -1;
			}
			break;
		}
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0) {
			close(fd);
			break;
		}
		len += (size_t)n;
	}
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\r' ||
		       buf[len - 1] == '\t'))
		buf[--len] = '\0';
	return (ssize_t)len;
}

int facts_read_whole(mm_facts *f, const char *rel, size_t limit, mm_buf *b)
{
	int fd = facts_openat(f, rel, false);
	if (fd < 0)
		return -1;
	size_t total = 0;
	int ret = 0;
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -1;
			break;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > limit) {
			errno = EFBIG;
			ret = -1;
			break;
		}
		if (mm_buf_append(b, chunk, (size_t)n) != MM_OK) {
			errno = ENOMEM;
			ret = -1;
			break;
		}
	}
	int e = errno;
	close(fd);
	errno = e;
	return ret;
}

/* ---- directories ---- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int facts_listdir(mm_facts *f, const char *rel, fdir *d)
{
	d->names = NULL;
	d->n = 0;
	int fd = facts_openat(f, rel, true);
	if (fd < 0)
		return -1;
	int r = facts_listdir_fd(fd, d);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int facts_listdir_fd(int dfd, fdir *d)
{
	d->names = NULL;
	d->n = 0;
	int fd = dup(dfd);
	if (fd < 0)
		return -1;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	DIR *dir = fdopendir(fd);
	if (!dir) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	size_t cap = 0;
	struct dirent *de;
	int ret = 0;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' &&
		    (de->d_name[1] == '\0' || (de->d_name[1] == '.' && de->d_name[2] == '\0')))
			continue;
		if (d->n >= MM_FACTS_DIR_MAX) {
			errno = E2BIG;
			ret = -1;
			break;
		}
		if (d->n == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			char **p = realloc(d->names, ncap * sizeof *p);
			if (!p) {
				errno = ENOMEM;
				ret = -1;
				break;
			}
			d->names = p;
			cap = ncap;
		}
		if (!(d->names[d->n] = strdup(de->d_name))) {
			errno = ENOMEM;
			ret = -1;
			break;
		}
		d->n++;
	}
	int e = errno;
	closedir(dir);
	if (ret != 0) {
		fdir_release(d);
		errno = e;
		return -1;
	}
	if (d->n)
		qsort(d->names, d->n, sizeof *d->names, cmp_names);
	return 0;
}

void fdir_release(fdir *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	d->names = NULL;
	d->n = 0;
}

/* ---- live commands ---- */

int facts_exec_capture(const char *path, char *const argv[], size_t limit, mm_buf *b,
		       char *why, size_t whylen)
{
	int pfd[2];
	if (access(path, X_OK) != 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(why, whylen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL};
		int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(pfd[1], 1) < 0 || dup2(devnull, 2) < 0)
			_exit(127);
		execve(path, argv, envp);
		_exit(127);
	}
	close(pfd[1]);
	int ret = 0;
	int64_t deadline = mm_mono_ns() + (int64_t)MM_FACTS_EXEC_TIMEOUT_MS * 1000000;
	char chunk[65536];
	for (;;) {
		int64_t left = (deadline - mm_mono_ns()) / 1000000;
		if (left <= 0) {
			snprintf(why, whylen, "%s: no answer within %d ms", path, MM_FACTS_EXEC_TIMEOUT_MS);
			ret = -1;
			break;
		}
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		int pr = poll(&p, 1, (int)left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0)
			continue;
		ssize_t n = read(pfd[0], chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b->len + (size_t)n > limit) {
			snprintf(why, whylen, "%s: output larger than %zu bytes", path, limit);
			ret = -1;
			break;
		}
		if (mm_buf_append(b, chunk, (size_t)n) != MM_OK) {
			snprintf(why, whylen, "out of memory");
			ret = -1;
			break;
		}
	}
	close(pfd[0]);
	if (ret != 0)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		snprintf(why, whylen, "%s exited with status %d", path,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		ret = -1;
	}
	return ret;
}

/* ---- text helpers ---- */

char *str_trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

bool str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

size_t str_split(char *s, char sep, char **out, size_t max)
{
	size_t n = 0;
	if (!max)
		return 0;
	out[n++] = s;
	for (char *p = s; *p; p++) {
		if (*p == sep) {
			if (n == max)
				return n + 1; /* more fields than max: caller rejects */
			*p = '\0';
			out[n++] = p + 1;
		}
	}
	return n;
}

bool str_int(const char *s, int64_t *out)
{
	return s && *s && mm_parse_i64(s, out);
}

int64_t civil_to_unix(int y, int mon, int d, int h, int mi, int s)
{
	/* days from civil, Howard Hinnant's algorithm */
	y -= mon <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;
	return days * 86400 + h * 3600 + mi * 60 + s;
}
