/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CSV reader (src/ops/csv.c): RFC 4180 as Excel writes it, and hostile
 * input — unterminated quotes, stray quotes, bare CR, bad UTF-8, NUL,
 * ragged rows, oversize cells, too many rows and columns — refused with the
 * line and column, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ops/mm_ops.h"
#include "base/banned.h"

static mm_csv c;

static int parse(const char *text, size_t n, mm_err *err)
{
	mm_ops_csv_free(&c);
	return mm_ops_csv_parse(text, n, &c, err);
}

static const char *cell(size_t row, size_t col)
{
	assert_true(row < c.nrows && col < c.ncols);
	return c.cells[row * c.ncols + col];
}

static void test_excel(void **state)
{
	(void)state;
	static const char t[] = "\xEF\xBB\xBF" "a,b,c\r\n\"x, y\",\"line1\r\nline2\",\"say \"\"hi\"\"\"\r\n\r\n,,\r\nlast,\"\",z";
	mm_err err;
	assert_int_equal(parse(t, sizeof t - 1, &err), MM_OK);
	assert_int_equal(c.nrows, 4); /* the empty line is skipped; ",," is a row of three empty cells */
	assert_int_equal(c.ncols, 3);
	assert_string_equal(cell(0, 0), "a"); /* the BOM is not part of the first name */
	assert_string_equal(cell(1, 0), "x, y");
	assert_string_equal(cell(1, 1), "line1\nline2");
	assert_string_equal(cell(1, 2), "say \"hi\"");
	assert_string_equal(cell(2, 0), "");
	assert_string_equal(cell(2, 2), "");
	assert_string_equal(cell(3, 0), "last");
	assert_string_equal(cell(3, 1), "");
	assert_string_equal(cell(3, 2), "z");
	assert_int_equal(c.line[0], 1);
	assert_int_equal(c.line[1], 2);
	assert_int_equal(c.line[2], 5);
	assert_int_equal(c.line[3], 6);
}

static void test_lf_and_trailing(void **state)
{
	(void)state;
	mm_err err;
	assert_int_equal(parse("h1,h2\n1,\n", 9, &err), MM_OK);
	assert_int_equal(c.nrows, 2);
	assert_string_equal(cell(1, 0), "1");
	assert_string_equal(cell(1, 1), "");
	assert_int_equal(parse("h\nx", 3, &err), MM_OK); /* no final line end */
	assert_string_equal(cell(1, 0), "x");
}

static void expect_bad(const char *t, size_t n, int code, const char *msg)
{
	mm_err err;
	int rc = parse(t, n, &err);
	if (rc != code || strstr(err.msg, msg) == NULL)
		fail_msg("'%.40s': expected %d '%s', got %d '%s'", t, code, msg, rc, rc ? err.msg : "OK");
	assert_int_equal(c.nrows, 0); /* nothing left behind */
}

static void test_hostile(void **state)
{
	(void)state;
	expect_bad("a,b\n\"open,x\n", 11, MM_EINVAL, "line 2, column 1: a quoted field is not closed");
	expect_bad("a,b\n1,\"2\nmore", 13, MM_EINVAL, "line 2, column 2: a quoted field is not closed");
	expect_bad("a,b,c\n1,2\n", 10, MM_EINVAL, "line 2: 2 fields, but the header has 3");
	expect_bad("a\n1,2,3\n", 8, MM_EINVAL, "line 2: 3 fields, but the header has 1");
	expect_bad("a,b\nx\"y,z\n", 10, MM_EINVAL, "line 2, column 1: a quote inside an unquoted field");
	expect_bad("a,b\n\"x\"y,z\n", 11, MM_EINVAL, "line 2, column 1: text after a closing quote");
	expect_bad("a,b\n1,\xc3\x28\n", 8, MM_EINVAL, "line 2, column 2: is not valid UTF-8");
	expect_bad("a,b\n1,\xed\xa0\x80\n", 9, MM_EINVAL, "line 2, column 2: is not valid UTF-8"); /* surrogate */
	expect_bad("a,b\n1,x\0y\n", 10, MM_EINVAL, "line 2, column 2: contains a NUL byte");
	expect_bad("a,b\n1,\"x\0y\"\n", 12, MM_EINVAL, "line 2, column 2: contains a NUL byte");
	expect_bad("a,b\r1,2\n", 8, MM_EINVAL, "line 1, column 2: a carriage return not followed by a line feed");
	expect_bad("", 0, MM_EINVAL, "the CSV is empty");
	expect_bad(NULL, 0, MM_EINVAL, "the CSV is empty"); /* an empty file read into a buffer with no memory */
	expect_bad("\n\n\r\n", 4, MM_EINVAL, "the CSV is empty");
}

static void test_limits(void **state)
{
	(void)state;
	mm_buf b;
	mm_buf_init(&b, (size_t)MM_CSV_FILE_MAX + 10);
	/* a cell of one byte more than the limit, quoted or not */
	assert_int_equal(mm_buf_puts(&b, "a\n\""), MM_OK);
	for (size_t i = 0; i <= MM_CSV_CELL_MAX; i++)
		assert_int_equal(mm_buf_put_u8(&b, 'x'), MM_OK);
	assert_int_equal(mm_buf_puts(&b, "\"\n"), MM_OK);
	expect_bad((const char *)b.p, b.len, MM_ELIMIT, "line 2, column 1: longer than 100000 bytes");
	/* too many columns */
	mm_buf_reset(&b);
	for (size_t i = 0; i <= MM_CSV_COLS_MAX; i++)
		assert_int_equal(mm_buf_puts(&b, i ? ",h" : "h"), MM_OK);
	expect_bad((const char *)b.p, b.len, MM_ELIMIT, "line 1: more than 256 columns");
	/* too many rows: the header and one more than the limit */
	mm_buf_reset(&b);
	for (size_t i = 0; i <= MM_CSV_ROWS_MAX + 1; i++)
		assert_int_equal(mm_buf_puts(&b, "r\n"), MM_OK);
	expect_bad((const char *)b.p, b.len, MM_ELIMIT, "line 10002: more than 10000 rows");
	/* exactly the limit is fine */
	mm_err err;
	assert_int_equal(parse((const char *)b.p, b.len - 2, &err), MM_OK);
	assert_int_equal(c.nrows, MM_CSV_ROWS_MAX + 1);
	/* the whole text */
	expect_bad((const char *)b.p, (size_t)MM_CSV_FILE_MAX + 1, MM_ELIMIT, "at most 16777216 are allowed");
	mm_buf_release(&b);
}

/* Every prefix of a tricky file either parses or is refused cleanly (ASan watches the reads). */
static void test_prefixes(void **state)
{
	(void)state;
	static const char t[] = "\xEF\xBB\xBF" "a,\"b\r\nc\",d\r\n\"\"\"\",\xe6\x97\xa5,\r\n";
	for (size_t n = 0; n <= sizeof t - 1; n++) {
		char *copy = malloc(n ? n : 1); /* exact size: a read past the end is caught */
		assert_non_null(copy);
		memcpy(copy, t, n);
		mm_err err;
		(void)parse(copy, n, &err);
		mm_ops_csv_free(&c);
		free(copy);
	}
}

static int teardown(void **state)
{
	(void)state;
	mm_ops_csv_free(&c);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_excel),
		cmocka_unit_test(test_lf_and_trailing),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_prefixes),
	};
	return cmocka_run_group_tests(tests, NULL, teardown);
}
