/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers for bench/fim.sh:
 *   bench_fim tree DIR [FILES [BIG [BIG_MIB]]]  build the reproducible tree (fixed seed):
 *       FILES files of 1–16 KiB in nested folders (default 100000) and BIG files of
 *       BIG_MIB MiB (default 20 × 50) under DIR/big
 *   bench_fim run -- CMD...   run CMD, print "wall_s=… maxrss_kb=… status=…" to stderr
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/mm_base.h"
#include "base/banned.h"

static uint64_t rng = 0x6d616d6f72690001ull; /* fixed seed: the same tree every run */

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t v = next();
		memcpy(p + i, &v, 8);
	}
	for (size_t i = n & ~(size_t)7; i < n; i++)
		p[i] = (uint8_t)next();
}

static int write_file(const char *path, const uint8_t *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return close(fd);
}

static int tree(const char *dir, uint64_t files, uint64_t big, uint64_t big_mib)
{
	char p[4096];
	uint8_t *buf = malloc(16384);
	size_t bigsz = (size_t)big_mib << 20;
	uint8_t *bb = malloc(bigsz ? bigsz : 1);
	if (!buf || !bb)
		return 1;
	mkdir(dir, 0755);
	/* 100 folders of 10 sub-folders; files spread evenly */
	for (uint64_t i = 0; i < files; i++) {
		unsigned a = (unsigned)(i % 100), b = (unsigned)((i / 100) % 10);
		snprintf(p, sizeof p, "%s/d%02u", dir, a);
		mkdir(p, 0755);
		snprintf(p, sizeof p, "%s/d%02u/s%u", dir, a, b);
		mkdir(p, 0755);
		size_t n = 1024 + (size_t)(next() % (15 * 1024 + 1));
		fill(buf, n);
		snprintf(p, sizeof p, "%s/d%02u/s%u/f%06llu.dat", dir, a, b, (unsigned long long)i);
		if (write_file(p, buf, n) != 0) {
			perror(p);
			return 1;
		}
	}
	snprintf(p, sizeof p, "%s/big", dir);
	mkdir(p, 0755);
	for (uint64_t i = 0; i < big; i++) {
		fill(bb, bigsz);
		snprintf(p, sizeof p, "%s/big/large%02llu.bin", dir, (unsigned long long)i);
		if (write_file(p, bb, bigsz) != 0) {
			perror(p);
			return 1;
		}
	}
	free(buf);
	free(bb);
	return 0;
}

static int run(char **argv)
{
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid_t pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		execvp(argv[0], argv);
		perror(argv[0]);
		_exit(127);
	}
	int status = 0;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &b);
	double wall = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	fprintf(stderr, "wall_s=%.3f maxrss_kb=%ld user_s=%.3f sys_s=%.3f status=%d\n", wall, ru.ru_maxrss,
		(double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
		(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6,
		WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "tree") == 0) {
		uint64_t files = 100000, big = 20, mib = 50;
		if ((argc > 3 && !mm_parse_u64(argv[3], 10000000, &files)) ||
		    (argc > 4 && !mm_parse_u64(argv[4], 1000, &big)) || (argc > 5 && !mm_parse_u64(argv[5], 4096, &mib))) {
			fprintf(stderr, "bench_fim tree DIR [FILES [BIG [BIG_MIB]]]\n");
			return 2;
		}
		return tree(argv[2], files, big, mib);
	}
	if (argc >= 4 && strcmp(argv[1], "run") == 0 && strcmp(argv[2], "--") == 0)
		return run(argv + 3);
	fprintf(stderr, "usage: bench_fim tree DIR [FILES [BIG [BIG_MIB]]] | run -- CMD...\n");
	return 2;
}
