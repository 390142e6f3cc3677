/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Canonical binary encoding of ledger entries, version 1 (docs/ledger.md):
 *   u8 version | u64 seq | i64 time_ns | u8 kind_len, kind |
 *   u16 actor_len, actor | u16 subject_len, subject | u64 ref |
 *   u32 payload_len, payload
 * All integers big-endian; the decoder accepts exactly one encoding of
 * each entry, so equal entries always hash equally.
 */
#include <string.h>

#include "ledger/mm_ledger.h"
#include "base/banned.h"

void mm_entry_set(const char **field, size_t *len, const char *s)
{
	*field = s;
	*len = s ? strlen(s) : 0;
}

static bool kind_ok(const char *k, size_t n)
{
	if (n == 0 || n > MM_ENTRY_KIND_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = k[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* UTF-8 without control characters. */
static bool text_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return mm_utf8_valid(s, n);
}

static int check(const mm_entry *e, mm_err *err)
{
	if (e->seq == 0)
		return mm_err_set(err, MM_EINVAL, "entry: sequence number 0");
	if (!kind_ok(e->kind, e->kind_len))
		return mm_err_set(err, MM_EINVAL, "entry %llu: bad kind", (unsigned long long)e->seq);
	if (e->actor_len == 0 || e->actor_len > MM_ACTOR_MAX || !text_ok(e->actor, e->actor_len))
		return mm_err_set(err, MM_EINVAL, "entry %llu: bad actor", (unsigned long long)e->seq);
	if (e->subject_len > MM_ENTRY_SUBJECT_MAX || !text_ok(e->subject, e->subject_len))
		return mm_err_set(err, MM_EINVAL, "entry %llu: bad subject", (unsigned long long)e->seq);
	if (e->ref >= e->seq)
		return mm_err_set(err, MM_EINVAL, "entry %llu: reference %llu does not point backwards",
				  (unsigned long long)e->seq, (unsigned long long)e->ref);
	if (e->payload_len > MM_ENTRY_PAYLOAD_MAX)
		return mm_err_set(err, MM_ELIMIT, "entry %llu: payload larger than %u bytes",
				  (unsigned long long)e->seq, MM_ENTRY_PAYLOAD_MAX);
	return MM_OK;
}

int mm_entry_encode(const mm_entry *e, mm_buf *out, mm_err *err)
{
	int rc = check(e, err);
	if (rc)
		return rc;
	if ((rc = mm_buf_reserve(out, 1 + 8 + 8 + 1 + e->kind_len + 2 + e->actor_len + 2 +
					  e->subject_len + 8 + 4 + e->payload_len)))
		return mm_err_set(err, rc, "entry: %s", mm_strerror(rc));
	/* reserve succeeded, so none of these can fail */
	rc = mm_buf_put_u8(out, MM_ENTRY_VERSION);
	rc |= mm_buf_put_u64(out, e->seq);
	rc |= mm_buf_put_u64(out, (uint64_t)e->time_ns);
	rc |= mm_buf_put_u8(out, (uint8_t)e->kind_len);
	rc |= mm_buf_append(out, e->kind, e->kind_len);
	rc |= mm_buf_put_u16(out, (uint16_t)e->actor_len);
	rc |= mm_buf_append(out, e->actor, e->actor_len);
	rc |= mm_buf_put_u16(out, (uint16_t)e->subject_len);
	rc |= mm_buf_append(out, e->subject, e->subject_len);
	rc |= mm_buf_put_u64(out, e->ref);
	rc |= mm_buf_put_u32(out, (uint32_t)e->payload_len);
	rc |= mm_buf_append(out, e->payload, e->payload_len);
	return rc ? mm_err_set(err, MM_ENOMEM, "entry: encoding failed") : MM_OK;
}

int mm_entry_decode(const uint8_t *p, size_t n, mm_entry *e, mm_err *err)
{
	memset(e, 0, sizeof *e);
	if (n > MM_ENTRY_MAX)
		return mm_err_set(err, MM_ELIMIT, "entry: %zu bytes is over the limit", n);
	mm_rd r;
	mm_rd_init(&r, p, n);
	uint8_t ver, klen;
	uint16_t alen, slen;
	uint32_t plen;
	uint64_t t;
	const uint8_t *s;
	if (!mm_rd_u8(&r, &ver))
		return mm_err_set(err, MM_EINVAL, "entry: empty");
	if (ver != MM_ENTRY_VERSION)
		return mm_err_set(err, MM_EUNSUPPORTED, "entry: unknown version %u", ver);
	if (!mm_rd_u64(&r, &e->seq) || !mm_rd_u64(&r, &t))
		return mm_err_set(err, MM_EINVAL, "entry: truncated header");
	e->time_ns = (int64_t)t;
	if (!mm_rd_u8(&r, &klen) || !mm_rd_bytes(&r, klen, &s))
		return mm_err_set(err, MM_EINVAL, "entry: truncated kind");
	e->kind = (const char *)s, e->kind_len = klen;
	if (!mm_rd_u16(&r, &alen) || !mm_rd_bytes(&r, alen, &s))
		return mm_err_set(err, MM_EINVAL, "entry: truncated actor");
	e->actor = (const char *)s, e->actor_len = alen;
	if (!mm_rd_u16(&r, &slen) || !mm_rd_bytes(&r, slen, &s))
		return mm_err_set(err, MM_EINVAL, "entry: truncated subject");
	e->subject = (const char *)s, e->subject_len = slen;
	if (!mm_rd_u64(&r, &e->ref) || !mm_rd_u32(&r, &plen) || !mm_rd_bytes(&r, plen, &s))
		return mm_err_set(err, MM_EINVAL, "entry: truncated payload");
	e->payload = s, e->payload_len = plen;
	if (mm_rd_left(&r) != 0)
		return mm_err_set(err, MM_EINVAL, "entry: %zu trailing bytes", mm_rd_left(&r));
	return check(e, err);
}
