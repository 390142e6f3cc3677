/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to src/fim: helpers shared between the module's files. Not part
 * of the interface (that is mm_fim.h).
 */
#ifndef MM_FIM_INT_H
#define MM_FIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fim/mm_fim.h"

#define FIM_BASELINE_NAME "baseline.mmfim"
#define FIM_JOURNAL_NAME "baseline.journal"
#define FIM_RESTORE_TMP_PREFIX ".mamori-restore."

struct mm_fim_state {
	char *dir;
	int dirfd;
	int lockfd;
	int journal_fd; /* open while a baseline is being written */
};

/* Open (or start, when fresh or empty) the resume journal for appending. */
int fim_journal_open(mm_fim_state *st, const uint8_t cfg_digest[MM_SHA256_LEN], bool fresh, mm_err *err) MM_MUST_USE;
/* Append the records idx[0..n) of s as checksummed chunks, fdatasync'd. */
int fim_journal_append(mm_fim_state *st, const mm_fim_set *s, const uint32_t *idx, size_t n,
		       mm_err *err) MM_MUST_USE;

/* Absolute, without empty, "." or ".." components or a trailing '/' (except "/"). */
bool fim_path_normal(const char *p, size_t n);
/* Stream a vault object's verified content into out_fd. */
int fim_vault_copy(mm_fim_state *st, const uint8_t h[MM_SHA256_LEN], int out_fd, mm_err *err) MM_MUST_USE;
/*
 * Compare base with cur and report; responds to added/changed files (scan,
 * quarantine). seen (may be NULL) marks base entries found unchanged by the
 * scan and therefore absent from cur.
 */
struct mm_fim_av;
typedef struct fim_maint fim_maint;
/*
 * maint (may be NULL) turns changes a maintenance window explains into
 * `expected` events (not counted in *changes). fold (may be NULL) receives
 * the records the baseline should hold afterwards: the current state of
 * expected changes, the baseline's for everything else.
 */
int fim_compare(const mm_fim_config *cfg, mm_fim_state *st, struct mm_fim_av *av, fim_maint *maint,
		const mm_fim_set *base, const uint8_t *seen, const mm_fim_set *cur, mm_fim_report *rep,
		uint64_t *changes, FILE *warn, mm_fim_set *fold) MM_MUST_USE;

/*
 * The maintenance windows installed in st (verified with cfg's key; broken
 * ones are warned about and ignored) that have started and are not approved,
 * or only window only_id; with the dpkg database of cfg->dpkg_dir. *out is
 * NULL (MM_OK) when no window applies, so checks pay nothing.
 */
int fim_maint_open(const mm_fim_config *cfg, mm_fim_state *st, const char *only_id, FILE *warn,
		   fim_maint **out, mm_err *err) MM_MUST_USE;
void fim_maint_close(fim_maint *m);
/*
 * Whether the package manager made this change inside a window: cur (in cs)
 * is the current state or NULL when path was removed. detail gets
 * "package NAME VERSION; window ID".
 */
bool fim_maint_expected(fim_maint *m, const char *path, const mm_fim_set *cs, const mm_fim_rec *cur,
			char *detail, size_t dlen);
static inline bool fim_seen(const uint8_t *seen, size_t i)
{
	return seen && (seen[i / 8] >> (i % 8) & 1);
}

/* Scan an added or changed file for malware and quarantine it when it must not stay. */
int fim_respond(const mm_fim_config *cfg, mm_fim_state *st, struct mm_fim_av *av, mm_fim_report *rep,
		const mm_fim_set *s, const mm_fim_rec *r, bool added, FILE *warn) MM_MUST_USE;

/* Append {time, event, path, detail} to the state's events.jsonl (best effort: the report has it too). */
void fim_log_event(mm_fim_state *st, const char *event, const char *path, const char *detail);

/* Append r whose strings are already in s's arena. */
int fim_set_push(mm_fim_set *s, const mm_fim_rec *r) MM_MUST_USE;

/* Whether one entry (its parents already admitted) is kept under root r. */
bool fim_scope_entry(const mm_fim_config *cfg, const mm_fim_root *r, const char *path, bool is_dir);

/* "dir/name" under the state directory into out; false if too long. */
bool fim_state_path(const mm_fim_state *st, const char *name, char *out, size_t outlen);

/* Append a string (plus a NUL) to the set's arena; *off gets its offset. */
int fim_arena_put(mm_fim_set *s, const void *p, size_t n, uint32_t *off) MM_MUST_USE;

/*
 * Encode the xattrs of an open file (fd >= 0) or a path (not followed) into
 * out, sorted by name (empty when there are none or the fs has no xattrs).
 */
int fim_xattrs_encode(int fd, const char *path, mm_buf *out) MM_MUST_USE;
/* Replace the xattrs of fd by those of an encoded blob; false on failure (errno set). */
bool fim_xattrs_apply(int fd, const uint8_t *blob, size_t n);

/*
 * Open rel beneath the directory rootfd without following any symlink
 * (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS; component by component when
 * rel is longer than PATH_MAX). rel "" opens rootfd itself. -1 with errno.
 */
int fim_open_beneath(int rootfd, const char *rel, int flags, unsigned mode);
/* The root of cfg whose path covers path, and the relative rest; NULL if none. */
const mm_fim_root *fim_root_of(const mm_fim_config *cfg, const char *path, const char **rel);
/* Decode an xattr blob; calls fn for each (name, value); false if malformed. */
bool fim_xattrs_each(const uint8_t *p, size_t n,
		     bool (*fn)(void *ctx, const char *name, size_t nlen, const uint8_t *v, size_t vlen),
		     void *ctx);

/* Fill type/mode/uid/gid/size/ino/times of r from a struct stat. */
struct stat;
void fim_rec_from_stat(mm_fim_rec *r, const struct stat *sb);

/* Set the scheduling class and nice value for background work. */
void fim_governor_lower_priority(int nice, bool ionice_idle);

/* Hex of a hash into out[65]. */
static inline void fim_hex(const uint8_t h[MM_SHA256_LEN], char out[2 * MM_SHA256_LEN + 1])
{
	mm_hex_encode(h, MM_SHA256_LEN, out);
}

#endif
