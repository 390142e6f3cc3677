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
	free(c->cells);
	free(c->line);
	free(c->arena);
	memset(c, 0, sizeof *c);
}

/*
 * Cells are written one after another, each NUL-terminated, into one
 * arena (so a file of many tiny cells costs no allocation per cell) and
 * found by offset until the end, when the arena no longer moves.
 */
struct reader {
	const char *p, *end;
	size_t line;        /* current line, 1-based */
	mm_buf arena;       /* every cell's bytes and NUL */
	size_t cell_start;  /* arena offset of the cell being read */
	size_t row[MM_CSV_COLS_MAX]; /* offsets of the cells of the row being read */
	size_t nrow;
	size_t *offs;       /* offsets of every finished row's cells, row by row */
	size_t cap_rows;    /* rows allocated in offs (by ncols) and out->line */
	mm_csv *out;
	mm_err *err;
};

static int fail(struct reader *r, size_t line, size_t col, const char *why)
{
	return mm_err_set(r->err, MM_EINVAL, "line %zu, column %zu: %s", line, col, why);
}

/* Finish the cell at r->cell_start as column r->nrow + 1 of the row starting at line. */
static int end_cell(struct reader *r, size_t line)
{
	size_t col = r->nrow + 1, n = r->arena.len - r->cell_start;
	const char *s = r->arena.p ? (const char *)r->arena.p + r->cell_start : "";
	if (r->nrow >= MM_CSV_COLS_MAX)
		return mm_err_set(r->err, MM_ELIMIT, "line %zu: more than %d columns", line, MM_CSV_COLS_MAX);
	if (memchr(s, 0, n))
		return fail(r, line, col, "contains a NUL byte");
	if (!mm_utf8_valid(s, n))
		return fail(r, line, col, "is not valid UTF-8");
	if (mm_buf_put_u8(&r->arena, 0))
		return mm_err_set(r->err, MM_ENOMEM, "out of memory");
	r->row[r->nrow++] = r->cell_start;
	r->cell_start = r->arena.len;
	return MM_OK;
}

/* Append the finished row (starting at line) to the table; the header fixes the width. */
static int end_row(struct reader *r, size_t line)
{
	mm_csv *c = r->out;
	if (r->nrow == 1 && r->arena.p[r->row[0]] == '\0') { /* an empty line: nothing on it */
		r->arena.len = r->cell_start = r->row[0];
		r->nrow = 0;
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
		if (mm_size_mul(cap, c->ncols, &bytes) || mm_size_mul(bytes, sizeof *r->offs, &bytes))
			return mm_err_set(r->err, MM_ELIMIT, "too many cells");
		size_t *offs = realloc(r->offs, bytes);
		if (!offs)
			return mm_err_set(r->err, MM_ENOMEM, "out of memory");
		r->offs = offs;
		size_t *lines = realloc(c->line, cap * sizeof *lines);
		if (!lines)
			return mm_err_set(r->err, MM_ENOMEM, "out of memory");
		c->line = lines;
		r->cap_rows = cap;
	}
	memcpy(r->offs + c->nrows * c->ncols, r->row, c->ncols * sizeof *r->offs);
	c->line[c->nrows++] = line;
	r->nrow = 0;
	return MM_OK;
}

static int put(struct reader *r, size_t line, char ch)
{
	if (r->arena.len - r->cell_start >= MM_CSV_CELL_MAX)
		return mm_err_set(r->err, MM_ELIMIT, "line %zu, column %zu: longer than %d bytes", line, r->nrow + 1,
				  MM_CSV_CELL_MAX);
	int rc = mm_buf_put_u8(&r->arena, (uint8_t)ch);
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
	struct reader *r = NULL;
	int rc = MM_OK;
	memset(out, 0, sizeof *out);
	if (n > MM_CSV_FILE_MAX)
		return mm_err_set(err, MM_ELIMIT, "the CSV is %zu bytes; at most %u are allowed", n, MM_CSV_FILE_MAX);
	r = calloc(1, sizeof *r);
	if (!r)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	*r = (struct reader){.p = text, .end = text + n, .line = 1, .out = out, .err = err};
	/* every byte of a cell comes from the text, plus one NUL per cell: at most one per text byte and one more */
	mm_buf_init(&r->arena, 2 * (size_t)MM_CSV_FILE_MAX + 2);
	if (n >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		r->p += 3;
	while (r->p < r->end) {
		size_t row_line = r->line;
		bool eol = false;
		while (!eol) {
			if ((rc = read_field(r, row_line, &eol)) || (rc = end_cell(r, row_line)))
				goto out;
		}
		if ((rc = end_row(r, row_line)))
			goto out;
	}
	if (out->nrows == 0) {
		rc = mm_err_set(err, MM_EINVAL, "line 1: the CSV is empty (a header row of field names is needed)");
		goto out;
	}
	/* the arena stops moving: offsets become pointers */
	out->cells = calloc(out->nrows * out->ncols, sizeof *out->cells);
	if (!out->cells) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	out->arena = (char *)mm_buf_detach(&r->arena, NULL);
	for (size_t i = 0; i < out->nrows * out->ncols; i++)
		out->cells[i] = out->arena + r->offs[i];
out:
	free(r->offs);
	mm_buf_release(&r->arena);
	free(r);
	if (rc)
		mm_ops_csv_free(out);
	return rc;
}
