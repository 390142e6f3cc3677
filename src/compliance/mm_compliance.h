/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compliance: the requirements catalogue of REQUIREMENTS.md as data
 * (data/catalogue/catalogue.json, format in docs/catalogue.md) — every
 * capability C1–C18, the contract clauses behind it, and the evidence
 * rules that say which records prove it — and a small engine that
 * evaluates those rules over the records at a given instant: met, at-risk
 * (due soon), missed or no-evidence per requirement, with the ids of the
 * records that cause it. Also the dashboard's aggregates and its SVG
 * charts. Everything is a pure function of (catalogue, records, now), so
 * results are exact in tests.
 */
#ifndef MM_COMPLIANCE_H
#define MM_COMPLIANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/mm_base.h"
#include "cal/mm_cal.h"
#include "store/mm_store.h"

#define MM_CATALOGUE_FORMAT "mamori-catalogue/1"

/* A status, ordered from best to worst: a requirement takes its worst rule's. */
typedef enum mm_cstatus {
	MM_CS_MET = 0,
	MM_CS_NO_EVIDENCE,
	MM_CS_AT_RISK,
	MM_CS_MISSED,
} mm_cstatus;

/* "met", "no-evidence", "at-risk", "missed". */
const char *mm_cstatus_name(mm_cstatus s);

/* A loaded, validated catalogue; owns its JSON. */
typedef struct mm_catalogue mm_catalogue;

/*
 * Parse and validate a catalogue from text (n bytes, at most
 * MM_CATALOGUE_FILE_MAX). Strict: unknown keys, missing titles in either
 * language, unknown rule types and bad parameters are MM_EINVAL with
 * "LABEL: $.json.path: reason". *out is owned by the caller.
 */
int mm_catalogue_parse(const char *text, size_t n, const char *label, mm_catalogue **out,
		       mm_err *err) MM_MUST_USE;
/* Read and parse a catalogue file (errors name the path). */
int mm_catalogue_load(const char *path, mm_catalogue **out, mm_err *err) MM_MUST_USE;
void mm_catalogue_free(mm_catalogue *c);
/*
 * Check the rules against the record kinds of schema: every kind a rule
 * names exists, and so do the fields and states it names in that kind.
 * Errors as for parsing ("LABEL: $.requirements[6].rules[0]: 'due_field':
 * kind fault has no field 'due'"). mm_compliance_read calls it.
 */
int mm_catalogue_check(const mm_catalogue *c, const mm_schema *schema, mm_err *err) MM_MUST_USE;
/* The shipped catalogue: $MAMORI_DATA/catalogue/catalogue.json, else the build's data dir. */
int mm_catalogue_default_path(char *out, size_t n, mm_err *err) MM_MUST_USE;
/* The number of requirements and the catalogue's JSON (borrowed, lives as long as c). */
size_t mm_catalogue_count(const mm_catalogue *c);
const json_t *mm_catalogue_json(const mm_catalogue *c);

/*
 * What the rules are evaluated over. records maps a kind name to a JSON
 * array of records in the store's format (id, kind, state, data, created,
 * …); a kind absent from it has no records. cal measures 開庁日. The ledger
 * facts serve the "ledger" rule; has_ledger false makes it no-evidence.
 * Borrowed: the caller keeps everything alive during the call.
 */
typedef struct mm_compliance_input {
	const json_t *records;
	const mm_cal *cal;
	bool has_ledger;
	bool ledger_ok;            /* mm_ledger_verify found nothing wrong */
	uint64_t ledger_bad_seq;
	uint64_t ledger_size;
	int64_t checkpoint_s;      /* time of the latest signed checkpoint (Unix seconds), 0 if none */
	uint64_t checkpoint_size;
} mm_compliance_input;

/*
 * Evaluate every requirement at instant now (Unix seconds). *out gets a
 * new JSON object (docs/catalogue.md "Evaluation result"): a summary
 * count per status and per requirement its status, titles, clauses and
 * per rule the counts and the causing records (at most
 * MM_COMPLIANCE_CAUSES_MAX each, with the total). Caller owns *out.
 */
int mm_compliance_eval(const mm_catalogue *c, const mm_compliance_input *in, int64_t now, json_t **out,
		       mm_err *err) MM_MUST_USE;

/*
 * The dashboard at instant now, from an evaluation result (eval, borrowed)
 * and the same input: requirement statuses, overdue items, the month's SLA
 * results, inspection pass rate per site, open faults with due times and
 * agents silent for longer than the catalogue's agent rule allows. *out is
 * a new JSON object (docs/catalogue.md "Dashboard").
 */
int mm_compliance_dashboard(const mm_catalogue *c, const mm_compliance_input *in, const json_t *eval,
			    int64_t now, json_t **out, mm_err *err) MM_MUST_USE;

/*
 * Read what the catalogue's rules need from a store, as who sees it:
 * every record of each kind named by a rule or by the dashboard into
 * *records (a new JSON object the caller releases), and the ledger facts
 * (a full verification and the latest checkpoint) into in. in->records
 * is set to *records; in->cal is left to the caller.
 */
int mm_compliance_read(mm_store *s, const mm_actor *who, const mm_catalogue *c, mm_compliance_input *in,
		       json_t **records, mm_err *err) MM_MUST_USE;

/* Charts (SVG 1.1, well-formed, accessible), appended to out; lang "ja" or "en". */
typedef enum mm_chart {
	MM_CHART_REQUIREMENTS, /* requirements per status */
	MM_CHART_SLA,          /* the month's SLA results: met, missed with reason, missed, pending */
	MM_CHART_INSPECTION,   /* pass rate per site */
} mm_chart;

int mm_compliance_chart(mm_chart which, const json_t *dashboard, const char *lang, mm_buf *out,
			mm_err *err) MM_MUST_USE;

/* Append s to out with the five XML special characters escaped (and control characters dropped). */
int mm_xml_escape(mm_buf *out, const char *s) MM_MUST_USE;

#endif
