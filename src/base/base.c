/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Errors, buffers, readers, UTF-8, hex and number parsing for all modules.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mm_base.h"
#include "base/banned.h"

static const char *const rc_names[MM_RC_COUNT_] = {
	[MM_OK] = "ok",
	[MM_EINVAL] = "invalid input",
	[MM_ENOMEM] = "out of memory",
	[MM_EIO] = "I/O error",
	[MM_ENOTFOUND] = "not found",
	[MM_EEXIST] = "already exists",
	[MM_ECONFLICT] = "version conflict",
	[MM_EPERM] = "not permitted",
	[MM_ELIMIT] = "limit exceeded",
	[MM_EDB] = "database error",
	[MM_ECRYPTO] = "cryptographic failure",
	[MM_ECORRUPT] = "verification failed",
	[MM_EUNSUPPORTED] = "unsupported",
};

const char *mm_strerror(int rc)
{
	if (rc < 0 || rc >= MM_RC_COUNT_ || !rc_names[rc])
		return "unknown error";
	return rc_names[rc];
}

int mm_err_set(mm_err *e, int code, const char *fmt, ...)
{
	if (!e)
		return code;
	e->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return code;
}

int mm_err_prefix(mm_err *e, const char *fmt, ...)
{
	if (!e)
		return MM_OK;
	char pre[MM_ERR_MSG_MAX], old[MM_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	snprintf(e->msg, sizeof e->msg, "%s: %s", pre, old);
	return e->code;
}

void mm_err_clear(mm_err *e)
{
	if (e) {
		e->code = MM_OK;
		e->msg[0] = '\0';
	}
}

void mm_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

/* ---- buffers ---- */

void mm_buf_init(mm_buf *b, size_t limit)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
	b->limit = limit;
}

void mm_buf_release(mm_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void mm_buf_reset(mm_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = 0;
}

void mm_buf_wipe(mm_buf *b)
{
	mm_wipe(b->p, b->cap);
	mm_buf_release(b);
}

int mm_buf_reserve(mm_buf *b, size_t more)
{
	size_t need;
	/* +1 keeps room for the terminating NUL */
	if (mm_size_add(b->len, more, &need) || mm_size_add(need, 1, &need))
		return MM_ELIMIT;
	if (need - 1 > b->limit)
		return MM_ELIMIT;
	if (need <= b->cap)
		return MM_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need) {
		if (mm_size_mul(cap, 2, &cap)) {
			cap = need;
			break;
		}
	}
	if (cap > b->limit + 1)
		cap = b->limit + 1;
	uint8_t *p = realloc(b->p, cap);
	if (!p)
		return MM_ENOMEM;
	b->p = p;
	b->cap = cap;
	return MM_OK;
}

int mm_buf_append(mm_buf *b, const void *data, size_t n)
{
	int rc = mm_buf_reserve(b, n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
	return MM_OK;
}

int mm_buf_puts(mm_buf *b, const char *s)
{
	return mm_buf_append(b, s, strlen(s));
}

int mm_buf_printf(mm_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MM_EINVAL;
	int rc = mm_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return MM_OK;
}

int mm_buf_put_u8(mm_buf *b, uint8_t v)
{
	return mm_buf_append(b, &v, 1);
}

int mm_buf_put_u16(mm_buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return mm_buf_append(b, x, 2);
}

int mm_buf_put_u32(mm_buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	return mm_buf_append(b, x, 4);
}

int mm_buf_put_u64(mm_buf *b, uint64_t v)
{
	int rc = mm_buf_put_u32(b, (uint32_t)(v >> 32));
	return rc ? rc : mm_buf_put_u32(b, (uint32_t)v);
}

uint8_t *mm_buf_detach(mm_buf *b, size_t *len)
{
	uint8_t *p = b->p;
	if (len)
		*len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

/* ---- reader ---- */

bool mm_rd_bytes(mm_rd *r, size_t n, const uint8_t **out)
{
	if (n > r->len - r->off)
		return false;
	*out = r->p + r->off;
	r->off += n;
	return true;
}

bool mm_rd_u8(mm_rd *r, uint8_t *v)
{
	const uint8_t *p;
	if (!mm_rd_bytes(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

bool mm_rd_u16(mm_rd *r, uint16_t *v)
{
	const uint8_t *p;
	if (!mm_rd_bytes(r, 2, &p))
		return false;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	return true;
}

bool mm_rd_u32(mm_rd *r, uint32_t *v)
{
	const uint8_t *p;
	if (!mm_rd_bytes(r, 4, &p))
		return false;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	return true;
}

bool mm_rd_u64(mm_rd *r, uint64_t *v)
{
	uint32_t hi, lo;
	if (mm_rd_left(r) < 8 || !mm_rd_u32(r, &hi) || !mm_rd_u32(r, &lo))
		return false;
	*v = ((uint64_t)hi << 32) | lo;
	return true;
}

/* ---- text ---- */

bool mm_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		size_t len;
		uint32_t cp, min;
		if ((c & 0xE0) == 0xC0) {
			len = 2, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			len = 3, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			len = 4, cp = c & 0x07, min = 0x10000;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

void mm_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool mm_hex_decode(const char *in, size_t inlen, uint8_t *out, size_t n)
{
	if (inlen != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool mm_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	if (!s || !*s)
		return false;
	uint64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return false;
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool mm_parse_i64(const char *s, int64_t *out)
{
	if (!s)
		return false;
	bool neg = *s == '-';
	uint64_t v;
	if (!mm_parse_u64(s + neg, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v))
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}
