/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy: checks over the fact tables. Loads policies and site files (YAML
 * or JSON; every error names file, line and column), evaluates each check's
 * read-only SQL against an mm_facts database with the site's parameters
 * bound as the table `params`, adds drift checks against a baseline
 * snapshot, and renders the result as the JSON report the server ingests
 * (docs/report-format.md) or as text for an inspector (ja/en).
 */
#ifndef MM_POLICY_H
#define MM_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/mm_base.h"
#include "facts/mm_facts.h"

typedef struct mm_policy mm_policy;
typedef struct mm_site mm_site;

/*
 * Resolve a policy argument: a path to an existing file is used as is;
 * otherwise NAME ([a-z0-9-]+) becomes DATA/policies/NAME.yaml where DATA
 * is $MAMORI_DATA or the build's MM_DATA_DIR. Writes the path to out.
 */
int mm_policy_resolve(const char *arg, char *out, size_t cap, mm_err *err) MM_MUST_USE;

/*
 * Load a policy file (.json is strict JSON, anything else YAML). On
 * failure err reads "FILE:LINE:COLUMN: reason" and nothing is returned.
 * *out is owned by the caller (mm_policy_free).
 */
int mm_policy_load(mm_policy **out, const char *path, mm_err *err) MM_MUST_USE;
/* The same from memory; name is used in messages (fuzz targets, tests). */
int mm_policy_load_buffer(mm_policy **out, const char *name, const void *data, size_t len,
			  bool json, mm_err *err) MM_MUST_USE;
void mm_policy_free(mm_policy *p);
/* Identity: static strings owned by p. */
const char *mm_policy_id(const mm_policy *p);
size_t mm_policy_check_count(const mm_policy *p);

/*
 * The inspection items a policy declares ("items:"; e.g. "002 別紙1 §4 端末3")
 * in file order, with their titles and whether any check of the item is
 * automated (has SQL) — otherwise every check of it is manual (attested by a
 * person). Strings are owned by p. i must be < mm_policy_item_count(p).
 */
typedef struct mm_policy_item {
	const char *key, *title_ja, *title_en;
	bool automated;
} mm_policy_item;
size_t mm_policy_item_count(const mm_policy *p);
mm_policy_item mm_policy_item_at(const mm_policy *p, size_t i);

/* Site parameters (approved accounts, allowed services...). Same formats and errors. */
int mm_site_load(mm_site **out, const char *path, mm_err *err) MM_MUST_USE;
int mm_site_load_buffer(mm_site **out, const char *name, const void *data, size_t len, bool json,
			mm_err *err) MM_MUST_USE;
void mm_site_free(mm_site *s);
/* The site's role: "terminal", "cs", or "any" when the file names none (static). */
const char *mm_site_role(const mm_site *s);

/* What to evaluate; site and baseline_path may be NULL. */
typedef struct mm_eval_opts {
	const mm_policy *policy;
	const mm_site *site;
	const char *baseline_path;
} mm_eval_opts;

/*
 * Evaluate every check against the collected facts f (mm_facts_collect
 * done). After this f's database is read-only. Errors of single checks
 * are results; a failure here (bad site parameter, unreadable baseline,
 * ENOMEM) returns non-zero with err set. *report is a new reference the
 * caller releases with json_decref; its shape is docs/report-format.md.
 */
int mm_policy_evaluate(mm_facts *f, const mm_eval_opts *o, json_t **report, mm_err *err)
	MM_MUST_USE;

/* Exit status for a report: 1 if any check failed, else 2 if any errored, else 0. */
int mm_policy_exit_status(const json_t *report);

/*
 * Canonical bytes of a report: compact JSON, keys sorted, UTF-8, with
 * the "signature" member left out. This is what is signed.
 */
int mm_policy_canonical(const json_t *report, mm_buf *out) MM_MUST_USE;
/* Sign the canonical bytes with an Ed25519 key; sets report.signature. */
int mm_policy_sign(json_t *report, const uint8_t sk[64], mm_err *err) MM_MUST_USE;
/* Verify report.signature against pk; true only if it holds. */
bool mm_policy_verify(const json_t *report, const uint8_t pk[32]);

/* Render the report for an inspector, Japanese (ja) or English, appended to out. */
int mm_policy_render_text(const json_t *report, bool ja, mm_buf *out) MM_MUST_USE;
/* Whether the locale (LC_ALL, LC_MESSAGES, LANG in that order) asks for Japanese. */
bool mm_policy_locale_ja(void);

/*
 * Snapshot the tables that matter for drift (accounts, groups, firewall,
 * shares, enabled services, listening sockets, packages, network, USB
 * devices) as a JSON document appended to out (docs/report-format.md).
 */
int mm_baseline_create(mm_facts *f, mm_buf *out, mm_err *err) MM_MUST_USE;

#endif
