/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fim: file integrity for the agent (REQUIREMENTS C3, 000 §2(1)). Records an
 * approved baseline of files (metadata, xattrs, SHA-256) with a thread pool,
 * keeps approved content of protected paths in a compressed content-addressed
 * vault, compares the machine against the baseline (quick or full), watches
 * with fanotify or inotify, scans with libclamav, quarantines hits into the vault and puts
 * approved content back on an Ed25519-signed restore order.
 *
 * Ownership: every *_new/_parse result is owned by the caller and released
 * with the matching _free; functions taking an mm_err * accept NULL. Strings
 * inside a set (paths, link targets, xattrs) live in the set's arena and are
 * valid until the set is freed or appended to.
 */
#ifndef MM_FIM_H
#define MM_FIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/mm_base.h"
#include "crypto/mm_crypto.h"

/* ---- configuration ---- */

typedef struct mm_fim_root {
	char *path;          /* absolute, normalised (no "//", ".", ".." or trailing '/') */
	bool protect;        /* copy approved content into the vault */
	bool deny_new_exec;  /* a new executable file under this root is quarantined */
	char **include;      /* fnmatch patterns on the full path; empty = everything */
	size_t ninclude;
	char **exclude;      /* fnmatch patterns; an excluded directory is not entered */
	size_t nexclude;
} mm_fim_root;

typedef struct mm_fim_config {
	mm_fim_root *roots;
	size_t nroots;
	char **exclude;       /* patterns applied under every root */
	size_t nexclude;
	unsigned threads;     /* hashing threads; 0 = one per online CPU */
	bool xattrs;          /* record extended attributes (default true) */
	char *malware_db;     /* ClamAV database file or directory; NULL = no scan */
	bool quarantine;      /* move malware hits into the vault (default true) */
	uint64_t malware_max_size; /* larger files are not scanned */
	bool has_order_key;
	uint8_t order_key[MM_ED25519_PK_LEN]; /* public key that signs restore orders */
	unsigned rescan_seconds;   /* watch: full rescan period */
	unsigned files_per_second; /* governor: 0 = unlimited */
	int nice;                  /* watch: nice value (0..19) */
	bool ionice_idle;          /* watch: I/O priority class idle */
	unsigned queue_max;        /* watch: pending paths before a full rescan instead */
	unsigned debounce_ms;      /* watch: quiet time before a changed path is examined */
	char *dpkg_dir;            /* maintenance: dpkg admin dir (default /var/lib/dpkg) */
	uint8_t digest[MM_SHA256_LEN]; /* fingerprint of what is scanned (roots, patterns) */
} mm_fim_config;

/*
 * Parse a JSON configuration (docs/fim.md). Strict: unknown keys, wrong
 * types, relative or non-normalised paths and values over limits are errors
 * naming the key. On success *out is owned by the caller.
 */
int mm_fim_config_parse(const char *text, size_t len, mm_fim_config **out, mm_err *err) MM_MUST_USE;
int mm_fim_config_load(const char *path, mm_fim_config **out, mm_err *err) MM_MUST_USE;
/* A configuration from plain directories (`--path` / `--protect` options). */
int mm_fim_config_from_paths(const char *const *paths, size_t n, const char *const *protect,
			     size_t nprotect, mm_fim_config **out, mm_err *err) MM_MUST_USE;
void mm_fim_config_free(mm_fim_config *c);
/* Recompute c->digest after editing roots or patterns by hand. */
void mm_fim_config_finish(mm_fim_config *c);

/* ---- records and sets ---- */

enum mm_fim_type {
	MM_FIM_REG = 1, MM_FIM_DIR, MM_FIM_LNK, MM_FIM_CHR, MM_FIM_BLK, MM_FIM_FIFO, MM_FIM_SOCK
};

enum mm_fim_flag {
	MM_FIM_HASHED = 1 << 0,     /* sha256 holds the content hash */
	MM_FIM_VAULTED = 1 << 1,    /* the content is in the vault under sha256 */
	MM_FIM_UNREADABLE = 1 << 2, /* could not be opened or read: no hash */
	MM_FIM_UNSTABLE = 1 << 3,   /* kept changing while hashed */
	MM_FIM_PROTECT = 1 << 4,    /* under a protected root */
	MM_FIM_VANISHED = 1 << 5,   /* disappeared between listing and hashing (in memory only) */
	MM_FIM_FLAGS_DISK = 0x1f
};

/* One file's state. Strings are offsets into the owning set's arena. */
typedef struct mm_fim_rec {
	uint64_t size, ino;
	int64_t mtime_ns, ctime_ns;
	uint32_t mode, uid, gid;
	uint32_t path_off, path_len;
	uint32_t link_off, link_len;
	uint32_t xattr_off, xattr_len; /* encoded as in docs/fim.md */
	uint8_t type, flags;
	uint8_t sha256[MM_SHA256_LEN];
} mm_fim_rec;

typedef struct mm_fim_set {
	mm_fim_rec *recs;
	size_t n, cap;
	mm_buf arena;
	bool sorted;             /* recs sorted by path bytes */
	int64_t created_ns;
	uint8_t cfg_digest[MM_SHA256_LEN];
} mm_fim_set;

void mm_fim_set_init(mm_fim_set *s);
void mm_fim_set_release(mm_fim_set *s);
static inline const char *mm_fim_rec_path(const mm_fim_set *s, const mm_fim_rec *r)
{
	return (const char *)s->arena.p + r->path_off;
}
/* Append a copy of r whose strings come from src (another set or s itself). */
int mm_fim_set_add(mm_fim_set *s, const mm_fim_rec *r, const mm_fim_set *src) MM_MUST_USE;
/* Sort by path; later duplicates of a path replace earlier ones. */
void mm_fim_set_sort(mm_fim_set *s);
/* Binary search in a sorted set; NULL if absent. Valid until the set changes. */
mm_fim_rec *mm_fim_set_find(const mm_fim_set *s, const char *path, size_t len);

/* ---- baseline store (state directory) ---- */

/*
 * Encode/decode one whole baseline file image (header, records, trailer with
 * SHA-256). decode appends to an initialised set and fails MM_ECORRUPT on any
 * inconsistency (never trusts a partial file).
 */
int mm_fim_baseline_encode(const mm_fim_set *s, mm_buf *out) MM_MUST_USE;
int mm_fim_baseline_decode(const uint8_t *p, size_t len, mm_fim_set *s, mm_err *err) MM_MUST_USE;
/*
 * Decode a resume journal: appends every record of each intact chunk and
 * stops quietly at the first torn or corrupt chunk (the tail of an
 * interrupted run). Fails only on a bad header.
 */
int mm_fim_journal_decode(const uint8_t *p, size_t len, mm_fim_set *s, mm_err *err) MM_MUST_USE;
/* Encode one record the way the baseline and the journal store it. */
int mm_fim_rec_encode(const mm_fim_set *s, const mm_fim_rec *r, mm_buf *out) MM_MUST_USE;

/* An open state directory (created 0700 if missing, refused if others may write it). */
typedef struct mm_fim_state mm_fim_state;
int mm_fim_state_open(const char *dir, bool create, mm_fim_state **out, mm_err *err) MM_MUST_USE;
void mm_fim_state_close(mm_fim_state *st);
const char *mm_fim_state_dir(const mm_fim_state *st);
/* Exclusive lock against another baseline/restore on the same state (non-blocking). */
int mm_fim_state_lock(mm_fim_state *st, mm_err *err) MM_MUST_USE;
/* Load the baseline into an initialised set; MM_ENOTFOUND if none. */
int mm_fim_state_load(mm_fim_state *st, mm_fim_set *s, mm_err *err) MM_MUST_USE;
/* Write the baseline durably (temp, fsync, rename, fsync dir). */
int mm_fim_state_save(mm_fim_state *st, const mm_fim_set *s, mm_err *err) MM_MUST_USE;
/* Append one line of JSON to events.jsonl (the local event log). */
int mm_fim_state_event(mm_fim_state *st, const char *json_line, mm_err *err) MM_MUST_USE;

/* ---- vault ---- */

/* Path of a vault object for a hash (buffer >= 4096 bytes). */
void mm_fim_vault_object_path(const mm_fim_state *st, const uint8_t h[MM_SHA256_LEN], char *out,
			      size_t outlen);
bool mm_fim_vault_has(const mm_fim_state *st, const uint8_t h[MM_SHA256_LEN]);
/*
 * Stream writer: feed the content while hashing, then commit under its hash
 * (deduplicated: an existing object is kept) or abort.
 */
typedef struct mm_fim_vault_w mm_fim_vault_w;
int mm_fim_vault_begin(mm_fim_state *st, mm_fim_vault_w **out, mm_err *err) MM_MUST_USE;
int mm_fim_vault_write(mm_fim_vault_w *w, const void *p, size_t n, mm_err *err) MM_MUST_USE;
int mm_fim_vault_commit(mm_fim_vault_w *w, const uint8_t h[MM_SHA256_LEN], mm_err *err) MM_MUST_USE;
void mm_fim_vault_abort(mm_fim_vault_w *w);
/* Flush every committed object to disk (before a baseline refers to them). */
int mm_fim_vault_sync(mm_fim_state *st, mm_err *err) MM_MUST_USE;
/*
 * Read an object into b (limit bytes) and verify its SHA-256 and size;
 * MM_ECORRUPT if the object is damaged, MM_ENOTFOUND if absent.
 */
int mm_fim_vault_get(mm_fim_state *st, const uint8_t h[MM_SHA256_LEN], mm_buf *b, mm_err *err) MM_MUST_USE;
/* Decode a vault object image (header + zlib stream) into b; used by get and the fuzzer. */
int mm_fim_vault_decode(const uint8_t *p, size_t len, mm_buf *b, mm_err *err) MM_MUST_USE;

/*
 * Quarantine: copy path (opened without following links) compressed into
 * vault/quarantine/<id> with mode 0 and a JSON metadata file, then unlink the
 * original. id_out (>= 64 bytes) receives the quarantine id.
 */
int mm_fim_quarantine(mm_fim_state *st, const char *path, const char *reason, char *id_out,
		      size_t idlen, mm_err *err) MM_MUST_USE;

/* ---- scanning ---- */

typedef struct mm_fim_scan_opts {
	const mm_fim_set *prev; /* sorted; unchanged files reuse its hashes unless full */
	bool full;              /* re-hash everything */
	mm_fim_state *vault;    /* store protected content in this state's vault (baseline) */
	mm_fim_state *journal;  /* append completed records to its resume journal */
	unsigned files_per_second; /* governor; 0 = unlimited */
	FILE *warn;             /* per-file problems (unreadable, vanished, too long); may be NULL */
	/*
	 * Optional bitmap over prev's entries: an entry whose stat is unchanged
	 * (and, for a regular file, whose hash is reused) is marked here instead
	 * of being added to out, so a quick check holds one copy of the tree.
	 */
	uint8_t *seen;
} mm_fim_scan_opts;

typedef struct mm_fim_scan_stats {
	uint64_t files, hashed, reused, bytes_hashed, warnings, vaulted;
} mm_fim_scan_stats;

/*
 * Walk every root of cfg (never following symlinks, never opening device
 * files or FIFOs), then hash regular files with cfg->threads threads. out
 * is initialised by the caller and comes back sorted.
 */
int mm_fim_scan(const mm_fim_config *cfg, const mm_fim_scan_opts *o, mm_fim_set *out,
		mm_fim_scan_stats *stats, mm_err *err) MM_MUST_USE;
/*
 * Examine one path (watch): lstat, hash if regular. On success *found tells
 * whether it exists and is in scope; rec's strings are appended to s.
 */
int mm_fim_scan_one(const mm_fim_config *cfg, const char *path, mm_fim_set *s, bool *found,
		    mm_err *err) MM_MUST_USE;
/* Which root of cfg covers path and whether patterns keep it; NULL if none. */
const mm_fim_root *mm_fim_config_scope(const mm_fim_config *cfg, const char *path, bool is_dir);

/* Resume journal of an interrupted baseline. */
int mm_fim_journal_load(mm_fim_state *st, const uint8_t cfg_digest[MM_SHA256_LEN], mm_fim_set *s,
			mm_err *err) MM_MUST_USE;
void mm_fim_journal_remove(mm_fim_state *st);

/* ---- comparison and reports ---- */

enum mm_fim_change {
	MM_FIM_CH_TYPE = 1 << 0, MM_FIM_CH_MODE = 1 << 1, MM_FIM_CH_UID = 1 << 2,
	MM_FIM_CH_GID = 1 << 3, MM_FIM_CH_SIZE = 1 << 4, MM_FIM_CH_INO = 1 << 5,
	MM_FIM_CH_MTIME = 1 << 6, MM_FIM_CH_CTIME = 1 << 7, MM_FIM_CH_LINK = 1 << 8,
	MM_FIM_CH_XATTR = 1 << 9, MM_FIM_CH_SHA = 1 << 10, MM_FIM_CH_READ = 1 << 11
};
/* Bit set of mm_fim_change between a (in sa) and b (in sb). */
unsigned mm_fim_rec_diff(const mm_fim_set *sa, const mm_fim_rec *a, const mm_fim_set *sb,
			 const mm_fim_rec *b);

typedef enum mm_fim_ev_kind {
	MM_FIM_EV_ADDED, MM_FIM_EV_REMOVED, MM_FIM_EV_MODIFIED, MM_FIM_EV_MALWARE,
	MM_FIM_EV_QUARANTINED, MM_FIM_EV_EXPECTED, MM_FIM_EV_RESTORED, MM_FIM_EV_ERROR
} mm_fim_ev_kind;
const char *mm_fim_ev_name(mm_fim_ev_kind k);

/* Output sink for events: text lines or JSON (whole report or one object per line). */
typedef enum mm_fim_fmt { MM_FIM_TEXT, MM_FIM_JSON, MM_FIM_JSONL } mm_fim_fmt;

typedef struct mm_fim_report mm_fim_report;
int mm_fim_report_new(const char *kind, mm_fim_fmt fmt, FILE *out, mm_fim_report **rep) MM_MUST_USE;
/*
 * Record one event about path. before/after may be NULL (with their sets);
 * detail is free text (signature name, quarantine id, package) or NULL.
 */
int mm_fim_report_event(mm_fim_report *rep, mm_fim_ev_kind k, const char *path,
			const mm_fim_set *sb, const mm_fim_rec *before, const mm_fim_set *sa,
			const mm_fim_rec *after, const char *detail) MM_MUST_USE;
void mm_fim_report_count(mm_fim_report *rep, const char *name, uint64_t v);
/* Count of events of kind k so far. */
uint64_t mm_fim_report_n(const mm_fim_report *rep, mm_fim_ev_kind k);
/* Write the summary (text) or the whole document (JSON); frees rep. */
int mm_fim_report_finish(mm_fim_report *rep) MM_MUST_USE;
void mm_fim_report_free(mm_fim_report *rep);
/* Printable form of a path: invalid UTF-8, controls and '\\' as \xNN (buffer >= 4*len+1). */
void mm_fim_path_escape(const char *p, size_t n, char *out, size_t outlen);

/* ---- malware ---- */

typedef struct mm_fim_av mm_fim_av;
/* Load a ClamAV database (file or directory). */
int mm_fim_av_open(const char *db, mm_fim_av **out, mm_err *err) MM_MUST_USE;
void mm_fim_av_close(mm_fim_av *av);
/* Scan a file without following links; *virname gets a static name or NULL when clean. */
int mm_fim_av_scan(mm_fim_av *av, const char *path, const char **virname, mm_err *err) MM_MUST_USE;
/* Signature count and engine version, for reports ("product, definition version"). */
void mm_fim_av_info(const mm_fim_av *av, unsigned *sigs, const char **version);

/* ---- check (compare, scan new and changed files, quarantine) ---- */

typedef struct mm_fim_check_opts {
	bool full;
	FILE *warn;
} mm_fim_check_opts;

/*
 * Compare the machine with the state's baseline and report every difference
 * into rep (malware scan and quarantine of added/changed files as the config
 * says). *changes gets the number of added + removed + modified entries.
 */
int mm_fim_check(const mm_fim_config *cfg, mm_fim_state *st, const mm_fim_check_opts *o,
		 mm_fim_report *rep, uint64_t *changes, mm_err *err) MM_MUST_USE;
/* Create the baseline (resuming an interrupted one); reports counts into rep. */
int mm_fim_baseline(const mm_fim_config *cfg, mm_fim_state *st, FILE *warn, mm_fim_report *rep,
		    mm_err *err) MM_MUST_USE;

/* ---- watch ---- */

typedef enum mm_fim_watch_backend {
	MM_FIM_WATCH_AUTO,     /* fanotify where available (root, Linux >= 5.9), else inotify */
	MM_FIM_WATCH_FANOTIFY, /* fanotify or fail */
	MM_FIM_WATCH_INOTIFY
} mm_fim_watch_backend;

typedef struct mm_fim_watch_opts {
	unsigned max_seconds;   /* stop after this long (0 = until signalled) */
	FILE *warn;
	volatile int *stop;     /* set non-zero (from a signal handler) to stop */
	mm_fim_watch_backend backend;
	mm_fim_watch_backend *used; /* may be NULL: receives the backend in use */
} mm_fim_watch_opts;
int mm_fim_watch(const mm_fim_config *cfg, mm_fim_state *st, const mm_fim_watch_opts *o,
		 mm_fim_report *rep, mm_err *err) MM_MUST_USE;

/* ---- restore orders ---- */

typedef struct mm_fim_order_file {
	char *path;
	uint8_t sha256[MM_SHA256_LEN];
} mm_fim_order_file;

typedef struct mm_fim_order {
	char id[MM_FIM_ORDER_ID_MAX + 1];
	char host[MM_FIM_HOST_MAX + 1]; /* "*" or the agent's host name */
	int64_t issued_s, expires_s;    /* Unix seconds */
	mm_fim_order_file *files;
	size_t nfiles;
	bool signed_ok;                 /* set by mm_fim_order_parse with a key */
} mm_fim_order;

/*
 * Parse an order (docs/fim.md). With key, the signature must verify over
 * every byte before the signature line, else MM_ECRYPTO. Without key only
 * the syntax is checked (fuzzing, `order show`).
 */
int mm_fim_order_parse(const char *text, size_t len, const uint8_t *key, mm_fim_order **out,
		       mm_err *err) MM_MUST_USE;
void mm_fim_order_free(mm_fim_order *o);
/* Append the signature line for body (which must end in '\n') to out. */
int mm_fim_order_sign(const char *body, size_t len, const uint8_t sk[MM_ED25519_SK_LEN], mm_buf *out) MM_MUST_USE;

/*
 * Execute a verified order: each file must be in the baseline with the
 * order's hash and its content in the vault. Writes a temp file beside the
 * target, fsyncs, renames over it, resets owner/mode/xattrs/mtime, re-hashes
 * and updates the baseline's inode/ctime so no tamper alert follows. Each
 * file is reported (restored or error); the order id is recorded as used.
 */
int mm_fim_restore(const mm_fim_config *cfg, mm_fim_state *st, const mm_fim_order *ord,
		   mm_fim_report *rep, mm_err *err) MM_MUST_USE;

/* The restore's in-flight marker, read by watch to ignore the agent's own writes. */
bool mm_fim_restore_inflight(mm_fim_state *st, const char *path);

/* ---- maintenance windows ---- */

/*
 * A maintenance window order (docs/fim.md), signed like restore orders:
 * between start and end, changes the package manager made to the files it
 * owns (content equal to what the package shipped) are reported `expected`
 * with package and version instead of alerting; `fim approve` folds them
 * into the baseline once the window has closed.
 */
typedef struct mm_fim_window {
	char id[MM_FIM_ORDER_ID_MAX + 1];
	char host[MM_FIM_HOST_MAX + 1]; /* "*" or the agent's host name */
	int64_t start_s, end_s;         /* Unix seconds */
	char **packages;                /* only changes of these packages; none = any package */
	size_t npackages;
	bool signed_ok;                 /* set by mm_fim_window_parse with a key */
} mm_fim_window;

/* Parse (and with key, verify) a window order; as mm_fim_order_parse. */
int mm_fim_window_parse(const char *text, size_t len, const uint8_t *key, mm_fim_window **out,
			mm_err *err) MM_MUST_USE;
void mm_fim_window_free(mm_fim_window *w);
/*
 * Install a window order into the state (windows/<id>.order) after checking
 * its signature with cfg's key, its host and that it has not ended or been
 * approved already. check and watch then use it.
 */
int mm_fim_window_add(const mm_fim_config *cfg, mm_fim_state *st, const char *text, size_t len,
		      mm_fim_window **out, mm_err *err) MM_MUST_USE;
/*
 * Close window id (refused before its end): rescan, fold every change the
 * window explains into the baseline (reported `expected`), keep the rest as
 * they were in the baseline (reported as changes; *pending counts them) and
 * mark the window approved so it cannot be used again.
 */
int mm_fim_approve(const mm_fim_config *cfg, mm_fim_state *st, const char *id, mm_fim_report *rep,
		   uint64_t *pending, mm_err *err) MM_MUST_USE;

#endif
