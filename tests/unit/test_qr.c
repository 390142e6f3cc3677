/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QR encoder: for every version 1–10 (byte mode, level M) the matrix is
 * module for module the one `qrencode` makes for the same bytes with the
 * same mask; the automatically chosen mask gives a symbol `zbarimg` reads
 * back as the same text; the SVG draws exactly the dark modules; too much
 * data and bad masks are refused. Needs qrencode and zbar-tools, run without a shell
 * (scripts/deps.sh test).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "scratch.h"

#include "qr/mm_qr.h"

/* bytes that fill each version exactly (byte mode, level M) */
static const size_t capacity[MM_QR_VERSION_MAX + 1] = {0, 14, 26, 42, 62, 84, 106, 122, 152, 180, 213};

static char dir[4096];

static int setup(void **state)
{
	(void)state;
	return scratch_make(dir, sizeof dir, "qr");
}

static int teardown(void **state)
{
	(void)state;
	return scratch_remove(dir);
}

/*
 * Run argv (no shell: the paths go to the program as they are) and read its
 * standard output into out (up to cap - 1 bytes, NUL-terminated). Returns
 * the exit status, or -1 if it could not run or did not exit normally.
 */
static int run(char *const argv[], char *out, size_t cap)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t r;
	while (pid > 0 && (r = read(fds[0], out + n, cap - 1 - n)) > 0 && (n += (size_t)r) < cap - 1)
		;
	out[n] = 0;
	close(fds[0]);
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) { /* every byte value appears, NUL included */
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* qrencode's matrix for the bytes in path: rows of "##" (dark) and "  " (light), no margin. */
static int reference(const char *path, uint8_t m[MM_QR_SIZE_MAX][MM_QR_SIZE_MAX])
{
	static char text[(2 * MM_QR_SIZE_MAX + 1) * MM_QR_SIZE_MAX + 64];
	char *argv[] = {"qrencode", "-l", "M", "-8", "-m", "0", "-t", "ASCII", "-r", (char *)path, "-o", "-", NULL};
	if (run(argv, text, sizeof text) != 0)
		fail_msg("qrencode failed (is it installed? scripts/deps.sh test)");
	int rows = 0, size = 0;
	for (char *line = text, *nl; *line && rows < MM_QR_SIZE_MAX; line = nl + 1) {
		nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len == 0 && nl)
			continue;
		size = (int)len / 2;
		for (int c = 0; c < size; c++)
			m[rows][c] = line[2 * c] == '#';
		rows++;
		if (!nl)
			break;
	}
	assert_int_equal(rows, size);
	return size;
}

static void test_matches_qrencode(void **state)
{
	(void)state;
	for (int v = 1; v <= MM_QR_VERSION_MAX; v++) {
		size_t sizes[] = {capacity[v - 1] + 1, capacity[v]};
		for (size_t s = 0; s < 2; s++) {
			size_t n = sizes[s];
			uint8_t data[MM_QR_BYTES_MAX];
			fill(data, n, (uint32_t)(v * 31 + (int)s));
			char path[4200];
			snprintf(path, sizeof path, "%s/in.bin", dir);
			FILE *f = fopen(path, "wb");
			assert_non_null(f);
			assert_int_equal(fwrite(data, 1, n, f), n);
			fclose(f);
			static uint8_t want[MM_QR_SIZE_MAX][MM_QR_SIZE_MAX];
			int size = reference(path, want);
			/* the same bytes with qrencode's mask: every module equal */
			int same = -1;
			for (int mask = 0; mask < 8 && same < 0; mask++) {
				mm_qr q;
				mm_err err;
				assert_int_equal(mm_qr_encode(data, n, mask, &q, &err), MM_OK);
				assert_int_equal(q.version, v);
				assert_int_equal(q.size, size);
				bool eq = true;
				for (int r = 0; r < size && eq; r++)
					eq = memcmp(q.m[r], want[r], (size_t)size) == 0;
				if (eq)
					same = mask;
			}
			if (same < 0)
				fail_msg("version %d, %zu bytes: no mask gives qrencode's matrix", v, n);
		}
	}
}

/* Draw q as a PGM image (4 pixels a module, 4-module quiet zone) and read it back with zbarimg. */
static void roundtrip(const char *text)
{
	mm_qr q;
	mm_err err;
	assert_int_equal(mm_qr_encode(text, strlen(text), -1, &q, &err), MM_OK);
	char path[4200];
	snprintf(path, sizeof path, "%s/code.pgm", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	int px = 4, side = (q.size + 8) * px;
	fprintf(f, "P5\n%d %d\n255\n", side, side);
	for (int y = 0; y < side; y++)
		for (int x = 0; x < side; x++) {
			int r = y / px - 4, c = x / px - 4;
			bool dark = r >= 0 && c >= 0 && r < q.size && c < q.size && q.m[r][c];
			fputc(dark ? 0 : 255, f);
		}
	fclose(f);
	char *argv[] = {"zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", path, NULL};
	char got[1024] = "";
	int st = run(argv, got, sizeof got);
	size_t n = strlen(got);
	if (n && got[n - 1] == '\n')
		got[n - 1] = 0;
	if (st != 0 || strcmp(got, text) != 0)
		fail_msg("zbarimg read '%s' (status %d) from a version %d code of '%s'", got, st, q.version, text);
}

static void test_zbar_reads_it(void **state)
{
	(void)state;
	roundtrip("otpauth://totp/mamori:kim?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=mamori&digits=6&period=30");
	roundtrip("A");
	roundtrip("守り 日本語のテキスト");
	char longest[MM_QR_BYTES_MAX + 1];
	for (size_t i = 0; i < MM_QR_BYTES_MAX; i++)
		longest[i] = (char)('a' + i % 26);
	longest[MM_QR_BYTES_MAX] = 0;
	roundtrip(longest);
	for (int v = 1; v <= MM_QR_VERSION_MAX; v++) {
		char t[MM_QR_BYTES_MAX + 1];
		for (size_t i = 0; i < capacity[v]; i++)
			t[i] = (char)('0' + (i * 7 + (size_t)v) % 43); /* digits, letters, punctuation */
		t[capacity[v]] = 0;
		roundtrip(t);
	}
}

static void test_svg(void **state)
{
	(void)state;
	mm_qr q;
	mm_err err;
	assert_int_equal(mm_qr_encode("hello", 5, -1, &q, &err), MM_OK);
	mm_buf b;
	mm_buf_init(&b, 1 << 20);
	assert_int_equal(mm_qr_svg(&q, 3, &b, &err), MM_OK);
	const char *s = (const char *)b.p;
	assert_non_null(strstr(s, "viewBox=\"0 0 87 87\"")); /* (21 + 8) * 3 */
	assert_null(strstr(s, "<script"));
	assert_null(strstr(s, "href"));
	size_t dark = 0, drawn = 0;
	for (int r = 0; r < q.size; r++)
		for (int c = 0; c < q.size; c++)
			dark += q.m[r][c];
	for (const char *p = s; (p = strstr(p, "h3v3h-3z")); p++)
		drawn++;
	assert_int_equal(drawn, dark);
	/* the top-left module is dark (a finder's corner), drawn at the quiet zone's edge */
	assert_non_null(strstr(s, "M12 12h3v3h-3z"));
	mm_buf_release(&b);
}

static void test_refusals(void **state)
{
	(void)state;
	mm_qr q;
	mm_err err;
	char big[MM_QR_BYTES_MAX + 1];
	memset(big, 'x', sizeof big);
	assert_int_equal(mm_qr_encode(big, sizeof big, -1, &q, &err), MM_ELIMIT);
	assert_non_null(strstr(err.msg, "do not fit"));
	assert_int_equal(mm_qr_encode(big, MM_QR_BYTES_MAX, -1, &q, &err), MM_OK);
	assert_int_equal(q.version, MM_QR_VERSION_MAX);
	assert_int_equal(mm_qr_encode("x", 1, 8, &q, &err), MM_EINVAL);
	assert_int_equal(mm_qr_encode("x", 1, -2, &q, &err), MM_EINVAL);
	assert_int_equal(mm_qr_encode("", 0, -1, &q, &err), MM_OK); /* empty is a valid version 1 code */
	assert_int_equal(q.version, 1);
	for (int m = 0; m < 8; m++) { /* a forced mask is the one used */
		assert_int_equal(mm_qr_encode("mask", 4, m, &q, &err), MM_OK);
		assert_int_equal(q.mask, m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_qrencode),
		cmocka_unit_test(test_zbar_reads_it),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
