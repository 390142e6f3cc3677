/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori-agent run --state DIR [--root DIR] [--policy NAME|FILE] [--site FILE]
 * [--baseline FILE] [--bundle FILE]`: the check of `mamori-agent check`,
 * its JSON report sealed in a signed envelope (docs/agent-link.md) with the
 * next counter, uploaded over the pinned TLS link — or, with --bundle,
 * written to FILE for `mamori import` on a machine that cannot reach the
 * server. Exit 0 accepted (or written) and every check passed, 1 accepted
 * with failures, 2 refused or error.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/agent.h"
#include "facts/mm_facts.h"
#include "link/mm_link.h"
#include "policy/mm_policy.h"
#include "base/banned.h"

static const char usage_text[] =
	"usage: mamori-agent run --state DIR [--root DIR] [--policy NAME|FILE] [--site FILE]\n"
	"         [--baseline FILE] [--bundle FILE]\n"
	"Inspects this machine as `check` does, signs the report and uploads it to the server\n"
	"the agent enrolled with (or writes a signed bundle for `mamori import`).\n"
	"Exit: 0 accepted and all checks passed, 1 accepted with failures, 2 refused or error.\n";

/* The report of the check as the bytes `check --format json` prints, signed with the agent key too. */
static int make_report(const agent_args *a, const mm_link_state *st, mm_buf *out, bool *pass, mm_err *e)
{
	mm_site *site = NULL;
	mm_policy *pol = NULL;
	mm_facts *f = NULL;
	json_t *report = NULL;
	char *txt = NULL;
	int rc = MM_OK;
	if (agent_opt(a, "site") && (rc = mm_site_load(&site, agent_opt(a, "site"), e)))
		goto out;
	const char *parg = agent_opt(a, "policy");
	if (!parg)
		parg = site && strcmp(mm_site_role(site), "cs") == 0 ? "municipal-cs" : "municipal-terminal";
	char path[4096];
	if ((rc = mm_policy_resolve(parg, path, sizeof path, e)) || (rc = mm_policy_load(&pol, path, e)))
		goto out;
	if (agent_collect(agent_opt(a, "root"), &f) != AGENT_OK) {
		rc = mm_err_set(e, MM_EIO, "the facts could not be collected");
		goto out;
	}
	mm_eval_opts o = {pol, site, agent_opt(a, "baseline")};
	if ((rc = mm_policy_evaluate(f, &o, &report, e)) || (rc = mm_policy_sign(report, st->sk, e)))
		goto out;
	txt = json_dumps(report, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (!txt || mm_buf_puts(out, txt) || mm_buf_puts(out, "\n")) {
		rc = mm_err_set(e, MM_ELIMIT, "the report is larger than %u bytes", MM_LINK_REPORT_MAX);
		goto out;
	}
	*pass = mm_policy_exit_status(report) == 0;
out:
	free(txt);
	json_decref(report);
	mm_facts_close(f);
	mm_policy_free(pol);
	mm_site_free(site);
	return rc;
}

/* Upload the sealed envelope and print the server's answer; the exit status of `run`. */
static int upload(const mm_link_url *u, const uint8_t pin[MM_SHA256_LEN], const mm_buf *env, uint64_t counter)
{
	mm_err e;
	mm_err_clear(&e);
	mm_buf raw;
	mm_buf_init(&raw, MM_LINK_RESPONSE_MAX);
	json_t *resp = NULL;
	int rc = AGENT_USAGE;
	mm_link_response r;
	if (mm_link_http_request(u, pin, "POST", "/api/v1/agent/report", "application/vnd.mamori.agent-report", env->p,
				 env->len, &raw, &r, &e)) {
		rc = agent_report(&e);
		goto out;
	}
	json_error_t je;
	resp = json_loadb((const char *)r.body, r.body_len, 0, &je);
	if (r.status != 201) {
		json_t *er = json_object_get(resp, "error");
		const char *code = json_string_value(json_object_get(er, "code"));
		const char *detail = json_string_value(json_object_get(er, "detail"));
		fprintf(stderr, "mamori-agent: error: the server refused report %llu (HTTP %u): %s: %s\n",
			(unsigned long long)counter, r.status, code ? code : "?", detail ? detail : "no reason given");
		goto out;
	}
	const char *result = json_string_value(json_object_get(resp, "result"));
	const char *att = json_string_value(json_object_get(resp, "attachment"));
	if (!result || !att) {
		rc = agent_error("the server's answer lacks result or attachment");
		goto out;
	}
	printf("report %llu accepted: %s, stored as %s, %lld inspection item(s) filled\n", (unsigned long long)counter,
	       result, att, (long long)json_integer_value(json_object_get(resp, "items")));
	rc = strcmp(result, "pass") == 0 ? AGENT_OK : AGENT_FAIL;
out:
	json_decref(resp);
	mm_buf_release(&raw);
	return rc;
}

/* In the child: give up root for good (to nobody) when we have it; verified, fail closed. */
static int drop_root(void)
{
	if (geteuid() != 0)
		return AGENT_OK;
	struct passwd *pw = getpwnam("nobody");
	if (!pw || pw->pw_uid == 0 || pw->pw_gid == 0)
		return agent_error("no unprivileged user 'nobody' to upload as");
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 || setuid(0) == 0 ||
	    geteuid() == 0)
		return agent_error("cannot drop root before the upload: %s", strerror(errno));
	return AGENT_OK;
}

/*
 * The network half (TLS, HTTP, the server's answer) in a child process
 * that holds neither the agent key nor, when started as root, root: what
 * the network sends is never parsed next to the key or with privileges.
 */
static int upload_isolated(const mm_link_url *u, mm_link_state *st, const mm_buf *env)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return agent_error("fork: %s", strerror(errno));
	if (pid == 0) {
		mm_link_state_wipe(st); /* the envelope is sealed: the key has no business here */
		int rc = drop_root();
		if (rc == AGENT_OK && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
			rc = agent_error("prctl: %s", strerror(errno));
		if (rc == AGENT_OK)
			rc = upload(u, st->pin, env, st->counter);
		fflush(stdout);
		fflush(stderr);
		_exit(rc);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return agent_error("waitpid: %s", strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return agent_error("the upload process ended by signal %d", WTERMSIG(status));
}

int agent_cmd_run(int argc, char **argv)
{
	agent_args a;
	if (agent_parse(&a, argc - 1, argv + 1, "state: root: policy: site: baseline: bundle: help") != AGENT_OK)
		return AGENT_USAGE;
	if (agent_flag(&a, "help")) {
		fputs(usage_text, stdout);
		return AGENT_OK;
	}
	if (a.npos)
		return agent_error("unexpected argument '%s'", a.pos[0]);
	const char *dir = agent_opt(&a, "state"), *bundle = agent_opt(&a, "bundle");
	if (!dir)
		return agent_error("--state DIR (where `mamori-agent enroll` kept the key) is required");
	mm_err e;
	mm_err_clear(&e);
	mm_link_state st;
	mm_buf report, env;
	mm_buf_init(&report, MM_LINK_REPORT_MAX);
	mm_buf_init(&env, MM_LINK_ENVELOPE_MAX);
	bool pass = false, loaded = false;
	int rc = AGENT_USAGE;
	mm_link_url u;
	if (mm_link_state_load(dir, &st, &e))
		goto out_err;
	loaded = true;
	if (!bundle && !st.server[0]) {
		mm_err_set(&e, MM_EINVAL, "%s: this agent was enrolled offline and knows no server: give --bundle FILE", dir);
		goto out_err;
	}
	if ((!bundle && mm_link_url_parse(st.server, &u, &e)) || make_report(&a, &st, &report, &pass, &e))
		goto out_err;
	/* the counter is persisted before it is used: a crash after sending never reuses it */
	if (mm_link_state_next(dir, &st, &e))
		goto out_err;
	mm_link_envelope ev;
	memset(&ev, 0, sizeof ev);
	memcpy(ev.tenant, st.tenant, sizeof ev.tenant);
	memcpy(ev.asset, st.asset, sizeof ev.asset);
	memcpy(ev.agent, st.agent, sizeof ev.agent);
	ev.counter = st.counter;
	ev.time_ns = mm_now_ns();
	ev.report = report.p;
	ev.report_len = report.len;
	if (mm_link_seal(&ev, st.sk, &env, &e))
		goto out_err;
	if (bundle) {
		if (mm_file_write_atomic(bundle, env.p, env.len, 0644, false, &e))
			goto out_err;
		printf("wrote report %llu of agent %s for asset %s to %s (%s); import it with `mamori import`\n",
		       (unsigned long long)st.counter, st.agent, st.asset, bundle, pass ? "pass" : "fail");
		rc = pass ? AGENT_OK : AGENT_FAIL;
		goto out;
	}
	/* the network half runs in a child without the agent key (and, started as root, as nobody) */
	rc = upload_isolated(&u, &st, &env);
	goto out;
out_err:
	rc = agent_report(&e);
out:
	if (loaded)
		mm_link_state_wipe(&st);
	mm_buf_release(&report);
	mm_buf_release(&env);
	return rc;
}
