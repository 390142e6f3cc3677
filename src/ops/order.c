/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "restore_order" derive rule (C3; 000 §2(1)): when a restore request
 * enters its approved state, the deriver writes — in the approval's own
 * ledger entry — the FIM restore order (docs/fim.md) for the request's
 * files, signed with the ledger's Ed25519 key, so an approval and its
 * order cannot exist one without the other and nobody but the approving
 * write can produce one.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cal/mm_cal.h"
#include "crypto/mm_crypto.h"
#include "note/mm_note.h"
#include "ops/ops_int.h"
#include "base/banned.h"

int ops_load_signer(mm_ops *o, const char *path, mm_err *err)
{
	mm_buf b;
	mm_note_signer s;
	mm_buf_init(&b, MM_KEY_FILE_MAX);
	int rc = mm_file_read(path, MM_KEY_FILE_MAX, &b, err);
	if (!rc && (rc = mm_note_signer_parse((const char *)(b.p ? b.p : (const uint8_t *)""), b.len, &s, err)))
		mm_err_prefix(err, "%s", path);
	if (!rc) {
		memcpy(o->sk, s.sk, sizeof o->sk);
		o->has_signer = true;
	}
	mm_note_signer_wipe(&s);
	mm_buf_wipe(&b);
	return rc;
}

/* "HEX PATH" of files[i]: 64 lower-case hex digits, a space, an absolute normalised path. */
static int check_file(const char *field, size_t i, const char *s, mm_err *err)
{
	size_t n = strlen(s);
	if (n < 66 || s[64] != ' ')
		return mm_err_set(err, MM_EINVAL, "field %s[%zu]: give the approved SHA-256 (64 hex digits), a space "
				  "and the absolute path", field, i);
	for (size_t j = 0; j < 64; j++)
		if (!((s[j] >= '0' && s[j] <= '9') || (s[j] >= 'a' && s[j] <= 'f')))
			return mm_err_set(err, MM_EINVAL, "field %s[%zu]: the SHA-256 must be 64 lower-case hex digits",
					  field, i);
	const char *p = s + 65;
	size_t pl = n - 65;
	if (p[0] != '/' || p[pl - 1] == '/' || strstr(p, "//") || strstr(p, "/./") || strstr(p, "/../") ||
	    (pl >= 2 && strcmp(p + pl - 2, "/.") == 0) || (pl >= 3 && strcmp(p + pl - 3, "/..") == 0))
		return mm_err_set(err, MM_EINVAL, "field %s[%zu]: the path must be absolute without '.', '..', '//' "
				  "or a trailing '/'", field, i);
	for (size_t j = 0; j < pl; j++)
		if ((unsigned char)p[j] < 0x20 || p[j] == 0x7f)
			return mm_err_set(err, MM_EINVAL, "field %s[%zu]: the path contains a control character", field, i);
	return MM_OK;
}

/* The order's "file:" line: the hash and the path with every byte outside 0x21..0x7e and '%' as %XX. */
static int put_file(mm_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = mm_buf_puts(b, "file: ");
	if (!rc)
		rc = mm_buf_append(b, s, 65);
	for (const unsigned char *p = (const unsigned char *)s + 65; !rc && *p; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '%') {
			rc = mm_buf_put_u8(b, *p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			rc = mm_buf_append(b, e, 3);
		}
	}
	return rc ? rc : mm_buf_put_u8(b, '\n');
}

static bool host_valid(const char *h)
{
	size_t n = strlen(h);
	if (strcmp(h, "*") == 0)
		return true;
	if (n == 0 || n > MM_FIM_HOST_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') || (h[i] >= '0' && h[i] <= '9') ||
		      h[i] == '-' || h[i] == '.' || h[i] == '_'))
			return false;
	return true;
}

static const char *key_of(const json_t *rule, const char *k)
{
	return json_string_value(json_object_get(rule, k));
}

/* The host the order is for: the request's own field, else the asset's host name. */
static int order_host(mm_ops *o, const json_t *rule, const json_t *data, char *out, size_t len, mm_err *err)
{
	const char *hf = key_of(rule, "host"), *af = key_of(rule, "asset");
	const char *h = hf ? json_string_value(json_object_get(data, hf)) : NULL;
	json_t *asset = NULL;
	int rc = MM_OK;
	if ((!h || !*h) && af && json_is_string(json_object_get(data, af))) {
		char st[MM_NAME_MAX + 1];
		const char *id = json_string_value(json_object_get(data, af));
		if ((rc = mm_store_txn_get(o->store, "asset", id, st, &asset, err)))
			return rc == MM_ENOTFOUND ? mm_err_set(err, MM_EINVAL, "field %s: no asset has id '%.128s'", af, id)
						  : rc;
		h = json_string_value(json_object_get(asset, "hostname"));
		if (!h || !*h)
			rc = mm_err_set(err, MM_EINVAL, "field %s: asset %.128s has no host name: give the host the order "
					"is for (or * for any machine)", hf ? hf : af, id);
	}
	if (!rc && (!h || !host_valid(h)))
		rc = mm_err_set(err, MM_EINVAL, "field %s: '%.64s' is not a host name (letters, digits, '.', '-', '_') "
				"or *", hf ? hf : "host", h ? h : "");
	if (!rc)
		snprintf(out, len, "%s", h);
	json_decref(asset);
	return rc;
}

int ops_derive_order(mm_ops *o, const mm_kind *k, const char *state, json_t *data, mm_err *err)
{
	const json_t *rule = json_object_get(k->derive, "restore_order");
	const char *bstate;
	const json_t *bdata, *f;
	size_t i;
	int rc;
	if (!rule || !o->store)
		return MM_OK;
	const char *files_f = key_of(rule, "files"), *order_f = key_of(rule, "order");
	const char *id_f = key_of(rule, "id"), *exp_f = key_of(rule, "expires");
	if ((rc = mm_store_txn_before(o->store, &bstate, &bdata, err))) {
		if (rc != MM_EUNSUPPORTED)
			return rc;
		mm_err_clear(err); /* a plan checked before loading: the write issues the order */
		return MM_OK;
	}
	(void)bdata;
	bool entering = strcmp(state, key_of(rule, "state")) == 0 && (!bstate || strcmp(bstate, state) != 0);
	if (!entering)
		return MM_OK; /* the derived fields stay as the approving write made them */
	if (!o->has_signer)
		return mm_err_set(err, MM_EUNSUPPORTED, "%s: no signing key is loaded to issue the restore order "
				  "(the store must be opened for writing)", k->name);
	const json_t *files = json_object_get(data, files_f);
	if (!json_is_array(files) || json_array_size(files) == 0)
		return mm_err_set(err, MM_EINVAL, "field %s: name at least one file to restore", files_f);
	if (json_array_size(files) > MM_FIM_ORDER_FILES_MAX)
		return mm_err_set(err, MM_ELIMIT, "field %s: more than %d files", files_f, MM_FIM_ORDER_FILES_MAX);
	json_array_foreach(files, i, f) {
		if (!json_is_string(f))
			return mm_err_set(err, MM_EINVAL, "field %s[%zu]: must be text", files_f, i);
		if ((rc = check_file(files_f, i, json_string_value(f), err)))
			return rc;
		for (size_t j = 0; j < i; j++)
			if (strcmp(json_string_value(json_array_get(files, j)) + 65, json_string_value(f) + 65) == 0)
				return mm_err_set(err, MM_EINVAL, "field %s[%zu]: the path is named twice", files_f, i);
	}
	char host[MM_FIM_HOST_MAX + 1];
	if ((rc = order_host(o, rule, data, host, sizeof host, err)))
		return rc;
	uint8_t rnd[8];
	char rhex[17], id[32], expires[40];
	mm_random(rnd, sizeof rnd);
	mm_hex_encode(rnd, sizeof rnd, rhex);
	snprintf(id, sizeof id, "ord-%s", rhex);
	json_int_t hours = json_integer_value(json_object_get(rule, "valid_hours"));
	int64_t now = o->now ? o->now : (int64_t)time(NULL), until = now + (int64_t)hours * 3600;
	mm_cal_format_instant(until, expires, sizeof expires);
	mm_buf b;
	mm_buf_init(&b, MM_FIM_ORDER_MAX);
	rc = mm_buf_printf(&b, "mamori-fim-restore-order v1\nid: %s\nhost: %s\nissued: %lld\nexpires: %lld\n", id, host,
			   (long long)now, (long long)until);
	json_array_foreach(files, i, f) {
		if (!rc)
			rc = put_file(&b, json_string_value(f));
	}
	uint8_t sig[MM_ED25519_SIG_LEN];
	if (!rc) {
		mm_ed25519_sign(sig, b.p, b.len, o->sk);
		rc = mm_buf_puts(&b, "signature: ");
	}
	if (!rc && !(rc = mm_base64_encode(sig, sizeof sig, &b)))
		rc = mm_buf_put_u8(&b, '\n');
	if (rc) {
		rc = mm_err_set(err, rc, "the restore order is larger than %u bytes or memory ran out", MM_FIM_ORDER_MAX);
	} else if (json_object_set_new(data, order_f, json_stringn((const char *)b.p, b.len)) ||
		   json_object_set_new(data, id_f, json_string(id)) || json_object_set_new(data, exp_f, json_string(expires))) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
	}
	mm_buf_release(&b);
	return rc;
}
