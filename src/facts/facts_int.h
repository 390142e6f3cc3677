/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to src/facts: the collector context, bounded readers confined
 * to the root, the row writer (which makes every text valid, printable
 * UTF-8) and the parser table. Collectors live one source family per file.
 */
#ifndef MM_FACTS_INT_H
#define MM_FACTS_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <sqlite3.h>

#include "facts/mm_facts.h"

#define FACTS_STMT_CACHE 64

struct mm_facts {
	sqlite3 *db;
	int rootfd;
	char root[PATH_MAX];
	bool live;
	int64_t now;         /* Unix seconds */
	mm_buf scratch;      /* text sanitising */
	struct {
		const char *sql; /* identity: a string literal */
		sqlite3_stmt *st;
	} cache[FACTS_STMT_CACHE];
	size_t ncache;
	char dberr[256];     /* first database error */
};

/* Outcome of one source, written to collector_status by src_finish. */
enum { ST_OK, ST_MISSING, ST_NOT_COLLECTED, ST_PARTIAL, ST_ERROR };

typedef struct fsrc fsrc;
/*
 * A line handler gets one line (NUL-terminated, no newline or CR, no NUL
 * inside, at most MM_FACTS_LINE_MAX bytes, modifiable). Returns MM_OK,
 * SRC_REJECT (the line is malformed: counted, the parse goes on) or an
 * mm_rc that stops the source (database failure, ENOMEM, row limit).
 */
#define SRC_REJECT (-1)
typedef int (*line_fn)(fsrc *s, char *line, size_t len);
/* Reject the current line (or record) giving the reason; returns SRC_REJECT. */
int src_bad(fsrc *s, const char *why);

struct fsrc {
	mm_facts *f;
	const char *collector;
	char source[256];
	const char *arg;     /* parser argument: pam service, socket protocol... */
	void *st;            /* parser state */
	int64_t rows;
	size_t lineno;
	size_t rejected, too_long, with_nul;
	size_t first_bad;    /* line number of the first rejected line */
	char why[128];       /* reason for the first rejected line */
	bool truncated;
	bool sensitive;      /* wipe read buffers (shadow) */
	uint64_t size, skipped_bytes;
	int status;          /* ST_* when set explicitly (errors, missing) */
	char detail[256];
	/* streaming line splitter */
	char *lbuf;
	size_t llen;
	bool overlong, skip_first;
	line_fn fn;
	int rc;              /* fatal code from fn, if any */
};

/* Text, integer and NULL values for row(). */
typedef struct fval {
	int t;
	int64_t i;
	const char *s;
	size_t n;
} fval;
enum { FV_NULL, FV_INT, FV_TEXT, FV_MULTILINE };
#define FI(x) ((fval){FV_INT, (int64_t)(x), NULL, 0})
#define FS(x) ((fval){FV_TEXT, 0, (x), (size_t)-1})
#define FSN(p, len) ((fval){FV_TEXT, 0, (p), (len)})
#define FNULL ((fval){FV_NULL, 0, NULL, 0})
/* Text that may keep its newlines (normalized rulesets); other controls are still escaped. */
#define FMULTI(p, len) ((fval){FV_MULTILINE, 0, (p), (len)})
#define FIOPT(ok, x) ((ok) ? FI(x) : FNULL)

/*
 * Insert one row with the statement sql (a string literal; prepared once).
 * Text is made valid UTF-8 without control characters (bytes that are not
 * become "\xNN") and cut at MM_FACTS_FIELD_MAX. When s is non-NULL the
 * row counts against that source's MM_FACTS_ROWS_MAX.
 */
int facts_row(mm_facts *f, fsrc *s, const char *sql, size_t n, const fval *v);
#define ROW(f, s, sql, ...) \
	facts_row((f), (s), (sql), sizeof((fval[]){__VA_ARGS__}) / sizeof(fval), (fval[]){__VA_ARGS__})
/* Run a statement without parameters (schema, views). */
int facts_exec(mm_facts *f, const char *sql);

/* ---- sources ---- */
void src_init(fsrc *s, mm_facts *f, const char *collector, const char *source);
/* Mark the source's outcome explicitly (not found, not collected, error...). */
void src_set(fsrc *s, int status, const char *fmt, ...) MM_PRINTF(3, 4);
/* Write the collector_status row for s and release it; returns a fatal rc. */
int src_finish(fsrc *s);
/* Record a status row in one call (for sources without a parse). */
int facts_status(mm_facts *f, const char *collector, const char *source, int status,
		 int64_t rows, const char *fmt, ...) MM_PRINTF(6, 7);

/*
 * Open rel (relative to the root, which it cannot leave: symlinks resolve
 * inside it) read-only. Only regular files (and, with dir, directories) are
 * accepted. Returns the fd, or -1 with errno (ENOENT for missing, EINVAL
 * for a non-regular file).
 */
int facts_openat(mm_facts *f, const char *rel, bool dir);
/*
 * Feed a whole file through s->fn, line by line. limit bounds the bytes
 * read; with tail, a larger file is read from its last limit bytes (the
 * source becomes partial) instead of failing. Missing file: ST_MISSING.
 * Returns a fatal rc only (database, memory); file problems are statuses.
 */
int src_read_lines(fsrc *s, const char *rel, uint64_t limit, bool tail, line_fn fn);
/*
 * Read a configuration file (at most MM_FACTS_CONFIG_MAX) of collector
 * through fn with zeroed parser state and s->arg = arg, then finish (may
 * be NULL), and record its status. FR_QUIET_MISSING: no status row when
 * the file does not exist (optional files); FR_SENSITIVE: wipe buffers.
 */
enum { FR_QUIET_MISSING = 1, FR_SENSITIVE = 2 };
int facts_read_config(mm_facts *f, const char *collector, const char *rel, line_fn fn,
		      int (*finish)(fsrc *), const char *arg, unsigned flags);
/* Feed bytes as if read from a file (mm_facts_parse, captured output). */
int src_feed(fsrc *s, const char *data, size_t len, bool final);
/*
 * Read a small file (sysfs/procfs attribute) into buf (NUL-terminated,
 * trailing whitespace removed). Returns its length, or -1 (errno set;
 * E2BIG if it is larger than cap - 1).
 */
ssize_t facts_read_small(mm_facts *f, const char *rel, char *buf, size_t cap);
/* Read a whole file of at most limit bytes into b (appended). 0, or -1 with errno. */
int facts_read_whole(mm_facts *f, const char *rel, size_t limit, mm_buf *b);

/* Directory listing, sorted by name, bounded by MM_FACTS_DIR_MAX; -1 with errno. */
typedef struct fdir {
	char **names;
	size_t n;
} fdir;
int facts_listdir(mm_facts *f, const char *rel, fdir *d);
/* The same for a directory already open (from facts_openat(..., true)). */
int facts_listdir_fd(int dfd, fdir *d);
void fdir_release(fdir *d);

/*
 * Run the program path with the fixed argv (no shell, empty environment
 * except PATH/LC_ALL=C) and collect its stdout into b, bounded by limit
 * and MM_FACTS_EXEC_TIMEOUT_MS. Only for live collection. Returns 0 on
 * exit status 0, else -1 with a reason in why.
 */
int facts_exec_capture(const char *path, char *const argv[], size_t limit, mm_buf *b,
		       char *why, size_t whylen);

/* ---- small text helpers ---- */
char *str_trim(char *s);                              /* trims both ends in place */
bool str_starts(const char *s, const char *prefix);
/* Split s at sep (in place) into at most max fields; returns the count. */
size_t str_split(char *s, char sep, char **out, size_t max);
/* Parse a decimal integer field; empty/invalid gives false. */
bool str_int(const char *s, int64_t *out);
/* Kernel hex address of procfs (8 or 32 hex digits, LE words) as text. */
bool facts_hex_addr(const char *s, size_t n, char *out, size_t cap);
/* Unix seconds of a UTC civil date/time (no libc time zone state). */
int64_t civil_to_unix(int y, int mon, int d, int h, int mi, int s);

/* Read a key/value file (login.defs style) into table (see parse_keyvalue_line). */
int facts_read_keyvalue(mm_facts *f, const char *collector, const char *rel, const char *table);

/* ---- collectors (one file per source family) ---- */
int collect_host(mm_facts *f);
int collect_accounts(mm_facts *f);
int collect_pam(mm_facts *f);
int collect_firewall(mm_facts *f);
int collect_shares(mm_facts *f);
int collect_services(mm_facts *f);
int collect_processes(mm_facts *f);
int collect_sockets(mm_facts *f);
int collect_packages(mm_facts *f);
int collect_network(mm_facts *f);
int collect_devices(mm_facts *f);
int collect_logons(mm_facts *f);
int collect_logging(mm_facts *f);
int collect_time_sync(mm_facts *f);
int collect_antimalware(mm_facts *f);
int collect_desktop(mm_facts *f);

/* ---- parsers reachable through mm_facts_parse ---- */
typedef struct fparser {
	const char *name;
	const char *collector;
	line_fn line;                          /* text parsers */
	int (*bytes)(fsrc *s, const uint8_t *p, size_t n); /* binary parsers */
	int (*finish)(fsrc *s);                /* after the last line, may be NULL */
	const char *arg;
} fparser;

extern const fparser facts_parsers[];
const fparser *facts_parser(const char *name);
/* Run parser p over an in-memory buffer as source name. */
int facts_parse_buffer(mm_facts *f, const fparser *p, const char *source, const void *data,
		       size_t len, mm_err *err);

/* Line handlers shared with collectors */
int parse_passwd_line(fsrc *s, char *line, size_t len);
int parse_shadow_line(fsrc *s, char *line, size_t len);
int parse_group_line(fsrc *s, char *line, size_t len);
int parse_keyvalue_line(fsrc *s, char *line, size_t len);  /* login.defs, pwquality, faillock */
int parse_pam_line(fsrc *s, char *line, size_t len);
int parse_smb_line(fsrc *s, char *line, size_t len);
int finish_smb(fsrc *s);
int parse_exports_line(fsrc *s, char *line, size_t len);
int parse_dpkg_line(fsrc *s, char *line, size_t len);
int finish_dpkg(fsrc *s);
int parse_proc_net_line(fsrc *s, char *line, size_t len);
int parse_auth_line(fsrc *s, char *line, size_t len);
int parse_journal_json_line(fsrc *s, char *line, size_t len);
int parse_clamav_log_line(fsrc *s, char *line, size_t len);
int parse_utmp_bytes(fsrc *s, const uint8_t *p, size_t n);
int parse_nft_text_line(fsrc *s, char *line, size_t len);
int finish_nft_text(fsrc *s);
int parse_iptables_line(fsrc *s, char *line, size_t len);
int finish_iptables(fsrc *s);
int parse_nft_json(fsrc *s, const uint8_t *p, size_t n);
int parse_rpm_header(fsrc *s, const uint8_t *p, size_t n);
int parse_resolv_line(fsrc *s, char *line, size_t len);
int parse_ini_line(fsrc *s, char *line, size_t len);         /* dconf keyfiles, networkd */
int parse_ifupdown_line(fsrc *s, char *line, size_t len);
int parse_rsyslog_line(fsrc *s, char *line, size_t len);
int parse_proc_route_line(fsrc *s, char *line, size_t len);

/* Parser state (s->st) is zeroed memory of this size; each parser asserts its fit. */
#define FACTS_STATE_MAX 4096

#endif
