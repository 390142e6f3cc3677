/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The monthly reports — monthly work, completion notice with the list of
 * deliverables, security preservation status (002 別紙3), access log.
 * Each selects the month's records as the reader sees them, lays them out
 * on one A4 sheet and puts formulas where a person totals or counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/mm_cal.h"
#include "report/report_int.h"
#include "base/banned.h"

/* ---- monthly work report ---- */

static bool wr_in_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	const char *from = rp_str(rec, "requested_from"), *until = rp_str(rec, "requested_until");
	char lo[11], hi[11];
	snprintf(lo, sizeof lo, "%04d-%02d-01", r->y, r->m);
	snprintf(hi, sizeof hi, "%04d-%02d-31", r->y, r->m);
	/* the requested period overlaps the month, or work was done in it */
	bool overlap = from && until && strcmp(from, hi) <= 0 && strcmp(until, lo) >= 0;
	return (overlap && strcmp(rp_state_of(rec), "withdrawn") != 0) || rp_list_in_month(r, rec, "result_dates");
}

static const double monthly_widths[] = {5, 14, 30, 16, 20, 12, 16, 16, 20, 24};

int rp_monthly_work(rp *r)
{
	json_t *wrs = NULL, *faults = NULL, *acc = NULL, *inc = NULL, *mins = NULL;
	char sub[100], f[300], rg[64];
	int rc;
	if ((rc = rp_select(r, "work_request", wr_in_month, NULL, "requested_from", &wrs)) ||
	    (rc = rp_select(r, "fault", rp_field_in_month, "instructed_at", "instructed_at", &faults)) ||
	    (rc = rp_select(r, "area_access", rp_field_in_month, "entered_at", "entered_at", &acc)) ||
	    (rc = rp_select(r, "security_incident", rp_field_in_month, "detected_at", "detected_at", &inc)) ||
	    (rc = rp_select(r, "meeting_minutes", rp_field_in_month, "held_at", "held_at", &mins)))
		goto out;
	rp_subtitle_month(r, sub, sizeof sub);
	if ((rc = rp_sheet(r, L(r, "月次業務実施報告", "Monthly work"), monthly_widths, 10, true,
			   L(r, "月次業務実施報告", "Monthly work report"), sub)))
		goto out;
	/* rows are laid out first so the summary's formulas can name them */
	size_t nwr = json_array_size(wrs), nf = json_array_size(faults);
	size_t nother = json_array_size(acc) + json_array_size(inc) + json_array_size(mins);
	uint32_t sum_at = r->row + 1;               /* 1 summary: heading, 9 rows */
	uint32_t wr_first = sum_at + 9 + 3;         /* blank, heading, heads */
	uint32_t wr_last = wr_first + (uint32_t)(nwr ? nwr : 1) - 1;
	uint32_t f_first = wr_last + 4;
	uint32_t f_last = f_first + (uint32_t)(nf ? nf : 1) - 1;
	uint32_t o_first = f_last + 4;
	uint32_t o_last = o_first + (uint32_t)(nother ? nother : 1) - 1;

	rp_section(r, L(r, "1 実施概要 (002 §6(4) 月毎の保守業務の実施状況)", "1 Summary (002 §6(4))"));
	double n_done = 0, n_met = 0, n_missed = 0;
	size_t i;
	json_t *v;
	json_array_foreach(wrs, i, v) {
		const char *st = rp_state_of(v);
		n_done += strcmp(st, "done") == 0 || strcmp(st, "result-reported") == 0 || strcmp(st, "accepted") == 0;
	}
	json_array_foreach(faults, i, v) {
		const char *st = rp_str(v, "sla_status");
		n_met += st && strcmp(st, "met") == 0;
		n_missed += st && strcmp(st, "missed") == 0;
	}
	struct {
		const char *ja, *en;
		uint32_t first, last;
		uint16_t col;
		const char *crit; /* COUNTIF criterion; NULL = COUNTA */
		double value;
	} sum[] = {
		{"作業依頼書による作業 (件)", "Work requests (count)", wr_first, wr_last, 1, NULL, (double)nwr},
		{"  うち作業完了・結果報告済・検収済 (件)", "  of which done, reported or accepted", wr_first, wr_last, 5, "*",
		 n_done},
		{"障害対応 (件)", "Faults (count)", f_first, f_last, 1, NULL, (double)nf},
		{"  うちサービスレベル達成 (件)", "  of which target met", f_first, f_last, 8, "met", n_met},
		{"  うちサービスレベル未達 (件)", "  of which target missed", f_first, f_last, 8, "missed", n_missed},
		{"入退室記録・インシデント・議事録 (件)", "Access, incidents, minutes (count)", o_first, o_last, 1, NULL,
		 (double)nother},
	};
	for (i = 0; i < sizeof sum / sizeof sum[0]; i++) {
		rp_col_range(sum[i].first, sum[i].last, sum[i].col, rg, sizeof rg);
		if (!sum[i].crit)
			snprintf(f, sizeof f, "=COUNTA(%s)", rg);
		else if (strcmp(sum[i].crit, "*") == 0)
			snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")+COUNTIF(%s,\"%s\")+COUNTIF(%s,\"%s\")", rg,
				 rp_state(r, "work_request", "done"), rg, rp_state(r, "work_request", "result-reported"),
				 rg, rp_state(r, "work_request", "accepted"));
		else
			snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, rp_enum(r, "fault", "sla_status", sum[i].crit));
		rp_total_row(r, L(r, sum[i].ja, sum[i].en), 3, 3, f, r->f.total_num, sum[i].value);
	}
	char met[16], missed[16];
	rp_cell(sum_at + 3, 3, met, sizeof met);
	rp_cell(sum_at + 4, 3, missed, sizeof missed);
	snprintf(f, sizeof f, "=IF(%s+%s=0,\"-\",%s/(%s+%s))", met, missed, met, met, missed);
	rp_rate_row(r, L(r, "サービスレベル達成率", "Service level met rate"), 3, 3, f, n_met, n_missed);
	snprintf(f, sizeof f, L(r, "集計期間: %04d/%02d/01 00:00 〜 月末 24:00 (日本時間)", "Period: %04d-%02d, Japan time"),
		 r->y, r->m);
	rp_text(r, 0, f, r->f.sub);
	rp_end_row(r);
	r->row = sum_at + 9;

	rp_end_row(r);
	rp_section(r, L(r, "2 作業依頼書による作業 (002 §4、§5(8))", "2 Work requests (002 §4, §5(8))"));
	static const char *const wr_ja[] = {"No", "依頼番号", "件名", "作業区分", "作業期間", "状態", "実施日",
					    "実施者", "対象", "備考"};
	static const char *const wr_en[] = {"No", "Request", "Title", "Category", "Period", "State", "Dates done",
					    "Performed by", "Targets", "Notes"};
	rp_heads(r, r->en ? wr_en : wr_ja, true);
	json_array_foreach(wrs, i, v) {
		char period[40], dates[400], who[400], tgt[600];
		json_t *d = json_object_get(v, "data");
		snprintf(period, sizeof period, "%s〜%s", rp_str(v, "requested_from") ? rp_str(v, "requested_from") : "",
			 rp_str(v, "requested_until") ? rp_str(v, "requested_until") : "");
		rp_join_dates(json_object_get(d, "result_dates"), dates, sizeof dates);
		rp_names(r, "person", json_object_get(d, "performers"), who, sizeof who);
		size_t ns = json_array_size(json_object_get(d, "target_sites"));
		size_t na = json_array_size(json_object_get(d, "target_assets"));
		if (ns > 3)
			snprintf(tgt, sizeof tgt, L(r, "%zu 拠点", "%zu sites"), ns);
		else if (ns)
			rp_names(r, "site", json_object_get(d, "target_sites"), tgt, sizeof tgt);
		else if (na)
			rp_names(r, "asset", json_object_get(d, "target_assets"), tgt, sizeof tgt);
		else
			tgt[0] = 0;
		rp_num(r, 0, (double)(i + 1), r->f.center);
		rp_text(r, 1, rp_id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "title"), r->f.wrap);
		rp_text(r, 3, rp_enum(r, "work_request", "category", rp_str(v, "category")), r->f.wrap);
		rp_text(r, 4, period, r->f.wrap);
		rp_text(r, 5, rp_state(r, "work_request", rp_state_of(v)), r->f.center);
		rp_text(r, 6, dates, r->f.wrap);
		rp_text(r, 7, who, r->f.wrap);
		rp_text(r, 8, tgt, r->f.wrap);
		rp_text(r, 9, rp_str(v, "note"), r->f.wrap);
		rp_end_row(r);
	}
	if (!nwr)
		rp_empty_row(r, 2);

	rp_end_row(r);
	rp_section(r, L(r, "3 障害対応 (002 §5(2)、別紙1 §5)", "3 Faults (002 §5(2), Annex 1 §5)"));
	static const char *const f_ja[] = {"No", "障害番号", "障害概要", "機器", "対応指示日時", "区分",
					   "現場着手日時", "着手期限", "サービスレベル", "目標未達の理由"};
	static const char *const f_en[] = {"No", "Fault", "Summary", "Device", "Instructed", "Class",
					   "On-site start", "Due", "Service level", "Reason missed"};
	rp_heads(r, r->en ? f_en : f_ja, false);
	json_array_foreach(faults, i, v) {
		rp_num(r, 0, (double)(i + 1), r->f.center);
		rp_text(r, 1, rp_id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "summary"), r->f.wrap);
		rp_text(r, 3, rp_name(r, "asset", rp_str(v, "asset")), r->f.wrap);
		rp_datetime(r, 4, rp_str(v, "instructed_at"));
		rp_text(r, 5, rp_enum(r, "fault", "class", rp_str(v, "class")), r->f.cell);
		rp_datetime(r, 6, rp_str(v, "onsite_started_at"));
		rp_datetime(r, 7, rp_str(v, "due_at"));
		rp_text(r, 8, rp_enum(r, "fault", "sla_status", rp_str(v, "sla_status")), r->f.center);
		rp_text(r, 9, rp_str(v, "miss_reason"), r->f.wrap);
		rp_end_row(r);
	}
	if (!nf)
		rp_empty_row(r, 2);

	rp_end_row(r);
	rp_section(r, L(r, "4 その他の業務 (入退室・情報セキュリティインシデント・打合せ議事録)",
			"4 Other work (secure-area access, security incidents, meeting minutes)"));
	static const char *const o_ja[] = {"No", "記録番号", "内容", "種別", "日時", "状態", "終了日時", "担当",
					   "区域・区分", "備考"};
	static const char *const o_en[] = {"No", "Record", "Content", "Kind", "At", "State", "Ended", "Person",
					   "Area / class", "Notes"};
	rp_heads(r, r->en ? o_en : o_ja, false);
	size_t no = 0;
	json_array_foreach(acc, i, v) {
		rp_num(r, 0, (double)++no, r->f.center);
		rp_text(r, 1, rp_id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "purpose"), r->f.wrap);
		rp_text(r, 3, L(r, "入退室", "Access"), r->f.cell);
		rp_datetime(r, 4, rp_str(v, "entered_at"));
		rp_text(r, 5, rp_state(r, "area_access", rp_state_of(v)), r->f.center);
		rp_datetime(r, 6, rp_str(v, "exited_at"));
		rp_text(r, 7, rp_name(r, "person", rp_str(v, "person")), r->f.wrap);
		rp_text(r, 8, rp_str(v, "area"), r->f.wrap);
		rp_text(r, 9, rp_str(v, "badge"), r->f.wrap);
		rp_end_row(r);
	}
	json_array_foreach(inc, i, v) {
		rp_num(r, 0, (double)++no, r->f.center);
		rp_text(r, 1, rp_id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "title"), r->f.wrap);
		rp_text(r, 3, L(r, "インシデント", "Incident"), r->f.cell);
		rp_datetime(r, 4, rp_str(v, "detected_at"));
		rp_text(r, 5, rp_state(r, "security_incident", rp_state_of(v)), r->f.center);
		rp_datetime(r, 6, NULL);
		rp_text(r, 7, NULL, r->f.cell);
		rp_text(r, 8, rp_enum(r, "security_incident", "severity", rp_str(v, "severity")), r->f.wrap);
		rp_text(r, 9, rp_str(v, "prevention"), r->f.wrap);
		rp_end_row(r);
	}
	json_array_foreach(mins, i, v) {
		rp_num(r, 0, (double)++no, r->f.center);
		rp_text(r, 1, rp_id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "title"), r->f.wrap);
		rp_text(r, 3, L(r, "議事録", "Minutes"), r->f.cell);
		rp_datetime(r, 4, rp_str(v, "held_at"));
		rp_text(r, 5, rp_state(r, "meeting_minutes", rp_state_of(v)), r->f.center);
		rp_datetime(r, 6, rp_str(v, "submitted_at"));
		rp_text(r, 7, NULL, r->f.cell);
		rp_text(r, 8, rp_enum(r, "meeting_minutes", "sla_status", rp_str(v, "sla_status")), r->f.wrap);
		rp_text(r, 9, rp_str(v, "late_reason"), r->f.wrap);
		rp_end_row(r);
	}
	if (!nother)
		rp_empty_row(r, 2);
	rp_checkpoint_block(r);
out:
	json_decref(wrs);
	json_decref(faults);
	json_decref(acc);
	json_decref(inc);
	json_decref(mins);
	return rc;
}

/* ---- access log ---- */

static const double access_widths[] = {5, 15, 15, 8, 14, 20, 22, 18, 26, 9, 12};

int rp_access_log(rp *r)
{
	json_t *acc = NULL;
	char sub[100], f[300], a[16], b[16], rg[64];
	int rc;
	if ((rc = rp_select(r, "area_access", rp_field_in_month, "entered_at", "entered_at", &acc)))
		return rc;
	rp_subtitle_month(r, sub, sizeof sub);
	if ((rc = rp_sheet(r, L(r, "入退域管理簿", "Access log"), access_widths, 11, true,
			   L(r, "入退域管理簿 (サーバ室・管理区域)", "Secure-area access log"), sub)))
		goto out;
	rp_section(r, L(r, "1 入退室の記録 (000 §13、§14、002 §5(3)(4))", "1 Entries and exits (000 §13, §14; 002 §5(3)(4))"));
	static const char *const ja[] = {"No", "入室日時", "退室日時", "滞在(分)", "入室者", "所属", "区域",
					 "拠点", "目的", "入館証", "許可者"};
	static const char *const en[] = {"No", "Entered", "Exited", "Minutes", "Person", "Organisation", "Area",
					 "Site", "Purpose", "Badge", "Permitted by"};
	rp_heads(r, r->en ? en : ja, true);
	uint32_t first = r->row;
	size_t i;
	json_t *v;
	double total_minutes = 0, no_exit = 0;
	json_array_foreach(acc, i, v) {
		json_t *p = rp_lookup(r, "person", rp_str(v, "person"));
		rp_num(r, 0, (double)(i + 1), r->f.center);
		rp_datetime(r, 1, rp_str(v, "entered_at"));
		rp_datetime(r, 2, rp_str(v, "exited_at"));
		rp_cell(r->row, 1, a, sizeof a);
		rp_cell(r->row, 2, b, sizeof b);
		snprintf(f, sizeof f, "=IF(%s=\"\",\"\",ROUND((%s-%s)*1440,0))", b, b, a);
		int64_t t_in, t_out;
		double minutes = 0;
		if (rp_instant(rp_str(v, "entered_at"), &t_in) && rp_instant(rp_str(v, "exited_at"), &t_out)) {
			minutes = (double)((t_out - t_in + 30) / 60);
			total_minutes += minutes;
			rp_formula(r, 3, f, r->f.num, minutes);
		} else {
			no_exit++;
			worksheet_write_formula_str(r->ws, r->row, 3, f, r->f.num, "");
		}
		rp_text(r, 4, rp_name(r, "person", rp_str(v, "person")), r->f.wrap);
		rp_text(r, 5, rp_str(p, "organisation"), r->f.wrap);
		rp_text(r, 6, rp_str(v, "area"), r->f.wrap);
		rp_text(r, 7, rp_name(r, "site", rp_str(v, "site")), r->f.wrap);
		rp_text(r, 8, rp_str(v, "purpose"), r->f.wrap);
		rp_text(r, 9, rp_str(v, "badge"), r->f.cell);
		rp_text(r, 10, rp_str(v, "permitted_by"), r->f.wrap);
		rp_end_row(r);
	}
	if (!json_array_size(acc))
		rp_empty_row(r, 8);
	uint32_t last = r->row - 1;
	rp_end_row(r);
	rp_section(r, L(r, "2 集計", "2 Totals"));
	rp_col_range(first, last, 4, rg, sizeof rg);
	snprintf(f, sizeof f, "=COUNTA(%s)", rg);
	rp_total_row(r, L(r, "入室件数", "Entries"), 3, 3, f, r->f.total_num, (double)json_array_size(acc));
	char rgx[64], rgm[64];
	rp_col_range(first, last, 2, rgx, sizeof rgx);
	rp_col_range(first, last, 3, rgm, sizeof rgm);
	snprintf(f, sizeof f, "=COUNTA(%s)-COUNT(%s)", rg, rgx);
	rp_total_row(r, L(r, "退室の記録がないもの", "No exit recorded"), 3, 3, f, r->f.total_num, no_exit);
	snprintf(f, sizeof f, "=SUM(%s)", rgm);
	rp_total_row(r, L(r, "延べ滞在時間 (分)", "Total minutes inside"), 3, 3, f, r->f.total_num, total_minutes);
	rp_checkpoint_block(r);
out:
	json_decref(acc);
	return rc;
}

/* ---- completion notice and list of deliverables ---- */

static bool wr_result_in_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	return rp_list_in_month(r, rec, "result_dates");
}

static bool campaign_in_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	return rp_str(rec, "report") && rp_in_month(r, rp_str(rec, "period_until"));
}

static bool erased_in_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	return rp_in_month(r, rp_str(rec, "erased_at"));
}

/* One deliverable row: what, under which clause, the record, its date, its evidence. */
static void deliverable(rp *r, size_t *no, const char *what, const char *clause, const char *id, const char *date,
			const char *evidence)
{
	char ev[32];
	snprintf(ev, sizeof ev, "%s%.12s", evidence ? "sha256:" : "", evidence ? evidence : "");
	rp_num(r, 0, (double)++*no, r->f.center);
	rp_text(r, 1, what, r->f.wrap);
	rp_text(r, 2, clause, r->f.wrap);
	rp_text(r, 3, id, r->f.cell);
	if (date && strlen(date) == 10)
		rp_date(r, 4, date);
	else
		rp_datetime(r, 4, date);
	rp_text(r, 5, evidence ? ev : NULL, r->f.cell);
	rp_end_row(r);
}

static const double completion_widths[] = {5, 34, 18, 16, 14, 20};

int rp_completion(rp *r)
{
	json_t *wrs = NULL, *faults = NULL, *camps = NULL, *mins = NULL, *mats = NULL;
	char sub[100], buf[600], last_day[16];
	int rc;
	if ((rc = rp_select(r, "work_request", wr_result_in_month, NULL, "requested_from", &wrs)) ||
	    (rc = rp_select(r, "fault", rp_field_in_month, "recovered_at", "recovered_at", &faults)) ||
	    (rc = rp_select(r, "inspection_campaign", campaign_in_month, NULL, "period_until", &camps)) ||
	    (rc = rp_select(r, "meeting_minutes", rp_field_in_month, "submitted_at", "submitted_at", &mins)) ||
	    (rc = rp_select(r, "confidential_material", erased_in_month, NULL, "erased_at", &mats)))
		goto out;
	rp_subtitle_month(r, sub, sizeof sub);
	if ((rc = rp_sheet(r, L(r, "業務完了届", "Completion"), completion_widths, 6, false,
			   L(r, "業務完了届", "Completion notice"), sub)))
		goto out;
	snprintf(buf, sizeof buf,
		 L(r, "%04d年%02d月分の業務を下記のとおり完了しましたので、成果品目録を添えて届け出ます (002 §6(1))。",
		   "We report the work of %04d-%02d as completed, with the list of deliverables below (002 §6(1))."),
		 r->y, r->m);
	rp_text(r, 0, buf, NULL);
	r->row += 2;
	snprintf(last_day, sizeof last_day, "%02d/%02d", r->m, mm_cal_month_days(r->y, r->m));
	snprintf(buf, sizeof buf, "%04d/%02d/01〜%04d/%s", r->y, r->m, r->y, last_day);
	rp_kv(r, L(r, "履行期間 (対象月)", "Period"), buf);
	rp_kv(r, L(r, "業務責任者", "Responsible manager"), rp_roster_name(r, "responsible-manager"));
	rp_kv(r, L(r, "情報セキュリティ責任者", "Security officer"), rp_roster_name(r, "security-officer"));
	rp_end_row(r);
	rp_section(r, L(r, "成果品目録", "List of deliverables"));
	static const char *const ja[] = {"No", "成果品", "根拠", "記録番号", "日付", "証跡"};
	static const char *const en[] = {"No", "Deliverable", "Clause", "Record", "Date", "Evidence"};
	rp_heads(r, r->en ? en : ja, true);
	uint32_t first = r->row;
	size_t no = 0, i;
	json_t *v;
	char ym[16];
	snprintf(ym, sizeof ym, "%04d-%02d", r->y, r->m);
	deliverable(r, &no, L(r, "月次業務実施報告", "Monthly work report"), "002 §6(4)", ym, NULL, NULL);
	deliverable(r, &no, L(r, "セキュリティ保全状況報告書", "Security preservation status report"), "002 §6(3)", ym,
		    NULL, NULL);
	json_array_foreach(wrs, i, v) {
		snprintf(buf, sizeof buf, L(r, "作業結果報告: %s", "Work result: %s"), rp_str(v, "title"));
		json_t *dates = json_object_get(json_object_get(v, "data"), "result_dates");
		deliverable(r, &no, buf, "002 §5(8)ウ", rp_id_of(v),
			    json_string_value(json_array_get(dates, json_array_size(dates) - 1)),
			    rp_str(v, "result_report"));
	}
	json_array_foreach(faults, i, v) {
		snprintf(buf, sizeof buf, L(r, "障害対応報告書: %s", "Fault report: %s"), rp_str(v, "summary"));
		deliverable(r, &no, buf, "002 §5(2)", rp_id_of(v), rp_str(v, "recovered_at"), rp_str(v, "report"));
	}
	json_array_foreach(camps, i, v) {
		snprintf(buf, sizeof buf, L(r, "点検結果報告書: %s", "Inspection report: %s"), rp_str(v, "title"));
		deliverable(r, &no, buf, L(r, "002 別紙1 §4", "002 Annex 1 §4"), rp_id_of(v), rp_str(v, "period_until"),
			    rp_str(v, "report"));
	}
	json_array_foreach(mins, i, v) {
		snprintf(buf, sizeof buf, L(r, "打合せ議事録: %s", "Minutes: %s"), rp_str(v, "title"));
		deliverable(r, &no, buf, "004 2(2)カ / 002 §5(10)", rp_id_of(v), rp_str(v, "submitted_at"),
			    rp_str(v, "minutes"));
	}
	json_array_foreach(mats, i, v) {
		snprintf(buf, sizeof buf, L(r, "消去証明書: %s", "Erasure certificate: %s"), rp_str(v, "name"));
		deliverable(r, &no, buf, L(r, "004 第28条", "004 Art. 28"), rp_id_of(v), rp_str(v, "erased_at"),
			    rp_str(v, "erasure_certificate"));
	}
	uint32_t last = r->row - 1;
	char rg[64], f[200];
	rp_col_range(first, last, 1, rg, sizeof rg);
	snprintf(f, sizeof f, "=COUNTA(%s)", rg);
	rp_total_row(r, L(r, "成果品 計", "Deliverables in all"), 5, 5, f, r->f.total_num, (double)no);
	rp_end_row(r);
	static const char *const sj[] = {"受託者 業務責任者", "発注者 受領", "検査"};
	static const char *const se[] = {"Contractor manager", "Received by", "Inspected by"};
	rp_sign_boxes(r, r->en ? se : sj, 3);
	rp_checkpoint_block(r);
out:
	json_decref(wrs);
	json_decref(faults);
	json_decref(camps);
	json_decref(mins);
	json_decref(mats);
	return rc;
}

/* ---- security preservation status (002 別紙3) ---- */

struct sec_item {
	const char *no;
	const char *ja, *en;       /* the item of 別紙3 */
	const char *check_ja, *check_en;
	char status[600];          /* what the records show */
	double count;
	int verdict;               /* 0 kept, 1 to be checked, 2 not applicable */
};

static bool handling_in_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	return rp_in_month(r, rp_str(rec, "planned_on")) || rp_in_month(r, rp_str(rec, "done_at"));
}

static bool item_checked_in_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	return rp_in_month(r, rp_str(rec, "checked_at"));
}

static bool line_done_in_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	return rp_in_month(r, rp_str(rec, "done_at"));
}

static bool subcontract_covers_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	const char *from = rp_str(rec, "period_from"), *until = rp_str(rec, "period_until");
	char lo[11], hi[11];
	snprintf(lo, sizeof lo, "%04d-%02d-01", r->y, r->m);
	snprintf(hi, sizeof hi, "%04d-%02d-31", r->y, r->m);
	return from && until && strcmp(from, hi) <= 0 && strcmp(until, lo) >= 0;
}

static const double sec_widths[] = {6, 24, 30, 40, 8, 10};

int rp_security_status(rp *r)
{
	json_t *people = NULL, *hand = NULL, *items = NULL, *acc = NULL, *lines = NULL, *inc = NULL, *subs = NULL,
	       *mats = NULL;
	char sub[100];
	int rc;
	if ((rc = rp_records(r, "person", &people)) ||
	    (rc = rp_select(r, "material_handling", handling_in_month, NULL, "planned_on", &hand)) ||
	    (rc = rp_select(r, "inspection_item", item_checked_in_month, NULL, "checked_at", &items)) ||
	    (rc = rp_select(r, "area_access", rp_field_in_month, "entered_at", "entered_at", &acc)) ||
	    (rc = rp_select(r, "password_rotation_line", line_done_in_month, NULL, "done_at", &lines)) ||
	    (rc = rp_select(r, "security_incident", rp_field_in_month, "detected_at", "detected_at", &inc)) ||
	    (rc = rp_select(r, "subcontract", subcontract_covers_month, NULL, "period_from", &subs)) ||
	    (rc = rp_records(r, "confidential_material", &mats)))
		goto out;
	struct sec_item it[] = {
		{"1", "情報セキュリティを確保するための体制の整備", "Organisation for information security",
		 "従事者を事前に届け出、届出者以外に情報資産を取り扱わせていない。業務責任者・情報セキュリティ責任者を明確にしている。",
		 "Staff notified beforehand; only they handle information assets; manager and security officer named.",
		 "", 0, 0},
		{"2", "取り扱う情報資産の秘密保持等", "Confidentiality of information assets",
		 "許可なき持出し・目的外利用・複写複製をしていない (持出し・複写は事前承認)。",
		 "No take-out, other use or copy without permission (each approved beforehand).", "", 0, 0},
		{"3(1)", "端末・周辺機器の利用", "Use of terminals and peripherals",
		 "私物の持込み、目的外利用、情報資産の保存、ソフトウェアの導入、周辺機器の接続をしていない (点検結果)。",
		 "No private devices, other use, data stored, software installed or devices connected (inspection).", "",
		 0, 0},
		{"3(2)", "作業環境・作業場所の利用", "Work areas",
		 "入退室の手続きを守り、入退室を記録している。社員証を着用し、ICカードを適切に管理している。",
		 "Entry procedures kept and recorded; badges worn; IC cards kept safe.", "", 0, 0},
		{"3(3)", "システム上の環境の利用", "System environment",
		 "制約事項を守り、作業用IDのパスワードを他者に知られないよう管理している (管理者パスワード変更の実施)。",
		 "Restrictions kept; work ID passwords kept secret (administrator password changes done).", "", 0, 0},
		{"4", "外部委託する業務以外の情報資産の保全", "Other information assets",
		 "本業務で使用する情報資産以外へアクセスしていない。", "No access to information assets outside this work.",
		 "", 0, 0},
		{"5", "情報セキュリティインシデントの対処", "Security incidents",
		 "インシデントを速やかに報告し、調査・対応に協力している。", "Incidents reported at once; investigation supported.",
		 "", 0, 0},
		{"6", "履行状況の報告", "Reporting", "本報告書により履行状況を報告している。", "This report.", "", 0, 0},
		{"7", "情報セキュリティ監査", "Audit", "指示による監査の実施・本市の監査への協力。",
		 "Audits done when instructed; the city's audits supported.", "", 0, 0},
		{"8", "履行が不十分な場合の対処", "Insufficient measures", "本市と協議の上、必要な措置を講じる。",
		 "Measures agreed with the city.", "", 0, 0},
		{"9", "委託元及び委託先の責任の明記", "Responsibilities",
		 "受託者の環境での作業は受託者の責任でセキュリティ対策を行う。",
		 "Work in the contractor's environment is secured by the contractor.", "", 0, 0},
		{"10", "再委託に関する事項", "Subcontracting", "再委託は本市の承認を受けたものに限る。",
		 "Subcontracting only with the city's approval.", "", 0, 0},
		{"11", "ドキュメントの管理", "Documents",
		 "貸与ドキュメントを従事者以外が閲覧できないよう管理し、保管状況を確認している。",
		 "Lent documents kept from anyone but the staff; storage checked.", "", 0, 0},
	};
	size_t active = rp_count_state(people, "active"), proposed = rp_count_state(people, "proposed");
	bool mgr = rp_roster_name(r, "responsible-manager")[0], off = rp_roster_name(r, "security-officer")[0];
	snprintf(it[0].status, sizeof it[0].status,
		 L(r, "届出済の従事者 %zu 名 (業務責任者: %s、情報セキュリティ責任者: %s)、届出中 %zu 名",
		   "%zu staff notified (manager: %s, security officer: %s), %zu pending"),
		 active, mgr ? rp_roster_name(r, "responsible-manager") : "-",
		 off ? rp_roster_name(r, "security-officer") : "-", proposed);
	it[0].count = (double)active;
	it[0].verdict = mgr && off ? 0 : 1;
	size_t copies = 0, takeouts = 0, open_copies = 0, i;
	json_t *v;
	json_array_foreach(hand, i, v) {
		bool copy = rp_str(v, "action") && strcmp(rp_str(v, "action"), "copy") == 0;
		copies += copy;
		takeouts += !copy;
		open_copies += copy && strcmp(rp_state_of(v), "active") == 0;
	}
	snprintf(it[1].status, sizeof it[1].status,
		 L(r, "承認を経た複写 %zu 件・持出し %zu 件 (うち消去待ちの複写 %zu 件)",
		   "%zu approved copies and %zu take-outs (%zu copies not yet erased)"),
		 copies, takeouts, open_copies);
	it[1].count = (double)(copies + takeouts);
	it[1].verdict = open_copies ? 1 : 0;
	size_t failed = 0, open_fail = 0;
	json_array_foreach(items, i, v) {
		failed += rp_str(v, "result") && strcmp(rp_str(v, "result"), "fail") == 0;
		open_fail += strcmp(rp_state_of(v), "failed") == 0;
	}
	snprintf(it[2].status, sizeof it[2].status,
		 L(r, "当月の点検項目 %zu 件、不適合 %zu 件 (是正待ち %zu 件)",
		   "%zu items inspected this month, %zu failed (%zu awaiting correction)"),
		 json_array_size(items), failed, open_fail);
	it[2].count = (double)failed;
	it[2].verdict = open_fail ? 1 : 0;
	size_t inside = rp_count_state(acc, "inside");
	snprintf(it[3].status, sizeof it[3].status,
		 L(r, "入退室記録 %zu 件 (退室の記録がないもの %zu 件)", "%zu entries recorded (%zu without an exit)"),
		 json_array_size(acc), inside);
	it[3].count = (double)json_array_size(acc);
	it[3].verdict = inside ? 1 : 0;
	snprintf(it[4].status, sizeof it[4].status,
		 L(r, "管理者権限パスワード変更 %zu 件を記録 (パスワード自体は記録しない)",
		   "%zu administrator password changes recorded (passwords are never stored)"),
		 json_array_size(lines));
	it[4].count = (double)json_array_size(lines);
	snprintf(it[5].status, sizeof it[5].status, "%s", L(r, "記録上の逸脱なし (受託者の申告)", "No deviation recorded (declared)"));
	size_t first_only = rp_count_state(inc, "reported");
	snprintf(it[6].status, sizeof it[6].status,
		 L(r, "当月のインシデント %zu 件 (封じ込め前 %zu 件)", "%zu incidents this month (%zu not yet contained)"),
		 json_array_size(inc), first_only);
	it[6].count = (double)json_array_size(inc);
	it[6].verdict = first_only ? 1 : 0;
	snprintf(it[7].status, sizeof it[7].status, "%s", L(r, "本報告書 (台帳チェックポイント付き)", "This report (with the ledger checkpoint)"));
	snprintf(it[8].status, sizeof it[8].status, "%s", L(r, "当月の指示なし", "No instruction this month"));
	it[8].verdict = 2;
	snprintf(it[9].status, sizeof it[9].status, "%s", L(r, "該当なし", "None"));
	it[9].verdict = 2;
	snprintf(it[10].status, sizeof it[10].status, "%s", L(r, "受託者の環境での作業なし", "No work in the contractor's environment"));
	it[10].verdict = 2;
	size_t approved = rp_count_state(subs, "approved"), pending = rp_count_state(subs, "applied");
	snprintf(it[11].status, sizeof it[11].status,
		 L(r, "承認済の再委託 %zu 件、承認待ち %zu 件", "%zu approved subcontracts, %zu awaiting approval"), approved,
		 pending);
	it[11].count = (double)approved;
	it[11].verdict = pending ? 1 : subs && json_array_size(subs) ? 0 : 2;
	size_t held = rp_count_state(mats, "held"), received = 0, ended = 0;
	json_array_foreach(mats, i, v) {
		received += rp_in_month(r, rp_str(v, "received_on"));
		ended += rp_in_month(r, rp_str(v, "returned_on")) || rp_in_month(r, rp_str(v, "erased_at"));
	}
	snprintf(it[12].status, sizeof it[12].status,
		 L(r, "保管中の機密情報 %zu 件 (当月受領 %zu 件、返却・消去 %zu 件)",
		   "%zu confidential materials held (%zu received, %zu returned or erased this month)"),
		 held, received, ended);
	it[12].count = (double)held;

	rp_subtitle_month(r, sub, sizeof sub);
	if ((rc = rp_sheet(r, L(r, "セキュリティ保全状況報告書", "Security status"), sec_widths, 6, false,
			   L(r, "セキュリティ保全状況報告書", "Security preservation status report"), sub)))
		goto out;
	rp_text(r, 0,
		L(r, "別紙3「セキュリティ保全に係る事項」の当月の遵守状況を、台帳の記録に基づき報告します (002 §6(3))。",
		  "The month's compliance with Annex 3 (security preservation), from the ledger's records (002 §6(3))."),
		NULL);
	r->row += 2;
	static const char *const ja[] = {"項番", "項目 (別紙3)", "確認内容", "記録による状況", "件数", "判定"};
	static const char *const en[] = {"No", "Item (Annex 3)", "What is checked", "What the records show", "Count",
					 "Verdict"};
	rp_heads(r, r->en ? en : ja, true);
	uint32_t first = r->row;
	const char *verdict_ja[] = {"遵守", "要確認", "該当なし"}, *verdict_en[] = {"Kept", "Check", "N/A"};
	for (i = 0; i < sizeof it / sizeof it[0]; i++) {
		rp_text(r, 0, it[i].no, r->f.center);
		rp_text(r, 1, L(r, it[i].ja, it[i].en), r->f.wrap);
		rp_text(r, 2, L(r, it[i].check_ja, it[i].check_en), r->f.wrap);
		rp_text(r, 3, it[i].status, r->f.wrap);
		rp_num(r, 4, it[i].count, r->f.num);
		rp_text(r, 5, r->en ? verdict_en[it[i].verdict] : verdict_ja[it[i].verdict], r->f.center);
		rp_end_row(r);
	}
	uint32_t last = r->row - 1;
	char rg[64], f[200];
	rp_col_range(first, last, 5, rg, sizeof rg);
	for (size_t k = 0; k < 3; k++) {
		double c = 0;
		for (i = 0; i < sizeof it / sizeof it[0]; i++)
			c += it[i].verdict == (int)k;
		snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, r->en ? verdict_en[k] : verdict_ja[k]);
		rp_total_row(r, r->en ? verdict_en[k] : verdict_ja[k], 5, 5, f, r->f.total_num, c);
	}
	rp_end_row(r);
	static const char *const sj[] = {"業務責任者", "情報セキュリティ責任者", "発注者 確認"};
	static const char *const se[] = {"Manager", "Security officer", "Municipality"};
	rp_sign_boxes(r, r->en ? se : sj, 3);
	rp_checkpoint_block(r);
out: /* people and mats are borrowed */
	json_decref(hand);
	json_decref(items);
	json_decref(acc);
	json_decref(lines);
	json_decref(inc);
	json_decref(subs);
	return rc;
}

