/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Scratch folders for the unit tests: made under $MM_TEST_TMP (the build's
 * tests/tmp, or /tmp) and removed with everything in them when the test is
 * done, so a passing run leaves nothing behind. Removal goes by file
 * descriptor, so trees deeper than PATH_MAX (test_fim makes some) go too,
 * and it never follows a symbolic link out of the tree.
 */
#ifndef MM_TEST_SCRATCH_H
#define MM_TEST_SCRATCH_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Make <tmp>/<prefix>XXXXXX in out (n bytes); 0, or -1 on failure. */
static inline int scratch_make(char *out, size_t n, const char *prefix)
{
	const char *tmp = getenv("MM_TEST_TMP");
	mkdir(tmp ? tmp : "/tmp", 0755); /* shared with tests that drop privileges */
	if (snprintf(out, n, "%s/%sXXXXXX", tmp ? tmp : "/tmp", prefix) >= (int)n)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

/* Remove NAME under directory fd dfd and everything beneath it. */
static inline int scratch_remove_at(int dfd, const char *name)
{
	struct stat sb;
	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(sb.st_mode))
		return unlinkat(dfd, name, 0);
	if (fchmodat(dfd, name, (sb.st_mode & 07777) | S_IRWXU, 0) != 0)
		return -1;
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	int rc = 0;
	for (struct dirent *e; (e = readdir(d));)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && scratch_remove_at(dirfd(d), e->d_name) != 0)
			rc = -1;
	closedir(d);
	return rc == 0 ? unlinkat(dfd, name, AT_REMOVEDIR) : -1;
}

/* Remove a folder (or file) and everything in it; 0, or -1. A missing path is not an error. */
static inline int scratch_remove(const char *path)
{
	return scratch_remove_at(AT_FDCWD, path);
}

#endif
