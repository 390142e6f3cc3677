/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The report machinery: checking a request, reading records as the reader
 * sees them, the A4 sheet layout every report shares, the closing
 * checkpoint block, atomic output and the "report.write" ledger entry.
 * The reports themselves are in sheets.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cal/mm_cal.h"
#include "crypto/mm_crypto.h"
#include "report/report_int.h"
#include "base/banned.h"

#define FONT "ＭＳ Ｐゴシック"

struct report_def {
	const char *name;
	const char *ja, *en;
	bool by_month, by_id;
	const char *id_kind; /* the kind --id must be (NULL: by_month only) */
	int (*fn)(rp *r);
};

static const struct report_def defs[] = {
	{"monthly-work", "月次業務実施報告", "Monthly work report", true, false, NULL, rp_monthly_work},
	{"completion", "業務完了届・成果品目録", "Completion notice and deliverables", true, false, NULL, rp_completion},
	{"security-status", "セキュリティ保全状況報告書", "Security preservation status report", true, false, NULL,
	 rp_security_status},
	{"inspection", "点検結果報告書", "Inspection report", false, true, "inspection_campaign", rp_inspection},
	{"fault", "障害対応報告書", "Fault response report", true, true, "fault", rp_fault},
	{"work-request", "作業依頼書・作業結果報告", "Work request and result", false, true, "work_request",
	 rp_work_request},
	{"erasure-certificate", "消去証明書", "Erasure certificate", false, true, "confidential_material", rp_erasure},
	{"access-log", "入退域管理簿", "Secure-area access log", true, false, NULL, rp_access_log},
};
#define NDEFS (sizeof defs / sizeof defs[0])

static const struct report_def *find_def(const char *name)
{
	for (size_t i = 0; name && i < NDEFS; i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

const char *const *mm_report_names(void)
{
	static const char *const names[NDEFS + 1] = {"monthly-work", "completion", "security-status", "inspection",
						     "fault", "work-request", "erasure-certificate", "access-log",
						     NULL};
	return names;
}

bool mm_report_known(const char *name, bool *by_month, bool *by_id)
{
	const struct report_def *d = find_def(name);
	if (by_month)
		*by_month = d && d->by_month;
	if (by_id)
		*by_id = d && d->by_id;
	return d != NULL;
}

const char *mm_report_title(const char *name, const char *lang)
{
	const struct report_def *d = find_def(name);
	if (!d)
		return NULL;
	return lang && strcmp(lang, "en") == 0 ? d->en : d->ja;
}

int mm_report_parse_month(const char *s, int *y, int *m, mm_err *err)
{
	if (!s)
		return mm_err_set(err, MM_EINVAL, "--month: missing (expected YYYY-MM)");
	size_t n = strnlen(s, 16);
	bool shape = n == 7 && s[4] == '-';
	for (size_t i = 0; shape && i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			shape = false;
	if (!shape)
		return mm_err_set(err, MM_EINVAL, "--month '%.20s': expected YYYY-MM (e.g. 2026-11)", s);
	int yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int mo = (s[5] - '0') * 10 + (s[6] - '0');
	if (yy < 2000 || yy > 2098)
		return mm_err_set(err, MM_EINVAL, "--month '%s': year %d is outside 2000-2098", s, yy);
	if (mo < 1 || mo > 12)
		return mm_err_set(err, MM_EINVAL, "--month '%s': month %02d is not 01-12", s, mo);
	*y = yy;
	*m = mo;
	return MM_OK;
}

static bool id_shape_ok(const char *id)
{
	size_t n = strnlen(id, MM_ID_MAX + 1);
	if (n == 0 || n > MM_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
		      c == '_' || c == '.'))
			return false;
	}
	return true;
}

int mm_report_check(const mm_report_req *q, mm_err *err)
{
	const struct report_def *d = find_def(q->name);
	int y, m;
	if (!d) {
		mm_buf b;
		mm_buf_init(&b, 512);
		for (size_t i = 0; i < NDEFS; i++)
			if (mm_buf_printf(&b, "%s%s", i ? ", " : "", defs[i].name))
				break;
		int rc = mm_err_set(err, MM_EINVAL, "unknown report '%.64s' (reports: %s)", q->name ? q->name : "",
				    b.p ? (const char *)b.p : "");
		mm_buf_release(&b);
		return rc;
	}
	if (q->lang && strcmp(q->lang, "ja") != 0 && strcmp(q->lang, "en") != 0)
		return mm_err_set(err, MM_EINVAL, "--lang '%.20s': expected ja or en", q->lang);
	if (q->month && q->id)
		return mm_err_set(err, MM_EINVAL, "report %s: give --month or --id, not both", d->name);
	if (!q->month && !q->id)
		return mm_err_set(err, MM_EINVAL, "report %s: missing %s", d->name,
				  d->by_month && d->by_id ? "--month YYYY-MM or --id ID"
				  : d->by_month		  ? "--month YYYY-MM"
							  : "--id ID");
	if (q->month && !d->by_month)
		return mm_err_set(err, MM_EINVAL, "report %s is made for one record: use --id ID of a %s, not --month",
				  d->name, d->id_kind);
	if (q->id && !d->by_id)
		return mm_err_set(err, MM_EINVAL, "report %s is made for a month: use --month YYYY-MM, not --id", d->name);
	if (q->month)
		return mm_report_parse_month(q->month, &y, &m, err);
	if (!id_shape_ok(q->id))
		return mm_err_set(err, MM_EINVAL, "--id '%.64s': not a record id (letters, digits, '-', '_', '.')", q->id);
	return MM_OK;
}

/* ---- time ---- */

bool rp_instant(const char *when, int64_t *t)
{
	mm_err e;
	return when && strlen(when) <= MM_ISO8601_MAX && mm_cal_parse_instant(when, t, &e) == MM_OK;
}

bool rp_in_month(const rp *r, const char *when)
{
	int64_t t;
	if (!when)
		return false;
	if (strlen(when) == 10) { /* a date: its calendar month */
		char ym[8];
		snprintf(ym, sizeof ym, "%04d-%02d", r->y, r->m);
		return strncmp(when, ym, 7) == 0;
	}
	return rp_instant(when, &t) && t >= r->from && t < r->until;
}

/* ---- reading ---- */

const char *rp_str(json_t *rec, const char *field)
{
	return json_string_value(json_object_get(json_object_get(rec, "data"), field));
}

int rp_records(rp *r, const char *kind, json_t **arr)
{
	json_t *have = json_object_get(r->lists, kind);
	mm_buf b;
	int rc = MM_OK;
	json_t *all = NULL, *map = NULL;
	if (have) {
		*arr = have;
		return MM_OK;
	}
	mm_buf_init(&b, MM_REPORT_PAGE_BYTES_MAX);
	if (!(all = json_array()) || !(map = json_object())) {
		rc = mm_err_set(r->err, MM_ENOMEM, "out of memory");
		goto out;
	}
	for (uint64_t off = 0, total = 1; off < total;) {
		mm_store_query q = {.offset = off, .limit = MM_STORE_PAGE_MAX};
		mm_buf_reset(&b);
		if ((rc = mm_store_query_page(r->s, r->req->who, kind, &q, &b, &total, r->err)))
			goto out;
		if (total > MM_REPORT_RECORDS_MAX) {
			rc = mm_err_set(r->err, MM_ELIMIT, "%s: %llu records, more than a report reads (%u)", kind,
					(unsigned long long)total, MM_REPORT_RECORDS_MAX);
			goto out;
		}
		json_error_t je;
		json_t *page = json_loadb((const char *)b.p, b.len, 0, &je);
		size_t i, n = json_array_size(page);
		json_t *v;
		if (!json_is_array(page)) {
			json_decref(page);
			rc = mm_err_set(r->err, MM_ECORRUPT, "%s: the store's page is not a JSON array", kind);
			goto out;
		}
		json_array_foreach(page, i, v) {
			const char *id = json_string_value(json_object_get(v, "id"));
			if (json_array_append(all, v) || (id && json_object_set(map, id, v))) {
				json_decref(page);
				rc = mm_err_set(r->err, MM_ENOMEM, "out of memory");
				goto out;
			}
		}
		json_decref(page);
		if (n == 0)
			break;
		off += n;
	}
	if (json_object_set(r->lists, kind, all) || json_object_set(r->maps, kind, map))
		rc = mm_err_set(r->err, MM_ENOMEM, "out of memory");
	else
		*arr = all;
out:
	json_decref(all);
	json_decref(map);
	mm_buf_release(&b);
	return rc;
}

json_t *rp_lookup(rp *r, const char *kind, const char *id)
{
	json_t *arr;
	if (!id || rp_records(r, kind, &arr))
		return NULL;
	return json_object_get(json_object_get(r->maps, kind), id);
}

int rp_record(rp *r, const char *id, const char *kind, json_t **rec)
{
	mm_buf b;
	mm_buf_init(&b, MM_RECORD_JSON_MAX * 2);
	*rec = NULL;
	int rc = mm_store_get(r->s, r->req->who, id, &b, r->err);
	if (!rc) {
		json_error_t je;
		*rec = json_loadb((const char *)b.p, b.len, 0, &je);
		if (!*rec)
			rc = mm_err_set(r->err, MM_ECORRUPT, "%s: the store's record is not JSON", id);
	}
	mm_buf_release(&b);
	if (!rc && kind) {
		const char *k = json_string_value(json_object_get(*rec, "kind"));
		if (!k || strcmp(k, kind) != 0) {
			rc = mm_err_set(r->err, MM_EINVAL, "--id %s is a %s record; report %s needs a record of kind %s", id,
					k ? k : "?", r->req->name, kind);
			json_decref(*rec);
			*rec = NULL;
		}
	}
	return rc;
}

const char *rp_name(rp *r, const char *kind, const char *id)
{
	json_t *rec = rp_lookup(r, kind, id);
	const char *n = rp_str(rec, strcmp(kind, "work_request") == 0 ? "title" : "name");
	return n ? n : id ? id : "";
}

void rp_names(rp *r, const char *kind, json_t *list, char *out, size_t n)
{
	size_t i, used = 0;
	json_t *v;
	out[0] = 0;
	json_array_foreach(list, i, v) {
		int w = snprintf(out + used, n - used, "%s%s", i ? "、" : "", rp_name(r, kind, json_string_value(v)));
		if (w < 0 || (size_t)w >= n - used) {
			out[used] = 0;
			break;
		}
		used += (size_t)w;
	}
}

static json_t *schema_doc(rp *r, const char *kind)
{
	json_t *doc = json_object_get(r->schemas, kind);
	if (doc || !r->req->schema_dir)
		return doc;
	char path[4096];
	mm_buf b;
	mm_err e;
	mm_buf_init(&b, MM_SCHEMA_FILE_MAX);
	snprintf(path, sizeof path, "%s/%s.json", r->req->schema_dir, kind);
	if (mm_file_read(path, MM_SCHEMA_FILE_MAX, &b, &e) == MM_OK) {
		json_error_t je;
		doc = json_loadb((const char *)b.p, b.len, 0, &je);
	}
	mm_buf_release(&b);
	if (!doc)
		doc = json_object(); /* no titles: values are shown as they are */
	if (json_object_set_new(r->schemas, kind, doc))
		return NULL;
	return doc;
}

static const char *title_of(rp *r, json_t *t, const char *fallback)
{
	const char *s = json_string_value(json_object_get(t, r->en ? "en" : "ja"));
	return s ? s : fallback;
}

static json_t *field_def(rp *r, const char *kind, const char *field)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(schema_doc(r, kind), "fields"), i, f)
		if (json_is_string(json_object_get(f, "name")) &&
		    strcmp(json_string_value(json_object_get(f, "name")), field) == 0)
			return f;
	return NULL;
}

const char *rp_field(rp *r, const char *kind, const char *field)
{
	return title_of(r, json_object_get(field_def(r, kind, field), "title"), field);
}

/*
 * Titles for the enum values some schema files list without titles
 * (inspection results and targets, severities, minutes' deadline status).
 */
static const char *const fallback_titles[][3] = {
	{"pass", "適合", "Pass"},	    {"fail", "不適合", "Fail"},	      {"not-applicable", "該当なし", "N/A"},
	{"terminal", "統合端末", "Terminal"}, {"cs", "CS", "CS"},		      {"low", "低", "Low"},
	{"medium", "中", "Medium"},	    {"high", "高", "High"},	      {"critical", "重大", "Critical"},
	{"met", "達成", "Met"},		    {"missed", "未達", "Missed"},	      {"pending", "期限内", "Pending"},
	{"none", "目標なし", "No target"},
};

static const char *value_title(rp *r, json_t *values, const char *value)
{
	size_t i;
	json_t *v;
	if (!value)
		return "";
	json_array_foreach(values, i, v) {
		const char *name = json_string_value(json_object_get(v, "value"));
		if (name && strcmp(name, value) == 0)
			return title_of(r, json_object_get(v, "title"), value);
	}
	for (i = 0; i < sizeof fallback_titles / sizeof fallback_titles[0]; i++)
		if (strcmp(fallback_titles[i][0], value) == 0)
			return fallback_titles[i][r->en ? 2 : 1];
	return value;
}

const char *rp_enum(rp *r, const char *kind, const char *field, const char *value)
{
	return value_title(r, json_object_get(field_def(r, kind, field), "values"), value);
}

const char *rp_op(rp *r, const char *kind, const char *op)
{
	size_t i;
	json_t *t;
	if (op && strcmp(op, "create") == 0)
		return L(r, "作成", "Create");
	if (op && strcmp(op, "update") == 0)
		return L(r, "更新", "Update");
	json_array_foreach(json_object_get(schema_doc(r, kind), "transitions"), i, t) {
		const char *name = json_string_value(json_object_get(t, "name"));
		if (name && op && strcmp(name, op) == 0)
			return title_of(r, json_object_get(t, "title"), op);
	}
	return op ? op : "";
}

const char *rp_state(rp *r, const char *kind, const char *state)
{
	return value_title(r, json_object_get(schema_doc(r, kind), "states"), state);
}

/* ---- writing ---- */

void rp_cell(uint32_t row, uint16_t col, char *out, size_t n)
{
	char letters[4];
	size_t k = 0;
	unsigned c = (unsigned)col + 1;
	char rev[4];
	while (c && k < sizeof rev) {
		rev[k++] = (char)('A' + (c - 1) % 26);
		c = (c - 1) / 26;
	}
	for (size_t i = 0; i < k; i++)
		letters[i] = rev[k - 1 - i];
	letters[k] = 0;
	snprintf(out, n, "%s%u", letters, row + 1);
}

static lxw_format *fmt(rp *r, unsigned size, bool bold, bool border, bool wrap)
{
	lxw_format *f = workbook_add_format(r->wb);
	format_set_font_name(f, FONT);
	format_set_font_size(f, size);
	if (bold)
		format_set_bold(f);
	if (border)
		format_set_border(f, LXW_BORDER_THIN);
	if (wrap)
		format_set_text_wrap(f);
	format_set_align(f, LXW_ALIGN_VERTICAL_TOP);
	return f;
}

static void make_formats(rp *r)
{
	struct rp_fmt *f = &r->f;
	f->title = fmt(r, 16, true, false, false);
	f->sub = fmt(r, 10, false, false, false);
	f->section = fmt(r, 12, true, false, false);
	format_set_bottom(f->section, LXW_BORDER_MEDIUM);
	f->head = fmt(r, 10, true, true, true);
	format_set_bg_color(f->head, 0xDDEBF7);
	format_set_align(f->head, LXW_ALIGN_CENTER);
	format_set_align(f->head, LXW_ALIGN_VERTICAL_CENTER);
	f->cell = fmt(r, 10, false, true, false);
	f->wrap = fmt(r, 10, false, true, true);
	f->center = fmt(r, 10, false, true, false);
	format_set_align(f->center, LXW_ALIGN_CENTER);
	f->dt = fmt(r, 10, false, true, false);
	format_set_num_format(f->dt, "yyyy/mm/dd hh:mm");
	format_set_align(f->dt, LXW_ALIGN_LEFT);
	f->date = fmt(r, 10, false, true, false);
	format_set_num_format(f->date, "yyyy/mm/dd");
	format_set_align(f->date, LXW_ALIGN_LEFT);
	f->num = fmt(r, 10, false, true, false);
	format_set_num_format(f->num, "#,##0");
	f->pct = fmt(r, 10, false, true, false);
	format_set_num_format(f->pct, "0.0%");
	f->label = fmt(r, 10, true, true, true);
	format_set_bg_color(f->label, 0xF2F2F2);
	f->mono = fmt(r, 9, false, false, false);
	format_set_font_name(f->mono, "Courier New");
	f->total = fmt(r, 10, true, true, false);
	format_set_bg_color(f->total, 0xF2F2F2);
	f->total_num = fmt(r, 10, true, true, false);
	format_set_bg_color(f->total_num, 0xF2F2F2);
	format_set_num_format(f->total_num, "#,##0");
	f->total_pct = fmt(r, 10, true, true, false);
	format_set_bg_color(f->total_pct, 0xF2F2F2);
	format_set_num_format(f->total_pct, "0.0%");
	f->sign = fmt(r, 10, false, true, false);
}

int rp_sheet(rp *r, const char *sheet, const double *widths, uint16_t ncols, bool landscape, const char *title,
	     const char *subtitle)
{
	r->ws = workbook_add_worksheet(r->wb, sheet);
	if (!r->ws)
		return mm_err_set(r->err, MM_ENOMEM, "cannot add worksheet '%s'", sheet);
	if (ncols == 0 || ncols > sizeof r->widths / sizeof r->widths[0])
		return mm_err_set(r->err, MM_EINVAL, "internal: %u columns", ncols);
	r->ncols = ncols;
	r->row = 0;
	r->row_lines = 1;
	for (uint16_t c = 0; c < ncols; c++) {
		r->widths[c] = widths[c];
		worksheet_set_column(r->ws, c, c, widths[c], NULL);
	}
	worksheet_set_paper(r->ws, 9); /* A4 */
	if (landscape)
		worksheet_set_landscape(r->ws);
	else
		worksheet_set_portrait(r->ws);
	worksheet_fit_to_pages(r->ws, 1, 0); /* one page wide, as many long as needed */
	worksheet_set_margins(r->ws, 0.5, 0.5, 0.7, 0.7);
	char header[300], footer[200];
	/* the title is static text and the subtitle names a month or an id: no '&' codes in either */
	snprintf(header, sizeof header, "&L&9%s&R&9%s", title, subtitle ? subtitle : "");
	snprintf(footer, sizeof footer, "&C&9%s", L(r, "&P / &N ページ", "Page &P of &N"));
	worksheet_set_header(r->ws, header);
	worksheet_set_footer(r->ws, footer);
	worksheet_merge_range(r->ws, 0, 0, 0, (lxw_col_t)(ncols - 1), title, r->f.title);
	worksheet_set_row(r->ws, 0, 26, NULL);
	if (subtitle)
		worksheet_merge_range(r->ws, 1, 0, 1, (lxw_col_t)(ncols - 1), subtitle, r->f.sub);
	r->row = 3;
	return MM_OK;
}

void rp_section(rp *r, const char *text)
{
	if (r->ncols > 1)
		worksheet_merge_range(r->ws, r->row, 0, r->row, (lxw_col_t)(r->ncols - 1), text, r->f.section);
	else
		worksheet_write_string(r->ws, r->row, 0, text, r->f.section);
	worksheet_set_row(r->ws, r->row, 20, NULL);
	r->row++;
}

void rp_heads(rp *r, const char *const *heads, bool repeat)
{
	for (uint16_t c = 0; c < r->ncols; c++)
		worksheet_write_string(r->ws, r->row, c, heads[c], r->f.head);
	worksheet_set_row(r->ws, r->row, 30, NULL);
	if (repeat)
		worksheet_repeat_rows(r->ws, r->row, r->row);
	r->row++;
}

/*
 * Lines s needs in a column of the given width (Excel width units, about
 * one digit each; a CJK character takes about two). Spreadsheet readers
 * do not grow rows for wrapped text on opening, so the writer must.
 */
static unsigned text_lines(const char *s, double width)
{
	double units = 0;
	unsigned lines = 1;
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p == '\n') {
			lines++;
			units = 0;
			continue;
		}
		if ((*p & 0xC0) == 0x80)
			continue;
		double w = *p >= 0xE0 ? 1.9 : *p >= 0x80 ? 1.2 : 1.0;
		if (units + w > width - 1 && units > 0) {
			lines++;
			units = 0;
		}
		units += w;
	}
	return lines;
}

static void fit(rp *r, uint16_t first, uint16_t last, const char *s)
{
	double w = 0;
	for (uint16_t c = first; c <= last && c < r->ncols; c++)
		w += r->widths[c];
	unsigned n = text_lines(s, w);
	if (n > r->row_lines)
		r->row_lines = n;
}

void rp_end_row(rp *r)
{
	if (r->row_lines > 1) {
		double h = 13.5 * r->row_lines + 2;
		worksheet_set_row(r->ws, r->row, h > 409 ? 409 : h, NULL);
	}
	r->row_lines = 1;
	r->row++;
}

void rp_text(rp *r, uint16_t col, const char *s, lxw_format *f)
{
	if (s && *s) {
		worksheet_write_string(r->ws, r->row, col, s, f);
		if (f == r->f.wrap || f == r->f.label || f == r->f.head)
			fit(r, col, col, s);
	} else {
		worksheet_write_blank(r->ws, r->row, col, f);
	}
}

void rp_num(rp *r, uint16_t col, double v, lxw_format *f)
{
	worksheet_write_number(r->ws, r->row, col, v, f);
}

static void write_ymd(rp *r, uint16_t col, mm_day day, int sec, lxw_format *f)
{
	int y, m, d;
	mm_cal_ymd(day, &y, &m, &d);
	lxw_datetime dt = {.year = y, .month = (uint8_t)m, .day = (uint8_t)d, .hour = (uint8_t)(sec / 3600),
			   .min = (uint8_t)(sec % 3600 / 60), .sec = (double)(sec % 60)};
	worksheet_write_datetime(r->ws, r->row, col, &dt, f);
}

void rp_datetime(rp *r, uint16_t col, const char *iso)
{
	int64_t t;
	if (!iso || !*iso)
		worksheet_write_blank(r->ws, r->row, col, r->f.dt);
	else if (!rp_instant(iso, &t))
		worksheet_write_string(r->ws, r->row, col, iso, r->f.cell);
	else
		write_ymd(r, col, mm_cal_day_of(t), mm_cal_second_of_day(t), r->f.dt);
}

void rp_date(rp *r, uint16_t col, const char *iso)
{
	mm_day day;
	mm_err e;
	if (!iso || !*iso)
		worksheet_write_blank(r->ws, r->row, col, r->f.date);
	else if (mm_cal_parse_date(iso, &day, &e))
		worksheet_write_string(r->ws, r->row, col, iso, r->f.cell);
	else
		write_ymd(r, col, day, 0, r->f.date);
}

void rp_formula(rp *r, uint16_t col, const char *formula, lxw_format *f, double value)
{
	worksheet_write_formula_num(r->ws, r->row, col, formula, f, value);
}

void rp_rate(rp *r, uint16_t col, const char *formula, lxw_format *f, double a, double b)
{
	if (a + b == 0)
		worksheet_write_formula_str(r->ws, r->row, col, formula, f, "-");
	else
		worksheet_write_formula_num(r->ws, r->row, col, formula, f, a / (a + b));
}

void rp_kv(rp *r, const char *label, const char *value)
{
	uint16_t last = (uint16_t)(r->ncols - 1);
	worksheet_merge_range(r->ws, r->row, 0, r->row, 1, label ? label : "", r->f.label);
	fit(r, 0, 1, label);
	if (last > 2)
		worksheet_merge_range(r->ws, r->row, 2, r->row, last, value ? value : "", r->f.wrap);
	else
		worksheet_write_string(r->ws, r->row, 2, value ? value : "", r->f.wrap);
	fit(r, 2, last, value);
	rp_end_row(r);
}

/* ---- the checkpoint ---- */

/* Sign a checkpoint of the current tree if none covers it (writable stores), then take the latest. */
static int take_checkpoint(rp *r)
{
	mm_ledger *l = mm_store_ledger(r->s);
	mm_buf b;
	mm_checkpoint cp;
	int rc;
	mm_buf_init(&b, MM_NOTE_MAX);
	rc = mm_ledger_checkpoint(l, false, &b, r->err);
	if (rc == MM_ECRYPTO) { /* read-only: no signer; the latest signed one is what there is */
		mm_buf_reset(&b);
		mm_err_clear(r->err);
		rc = mm_ledger_latest_checkpoint(l, &b, r->err);
	}
	if (!rc && (b.len == 0 || b.len > MM_NOTE_MAX))
		rc = mm_err_set(r->err, MM_ECORRUPT, "the ledger has no usable checkpoint");
	if (!rc)
		rc = mm_checkpoint_open(mm_ledger_verifier(l), (const char *)b.p, b.len, &cp, r->err);
	if (!rc) {
		memcpy(r->note, b.p, b.len);
		r->note[b.len] = 0;
		r->tree_size = cp.size;
	}
	mm_buf_release(&b);
	return rc ? mm_err_prefix(r->err, "ledger checkpoint") : MM_OK;
}

void rp_checkpoint_block(rp *r)
{
	mm_checkpoint cp;
	mm_err e;
	char hex[2 * MM_SHA256_LEN + 1], when[48], cmd[600];
	r->row++;
	rp_section(r, L(r, "台帳チェックポイント (この報告書の作成元)", "Ledger checkpoint this report was made from"));
	if (mm_checkpoint_parse(r->note, strlen(r->note), &cp, &e) != MM_OK) {
		rp_kv(r, L(r, "チェックポイント", "Checkpoint"), L(r, "(読み取れません)", "(unreadable)"));
		return;
	}
	mm_hex_encode(cp.root, MM_SHA256_LEN, hex);
	mm_time_format(cp.time_ns, 540, when, sizeof when);
	const char *sig = strstr(r->note, "\n\n");
	char size[32];
	snprintf(size, sizeof size, "%llu", (unsigned long long)cp.size);
	rp_kv(r, L(r, "台帳の名前 (origin)", "Ledger origin"), cp.origin);
	rp_kv(r, L(r, "記録数 (tree size)", "Tree size (entries)"), size);
	rp_kv(r, L(r, "ルートハッシュ (SHA-256)", "Root hash (SHA-256)"), hex);
	rp_kv(r, L(r, "署名時刻", "Signed at"), when);
	rp_kv(r, L(r, "署名", "Signature"), sig ? sig + 2 : "");
	snprintf(cmd, sizeof cmd,
		 L(r, "下の枠の各行 (署名付きチェックポイント) をそのままテキストファイル checkpoint.txt に保存し、"
		      "「mamori ledger verify --db %s --checkpoint checkpoint.txt」を実行してください。"
		      "終了コード 0 は、この報告書を作成した時点の台帳が改ざんされずに現在の台帳に含まれていることを示します。",
		   "Save the lines in the box below (the signed checkpoint) exactly as a text file checkpoint.txt and run "
		   "\"mamori ledger verify --db %s --checkpoint checkpoint.txt\". Exit status 0 shows that the ledger "
		   "this report was made from is contained, unaltered, in the current ledger."),
		 r->req->db_label ? r->req->db_label : "FILE");
	rp_kv(r, L(r, "検証方法", "How to verify"), cmd);
	/* the note itself, one line per row, so it can be copied out exactly */
	rp_text(r, 0, "-----BEGIN CHECKPOINT-----", r->f.mono);
	r->row++;
	const char *p = r->note;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[MM_NOTE_MAX + 1];
		memcpy(line, p, n);
		line[n] = 0;
		rp_text(r, 0, line, r->f.mono);
		r->row++;
		p += n + (nl ? 1 : 0);
	}
	rp_text(r, 0, "-----END CHECKPOINT-----", r->f.mono);
	r->row++;
}

/* ---- whole reports ---- */

static int month_bounds(rp *r)
{
	int y = r->y, m = r->m;
	mm_day first = mm_cal_day_from_ymd(y, m, 1);
	mm_day next = m == 12 ? mm_cal_day_from_ymd(y + 1, 1, 1) : mm_cal_day_from_ymd(y, m + 1, 1);
	r->from = mm_cal_instant(first, 0);
	r->until = mm_cal_instant(next, 0);
	return MM_OK;
}

/* Write the workbook to the file at tmp (created by the caller). */
static int generate(mm_store *s, const mm_report_req *req, const char *tmp, uint64_t *tree_size, mm_err *err)
{
	const struct report_def *d = find_def(req->name);
	rp r;
	int rc;
	memset(&r, 0, sizeof r);
	if ((rc = mm_report_check(req, err)))
		return rc;
	r.s = s;
	r.req = req;
	r.en = req->lang && strcmp(req->lang, "en") == 0;
	r.err = err;
	if (req->month && (rc = mm_report_parse_month(req->month, &r.y, &r.m, err)))
		return rc;
	if (req->month)
		month_bounds(&r);
	r.lists = json_object();
	r.maps = json_object();
	r.schemas = json_object();
	if (!r.lists || !r.maps || !r.schemas) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = take_checkpoint(&r)))
		goto out;
	lxw_workbook_options o = {.constant_memory = LXW_FALSE, .tmpdir = NULL, .use_zip64 = LXW_FALSE};
	r.wb = workbook_new_opt(tmp, &o);
	if (!r.wb) {
		rc = mm_err_set(err, MM_ENOMEM, "cannot start a workbook");
		goto out;
	}
	lxw_doc_properties props = {.title = (char *)mm_report_title(req->name, req->lang),
				    .author = (char *)(req->who && req->who->name ? req->who->name : "mamori"),
				    .company = (char *)"mamori",
				    .comments = (char *)"mamori report; the ledger checkpoint is at the end of the sheet"};
	workbook_set_properties(r.wb, &props);
	make_formats(&r);
	rc = d->fn(&r);
	lxw_error le = workbook_close(r.wb);
	r.wb = NULL;
	if (!rc && le != LXW_NO_ERROR)
		rc = mm_err_set(err, MM_EIO, "writing the workbook: %s", lxw_strerror(le));
	if (!rc && tree_size)
		*tree_size = r.tree_size;
out:
	json_decref(r.lists);
	json_decref(r.maps);
	json_decref(r.schemas);
	return rc;
}

/* A new empty temporary file in dir named after base; path receives its name. */
static int make_temp(const char *dir, const char *base, char *path, size_t n, mm_err *err)
{
	int w = snprintf(path, n, "%s/.%s.XXXXXX", dir, base);
	if (w < 0 || (size_t)w >= n)
		return mm_err_set(err, MM_EINVAL, "output path is too long");
	int fd = mkstemp(path);
	if (fd < 0)
		return mm_err_set(err, MM_EIO, "%s: cannot create a file there: %s", dir, strerror(errno));
	close(fd);
	return MM_OK;
}

int mm_report_write(mm_store *s, const mm_report_req *req, const char *path, uint64_t *tree_size, mm_err *err)
{
	char dir[4096], tmp[4200];
	const char *slash;
	int rc;
	if ((rc = mm_report_check(req, err)))
		return rc;
	if (!path || !*path)
		return mm_err_set(err, MM_EINVAL, "-o: missing output file");
	slash = strrchr(path, '/');
	if (slash) {
		size_t n = (size_t)(slash - path);
		if (n >= sizeof dir)
			return mm_err_set(err, MM_EINVAL, "-o: path is too long");
		memcpy(dir, path, n);
		dir[n] = 0;
		if (n == 0)
			snprintf(dir, sizeof dir, "/");
	} else {
		snprintf(dir, sizeof dir, ".");
	}
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return mm_err_set(err, MM_EINVAL, "-o %s: is a directory", path);
	if ((rc = make_temp(dir, "report", tmp, sizeof tmp, err)))
		return mm_err_prefix(err, "-o %s", path);
	if ((rc = generate(s, req, tmp, tree_size, err))) {
		unlink(tmp);
		return rc;
	}
	if (chmod(tmp, 0644) != 0 || rename(tmp, path) != 0) {
		rc = mm_err_set(err, MM_EIO, "-o %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

int mm_report_build(mm_store *s, const mm_report_req *req, const char *tmpdir, mm_buf *out, uint64_t *tree_size,
		    mm_err *err)
{
	char tmp[4200];
	int rc;
	if (!tmpdir)
		tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	if ((rc = mm_report_check(req, err)) || (rc = make_temp(tmpdir, "mamori-report", tmp, sizeof tmp, err)))
		return rc;
	rc = generate(s, req, tmp, tree_size, err);
	if (!rc)
		rc = mm_file_read(tmp, MM_REPORT_FILE_MAX, out, err);
	unlink(tmp);
	return rc;
}

int mm_report_record(mm_store *s, const mm_report_req *req, const void *bytes, size_t n, uint64_t tree_size,
		     mm_err *err)
{
	uint8_t h[MM_SHA256_LEN];
	char hex[2 * MM_SHA256_LEN + 1];
	mm_sha256(bytes, n, h);
	mm_hex_encode(h, MM_SHA256_LEN, hex);
	json_t *o = json_pack("{s:s, s:s?, s:s?, s:s, s:s, s:I, s:I, s:s}", "report", req->name, "month", req->month,
			      "id", req->id, "lang", req->lang ? req->lang : "ja", "sha256", hex, "size", (json_int_t)n,
			      "checkpoint_size", (json_int_t)tree_size, "tenant",
			      req->who && req->who->tenant ? req->who->tenant : "");
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(o);
	if (!text)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	mm_entry e;
	memset(&e, 0, sizeof e);
	mm_entry_set(&e.kind, &e.kind_len, "report.write");
	mm_entry_set(&e.actor, &e.actor_len, req->who && req->who->name ? req->who->name : "mamori");
	mm_entry_set(&e.subject, &e.subject_len, req->id ? req->id : req->name);
	e.payload = (const uint8_t *)text;
	e.payload_len = strlen(text);
	uint64_t seq;
	int rc = mm_ledger_append(mm_store_ledger(s), &e, &seq, err);
	free(text);
	return rc;
}

void mm_report_file_name(const mm_report_req *req, char *out, size_t n)
{
	const char *t = mm_report_title(req->name, req->lang);
	snprintf(out, n, "%s_%s.xlsx", t ? t : "report", req->month ? req->month : req->id ? req->id : "");
}

/* attr-char of RFC 5987: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" */
static bool attr_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("!#$&+-.^_`|~", c);
}

bool mm_report_disposition(const mm_report_req *req, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	char name[256];
	mm_buf b;
	bool okay;
	mm_report_file_name(req, name, sizeof name);
	mm_buf_init(&b, n);
	/* the ASCII fallback: the report's name and selector, safe by construction but filtered anyway */
	okay = mm_buf_puts(&b, "attachment; filename=\"mamori-") == MM_OK;
	for (const char *p = req->name; okay && p && *p; p++)
		okay = mm_buf_put_u8(&b, attr_char((unsigned char)*p) ? (uint8_t)*p : '_') == MM_OK;
	okay = okay && mm_buf_put_u8(&b, '_') == MM_OK;
	const char *sel = req->month ? req->month : req->id ? req->id : "";
	for (const char *p = sel; okay && *p; p++)
		okay = mm_buf_put_u8(&b, attr_char((unsigned char)*p) ? (uint8_t)*p : '_') == MM_OK;
	okay = okay && mm_buf_puts(&b, ".xlsx\"; filename*=UTF-8''") == MM_OK;
	for (const unsigned char *p = (const unsigned char *)name; okay && *p; p++) {
		if (attr_char(*p))
			okay = mm_buf_put_u8(&b, *p) == MM_OK;
		else
			okay = mm_buf_put_u8(&b, '%') == MM_OK && mm_buf_put_u8(&b, (uint8_t)hex[*p >> 4]) == MM_OK &&
			       mm_buf_put_u8(&b, (uint8_t)hex[*p & 15]) == MM_OK;
	}
	okay = okay && b.len < n;
	if (okay)
		memcpy(out, b.p, b.len + 1);
	else if (n)
		out[0] = 0;
	mm_buf_release(&b);
	return okay;
}
