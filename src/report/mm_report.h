/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report: the documents the municipality receives (002 §6, 004 §3; C13) as
 * real .xlsx workbooks (libxlsxwriter): Japanese (or English), A4 portrait,
 * one page wide, header rows repeated, page numbers in the footer, and
 * formulas where a person expects them (totals, counts, SLA met rate).
 * Reports are read from the store as the actor sees it (role and tenant),
 * and every report ends with the signed ledger checkpoint it was made from
 * and the command that verifies it, so a kept copy witnesses the ledger.
 * The report names and what each proves are in docs/reports.md.
 */
#ifndef MM_REPORT_H
#define MM_REPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "base/mm_base.h"
#include "store/mm_store.h"

/* What to write. Strings are borrowed for the duration of the call. */
typedef struct mm_report_req {
	const char *name;       /* one of mm_report_names(): "monthly-work", "fault", ... */
	const char *month;      /* "YYYY-MM" for monthly reports, else NULL */
	const char *id;         /* record id for per-record reports, else NULL */
	const char *lang;       /* "ja" (default when NULL) or "en" */
	const char *schema_dir; /* the store's schema folder (titles of states and enum values) */
	const char *db_label;   /* how the verify command names the database (e.g. its path); NULL = "FILE" */
	const mm_actor *who;    /* reader: role and tenant decide what is visible */
} mm_report_req;

/* The report names, NULL-terminated (static). */
const char *const *mm_report_names(void);
/* True if name is a report; *by_id/ *by_month tell which selector it takes (either may be NULL). */
bool mm_report_known(const char *name, bool *by_month, bool *by_id);
/* Title of a report in lang ("ja"/"en"), or NULL for an unknown name (static). */
const char *mm_report_title(const char *name, const char *lang);

/*
 * Parse "YYYY-MM" (year 2000..2098, month 01..12) into *y and *m; errors
 * say what is wrong with the text.
 */
int mm_report_parse_month(const char *s, int *y, int *m, mm_err *err) MM_MUST_USE;

/*
 * Check req (known name, the selector it needs, month syntax, lang) without
 * reading the store. MM_EINVAL with a message naming the option.
 */
int mm_report_check(const mm_report_req *req, mm_err *err) MM_MUST_USE;

/*
 * Write the report to path (atomically: a temporary file beside it, then
 * rename). If no checkpoint covers the current tree and the store was
 * opened for writing, one is signed first. *info (may be NULL) receives
 * the checkpoint's tree size. Errors: MM_EINVAL bad request, MM_ENOTFOUND
 * unknown id (or another tenant's), MM_EINVAL id of the wrong kind or a
 * record that cannot make this report (e.g. no erasure), MM_EIO output.
 */
int mm_report_write(mm_store *s, const mm_report_req *req, const char *path, uint64_t *tree_size,
		    mm_err *err) MM_MUST_USE;

/*
 * Same, into memory: the workbook's bytes are appended to out (limit
 * MM_REPORT_FILE_MAX). tmpdir is where the temporary file is made (NULL:
 * TMPDIR or /tmp); it is removed before return.
 */
int mm_report_build(mm_store *s, const mm_report_req *req, const char *tmpdir, mm_buf *out, uint64_t *tree_size,
		    mm_err *err) MM_MUST_USE;

/*
 * Record in the ledger that who wrote report req (name, month or id, the
 * SHA-256 of the bytes, the checkpoint size it carries), as an entry of
 * kind "report.write" (no projection). The store must be writable.
 */
int mm_report_record(mm_store *s, const mm_report_req *req, const void *bytes, size_t n, uint64_t tree_size,
		     mm_err *err) MM_MUST_USE;

/*
 * The download file name of a report: "<title>_<month|id>.xlsx" in the
 * request's language (UTF-8), into out (>= 256 bytes).
 */
void mm_report_file_name(const mm_report_req *req, char *out, size_t n);

/*
 * The Content-Disposition value of a download of req (RFC 6266 with an
 * RFC 5987 UTF-8 name): attachment; filename="<ASCII fallback>";
 * filename*=UTF-8''<percent-encoded name>. Only printable ASCII without
 * quotes or backslashes is written. False if it does not fit in n bytes.
 */
bool mm_report_disposition(const mm_report_req *req, char *out, size_t n);

#endif
