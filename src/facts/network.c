/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Network settings: interfaces (sys/class/net), addresses (live: netlink
 * through getifaddrs; otherwise a captured `ip -j address` and
 * proc/net/if_inet6), routes (proc/net/route, proc/net/ipv6_route), DNS
 * (etc/resolv.conf and systemd-resolved's upstream file) and the static
 * configuration (etc/network/interfaces, etc/systemd/network/<*>.network).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "facts/facts_int.h"
#include "base/banned.h"

/* ---- interfaces ---- */

static int collect_interfaces(mm_facts *f)
{
	fdir d;
	if (facts_listdir(f, "sys/class/net", &d) != 0)
		return facts_status(f, "network", "sys/class/net", errno == ENOENT ? ST_MISSING : ST_ERROR,
				    0, "%s", errno == ENOENT ? "not present" : strerror(errno));
	int rc = MM_OK;
	int64_t rows = 0;
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		const char *n = d.names[i];
		char rel[512], mac[64] = "", oper[32] = "", mtu_s[16] = "", type_s[16] = "", car[8] = "";
		snprintf(rel, sizeof rel, "sys/class/net/%s/address", n);
		if (facts_read_small(f, rel, mac, sizeof mac) < 0 && errno == ENOENT)
			continue; /* not an interface directory (bonding_masters...) */
		snprintf(rel, sizeof rel, "sys/class/net/%s/operstate", n);
		(void)facts_read_small(f, rel, oper, sizeof oper);
		snprintf(rel, sizeof rel, "sys/class/net/%s/mtu", n);
		(void)facts_read_small(f, rel, mtu_s, sizeof mtu_s);
		snprintf(rel, sizeof rel, "sys/class/net/%s/type", n);
		(void)facts_read_small(f, rel, type_s, sizeof type_s);
		snprintf(rel, sizeof rel, "sys/class/net/%s/carrier", n);
		(void)facts_read_small(f, rel, car, sizeof car);
		int64_t mtu, type, carrier;
		bool hm = str_int(mtu_s, &mtu), ht = str_int(type_s, &type), hc = str_int(car, &carrier);
		rc = ROW(f, NULL, "INSERT INTO interfaces VALUES(?,?,?,?,?,?)", FS(n),
			 mac[0] ? FS(mac) : FNULL, oper[0] ? FS(oper) : FNULL, FIOPT(hm, mtu),
			 FIOPT(ht, type), FIOPT(hc, carrier));
		rows++;
	}
	fdir_release(&d);
	return rc ? rc : facts_status(f, "network", "sys/class/net", ST_OK, rows, NULL);
}

/* ---- addresses ---- */

static int prefix_of(const struct sockaddr *mask)
{
	if (!mask)
		return -1;
	const uint8_t *b;
	size_t n;
	if (mask->sa_family == AF_INET) {
		b = (const uint8_t *)&((const struct sockaddr_in *)(const void *)mask)->sin_addr;
		n = 4;
	} else if (mask->sa_family == AF_INET6) {
		b = (const uint8_t *)&((const struct sockaddr_in6 *)(const void *)mask)->sin6_addr;
		n = 16;
	} else {
		return -1;
	}
	int bits = 0;
	for (size_t i = 0; i < n; i++)
		bits += __builtin_popcount(b[i]);
	return bits;
}

static int addresses_live(mm_facts *f)
{
	struct ifaddrs *ifa = NULL;
	if (getifaddrs(&ifa) != 0)
		return facts_status(f, "network", "live: netlink addresses", ST_ERROR, 0, "%s",
				    strerror(errno));
	int rc = MM_OK;
	int64_t rows = 0;
	for (struct ifaddrs *a = ifa; a && rc == MM_OK; a = a->ifa_next) {
		if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET && a->ifa_addr->sa_family != AF_INET6))
			continue;
		char txt[INET6_ADDRSTRLEN];
		const void *src = a->ifa_addr->sa_family == AF_INET
					  ? (const void *)&((struct sockaddr_in *)(void *)a->ifa_addr)->sin_addr
					  : (const void *)&((struct sockaddr_in6 *)(void *)a->ifa_addr)->sin6_addr;
		if (!inet_ntop(a->ifa_addr->sa_family, src, txt, sizeof txt))
			continue;
		int pl = prefix_of(a->ifa_netmask);
		rc = ROW(f, NULL, "INSERT INTO addresses VALUES(?,?,?,?,?)", FS(a->ifa_name),
			 FS(a->ifa_addr->sa_family == AF_INET ? "inet" : "inet6"), FS(txt),
			 FIOPT(pl >= 0, pl), FS("netlink"));
		rows++;
	}
	freeifaddrs(ifa);
	return rc ? rc : facts_status(f, "network", "live: netlink addresses", ST_OK, rows, NULL);
}

static int addresses_captured(mm_facts *f)
{
	const char *rel = "var/lib/mamori/captured/ip-address.json";
	mm_buf b;
	mm_buf_init(&b, MM_FACTS_CONFIG_MAX);
	int rc = MM_OK;
	if (facts_read_whole(f, rel, MM_FACTS_CONFIG_MAX, &b) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			rc = facts_status(f, "network", "live: netlink addresses", ST_NOT_COLLECTED, 0,
					  "live source; --root is not / and there is no %s", rel);
		else
			rc = facts_status(f, "network", rel, ST_ERROR, 0, "cannot read: %s",
					  strerror(errno));
		mm_buf_release(&b);
		return rc;
	}
	json_error_t je;
	json_t *root = json_loadb((const char *)b.p, b.len, 0, &je);
	mm_buf_release(&b);
	if (!json_is_array(root)) {
		json_decref(root);
		return facts_status(f, "network", rel, ST_ERROR, 0,
				    "not `ip -j address` output (line %d: %s)", je.line, je.text);
	}
	int64_t rows = 0;
	size_t i, k;
	json_t *link, *ai;
	json_array_foreach(root, i, link) {
		const char *ifname = json_string_value(json_object_get(link, "ifname"));
		json_array_foreach(json_object_get(link, "addr_info"), k, ai) {
			const char *fam = json_string_value(json_object_get(ai, "family"));
			const char *local = json_string_value(json_object_get(ai, "local"));
			json_t *pl = json_object_get(ai, "prefixlen");
			if (!fam || !local)
				continue;
			rc = ROW(f, NULL, "INSERT INTO addresses VALUES(?,?,?,?,?)", FS(ifname), FS(fam),
				 FS(local), json_is_integer(pl) ? FI(json_integer_value(pl)) : FNULL,
				 FS("captured"));
			if (rc)
				break;
			rows++;
		}
		if (rc)
			break;
	}
	json_decref(root);
	return rc ? rc : facts_status(f, "network", rel, ST_OK, rows, NULL);
}

/* 32 hex digits in network order (if_inet6, ipv6_route). */
static bool hex6(const char *s, char *out, size_t cap)
{
	uint8_t b[16];
	if (strlen(s) != 32 || !mm_hex_decode(s, 32, b, 16))
		return false;
	return inet_ntop(AF_INET6, b, out, (socklen_t)cap) != NULL;
}

static int split_ws(char *t, char **w, int max)
{
	int n = 0;
	while (*t && n < max) {
		while (*t == ' ' || *t == '\t')
			t++;
		if (!*t)
			break;
		w[n++] = t;
		t += strcspn(t, " \t");
		if (*t)
			*t++ = '\0';
	}
	return n;
}

static int parse_if_inet6_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *w[6];
	if (split_ws(line, w, 6) != 6)
		return src_bad(s, "expected 6 fields");
	char addr[INET6_ADDRSTRLEN];
	uint8_t pl;
	if (!hex6(w[0], addr, sizeof addr) || strlen(w[2]) != 2 || !mm_hex_decode(w[2], 2, &pl, 1))
		return src_bad(s, "malformed address");
	return ROW(s->f, s, "INSERT INTO addresses VALUES(?,?,?,?,?)", FS(w[5]), FS("inet6"),
		   FS(addr), FI(pl), FS("proc/net/if_inet6"));
}

/* ---- routes ---- */

int parse_proc_route_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *w[11];
	int n = split_ws(line, w, 11);
	if (n == 0 || strcmp(w[0], "Iface") == 0)
		return MM_OK;
	if (s->arg && strcmp(s->arg, "ipv6") == 0) {
		if (n != 10)
			return src_bad(s, "expected 10 fields");
		char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
		uint8_t pl, flags[4], metric[4];
		if (!hex6(w[0], dst, sizeof dst) || !hex6(w[4], gw, sizeof gw) || strlen(w[1]) != 2 ||
		    !mm_hex_decode(w[1], 2, &pl, 1) || strlen(w[8]) != 8 ||
		    !mm_hex_decode(w[8], 8, flags, 4) || strlen(w[5]) != 8 ||
		    !mm_hex_decode(w[5], 8, metric, 4))
			return src_bad(s, "malformed route");
		if (!(flags[3] & 1)) /* RTF_UP */
			return MM_OK;
		uint32_t m = (uint32_t)metric[0] << 24 | (uint32_t)metric[1] << 16 |
			     (uint32_t)metric[2] << 8 | metric[3];
		return ROW(s->f, s, "INSERT INTO routes VALUES(?,?,?,?,?,?,?)", FS("inet6"), FS(dst),
			   FI(pl), strcmp(gw, "::") ? FS(gw) : FNULL, FS(w[9]), FI(m), FS(s->source));
	}
	if (n < 8)
		return src_bad(s, "expected at least 8 fields");
	char dst[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], mask[INET_ADDRSTRLEN];
	int64_t flags, metric;
	if (!facts_hex_addr(w[1], strlen(w[1]), dst, sizeof dst) ||
	    !facts_hex_addr(w[2], strlen(w[2]), gw, sizeof gw) ||
	    !facts_hex_addr(w[7], strlen(w[7]), mask, sizeof mask) || !str_int(w[6], &metric))
		return src_bad(s, "malformed route");
	uint8_t fb[4] = {0};
	if (strlen(w[3]) != 4 || !mm_hex_decode(w[3], 4, fb, 2))
		return src_bad(s, "malformed flags");
	flags = fb[0] << 8 | fb[1];
	if (!(flags & 1))
		return MM_OK;
	struct in_addr ma;
	inet_pton(AF_INET, mask, &ma);
	int pl = __builtin_popcount(ma.s_addr);
	return ROW(s->f, s, "INSERT INTO routes VALUES(?,?,?,?,?,?,?)", FS("inet"), FS(dst), FI(pl),
		   strcmp(gw, "0.0.0.0") ? FS(gw) : FNULL, FS(w[0]), FI(metric), FS(s->source));
}

/* ---- DNS ---- */

int parse_resolv_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || *t == '#' || *t == ';')
		return MM_OK;
	char *sp = t + strcspn(t, " \t");
	char *val = NULL;
	if (*sp) {
		*sp = '\0';
		val = str_trim(sp + 1);
	}
	int rc = ROW(s->f, s, "INSERT INTO resolv_conf VALUES(?,?,?)", FS(t), val ? FS(val) : FNULL,
		     FI(s->lineno));
	if (rc == MM_OK && strcmp(t, "nameserver") == 0) {
		if (!val || !*val)
			return src_bad(s, "nameserver without an address");
		rc = ROW(s->f, s, "INSERT INTO dns_servers VALUES(?,?)", FS(val), FS(s->source));
	}
	return rc;
}

/* ---- static configuration ---- */

struct ini_state {
	char section[512];
};
_Static_assert(sizeof(struct ini_state) <= FACTS_STATE_MAX, "ini state");

int parse_ini_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	struct ini_state *st = s->st;
	char *t = str_trim(line);
	if (!*t || *t == '#' || *t == ';')
		return MM_OK;
	if (*t == '[') {
		char *close = strrchr(t, ']');
		if (!close)
			return src_bad(s, "section header without ']'");
		*close = '\0';
		snprintf(st->section, sizeof st->section, "%s", t + 1);
		return MM_OK;
	}
	char *eq = strchr(t, '=');
	if (!eq)
		return src_bad(s, "expected key=value");
	*eq = '\0';
	char *key = str_trim(t), *val = str_trim(eq + 1);
	if (!*key)
		return src_bad(s, "empty key");
	if (s->arg && strcmp(s->arg, "dconf") == 0)
		return ROW(s->f, s, "INSERT INTO dconf VALUES(?,?,?,?,0)", FS(s->source),
			   FS(st->section), FS(key), FS(val));
	return ROW(s->f, s, "INSERT INTO network_config VALUES(?,?,?,?,?)", FS(s->source),
		   FS(st->section), FS(key), FS(val), FI(s->lineno));
}

struct ifupdown_state {
	char stanza[512];
};
_Static_assert(sizeof(struct ifupdown_state) <= FACTS_STATE_MAX, "ifupdown state");

int parse_ifupdown_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	struct ifupdown_state *st = s->st;
	char *t = str_trim(line);
	if (!*t || *t == '#')
		return MM_OK;
	char *sp = t + strcspn(t, " \t");
	char *val = NULL;
	if (*sp) {
		*sp = '\0';
		val = str_trim(sp + 1);
	}
	if (strcmp(t, "iface") == 0 || strcmp(t, "mapping") == 0) {
		snprintf(st->stanza, sizeof st->stanza, "%s %s", t, val ? val : "");
		return ROW(s->f, s, "INSERT INTO network_config VALUES(?,?,?,?,?)", FS(s->source),
			   FS(st->stanza), FS(t), val ? FS(val) : FNULL, FI(s->lineno));
	}
	if (strcmp(t, "auto") == 0 || str_starts(t, "allow-") || strcmp(t, "source") == 0 ||
	    strcmp(t, "source-directory") == 0)
		return ROW(s->f, s, "INSERT INTO network_config VALUES(?,?,?,?,?)", FS(s->source),
			   FNULL, FS(t), val ? FS(val) : FNULL, FI(s->lineno));
	if (!st->stanza[0])
		return src_bad(s, "option outside an iface stanza");
	return ROW(s->f, s, "INSERT INTO network_config VALUES(?,?,?,?,?)", FS(s->source),
		   FS(st->stanza), FS(t), val ? FS(val) : FNULL, FI(s->lineno));
}

static int read_lines(mm_facts *f, const char *rel, line_fn fn, const char *arg, bool quiet)
{
	return facts_read_config(f, "network", rel, fn, NULL, arg, quiet ? FR_QUIET_MISSING : 0);
}

static int read_dir_files(mm_facts *f, const char *dir, const char *suffix, line_fn fn,
			  const char *arg)
{
	fdir d;
	if (facts_listdir(f, dir, &d) != 0)
		return MM_OK;
	int rc = MM_OK;
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		size_t n = strlen(d.names[i]), k = strlen(suffix);
		if (n <= k || strcmp(d.names[i] + n - k, suffix) != 0 || d.names[i][0] == '.')
			continue;
		char rel[768];
		snprintf(rel, sizeof rel, "%s/%s", dir, d.names[i]);
		rc = read_lines(f, rel, fn, arg, true);
	}
	fdir_release(&d);
	return rc;
}

int collect_network(mm_facts *f)
{
	int rc = collect_interfaces(f);
	if (!rc)
		rc = f->live ? addresses_live(f) : addresses_captured(f);
	if (!rc && !f->live)
		rc = read_lines(f, "proc/net/if_inet6", parse_if_inet6_line, NULL, true);
	if (!rc)
		rc = read_lines(f, "proc/net/route", parse_proc_route_line, "ipv4", false);
	if (!rc)
		rc = read_lines(f, "proc/net/ipv6_route", parse_proc_route_line, "ipv6", true);
	if (!rc)
		rc = read_lines(f, "etc/resolv.conf", parse_resolv_line, NULL, false);
	if (!rc)
		rc = read_lines(f, "run/systemd/resolve/resolv.conf", parse_resolv_line, NULL, true);
	if (!rc)
		rc = read_lines(f, "etc/network/interfaces", parse_ifupdown_line, NULL, true);
	if (!rc)
		rc = read_dir_files(f, "etc/network/interfaces.d", "", parse_ifupdown_line, NULL);
	if (!rc)
		rc = read_dir_files(f, "etc/systemd/network", ".network", parse_ini_line, "networkd");
	return rc;
}
