/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Password and lockout policy: etc/pam.d/<*> (one row per stack line, and
 * its arguments split into key/value rows), etc/security/pwquality.conf
 * (and pwquality.conf.d/<*>.conf) and etc/security/faillock.conf.
 */
#include <stdio.h>
#include <string.h>

#include "facts/facts_int.h"
#include "base/banned.h"

#define PAM_TOKENS_MAX 64

/* Split on blanks, keeping "[...]" groups (which may hold blanks) whole. */
static size_t pam_tokens(char *p, char **tok, size_t max)
{
	size_t n = 0;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		tok[n++] = p;
		int depth = 0;
		while (*p && (depth > 0 || (*p != ' ' && *p != '\t'))) {
			if (*p == '[')
				depth++;
			else if (*p == ']' && depth > 0)
				depth--;
			p++;
		}
		if (*p)
			*p++ = '\0';
	}
	return n;
}

static const char *basename_of(const char *path)
{
	const char *b = strrchr(path, '/');
	return b ? b + 1 : path;
}

int parse_pam_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || *t == '#')
		return MM_OK;
	char *hash = strchr(t, '#');
	if (hash)
		*hash = '\0';
	const char *service = s->arg ? s->arg : "?";
	char *tok[PAM_TOKENS_MAX];
	size_t n = pam_tokens(t, tok, PAM_TOKENS_MAX);
	if (n > PAM_TOKENS_MAX)
		return src_bad(s, "too many arguments");
	if (n == 0)
		return MM_OK;
	if (tok[0][0] == '@') {
		if (strcmp(tok[0], "@include") != 0 || n != 2)
			return src_bad(s, "malformed @include");
		return ROW(s->f, s, "INSERT INTO pam VALUES(?,?,?,?,?,?,?)", FS(service), FS("@include"),
			   FNULL, FS(tok[1]), FNULL, FI(0), FI(s->lineno));
	}
	if (n < 3)
		return src_bad(s, "expected type, control and module");
	bool optional = tok[0][0] == '-';
	char *type = tok[0] + optional;
	if (strcmp(type, "auth") && strcmp(type, "account") && strcmp(type, "password") &&
	    strcmp(type, "session"))
		return src_bad(s, "unknown PAM type");
	const char *module = basename_of(tok[2]);
	/* the arguments as one text, for evidence */
	char args[MM_FACTS_FIELD_MAX];
	size_t off = 0;
	args[0] = '\0';
	for (size_t i = 3; i < n && off < sizeof args; i++)
		off += (size_t)snprintf(args + off, sizeof args - off, "%s%s", i > 3 ? " " : "", tok[i]);
	int rc = ROW(s->f, s, "INSERT INTO pam VALUES(?,?,?,?,?,?,?)", FS(service), FS(type),
		     FS(tok[1]), FS(module), n > 3 ? FS(args) : FNULL, FI(optional), FI(s->lineno));
	for (size_t i = 3; rc == MM_OK && i < n; i++) {
		char *eq = strchr(tok[i], '=');
		fval v = FNULL;
		if (eq) {
			*eq = '\0';
			v = FS(eq + 1);
		}
		rc = ROW(s->f, s, "INSERT INTO pam_args VALUES(?,?,?,?,?,?)", FS(service), FS(type),
			 FS(module), FS(tok[i]), v, FI(s->lineno));
	}
	return rc;
}

static bool skip_name(const char *name)
{
	size_t n = strlen(name);
	return strstr(name, ".dpkg-") || strstr(name, ".ucf-") || (n && name[n - 1] == '~') ||
	       name[0] == '.';
}

int collect_pam(mm_facts *f)
{
	fdir d;
	int rc = MM_OK;
	if (facts_listdir(f, "etc/pam.d", &d) != 0) {
		rc = facts_status(f, "pam", "etc/pam.d", ST_MISSING, 0, "not present");
	} else {
		for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
			if (skip_name(d.names[i]))
				continue;
			char rel[512];
			snprintf(rel, sizeof rel, "etc/pam.d/%s", d.names[i]);
			rc = facts_read_config(f, "pam", rel, parse_pam_line, NULL, d.names[i], 0);
		}
		fdir_release(&d);
	}
	if (!rc)
		rc = facts_read_keyvalue(f, "pwquality", "etc/security/pwquality.conf", "pwquality");
	if (!rc && facts_listdir(f, "etc/security/pwquality.conf.d", &d) == 0) {
		for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
			size_t n = strlen(d.names[i]);
			if (n < 6 || strcmp(d.names[i] + n - 5, ".conf") != 0)
				continue;
			char rel[512];
			snprintf(rel, sizeof rel, "etc/security/pwquality.conf.d/%s", d.names[i]);
			rc = facts_read_keyvalue(f, "pwquality", rel, "pwquality");
		}
		fdir_release(&d);
	}
	if (!rc)
		rc = facts_read_keyvalue(f, "faillock", "etc/security/faillock.conf", "faillock_conf");
	return rc;
}
