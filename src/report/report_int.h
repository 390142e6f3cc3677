/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/report: one report being written, and the sheet helpers the reports share. */
#ifndef MM_REPORT_INT_H
#define MM_REPORT_INT_H

#include <jansson.h>
#include <xlsxwriter.h>

#include "report/mm_report.h"

/* Formats of one workbook (all in the Japanese-capable font). */
struct rp_fmt {
	lxw_format *title, *sub, *section, *head, *cell, *wrap, *center, *dt, *date, *num, *pct, *label, *mono,
		*total, *total_num, *total_pct, *sign;
};

/* One report being written. */
typedef struct rp {
	mm_store *s;
	const mm_report_req *req;
	bool en;
	int y, m;            /* the month of a monthly report */
	int64_t from, until; /* its bounds [from, until) in Unix seconds (Asia/Tokyo month) */
	lxw_workbook *wb;
	lxw_worksheet *ws;
	struct rp_fmt f;
	uint32_t row;        /* next row to write */
	uint16_t ncols;
	double widths[32];   /* column widths, for row heights of wrapped text */
	unsigned row_lines;  /* lines the tallest wrapped cell of the current row needs */
	json_t *lists;       /* kind -> array of records (as the store returns them) */
	json_t *maps;        /* kind -> {id: record} */
	json_t *schemas;     /* kind -> the kind's schema file (titles of states and enum values) */
	char note[MM_NOTE_MAX + 1]; /* the signed checkpoint the report is made from */
	uint64_t tree_size;
	mm_err *err;
} rp;

/* Japanese or English text, by the request's language. */
#define L(r, ja, en_) ((r)->en ? (en_) : (ja))

/* ---- reading (report.c) ---- */
/* Every record of kind visible to the reader (borrowed; lives as long as r). */
int rp_records(rp *r, const char *kind, json_t **arr) MM_MUST_USE;
/* The record id (new reference) or MM_ENOTFOUND; kind, if not NULL, must match (else MM_EINVAL). */
int rp_record(rp *r, const char *id, const char *kind, json_t **rec) MM_MUST_USE;
/* Display name of a referenced record (person's, asset's or site's name; work request's title), else the id. */
const char *rp_name(rp *r, const char *kind, const char *id);
/* A record of kind by id from the cached list (borrowed), or NULL. */
json_t *rp_lookup(rp *r, const char *kind, const char *id);
/* Title of an enum value or state in the report's language (from the schema file), else the value. */
const char *rp_enum(rp *r, const char *kind, const char *field, const char *value);
const char *rp_state(rp *r, const char *kind, const char *state);
/* Title of a history operation: create, update, or a transition's name. */
const char *rp_op(rp *r, const char *kind, const char *op);
/* Title of a field in the report's language, else its name. */
const char *rp_field(rp *r, const char *kind, const char *field);
/* Data member of a record as a string, or NULL. */
const char *rp_str(json_t *rec, const char *field);
/* True if an ISO date or date-time lies in the report's month. */
bool rp_in_month(const rp *r, const char *when);
/* Instant of an ISO date-time (Unix seconds); false if absent or bad. */
bool rp_instant(const char *when, int64_t *t);

/* ---- writing (report.c) ---- */
/* A new A4 sheet: column widths (characters), portrait or landscape, title row, subtitle row. */
int rp_sheet(rp *r, const char *sheet, const double *widths, uint16_t ncols, bool landscape, const char *title,
	     const char *subtitle) MM_MUST_USE;
/* A section heading row across the sheet. */
void rp_section(rp *r, const char *text);
/* A header row of ncols titles; repeat says it is repeated on every printed page. */
void rp_heads(rp *r, const char *const *heads, bool repeat);
/* Cells of the current row (r->row). NULL or empty text writes an empty cell with the format. */
void rp_text(rp *r, uint16_t col, const char *s, lxw_format *f);
void rp_num(rp *r, uint16_t col, double v, lxw_format *f);
/* An ISO date-time as an Excel date-time in Asia/Tokyo (text as is if it does not parse). */
void rp_datetime(rp *r, uint16_t col, const char *iso);
/* "YYYY-MM-DD" as an Excel date. */
void rp_date(rp *r, uint16_t col, const char *iso);
/*
 * A formula with its format and the value it evaluates to, stored as the
 * cached result for readers that do not recalculate (LibreOffice's default
 * for .xlsx); Excel and Google Sheets recalculate on opening.
 */
void rp_formula(rp *r, uint16_t col, const char *formula, lxw_format *f, double value);
/* A rate formula (a/(a+b), or "-" when a+b is 0) with its cached result. */
void rp_rate(rp *r, uint16_t col, const char *formula, lxw_format *f, double a, double b);
/* A label in column 0..1 and a value merged across the rest of the row (forms). */
void rp_kv(rp *r, const char *label, const char *value);
/* Finish the current row: give it the height its wrapped text needs, then move on. */
void rp_end_row(rp *r);
/* A list of references as names joined with "、" into out. */
void rp_names(rp *r, const char *kind, json_t *list, char *out, size_t n);
/* Cell name "C12" of (row, col), 0-based, into out (>= 16 bytes). */
void rp_cell(uint32_t row, uint16_t col, char *out, size_t n);
/* The closing block: the checkpoint the report was made from and how to verify it. */
void rp_checkpoint_block(rp *r);

/* ---- shared by the reports (table.c) ---- */
/* A record filter; arg is the filter's own (e.g. a field name). */
typedef bool (*rp_keep_fn)(rp *r, json_t *rec, const void *arg);
/*
 * The records of kind that keep accepts (NULL: all), sorted by field (a
 * date-time by instant, else by text; ties by id in numeric order). *out
 * is a new array (holding its own references) the caller releases.
 */
int rp_select(rp *r, const char *kind, rp_keep_fn keep, const void *arg, const char *field, json_t **out) MM_MUST_USE;
/* Filters: the date or date-time field named by arg lies in the month; a list of dates has one in it. */
bool rp_field_in_month(rp *r, json_t *rec, const void *field);
bool rp_list_in_month(rp *r, json_t *rec, const char *field);
/* A record's id and state ("" if absent; borrowed). */
const char *rp_id_of(json_t *rec);
const char *rp_state_of(json_t *rec);
/* How many records of arr are in state. */
size_t rp_count_state(json_t *arr, const char *state);
/* Name of the first active roster member with role (e.g. "responsible-manager"), or "". */
const char *rp_roster_name(rp *r, const char *role);
/* "$C$5:$C$9": rows first..last (0-based) of col, absolute, into out (>= 32 bytes). */
void rp_col_range(uint32_t first, uint32_t last, uint16_t col, char *out, size_t n);
/* "対象月: 2026年10月" (or English). */
void rp_subtitle_month(rp *r, char *out, size_t n);
/* A row saying a table is empty (text in col; the id column stays blank so counts are 0). */
void rp_empty_row(rp *r, uint16_t col);
/* Total rows: a label over columns 0..span-1, then in col a formula with its value, or a rate a/(a+b). */
void rp_label_cells(rp *r, const char *label, uint16_t span);
void rp_total_row(rp *r, const char *label, uint16_t span, uint16_t col, const char *formula, lxw_format *f,
		  double value);
void rp_rate_row(rp *r, const char *label, uint16_t span, uint16_t col, const char *formula, double a, double b);
/* Dates of a list joined with ", " into out. */
void rp_join_dates(json_t *list, char *out, size_t n);
/* A record's history from the store (a new JSON array). */
int rp_history(rp *r, const char *id, json_t **out) MM_MUST_USE;
/* "actor (YYYY/MM/DD HH:MM)" of the last transition into state, or "". */
void rp_who_when(json_t *hist, const char *state, char *out, size_t n);
/* The history as a table: version, time, operation, actor, role, state and reason. */
void rp_history_table(rp *r, const char *kind, json_t *hist);
/* Signature boxes with titles, from the first column wide enough for a name. */
void rp_sign_boxes(rp *r, const char *const *titles, size_t n);

/* ---- the reports (monthly.c, records.c) ---- */
int rp_monthly_work(rp *r) MM_MUST_USE;
int rp_completion(rp *r) MM_MUST_USE;
int rp_security_status(rp *r) MM_MUST_USE;
int rp_inspection(rp *r) MM_MUST_USE;
int rp_fault(rp *r) MM_MUST_USE;
int rp_work_request(rp *r) MM_MUST_USE;
int rp_erasure(rp *r) MM_MUST_USE;
int rp_access_log(rp *r) MM_MUST_USE;

#endif
