/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fim: configuration parsing (good and hostile), the baseline and journal
 * codecs (round trip, every corruption detected, torn journal tails), the
 * scanner on awkward trees (FIFOs, symlink loops, non-UTF-8 names, paths past
 * PATH_MAX, vanishing files), quick versus full checks, the vault (dedup,
 * damage detected), ClamAV with a signature written here, quarantine, and
 * restore orders: signed, forged, replayed, expired, traversal and symlink
 * tricks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "scratch.h"

#include "fim/mm_fim.h"

#include <openssl/evp.h>

static char root[4096];   /* per-test scratch directory */
static char tree[4200];   /* root/tree: what is scanned */
static char state[4200];  /* root/state */

static void mkfile(const char *rel, const char *content, unsigned mode)
{
	char p[8192];
	snprintf(p, sizeof p, "%s/%s", tree, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	close(fd);
	chmod(p, mode);
}

static void mkdir_t(const char *rel)
{
	char p[8192];
	snprintf(p, sizeof p, "%s/%s", tree, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* The tests' own file chores in C: no shell, so names with quotes are safe. */
static const char *count_suffix;
static unsigned count_mode_want; /* 07777 bits a counted file must have exactly, or ~0u for any */
static size_t counted;

static int count_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)f;
	size_t n = strlen(p), k = strlen(count_suffix);
	if (flag == FTW_F && S_ISREG(sb->st_mode) && n >= k && strcmp(p + n - k, count_suffix) == 0 &&
	    (count_mode_want == ~0u || (sb->st_mode & 07777) == count_mode_want))
		counted++;
	return 0;
}

/* regular files under DIR whose names end in SUFFIX (and have MODE, unless ~0u) */
static size_t count_files(const char *dir, const char *suffix, unsigned mode)
{
	count_suffix = suffix;
	count_mode_want = mode;
	counted = 0;
	assert_int_equal(nftw(dir, count_one, 16, FTW_PHYS), 0);
	return counted;
}

static bool file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = 0;
	return strstr(text, needle) != NULL;
}

static const char *grep_needle;
static size_t grep_hits;

static int grep_one(const char *p, const struct stat *sb, int flag, struct FTW *f)
{
	(void)f;
	size_t n = strlen(p);
	if (flag == FTW_F && S_ISREG(sb->st_mode) && n > 5 && strcmp(p + n - 5, ".json") == 0 &&
	    file_contains(p, grep_needle))
		grep_hits++;
	return 0;
}

/* .json files under DIR that contain NEEDLE */
static size_t grep_json(const char *dir, const char *needle)
{
	grep_needle = needle;
	grep_hits = 0;
	assert_int_equal(nftw(dir, grep_one, 16, FTW_PHYS), 0);
	return grep_hits;
}

static int setup(void **st)
{
	(void)st;
	assert_int_equal(scratch_make(root, sizeof root, "fim"), 0);
	snprintf(tree, sizeof tree, "%s/tree", root);
	snprintf(state, sizeof state, "%s/state", root);
	assert_int_equal(mkdir(tree, 0755), 0);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	return scratch_remove(root);
}

static mm_fim_config *cfg_for(bool protect)
{
	mm_fim_config *c = NULL;
	const char *p[1] = {tree};
	mm_err e;
	assert_int_equal(mm_fim_config_from_paths(protect ? NULL : p, protect ? 0 : 1, protect ? p : NULL,
						  protect ? 1 : 0, &c, &e),
			 MM_OK);
	return c;
}

static mm_fim_state *state_open(void)
{
	mm_fim_state *s = NULL;
	mm_err e;
	int rc = mm_fim_state_open(state, true, &s, &e);
	if (rc)
		fprintf(stderr, "%s\n", e.msg);
	assert_int_equal(rc, MM_OK);
	return s;
}

/* Baseline then check; returns the number of changes and leaves the report text in out. */
static uint64_t check_tree(mm_fim_config *c, mm_fim_state *s, bool full, char *out, size_t outlen)
{
	FILE *f = fmemopen(out, outlen, "w");
	mm_fim_report *rep = NULL;
	assert_int_equal(mm_fim_report_new("fim-check", MM_FIM_TEXT, f, &rep), MM_OK);
	mm_fim_check_opts o = {.full = full, .warn = NULL};
	uint64_t ch = 0;
	mm_err e;
	int rc = mm_fim_check(c, s, &o, rep, &ch, &e);
	if (rc)
		fprintf(stderr, "check: %s\n", e.msg);
	assert_int_equal(rc, MM_OK);
	assert_int_equal(mm_fim_report_finish(rep), MM_OK);
	fclose(f);
	return ch;
}

static void baseline(mm_fim_config *c, mm_fim_state *s)
{
	char out[4096];
	FILE *f = fmemopen(out, sizeof out, "w");
	mm_fim_report *rep = NULL;
	assert_int_equal(mm_fim_report_new("fim-baseline", MM_FIM_TEXT, f, &rep), MM_OK);
	mm_err e;
	int rc = mm_fim_baseline(c, s, NULL, rep, &e);
	if (rc)
		fprintf(stderr, "baseline: %s\n", e.msg);
	assert_int_equal(rc, MM_OK);
	assert_int_equal(mm_fim_report_finish(rep), MM_OK);
	fclose(f);
}

/* ---- configuration ---- */

static void test_config_good(void **st)
{
	(void)st;
	const char *j = "{\"version\":1,\"paths\":[\"/etc\",{\"path\":\"/var/www\",\"protect\":true,"
			"\"deny_new_executables\":true,\"exclude\":[\"*.swp\"]}],\"exclude\":[\"*/cache/*\"],"
			"\"threads\":2,\"xattrs\":false,\"malware\":{\"database\":\"/var/lib/clamav\",\"quarantine\":true},"
			"\"restore\":{\"public_key\":\"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"},"
			"\"watch\":{\"rescan_seconds\":60,\"files_per_second\":100,\"nice\":5,\"queue_max\":10}}";
	mm_fim_config *c = NULL;
	mm_err e;
	assert_int_equal(mm_fim_config_parse(j, strlen(j), &c, &e), MM_OK);
	assert_int_equal(c->nroots, 2);
	assert_true(c->roots[1].protect && c->roots[1].deny_new_exec);
	assert_true(c->has_order_key);
	assert_int_equal(c->threads, 2);
	assert_false(c->xattrs);
	assert_int_equal(c->queue_max, 10);
	/* scope: the global exclude hides a whole directory, also for its entries */
	assert_non_null(mm_fim_config_scope(c, "/etc/passwd", false));
	assert_null(mm_fim_config_scope(c, "/etc/cache/x", true));
	assert_null(mm_fim_config_scope(c, "/var/www/a.swp", false));
	assert_null(mm_fim_config_scope(c, "/usr/bin/ls", false));
	mm_fim_config_free(c);
}

static void test_config_hostile(void **st)
{
	(void)st;
	static const struct {
		const char *json, *want;
	} bad[] = {
		{"", "line"},
		{"[]", "JSON object"},
		{"{\"paths\":[\"/etc\"],\"colour\":1}", "colour: unknown key"},
		{"{\"paths\":[\"etc\"]}", "absolute path"},
		{"{\"paths\":[\"/etc/../root\"]}", "absolute path"},
		{"{\"paths\":[\"/etc//x\"]}", "absolute path"},
		{"{\"paths\":[\"/etc/\"]}", "absolute path"},
		{"{\"paths\":[]}", "at least one path"},
		{"{\"paths\":[\"/etc\",\"/etc/ssh\"]}", "inside"},
		{"{\"paths\":[\"/\",\"/etc\"]}", "inside"},
		{"{\"paths\":[{\"protect\":true}]}", "missing \"path\""},
		{"{\"paths\":[\"/etc\"],\"threads\":-1}", "threads"},
		{"{\"paths\":[\"/etc\"],\"threads\":1000}", "threads"},
		{"{\"paths\":[\"/etc\"],\"restore\":{\"public_key\":\"abc\"}}", "public key"},
		{"{\"paths\":[\"/etc\"],\"version\":2}", "version"},
		{"{\"paths\":[\"/etc\"],\"paths\":[\"/usr\"]}", "line"},
		{"{\"paths\":[{\"path\":\"/etc\",\"exclude\":[1]}]}", "must be a string"},
		{"{\"paths\":[\"/etc\"],\"watch\":{\"queue_max\":0}}", "queue_max"},
		{"{\"paths\":[\"/e\\u0000tc\"]}", "not allowed"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		mm_fim_config *c = NULL;
		mm_err e;
		mm_err_clear(&e);
		int rc = mm_fim_config_parse(bad[i].json, strlen(bad[i].json), &c, &e);
		if (rc == MM_OK || !strstr(e.msg, bad[i].want))
			fail_msg("config %zu (%s): rc %d, message '%s', wanted '%s'", i, bad[i].json, rc, e.msg,
				 bad[i].want);
		assert_null(c);
	}
}

/* ---- codecs ---- */

static void test_baseline_codec(void **st)
{
	(void)st;
	mkfile("a", "alpha", 0644);
	mkfile("b", "beta", 0600);
	char l[8400];
	snprintf(l, sizeof l, "%s/l", tree);
	assert_int_equal(symlink("a", l), 0);
	mm_fim_config *c = cfg_for(false);
	mm_fim_set s;
	mm_fim_set_init(&s);
	mm_fim_scan_opts o = {0};
	mm_err e;
	assert_int_equal(mm_fim_scan(c, &o, &s, NULL, &e), MM_OK);
	assert_int_equal(s.n, 4); /* tree, a, b, l */
	mm_buf b;
	mm_buf_init(&b, 1u << 20);
	assert_int_equal(mm_fim_baseline_encode(&s, &b), MM_OK);
	mm_fim_set d;
	mm_fim_set_init(&d);
	assert_int_equal(mm_fim_baseline_decode(b.p, b.len, &d, &e), MM_OK);
	assert_int_equal(d.n, s.n);
	for (size_t i = 0; i < s.n; i++)
		assert_int_equal(mm_fim_rec_diff(&s, &s.recs[i], &d, &d.recs[i]), 0);
	mm_fim_set_release(&d);
	/* every single-byte change and every truncation is detected */
	for (size_t i = 0; i < b.len; i++) {
		b.p[i] ^= 0x20;
		mm_fim_set_init(&d);
		assert_int_equal(mm_fim_baseline_decode(b.p, b.len, &d, &e), MM_ECORRUPT);
		mm_fim_set_release(&d);
		b.p[i] ^= 0x20;
	}
	for (size_t n = 0; n < b.len; n += 7) {
		mm_fim_set_init(&d);
		assert_int_equal(mm_fim_baseline_decode(b.p, n, &d, &e), MM_ECORRUPT);
		mm_fim_set_release(&d);
	}
	mm_buf_release(&b);
	mm_fim_set_release(&s);
	mm_fim_config_free(c);
}

static void test_journal_resume(void **st)
{
	(void)st;
	for (int i = 0; i < 50; i++) {
		char n[32], v[32];
		snprintf(n, sizeof n, "f%02d", i);
		snprintf(v, sizeof v, "content %d", i);
		mkfile(n, v, 0644);
	}
	mm_fim_config *c = cfg_for(true);
	mm_fim_state *s = state_open();
	/* an interrupted run: the journal holds some records and a torn tail */
	mm_fim_set part;
	mm_fim_set_init(&part);
	mm_fim_scan_opts o = {.vault = s, .journal = s};
	mm_err e;
	assert_int_equal(mm_fim_scan(c, &o, &part, NULL, &e), MM_OK);
	mm_fim_set_release(&part);
	char jp[8400];
	snprintf(jp, sizeof jp, "%s/baseline.journal", state);
	FILE *jf = fopen(jp, "a");
	fputs("torn tail of a killed run", jf);
	fclose(jf);
	mm_fim_set j;
	mm_fim_set_init(&j);
	assert_int_equal(mm_fim_journal_load(s, c->digest, &j, &e), MM_OK);
	assert_int_equal(j.n, 50); /* the 50 files; directories are not journaled */
	mm_fim_set_release(&j);
	mm_fim_state_close(s);
	s = state_open();
	/* the real baseline resumes: nothing is hashed again */
	char out[4096];
	FILE *f = fmemopen(out, sizeof out, "w");
	mm_fim_report *rep = NULL;
	assert_int_equal(mm_fim_report_new("fim-baseline", MM_FIM_TEXT, f, &rep), MM_OK);
	assert_int_equal(mm_fim_baseline(c, s, NULL, rep, &e), MM_OK);
	assert_int_equal(mm_fim_report_finish(rep), MM_OK);
	fclose(f);
	assert_non_null(strstr(out, "0 hashed, 50 resumed"));
	assert_int_equal(access(jp, F_OK), -1); /* journal gone when done */
	/* a journal of another configuration is not trusted */
	mm_fim_set_init(&j);
	uint8_t other[MM_SHA256_LEN] = {1};
	assert_int_not_equal(mm_fim_journal_load(s, other, &j, &e), MM_OK);
	mm_fim_set_release(&j);
	assert_int_equal(check_tree(c, s, true, out, sizeof out), 0);
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

/* ---- scanning ---- */

static void test_check_changes(void **st)
{
	(void)st;
	mkdir_t("d");
	mkfile("d/keep", "same", 0644);
	mkfile("d/edit", "before", 0644);
	mkfile("d/gone", "bye", 0644);
	mkfile("d/perm", "p", 0644);
	mm_fim_config *c = cfg_for(false);
	mm_fim_state *s = state_open();
	baseline(c, s);
	char out[8192];
	assert_int_equal(check_tree(c, s, false, out, sizeof out), 0);
	assert_non_null(strstr(out, "0 added, 0 removed, 0 modified"));
	mkfile("d/edit", "after!", 0644);
	char p[8400];
	snprintf(p, sizeof p, "%s/d/gone", tree);
	unlink(p);
	snprintf(p, sizeof p, "%s/d/perm", tree);
	chmod(p, 0600);
	mkfile("d/new", "n", 0644);
	assert_int_equal(check_tree(c, s, false, out, sizeof out), 4);
	char want[8400];
	snprintf(want, sizeof want, "added: %s/d/new", tree);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "removed: %s/d/gone", tree);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "modified: %s/d/edit (sha256 ", tree);
	assert_non_null(strstr(out, want));
	snprintf(want, sizeof want, "modified: %s/d/perm (mode 0644 → 0600", tree);
	assert_non_null(strstr(out, want));
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

static void test_quick_vs_full(void **st)
{
	(void)st;
	mkfile("x", "original", 0644);
	mm_fim_config *c = cfg_for(false);
	mm_fim_state *s = state_open();
	baseline(c, s);
	/* same size, and mtime and ctime put back exactly as the baseline has them
	 * cannot be done without root (ctime); so compare the work instead */
	mm_fim_set base, cur;
	mm_fim_set_init(&base);
	mm_fim_set_init(&cur);
	mm_err e;
	assert_int_equal(mm_fim_state_load(s, &base, &e), MM_OK);
	mm_fim_scan_stats qs, fs;
	mm_fim_scan_opts q = {.prev = &base}, f = {.prev = &base, .full = true};
	assert_int_equal(mm_fim_scan(c, &q, &cur, &qs, &e), MM_OK);
	assert_int_equal(qs.hashed, 0);
	assert_int_equal(qs.reused, 1);
	mm_fim_set_release(&cur);
	mm_fim_set_init(&cur);
	assert_int_equal(mm_fim_scan(c, &f, &cur, &fs, &e), MM_OK);
	assert_int_equal(fs.hashed, 1);
	assert_int_equal(fs.reused, 0);
	mm_fim_set_release(&cur);
	/* a baseline whose recorded hash is wrong but whose stat matches: only full sees it */
	base.recs[1].sha256[0] ^= 1;
	assert_int_equal(mm_fim_state_save(s, &base, &e), MM_OK);
	char out[4096];
	assert_int_equal(check_tree(c, s, false, out, sizeof out), 0);
	assert_int_equal(check_tree(c, s, true, out, sizeof out), 1);
	assert_non_null(strstr(out, "sha256"));
	mm_fim_set_release(&base);
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

static void test_awkward_tree(void **st)
{
	(void)st;
	char p[8400], q[8400];
	/* a FIFO (opening it would block forever), a symlink loop, a name that is not UTF-8 */
	snprintf(p, sizeof p, "%s/fifo", tree);
	assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof p, "%s/loop1", tree);
	assert_int_equal(symlink("loop2", p), 0);
	snprintf(p, sizeof p, "%s/loop2", tree);
	assert_int_equal(symlink("loop1", p), 0);
	snprintf(p, sizeof p, "%s/dirlink", tree);
	assert_int_equal(symlink(".", p), 0);
	mkfile("bad\xff\xfename", "x", 0644);
	/* a path longer than PATH_MAX, built by descriptor */
	int dfd = open(tree, O_RDONLY | O_DIRECTORY);
	char comp[201];
	memset(comp, 'd', 200);
	comp[200] = 0;
	for (int i = 0; i < 24; i++) {
		assert_int_equal(mkdirat(dfd, comp, 0755), 0);
		int n = openat(dfd, comp, O_RDONLY | O_DIRECTORY);
		close(dfd);
		dfd = n;
	}
	int fd = openat(dfd, "deep", O_WRONLY | O_CREAT, 0644);
	assert_int_equal(write(fd, "deep", 4), 4);
	close(fd);
	close(dfd);
	mm_fim_config *c = cfg_for(false);
	mm_fim_set s;
	mm_fim_set_init(&s);
	mm_fim_scan_opts o = {0};
	mm_fim_scan_stats stats;
	mm_err e;
	assert_int_equal(mm_fim_scan(c, &o, &s, &stats, &e), MM_OK);
	/* root, fifo, loop1, loop2, dirlink, bad name, 24 dirs, deep */
	assert_int_equal(s.n, 31);
	bool saw_deep = false, saw_bad = false;
	for (size_t i = 0; i < s.n; i++) {
		const char *path = mm_fim_rec_path(&s, &s.recs[i]);
		if (strstr(path, "/deep")) {
			saw_deep = true;
			assert_true(s.recs[i].path_len > PATH_MAX);
			assert_true(s.recs[i].flags & MM_FIM_HASHED);
		}
		if (strstr(path, "bad\xff\xfe")) {
			saw_bad = true;
			char esc[256];
			mm_fim_path_escape(path, strlen(path), esc, sizeof esc);
			assert_non_null(strstr(esc, "bad\\xff\\xfename"));
		}
		if (strstr(path, "/fifo"))
			assert_int_equal(s.recs[i].type, MM_FIM_FIFO);
	}
	assert_true(saw_deep && saw_bad);
	(void)q;
	mm_fim_set_release(&s);
	mm_fim_config_free(c);
}

/* Scan as an unprivileged user (root reads mode-000 files, so drop to nobody). */
static int scan_unreadable(void)
{
	mm_fim_config *c = cfg_for(false);
	mm_fim_set s;
	mm_fim_set_init(&s);
	mm_fim_scan_opts o = {0};
	mm_fim_scan_stats stats;
	mm_err e;
	int bad = 0;
	if (mm_fim_scan(c, &o, &s, &stats, &e) != MM_OK || stats.warnings != 1 || s.n != 2 ||
	    !(s.recs[1].flags & MM_FIM_UNREADABLE) || (s.recs[1].flags & MM_FIM_HASHED))
		bad = 1;
	mm_fim_set_release(&s);
	mm_fim_config_free(c);
	return bad;
}

static void test_unreadable(void **st)
{
	(void)st;
	mkfile("secret", "s", 0000);
	if (geteuid() != 0) {
		assert_int_equal(scan_unreadable(), 0);
		return;
	}
	chmod(root, 0755);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(setgid(65534) == 0 && setuid(65534) == 0 ? scan_unreadable() : 3);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_xattrs(void **st)
{
	(void)st;
	mkfile("x", "data", 0644);
	char p[8400];
	snprintf(p, sizeof p, "%s/x", tree);
	if (setxattr(p, "user.mamori", "v1", 2, 0) != 0) {
		skip(); /* the file system has no user xattrs */
		return;
	}
	mm_fim_config *c = cfg_for(false);
	mm_fim_state *s = state_open();
	baseline(c, s);
	assert_int_equal(setxattr(p, "user.mamori", "v2", 2, 0), 0);
	char out[4096];
	assert_int_equal(check_tree(c, s, false, out, sizeof out), 1);
	assert_non_null(strstr(out, "xattrs"));
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

/* ---- vault ---- */

static void test_vault(void **st)
{
	(void)st;
	mkfile("one", "the same approved content", 0644);
	mkfile("two", "the same approved content", 0644);
	mm_fim_config *c = cfg_for(true);
	mm_fim_state *s = state_open();
	baseline(c, s);
	mm_fim_set b;
	mm_fim_set_init(&b);
	mm_err e;
	assert_int_equal(mm_fim_state_load(s, &b, &e), MM_OK);
	assert_true(b.recs[1].flags & MM_FIM_VAULTED);
	assert_memory_equal(b.recs[1].sha256, b.recs[2].sha256, MM_SHA256_LEN);
	char vdir[8600], obj[4096];
	snprintf(vdir, sizeof vdir, "%s/vault/objects", state);
	assert_int_equal(count_files(vdir, "", ~0u), 1); /* deduplicated */
	mm_buf got;
	mm_buf_init(&got, 1u << 20);
	assert_int_equal(mm_fim_vault_get(s, b.recs[1].sha256, &got, &e), MM_OK);
	assert_int_equal(got.len, strlen("the same approved content"));
	mm_fim_vault_object_path(s, b.recs[1].sha256, obj, sizeof obj);
	struct stat sb;
	assert_int_equal(stat(obj, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0400);
	/* damage the object: detected, never returned */
	chmod(obj, 0600);
	int fd = open(obj, O_WRONLY);
	assert_int_equal(pwrite(fd, "X", 1, sb.st_size - 3), 1);
	close(fd);
	mm_buf_reset(&got);
	assert_int_equal(mm_fim_vault_get(s, b.recs[1].sha256, &got, &e), MM_ECORRUPT);
	mm_buf_release(&got);
	mm_fim_set_release(&b);
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

static void test_state_dir_refused(void **st)
{
	(void)st;
	assert_int_equal(mkdir(state, 0777), 0);
	chmod(state, 0777);
	mm_fim_state *s = NULL;
	mm_err e;
	assert_int_equal(mm_fim_state_open(state, true, &s, &e), MM_EPERM);
	assert_non_null(strstr(e.msg, "writable by nobody else"));
	chmod(state, 0700);
	/* a corrupt baseline is reported, not trusted */
	assert_int_equal(mm_fim_state_open(state, true, &s, &e), MM_OK);
	char p[8400];
	snprintf(p, sizeof p, "%s/baseline.mmfim", state);
	FILE *f = fopen(p, "w");
	fputs("MMFIMBL\ngarbage", f);
	fclose(f);
	mm_fim_config *c = cfg_for(false);
	FILE *o = fmemopen((char[256]){0}, 256, "w");
	mm_fim_report *rep = NULL;
	assert_int_equal(mm_fim_report_new("fim-check", MM_FIM_TEXT, o, &rep), MM_OK);
	mm_fim_check_opts co = {0};
	uint64_t ch;
	assert_int_equal(mm_fim_check(c, s, &co, rep, &ch, &e), MM_ECORRUPT);
	assert_non_null(strstr(e.msg, "baseline"));
	mm_fim_report_free(rep);
	fclose(o);
	mm_fim_config_free(c);
	mm_fim_state_close(s);
}

/* ---- malware and quarantine ---- */

static const char EICAR_LIKE[] = "mamori test malware sample: not a virus, a test signature matches it\n";

static void test_malware_quarantine(void **st)
{
	(void)st;
	mkfile("clean", "nothing to see", 0644);
	mm_fim_config *c = cfg_for(false);
	mm_fim_state *s = state_open();
	baseline(c, s);
	/* the signature: MD5:size:name of the sample (ClamAV .hdb) */
	char db[8400];
	snprintf(db, sizeof db, "%s/test.hdb", root);
	mkfile("evil.bin", EICAR_LIKE, 0755);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	assert_int_equal(EVP_Digest(EICAR_LIKE, strlen(EICAR_LIKE), md, &mdlen, EVP_md5(), NULL), 1);
	FILE *f = fopen(db, "w");
	assert_non_null(f);
	for (unsigned i = 0; i < mdlen; i++)
		fprintf(f, "%02x", md[i]);
	fprintf(f, ":%zu:Mamori.Test.Sample\n", strlen(EICAR_LIKE));
	assert_int_equal(fclose(f), 0);
	c->malware_db = strdup(db);
	char out[8192];
	assert_int_equal(check_tree(c, s, false, out, sizeof out), 1);
	assert_non_null(strstr(out, "malware: "));
	assert_non_null(strstr(out, "Mamori.Test.Sample"));
	assert_non_null(strstr(out, "quarantined: "));
	char p[8400];
	snprintf(p, sizeof p, "%s/evil.bin", tree);
	assert_int_equal(access(p, F_OK), -1); /* moved away */
	char qdir[8400], events[8400];
	snprintf(qdir, sizeof qdir, "%s/vault/quarantine", state);
	snprintf(events, sizeof events, "%s/events.jsonl", state);
	assert_int_equal(count_files(qdir, ".z", 0), 1); /* unreadable, unexecutable */
	assert_true(grep_json(qdir, "Mamori.Test.Sample") >= 1);
	assert_true(file_contains(events, "quarantined"));
	/* a database that does not load is an error, not a silent pass */
	free(c->malware_db);
	c->malware_db = strdup("/nonexistent/db.hdb");
	mm_fim_av *av = NULL;
	mm_err e;
	assert_int_not_equal(mm_fim_av_open(c->malware_db, &av, &e), MM_OK);
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

static void test_deny_new_exec(void **st)
{
	(void)st;
	mm_fim_config *c = cfg_for(false);
	c->roots[0].deny_new_exec = true;
	mm_fim_state *s = state_open();
	baseline(c, s);
	mkfile("dropper", "#!/bin/sh\necho hi\n", 0755);
	mkfile("notes.txt", "ok", 0644);
	char out[8192];
	assert_int_equal(check_tree(c, s, false, out, sizeof out), 2);
	assert_non_null(strstr(out, "quarantined: "));
	assert_non_null(strstr(out, "new executable"));
	char p[8400];
	snprintf(p, sizeof p, "%s/dropper", tree);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof p, "%s/notes.txt", tree);
	assert_int_equal(access(p, F_OK), 0);
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

/* ---- restore orders ---- */

static uint8_t pk[MM_ED25519_PK_LEN], sk[MM_ED25519_SK_LEN];

static char *make_order(const char *id, const char *host, int64_t issued, int64_t expires, const char *files)
{
	mm_buf body, out;
	mm_buf_init(&body, 1u << 20);
	mm_buf_init(&out, 1u << 20);
	assert_int_equal(mm_buf_printf(&body, "mamori-fim-restore-order v1\nid: %s\nhost: %s\nissued: %lld\nexpires: %lld\n%s",
				       id, host, (long long)issued, (long long)expires, files),
			 MM_OK);
	assert_int_equal(mm_fim_order_sign((const char *)body.p, body.len, sk, &out), MM_OK);
	mm_buf_release(&body);
	return (char *)mm_buf_detach(&out, NULL);
}

static int run_restore(mm_fim_config *c, mm_fim_state *s, const char *text, char *out, size_t outlen, mm_err *e)
{
	mm_fim_order *o = NULL;
	int rc = mm_fim_order_parse(text, strlen(text), c->order_key, &o, e);
	if (rc)
		return rc;
	FILE *f = fmemopen(out, outlen, "w");
	mm_fim_report *rep = NULL;
	assert_int_equal(mm_fim_report_new("fim-restore", MM_FIM_TEXT, f, &rep), MM_OK);
	rc = mm_fim_restore(c, s, o, rep, e);
	assert_int_equal(mm_fim_report_finish(rep), MM_OK);
	fclose(f);
	mm_fim_order_free(o);
	return rc;
}

static void test_order_parse(void **st)
{
	(void)st;
	mm_ed25519_keypair(pk, sk);
	int64_t now = mm_now_ns() / 1000000000;
	char files[512];
	snprintf(files, sizeof files, "file: %064d /etc/a%%20b\n", 0);
	char *good = make_order("o-1", "*", now, now + 60, files);
	mm_fim_order *o = NULL;
	mm_err e;
	assert_int_equal(mm_fim_order_parse(good, strlen(good), pk, &o, &e), MM_OK);
	assert_true(o->signed_ok);
	assert_string_equal(o->files[0].path, "/etc/a b");
	mm_fim_order_free(o);
	/* a forged order: any byte of the body changed, or another key */
	char *forged = strdup(good);
	forged[strlen("mamori-fim-restore-order v1\nid: o-")] = '2';
	assert_int_equal(mm_fim_order_parse(forged, strlen(forged), pk, &o, &e), MM_ECRYPTO);
	uint8_t pk2[32], sk2[64];
	mm_ed25519_keypair(pk2, sk2);
	assert_int_equal(mm_fim_order_parse(good, strlen(good), pk2, &o, &e), MM_ECRYPTO);
	free(forged);
	free(good);
	static const char *const badfiles[] = {
		"file: %064d /etc/../root/.ssh/authorized_keys\n", "file: %064d etc/passwd\n",
		"file: %064d /etc/a%%00b\n", "file: %064d /etc/a b\n", "file: %064d /etc//x\n",
		"file: %064d /etc/x/\n", "file: %064d /etc/x\nfile: %064d /etc/x\n", "file: 12 /etc/x\n",
		"", "fil: %064d /etc/x\n", "file: %064d /etc/%%2e%%2e/x\n",
	};
	for (size_t i = 0; i < sizeof badfiles / sizeof badfiles[0]; i++) {
		snprintf(files, sizeof files, badfiles[i], 0, 0);
		char *t = make_order("o-1", "*", now, now + 60, files);
		int rc = mm_fim_order_parse(t, strlen(t), pk, &o, &e);
		if (rc == MM_OK)
			fail_msg("bad order %zu accepted: %s", i, t);
		free(t);
	}
	/* structural damage */
	static const char *const broken[] = {
		"", "\n", "mamori-fim-restore-order v1\n", "mamori-fim-restore-order v2\nsignature: AAAA\n",
		"mamori-fim-restore-order v1\nid: x\nhost: *\nissued: 1\nexpires: 2\nfile: 00 /x\nsignature: !!\n",
		"mamori-fim-restore-order v1\r\nid: x\n",
	};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
		assert_int_not_equal(mm_fim_order_parse(broken[i], strlen(broken[i]), NULL, &o, &e), MM_OK);
}

/* ---- maintenance window orders ---- */

static char *make_window(const char *id, int64_t start, int64_t end, const char *packages)
{
	mm_buf body, out;
	mm_buf_init(&body, 1u << 20);
	mm_buf_init(&out, 1u << 20);
	assert_int_equal(mm_buf_printf(&body, "mamori-fim-window-order v1\nid: %s\nhost: *\nstart: %lld\nend: %lld\n%s",
				       id, (long long)start, (long long)end, packages),
			 MM_OK);
	assert_int_equal(mm_fim_order_sign((const char *)body.p, body.len, sk, &out), MM_OK);
	mm_buf_release(&body);
	return (char *)mm_buf_detach(&out, NULL);
}

static void test_window_parse(void **st)
{
	(void)st;
	mm_ed25519_keypair(pk, sk);
	mm_fim_window *w = NULL;
	mm_err e;
	char *good = make_window("w-1", 1000, 2000, "package: openssl\npackage: libc6\n");
	assert_int_equal(mm_fim_window_parse(good, strlen(good), pk, &w, &e), MM_OK);
	assert_true(w->signed_ok);
	assert_string_equal(w->id, "w-1");
	assert_int_equal(w->start_s, 1000);
	assert_int_equal(w->end_s, 2000);
	assert_int_equal(w->npackages, 2);
	assert_string_equal(w->packages[1], "libc6");
	mm_fim_window_free(w);
	/* forged: a package added after signing; another key */
	char *forged = strdup(good);
	forged[strlen("mamori-fim-window-order v1\nid: w-1\nhost: *\nstart: 1")] = '2';
	assert_int_equal(mm_fim_window_parse(forged, strlen(forged), pk, &w, &e), MM_ECRYPTO);
	assert_non_null(strstr(e.msg, "does not verify"));
	free(forged);
	uint8_t pk2[32], sk2[64];
	mm_ed25519_keypair(pk2, sk2);
	assert_int_equal(mm_fim_window_parse(good, strlen(good), pk2, &w, &e), MM_ECRYPTO);
	free(good);
	/* a restore order is not a window order, nor the other way round */
	char *ord = make_order("o-1", "*", 1000, 2000, "file: 0000000000000000000000000000000000000000000000000000000000000000 /x\n");
	assert_int_equal(mm_fim_window_parse(ord, strlen(ord), pk, &w, &e), MM_EINVAL);
	free(ord);
	char *win = make_window("w-2", 1000, 2000, "");
	mm_fim_order *o = NULL;
	assert_int_equal(mm_fim_order_parse(win, strlen(win), pk, &o, &e), MM_EINVAL);
	free(win);
	static const struct {
		int64_t s, e;
		const char *pk, *why;
	} bad[] = {
		{2000, 2000, "", "end"},
		{2000, 1000, "", "end"},
		{1000, 1000 + MM_FIM_WINDOW_SECONDS_MAX + 1, "", "at most"},
		{1000, 2000, "package: Openssl\n", "package"},
		{1000, 2000, "package: a\n", "package"},
		{1000, 2000, "package: ssl/../x\n", "package"},
		{1000, 2000, "package: x1\npackage: x1\n", "named twice"},
		{1000, 2000, "pkg: x1\n", "package"},
		{1000, 2000, "package: x1\n\n", "package"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *t = make_window("w-3", bad[i].s, bad[i].e, bad[i].pk);
		int rc = mm_fim_window_parse(t, strlen(t), pk, &w, &e);
		if (rc == MM_OK || !strstr(e.msg, bad[i].why))
			fail_msg("bad window %zu: rc %d, '%s'", i, rc, e.msg);
		assert_non_null(strstr(e.msg, "line"));
		free(t);
	}
	static const char *const broken[] = {
		"", "\n", "mamori-fim-window-order v1\n", "mamori-fim-window-order v1\nid: x\nsignature: AAAA\n",
		"mamori-fim-window-order v1\nid: x\nhost: *\nstart: 1\nend: 2\nsignature: !!\n",
		"mamori-fim-window-order v1\r\nid: x\n",
		"mamori-fim-window-order v1\nid: x\nhost: *\nstart: -1\nend: 2\nsignature: AAAA\n",
	};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++)
		assert_int_not_equal(mm_fim_window_parse(broken[i], strlen(broken[i]), NULL, &w, &e), MM_OK);
}

/* ---- the governor and the periodic rescan ---- */

static void test_governor(void **st)
{
	(void)st;
	mkdir_t("g");
	for (int i = 0; i < 40; i++) {
		char n[64];
		snprintf(n, sizeof n, "g/f%02d", i);
		mkfile(n, n, 0644);
	}
	mm_fim_config *c = cfg_for(false);
	c->threads = 2;
	mm_fim_set cur;
	mm_fim_set_init(&cur);
	mm_fim_scan_stats stats;
	mm_err e;
	/* 20 files per second: one second of burst, then the other 20 files take a second */
	mm_fim_scan_opts o = {.files_per_second = 20};
	int64_t t0 = mm_mono_ns();
	assert_int_equal(mm_fim_scan(c, &o, &cur, &stats, &e), MM_OK);
	int64_t took = mm_mono_ns() - t0;
	assert_int_equal(stats.hashed, 40);
	/* a lower bound the governor guarantees (sleeps), not a speed claim */
	if (took < 900000000ll)
		fail_msg("40 files at 20/s with 1 s of burst took only %lld ms", (long long)(took / 1000000));
	mm_fim_set_release(&cur);
	/* unlimited: nothing to wait for (no upper bound asserted) */
	mm_fim_set_init(&cur);
	o.files_per_second = 0;
	assert_int_equal(mm_fim_scan(c, &o, &cur, &stats, &e), MM_OK);
	assert_int_equal(stats.hashed, 40);
	mm_fim_set_release(&cur);
	mm_fim_config_free(c);
}

/*
 * A write through a hard link outside the watched tree raises no inotify
 * event on the tree's directories: only the periodic rescan can see it.
 * With rescan_seconds = 1 the watch reports it; with the default (an hour)
 * the same run does not (so the timer, not an event, found it).
 */
static size_t watch_for(mm_fim_config *c, mm_fim_state *s, const char *via, unsigned seconds, char *out, size_t outlen)
{
	FILE *f = fmemopen(out, outlen, "w");
	mm_fim_report *rep = NULL;
	assert_int_equal(mm_fim_report_new("fim-watch", MM_FIM_TEXT, f, &rep), MM_OK);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(1300000);
		int fd = open(via, O_WRONLY | O_APPEND);
		_exit(fd >= 0 && write(fd, "tampered\n", 9) == 9 ? 0 : 1);
	}
	mm_fim_watch_opts wo = {.max_seconds = seconds};
	mm_err e;
	int rc = mm_fim_watch(c, s, &wo, rep, &e);
	if (rc)
		fprintf(stderr, "watch: %s\n", e.msg);
	assert_int_equal(rc, MM_OK);
	int wst = 0;
	assert_int_equal(waitpid(pid, &wst, 0), pid);
	assert_true(WIFEXITED(wst) && WEXITSTATUS(wst) == 0);
	size_t n = (size_t)mm_fim_report_n(rep, MM_FIM_EV_MODIFIED);
	assert_int_equal(mm_fim_report_finish(rep), MM_OK);
	fclose(f);
	return n;
}

static void test_watch_rescan_timer(void **st)
{
	(void)st;
	mkfile("watched", "approved\n", 0644);
	char p[8400], lnk[8400];
	snprintf(p, sizeof p, "%s/watched", tree);
	snprintf(lnk, sizeof lnk, "%s/outside-link", root);
	assert_int_equal(link(p, lnk), 0);
	mm_fim_config *c = cfg_for(false);
	c->debounce_ms = 10;
	c->nice = 0;
	c->ionice_idle = false;
	mm_fim_state *s = state_open();
	baseline(c, s);
	char out[16384];
	c->rescan_seconds = 3600;
	assert_int_equal(watch_for(c, s, lnk, 3, out, sizeof out), 0); /* no event, no rescan: unseen */
	baseline(c, s);
	c->rescan_seconds = 1;
	assert_int_equal(watch_for(c, s, lnk, 4, out, sizeof out), 1);
	char want[8500];
	snprintf(want, sizeof want, "modified: %s (size 18 → 27", p);
	if (!strstr(out, want))
		fail_msg("watch output lacks '%s':\n%s", want, out);
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

/*
 * Checks walk the root's sub-directories on several threads and a full
 * check keeps no copy of entries found identical: the same changes must
 * come out as from a single thread, in every sub-directory.
 */
static void test_parallel_check(void **st)
{
	(void)st;
	char n[64], c[64];
	for (int d = 0; d < 7; d++) {
		snprintf(n, sizeof n, "d%d", d);
		mkdir_t(n);
		snprintf(n, sizeof n, "d%d/sub", d);
		mkdir_t(n);
		for (int f = 0; f < 30; f++) {
			snprintf(n, sizeof n, "d%d/%sf%02d", d, f % 2 ? "sub/" : "", f);
			snprintf(c, sizeof c, "content %d %d", d, f);
			mkfile(n, c, 0644);
		}
	}
	mkfile("top", "top", 0644);
	mm_fim_config *cf = cfg_for(false);
	mm_fim_state *s = state_open();
	baseline(cf, s);
	char out[16384];
	for (unsigned th = 1; th <= 4; th += 3) {
		cf->threads = th;
		assert_int_equal(check_tree(cf, s, false, out, sizeof out), 0);
		assert_int_equal(check_tree(cf, s, true, out, sizeof out), 0);
		if (!strstr(out, "226 files, 211 hashed, 0 reused")) /* full: every file read again */
			fail_msg("%s", out);
	}
	/* a recorded hash that is wrong (stat unchanged): only the full check sees it */
	mm_fim_set base;
	mm_fim_set_init(&base);
	mm_err e;
	assert_int_equal(mm_fim_state_load(s, &base, &e), MM_OK);
	char want[8400];
	snprintf(want, sizeof want, "%s/d3/sub/f07", tree);
	mm_fim_rec *r = mm_fim_set_find(&base, want, strlen(want));
	assert_non_null(r);
	r->sha256[5] ^= 0x40;
	assert_int_equal(mm_fim_state_save(s, &base, &e), MM_OK);
	mm_fim_set_release(&base);
	char p[8400];
	snprintf(p, sizeof p, "%s/d5/f10", tree);
	assert_int_equal(unlink(p), 0);
	mkfile("d6/sub/new", "new", 0644);
	for (unsigned th = 1; th <= 4; th += 3) {
		cf->threads = th;
		assert_int_equal(check_tree(cf, s, false, out, sizeof out), 2);
		assert_int_equal(check_tree(cf, s, true, out, sizeof out), 3);
		snprintf(want, sizeof want, "modified: %s/d3/sub/f07 (sha256 ", tree);
		assert_non_null(strstr(out, want));
		snprintf(want, sizeof want, "removed: %s/d5/f10", tree);
		assert_non_null(strstr(out, want));
		snprintf(want, sizeof want, "added: %s/d6/sub/new", tree);
		assert_non_null(strstr(out, want));
	}
	mm_fim_state_close(s);
	mm_fim_config_free(cf);
}

/*
 * A baseline of more than 1 MiB is checksummed on another thread while it
 * is decoded: a damaged byte anywhere (record, path, order) must still be
 * reported as a checksum mismatch and nothing handed out.
 */
static void test_large_baseline_load(void **st)
{
	(void)st;
	mm_fim_set big;
	mm_fim_set_init(&big);
	mm_fim_set src;
	mm_fim_set_init(&src);
	char path[128];
	for (int i = 0; i < 12000; i++) {
		snprintf(path, sizeof path, "/srv/app/data/records/%06d.dat", i);
		mm_fim_rec r;
		memset(&r, 0, sizeof r);
		r.type = MM_FIM_REG;
		r.flags = MM_FIM_HASHED;
		r.mode = 0644;
		r.size = (uint64_t)i;
		r.ino = (uint64_t)i + 100;
		r.sha256[0] = (uint8_t)i;
		/* strings come from a small set of their own */
		size_t at = src.arena.len;
		assert_int_equal(mm_buf_append(&src.arena, path, strlen(path) + 1), MM_OK);
		r.path_off = (uint32_t)at;
		r.path_len = (uint32_t)strlen(path);
		assert_int_equal(mm_fim_set_add(&big, &r, &src), MM_OK);
	}
	mm_fim_set_sort(&big);
	mm_fim_state *s = state_open();
	mm_err e;
	assert_int_equal(mm_fim_state_save(s, &big, &e), MM_OK);
	mm_fim_set d;
	mm_fim_set_init(&d);
	assert_int_equal(mm_fim_state_load(s, &d, &e), MM_OK);
	assert_int_equal(d.n, 12000);
	for (size_t i = 0; i < d.n; i += 997)
		assert_int_equal(mm_fim_rec_diff(&big, &big.recs[i], &d, &d.recs[i]), 0);
	mm_fim_set_release(&d);
	char bp[8400];
	snprintf(bp, sizeof bp, "%s/baseline.mmfim", state);
	struct stat sb;
	assert_int_equal(stat(bp, &sb), 0);
	assert_true(sb.st_size > (1 << 20));
	/* damage at the start of the records, in the middle, near the end */
	off_t at[] = {80, sb.st_size / 2, sb.st_size - 100};
	for (size_t k = 0; k < 3; k++) {
		int fd = open(bp, O_RDWR);
		assert_true(fd >= 0);
		unsigned char c;
		assert_int_equal(pread(fd, &c, 1, at[k]), 1);
		c ^= 0x04;
		assert_int_equal(pwrite(fd, &c, 1, at[k]), 1);
		mm_fim_set_init(&d);
		assert_int_equal(mm_fim_state_load(s, &d, &e), MM_ECORRUPT);
		assert_non_null(strstr(e.msg, "checksum mismatch"));
		assert_int_equal(d.n, 0);
		mm_fim_set_release(&d);
		c ^= 0x04;
		assert_int_equal(pwrite(fd, &c, 1, at[k]), 1);
		close(fd);
	}
	assert_int_equal(truncate(bp, sb.st_size - 10), 0);
	mm_fim_set_init(&d);
	assert_int_equal(mm_fim_state_load(s, &d, &e), MM_ECORRUPT);
	mm_fim_set_release(&d);
	mm_fim_state_close(s);
	mm_fim_set_release(&src);
	mm_fim_set_release(&big);
}

static void test_restore(void **st)
{
	(void)st;
	mm_ed25519_keypair(pk, sk);
	mkdir_t("www");
	mkfile("www/index.html", "<h1>approved</h1>\n", 0640);
	mkfile("www/other.html", "other\n", 0644);
	mm_fim_config *c = cfg_for(true);
	memcpy(c->order_key, pk, sizeof pk);
	c->has_order_key = true;
	mm_fim_state *s = state_open();
	baseline(c, s);
	mm_fim_set b;
	mm_fim_set_init(&b);
	mm_err e;
	assert_int_equal(mm_fim_state_load(s, &b, &e), MM_OK);
	char target[8400];
	snprintf(target, sizeof target, "%s/www/index.html", tree);
	const mm_fim_rec *r = mm_fim_set_find(&b, target, strlen(target));
	assert_non_null(r);
	char hex[65];
	mm_hex_encode(r->sha256, 32, hex);
	mm_fim_set_release(&b);
	/* tamper: content and mode */
	mkfile("www/index.html", "<h1>defaced</h1>\n", 0777);
	int64_t now = mm_now_ns() / 1000000000;
	char files[9000], out[8192];
	snprintf(files, sizeof files, "file: %s %s\n", hex, target);
	/* refused: expired, other host, wrong hash, outside the roots */
	char *t = make_order("exp", "*", now - 7200, now - 3600, files);
	assert_int_equal(run_restore(c, s, t, out, sizeof out, &e), MM_EPERM);
	assert_non_null(strstr(e.msg, "not valid now"));
	free(t);
	t = make_order("host", "no-such-host.example", now, now + 60, files);
	assert_int_equal(run_restore(c, s, t, out, sizeof out, &e), MM_EPERM);
	free(t);
	char wrong[9000];
	snprintf(wrong, sizeof wrong, "file: %064d %s\n", 0, target);
	t = make_order("wrong", "*", now, now + 60, wrong);
	assert_int_equal(run_restore(c, s, t, out, sizeof out, &e), MM_EPERM);
	assert_non_null(strstr(e.msg, "not the approved one"));
	free(t);
	snprintf(wrong, sizeof wrong, "file: %s /etc/passwd\n", hex);
	t = make_order("outside", "*", now, now + 60, wrong);
	assert_int_equal(run_restore(c, s, t, out, sizeof out, &e), MM_EPERM);
	free(t);
	/* the real one */
	t = make_order("ok-1", "*", now, now + 60, files);
	int rc = run_restore(c, s, t, out, sizeof out, &e);
	if (rc)
		fail_msg("restore: %s", e.msg);
	assert_non_null(strstr(out, "restored: "));
	mm_buf got;
	mm_buf_init(&got, 4096);
	assert_int_equal(mm_file_read(target, 4096, &got, &e), MM_OK);
	assert_string_equal((char *)got.p, "<h1>approved</h1>\n");
	mm_buf_release(&got);
	struct stat sb;
	assert_int_equal(stat(target, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	/* no tamper alert after the agent's own restore */
	assert_int_equal(check_tree(c, s, false, out, sizeof out), 0);
	assert_int_equal(check_tree(c, s, true, out, sizeof out), 0);
	/* replay: refused */
	assert_int_equal(run_restore(c, s, t, out, sizeof out, &e), MM_EPERM);
	assert_non_null(strstr(e.msg, "replay"));
	free(t);
	/* symlink trick: the directory becomes a link to somewhere else */
	char wwwdir[8400], moved[8400], outside[8400];
	snprintf(wwwdir, sizeof wwwdir, "%s/www", tree);
	snprintf(moved, sizeof moved, "%s/www-moved", root);
	snprintf(outside, sizeof outside, "%s/outside", root);
	assert_int_equal(mkdir(outside, 0755), 0);
	assert_int_equal(rename(wwwdir, moved), 0);
	assert_int_equal(symlink(outside, wwwdir), 0);
	t = make_order("ok-2", "*", now, now + 60, files);
	rc = run_restore(c, s, t, out, sizeof out, &e);
	assert_int_not_equal(rc, MM_OK);
	assert_non_null(strstr(out, "error: "));
	assert_non_null(strstr(out, "symbolic link"));
	char op[8600];
	snprintf(op, sizeof op, "%s/index.html", outside);
	assert_int_equal(access(op, F_OK), -1); /* nothing written through the link */
	free(t);
	/* a deleted directory is recreated from the baseline */
	unlink(wwwdir);
	t = make_order("ok-3", "*", now, now + 60, files);
	rc = run_restore(c, s, t, out, sizeof out, &e);
	if (rc)
		fail_msg("restore into a missing directory: %s / %s", e.msg, out);
	assert_int_equal(access(target, F_OK), 0);
	free(t);
	/* without a key nothing is restored */
	c->has_order_key = false;
	t = make_order("ok-4", "*", now, now + 60, files);
	mm_fim_order *o = NULL;
	assert_int_equal(mm_fim_order_parse(t, strlen(t), pk, &o, &e), MM_OK);
	FILE *f = fmemopen(out, sizeof out, "w");
	mm_fim_report *rep = NULL;
	assert_int_equal(mm_fim_report_new("fim-restore", MM_FIM_TEXT, f, &rep), MM_OK);
	assert_int_equal(mm_fim_restore(c, s, o, rep, &e), MM_EPERM);
	mm_fim_report_free(rep);
	fclose(f);
	mm_fim_order_free(o);
	free(t);
	mm_fim_state_close(s);
	mm_fim_config_free(c);
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_hostile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_baseline_codec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quick_vs_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_awkward_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xattrs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malware_quarantine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deny_new_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_parse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_governor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_baseline_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parallel_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_rescan_timer, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
