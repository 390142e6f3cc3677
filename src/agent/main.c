/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori-agent`: runs on each managed machine; collects facts, runs
 * checks, watches files. Subcommands arrive with the agent issues.
 */
#include <stdio.h>
#include <string.h>

#include "base/banned.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("mamori-agent %s\n", MM_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: mamori-agent COMMAND [options]\n");
	return 2;
}
