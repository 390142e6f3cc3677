/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two batch operations: create the baseline (resuming an interrupted
 * one from its journal) and check the machine against it — compare, scan
 * new and changed files for malware, quarantine what must not stay, report.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "fim/fim_int.h"
#include "base/banned.h"

int mm_fim_baseline(const mm_fim_config *cfg, mm_fim_state *st, FILE *warn, mm_fim_report *rep, mm_err *err)
{
	mm_fim_set prev, cur;
	mm_fim_set_init(&prev);
	mm_fim_set_init(&cur);
	int rc = mm_fim_state_lock(st, err);
	if (rc)
		goto out;
	mm_err jerr;
	bool resume = mm_fim_journal_load(st, cfg->digest, &prev, &jerr) == MM_OK;
	if (resume && warn)
		fprintf(warn, "mamori-agent: resuming an interrupted baseline (%zu files already hashed)\n", prev.n);
	mm_fim_scan_opts o = {.prev = resume ? &prev : NULL, .vault = st, .journal = st,
			      .files_per_second = cfg->files_per_second, .warn = warn};
	mm_fim_scan_stats stats;
	rc = mm_fim_scan(cfg, &o, &cur, &stats, err);
	if (rc)
		goto out; /* the journal stays: the next run resumes */
	if ((rc = mm_fim_vault_sync(st, err)) || (rc = mm_fim_state_save(st, &cur, err)))
		goto out;
	mm_fim_journal_remove(st);
	mm_fim_report_count(rep, "files", cur.n);
	mm_fim_report_count(rep, "hashed", stats.hashed);
	mm_fim_report_count(rep, "resumed", stats.reused);
	mm_fim_report_count(rep, "vaulted", stats.vaulted);
	mm_fim_report_count(rep, "bytes_hashed", stats.bytes_hashed);
	mm_fim_report_count(rep, "warnings", stats.warnings);
out:
	mm_fim_set_release(&prev);
	mm_fim_set_release(&cur);
	return rc;
}

/* Scan one added/changed file and quarantine it when it must not stay. */
int fim_respond(const mm_fim_config *cfg, mm_fim_state *st, mm_fim_av *av, mm_fim_report *rep,
		   const mm_fim_set *s, const mm_fim_rec *r, bool added, FILE *warn)
{
	const char *path = mm_fim_rec_path(s, r);
	const char *why = NULL;
	char reason[320];
	int rc = MM_OK;
	if (av && r->size <= cfg->malware_max_size) {
		const char *vir = NULL;
		mm_err e;
		mm_err_clear(&e);
		if (mm_fim_av_scan(av, path, &vir, &e) != MM_OK) {
			if (warn)
				fprintf(warn, "mamori-agent: warning: %s\n", e.msg);
		} else if (vir) {
			snprintf(reason, sizeof reason, "malware %s", vir);
			why = reason;
			if ((rc = mm_fim_report_event(rep, MM_FIM_EV_MALWARE, path, NULL, NULL, s, r, vir)))
				return rc;
			fim_log_event(st, "malware", path, vir);
		}
	}
	if (!why && added && (r->mode & 0111)) {
		const mm_fim_root *root = mm_fim_config_scope(cfg, path, false);
		if (root && root->deny_new_exec)
			why = "new executable where none may appear";
	}
	if (!why || (av && !cfg->quarantine && strncmp(why, "malware", 7) == 0))
		return MM_OK;
	char id[80];
	mm_err e;
	mm_err_clear(&e);
	if (mm_fim_quarantine(st, path, why, id, sizeof id, &e) != MM_OK) {
		fim_log_event(st, "error", path, e.msg);
		return mm_fim_report_event(rep, MM_FIM_EV_ERROR, path, NULL, NULL, NULL, NULL, e.msg);
	}
	char detail[400];
	snprintf(detail, sizeof detail, "%s; vault quarantine id %s", why, id);
	fim_log_event(st, "quarantined", path, detail);
	return mm_fim_report_event(rep, MM_FIM_EV_QUARANTINED, path, NULL, NULL, s, r, detail);
}

/* Report one difference: expected (a maintenance window explains it) or a change. */
static int judge_one(const mm_fim_config *cfg, mm_fim_state *st, mm_fim_av *av, fim_maint *maint,
		     const mm_fim_set *base, const mm_fim_rec *a, const mm_fim_set *cur, const mm_fim_rec *b,
		     unsigned d, mm_fim_report *rep, uint64_t *changes, FILE *warn, bool *expected)
{
	const char *path = b ? mm_fim_rec_path(cur, b) : mm_fim_rec_path(base, a);
	char detail[400];
	int rc;
	*expected = maint && fim_maint_expected(maint, path, cur, b, detail, sizeof detail);
	if (*expected) {
		fim_log_event(st, "expected", path, detail);
		rc = mm_fim_report_event(rep, MM_FIM_EV_EXPECTED, path, a ? base : NULL, a, b ? cur : NULL, b, detail);
		/* the package's content is still scanned; a new package binary is not "new executable" */
		if (!rc && b && b->type == MM_FIM_REG && (!a || (d & (MM_FIM_CH_SHA | MM_FIM_CH_TYPE))))
			rc = fim_respond(cfg, st, av, rep, cur, b, false, warn);
		return rc;
	}
	(*changes)++;
	mm_fim_ev_kind k = !a ? MM_FIM_EV_ADDED : !b ? MM_FIM_EV_REMOVED : MM_FIM_EV_MODIFIED;
	rc = mm_fim_report_event(rep, k, path, a ? base : NULL, a, b ? cur : NULL, b, NULL);
	if (!rc && b && b->type == MM_FIM_REG && (!a || (d & (MM_FIM_CH_SHA | MM_FIM_CH_TYPE))))
		rc = fim_respond(cfg, st, av, rep, cur, b, !a, warn);
	return rc;
}

int fim_compare(const mm_fim_config *cfg, mm_fim_state *st, mm_fim_av *av, fim_maint *maint, const mm_fim_set *base,
		const uint8_t *seen, const mm_fim_set *cur, mm_fim_report *rep, uint64_t *changes, FILE *warn,
		mm_fim_set *fold)
{
	size_t i = 0, k = 0;
	int rc = MM_OK;
	bool exp = false;
	*changes = 0;
	while ((i < base->n || k < cur->n) && !rc) {
		const mm_fim_rec *a = i < base->n ? &base->recs[i] : NULL;
		const mm_fim_rec *b = k < cur->n ? &cur->recs[k] : NULL;
		int c;
		if (!a)
			c = 1;
		else if (!b)
			c = -1;
		else {
			size_t n = a->path_len < b->path_len ? a->path_len : b->path_len;
			c = memcmp(base->arena.p + a->path_off, cur->arena.p + b->path_off, n);
			if (!c)
				c = a->path_len < b->path_len ? -1 : a->path_len > b->path_len;
		}
		if (c < 0 && fim_seen(seen, i)) {
			if (fold)
				rc = mm_fim_set_add(fold, a, base);
			i++; /* unchanged: the scan did not keep it */
		} else if (c < 0) {
			rc = judge_one(cfg, st, av, maint, base, a, cur, NULL, 0, rep, changes, warn, &exp);
			if (!rc && fold && !exp)
				rc = mm_fim_set_add(fold, a, base);
			i++;
		} else if (c > 0) {
			rc = judge_one(cfg, st, av, maint, base, NULL, cur, b, 0, rep, changes, warn, &exp);
			if (!rc && fold && exp)
				rc = mm_fim_set_add(fold, b, cur);
			k++;
		} else {
			unsigned d = mm_fim_rec_diff(base, a, cur, b);
			exp = !d;
			if (d)
				rc = judge_one(cfg, st, av, maint, base, a, cur, b, d, rep, changes, warn, &exp);
			if (!rc && fold)
				rc = exp ? mm_fim_set_add(fold, b, cur) : mm_fim_set_add(fold, a, base);
			i++;
			k++;
		}
	}
	return rc;
}

int mm_fim_check(const mm_fim_config *cfg, mm_fim_state *st, const mm_fim_check_opts *o, mm_fim_report *rep,
		 uint64_t *changes, mm_err *err)
{
	mm_fim_set base, cur;
	mm_fim_set_init(&base);
	mm_fim_set_init(&cur);
	mm_fim_av *av = NULL;
	uint8_t *seen = NULL;
	fim_maint *maint = NULL;
	*changes = 0;
	int rc = mm_fim_state_load(st, &base, err);
	if (rc)
		goto out;
	if (memcmp(base.cfg_digest, cfg->digest, MM_SHA256_LEN) != 0 && o->warn)
		fprintf(o->warn, "mamori-agent: warning: the paths or patterns changed since the baseline was "
				 "made; differences may come from that\n");
	if (cfg->malware_db && (rc = mm_fim_av_open(cfg->malware_db, &av, err)))
		goto out;
	seen = calloc(base.n / 8 + 1, 1);
	if (!seen) {
		rc = mm_err_set(err, MM_ENOMEM, "out of memory");
		goto out;
	}
	mm_fim_scan_opts so = {.prev = &base, .full = o->full, .warn = o->warn,
			       .files_per_second = cfg->files_per_second, .seen = seen};
	mm_fim_scan_stats stats;
	if ((rc = mm_fim_scan(cfg, &so, &cur, &stats, err)))
		goto out;
	if ((rc = fim_maint_open(cfg, st, NULL, o->warn, &maint, err)))
		goto out;
	if ((rc = fim_compare(cfg, st, av, maint, &base, seen, &cur, rep, changes, o->warn, NULL))) {
		mm_err_set(err, rc, "report: %s", mm_strerror(rc));
		goto out;
	}
	mm_fim_report_count(rep, "files", stats.files);
	mm_fim_report_count(rep, "hashed", stats.hashed);
	mm_fim_report_count(rep, "reused", stats.reused);
	mm_fim_report_count(rep, "warnings", stats.warnings);
	if (av) {
		unsigned sigs;
		mm_fim_av_info(av, &sigs, NULL);
		mm_fim_report_count(rep, "malware_signatures", sigs);
	}
out:
	fim_maint_close(maint);
	free(seen);
	mm_fim_av_close(av);
	mm_fim_set_release(&base);
	mm_fim_set_release(&cur);
	return rc;
}
