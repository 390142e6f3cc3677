/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The eight reports. Each selects its records (as the reader sees them),
 * lays them out on one A4 sheet with the shared helpers of report.c, puts
 * formulas where a person totals or counts, and ends with the checkpoint.
 * What each report shows, and from which fields, is in docs/reports.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/mm_cal.h"
#include "report/report_int.h"
#include "base/banned.h"

/* ---- selection ---- */

typedef bool (*keep_fn)(rp *r, json_t *rec, const void *arg);

struct sorted_rec {
	int64_t t;      /* instant of the sort field, when it is a date-time */
	const char *s;  /* the sort field's text (or the id) */
	json_t *rec;
};

static int cmp_sorted(const void *a, const void *b)
{
	const struct sorted_rec *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	int c = strcmp(x->s, y->s);
	if (c)
		return c;
	/* ids "kind-N": shorter first keeps numeric order */
	const char *ix = json_string_value(json_object_get(x->rec, "id"));
	const char *iy = json_string_value(json_object_get(y->rec, "id"));
	size_t lx = ix ? strlen(ix) : 0, ly = iy ? strlen(iy) : 0;
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return strcmp(ix ? ix : "", iy ? iy : "");
}

/*
 * The records of kind that keep() accepts, sorted by field (a date-time
 * sorts by instant, anything else by text; ties by id). *out is a new array.
 */
static int select_sorted(rp *r, const char *kind, keep_fn keep, const void *arg, const char *field, json_t **out)
{
	json_t *all, *v;
	size_t i, n = 0;
	int rc;
	*out = NULL;
	if ((rc = rp_records(r, kind, &all)))
		return rc;
	struct sorted_rec *a = calloc(json_array_size(all) + 1, sizeof *a);
	json_t *res = json_array();
	if (!a || !res) {
		free(a);
		json_decref(res);
		return mm_err_set(r->err, MM_ENOMEM, "out of memory");
	}
	json_array_foreach(all, i, v) {
		if (keep && !keep(r, v, arg))
			continue;
		const char *s = field ? rp_str(v, field) : NULL;
		int64_t t = 0;
		if (s && !rp_instant(s, &t))
			t = 0;
		a[n].t = t;
		a[n].s = s ? s : "";
		a[n].rec = v;
		n++;
	}
	qsort(a, n, sizeof *a, cmp_sorted);
	for (i = 0; i < n; i++)
		if (json_array_append(res, a[i].rec)) {
			rc = mm_err_set(r->err, MM_ENOMEM, "out of memory");
			break;
		}
	free(a);
	if (rc)
		json_decref(res);
	else
		*out = res;
	return rc;
}

static const char *id_of(json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "id"));
	return s ? s : "";
}

static const char *state_of(json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "state"));
	return s ? s : "";
}

static bool field_in_month(rp *r, json_t *rec, const void *field)
{
	return rp_in_month(r, rp_str(rec, field));
}

/* A list field contains a value in the month (dates). */
static bool list_in_month(rp *r, json_t *rec, const char *field)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(json_object_get(rec, "data"), field), i, v)
		if (rp_in_month(r, json_string_value(v)))
			return true;
	return false;
}

/* "$C$5:$C$9" for rows first..last (0-based) of col. */
static void col_range(uint32_t first, uint32_t last, uint16_t col, char *out, size_t n)
{
	char a[16], b[16];
	rp_cell(first, col, a, sizeof a);
	rp_cell(last, col, b, sizeof b);
	/* absolute: insert '$' before letters and digits */
	char aa[20], bb[20];
	size_t k = 0, j = 0;
	aa[k++] = '$';
	while (a[j] >= 'A' && a[j] <= 'Z')
		aa[k++] = a[j++];
	aa[k++] = '$';
	snprintf(aa + k, sizeof aa - k, "%s", a + j);
	k = 0;
	j = 0;
	bb[k++] = '$';
	while (b[j] >= 'A' && b[j] <= 'Z')
		bb[k++] = b[j++];
	bb[k++] = '$';
	snprintf(bb + k, sizeof bb - k, "%s", b + j);
	snprintf(out, n, "%s:%s", aa, bb);
}

static void subtitle_month(rp *r, char *out, size_t n)
{
	snprintf(out, n, L(r, "対象月: %04d年%02d月", "Month: %04d-%02d"), r->y, r->m);
}

/* A row saying the table is empty (its id column stays blank, so counts are 0). */
static void empty_row(rp *r, uint16_t col)
{
	for (uint16_t c = 0; c < r->ncols; c++)
		rp_text(r, c, c == col ? L(r, "(該当なし)", "(none)") : NULL, r->f.cell);
	rp_end_row(r);
}

/* The label of a total row, across columns 0..span-1. */
static void label_cells(rp *r, const char *label, uint16_t span)
{
	if (span > 1)
		worksheet_merge_range(r->ws, r->row, 0, r->row, (lxw_col_t)(span - 1), label, r->f.total);
	else
		rp_text(r, 0, label, r->f.total);
}

/* A rate row: label, a/(a+b) formula. */
static void rate_row(rp *r, const char *label, uint16_t span, uint16_t col, const char *formula, double a, double b)
{
	label_cells(r, label, span);
	rp_rate(r, col, formula, r->f.total_pct, a, b);
	rp_end_row(r);
}

/* A total row: label, then a formula in col with the value it evaluates to. */
static void total_row(rp *r, const char *label, uint16_t span, uint16_t col, const char *formula, lxw_format *f,
		      double value)
{
	label_cells(r, label, span);
	rp_formula(r, col, formula, f, value);
	rp_end_row(r);
}

/* "met" counts and rate formulas over a status column holding the schema titles. */
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
	col_range(first, last, stcol, rg, sizeof rg);
	col_range(first, last, idcol, id, sizeof id);
	snprintf(f, sizeof f, "=COUNTA(%s)", id);
	total_row(r, L(r, "件数", "Count"), span, col, f, r->f.total_num, (double)json_array_size(recs));
	uint32_t met_row = r->row;
	snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, rp_enum(r, kind, field, "met"));
	total_row(r, L(r, "目標達成", "Target met"), span, col, f, r->f.total_num, n_met);
	snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, rp_enum(r, kind, field, "missed"));
	total_row(r, L(r, "目標未達", "Target missed"), span, col, f, r->f.total_num, n_missed);
	snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, rp_enum(r, kind, field, "pending"));
	total_row(r, L(r, "対応中", "Pending"), span, col, f, r->f.total_num, n_pending);
	rp_cell(met_row, col, met, sizeof met);
	rp_cell(met_row + 1, col, missed, sizeof missed);
	snprintf(f, sizeof f, "=IF(%s+%s=0,\"-\",%s/(%s+%s))", met, missed, met, met, missed);
	rate_row(r, L(r, "サービスレベル達成率 (達成/(達成+未達))", "Service level met rate (met/(met+missed))"), span,
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
		rp_text(r, 1, id_of(f), r->f.cell);
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
		empty_row(r, 5);
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
		if ((rc = select_sorted(r, "fault", field_in_month, "instructed_at", "instructed_at", &faults)))
			return rc;
		subtitle_month(r, sub, sizeof sub);
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
		rp_kv(r, L(r, "状態", "State"), rp_state(r, "fault", state_of(one)));
		rp_kv(r, rp_field(r, "fault", "report"), rp_str(one, "report"));
	}
	rp_checkpoint_block(r);
out:
	json_decref(faults);
	json_decref(one);
	return rc;
}

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
	return (overlap && strcmp(state_of(rec), "withdrawn") != 0) || list_in_month(r, rec, "result_dates");
}

static void join_dates(json_t *list, char *out, size_t n)
{
	size_t i, used = 0;
	json_t *v;
	out[0] = 0;
	json_array_foreach(list, i, v) {
		int w = snprintf(out + used, n - used, "%s%s", i ? ", " : "", json_string_value(v) ? json_string_value(v) : "");
		if (w < 0 || (size_t)w >= n - used) {
			out[used] = 0;
			return;
		}
		used += (size_t)w;
	}
}

static const double monthly_widths[] = {5, 14, 30, 16, 20, 12, 16, 16, 20, 24};

int rp_monthly_work(rp *r)
{
	json_t *wrs = NULL, *faults = NULL, *acc = NULL, *inc = NULL, *mins = NULL;
	char sub[100], f[300], rg[64];
	int rc;
	if ((rc = select_sorted(r, "work_request", wr_in_month, NULL, "requested_from", &wrs)) ||
	    (rc = select_sorted(r, "fault", field_in_month, "instructed_at", "instructed_at", &faults)) ||
	    (rc = select_sorted(r, "area_access", field_in_month, "entered_at", "entered_at", &acc)) ||
	    (rc = select_sorted(r, "security_incident", field_in_month, "detected_at", "detected_at", &inc)) ||
	    (rc = select_sorted(r, "meeting_minutes", field_in_month, "held_at", "held_at", &mins)))
		goto out;
	subtitle_month(r, sub, sizeof sub);
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
		const char *st = state_of(v);
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
		col_range(sum[i].first, sum[i].last, sum[i].col, rg, sizeof rg);
		if (!sum[i].crit)
			snprintf(f, sizeof f, "=COUNTA(%s)", rg);
		else if (strcmp(sum[i].crit, "*") == 0)
			snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")+COUNTIF(%s,\"%s\")+COUNTIF(%s,\"%s\")", rg,
				 rp_state(r, "work_request", "done"), rg, rp_state(r, "work_request", "result-reported"),
				 rg, rp_state(r, "work_request", "accepted"));
		else
			snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, rp_enum(r, "fault", "sla_status", sum[i].crit));
		total_row(r, L(r, sum[i].ja, sum[i].en), 3, 3, f, r->f.total_num, sum[i].value);
	}
	char met[16], missed[16];
	rp_cell(sum_at + 3, 3, met, sizeof met);
	rp_cell(sum_at + 4, 3, missed, sizeof missed);
	snprintf(f, sizeof f, "=IF(%s+%s=0,\"-\",%s/(%s+%s))", met, missed, met, met, missed);
	rate_row(r, L(r, "サービスレベル達成率", "Service level met rate"), 3, 3, f, n_met, n_missed);
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
		join_dates(json_object_get(d, "result_dates"), dates, sizeof dates);
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
		rp_text(r, 1, id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "title"), r->f.wrap);
		rp_text(r, 3, rp_enum(r, "work_request", "category", rp_str(v, "category")), r->f.wrap);
		rp_text(r, 4, period, r->f.wrap);
		rp_text(r, 5, rp_state(r, "work_request", state_of(v)), r->f.center);
		rp_text(r, 6, dates, r->f.wrap);
		rp_text(r, 7, who, r->f.wrap);
		rp_text(r, 8, tgt, r->f.wrap);
		rp_text(r, 9, rp_str(v, "note"), r->f.wrap);
		rp_end_row(r);
	}
	if (!nwr)
		empty_row(r, 2);

	rp_end_row(r);
	rp_section(r, L(r, "3 障害対応 (002 §5(2)、別紙1 §5)", "3 Faults (002 §5(2), Annex 1 §5)"));
	static const char *const f_ja[] = {"No", "障害番号", "障害概要", "機器", "対応指示日時", "区分",
					   "現場着手日時", "着手期限", "サービスレベル", "目標未達の理由"};
	static const char *const f_en[] = {"No", "Fault", "Summary", "Device", "Instructed", "Class",
					   "On-site start", "Due", "Service level", "Reason missed"};
	rp_heads(r, r->en ? f_en : f_ja, false);
	json_array_foreach(faults, i, v) {
		rp_num(r, 0, (double)(i + 1), r->f.center);
		rp_text(r, 1, id_of(v), r->f.cell);
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
		empty_row(r, 2);

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
		rp_text(r, 1, id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "purpose"), r->f.wrap);
		rp_text(r, 3, L(r, "入退室", "Access"), r->f.cell);
		rp_datetime(r, 4, rp_str(v, "entered_at"));
		rp_text(r, 5, rp_state(r, "area_access", state_of(v)), r->f.center);
		rp_datetime(r, 6, rp_str(v, "exited_at"));
		rp_text(r, 7, rp_name(r, "person", rp_str(v, "person")), r->f.wrap);
		rp_text(r, 8, rp_str(v, "area"), r->f.wrap);
		rp_text(r, 9, rp_str(v, "badge"), r->f.wrap);
		rp_end_row(r);
	}
	json_array_foreach(inc, i, v) {
		rp_num(r, 0, (double)++no, r->f.center);
		rp_text(r, 1, id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "title"), r->f.wrap);
		rp_text(r, 3, L(r, "インシデント", "Incident"), r->f.cell);
		rp_datetime(r, 4, rp_str(v, "detected_at"));
		rp_text(r, 5, rp_state(r, "security_incident", state_of(v)), r->f.center);
		rp_datetime(r, 6, NULL);
		rp_text(r, 7, NULL, r->f.cell);
		rp_text(r, 8, rp_enum(r, "security_incident", "severity", rp_str(v, "severity")), r->f.wrap);
		rp_text(r, 9, rp_str(v, "prevention"), r->f.wrap);
		rp_end_row(r);
	}
	json_array_foreach(mins, i, v) {
		rp_num(r, 0, (double)++no, r->f.center);
		rp_text(r, 1, id_of(v), r->f.cell);
		rp_text(r, 2, rp_str(v, "title"), r->f.wrap);
		rp_text(r, 3, L(r, "議事録", "Minutes"), r->f.cell);
		rp_datetime(r, 4, rp_str(v, "held_at"));
		rp_text(r, 5, rp_state(r, "meeting_minutes", state_of(v)), r->f.center);
		rp_datetime(r, 6, rp_str(v, "submitted_at"));
		rp_text(r, 7, NULL, r->f.cell);
		rp_text(r, 8, rp_enum(r, "meeting_minutes", "sla_status", rp_str(v, "sla_status")), r->f.wrap);
		rp_text(r, 9, rp_str(v, "late_reason"), r->f.wrap);
		rp_end_row(r);
	}
	if (!nother)
		empty_row(r, 2);
	rp_checkpoint_block(r);
out:
	json_decref(wrs);
	json_decref(faults);
	json_decref(acc);
	json_decref(inc);
	json_decref(mins);
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
	col_range(first, last, 2, dev, sizeof dev);
	col_range(first, last, 7, res, sizeof res);
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
	    (rc = select_sorted(r, "inspection_item", item_of_campaign, r->req->id, NULL, &items)))
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
	rp_kv(r, L(r, "状態", "State"), rp_state(r, "inspection_campaign", state_of(camp)));
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
	col_range(first, last, 7, res, sizeof res);
	col_range(first, last, 1, rg, sizeof rg);
	snprintf(f, sizeof f, "=COUNTA(%s)", rg);
	total_row(r, L(r, "点検項目数", "Items"), 5, 5, f, r->f.total_num, (double)n);
	const char *vals[] = {"pass", "fail", "not-applicable"};
	double cnt[3] = {0, 0, 0};
	for (i = 0; i < n; i++)
		for (size_t k = 0; k < 3; k++)
			cnt[k] += rp_str(a[i], "result") && strcmp(rp_str(a[i], "result"), vals[k]) == 0;
	const char *lab_ja[] = {"適合", "不適合", "該当なし"}, *lab_en[] = {"Pass", "Fail", "Not applicable"};
	for (size_t k = 0; k < 3; k++) {
		snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", res, rp_enum(r, "inspection_item", "result", vals[k]));
		total_row(r, r->en ? lab_en[k] : lab_ja[k], 5, 5, f, r->f.total_num, cnt[k]);
	}
	char c_all[16], c_pass[16], c_fail[16];
	rp_cell(tot_at, 5, c_all, sizeof c_all);
	rp_cell(tot_at + 1, 5, c_pass, sizeof c_pass);
	rp_cell(tot_at + 2, 5, c_fail, sizeof c_fail);
	char c_na[16];
	rp_cell(tot_at + 3, 5, c_na, sizeof c_na);
	snprintf(f, sizeof f, "=%s-%s-%s-%s", c_all, c_pass, c_fail, c_na);
	total_row(r, L(r, "未実施", "Not yet checked"), 5, 5, f, r->f.total_num, (double)n - cnt[0] - cnt[1] - cnt[2]);
	snprintf(f, sizeof f, "=IF(%s+%s=0,\"-\",%s/(%s+%s))", c_pass, c_fail, c_pass, c_pass, c_fail);
	rate_row(r, L(r, "適合率 (適合/(適合+不適合))", "Pass rate (pass/(pass+fail))"), 5, 5, f, cnt[0], cnt[1]);
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
		empty_row(r, 5);
	uint32_t last_item = r->row - 1;
	per_device(r, a, n, first, last_item);
	rp_checkpoint_block(r);
out:
	free(a);
	json_decref(items);
	json_decref(camp);
	return rc;
}

/* ---- history helpers ---- */

static int history(rp *r, const char *id, json_t **out)
{
	mm_buf b;
	mm_buf_init(&b, MM_REPORT_PAGE_BYTES_MAX);
	int rc = mm_store_history(r->s, r->req->who, id, &b, r->err);
	*out = NULL;
	if (!rc) {
		json_error_t je;
		*out = json_loadb((const char *)b.p, b.len, 0, &je);
		if (!json_is_array(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = mm_err_set(r->err, MM_ECORRUPT, "%s: history is not a JSON array", id);
		}
	}
	mm_buf_release(&b);
	return rc;
}

/* "actor (YYYY/MM/DD HH:MM)" of the last transition into state, or "". */
static void who_when(json_t *hist, const char *state, char *out, size_t n)
{
	size_t i;
	json_t *v;
	out[0] = 0;
	json_array_foreach(hist, i, v) {
		const char *st = json_string_value(json_object_get(v, "state"));
		const char *op = json_string_value(json_object_get(v, "op"));
		const char *time = json_string_value(json_object_get(v, "time"));
		int64_t t;
		char when[40] = "";
		if (!st || strcmp(st, state) != 0 || !op || strcmp(op, "update") == 0 || strcmp(op, "create") == 0)
			continue;
		if (rp_instant(time, &t)) {
			mm_day day = mm_cal_day_of(t);
			int y, m, d, sec = mm_cal_second_of_day(t);
			mm_cal_ymd(day, &y, &m, &d);
			snprintf(when, sizeof when, "%04d/%02d/%02d %02d:%02d", y, m, d, sec / 3600, sec % 3600 / 60);
		}
		const char *actor = json_string_value(json_object_get(v, "actor"));
		snprintf(out, n, "%s (%s)", actor ? actor : "?", when[0] ? when : time ? time : "");
	}
}

static void history_table(rp *r, const char *kind, json_t *hist)
{
	static const char *const ja[] = {"版", "日時", "操作", "実施者", "役割", "状態・理由"};
	static const char *const en[] = {"Ver.", "Time", "Operation", "By", "Role", "State / reason"};
	size_t i;
	json_t *v;
	rp_heads(r, r->en ? en : ja, false);
	json_array_foreach(hist, i, v) {
		char st[1200];
		const char *reason = json_string_value(json_object_get(v, "reason"));
		snprintf(st, sizeof st, "%s%s%s", rp_state(r, kind, json_string_value(json_object_get(v, "state"))),
			 reason && *reason ? " / " : "", reason ? reason : "");
		rp_num(r, 0, (double)json_integer_value(json_object_get(v, "version")), r->f.center);
		rp_datetime(r, 1, json_string_value(json_object_get(v, "time")));
		rp_text(r, 2, rp_op(r, kind, json_string_value(json_object_get(v, "op"))), r->f.wrap);
		rp_text(r, 3, json_string_value(json_object_get(v, "actor")), r->f.wrap);
		rp_text(r, 4, json_string_value(json_object_get(v, "role")), r->f.wrap);
		rp_text(r, 5, st, r->f.wrap);
		rp_end_row(r);
	}
}

/* Signature boxes: titles in one row, empty boxes below, from the first column wide enough for a name. */
static void sign_boxes(rp *r, const char *const *titles, size_t n)
{
	uint16_t first = 0;
	while (first + n < r->ncols && r->widths[first] < 10)
		first++;
	for (uint16_t c = 0; c < n && first + c < r->ncols; c++)
		rp_text(r, (uint16_t)(first + c), titles[c], r->f.head);
	rp_end_row(r);
	for (uint16_t c = 0; c < n && first + c < r->ncols; c++)
		rp_text(r, (uint16_t)(first + c), NULL, r->f.sign);
	worksheet_set_row(r->ws, r->row, 48, NULL);
	rp_end_row(r);
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
	    (strcmp(state_of(m), "erased") != 0 && strcmp(state_of(m), "erasure-confirmed") != 0)) {
		rc = mm_err_set(r->err, MM_EINVAL,
				"--id %s: the material is '%s', not erased: an erasure certificate needs the erasure "
				"reported (state erased or erasure-confirmed)",
				r->req->id, state_of(m));
		goto out;
	}
	if ((rc = history(r, r->req->id, &hist)))
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
	rp_kv(r, L(r, "状態", "State"), rp_state(r, "confidential_material", state_of(m)));
	who_when(hist, "erased", buf, sizeof buf);
	rp_kv(r, L(r, "消去の報告", "Erasure reported"), buf);
	who_when(hist, "erasure-confirmed", buf, sizeof buf);
	rp_kv(r, L(r, "発注者による確認", "Confirmed by the municipality"), buf[0] ? buf : L(r, "(未確認)", "(not yet)"));
	rp_end_row(r);
	static const char *const sj[] = {"受託者 業務責任者", "消去担当者", "立会者", "発注者 確認"};
	static const char *const se[] = {"Contractor manager", "Erased by", "Witness", "Municipality"};
	sign_boxes(r, r->en ? se : sj, 4);
	rp_end_row(r);
	rp_section(r, L(r, "3 記録の経過 (台帳)", "3 Record history (ledger)"));
	history_table(r, "confidential_material", hist);
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
	if ((rc = rp_record(r, r->req->id, "work_request", &w)) || (rc = history(r, r->req->id, &hist)))
		goto out;
	json_t *d = json_object_get(w, "data");
	snprintf(sub, sizeof sub, L(r, "依頼番号: %s", "Request: %s"), r->req->id);
	if ((rc = rp_sheet(r, L(r, "作業依頼書", "Work request"), form_widths, 6, false,
			   L(r, "作業依頼書・作業結果報告", "Work request and result report"), sub)))
		goto out;
	rp_section(r, L(r, "1 作業依頼 (002 §5(8)ア)", "1 The request (002 §5(8))"));
	rp_kv(r, L(r, "依頼番号", "Request"), id_of(w));
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
	who_when(hist, "procedure-approved", buf, sizeof buf);
	rp_kv(r, L(r, "手順書の承認", "Procedure approved"), buf);
	rp_kv(r, rp_field(r, "work_request", "test_result"), rp_str(w, "test_result"));
	rp_names(r, "person", json_object_get(d, "assignees"), buf, sizeof buf);
	rp_kv(r, rp_field(r, "work_request", "assignees"), buf);
	rp_kv(r, rp_field(r, "work_request", "visit"), rp_str(w, "visit"));
	rp_kv(r, L(r, "状態", "State"), rp_state(r, "work_request", state_of(w)));
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
	join_dates(json_object_get(d, "result_dates"), buf, sizeof buf);
	rp_kv(r, rp_field(r, "work_request", "result_dates"), buf);
	rp_names(r, "person", json_object_get(d, "performers"), buf, sizeof buf);
	rp_kv(r, rp_field(r, "work_request", "performers"), buf);
	rp_kv(r, rp_field(r, "work_request", "result_report"), rp_str(w, "result_report"));
	who_when(hist, "accepted", buf, sizeof buf);
	rp_kv(r, L(r, "検収", "Accepted"), buf);
	rp_kv(r, rp_field(r, "work_request", "note"), rp_str(w, "note"));
	rp_end_row(r);
	static const char *const sj[] = {"依頼者 (発注者)", "作業責任者", "作業実施者", "検収者"};
	static const char *const se[] = {"Requested by", "Work manager", "Performed by", "Accepted by"};
	sign_boxes(r, r->en ? se : sj, 4);
	rp_end_row(r);
	rp_section(r, L(r, "3 記録の経過 (台帳)", "3 Record history (ledger)"));
	history_table(r, "work_request", hist);
	rp_checkpoint_block(r);
out:
	json_decref(hist);
	json_decref(w);
	return rc;
}

/* ---- access log ---- */

static const double access_widths[] = {5, 15, 15, 8, 14, 20, 22, 18, 26, 9, 12};

int rp_access_log(rp *r)
{
	json_t *acc = NULL;
	char sub[100], f[300], a[16], b[16], rg[64];
	int rc;
	if ((rc = select_sorted(r, "area_access", field_in_month, "entered_at", "entered_at", &acc)))
		return rc;
	subtitle_month(r, sub, sizeof sub);
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
		empty_row(r, 8);
	uint32_t last = r->row - 1;
	rp_end_row(r);
	rp_section(r, L(r, "2 集計", "2 Totals"));
	col_range(first, last, 4, rg, sizeof rg);
	snprintf(f, sizeof f, "=COUNTA(%s)", rg);
	total_row(r, L(r, "入室件数", "Entries"), 3, 3, f, r->f.total_num, (double)json_array_size(acc));
	char rgx[64], rgm[64];
	col_range(first, last, 2, rgx, sizeof rgx);
	col_range(first, last, 3, rgm, sizeof rgm);
	snprintf(f, sizeof f, "=COUNTA(%s)-COUNT(%s)", rg, rgx);
	total_row(r, L(r, "退室の記録がないもの", "No exit recorded"), 3, 3, f, r->f.total_num, no_exit);
	snprintf(f, sizeof f, "=SUM(%s)", rgm);
	total_row(r, L(r, "延べ滞在時間 (分)", "Total minutes inside"), 3, 3, f, r->f.total_num, total_minutes);
	rp_checkpoint_block(r);
out:
	json_decref(acc);
	return rc;
}

/* ---- completion notice and list of deliverables ---- */

static bool wr_result_in_month(rp *r, json_t *rec, const void *arg)
{
	(void)arg;
	return list_in_month(r, rec, "result_dates");
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

/* The person of a roster role (first active), for signature lines. */
static const char *roster_name(rp *r, const char *role)
{
	json_t *all, *v;
	size_t i;
	if (rp_records(r, "person", &all))
		return "";
	json_array_foreach(all, i, v) {
		const char *ro = rp_str(v, "role");
		if (ro && strcmp(ro, role) == 0 && strcmp(state_of(v), "active") == 0)
			return rp_str(v, "name") ? rp_str(v, "name") : "";
	}
	return "";
}

int rp_completion(rp *r)
{
	json_t *wrs = NULL, *faults = NULL, *camps = NULL, *mins = NULL, *mats = NULL;
	char sub[100], buf[600], last_day[16];
	int rc;
	if ((rc = select_sorted(r, "work_request", wr_result_in_month, NULL, "requested_from", &wrs)) ||
	    (rc = select_sorted(r, "fault", field_in_month, "recovered_at", "recovered_at", &faults)) ||
	    (rc = select_sorted(r, "inspection_campaign", campaign_in_month, NULL, "period_until", &camps)) ||
	    (rc = select_sorted(r, "meeting_minutes", field_in_month, "submitted_at", "submitted_at", &mins)) ||
	    (rc = select_sorted(r, "confidential_material", erased_in_month, NULL, "erased_at", &mats)))
		goto out;
	subtitle_month(r, sub, sizeof sub);
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
	rp_kv(r, L(r, "業務責任者", "Responsible manager"), roster_name(r, "responsible-manager"));
	rp_kv(r, L(r, "情報セキュリティ責任者", "Security officer"), roster_name(r, "security-officer"));
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
		deliverable(r, &no, buf, "002 §5(8)ウ", id_of(v),
			    json_string_value(json_array_get(dates, json_array_size(dates) - 1)),
			    rp_str(v, "result_report"));
	}
	json_array_foreach(faults, i, v) {
		snprintf(buf, sizeof buf, L(r, "障害対応報告書: %s", "Fault report: %s"), rp_str(v, "summary"));
		deliverable(r, &no, buf, "002 §5(2)", id_of(v), rp_str(v, "recovered_at"), rp_str(v, "report"));
	}
	json_array_foreach(camps, i, v) {
		snprintf(buf, sizeof buf, L(r, "点検結果報告書: %s", "Inspection report: %s"), rp_str(v, "title"));
		deliverable(r, &no, buf, L(r, "002 別紙1 §4", "002 Annex 1 §4"), id_of(v), rp_str(v, "period_until"),
			    rp_str(v, "report"));
	}
	json_array_foreach(mins, i, v) {
		snprintf(buf, sizeof buf, L(r, "打合せ議事録: %s", "Minutes: %s"), rp_str(v, "title"));
		deliverable(r, &no, buf, "004 2(2)カ / 002 §5(10)", id_of(v), rp_str(v, "submitted_at"),
			    rp_str(v, "minutes"));
	}
	json_array_foreach(mats, i, v) {
		snprintf(buf, sizeof buf, L(r, "消去証明書: %s", "Erasure certificate: %s"), rp_str(v, "name"));
		deliverable(r, &no, buf, L(r, "004 第28条", "004 Art. 28"), id_of(v), rp_str(v, "erased_at"),
			    rp_str(v, "erasure_certificate"));
	}
	uint32_t last = r->row - 1;
	char rg[64], f[200];
	col_range(first, last, 1, rg, sizeof rg);
	snprintf(f, sizeof f, "=COUNTA(%s)", rg);
	total_row(r, L(r, "成果品 計", "Deliverables in all"), 5, 5, f, r->f.total_num, (double)no);
	rp_end_row(r);
	static const char *const sj[] = {"受託者 業務責任者", "発注者 受領", "検査"};
	static const char *const se[] = {"Contractor manager", "Received by", "Inspected by"};
	sign_boxes(r, r->en ? se : sj, 3);
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

static size_t count_state(json_t *arr, const char *state)
{
	size_t i, n = 0;
	json_t *v;
	json_array_foreach(arr, i, v)
		n += strcmp(state_of(v), state) == 0;
	return n;
}

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
	    (rc = select_sorted(r, "material_handling", handling_in_month, NULL, "planned_on", &hand)) ||
	    (rc = select_sorted(r, "inspection_item", item_checked_in_month, NULL, "checked_at", &items)) ||
	    (rc = select_sorted(r, "area_access", field_in_month, "entered_at", "entered_at", &acc)) ||
	    (rc = select_sorted(r, "password_rotation_line", line_done_in_month, NULL, "done_at", &lines)) ||
	    (rc = select_sorted(r, "security_incident", field_in_month, "detected_at", "detected_at", &inc)) ||
	    (rc = select_sorted(r, "subcontract", subcontract_covers_month, NULL, "period_from", &subs)) ||
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
	size_t active = count_state(people, "active"), proposed = count_state(people, "proposed");
	bool mgr = roster_name(r, "responsible-manager")[0], off = roster_name(r, "security-officer")[0];
	snprintf(it[0].status, sizeof it[0].status,
		 L(r, "届出済の従事者 %zu 名 (業務責任者: %s、情報セキュリティ責任者: %s)、届出中 %zu 名",
		   "%zu staff notified (manager: %s, security officer: %s), %zu pending"),
		 active, mgr ? roster_name(r, "responsible-manager") : "-",
		 off ? roster_name(r, "security-officer") : "-", proposed);
	it[0].count = (double)active;
	it[0].verdict = mgr && off ? 0 : 1;
	size_t copies = 0, takeouts = 0, open_copies = 0, i;
	json_t *v;
	json_array_foreach(hand, i, v) {
		bool copy = rp_str(v, "action") && strcmp(rp_str(v, "action"), "copy") == 0;
		copies += copy;
		takeouts += !copy;
		open_copies += copy && strcmp(state_of(v), "active") == 0;
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
		open_fail += strcmp(state_of(v), "failed") == 0;
	}
	snprintf(it[2].status, sizeof it[2].status,
		 L(r, "当月の点検項目 %zu 件、不適合 %zu 件 (是正待ち %zu 件)",
		   "%zu items inspected this month, %zu failed (%zu awaiting correction)"),
		 json_array_size(items), failed, open_fail);
	it[2].count = (double)failed;
	it[2].verdict = open_fail ? 1 : 0;
	size_t inside = count_state(acc, "inside");
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
	size_t first_only = count_state(inc, "reported");
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
	size_t approved = count_state(subs, "approved"), pending = count_state(subs, "applied");
	snprintf(it[11].status, sizeof it[11].status,
		 L(r, "承認済の再委託 %zu 件、承認待ち %zu 件", "%zu approved subcontracts, %zu awaiting approval"), approved,
		 pending);
	it[11].count = (double)approved;
	it[11].verdict = pending ? 1 : subs && json_array_size(subs) ? 0 : 2;
	size_t held = count_state(mats, "held"), received = 0, ended = 0;
	json_array_foreach(mats, i, v) {
		received += rp_in_month(r, rp_str(v, "received_on"));
		ended += rp_in_month(r, rp_str(v, "returned_on")) || rp_in_month(r, rp_str(v, "erased_at"));
	}
	snprintf(it[12].status, sizeof it[12].status,
		 L(r, "保管中の機密情報 %zu 件 (当月受領 %zu 件、返却・消去 %zu 件)",
		   "%zu confidential materials held (%zu received, %zu returned or erased this month)"),
		 held, received, ended);
	it[12].count = (double)held;

	subtitle_month(r, sub, sizeof sub);
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
	col_range(first, last, 5, rg, sizeof rg);
	for (size_t k = 0; k < 3; k++) {
		double c = 0;
		for (i = 0; i < sizeof it / sizeof it[0]; i++)
			c += it[i].verdict == (int)k;
		snprintf(f, sizeof f, "=COUNTIF(%s,\"%s\")", rg, r->en ? verdict_en[k] : verdict_ja[k]);
		total_row(r, r->en ? verdict_en[k] : verdict_ja[k], 5, 5, f, r->f.total_num, c);
	}
	rp_end_row(r);
	static const char *const sj[] = {"業務責任者", "情報セキュリティ責任者", "発注者 確認"};
	static const char *const se[] = {"Manager", "Security officer", "Municipality"};
	sign_boxes(r, r->en ? se : sj, 3);
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
