/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared folders: Samba (etc/samba/smb.conf: every parameter as a row, and
 * each share section summarised) and NFS (etc/exports, etc/exports.d).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "facts/facts_int.h"
#include "base/banned.h"

struct smb_state {
	bool in_section, continued;
	char section[256];
	char path[1024];
	char valid_users[1024];
	int guest_ok, read_only, browseable, available, printable;
	int64_t line;
	char pending[MM_FACTS_LINE_MAX > 1500 ? 1500 : MM_FACTS_LINE_MAX]; /* continued line */
	size_t plen;
};
_Static_assert(sizeof(struct smb_state) <= FACTS_STATE_MAX, "smb state");

static int smb_bool(const char *v, int dflt)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "on"))
		return 1;
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "off"))
		return 0;
	return dflt;
}

/* Key without any blanks, lower case: how Samba compares parameter names. */
static void squash(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	for (; *in && n + 1 < cap; in++)
		if (*in != ' ' && *in != '\t' && *in != '_')
			out[n++] = (char)tolower((unsigned char)*in);
	out[n] = '\0';
}

static int smb_flush(fsrc *s, struct smb_state *st)
{
	if (!st->in_section || strcasecmp(st->section, "global") == 0)
		return MM_OK;
	st->in_section = false;
	return ROW(s->f, s, "INSERT INTO smb_shares VALUES(?,?,?,?,?,?,?,?,?)", FS(st->section),
		   st->path[0] ? FS(st->path) : FNULL, FI(st->guest_ok), FI(st->read_only),
		   FI(st->browseable), FI(st->available),
		   st->valid_users[0] ? FS(st->valid_users) : FNULL, FI(st->printable), FI(st->line));
}

static int smb_logical_line(fsrc *s, struct smb_state *st, char *t)
{
	t = str_trim(t);
	if (!*t || *t == '#' || *t == ';')
		return MM_OK;
	if (*t == '[') {
		char *close = strchr(t, ']');
		if (!close)
			return src_bad(s, "section header without ']'");
		*close = '\0';
		char *name = str_trim(t + 1);
		if (!*name || strlen(name) >= sizeof st->section)
			return src_bad(s, "invalid section name");
		int rc = smb_flush(s, st);
		if (rc)
			return rc;
		snprintf(st->section, sizeof st->section, "%s", name);
		st->in_section = true;
		st->path[0] = st->valid_users[0] = '\0';
		st->guest_ok = 0;
		st->read_only = 1;
		st->browseable = 1;
		st->available = 1;
		st->printable = 0;
		st->line = (int64_t)s->lineno;
		return MM_OK;
	}
	char *eq = strchr(t, '=');
	if (!eq)
		return src_bad(s, "expected 'name = value'");
	*eq = '\0';
	char *key = str_trim(t), *val = str_trim(eq + 1);
	if (!*key)
		return src_bad(s, "empty parameter name");
	char lower[128];
	size_t kn = 0;
	bool sp = false;
	for (const char *k = key; *k && kn + 2 < sizeof lower; k++) {
		if (*k == ' ' || *k == '\t') {
			sp = true;
			continue;
		}
		if (sp && kn)
			lower[kn++] = ' ';
		sp = false;
		lower[kn++] = (char)tolower((unsigned char)*k);
	}
	lower[kn] = '\0';
	const char *section = st->in_section || st->section[0] ? st->section : "global";
	int rc = ROW(s->f, s, "INSERT INTO smb_conf VALUES(?,?,?,?)", FS(section), FS(lower), FS(val),
		     FI(s->lineno));
	if (rc || !st->in_section)
		return rc;
	char k[128];
	squash(key, k, sizeof k);
	if (!strcmp(k, "path") || !strcmp(k, "directory"))
		snprintf(st->path, sizeof st->path, "%s", val);
	else if (!strcmp(k, "guestok") || !strcmp(k, "public"))
		st->guest_ok = smb_bool(val, st->guest_ok);
	else if (!strcmp(k, "readonly"))
		st->read_only = smb_bool(val, st->read_only);
	else if (!strcmp(k, "writable") || !strcmp(k, "writeable") || !strcmp(k, "writeok"))
		st->read_only = !smb_bool(val, !st->read_only);
	else if (!strcmp(k, "browseable") || !strcmp(k, "browsable"))
		st->browseable = smb_bool(val, st->browseable);
	else if (!strcmp(k, "available"))
		st->available = smb_bool(val, st->available);
	else if (!strcmp(k, "printable") || !strcmp(k, "printok"))
		st->printable = smb_bool(val, st->printable);
	else if (!strcmp(k, "validusers"))
		snprintf(st->valid_users, sizeof st->valid_users, "%s", val);
	return MM_OK;
}

int parse_smb_line(fsrc *s, char *line, size_t len)
{
	struct smb_state *st = s->st;
	bool cont = len && line[len - 1] == '\\';
	if (cont)
		line[--len] = '\0';
	if (cont || st->plen) {
		if (st->plen + len + 2 > sizeof st->pending) {
			st->plen = 0;
			return src_bad(s, "continued line too long");
		}
		memcpy(st->pending + st->plen, line, len);
		st->plen += len;
		st->pending[st->plen++] = ' ';
		st->pending[st->plen] = '\0';
		if (cont)
			return MM_OK;
		st->plen = 0;
		char buf[sizeof st->pending];
		memcpy(buf, st->pending, sizeof buf);
		return smb_logical_line(s, st, buf);
	}
	return smb_logical_line(s, st, line);
}

int finish_smb(fsrc *s)
{
	return smb_flush(s, s->st);
}

/* ---- NFS exports ---- */

int parse_exports_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || *t == '#')
		return MM_OK;
	char *hash = strchr(t, '#');
	if (hash)
		*hash = '\0';
	char path[1024];
	if (*t == '"') {
		char *end = strchr(t + 1, '"');
		if (!end)
			return src_bad(s, "unterminated quoted path");
		snprintf(path, sizeof path, "%.*s", (int)(end - t - 1), t + 1);
		t = end + 1;
	} else {
		size_t n = strcspn(t, " \t");
		snprintf(path, sizeof path, "%.*s", (int)n, t);
		t += n;
	}
	if (path[0] != '/')
		return src_bad(s, "export path is not absolute");
	const char *dflt = NULL;
	int clients = 0, rc = MM_OK;
	while (rc == MM_OK) {
		while (*t == ' ' || *t == '\t')
			t++;
		if (!*t)
			break;
		char *tok = t;
		size_t n = 0;
		int depth = 0;
		while (tok[n] && (depth || (tok[n] != ' ' && tok[n] != '\t'))) {
			if (tok[n] == '(')
				depth++;
			else if (tok[n] == ')' && depth)
				depth--;
			n++;
		}
		t = tok + n;
		if (*t)
			*t++ = '\0';
		if (tok[0] == '-') {
			dflt = tok + 1;
			continue;
		}
		char *open = strchr(tok, '(');
		const char *opts = dflt;
		if (open) {
			char *close = strrchr(open, ')');
			if (!close)
				return src_bad(s, "unterminated option list");
			*close = '\0';
			*open = '\0';
			opts = open + 1;
		}
		clients++;
		rc = ROW(s->f, s, "INSERT INTO nfs_exports VALUES(?,?,?,?,?)", FS(path),
			 FS(*tok ? tok : "*"), opts ? FS(opts) : FNULL, FS(s->source), FI(s->lineno));
	}
	if (rc == MM_OK && clients == 0)
		rc = ROW(s->f, s, "INSERT INTO nfs_exports VALUES(?,?,?,?,?)", FS(path), FS("*"),
			 dflt ? FS(dflt) : FNULL, FS(s->source), FI(s->lineno));
	return rc;
}


int collect_shares(mm_facts *f)
{
	int rc = facts_read_config(f, "shares", "etc/samba/smb.conf", parse_smb_line, finish_smb, NULL, 0);
	if (!rc)
		rc = facts_read_config(f, "shares", "etc/exports", parse_exports_line, NULL, NULL, 0);
	fdir d;
	if (!rc && facts_listdir(f, "etc/exports.d", &d) == 0) {
		for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
			size_t n = strlen(d.names[i]);
			if (n < 9 || strcmp(d.names[i] + n - 8, ".exports") != 0)
				continue;
			char rel[512];
			snprintf(rel, sizeof rel, "etc/exports.d/%s", d.names[i]);
			rc = facts_read_config(f, "shares", rel, parse_exports_line, NULL, NULL, 0);
		}
		fdir_release(&d);
	}
	return rc;
}
