/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Services and processes: systemd unit files and their enablement (the
 * .wants and .requires links and /dev/null masks under etc/systemd/system and
 * usr/lib/systemd/system, SysV rc links without a native unit), and the
 * running processes from proc/[pid]/{comm,cmdline,status}.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts/facts_int.h"
#include "base/banned.h"

static bool is_unit_name(const char *n)
{
	static const char *const sfx[] = {".service", ".socket", ".timer", ".path", ".target",
					  ".mount", ".automount", ".swap", ".slice", ".scope"};
	size_t len = strlen(n);
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		size_t k = strlen(sfx[i]);
		if (len > k && strcmp(n + len - k, sfx[i]) == 0)
			return true;
	}
	return false;
}

static bool ends_with(const char *s, const char *sfx, size_t *stem)
{
	size_t n = strlen(s), k = strlen(sfx);
	if (n <= k || strcmp(s + n - k, sfx) != 0)
		return false;
	*stem = n - k;
	return true;
}

static int scan_unit_dir(mm_facts *f, const char *rel, const char *origin, int64_t *rows)
{
	int dfd = facts_openat(f, rel, true);
	if (dfd < 0)
		return facts_status(f, "services", rel, errno == ENOENT ? ST_MISSING : ST_ERROR, 0, "%s",
				    errno == ENOENT ? "not present" : strerror(errno));
	fdir d;
	int rc = MM_OK;
	if (facts_listdir_fd(dfd, &d) != 0) {
		rc = facts_status(f, "services", rel, ST_ERROR, 0, "cannot list: %s", strerror(errno));
		close(dfd);
		return rc;
	}
	int64_t before = *rows;
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		const char *name = d.names[i];
		struct stat st;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		size_t stem;
		if (S_ISDIR(st.st_mode) &&
		    (ends_with(name, ".wants", &stem) || ends_with(name, ".requires", &stem))) {
			char sub[768];
			snprintf(sub, sizeof sub, "%s/%s", rel, name);
			fdir w;
			if (facts_listdir(f, sub, &w) != 0)
				continue;
			for (size_t k = 0; rc == MM_OK && k < w.n; k++) {
				if (!is_unit_name(w.names[k]))
					continue;
				rc = ROW(f, NULL, "INSERT INTO service_enablement VALUES(?,?,?,?)",
					 FS(w.names[k]), FS("enabled"), FSN(name, stem), FS(origin));
				(*rows)++;
			}
			fdir_release(&w);
			continue;
		}
		if (!is_unit_name(name))
			continue;
		char target[256] = "";
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(dfd, name, target, sizeof target - 1);
			if (n > 0)
				target[n] = '\0';
			if (strcmp(target, "/dev/null") == 0) {
				rc = ROW(f, NULL, "INSERT INTO service_enablement VALUES(?,?,?,?)", FS(name),
					 FS("masked"), FNULL, FS(origin));
				(*rows)++;
				continue;
			}
		} else if (!S_ISREG(st.st_mode)) {
			continue;
		}
		char path[768];
		snprintf(path, sizeof path, "/%s/%s", rel, name);
		rc = ROW(f, NULL, "INSERT INTO systemd_units VALUES(?,?,?)", FS(name), FS(path),
			 FS(origin));
		(*rows)++;
	}
	fdir_release(&d);
	close(dfd);
	if (rc == MM_OK)
		rc = facts_status(f, "services", rel, ST_OK, *rows - before, NULL);
	return rc;
}

/* SysV rc links, counted only where no native unit of that name exists. */
static int scan_sysv(mm_facts *f)
{
	fdir d;
	if (facts_listdir(f, "etc/rc2.d", &d) != 0)
		return MM_OK;
	int rc = MM_OK;
	int64_t rows = 0;
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		const char *n = d.names[i];
		if (n[0] != 'S' || strlen(n) < 4 || n[1] < '0' || n[1] > '9' || n[2] < '0' || n[2] > '9')
			continue;
		char unit[300];
		snprintf(unit, sizeof unit, "%s.service", n + 3);
		sqlite3_stmt *q = NULL;
		bool native = false;
		if (sqlite3_prepare_v2(f->db, "SELECT 1 FROM systemd_units WHERE unit = ?", -1, &q,
				       NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, unit, -1, SQLITE_STATIC);
			native = sqlite3_step(q) == SQLITE_ROW;
		}
		sqlite3_finalize(q);
		if (native)
			continue;
		rc = ROW(f, NULL, "INSERT INTO service_enablement VALUES(?,?,?,?)", FS(unit),
			 FS("enabled"), FS("rc2.d"), FS("sysv"));
		rows++;
	}
	fdir_release(&d);
	return rc ? rc : facts_status(f, "services", "etc/rc2.d", ST_OK, rows, NULL);
}

static bool same_dir(mm_facts *f, const char *a, const char *b)
{
	int fa = facts_openat(f, a, true), fb = facts_openat(f, b, true);
	struct stat sa, sb;
	bool same = fa >= 0 && fb >= 0 && fstat(fa, &sa) == 0 && fstat(fb, &sb) == 0 &&
		    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

int collect_services(mm_facts *f)
{
	int64_t rows = 0;
	int rc = scan_unit_dir(f, "etc/systemd/system", "etc", &rows);
	if (!rc)
		rc = scan_unit_dir(f, "usr/lib/systemd/system", "vendor", &rows);
	if (!rc && !same_dir(f, "lib/systemd/system", "usr/lib/systemd/system")) {
		int fd = facts_openat(f, "lib/systemd/system", true);
		if (fd >= 0) {
			close(fd);
			rc = scan_unit_dir(f, "lib/systemd/system", "vendor", &rows);
		}
	}
	if (!rc)
		rc = scan_sysv(f);
	return rc;
}

/* ---- processes ---- */

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* "Key:\tvalue" from a status file; the first field of value. */
static bool status_field(const char *status, const char *key, char *out, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *p = status; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
			p += kl + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			size_t n = strcspn(p, " \t\n");
			if (n >= cap)
				n = cap - 1;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

int collect_processes(mm_facts *f)
{
	fdir d;
	if (facts_listdir(f, "proc", &d) != 0)
		return facts_status(f, "processes", "proc", errno == ENOENT ? ST_MISSING : ST_ERROR, 0,
				    "%s", errno == ENOENT ? "not present" : strerror(errno));
	int rc = MM_OK;
	int64_t rows = 0;
	size_t unreadable = 0;
	char *status = malloc(MM_FACTS_SMALL_MAX);
	char *cmd = malloc(MM_FACTS_FIELD_MAX + 1);
	if (!status || !cmd) {
		rc = MM_ENOMEM;
		goto out;
	}
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		if (!all_digits(d.names[i]) || strlen(d.names[i]) > 10)
			continue;
		int64_t pid;
		if (!str_int(d.names[i], &pid))
			continue;
		char rel[64];
		snprintf(rel, sizeof rel, "proc/%s/status", d.names[i]);
		if (facts_read_small(f, rel, status, MM_FACTS_SMALL_MAX) < 0) {
			unreadable++; /* exited meanwhile, or not a process directory */
			continue;
		}
		char name[64] = "", state[8] = "", ppid_s[16] = "", uid_s[16] = "";
		snprintf(rel, sizeof rel, "proc/%s/comm", d.names[i]);
		if (facts_read_small(f, rel, name, sizeof name) < 0)
			status_field(status, "Name", name, sizeof name);
		status_field(status, "State", state, sizeof state);
		status_field(status, "PPid", ppid_s, sizeof ppid_s);
		status_field(status, "Uid", uid_s, sizeof uid_s);
		int64_t ppid = -1, uid = -1;
		bool has_ppid = str_int(ppid_s, &ppid), has_uid = str_int(uid_s, &uid);
		snprintf(rel, sizeof rel, "proc/%s/cmdline", d.names[i]);
		int fd = facts_openat(f, rel, false);
		ssize_t n = 0;
		if (fd >= 0) {
			n = read(fd, cmd, MM_FACTS_FIELD_MAX);
			close(fd);
		}
		if (n < 0)
			n = 0;
		while (n > 0 && cmd[n - 1] == '\0')
			n--;
		for (ssize_t k = 0; k < n; k++)
			if (cmd[k] == '\0')
				cmd[k] = ' ';
		char exe[512] = "";
		if (f->live) {
			char link[64];
			snprintf(link, sizeof link, "/proc/%s/exe", d.names[i]);
			ssize_t l = readlink(link, exe, sizeof exe - 1);
			exe[l > 0 ? l : 0] = '\0';
		}
		bool kthread = n == 0 && (pid == 2 || ppid == 2);
		rc = ROW(f, NULL, "INSERT OR IGNORE INTO processes VALUES(?,?,?,?,?,?,?,?)", FI(pid),
			 FIOPT(has_ppid, ppid), FIOPT(has_uid, uid), FS(name), state[0] ? FS(state) : FNULL,
			 n ? FSN(cmd, (size_t)n) : FNULL, exe[0] ? FS(exe) : FNULL, FI(kthread));
		rows++;
	}
	if (rc == MM_OK)
		rc = facts_status(f, "processes", "proc", ST_OK, rows,
				  unreadable ? "%zu process directories vanished or unreadable" : NULL,
				  unreadable);
out:
	free(status);
	free(cmd);
	fdir_release(&d);
	return rc;
}
