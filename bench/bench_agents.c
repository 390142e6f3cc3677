/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Agent report ingest under load (bench/agents.sh). Two modes:
 *   bench_agents setup DB SCHEMA N TOKENS   — N assets and N one-time tokens (one per line to TOKENS)
 *   bench_agents run URL TOKENS N K REPORT [peer]
 *       N threads, each enrolls its own key with its token (not in peer
 *       mode), then all start together and upload K signed reports each,
 *       one pinned TLS connection per report, as `mamori-agent run` does.
 *       Prints: "accepted A of T in S s: R reports/s, p50 X ms, p99 Y ms".
 *       peer: the same client and bodies against another HTTPS endpoint
 *       (nginx answering 204), with made-up agent ids.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "link/mm_link.h"
#include "store/mm_store.h"
#include "base/banned.h"

static int die(const char *what, const mm_err *e)
{
	fprintf(stderr, "bench_agents: %s: %s\n", what, e ? e->msg : "");
	return 2;
}

static int setup(const char *db, const char *schema, uint64_t n, const char *out)
{
	mm_err e;
	mm_err_clear(&e);
	mm_store_paths p;
	mm_store *s = NULL;
	uint8_t pin[MM_SHA256_LEN];
	if (mm_store_paths_for(db, NULL, &p, &e) || mm_link_cert_pin(p.tls_cert, pin, &e) ||
	    mm_store_open(db, schema, MM_STORE_WRITE, &s, &e))
		return die("open", &e);
	mm_actor who = {"bench", "admin", NULL};
	mm_write_result w;
	const char *site = "{\"name\":\"bench site\"}";
	FILE *f = fopen(out, "w");
	if (!f || mm_store_create(s, &who, "site", site, strlen(site), NULL, &w, &e))
		return die("site", &e);
	char site_id[MM_ID_MAX + 1];
	snprintf(site_id, sizeof site_id, "%s", w.id);
	for (uint64_t i = 0; i < n; i++) {
		char json[256], token[MM_LINK_TOKEN_LEN + 1];
		snprintf(json, sizeof json, "{\"name\":\"端末%llu\",\"site\":\"%s\",\"class\":\"terminal\"}",
			 (unsigned long long)i, site_id);
		if (mm_store_create(s, &who, "asset", json, strlen(json), NULL, &w, &e) ||
		    mm_link_token_issue(s, &who, w.id, 3600, pin, token, &e))
			return die("asset/token", &e);
		fprintf(f, "%s\n", token);
	}
	fclose(f);
	return mm_store_close(s, &e) ? die("close", &e) : 0;
}

struct agent {
	pthread_t th;
	const char *token;
	mm_link_url url;
	uint8_t pin[MM_SHA256_LEN];
	uint8_t sk[MM_ED25519_SK_LEN];
	char agent[MM_ID_MAX + 1], asset[MM_ID_MAX + 1], tenant[MM_TENANT_MAX + 1];
	mm_buf *env; /* K sealed envelopes */
	int64_t *lat_ns;
	unsigned accepted, failed, retries;
	char first_error[MM_ERR_MSG_MAX];
};

static const uint8_t *g_report;
static size_t g_report_len;
static unsigned g_k;
static bool g_peer;
static pthread_barrier_t g_start;

static const char *str_or_empty(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static void enroll(struct agent *a)
{
	uint8_t pk[MM_ED25519_PK_LEN], sig[MM_ED25519_SIG_LEN], sec[MM_LINK_SECRET_LEN];
	char pkhex[65], sighex[129], body[512];
	mm_err e;
	mm_err_clear(&e);
	mm_ed25519_keypair(pk, a->sk);
	if (mm_link_token_parse(a->token, a->pin, sec, &e)) {
		snprintf(a->first_error, sizeof a->first_error, "%s", e.msg);
		return;
	}
	if (g_peer) { /* nobody to enroll with: ids of our own */
		snprintf(a->agent, sizeof a->agent, "agent-peer");
		snprintf(a->asset, sizeof a->asset, "asset-peer");
		return;
	}
	mm_link_enroll_sign(a->token, a->sk, sig);
	mm_hex_encode(pk, sizeof pk, pkhex);
	mm_hex_encode(sig, sizeof sig, sighex);
	snprintf(body, sizeof body, "{\"token\":\"%s\",\"public_key\":\"%s\",\"proof\":\"%s\",\"hostname\":\"bench\"}",
		 a->token, pkhex, sighex);
	mm_buf raw;
	mm_buf_init(&raw, MM_LINK_RESPONSE_MAX);
	mm_link_response r;
	if (mm_link_http_request(&a->url, a->pin, "POST", "/api/v1/agent/enroll", "application/json", body,
				 strlen(body), &raw, &r, &e) || r.status != 201) {
		snprintf(a->first_error, sizeof a->first_error, "enroll: %s (HTTP %u)", e.msg, r.status);
		mm_buf_release(&raw);
		return;
	}
	json_error_t je;
	json_t *o = json_loadb((const char *)r.body, r.body_len, 0, &je);
	snprintf(a->agent, sizeof a->agent, "%s", str_or_empty(o, "agent"));
	snprintf(a->asset, sizeof a->asset, "%s", str_or_empty(o, "asset"));
	snprintf(a->tenant, sizeof a->tenant, "%s", str_or_empty(o, "tenant"));
	json_decref(o);
	mm_buf_release(&raw);
}

/* Seal every report before the clock starts: the client's signing is not what is measured. */
static void seal_all(struct agent *a)
{
	for (unsigned k = 0; k < g_k && a->agent[0]; k++) {
		mm_link_envelope ev;
		memset(&ev, 0, sizeof ev);
		memcpy(ev.agent, a->agent, sizeof ev.agent);
		memcpy(ev.asset, a->asset, sizeof ev.asset);
		memcpy(ev.tenant, a->tenant, sizeof ev.tenant);
		ev.counter = k + 1;
		ev.time_ns = mm_now_ns();
		/* every report differs, as every host's does (attachments are stored by content) */
		mm_buf rep;
		mm_buf_init(&rep, MM_LINK_REPORT_MAX);
		if (g_report_len < 2 || g_report[0] != '{' ||
		    mm_buf_printf(&rep, "{\"bench\":\"%s-%u\",", a->agent, k + 1) ||
		    mm_buf_append(&rep, g_report + 1, g_report_len - 1)) {
			snprintf(a->first_error, sizeof a->first_error, "the report is not a JSON object");
			break;
		}
		ev.report = rep.p;
		ev.report_len = rep.len;
		mm_buf_init(&a->env[k], MM_LINK_ENVELOPE_MAX);
		mm_err e;
		if (mm_link_seal(&ev, a->sk, &a->env[k], &e))
			snprintf(a->first_error, sizeof a->first_error, "seal: %s", e.msg);
		mm_buf_release(&rep);
	}
}

static void *agent_main(void *arg)
{
	struct agent *a = arg;
	enroll(a);
	seal_all(a);
	pthread_barrier_wait(&g_start);
	mm_buf raw;
	mm_buf_init(&raw, MM_LINK_RESPONSE_MAX);
	for (unsigned k = 0; k < g_k && a->agent[0]; k++) {
		mm_link_response r;
		mm_err e;
		mm_err_clear(&e);
		int64_t t0 = mm_mono_ns();
		int rc;
		/* a connection the server turned away before the request went out is retried, as an agent would */
		for (int attempt = 0;; attempt++) {
			mm_err_clear(&e);
			rc = mm_link_http_request(&a->url, a->pin, "POST", "/api/v1/agent/report",
						  "application/vnd.mamori.agent-report", a->env[k].p, a->env[k].len, &raw,
						  &r, &e);
			bool not_sent = rc && (strstr(e.msg, "handshake failed") || strstr(e.msg, "cannot connect"));
			if (!not_sent || attempt == 8)
				break;
			a->retries++;
			long ms = attempt < 6 ? 20L << attempt : 1000; /* 20 ms doubling, then every second */
			struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
			nanosleep(&ts, NULL);
		}
		a->lat_ns[k] = mm_mono_ns() - t0;
		if (!rc && r.status == (g_peer ? 204u : 201u)) {
			a->accepted++;
		} else {
			a->failed++;
			if (!a->first_error[0])
				snprintf(a->first_error, sizeof a->first_error, "report %u: %s (HTTP %u) %.200s", k + 1,
					 rc ? e.msg : "", r.status, r.body ? (const char *)r.body : "");
		}
	}
	mm_buf_release(&raw);
	return NULL;
}

static int cmp64(const void *x, const void *y)
{
	int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
	return (a > b) - (a < b);
}

static int run(const char *url, const char *tokens, uint64_t n, uint64_t k, const char *report, bool peer)
{
	mm_err e;
	mm_err_clear(&e);
	mm_buf rep, tok;
	mm_buf_init(&rep, MM_LINK_REPORT_MAX);
	mm_buf_init(&tok, 64u << 20);
	if (mm_file_read(report, MM_LINK_REPORT_MAX, &rep, &e) || mm_file_read(tokens, 64u << 20, &tok, &e))
		return die("read", &e);
	g_report = rep.p;
	g_report_len = rep.len;
	g_k = (unsigned)k;
	g_peer = peer;
	struct agent *ag = calloc(n, sizeof *ag);
	int64_t *lat = calloc(n * k, sizeof *lat);
	mm_buf *env = calloc(n * k, sizeof *env);
	if (!ag || !lat || !env)
		return die("out of memory", NULL);
	char *save = NULL, *line = strtok_r((char *)tok.p, "\n", &save);
	mm_link_url u;
	if (mm_link_url_parse(url, &u, &e))
		return die("url", &e);
	pthread_barrier_init(&g_start, NULL, (unsigned)n + 1);
	for (uint64_t i = 0; i < n; i++) {
		if (!line)
			return die("fewer tokens than agents", NULL);
		ag[i].token = line;
		ag[i].url = u;
		ag[i].env = env + i * k;
		ag[i].lat_ns = lat + i * k;
		line = strtok_r(NULL, "\n", &save);
		if (pthread_create(&ag[i].th, NULL, agent_main, &ag[i]))
			return die("pthread_create", NULL);
	}
	pthread_barrier_wait(&g_start);
	int64_t t0 = mm_mono_ns();
	unsigned acc = 0, failed = 0, enrolled = 0, retries = 0;
	for (uint64_t i = 0; i < n; i++) {
		pthread_join(ag[i].th, NULL);
		acc += ag[i].accepted;
		failed += ag[i].failed;
		retries += ag[i].retries;
		enrolled += ag[i].agent[0] != 0;
		if (ag[i].first_error[0] && failed + (ag[i].agent[0] == 0) <= 3)
			fprintf(stderr, "agent %llu: %s\n", (unsigned long long)i, ag[i].first_error);
	}
	double secs = (double)(mm_mono_ns() - t0) / 1e9;
	size_t m = (size_t)(n * k);
	qsort(lat, m, sizeof *lat, cmp64);
	printf("agents %u enrolled %u accepted %u of %zu failed %u retries %u seconds %.3f rate %.0f p50_ms %.1f p99_ms %.1f bytes %zu\n",
	       (unsigned)n, enrolled, acc, m, failed, retries, secs, acc / secs, lat[m / 2] / 1e6, lat[m * 99 / 100] / 1e6,
	       env[0].len);
	for (size_t i = 0; i < m; i++)
		mm_buf_release(&env[i]);
	for (uint64_t i = 0; i < n; i++)
		mm_wipe(ag[i].sk, sizeof ag[i].sk);
	free(env);
	free(lat);
	free(ag);
	mm_buf_release(&rep);
	mm_buf_wipe(&tok);
	pthread_barrier_destroy(&g_start);
	return acc == m ? 0 : 1;
}

/* In-process ingest, no TLS: N threads call mm_link_ingest as the server's handlers do (the store's ceiling). */
struct local {
	pthread_t th;
	mm_store *s;
	mm_buf *env;
	unsigned k, accepted;
	int64_t *lat_ns;
};

static void *local_main(void *arg)
{
	struct local *l = arg;
	pthread_barrier_wait(&g_start);
	for (unsigned k = 0; k < l->k; k++) {
		mm_link_result res;
		mm_err e;
		int64_t t0 = mm_mono_ns();
		if (mm_link_ingest(l->s, l->env[k].p, l->env[k].len, &res, &e) == MM_OK && !res.code)
			l->accepted++;
		else if (l->accepted + 1 == k + 1)
			fprintf(stderr, "ingest: %s %s\n", res.code ? res.code : "", res.code ? res.reason : e.msg);
		l->lat_ns[k] = mm_mono_ns() - t0;
	}
	return NULL;
}

static int local(const char *db, const char *schema, uint64_t n, uint64_t k, const char *report)
{
	mm_err e;
	mm_err_clear(&e);
	mm_store_paths p;
	mm_store *s = NULL;
	mm_buf rep;
	mm_buf_init(&rep, MM_LINK_REPORT_MAX);
	uint8_t pin[MM_SHA256_LEN] = {0};
	if (mm_file_read(report, MM_LINK_REPORT_MAX, &rep, &e) || mm_store_paths_for(db, NULL, &p, &e) ||
	    mm_store_open(db, schema, MM_STORE_WRITE, &s, &e))
		return die("open", &e);
	mm_actor who = {"bench", "admin", NULL};
	mm_write_result w;
	const char *site = "{\"name\":\"bench site\"}";
	if (mm_store_create(s, &who, "site", site, strlen(site), NULL, &w, &e))
		return die("site", &e);
	char site_id[MM_ID_MAX + 1];
	snprintf(site_id, sizeof site_id, "%s", w.id);
	/* MM_BENCH_ITEMS: that many open automated inspection items of another asset, which every ingest looks past */
	uint64_t items = 0;
	const char *ie = getenv("MM_BENCH_ITEMS");
	if (ie && !mm_parse_u64(ie, 1000000, &items))
		return die("MM_BENCH_ITEMS is not a number", NULL);
	if (items) {
		char json[512], other[MM_ID_MAX + 1], camp[MM_ID_MAX + 1];
		snprintf(json, sizeof json, "{\"name\":\"other\",\"site\":\"%s\",\"class\":\"terminal\"}", site_id);
		if (mm_store_create(s, &who, "asset", json, strlen(json), NULL, &w, &e))
			return die("asset", &e);
		snprintf(other, sizeof other, "%s", w.id);
		snprintf(json, sizeof json, "{\"title\":\"bench\",\"fiscal_year\":2026}");
		if (mm_store_create(s, &who, "inspection_campaign", json, strlen(json), NULL, &w, &e))
			return die("campaign", &e);
		snprintf(camp, sizeof camp, "%s", w.id);
		for (uint64_t i = 0; i < items; i++) {
			snprintf(json, sizeof json,
				 "{\"campaign\":\"%s\",\"asset\":\"%s\",\"target\":\"terminal\",\"item_no\":%llu,"
				 "\"item\":\"x\",\"method\":\"automated\"}",
				 camp, other, (unsigned long long)(i % 16 + 1));
			if (mm_store_create(s, &who, "inspection_item", json, strlen(json), NULL, &w, &e))
				return die("item", &e);
		}
	}
	struct local *l = calloc(n, sizeof *l);
	mm_buf *env = calloc(n * k, sizeof *env);
	int64_t *lat = calloc(n * k, sizeof *lat);
	if (!l || !env || !lat)
		return die("out of memory", NULL);
	g_report = rep.p;
	g_report_len = rep.len;
	for (uint64_t i = 0; i < n; i++) {
		char json[256], token[MM_LINK_TOKEN_LEN + 1];
		uint8_t pk[32], sk[64], sig[64];
		snprintf(json, sizeof json, "{\"name\":\"t%llu\",\"site\":\"%s\",\"class\":\"terminal\"}",
			 (unsigned long long)i, site_id);
		if (mm_store_create(s, &who, "asset", json, strlen(json), NULL, &w, &e) ||
		    mm_link_token_issue(s, &who, w.id, 3600, pin, token, &e))
			return die("asset/token", &e);
		mm_ed25519_keypair(pk, sk);
		mm_link_enroll_sign(token, sk, sig);
		mm_link_result res;
		if (mm_link_enroll(s, token, pk, sig, "bench", &res, &e) || res.code)
			return die("enroll", &e);
		struct agent a;
		memset(&a, 0, sizeof a);
		memcpy(a.sk, sk, sizeof sk);
		snprintf(a.agent, sizeof a.agent, "%s", res.agent);
		snprintf(a.asset, sizeof a.asset, "%s", res.asset);
		a.env = env + i * k;
		g_k = (unsigned)k;
		seal_all(&a);
		l[i] = (struct local){.s = s, .env = env + i * k, .k = (unsigned)k, .lat_ns = lat + i * k};
	}
	pthread_barrier_init(&g_start, NULL, (unsigned)n + 1);
	for (uint64_t i = 0; i < n; i++)
		pthread_create(&l[i].th, NULL, local_main, &l[i]);
	pthread_barrier_wait(&g_start);
	int64_t t0 = mm_mono_ns();
	unsigned acc = 0;
	for (uint64_t i = 0; i < n; i++) {
		pthread_join(l[i].th, NULL);
		acc += l[i].accepted;
	}
	double secs = (double)(mm_mono_ns() - t0) / 1e9;
	size_t m = (size_t)(n * k);
	qsort(lat, m, sizeof *lat, cmp64);
	printf("threads %u accepted %u of %zu seconds %.3f rate %.0f p50_ms %.1f p99_ms %.1f\n", (unsigned)n, acc, m,
	       secs, acc / secs, lat[m / 2] / 1e6, lat[m * 99 / 100] / 1e6);
	for (size_t i = 0; i < m; i++)
		mm_buf_release(&env[i]);
	free(env);
	free(lat);
	free(l);
	mm_buf_release(&rep);
	pthread_barrier_destroy(&g_start);
	return mm_store_close(s, &e) ? die("close", &e) : acc == m ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t n, k;
	if (mm_crypto_init() != MM_OK)
		return 2;
	if (argc == 6 && strcmp(argv[1], "setup") == 0 && mm_parse_u64(argv[4], 100000, &n))
		return setup(argv[2], argv[3], n, argv[5]);
	if (argc == 7 && strcmp(argv[1], "local") == 0 && mm_parse_u64(argv[4], 10000, &n) && n &&
	    mm_parse_u64(argv[5], 100000, &k) && k)
		return local(argv[2], argv[3], n, k, argv[6]);
	if ((argc == 7 || argc == 8) && strcmp(argv[1], "run") == 0 && mm_parse_u64(argv[4], 10000, &n) && n &&
	    mm_parse_u64(argv[5], 100000, &k) && k)
		return run(argv[2], argv[3], n, k, argv[6], argc == 8 && strcmp(argv[7], "peer") == 0);
	fprintf(stderr, "usage: bench_agents setup DB SCHEMA N TOKENS\n"
			"       bench_agents run URL TOKENS N K REPORT [peer]\n"
			"       bench_agents local DB SCHEMA N K REPORT\n");
	return 2;
}
