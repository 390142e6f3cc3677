/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accounts and sessions: Argon2id hashes, login and its ledger entries,
 * lockout (also under racing attempts), new token at every login, idle and
 * absolute timeouts, logout everywhere, password change, disable, CSRF
 * token check, hostile names and passwords. No ledger entry may carry a
 * password, hash or token.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <cmocka.h>

#include "scratch.h"

#include <jansson.h>

#include "auth/mm_auth.h"
#include "crypto/mm_crypto.h"
#include "store/mm_store.h"

static char dir[4096], db[4200], schema[4200];
static mm_store *S;
static mm_auth *A;

static const char PW[] = "correct horse battery";

static int open_auth(const mm_auth_config *cfg)
{
	mm_err err;
	if (mm_auth_open(mm_store_ledger(S), db, cfg, &A, &err)) {
		fprintf(stderr, "auth: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int setup(void **state)
{
	(void)state;
	if (mm_crypto_init())
		return -1;
	if (scratch_make(dir, sizeof dir, "auth"))
		return -1;
	snprintf(db, sizeof db, "%s/a.db", dir);
	snprintf(schema, sizeof schema, "%s/data/schema", getenv("MM_SRC") ? getenv("MM_SRC") : ".");
	mm_store_paths p;
	mm_err err;
	if (mm_store_paths_for(db, NULL, &p, &err) || mm_store_init(db, &p, "test.example/auth", "t", &err) ||
	    mm_store_open(db, schema, MM_STORE_WRITE, &S, &err)) {
		fprintf(stderr, "%s\n", err.msg);
		return -1;
	}
	mm_auth_config cfg = {.fast_hash = true, .lockout_threshold = 3, .lockout_s = 3600};
	return open_auth(&cfg);
}

static int teardown(void **state)
{
	(void)state;
	mm_auth_close(A);
	A = NULL;
	mm_err err;
	int rc = mm_store_close(S, &err) == MM_OK ? 0 : -1;
	return scratch_remove(dir) ? -1 : rc;
}

static void add(const char *name, const char *role, const char *tenant)
{
	mm_err err;
	if (mm_auth_user_add(A, "test", name, role, tenant, PW, strlen(PW), &err))
		fail_msg("add %s: %s", name, err.msg);
}

/* Count ledger entries of kind (all if NULL); fail if any holds a secret. */
static int count_entries(const char *kind, const char *const *secrets)
{
	mm_ledger *l = mm_store_ledger(S);
	int n = 0;
	for (uint64_t seq = 1; seq <= mm_ledger_size(l); seq++) {
		mm_buf b;
		mm_buf_init(&b, 1u << 20);
		mm_entry e;
		mm_err err;
		assert_int_equal(mm_ledger_get(l, seq, &b, &err), MM_OK);
		assert_int_equal(mm_entry_decode(b.p, b.len, &e, &err), MM_OK);
		for (size_t i = 0; secrets && secrets[i]; i++) {
			const char *s = secrets[i];
			assert_null(memmem(b.p, b.len, s, strlen(s)));
		}
		assert_null(memmem(b.p, b.len, "$argon2id", 9));
		if (!kind || (e.kind_len == strlen(kind) && memcmp(e.kind, kind, e.kind_len) == 0))
			n++;
		mm_buf_release(&b);
	}
	return n;
}

static void test_login_session_logout(void **state)
{
	(void)state;
	add("alice", "contractor-manager", "city-a");
	mm_session s, t;
	mm_err err;
	int logins = count_entries("auth.login", NULL);
	assert_int_equal(mm_auth_login(A, "alice", PW, strlen(PW), &s, &err), MM_OK);
	assert_string_equal(s.role, "contractor-manager");
	assert_string_equal(s.tenant, "city-a");
	assert_int_equal(strlen(s.token), MM_TOKEN_HEX);
	assert_int_equal(strlen(s.csrf), MM_TOKEN_HEX);
	assert_string_not_equal(s.token, s.csrf);
	assert_int_equal(count_entries("auth.login", NULL), logins + 1);

	assert_int_equal(mm_auth_session(A, s.token, &t, &err), MM_OK);
	assert_string_equal(t.user, "alice");
	assert_string_equal(t.token, ""); /* a lookup never hands the token back */
	assert_true(mm_auth_csrf_ok(&t, s.csrf));
	char wrong[MM_TOKEN_HEX + 1];
	memcpy(wrong, s.csrf, sizeof wrong);
	wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
	assert_false(mm_auth_csrf_ok(&t, wrong));
	assert_false(mm_auth_csrf_ok(&t, ""));
	assert_false(mm_auth_csrf_ok(&t, NULL));

	/* a new token at every login: session fixation is impossible */
	mm_session s2;
	assert_int_equal(mm_auth_login(A, "alice", PW, strlen(PW), &s2, &err), MM_OK);
	assert_string_not_equal(s.token, s2.token);
	assert_string_not_equal(s.csrf, s2.csrf);

	/* guessed, truncated and non-hex tokens find nothing */
	char guess[MM_TOKEN_HEX + 1];
	memcpy(guess, s.token, sizeof guess);
	guess[MM_TOKEN_HEX - 1] = guess[MM_TOKEN_HEX - 1] == '0' ? '1' : '0';
	assert_int_equal(mm_auth_session(A, guess, &t, &err), MM_ENOTFOUND);
	assert_int_equal(mm_auth_session(A, "abc", &t, &err), MM_ENOTFOUND);
	assert_int_equal(mm_auth_session(A, NULL, &t, &err), MM_ENOTFOUND);
	char upper[MM_TOKEN_HEX + 1];
	memset(upper, 'Z', MM_TOKEN_HEX);
	upper[MM_TOKEN_HEX] = 0;
	assert_int_equal(mm_auth_session(A, upper, &t, &err), MM_ENOTFOUND);

	int outs = count_entries("auth.logout", NULL);
	assert_int_equal(mm_auth_logout(A, s.token, false, &err), MM_OK);
	assert_int_equal(mm_auth_session(A, s.token, &t, &err), MM_ENOTFOUND);
	assert_int_equal(mm_auth_session(A, s2.token, &t, &err), MM_OK); /* the other one lives */
	assert_int_equal(mm_auth_logout(A, s.token, false, &err), MM_ENOTFOUND);
	/* logout everywhere */
	mm_session s3;
	assert_int_equal(mm_auth_login(A, "alice", PW, strlen(PW), &s3, &err), MM_OK);
	assert_int_equal(mm_auth_logout(A, s3.token, true, &err), MM_OK);
	assert_int_equal(mm_auth_session(A, s2.token, &t, &err), MM_ENOTFOUND);
	assert_int_equal(count_entries("auth.logout", NULL), outs + 2);
	const char *secrets[] = {PW, s.token, s2.token, s3.token, s.csrf, NULL};
	count_entries(NULL, secrets);
}

static void test_failures_and_lockout(void **state)
{
	(void)state;
	add("bob", "contractor-operator", NULL);
	mm_session s;
	mm_err err, err2;
	int failed = count_entries("auth.login-failed", NULL);
	assert_int_equal(mm_auth_login(A, "bob", "wrong password!", 15, &s, &err), MM_EPERM);
	/* unknown name: the same answer, and still an entry */
	assert_int_equal(mm_auth_login(A, "nobody", "wrong password!", 15, &s, &err2), MM_EPERM);
	assert_string_equal(err.msg, err2.msg);
	assert_int_equal(count_entries("auth.login-failed", NULL), failed + 2);
	/* a name that is not even valid is logged as anonymous, not stored raw */
	assert_int_equal(mm_auth_login(A, "x'; DROP TABLE account;--", "p", 1, &s, &err), MM_EPERM);
	assert_int_equal(mm_auth_login(A, "bob", "wrong password!", 15, &s, &err), MM_EPERM);
	int locks = count_entries("auth.lockout", NULL);
	/* third failure in a row: locked */
	assert_int_equal(mm_auth_login(A, "bob", "wrong password!", 15, &s, &err), MM_EPERM);
	assert_non_null(strstr(err.msg, "locked"));
	assert_int_equal(count_entries("auth.lockout", NULL), locks + 1);
	/* while locked, even the right password fails */
	assert_int_equal(mm_auth_login(A, "bob", PW, strlen(PW), &s, &err), MM_EPERM);
	assert_non_null(strstr(err.msg, "locked"));
	/* the account list shows the lock; an admin's new password lifts it */
	mm_buf b;
	mm_buf_init(&b, 1u << 20);
	assert_int_equal(mm_auth_user_list(A, NULL, &b, &err), MM_OK);
	json_error_t je;
	json_t *arr = json_loadb((const char *)b.p, b.len, 0, &je);
	assert_non_null(arr);
	size_t i;
	json_t *v;
	bool seen = false;
	json_array_foreach(arr, i, v) {
		assert_null(json_object_get(v, "hash"));
		if (strcmp(json_string_value(json_object_get(v, "name")), "bob") == 0) {
			seen = true;
			assert_true(json_is_string(json_object_get(v, "locked_until")));
		}
	}
	assert_true(seen);
	json_decref(arr);
	mm_buf_release(&b);
	const char *pw2 = "another long passphrase";
	assert_int_equal(mm_auth_user_passwd(A, "admin", "bob", pw2, strlen(pw2), &err), MM_OK);
	assert_int_equal(mm_auth_login(A, "bob", pw2, strlen(pw2), &s, &err), MM_OK);
	assert_int_equal(mm_auth_login(A, "bob", PW, strlen(PW), &s, &err), MM_EPERM);
	const char *secrets[] = {PW, pw2, "wrong password!", NULL};
	count_entries(NULL, secrets);
}

struct racer {
	int denied;
};

static void *race_login(void *arg)
{
	struct racer *r = arg;
	for (int i = 0; i < 4; i++) {
		mm_session s;
		mm_err err;
		if (mm_auth_login(A, "carol", "not the password", 16, &s, &err) == MM_EPERM)
			r->denied++;
	}
	return NULL;
}

/* Racing wrong guesses are each counted: no guess escapes the limit. */
static void test_lockout_race(void **state)
{
	(void)state;
	add("carol", "auditor", NULL);
	int locks = count_entries("auth.lockout", NULL);
	pthread_t th[4];
	struct racer r[4] = {{0}};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, race_login, &r[i]), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(r[i].denied, 4);
	/* 16 counted failures with threshold 3 lock at least once; the right password is refused */
	assert_true(count_entries("auth.lockout", NULL) >= locks + 1);
	mm_session s;
	mm_err err;
	assert_int_equal(mm_auth_login(A, "carol", PW, strlen(PW), &s, &err), MM_EPERM);
}

static void test_timeouts(void **state)
{
	(void)state;
	mm_auth_close(A);
	mm_auth_config cfg = {.fast_hash = true, .idle_s = 1, .absolute_s = 2};
	assert_int_equal(open_auth(&cfg), 0);
	add("dave", "municipality-viewer", NULL);
	mm_session s, t;
	mm_err err;
	assert_int_equal(mm_auth_login(A, "dave", PW, strlen(PW), &s, &err), MM_OK);
	struct timespec step = {0, 500 * 1000 * 1000}, idle = {1, 200 * 1000 * 1000};
	/* activity keeps it alive past the idle limit (1.5 s > 1 s) ... */
	for (int i = 0; i < 3; i++) {
		nanosleep(&step, NULL);
		assert_int_equal(mm_auth_session(A, s.token, &t, &err), MM_OK);
	}
	/* ... until the absolute limit (2 s), though it was used 0.6 s ago */
	struct timespec more = {0, 600 * 1000 * 1000};
	nanosleep(&more, NULL);
	assert_int_equal(mm_auth_session(A, s.token, &t, &err), MM_ENOTFOUND);
	/* idle cut-off */
	assert_int_equal(mm_auth_login(A, "dave", PW, strlen(PW), &s, &err), MM_OK);
	nanosleep(&idle, NULL);
	assert_int_equal(mm_auth_session(A, s.token, &t, &err), MM_ENOTFOUND);
	assert_string_equal(err.msg, "session expired");
	assert_int_equal(mm_auth_session_count(A), 0);
	mm_auth_close(A);
	mm_auth_config c2 = {.fast_hash = true, .lockout_threshold = 3, .lockout_s = 3600};
	assert_int_equal(open_auth(&c2), 0);
}

static void test_password_change_and_disable(void **state)
{
	(void)state;
	add("erin", "municipality-approver", NULL);
	mm_session s1, s2, t;
	mm_err err;
	assert_int_equal(mm_auth_login(A, "erin", PW, strlen(PW), &s1, &err), MM_OK);
	assert_int_equal(mm_auth_login(A, "erin", PW, strlen(PW), &s2, &err), MM_OK);
	const char *np = "a brand new passphrase";
	assert_int_equal(mm_auth_change_password(A, s1.token, "wrong current pw", 16, np, strlen(np), &err), MM_EPERM);
	assert_int_equal(mm_auth_change_password(A, s1.token, PW, strlen(PW), "short", 5, &err), MM_EINVAL);
	assert_int_equal(mm_auth_change_password(A, s1.token, PW, strlen(PW), np, strlen(np), &err), MM_OK);
	assert_int_equal(mm_auth_session(A, s1.token, &t, &err), MM_OK);       /* this one stays */
	assert_int_equal(mm_auth_session(A, s2.token, &t, &err), MM_ENOTFOUND); /* others end */
	assert_int_equal(mm_auth_login(A, "erin", np, strlen(np), &s2, &err), MM_OK);

	int dis = count_entries("account.disable", NULL);
	assert_int_equal(mm_auth_user_disable(A, "admin", "erin", true, &err), MM_OK);
	assert_int_equal(count_entries("account.disable", NULL), dis + 1);
	assert_int_equal(mm_auth_session(A, s1.token, &t, &err), MM_ENOTFOUND);
	assert_int_equal(mm_auth_login(A, "erin", np, strlen(np), &s2, &err), MM_EPERM);
	assert_int_equal(mm_auth_user_disable(A, "admin", "erin", false, &err), MM_OK);
	assert_int_equal(mm_auth_login(A, "erin", np, strlen(np), &s2, &err), MM_OK);
	assert_int_equal(mm_auth_user_disable(A, "admin", "nobody", true, &err), MM_ENOTFOUND);
	const char *secrets[] = {PW, np, NULL};
	count_entries(NULL, secrets);
}

/*
 * An administrator's reset leaves a one-time password: every session of
 * the account ends, the next login's session is marked must_change (also
 * after another login), and the mark goes only when the person changes
 * it — to a different password. Entries for reset and change, no secrets.
 */
static void test_admin_reset(void **state)
{
	(void)state;
	add("rita", "contractor-operator", NULL);
	mm_session s1, s2, t;
	mm_err err;
	assert_int_equal(mm_auth_login(A, "rita", PW, strlen(PW), &s1, &err), MM_OK);
	assert_false(s1.must_change);
	const char *otp = "one time pass 0001", *np = "rita's own passphrase";
	int resets = count_entries("account.password-reset", NULL), changes = count_entries("account.password", NULL);
	assert_int_equal(mm_auth_user_reset(A, "boss", "rita", "short", 5, &err), MM_EINVAL);
	assert_int_equal(mm_auth_user_reset(A, "rita", "rita", otp, strlen(otp), &err), MM_EINVAL); /* not oneself */
	assert_int_equal(mm_auth_user_reset(A, "boss", "nobody-here", otp, strlen(otp), &err), MM_ENOTFOUND);
	assert_int_equal(mm_auth_user_reset(A, "boss", "rita", otp, strlen(otp), &err), MM_OK);
	assert_int_equal(count_entries("account.password-reset", NULL), resets + 1);
	assert_int_equal(mm_auth_session(A, s1.token, &t, &err), MM_ENOTFOUND); /* sessions ended */
	assert_int_equal(mm_auth_login(A, "rita", PW, strlen(PW), &s1, &err), MM_EPERM); /* old password gone */
	assert_int_equal(mm_auth_login(A, "rita", otp, strlen(otp), &s1, &err), MM_OK);
	assert_true(s1.must_change);
	assert_int_equal(mm_auth_session(A, s1.token, &t, &err), MM_OK);
	assert_true(t.must_change);
	assert_int_equal(mm_auth_login(A, "rita", otp, strlen(otp), &s2, &err), MM_OK);
	assert_true(s2.must_change); /* still marked at the next login */
	/* the same password again is not a change */
	assert_int_equal(mm_auth_change_password(A, s1.token, otp, strlen(otp), otp, strlen(otp), &err), MM_EINVAL);
	assert_int_equal(mm_auth_change_password(A, s1.token, otp, strlen(otp), np, strlen(np), &err), MM_OK);
	assert_int_equal(count_entries("account.password", NULL), changes + 1);
	assert_int_equal(mm_auth_session(A, s1.token, &t, &err), MM_OK);
	assert_false(t.must_change); /* this session may now do everything */
	assert_int_equal(mm_auth_session(A, s2.token, &t, &err), MM_ENOTFOUND);
	assert_int_equal(mm_auth_login(A, "rita", np, strlen(np), &s2, &err), MM_OK);
	assert_false(s2.must_change);
	/* the list tells the administrator who still has to change */
	mm_buf b;
	mm_buf_init(&b, 1 << 20);
	assert_int_equal(mm_auth_user_reset(A, "boss", "rita", otp, strlen(otp), &err), MM_OK);
	assert_int_equal(mm_auth_user_list(A, NULL, &b, &err), MM_OK);
	json_error_t je;
	json_t *arr = json_loadb((const char *)b.p, b.len, 0, &je), *v;
	size_t i;
	int marked = -1;
	json_array_foreach(arr, i, v) if (strcmp(json_string_value(json_object_get(v, "name")), "rita") == 0) marked =
		json_is_true(json_object_get(v, "must_change"));
	assert_int_equal(marked, 1);
	json_decref(arr);
	mm_buf_release(&b);
	const char *secrets[] = {PW, otp, np, NULL};
	count_entries(NULL, secrets);
}

static void test_hostile_input(void **state)
{
	(void)state;
	mm_err err;
	assert_int_equal(mm_auth_user_add(A, "t", "", "admin", NULL, PW, strlen(PW), &err), MM_EINVAL);
	assert_int_equal(mm_auth_user_add(A, "t", "../etc", "admin", NULL, PW, strlen(PW), &err), MM_EINVAL);
	assert_int_equal(mm_auth_user_add(A, "t", "a b", "admin", NULL, PW, strlen(PW), &err), MM_EINVAL);
	assert_int_equal(mm_auth_user_add(A, "t", "x'--", "admin", NULL, PW, strlen(PW), &err), MM_EINVAL);
	char longname[MM_USER_NAME_MAX + 2];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	assert_int_equal(mm_auth_user_add(A, "t", longname, "admin", NULL, PW, strlen(PW), &err), MM_EINVAL);
	assert_int_equal(mm_auth_user_add(A, "t", "frank", "root", NULL, PW, strlen(PW), &err), MM_EINVAL);
	assert_non_null(strstr(err.msg, "unknown role"));
	assert_int_equal(mm_auth_user_add(A, "t", "frank", "admin", "bad org!", PW, strlen(PW), &err), MM_EINVAL);
	assert_int_equal(mm_auth_user_add(A, "t", "frank", "admin", NULL, "short", 5, &err), MM_EINVAL);
	assert_int_equal(mm_auth_user_add(A, "t", "frank", "admin", NULL, "\xff\xfe invalid utf8 !!", 18, &err),
			 MM_EINVAL);
	static char big[MM_PASSWORD_MAX + 10];
	memset(big, 'p', sizeof big);
	assert_int_equal(mm_auth_user_add(A, "t", "frank", "admin", NULL, big, sizeof big, &err), MM_ELIMIT);
	char nul[] = "password with\0 a NUL inside";
	assert_int_equal(mm_auth_user_add(A, "t", "frank", "admin", NULL, nul, sizeof nul - 1, &err), MM_EINVAL);
	assert_int_equal(mm_auth_user_add(A, "t", "frank", "admin", NULL, PW, strlen(PW), &err), MM_OK);
	assert_int_equal(mm_auth_user_add(A, "t", "frank", "auditor", NULL, PW, strlen(PW), &err), MM_EEXIST);
	/* a login with a giant password is refused, not hashed */
	mm_session s;
	assert_int_equal(mm_auth_login(A, "frank", big, sizeof big, &s, &err), MM_EPERM);
	/* tenants: a list for one organisation shows only its accounts */
	mm_buf b;
	mm_buf_init(&b, 1u << 20);
	assert_int_equal(mm_auth_user_list(A, "city-a", &b, &err), MM_OK);
	assert_null(strstr((const char *)b.p, "\"frank\""));
	mm_buf_release(&b);
}

static void test_denied_entry(void **state)
{
	(void)state;
	mm_session s = {0};
	snprintf(s.user, sizeof s.user, "mallory");
	snprintf(s.role, sizeof s.role, "municipality-viewer");
	mm_err err;
	int n = count_entries("auth.denied", NULL);
	assert_int_equal(mm_auth_denied(A, &s, "record.transition", "site-1", &err), MM_OK);
	assert_int_equal(mm_auth_denied(A, NULL, "csrf", "", &err), MM_OK);
	assert_int_equal(count_entries("auth.denied", NULL), n + 2);
}

/* RFC 6238 appendix B, SHA-1, 8 digits. */
static void test_totp_vectors(void **state)
{
	(void)state;
	const uint8_t *key = (const uint8_t *)"12345678901234567890";
	static const struct {
		uint64_t t;
		uint32_t code;
	} v[] = {{59, 94287082}, {1111111109, 7081804}, {1111111111, 14050471},
		 {1234567890, 89005924}, {2000000000, 69279037}, {20000000000ULL, 65353130}};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		assert_int_equal(mm_auth_totp_code(key, 20, v[i].t, 8), v[i].code);
	assert_int_equal(mm_auth_totp_code(key, 20, 59, 6), 287082);
}

static size_t b32_decode(const char *s, uint8_t *out, size_t max)
{
	uint32_t buf = 0;
	int bits = 0;
	size_t n = 0;
	for (; *s; s++) {
		const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
		const char *p = strchr(abc, *s);
		assert_non_null(p);
		buf = (buf << 5) | (uint32_t)(p - abc);
		bits += 5;
		if (bits >= 8 && n < max) {
			out[n++] = (uint8_t)(buf >> (bits - 8));
			bits -= 8;
		}
	}
	return n;
}

static void code_now(const uint8_t *key, int64_t offset_steps, char out[7])
{
	uint64_t t = (uint64_t)(mm_now_ns() / 1000000000LL) + (uint64_t)(offset_steps * 30);
	snprintf(out, 7, "%06u", mm_auth_totp_code(key, 20, t, 6));
}

static void test_totp_login(void **state)
{
	(void)state;
	add("gina", "municipality-approver", NULL);
	char b32[64];
	mm_err err;
	mm_session s;
	assert_int_equal(mm_auth_user_totp(A, "admin", "gina", true, b32, sizeof b32, &err), MM_OK);
	assert_int_equal(strlen(b32), 32);
	uint8_t key[20];
	assert_int_equal(b32_decode(b32, key, sizeof key), 20);
	/* too close to a step boundary, the code could change under us */
	while ((mm_now_ns() / 1000000000LL) % 30 >= 28) {
		struct timespec ts = {0, 200 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	char code[7], stale[7];
	code_now(key, 0, code);
	code_now(key, -3, stale);
	assert_int_equal(mm_auth_login_totp(A, "gina", PW, strlen(PW), NULL, &s, &err), MM_EPERM);
	assert_int_equal(mm_auth_login_totp(A, "gina", PW, strlen(PW), "12345", &s, &err), MM_EPERM);
	assert_int_equal(mm_auth_login_totp(A, "gina", PW, strlen(PW), stale, &s, &err), MM_EPERM);
	/* the right code with the wrong password is still a failure */
	assert_int_equal(mm_auth_login_totp(A, "gina", "wrong password", 14, code, &s, &err), MM_EPERM);
	/* (three failures so far from the missing/short/stale code and the wrong password: reset by an admin) */
	assert_int_equal(mm_auth_user_passwd(A, "admin", "gina", PW, strlen(PW), &err), MM_OK);
	assert_int_equal(mm_auth_login_totp(A, "gina", PW, strlen(PW), code, &s, &err), MM_OK);
	/* a code works once */
	assert_int_equal(mm_auth_login_totp(A, "gina", PW, strlen(PW), code, &s, &err), MM_EPERM);
	/* the secret is in no ledger entry */
	char hex[41];
	mm_hex_encode(key, sizeof key, hex);
	const char *secrets[] = {hex, b32, NULL};
	count_entries(NULL, secrets);
	assert_true(count_entries("account.totp", NULL) >= 1);
	assert_int_equal(mm_auth_user_totp(A, "admin", "gina", false, NULL, 0, &err), MM_OK);
	assert_int_equal(mm_auth_login_totp(A, "gina", PW, strlen(PW), NULL, &s, &err), MM_OK);
	assert_int_equal(mm_auth_user_totp(A, "admin", "nobody", true, b32, sizeof b32, &err), MM_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_login_session_logout),
		cmocka_unit_test(test_failures_and_lockout),
		cmocka_unit_test(test_lockout_race),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_password_change_and_disable),
		cmocka_unit_test(test_admin_reset),
		cmocka_unit_test(test_hostile_input),
		cmocka_unit_test(test_denied_entry),
		cmocka_unit_test(test_totp_vectors),
		cmocka_unit_test(test_totp_login),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
