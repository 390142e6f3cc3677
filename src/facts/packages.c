/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Installed software: var/lib/dpkg/status (one row per package paragraph
 * that is not "not-installed") and, when present, the rpm database in its
 * SQLite form (var/lib/rpm/rpmdb.sqlite; each header blob parsed with
 * bounds). Older Berkeley DB and ndb rpm databases are reported as not
 * collected.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "facts/facts_int.h"
#include "base/banned.h"

struct dpkg_state {
	char name[256], version[256], arch[64], status[64];
	bool bad;
	bool any;
	size_t start;
};
_Static_assert(sizeof(struct dpkg_state) <= FACTS_STATE_MAX, "dpkg state");

static int dpkg_flush(fsrc *s, struct dpkg_state *st)
{
	int rc = MM_OK;
	if (st->any && !st->bad && st->name[0]) {
		if (strcmp(st->status, "not-installed") != 0)
			rc = ROW(s->f, s, "INSERT INTO packages VALUES(?,?,?,?,?)", FS(st->name),
				 st->version[0] ? FS(st->version) : FNULL,
				 st->arch[0] ? FS(st->arch) : FNULL,
				 st->status[0] ? FS(st->status) : FNULL, FS("dpkg"));
	} else if (st->any && !st->bad) {
		rc = src_bad(s, "paragraph without Package field");
	}
	memset(st, 0, sizeof *st);
	return rc;
}

static bool set_field(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);
	if (n >= cap)
		return false;
	memcpy(dst, v, n + 1);
	return true;
}

int parse_dpkg_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	struct dpkg_state *st = s->st;
	if (!line[0] || (line[0] != ' ' && line[0] != '\t' && !*str_trim(line)))
		return dpkg_flush(s, st);
	if (line[0] == ' ' || line[0] == '\t')
		return MM_OK; /* continuation of a multi-line field */
	if (st->bad)
		return MM_OK;
	char *colon = strchr(line, ':');
	if (!colon) {
		st->bad = true;
		return src_bad(s, "line without ':' in a paragraph");
	}
	*colon = '\0';
	const char *key = line;
	char *val = str_trim(colon + 1);
	st->any = true;
	bool ok = true;
	if (strcmp(key, "Package") == 0)
		ok = set_field(st->name, sizeof st->name, val);
	else if (strcmp(key, "Version") == 0)
		ok = set_field(st->version, sizeof st->version, val);
	else if (strcmp(key, "Architecture") == 0)
		ok = set_field(st->arch, sizeof st->arch, val);
	else if (strcmp(key, "Status") == 0) {
		const char *last = strrchr(val, ' ');
		ok = set_field(st->status, sizeof st->status, last ? last + 1 : val);
	}
	if (!ok) {
		st->bad = true;
		return src_bad(s, "field value too long");
	}
	return MM_OK;
}

int finish_dpkg(fsrc *s)
{
	int rc = dpkg_flush(s, s->st);
	return rc == SRC_REJECT ? MM_OK : rc;
}

/* ---- rpm ---- */

#define RPMTAG_NAME 1000
#define RPMTAG_VERSION 1001
#define RPMTAG_RELEASE 1002
#define RPMTAG_EPOCH 1003
#define RPMTAG_ARCH 1022

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A NUL-terminated string at off inside data[0..dl); NULL if it runs out. */
static const char *hdr_string(const uint8_t *data, uint32_t dl, uint32_t off)
{
	if (off >= dl || !memchr(data + off, '\0', dl - off))
		return NULL;
	return (const char *)data + off;
}

int parse_rpm_header(fsrc *s, const uint8_t *p, size_t n)
{
	if (n < 8 || n > MM_FACTS_RPM_HEADER_MAX)
		return src_bad(s, "header size out of range"), MM_EINVAL;
	uint32_t il = be32(p), dl = be32(p + 4);
	size_t need;
	if (il == 0 || il > 0x10000 || dl > MM_FACTS_RPM_HEADER_MAX ||
	    mm_size_mul(il, 16, &need) || mm_size_add(need, 8, &need) ||
	    mm_size_add(need, dl, &need) || need > n)
		return src_bad(s, "header index or data out of bounds"), MM_EINVAL;
	const uint8_t *index = p + 8, *data = p + 8 + (size_t)il * 16;
	const char *name = NULL, *version = NULL, *release = NULL, *arch = NULL;
	int64_t epoch = -1;
	for (uint32_t i = 0; i < il; i++) {
		const uint8_t *e = index + (size_t)i * 16;
		uint32_t tag = be32(e), type = be32(e + 4), off = be32(e + 8), count = be32(e + 12);
		if (type == 6 || type == 8 || type == 9) {
			const char *str = hdr_string(data, dl, off);
			if (!str)
				return src_bad(s, "string outside the header data"), MM_EINVAL;
			if (tag == RPMTAG_NAME)
				name = str;
			else if (tag == RPMTAG_VERSION)
				version = str;
			else if (tag == RPMTAG_RELEASE)
				release = str;
			else if (tag == RPMTAG_ARCH)
				arch = str;
		} else if (type == 4 && tag == RPMTAG_EPOCH && count >= 1) {
			if ((off & 3) || off > dl || dl - off < 4)
				return src_bad(s, "epoch outside the header data"), MM_EINVAL;
			epoch = be32(data + off);
		}
	}
	if (!name)
		return src_bad(s, "header without a name"), MM_EINVAL;
	char ver[600];
	char epoch_s[24] = "";
	if (epoch > 0)
		snprintf(epoch_s, sizeof epoch_s, "%lld:", (long long)epoch);
	snprintf(ver, sizeof ver, "%s%s%s%s", epoch_s, version ? version : "", release ? "-" : "",
		 release ? release : "");
	return ROW(s->f, s, "INSERT INTO packages VALUES(?,?,?,?,?)", FS(name), FS(ver),
		   arch ? FS(arch) : FNULL, FS("installed"), FS("rpm"));
}

static int rpm_progress(void *deadline)
{
	return mm_mono_ns() > *(int64_t *)deadline;
}

static int collect_rpm(mm_facts *f)
{
	const char *rel = "var/lib/rpm/rpmdb.sqlite";
	int fd = facts_openat(f, rel, false);
	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return facts_status(f, "packages", rel, ST_ERROR, 0, "cannot open: %s",
					    strerror(errno));
		int old = facts_openat(f, "var/lib/rpm/Packages", false);
		if (old < 0)
			old = facts_openat(f, "var/lib/rpm/Packages.db", false);
		if (old >= 0) {
			close(old);
			return facts_status(f, "packages", "var/lib/rpm", ST_NOT_COLLECTED, 0,
					    "Berkeley DB/ndb rpm databases are not supported");
		}
		return MM_OK; /* no rpm on this machine: nothing to say */
	}
	/* open the confined fd through its /proc link, read-only and without locks */
	char uri[96];
	snprintf(uri, sizeof uri, "file:/proc/self/fd/%d?immutable=1", fd);
	sqlite3 *db = NULL;
	fsrc s;
	src_init(&s, f, "packages", rel);
	int rc = MM_OK;
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
		src_set(&s, ST_ERROR, "cannot open: %s", db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, (int)MM_FACTS_RPM_HEADER_MAX);
	int64_t deadline = mm_mono_ns() + (int64_t)MM_FACTS_EXEC_TIMEOUT_MS * 1000000;
	sqlite3_progress_handler(db, 10000, rpm_progress, &deadline);
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, "SELECT blob FROM Packages", -1, &q, NULL) != SQLITE_OK) {
		src_set(&s, ST_ERROR, "not an rpm database: %s", sqlite3_errmsg(db));
		goto out;
	}
	int step;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		s.lineno++;
		const void *blob = sqlite3_column_blob(q, 0);
		int bl = sqlite3_column_bytes(q, 0);
		int r = parse_rpm_header(&s, blob, (size_t)(bl > 0 ? bl : 0));
		if (r == MM_EINVAL) {
			s.rejected++;
			if (!s.first_bad)
				s.first_bad = s.lineno;
			continue;
		}
		if (r != MM_OK) {
			rc = r;
			break;
		}
	}
	if (rc == MM_OK && step != SQLITE_DONE)
		src_set(&s, ST_ERROR, "reading failed: %s", sqlite3_errmsg(db));
	sqlite3_finalize(q);
out:
	sqlite3_close(db);
	close(fd);
	int frc = src_finish(&s);
	return rc == MM_ELIMIT ? frc : rc ? rc : frc;
}

int collect_packages(mm_facts *f)
{
	fsrc s;
	struct dpkg_state st;
	memset(&st, 0, sizeof st);
	src_init(&s, f, "packages", "var/lib/dpkg/status");
	s.st = &st;
	int rc = src_read_lines(&s, "var/lib/dpkg/status", MM_FACTS_DPKG_MAX, false, parse_dpkg_line);
	if (rc == MM_OK && s.status < 0)
		rc = finish_dpkg(&s);
	int frc = src_finish(&s);
	if (!rc)
		rc = frc;
	if (rc == MM_OK)
		rc = collect_rpm(f);
	return rc;
}
