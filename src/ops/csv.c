/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A strict RFC 4180 reader for what contractors export from Excel: UTF-8
 * with an optional BOM, CRLF or LF, quoted fields holding commas, line
 * breaks and doubled quotes. Anything else — a stray quote, a bare CR, a
 * NUL, bad UTF-8, a ragged row, a limit passed — is refused with the line
 * and column where it is.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/mm_ops.h"
#include "base/banned.h"

void mm_ops_csv_free(mm_csv *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nrows * c->ncols; i++)
		free(c->cells[i]);
	free(c->cells);
	free(c->line);
	memset(c, 0, sizeof *c);
}

struct reader {
	const char *p, *end;
	size_t line;         /* current line, 1-based */
	mm_buf cell;
	char **row;          /* cells of the row being read */
	size_t nrow;
	mm_csv *out;
	size_t cap_rows;     /* rows allocated in out->line and out->cells (by ncols) */
	mm_err *err;
};

static int fail(struct reader *r, size_t line, size_t col, const char *why)
{
	return mm_err_set(r->err, MM_EINVAL, "line %zu, column %zu: %s", line, col, why);
}

static void free_row(struct reader *r)
{
	for (size_t i = 0; i < r->nrow; i++)
		free(r->row[i]);
	r->nrow = 0;
}

/* Finish the cell in r->cell as column r->nrow + 1 of the row starting at line. */
static int end_cell(struct reader *r, size_t line)
{
	size_t col = r->nrow + 1;
	if (r->nrow >= MM_CSV_COLS_MAX)
		return mm_err_set(r->err, MM_ELIMIT, "line %zu: more than %d columns", line, MM_CSV_COLS_MAX);
	if (memchr(r->cell.p ? (const char *)r->cell.p : "", 0, r->cell.len))
		return fail(r, line, col, "contains a NUL byte");
	if (!mm_utf8_valid(r->cell.p ? (const char *)r->cell.p : "", r->cell.len))
		return fail(r, line, col, "is not valid UTF-8");
	char *s = malloc(r->cell.len + 1);
	if (!s)
		return mm_err_set(r->err, MM_ENOMEM, "out of memory");
	if (r->cell.len)
		memcpy(s, r->cell.p, r->cell.len);
	s[r->cell.len] = '\0';
	r->row[r->nrow++] = s;
	mm_buf_reset(&r->cell);
	return MM_OK;
}

/* Append the finished row (starting at line) to the table; the header fixes the width. */
static int end_row(struct reader *r, size_t line)
{
	mm_csv *c = r->out;
	if (r->nrow == 1 && r->row[0][0] == '\0') { /* an empty line: nothing on it */
		free_row(r);
		return MM_OK;
	}
	if (c->nrows == 0) {
		c->ncols = r->nrow;
	} else if (r->nrow != c->ncols) {
		return mm_err_set(r->err, MM_EINVAL, "line %zu: %zu fields, but the header has %zu", line, r->nrow,
				  c->ncols);
	}
	if (c->nrows > MM_CSV_ROWS_MAX) /* the header plus MM_CSV_ROWS_MAX data rows */
		return mm_err_set(r->err, MM_ELIMIT, "line %zu: more than %d rows", line, MM_CSV_ROWS_MAX);
	if (c->nrows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 64, bytes;
		if (mm_size_mul(cap, c->ncols, &bytes) || mm_size_mul(bytes, sizeof(char *), &bytes))
			return mm_err_set(r->err, MM_ELIMIT, "too many cells");
		char **cells = realloc(c->cells, bytes);
		if (!cells)
			return mm_err_set(r->err, MM_ENOMEM, "out of memory");
		c->cells = cells;
		size_t *lines = realloc(c->line, cap * sizeof *lines);
		if (!lines)
			return mm_err_set(r->err, MM_ENOMEM, "out of memory");
		c->line = lines;
		r->cap_rows = cap;
	}
	memcpy(c->cells + c->nrows * c->ncols, r->row, c->ncols * sizeof(char *));
	c->line[c->nrows++] = line;
	r->nrow = 0;
	return MM_OK;
}

static int put(struct reader *r, size_t line, char ch)
{
	if (r->cell.len >= MM_CSV_CELL_MAX)
		return mm_err_set(r->err, MM_ELIMIT, "line %zu, column %zu: longer than %d bytes", line, r->nrow + 1,
				  MM_CSV_CELL_MAX);
	int rc = mm_buf_append(&r->cell, &ch, 1);
	return rc ? mm_err_set(r->err, rc, "out of memory") : MM_OK;
}

/* Read one field at r->p; *eol is set when it ended its row (or the text ended). */
static int read_field(struct reader *r, size_t row_line, bool *eol)
{
	int rc;
	*eol = false;
	if (r->p < r->end && *r->p == '"') {
		size_t start_line = r->line;
		r->p++;
		for (;;) {
			if (r->p >= r->end)
				return fail(r, start_line, r->nrow + 1, "a quoted field is not closed (missing '\"')");
			char ch = *r->p++;
			if (ch == '"') {
				if (r->p < r->end && *r->p == '"') {
					r->p++;
					if ((rc = put(r, row_line, '"')))
						return rc;
					continue;
				}
				break;
			}
			if (ch == '\r' && r->p < r->end && *r->p == '\n')
				continue; /* CRLF inside quotes is kept as LF */
			if (ch == '\n')
				r->line++;
			if ((rc = put(r, row_line, ch)))
				return rc;
		}
		/* after the closing quote: a comma, a line end or the end */
		if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
			return fail(r, r->line, r->nrow + 1, "text after a closing quote (write a quote inside a "
					"quoted field as \"\")");
	} else {
		while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
			if (*r->p == '"')
				return fail(r, r->line, r->nrow + 1,
					    "a quote inside an unquoted field (quote the whole field and double the quote)");
			if ((rc = put(r, row_line, *r->p++)))
				return rc;
		}
	}
	if (r->p >= r->end) {
		*eol = true;
	} else if (*r->p == ',') {
		r->p++;
	} else if (*r->p == '\n') {
		r->p++;
		r->line++;
		*eol = true;
	} else { /* '\r' */
		if (r->p + 1 >= r->end || r->p[1] != '\n')
			return fail(r, r->line, r->nrow + 1, "a carriage return not followed by a line feed");
		r->p += 2;
		r->line++;
		*eol = true;
	}
	return MM_OK;
}

int mm_ops_csv_parse(const char *text, size_t n, mm_csv *out, mm_err *err)
{
	if (!text) /* an empty buffer may have no memory at all */
		text = "", n = 0;
	struct reader r = {.p = text, .end = text + n, .line = 1, .out = out, .err = err};
	int rc = MM_OK;
	memset(out, 0, sizeof *out);
	if (n > MM_CSV_FILE_MAX)
		return mm_err_set(err, MM_ELIMIT, "the CSV is %zu bytes; at most %u are allowed", n, MM_CSV_FILE_MAX);
	mm_buf_init(&r.cell, MM_CSV_CELL_MAX + 1);
	r.row = calloc(MM_CSV_COLS_MAX, sizeof *r.row);
	if (!r.row) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		r.p += 3;
	while (r.p < r.end) {
		size_t row_line = r.line;
		bool eol = false;
		while (!eol) {
			if ((rc = read_field(&r, row_line, &eol)) || (rc = end_cell(&r, row_line)))
				goto out;
		}
		if ((rc = end_row(&r, row_line)))
			goto out;
	}
	if (out->nrows == 0)
		rc = mm_err_set(err, MM_EINVAL, "line 1: the CSV is empty (a header row of field names is needed)");
out:
	free_row(&r);
	free(r.row);
	mm_buf_release(&r.cell);
	if (rc)
		mm_ops_csv_free(out);
	return rc;
}
