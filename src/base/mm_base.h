/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base: what every mamori module shares and nothing more — the error enum
 * and its message carrier, bounded byte buffers and readers with explicit
 * byte order, checked size arithmetic, UTF-8 validation, hex, time and
 * whole-file I/O with limits. No module state lives here.
 */
#ifndef MM_BASE_H
#define MM_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mm_limits.h"

#define MM_MUST_USE __attribute__((warn_unused_result))
#define MM_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* One error enum for the whole code base; 0 is success. */
typedef enum mm_rc {
	MM_OK = 0,
	MM_EINVAL,     /* input does not satisfy its format or schema */
	MM_ENOMEM,     /* allocation failed */
	MM_EIO,        /* file or device I/O failed (errno mapped into the message) */
	MM_ENOTFOUND,  /* the named thing does not exist */
	MM_EEXIST,     /* the thing to create already exists */
	MM_ECONFLICT,  /* optimistic version check failed: someone wrote first */
	MM_EPERM,      /* the actor's role may not do this */
	MM_ELIMIT,     /* input exceeds a limit of mm_limits.h */
	MM_EDB,        /* the database refused (message carries SQLite's text) */
	MM_ECRYPTO,    /* key, signature or hash failure */
	MM_ECORRUPT,   /* stored data fails verification */
	MM_EUNSUPPORTED,
	MM_RC_COUNT_
} mm_rc;

/* Static English name of a code; never NULL. */
const char *mm_strerror(int rc);

/*
 * Detailed error message, filled by the function that failed. Callers own
 * it (usually on the stack); functions taking an mm_err * accept NULL.
 */
typedef struct mm_err {
	int code;
	char msg[MM_ERR_MSG_MAX];
} mm_err;

/* Record code and message in e (if non-NULL); returns code. */
int mm_err_set(mm_err *e, int code, const char *fmt, ...) MM_PRINTF(3, 4);
/* Prefix the existing message with "ctx: "; returns e->code (or MM_OK). */
int mm_err_prefix(mm_err *e, const char *fmt, ...) MM_PRINTF(2, 3);
void mm_err_clear(mm_err *e);

/* Checked size arithmetic: return true on overflow (like the builtins). */
static inline bool mm_size_add(size_t a, size_t b, size_t *out)
{
	return __builtin_add_overflow(a, b, out);
}
static inline bool mm_size_mul(size_t a, size_t b, size_t *out)
{
	return __builtin_mul_overflow(a, b, out);
}

/*
 * Growable byte buffer with a hard limit. p is owned by the buffer and is
 * always NUL-terminated past len (so text can be used as a C string).
 * Pointers into p are valid only until the next append.
 */
typedef struct mm_buf {
	uint8_t *p;
	size_t len;
	size_t cap;
	size_t limit;
} mm_buf;

void mm_buf_init(mm_buf *b, size_t limit);
void mm_buf_release(mm_buf *b);          /* frees p; b may be reused after init */
void mm_buf_reset(mm_buf *b);            /* len = 0, keeps memory */
void mm_buf_wipe(mm_buf *b);             /* zeroes memory, then release (secrets) */
int mm_buf_reserve(mm_buf *b, size_t more) MM_MUST_USE;
int mm_buf_append(mm_buf *b, const void *data, size_t n) MM_MUST_USE;
int mm_buf_puts(mm_buf *b, const char *s) MM_MUST_USE;
int mm_buf_printf(mm_buf *b, const char *fmt, ...) MM_PRINTF(2, 3) MM_MUST_USE;
int mm_buf_put_u8(mm_buf *b, uint8_t v) MM_MUST_USE;
int mm_buf_put_u16(mm_buf *b, uint16_t v) MM_MUST_USE; /* big-endian */
int mm_buf_put_u32(mm_buf *b, uint32_t v) MM_MUST_USE; /* big-endian */
int mm_buf_put_u64(mm_buf *b, uint64_t v) MM_MUST_USE; /* big-endian */
/* Detach the bytes: caller owns the returned pointer (free()); b is empty. */
uint8_t *mm_buf_detach(mm_buf *b, size_t *len);

/* Bounded reader over borrowed bytes; every get fails past the end. */
typedef struct mm_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
} mm_rd;

static inline void mm_rd_init(mm_rd *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}
static inline size_t mm_rd_left(const mm_rd *r) { return r->len - r->off; }
bool mm_rd_u8(mm_rd *r, uint8_t *v);
bool mm_rd_u16(mm_rd *r, uint16_t *v);
bool mm_rd_u32(mm_rd *r, uint32_t *v);
bool mm_rd_u64(mm_rd *r, uint64_t *v);
/* Borrow n bytes (pointer into the reader's memory). */
bool mm_rd_bytes(mm_rd *r, size_t n, const uint8_t **out);

/* True if s[0..n) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool mm_utf8_valid(const char *s, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void mm_hex_encode(const uint8_t *in, size_t n, char *out);
/* Decode exactly 2n hex digits (either case) into out[n]; false if malformed. */
bool mm_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t n);

/* Parse a whole decimal unsigned string (no sign, no spaces) with a maximum. */
bool mm_parse_u64(const char *s, uint64_t max, uint64_t *out);
bool mm_parse_i64(const char *s, int64_t *out);

/*
 * Command-line options (args.c), shared by both executables. spec lists
 * the allowed options: "db: output|o: quiet" — a name followed by ':'
 * takes a value (`--name V` or `--name=V`), otherwise it is a flag; `|x`
 * adds the spelling `-x`. Options may repeat (mm_args_opt gives the last);
 * `--` ends them. Strings point into argv and the spec (not owned).
 */
#define MM_ARGS_OPTS_MAX 64
#define MM_ARGS_POS_MAX 16
typedef struct mm_args {
	const char *name[MM_ARGS_OPTS_MAX]; /* the long name, in the spec: namelen bytes */
	size_t namelen[MM_ARGS_OPTS_MAX];
	const char *value[MM_ARGS_OPTS_MAX]; /* NULL for flags */
	size_t n;
	const char *pos[MM_ARGS_POS_MAX];
	size_t npos;
} mm_args;

/* Parse argv[0..argc); MM_EINVAL with the reason ("unknown option --x") in err. */
int mm_args_parse(mm_args *a, int argc, char **argv, const char *spec, mm_err *err) MM_MUST_USE;
const char *mm_args_opt(const mm_args *a, const char *name);
bool mm_args_flag(const mm_args *a, const char *name);
/* All values of a repeatable option, in order; returns the count (<= max). */
size_t mm_args_all(const mm_args *a, const char *name, const char **out, size_t max);

/* Wall-clock time in ns since the Unix epoch (UTC). */
int64_t mm_now_ns(void);
/* Monotonic time in ns, for durations. */
int64_t mm_mono_ns(void);
/*
 * Format ns since epoch as ISO-8601 at the given UTC offset in minutes
 * (e.g. 540 → "2026-04-01T09:00:00.123+09:00"); out holds >= 40 bytes.
 */
void mm_time_format(int64_t ns, int offset_min, char *out, size_t outlen);

/*
 * Read a whole file of at most limit bytes into b (b initialised by the
 * caller; appended to). Errors name the path. MM_ELIMIT if larger.
 */
int mm_file_read(const char *path, size_t limit, mm_buf *b, mm_err *err) MM_MUST_USE;
/*
 * Write data durably: temp file in the same directory, fsync, rename,
 * fsync directory. mode is applied at creation (e.g. 0600 for keys).
 * With exclusive, fails MM_EEXIST if path exists.
 */
int mm_file_write_atomic(const char *path, const void *data, size_t len,
			 unsigned mode, bool exclusive, mm_err *err) MM_MUST_USE;
bool mm_file_exists(const char *path);

/* Zero memory in a way the compiler may not remove. */
void mm_wipe(void *p, size_t n);

#endif
