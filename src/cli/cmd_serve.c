/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori serve`: the HTTPS API and web UI (src/server) over a store. Runs
 * until SIGTERM or SIGINT, then lets in-flight requests finish and closes
 * the store, which signs the final checkpoint. Started as root it binds,
 * opens the database, keys and certificate, then drops to an unprivileged
 * user; in any case it then confines itself (Landlock, seccomp) before
 * the first request. docs/security.md "Least privilege" says how.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/mm_auth.h"
#include "cli/cli.h"
#include "server/mm_server.h"
#include "ops/mm_ops.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori serve --db FILE [--listen ADDR:PORT] [options]\n"
	"  --listen ADDR:PORT       HTTPS address (default 127.0.0.1:8443; port 0 = any free port)\n"
	"  --redirect-listen A:P    also listen on plain HTTP, only to redirect to HTTPS\n"
	"  --origin URL             public https:// origin for redirects (default from --listen)\n"
	"  --cert FILE --key FILE   TLS certificate and key (default: those `mamori init` made)\n"
	"  --keys DIR               where `mamori init --keys` put them\n"
	"  --web DIR                web UI files (default: the built-in folder)\n"
	"  --threads N              worker threads (default: CPUs)\n"
	"  --idle-timeout S         seconds of inactivity that end a session (default 900)\n"
	"  --session-lifetime S     seconds after which any session ends (default 36000)\n"
	"  --lockout-threshold N    failed logins in a row that lock an account (default 5)\n"
	"  --lockout-seconds S      how long it stays locked (default 1800)\n"
	"  --user NAME              started as root: the user to run as (default: mamori if it exists,\n"
	"                           else nobody; the database and attachments are given to it)\n"
	"  --allow-root             started as root: keep serving as root (not recommended)\n"
	"  --no-sandbox             no Landlock and no seccomp filter (for debugging only)\n";

/* What the server does between binding and its first request (see mm_server_confine_fn). */
struct confine {
	const char *db;
	const mm_store_paths *p;
	const char *user; /* drop to this user; NULL = keep the ids */
	bool sandbox;
	char dbdir[4096];
	char wal[4200], shm[4200];
};

static int confine(void *ctx, mm_err *err)
{
	struct confine *c = ctx;
	int rc = MM_OK;
	if (c->user) {
		uid_t uid;
		gid_t gid;
		if ((rc = mm_server_user(c->user, &uid, &gid, err)) ||
		    (rc = mm_server_give_data(c->db, c->p->attachments, uid, gid, err)) ||
		    (rc = mm_server_drop_root(c->user, err)))
			return rc;
		fprintf(stderr, "mamori serve: running as %s (uid %u, gid %u); the database and attachments belong to it\n",
			c->user, (unsigned)uid, (unsigned)gid);
	}
	if (!c->sandbox) {
		fprintf(stderr, "mamori serve: --no-sandbox: no Landlock, no seccomp filter\n");
		return MM_OK;
	}
	/* the attachments folder is the only place new files appear: it must exist before Landlock */
	if (mkdir(c->p->attachments, 0700) && errno != EEXIST)
		return mm_err_set(err, MM_EIO, "%s: %s", c->p->attachments, strerror(errno));
	/*
	 * Everything else (keys, certificate, web files, schema) is in memory
	 * already: after this the server reaches only its database files and
	 * attachments, the names in the database's folder (SQLite syncs it),
	 * the two system files SQLite and the C library read, the temporary
	 * folders (SQLite's large sorts, report generation) and, read-only, the
	 * shipped data folder (catalogue, schema titles, policies).
	 */
	const mm_fs_rule rules[] = {
		{c->db, MM_FS_READ_WRITE},       {c->wal, MM_FS_READ_WRITE},   {c->shm, MM_FS_READ_WRITE},
		{c->p->attachments, MM_FS_TREE}, {c->dbdir, MM_FS_LIST},       {"/dev/urandom", MM_FS_READ},
		{"/etc/localtime", MM_FS_READ}, {"/var/tmp", MM_FS_TREE},     {"/tmp", MM_FS_TREE},
		/* the shipped data read while serving: the requirements catalogue, schema titles, policies */
		{cli_data_dir(), MM_FS_READ},
	};
	size_t nrules = sizeof rules / sizeof rules[0];
	mm_fs_rule with_proc[sizeof rules / sizeof rules[0] + 1];
	memcpy(with_proc, rules, sizeof rules);
	if (mm_server_sanitized()) /* LeakSanitizer reads /proc at exit */
		with_proc[nrules++] = (mm_fs_rule){"/proc", MM_FS_READ};
	int abi = 0;
	if ((rc = mm_server_landlock(with_proc, nrules, &abi, err)))
		return rc;
	if (!abi)
		fprintf(stderr, "mamori serve: Landlock is not available in this kernel: the file system is not"
				" restricted (the seccomp filter still is installed)\n");
	if ((rc = mm_server_seccomp(err)))
		return rc;
	if (abi)
		fprintf(stderr, "mamori serve: confined: Landlock (ABI %d) and a seccomp filter\n", abi);
	else
		fprintf(stderr, "mamori serve: confined: a seccomp filter\n");
	return MM_OK;
}

/* Started as root: whom to run as (NULL: stay root), or an error (exit 2). */
static int choose_user(const cli_args *a, const char *dbdir, const char **user)
{
	const char *want = cli_opt(a, "user");
	*user = NULL;
	if (geteuid() != 0) {
		if (want)
			return cli_error("--user %s: only a server started as root can change its user", want);
		return CLI_OK;
	}
	if (cli_flag(a, "allow-root")) {
		if (want)
			return cli_error("--user and --allow-root contradict each other");
		fprintf(stderr, "mamori serve: --allow-root: serving as root (confined, but not recommended)\n");
		return CLI_OK;
	}
	const char *name = want;
	uid_t uid;
	gid_t gid;
	mm_err err;
	if (!name)
		name = mm_server_user("mamori", &uid, &gid, &err) == MM_OK ? "mamori" : "nobody";
	if (mm_server_user(name, &uid, &gid, &err))
		return cli_report(&err);
	char blocked[4096];
	if (!mm_server_user_reaches(dbdir, uid, gid, blocked, sizeof blocked)) {
		if (want)
			return cli_error("--user %s: cannot reach the database folder %s (%s may not be searched by it)",
					 want, dbdir, blocked);
		/* the default must not stop a server whose data lies in root's own folders: say it loudly */
		fprintf(stderr,
			"mamori serve: WARNING: still running as root: user %s cannot reach %s (%s may not be searched"
			" by it). Put the database in a folder of its own that %s can reach, or give --user NAME;"
			" --allow-root keeps root without this warning.\n",
			name, dbdir, blocked, name);
		return CLI_OK;
	}
	*user = name;
	return CLI_OK;
}

static int opt_u64(const cli_args *a, const char *name, uint64_t max, uint64_t *v)
{
	const char *s = cli_opt(a, name);
	*v = 0;
	if (s && (!mm_parse_u64(s, max, v) || *v == 0))
		return cli_error("--%s: '%s' is not a number from 1 to %llu", name, s, (unsigned long long)max);
	return CLI_OK;
}

int cmd_serve(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return CLI_OK;
	}
	cli_args a;
	if (cli_parse(&a, argc - 1, argv + 1,
		      "db: listen: redirect-listen: origin: cert: key: keys: web: threads: idle-timeout: session-lifetime:"
		      " lockout-threshold: lockout-seconds: user: allow-root no-sandbox"))
		return CLI_USAGE;
	if (a.npos)
		return cli_error("serve: unexpected argument '%s'", a.pos[0]);
	const char *db = cli_need(&a, "db");
	if (!db)
		return CLI_USAGE;
	uint64_t threads, idle, life, thr, lock;
	if (opt_u64(&a, "threads", MM_HTTP_THREADS_MAX, &threads) ||
	    opt_u64(&a, "idle-timeout", 24 * 3600, &idle) || opt_u64(&a, "session-lifetime", 7 * 24 * 3600, &life) ||
	    opt_u64(&a, "lockout-threshold", 100, &thr) || opt_u64(&a, "lockout-seconds", 7 * 24 * 3600, &lock))
		return CLI_USAGE;
	mm_err err;
	mm_err_clear(&err);
	mm_store_paths p;
	if (mm_store_paths_for(db, cli_opt(&a, "keys"), &p, &err))
		return cli_report(&err);
	mm_server_config cfg = {
		.listen = cli_opt(&a, "listen"),
		.redirect_listen = cli_opt(&a, "redirect-listen"),
		.origin = cli_opt(&a, "origin"),
		.cert_path = cli_opt(&a, "cert") ? cli_opt(&a, "cert") : p.tls_cert,
		.key_path = cli_opt(&a, "key") ? cli_opt(&a, "key") : p.tls_key,
		.web_dir = cli_opt(&a, "web"),
		.threads = (unsigned)threads,
	};
	if (cfg.origin && strncmp(cfg.origin, "https://", 8) != 0)
		return cli_error("--origin must start with https://");
	mm_auth_config acfg = {.lockout_threshold = (unsigned)thr, .lockout_s = (int64_t)lock,
			       .idle_s = (int64_t)idle, .absolute_s = (int64_t)life};
	struct confine cf = {.db = db, .p = &p, .sandbox = !cli_flag(&a, "no-sandbox")};
	char dbcopy[4096];
	if (snprintf(dbcopy, sizeof dbcopy, "%s", db) >= (int)sizeof dbcopy ||
	    snprintf(cf.dbdir, sizeof cf.dbdir, "%s", dirname(dbcopy)) >= (int)sizeof cf.dbdir ||
	    snprintf(cf.wal, sizeof cf.wal, "%s-wal", db) >= (int)sizeof cf.wal ||
	    snprintf(cf.shm, sizeof cf.shm, "%s-shm", db) >= (int)sizeof cf.shm)
		return cli_error("--db: path too long");
	int urc = choose_user(&a, cf.dbdir, &cf.user);
	if (urc)
		return urc;
	cfg.confine = confine;
	cfg.confine_ctx = &cf;

	/* every thread started below inherits the blocked signals; this one waits for them */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	char dir[4096];
	if (cli_schema_dir(dir, sizeof dir))
		return CLI_USAGE;
	cfg.schema_dir = dir;
	/* one server per database: a second one would write the same ledger from another process */
	char lockpath[4200];
	if (snprintf(lockpath, sizeof lockpath, "%s.serve-lock", db) >= (int)sizeof lockpath)
		return cli_error("--db: path too long");
	int lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lockfd < 0)
		return cli_error("%s: %s", lockpath, strerror(errno));
	if (flock(lockfd, LOCK_EX | LOCK_NB)) {
		close(lockfd);
		return cli_error("%s: another `mamori serve` is already running on this database", db);
	}
	mm_store *s = NULL;
	mm_ops *ops = NULL;
	mm_auth *au = NULL;
	mm_server *srv = NULL;
	int rc = CLI_OK;
	/* the operations deriver (SLA due times, reasons for misses) applies to writes from the UI too */
	if (mm_store_open(db, dir, MM_STORE_WRITE, &s, &err) || mm_ops_install(s, NULL, &ops, &err) ||
	    mm_auth_open(mm_store_ledger(s), db, &acfg, &au, &err) ||
	    mm_server_start(&cfg, s, au, &srv, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	printf("mamori serve: listening on https port %u\n", mm_server_port(srv));
	if (mm_server_redirect_port(srv))
		printf("mamori serve: redirecting http port %u\n", mm_server_redirect_port(srv));
	fflush(stdout);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "mamori serve: signal %d, finishing requests\n", sig);
	mm_server_stop(srv);
	srv = NULL;
out:
	mm_server_stop(srv);
	mm_auth_close(au);
	if (s) {
		mm_err_clear(&err);
		if (mm_store_close(s, &err) && rc == CLI_OK)
			rc = cli_report(&err);
		else if (rc == CLI_OK)
			fprintf(stderr, "mamori serve: stopped; final checkpoint signed\n");
	}
	mm_ops_free(ops); /* after the store that used it */
	close(lockfd); /* releases the lock; the file stays for the next start */
	return rc;
}
