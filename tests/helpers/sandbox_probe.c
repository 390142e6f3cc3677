/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for tests/cli/serve_sandbox.sh: installs the server's own
 * confinement through the library (mm_server_seccomp, mm_server_landlock,
 * mm_server_drop_root) and then tries what a confined server must not do.
 * No trigger lives in production code.
 *   sandbox_probe seccomp allowed        normal work under the filter: exit 0
 *   sandbox_probe seccomp execve|ptrace|socket|setuid
 *                                        the call kills the process (SIGSYS)
 *   sandbox_probe landlock DIR INSIDE OUTSIDE
 *                                        DIR read-write; INSIDE (in DIR) opens, OUTSIDE does not (exit 0)
 *   sandbox_probe drop USER              drop root: ids are USER's and root cannot be regained (exit 0)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/mm_server.h"
#include "base/banned.h"

static int usage(void)
{
	fprintf(stderr, "usage: sandbox_probe seccomp allowed|execve|ptrace|socket|setuid\n"
			"       sandbox_probe landlock DIR INSIDE OUTSIDE\n"
			"       sandbox_probe drop USER\n");
	return 2;
}

static int probe_seccomp(const char *what)
{
	mm_err err;
	if (mm_server_seccomp(&err)) {
		fprintf(stderr, "sandbox_probe: %s\n", err.msg);
		return 2;
	}
	if (strcmp(what, "allowed") == 0) {
		/* what a server does: memory, time, files it may open, writing */
		void *p = malloc(1 << 20);
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		int64_t t = mm_now_ns();
		printf("alive after the filter (%s, %s)\n", p ? "memory" : "-", fd >= 0 && t > 0 ? "files" : "-");
		free(p);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	fflush(NULL);
	if (strcmp(what, "execve") == 0) {
		char *const argv[] = {"/bin/true", NULL};
		execve(argv[0], argv, NULL);
	} else if (strcmp(what, "ptrace") == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	} else if (strcmp(what, "socket") == 0) {
		socket(AF_INET, SOCK_STREAM, 0);
	} else if (strcmp(what, "setuid") == 0) {
		if (setuid(0)) {
			/* reached only if the filter let it through */
		}
	} else {
		return usage();
	}
	printf("still alive after %s: the filter did not stop it\n", what);
	return 1;
}

static int probe_landlock(const char *dir, const char *inside, const char *outside)
{
	/* as the server: a sanitizer build's leak check reads /proc at exit */
	mm_fs_rule rules[] = {{dir, MM_FS_TREE}, {"/proc", MM_FS_READ}};
	int abi = 0;
	mm_err err;
	if (mm_server_landlock(rules, mm_server_sanitized() ? 2 : 1, &abi, &err)) {
		fprintf(stderr, "sandbox_probe: %s\n", err.msg);
		return 2;
	}
	if (!abi) {
		printf("no landlock in this kernel\n");
		return 3;
	}
	int in = open(inside, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	int out = open(outside, O_RDONLY | O_CLOEXEC);
	int out_errno = errno;
	printf("landlock ABI %d: inside %s, outside %s\n", abi, in >= 0 ? "opens" : "refused",
	       out >= 0 ? "opens" : strerror(out_errno));
	int rc = in >= 0 && out < 0 && out_errno == EACCES ? 0 : 1;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static int probe_drop(const char *user)
{
	mm_err err;
	if (mm_server_drop_root(user, &err)) {
		fprintf(stderr, "sandbox_probe: %s\n", err.msg);
		return 1;
	}
	uid_t ru, eu, su;
	getresuid(&ru, &eu, &su);
	printf("uid %u %u %u\n", (unsigned)ru, (unsigned)eu, (unsigned)su);
	return ru && eu && su && setuid(0) != 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "seccomp") == 0)
		return probe_seccomp(argv[2]);
	if (argc == 5 && strcmp(argv[1], "landlock") == 0)
		return probe_landlock(argv[2], argv[3], argv[4]);
	if (argc == 3 && strcmp(argv[1], "drop") == 0)
		return probe_drop(argv[2]);
	if (argc == 2 && strcmp(argv[1], "build") == 0) {
		puts(mm_server_sanitized() ? "sanitized" : "release");
		return 0;
	}
	return usage();
}
