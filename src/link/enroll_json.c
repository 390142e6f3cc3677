/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON of enrollment: the agent's request as the server parses it and
 * the server's reply as the agent parses it. Strict (duplicates, unknown
 * members, wrong types and lengths refused, naming the member) and pure,
 * so the fuzz target reaches both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "link/mm_link.h"
#include "base/banned.h"

static bool printable(const char *s, size_t n)
{
	if (!mm_utf8_valid(s, n))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int mm_link_enroll_req_parse(const void *p, size_t n, mm_link_enroll_req *r, mm_err *err)
{
	memset(r, 0, sizeof *r);
	if (n == 0 || n > MM_HTTP_BODY_MAX)
		return mm_err_set(err, MM_EINVAL, "the body must be a JSON object of at most %u bytes", MM_HTTP_BODY_MAX);
	json_error_t je;
	json_t *o = json_loadb(p, n, JSON_REJECT_DUPLICATES, &je);
	int rc = MM_OK;
	const char *k;
	json_t *v;
	bool tok = false, pk = false, sig = false;
	if (!o) {
		rc = mm_err_set(err, MM_EINVAL, "body: line %d, column %d: %s", je.line, je.column, je.text);
		goto out;
	}
	if (!json_is_object(o)) {
		rc = mm_err_set(err, MM_EINVAL, "the body must be a JSON object with token, public_key and proof");
		goto out;
	}
	json_object_foreach(o, k, v) {
		const char *sv = json_string_value(v);
		size_t sl = json_string_length(v);
		if (!sv || strlen(sv) != sl) {
			rc = mm_err_set(err, MM_EINVAL, "member \"%.40s\" must be a string without NUL", k);
			goto out;
		}
		if (strcmp(k, "token") == 0) {
			if (sl >= sizeof r->token) {
				rc = mm_err_set(err, MM_EINVAL, "member \"token\" is longer than %zu bytes", sizeof r->token - 1);
				goto out;
			}
			memcpy(r->token, sv, sl + 1);
			tok = true;
		} else if (strcmp(k, "public_key") == 0) {
			if (!mm_hex_decode(sv, sl, r->pk, sizeof r->pk)) {
				rc = mm_err_set(err, MM_EINVAL, "member \"public_key\" must be 64 hex digits (Ed25519)");
				goto out;
			}
			pk = true;
		} else if (strcmp(k, "proof") == 0) {
			if (!mm_hex_decode(sv, sl, r->sig, sizeof r->sig)) {
				rc = mm_err_set(err, MM_EINVAL, "member \"proof\" must be 128 hex digits (an Ed25519 signature)");
				goto out;
			}
			sig = true;
		} else if (strcmp(k, "hostname") == 0) {
			if (sl > MM_LINK_HOSTNAME_MAX || !printable(sv, sl)) {
				rc = mm_err_set(err, MM_EINVAL, "member \"hostname\" must be printable text of at most %d bytes",
						MM_LINK_HOSTNAME_MAX);
				goto out;
			}
			memcpy(r->hostname, sv, sl + 1);
		} else {
			rc = mm_err_set(err, MM_EINVAL, "unknown member \"%.40s\"", k);
			goto out;
		}
	}
	if (!tok || !pk || !sig)
		rc = mm_err_set(err, MM_EINVAL, "\"token\", \"public_key\" and \"proof\" are required");
out:
	json_decref(o);
	if (rc)
		mm_wipe(r->token, sizeof r->token);
	return rc;
}

int mm_link_enroll_reply_parse(const void *p, size_t n, mm_link_enroll_reply *r, mm_err *err)
{
	memset(r, 0, sizeof *r);
	json_error_t je;
	json_t *o = n && n <= MM_LINK_RESPONSE_MAX ? json_loadb(p, n, JSON_REJECT_DUPLICATES, &je) : NULL;
	const char *agent = json_string_value(json_object_get(o, "agent"));
	const char *asset = json_string_value(json_object_get(o, "asset"));
	const char *tenant = json_string_value(json_object_get(o, "tenant"));
	const char *key = json_string_value(json_object_get(o, "server_key"));
	const char *pkh = json_string_value(json_object_get(o, "public_key"));
	uint8_t k[MM_ED25519_PK_LEN + 8];
	size_t kl = 0;
	int rc = MM_OK;
	if (!json_is_object(o) || !mm_link_id_valid(agent, MM_ID_MAX) || !mm_link_id_valid(asset, MM_ID_MAX) ||
	    !tenant || (tenant[0] && !mm_link_id_valid(tenant, MM_TENANT_MAX)) || !key ||
	    !mm_base64_decode(key, strlen(key), k, sizeof k, &kl) || kl != MM_ED25519_PK_LEN || !pkh ||
	    !mm_hex_decode(pkh, strlen(pkh), r->public_key, sizeof r->public_key)) {
		rc = mm_err_set(err, MM_EINVAL,
				"the server's enrollment answer lacks a valid agent, asset, tenant, server_key or public_key");
	} else {
		snprintf(r->agent, sizeof r->agent, "%s", agent);
		snprintf(r->asset, sizeof r->asset, "%s", asset);
		snprintf(r->tenant, sizeof r->tenant, "%s", tenant);
		memcpy(r->server_key, k, MM_ED25519_PK_LEN);
	}
	json_decref(o);
	return rc;
}

int mm_link_enroll_reply_format(const struct mm_link_result *r, const uint8_t pk[MM_ED25519_PK_LEN], mm_buf *out)
{
	mm_buf key;
	mm_buf_init(&key, 128);
	char pkhex[2 * MM_ED25519_PK_LEN + 1];
	mm_hex_encode(pk, MM_ED25519_PK_LEN, pkhex);
	json_t *o = NULL;
	if (!mm_base64_encode(r->server_key, sizeof r->server_key, &key))
		o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "agent", r->agent, "asset", r->asset, "tenant", r->tenant,
			      "server_key", (const char *)key.p, "public_key", pkhex);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	int rc = text ? mm_buf_puts(out, text) : MM_ENOMEM;
	free(text);
	mm_buf_release(&key);
	return rc;
}
