/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compliance and dashboard API: GET /api/v1/compliance (every
 * requirement's status with the records that cause it), GET
 * /api/v1/dashboard (the dashboard's aggregates) and GET
 * /api/v1/dashboard/chart/{requirements,sla,inspection}.svg (charts drawn
 * by src/compliance). Read-only; every role may read, and only the
 * records of the caller's own organisation are evaluated.
 *
 * A dashboard page asks for the dashboard and three charts at once; the
 * last evaluations are kept (per organisation, while the ledger has not
 * grown and for at most CACHE_SECONDS) so the four cost one evaluation.
 * Evaluations at an explicit ?at= are never cached.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "compliance/mm_compliance.h"
#include "sla/mm_sla.h"
#include "server/server_int.h"
#include "base/banned.h"

static const char *const readers[] = {"admin", "contractor-manager", "contractor-operator", "municipality-approver",
				      "municipality-viewer", "auditor", NULL};

static bool may_read(struct ctx *x)
{
	for (const char *const *r = readers; *r; r++)
		if (strcmp(x->sess.role, *r) == 0)
			return true;
	mm_err e;
	mm_err_clear(&e);
	if (mm_auth_denied(x->srv->auth, &x->sess, "compliance.read", "", &e))
		fprintf(stderr, "mamori serve: cannot record a denial: %s\n", e.msg);
	reply_error(x, 403, "forbidden", NULL);
	return false;
}

#define CACHE_SLOTS 8
#define CACHE_SECONDS 30

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char tenant[MM_TENANT_MAX + 1];
	uint64_t size; /* ledger entries when evaluated: any write makes it stale */
	int64_t at;
	json_t *eval, *dash;
} cache[CACHE_SLOTS];
static size_t cache_next;

/* Copies of a fresh cached evaluation for tenant (true), or nothing (false). */
static bool cache_get(const char *tenant, uint64_t size, int64_t now, json_t **eval, json_t **dash)
{
	bool hit = false;
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < CACHE_SLOTS && !hit; i++) {
		if (!cache[i].eval || cache[i].size != size || strcmp(cache[i].tenant, tenant) != 0 ||
		    now - cache[i].at < 0 || now - cache[i].at > CACHE_SECONDS)
			continue;
		*eval = json_deep_copy(cache[i].eval);
		if (dash)
			*dash = json_deep_copy(cache[i].dash);
		hit = *eval && (!dash || *dash);
		if (!hit) { /* out of memory: evaluate afresh */
			json_decref(*eval);
			*eval = NULL;
			if (dash) {
				json_decref(*dash);
				*dash = NULL;
			}
		}
	}
	pthread_mutex_unlock(&cache_mu);
	return hit;
}

static void cache_put(const char *tenant, uint64_t size, int64_t now, const json_t *eval, const json_t *dash)
{
	json_t *e = json_deep_copy(eval), *d = json_deep_copy(dash);
	if (!e || !d || strlen(tenant) > MM_TENANT_MAX) {
		json_decref(e);
		json_decref(d);
		return;
	}
	pthread_mutex_lock(&cache_mu);
	size_t i = cache_next++ % CACHE_SLOTS;
	json_decref(cache[i].eval);
	json_decref(cache[i].dash);
	snprintf(cache[i].tenant, sizeof cache[i].tenant, "%s", tenant);
	cache[i].size = size;
	cache[i].at = now;
	cache[i].eval = e;
	cache[i].dash = d;
	pthread_mutex_unlock(&cache_mu);
}

/* Evaluate for the caller at ?at= (ISO-8601) or now; with dash, the dashboard too. */
static bool evaluate(struct ctx *x, json_t **eval, json_t **dash)
{
	mm_catalogue *cat = NULL;
	mm_contract *contract = NULL;
	json_t *records = NULL;
	mm_err e;
	mm_err_clear(&e);
	char path[4096];
	bool ok = false;
	int64_t now = mm_now_ns() / 1000000000LL;
	*eval = NULL;
	if (dash)
		*dash = NULL;
	const char *at = ctx_query(x, "at");
	if (at && mm_cal_parse_instant(at, &now, &e)) {
		char d[MM_ERR_MSG_MAX + 40];
		snprintf(d, sizeof d, "query parameter 'at': %s", e.msg);
		reply_error(x, 400, "bad_request", d);
		return false;
	}
	const char *tenant = x->sess.tenant;
	uint64_t size = mm_ledger_size(mm_store_ledger(x->srv->store));
	json_t *dummy = NULL;
	if (!at && cache_get(tenant, size, now, eval, dash ? dash : NULL))
		return true;
	mm_actor who = {.name = x->sess.user, .role = x->sess.role, .tenant = tenant};
	mm_compliance_input in;
	memset(&in, 0, sizeof in);
	if (mm_catalogue_default_path(path, sizeof path, &e) || mm_catalogue_load(path, &cat, &e) ||
	    mm_sla_contract_load(mm_sla_default_contract_path(), &contract, &e) ||
	    mm_compliance_read(x->srv->store, &who, cat, &in, &records, &e))
		goto fail;
	in.cal = &contract->cal;
	if (mm_compliance_eval(cat, &in, now, eval, &e) ||
	    mm_compliance_dashboard(cat, &in, *eval, now, dash ? dash : &dummy, &e))
		goto fail;
	if (!at)
		cache_put(tenant, size, now, *eval, dash ? *dash : dummy);
	ok = true;
	goto out;
fail:
	fprintf(stderr, "mamori serve: compliance: %s\n", e.msg);
	reply_error(x, 500, "internal", NULL);
	json_decref(*eval);
	*eval = NULL;
out:
	json_decref(dummy);
	json_decref(records);
	mm_sla_contract_free(contract);
	mm_catalogue_free(cat);
	return ok;
}

static void reply_owned(struct ctx *x, json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!s) {
		reply_error(x, 500, "internal", NULL);
		return;
	}
	reply_json(x, 200, s, strlen(s));
	free(s);
}

void dash_compliance(struct ctx *x)
{
	json_t *eval;
	if (may_read(x) && evaluate(x, &eval, NULL))
		reply_owned(x, eval);
}

void dash_dashboard(struct ctx *x)
{
	json_t *eval, *dash;
	if (!may_read(x) || !evaluate(x, &eval, &dash))
		return;
	json_decref(eval);
	reply_owned(x, dash);
}

void dash_chart(struct ctx *x)
{
	static const struct {
		const char *name;
		mm_chart which;
	} charts[] = {
		{"requirements.svg", MM_CHART_REQUIREMENTS},
		{"sla.svg", MM_CHART_SLA},
		{"inspection.svg", MM_CHART_INSPECTION},
	};
	size_t i = 0;
	while (i < sizeof charts / sizeof charts[0] && strcmp(charts[i].name, x->route.arg) != 0)
		i++;
	if (i == sizeof charts / sizeof charts[0]) {
		reply_error(x, 404, "not_found", "charts: requirements.svg, sla.svg, inspection.svg");
		return;
	}
	json_t *eval, *dash;
	if (!may_read(x) || !evaluate(x, &eval, &dash))
		return;
	mm_err e;
	mm_err_clear(&e);
	mm_buf_reset(&x->rp->body);
	/* an <img> cannot send X-Mamori-Lang: the page names its language in the query */
	const char *lang = ctx_query(x, "lang");
	if (!lang || (strcmp(lang, "ja") != 0 && strcmp(lang, "en") != 0))
		lang = x->lang;
	if (mm_compliance_chart(charts[i].which, dash, lang, &x->rp->body, &e)) {
		reply_mm_error(x, &e);
	} else {
		x->rp->status = 200;
		x->rp->ctype = "image/svg+xml; charset=utf-8";
	}
	json_decref(eval);
	json_decref(dash);
}
