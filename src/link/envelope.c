/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signed report envelope (also the offline bundle file) and the
 * enrollment token: byte formats of docs/agent-link.md, strict decoding
 * with the offending field and offset named, Ed25519 over domain-separated
 * byte strings.
 */
#include <string.h>

#include "link/mm_link.h"
#include "base/banned.h"

bool mm_link_id_valid(const char *s, size_t max)
{
	size_t n = s ? strnlen(s, max + 1) : 0;
	if (n == 0 || n > max || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '_' || c == '-' || c == '@'))
			return false;
	}
	return true;
}

static int put_str(mm_buf *b, const char *s)
{
	size_t n = strlen(s);
	int rc = mm_buf_put_u16(b, (uint16_t)n);
	return rc ? rc : mm_buf_append(b, s, n);
}

int mm_link_seal(mm_link_envelope *e, const uint8_t sk[MM_ED25519_SK_LEN], mm_buf *out, mm_err *err)
{
	if ((e->tenant[0] && !mm_link_id_valid(e->tenant, MM_TENANT_MAX)) || !mm_link_id_valid(e->asset, MM_ID_MAX) ||
	    !mm_link_id_valid(e->agent, MM_ID_MAX))
		return mm_err_set(err, MM_EINVAL, "envelope: tenant, asset or agent id is not valid");
	if (e->counter == 0)
		return mm_err_set(err, MM_EINVAL, "envelope: counter must be 1 or more");
	if (e->report_len == 0 || e->report_len > MM_LINK_REPORT_MAX)
		return mm_err_set(err, MM_ELIMIT, "envelope: the report is empty or larger than %u bytes",
				  MM_LINK_REPORT_MAX);
	mm_sha256(sk + MM_ED25519_SEED_LEN, MM_ED25519_PK_LEN, e->key_id);
	mm_sha256(e->report, e->report_len, e->report_sha256);
	mm_buf h, m;
	mm_buf_init(&h, MM_LINK_HEADER_MAX);
	mm_buf_init(&m, MM_LINK_HEADER_MAX + 64);
	int rc = put_str(&h, e->tenant);
	if (!rc)
		rc = put_str(&h, e->asset);
	if (!rc)
		rc = put_str(&h, e->agent);
	if (!rc)
		rc = mm_buf_append(&h, e->key_id, sizeof e->key_id);
	if (!rc)
		rc = mm_buf_put_u64(&h, e->counter);
	if (!rc)
		rc = mm_buf_put_u64(&h, (uint64_t)e->time_ns);
	if (!rc)
		rc = mm_buf_append(&h, e->report_sha256, sizeof e->report_sha256);
	if (!rc)
		rc = mm_buf_put_u64(&h, (uint64_t)e->report_len);
	if (!rc)
		rc = mm_buf_puts(&m, MM_LINK_REPORT_DOMAIN);
	if (!rc)
		rc = mm_buf_append(&m, h.p, h.len);
	if (rc) {
		rc = mm_err_set(err, rc, "envelope: cannot encode the header: %s", mm_strerror(rc));
		goto out;
	}
	mm_ed25519_sign(e->sig, m.p, m.len, sk);
	if ((rc = mm_buf_append(out, MM_LINK_MAGIC, MM_LINK_MAGIC_LEN)) || (rc = mm_buf_put_u32(out, (uint32_t)h.len)) ||
	    (rc = mm_buf_append(out, h.p, h.len)) || (rc = mm_buf_append(out, e->sig, sizeof e->sig)) ||
	    (rc = mm_buf_append(out, e->report, e->report_len))) {
		rc = mm_err_set(err, rc, "envelope: cannot encode: %s", mm_strerror(rc));
		goto out;
	}
out:
	mm_buf_release(&h);
	mm_buf_release(&m);
	return rc;
}

/* Read a u16-length id at r into out; names the field and its offset on error. */
static int get_id(mm_rd *r, const char *what, char *out, size_t max, bool may_be_empty, mm_err *err)
{
	size_t at = r->off;
	uint16_t n;
	const uint8_t *s;
	if (!mm_rd_u16(r, &n) || !mm_rd_bytes(r, n, &s))
		return mm_err_set(err, MM_EINVAL, "envelope: %s at byte %zu is truncated", what, at + 12);
	if (n == 0 && may_be_empty) {
		out[0] = 0;
		return MM_OK;
	}
	if (n > max)
		return mm_err_set(err, MM_EINVAL, "envelope: %s at byte %zu is longer than %zu bytes", what, at + 12, max);
	memcpy(out, s, n);
	out[n] = 0;
	if (!mm_link_id_valid(out, max))
		return mm_err_set(err, MM_EINVAL, "envelope: %s at byte %zu is not a valid id", what, at + 12);
	return MM_OK;
}

int mm_link_decode(const uint8_t *p, size_t n, mm_link_envelope *e, mm_err *err)
{
	memset(e, 0, sizeof *e);
	if (n > MM_LINK_ENVELOPE_MAX)
		return mm_err_set(err, MM_ELIMIT, "envelope: %zu bytes is more than the limit of %u", n,
				  (unsigned)MM_LINK_ENVELOPE_MAX);
	if (n < MM_LINK_MAGIC_LEN + 4 || memcmp(p, MM_LINK_MAGIC, MM_LINK_MAGIC_LEN) != 0)
		return mm_err_set(err, MM_EINVAL, "envelope: not a mamori agent report (bad magic at byte 0)");
	mm_rd r;
	mm_rd_init(&r, p + MM_LINK_MAGIC_LEN, n - MM_LINK_MAGIC_LEN);
	uint32_t hl;
	(void)mm_rd_u32(&r, &hl);
	if (hl > MM_LINK_HEADER_MAX || hl > mm_rd_left(&r))
		return mm_err_set(err, MM_EINVAL, "envelope: header length %u at byte 8 is out of range", hl);
	e->header = p + MM_LINK_MAGIC_LEN + 4;
	e->header_len = hl;
	mm_rd h;
	mm_rd_init(&h, e->header, hl);
	int rc;
	if ((rc = get_id(&h, "tenant", e->tenant, MM_TENANT_MAX, true, err)) ||
	    (rc = get_id(&h, "asset", e->asset, MM_ID_MAX, false, err)) ||
	    (rc = get_id(&h, "agent", e->agent, MM_ID_MAX, false, err)))
		return rc;
	const uint8_t *b;
	uint64_t t, len;
	if (!mm_rd_bytes(&h, MM_SHA256_LEN, &b))
		return mm_err_set(err, MM_EINVAL, "envelope: key id at byte %zu is truncated", h.off + 12);
	memcpy(e->key_id, b, MM_SHA256_LEN);
	if (!mm_rd_u64(&h, &e->counter) || !mm_rd_u64(&h, &t))
		return mm_err_set(err, MM_EINVAL, "envelope: counter or time at byte %zu is truncated", h.off + 12);
	if (e->counter == 0)
		return mm_err_set(err, MM_EINVAL, "envelope: counter is 0 (it starts at 1)");
	if (t > (uint64_t)INT64_MAX)
		return mm_err_set(err, MM_EINVAL, "envelope: time is out of range");
	e->time_ns = (int64_t)t;
	if (!mm_rd_bytes(&h, MM_SHA256_LEN, &b) || !mm_rd_u64(&h, &len))
		return mm_err_set(err, MM_EINVAL, "envelope: report hash or length at byte %zu is truncated", h.off + 12);
	memcpy(e->report_sha256, b, MM_SHA256_LEN);
	if (mm_rd_left(&h))
		return mm_err_set(err, MM_EINVAL, "envelope: %zu unexpected bytes at the end of the header",
				  mm_rd_left(&h));
	if (len == 0 || len > MM_LINK_REPORT_MAX)
		return mm_err_set(err, MM_ELIMIT, "envelope: report length %llu is 0 or over %u bytes",
				  (unsigned long long)len, MM_LINK_REPORT_MAX);
	(void)mm_rd_bytes(&r, hl, &b);
	if (!mm_rd_bytes(&r, MM_ED25519_SIG_LEN, &b))
		return mm_err_set(err, MM_EINVAL, "envelope: signature at byte %zu is truncated", r.off + 8);
	memcpy(e->sig, b, MM_ED25519_SIG_LEN);
	if (mm_rd_left(&r) != len)
		return mm_err_set(err, MM_EINVAL, "envelope: the report at byte %zu has %zu bytes, the header says %llu",
				  r.off + 8, mm_rd_left(&r), (unsigned long long)len);
	e->report = p + MM_LINK_MAGIC_LEN + r.off;
	e->report_len = (size_t)len;
	uint8_t sha[MM_SHA256_LEN];
	mm_sha256(e->report, e->report_len, sha);
	if (memcmp(sha, e->report_sha256, MM_SHA256_LEN) != 0)
		return mm_err_set(err, MM_EINVAL, "envelope: the report's SHA-256 differs from the signed header");
	return MM_OK;
}

bool mm_link_verify(const mm_link_envelope *e, const uint8_t pk[MM_ED25519_PK_LEN])
{
	uint8_t id[MM_SHA256_LEN];
	mm_sha256(pk, MM_ED25519_PK_LEN, id);
	if (!mm_ct_equal(id, e->key_id, sizeof id) || !e->header || e->header_len > MM_LINK_HEADER_MAX)
		return false;
	uint8_t m[sizeof MM_LINK_REPORT_DOMAIN - 1 + MM_LINK_HEADER_MAX];
	size_t dl = sizeof MM_LINK_REPORT_DOMAIN - 1;
	memcpy(m, MM_LINK_REPORT_DOMAIN, dl);
	memcpy(m + dl, e->header, e->header_len);
	return mm_ed25519_verify(e->sig, m, dl + e->header_len, pk);
}

static void enroll_message(const char *token, const uint8_t pk[MM_ED25519_PK_LEN],
			   uint8_t m[sizeof MM_LINK_ENROLL_DOMAIN - 1 + MM_ED25519_PK_LEN + MM_SHA256_LEN])
{
	size_t dl = sizeof MM_LINK_ENROLL_DOMAIN - 1;
	memcpy(m, MM_LINK_ENROLL_DOMAIN, dl);
	memcpy(m + dl, pk, MM_ED25519_PK_LEN);
	mm_sha256(token, strlen(token), m + dl + MM_ED25519_PK_LEN);
}

void mm_link_enroll_sign(const char *token, const uint8_t sk[MM_ED25519_SK_LEN], uint8_t sig[MM_ED25519_SIG_LEN])
{
	uint8_t m[sizeof MM_LINK_ENROLL_DOMAIN - 1 + MM_ED25519_PK_LEN + MM_SHA256_LEN];
	enroll_message(token, sk + MM_ED25519_SEED_LEN, m);
	mm_ed25519_sign(sig, m, sizeof m, sk);
}

bool mm_link_enroll_verify(const char *token, const uint8_t pk[MM_ED25519_PK_LEN], const uint8_t sig[MM_ED25519_SIG_LEN])
{
	uint8_t m[sizeof MM_LINK_ENROLL_DOMAIN - 1 + MM_ED25519_PK_LEN + MM_SHA256_LEN];
	enroll_message(token, pk, m);
	return mm_ed25519_verify(sig, m, sizeof m, pk);
}

int mm_link_token_parse(const char *token, uint8_t pin[MM_SHA256_LEN], uint8_t secret[MM_LINK_SECRET_LEN],
			mm_err *err)
{
	size_t pl = sizeof MM_LINK_TOKEN_PREFIX - 1;
	if (!token || strnlen(token, MM_LINK_TOKEN_LEN + 1) != MM_LINK_TOKEN_LEN ||
	    strncmp(token, MM_LINK_TOKEN_PREFIX, pl) != 0 || token[pl + 64] != '.' ||
	    !mm_hex_decode(token + pl, 64, pin, MM_SHA256_LEN) ||
	    !mm_hex_decode(token + pl + 65, 64, secret, MM_LINK_SECRET_LEN))
		return mm_err_set(err, MM_EINVAL,
				  "token: expected %s followed by 64 hex digits, '.', and 64 hex digits (%d characters)",
				  MM_LINK_TOKEN_PREFIX, MM_LINK_TOKEN_LEN);
	return MM_OK;
}
