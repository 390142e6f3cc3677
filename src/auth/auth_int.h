/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/auth: the handle shared by account.c and session.c. */
#ifndef MM_AUTH_INT_H
#define MM_AUTH_INT_H

#include <pthread.h>

#include <sodium.h>
#include <sqlite3.h>

#include "auth/mm_auth.h"
#include "crypto/mm_crypto.h"

/* One live session; key is SHA-256 of the token's 32 bytes. */
struct slot {
	uint8_t key[MM_SHA256_LEN];
	bool used;
	bool tomb; /* was used: probing continues past it */
	mm_session s;
	char totp_pending[41]; /* hex secret of a TOTP enrolment begun in this session, "" = none */
};

struct mm_auth {
	mm_ledger *l;
	mm_auth_config cfg;
	sqlite3 *rd; /* read-only connection for account reads */
	pthread_mutex_t rd_lock;
	pthread_mutex_t sess_lock;
	bool locks_ready;
	char dummy_hash[crypto_pwhash_STRBYTES];
	size_t live;
	struct slot slots[MM_SESSIONS_MAX];
};

struct op;
int auth_hash(const mm_auth *a, const char *pw, size_t n, char out[crypto_pwhash_STRBYTES], mm_err *err);
int auth_session_new(mm_auth *a, const char *user, const char *role, const char *tenant, bool must_change,
		     mm_session *s, mm_err *err);
/* Clear the must-change mark of the session of token (after the password changed). */
void auth_session_changed(mm_auth *a, const char *token);
/* End every session of user except the one of keep_token (may be NULL). */
void auth_sessions_end_user(mm_auth *a, const char *user, const char *keep_token);
/*
 * Set (hex) or clear (NULL) an account's TOTP secret, with its ledger
 * entry; used_step is the last step counted as used (0 = none). Ends the
 * account's sessions except the one of keep_token (may be NULL).
 */
int auth_set_totp(mm_auth *a, const char *by, const char *name, const char *secret_hex, int64_t used_step,
		  const char *keep_token, mm_err *err);
/*
 * The TOTP enrolment secret kept with the session of token: set (hex),
 * clear (set_hex ""), and/or read into get (41 bytes; "" when none).
 * Fails MM_ENOTFOUND when token has no session; user (may be NULL)
 * receives its account name.
 */
int auth_session_pending(mm_auth *a, const char *token, const char *set_hex, char *get, char *user, mm_err *err);
/* The step of a valid, unused code near now_s, or -1. */
int64_t auth_totp_match(const char *secret_hex, const char *code, int64_t last, int64_t now_s);
int auth_logout_entry(mm_auth *a, const char *user, bool everywhere, mm_err *err);

#endif
