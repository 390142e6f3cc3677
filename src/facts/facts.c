/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fact database: opening it, the row writer every collector uses, the
 * collector_status bookkeeping, the collection run and the parser table
 * behind mm_facts_parse (tests and fuzz targets).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto/mm_crypto.h"
#include "facts/facts_int.h"
#include "base/banned.h"

extern const char facts_schema_sql[];

static const char *const status_names[] = {
	[ST_OK] = "ok", [ST_MISSING] = "missing", [ST_NOT_COLLECTED] = "not-collected",
	[ST_PARTIAL] = "partial", [ST_ERROR] = "error",
};

int facts_exec(mm_facts *f, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(f->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		if (!f->dberr[0])
			snprintf(f->dberr, sizeof f->dberr, "%s", msg ? msg : sqlite3_errmsg(f->db));
		sqlite3_free(msg);
		return MM_EDB;
	}
	return MM_OK;
}

int mm_facts_open(mm_facts **out, const char *root, int64_t now_s, mm_err *err)
{
	*out = NULL;
	mm_facts *f = calloc(1, sizeof *f);
	if (!f)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	f->rootfd = -1;
	mm_buf_init(&f->scratch, (size_t)MM_FACTS_EXEC_OUT_MAX * 4 + 16);
	int rc = MM_OK;
	if (mm_crypto_init() != MM_OK) { /* rulesets are hashed */
		rc = mm_err_set(err, MM_ECRYPTO, "cannot initialise cryptography");
		goto fail;
	}
	if (!root || !*root)
		root = "/";
	if (!realpath(root, f->root)) {
		rc = mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, "--root %s: %s", root,
				strerror(errno));
		goto fail;
	}
	f->rootfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f->rootfd < 0) {
		rc = mm_err_set(err, MM_EIO, "--root %s: %s", root, strerror(errno));
		goto fail;
	}
	f->live = strcmp(f->root, "/") == 0;
	f->now = now_s > 0 ? now_s : mm_now_ns() / 1000000000;
	if (sqlite3_open_v2(":memory:", &f->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "cannot open the fact database");
		goto fail;
	}
	sqlite3_db_config(f->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(f->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	if (facts_exec(f, facts_schema_sql) != MM_OK || facts_exec(f, "BEGIN") != MM_OK) {
		rc = mm_err_set(err, MM_EDB, "fact schema: %s", f->dberr);
		goto fail;
	}
	*out = f;
	return MM_OK;
fail:
	mm_facts_close(f);
	return rc;
}

void mm_facts_close(mm_facts *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->ncache; i++)
		sqlite3_finalize(f->cache[i].st);
	sqlite3_close(f->db);
	if (f->rootfd >= 0)
		close(f->rootfd);
	mm_buf_release(&f->scratch);
	free(f);
}

sqlite3 *mm_facts_db(mm_facts *f)
{
	return f->db;
}

bool mm_facts_live(const mm_facts *f)
{
	return f->live;
}

static sqlite3_stmt *stmt_for(mm_facts *f, const char *sql)
{
	for (size_t i = 0; i < f->ncache; i++)
		if (f->cache[i].sql == sql)
			return f->cache[i].st;
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(f->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		if (!f->dberr[0])
			snprintf(f->dberr, sizeof f->dberr, "%s", sqlite3_errmsg(f->db));
		return NULL;
	}
	if (f->ncache < FACTS_STMT_CACHE) {
		f->cache[f->ncache].sql = sql;
		f->cache[f->ncache].st = st;
		f->ncache++;
	}
	return st;
}

/* Decode one UTF-8 sequence at s[0..n); returns its length or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		len = 2;
	else if ((c & 0xF0) == 0xE0)
		len = 3;
	else if ((c & 0xF8) == 0xF0)
		len = 4;
	else
		return 0;
	if (len > n || !mm_utf8_valid((const char *)s, len))
		return 0;
	return len;
}

/*
 * Make text safe for every consumer (JSON, terminals): valid UTF-8, no
 * control characters. Returns a pointer valid until the next call.
 */
static const char *clean_text(mm_facts *f, const char *s, size_t n, bool multiline,
			      size_t *outlen)
{
	if (n > MM_FACTS_FIELD_MAX && !multiline)
		n = MM_FACTS_FIELD_MAX;
	size_t i = 0;
	while (i < n && (unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f)
		i++;
	if (i == n) {
		*outlen = n;
		return s;
	}
	mm_buf_reset(&f->scratch);
	if (mm_buf_append(&f->scratch, s, i) != MM_OK)
		return NULL;
	const unsigned char *u = (const unsigned char *)s;
	while (i < n) {
		size_t k = (u[i] >= 0x20 && u[i] != 0x7f) || (multiline && u[i] == '\n')
				   ? utf8_seq(u + i, n - i)
				   : 0;
		int rc;
		if (k) {
			rc = mm_buf_append(&f->scratch, s + i, k);
			i += k;
		} else {
			rc = mm_buf_printf(&f->scratch, "\\x%02x", u[i]);
			i++;
		}
		if (rc)
			return NULL;
	}
	*outlen = f->scratch.len;
	return (const char *)f->scratch.p;
}

int facts_row(mm_facts *f, fsrc *s, const char *sql, size_t n, const fval *v)
{
	if (s && s->rows >= MM_FACTS_ROWS_MAX)
		return MM_ELIMIT;
	sqlite3_stmt *st = stmt_for(f, sql);
	if (!st)
		return MM_EDB;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	for (size_t i = 0; i < n; i++) {
		int b = SQLITE_OK;
		if (v[i].t == FV_INT) {
			b = sqlite3_bind_int64(st, (int)i + 1, v[i].i);
		} else if ((v[i].t == FV_TEXT || v[i].t == FV_MULTILINE) && v[i].s) {
			size_t len = v[i].n == (size_t)-1 ? strlen(v[i].s) : v[i].n;
			const char *t = clean_text(f, v[i].s, len, v[i].t == FV_MULTILINE, &len);
			if (!t)
				return MM_ENOMEM;
			b = sqlite3_bind_text(st, (int)i + 1, t, (int)len, SQLITE_TRANSIENT);
		}
		if (b != SQLITE_OK)
			return MM_EDB;
	}
	int r = sqlite3_step(st);
	sqlite3_reset(st);
	if (r != SQLITE_DONE) {
		if (!f->dberr[0])
			snprintf(f->dberr, sizeof f->dberr, "%s", sqlite3_errmsg(f->db));
		return MM_EDB;
	}
	if (s)
		s->rows++;
	return MM_OK;
}

/* ---- sources and their status ---- */

void src_init(fsrc *s, mm_facts *f, const char *collector, const char *source)
{
	memset(s, 0, sizeof *s);
	s->f = f;
	s->collector = collector;
	snprintf(s->source, sizeof s->source, "%s", source);
	s->status = -1;
}

void src_set(fsrc *s, int status, const char *fmt, ...)
{
	s->status = status;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->detail, sizeof s->detail, fmt, ap);
	va_end(ap);
}

int facts_status(mm_facts *f, const char *collector, const char *source, int status,
		 int64_t rows, const char *fmt, ...)
{
	char detail[256] = "";
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(detail, sizeof detail, fmt, ap);
		va_end(ap);
	}
	return ROW(f, NULL, "INSERT INTO collector_status VALUES(?,?,?,?,?)", FS(collector),
		   FS(source), FS(status_names[status]), detail[0] ? FS(detail) : FNULL, FI(rows));
}

int src_finish(fsrc *s)
{
	if (s->sensitive && s->lbuf)
		mm_wipe(s->lbuf, MM_FACTS_LINE_MAX + 1);
	free(s->lbuf);
	s->lbuf = NULL;
	if (s->rc == MM_ENOMEM || s->rc == MM_EDB)
		return s->rc;
	int status = s->status;
	char detail[512] = "";
	if (status >= 0) {
		snprintf(detail, sizeof detail, "%s", s->detail);
	} else if (s->rc == MM_ELIMIT) {
		status = ST_PARTIAL;
		snprintf(detail, sizeof detail, "stopped after %d rows (limit)", MM_FACTS_ROWS_MAX);
	} else {
		status = ST_OK;
		size_t bad = s->rejected + s->too_long + s->with_nul;
		size_t off = 0;
		if (s->truncated) {
			status = ST_PARTIAL;
			off += (size_t)snprintf(detail, sizeof detail,
						"read only the last %llu of %llu bytes; ",
						(unsigned long long)(s->size - s->skipped_bytes),
						(unsigned long long)s->size);
		}
		if (bad && off < sizeof detail) {
			status = ST_PARTIAL;
			snprintf(detail + off, sizeof detail - off,
				 "%zu lines rejected (%zu malformed, %zu longer than %d bytes, %zu with NUL "
				 "bytes); first at line %zu: %s; ",
				 bad, s->rejected, s->too_long, MM_FACTS_LINE_MAX, s->with_nul, s->first_bad,
				 s->why[0] ? s->why : "unreadable");
		}
		size_t dl = strlen(detail);
		if (dl >= 2 && detail[dl - 2] == ';')
			detail[dl - 2] = '\0';
	}
	return ROW(s->f, NULL, "INSERT INTO collector_status VALUES(?,?,?,?,?)", FS(s->collector),
		   FS(s->source), FS(status_names[status]), detail[0] ? FS(detail) : FNULL,
		   FI(s->rows));
}

/* ---- the run ---- */

static int (*const collectors[])(mm_facts *) = {
	collect_host,     collect_accounts,   collect_pam,      collect_firewall,
	collect_shares,   collect_services,   collect_processes, collect_sockets,
	collect_packages, collect_network,    collect_devices,  collect_logons,
	collect_logging,  collect_time_sync,  collect_antimalware, collect_desktop,
};

int mm_facts_collect(mm_facts *f, mm_err *err)
{
	for (size_t i = 0; i < sizeof collectors / sizeof collectors[0]; i++) {
		int rc = collectors[i](f);
		if (rc == MM_ENOMEM)
			return mm_err_set(err, rc, "collecting facts: out of memory");
		if (rc != MM_OK)
			return mm_err_set(err, MM_EDB, "collecting facts: %s",
					  f->dberr[0] ? f->dberr : mm_strerror(rc));
	}
	if (facts_exec(f, "COMMIT") != MM_OK)
		return mm_err_set(err, MM_EDB, "collecting facts: %s", f->dberr);
	return MM_OK;
}

/* ---- parsers ---- */

const fparser facts_parsers[] = {
	{"passwd", "accounts", parse_passwd_line, NULL, NULL, NULL},
	{"shadow", "accounts", parse_shadow_line, NULL, NULL, NULL},
	{"group", "accounts", parse_group_line, NULL, NULL, NULL},
	{"login_defs", "login_defs", parse_keyvalue_line, NULL, NULL, "login_defs"},
	{"pwquality", "pwquality", parse_keyvalue_line, NULL, NULL, "pwquality"},
	{"faillock", "faillock", parse_keyvalue_line, NULL, NULL, "faillock_conf"},
	{"pam", "pam", parse_pam_line, NULL, NULL, "common-auth"},
	{"smb_conf", "shares", parse_smb_line, NULL, finish_smb, NULL},
	{"exports", "shares", parse_exports_line, NULL, NULL, NULL},
	{"dpkg_status", "packages", parse_dpkg_line, NULL, finish_dpkg, NULL},
	{"rpm_header", "packages", NULL, parse_rpm_header, NULL, NULL},
	{"proc_net_tcp", "sockets", parse_proc_net_line, NULL, NULL, "tcp"},
	{"proc_net_udp6", "sockets", parse_proc_net_line, NULL, NULL, "udp6"},
	{"proc_net_route", "network", parse_proc_route_line, NULL, NULL, "ipv4"},
	{"auth_log", "logons", parse_auth_line, NULL, NULL, NULL},
	{"journal_json", "logons", parse_journal_json_line, NULL, NULL, NULL},
	{"btmp", "logons", NULL, parse_utmp_bytes, NULL, "btmp"},
	{"wtmp", "logons", NULL, parse_utmp_bytes, NULL, "wtmp"},
	{"clamav_log", "antimalware", parse_clamav_log_line, NULL, NULL, NULL},
	{"nftables_conf", "firewall", parse_nft_text_line, NULL, finish_nft_text, NULL},
	{"nft_json", "firewall", NULL, parse_nft_json, NULL, NULL},
	{"iptables_save", "firewall", parse_iptables_line, NULL, finish_iptables, NULL},
	{"resolv_conf", "network", parse_resolv_line, NULL, NULL, NULL},
	{"ifupdown", "network", parse_ifupdown_line, NULL, NULL, NULL},
	{"dconf", "desktop", parse_ini_line, NULL, NULL, "dconf"},
	{"rsyslog", "logging", parse_rsyslog_line, NULL, NULL, NULL},
	{NULL, NULL, NULL, NULL, NULL, NULL},
};

const fparser *facts_parser(const char *name)
{
	for (const fparser *p = facts_parsers; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

const char *const *mm_facts_parser_names(void)
{
	static const char *names[sizeof facts_parsers / sizeof facts_parsers[0]];
	size_t i = 0;
	for (const fparser *p = facts_parsers; p->name; p++)
		names[i++] = p->name;
	names[i] = NULL;
	return names;
}

int facts_parse_buffer(mm_facts *f, const fparser *p, const char *source, const void *data,
		       size_t len, mm_err *err)
{
	fsrc s;
	src_init(&s, f, p->collector, source);
	s.arg = p->arg;
	if (!(s.st = calloc(1, FACTS_STATE_MAX)))
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	int rc;
	if (p->bytes) {
		rc = p->bytes(&s, data, len);
		if (rc != MM_OK && rc != MM_ELIMIT && s.status < 0)
			src_set(&s, ST_ERROR, "%s", s.why[0] ? s.why : mm_strerror(rc));
		if (rc == MM_EINVAL || rc == MM_ELIMIT)
			rc = MM_OK;
	} else {
		s.fn = p->line;
		rc = src_feed(&s, data, len, true);
		if ((rc == MM_OK || rc == MM_ELIMIT) && p->finish) { /* finish also frees parser state */
			int frc = p->finish(&s);
			if (rc == MM_OK)
				rc = frc;
		}
	}
	if (rc == MM_ELIMIT) {
		s.rc = rc;
		rc = MM_OK;
	}
	free(s.st);
	int frc = src_finish(&s);
	if (rc == MM_OK)
		rc = frc;
	if (rc != MM_OK)
		return mm_err_set(err, rc, "%s: %s", p->name, f->dberr[0] ? f->dberr : mm_strerror(rc));
	if (s.status == ST_ERROR)
		return mm_err_set(err, MM_EINVAL, "%s: %s", p->name, s.detail);
	return MM_OK;
}

int mm_facts_parse(mm_facts *f, const char *parser, const void *data, size_t len, mm_err *err)
{
	const fparser *p = facts_parser(parser);
	if (!p)
		return mm_err_set(err, MM_ENOTFOUND, "unknown parser '%s'", parser);
	char source[64];
	snprintf(source, sizeof source, "(%s input)", p->name);
	return facts_parse_buffer(f, p, source, data, len, err);
}
