/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori-agent baseline create [--root DIR] -o FILE`: snapshot the
 * approved configuration (docs/report-format.md, "Baseline") for later
 * `check --baseline FILE`. Refuses to overwrite unless --force.
 */
#include <stdio.h>
#include <string.h>

#include "agent/agent.h"
#include "facts/mm_facts.h"
#include "policy/mm_policy.h"
#include "base/banned.h"

int agent_cmd_baseline(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "create") != 0) {
		if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
			printf("usage: mamori-agent baseline create [--root DIR] -o FILE [--force]\n");
			return AGENT_OK;
		}
		return agent_error("usage: mamori-agent baseline create [--root DIR] -o FILE [--force]");
	}
	agent_args a;
	if (agent_parse(&a, argc - 2, argv + 2, "root: output|o: force") != AGENT_OK)
		return AGENT_USAGE;
	if (a.npos)
		return agent_error("unexpected argument '%s'", a.pos[0]);
	const char *out = agent_opt(&a, "output");
	if (!out)
		return agent_error("missing -o FILE");
	mm_facts *f = NULL;
	int rc = agent_collect(agent_opt(&a, "root"), &f);
	if (rc != AGENT_OK)
		return rc;
	mm_buf b;
	mm_buf_init(&b, MM_BASELINE_FILE_MAX);
	mm_err e = {0};
	rc = AGENT_OK;
	if (mm_baseline_create(f, &b, &e) != MM_OK ||
	    mm_file_write_atomic(out, b.p, b.len, 0644, !agent_flag(&a, "force"), &e) != MM_OK)
		rc = agent_report(&e);
	else
		fprintf(stderr, "mamori-agent: baseline written to %s (%zu bytes)\n", out, b.len);
	mm_buf_release(&b);
	mm_facts_close(f);
	return rc;
}
