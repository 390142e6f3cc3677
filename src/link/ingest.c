/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The server side of the agent link, shared by the HTTP API and
 * `mamori import`: one-time enrollment tokens (stored only as hashes, in
 * the table agent_token beside the ledger, every change a ledger entry in
 * the same transaction), enrollment, and report ingest. Every refusal is
 * an "agent.*-refused" ledger entry naming its code and reason.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sqlite3.h>

#include "link/mm_link.h"
#include "base/banned.h"

#define READ_MAX (64u << 20)
#define ITEM_PREFIX "002 別紙1 §4 "
#define LINK_ACTOR_ROLE "admin"

static const char token_ddl[] =
	"CREATE TABLE IF NOT EXISTS agent_token(hash TEXT PRIMARY KEY, asset TEXT NOT NULL, tenant TEXT NOT NULL,"
	" issued_by TEXT NOT NULL, issued_ns INTEGER NOT NULL, expires_ns INTEGER NOT NULL, used_ns INTEGER,"
	" agent_key TEXT)";

static const struct {
	const char *code;
	unsigned status;
} codes[] = {
	{"malformed", 400},       {"bad_report", 400},      {"bad_proof", 403},    {"token_unknown", 403},
	{"token_used", 403},      {"token_expired", 403},   {"asset_unknown", 403}, {"asset_not_in_service", 403},
	{"unknown_agent", 403},   {"revoked", 403},         {"wrong_asset", 403},  {"wrong_key", 403},
	{"forged", 403},          {"replay", 409},          {"too_large", 413},
};

unsigned mm_link_status(const char *code)
{
	for (size_t i = 0; code && i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(codes[i].code, code) == 0)
			return codes[i].status;
	return 400;
}

/* Set a refusal on res (always MM_OK to the caller). */
static void refuse(mm_link_result *res, const char *code, const char *fmt, ...) MM_PRINTF(3, 4);
static void refuse(mm_link_result *res, const char *code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	res->code = code;
	vsnprintf(res->reason, sizeof res->reason, fmt, ap);
	va_end(ap);
}

/* A plain ledger entry with a JSON payload (owned here). */
static int ledger_note(mm_store *s, const char *kind, const char *actor, const char *subject, json_t *payload,
		       mm_err *err)
{
	char *text = payload ? json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(payload);
	if (!text)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	mm_entry e;
	memset(&e, 0, sizeof e);
	mm_entry_set(&e.kind, &e.kind_len, kind);
	mm_entry_set(&e.actor, &e.actor_len, actor);
	mm_entry_set(&e.subject, &e.subject_len, subject);
	e.payload = (const uint8_t *)text;
	e.payload_len = strlen(text);
	uint64_t seq;
	int rc = mm_ledger_append(mm_store_ledger(s), &e, &seq, err);
	free(text);
	return rc;
}

static void iso_now(int64_t ns, char out[48])
{
	mm_time_format(ns - ns % 1000000000LL, 540, out, 48);
	char *dot = strchr(out, '.'); /* whole seconds: "…T09:00:00+09:00" */
	if (dot) {
		char *plus = dot + strcspn(dot, "+-Z");
		memmove(dot, plus, strlen(plus) + 1);
	}
}

static void token_hash(const uint8_t secret[MM_LINK_SECRET_LEN], char hex[2 * MM_SHA256_LEN + 1])
{
	uint8_t m[sizeof MM_LINK_TOKEN_DOMAIN - 1 + MM_LINK_SECRET_LEN], h[MM_SHA256_LEN];
	memcpy(m, MM_LINK_TOKEN_DOMAIN, sizeof MM_LINK_TOKEN_DOMAIN - 1);
	memcpy(m + sizeof MM_LINK_TOKEN_DOMAIN - 1, secret, MM_LINK_SECRET_LEN);
	mm_sha256(m, sizeof m, h);
	mm_wipe(m, sizeof m);
	mm_hex_encode(h, sizeof h, hex);
}

/* The record id as a parsed JSON document (kind, state, version, data); NULL with err if absent. */
static json_t *get_record(mm_store *s, const mm_actor *who, const char *id, mm_err *err)
{
	mm_buf b;
	mm_buf_init(&b, READ_MAX);
	json_t *o = NULL;
	if (mm_store_get(s, who, id, &b, err) == MM_OK) {
		json_error_t je;
		o = json_loadb((const char *)b.p, b.len, 0, &je);
		if (!o)
			mm_err_set(err, MM_ECORRUPT, "record %s: unreadable", id);
	}
	mm_buf_release(&b);
	return o;
}

static const char *rec_str(json_t *rec, const char *a, const char *b)
{
	json_t *v = json_object_get(rec, a);
	if (b)
		v = json_object_get(v, b);
	return json_string_value(v);
}

/* Asset id must name an asset record of who's tenant in service: NULL, or the refusal code. */
static const char *asset_check(mm_store *s, const mm_actor *who, const char *asset, mm_link_result *res, mm_err *err)
{
	mm_err e2;
	mm_err_clear(&e2);
	json_t *rec = get_record(s, who, asset, &e2);
	const char *code = NULL;
	if (!rec && e2.code != MM_ENOTFOUND) {
		*err = e2;
		return "";
	}
	if (!rec || strcmp(rec_str(rec, "kind", NULL) ? rec_str(rec, "kind", NULL) : "", "asset") != 0) {
		refuse(res, code = "asset_unknown", "no asset record has id '%s'", asset);
	} else if (strcmp(rec_str(rec, "state", NULL) ? rec_str(rec, "state", NULL) : "", "in-service") != 0) {
		refuse(res, code = "asset_not_in_service", "asset '%s' is in state '%s', not in-service", asset,
		       rec_str(rec, "state", NULL) ? rec_str(rec, "state", NULL) : "?");
	}
	json_decref(rec);
	return code;
}

/* ---- tokens ---- */

struct tok_op {
	const char *hash, *asset, *tenant, *by, *pk_hex;
	int64_t ttl_s;
	bool consume;
	/* consume: outcome */
	const char *code;
	char reason[200];
	char got_asset[MM_ID_MAX + 1], got_tenant[MM_TENANT_MAX + 1];
	char *text;
};

static int db_err(sqlite3 *db, mm_err *err)
{
	return mm_err_set(err, MM_EDB, "agent_token: %s", sqlite3_errmsg(db));
}

static int tok_apply(void *ctx, sqlite3 *db, uint64_t seq, int64_t now, mm_entry *e, mm_err *err)
{
	(void)seq;
	struct tok_op *o = ctx;
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	const char *kind;
	json_t *pl = NULL;
	if (sqlite3_exec(db, token_ddl, NULL, NULL, NULL) != SQLITE_OK)
		return db_err(db, err);
	if (!o->consume) {
		if (sqlite3_prepare_v2(db, "INSERT INTO agent_token(hash, asset, tenant, issued_by, issued_ns, expires_ns)"
					   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &st, NULL) != SQLITE_OK)
			return db_err(db, err);
		sqlite3_bind_text(st, 1, o->hash, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, o->asset, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, o->tenant, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, o->by, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 5, now);
		sqlite3_bind_int64(st, 6, now + o->ttl_s * 1000000000LL);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = db_err(db, err);
		kind = "agent.token-issue";
		char exp[48];
		iso_now(now + o->ttl_s * 1000000000LL, exp);
		pl = json_pack("{s:s, s:s, s:s, s:s}", "asset", o->asset, "tenant", o->tenant, "expires_at", exp,
			       "token_sha256", o->hash);
	} else {
		/* single use, decided inside the write transaction: two racing enrollments cannot both win */
		if (sqlite3_prepare_v2(db, "SELECT asset, tenant, expires_ns, used_ns FROM agent_token WHERE hash = ?1", -1,
				       &st, NULL) != SQLITE_OK)
			return db_err(db, err);
		sqlite3_bind_text(st, 1, o->hash, -1, SQLITE_STATIC);
		int r = sqlite3_step(st);
		if (r == SQLITE_ROW) {
			snprintf(o->got_asset, sizeof o->got_asset, "%s", (const char *)sqlite3_column_text(st, 0));
			snprintf(o->got_tenant, sizeof o->got_tenant, "%s", (const char *)sqlite3_column_text(st, 1));
			if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
				o->code = "token_used";
				snprintf(o->reason, sizeof o->reason, "the token was already used (tokens are single use)");
			} else if (sqlite3_column_int64(st, 2) <= now) {
				o->code = "token_expired";
				snprintf(o->reason, sizeof o->reason, "the token has expired; issue a new one");
			}
		} else if (r == SQLITE_DONE) {
			o->code = "token_unknown";
			snprintf(o->reason, sizeof o->reason, "no such token was issued by this server");
		} else {
			rc = db_err(db, err);
		}
		sqlite3_finalize(st);
		st = NULL;
		if (!rc && !o->code) {
			if (sqlite3_prepare_v2(db, "UPDATE agent_token SET used_ns = ?2, agent_key = ?3 WHERE hash = ?1", -1,
					       &st, NULL) != SQLITE_OK)
				return db_err(db, err);
			sqlite3_bind_text(st, 1, o->hash, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, now);
			sqlite3_bind_text(st, 3, o->pk_hex, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = db_err(db, err);
		}
		kind = o->code ? "agent.enroll-refused" : "agent.token-use";
		pl = o->code ? json_pack("{s:s, s:s, s:s}", "code", o->code, "reason", o->reason, "token_sha256", o->hash)
			     : json_pack("{s:s, s:s, s:s, s:s}", "asset", o->got_asset, "tenant", o->got_tenant,
					 "token_sha256", o->hash, "public_key", o->pk_hex);
	}
	sqlite3_finalize(st);
	if (rc) {
		json_decref(pl);
		return rc;
	}
	free(o->text);
	o->text = pl ? json_dumps(pl, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(pl);
	if (!o->text)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	memset(e, 0, sizeof *e);
	mm_entry_set(&e->kind, &e->kind_len, kind);
	mm_entry_set(&e->actor, &e->actor_len, o->by);
	mm_entry_set(&e->subject, &e->subject_len, o->consume ? o->got_asset : o->asset);
	e->payload = (const uint8_t *)o->text;
	e->payload_len = strlen(o->text);
	return MM_OK;
}

int mm_link_token_issue(mm_store *s, const mm_actor *who, const char *asset, int64_t ttl_s,
			const uint8_t pin[MM_SHA256_LEN], char token[MM_LINK_TOKEN_LEN + 1], mm_err *err)
{
	if (!mm_link_id_valid(asset, MM_ID_MAX))
		return mm_err_set(err, MM_EINVAL, "--asset '%.128s': not a record id", asset ? asset : "");
	if (ttl_s <= 0 || ttl_s > MM_LINK_TOKEN_TTL_MAX)
		return mm_err_set(err, MM_EINVAL, "--ttl: must be 1 to %d seconds", MM_LINK_TOKEN_TTL_MAX);
	const char *tenant = who->tenant ? who->tenant : "";
	if (tenant[0] && !mm_link_id_valid(tenant, MM_TENANT_MAX))
		return mm_err_set(err, MM_EINVAL, "--tenant: not a valid organisation name");
	mm_link_result res;
	memset(&res, 0, sizeof res);
	const char *code = asset_check(s, who, asset, &res, err);
	if (code)
		return code[0] ? mm_err_set(err, MM_EINVAL, "--asset: %s", res.reason) : err->code;
	uint8_t secret[MM_LINK_SECRET_LEN];
	char hash[2 * MM_SHA256_LEN + 1], pinhex[2 * MM_SHA256_LEN + 1], sechex[2 * MM_LINK_SECRET_LEN + 1];
	mm_random(secret, sizeof secret);
	token_hash(secret, hash);
	mm_hex_encode(pin, MM_SHA256_LEN, pinhex);
	mm_hex_encode(secret, sizeof secret, sechex);
	struct tok_op o = {.hash = hash, .asset = asset, .tenant = tenant, .by = who->name, .ttl_s = ttl_s};
	uint64_t seq;
	int rc = mm_ledger_submit(mm_store_ledger(s), tok_apply, &o, &seq, err);
	free(o.text);
	if (rc == MM_OK)
		snprintf(token, MM_LINK_TOKEN_LEN + 1, "%s%s.%s", MM_LINK_TOKEN_PREFIX, pinhex, sechex);
	mm_wipe(secret, sizeof secret);
	mm_wipe(sechex, sizeof sechex);
	return rc;
}

/* Peek at a token without a write: asset and tenant, or a refusal. Reads its own connection. */
static int token_peek(mm_store *s, const char *hash, mm_link_result *res, mm_err *err)
{
	sqlite3 *db = mm_ledger_db(mm_store_ledger(s));
	const char *path = sqlite3_db_filename(db, "main");
	sqlite3 *rd = NULL;
	sqlite3_stmt *st = NULL;
	int rc = MM_OK;
	if (!path || sqlite3_open_v2(path, &rd, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "cannot open the database to read tokens");
		goto out;
	}
	sqlite3_busy_timeout(rd, 10000);
	if (sqlite3_prepare_v2(rd, "SELECT asset, tenant, expires_ns, used_ns FROM agent_token WHERE hash = ?1", -1, &st,
			       NULL) != SQLITE_OK) {
		refuse(res, "token_unknown", "no such token was issued by this server"); /* no token table yet */
		goto out;
	}
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	int r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		snprintf(res->asset, sizeof res->asset, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(res->tenant, sizeof res->tenant, "%s", (const char *)sqlite3_column_text(st, 1));
		if (sqlite3_column_type(st, 3) != SQLITE_NULL)
			refuse(res, "token_used", "the token was already used (tokens are single use)");
		else if (sqlite3_column_int64(st, 2) <= mm_now_ns())
			refuse(res, "token_expired", "the token has expired; issue a new one");
	} else if (r == SQLITE_DONE) {
		refuse(res, "token_unknown", "no such token was issued by this server");
	} else {
		rc = mm_err_set(err, MM_EDB, "agent_token: %s", sqlite3_errmsg(rd));
	}
out:
	sqlite3_finalize(st);
	sqlite3_close(rd);
	return rc;
}

static int note_refusal(mm_store *s, const char *kind, const char *actor, const char *subject,
			const mm_link_result *res, mm_err *err)
{
	json_t *pl = json_pack("{s:s, s:s, s:s, s:s, s:I}", "code", res->code, "reason", res->reason, "agent",
			       res->agent, "asset", res->asset, "counter", (json_int_t)(res->counter & INT64_MAX));
	return ledger_note(s, kind, actor, subject, pl, err);
}

int mm_link_enroll(mm_store *s, const char *token, const uint8_t pk[MM_ED25519_PK_LEN],
		   const uint8_t sig[MM_ED25519_SIG_LEN], const char *hostname, mm_link_result *res, mm_err *err)
{
	memset(res, 0, sizeof *res);
	uint8_t pin[MM_SHA256_LEN], secret[MM_LINK_SECRET_LEN];
	char hash[2 * MM_SHA256_LEN + 1] = "", pkhex[2 * MM_ED25519_PK_LEN + 1], actor[40];
	char *text = NULL;
	int rc = MM_OK;
	mm_hex_encode(pk, MM_ED25519_PK_LEN, pkhex);
	if (hostname && (strlen(hostname) > MM_LINK_HOSTNAME_MAX || !mm_utf8_valid(hostname, strlen(hostname)) ||
			 strpbrk(hostname, "\r\n\t"))) {
		refuse(res, "malformed", "hostname is longer than %d bytes or not printable text", MM_LINK_HOSTNAME_MAX);
		goto refused;
	}
	mm_err te;
	mm_err_clear(&te);
	if (mm_link_token_parse(token, pin, secret, &te)) {
		refuse(res, "token_unknown", "%s", te.msg);
		goto refused;
	}
	token_hash(secret, hash);
	mm_wipe(secret, sizeof secret);
	if (!mm_link_enroll_verify(token, pk, sig)) {
		refuse(res, "bad_proof", "the enrollment signature does not verify with the offered key");
		goto refused;
	}
	if ((rc = token_peek(s, hash, res, err)) || res->code)
		goto refused;
	mm_actor who = {.name = actor, .role = LINK_ACTOR_ROLE, .tenant = res->tenant};
	snprintf(actor, sizeof actor, "token:%.16s", hash);
	const char *code = asset_check(s, &who, res->asset, res, err);
	if (code && !code[0]) {
		rc = err->code;
		goto out;
	}
	if (code)
		goto refused;
	struct tok_op o = {.hash = hash, .by = actor, .pk_hex = pkhex, .consume = true};
	uint64_t seq;
	rc = mm_ledger_submit(mm_store_ledger(s), tok_apply, &o, &seq, err);
	free(o.text);
	if (rc)
		goto out;
	if (o.code) { /* lost a race: the refusal entry is already written */
		refuse(res, o.code, "%s", o.reason);
		goto out;
	}
	char now[48];
	iso_now(mm_now_ns(), now);
	json_t *data = json_pack("{s:s, s:s, s:s, s:I}", "asset", res->asset, "public_key", pkhex, "enrolled_at", now,
				 "report_counter", (json_int_t)0);
	if (data && hostname && *hostname)
		json_object_set_new(data, "hostname", json_string(hostname));
	text = data ? json_dumps(data, JSON_COMPACT) : NULL;
	json_decref(data);
	if (!text) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	mm_write_result w;
	if ((rc = mm_store_create(s, &who, "agent", text, strlen(text), "enrolled with a one-time token", &w, err)))
		goto out;
	snprintf(res->agent, sizeof res->agent, "%s", w.id);
	memcpy(res->server_key, mm_ledger_verifier(mm_store_ledger(s))->pk, MM_ED25519_PK_LEN);
	goto out;
refused:
	if (!rc) {
		snprintf(actor, sizeof actor, "token:%.16s", hash[0] ? hash : "malformed");
		rc = note_refusal(s, "agent.enroll-refused", actor, res->asset, res, err);
	}
out:
	free(text);
	mm_wipe(pin, sizeof pin);
	return rc;
}

/* ---- ingest ---- */

/* "002 別紙1 §4 端末3" for a terminal item 3, "002 別紙1 §4 CS3" for a CS item. */
static void item_label(const char *target, json_int_t no, char *out, size_t n)
{
	snprintf(out, n, "%s%s%lld", ITEM_PREFIX, strcmp(target, "cs") == 0 ? "CS" : "端末", (long long)no);
}

/*
 * The outcome of one inspection item from the report's results of that
 * item: "fail" (finding lists the failing checks), "pass", "not-applicable",
 * or NULL (nothing automated to say: no results, only manual, or an error).
 */
static const char *item_outcome(json_t *results, const char *label, const char *text, mm_buf *finding)
{
	size_t i, npass = 0, nfail = 0, nna = 0, nerr = 0;
	json_t *r;
	json_array_foreach(results, i, r) {
		const char *it = json_string_value(json_object_get(r, "item"));
		if (!it || (strcmp(it, label) != 0 && (!text || strcmp(it, text) != 0)))
			continue;
		const char *st = json_string_value(json_object_get(r, "status"));
		if (!st)
			continue;
		if (strcmp(st, "pass") == 0) {
			npass++;
		} else if (strcmp(st, "fail") == 0) {
			const char *id = json_string_value(json_object_get(r, "id"));
			const char *t = json_string_value(json_object_get(json_object_get(r, "title"), "ja"));
			json_int_t cnt = json_integer_value(json_object_get(json_object_get(r, "evidence"), "count"));
			int full = mm_buf_printf(finding, "%s%s %s (%lld件)", nfail ? "; " : "不適合: ", id ? id : "?",
						 t ? t : "", (long long)cnt);
			(void)full; /* past the limit the finding keeps the checks listed so far (nothing is appended) */
			nfail++;
		} else if (strcmp(st, "not-applicable") == 0) {
			nna++;
		} else if (strcmp(st, "error") == 0) {
			nerr++;
		}
	}
	if (nfail)
		return "fail";
	if (nerr)
		return NULL;
	if (npass)
		return "pass";
	return nna ? "not-applicable" : NULL;
}

static bool campaign_open(mm_store *s, const mm_actor *who, const char *id)
{
	mm_err e;
	mm_err_clear(&e);
	json_t *rec = id ? get_record(s, who, id, &e) : NULL;
	const char *st = rec_str(rec, "state", NULL);
	bool open = st && (strcmp(st, "planned") == 0 || strcmp(st, "in-progress") == 0);
	json_decref(rec);
	return open;
}

/* Fill one item; true if it was filled and moved. Conflicts (someone else wrote first) skip it. */
static bool fill_item(mm_store *s, const mm_actor *who, json_t *item, json_t *results, const char *hex,
		      const char *now, mm_err *err)
{
	json_t *d = json_object_get(item, "data");
	const char *id = rec_str(item, "id", NULL), *target = rec_str(d, "target", NULL);
	json_int_t version = json_integer_value(json_object_get(item, "version"));
	if (!id || !target || !json_is_integer(json_object_get(d, "item_no")))
		return false;
	char label[128];
	item_label(target, json_integer_value(json_object_get(d, "item_no")), label, sizeof label);
	mm_buf finding;
	mm_buf_init(&finding, 4000);
	const char *out = item_outcome(results, label, rec_str(d, "item", NULL), &finding);
	bool done = false;
	char *text = NULL;
	if (!out || !campaign_open(s, who, rec_str(d, "campaign", NULL)))
		goto out;
	json_t *patch = json_pack("{s:s, s:s, s:s}", "result", out, "checked_at", now, "agent_report", hex);
	if (patch && strcmp(out, "fail") == 0)
		json_object_set_new(patch, "finding", json_string(finding.len ? (const char *)finding.p : "不適合"));
	text = patch ? json_dumps(patch, JSON_COMPACT) : NULL;
	json_decref(patch);
	mm_write_result w;
	if (!text || mm_store_update(s, who, id, (uint32_t)version, text, strlen(text), "agent report", &w, err) ||
	    mm_store_transition(s, who, id, w.version, strcmp(out, "fail") == 0 ? "fail" : "pass", NULL, &w, err))
		goto out;
	done = true;
out:
	free(text);
	mm_buf_release(&finding);
	return done;
}

/*
 * The ids of the asset's open automated inspection items. Read straight
 * from the store's projection (record: tenant, kind, state, data as compact
 * JSON with sorted keys) on a private read-only connection: the store's
 * text search looks into every field of every open item and costs ~40 µs
 * per item, which at an annual campaign's few thousand open items would
 * dominate every ingest; this uses the (tenant, kind, state) index and a
 * substring test before any JSON is parsed. Each item is then read and
 * written through the store as usual.
 */
static int open_items(mm_store *s, const mm_actor *who, const char *asset, json_t *ids, mm_err *err)
{
	const char *path = sqlite3_db_filename(mm_ledger_db(mm_store_ledger(s)), "main");
	sqlite3 *rd = NULL;
	sqlite3_stmt *st = NULL;
	int rc = MM_OK, r;
	char needle[MM_ID_MAX + 16];
	snprintf(needle, sizeof needle, "\"asset\":\"%s\"", asset);
	if (!path || sqlite3_open_v2(path, &rd, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(rd, 10000) != SQLITE_OK ||
	    sqlite3_prepare_v2(rd,
			       "SELECT id FROM record WHERE tenant = ?1 AND kind = 'inspection_item' AND state = 'open'"
			       " AND instr(data, ?2) > 0 AND json_extract(data, '$.asset') = ?3"
			       " AND json_extract(data, '$.method') = 'automated' ORDER BY length(id), id LIMIT ?4",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = mm_err_set(err, MM_EDB, "inspection items: %s", rd ? sqlite3_errmsg(rd) : "cannot open the database");
		goto out;
	}
	sqlite3_bind_text(st, 1, who->tenant ? who->tenant : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, needle, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, asset, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, MM_LINK_ITEMS_MAX);
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		if (json_array_append_new(ids, json_string((const char *)sqlite3_column_text(st, 0))))
			r = SQLITE_NOMEM;
	if (r != SQLITE_DONE)
		rc = mm_err_set(err, MM_EDB, "inspection items: %s", sqlite3_errmsg(rd));
out:
	sqlite3_finalize(st);
	sqlite3_close(rd);
	return rc;
}

static unsigned fill_items(mm_store *s, const mm_actor *who, const char *asset, json_t *results, const char *hex,
			   const char *now)
{
	unsigned filled = 0;
	json_t *ids = json_array(), *id;
	size_t i;
	mm_err e;
	mm_err_clear(&e);
	if (!ids || open_items(s, who, asset, ids, &e)) {
		fprintf(stderr, "mamori: agent report for %s: inspection items not filled: %s\n", asset, e.msg);
		json_decref(ids);
		return 0;
	}
	json_array_foreach(ids, i, id) {
		mm_err_clear(&e);
		json_t *it = get_record(s, who, json_string_value(id), &e);
		json_t *d = json_object_get(it, "data");
		const char *a = rec_str(d, "asset", NULL), *m = rec_str(d, "method", NULL), *st = rec_str(it, "state", NULL);
		/* checked again on the store's own reading: the index above is only a shortcut */
		if (a && m && st && strcmp(a, asset) == 0 && strcmp(m, "automated") == 0 && strcmp(st, "open") == 0 &&
		    fill_item(s, who, it, results, hex, now, &e))
			filled++;
		json_decref(it);
	}
	json_decref(ids);
	return filled;
}

/* Check the decoded envelope against the agent record; NULL or a refusal code set on res. */
static int check_agent(mm_store *s, const mm_actor *who, const mm_link_envelope *env, mm_link_result *res,
		       uint32_t *version, mm_err *err)
{
	mm_err e2;
	mm_err_clear(&e2);
	json_t *rec = get_record(s, who, env->agent, &e2);
	int rc = MM_OK;
	if (!rec && e2.code != MM_ENOTFOUND) {
		*err = e2;
		return e2.code;
	}
	const char *kind = rec_str(rec, "kind", NULL), *state = rec_str(rec, "state", NULL);
	const char *asset = rec_str(rec, "data", "asset"), *pkhex = rec_str(rec, "data", "public_key");
	json_int_t last = json_integer_value(json_object_get(json_object_get(rec, "data"), "report_counter"));
	uint8_t pk[MM_ED25519_PK_LEN];
	if (!rec || !kind || strcmp(kind, "agent") != 0) {
		refuse(res, "unknown_agent", "no agent '%s' is enrolled", env->agent);
	} else if (!state || strcmp(state, "active") != 0) {
		refuse(res, "revoked", "agent '%s' is %s; its reports are refused", env->agent, state ? state : "?");
	} else if (!asset || strcmp(asset, env->asset) != 0) {
		refuse(res, "wrong_asset", "the report names asset '%s' but agent '%s' is enrolled for '%s'", env->asset,
		       env->agent, asset ? asset : "?");
	} else if (!pkhex || !mm_hex_decode(pkhex, strlen(pkhex), pk, sizeof pk)) {
		refuse(res, "wrong_key", "agent '%s' has no usable enrolled key", env->agent);
	} else if (!mm_link_verify(env, pk)) {
		uint8_t id[MM_SHA256_LEN];
		mm_sha256(pk, sizeof pk, id);
		if (memcmp(id, env->key_id, sizeof id) != 0)
			refuse(res, "wrong_key", "the report is signed by another key than agent '%s' enrolled", env->agent);
		else
			refuse(res, "forged", "the signature does not verify with the key agent '%s' enrolled", env->agent);
	} else if (last < 0 || env->counter <= (uint64_t)last) {
		refuse(res, "replay", "counter %llu is not above %lld, the last accepted from agent '%s'",
		       (unsigned long long)env->counter, (long long)last, env->agent);
	} else {
		*version = (uint32_t)json_integer_value(json_object_get(rec, "version"));
	}
	json_decref(rec);
	return rc;
}

int mm_link_ingest(mm_store *s, const uint8_t *p, size_t n, mm_link_result *res, mm_err *err)
{
	memset(res, 0, sizeof *res);
	mm_link_envelope env;
	mm_err de;
	mm_err_clear(&de);
	char actor[MM_ID_MAX + 8] = "agent:unknown", now[48];
	json_t *report = NULL;
	char *patch = NULL;
	int rc = MM_OK;
	if (mm_link_decode(p, n, &env, &de)) {
		refuse(res, de.code == MM_ELIMIT ? "too_large" : "malformed", "%s", de.msg);
		goto refused;
	}
	snprintf(res->agent, sizeof res->agent, "%s", env.agent);
	snprintf(res->asset, sizeof res->asset, "%s", env.asset);
	snprintf(res->tenant, sizeof res->tenant, "%s", env.tenant);
	snprintf(actor, sizeof actor, "agent:%s", env.agent);
	res->counter = env.counter;
	mm_actor who = {.name = actor, .role = LINK_ACTOR_ROLE, .tenant = res->tenant};
	if (env.counter > 9007199254740991ull) {
		refuse(res, "malformed", "counter %llu is above 2^53-1", (unsigned long long)env.counter);
		goto refused;
	}
	uint32_t version = 0;
	if ((rc = check_agent(s, &who, &env, res, &version, err)) || res->code)
		goto refused;
	json_error_t je;
	report = json_loadb((const char *)env.report, env.report_len, JSON_REJECT_DUPLICATES, &je);
	const char *status = rec_str(report, "summary", "status");
	json_t *results = json_object_get(report, "results");
	if (!json_is_object(report) || !rec_str(report, "format", NULL) ||
	    strcmp(rec_str(report, "format", NULL), "mamori-report/1") != 0 || !status || !json_is_array(results)) {
		if (report)
			refuse(res, "bad_report", "the report is not a mamori-report/1 document with summary and results");
		else
			refuse(res, "bad_report", "the report is not JSON: line %d, column %d: %s", je.line, je.column,
			       je.text);
		goto refused;
	}
	res->pass = strcmp(status, "pass") == 0;
	char name[MM_ID_MAX + 64];
	snprintf(name, sizeof name, "agent-report-%s-%llu.json", env.asset, (unsigned long long)env.counter);
	if ((rc = mm_store_attach(s, &who, env.report, env.report_len, name, res->attachment, err)))
		goto out;
	iso_now(mm_now_ns(), now);
	json_t *pj = json_pack("{s:s, s:s, s:s, s:I}", "last_report_at", now, "last_report", res->attachment,
			       "last_result", res->pass ? "pass" : "fail", "report_counter", (json_int_t)env.counter);
	patch = pj ? json_dumps(pj, JSON_COMPACT) : NULL;
	json_decref(pj);
	if (!patch) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	mm_write_result w;
	/* the version read with the counter: a racing report with the same counter loses here */
	for (int attempt = 0;; attempt++) {
		rc = mm_store_update(s, &who, env.agent, version, patch, strlen(patch), NULL, &w, err);
		if (rc != MM_ECONFLICT || attempt == 3)
			break;
		mm_err_clear(err);
		if ((rc = check_agent(s, &who, &env, res, &version, err)) || res->code)
			goto refused;
	}
	if (rc)
		goto out;
	res->items = fill_items(s, &who, env.asset, results, res->attachment, now);
	goto out;
refused:
	if (!rc)
		rc = note_refusal(s, "agent.report-refused", actor, res->agent, res, err);
out:
	free(patch);
	json_decref(report);
	return rc;
}
