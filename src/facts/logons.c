/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Failed and successful logons: var/log/auth.log (and auth.log.1), read
 * from the tail; the journal when live and there is no auth.log (live:
 * `journalctl -o json` with a fixed argv; captured:
 * var/lib/mamori/captured/journal-auth.json); var/log/btmp and
 * var/log/wtmp as fixed 384-byte utmp records, also from the tail.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "facts/facts_int.h"
#include "base/banned.h"

struct auth_state {
	int year;      /* for traditional timestamps without a year */
	int64_t now;
};
_Static_assert(sizeof(struct auth_state) <= FACTS_STATE_MAX, "auth state");

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static bool two_digits(const char *p, int *v)
{
	if (p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9')
		return false;
	*v = (p[0] - '0') * 10 + (p[1] - '0');
	return true;
}

/* "Nov 21 21:33:01 " or "2025-11-21T21:33:01[.frac](Z|±hh:mm) "; returns the rest. */
static const char *parse_stamp(fsrc *s, const char *t, int64_t *when)
{
	struct auth_state *st = s->st;
	int y, mo = 0, d, h, mi, se;
	if (strlen(t) >= 20 && t[4] == '-' && t[7] == '-' && t[10] == 'T') {
		int y1, y2;
		if (!two_digits(t, &y1) || !two_digits(t + 2, &y2) || !two_digits(t + 5, &mo) ||
		    !two_digits(t + 8, &d) || !two_digits(t + 11, &h) || !two_digits(t + 14, &mi) ||
		    !two_digits(t + 17, &se) || mo < 1 || mo > 12 || d < 1 || d > 31)
			return NULL;
		y = y1 * 100 + y2;
		const char *p = t + 19;
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				;
		int off = 0;
		if (*p == 'Z') {
			p++;
		} else if ((*p == '+' || *p == '-') && strlen(p) >= 6) {
			int oh, om;
			if (!two_digits(p + 1, &oh) || p[3] != ':' || !two_digits(p + 4, &om))
				return NULL;
			off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
			p += 6;
		}
		*when = civil_to_unix(y, mo, d, h, mi, se) - off * 60;
		return *p == ' ' ? p + 1 : NULL;
	}
	if (strlen(t) < 16 || t[3] != ' ' || t[6] != ' ' || t[9] != ':' || t[12] != ':' || t[15] != ' ')
		return NULL;
	for (int i = 0; i < 12; i++)
		if (strncmp(t, months[i], 3) == 0)
			mo = i + 1;
	int d1 = t[4] == ' ' ? 0 : t[4] - '0';
	if (!mo || d1 < 0 || d1 > 3 || t[5] < '0' || t[5] > '9' || !two_digits(t + 7, &h) ||
	    !two_digits(t + 10, &mi) || !two_digits(t + 13, &se))
		return NULL;
	d = d1 * 10 + (t[5] - '0');
	if (!st->year) {
		/* the year that does not put the line after the collection time */
		time_t now = (time_t)st->now;
		struct tm tm;
		gmtime_r(&now, &tm);
		st->year = tm.tm_year + 1900;
	}
	int64_t w = civil_to_unix(st->year, mo, d, h, mi, se);
	if (w > st->now + 86400)
		w = civil_to_unix(st->year - 1, mo, d, h, mi, se);
	*when = w;
	return t + 16;
}

/* Copy the word after marker in msg (up to a blank or quote) into out. */
static bool word_after(const char *msg, const char *marker, char *out, size_t cap)
{
	const char *p = strstr(msg, marker);
	if (!p)
		return false;
	p += strlen(marker);
	size_t n = strcspn(p, " '\t");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return n > 0;
}

static int event(fsrc *s, int64_t when, const char *prog, const char *ev, const char *user,
		 const char *remote, const char *method)
{
	return ROW(s->f, s, "INSERT INTO auth_events VALUES(?,?,?,?,?,?,?,?)", FS(s->source),
		   FIOPT(when, when), FS(prog), FS(ev), user && *user ? FS(user) : FNULL,
		   remote && *remote ? FS(remote) : FNULL, method && *method ? FS(method) : FNULL,
		   FI(s->lineno));
}

/* Classify one syslog message of prog; lines that are not logon events are ignored. */
static int classify(fsrc *s, int64_t when, const char *prog, const char *msg)
{
	char user[65] = "", remote[65] = "", method[33] = "";
	if (strcmp(prog, "sshd") == 0) {
		const char *p;
		bool failed = str_starts(msg, "Failed "), accepted = str_starts(msg, "Accepted ");
		if (failed || accepted) {
			p = msg + (failed ? 7 : 9);
			size_t n = strcspn(p, " ");
			snprintf(method, sizeof method, "%.*s", (int)(n < 32 ? n : 32), p);
			bool invalid = strstr(msg, " for invalid user ") != NULL;
			word_after(msg, invalid ? " for invalid user " : " for ", user, sizeof user);
			word_after(msg, " from ", remote, sizeof remote);
			return event(s, when, prog,
				     accepted ? "accepted" : invalid ? "invalid-user" : "failed", user,
				     remote, method);
		}
		if (str_starts(msg, "Invalid user ")) {
			word_after(msg, "Invalid user ", user, sizeof user);
			word_after(msg, " from ", remote, sizeof remote);
			/* sshd logs "Failed ... invalid user" for the same attempt when a password is tried */
			return event(s, when, prog, "unknown-user", user, remote, NULL);
		}
	}
	if (strstr(msg, "FAILED LOGIN")) {
		word_after(msg, " FOR '", user, sizeof user);
		word_after(msg, " FROM '", remote, sizeof remote);
		return event(s, when, prog, "failed", user, remote, "login");
	}
	if (strstr(msg, "Consecutive login failures for user ")) {
		word_after(msg, "Consecutive login failures for user ", user, sizeof user);
		return event(s, when, prog, "locked-out", user, NULL, NULL);
	}
	if (strstr(msg, "): authentication failure;") && strcmp(prog, "sshd") != 0) {
		word_after(msg, " user=", user, sizeof user);
		word_after(msg, " rhost=", remote, sizeof remote);
		return event(s, when, prog, "failed", user, remote, "pam");
	}
	if (strstr(msg, "): session opened for user ")) {
		word_after(msg, "): session opened for user ", user, sizeof user);
		char *paren = strchr(user, '(');
		if (paren)
			*paren = '\0';
		return event(s, when, prog, "session-opened", user, NULL, NULL);
	}
	return MM_OK;
}

int parse_auth_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	struct auth_state *st = s->st;
	if (!st->now)
		st->now = s->f->now;
	int64_t when = 0;
	const char *p = parse_stamp(s, line, &when);
	if (!p)
		return src_bad(s, "no syslog timestamp");
	p += strcspn(p, " "); /* host */
	if (*p != ' ')
		return src_bad(s, "no host field");
	p++;
	char prog[64];
	size_t n = strcspn(p, "[: ");
	if (n == 0 || n >= sizeof prog)
		return MM_OK; /* not a "prog[pid]: message" line; nothing to learn */
	memcpy(prog, p, n);
	prog[n] = '\0';
	const char *msg = strstr(p + n, ": ");
	if (!msg)
		return MM_OK;
	return classify(s, when, prog, msg + 2);
}

int parse_journal_json_line(fsrc *s, char *line, size_t len)
{
	json_error_t je;
	json_t *o = json_loadb(line, len, 0, &je);
	if (!json_is_object(o)) {
		json_decref(o);
		return src_bad(s, "not a JSON object");
	}
	const char *msg = json_string_value(json_object_get(o, "MESSAGE"));
	const char *prog = json_string_value(json_object_get(o, "SYSLOG_IDENTIFIER"));
	const char *ts = json_string_value(json_object_get(o, "__REALTIME_TIMESTAMP"));
	int64_t us = 0;
	int rc = MM_OK;
	if (msg && prog && strlen(prog) < 64) {
		if (!ts || !str_int(ts, &us))
			us = 0;
		rc = classify(s, us / 1000000, prog, msg);
	}
	json_decref(o);
	return rc;
}

/* ---- utmp (btmp, wtmp) ---- */

#define UTMP_SIZE 384
static const char *const ut_types[] = {"empty", "run-level", "boot", "new-time", "old-time",
				       "init", "login", "user", "dead", "accounting"};

int parse_utmp_bytes(fsrc *s, const uint8_t *p, size_t n)
{
	int rc = MM_OK;
	for (; rc == MM_OK && n >= UTMP_SIZE; p += UTMP_SIZE, n -= UTMP_SIZE) {
		s->lineno++;
		int16_t type = (int16_t)(p[0] | p[1] << 8);
		int32_t sec = (int32_t)((uint32_t)p[340] | (uint32_t)p[341] << 8 |
					(uint32_t)p[342] << 16 | (uint32_t)p[343] << 24);
		if (type < 0 || type > 9 || sec < 0) {
			src_bad(s, "not a utmp record");
			s->rejected++;
			if (!s->first_bad)
				s->first_bad = s->lineno;
			continue;
		}
		if (type == 0)
			continue;
		const char *line = (const char *)p + 8, *user = (const char *)p + 44,
			   *host = (const char *)p + 76;
		size_t ll = strnlen(line, 32), ul = strnlen(user, 32), hl = strnlen(host, 256);
		char addr[INET6_ADDRSTRLEN] = "";
		if (!hl) {
			static const uint8_t zero[16];
			if (memcmp(p + 348, zero, 16) != 0) {
				bool v4 = memcmp(p + 352, zero, 12) == 0;
				inet_ntop(v4 ? AF_INET : AF_INET6, p + 348, addr, sizeof addr);
			}
		}
		rc = ROW(s->f, s, "INSERT INTO logins VALUES(?,?,?,?,?,?)", FS(s->arg ? s->arg : "wtmp"),
			 FS(ut_types[type]), ul ? FSN(user, ul) : FNULL, ll ? FSN(line, ll) : FNULL,
			 hl ? FSN(host, hl) : addr[0] ? FS(addr) : FNULL, FI(sec));
	}
	if (rc == MM_OK && n) {
		s->lineno++;
		src_bad(s, "truncated utmp record at the end");
		s->rejected++;
		if (!s->first_bad)
			s->first_bad = s->lineno;
	}
	return rc;
}

static int collect_utmp(mm_facts *f, const char *rel, const char *kind)
{
	fsrc s;
	src_init(&s, f, "logons", rel);
	s.arg = kind;
	int rc = MM_OK;
	uint8_t *buf = NULL;
	int fd = facts_openat(f, rel, false);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			src_set(&s, ST_MISSING, "not present");
		else
			src_set(&s, ST_ERROR, "cannot open: %s",
				errno == EINVAL ? "not a regular file" : strerror(errno));
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) != 0)
		goto out_close;
	s.size = (uint64_t)st.st_size;
	uint64_t want = (MM_FACTS_UTMP_TAIL_MAX / UTMP_SIZE) * UTMP_SIZE;
	if (s.size > want) {
		/* start at a record boundary counted from the beginning */
		uint64_t start = ((s.size - want) + UTMP_SIZE - 1) / UTMP_SIZE * UTMP_SIZE;
		if (lseek(fd, (off_t)start, SEEK_SET) < 0) {
			src_set(&s, ST_ERROR, "cannot seek: %s", strerror(errno));
			goto out_close;
		}
		s.truncated = true;
		s.skipped_bytes = start;
	}
	size_t cap = UTMP_SIZE * 170;
	buf = malloc(cap);
	if (!buf) {
		rc = MM_ENOMEM;
		goto out_close;
	}
	size_t have = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			src_set(&s, ST_ERROR, "read failed: %s", strerror(errno));
			break;
		}
		have += (size_t)n;
		if (n == 0 || have == cap) {
			size_t whole = n == 0 ? have : have / UTMP_SIZE * UTMP_SIZE;
			rc = parse_utmp_bytes(&s, buf, whole);
			memmove(buf, buf + whole, have - whole);
			have -= whole;
			if (rc || n == 0)
				break;
		}
	}
out_close:
	close(fd);
out:
	free(buf);
	if (rc == MM_ELIMIT)
		rc = MM_OK;
	s.rc = rc;
	int frc = src_finish(&s);
	return rc ? rc : frc;
}

/* ---- the collector ---- */

static int read_log(mm_facts *f, const char *rel, line_fn fn, bool *present, bool quiet)
{
	fsrc s;
	struct auth_state st = {0, f->now};
	src_init(&s, f, "logons", rel);
	s.st = &st;
	int rc = src_read_lines(&s, rel, MM_FACTS_LOG_TAIL_MAX, true, fn);
	if (present)
		*present = s.status != ST_MISSING;
	if (quiet && s.status == ST_MISSING) {
		free(s.lbuf);
		return rc;
	}
	int frc = src_finish(&s);
	return rc ? rc : frc;
}

static int journal_live(mm_facts *f)
{
	int jd = facts_openat(f, "var/log/journal", true);
	if (jd < 0)
		jd = facts_openat(f, "run/log/journal", true);
	if (jd < 0)
		return facts_status(f, "logons", "live: journal", ST_MISSING, 0,
				    "no journal directory (var/log/journal, run/log/journal)");
	close(jd);
	char n[16];
	snprintf(n, sizeof n, "%d", MM_FACTS_JOURNAL_MAX);
	char *const argv[] = {"journalctl", "-o", "json", "--no-pager", "-q", "-n", n,
			      "SYSLOG_FACILITY=4", "SYSLOG_FACILITY=10", NULL};
	mm_buf out;
	mm_buf_init(&out, MM_FACTS_EXEC_OUT_MAX);
	char why[256];
	int rc;
	if (facts_exec_capture("/usr/bin/journalctl", argv, MM_FACTS_EXEC_OUT_MAX, &out, why,
			       sizeof why) != 0) {
		rc = facts_status(f, "logons", "live: journal", ST_ERROR, 0, "%s", why);
	} else {
		fsrc s;
		struct auth_state st = {0, f->now};
		src_init(&s, f, "logons", "live: journal");
		s.st = &st;
		s.fn = parse_journal_json_line;
		rc = src_feed(&s, (const char *)out.p, out.len, true);
		int frc = src_finish(&s);
		if (rc == MM_ELIMIT)
			rc = MM_OK;
		if (!rc)
			rc = frc;
	}
	mm_buf_release(&out);
	return rc;
}

int collect_logons(mm_facts *f)
{
	bool have_auth = false, have_old = false;
	int rc = read_log(f, "var/log/auth.log", parse_auth_line, &have_auth, false);
	if (!rc)
		rc = read_log(f, "var/log/auth.log.1", parse_auth_line, &have_old, true);
	if (!rc) {
		bool captured = false;
		rc = read_log(f, "var/lib/mamori/captured/journal-auth.json", parse_journal_json_line,
			      &captured, true);
		if (!rc && !captured && !have_auth) {
			if (f->live)
				rc = journal_live(f);
			else
				rc = facts_status(f, "logons", "live: journal", ST_NOT_COLLECTED, 0,
						  "live source; --root is not /");
		}
	}
	if (!rc)
		rc = collect_utmp(f, "var/log/btmp", "btmp");
	if (!rc)
		rc = collect_utmp(f, "var/log/wtmp", "wtmp");
	return rc;
}
