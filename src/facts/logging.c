/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where logon events are recorded: rsyslog's selector rules
 * (etc/rsyslog.conf, etc/rsyslog.d/<*>.conf) and journald's configuration
 * (etc/systemd/journald.conf and journald.conf.d/<*>.conf).
 */
#include <stdio.h>
#include <string.h>

#include "facts/facts_int.h"
#include "base/banned.h"

/* "facility.priority[;...]  action" lines; RainerScript and $directives are skipped. */
int parse_rsyslog_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || *t == '#' || *t == '$' || strchr(t, '(') || strchr(t, '{') || strchr(t, '}') ||
	    str_starts(t, "if ") || str_starts(t, "& ") || *t == ':')
		return MM_OK;
	char *sp = t + strcspn(t, " \t");
	if (!*sp)
		return src_bad(s, "selector without an action");
	*sp = '\0';
	char *action = str_trim(sp + 1);
	if (!strchr(t, '.'))
		return src_bad(s, "selector without facility.priority");
	return ROW(s->f, s, "INSERT INTO syslog_rules VALUES(?,?,?,?)", FS(s->source), FS(t),
		   FS(action), FI(s->lineno));
}

static int parse_journald_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || *t == '#' || *t == ';' || *t == '[')
		return MM_OK;
	char *eq = strchr(t, '=');
	if (!eq)
		return src_bad(s, "expected Key=value");
	*eq = '\0';
	return ROW(s->f, s, "INSERT INTO journald_conf VALUES(?,?,?,?)", FS(str_trim(t)),
		   FS(str_trim(eq + 1)), FS(s->source), FI(s->lineno));
}


static int read_dir(mm_facts *f, const char *dir, line_fn fn)
{
	fdir d;
	if (facts_listdir(f, dir, &d) != 0)
		return MM_OK;
	int rc = MM_OK;
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		size_t n = strlen(d.names[i]);
		if (n < 6 || strcmp(d.names[i] + n - 5, ".conf") != 0)
			continue;
		char rel[512];
		snprintf(rel, sizeof rel, "%s/%s", dir, d.names[i]);
		rc = facts_read_config(f, "logging", rel, fn, NULL, NULL, FR_QUIET_MISSING);
	}
	fdir_release(&d);
	return rc;
}

int collect_logging(mm_facts *f)
{
	int rc = facts_read_config(f, "logging", "etc/rsyslog.conf", parse_rsyslog_line, NULL, NULL, 0);
	if (!rc)
		rc = read_dir(f, "etc/rsyslog.d", parse_rsyslog_line);
	if (!rc)
		rc = facts_read_config(f, "logging", "etc/systemd/journald.conf", parse_journald_line, NULL,
				       NULL, 0);
	if (!rc)
		rc = read_dir(f, "etc/systemd/journald.conf.d", parse_journald_line);
	return rc;
}
