/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accounts, groups and memberships (etc/passwd, etc/shadow, etc/group) and
 * the key/value files of password policy (etc/login.defs,
 * etc/security/pwquality.conf, etc/security/faillock.conf). From shadow
 * only the state of the password is kept — usable, empty, locked or none —
 * never the hash itself.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "facts/facts_int.h"
#include "base/banned.h"

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) > 256)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p == ':' || *p == ',' || *p == 0x7f)
			return false;
	return true;
}

static bool parse_id(const char *s, int64_t *v)
{
	uint64_t u;
	if (!mm_parse_u64(s, 0xFFFFFFFFu, &u))
		return false;
	*v = (int64_t)u;
	return true;
}

/* An optional non-negative day count field; empty is NULL. */
static bool parse_days(const char *s, fval *v)
{
	if (!*s) {
		*v = FNULL;
		return true;
	}
	int64_t d;
	if (!mm_parse_i64(s, &d) || d < -1 || d > 100000000)
		return false;
	*v = d == -1 ? FNULL : FI(d);
	return true;
}

/* crypt(3) hash shapes: "$id$...", or 13 characters of traditional DES. */
static bool looks_like_hash(const char *p)
{
	if (p[0] == '$')
		return strlen(p) >= 4;
	if (strlen(p) != 13)
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '/')
			return false;
	return true;
}

int parse_passwd_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	if (!*str_trim(line))
		return MM_OK;
	char *fld[7];
	if (str_split(line, ':', fld, 7) != 7)
		return src_bad(s, "expected 7 fields separated by ':'");
	if (fld[0][0] == '+' || fld[0][0] == '-')
		return src_bad(s, "NIS compatibility entry");
	if (!valid_name(fld[0]))
		return src_bad(s, "invalid user name");
	int64_t uid, gid;
	if (!parse_id(fld[2], &uid) || !parse_id(fld[3], &gid))
		return src_bad(s, "invalid uid or gid");
	const char *pw = strcmp(fld[1], "x") == 0 ? "shadow"
			 : !fld[1][0]            ? "empty"
			 : looks_like_hash(fld[1]) ? "hash"
						   : "none";
	return ROW(s->f, s, "INSERT INTO passwd VALUES(?,?,?,?,?,?,?,?)", FS(fld[0]), FS(pw), FI(uid),
		   FI(gid), FS(fld[4]), FS(fld[5]), FS(fld[6]), FI(s->lineno));
}

int parse_shadow_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	if (!*str_trim(line))
		return MM_OK;
	char *fld[9];
	size_t n = str_split(line, ':', fld, 9);
	if (n != 9 && n != 8)
		return src_bad(s, "expected 9 fields separated by ':'");
	if (!valid_name(fld[0]))
		return src_bad(s, "invalid user name");
	const char *pw = fld[1];
	bool locked = pw[0] == '!';
	const char *status;
	if (!pw[0])
		status = "empty";
	else if (locked)
		status = looks_like_hash(pw + 1 + (pw[1] == '!')) ? "locked" : "none";
	else if (looks_like_hash(pw))
		status = "usable";
	else
		status = "none";
	fval d[6];
	for (int i = 0; i < 6; i++)
		if (!parse_days(fld[2 + i], &d[i]))
			return src_bad(s, "invalid day count");
	int rc = ROW(s->f, s, "INSERT INTO shadow VALUES(?,?,?,?,?,?,?,?,?,?)", FS(fld[0]), FS(status),
		     FI(locked), d[0], d[1], d[2], d[3], d[4], d[5], FI(s->lineno));
	/* the hash leaves memory as soon as it is classified */
	mm_wipe(fld[1], strlen(fld[1]));
	return rc;
}

int parse_group_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	if (!*str_trim(line))
		return MM_OK;
	char *fld[4];
	if (str_split(line, ':', fld, 4) != 4)
		return src_bad(s, "expected 4 fields separated by ':'");
	if (!valid_name(fld[0]))
		return src_bad(s, "invalid group name");
	int64_t gid;
	if (!parse_id(fld[2], &gid))
		return src_bad(s, "invalid gid");
	int rc = ROW(s->f, s, "INSERT INTO groups VALUES(?,?,?)", FS(fld[0]), FI(gid), FI(s->lineno));
	char *m = fld[3];
	while (rc == MM_OK && m && *m) {
		char *comma = strchr(m, ',');
		if (comma)
			*comma = '\0';
		char *name = str_trim(m);
		if (*name)
			rc = ROW(s->f, s, "INSERT INTO group_members VALUES(?,?)", FS(fld[0]), FS(name));
		m = comma ? comma + 1 : NULL;
	}
	return rc;
}

static bool valid_key(const char *k)
{
	if (!*k || strlen(k) > 128)
		return false;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '-' && *k != '.')
			return false;
	return true;
}

/*
 * "KEY VALUE" (login.defs) or "key = value" / "flag" (pwquality.conf,
 * faillock.conf); s->arg names the table.
 */
int parse_keyvalue_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || *t == '#')
		return MM_OK;
	char *key = t, *val = NULL;
	bool defs = !s->arg || strcmp(s->arg, "login_defs") == 0;
	char *eq = defs ? NULL : strchr(t, '=');
	if (eq) {
		*eq = '\0';
		key = str_trim(t);
		val = str_trim(eq + 1);
	} else {
		char *sp = strpbrk(t, " \t");
		if (sp) {
			*sp = '\0';
			val = str_trim(sp + 1);
		}
	}
	if (val) {
		/* trailing comments are not part of values in these files */
		char *hash = strstr(val, " #");
		if (hash)
			*hash = '\0';
		val = str_trim(val);
		size_t vl = strlen(val);
		if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
			val[vl - 1] = '\0';
			val++;
		}
	}
	if (!valid_key(key))
		return src_bad(s, "invalid key");
	fval v = val && *val ? FS(val) : FNULL;
	const char *table = s->arg ? s->arg : "login_defs";
	if (strcmp(table, "pwquality") == 0)
		return ROW(s->f, s, "INSERT INTO pwquality VALUES(?,?,?,?)", FS(key), v, FS(s->source),
			   FI(s->lineno));
	if (strcmp(table, "faillock_conf") == 0)
		return ROW(s->f, s, "INSERT INTO faillock_conf VALUES(?,?,?)", FS(key), v, FI(s->lineno));
	return ROW(s->f, s, "INSERT INTO login_defs VALUES(?,?,?)", FS(key), v, FI(s->lineno));
}


int collect_accounts(mm_facts *f)
{
	int rc = facts_read_config(f, "accounts", "etc/passwd", parse_passwd_line, NULL, NULL, 0);
	if (!rc)
		rc = facts_read_config(f, "accounts", "etc/shadow", parse_shadow_line, NULL, NULL,
				       FR_SENSITIVE);
	if (!rc)
		rc = facts_read_config(f, "accounts", "etc/group", parse_group_line, NULL, NULL, 0);
	if (!rc)
		rc = facts_read_config(f, "login_defs", "etc/login.defs", parse_keyvalue_line, NULL,
				       "login_defs", 0);
	return rc;
}

/* Used by pam.c for pwquality.conf(.d) and faillock.conf. */
int facts_read_keyvalue(mm_facts *f, const char *collector, const char *rel, const char *table)
{
	return facts_read_config(f, collector, rel, parse_keyvalue_line, NULL, table, 0);
}
