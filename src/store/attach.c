/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attachments: files named by the SHA-256 of their content under
 * <db>.attachments/<first two hex digits>/<hash>, written durably before
 * the ledger entry that records them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store_int.h"
#include "crypto/mm_crypto.h"
#include "base/banned.h"

static bool hex_ok(const char *hex)
{
	if (strlen(hex) != 64)
		return false;
	for (int i = 0; i < 64; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	return true;
}

int mm_store_attachment_path(mm_store *s, const char *hex, char *path, size_t len, mm_err *err)
{
	if (!hex_ok(hex))
		return mm_err_set(err, MM_EINVAL, "'%.80s' is not a SHA-256 in lower-case hex", hex);
	if (snprintf(path, len, "%s/%.2s/%s", s->attach_dir, hex, hex) >= (int)len)
		return mm_err_set(err, MM_ELIMIT, "attachment path too long");
	return MM_OK;
}

struct att {
	mm_store *s;
	const mm_actor *who;
	char *payload;
	json_t *parsed; /* the payload as built, for the projection */
	const char *hex;
};

static int att_apply(void *ctx, sqlite3 *db, uint64_t seq, int64_t t, mm_entry *e, mm_err *err)
{
	(void)db;
	struct att *a = ctx;
	mm_entry_set(&e->kind, &e->kind_len, "attachment.add");
	mm_entry_set(&e->actor, &e->actor_len, a->who->name);
	mm_entry_set(&e->subject, &e->subject_len, a->hex); /* the caller's buffer outlives the submit */
	e->payload = (const uint8_t *)a->payload;
	e->payload_len = strlen(a->payload);
	e->seq = seq;
	e->time_ns = t;
	return proj_apply_json(&a->s->live, e, a->parsed, err);
}

int mm_store_attach(mm_store *s, const mm_actor *who, const void *data, size_t n, const char *name,
		    char hex[2 * MM_SHA256_LEN + 1], mm_err *err)
{
	if (n > MM_ATTACHMENT_MAX)
		return mm_err_set(err, MM_ELIMIT, "attachment is %zu bytes; at most %u are allowed", n, MM_ATTACHMENT_MAX);
	if (!who || !who->name || !*who->name || strlen(who->name) > MM_ACTOR_MAX)
		return mm_err_set(err, MM_EINVAL, "an actor name is required");
	if (!name || !*name || strlen(name) > 255 || !mm_utf8_valid(name, strlen(name)) || strchr(name, '/'))
		return mm_err_set(err, MM_EINVAL, "attachment name must be 1..255 bytes of UTF-8 without '/'");
	for (const char *p = name; *p; p++)
		if ((unsigned char)*p < 0x20)
			return mm_err_set(err, MM_EINVAL, "attachment name contains a control character");
	uint8_t h[MM_SHA256_LEN];
	mm_sha256(data, n, h);
	mm_hex_encode(h, sizeof h, hex);
	char path[4200], dir[4200];
	int rc = mm_store_attachment_path(s, hex, path, sizeof path, err);
	if (rc)
		return rc;
	snprintf(dir, sizeof dir, "%s", s->attach_dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mm_err_set(err, MM_EIO, "%s: %s", dir, strerror(errno));
	snprintf(dir, sizeof dir, "%s/%.2s", s->attach_dir, hex);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mm_err_set(err, MM_EIO, "%s: %s", dir, strerror(errno));
	if (!mm_file_exists(path) && (rc = mm_file_write_atomic(path, data, n, 0600, false, err)))
		return rc;
	json_t *pl = json_pack("{s:s, s:I, s:s}", "sha256", hex, "size", (json_int_t)n, "name", name);
	struct att a = {.s = s, .who = who, .hex = hex, .parsed = pl};
	if (!pl)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	if ((rc = canonical_json(pl, &a.payload, err))) {
		json_decref(pl);
		return rc;
	}
	uint64_t seq;
	rc = mm_ledger_submit(s->l, att_apply, &a, &seq, err);
	free(a.payload);
	json_decref(pl);
	return rc;
}
