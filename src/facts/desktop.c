/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Screen lock where a desktop exists: whether a display manager is set up
 * (etc/X11/default-display-manager, etc/systemd/system/display-manager.service)
 * and the system-wide dconf settings (etc/dconf/db/NAME.d/<*> keyfiles and
 * their locks/ lists), e.g. org/gnome/desktop/session idle-delay and
 * org/gnome/desktop/screensaver lock-enabled.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "facts/facts_int.h"
#include "base/banned.h"

static int parse_lock_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || *t == '#')
		return MM_OK;
	if (*t != '/')
		return src_bad(s, "lock is not an absolute key path");
	char *slash = strrchr(t, '/');
	if (slash == t || !slash[1])
		return src_bad(s, "lock without a key");
	*slash = '\0';
	const char *path = t + 1, *key = slash + 1;
	int rc = MM_OK;
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(s->f->db, "UPDATE dconf SET locked = 1 WHERE path = ? AND key = ?", -1,
			       &q, NULL) != SQLITE_OK)
		return MM_EDB;
	sqlite3_bind_text(q, 1, path, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
	int step = sqlite3_step(q);
	int changed = sqlite3_changes(s->f->db);
	sqlite3_finalize(q);
	if (step != SQLITE_DONE)
		return MM_EDB;
	if (changed == 0)
		rc = ROW(s->f, s, "INSERT INTO dconf VALUES(?,?,?,NULL,1)", FS(s->source), FS(path),
			 FS(key));
	return rc;
}


static int read_dconf_db(mm_facts *f, const char *dbdir)
{
	fdir d;
	int rc = MM_OK;
	if (facts_listdir(f, dbdir, &d) != 0)
		return MM_OK;
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		if (d.names[i][0] == '.' || strcmp(d.names[i], "locks") == 0)
			continue;
		char rel[768];
		snprintf(rel, sizeof rel, "%s/%s", dbdir, d.names[i]);
		int fd = facts_openat(f, rel, false);
		if (fd < 0)
			continue;
		close(fd);
		rc = facts_read_config(f, "desktop", rel, parse_ini_line, NULL, "dconf", 0);
	}
	fdir_release(&d);
	char locks[768];
	snprintf(locks, sizeof locks, "%s/locks", dbdir);
	if (rc == MM_OK && facts_listdir(f, locks, &d) == 0) {
		for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
			char rel[1024];
			snprintf(rel, sizeof rel, "%s/%s", locks, d.names[i]);
			rc = facts_read_config(f, "desktop", rel, parse_lock_line, NULL, NULL, 0);
		}
		fdir_release(&d);
	}
	return rc;
}

int collect_desktop(mm_facts *f)
{
	char dm[512] = "";
	const char *evidence = NULL;
	if (facts_read_small(f, "etc/X11/default-display-manager", dm, sizeof dm) > 0) {
		evidence = "etc/X11/default-display-manager";
	} else {
		dm[0] = '\0';
		int dfd = facts_openat(f, "etc/systemd/system", true);
		if (dfd >= 0) {
			ssize_t n = readlinkat(dfd, "display-manager.service", dm, sizeof dm - 1);
			dm[n > 0 ? n : 0] = '\0';
			close(dfd);
			if (n > 0)
				evidence = "etc/systemd/system/display-manager.service";
		}
	}
	const char *base = strrchr(dm, '/');
	int rc = ROW(f, NULL, "INSERT INTO desktop VALUES(?,?,?)", FI(evidence != NULL),
		     evidence ? FS(base ? base + 1 : dm) : FNULL, evidence ? FS(evidence) : FNULL);
	if (rc)
		return rc;
	fdir d;
	if (facts_listdir(f, "etc/dconf/db", &d) != 0)
		return facts_status(f, "desktop", "etc/dconf/db", ST_MISSING, 0, "no system dconf database");
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		size_t n = strlen(d.names[i]);
		if (n < 3 || strcmp(d.names[i] + n - 2, ".d") != 0)
			continue;
		char rel[512];
		snprintf(rel, sizeof rel, "etc/dconf/db/%s", d.names[i]);
		rc = read_dconf_db(f, rel);
	}
	fdir_release(&d);
	return rc;
}
