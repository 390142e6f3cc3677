/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Devices: USB devices from sys/bus/usb/devices/<*> (vendor, product, serial,
 * device and interface classes) and block devices from sys/block/<*> with
 * their removable flag, size and whether they hang off USB.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "facts/facts_int.h"
#include "base/banned.h"

static ssize_t attr(mm_facts *f, const char *dir, const char *dev, const char *name, char *buf,
		    size_t cap)
{
	char rel[512];
	snprintf(rel, sizeof rel, "%s/%s/%s", dir, dev, name);
	ssize_t n = facts_read_small(f, rel, buf, cap);
	if (n < 0)
		buf[0] = '\0';
	return n;
}

static int collect_usb(mm_facts *f)
{
	const char *dir = "sys/bus/usb/devices";
	fdir d;
	if (facts_listdir(f, dir, &d) != 0)
		return facts_status(f, "devices", dir, errno == ENOENT ? ST_MISSING : ST_ERROR, 0, "%s",
				    errno == ENOENT ? "not present (no USB bus)" : strerror(errno));
	int rc = MM_OK;
	int64_t rows = 0;
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		const char *n = d.names[i];
		if (strchr(n, ':'))
			continue; /* an interface, summarised with its device */
		char vid[16], pid[16], man[256], prod[256], serial[256], cls[8];
		if (attr(f, dir, n, "idVendor", vid, sizeof vid) < 0)
			continue;
		attr(f, dir, n, "idProduct", pid, sizeof pid);
		attr(f, dir, n, "manufacturer", man, sizeof man);
		attr(f, dir, n, "product", prod, sizeof prod);
		attr(f, dir, n, "serial", serial, sizeof serial);
		attr(f, dir, n, "bDeviceClass", cls, sizeof cls);
		/* interface classes: entries "<device>:<config>.<interface>" */
		char ifc[256] = "";
		size_t off = 0, nl = strlen(n);
		for (size_t k = 0; k < d.n; k++) {
			if (strncmp(d.names[k], n, nl) != 0 || d.names[k][nl] != ':')
				continue;
			char c[8];
			if (attr(f, dir, d.names[k], "bInterfaceClass", c, sizeof c) <= 0)
				continue;
			if (!strstr(ifc, c) && off + strlen(c) + 2 < sizeof ifc)
				off += (size_t)snprintf(ifc + off, sizeof ifc - off, "%s%s", off ? "," : "", c);
		}
		rc = ROW(f, NULL, "INSERT INTO usb_devices VALUES(?,?,?,?,?,?,?,?,?)", FS(n), FS(vid),
			 pid[0] ? FS(pid) : FNULL, man[0] ? FS(man) : FNULL, prod[0] ? FS(prod) : FNULL,
			 serial[0] ? FS(serial) : FNULL, cls[0] ? FS(cls) : FNULL,
			 ifc[0] ? FS(ifc) : FNULL, FI(str_starts(n, "usb")));
		rows++;
	}
	fdir_release(&d);
	return rc ? rc : facts_status(f, "devices", dir, ST_OK, rows, NULL);
}

static int collect_block(mm_facts *f)
{
	const char *dir = "sys/block";
	int dfd = facts_openat(f, dir, true);
	fdir d;
	if (dfd < 0 || facts_listdir_fd(dfd, &d) != 0) {
		int e = errno;
		if (dfd >= 0)
			close(dfd);
		return facts_status(f, "devices", dir, e == ENOENT ? ST_MISSING : ST_ERROR, 0, "%s",
				    e == ENOENT ? "not present" : strerror(e));
	}
	int rc = MM_OK;
	int64_t rows = 0;
	for (size_t i = 0; rc == MM_OK && i < d.n; i++) {
		const char *n = d.names[i];
		if (str_starts(n, "loop") || str_starts(n, "ram") || str_starts(n, "zram"))
			continue;
		char rem[8], ro[8], size[32], vendor[128], model[128];
		attr(f, dir, n, "removable", rem, sizeof rem);
		attr(f, dir, n, "ro", ro, sizeof ro);
		attr(f, dir, n, "size", size, sizeof size);
		attr(f, dir, n, "device/vendor", vendor, sizeof vendor);
		attr(f, dir, n, "device/model", model, sizeof model);
		char link[1024];
		ssize_t ll = readlinkat(dfd, n, link, sizeof link - 1);
		fval usb = FNULL;
		if (ll > 0) {
			link[ll] = '\0';
			usb = FI(strstr(link, "/usb") != NULL);
		}
		int64_t r, o, sz;
		bool hr = str_int(rem, &r), ho = str_int(ro, &o), hs = str_int(size, &sz);
		rc = ROW(f, NULL, "INSERT INTO block_devices VALUES(?,?,?,?,?,?,?)", FS(n), FIOPT(hr, r),
			 FIOPT(ho, o), FIOPT(hs && sz >= 0 && sz < INT64_MAX / 512, sz * 512),
			 vendor[0] ? FS(vendor) : FNULL, model[0] ? FS(model) : FNULL, usb);
		rows++;
	}
	fdir_release(&d);
	close(dfd);
	return rc ? rc : facts_status(f, "devices", dir, ST_OK, rows, NULL);
}

int collect_devices(mm_facts *f)
{
	int rc = collect_usb(f);
	return rc ? rc : collect_block(f);
}
