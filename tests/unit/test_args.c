/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command-line option parser both executables share (base/args.c):
 * long and short spellings, values by `=` or the next word, repeats,
 * positionals and `--`, and every refusal with its message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/mm_base.h"

#define SPEC "db: output|o: path: quiet|q"

static int parse(mm_args *a, mm_err *err, int argc, char **argv)
{
	mm_err_clear(err);
	return mm_args_parse(a, argc, argv, SPEC, err);
}

static void test_accepts(void **state)
{
	(void)state;
	mm_args a;
	mm_err err;
	char *v[] = {"pos1", "--db", "m.db", "-o", "x.xlsx", "--path=/a", "--path", "/b", "-q", "--", "--db", "-o", NULL};
	assert_int_equal(parse(&a, &err, 12, v), MM_OK);
	assert_string_equal(mm_args_opt(&a, "db"), "m.db");
	assert_string_equal(mm_args_opt(&a, "output"), "x.xlsx"); /* -o is stored under its long name */
	assert_null(mm_args_opt(&a, "o"));
	assert_string_equal(mm_args_opt(&a, "path"), "/b"); /* the last one */
	const char *all[4];
	assert_int_equal(mm_args_all(&a, "path", all, 4), 2);
	assert_string_equal(all[0], "/a");
	assert_string_equal(all[1], "/b");
	assert_int_equal(mm_args_all(&a, "path", all, 1), 1);
	assert_true(mm_args_flag(&a, "quiet"));
	assert_false(mm_args_flag(&a, "db-x"));
	assert_false(mm_args_flag(&a, "d")); /* no prefix matches */
	/* after `--` everything is positional; "-1" is a number, not an option */
	assert_int_equal(a.npos, 3);
	assert_string_equal(a.pos[0], "pos1");
	assert_string_equal(a.pos[1], "--db");
	assert_string_equal(a.pos[2], "-o");
	char *neg[] = {"-1", "-", NULL};
	assert_int_equal(parse(&a, &err, 2, neg), MM_OK);
	assert_int_equal(a.npos, 2);
	/* an empty value is a value */
	char *empty[] = {"--db=", NULL};
	assert_int_equal(parse(&a, &err, 1, empty), MM_OK);
	assert_string_equal(mm_args_opt(&a, "db"), "");
}

static void refused(const char *why, int argc, char **argv)
{
	mm_args a;
	mm_err err;
	assert_int_equal(parse(&a, &err, argc, argv), MM_EINVAL);
	if (strcmp(err.msg, why) != 0)
		print_error("got '%s', want '%s'\n", err.msg, why);
	assert_string_equal(err.msg, why);
}

static void test_refuses(void **state)
{
	(void)state;
	refused("unknown option --colour", 2, (char *[]){"--colour", "red", NULL});
	refused("unknown option -x", 1, (char *[]){"-x", NULL});
	refused("unknown option --o", 2, (char *[]){"--o", "f", NULL}); /* the letter is not a long name */
	refused("unknown option --output|o", 1, (char *[]){"--output|o", NULL});
	refused("option --db needs a value", 1, (char *[]){"--db", NULL});
	refused("option --output needs a value", 1, (char *[]){"-o", NULL});
	refused("option --quiet takes no value", 1, (char *[]){"--quiet=yes", NULL});
	refused("unknown option ---", 1, (char *[]){"---", NULL});
	char *many[MM_ARGS_OPTS_MAX + 2];
	for (size_t i = 0; i <= MM_ARGS_OPTS_MAX; i++)
		many[i] = "-q";
	refused("too many options", MM_ARGS_OPTS_MAX + 1, many);
	for (size_t i = 0; i <= MM_ARGS_POS_MAX; i++)
		many[i] = "p";
	refused("too many arguments", MM_ARGS_POS_MAX + 1, many);
	/* a hostile name is cut in the message */
	char longname[300] = "--";
	memset(longname + 2, 'z', 200);
	refused("unknown option --zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz", 1, (char *[]){longname, NULL});
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
