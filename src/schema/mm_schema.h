/* SPDX-License-Identifier: Apache-2.0 */
/*
 * schema: record kinds declared as data (data/schema/KIND.json, format in
 * docs/schema.md) — fields and their types and bounds, states, and the
 * transitions between states with the roles allowed to make them — and
 * validation of record documents against them. A new kind needs a JSON
 * file, not C code.
 */
#ifndef MM_SCHEMA_H
#define MM_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/mm_base.h"

typedef enum mm_ftype {
	MM_F_STRING,     /* one line of text */
	MM_F_TEXT,       /* multi-line text */
	MM_F_INTEGER,
	MM_F_BOOLEAN,
	MM_F_DATE,       /* YYYY-MM-DD */
	MM_F_DATETIME,   /* ISO-8601 with a UTC offset */
	MM_F_ENUM,
	MM_F_REF,        /* id of a record of another kind */
	MM_F_LIST,
	MM_F_ATTACHMENT, /* SHA-256 (hex) of a stored attachment */
} mm_ftype;

/* Strings point into the schema's JSON and live as long as the schema. */
typedef struct mm_field {
	const char *name;
	mm_ftype type;
	bool required;
	int64_t min, max;         /* integer bounds, or length bounds in characters */
	const char **values;      /* enum values */
	size_t nvalues;
	const char *ref_kind;     /* MM_F_REF */
	struct mm_field *item;    /* MM_F_LIST: element type */
	size_t max_items;
	bool derived;             /* computed by the store's deriver; people cannot set it */
	json_t *title;            /* {"ja": ..., "en": ...} */
} mm_field;

typedef struct mm_transition {
	const char *name;
	const char **from;
	size_t nfrom;
	const char *to;
	const char **roles;
	size_t nroles;
	bool reason_required;
	json_t *title;
} mm_transition;

typedef struct mm_kind {
	const char *name;
	json_t *title;
	mm_field *fields;
	size_t nfields;
	const char **states;
	size_t nstates;
	const char *initial;
	mm_transition *trans;
	size_t ntrans;
	const char **create_roles; /* NULL: any role */
	size_t ncreate_roles;
	const char **update_roles;
	size_t nupdate_roles;
	const char *file;          /* the file it was loaded from */
	json_t *derive;            /* the kind's "derive" object for the store's deriver, or NULL */
} mm_kind;

typedef struct mm_schema mm_schema;

/* The roles mamori knows (C18): used to check schema files. */
bool mm_schema_role_known(const char *role);

/*
 * Load every .json file in dir (sorted by name). Errors name the file,
 * the JSON path and the reason, e.g. "asset.json: $.fields[2].type: unknown
 * type 'strng'". *out is owned by the caller (mm_schema_free).
 */
int mm_schema_load_dir(const char *dir, mm_schema **out, mm_err *err) MM_MUST_USE;
/* Start an empty schema, add kinds from text (label names the source), then check. */
int mm_schema_new(mm_schema **out) MM_MUST_USE;
int mm_schema_add(mm_schema *s, const char *label, const char *text, size_t n, mm_err *err) MM_MUST_USE;
/* Cross-kind checks (references name loaded kinds); call after the last add. */
int mm_schema_check(mm_schema *s, mm_err *err) MM_MUST_USE;
void mm_schema_free(mm_schema *s);

size_t mm_schema_count(const mm_schema *s);
const mm_kind *mm_schema_kind_at(const mm_schema *s, size_t i);
const mm_kind *mm_schema_kind(const mm_schema *s, const char *name);
/* SHA-256 over the loaded files' bytes in load order (identifies the schema version). */
const uint8_t *mm_schema_digest(const mm_schema *s);

bool mm_kind_has_state(const mm_kind *k, const char *state);
/*
 * The transition out of state `from` named `what` (or whose target state
 * is `what`); NULL if there is none.
 */
const mm_transition *mm_kind_transition(const mm_kind *k, const char *from, const char *what);
bool mm_transition_allows(const mm_transition *t, const char *role);
bool mm_kind_may_create(const mm_kind *k, const char *role);
bool mm_kind_may_update(const mm_kind *k, const char *role);

/* Lookups a validator needs from the store. Return true if it exists. */
typedef struct mm_schema_lookup {
	bool (*record_exists)(void *ctx, const char *kind, const char *id);
	bool (*attachment_exists)(void *ctx, const char *sha256_hex);
	void *ctx;
} mm_schema_lookup;

/*
 * Validate a record document (a JSON object of field values) against k.
 * Unknown fields, wrong types, values out of bounds, invalid dates,
 * dangling references and missing required fields are refused with the
 * field's path and the reason. lookup may be NULL (references unchecked).
 */
int mm_schema_validate(const mm_kind *k, const json_t *data, const mm_schema_lookup *lookup,
		       mm_err *err) MM_MUST_USE;

/* Syntax checks shared with other modules. */
bool mm_schema_date_valid(const char *s);
bool mm_schema_datetime_valid(const char *s);

#endif
