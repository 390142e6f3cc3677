/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `mamori user add|passwd|disable|enable|list`: accounts of the web UI and
 * API (src/auth). Passwords are read from standard input only, so they
 * never appear in a process list or a shell history.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>

#include "auth/mm_auth.h"
#include "cli/cli.h"
#include "store/mm_store.h"
#include "base/banned.h"

static const char usage[] =
	"usage: mamori user COMMAND --db FILE ...\n"
	"  add     --name NAME --role ROLE [--tenant ORG] --password-stdin\n"
	"  passwd  --name NAME --password-stdin\n"
	"  disable --name NAME        (ends its sessions; it can no longer log in)\n"
	"  enable  --name NAME\n"
	"  list    [--tenant ORG]     (JSON: role, organisation, last login, lockout)\n"
	"  totp    --name NAME [--disable]  enable the second factor: prints the otpauth:// URI\n"
	"          for an authenticator app (ends the account's sessions)\n"
	"  Roles: admin, contractor-manager, contractor-operator, municipality-approver,\n"
	"  municipality-viewer, auditor. The password is one line on standard input\n"
	"  (at least 12 characters).\n";

/* One line from stdin, without its line ending. */
static int read_password(mm_buf *b)
{
	mm_err err;
	mm_err_clear(&err);
	if (mm_file_read("/dev/stdin", MM_PASSWORD_MAX + 2, b, &err))
		return err.code == MM_ELIMIT ? cli_error("password longer than %u bytes", MM_PASSWORD_MAX)
					     : cli_report(&err);
	while (b->len && (b->p[b->len - 1] == '\n' || b->p[b->len - 1] == '\r'))
		b->p[--b->len] = 0;
	if (memchr(b->p, '\n', b->len))
		return cli_error("the password on standard input must be one line");
	return CLI_OK;
}

/*
 * The lock `mamori serve` holds on a database: the ledger keeps its tree in
 * the writing process's memory, so two processes must never write it at
 * once. Returns the held descriptor, or -1 after printing why.
 */
static int lock_database(const char *db)
{
	char path[4200];
	if (snprintf(path, sizeof path, "%s.serve-lock", db) >= (int)sizeof path) {
		cli_error("--db: path too long");
		return -1;
	}
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		cli_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		cli_error("%s: `mamori serve` is running on this database; manage accounts on its Accounts page"
			  " (or stop it first)", db);
		return -1;
	}
	return fd;
}

int cmd_user(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *sub = argv[1];
	cli_args a;
	if (cli_parse(&a, argc - 2, argv + 2, "db: name: role: tenant: password-stdin disable"))
		return CLI_USAGE;
	if (a.npos)
		return cli_error("user %s: unexpected argument '%s'", sub, a.pos[0]);
	bool add = strcmp(sub, "add") == 0, passwd = strcmp(sub, "passwd") == 0, list = strcmp(sub, "list") == 0;
	bool dis = strcmp(sub, "disable") == 0, en = strcmp(sub, "enable") == 0, totp = strcmp(sub, "totp") == 0;
	if (!add && !passwd && !list && !dis && !en && !totp)
		return cli_error("user: unknown command '%s' (add, passwd, disable, enable, list, totp)", sub);
	const char *db = cli_need(&a, "db");
	const char *name = list ? NULL : cli_need(&a, "name");
	const char *role = add ? cli_need(&a, "role") : NULL;
	if (!db || (!list && !name) || (add && !role))
		return CLI_USAGE;
	if ((add || passwd) && !cli_flag(&a, "password-stdin"))
		return cli_error("user %s: --password-stdin is required (the password is read from standard input)", sub);
	const char *tenant = cli_opt(&a, "tenant");
	if (tenant && !mm_auth_tenant_valid(tenant))
		return cli_error("--tenant '%s': use 1-%u of A-Z a-z 0-9 . _ - @", tenant, MM_TENANT_MAX);

	mm_buf pw;
	mm_buf_init(&pw, MM_PASSWORD_MAX + 2);
	mm_buf out;
	mm_buf_init(&out, 64u << 20);
	mm_store *s = NULL;
	mm_auth *au = NULL;
	char b32[64] = "";
	mm_err err;
	mm_err_clear(&err);
	int rc = CLI_OK;
	int lockfd = -1;
	if ((add || passwd) && (rc = read_password(&pw)))
		goto out;
	if (!list && (lockfd = lock_database(db)) < 0) {
		rc = CLI_USAGE;
		goto out;
	}
	char dir[4096];
	if (cli_schema_dir(dir, sizeof dir)) {
		rc = CLI_USAGE;
		goto out;
	}
	if (mm_store_open(db, dir, list ? 0 : MM_STORE_WRITE, &s, &err) ||
	    mm_auth_open(mm_store_ledger(s), db, NULL, &au, &err)) {
		rc = cli_report(&err);
		goto out;
	}
	/* who did it, for the ledger: the operating-system account running the command */
	char by[MM_USER_NAME_MAX + 8];
	struct passwd *pw_entry = getpwuid(geteuid());
	snprintf(by, sizeof by, "cli:%s", pw_entry && pw_entry->pw_name ? pw_entry->pw_name : "unknown");
	int r;
	if (totp)
		r = mm_auth_user_totp(au, by, name, !cli_flag(&a, "disable"), b32, sizeof b32, &err);
	else if (add)
		r = mm_auth_user_add(au, by, name, role, tenant, (const char *)pw.p, pw.len, &err);
	else if (passwd)
		r = mm_auth_user_passwd(au, by, name, (const char *)pw.p, pw.len, &err);
	else if (dis || en)
		r = mm_auth_user_disable(au, by, name, dis, &err);
	else
		r = mm_auth_user_list(au, tenant, &out, &err);
	if (r) {
		rc = cli_report(&err);
		goto out;
	}
	if (list)
		printf("%s\n", (const char *)out.p);
	else if (totp && b32[0])
		printf("otpauth://totp/mamori:%s?secret=%s&issuer=mamori&algorithm=SHA1&digits=6&period=30\n", name, b32);
	else if (totp)
		printf("second factor disabled: %s\n", name);
	else
		printf("%s %s\n", add ? "created" : passwd ? "password changed:" : dis ? "disabled" : "enabled", name);
out:
	sodium_memzero(b32, sizeof b32);
	mm_auth_close(au);
	if (s) {
		mm_err_clear(&err);
		if (mm_store_close(s, &err) && rc == CLI_OK)
			rc = cli_report(&err);
	}
	mm_buf_wipe(&pw);
	mm_buf_release(&out);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}
