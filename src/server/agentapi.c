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
static void do_enroll(struct ctx *x)
{
	mm_link_enroll_req q;
	mm_link_result r;
	mm_err e;
	mm_err_clear(&e);
	if (mm_link_enroll_req_parse(x->body ? x->body : (const uint8_t *)"", x->body_len, &q, &e)) {
		reply_error(x, 400, "bad_request", e.msg);
		return;
	}
	int rc = mm_link_enroll(x->srv->store, q.token, q.pk, q.sig, q.hostname[0] ? q.hostname : NULL, &r, &e);
	mm_wipe(q.token, sizeof q.token);
	if (rc) {
		reply_mm_error(x, &e);
		return;
	}
	if (r.code) {
		reply_refusal(x, &r);
		return;
	}
	mm_buf out;
	mm_buf_init(&out, 4096);
	if (mm_link_enroll_reply_format(&r, q.pk, &out))
		reply_error(x, 500, "internal", NULL);
	else
		reply_json(x, 201, (const char *)out.p, out.len);
	mm_buf_release(&out);
}

static void do_report(struct ctx *x)
{
	mm_link_result r;
	mm_err e;
	mm_err_clear(&e);
	if (mm_link_ingest(x->srv->store, x->body ? x->body : (const uint8_t *)"", x->body_len, &r, &e)) {
		reply_mm_error(x, &e);
		return;
	}
	if (r.code) {
		reply_refusal(x, &r);
		return;
	}
	reply_new(x, 201, json_pack("{s:b, s:s, s:s, s:I, s:s, s:s, s:I}", "accepted", 1, "agent", r.agent, "asset",
				    r.asset, "counter", (json_int_t)r.counter, "attachment", r.attachment, "result",
				    r.pass ? "pass" : "fail", "items", (json_int_t)r.items));
}

void agentapi_dispatch(struct ctx *x)
{
	if (x->route.id == MM_R_AGENT_ENROLL)
		do_enroll(x);
	else
		do_report(x);
}
