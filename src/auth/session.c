/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sessions: an open-addressed table in memory keyed by SHA-256 of the
 * token, so the table never holds a usable cookie and a lookup's timing
 * says nothing about how close a guess was. Idle and absolute deadlines
 * are checked on every lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/auth_int.h"
#include "base/banned.h"

static size_t home(const uint8_t key[MM_SHA256_LEN])
{
	uint64_t h = 0;
	memcpy(&h, key, sizeof h);
	return (size_t)(h % MM_SESSIONS_MAX);
}

/* Slot holding key, or NULL. Caller holds sess_lock. */
static struct slot *find(mm_auth *a, const uint8_t key[MM_SHA256_LEN])
{
	size_t i = home(key);
	for (size_t n = 0; n < MM_SESSIONS_MAX; n++, i = (i + 1) % MM_SESSIONS_MAX) {
		struct slot *sl = &a->slots[i];
		if (!sl->used && !sl->tomb)
			return NULL;
		if (sl->used && mm_ct_equal(sl->key, key, MM_SHA256_LEN))
			return sl;
	}
	return NULL;
}

static void drop(mm_auth *a, struct slot *sl)
{
	sodium_memzero(sl, sizeof *sl);
	sl->tomb = true;
	a->live--;
}

static bool expired(const struct slot *sl, int64_t now)
{
	return now >= sl->s.idle_deadline_ns || now >= sl->s.absolute_deadline_ns;
}

static bool token_key(const char *token, uint8_t key[MM_SHA256_LEN])
{
	uint8_t raw[32];
	if (!token || strlen(token) != MM_TOKEN_HEX || !mm_hex_decode(token, MM_TOKEN_HEX, raw, sizeof raw))
		return false;
	mm_sha256(raw, sizeof raw, key);
	sodium_memzero(raw, sizeof raw);
	return true;
}

/* Re-insert live sessions when tombstones would make probes long. Caller holds sess_lock. */
static void rehash_if_needed(mm_auth *a)
{
	size_t tombs = 0;
	for (size_t i = 0; i < MM_SESSIONS_MAX; i++)
		tombs += a->slots[i].tomb;
	if (tombs < MM_SESSIONS_MAX / 4)
		return;
	struct slot *live = calloc(a->live ? a->live : 1, sizeof *live);
	if (!live)
		return; /* still correct, only slower */
	size_t n = 0;
	for (size_t i = 0; i < MM_SESSIONS_MAX; i++)
		if (a->slots[i].used)
			live[n++] = a->slots[i];
	sodium_memzero(a->slots, sizeof a->slots);
	for (size_t k = 0; k < n; k++) {
		size_t i = home(live[k].key);
		while (a->slots[i].used)
			i = (i + 1) % MM_SESSIONS_MAX;
		a->slots[i] = live[k];
	}
	sodium_memzero(live, n * sizeof *live);
	free(live);
}

int auth_session_new(mm_auth *a, const char *user, const char *role, const char *tenant, bool must_change,
		     mm_session *s, mm_err *err)
{
	uint8_t raw[32], key[MM_SHA256_LEN], csrf[32];
	int rc = MM_OK;
	int64_t now = mm_now_ns();
	mm_random(raw, sizeof raw);
	mm_random(csrf, sizeof csrf);
	mm_sha256(raw, sizeof raw, key);
	memset(s, 0, sizeof *s);
	snprintf(s->user, sizeof s->user, "%s", user);
	snprintf(s->role, sizeof s->role, "%s", role);
	snprintf(s->tenant, sizeof s->tenant, "%s", tenant);
	mm_hex_encode(csrf, sizeof csrf, s->csrf);
	s->created_ns = now;
	s->idle_deadline_ns = now + a->cfg.idle_s * 1000000000LL;
	s->absolute_deadline_ns = now + a->cfg.absolute_s * 1000000000LL;
	s->must_change = must_change;

	pthread_mutex_lock(&a->sess_lock);
	/* sweep: expired sessions go, and the user's oldest beyond the limit */
	size_t mine = 0;
	struct slot *oldest = NULL;
	for (size_t i = 0; i < MM_SESSIONS_MAX; i++) {
		struct slot *sl = &a->slots[i];
		if (!sl->used)
			continue;
		if (expired(sl, now)) {
			drop(a, sl);
			continue;
		}
		if (strcmp(sl->s.user, user) == 0) {
			mine++;
			if (!oldest || sl->s.created_ns < oldest->s.created_ns)
				oldest = sl;
		}
	}
	if (mine >= MM_SESSIONS_PER_USER_MAX && oldest)
		drop(a, oldest);
	if (a->live >= MM_SESSIONS_MAX * 3 / 4) {
		rc = mm_err_set(err, MM_ELIMIT, "too many sessions");
		goto out;
	}
	rehash_if_needed(a);
	size_t i = home(key);
	while (a->slots[i].used)
		i = (i + 1) % MM_SESSIONS_MAX;
	struct slot *sl = &a->slots[i];
	memcpy(sl->key, key, sizeof key);
	sl->used = true;
	sl->tomb = false;
	sl->s = *s;
	a->live++;
	mm_hex_encode(raw, sizeof raw, s->token);
out:
	pthread_mutex_unlock(&a->sess_lock);
	sodium_memzero(raw, sizeof raw);
	sodium_memzero(csrf, sizeof csrf);
	if (rc)
		sodium_memzero(s, sizeof *s);
	return rc;
}

int mm_auth_session(mm_auth *a, const char *token, mm_session *s, mm_err *err)
{
	uint8_t key[MM_SHA256_LEN];
	int rc = MM_OK;
	memset(s, 0, sizeof *s);
	if (!token_key(token, key))
		return mm_err_set(err, MM_ENOTFOUND, "not logged in");
	int64_t now = mm_now_ns();
	pthread_mutex_lock(&a->sess_lock);
	struct slot *sl = find(a, key);
	if (!sl) {
		rc = mm_err_set(err, MM_ENOTFOUND, "not logged in");
	} else if (expired(sl, now)) {
		drop(a, sl);
		rc = mm_err_set(err, MM_ENOTFOUND, "session expired");
	} else {
		sl->s.idle_deadline_ns = now + a->cfg.idle_s * 1000000000LL;
		*s = sl->s;
		s->token[0] = 0;
	}
	pthread_mutex_unlock(&a->sess_lock);
	return rc;
}

int auth_session_pending(mm_auth *a, const char *token, const char *set_hex, char *get, char *user, mm_err *err)
{
	uint8_t key[MM_SHA256_LEN];
	int rc = MM_OK;
	if (!token_key(token, key))
		return mm_err_set(err, MM_ENOTFOUND, "not logged in");
	pthread_mutex_lock(&a->sess_lock);
	struct slot *sl = find(a, key);
	if (!sl || expired(sl, mm_now_ns())) {
		rc = mm_err_set(err, MM_ENOTFOUND, "not logged in");
	} else {
		if (get)
			memcpy(get, sl->totp_pending, sizeof sl->totp_pending);
		if (set_hex) {
			sodium_memzero(sl->totp_pending, sizeof sl->totp_pending);
			snprintf(sl->totp_pending, sizeof sl->totp_pending, "%s", set_hex);
		}
		if (user)
			snprintf(user, MM_USER_NAME_MAX + 1, "%s", sl->s.user);
	}
	pthread_mutex_unlock(&a->sess_lock);
	return rc;
}

void auth_session_changed(mm_auth *a, const char *token)
{
	uint8_t key[MM_SHA256_LEN];
	if (!token_key(token, key))
		return;
	pthread_mutex_lock(&a->sess_lock);
	struct slot *sl = find(a, key);
	if (sl)
		sl->s.must_change = false;
	pthread_mutex_unlock(&a->sess_lock);
}

bool mm_auth_csrf_ok(const mm_session *s, const char *csrf)
{
	if (!s || !csrf || strlen(csrf) != MM_TOKEN_HEX || strlen(s->csrf) != MM_TOKEN_HEX)
		return false;
	return mm_ct_equal(s->csrf, csrf, MM_TOKEN_HEX);
}

void auth_sessions_end_user(mm_auth *a, const char *user, const char *keep_token)
{
	uint8_t keep[MM_SHA256_LEN];
	bool has_keep = token_key(keep_token, keep);
	pthread_mutex_lock(&a->sess_lock);
	for (size_t i = 0; i < MM_SESSIONS_MAX; i++) {
		struct slot *sl = &a->slots[i];
		if (sl->used && strcmp(sl->s.user, user) == 0 && !(has_keep && mm_ct_equal(sl->key, keep, sizeof keep)))
			drop(a, sl);
	}
	pthread_mutex_unlock(&a->sess_lock);
}

int mm_auth_logout(mm_auth *a, const char *token, bool everywhere, mm_err *err)
{
	uint8_t key[MM_SHA256_LEN];
	char user[MM_USER_NAME_MAX + 1] = "";
	if (!token_key(token, key))
		return mm_err_set(err, MM_ENOTFOUND, "not logged in");
	pthread_mutex_lock(&a->sess_lock);
	struct slot *sl = find(a, key);
	if (sl) {
		snprintf(user, sizeof user, "%s", sl->s.user);
		drop(a, sl);
	}
	pthread_mutex_unlock(&a->sess_lock);
	if (!user[0])
		return mm_err_set(err, MM_ENOTFOUND, "not logged in");
	if (everywhere)
		auth_sessions_end_user(a, user, NULL);
	return auth_logout_entry(a, user, everywhere, err);
}

size_t mm_auth_session_count(mm_auth *a)
{
	pthread_mutex_lock(&a->sess_lock);
	size_t n = a->live;
	pthread_mutex_unlock(&a->sess_lock);
	return n;
}
