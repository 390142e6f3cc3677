/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Accounts: the account table, Argon2id password hashes, login with
 * lockout. Every change is a ledger entry committed in the same
 * transaction as its row (mm_ledger_submit), so a failure counter can
 * never be lost between two racing attempts.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "auth/auth_int.h"
#include "schema/mm_schema.h"
#include "base/banned.h"

static const char create_sql[] =
	"CREATE TABLE IF NOT EXISTS account ("
	" name TEXT PRIMARY KEY, role TEXT NOT NULL, tenant TEXT NOT NULL, hash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0, created_ns INTEGER NOT NULL, last_login_ns INTEGER,"
	" failed INTEGER NOT NULL DEFAULT 0, locked_until_ns INTEGER NOT NULL DEFAULT 0,"
	" totp TEXT, totp_last INTEGER NOT NULL DEFAULT 0, must_change INTEGER NOT NULL DEFAULT 0)";

bool mm_auth_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > MM_USER_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			  c == '_' || c == '-' || c == '@';
		if (!ok)
			return false;
	}
	return name[0] != '.' && name[0] != '-';
}

bool mm_auth_tenant_valid(const char *tenant)
{
	if (!tenant || !*tenant)
		return true;
	return mm_auth_name_valid(tenant) && strlen(tenant) <= MM_TENANT_MAX;
}

static int password_check(const char *pw, size_t n, mm_err *err)
{
	if (!pw || n > MM_PASSWORD_MAX)
		return mm_err_set(err, MM_ELIMIT, "password longer than %u bytes", MM_PASSWORD_MAX);
	if (!mm_utf8_valid(pw, n) || memchr(pw, 0, n))
		return mm_err_set(err, MM_EINVAL, "password is not valid UTF-8 text");
	size_t chars = 0;
	for (size_t i = 0; i < n; i++)
		chars += ((unsigned char)pw[i] & 0xC0) != 0x80;
	if (chars < MM_PASSWORD_MIN)
		return mm_err_set(err, MM_EINVAL, "password shorter than %u characters", MM_PASSWORD_MIN);
	return MM_OK;
}

int auth_hash(const mm_auth *a, const char *pw, size_t n, char out[crypto_pwhash_STRBYTES], mm_err *err)
{
	unsigned long long ops = a->cfg.fast_hash ? crypto_pwhash_argon2id_OPSLIMIT_MIN
						  : crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE;
	size_t mem = a->cfg.fast_hash ? crypto_pwhash_argon2id_MEMLIMIT_MIN
				      : crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE;
	if (crypto_pwhash_argon2id_str(out, pw, n, ops, mem))
		return mm_err_set(err, MM_ENOMEM, "password hashing: out of memory");
	return MM_OK;
}

/* ---- writes: one apply callback for every kind of account change ---- */

enum op_type { OP_ADD, OP_PASSWD, OP_RESET, OP_DISABLE, OP_TOTP, OP_LOGIN_OK, OP_LOGIN_FAIL, OP_PLAIN };

struct op {
	enum op_type type;
	const mm_auth *a;
	const char *by;     /* entry actor */
	const char *name;   /* account (subject) */
	const char *role, *tenant, *hash;
	const char *step;   /* OP_LOGIN_OK: the TOTP step used (decimal), or NULL */
	int64_t num;        /* OP_TOTP: the step counted as used */
	bool flag;          /* disable: new value; login-fail: the account exists */
	const char *kind;   /* OP_PLAIN: entry kind; others set it */
	json_t *payload;    /* owned by the caller; dumped into text below */
	char *text;         /* payload text, freed by the caller */
	bool locked;        /* out: OP_LOGIN_FAIL locked the account */
};

static int db_fail(sqlite3 *db, mm_err *err)
{
	return mm_err_set(err, MM_EDB, "account: %s", sqlite3_errmsg(db));
}

static int exec_bound(sqlite3 *db, const char *sql, const char *t1, const char *t2, const char *t3,
		      const char *t4, int64_t i5, int *changes, mm_err *err)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return db_fail(db, err);
	int rc = MM_OK;
	sqlite3_bind_text(st, 1, t1, -1, SQLITE_STATIC);
	if (t2)
		sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
	if (t3)
		sqlite3_bind_text(st, 3, t3, -1, SQLITE_STATIC);
	if (t4)
		sqlite3_bind_text(st, 4, t4, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, i5);
	int r = sqlite3_step(st);
	if (r == SQLITE_CONSTRAINT)
		rc = mm_err_set(err, MM_EEXIST, "account '%s' already exists", t1);
	else if (r != SQLITE_DONE)
		rc = db_fail(db, err);
	else if (changes)
		*changes = sqlite3_changes(db);
	sqlite3_finalize(st);
	return rc;
}

static int apply(void *ctx, sqlite3 *db, uint64_t seq, int64_t time_ns, mm_entry *e, mm_err *err)
{
	(void)seq;
	struct op *o = ctx;
	int rc = MM_OK, changes = 0;
	switch (o->type) {
	case OP_ADD:
		o->kind = "account.create";
		rc = exec_bound(db,
				"INSERT INTO account(name, role, tenant, hash, created_ns) VALUES (?1, ?2, ?3, ?4, ?5)",
				o->name, o->role, o->tenant, o->hash, time_ns, &changes, err);
		break;
	case OP_PASSWD:
	case OP_RESET:
		/* a reset leaves a one-time password (must_change 1); any other new password clears the mark */
		o->kind = o->type == OP_RESET ? "account.password-reset" : "account.password";
		rc = exec_bound(db, "UPDATE account SET hash = ?2, failed = 0, locked_until_ns = 0, must_change = ?5"
				" WHERE name = ?1",
				o->name, o->hash, NULL, NULL, o->type == OP_RESET, &changes, err);
		if (!rc && changes == 0)
			rc = mm_err_set(err, MM_ENOTFOUND, "no account is named '%s'", o->name);
		break;
	case OP_DISABLE:
		o->kind = o->flag ? "account.disable" : "account.enable";
		rc = exec_bound(db, "UPDATE account SET disabled = ?5, failed = 0, locked_until_ns = 0 WHERE name = ?1",
				o->name, NULL, NULL, NULL, o->flag, &changes, err);
		if (!rc && changes == 0)
			rc = mm_err_set(err, MM_ENOTFOUND, "no account is named '%s'", o->name);
		break;
	case OP_TOTP:
		o->kind = "account.totp";
		rc = exec_bound(db, "UPDATE account SET totp = ?2, totp_last = ?5 WHERE name = ?1", o->name, o->hash, NULL,
				NULL, o->num, &changes, err);
		if (!rc && changes == 0)
			rc = mm_err_set(err, MM_ENOTFOUND, "no account is named '%s'", o->name);
		break;
	case OP_LOGIN_OK:
		o->kind = "auth.login";
		/* a TOTP step is used once: a racing login with the same code changes nothing */
		rc = exec_bound(db,
				"UPDATE account SET last_login_ns = ?5, failed = 0,"
				" totp_last = CASE WHEN ?2 IS NULL THEN totp_last ELSE CAST(?2 AS INTEGER) END"
				" WHERE name = ?1 AND (?2 IS NULL OR totp_last < CAST(?2 AS INTEGER))",
				o->name, o->step, NULL, NULL, time_ns, &changes, err);
		if (!rc && changes == 0)
			rc = mm_err_set(err, MM_EPERM, "wrong user name or password");
		break;
	case OP_LOGIN_FAIL: {
		o->kind = "auth.login-failed";
		if (!o->flag)
			break;
		/* count and lock inside the transaction: racing attempts each count */
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(db,
				       "UPDATE account SET failed = failed + 1, locked_until_ns = CASE WHEN failed + 1 >= ?2"
				       " THEN ?3 ELSE locked_until_ns END WHERE name = ?1 RETURNING failed",
				       -1, &st, NULL))
			return db_fail(db, err);
		sqlite3_bind_text(st, 1, o->name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, o->a->cfg.lockout_threshold);
		sqlite3_bind_int64(st, 3, time_ns + o->a->cfg.lockout_s * 1000000000LL);
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW && sqlite3_column_int64(st, 0) >= o->a->cfg.lockout_threshold) {
			o->locked = true;
			o->kind = "auth.lockout";
		} else if (r != SQLITE_ROW && r != SQLITE_DONE) {
			rc = db_fail(db, err);
		}
		sqlite3_finalize(st);
		if (!rc && o->locked)
			rc = exec_bound(db, "UPDATE account SET failed = 0 WHERE name = ?1 AND ?5 = ?5", o->name, NULL,
					NULL, NULL, 0, NULL, err);
		break;
	}
	case OP_PLAIN:
		break;
	}
	if (rc)
		return rc;
	if (o->locked && o->payload)
		json_object_set_new(o->payload, "locked_until_s",
				    json_integer(time_ns / 1000000000LL + o->a->cfg.lockout_s));
	free(o->text);
	o->text = o->payload ? json_dumps(o->payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	if (o->payload && !o->text)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	memset(e, 0, sizeof *e);
	mm_entry_set(&e->kind, &e->kind_len, o->kind);
	mm_entry_set(&e->actor, &e->actor_len, o->by);
	mm_entry_set(&e->subject, &e->subject_len, o->name ? o->name : "");
	e->payload = (const uint8_t *)(o->text ? o->text : "{}");
	e->payload_len = strlen((const char *)e->payload);
	return MM_OK;
}

int auth_write(mm_auth *a, struct op *o, mm_err *err)
{
	o->a = a;
	uint64_t seq;
	int rc = mm_ledger_submit(a->l, apply, o, &seq, err);
	free(o->text);
	o->text = NULL;
	json_decref(o->payload);
	o->payload = NULL;
	return rc;
}

static int check_by(const char *by, mm_err *err)
{
	if (!by || !*by || strlen(by) > MM_ACTOR_MAX || !mm_utf8_valid(by, strlen(by)))
		return mm_err_set(err, MM_EINVAL, "the acting user's name is missing or invalid");
	return MM_OK;
}

int mm_auth_user_add(mm_auth *a, const char *by, const char *name, const char *role, const char *tenant,
		     const char *password, size_t plen, mm_err *err)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;
	if ((rc = check_by(by, err)))
		return rc;
	if (!mm_auth_name_valid(name))
		return mm_err_set(err, MM_EINVAL,
				  "account name '%.64s' is invalid (1-%u of A-Z a-z 0-9 . _ - @, not starting with . or -)",
				  name ? name : "", MM_USER_NAME_MAX);
	if (!role || !mm_schema_role_known(role))
		return mm_err_set(err, MM_EINVAL,
				  "unknown role '%.64s' (admin, contractor-manager, contractor-operator,"
				  " municipality-approver, municipality-viewer, auditor)",
				  role ? role : "");
	if (!mm_auth_tenant_valid(tenant))
		return mm_err_set(err, MM_EINVAL, "organisation name '%.64s' is invalid", tenant);
	if ((rc = password_check(password, plen, err)) || (rc = auth_hash(a, password, plen, hash, err)))
		return rc;
	struct op o = {.type = OP_ADD, .by = by, .name = name, .role = role, .tenant = tenant ? tenant : "",
		       .hash = hash};
	o.payload = json_pack("{s:s, s:s, s:s}", "name", name, "role", role, "tenant", o.tenant);
	rc = auth_write(a, &o, err);
	sodium_memzero(hash, sizeof hash);
	return rc;
}

int mm_auth_user_passwd(mm_auth *a, const char *by, const char *name, const char *password, size_t plen,
			mm_err *err)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;
	if ((rc = check_by(by, err)))
		return rc;
	if (!mm_auth_name_valid(name))
		return mm_err_set(err, MM_ENOTFOUND, "no account is named '%.64s'", name ? name : "");
	if ((rc = password_check(password, plen, err)) || (rc = auth_hash(a, password, plen, hash, err)))
		return rc;
	struct op o = {.type = OP_PASSWD, .by = by, .name = name, .hash = hash};
	o.payload = json_pack("{s:s}", "name", name);
	rc = auth_write(a, &o, err);
	sodium_memzero(hash, sizeof hash);
	if (!rc)
		auth_sessions_end_user(a, name, NULL);
	return rc;
}

int mm_auth_user_reset(mm_auth *a, const char *by, const char *name, const char *password, size_t plen,
		       mm_err *err)
{
	char hash[crypto_pwhash_STRBYTES];
	int rc;
	if ((rc = check_by(by, err)))
		return rc;
	if (!mm_auth_name_valid(name))
		return mm_err_set(err, MM_ENOTFOUND, "no account is named '%.64s'", name ? name : "");
	if (strcmp(by, name) == 0)
		return mm_err_set(err, MM_EINVAL, "change your own password on the password page, not by a reset");
	if ((rc = password_check(password, plen, err)) || (rc = auth_hash(a, password, plen, hash, err)))
		return rc;
	struct op o = {.type = OP_RESET, .by = by, .name = name, .hash = hash};
	o.payload = json_pack("{s:s, s:b}", "name", name, "must_change", 1);
	rc = auth_write(a, &o, err);
	sodium_memzero(hash, sizeof hash);
	if (!rc)
		auth_sessions_end_user(a, name, NULL);
	return rc;
}

int mm_auth_user_disable(mm_auth *a, const char *by, const char *name, bool disabled, mm_err *err)
{
	int rc;
	if ((rc = check_by(by, err)))
		return rc;
	if (!mm_auth_name_valid(name))
		return mm_err_set(err, MM_ENOTFOUND, "no account is named '%.64s'", name ? name : "");
	struct op o = {.type = OP_DISABLE, .by = by, .name = name, .flag = disabled};
	o.payload = json_pack("{s:s, s:b}", "name", name, "disabled", disabled);
	rc = auth_write(a, &o, err);
	if (!rc && disabled)
		auth_sessions_end_user(a, name, NULL);
	return rc;
}

int mm_auth_user_list(mm_auth *a, const char *tenant, mm_buf *out, mm_err *err)
{
	int rc = MM_OK;
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	char *text = NULL;
	pthread_mutex_lock(&a->rd_lock);
	if (sqlite3_prepare_v2(a->rd,
			       "SELECT name, role, tenant, disabled, created_ns, last_login_ns, failed, locked_until_ns,"
			       " must_change FROM account WHERE ?1 IS NULL OR tenant = ?1 ORDER BY tenant, name",
			       -1, &st, NULL)) {
		rc = db_fail(a->rd, err);
		goto out;
	}
	if (tenant)
		sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
	int r;
	while (arr && (r = sqlite3_step(st)) == SQLITE_ROW) {
		char created[48], last[48], locked[48];
		mm_time_format(sqlite3_column_int64(st, 4), 540, created, sizeof created);
		mm_time_format(sqlite3_column_int64(st, 5), 540, last, sizeof last);
		int64_t lu = sqlite3_column_int64(st, 7);
		mm_time_format(lu, 540, locked, sizeof locked);
		json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s?, s:I, s:s?}", "name", sqlite3_column_text(st, 0),
				      "role", sqlite3_column_text(st, 1), "tenant", sqlite3_column_text(st, 2),
				      "disabled", sqlite3_column_int(st, 3), "created", created, "last_login",
				      sqlite3_column_type(st, 5) == SQLITE_NULL ? NULL : last, "failed",
				      (json_int_t)sqlite3_column_int64(st, 6), "locked_until",
				      lu > mm_now_ns() ? locked : NULL);
		if (o)
			json_object_set_new(o, "must_change", json_boolean(sqlite3_column_int(st, 8)));
		json_array_append_new(arr, o);
	}
	if (!arr || !(text = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = mm_buf_puts(out, text)))
		rc = mm_err_set(err, rc, "account list: %s", mm_strerror(rc));
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->rd_lock);
	json_decref(arr);
	free(text);
	return rc;
}

/* ---- login ---- */

struct account_row {
	bool found;
	char totp[41]; /* hex secret, "" = no second factor */
	int64_t totp_last;
	char role[MM_NAME_MAX + 1];
	char tenant[MM_TENANT_MAX + 1];
	char hash[crypto_pwhash_STRBYTES];
	bool disabled;
	bool must_change;
	int64_t locked_until_ns;
};

static int account_read(mm_auth *a, const char *name, struct account_row *r, mm_err *err)
{
	memset(r, 0, sizeof *r);
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	pthread_mutex_lock(&a->rd_lock);
	if (sqlite3_prepare_v2(a->rd,
			       "SELECT role, tenant, hash, disabled, locked_until_ns, totp, totp_last, must_change FROM account"
			       " WHERE name = ?1",
			       -1,
			       &st, NULL)) {
		rc = db_fail(a->rd, err);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		r->found = true;
		snprintf(r->role, sizeof r->role, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(r->tenant, sizeof r->tenant, "%s", (const char *)sqlite3_column_text(st, 1));
		snprintf(r->hash, sizeof r->hash, "%s", (const char *)sqlite3_column_text(st, 2));
		r->disabled = sqlite3_column_int(st, 3) != 0;
		r->locked_until_ns = sqlite3_column_int64(st, 4);
		if (sqlite3_column_type(st, 5) == SQLITE_TEXT)
			snprintf(r->totp, sizeof r->totp, "%s", (const char *)sqlite3_column_text(st, 5));
		r->totp_last = sqlite3_column_int64(st, 6);
		r->must_change = sqlite3_column_int(st, 7) != 0;
	} else if (s != SQLITE_DONE) {
		rc = db_fail(a->rd, err);
	}
out:
	sqlite3_finalize(st);
	pthread_mutex_unlock(&a->rd_lock);
	return rc;
}

/* Verify pw against the account (or against a dummy hash, for equal timing). */
static bool password_matches(const mm_auth *a, const struct account_row *r, const char *pw, size_t n)
{
	const char *h = r->found ? r->hash : a->dummy_hash;
	return crypto_pwhash_str_verify(h, pw, n) == 0 && r->found;
}

int mm_auth_login(mm_auth *a, const char *name, const char *password, size_t plen, mm_session *s, mm_err *err)
{
	return mm_auth_login_totp(a, name, password, plen, NULL, s, err);
}

int mm_auth_login_totp(mm_auth *a, const char *name, const char *password, size_t plen, const char *totp,
		       mm_session *s, mm_err *err)
{
	struct account_row r;
	int rc;
	memset(s, 0, sizeof *s);
	bool name_ok = mm_auth_name_valid(name);
	if (!password || plen > MM_PASSWORD_MAX)
		plen = 0;
	if (name_ok && (rc = account_read(a, name, &r, err)))
		return rc;
	if (!name_ok)
		memset(&r, 0, sizeof r);
	bool match = password_matches(a, &r, password ? password : "", plen);
	int64_t now = mm_now_ns();
	bool locked = r.found && r.locked_until_ns > now;
	int64_t step = 0;
	bool second_ok = true;
	if (match && r.totp[0]) {
		step = auth_totp_match(r.totp, totp, r.totp_last, now / 1000000000LL);
		second_ok = step > 0;
	}
	if (match && second_ok && !locked && !r.disabled) {
		char stepbuf[24];
		snprintf(stepbuf, sizeof stepbuf, "%lld", (long long)step);
		struct op o = {.type = OP_LOGIN_OK, .by = name, .name = name, .step = step > 0 ? stepbuf : NULL};
		o.payload = json_pack("{s:s, s:s, s:b}", "role", r.role, "tenant", r.tenant, "totp", step > 0);
		rc = auth_write(a, &o, err);
		if (rc == MM_EPERM) { /* the code was used by a racing login */
			second_ok = false;
		} else {
			if (!rc)
				rc = auth_session_new(a, name, r.role, r.tenant, r.must_change, s, err);
			goto out;
		}
	}
	const char *why = !r.found ? "unknown" : r.disabled ? "disabled" : locked ? "locked" : !match ? "password" : "totp";
	struct op o = {.type = OP_LOGIN_FAIL, .by = name_ok ? name : "anonymous", .name = name_ok ? name : "",
		       .flag = r.found && !locked && !r.disabled};
	o.payload = json_pack("{s:s}", "reason", why);
	if ((rc = auth_write(a, &o, err)))
		goto out;
	rc = mm_err_set(err, MM_EPERM, locked || o.locked ? "account is locked; try again later"
							   : "wrong user name or password");
out:
	sodium_memzero(&r, sizeof r);
	return rc;
}

int mm_auth_change_password(mm_auth *a, const char *token, const char *current, size_t clen,
			    const char *password, size_t plen, mm_err *err)
{
	mm_session s;
	struct account_row r;
	char hash[crypto_pwhash_STRBYTES];
	int rc;
	if ((rc = mm_auth_session(a, token, &s, err)))
		return rc;
	if ((rc = account_read(a, s.user, &r, err)))
		goto out;
	if (!current || clen > MM_PASSWORD_MAX || !password_matches(a, &r, current, clen)) {
		struct op f = {.type = OP_PLAIN, .kind = "auth.password-failed", .by = s.user, .name = s.user};
		f.payload = json_pack("{s:s}", "reason", "current password wrong");
		if (!(rc = auth_write(a, &f, err)))
			rc = mm_err_set(err, MM_EPERM, "the current password is wrong");
		goto out;
	}
	if ((rc = password_check(password, plen, err)))
		goto out;
	if (plen == clen && sodium_memcmp(password, current, plen) == 0) {
		rc = mm_err_set(err, MM_EINVAL, "the new password must differ from the current one");
		goto out;
	}
	if ((rc = auth_hash(a, password, plen, hash, err)))
		goto out;
	struct op o = {.type = OP_PASSWD, .by = s.user, .name = s.user, .hash = hash};
	o.payload = json_pack("{s:s, s:b}", "name", s.user, "was_one_time", r.must_change);
	rc = auth_write(a, &o, err);
	sodium_memzero(hash, sizeof hash);
	if (!rc) {
		auth_sessions_end_user(a, s.user, token);
		auth_session_changed(a, token);
	}
out:
	sodium_memzero(&r, sizeof r);
	return rc;
}

int auth_set_totp(mm_auth *a, const char *by, const char *name, const char *secret_hex, int64_t used_step,
		  const char *keep_token, mm_err *err)
{
	int rc;
	if ((rc = check_by(by, err)))
		return rc;
	struct op o = {.type = OP_TOTP, .by = by, .name = name, .hash = secret_hex, .num = used_step};
	o.payload = json_pack("{s:s, s:b}", "name", name, "enabled", secret_hex != NULL);
	rc = auth_write(a, &o, err);
	if (!rc)
		auth_sessions_end_user(a, name, keep_token);
	return rc;
}

bool mm_auth_user_has_totp(mm_auth *a, const char *name)
{
	struct account_row r;
	mm_err e;
	bool on = mm_auth_name_valid(name) && account_read(a, name, &r, &e) == MM_OK && r.found && r.totp[0];
	sodium_memzero(&r, sizeof r);
	return on;
}

int mm_auth_totp_disable(mm_auth *a, const char *token, const char *password, size_t plen, mm_err *err)
{
	mm_session s;
	struct account_row r;
	int rc;
	if ((rc = mm_auth_session(a, token, &s, err)))
		return rc;
	if ((rc = account_read(a, s.user, &r, err)))
		goto out;
	if (!password || plen > MM_PASSWORD_MAX || !password_matches(a, &r, password, plen)) {
		struct op f = {.type = OP_PLAIN, .kind = "auth.password-failed", .by = s.user, .name = s.user};
		f.payload = json_pack("{s:s}", "reason", "password wrong when turning TOTP off");
		if (!(rc = auth_write(a, &f, err)))
			rc = mm_err_set(err, MM_EPERM, "the password is wrong");
		goto out;
	}
	if (!r.totp[0]) {
		rc = mm_err_set(err, MM_ENOTFOUND, "two-step login is not on for this account");
		goto out;
	}
	rc = auth_set_totp(a, s.user, s.user, NULL, 0, token, err);
out:
	sodium_memzero(&r, sizeof r);
	sodium_memzero(&s, sizeof s);
	return rc;
}

int mm_auth_denied(mm_auth *a, const mm_session *s, const char *what, const char *subject, mm_err *err)
{
	struct op o = {.type = OP_PLAIN, .kind = "auth.denied", .by = s && s->user[0] ? s->user : "anonymous",
		       .name = subject ? subject : ""};
	if (o.name && (strlen(o.name) > MM_ID_MAX || !mm_utf8_valid(o.name, strlen(o.name))))
		o.name = "";
	o.payload = json_pack("{s:s, s:s}", "what", what ? what : "", "role", s ? s->role : "");
	return auth_write(a, &o, err);
}

int auth_logout_entry(mm_auth *a, const char *user, bool everywhere, mm_err *err)
{
	struct op o = {.type = OP_PLAIN, .kind = "auth.logout", .by = user, .name = user};
	o.payload = json_pack("{s:b}", "everywhere", everywhere);
	return auth_write(a, &o, err);
}

/* ---- open / close ---- */

int mm_auth_open(mm_ledger *l, const char *db_path, const mm_auth_config *cfg, mm_auth **out, mm_err *err)
{
	*out = NULL;
	int rc = MM_OK;
	mm_auth *a = calloc(1, sizeof *a);
	if (!a)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	a->l = l;
	if (cfg)
		a->cfg = *cfg;
	if (!a->cfg.lockout_threshold)
		a->cfg.lockout_threshold = MM_LOCKOUT_THRESHOLD;
	if (a->cfg.lockout_s <= 0)
		a->cfg.lockout_s = MM_LOCKOUT_SECONDS;
	if (a->cfg.idle_s <= 0)
		a->cfg.idle_s = MM_SESSION_IDLE_SECONDS;
	if (a->cfg.absolute_s <= 0)
		a->cfg.absolute_s = MM_SESSION_ABS_SECONDS;
	pthread_mutex_init(&a->rd_lock, NULL);
	pthread_mutex_init(&a->sess_lock, NULL);
	a->locks_ready = true;
	char *emsg = NULL;
	if (sqlite3_exec(mm_ledger_db(l), create_sql, NULL, NULL, &emsg)) {
		rc = mm_err_set(err, MM_EDB, "%s: account table: %s", db_path, emsg ? emsg : "?");
		sqlite3_free(emsg);
		goto fail;
	}
	/* tables made before TOTP existed get its columns (an error means they are there) */
	sqlite3_exec(mm_ledger_db(l), "ALTER TABLE account ADD COLUMN totp TEXT", NULL, NULL, NULL);
	sqlite3_exec(mm_ledger_db(l), "ALTER TABLE account ADD COLUMN totp_last INTEGER NOT NULL DEFAULT 0", NULL, NULL,
		     NULL);
	sqlite3_exec(mm_ledger_db(l), "ALTER TABLE account ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0", NULL,
		     NULL, NULL);
	if (sqlite3_open_v2(db_path, &a->rd, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL)) {
		rc = mm_err_set(err, MM_EDB, "%s: %s", db_path, a->rd ? sqlite3_errmsg(a->rd) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(a->rd, 5000);
	/* a dummy hash so an unknown name costs as much as a known one */
	uint8_t junk[32];
	char junk_hex[65];
	mm_random(junk, sizeof junk);
	mm_hex_encode(junk, sizeof junk, junk_hex);
	if ((rc = auth_hash(a, junk_hex, 64, a->dummy_hash, err)))
		goto fail;
	*out = a;
	return MM_OK;
fail:
	mm_auth_close(a);
	return rc;
}

void mm_auth_close(mm_auth *a)
{
	if (!a)
		return;
	sqlite3_close(a->rd);
	if (a->locks_ready) {
		pthread_mutex_destroy(&a->rd_lock);
		pthread_mutex_destroy(&a->sess_lock);
	}
	sodium_memzero(a->slots, sizeof a->slots);
	free(a);
}
