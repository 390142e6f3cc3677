/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reports of one record — a fault (or a month's faults), an
 * inspection campaign, a work request with its result, an erasure
 * certificate. What each shows, and from which fields, is in docs/reports.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_int.h"
#include "base/banned.h"

static void sla_totals(rp *r, const char *kind, const char *field, json_t *recs, uint32_t first, uint32_t last,
		       uint16_t idcol, uint16_t stcol, uint16_t span, uint16_t col)
{
	char rg[64], id[64], f[400], met[16], missed[16];
	double n_met = 0, n_missed = 0, n_pending = 0;
	size_t i;
	json_t *v;
	json_array_foreach(recs, i, v) {
		const char *st = rp_str(v, field);
		n_met += st && strcmp(st, "met") == 0;
		n_missed += st && strcmp(st, "missed") == 0;
		n_pending += st && strcmp(st, "pending") == 0;
	}
	rp_col_range(first, last, stcol, rg, sizeof rg);
	rp_col_range(first, last, idcol, id, sizeof id);
	snprintf(f, sizeof f, "=COUNTA(%s)", id);
	rp_total_row(r, L(r, "件数", "Count"), span, col, f, r->f.total_num, (double)json_array_size(recs));
	uint32_t met_row = r->row;
	snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, rp_enum(r, kind, field, "met"));
	rp_total_row(r, L(r, "目標達成", "Target met"), span, col, f, r->f.total_num, n_met);
	snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, rp_enum(r, kind, field, "missed"));
	rp_total_row(r, L(r, "目標未達", "Target missed"), span, col, f, r->f.total_num, n_missed);
	snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, rp_enum(r, kind, field, "pending"));
	rp_total_row(r, L(r, "対応中", "Pending"), span, col, f, r->f.total_num, n_pending);
	rp_cell(met_row, col, met, sizeof met);
	rp_cell(met_row + 1, col, missed, sizeof missed);
	snprintf(f, sizeof f, "=IF(%s+%s=0,\"-\",%s/(%s+%s))", met, missed, met, met, missed);
	rp_rate_row(r, L(r, "サービスレベル達成率 (達成/(達成+未達))", "Service level met rate (met/(met+missed))"), span,
		 col, f, n_met, n_missed);
}

/* ---- faults: one table, used by the fault report and the monthly report ---- */

static const double fault_widths[] = {5, 10, 16, 20, 10, 26, 15, 15, 15, 15, 11, 26, 14};

static void fault_rows(rp *r, json_t *faults, uint32_t *first, uint32_t *last)
{
	size_t i;
	json_t *f;
	*first = r->row;
	json_array_foreach(faults, i, f) {
		json_t *asset = rp_lookup(r, "asset", rp_str(f, "asset"));
		char who[600];
		rp_names(r, "person", json_object_get(json_object_get(f, "data"), "handled_by"), who, sizeof who);
		rp_num(r, 0, (double)(i + 1), r->f.center);
		rp_text(r, 1, rp_id_of(f), r->f.cell);
		rp_text(r, 2, rp_name(r, "asset", rp_str(f, "asset")), r->f.wrap);
		rp_text(r, 3, rp_name(r, "site", rp_str(asset, "site")), r->f.wrap);
		rp_text(r, 4, rp_enum(r, "fault", "class", rp_str(f, "class")), r->f.cell);
		rp_text(r, 5, rp_str(f, "summary"), r->f.wrap);
		rp_datetime(r, 6, rp_str(f, "instructed_at"));
		rp_datetime(r, 7, rp_str(f, "due_at"));
		rp_datetime(r, 8, rp_str(f, "onsite_started_at"));
		rp_datetime(r, 9, rp_str(f, "recovered_at"));
		rp_text(r, 10, rp_enum(r, "fault", "sla_status", rp_str(f, "sla_status")), r->f.center);
		rp_text(r, 11, rp_str(f, "miss_reason"), r->f.wrap);
		rp_text(r, 12, who, r->f.wrap);
		rp_end_row(r);
	}
	if (json_array_size(faults) == 0)
		rp_empty_row(r, 5);
	*last = r->row - 1;
}

static const char *const *fault_heads(rp *r)
{
	static const char *const ja[] = {"No", "障害番号", "機器", "設置場所", "区分", "障害概要", "対応指示日時",
					 "着手期限", "現場着手日時", "復旧日時", "サービスレベル", "目標未達の理由",
					 "対応者"};
	static const char *const en[] = {"No", "Fault", "Device", "Site", "Class", "Summary", "Instructed",
					 "Due", "On-site start", "Recovered", "Service level", "Reason missed",
					 "Handled by"};
	return r->en ? en : ja;
}

int rp_fault(rp *r)
{
	json_t *faults = NULL, *one = NULL;
	char sub[200];
	int rc;
	if (r->req->id) {
		if ((rc = rp_record(r, r->req->id, "fault", &one)))
			return rc;
		faults = json_array();
		if (!faults || json_array_append(faults, one)) {
			rc = mm_err_set(r->err, MM_ENOMEM, "out of memory");
			goto out;
		}
		snprintf(sub, sizeof sub, L(r, "障害番号: %s", "Fault: %s"), r->req->id);
	} else {
		if ((rc = rp_select(r, "fault", rp_field_in_month, "instructed_at", "instructed_at", &faults)))
			return rc;
		rp_subtitle_month(r, sub, sizeof sub);
	}
	if ((rc = rp_sheet(r, L(r, "障害対応報告書", "Faults"), fault_widths, 13, true,
			   L(r, "障害対応報告書", "Fault response report"), sub)))
		goto out;
	rp_section(r, L(r, "1 障害対応の状況 (着手期限は契約のサービスレベルによる: 002 §5(2)、別紙1 §5)",
			"1 Faults and their service level (due times from the contract: 002 §5(2), Annex 1 §5)"));
	rp_heads(r, fault_heads(r), true);
	uint32_t first, last;
	fault_rows(r, faults, &first, &last);
	rp_end_row(r);
	rp_section(r, L(r, "2 集計", "2 Totals"));
	sla_totals(r, "fault", "sla_status", faults, first, last, 1, 10, 6, 6);
	if (one) {
		rp_end_row(r);
		rp_section(r, L(r, "3 障害の詳細", "3 Details"));
		rp_kv(r, rp_field(r, "fault", "description"), rp_str(one, "description"));
		rp_kv(r, rp_field(r, "fault", "reported_at"), rp_str(one, "reported_at"));
		rp_kv(r, rp_field(r, "fault", "work_request"), rp_str(one, "work_request"));
		rp_kv(r, L(r, "状態", "State"), rp_state(r, "fault", rp_state_of(one)));
		rp_kv(r, rp_field(r, "fault", "report"), rp_str(one, "report"));
	}
	rp_checkpoint_block(r);
out:
	json_decref(faults);
	json_decref(one);
	return rc;
}

/* ---- inspection report ---- */

static bool item_of_campaign(rp *r, json_t *rec, const void *campaign)
{
	(void)r;
	const char *c = rp_str(rec, "campaign");
	return c && strcmp(c, campaign) == 0;
}

/* Items sorted by device name, then item number. */
static int cmp_items(const void *a, const void *b, void *ctx)
{
	rp *r = ctx;
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = strcmp(rp_name(r, "asset", rp_str(x, "asset")), rp_name(r, "asset", rp_str(y, "asset")));
	if (c)
		return c;
	json_int_t nx = json_integer_value(json_object_get(json_object_get(x, "data"), "item_no"));
	json_int_t ny = json_integer_value(json_object_get(json_object_get(y, "data"), "item_no"));
	return nx < ny ? -1 : nx > ny;
}

static void evidence(json_t *item, bool en, char *out, size_t n)
{
	const char *photo = rp_str(item, "photo"), *rep = rp_str(item, "agent_report");
	snprintf(out, n, "%s%.12s%s%s%.12s", photo ? (en ? "photo sha256:" : "写真 sha256:") : "", photo ? photo : "",
		 photo && rep ? "\n" : "", rep ? (en ? "agent report sha256:" : "エージェント報告 sha256:") : "",
		 rep ? rep : "");
}

static const double insp_widths[] = {5, 18, 16, 7, 6, 26, 9, 9, 15, 12, 24, 22, 26};

/*
 * Totals per device (items sorted by device): items, pass, fail and the
 * pass rate, as COUNTIF(S) over the item table's device and result columns.
 */
static void per_device(rp *r, json_t **a, size_t n, uint32_t first, uint32_t last)
{
	char dev[64], res[64], f[400], me[16], c_pass[16], c_fail[16];
	const char *pass = rp_enum(r, "inspection_item", "result", "pass");
	const char *fail = rp_enum(r, "inspection_item", "result", "fail");
	rp_col_range(first, last, 2, dev, sizeof dev);
	rp_col_range(first, last, 7, res, sizeof res);
	rp_end_row(r);
	rp_section(r, L(r, "4 機器ごとの集計", "4 Totals per device"));
	static const char *const ja[] = {"No", "設置場所", "機器", "点検項目数", "適合", "不適合", "適合率"};
	static const char *const en[] = {"No", "Site", "Device", "Items", "Pass", "Fail", "Pass rate"};
	static const uint16_t cols[] = {0, 1, 2, 5, 6, 7, 8};
	for (size_t k = 0; k < 7; k++)
		rp_text(r, cols[k], r->en ? en[k] : ja[k], r->f.head);
	rp_end_row(r);
	size_t no = 0;
	for (size_t i = 0; i < n;) {
		const char *asset = rp_str(a[i], "asset");
		double items = 0, np = 0, nf = 0;
		size_t j = i;
		for (; j < n && strcmp(rp_str(a[j], "asset") ? rp_str(a[j], "asset") : "", asset ? asset : "") == 0; j++) {
			const char *res_v = rp_str(a[j], "result");
			items++;
			np += res_v && strcmp(res_v, "pass") == 0;
			nf += res_v && strcmp(res_v, "fail") == 0;
		}
		json_t *rec = rp_lookup(r, "asset", asset);
		rp_num(r, 0, (double)++no, r->f.center);
		rp_text(r, 1, rp_name(r, "site", rp_str(rec, "site")), r->f.wrap);
		rp_text(r, 2, rp_name(r, "asset", asset), r->f.wrap);
		rp_cell(r->row, 2, me, sizeof me);
		snprintf(f, sizeof f, "=COUNTIF(%s,%s)", dev, me);
		rp_formula(r, 5, f, r->f.num, items);
		snprintf(f, sizeof f, "=COUNTIFS(%s,%s,%s,\"%s\")", dev, me, res, pass);
		rp_formula(r, 6, f, r->f.num, np);
		snprintf(f, sizeof f, "=COUNTIFS(%s,%s,%s,\"%s\")", dev, me, res, fail);
		rp_formula(r, 7, f, r->f.num, nf);
		rp_cell(r->row, 6, c_pass, sizeof c_pass);
		rp_cell(r->row, 7, c_fail, sizeof c_fail);
		snprintf(f, sizeof f, "=IF(%s+%s=0,\"-\",%s/(%s+%s))", c_pass, c_fail, c_pass, c_pass, c_fail);
		rp_rate(r, 8, f, r->f.pct, np, nf);
		rp_end_row(r);
		i = j;
	}
}

int rp_inspection(rp *r)
{
	json_t *camp = NULL, *items = NULL;
	json_t **a = NULL;
	char sub[200], f[400], rg[64], res[64], buf[1200];
	int rc;
	if ((rc = rp_record(r, r->req->id, "inspection_campaign", &camp)) ||
	    (rc = rp_select(r, "inspection_item", item_of_campaign, r->req->id, NULL, &items)))
		goto out;
	size_t n = json_array_size(items), i;
	if (!(a = calloc(n + 1, sizeof *a))) {
		rc = mm_err_set(r->err, MM_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		a[i] = json_array_get(items, i);
	qsort_r(a, n, sizeof *a, cmp_items, r);
	snprintf(sub, sizeof sub, L(r, "点検: %s", "Campaign: %s"), r->req->id);
	if ((rc = rp_sheet(r, L(r, "点検結果報告書", "Inspection"), insp_widths, 13, true,
			   L(r, "点検結果報告書 (統合端末等設置及び設定状況チェック)", "Inspection report"), sub)))
		goto out;
	rp_section(r, L(r, "1 点検の概要 (002 別紙1 §4)", "1 The inspection (002 Annex 1 §4)"));
	char period[64], fy[16];
	snprintf(period, sizeof period, "%s〜%s", rp_str(camp, "period_from") ? rp_str(camp, "period_from") : "",
		 rp_str(camp, "period_until") ? rp_str(camp, "period_until") : "");
	snprintf(fy, sizeof fy, "%lld",
		 (long long)json_integer_value(json_object_get(json_object_get(camp, "data"), "fiscal_year")));
	rp_kv(r, rp_field(r, "inspection_campaign", "title"), rp_str(camp, "title"));
	rp_kv(r, rp_field(r, "inspection_campaign", "fiscal_year"), fy);
	rp_kv(r, L(r, "実施期間", "Period"), period);
	rp_kv(r, L(r, "状態", "State"), rp_state(r, "inspection_campaign", rp_state_of(camp)));
	rp_kv(r, rp_field(r, "inspection_campaign", "work_request"),
	      rp_name(r, "work_request", rp_str(camp, "work_request")));

	/* layout first: the totals name the item rows */
	size_t ndev = 0;
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(rp_str(a[i], "asset") ? rp_str(a[i], "asset") : "",
				     rp_str(a[i - 1], "asset") ? rp_str(a[i - 1], "asset") : "") != 0)
			ndev++;
	uint32_t tot_at = r->row + 2;
	uint32_t first = tot_at + 7 + 3, last = first + (uint32_t)(n ? n : 1) - 1;
	rp_end_row(r);
	rp_section(r, L(r, "2 結果の集計", "2 Totals"));
	rp_col_range(first, last, 7, res, sizeof res);
	rp_col_range(first, last, 1, rg, sizeof rg);
	snprintf(f, sizeof f, "=COUNTA(%s)", rg);
	rp_total_row(r, L(r, "点検項目数", "Items"), 5, 5, f, r->f.total_num, (double)n);
	const char *vals[] = {"pass", "fail", "not-applicable"};
	double cnt[3] = {0, 0, 0};
	for (i = 0; i < n; i++)
		for (size_t k = 0; k < 3; k++)
			cnt[k] += rp_str(a[i], "result") && strcmp(rp_str(a[i], "result"), vals[k]) == 0;
	const char *lab_ja[] = {"適合", "不適合", "該当なし"}, *lab_en[] = {"Pass", "Fail", "Not applicable"};
	for (size_t k = 0; k < 3; k++) {
		snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", res, rp_enum(r, "inspection_item", "result", vals[k]));
		rp_total_row(r, r->en ? lab_en[k] : lab_ja[k], 5, 5, f, r->f.total_num, cnt[k]);
	}
	char c_all[16], c_pass[16], c_fail[16];
	rp_cell(tot_at, 5, c_all, sizeof c_all);
	rp_cell(tot_at + 1, 5, c_pass, sizeof c_pass);
	rp_cell(tot_at + 2, 5, c_fail, sizeof c_fail);
	char c_na[16];
	rp_cell(tot_at + 3, 5, c_na, sizeof c_na);
	snprintf(f, sizeof f, "=%s-%s-%s-%s", c_all, c_pass, c_fail, c_na);
	rp_total_row(r, L(r, "未実施", "Not yet checked"), 5, 5, f, r->f.total_num, (double)n - cnt[0] - cnt[1] - cnt[2]);
	snprintf(f, sizeof f, "=IF(%s+%s=0,\"-\",%s/(%s+%s))", c_pass, c_fail, c_pass, c_pass, c_fail);
	rp_rate_row(r, L(r, "適合率 (適合/(適合+不適合))", "Pass rate (pass/(pass+fail))"), 5, 5, f, cnt[0], cnt[1]);
	worksheet_merge_range(r->ws, r->row, 0, r->row, 4, L(r, "対象機器数", "Devices"), r->f.total);
	rp_num(r, 5, (double)ndev, r->f.total_num);
	r->row = first - 2;
	rp_section(r, L(r, "3 機器ごと・項目ごとの結果", "3 Results per device and item"));
	static const char *const ja[] = {"No", "設置場所", "機器", "対象", "項番", "点検項目", "方法", "結果",
					 "点検日時", "点検者", "所見", "証跡", "指摘事項・是正"};
	static const char *const en[] = {"No", "Site", "Device", "Target", "Item", "Check", "Method", "Result",
					 "Checked at", "Checked by", "Comment", "Evidence", "Finding / correction"};
	rp_heads(r, r->en ? en : ja, true);
	for (i = 0; i < n; i++) {
		json_t *it = a[i], *asset = rp_lookup(r, "asset", rp_str(it, "asset"));
		rp_num(r, 0, (double)(i + 1), r->f.center);
		rp_text(r, 1, rp_name(r, "site", rp_str(asset, "site")), r->f.wrap);
		rp_text(r, 2, rp_name(r, "asset", rp_str(it, "asset")), r->f.wrap);
		rp_text(r, 3, rp_enum(r, "inspection_item", "target", rp_str(it, "target")), r->f.center);
		rp_num(r, 4, (double)json_integer_value(json_object_get(json_object_get(it, "data"), "item_no")),
		       r->f.center);
		rp_text(r, 5, rp_str(it, "item"), r->f.wrap);
		rp_text(r, 6, rp_enum(r, "inspection_item", "method", rp_str(it, "method")), r->f.center);
		rp_text(r, 7, rp_enum(r, "inspection_item", "result", rp_str(it, "result")), r->f.center);
		rp_datetime(r, 8, rp_str(it, "checked_at"));
		rp_text(r, 9, rp_name(r, "person", rp_str(it, "checked_by")), r->f.wrap);
		rp_text(r, 10, rp_str(it, "comment"), r->f.wrap);
		evidence(it, r->en, buf, sizeof buf);
		rp_text(r, 11, buf, r->f.wrap);
		const char *fix = rp_str(it, "corrective_request");
		snprintf(buf, sizeof buf, "%s%s%s", rp_str(it, "finding") ? rp_str(it, "finding") : "",
			 fix ? L(r, "\n是正: ", "\ncorrection: ") : "", fix ? fix : "");
		rp_text(r, 12, buf, r->f.wrap);
		rp_end_row(r);
	}
	if (!n)
		rp_empty_row(r, 5);
	uint32_t last_item = r->row - 1;
	per_device(r, a, n, first, last_item);
	rp_checkpoint_block(r);
out:
	free(a);
	json_decref(items);
	json_decref(camp);
	return rc;
}

static const double form_widths[] = {12, 16, 18, 18, 18, 18};

/* ---- erasure certificate ---- */

int rp_erasure(rp *r)
{
	json_t *m = NULL, *hist = NULL;
	char sub[200], buf[600];
	int rc;
	if ((rc = rp_record(r, r->req->id, "confidential_material", &m)))
		return rc;
	if (!rp_str(m, "erased_at") ||
	    (strcmp(rp_state_of(m), "erased") != 0 && strcmp(rp_state_of(m), "erasure-confirmed") != 0)) {
		rc = mm_err_set(r->err, MM_EINVAL,
				"--id %s: the material is '%s', not erased: an erasure certificate needs the erasure "
				"reported (state erased or erasure-confirmed)",
				r->req->id, rp_state_of(m));
		goto out;
	}
	if ((rc = rp_history(r, r->req->id, &hist)))
		goto out;
	snprintf(sub, sizeof sub, L(r, "記録番号: %s", "Record: %s"), r->req->id);
	if ((rc = rp_sheet(r, L(r, "消去証明書", "Erasure certificate"), form_widths, 6, false,
			   L(r, "消去証明書", "Erasure certificate"), sub)))
		goto out;
	rp_text(r, 0,
		L(r, "下記の機密情報について、復元不可能な方法により消去したことを証明します (004 第10条、第28条、第30条)。",
		  "We certify that the confidential material below was erased beyond recovery (004 Art. 10, 28, 30)."),
		NULL);
	r->row += 2;
	rp_section(r, L(r, "1 機密情報", "1 The material"));
	rp_kv(r, rp_field(r, "confidential_material", "name"), rp_str(m, "name"));
	rp_kv(r, rp_field(r, "confidential_material", "material_type"),
	      rp_enum(r, "confidential_material", "material_type", rp_str(m, "material_type")));
	json_t *q = json_object_get(json_object_get(m, "data"), "quantity");
	snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(q));
	rp_kv(r, rp_field(r, "confidential_material", "quantity"), q ? buf : "");
	rp_kv(r, rp_field(r, "confidential_material", "received_on"), rp_str(m, "received_on"));
	rp_kv(r, rp_field(r, "confidential_material", "received_by"), rp_name(r, "person", rp_str(m, "received_by")));
	rp_kv(r, rp_field(r, "confidential_material", "received_from"), rp_str(m, "received_from"));
	rp_kv(r, rp_field(r, "confidential_material", "receipt_no"), rp_str(m, "receipt_no"));
	rp_kv(r, rp_field(r, "confidential_material", "storage"), rp_str(m, "storage"));
	rp_end_row(r);
	rp_section(r, L(r, "2 消去", "2 Erasure"));
	worksheet_merge_range(r->ws, r->row, 0, r->row, 1, rp_field(r, "confidential_material", "erased_at"),
			      r->f.label);
	worksheet_merge_range(r->ws, r->row, 2, r->row, 5, "", r->f.dt);
	rp_datetime(r, 2, rp_str(m, "erased_at")); /* the value of a merged range lives in its first cell */
	rp_end_row(r);
	rp_kv(r, rp_field(r, "confidential_material", "erased_by"), rp_name(r, "person", rp_str(m, "erased_by")));
	rp_kv(r, rp_field(r, "confidential_material", "erasure_method"),
	      rp_enum(r, "confidential_material", "erasure_method", rp_str(m, "erasure_method")));
	rp_kv(r, rp_field(r, "confidential_material", "erasure_detail"), rp_str(m, "erasure_detail"));
	rp_kv(r, rp_field(r, "confidential_material", "witness"), rp_str(m, "witness"));
	rp_kv(r, L(r, "状態", "State"), rp_state(r, "confidential_material", rp_state_of(m)));
	rp_who_when(hist, "erased", buf, sizeof buf);
	rp_kv(r, L(r, "消去の報告", "Erasure reported"), buf);
	rp_who_when(hist, "erasure-confirmed", buf, sizeof buf);
	rp_kv(r, L(r, "発注者による確認", "Confirmed by the municipality"), buf[0] ? buf : L(r, "(未確認)", "(not yet)"));
	rp_end_row(r);
	static const char *const sj[] = {"受託者 業務責任者", "消去担当者", "立会者", "発注者 確認"};
	static const char *const se[] = {"Contractor manager", "Erased by", "Witness", "Municipality"};
	rp_sign_boxes(r, r->en ? se : sj, 4);
	rp_end_row(r);
	rp_section(r, L(r, "3 記録の経過 (台帳)", "3 Record history (ledger)"));
	rp_history_table(r, "confidential_material", hist);
	rp_checkpoint_block(r);
out:
	json_decref(hist);
	json_decref(m);
	return rc;
}

/* ---- work request and its result ---- */

int rp_work_request(rp *r)
{
	json_t *w = NULL, *hist = NULL;
	char sub[200], buf[2000];
	int rc;
	if ((rc = rp_record(r, r->req->id, "work_request", &w)) || (rc = rp_history(r, r->req->id, &hist)))
		goto out;
	json_t *d = json_object_get(w, "data");
	snprintf(sub, sizeof sub, L(r, "依頼番号: %s", "Request: %s"), r->req->id);
	if ((rc = rp_sheet(r, L(r, "作業依頼書", "Work request"), form_widths, 6, false,
			   L(r, "作業依頼書・作業結果報告", "Work request and result report"), sub)))
		goto out;
	rp_section(r, L(r, "1 作業依頼 (002 §5(8)ア)", "1 The request (002 §5(8))"));
	rp_kv(r, L(r, "依頼番号", "Request"), rp_id_of(w));
	rp_kv(r, rp_field(r, "work_request", "title"), rp_str(w, "title"));
	rp_kv(r, rp_field(r, "work_request", "category"), rp_enum(r, "work_request", "category", rp_str(w, "category")));
	rp_kv(r, rp_field(r, "work_request", "description"), rp_str(w, "description"));
	rp_names(r, "site", json_object_get(d, "target_sites"), buf, sizeof buf);
	rp_kv(r, rp_field(r, "work_request", "target_sites"), buf);
	rp_names(r, "asset", json_object_get(d, "target_assets"), buf, sizeof buf);
	rp_kv(r, rp_field(r, "work_request", "target_assets"), buf);
	snprintf(buf, sizeof buf, "%s〜%s", rp_str(w, "requested_from") ? rp_str(w, "requested_from") : "",
		 rp_str(w, "requested_until") ? rp_str(w, "requested_until") : "");
	rp_kv(r, L(r, "作業期間", "Period"), buf);
	rp_kv(r, rp_field(r, "work_request", "requested_by"), rp_str(w, "requested_by"));
	rp_kv(r, rp_field(r, "work_request", "production_change"),
	      json_is_true(json_object_get(d, "production_change")) ? L(r, "あり", "yes") : L(r, "なし", "no"));
	rp_kv(r, rp_field(r, "work_request", "procedure"), rp_str(w, "procedure"));
	rp_who_when(hist, "procedure-approved", buf, sizeof buf);
	rp_kv(r, L(r, "手順書の承認", "Procedure approved"), buf);
	rp_kv(r, rp_field(r, "work_request", "test_result"), rp_str(w, "test_result"));
	rp_names(r, "person", json_object_get(d, "assignees"), buf, sizeof buf);
	rp_kv(r, rp_field(r, "work_request", "assignees"), buf);
	rp_kv(r, rp_field(r, "work_request", "visit"), rp_str(w, "visit"));
	rp_kv(r, L(r, "状態", "State"), rp_state(r, "work_request", rp_state_of(w)));
	rp_end_row(r);
	rp_section(r, L(r, "2 作業結果報告 (002 §5(8)ウ: 実施した手順、実施日、実施者)",
			"2 Result (002 §5(8): steps, dates, performers)"));
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(d, "result_steps"), i, v) {
		worksheet_merge_range(r->ws, r->row, 0, r->row, 1, "", r->f.label);
		snprintf(buf, sizeof buf, L(r, "手順 %zu", "Step %zu"), i + 1);
		rp_text(r, 0, buf, r->f.label);
		worksheet_merge_range(r->ws, r->row, 2, r->row, 5, json_string_value(v), r->f.wrap);
		rp_end_row(r);
	}
	if (!json_array_size(json_object_get(d, "result_steps")))
		rp_kv(r, rp_field(r, "work_request", "result_steps"), L(r, "(未報告)", "(not reported)"));
	rp_join_dates(json_object_get(d, "result_dates"), buf, sizeof buf);
	rp_kv(r, rp_field(r, "work_request", "result_dates"), buf);
	rp_names(r, "person", json_object_get(d, "performers"), buf, sizeof buf);
	rp_kv(r, rp_field(r, "work_request", "performers"), buf);
	rp_kv(r, rp_field(r, "work_request", "result_report"), rp_str(w, "result_report"));
	rp_who_when(hist, "accepted", buf, sizeof buf);
	rp_kv(r, L(r, "検収", "Accepted"), buf);
	rp_kv(r, rp_field(r, "work_request", "note"), rp_str(w, "note"));
	rp_end_row(r);
	static const char *const sj[] = {"依頼者 (発注者)", "作業責任者", "作業実施者", "検収者"};
	static const char *const se[] = {"Requested by", "Work manager", "Performed by", "Accepted by"};
	rp_sign_boxes(r, r->en ? se : sj, 4);
	rp_end_row(r);
	rp_section(r, L(r, "3 記録の経過 (台帳)", "3 Record history (ledger)"));
	rp_history_table(r, "work_request", hist);
	rp_checkpoint_block(r);
out:
	json_decref(hist);
	json_decref(w);
	return rc;
}

