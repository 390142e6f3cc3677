/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facts: what a machine is, as rows of an in-memory SQLite database.
 * Collectors read the machine (or a tree standing for one, --root) and fill
 * the tables documented in docs/facts.md; policies then query them. Every
 * read is bounded; a source that cannot be read is recorded in the table
 * collector_status and the run goes on. No password hash is ever stored.
 */
#ifndef MM_FACTS_H
#define MM_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "base/mm_base.h"

typedef struct mm_facts mm_facts;

/*
 * Open an empty fact database for the tree at root ("/" for this machine).
 * Sources that exist only on a running system (nft, netlink, journal,
 * adjtimex) are read only when root resolves to "/"; elsewhere they are
 * recorded as not-collected unless the tree holds a captured copy (see
 * docs/facts.md). now_s is the evaluation time in Unix seconds (0: the
 * clock). On success *out is owned by the caller (mm_facts_close).
 */
int mm_facts_open(mm_facts **out, const char *root, int64_t now_s, mm_err *err) MM_MUST_USE;
void mm_facts_close(mm_facts *f);

/*
 * Run every collector. Fails only when the database itself fails (or on
 * ENOMEM); unreadable sources are rows of collector_status.
 */
int mm_facts_collect(mm_facts *f, mm_err *err) MM_MUST_USE;

/* The fact database; owned by f, valid until mm_facts_close. */
sqlite3 *mm_facts_db(mm_facts *f);
/* Whether f reads the running system (root is "/"). */
bool mm_facts_live(const mm_facts *f);

/*
 * Parse data[0..len) as if it were read from the source the named parser
 * handles ("passwd", "shadow", "group", "login_defs", "pam", "smb_conf",
 * "exports", "dpkg_status", "proc_net_tcp", "auth_log", "btmp", ...; see
 * mm_facts_parser_names) and add its rows. Used by tests and fuzz targets;
 * the same bounds apply as for files. Returns MM_ENOTFOUND for an unknown
 * parser and MM_EINVAL/MM_ELIMIT for input the parser rejected as a whole
 * (err says why); rejected lines are counted, not errors.
 */
int mm_facts_parse(mm_facts *f, const char *parser, const void *data, size_t len,
		   mm_err *err) MM_MUST_USE;

/* NULL-terminated list of the parser names mm_facts_parse accepts (static). */
const char *const *mm_facts_parser_names(void);

#endif
