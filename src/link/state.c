/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's enrolled state on disk: its key, the server's key for
 * signed orders, the link (server, pin, ids) and the report counter.
 * Every file is written atomically; the key files have mode 0600.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "link/mm_link.h"
#include "base/banned.h"

static int path_of(const char *dir, const char *name, char *out, size_t n, mm_err *err)
{
	if (snprintf(out, n, "%s/%s", dir, name) >= (int)n)
		return mm_err_set(err, MM_EINVAL, "--state: path too long");
	return MM_OK;
}

static int write_text(const char *dir, const char *name, const char *text, unsigned mode, bool excl, mm_err *err)
{
	char p[4200];
	int rc = path_of(dir, name, p, sizeof p, err);
	return rc ? rc : mm_file_write_atomic(p, text, strlen(text), mode, excl, err);
}

static int read_small(const char *dir, const char *name, mm_buf *b, mm_err *err);

/* agent.key, new; or already there with this very seed (an offline enrollment's second step). */
static int write_key(const char *dir, const char *seed, mm_err *err)
{
	int rc = write_text(dir, "agent.key", seed, 0600, true, err);
	if (rc != MM_EEXIST)
		return rc;
	mm_buf k;
	mm_buf_init(&k, MM_KEY_FILE_MAX);
	mm_err e2;
	bool same = read_small(dir, "agent.key", &k, &e2) == MM_OK && k.len == 2 * MM_ED25519_SEED_LEN &&
		    mm_ct_equal(k.p, seed, k.len);
	mm_buf_wipe(&k);
	if (same) {
		mm_err_clear(err);
		return MM_OK;
	}
	return mm_err_set(err, MM_EEXIST, "%s/agent.key: another key is already there", dir);
}

int mm_link_state_begin(const char *dir, const mm_link_state *st, mm_err *err)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mm_err_set(err, MM_EIO, "%s: cannot create the state directory: %s", dir, strerror(errno));
	char seed[2 * MM_ED25519_SEED_LEN + 2], pin[2 * MM_SHA256_LEN + 1], pending[200];
	mm_hex_encode(st->sk, MM_ED25519_SEED_LEN, seed);
	seed[2 * MM_ED25519_SEED_LEN] = '\n';
	seed[2 * MM_ED25519_SEED_LEN + 1] = 0;
	mm_hex_encode(st->pin, MM_SHA256_LEN, pin);
	snprintf(pending, sizeof pending, "{\"format\": \"mamori-agent-pending/1\", \"pin\": \"%s\"}\n", pin);
	int rc = write_text(dir, "agent.key", seed, 0600, true, err);
	if (rc == MM_EEXIST)
		mm_err_set(err, MM_EEXIST, "%s: already enrolled or enrolling (use a new --state directory)", dir);
	if (!rc)
		rc = write_text(dir, "pending.json", pending, 0600, false, err);
	mm_wipe(seed, sizeof seed);
	return rc;
}

int mm_link_state_pending(const char *dir, mm_link_state *st, mm_err *err)
{
	memset(st, 0, sizeof *st);
	mm_buf k, p;
	mm_buf_init(&k, MM_KEY_FILE_MAX);
	mm_buf_init(&p, MM_KEY_FILE_MAX);
	uint8_t seed[MM_ED25519_SEED_LEN], pk[MM_ED25519_PK_LEN];
	json_t *o = NULL;
	int rc = read_small(dir, "agent.key", &k, err);
	if (!rc)
		rc = read_small(dir, "pending.json", &p, err);
	if (rc) {
		mm_err_prefix(err, "%s has no offline enrollment in progress (`enroll --token T --request FILE` first)", dir);
		goto out;
	}
	json_error_t je;
	o = json_loadb((const char *)p.p, p.len, JSON_REJECT_DUPLICATES, &je);
	const char *fmt = json_string_value(json_object_get(o, "format"));
	const char *pin = json_string_value(json_object_get(o, "pin"));
	if (!mm_hex_decode((const char *)k.p, k.len, seed, sizeof seed) || !fmt ||
	    strcmp(fmt, "mamori-agent-pending/1") != 0 || !pin || !mm_hex_decode(pin, strlen(pin), st->pin, sizeof st->pin)) {
		rc = mm_err_set(err, MM_EINVAL, "%s: agent.key or pending.json is damaged", dir);
		goto out;
	}
	mm_ed25519_from_seed(seed, pk, st->sk);
out:
	json_decref(o);
	mm_wipe(seed, sizeof seed);
	mm_buf_wipe(&k);
	mm_buf_release(&p);
	return rc;
}

int mm_link_state_create(const char *dir, const mm_link_state *st, const uint8_t server_key[MM_ED25519_PK_LEN],
			 mm_err *err)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return mm_err_set(err, MM_EIO, "%s: cannot create the state directory: %s", dir, strerror(errno));
	char seed[2 * MM_ED25519_SEED_LEN + 2], pin[2 * MM_SHA256_LEN + 1];
	mm_hex_encode(st->sk, MM_ED25519_SEED_LEN, seed);
	seed[2 * MM_ED25519_SEED_LEN] = '\n';
	seed[2 * MM_ED25519_SEED_LEN + 1] = 0;
	mm_hex_encode(st->pin, MM_SHA256_LEN, pin);
	mm_buf pub;
	mm_buf_init(&pub, 128);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "format", "mamori-agent-link/1", "server", st->server,
			      "pin", pin, "tenant", st->tenant, "asset", st->asset, "agent", st->agent);
	char *link = o ? json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	int rc;
	if (!link || mm_base64_encode(server_key, MM_ED25519_PK_LEN, &pub) || mm_buf_puts(&pub, "\n")) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_key(dir, seed, err)) || (rc = write_text(dir, "server.pub", (const char *)pub.p, 0644, false, err)) ||
	    (rc = write_text(dir, "counter", "0\n", 0600, false, err)) ||
	    (rc = write_text(dir, "link.json", link, 0600, false, err)))
		goto out;
out:
	mm_wipe(seed, sizeof seed);
	mm_buf_release(&pub);
	free(link);
	return rc;
}

/* Read a small file of dir into b (initialised by the caller), without its trailing newlines. */
static int read_small(const char *dir, const char *name, mm_buf *b, mm_err *err)
{
	char p[4200];
	int rc = path_of(dir, name, p, sizeof p, err);
	if (!rc)
		rc = mm_file_read(p, MM_KEY_FILE_MAX, b, err);
	while (!rc && b->len && (b->p[b->len - 1] == '\n' || b->p[b->len - 1] == '\r'))
		b->p[--b->len] = 0;
	return rc;
}

static bool copy_id(json_t *o, const char *k, char *out, size_t max, bool may_be_empty)
{
	const char *s = json_string_value(json_object_get(o, k));
	if (!s || (!(may_be_empty && !*s) && !mm_link_id_valid(s, max)))
		return false;
	snprintf(out, max + 1, "%s", s);
	return true;
}

int mm_link_state_load(const char *dir, mm_link_state *st, mm_err *err)
{
	memset(st, 0, sizeof *st);
	mm_buf k, l, c;
	mm_buf_init(&k, MM_KEY_FILE_MAX);
	mm_buf_init(&l, MM_KEY_FILE_MAX);
	mm_buf_init(&c, MM_KEY_FILE_MAX);
	int rc = read_small(dir, "agent.key", &k, err);
	if (!rc)
		rc = read_small(dir, "link.json", &l, err);
	if (!rc)
		rc = read_small(dir, "counter", &c, err);
	json_t *o = NULL;
	uint8_t seed[MM_ED25519_SEED_LEN], pk[MM_ED25519_PK_LEN];
	if (rc) {
		mm_err_prefix(err, "%s is not an enrolled agent state (run `mamori-agent enroll`)", dir);
		goto out;
	}
	if (!mm_hex_decode((const char *)k.p, k.len, seed, sizeof seed)) {
		rc = mm_err_set(err, MM_EINVAL, "%s/agent.key: expected 64 hex digits (an Ed25519 seed)", dir);
		goto out;
	}
	mm_ed25519_from_seed(seed, pk, st->sk);
	json_error_t je;
	o = json_loadb((const char *)l.p, l.len, JSON_REJECT_DUPLICATES, &je);
	const char *fmt = json_string_value(json_object_get(o, "format"));
	const char *server = json_string_value(json_object_get(o, "server"));
	const char *pin = json_string_value(json_object_get(o, "pin"));
	if (!fmt || strcmp(fmt, "mamori-agent-link/1") != 0 || !server || strlen(server) >= sizeof st->server || !pin ||
	    !mm_hex_decode(pin, strlen(pin), st->pin, sizeof st->pin) ||
	    !copy_id(o, "tenant", st->tenant, MM_TENANT_MAX, true) || !copy_id(o, "asset", st->asset, MM_ID_MAX, false) ||
	    !copy_id(o, "agent", st->agent, MM_ID_MAX, false)) {
		rc = mm_err_set(err, MM_EINVAL,
				"%s/link.json: expected format mamori-agent-link/1 with server, pin, tenant, asset, agent", dir);
		goto out;
	}
	snprintf(st->server, sizeof st->server, "%s", server);
	if (!mm_parse_u64((const char *)c.p, 9007199254740991ull, &st->counter))
		rc = mm_err_set(err, MM_EINVAL, "%s/counter: expected a whole number", dir);
out:
	json_decref(o);
	mm_wipe(seed, sizeof seed);
	mm_buf_wipe(&k);
	mm_buf_release(&l);
	mm_buf_release(&c);
	if (rc)
		mm_link_state_wipe(st);
	return rc;
}

int mm_link_state_next(const char *dir, mm_link_state *st, mm_err *err)
{
	if (st->counter >= 9007199254740991ull)
		return mm_err_set(err, MM_ELIMIT, "%s/counter: exhausted", dir);
	char text[32];
	snprintf(text, sizeof text, "%llu\n", (unsigned long long)(st->counter + 1));
	int rc = write_text(dir, "counter", text, 0600, false, err);
	if (!rc)
		st->counter++;
	return rc;
}

void mm_link_state_wipe(mm_link_state *st)
{
	mm_wipe(st->sk, sizeof st->sk);
}
