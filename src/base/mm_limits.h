/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every limit on untrusted input in one place, so a reviewer can see the
 * whole attack surface's bounds at a glance (as SQLite's sqliteLimit.h).
 */
#ifndef MM_LIMITS_H
#define MM_LIMITS_H

#define MM_ERR_MSG_MAX 512

/* Files read whole */
#define MM_SCHEMA_FILE_MAX     (1u << 20)  /* one schema file */
#define MM_SCHEMA_KINDS_MAX    256
#define MM_SCHEMA_FIELDS_MAX   256         /* fields per kind */
#define MM_SCHEMA_STATES_MAX   64
#define MM_SCHEMA_TRANS_MAX    128
#define MM_SCHEMA_ROLES_MAX    16          /* roles named per transition */
#define MM_SCHEMA_ENUM_MAX     256         /* values per enum */
#define MM_NAME_MAX            64          /* kind, field, state, role, enum value names */

/* Records */
#define MM_RECORD_JSON_MAX     (256u << 10) /* one record document as JSON */
#define MM_RECORD_DEPTH_MAX    8            /* list nesting */
#define MM_STRING_DEFAULT_MAX  1000         /* bytes, when the schema says nothing */
#define MM_TEXT_DEFAULT_MAX    100000
#define MM_LIST_DEFAULT_MAX    1000
#define MM_REASON_MAX          4000
#define MM_ACTOR_MAX           256
#define MM_ID_MAX              128
#define MM_STORE_PAGE_MAX      1000         /* records in one page of a query */

/* Ledger */
#define MM_ENTRY_KIND_MAX      64
#define MM_ENTRY_SUBJECT_MAX   256
#define MM_ENTRY_PAYLOAD_MAX   (1u << 20)
#define MM_ENTRY_MAX           (MM_ENTRY_PAYLOAD_MAX + 1024)
#define MM_ORIGIN_MAX          128
#define MM_NOTE_MAX            8192        /* one signed note */
#define MM_NOTE_SIGS_MAX       16
#define MM_BUNDLE_ENTRIES_MAX  (1ull << 32)
#define MM_BUNDLE_CHECKPOINTS_MAX (1u << 20)
#define MM_PROOF_MAX           64          /* hashes in one proof */
#define MM_GROUP_COMMIT_MAX    4096        /* entries per transaction */
#define MM_GROUP_COMMIT_WAIT_NS 500000     /* a leader waits at most this for writers to re-queue */
#define MM_WRITE_BUSY_WAIT_NS  (30ll * 1000000000) /* a write waits this long for another process */
#define MM_CHECKPOINT_EVERY_N  1000
#define MM_CHECKPOINT_EVERY_NS 1000000000ll

/* Attachments */
#define MM_ATTACHMENT_MAX      (64u << 20)

/* CLI */
#define MM_CLI_JSON_FILE_MAX   MM_RECORD_JSON_MAX
#define MM_KEY_FILE_MAX        4096

/* Calendar and SLA (modules cal, sla) */
#define MM_CAL_HOLIDAYS_MAX    32          /* national holidays in one year (the most is 22) */
#define MM_CAL_CLOSED_MAX      256         /* extra closed days in one contract */
#define MM_CAL_NAME_MAX        64          /* bytes of a closed day's name */
#define MM_ISO8601_MAX         64          /* bytes of one date-time argument */
#define MM_CONTRACT_FILE_MAX   (256u << 10) /* one contract file */
#define MM_SLA_RULES_MAX       64          /* rules in one contract */
#define MM_SLA_LABEL_MAX       200         /* bytes of a rule's label or source text */
#define MM_SLA_DAYS_MAX        366         /* N of "Nth business day" rules */
#define MM_SLA_MINUTES_MAX     (366 * 24 * 60) /* minutes of duration rules */

/* File integrity (src/fim) */
#define MM_FIM_CONFIG_MAX      (256u << 10) /* one JSON configuration file */
#define MM_FIM_ROOTS_MAX       256          /* configured paths */
#define MM_FIM_PATTERNS_MAX    256          /* include/exclude patterns per list */
#define MM_FIM_PATTERN_LEN_MAX 1024
#define MM_FIM_PATH_MAX        16384        /* a recorded path; PATH_MAX is 4096, deeper is walked by fd */
#define MM_FIM_DEPTH_MAX       256          /* directory nesting under a root */
#define MM_FIM_FILES_MAX       (16u << 20)  /* entries in one baseline */
#define MM_FIM_ARENA_MAX       (2048u << 20) /* bytes of paths, targets and xattrs of one set */
#define MM_FIM_XATTR_MAX       (64u << 10)  /* encoded xattrs of one file */
#define MM_FIM_XATTRS_MAX      128          /* xattrs of one file */
#define MM_FIM_THREADS_MAX     64
#define MM_FIM_BASELINE_MAX    (4ull << 30) /* one baseline file */
#define MM_FIM_JOURNAL_CHUNK_MAX (8u << 20) /* one resume-journal chunk */
#define MM_FIM_VAULT_OBJECT_MAX (4ull << 30) /* restorable content of one file */
#define MM_FIM_ORDER_MAX       (1u << 20)   /* one restore order */
#define MM_FIM_ORDER_FILES_MAX 10000
#define MM_FIM_ORDER_ID_MAX    64
#define MM_FIM_HOST_MAX        255
#define MM_FIM_ORDERS_USED_MAX (16u << 20)  /* the used-order log read whole */
#define MM_FIM_WATCH_QUEUE_MAX (1u << 20)   /* pending paths in watch, hard cap */
#define MM_FIM_WATCH_DIRS_MAX  (1u << 20)   /* inotify watches */
#define MM_FIM_HASH_RETRIES    3            /* re-reads of a file that changes while hashed */
#define MM_FIM_WINDOWS_MAX     64           /* maintenance windows installed in one state */
#define MM_FIM_WINDOW_PACKAGES_MAX 4096     /* packages named by one window order */
#define MM_FIM_WINDOW_SECONDS_MAX (7 * 86400) /* longest maintenance window */
#define MM_FIM_PACKAGE_NAME_MAX 128
#define MM_FIM_DPKG_STATUS_MAX (64u << 20)  /* dpkg's status file */
#define MM_FIM_DPKG_LIST_MAX   (16u << 20)  /* one info/<package>.list or .md5sums */
#define MM_FIM_DPKG_PATHS_MAX  (4u << 20)   /* package-owned paths kept (those in scope) */

/* Reports (src/report) */
#define MM_REPORT_RECORDS_MAX    200000      /* records of one kind a report reads */
#define MM_REPORT_PAGE_BYTES_MAX (64u << 20) /* one page of records from the store, as JSON */
#define MM_REPORT_FILE_MAX       (64u << 20) /* one generated workbook held in memory (server download) */

/* ---- Agent: facts (src/facts) and policies (src/policy) ---- */
#define MM_FACTS_LINE_MAX        65536       /* one line of a text source; longer lines are skipped */
#define MM_FACTS_CONFIG_MAX      (4u << 20)  /* a configuration file read whole (passwd, pam, smb.conf...) */
#define MM_FACTS_DPKG_MAX        (64u << 20) /* var/lib/dpkg/status */
#define MM_FACTS_LOG_TAIL_MAX    (8u << 20)  /* logs (auth.log, clamav.log): only the last bytes are read */
#define MM_FACTS_UTMP_TAIL_MAX   (4u << 20)  /* btmp, wtmp: only the last records (~10,000) */
#define MM_FACTS_SMALL_MAX       (64u << 10) /* one sysfs/procfs attribute or captured state file */
#define MM_FACTS_EXEC_OUT_MAX    (16u << 20) /* output of a live command (nft -j, journalctl) */
#define MM_FACTS_EXEC_TIMEOUT_MS 5000
#define MM_FACTS_ROWS_MAX        200000      /* rows one source may add */
#define MM_FACTS_DIR_MAX         100000      /* entries examined in one directory (proc, pam.d...) */
#define MM_FACTS_FIELD_MAX       4096        /* bytes kept of one text field (cmdline, rule text) */
#define MM_FACTS_JOURNAL_MAX     20000       /* journal entries read live */
#define MM_FACTS_RPM_HEADER_MAX  (16u << 20) /* one rpm package header blob */

#define MM_POLICY_FILE_MAX       (1u << 20)  /* a policy or site file */
#define MM_POLICY_NODES_MAX      100000      /* YAML/JSON nodes in one policy file */
#define MM_POLICY_DEPTH_MAX      32
#define MM_POLICY_SCALAR_MAX     65536       /* one scalar (an SQL query) */
#define MM_POLICY_CHECKS_MAX     1000
#define MM_POLICY_PARAMS_MAX     256
#define MM_POLICY_LIST_MAX       10000       /* items of one list parameter */
#define MM_CHECK_EVIDENCE_MAX    200         /* violating rows kept as evidence per check */
#define MM_CHECK_CELL_MAX        1024        /* bytes kept of one evidence cell */
#define MM_CHECK_TIME_MAX_MS     2000        /* one check's SQL; slower is an error result */
#define MM_CHECK_SQL_LENGTH_MAX  (1u << 20)  /* SQLITE_LIMIT_LENGTH while checks run */
#define MM_BASELINE_FILE_MAX     (32u << 20) /* a baseline snapshot file */
#define MM_BASELINE_ROWS_MAX     200000      /* rows of one table in a baseline */

/* ---- Server: accounts and sessions (src/auth), HTTP (src/server) ---- */
#define MM_USER_NAME_MAX         64          /* account name: [A-Za-z0-9._@-] */
#define MM_TENANT_MAX            64          /* organisation name */
#define MM_PASSWORD_MIN          12          /* characters a new password needs at least */
#define MM_PASSWORD_MAX          1024        /* bytes of a password (Argon2id input) */
#define MM_SESSIONS_MAX          4096        /* live sessions (slots of the table) */
#define MM_SESSIONS_PER_USER_MAX 16          /* the oldest is ended beyond this */
#define MM_LOCKOUT_THRESHOLD     5           /* failed logins before lockout (default) */
#define MM_LOCKOUT_SECONDS       (30 * 60)   /* lockout duration (default) */
#define MM_SESSION_IDLE_SECONDS  (15 * 60)   /* idle cut-off (default) */
#define MM_SESSION_ABS_SECONDS   (10 * 3600) /* absolute session lifetime (default) */
#define MM_HTTP_HEADER_MAX       (32u << 10) /* memory per connection: request line and headers */
#define MM_HTTP_BODY_MAX         MM_RECORD_JSON_MAX /* a JSON request body */
#define MM_HTTP_UPLOAD_MAX       (32u << 20) /* an attachment upload */
#define MM_HTTP_BODIES_MAX       (256u << 20) /* request bodies buffered at once, all connections */
#define MM_HTTP_CONNECTIONS_MAX  512         /* open connections */
#define MM_HTTP_PER_IP_MAX       256         /* open connections from one address */
#define MM_HTTP_TIMEOUT_SECONDS  30          /* idle connection timeout */
#define MM_HTTP_THREADS_MAX      64
#define MM_HTTP_COOKIE_MAX       4096        /* the Cookie header examined */
#define MM_HTTP_QUERY_MAX        2048        /* a query parameter's value */
#define MM_HTTP_PAGE_MAX         1000        /* records in one page of a list */
#define MM_WEB_FILES_MAX         256         /* static files of the web UI */
#define MM_WEB_FILE_MAX          (4u << 20)  /* one static file */
#define MM_SHUTDOWN_WAIT_SECONDS 10          /* in-flight requests on SIGTERM */

/* ---- Operations: demo data (src/ops/demo.c, mamori demo load) ---- */
#define MM_DEMO_FILE_MAX             (1u << 20) /* a demo data file */
#define MM_DEMO_SITES_MAX            1000       /* sites in a demo file */
#define MM_DEMO_DEVICES_PER_SITE_MAX 1000       /* devices of one model at one site */
#define MM_DEMO_RECORDS_MAX          10000      /* other records in a demo file */
#define MM_DEMO_MINUTES_MAX          527040     /* "@now-Nm": at most a year back */
#define MM_OPS_LIST_MAX              (64u << 20) /* the JSON of every record of one kind, read by a campaign populate */

/* ---- Agent link: enrollment, signed reports, bundles (src/link) ---- */
#define MM_LINK_REPORT_MAX       (8u << 20)  /* one report's JSON bytes in an envelope */
#define MM_LINK_HEADER_MAX       1024        /* the signed header of an envelope */
#define MM_LINK_ENVELOPE_MAX     (MM_LINK_REPORT_MAX + MM_LINK_HEADER_MAX + 128) /* body / bundle file */
#define MM_LINK_HTTP_HEADER_MAX  (16u << 10) /* status line and headers of a response the agent reads */
#define MM_LINK_RESPONSE_MAX     (1u << 20)  /* a whole response the agent reads */
#define MM_LINK_TIMEOUT_SECONDS  30          /* agent: connect, handshake, each read or write */
#define MM_LINK_TOKEN_TTL_DEFAULT (24 * 3600) /* enrollment token lifetime (default) */
#define MM_LINK_TOKEN_TTL_MAX    (30 * 24 * 3600)
#define MM_LINK_HOSTNAME_MAX     253
#define MM_LINK_ITEMS_MAX        10000       /* open inspection items examined per report */
#define MM_LINK_REFUSALS_BURST   60          /* refused agent requests (each a ledger entry) one source may cause at once… */
#define MM_LINK_REFUSALS_PER_MIN 60          /* …and then per minute */
#define MM_LINK_REFUSAL_SLOTS    256         /* source addresses tracked for that budget */

/* ---- Operations: CSV import (src/ops/csv.c, import.c; mamori record import, POST .../import) ---- */
#define MM_CSV_FILE_MAX        (16u << 20) /* one CSV file or upload body */
#define MM_CSV_ROWS_MAX        10000       /* data rows of one import (one all-or-nothing write) */
#define MM_CSV_COLS_MAX        MM_SCHEMA_FIELDS_MAX /* columns of one row */
#define MM_CSV_CELL_MAX        MM_TEXT_DEFAULT_MAX  /* bytes of one cell */
#define MM_LEDGER_GROUP_MAX    MM_CSV_ROWS_MAX      /* entries of one all-or-nothing ledger write */
#define MM_CSV_SKIPPED_MAX     100                  /* rows an import of the valid rows only may leave out */

/* ---- Compliance: requirements catalogue and dashboard (src/compliance) ---- */
#define MM_CATALOGUE_FILE_MAX    (1u << 20)  /* data/catalogue/catalogue.json */
#define MM_CATALOGUE_REQS_MAX    256         /* requirements in a catalogue */
#define MM_CATALOGUE_CLAUSES_MAX 64          /* source clauses of one requirement */
#define MM_CATALOGUE_RULES_MAX   16          /* evidence rules of one requirement */
#define MM_CATALOGUE_LIST_MAX    256         /* names in one rule parameter, documents */
#define MM_CATALOGUE_TEXT_MAX    4000        /* bytes of one title or text */
#define MM_COMPLIANCE_CAUSES_MAX 100         /* causing records listed per rule (the total is counted) */
#define MM_COMPLIANCE_READ_MAX   (256u << 20) /* one kind's records read for an evaluation */
#define MM_DASHBOARD_ITEMS_MAX   200         /* entries of one dashboard list */

#endif
