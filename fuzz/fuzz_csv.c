/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CSV reader (mm_ops_csv_parse) on arbitrary bytes: every row it accepts
 * has the header's width, and every cell is valid UTF-8 without NUL.
 */
#include <stdlib.h>
#include <string.h>

#include "ops/mm_ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mm_csv c;
	mm_err err;
	if (mm_ops_csv_parse((const char *)data, size, &c, &err) == MM_OK) {
		if (c.nrows == 0 || c.ncols == 0 || c.ncols > MM_CSV_COLS_MAX || c.nrows > MM_CSV_ROWS_MAX + 1)
			abort();
		for (size_t i = 0; i < c.nrows * c.ncols; i++) {
			size_t n = strlen(c.cells[i]);
			if (n > MM_CSV_CELL_MAX || !mm_utf8_valid(c.cells[i], n))
				abort();
		}
		for (size_t i = 1; i < c.nrows; i++)
			if (c.line[i] <= c.line[i - 1])
				abort();
	}
	mm_ops_csv_free(&c);
	return 0;
}
