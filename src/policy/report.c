/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reports: canonical bytes and their Ed25519 signature, and the text an
 * inspector reads — results grouped by checklist item, with evidence —
 * in Japanese or English.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/mm_crypto.h"
#include "policy/policy_int.h"
#include "base/banned.h"

#define SIG_CONTEXT "mamori-report/1\n"
#define TEXT_ROWS_MAX 20

int mm_policy_canonical(const json_t *report, mm_buf *out)
{
	json_t *copy = json_copy((json_t *)report);
	if (!copy)
		return MM_ENOMEM;
	json_object_del(copy, "signature");
	char *txt = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(copy);
	if (!txt)
		return MM_ENOMEM;
	int rc = mm_buf_puts(out, txt);
	free(txt);
	return rc;
}

static int signed_bytes(const json_t *report, mm_buf *msg)
{
	int rc = mm_buf_puts(msg, SIG_CONTEXT);
	return rc ? rc : mm_policy_canonical(report, msg);
}

int mm_policy_sign(json_t *report, const uint8_t sk[64], mm_err *err)
{
	mm_buf msg, b64pk, b64sig;
	mm_buf_init(&msg, (size_t)1 << 30);
	mm_buf_init(&b64pk, 256);
	mm_buf_init(&b64sig, 256);
	uint8_t sig[MM_ED25519_SIG_LEN];
	int rc = signed_bytes(report, &msg);
	if (rc == MM_OK) {
		mm_ed25519_sign(sig, msg.p, msg.len, sk);
		rc = mm_base64_encode(sk + 32, MM_ED25519_PK_LEN, &b64pk);
		if (!rc)
			rc = mm_base64_encode(sig, sizeof sig, &b64sig);
	}
	if (rc == MM_OK &&
	    json_object_set_new(report, "signature",
				json_pack("{s:s, s:s, s:s, s:s}", "alg", "ed25519", "public_key",
					  (const char *)b64pk.p, "value", (const char *)b64sig.p,
					  "signed", "\"mamori-report/1\\n\" followed by the canonical report")) != 0)
		rc = MM_ENOMEM;
	mm_buf_release(&msg);
	mm_buf_release(&b64pk);
	mm_buf_release(&b64sig);
	return rc ? mm_err_set(err, rc, "signing the report: %s", mm_strerror(rc)) : MM_OK;
}

bool mm_policy_verify(const json_t *report, const uint8_t pk[32])
{
	const char *v = json_string_value(json_object_get(json_object_get(report, "signature"), "value"));
	uint8_t sig[MM_ED25519_SIG_LEN];
	size_t n = 0;
	if (!v || !mm_base64_decode(v, strlen(v), sig, sizeof sig, &n) || n != sizeof sig)
		return false;
	mm_buf msg;
	mm_buf_init(&msg, (size_t)1 << 30);
	bool ok = signed_bytes(report, &msg) == MM_OK && mm_ed25519_verify(sig, msg.p, msg.len, pk);
	mm_buf_release(&msg);
	return ok;
}

/* ---- text ---- */

bool mm_policy_locale_ja(void)
{
	static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "ja", 2) == 0;
	}
	return false;
}

static const char *lang(const json_t *t, bool ja)
{
	if (json_is_string(t))
		return json_string_value(t);
	const char *s = json_string_value(json_object_get(t, ja ? "ja" : "en"));
	return s ? s : "";
}

static const char *status_label(const char *st, bool ja)
{
	static const char *const keys[] = {"pass", "fail", "not-applicable", "error", "manual"};
	static const char *const jl[] = {"合格", "不合格", "対象外", "エラー", "要目視確認"};
	static const char *const el[] = {"PASS", "FAIL", "N/A", "ERROR", "MANUAL"};
	for (size_t i = 0; i < 5; i++)
		if (st && strcmp(st, keys[i]) == 0)
			return ja ? jl[i] : el[i];
	return "?";
}

static int put_cell(mm_buf *out, const json_t *v)
{
	if (json_is_string(v))
		return mm_buf_puts(out, json_string_value(v));
	if (json_is_integer(v))
		return mm_buf_printf(out, "%lld", (long long)json_integer_value(v));
	if (json_is_null(v))
		return mm_buf_puts(out, "-");
	char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	int rc = mm_buf_puts(out, t ? t : "?");
	free(t);
	return rc;
}

static int render_evidence(const json_t *ev, bool ja, mm_buf *out)
{
	const json_t *cols = json_object_get(ev, "columns"), *rows = json_object_get(ev, "rows");
	json_int_t count = json_integer_value(json_object_get(ev, "count"));
	int rc = mm_buf_printf(out, ja ? "      証跡 (%lld 件):\n" : "      evidence (%lld rows):\n",
			       (long long)count);
	size_t i;
	const json_t *c;
	if (!rc)
		rc = mm_buf_puts(out, "        ");
	json_array_foreach(cols, i, c) {
		if (!rc)
			rc = mm_buf_printf(out, "%s%s", i ? " | " : "", json_string_value(c));
	}
	if (!rc)
		rc = mm_buf_puts(out, "\n");
	const json_t *row;
	json_array_foreach(rows, i, row) {
		if (rc || i >= TEXT_ROWS_MAX)
			break;
		rc = mm_buf_puts(out, "        ");
		size_t k;
		const json_t *v;
		json_array_foreach(row, k, v) {
			if (!rc && k)
				rc = mm_buf_puts(out, " | ");
			if (!rc)
				rc = put_cell(out, v);
		}
		if (!rc)
			rc = mm_buf_puts(out, "\n");
	}
	if (!rc && count > TEXT_ROWS_MAX)
		rc = mm_buf_printf(out, ja ? "        … ほか %lld 件 (JSON 出力に最大 %d 件)\n"
					   : "        … %lld more (JSON output keeps up to %d)\n",
				   (long long)(count - TEXT_ROWS_MAX), MM_CHECK_EVIDENCE_MAX);
	return rc;
}

static int render_result(const json_t *r, bool ja, mm_buf *out)
{
	const char *st = json_string_value(json_object_get(r, "status"));
	int rc = mm_buf_printf(out, "  [%s] %s  %s (%s)\n", status_label(st, ja),
			       json_string_value(json_object_get(r, "id")),
			       lang(json_object_get(r, "title"), ja),
			       json_string_value(json_object_get(r, "severity")));
	const json_t *why = json_object_get(r, "reason");
	if (!rc && why && !json_is_null(why))
		rc = mm_buf_printf(out, "      %s%s\n", ja ? "理由: " : "reason: ", lang(why, ja));
	const json_t *att = json_object_get(r, "attest");
	if (!rc && att && !json_is_null(att))
		rc = mm_buf_printf(out, "      %s%s\n", ja ? "確認事項: " : "inspector attests: ",
				   lang(att, ja));
	const json_t *ev = json_object_get(r, "evidence");
	if (!rc && ev && !json_is_null(ev))
		rc = render_evidence(ev, ja, out);
	const json_t *rem = json_object_get(r, "remediation");
	if (!rc && st && strcmp(st, "fail") == 0 && rem && !json_is_null(rem))
		rc = mm_buf_printf(out, "      %s%s\n", ja ? "対処: " : "remedy: ", lang(rem, ja));
	return rc;
}

int mm_policy_render_text(const json_t *report, bool ja, mm_buf *out)
{
	const json_t *host = json_object_get(report, "host"), *pol = json_object_get(report, "policy");
	const json_t *site = json_object_get(report, "site"), *base = json_object_get(report, "baseline");
	const char *hn = json_string_value(json_object_get(host, "hostname"));
	const char *root = json_string_value(json_object_get(host, "root"));
	const char *sha = json_string_value(json_object_get(pol, "sha256"));
	int rc = mm_buf_printf(out,
			       ja ? "mamori-agent 設置及び設定状況チェック結果\n"
				    "  ホスト: %s   対象: %s%s\n"
				    "  ポリシー: %s 版 %lld「%s」 (sha256 %.16s…)\n"
				    "  収集日時: %s\n"
				  : "mamori-agent inspection report\n"
				    "  host: %s   root: %s%s\n"
				    "  policy: %s version %lld \"%s\" (sha256 %.16s…)\n"
				    "  collected at: %s\n",
			       hn ? hn : "?", root ? root : "?",
			       json_is_true(json_object_get(host, "live"))
				       ? (ja ? " (稼働中のシステム)" : " (running system)")
				       : "",
			       json_string_value(json_object_get(pol, "id")),
			       (long long)json_integer_value(json_object_get(pol, "version")),
			       lang(json_object_get(pol, "title"), ja), sha ? sha : "",
			       json_string_value(json_object_get(report, "collected_at")));
	if (!rc && site && !json_is_null(site))
		rc = mm_buf_printf(out, ja ? "  サイト: %s (%s)\n" : "  site: %s (%s)\n",
				   json_string_value(json_object_get(site, "id"))
					   ? json_string_value(json_object_get(site, "id"))
					   : "-",
				   json_string_value(json_object_get(site, "path")));
	if (!rc && base && !json_is_null(base))
		rc = mm_buf_printf(out, ja ? "  ベースライン: %s (作成 %s)\n" : "  baseline: %s (created %s)\n",
				   json_string_value(json_object_get(base, "path")),
				   json_string_value(json_object_get(base, "created_at"))
					   ? json_string_value(json_object_get(base, "created_at"))
					   : "?");
	/* results grouped by item, items in order of first appearance */
	const json_t *results = json_object_get(report, "results");
	size_t n = json_array_size(results);
	bool *done = calloc(n + 1, sizeof *done);
	if (!done)
		return MM_ENOMEM;
	for (size_t i = 0; !rc && i < n; i++) {
		if (done[i])
			continue;
		const json_t *r = json_array_get(results, i);
		const char *item = json_string_value(json_object_get(r, "item"));
		const json_t *it = json_object_get(r, "item_title");
		rc = mm_buf_printf(out, "\n■ %s%s%s\n", item ? item : "",
				   it && !json_is_null(it) ? "  " : "",
				   it && !json_is_null(it) ? lang(it, ja) : "");
		for (size_t k = i; !rc && k < n; k++) {
			const json_t *rk = json_array_get(results, k);
			const char *ik = json_string_value(json_object_get(rk, "item"));
			if (done[k] || !item || !ik || strcmp(item, ik) != 0)
				continue;
			done[k] = true;
			rc = render_result(rk, ja, out);
		}
	}
	free(done);
	/* sources that could not be read */
	const json_t *cols = json_object_get(report, "collectors");
	size_t i;
	const json_t *c;
	bool header = false;
	json_array_foreach(cols, i, c) {
		const char *st = json_string_value(json_object_get(c, "status"));
		if (rc || !st || strcmp(st, "ok") == 0 || strcmp(st, "missing") == 0)
			continue;
		if (!header) {
			rc = mm_buf_puts(out, ja ? "\n収集の注記 (一部または全部を読めなかった情報源):\n"
						 : "\nCollection notes (sources read in part or not at all):\n");
			header = true;
		}
		if (!rc)
			rc = mm_buf_printf(out, "  %s  %s  %s: %s\n",
					   json_string_value(json_object_get(c, "collector")),
					   json_string_value(json_object_get(c, "source")), st,
					   json_string_value(json_object_get(c, "detail"))
						   ? json_string_value(json_object_get(c, "detail"))
						   : "");
	}
	const json_t *s = json_object_get(report, "summary");
#define CNT(k) ((long long)json_integer_value(json_object_get(s, k)))
	if (!rc)
		rc = mm_buf_printf(out,
				   ja ? "\n集計: 合格 %lld / 不合格 %lld / 対象外 %lld / 要目視確認 %lld / エラー %lld"
					"  → 判定: %s\n"
				      : "\nSummary: %lld passed, %lld failed, %lld not applicable, %lld manual, "
					"%lld errors → %s\n",
				   CNT("pass"), CNT("fail"), CNT("not-applicable"), CNT("manual"), CNT("error"),
				   status_label(json_string_value(json_object_get(s, "status")), ja));
#undef CNT
	return rc;
}
