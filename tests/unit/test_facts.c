/* SPDX-License-Identifier: Apache-2.0 */
/*
 * facts: each parser on good and hostile input (malformed fields, NUL
 * bytes, a 1 MB line, truncated binary records), no password hash ever in
 * the database, reads confined to --root, non-regular and huge sources
 * handled with a clear per-source status, live-only sources not collected
 * under a fixture root.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scratch.h"

#include "crypto/mm_crypto.h"
#include "facts/mm_facts.h"
#include "base/banned.h"

#define NOW 1763337600

static mm_facts *empty_facts(void)
{
	mm_facts *f = NULL;
	mm_err e = {0};
	assert_int_equal(mm_facts_open(&f, "/", NOW, &e), MM_OK);
	return f;
}

static int64_t q_int(mm_facts *f, const char *sql)
{
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_prepare_v2(mm_facts_db(f), sql, -1, &q, NULL), SQLITE_OK);
	int64_t v = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
	sqlite3_finalize(q);
	return v;
}

static char *q_text(mm_facts *f, const char *sql)
{
	sqlite3_stmt *q = NULL;
	assert_int_equal(sqlite3_prepare_v2(mm_facts_db(f), sql, -1, &q, NULL), SQLITE_OK);
	char *v = NULL;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		v = strdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_finalize(q);
	return v;
}

static void parse_ok(mm_facts *f, const char *parser, const char *text)
{
	mm_err e = {0};
	if (mm_facts_parse(f, parser, text, strlen(text), &e) != MM_OK)
		fail_msg("%s: %s", parser, e.msg);
}

/* The collector_status detail of the last parse of parser. */
static char *last_detail(mm_facts *f)
{
	return q_text(f, "SELECT status || ': ' || COALESCE(detail, '') FROM collector_status"
			 " ORDER BY rowid DESC LIMIT 1");
}

static void expect_partial(mm_facts *f, const char *parser, const void *data, size_t len,
			   const char *want)
{
	mm_err e = {0};
	int rc = mm_facts_parse(f, parser, data, len, &e);
	char *d = last_detail(f);
	if ((rc != MM_OK && rc != MM_EINVAL) || !d || !strstr(d, want))
		fail_msg("%s: rc %d, status '%s', wanted '%s'", parser, rc, d ? d : "(none)", want);
	free(d);
}

#define PARTIAL(f, parser, lit, want) expect_partial(f, parser, lit, sizeof lit - 1, want)

static void test_accounts(void **state)
{
	(void)state;
	mm_facts *f = empty_facts();
	parse_ok(f, "passwd", "root:x:0:0:root:/root:/bin/bash\nsvc:x:999:999::/:/usr/sbin/nologin\n"
			      "legacy::1001:1001::/home/l:/bin/sh\n");
	const char *hash = "$y$j9T$SECRETSALT$SECRETHASHVALUEthatmustneverbestored0123";
	char shadow[512];
	snprintf(shadow, sizeof shadow, "root:%s:20000:1:90:14:::\nsvc:!:20000::::::\nlegacy::20000:0:99999:7:::\n"
		 "locked:!%s:20000:0:99999:7:::\n", hash, hash);
	parse_ok(f, "shadow", shadow);
	parse_ok(f, "group", "root:x:0:\nsudo:x:27:root,svc\n");
	assert_int_equal(q_int(f, "SELECT count(*) FROM accounts"), 3);
	assert_int_equal(q_int(f, "SELECT usable_password FROM accounts WHERE name = 'root'"), 1);
	assert_int_equal(q_int(f, "SELECT max_days FROM accounts WHERE name = 'root'"), 90);
	char *st = q_text(f, "SELECT password_status FROM accounts WHERE name = 'legacy'");
	assert_string_equal(st, "empty");
	free(st);
	st = q_text(f, "SELECT password_status FROM shadow WHERE name = 'locked'");
	assert_string_equal(st, "locked");
	free(st);
	assert_int_equal(q_int(f, "SELECT login_shell FROM accounts WHERE name = 'svc'"), 0);
	assert_int_equal(q_int(f, "SELECT count(*) FROM memberships WHERE group_name = 'sudo'"), 2);
	/* the hash is nowhere: not in any table, not in any status */
	char *dump = q_text(f, "SELECT group_concat(name || password_status || COALESCE(last_change, ''))"
			       " FROM shadow");
	assert_null(strstr(dump, "SECRET"));
	free(dump);
	dump = q_text(f, "SELECT group_concat(name || password_field) FROM passwd");
	assert_null(strstr(dump, "SECRET"));
	free(dump);

	/* bad lines are counted and named; good lines around them still count */
	PARTIAL(f, "passwd", "bad line\nok:x:5:5::/:/bin/sh\n", "first at line 1: expected 7 fields");
	PARTIAL(f, "passwd", "u:x:notanumber:0::/:/bin/sh\n", "invalid uid or gid");
	PARTIAL(f, "passwd", "+nis::::::\n", "NIS compatibility entry");
	PARTIAL(f, "shadow", "a:$1$x:xx::::::\n", "invalid day count");
	PARTIAL(f, "group", "g:x:-1:\n", "invalid gid");
	PARTIAL(f, "passwd", "nul:x:1:1::/:/bin/sh\0evil\n", "with NUL bytes");
	/* a passwd line of 1 MB */
	size_t big = 1u << 20;
	char *huge = malloc(big + 64);
	memset(huge, 'a', big);
	memcpy(huge + big, ":x:1:1::/:/bin/sh\nok2:x:6:6::/:/bin/sh\n", 38);
	expect_partial(f, "passwd", huge, big + 38, "longer than");
	free(huge);
	assert_int_equal(q_int(f, "SELECT count(*) FROM passwd WHERE name = 'ok2'"), 1);
	mm_facts_close(f);
}

static void test_policy_files(void **state)
{
	(void)state;
	mm_facts *f = empty_facts();
	parse_ok(f, "login_defs", "# c\nPASS_MAX_DAYS\t90\nENV_PATH PATH=/usr/bin:/bin\nUMASK 022\n");
	char *v = q_text(f, "SELECT value FROM login_defs WHERE key = 'ENV_PATH'");
	assert_string_equal(v, "PATH=/usr/bin:/bin");
	free(v);
	PARTIAL(f, "login_defs", "B@D value\n", "invalid key");
	parse_ok(f, "pwquality", "minlen = 14\n# x\ndictcheck=1\n");
	assert_int_equal(q_int(f, "SELECT CAST(value AS INTEGER) FROM pwquality WHERE key = 'minlen'"), 14);
	parse_ok(f, "faillock", "deny = 4\neven_deny_root\n");
	assert_int_equal(q_int(f, "SELECT count(*) FROM faillock_conf WHERE key = 'even_deny_root' AND value IS NULL"), 1);
	parse_ok(f, "pam", "auth [success=1 default=ignore] pam_unix.so nullok try_first_pass\n"
			   "-auth optional /lib/security/pam_gnome_keyring.so\n@include common-account\n"
			   "auth required pam_faillock.so preauth deny=4 unlock_time=600\n");
	assert_int_equal(q_int(f, "SELECT CAST(value AS INTEGER) FROM pam_args WHERE module = 'pam_faillock.so' AND key = 'deny'"), 4);
	assert_int_equal(q_int(f, "SELECT optional FROM pam WHERE module = 'pam_gnome_keyring.so'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM pam WHERE type = '@include' AND module = 'common-account'"), 1);
	PARTIAL(f, "pam", "bogus required pam_x.so\n", "unknown PAM type");
	PARTIAL(f, "pam", "auth required\n", "expected type, control and module");
	mm_facts_close(f);
}

static void test_shares(void **state)
{
	(void)state;
	mm_facts *f = empty_facts();
	parse_ok(f, "smb_conf", "[global]\n workgroup = X\n; comment\n[data]\n path = /srv/data\n"
				"   Guest OK = Yes\n writeable = yes\n valid users = a, \\\n   b\n[printers]\n printable = yes\n");
	assert_int_equal(q_int(f, "SELECT guest_ok FROM smb_shares WHERE name = 'data'"), 1);
	assert_int_equal(q_int(f, "SELECT read_only FROM smb_shares WHERE name = 'data'"), 0);
	char *v = q_text(f, "SELECT valid_users FROM smb_shares WHERE name = 'data'");
	assert_non_null(strstr(v, "a,"));
	assert_non_null(strstr(v, "b"));
	free(v);
	assert_int_equal(q_int(f, "SELECT count(*) FROM smb_shares"), 2);
	PARTIAL(f, "smb_conf", "[unterminated\nkey value without equals\n", "section header without ']'");
	parse_ok(f, "exports", "/srv/a 10.0.0.0/8(rw,sync) host(ro)\n\"/srv/with space\" -ro *\n/srv/world\n");
	assert_int_equal(q_int(f, "SELECT count(*) FROM nfs_exports"), 4);
	v = q_text(f, "SELECT options FROM nfs_exports WHERE path = '/srv/with space'");
	assert_string_equal(v, "ro");
	free(v);
	PARTIAL(f, "exports", "relative/path host\n", "not absolute");
	PARTIAL(f, "exports", "/x host(rw\n", "unterminated option list");
	mm_facts_close(f);
}

static void test_packages_and_sockets(void **state)
{
	(void)state;
	mm_facts *f = empty_facts();
	parse_ok(f, "dpkg_status", "Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n"
				   "Description: x\n long\n\nPackage: gone\nStatus: purge ok not-installed\n\n"
				   "Package: b\nStatus: deinstall ok config-files\nVersion: 2\n");
	assert_int_equal(q_int(f, "SELECT count(*) FROM packages"), 2);
	char *v = q_text(f, "SELECT status FROM packages WHERE name = 'b'");
	assert_string_equal(v, "config-files");
	free(v);
	PARTIAL(f, "dpkg_status", "Version: 1\n\n", "paragraph without Package field");
	PARTIAL(f, "dpkg_status", "Package: x\nno colon here\n", "line without ':'");
	parse_ok(f, "proc_net_tcp",
		 "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		 "   0: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000   106        0 5555 1 0 100 0 0 10 0\n");
	v = q_text(f, "SELECT local_addr || ':' || local_port || ' ' || state FROM sockets");
	assert_string_equal(v, "127.0.0.1:3306 LISTEN");
	free(v);
	parse_ok(f, "proc_net_udp6",
		 "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
		 "  1: 00000000000000000000000001000000:0035 00000000000000000000000000000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 777 2 0 0\n");
	v = q_text(f, "SELECT local_addr FROM listening WHERE proto = 'udp6'");
	assert_string_equal(v, "::1");
	free(v);
	PARTIAL(f, "proc_net_tcp", "   0: ZZ:0016 00000000:0000 0A 0:0 0:0 0 0 0 1\n", "malformed address");
	PARTIAL(f, "proc_net_tcp", "   0: 00000000:0016\n", "expected at least 10 fields");
	/* rpm headers: a valid one and out-of-bounds ones */
	uint8_t hdr[8 + 32 + 16] = {0, 0, 0, 2, 0, 0, 0, 16,
				    0, 0, 0x03, 0xe8, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0, 1,
				    0, 0, 0x03, 0xe9, 0, 0, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1};
	memcpy(hdr + 40, "zsh\0" "5.9\0" "\0\0\0\0\0\0\0", 16);
	mm_err e = {0};
	assert_int_equal(mm_facts_parse(f, "rpm_header", hdr, sizeof hdr, &e), MM_OK);
	v = q_text(f, "SELECT name || ' ' || version FROM packages WHERE source = 'rpm'");
	assert_string_equal(v, "zsh 5.9");
	free(v);
	hdr[7] = 200; /* data length past the end */
	assert_int_equal(mm_facts_parse(f, "rpm_header", hdr, sizeof hdr, &e), MM_EINVAL);
	if (!strstr(e.msg, "out of bounds"))
		fail_msg("%s", e.msg);
	mm_facts_close(f);
}

static void test_logs(void **state)
{
	(void)state;
	mm_facts *f = empty_facts();
	parse_ok(f, "auth_log",
		 "Nov 16 10:00:00 h sshd[1]: Failed password for root from 203.0.113.5 port 1 ssh2\n"
		 "Nov 16 10:00:01 h sshd[1]: Failed password for invalid user bob from 203.0.113.5 port 1 ssh2\n"
		 "2025-11-16T10:00:02+09:00 h sshd[2]: Accepted publickey for ann from 10.0.0.1 port 2 ssh2: ED25519\n"
		 "Nov 16 10:00:03 h su[3]: pam_unix(su:auth): authentication failure; logname=ann uid=1000 euid=0 tty=/dev/pts/0 ruser=ann rhost=  user=root\n"
		 "Nov 16 10:00:04 h sshd[4]: pam_faillock(sshd:auth): Consecutive login failures for user root account temporarily locked\n"
		 "Nov 16 10:00:05 h kernel: unrelated\n");
	assert_int_equal(q_int(f, "SELECT count(*) FROM failed_logons"), 3);
	assert_int_equal(q_int(f, "SELECT count(*) FROM auth_events WHERE event = 'accepted' AND user = 'ann'"), 1);
	assert_int_equal(q_int(f, "SELECT time FROM auth_events WHERE event = 'accepted'"), 1763254802);
	assert_int_equal(q_int(f, "SELECT time FROM auth_events WHERE user = 'bob'"), 1763287201);
	assert_int_equal(q_int(f, "SELECT count(*) FROM auth_events WHERE event = 'locked-out'"), 1);
	PARTIAL(f, "auth_log", "garbage without a timestamp\n", "no syslog timestamp");
	parse_ok(f, "journal_json", "{\"MESSAGE\":\"Failed password for x from 192.0.2.1 port 3 ssh2\",\"SYSLOG_IDENTIFIER\":\"sshd\",\"__REALTIME_TIMESTAMP\":\"1763300000000000\"}\n");
	assert_int_equal(q_int(f, "SELECT time FROM auth_events WHERE user = 'x'"), 1763300000);
	PARTIAL(f, "journal_json", "{not json\n", "not a JSON object");
	/* utmp: one good record and a truncated one */
	uint8_t rec[384 + 100];
	memset(rec, 0, sizeof rec);
	rec[0] = 6;
	memcpy(rec + 8, "tty1", 4);
	memcpy(rec + 44, "mallory", 7);
	memcpy(rec + 76, "198.51.100.7", 12);
	rec[340] = 0x10;
	rec[343] = 0x60;
	expect_partial(f, "btmp", rec, sizeof rec, "truncated utmp record");
	char *v = q_text(f, "SELECT user || '@' || host FROM logins WHERE source = 'btmp'");
	assert_string_equal(v, "mallory@198.51.100.7");
	free(v);
	rec[0] = 77; /* not a utmp type */
	expect_partial(f, "wtmp", rec, 384, "not a utmp record");
	parse_ok(f, "clamav_log", "Sun Nov 16 11:20:33 2025 -> /home/a b: c.txt: Eicar-Signature FOUND\nother line\n");
	v = q_text(f, "SELECT path || '|' || signature || '|' || time FROM malware_detections");
	assert_string_equal(v, "/home/a b: c.txt|Eicar-Signature|1763292033");
	free(v);
	mm_facts_close(f);
}

static void test_firewall_and_config(void **state)
{
	(void)state;
	mm_facts *f = empty_facts();
	parse_ok(f, "nftables_conf", "table inet filter {\n chain input { type filter hook input priority 0; policy drop;\n"
				     "  tcp dport { 22,\n 443 } accept # c\n }\n}\n");
	char *v = q_text(f, "SELECT rule FROM firewall_rules");
	assert_string_equal(v, "tcp dport { 22, 443 } accept");
	free(v);
	v = q_text(f, "SELECT policy || hook FROM firewall_chains");
	assert_string_equal(v, "dropinput");
	free(v);
	assert_int_equal(q_int(f, "SELECT length(sha256) FROM firewall"), 64);
	PARTIAL(f, "nftables_conf", "}\n", "unbalanced");
	parse_ok(f, "iptables_save", "*filter\n:INPUT DROP [0:0]\n:mine - [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n");
	assert_int_equal(q_int(f, "SELECT count(*) FROM firewall_chains WHERE family = 'ip' AND policy = 'drop'"), 1);
	/* counters are not part of the normalized ruleset (its hash stays put) */
	assert_int_equal(q_int(f, "SELECT rules FROM firewall WHERE normalized ="
				  " '*filter' || char(10) || ':INPUT DROP' || char(10) || ':mine -' || char(10)"
				  " || '-A INPUT -i lo -j ACCEPT' || char(10) || 'COMMIT' || char(10)"), 1);
	PARTIAL(f, "iptables_save", "-A INPUT -j DROP\n", "rule before a table");
	parse_ok(f, "nft_json", "{\"nftables\":[{\"metainfo\":{\"version\":\"1\"}},{\"chain\":{\"family\":\"inet\",\"table\":\"t\","
				"\"name\":\"in\",\"handle\":1,\"type\":\"filter\",\"hook\":\"input\",\"prio\":0,\"policy\":\"drop\"}},"
				"{\"rule\":{\"family\":\"inet\",\"table\":\"t\",\"chain\":\"in\",\"handle\":4,\"expr\":[{\"accept\":null}]}}]}");
	v = q_text(f, "SELECT rule FROM firewall_rules WHERE table_name = 't'");
	assert_string_equal(v, "[{\"accept\":null}]");
	free(v);
	mm_err e = {0};
	assert_int_equal(mm_facts_parse(f, "nft_json", "[1,2", 4, &e), MM_EINVAL);
	parse_ok(f, "resolv_conf", "nameserver 10.0.0.53\nsearch example\n");
	assert_int_equal(q_int(f, "SELECT count(*) FROM dns_servers"), 1);
	PARTIAL(f, "resolv_conf", "nameserver\n", "nameserver without an address");
	parse_ok(f, "ifupdown", "auto eth0\niface eth0 inet static\n address 10.0.0.5/24\n");
	PARTIAL(f, "ifupdown", "address 1.2.3.4\n", "outside an iface stanza");
	parse_ok(f, "dconf", "[org/gnome/desktop/session]\nidle-delay=uint32 300\n");
	PARTIAL(f, "dconf", "[broken\n", "section header");
	parse_ok(f, "rsyslog", "auth,authpriv.* /var/log/auth.log\n$ModLoad imuxsock\n");
	PARTIAL(f, "rsyslog", "nodot /var/log/x\n", "facility.priority");
	parse_ok(f, "proc_net_route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\n"
				      "eth0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n");
	v = q_text(f, "SELECT gateway FROM routes");
	assert_string_equal(v, "10.0.0.1");
	free(v);
	PARTIAL(f, "proc_net_route", "eth0 XYZ\n", "expected at least 8 fields");
	assert_int_equal(mm_facts_parse(f, "no-such-parser", "", 0, &e), MM_ENOTFOUND);
	/* every parser survives binary junk */
	uint8_t junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	for (const char *const *p = mm_facts_parser_names(); *p; p++)
		if (mm_facts_parse(f, *p, junk, sizeof junk, &e) == MM_ENOMEM)
			fail_msg("%s: out of memory", *p);
	/* text stays printable UTF-8 */
	parse_ok(f, "resolv_conf", "search \x1b[31mred\xff\n");
	v = q_text(f, "SELECT value FROM resolv_conf WHERE key = 'search' ORDER BY rowid DESC LIMIT 1");
	assert_string_equal(v, "\\x1b[31mred\\xff");
	free(v);
	mm_facts_close(f);
}

/* ---- a hostile tree on disk ---- */

static char tree[4096];

static void put(const char *rel, const char *text)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", tree, rel);
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", p);
	for (char *s = dir + strlen(tree) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		(void)mkdir(dir, 0755);
		*s = '/';
	}
	FILE *fp = fopen(p, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *status_of(mm_facts *f, const char *source)
{
	char sql[512];
	snprintf(sql, sizeof sql, "SELECT status || ': ' || COALESCE(detail, '') FROM collector_status WHERE source = '%s'",
		 source);
	return q_text(f, sql);
}

static void test_hostile_tree(void **state)
{
	(void)state;
	assert_int_equal(scratch_make(tree, sizeof tree, "facts-tree."), 0);
	put("real-group", "insidegroup:x:5:\n");
	put("etc/hostname", "hostile\n");
	char p[4096], q[4096];
	/* an absolute symlink resolves inside the root, never to the host's file */
	snprintf(p, sizeof p, "%s/etc/group", tree);
	assert_int_equal(symlink("/real-group", p), 0);
	snprintf(p, sizeof p, "%s/etc/passwd", tree);
	assert_int_equal(symlink("/etc/passwd/../../../../etc/passwd", p), 0);
	/* a FIFO where a log should be: not read, not waited on */
	snprintf(p, sizeof p, "%s/var/log", tree);
	put("var/log/wtmp", "");
	snprintf(q, sizeof q, "%s/auth.log", p);
	assert_int_equal(mkfifo(q, 0600), 0);
	/* a 2 GB btmp (sparse) and a 2 GB auth.log ending in one real line */
	snprintf(q, sizeof q, "%s/btmp", p);
	int fd = open(q, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)2 << 30), 0);
	close(fd);
	put("var/log/auth.log.1", "");
	snprintf(q, sizeof q, "%s/auth.log.1", p);
	fd = open(q, O_WRONLY);
	const char *last = "\nNov 16 10:00:00 h sshd[1]: Failed password for root from 192.0.2.9 port 1 ssh2\n";
	assert_int_equal(pwrite(fd, last, strlen(last), ((off_t)2 << 30) - (off_t)strlen(last)), (ssize_t)strlen(last));
	close(fd);
	/* a directory where a file should be, a huge dpkg status line */
	snprintf(p, sizeof p, "%s/etc/shadow", tree);
	assert_int_equal(mkdir(p, 0755), 0);

	mm_facts *f = NULL;
	mm_err e = {0};
	assert_int_equal(mm_facts_open(&f, tree, NOW, &e), MM_OK);
	assert_false(mm_facts_live(f));
	int64_t t0 = mm_mono_ns();
	assert_int_equal(mm_facts_collect(f, &e), MM_OK);
	assert_true(mm_mono_ns() - t0 < 20ll * 1000000000);
	assert_int_equal(q_int(f, "SELECT count(*) FROM groups WHERE name = 'insidegroup'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM passwd"), 0);
	char *s = status_of(f, "etc/passwd");
	assert_non_null(s);
	assert_null(strstr(s, "ok"));
	free(s);
	s = status_of(f, "var/log/auth.log");
	assert_non_null(strstr(s, "error: cannot open: not a regular file"));
	free(s);
	s = status_of(f, "etc/shadow");
	assert_non_null(strstr(s, "error"));
	free(s);
	s = status_of(f, "var/log/auth.log.1");
	assert_non_null(strstr(s, "partial: read only the last"));
	free(s);
	assert_int_equal(q_int(f, "SELECT count(*) FROM failed_logons WHERE remote = '192.0.2.9'"), 1);
	s = status_of(f, "var/log/btmp");
	assert_non_null(strstr(s, "partial"));
	free(s);
	/* live-only sources are not collected under a fixture root */
	s = status_of(f, "live: nft");
	assert_non_null(strstr(s, "not-collected"));
	free(s);
	s = status_of(f, "live: adjtimex");
	assert_non_null(strstr(s, "not-collected"));
	free(s);
	s = q_text(f, "SELECT hostname FROM host");
	assert_string_equal(s, "hostile");
	free(s);
	mm_facts_close(f);
	assert_int_equal(mm_facts_open(&f, "/nonexistent/root", NOW, &e), MM_ENOTFOUND);
	assert_non_null(strstr(e.msg, "--root /nonexistent/root"));
	/* remove the 2 GB files at once (sparse, but still) */
	snprintf(q, sizeof q, "%s/var/log/btmp", tree);
	unlink(q);
	snprintf(q, sizeof q, "%s/var/log/auth.log.1", tree);
	unlink(q);
	assert_int_equal(scratch_remove(tree), 0);
}

/* The fixture hosts: the owning process of a socket comes from proc/[pid]/fd. */
static void test_fixture_sockets(void **state)
{
	(void)state;
	const char *src = getenv("MM_SRC");
	char root[4096];
	snprintf(root, sizeof root, "%s/tests/fixtures/hosts/noncompliant", src ? src : ".");
	mm_facts *f = NULL;
	mm_err e = {0};
	assert_int_equal(mm_facts_open(&f, root, NOW, &e), MM_OK);
	assert_int_equal(mm_facts_collect(f, &e), MM_OK);
	char *v = q_text(f, "SELECT process || ' ' || pid FROM listening WHERE local_port = 1521");
	assert_string_equal(v, "tnslsnr 810");
	free(v);
	v = q_text(f, "SELECT serial FROM usb_devices WHERE vendor_id = '0781'");
	assert_string_equal(v, "4C530001230517116283");
	free(v);
	assert_int_equal(q_int(f, "SELECT removable FROM block_devices WHERE name = 'sdb'"), 1);
	assert_int_equal(q_int(f, "SELECT count(*) FROM collector_status WHERE status = 'error'"), 0);
	mm_facts_close(f);
}

int main(void)
{
	if (mm_crypto_init() != MM_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_policy_files),
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_packages_and_sockets),
		cmocka_unit_test(test_logs),
		cmocka_unit_test(test_firewall_and_config),
		cmocka_unit_test(test_hostile_tree),
		cmocka_unit_test(test_fixture_sockets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
