/* SPDX-License-Identifier: Apache-2.0 */
/*
 * C2SP signed notes with Ed25519 (algorithm byte 0x01) and checkpoint
 * bodies. Parsing is strict: every byte of a note is accounted for.
 */
#include <stdio.h>
#include <string.h>

#include "note/mm_note.h"
#include "base/banned.h"

#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 EM DASH, space */
#define SIG_PREFIX_LEN 4
#define ALG_ED25519 0x01

bool mm_note_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > MM_ORIGIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c <= 0x20 || c >= 0x7f || c == '+')
			return false;
	}
	return true;
}

static uint32_t key_id(const char *name, const uint8_t pk[MM_ED25519_PK_LEN])
{
	size_t n = strlen(name);
	uint8_t buf[MM_ORIGIN_MAX + 2 + MM_ED25519_PK_LEN], h[MM_SHA256_LEN];
	memcpy(buf, name, n);
	buf[n] = '\n';
	buf[n + 1] = ALG_ED25519;
	memcpy(buf + n + 2, pk, MM_ED25519_PK_LEN);
	mm_sha256(buf, n + 2 + MM_ED25519_PK_LEN, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int mm_note_signer_generate(const char *name, mm_note_signer *s, mm_err *err)
{
	memset(s, 0, sizeof *s);
	if (!mm_note_name_valid(name))
		return mm_err_set(err, MM_EINVAL, "key name '%s' is not a valid note name", name);
	snprintf(s->v.name, sizeof s->v.name, "%s", name);
	mm_ed25519_keypair(s->v.pk, s->sk);
	s->v.keyid = key_id(name, s->v.pk);
	return MM_OK;
}

static int format_key(mm_buf *b, const char *prefix, const char *name, uint32_t id,
		      const uint8_t key[32])
{
	uint8_t raw[33];
	raw[0] = ALG_ED25519;
	memcpy(raw + 1, key, 32);
	int rc = mm_buf_printf(b, "%s%s+%08x+", prefix, name, id);
	if (!rc)
		rc = mm_base64_encode(raw, sizeof raw, b);
	if (!rc)
		rc = mm_buf_puts(b, "\n");
	mm_wipe(raw, sizeof raw);
	return rc;
}

int mm_note_signer_format(const mm_note_signer *s, mm_buf *b)
{
	/* the seed is the first half of libsodium's secret key */
	return format_key(b, "PRIVATE+KEY+", s->v.name, s->v.keyid, s->sk);
}

int mm_note_verifier_format(const mm_note_verifier *v, mm_buf *b)
{
	return format_key(b, "", v->name, v->keyid, v->pk);
}

/* Parse "name+hex8+base64" (after any prefix) into parts. */
static int parse_key(const char *text, size_t n, char name[MM_ORIGIN_MAX + 1], uint32_t *id,
		     uint8_t key[32], mm_err *err)
{
	while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
		n--;
	while (n && (*text == ' ' || *text == '\n')) {
		text++;
		n--;
	}
	const char *p1 = memchr(text, '+', n);
	if (!p1)
		return mm_err_set(err, MM_EINVAL, "key: expected name+id+key");
	size_t name_len = (size_t)(p1 - text);
	const char *rest = p1 + 1;
	size_t rest_n = n - name_len - 1;
	const char *p2 = memchr(rest, '+', rest_n);
	if (!p2 || p2 - rest != 8)
		return mm_err_set(err, MM_EINVAL, "key: expected an 8-digit hex key id after the name");
	if (name_len == 0 || name_len > MM_ORIGIN_MAX)
		return mm_err_set(err, MM_EINVAL, "key: bad name length");
	memcpy(name, text, name_len);
	name[name_len] = '\0';
	if (!mm_note_name_valid(name))
		return mm_err_set(err, MM_EINVAL, "key: bad name");
	uint8_t idb[4];
	if (!mm_hex_decode(rest, 8, idb, 4))
		return mm_err_set(err, MM_EINVAL, "key: key id is not hex");
	*id = (uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 | (uint32_t)idb[2] << 8 | idb[3];
	uint8_t raw[64];
	size_t rawlen = 0;
	const char *b64 = p2 + 1;
	size_t b64n = n - (size_t)(b64 - text);
	if (!mm_base64_decode(b64, b64n, raw, sizeof raw, &rawlen) || rawlen != 33 || raw[0] != ALG_ED25519) {
		mm_wipe(raw, sizeof raw);
		return mm_err_set(err, MM_EINVAL, "key: not an Ed25519 key");
	}
	memcpy(key, raw + 1, 32);
	mm_wipe(raw, sizeof raw);
	return MM_OK;
}

int mm_note_signer_parse(const char *text, size_t n, mm_note_signer *s, mm_err *err)
{
	static const char pre[] = "PRIVATE+KEY+";
	memset(s, 0, sizeof *s);
	if (n < sizeof pre - 1 || memcmp(text, pre, sizeof pre - 1) != 0)
		return mm_err_set(err, MM_EINVAL, "signing key: missing PRIVATE+KEY+ prefix");
	uint8_t seed[32];
	uint32_t id;
	int rc = parse_key(text + sizeof pre - 1, n - (sizeof pre - 1), s->v.name, &id, seed, err);
	if (rc)
		return rc;
	mm_ed25519_from_seed(seed, s->v.pk, s->sk);
	mm_wipe(seed, sizeof seed);
	s->v.keyid = key_id(s->v.name, s->v.pk);
	if (s->v.keyid != id) {
		mm_note_signer_wipe(s);
		return mm_err_set(err, MM_EINVAL, "signing key: key id does not match the key");
	}
	return MM_OK;
}

int mm_note_verifier_parse(const char *text, size_t n, mm_note_verifier *v, mm_err *err)
{
	memset(v, 0, sizeof *v);
	int rc = parse_key(text, n, v->name, &v->keyid, v->pk, err);
	if (rc)
		return rc;
	if (key_id(v->name, v->pk) != v->keyid)
		return mm_err_set(err, MM_EINVAL, "verifier key: key id does not match the key");
	return MM_OK;
}

void mm_note_signer_wipe(mm_note_signer *s)
{
	mm_wipe(s, sizeof *s);
}

static bool body_ok(const char *body, size_t n)
{
	if (n == 0 || body[n - 1] != '\n' || !mm_utf8_valid(body, n))
		return false;
	for (size_t i = 0; i + 1 < n; i++)
		if (body[i] == '\n' && body[i + 1] == '\n')
			return false;
	return body[0] != '\n';
}

int mm_note_sign(const mm_note_signer *s, const char *body, size_t n, mm_buf *out, mm_err *err)
{
	if (!body_ok(body, n))
		return mm_err_set(err, MM_EINVAL, "note body must be non-empty UTF-8 lines ending in a newline");
	uint8_t sig[4 + MM_ED25519_SIG_LEN];
	sig[0] = (uint8_t)(s->v.keyid >> 24);
	sig[1] = (uint8_t)(s->v.keyid >> 16);
	sig[2] = (uint8_t)(s->v.keyid >> 8);
	sig[3] = (uint8_t)s->v.keyid;
	mm_ed25519_sign(sig + 4, body, n, s->sk);
	int rc = mm_buf_append(out, body, n);
	if (!rc)
		rc = mm_buf_printf(out, "\n" SIG_PREFIX "%s ", s->v.name);
	if (!rc)
		rc = mm_base64_encode(sig, sizeof sig, out);
	if (!rc)
		rc = mm_buf_puts(out, "\n");
	if (rc)
		return mm_err_set(err, rc, "signing note: %s", mm_strerror(rc));
	return MM_OK;
}

int mm_note_verify(const mm_note_verifier *v, const char *text, size_t n, size_t *body_len,
		   mm_err *err)
{
	if (n > MM_NOTE_MAX)
		return mm_err_set(err, MM_ELIMIT, "note: longer than %u bytes", MM_NOTE_MAX);
	if (!mm_utf8_valid(text, n))
		return mm_err_set(err, MM_EINVAL, "note: not UTF-8");
	/* the body ends at the first blank line */
	size_t split = 0;
	bool found = false;
	for (size_t i = 0; i + 1 < n; i++) {
		if (text[i] == '\n' && text[i + 1] == '\n') {
			split = i + 1;
			found = true;
			break;
		}
	}
	if (!found || !body_ok(text, split))
		return mm_err_set(err, MM_EINVAL, "note: no signature block after a blank line");
	if (text[n - 1] != '\n')
		return mm_err_set(err, MM_EINVAL, "note: does not end with a newline");
	size_t pos = split + 1, nsig = 0;
	bool good = false;
	while (pos < n) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', n - pos);
		size_t len = (size_t)(nl - line);
		pos += len + 1;
		if (++nsig > MM_NOTE_SIGS_MAX)
			return mm_err_set(err, MM_ELIMIT, "note: more than %d signatures", MM_NOTE_SIGS_MAX);
		if (len < SIG_PREFIX_LEN || memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
			return mm_err_set(err, MM_EINVAL, "note: signature line %zu lacks the em-dash prefix", nsig);
		const char *name = line + SIG_PREFIX_LEN;
		const char *sp = memchr(name, ' ', len - SIG_PREFIX_LEN);
		if (!sp)
			return mm_err_set(err, MM_EINVAL, "note: signature line %zu has no signature", nsig);
		size_t name_len = (size_t)(sp - name);
		const char *b64 = sp + 1;
		size_t b64n = len - SIG_PREFIX_LEN - name_len - 1;
		uint8_t sig[128];
		size_t siglen = 0;
		if (!mm_base64_decode(b64, b64n, sig, sizeof sig, &siglen) || siglen < 4)
			return mm_err_set(err, MM_EINVAL, "note: signature line %zu is not base64", nsig);
		uint32_t id = (uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3];
		if (name_len == strlen(v->name) && memcmp(name, v->name, name_len) == 0 && id == v->keyid &&
		    siglen == 4 + MM_ED25519_SIG_LEN && mm_ed25519_verify(sig + 4, text, split, v->pk))
			good = true;
	}
	if (!good)
		return mm_err_set(err, MM_ECRYPTO, "note: no valid signature by %s", v->name);
	if (body_len)
		*body_len = split;
	return MM_OK;
}

int mm_checkpoint_format(const mm_checkpoint *c, mm_buf *b)
{
	int rc = mm_buf_printf(b, "%s\n%llu\n", c->origin, (unsigned long long)c->size);
	if (!rc)
		rc = mm_base64_encode(c->root, sizeof c->root, b);
	if (!rc)
		rc = mm_buf_printf(b, "\ntime %lld\n", (long long)c->time_ns);
	return rc;
}

/* Next line of body[*pos..n) without its newline; false at the end. */
static bool next_line(const char *body, size_t n, size_t *pos, const char **line, size_t *len)
{
	if (*pos >= n)
		return false;
	const char *s = body + *pos;
	const char *nl = memchr(s, '\n', n - *pos);
	if (!nl)
		return false;
	*line = s;
	*len = (size_t)(nl - s);
	*pos += *len + 1;
	return true;
}

int mm_checkpoint_parse(const char *body, size_t n, mm_checkpoint *c, mm_err *err)
{
	memset(c, 0, sizeof *c);
	size_t pos = 0, len;
	const char *line;
	char tmp[64];
	if (!next_line(body, n, &pos, &line, &len) || len == 0 || len > MM_ORIGIN_MAX)
		return mm_err_set(err, MM_EINVAL, "checkpoint: bad origin line");
	memcpy(c->origin, line, len);
	c->origin[len] = '\0';
	if (!next_line(body, n, &pos, &line, &len) || len == 0 || len >= sizeof tmp)
		return mm_err_set(err, MM_EINVAL, "checkpoint: bad tree size line");
	memcpy(tmp, line, len);
	tmp[len] = '\0';
	if ((len > 1 && tmp[0] == '0') || !mm_parse_u64(tmp, INT64_MAX, &c->size))
		return mm_err_set(err, MM_EINVAL, "checkpoint: tree size is not a decimal number");
	size_t rlen = 0;
	if (!next_line(body, n, &pos, &line, &len) ||
	    !mm_base64_decode(line, len, c->root, sizeof c->root, &rlen) || rlen != sizeof c->root)
		return mm_err_set(err, MM_EINVAL, "checkpoint: root hash is not 32 bytes of base64");
	while (next_line(body, n, &pos, &line, &len)) {
		if (len > 5 && len - 5 < sizeof tmp && memcmp(line, "time ", 5) == 0) {
			memcpy(tmp, line + 5, len - 5);
			tmp[len - 5] = '\0';
			if (!mm_parse_i64(tmp, &c->time_ns))
				return mm_err_set(err, MM_EINVAL, "checkpoint: bad time line");
		}
	}
	if (pos != n)
		return mm_err_set(err, MM_EINVAL, "checkpoint: body does not end with a newline");
	return MM_OK;
}

int mm_checkpoint_open(const mm_note_verifier *v, const char *text, size_t n, mm_checkpoint *c,
		       mm_err *err)
{
	size_t body = 0;
	int rc = mm_note_verify(v, text, n, &body, err);
	if (rc)
		return rc;
	rc = mm_checkpoint_parse(text, body, c, err);
	if (rc)
		return rc;
	if (strcmp(c->origin, v->name) != 0)
		return mm_err_set(err, MM_ECRYPTO, "checkpoint: origin '%s' is not the key's name '%s'",
				  c->origin, v->name);
	return MM_OK;
}
