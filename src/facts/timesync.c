/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Time synchronisation. Live: the kernel's clock state through adjtimex(2)
 * — synchronised when STA_UNSYNC is clear and the maximum error is under
 * 16 s, the rule timedatectl's NTPSynchronized uses — with its offset.
 * Elsewhere: captured `timedatectl show` or `chronyc -c tracking` output
 * under var/lib/mamori/captured/. Configured servers come from
 * etc/chrony/chrony.conf (and sources.d) and etc/systemd/timesyncd.conf.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timex.h>

#include "facts/facts_int.h"
#include "base/banned.h"

static int live_state(mm_facts *f)
{
	struct timex tx;
	memset(&tx, 0, sizeof tx);
	int state = adjtimex(&tx);
	if (state < 0)
		return facts_status(f, "time_sync", "live: adjtimex", ST_ERROR, 0, "%s", strerror(errno));
	bool synced = !(tx.status & STA_UNSYNC) && tx.maxerror < 16000000;
	int64_t offset = tx.status & STA_NANO ? tx.offset / 1000 : tx.offset;
	char detail[128];
	snprintf(detail, sizeof detail, "kernel status 0x%x, state %d, estimated error %ld us",
		 (unsigned)tx.status, state, tx.esterror);
	int rc = ROW(f, NULL, "INSERT INTO time_sync VALUES(?,?,?,?,?)", FS("adjtimex"), FI(synced),
		     FI(offset), FI(tx.maxerror), FS(detail));
	return rc ? rc : facts_status(f, "time_sync", "live: adjtimex", ST_OK, 1, NULL);
}

/* Seconds as decimal text ("-0.000012345") to microseconds, without floats. */
static bool seconds_to_us(const char *s, int64_t *us)
{
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	int64_t whole = 0, frac = 0;
	int digits = 0;
	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (whole > 1000000000)
			return false;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			if (digits < 6) {
				frac = frac * 10 + (*s - '0');
				digits++;
			}
	if (*s)
		return false;
	while (digits++ < 6)
		frac *= 10;
	*us = (whole * 1000000 + frac) * (neg ? -1 : 1);
	return true;
}

static int captured_state(mm_facts *f)
{
	char buf[4096];
	const char *rel = "var/lib/mamori/captured/timedatectl.txt";
	if (facts_read_small(f, rel, buf, sizeof buf) >= 0) {
		bool ntp = strstr(buf, "NTP=yes") != NULL;
		bool synced = strstr(buf, "NTPSynchronized=yes") != NULL;
		int rc = ROW(f, NULL, "INSERT INTO time_sync VALUES(?,?,?,?,?)", FS("timedatectl"),
			     FI(synced), FNULL, FNULL, FS(ntp ? "NTP=yes" : "NTP=no"));
		return rc ? rc : facts_status(f, "time_sync", rel, ST_OK, 1, NULL);
	}
	rel = "var/lib/mamori/captured/chronyc-tracking.csv";
	if (facts_read_small(f, rel, buf, sizeof buf) >= 0) {
		char *fld[15];
		size_t n = str_split(buf, ',', fld, 15);
		int64_t off;
		if (n != 14 || !seconds_to_us(fld[4], &off))
			return facts_status(f, "time_sync", rel, ST_ERROR, 0,
					    "not `chronyc -c tracking` output (14 fields)");
		bool synced = strcmp(str_trim(fld[13]), "Normal") == 0;
		int rc = ROW(f, NULL, "INSERT INTO time_sync VALUES(?,?,?,?,?)", FS("chronyc"),
			     FI(synced), FI(off), FNULL, FS(fld[1]));
		return rc ? rc : facts_status(f, "time_sync", rel, ST_OK, 1, NULL);
	}
	return facts_status(f, "time_sync", "live: adjtimex", ST_NOT_COLLECTED, 0,
			    "live source; --root is not / and no captured timedatectl.txt or "
			    "chronyc-tracking.csv");
}

static int parse_ntp_line(fsrc *s, char *line, size_t len)
{
	(void)len;
	char *t = str_trim(line);
	if (!*t || *t == '#' || *t == '!' || *t == ';' || *t == '[')
		return MM_OK;
	if (str_starts(t, "NTP=") || str_starts(t, "FallbackNTP=")) {
		char *eq = strchr(t, '=');
		*eq = '\0';
		char *v = eq + 1;
		int rc = MM_OK;
		while (rc == MM_OK && *(v = str_trim(v))) {
			size_t n = strcspn(v, " \t");
			rc = ROW(s->f, s, "INSERT INTO ntp_servers VALUES(?,?,?)", FSN(v, n), FS(t),
				 FS(s->source));
			v += n;
		}
		return rc;
	}
	static const char *const kinds[] = {"server ", "pool ", "peer "};
	for (size_t i = 0; i < 3; i++) {
		if (str_starts(t, kinds[i])) {
			char *v = str_trim(t + strlen(kinds[i]));
			size_t n = strcspn(v, " \t");
			if (!n)
				return src_bad(s, "server without a name");
			return ROW(s->f, s, "INSERT INTO ntp_servers VALUES(?,?,?)", FSN(v, n),
				   FSN(kinds[i], strlen(kinds[i]) - 1), FS(s->source));
		}
	}
	return MM_OK;
}

static int read_conf(mm_facts *f, const char *rel)
{
	return facts_read_config(f, "time_sync", rel, parse_ntp_line, NULL, NULL, FR_QUIET_MISSING);
}

int collect_time_sync(mm_facts *f)
{
	int rc = f->live ? live_state(f) : captured_state(f);
	if (!rc)
		rc = read_conf(f, "etc/chrony/chrony.conf");
	fdir d;
	if (!rc && facts_listdir(f, "etc/chrony/sources.d", &d) == 0) {
		for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
			char rel[512];
			snprintf(rel, sizeof rel, "etc/chrony/sources.d/%s", d.names[i]);
			rc = read_conf(f, rel);
		}
		fdir_release(&d);
	}
	if (!rc)
		rc = read_conf(f, "etc/systemd/timesyncd.conf");
	return rc;
}
