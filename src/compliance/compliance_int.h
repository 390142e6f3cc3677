/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/compliance: helpers shared by the catalogue, the engine and the charts. */
#ifndef MM_COMPLIANCE_INT_H
#define MM_COMPLIANCE_INT_H

#include "compliance/mm_compliance.h"

/* A kind, field or state name: [a-z][a-z0-9_-]{0,63}. */
bool compliance_name_ok(const char *s);

/* The records of kind in in->records (an empty array's worth: NULL means none). */
const json_t *compliance_records(const mm_compliance_input *in, const char *kind);
/* A record's data field as a string, or NULL. */
const char *compliance_str(const json_t *rec, const char *field);
/* Parse an ISO-8601 instant; false if absent or malformed. */
bool compliance_instant(const char *s, int64_t *out);

#endif
