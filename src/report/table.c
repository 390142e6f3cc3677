/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the reports share beyond the sheet layout: choosing and sorting
 * records, cell ranges for formulas, total and rate rows, empty tables,
 * signature boxes and a record's history from the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/mm_cal.h"
#include "report/report_int.h"
#include "base/banned.h"

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
int rp_select(rp *r, const char *kind, rp_keep_fn keep, const void *arg, const char *field, json_t **out)
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

const char *rp_id_of(json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "id"));
	return s ? s : "";
}

const char *rp_state_of(json_t *rec)
{
	const char *s = json_string_value(json_object_get(rec, "state"));
	return s ? s : "";
}

bool rp_field_in_month(rp *r, json_t *rec, const void *field)
{
	return rp_in_month(r, rp_str(rec, field));
}

/* A list field contains a value in the month (dates). */
bool rp_list_in_month(rp *r, json_t *rec, const char *field)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(json_object_get(rec, "data"), field), i, v)
		if (rp_in_month(r, json_string_value(v)))
			return true;
	return false;
}

/* "$C$5:$C$9" for rows first..last (0-based) of col. */
void rp_col_range(uint32_t first, uint32_t last, uint16_t col, char *out, size_t n)
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

void rp_subtitle_month(rp *r, char *out, size_t n)
{
	snprintf(out, n, L(r, "対象月: %04d年%02d月", "Month: %04d-%02d"), r->y, r->m);
}

/* A row saying the table is empty (its id column stays blank, so counts are 0). */
void rp_empty_row(rp *r, uint16_t col)
{
	for (uint16_t c = 0; c < r->ncols; c++)
		rp_text(r, c, c == col ? L(r, "(該当なし)", "(none)") : NULL, r->f.cell);
	rp_end_row(r);
}

/* The label of a total row, across columns 0..span-1. */
void rp_label_cells(rp *r, const char *label, uint16_t span)
{
	if (span > 1)
		worksheet_merge_range(r->ws, r->row, 0, r->row, (lxw_col_t)(span - 1), label, r->f.total);
	else
		rp_text(r, 0, label, r->f.total);
}

/* A rate row: label, a/(a+b) formula. */
void rp_rate_row(rp *r, const char *label, uint16_t span, uint16_t col, const char *formula, double a, double b)
{
	rp_label_cells(r, label, span);
	rp_rate(r, col, formula, r->f.total_pct, a, b);
	rp_end_row(r);
}

/* A total row: label, then a formula in col with the value it evaluates to. */
void rp_total_row(rp *r, const char *label, uint16_t span, uint16_t col, const char *formula, lxw_format *f,
		      double value)
{
	rp_label_cells(r, label, span);
	rp_formula(r, col, formula, f, value);
	rp_end_row(r);
}

/* "met" counts and rate formulas over a status column holding the schema titles. */

void rp_join_dates(json_t *list, char *out, size_t n)
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

/* The person of a roster role (first active), for signature lines. */
const char *rp_roster_name(rp *r, const char *role)
{
	json_t *all, *v;
	size_t i;
	if (rp_records(r, "person", &all))
		return "";
	json_array_foreach(all, i, v) {
		const char *ro = rp_str(v, "role");
		if (ro && strcmp(ro, role) == 0 && strcmp(rp_state_of(v), "active") == 0)
			return rp_str(v, "name") ? rp_str(v, "name") : "";
	}
	return "";
}

size_t rp_count_state(json_t *arr, const char *state)
{
	size_t i, n = 0;
	json_t *v;
	json_array_foreach(arr, i, v)
		n += strcmp(rp_state_of(v), state) == 0;
	return n;
}

int rp_history(rp *r, const char *id, json_t **out)
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
void rp_who_when(json_t *hist, const char *state, char *out, size_t n)
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

void rp_history_table(rp *r, const char *kind, json_t *hist)
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
void rp_sign_boxes(rp *r, const char *const *titles, size_t n)
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

