/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori serve`: the HTTPS API and web UI (src/server) over a store. Runs
 * until SIGTERM or SIGINT, then lets in-flight requests finish and closes
 * the store, which signs the final checkpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
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
	"  --lockout-seconds S      how long it stays locked (default 1800)\n";

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
		      " lockout-threshold: lockout-seconds:"))
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
