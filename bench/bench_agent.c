/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Agent inspection benchmark. `bench_agent phases ROOT POLICY N`: collect
 * the facts of ROOT and evaluate POLICY N times in-process, printing the
 * median and worst time of each phase. `bench_agent run -- CMD...`: run a
 * command, print its wall time, peak RSS (wait4) and exit status — used
 * by bench/agent.sh for mamori-agent and its peers alike.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crypto/mm_crypto.h"
#include "facts/mm_facts.h"
#include "policy/mm_policy.h"
#include "base/banned.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int phases(const char *root, const char *policy, int n)
{
	char path[4096];
	mm_err e = {0};
	mm_policy *p = NULL;
	if (mm_policy_resolve(policy, path, sizeof path, &e) || mm_policy_load(&p, path, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return 2;
	}
	int64_t *col = calloc((size_t)n, sizeof *col), *ev = calloc((size_t)n, sizeof *ev);
	size_t checks = 0;
	for (int i = 0; i < n; i++) {
		mm_facts *f = NULL;
		json_t *r = NULL;
		int64_t t0 = mm_mono_ns();
		if (mm_facts_open(&f, root, 0, &e) || mm_facts_collect(f, &e)) {
			fprintf(stderr, "%s\n", e.msg);
			return 2;
		}
		int64_t t1 = mm_mono_ns();
		mm_eval_opts o = {p, NULL, NULL};
		if (mm_policy_evaluate(f, &o, &r, &e)) {
			fprintf(stderr, "%s\n", e.msg);
			return 2;
		}
		int64_t t2 = mm_mono_ns();
		col[i] = t1 - t0;
		ev[i] = t2 - t1;
		checks = json_array_size(json_object_get(r, "results"));
		json_decref(r);
		mm_facts_close(f);
	}
	qsort(col, (size_t)n, sizeof *col, cmp_i64);
	qsort(ev, (size_t)n, sizeof *ev, cmp_i64);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("runs=%d checks=%zu collect_median_ms=%.1f collect_max_ms=%.1f eval_median_ms=%.1f "
	       "eval_max_ms=%.1f maxrss_kb=%ld\n",
	       n, checks, col[n / 2] / 1e6, col[n - 1] / 1e6, ev[n / 2] / 1e6, ev[n - 1] / 1e6, ru.ru_maxrss);
	free(col);
	free(ev);
	mm_policy_free(p);
	return 0;
}

static int run(char **argv)
{
	int64_t t0 = mm_mono_ns();
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	double wall = (mm_mono_ns() - t0) / 1e9;
	fprintf(stderr, "wall_s=%.3f maxrss_kb=%ld status=%d\n", wall, ru.ru_maxrss,
		WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	if (mm_crypto_init() != MM_OK)
		return 2;
	uint64_t n;
	if (argc == 5 && strcmp(argv[1], "phases") == 0 && mm_parse_u64(argv[4], 100000, &n) && n)
		return phases(argv[2], argv[3], (int)n);
	if (argc >= 4 && strcmp(argv[1], "run") == 0 && strcmp(argv[2], "--") == 0)
		return run(argv + 3);
	fprintf(stderr, "usage: bench_agent phases ROOT POLICY N | run -- CMD...\n");
	return 2;
}
