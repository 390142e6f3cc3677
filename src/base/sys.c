/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time and whole-file I/O: the only places base touches the OS.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/mm_base.h"
#include "base/banned.h"

int64_t mm_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t mm_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void mm_time_format(int64_t ns, int offset_min, char *out, size_t outlen)
{
	int64_t sec = ns / 1000000000, frac = ns % 1000000000;
	if (frac < 0) {
		frac += 1000000000;
		sec -= 1;
	}
	time_t t = (time_t)(sec + (int64_t)offset_min * 60);
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		snprintf(out, outlen, "invalid-time");
		return;
	}
	int off = offset_min < 0 ? -offset_min : offset_min;
	char zone[8];
	if (offset_min == 0)
		snprintf(zone, sizeof zone, "Z");
	else
		snprintf(zone, sizeof zone, "%c%02d:%02d", offset_min < 0 ? '-' : '+', off / 60, off % 60);
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%s", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(frac / 1000000), zone);
}

bool mm_file_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

int mm_file_read(const char *path, size_t limit, mm_buf *b, mm_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "%s: %s", path,
				  strerror(errno));
	int rc = MM_OK;
	struct stat st;
	if (fstat(fd, &st) != 0) {
		rc = mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = mm_err_set(err, MM_EINVAL, "%s: is a directory", path);
		goto out_close;
	}
	size_t total = 0;
	for (;;) {
		uint8_t chunk[16384];
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = mm_err_set(err, MM_EIO, "%s: %s", path, strerror(errno));
			goto out_close;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (total > limit) {
			rc = mm_err_set(err, MM_ELIMIT, "%s: larger than the limit of %zu bytes", path, limit);
			goto out_close;
		}
		rc = mm_buf_append(b, chunk, (size_t)n);
		if (rc) {
			mm_err_set(err, rc, "%s: %s", path, mm_strerror(rc));
			goto out_close;
		}
	}
out_close:
	close(fd);
	return rc;
}

static int fsync_dir_of(const char *path)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return -1;
	int dfd = open(dirname(tmp), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	int r = fsync(dfd);
	close(dfd);
	return r;
}

int mm_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
			 bool exclusive, mm_err *err)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp)
		return mm_err_set(err, MM_ELIMIT, "%s: path too long", path);
	if (exclusive && mm_file_exists(path))
		return mm_err_set(err, MM_EEXIST, "%s: already exists", path);
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "%s: %s", tmp, strerror(errno));
	int rc = MM_OK;
	if (fchmod(fd, (mode_t)mode) != 0) {
		rc = mm_err_set(err, MM_EIO, "%s: chmod: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	const uint8_t *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = mm_err_set(err, MM_EIO, "%s: write: %s", tmp, strerror(errno));
			goto out_unlink;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fsync(fd) != 0) {
		rc = mm_err_set(err, MM_EIO, "%s: fsync: %s", tmp, strerror(errno));
		goto out_unlink;
	}
	close(fd);
	fd = -1;
	if (exclusive) {
		/* link() fails if path exists: no window where another file is replaced */
		if (link(tmp, path) != 0) {
			rc = mm_err_set(err, errno == EEXIST ? MM_EEXIST : MM_EIO, "%s: %s", path,
					strerror(errno));
			goto out_unlink;
		}
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		rc = mm_err_set(err, MM_EIO, "%s: rename: %s", path, strerror(errno));
		goto out_unlink;
	}
	if (fsync_dir_of(path) != 0)
		return mm_err_set(err, MM_EIO, "%s: fsync directory: %s", path, strerror(errno));
	return MM_OK;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return rc;
}
