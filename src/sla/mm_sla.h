/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sla: response-time and document deadlines as data. A contract file
 * (data/contracts/NAME.json, format in data/contracts/README.md) carries a
 * calendar (office hours, closures) and rules of four kinds; this module
 * loads it and answers, for a start instant, when the target falls due and
 * whether a ticket met it. All instants are Unix seconds; see mm_cal.h.
 */
#ifndef MM_SLA_H
#define MM_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/mm_base.h"
#include "cal/mm_cal.h"

/* The format string a contract file declares. */
#define MM_SLA_FORMAT "mamori-contract/1"

typedef enum mm_sla_kind {
	/* (a) start + in_hours_min when the start is in business hours, else + out_hours_min (wall clock) */
	MM_SLA_WALL_CLOCK = 1,
	/* (b) at_min past midnight on the days-th business day after the start's date */
	MM_SLA_TIME_ON_DAY,
	/* (c) minutes of business hours after the start */
	MM_SLA_BUSINESS_MINUTES,
	/* (d) within days 開庁日: the close of office hours on the days-th business day after the start's date */
	MM_SLA_WITHIN_DAYS,
} mm_sla_kind;

typedef struct mm_sla_rule {
	char cls[MM_NAME_MAX];           /* class name, e.g. "cs" */
	char label[MM_SLA_LABEL_MAX];    /* what is measured, for people */
	char source[MM_SLA_LABEL_MAX];   /* the clause it comes from */
	mm_sla_kind kind;
	int in_hours_min, out_hours_min; /* (a) */
	int days;                        /* (b), (d) */
	int at_min;                      /* (b) */
	int minutes;                     /* (c) */
	bool reason_required;            /* a missed target needs a reason in the report */
} mm_sla_rule;

/* A loaded contract; owns no pointers, freed with mm_sla_contract_free. */
typedef struct mm_contract {
	char name[MM_SLA_LABEL_MAX];
	mm_cal cal;
	size_t nrules;
	mm_sla_rule rules[MM_SLA_RULES_MAX];
} mm_contract;

/*
 * Parse a contract from text (len bytes, at most MM_CONTRACT_FILE_MAX);
 * origin names it in errors, which read "ORIGIN: $.json.path: reason".
 * On success *out is a new contract the caller frees.
 */
int mm_sla_contract_parse(const char *text, size_t len, const char *origin, mm_contract **out,
			  mm_err *err) MM_MUST_USE;
/* Read and parse the contract file at path. */
int mm_sla_contract_load(const char *path, mm_contract **out, mm_err *err) MM_MUST_USE;
/* The shipped default contract (002's rules): MM_DATA_DIR/contracts/default.json. */
const char *mm_sla_default_contract_path(void);
void mm_sla_contract_free(mm_contract *c);

/* The rule for class cls, or NULL. The pointer lives as long as c. */
const mm_sla_rule *mm_sla_rule_find(const mm_contract *c, const char *cls);
/* Stable key of a kind as written in contract files ("wall_clock", …). */
const char *mm_sla_kind_name(mm_sla_kind kind);

/*
 * When the target of class cls falls due for a start (instruction) at
 * instant start. MM_ENOTFOUND for an unknown class (the message lists the
 * known ones); MM_EINVAL when the due time would leave 1973–2099.
 */
int mm_sla_due(const mm_contract *c, const char *cls, int64_t start, int64_t *due,
	       mm_err *err) MM_MUST_USE;

typedef enum mm_sla_state {
	MM_SLA_PENDING = 0, /* not done, due not passed */
	MM_SLA_MET,         /* done at or before due */
	MM_SLA_MISSED,      /* done after due, or not done and due has passed */
} mm_sla_state;

typedef struct mm_sla_status {
	int64_t due;
	int64_t remaining;    /* due − (done, or now when not done): seconds, negative when late */
	mm_sla_state state;
	bool reason_required; /* missed, and the rule says the report must give a reason */
} mm_sla_status;

/*
 * The state of a ticket of class cls started at start: done is the instant
 * the target was met (e.g. on-site work began), or NULL if not yet; now is
 * the time of evaluation (used only when done is NULL).
 */
int mm_sla_status_of(const mm_contract *c, const char *cls, int64_t start, const int64_t *done,
		     int64_t now, mm_sla_status *st, mm_err *err) MM_MUST_USE;

#endif
