/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Least privilege for `mamori serve`, as OpenBSD daemons do it: bind and
 * open everything as root, then drop to an unprivileged user for good,
 * then confine the process: Landlock limits the file system to the data
 * the server writes, and a seccomp filter allows only the system calls a
 * running server makes (anything else kills the whole process). Both are
 * installed before the HTTP threads start, so every thread inherits them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <seccomp.h>

#include "server/mm_server.h"
#include "base/banned.h"

/* ---- users ---- */

int mm_server_user(const char *name, uid_t *uid, gid_t *gid, mm_err *err)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int e = getpwnam_r(name, &pw, buf, sizeof buf, &res);
	if (e || !res)
		return mm_err_set(err, MM_ENOTFOUND, "--user %.64s: no such user%s%s", name, e ? ": " : "",
				  e ? strerror(e) : "");
	if (res->pw_uid == 0 || res->pw_gid == 0)
		return mm_err_set(err, MM_EINVAL, "--user %.64s: has uid or gid 0; choose an unprivileged user", name);
	*uid = res->pw_uid;
	*gid = res->pw_gid;
	return MM_OK;
}

int mm_server_drop_root(const char *name, mm_err *err)
{
	uid_t uid;
	gid_t gid;
	int rc = mm_server_user(name, &uid, &gid, err);
	if (rc)
		return rc;
	/* groups first (needs root), then the group, then the user: the reverse order would fail */
	if (setgroups(1, &gid) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return mm_err_set(err, MM_EPERM, "dropping to %.64s (%u:%u): %s", name, (unsigned)uid, (unsigned)gid,
				  strerror(errno));
	/* verify: every id is the user's, and root cannot be regained */
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	gid_t groups[2];
	int ng = getgroups(2, groups);
	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg) || ru != uid || eu != uid || su != uid ||
	    rg != gid || eg != gid || sg != gid || ng != 1 || groups[0] != gid)
		return mm_err_set(err, MM_EPERM, "dropping to %.64s: the ids did not all change", name);
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
		return mm_err_set(err, MM_EPERM, "dropping to %.64s: root could be regained", name);
	/* a core dump could hold the TLS and signing keys */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return MM_OK;
}

/* Give one file or directory (not following links) to uid:gid; a missing one is fine. */
static int give(const char *path, uid_t uid, gid_t gid, mm_err *err)
{
	if (lchown(path, uid, gid) && errno != ENOENT)
		return mm_err_set(err, MM_EIO, "%s: cannot give it to the server's user: %s", path, strerror(errno));
	return MM_OK;
}

int mm_server_give_data(const char *db, const char *attach_dir, uid_t uid, gid_t gid, mm_err *err)
{
	static const char *const sfx[] = {"", "-wal", "-shm", ".serve-lock"};
	char path[4200];
	int rc = MM_OK;
	for (size_t i = 0; !rc && i < sizeof sfx / sizeof sfx[0]; i++) {
		if (snprintf(path, sizeof path, "%s%s", db, sfx[i]) >= (int)sizeof path)
			return mm_err_set(err, MM_ELIMIT, "--db: path too long");
		rc = give(path, uid, gid, err);
	}
	/* attachments: DIR/xx/<sha256>; made here if missing, so the user can add to it */
	if (!rc && mkdir(attach_dir, 0700) && errno != EEXIST)
		rc = mm_err_set(err, MM_EIO, "%s: %s", attach_dir, strerror(errno));
	if (!rc)
		rc = give(attach_dir, uid, gid, err);
	int dfd = rc ? -1 : open(attach_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (!rc && dfd < 0)
		rc = mm_err_set(err, MM_EIO, "%s: %s", attach_dir, strerror(errno));
	for (unsigned hi = 0; !rc && hi < 256; hi++) {
		char sub[3];
		snprintf(sub, sizeof sub, "%02x", hi);
		int sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sfd < 0)
			continue;
		if (fchown(sfd, uid, gid))
			rc = mm_err_set(err, MM_EIO, "%s/%s: %s", attach_dir, sub, strerror(errno));
		DIR *d = rc ? NULL : fdopendir(sfd);
		if (!d) {
			close(sfd);
			continue;
		}
		struct dirent *de;
		while (!rc && (de = readdir(d)))
			if (de->d_name[0] != '.' && fchownat(sfd, de->d_name, uid, gid, AT_SYMLINK_NOFOLLOW))
				rc = mm_err_set(err, MM_EIO, "%s/%s/%s: %s", attach_dir, sub, de->d_name, strerror(errno));
		closedir(d);
	}
	if (dfd >= 0)
		close(dfd);
	return rc;
}

/* ---- Landlock ---- */

/* Rights of later ABIs, for kernel headers older than the kernel. */
#define LL_FS_TRUNCATE (1ULL << 14)   /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15)  /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)   /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 4 (the kernel reads only the size it is given) */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
};

static int ll_path(int ruleset, const char *path, uint64_t rights, mm_err *err)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return MM_OK; /* never made: then it stays out of reach */
		return mm_err_set(err, MM_EIO, "landlock: %s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode)) /* a file takes only the rights that apply to files */
		rights &= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LL_FS_TRUNCATE;
	struct landlock_path_beneath_attr pb = {.allowed_access = rights, .parent_fd = fd};
	long r = rights ? syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) : 0;
	int e = errno;
	close(fd);
	if (r)
		return mm_err_set(err, MM_EIO, "landlock: %s: %s", path, strerror(e));
	return MM_OK;
}

int mm_server_landlock(const mm_fs_rule *rules, size_t n, int *abi_out, mm_err *err)
{
	*abi_out = 0;
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return MM_OK; /* not in this kernel, or turned off: the caller says so */
	uint64_t fs = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
		      LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		      LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
		      LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
		      LANDLOCK_ACCESS_FS_MAKE_SYM;
	if (abi >= 2)
		fs |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	/* ABI 4: with no network rule, no TCP port can be bound or connected to once the server runs */
	struct ll_ruleset_attr attr = {.handled_access_fs = fs,
				       .handled_access_net = abi >= 4 ? LL_NET_BIND_TCP | LL_NET_CONNECT_TCP : 0};
	size_t size = abi >= 4 ? sizeof attr : sizeof attr.handled_access_fs;
	int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (ruleset < 0)
		return mm_err_set(err, MM_EIO, "landlock: cannot make a ruleset: %s", strerror(errno));
	int rc = MM_OK;
	const uint64_t file_rw = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | (fs & LL_FS_TRUNCATE);
	for (size_t i = 0; !rc && i < n; i++) {
		uint64_t r = 0;
		switch (rules[i].access) {
		case MM_FS_LIST: r = LANDLOCK_ACCESS_FS_READ_DIR; break;
		case MM_FS_READ: r = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR; break;
		case MM_FS_READ_WRITE: r = file_rw; break;
		case MM_FS_TREE:
			r = file_rw | LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
			    LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | (fs & LANDLOCK_ACCESS_FS_REFER);
			break;
		}
		rc = ll_path(ruleset, rules[i].path, r, err);
	}
	if (!rc && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		rc = mm_err_set(err, MM_EIO, "no_new_privs: %s", strerror(errno));
	if (!rc && syscall(SYS_landlock_restrict_self, ruleset, 0))
		rc = mm_err_set(err, MM_EIO, "landlock: cannot restrict the process: %s", strerror(errno));
	close(ruleset);
	if (!rc)
		*abi_out = (int)abi;
	return rc;
}

/* ---- seccomp ---- */

/*
 * What a running server calls (found with `strace -f` over the serve
 * tests: TLS and HTTP on the worker threads, SQLite reads and the
 * ledger's durable writes, attachments, and stopping), plus what
 * starting the HTTP threads takes, since the filter comes before them.
 */
static const char *const allowed[] = {
	/* memory and threads */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", "futex", "set_robust_list", "get_robust_list",
	"rseq", "clone", "clone3", "exit", "exit_group", "gettid", "getpid", "tgkill", "sched_yield",
	"sched_getaffinity", "membarrier", "prctl", "getrandom", "restart_syscall",
	/* time and signals */
	"clock_gettime", "clock_getres", "gettimeofday", "nanosleep", "clock_nanosleep", "rt_sigprocmask",
	"rt_sigaction", "rt_sigreturn", "rt_sigtimedwait", "sigaltstack",
	/* sockets already bound; epoll */
	"accept", "accept4", "recvfrom", "recvmsg", "sendto", "sendmsg", "read", "write", "readv", "writev",
	"shutdown", "setsockopt", "getsockopt", "getsockname", "getpeername", "epoll_create1", "epoll_ctl",
	"epoll_wait", "epoll_pwait", "eventfd2", "pipe2", "poll", "ppoll",
	/* files: the database, its WAL, attachments (Landlock says which) */
	"openat", "close", "fstat", "newfstatat", "statx", "lseek", "pread64", "pwrite64", "fsync", "fdatasync",
	"ftruncate", "fcntl", "flock", "fchown", "fchmod", "mkdir", "mkdirat", "rename", "renameat",
	"renameat2", "unlink", "unlinkat", "access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getcwd", "getdents64", "geteuid", "getuid", "getegid", "getgid", "umask", "fallocate", "fadvise64",
	"msync", "statfs", "fstatfs", "dup", "dup3", "uname", "sysinfo", "getppid", "getrusage",
};

/*
 * Sanitizer builds (MM_SANITIZE): LeakSanitizer checks at exit from a
 * tracer process that ptraces the server; under the filter the server
 * would wait forever for a tracer the filter killed. So there the filter
 * only logs what it would refuse (SCMP_ACT_LOG) and allows the tracer's
 * calls. Never in a release build.
 */
#if defined(__SANITIZE_ADDRESS__)
#define MM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MM_SANITIZED 1
#endif
#endif
#ifdef MM_SANITIZED
static const char *const sanitizer_allowed[] = {"ptrace", "wait4", "waitid", "kill", "process_vm_readv"};
#endif

bool mm_server_sanitized(void)
{
#ifdef MM_SANITIZED
	return true;
#else
	return false;
#endif
}

static int seccomp_build(scmp_filter_ctx *out, mm_err *err)
{
#ifdef MM_SANITIZED
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_LOG);
#else
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
#endif
	if (!ctx)
		return mm_err_set(err, MM_ENOMEM, "seccomp: out of memory");
	int rc = MM_OK;
	for (size_t i = 0; !rc && i < sizeof allowed / sizeof allowed[0]; i++) {
		int nr = seccomp_syscall_resolve_name(allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not a system call of this architecture */
		int r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r)
			rc = mm_err_set(err, MM_EIO, "seccomp: %s: %s", allowed[i], strerror(-r));
	}
#ifdef MM_SANITIZED
	for (size_t i = 0; !rc && i < sizeof sanitizer_allowed / sizeof sanitizer_allowed[0]; i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, seccomp_syscall_resolve_name(sanitizer_allowed[i]), 0))
			rc = mm_err_set(err, MM_EIO, "seccomp: %s", sanitizer_allowed[i]);
#endif
	if (rc) {
		seccomp_release(ctx);
		return rc;
	}
	*out = ctx;
	return MM_OK;
}

int mm_server_seccomp(mm_err *err)
{
	scmp_filter_ctx ctx = NULL;
	int rc = seccomp_build(&ctx, err);
	if (rc)
		return rc;
	/* every thread that exists now, and all that come later */
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!r)
		r = seccomp_load(ctx);
	if (r)
		rc = mm_err_set(err, MM_EIO, "seccomp: cannot install the filter: %s", strerror(-r));
	seccomp_release(ctx);
	return rc;
}

/* May uid:gid (no other groups: the drop keeps none) search the folder st describes? */
static bool searchable(const struct stat *st, uid_t uid, gid_t gid)
{
	if (st->st_uid == uid)
		return st->st_mode & S_IXUSR;
	if (st->st_gid == gid)
		return st->st_mode & S_IXGRP;
	return st->st_mode & S_IXOTH;
}

bool mm_server_user_reaches(const char *dir, uid_t uid, gid_t gid, char *blocked, size_t n)
{
	char *real = realpath(dir, NULL);
	if (!real) {
		snprintf(blocked, n, "%s", dir);
		return false;
	}
	bool ok = true;
	size_t len = strlen(real);
	struct stat st;
	/* "/", then every folder on the way down, then dir itself */
	if (stat("/", &st) || !searchable(&st, uid, gid)) {
		ok = false;
		snprintf(blocked, n, "/");
	}
	for (size_t i = 1; ok && i <= len; i++) {
		if (i < len && real[i] != '/')
			continue;
		char c = real[i];
		real[i] = 0;
		if (stat(real, &st) || !searchable(&st, uid, gid)) {
			ok = false;
			snprintf(blocked, n, "%s", real);
		}
		real[i] = c;
	}
	free(real);
	return ok;
}
