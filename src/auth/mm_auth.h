/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth: accounts, roles, logins and sessions for `mamori serve` (C18).
 * Accounts live in the `account` table of the store's database; every
 * change to one (create, password, disable, login, failure, lockout,
 * logout, denial) is a ledger entry written in the same transaction as
 * the row, so the ledger tells who could do what and when. Passwords are
 * kept only as Argon2id hashes (libsodium crypto_pwhash_str) and never
 * reach the ledger. Sessions are kept in memory only (a restart logs
 * everyone out): a 256-bit random token, known to the table only by its
 * SHA-256, with its own CSRF token, idle and absolute deadlines.
 * Every function is safe to call from many threads at once.
 */
#ifndef MM_AUTH_H
#define MM_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include "base/mm_base.h"
#include "ledger/mm_ledger.h"

typedef struct mm_auth mm_auth;

typedef struct mm_auth_config {
	unsigned lockout_threshold; /* failures in a row that lock an account; 0 = default */
	int64_t lockout_s;          /* seconds a locked account stays locked; 0 = default */
	int64_t idle_s;             /* session idle cut-off; 0 = default (15 min) */
	int64_t absolute_s;         /* session lifetime; 0 = default */
	bool fast_hash;             /* tests only: cheapest Argon2id parameters */
} mm_auth_config;

/* Session token and CSRF token as text: 64 lower-case hex digits (256 bits). */
#define MM_TOKEN_HEX 64

/* A logged-in person, as the server needs them on every request. */
typedef struct mm_session {
	char user[MM_USER_NAME_MAX + 1];
	char role[MM_NAME_MAX + 1];
	char tenant[MM_TENANT_MAX + 1];
	char csrf[MM_TOKEN_HEX + 1];
	char token[MM_TOKEN_HEX + 1]; /* filled by login only (the cookie value) */
	int64_t created_ns;
	int64_t idle_deadline_ns;
	int64_t absolute_deadline_ns;
	bool must_change; /* the password is a one-time one an administrator set: change it first */
} mm_session;

/*
 * Create the account table if missing (the database must be a store made
 * by `mamori init`), and prepare the session table. l is borrowed and
 * must outlive the handle; db_path is opened again read-only for reads.
 * cfg may be NULL (defaults). Free with mm_auth_close.
 */
int mm_auth_open(mm_ledger *l, const char *db_path, const mm_auth_config *cfg, mm_auth **out,
		 mm_err *err) MM_MUST_USE;
void mm_auth_close(mm_auth *a);

/* Syntax checks (no lookup): account names and organisation names. */
bool mm_auth_name_valid(const char *name);
bool mm_auth_tenant_valid(const char *tenant);

/*
 * Accounts. by names who does it (an administrator, or "cli" for the
 * command line). A password must be valid UTF-8 of MM_PASSWORD_MIN..
 * MM_PASSWORD_MAX bytes. tenant NULL or "" is the default organisation.
 * Errors: MM_EINVAL (syntax, unknown role), MM_EEXIST, MM_ENOTFOUND.
 */
int mm_auth_user_add(mm_auth *a, const char *by, const char *name, const char *role, const char *tenant,
		     const char *password, size_t plen, mm_err *err) MM_MUST_USE;
/* New password; ends every session of the account. */
int mm_auth_user_passwd(mm_auth *a, const char *by, const char *name, const char *password, size_t plen,
			mm_err *err) MM_MUST_USE;
/*
 * An administrator's reset: a one-time password the person must change at
 * their next login (the account is marked must-change until they do; the
 * server then allows nothing but the change, reading the session and
 * logging out). Ends every session of the account. An
 * "account.password-reset" entry records who reset whom, never the
 * password. by may not reset their own account (MM_EINVAL).
 */
int mm_auth_user_reset(mm_auth *a, const char *by, const char *name, const char *password, size_t plen,
		       mm_err *err) MM_MUST_USE;
/* Disable (or enable again) an account; disabling ends its sessions and locks it out. */
int mm_auth_user_disable(mm_auth *a, const char *by, const char *name, bool disabled, mm_err *err) MM_MUST_USE;
/*
 * Every account as a JSON array (name, role, tenant, disabled, created,
 * last_login, failed, locked_until), appended to out; only tenant's when
 * tenant is non-NULL.
 */
int mm_auth_user_list(mm_auth *a, const char *tenant, mm_buf *out, mm_err *err) MM_MUST_USE;

/*
 * Log in. On success a new session (new tokens, never reused) is filled
 * into s, an "auth.login" entry is written and the failure count reset.
 * A wrong password, unknown or disabled account all fail MM_EPERM with
 * the same message (an "auth.login-failed" entry); the failure that
 * reaches the threshold locks the account ("auth.lockout") and while it
 * is locked even the right password fails MM_EPERM. Takes as long for an
 * unknown name as for a known one.
 */
int mm_auth_login(mm_auth *a, const char *name, const char *password, size_t plen, mm_session *s,
		  mm_err *err) MM_MUST_USE;

/*
 * Log in with a second factor: as mm_auth_login, and when the account has
 * TOTP enabled, totp must be its current 6-digit code (RFC 6238: SHA-1,
 * 30-second steps, one step of clock skew either way). A code is accepted
 * once only; a missing, wrong or replayed code is a failed login.
 */
int mm_auth_login_totp(mm_auth *a, const char *name, const char *password, size_t plen, const char *totp,
		       mm_session *s, mm_err *err) MM_MUST_USE;

/*
 * Enable TOTP for an account with a new random 160-bit secret (its base32
 * text, for an authenticator app, goes to b32 of >= 40 bytes), or disable
 * it (b32 may then be NULL). An "account.totp" entry records the change,
 * never the secret.
 */
int mm_auth_user_totp(mm_auth *a, const char *by, const char *name, bool enable, char *b32, size_t b32len,
		      mm_err *err) MM_MUST_USE;

/*
 * Enrolment from the account page, in three steps within one session:
 * begin makes a new random 160-bit secret kept with the session of token
 * only (not in force yet) and gives its base32 text (b32 >= 33 bytes) and
 * the account name (user, MM_USER_NAME_MAX + 1 bytes); pending gives the
 * same secret again (for the QR code); confirm checks a first code from
 * the app against it (MM_EINVAL if wrong; MM_ENOTFOUND if nothing was
 * begun) and only then turns TOTP on ("account.totp" entry, never the
 * secret), ending the account's other sessions; that code counts as used.
 */
int mm_auth_totp_begin(mm_auth *a, const char *token, char *b32, size_t b32len, char *user, mm_err *err) MM_MUST_USE;
int mm_auth_totp_pending(mm_auth *a, const char *token, char *b32, size_t b32len, char *user,
			 mm_err *err) MM_MUST_USE;
int mm_auth_totp_confirm(mm_auth *a, const char *token, const char *code, mm_err *err) MM_MUST_USE;
/*
 * Turn one's own TOTP off after checking the password (MM_EPERM and an
 * "auth.password-failed" entry if wrong); an "account.totp" entry.
 */
int mm_auth_totp_disable(mm_auth *a, const char *token, const char *password, size_t plen,
			 mm_err *err) MM_MUST_USE;
/* Whether the account has TOTP on (false also when it does not exist). */
bool mm_auth_user_has_totp(mm_auth *a, const char *name);

/* RFC 6238 code of key at Unix time t (exposed for tests against the RFC's vectors). */
uint32_t mm_auth_totp_code(const uint8_t *key, size_t n, uint64_t t, unsigned digits);

/*
 * Find the session of a cookie token (64 hex digits) and extend its idle
 * deadline. MM_ENOTFOUND for an unknown, expired or malformed token (an
 * expired one is removed). s->token is left empty.
 */
int mm_auth_session(mm_auth *a, const char *token, mm_session *s, mm_err *err) MM_MUST_USE;
/* Constant-time check of a request's CSRF token against the session's. */
bool mm_auth_csrf_ok(const mm_session *s, const char *csrf);
/*
 * End the session of token ("auth.logout"); with everywhere, every session
 * of its account. MM_ENOTFOUND if the token has no session.
 */
int mm_auth_logout(mm_auth *a, const char *token, bool everywhere, mm_err *err) MM_MUST_USE;
/*
 * Change one's own password after checking the current one; ends the other
 * sessions, and clears the must-change mark (on the account and on this
 * session). The new password must differ from the current one.
 */
int mm_auth_change_password(mm_auth *a, const char *token, const char *current, size_t clen,
			    const char *password, size_t plen, mm_err *err) MM_MUST_USE;
/* Record a refused request ("auth.denied"): who, what they tried. */
int mm_auth_denied(mm_auth *a, const mm_session *s, const char *what, const char *subject,
		   mm_err *err) MM_MUST_USE;
/* Live sessions (for tests and the status page). */
size_t mm_auth_session_count(mm_auth *a);

#endif
