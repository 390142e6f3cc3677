/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading what an evaluation needs from a store: the records of every kind
 * a rule or the dashboard names (as the actor sees them: own tenant only)
 * and the ledger facts — a full verification and the latest checkpoint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compliance/compliance_int.h"
#include "note/mm_note.h"
#include "base/banned.h"

static const char *const dashboard_kinds[] = {"fault", "inspection_item", "asset", "site", "agent", NULL};

static int add_kind(mm_store *s, const mm_actor *who, const char *kind, json_t *records, mm_err *err)
{
	if (!kind || json_object_get(records, kind) || !mm_schema_kind(mm_store_schema(s), kind))
		return MM_OK; /* done already, or a kind this store does not have: no records */
	mm_buf b;
	mm_buf_init(&b, MM_COMPLIANCE_READ_MAX);
	int rc = mm_store_list(s, who, kind, NULL, &b, err);
	if (!rc) {
		json_error_t je;
		json_t *a = json_loadb((const char *)b.p, b.len, 0, &je);
		if (!json_is_array(a) || json_object_set_new(records, kind, a))
			rc = mm_err_set(err, MM_ECORRUPT, "records of kind %s: unreadable list", kind);
	}
	mm_buf_release(&b);
	return rc;
}

static int ledger_facts(mm_store *s, mm_compliance_input *in, mm_err *err)
{
	mm_ledger *l = mm_store_ledger(s);
	mm_verify_report rep;
	memset(&rep, 0, sizeof rep);
	int rc = mm_ledger_verify(l, NULL, &rep, err);
	if (rc)
		return rc;
	in->has_ledger = true;
	in->ledger_ok = rep.ok;
	in->ledger_bad_seq = rep.bad_seq;
	in->ledger_size = rep.entries;
	mm_buf b;
	mm_buf_init(&b, MM_NOTE_MAX);
	mm_err e;
	mm_checkpoint cp;
	if (!mm_ledger_latest_checkpoint(l, &b, &e) &&
	    !mm_checkpoint_open(mm_ledger_verifier(l), (const char *)b.p, b.len, &cp, &e)) {
		in->checkpoint_s = cp.time_ns / 1000000000LL;
		in->checkpoint_size = cp.size;
	} else {
		in->checkpoint_s = 0; /* none, or not valid: the rule says so */
		in->checkpoint_size = 0;
	}
	mm_buf_release(&b);
	return MM_OK;
}

int mm_compliance_read(mm_store *s, const mm_actor *who, const mm_catalogue *c, mm_compliance_input *in,
		       json_t **records, mm_err *err)
{
	json_t *rec = json_object();
	int rc = MM_OK;
	*records = NULL;
	if (!rec)
		return mm_err_set(err, MM_ENOMEM, "out of memory");
	rc = mm_catalogue_check(c, mm_store_schema(s), err);
	if (rc)
		goto out;
	static const char *const kind_keys[] = {"kind", "evidence_kind", "subject_kind", NULL};
	size_t i, j;
	json_t *r, *rule;
	json_array_foreach(json_object_get(mm_catalogue_json(c), "requirements"), i, r)
		json_array_foreach(json_object_get(r, "rules"), j, rule) {
		for (size_t k = 0; !rc && kind_keys[k]; k++)
			rc = add_kind(s, who, json_string_value(json_object_get(rule, kind_keys[k])), rec, err);
		if (rc)
			goto out;
	}
	for (size_t k = 0; !rc && dashboard_kinds[k]; k++)
		rc = add_kind(s, who, dashboard_kinds[k], rec, err);
	if (!rc)
		rc = ledger_facts(s, in, err);
out:
	if (rc) {
		json_decref(rec);
		return rc;
	}
	in->records = rec;
	*records = rec;
	return MM_OK;
}
