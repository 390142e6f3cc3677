/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori-agent enroll --server https://HOST:PORT --token T --state DIR
 * [--hostname NAME]`: make this machine's Ed25519 key, register it with the
 * server over TLS pinned to the certificate the token names, and keep the
 * key, the server's signing key and the link in DIR (docs/agent-link.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "agent/agent.h"
#include "link/mm_link.h"
#include "base/banned.h"

static const char usage_text[] =
	"usage: mamori-agent enroll --server https://HOST:PORT --token TOKEN --state DIR [--hostname NAME]\n"
	"       mamori-agent enroll --token TOKEN --state DIR --request FILE [--hostname NAME]   (offline, 1)\n"
	"       mamori-agent enroll --state DIR --reply FILE [--server https://HOST:PORT]     (offline, 2)\n"
	"Registers this machine's new key for the asset the token names (`mamori enroll-token`).\n"
	"Offline: carry the request FILE to `mamori import --reply REPLY`, and REPLY back.\n"
	"Exit: 0 enrolled, 2 refused or error (nothing is kept).\n";

/* Offline, second step: the server's reply (from `mamori import --reply`) completes the state. */
static int enroll_reply(const char *dir, const char *reply, const char *server)
{
	mm_err e;
	mm_err_clear(&e);
	mm_link_state st;
	mm_link_enroll_reply rep;
	mm_link_url u;
	mm_buf b;
	mm_buf_init(&b, MM_LINK_RESPONSE_MAX);
	int rc = AGENT_USAGE;
	char path[4200];
	if ((server && mm_link_url_parse(server, &u, &e)) || mm_link_state_pending(dir, &st, &e) ||
	    mm_file_read(reply, MM_LINK_RESPONSE_MAX, &b, &e) ||
	    mm_link_enroll_reply_parse(b.p ? b.p : (const uint8_t *)"", b.len, &rep, &e)) {
		rc = agent_report(&e);
		goto out;
	}
	if (!mm_ct_equal(rep.public_key, st.sk + MM_ED25519_SEED_LEN, MM_ED25519_PK_LEN)) {
		rc = agent_error("%s: this reply enrolled another key than the one in %s (a reply for another agent?)",
				 reply, dir);
		goto out;
	}
	snprintf(st.server, sizeof st.server, "%s", server ? server : "");
	memcpy(st.agent, rep.agent, sizeof st.agent);
	memcpy(st.asset, rep.asset, sizeof st.asset);
	memcpy(st.tenant, rep.tenant, sizeof st.tenant);
	if (mm_link_state_create(dir, &st, rep.server_key, &e)) {
		rc = agent_report(&e);
		goto out;
	}
	snprintf(path, sizeof path, "%s/pending.json", dir);
	(void)unlink(path);
	printf("enrolled as agent %s for asset %s; state in %s (server key: %s/server.pub)\n", rep.agent, rep.asset, dir,
	       dir);
	rc = AGENT_OK;
out:
	mm_link_state_wipe(&st);
	mm_buf_release(&b);
	return rc;
}

/* The server's refusal as "code: detail", from a JSON error body. */
static void print_refusal(const mm_link_response *r)
{
	json_error_t je;
	json_t *o = json_loadb((const char *)r->body, r->body_len, 0, &je), *e = json_object_get(o, "error");
	const char *code = json_string_value(json_object_get(e, "code"));
	const char *detail = json_string_value(json_object_get(e, "detail"));
	const char *msg = json_string_value(json_object_get(e, "message"));
	fprintf(stderr, "mamori-agent: error: the server refused (HTTP %u): %s: %s\n", r->status, code ? code : "?",
		detail ? detail : msg ? msg : "no reason given");
	json_decref(o);
}

int agent_cmd_enroll(int argc, char **argv)
{
	agent_args a;
	if (agent_parse(&a, argc - 1, argv + 1, "server: token: state: hostname: request: reply: help") != AGENT_OK)
		return AGENT_USAGE;
	if (agent_flag(&a, "help")) {
		fputs(usage_text, stdout);
		return AGENT_OK;
	}
	const char *server = agent_opt(&a, "server"), *token = agent_opt(&a, "token"), *dir = agent_opt(&a, "state");
	if (a.npos)
		return agent_error("unexpected argument '%s'", a.pos[0]);
	const char *request = agent_opt(&a, "request"), *reply = agent_opt(&a, "reply");
	if (dir && reply && !token && !request)
		return enroll_reply(dir, reply, server);
	if (!token || !dir || (!server == !request))
		return agent_error("give --token and --state, and either --server (online) or --request FILE (offline);"
				   " or --state with --reply FILE");
	mm_err e;
	mm_err_clear(&e);
	mm_link_url u;
	mm_link_state st;
	memset(&st, 0, sizeof st);
	uint8_t secret[MM_LINK_SECRET_LEN], pk[MM_ED25519_PK_LEN], sig[MM_ED25519_SIG_LEN];
	char host[MM_LINK_HOSTNAME_MAX + 1] = "", pkhex[2 * MM_ED25519_PK_LEN + 1], sighex[2 * MM_ED25519_SIG_LEN + 1];
	char *body = NULL;
	mm_buf raw;
	mm_buf_init(&raw, MM_LINK_RESPONSE_MAX);
	int rc = AGENT_USAGE;
	int bad = (server && mm_link_url_parse(server, &u, &e)) || mm_link_token_parse(token, st.pin, secret, &e);
	mm_wipe(secret, sizeof secret); /* the agent needs only the pin; the server checks the secret */
	if (bad)
		goto out_err;
	char keypath[4200];
	snprintf(keypath, sizeof keypath, "%s/agent.key", dir);
	if (mm_file_exists(keypath)) {
		mm_err_set(&e, MM_EEXIST, "%s: already enrolled (use a new --state directory)", dir);
		goto out_err;
	}
	if (agent_opt(&a, "hostname"))
		snprintf(host, sizeof host, "%s", agent_opt(&a, "hostname"));
	else if (gethostname(host, sizeof host) != 0)
		host[0] = 0;
	host[sizeof host - 1] = 0;
	mm_ed25519_keypair(pk, st.sk);
	mm_link_enroll_sign(token, st.sk, sig);
	mm_hex_encode(pk, sizeof pk, pkhex);
	mm_hex_encode(sig, sizeof sig, sighex);
	json_t *req = json_pack("{s:s, s:s, s:s, s:s}", "token", token, "public_key", pkhex, "proof", sighex, "hostname",
				host);
	body = req ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (!body) {
		mm_err_set(&e, MM_ENOMEM, "out of memory");
		goto out_err;
	}
	if (request) { /* offline: keep the key and the pin, hand over the request */
		if (mm_link_state_begin(dir, &st, &e) ||
		    mm_file_write_atomic(request, body, strlen(body), 0644, false, &e))
			goto out_err;
		printf("wrote the enrollment request to %s; import it on the server with `mamori import --reply REPLY`,"
		       " then run `mamori-agent enroll --state %s --reply REPLY`\n", request, dir);
		rc = AGENT_OK;
		goto out;
	}
	mm_link_response r;
	if (mm_link_http_request(&u, st.pin, "POST", "/api/v1/agent/enroll", "application/json", body, strlen(body),
				 &raw, &r, &e))
		goto out_err;
	if (r.status != 201) {
		print_refusal(&r);
		goto out;
	}
	mm_link_enroll_reply rep;
	if (mm_link_enroll_reply_parse(r.body, r.body_len, &rep, &e))
		goto out_err;
	if (!mm_ct_equal(rep.public_key, st.sk + MM_ED25519_SEED_LEN, MM_ED25519_PK_LEN)) {
		mm_err_set(&e, MM_ECRYPTO, "the server enrolled another key than this agent's");
		goto out_err;
	}
	snprintf(st.server, sizeof st.server, "%s", server);
	memcpy(st.agent, rep.agent, sizeof st.agent);
	memcpy(st.asset, rep.asset, sizeof st.asset);
	memcpy(st.tenant, rep.tenant, sizeof st.tenant);
	if (mm_link_state_create(dir, &st, rep.server_key, &e))
		goto out_err;
	printf("enrolled as agent %s for asset %s; state in %s (server key: %s/server.pub)\n", rep.agent, rep.asset, dir,
	       dir);
	rc = AGENT_OK;
	goto out;
out_err:
	rc = agent_report(&e);
out:
	mm_link_state_wipe(&st);
	free(body);
	mm_buf_release(&raw);
	return rc;
}
