/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who the machine is (etc/hostname, etc/os-release, etc/machine-id, the
 * kernel release), a fixed list of security-relevant files with owner and
 * mode, and a few kernel settings from proc/sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "facts/facts_int.h"
#include "base/banned.h"

/* Files whose presence, owner or mode checks may look at. */
static const char *const watched[] = {
	"etc/passwd", "etc/shadow", "etc/group", "etc/gshadow", "etc/sudoers",
	"etc/login.defs", "etc/pam.d", "etc/security/faillock.conf", "etc/security/pwquality.conf",
	"etc/nftables.conf", "etc/samba/smb.conf", "etc/exports", "etc/ssh/sshd_config",
	"var/log/journal", "var/log/auth.log", "var/log/btmp", "var/log/wtmp",
	"etc/rsyslog.conf", "etc/audit/auditd.conf", "var/lib/clamav",
	"run/systemd/timesync/synchronized",
};

/* Kernel settings: proc/sys path and the dotted key it is stored under. */
static const char *const sysctls[] = {
	"net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding", "net/ipv4/conf/all/accept_redirects",
	"net/ipv4/conf/all/accept_source_route", "net/ipv4/conf/all/send_redirects",
	"net/ipv4/tcp_syncookies", "kernel/randomize_va_space", "kernel/osrelease",
	"kernel/hostname", "fs/suid_dumpable",
};

static void os_field(const char *buf, const char *key, char *out, size_t cap)
{
	out[0] = '\0';
	size_t kl = strlen(key);
	for (const char *p = buf; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			p += kl + 1;
			bool q = *p == '"' || *p == '\'';
			if (q)
				p++;
			size_t n = strcspn(p, q ? "\"'\n" : "\n");
			snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
			return;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static int stat_files(mm_facts *f)
{
	int rc = MM_OK;
	int64_t rows = 0;
	for (size_t i = 0; rc == MM_OK && i < sizeof watched / sizeof watched[0]; i++) {
		/* stat the parent directory's entry: the file itself may be a FIFO or a link */
		char parent[256];
		snprintf(parent, sizeof parent, "%s", watched[i]);
		char *slash = strrchr(parent, '/');
		*slash = '\0';
		int dfd = facts_openat(f, parent, true);
		struct stat st;
		if (dfd < 0 || fstatat(dfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			if (dfd >= 0)
				close(dfd);
			rc = ROW(f, NULL, "INSERT INTO files VALUES(?,NULL,NULL,NULL,NULL,NULL,NULL)",
				 FS(watched[i]));
			continue;
		}
		close(dfd);
		const char *type = S_ISREG(st.st_mode) ? "file" : S_ISDIR(st.st_mode) ? "directory"
				   : S_ISLNK(st.st_mode) ? "symlink" : "other";
		rc = ROW(f, NULL, "INSERT INTO files VALUES(?,?,?,?,?,?,?)", FS(watched[i]), FS(type),
			 FI(st.st_mode & 07777), FI(st.st_uid), FI(st.st_gid), FI(st.st_size),
			 FI(st.st_mtime));
		rows++;
	}
	return rc ? rc : facts_status(f, "host", "files", ST_OK, rows, NULL);
}

static int read_sysctls(mm_facts *f)
{
	int rc = MM_OK;
	int64_t rows = 0;
	for (size_t i = 0; rc == MM_OK && i < sizeof sysctls / sizeof sysctls[0]; i++) {
		char rel[128], key[128], val[256];
		snprintf(rel, sizeof rel, "proc/sys/%s", sysctls[i]);
		if (facts_read_small(f, rel, val, sizeof val) < 0)
			continue;
		snprintf(key, sizeof key, "%s", sysctls[i]);
		for (char *p = key; *p; p++)
			if (*p == '/')
				*p = '.';
		rc = ROW(f, NULL, "INSERT INTO sysctl VALUES(?,?)", FS(key), FS(val));
		rows++;
	}
	return rc ? rc
		  : facts_status(f, "host", "proc/sys", rows ? ST_OK : ST_MISSING, rows,
				 rows ? NULL : "no kernel settings readable");
}

int collect_host(mm_facts *f)
{
	char hostname[256] = "", os[4096] = "", mid[64] = "", kernel[256] = "";
	char id[64], ver[64], name[256];
	if (facts_read_small(f, "etc/hostname", hostname, sizeof hostname) < 0)
		hostname[0] = '\0';
	if (facts_read_small(f, "etc/os-release", os, sizeof os) < 0 &&
	    facts_read_small(f, "usr/lib/os-release", os, sizeof os) < 0)
		os[0] = '\0';
	os_field(os, "ID", id, sizeof id);
	os_field(os, "VERSION_ID", ver, sizeof ver);
	os_field(os, "PRETTY_NAME", name, sizeof name);
	if (facts_read_small(f, "etc/machine-id", mid, sizeof mid) < 0)
		mid[0] = '\0';
	struct utsname u;
	if (f->live && uname(&u) == 0) {
		snprintf(kernel, sizeof kernel, "%s", u.release);
		if (!hostname[0])
			snprintf(hostname, sizeof hostname, "%s", u.nodename);
	} else if (facts_read_small(f, "proc/sys/kernel/osrelease", kernel, sizeof kernel) < 0) {
		kernel[0] = '\0';
	}
	int rc = ROW(f, NULL, "INSERT INTO host VALUES(?,?,?,?,?,?,?,?,?,?)",
		     hostname[0] ? FS(hostname) : FNULL, id[0] ? FS(id) : FNULL,
		     ver[0] ? FS(ver) : FNULL, name[0] ? FS(name) : FNULL, kernel[0] ? FS(kernel) : FNULL,
		     mid[0] ? FS(mid) : FNULL, FS(f->root), FI(f->live), FI(f->now), FS(MM_VERSION));
	if (!rc)
		rc = facts_status(f, "host", "etc/hostname, etc/os-release, etc/machine-id", ST_OK, 1,
				  hostname[0] ? NULL : "no hostname found");
	if (!rc)
		rc = stat_files(f);
	if (!rc)
		rc = read_sysctls(f);
	return rc;
}
