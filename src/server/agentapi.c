/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent link's endpoints (docs/agent-link.md): POST /api/v1/agent/enroll
 * with a one-time token, POST /api/v1/agent/report with a signed envelope.
 * No session cookie is involved: the token or the agent's signature is the
 * authentication, checked by src/link — the same code `mamori import` runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <jansson.h>

#include "link/mm_link.h"
#include "server/server_int.h"
#include "base/banned.h"

static const struct {
	const char *code, *ja, *en;
} messages[] = {
	{"malformed", "報告の形式が正しくありません。", "The report envelope is not well-formed."},
	{"bad_report", "報告の内容が点検報告の形式ではありません。", "The report is not an inspection report."},
	{"bad_proof", "鍵の所有を確認できません。", "Possession of the key could not be confirmed."},
	{"token_unknown", "登録トークンが正しくありません。", "The enrollment token is not valid."},
	{"token_used", "この登録トークンは使用済みです。", "This enrollment token was already used."},
	{"token_expired", "登録トークンの有効期限が切れています。", "The enrollment token has expired."},
	{"asset_unknown", "機器が見つかりません。", "The asset does not exist."},
	{"asset_not_in_service", "機器が稼働中ではありません。", "The asset is not in service."},
	{"unknown_agent", "登録されていないエージェントです。", "The agent is not enrolled."},
	{"revoked", "このエージェントは失効しています。", "This agent has been revoked."},
	{"wrong_asset", "報告の機器がエージェントの登録と異なります。", "The report names another asset than the agent's."},
	{"wrong_key", "登録された鍵と異なる鍵で署名されています。", "The report is signed with another key."},
	{"forged", "署名を検証できません。", "The signature does not verify."},
	{"replay", "この報告は既に受け付けたものか、古いものです。", "This report was already accepted or is older."},
	{"too_large", "報告が大きすぎます。", "The report is too large."},
};

static void reply_refusal(struct ctx *x, const mm_link_result *r)
{
	const char *msg = r->code;
	for (size_t i = 0; i < sizeof messages / sizeof messages[0]; i++)
		if (strcmp(messages[i].code, r->code) == 0)
			msg = strcmp(x->lang, "en") == 0 ? messages[i].en : messages[i].ja;
	json_t *o = json_pack("{s:{s:s, s:s, s:s}}", "error", "code", r->code, "message", msg, "detail", r->reason);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s)
		reply_json(x, mm_link_status(r->code), s, strlen(s));
	else
		reply_error(x, 500, "internal", NULL);
	free(s);
}

static void reply_new(struct ctx *x, unsigned status, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (s)
		reply_json(x, status, s, strlen(s));
	else
		reply_error(x, 500, "internal", NULL);
	free(s);
}

/* {"token", "public_key" (64 hex), "proof" (128 hex), "hostname"?}: nothing else (mm_link_enroll_req_parse). */
/* Each returns true when the request was refused with a ledger entry. */
static bool do_enroll(struct ctx *x)
{
	mm_link_enroll_req q;
	mm_link_result r;
	mm_err e;
	mm_err_clear(&e);
	if (mm_link_enroll_req_parse(x->body ? x->body : (const uint8_t *)"", x->body_len, &q, &e)) {
		reply_error(x, 400, "bad_request", e.msg);
		return false;
	}
	int rc = mm_link_enroll(x->srv->store, q.token, q.pk, q.sig, q.hostname[0] ? q.hostname : NULL, &r, &e);
	mm_wipe(q.token, sizeof q.token);
	if (rc) {
		reply_mm_error(x, &e);
		return false;
	}
	if (r.code) {
		reply_refusal(x, &r);
		return true;
	}
	mm_buf out;
	mm_buf_init(&out, 4096);
	if (mm_link_enroll_reply_format(&r, q.pk, &out))
		reply_error(x, 500, "internal", NULL);
	else
		reply_json(x, 201, (const char *)out.p, out.len);
	mm_buf_release(&out);
	return false;
}

static bool do_report(struct ctx *x)
{
	mm_link_result r;
	mm_err e;
	mm_err_clear(&e);
	if (mm_link_ingest(x->srv->store, x->body ? x->body : (const uint8_t *)"", x->body_len, &r, &e)) {
		reply_mm_error(x, &e);
		return false;
	}
	if (r.code) {
		reply_refusal(x, &r);
		return true;
	}
	reply_new(x, 201, json_pack("{s:b, s:s, s:s, s:I, s:s, s:s, s:I}", "accepted", 1, "agent", r.agent, "asset",
				    r.asset, "counter", (json_int_t)r.counter, "attachment", r.attachment, "result",
				    r.pass ? "pass" : "fail", "items", (json_int_t)r.items));
	return false;
}

/* ---- a budget of refusals per source address ---- */

/* The slot of the request's source: the address family, then the IPv4 address or the IPv6 /64. */
static struct refusal_slot *source_slot(struct ctx *x, uint8_t key[17])
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(x->c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	memset(key, 0, 17);
	if (sa && sa->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa && sa->sa_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 8);
	}
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < 17; i++)
		h = (h ^ key[i]) * 16777619u;
	return &x->srv->refusal[h % MM_LINK_REFUSAL_SLOTS];
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Refill the source's bucket and tell whether one more refusal fits; with take, spend it. */
static bool refusal_budget(struct ctx *x, bool take)
{
	uint8_t key[17];
	struct refusal_slot *sl = source_slot(x, key);
	const int64_t cap = (int64_t)MM_LINK_REFUSALS_BURST * 1000, t = now_ms();
	pthread_mutex_lock(&x->srv->refusal_mu);
	if (sl->at_ms == 0 || memcmp(sl->key, key, sizeof key) != 0) {
		/* a new source, or a colliding one: a slot keeps the lower balance of the two */
		int64_t keep = sl->at_ms == 0 ? cap : sl->tokens;
		memcpy(sl->key, key, sizeof key);
		sl->tokens = keep;
		sl->at_ms = t;
	}
	int64_t refill = (t - sl->at_ms) * MM_LINK_REFUSALS_PER_MIN; /* thousandths: per_min / 60 s × ms */
	refill /= 60;
	sl->tokens = sl->tokens + refill > cap ? cap : sl->tokens + refill;
	sl->at_ms = t;
	bool ok = sl->tokens >= 1000;
	if (ok && take)
		sl->tokens -= 1000;
	pthread_mutex_unlock(&x->srv->refusal_mu);
	return ok;
}

void agentapi_dispatch(struct ctx *x)
{
	/* a source whose requests keep being refused is turned away before it can write more ledger entries */
	if (!refusal_budget(x, false)) {
		static const char ja[] = "{\"error\":{\"code\":\"rate_limited\",\"message\":\"拒否された要求が多すぎます。"
					 "しばらく待ってから再試行してください。\",\"detail\":\"too many refused agent requests "
					 "from this address\"}}";
		static const char en[] = "{\"error\":{\"code\":\"rate_limited\",\"message\":\"Too many refused requests. "
					 "Wait a minute and try again.\",\"detail\":\"too many refused agent requests from this "
					 "address\"}}";
		bool english = strcmp(x->lang, "en") == 0;
		reply_json(x, 429, english ? en : ja, english ? sizeof en - 1 : sizeof ja - 1);
		return;
	}
	bool refused = x->route.id == MM_R_AGENT_ENROLL ? do_enroll(x) : do_report(x);
	if (refused)
		(void)refusal_budget(x, true);
}
