/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sockets from proc/net/{tcp,tcp6,udp,udp6}, with the owning process where
 * proc/[pid]/fd shows it (socket:[inode] links). Addresses in these files
 * are the kernel's words in little-endian order, as on x86 and ARM hosts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts/facts_int.h"
#include "base/banned.h"

static const char *const tcp_states[] = {
	"UNKNOWN",   "ESTABLISHED", "SYN_SENT", "SYN_RECV",   "FIN_WAIT1", "FIN_WAIT2",
	"TIME_WAIT", "CLOSE",       "CLOSE_WAIT", "LAST_ACK", "LISTEN",    "CLOSING",
	"NEW_SYN_RECV",
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool hex_u32(const char *s, size_t n, uint32_t *v)
{
	if (n == 0 || n > 8)
		return false;
	uint32_t x = 0;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(s[i]);
		if (h < 0)
			return false;
		x = x << 4 | (uint32_t)h;
	}
	*v = x;
	return true;
}

/* "0100007F" (8 hex) or 32 hex digits: address words in little-endian order. */
bool facts_hex_addr(const char *s, size_t n, char *out, size_t cap)
{
	uint8_t b[16];
	if (n != 8 && n != 32)
		return false;
	for (size_t w = 0; w < n / 8; w++) {
		uint32_t v;
		if (!hex_u32(s + 8 * w, 8, &v))
			return false;
		b[4 * w] = (uint8_t)v;
		b[4 * w + 1] = (uint8_t)(v >> 8);
		b[4 * w + 2] = (uint8_t)(v >> 16);
		b[4 * w + 3] = (uint8_t)(v >> 24);
	}
	return inet_ntop(n == 8 ? AF_INET : AF_INET6, b, out, (socklen_t)cap) != NULL;
}

/* "ADDR:PORT" of proc/net/tcp. */
static bool endpoint(const char *s, char *addr, size_t cap, int64_t *port)
{
	const char *colon = strchr(s, ':');
	uint32_t p;
	if (!colon || !facts_hex_addr(s, (size_t)(colon - s), addr, cap) ||
	    !hex_u32(colon + 1, strlen(colon + 1), &p) || p > 65535)
		return false;
	*port = p;
	return true;
}

int parse_proc_net_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || str_starts(t, "sl "))
		return MM_OK;
	char *w[12];
	size_t n = 0;
	while (*t && n < 12) {
		w[n++] = t;
		t += strcspn(t, " \t");
		if (*t)
			*t++ = '\0';
		while (*t == ' ' || *t == '\t')
			t++;
	}
	if (n < 10)
		return src_bad(s, "expected at least 10 fields");
	char la[INET6_ADDRSTRLEN], ra[INET6_ADDRSTRLEN];
	int64_t lp, rp, uid, inode;
	uint32_t st;
	if (!endpoint(w[1], la, sizeof la, &lp) || !endpoint(w[2], ra, sizeof ra, &rp))
		return src_bad(s, "malformed address");
	if (!hex_u32(w[3], strlen(w[3]), &st))
		return src_bad(s, "malformed state");
	if (!str_int(w[7], &uid) || !str_int(w[9], &inode) || uid < 0 || inode < 0)
		return src_bad(s, "malformed uid or inode");
	const char *state = st < sizeof tcp_states / sizeof tcp_states[0] ? tcp_states[st] : "UNKNOWN";
	return ROW(s->f, s, "INSERT INTO sockets VALUES(?,?,?,?,?,?,?,?,NULL,NULL)",
		   FS(s->arg ? s->arg : "tcp"), FS(la), FI(lp), FS(ra), FI(rp), FS(state), FI(uid),
		   FI(inode));
}

/* Map socket inodes to processes through proc/[pid]/fd links. */
static int owners(mm_facts *f)
{
	int rc = MM_OK;
	sqlite3_stmt *pids = NULL;
	if (sqlite3_prepare_v2(f->db, "SELECT pid FROM processes WHERE kernel_thread = 0", -1, &pids,
			       NULL) != SQLITE_OK)
		return MM_EDB;
	if (facts_exec(f, "CREATE TEMP TABLE socket_owner(inode INTEGER PRIMARY KEY, pid INTEGER)"))
		rc = MM_EDB;
	size_t links = 0;
	while (rc == MM_OK && sqlite3_step(pids) == SQLITE_ROW) {
		char rel[64];
		snprintf(rel, sizeof rel, "proc/%lld/fd", (long long)sqlite3_column_int64(pids, 0));
		int dfd = facts_openat(f, rel, true);
		if (dfd < 0)
			continue;
		fdir d;
		if (facts_listdir_fd(dfd, &d) == 0) {
			for (size_t i = 0; rc == MM_OK && i < d.n && links < MM_FACTS_ROWS_MAX; i++) {
				char target[64];
				ssize_t n = readlinkat(dfd, d.names[i], target, sizeof target - 1);
				if (n <= 8)
					continue;
				target[n] = '\0';
				int64_t inode;
				char *end = strchr(target, ']');
				if (!str_starts(target, "socket:[") || !end)
					continue;
				*end = '\0';
				if (!str_int(target + 8, &inode))
					continue;
				links++;
				rc = ROW(f, NULL, "INSERT OR IGNORE INTO temp.socket_owner VALUES(?,?)",
					 FI(inode), FI(sqlite3_column_int64(pids, 0)));
			}
			fdir_release(&d);
		}
		close(dfd);
	}
	sqlite3_finalize(pids);
	if (rc == MM_OK)
		rc = facts_exec(f, "UPDATE sockets SET pid = (SELECT pid FROM temp.socket_owner o"
				   " WHERE o.inode = sockets.inode) WHERE inode <> 0;"
				   "UPDATE sockets SET process = (SELECT name FROM processes p"
				   " WHERE p.pid = sockets.pid) WHERE pid IS NOT NULL;"
				   "DROP TABLE temp.socket_owner;");
	return rc;
}

int collect_sockets(mm_facts *f)
{
	static const char *const protos[] = {"tcp", "tcp6", "udp", "udp6"};
	int rc = MM_OK;
	for (size_t i = 0; rc == MM_OK && i < 4; i++) {
		char rel[32];
		snprintf(rel, sizeof rel, "proc/net/%s", protos[i]);
		fsrc s;
		src_init(&s, f, "sockets", rel);
		s.arg = protos[i];
		rc = src_read_lines(&s, rel, MM_FACTS_EXEC_OUT_MAX, false, parse_proc_net_line);
		int frc = src_finish(&s);
		if (!rc)
			rc = frc;
	}
	if (rc == MM_OK)
		rc = owners(f);
	return rc;
}
