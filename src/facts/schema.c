/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The fact tables and views. docs/facts.md documents every column; keep
 * the two in step. Times are Unix seconds (UTC) unless a column says days.
 */
#include "facts/facts_int.h"
#include "base/banned.h"

const char facts_schema_sql[] =
	/* the run */
	"CREATE TABLE host(hostname TEXT, os_id TEXT, os_version_id TEXT, os_name TEXT,"
	" kernel TEXT, machine_id TEXT, root TEXT NOT NULL, live INTEGER NOT NULL,"
	" collected_at INTEGER NOT NULL, agent_version TEXT NOT NULL);"
	"CREATE TABLE collector_status(collector TEXT NOT NULL, source TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK(status IN ('ok','missing','not-collected','partial','error')),"
	" detail TEXT, rows INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE files(path TEXT PRIMARY KEY, type TEXT, mode INTEGER, uid INTEGER, gid INTEGER,"
	" size INTEGER, mtime INTEGER);"
	"CREATE TABLE sysctl(key TEXT PRIMARY KEY, value TEXT);"

	/* accounts */
	"CREATE TABLE passwd(name TEXT NOT NULL, password_field TEXT NOT NULL, uid INTEGER, gid INTEGER,"
	" gecos TEXT, home TEXT, shell TEXT, line INTEGER);"
	"CREATE TABLE shadow(name TEXT NOT NULL, password_status TEXT NOT NULL, locked INTEGER NOT NULL,"
	" last_change INTEGER, min_days INTEGER, max_days INTEGER, warn_days INTEGER,"
	" inactive_days INTEGER, expire_date INTEGER, line INTEGER);"
	"CREATE TABLE groups(name TEXT NOT NULL, gid INTEGER, line INTEGER);"
	"CREATE TABLE group_members(group_name TEXT NOT NULL, member TEXT NOT NULL);"
	"CREATE INDEX passwd_name ON passwd(name);"
	"CREATE INDEX shadow_name ON shadow(name);"
	"CREATE TABLE login_defs(key TEXT NOT NULL, value TEXT, line INTEGER);"
	"CREATE VIEW accounts AS SELECT *, password_status IN ('usable','empty') AS usable_password FROM"
	" (SELECT p.name, p.uid, p.gid, p.gecos, p.home, p.shell,"
	" (COALESCE(p.shell,'') NOT IN ('','/usr/sbin/nologin','/sbin/nologin','/bin/false',"
	"  '/usr/bin/false','/bin/sync','/usr/bin/sync')) AS login_shell,"
	" CASE p.password_field WHEN 'shadow' THEN COALESCE(s.password_status,'no-shadow-entry')"
	"  WHEN 'empty' THEN 'empty' WHEN 'hash' THEN 'usable' ELSE 'none' END AS password_status,"
	" COALESCE(s.locked, 0) AS locked, s.last_change, s.min_days, s.max_days, s.warn_days,"
	" s.inactive_days, s.expire_date,"
	" (p.uid > 0 AND p.uid < COALESCE((SELECT CAST(value AS INTEGER) FROM login_defs"
	"  WHERE key = 'UID_MIN' ORDER BY line DESC LIMIT 1), 1000)) OR p.uid = 65534 AS system"
	" FROM passwd p LEFT JOIN shadow s ON s.name = p.name);"
	"CREATE VIEW memberships AS SELECT group_name, member, 'supplementary' AS kind FROM group_members"
	" UNION SELECT g.name, p.name, 'primary' FROM passwd p JOIN groups g ON g.gid = p.gid;"

	/* password and lockout policy */
	"CREATE TABLE pam(service TEXT NOT NULL, type TEXT NOT NULL, control TEXT, module TEXT,"
	" args TEXT, optional INTEGER NOT NULL DEFAULT 0, line INTEGER);"
	"CREATE TABLE pam_args(service TEXT NOT NULL, type TEXT NOT NULL, module TEXT NOT NULL,"
	" key TEXT NOT NULL, value TEXT, line INTEGER);"
	"CREATE TABLE pwquality(key TEXT NOT NULL, value TEXT, source TEXT NOT NULL, line INTEGER);"
	"CREATE TABLE faillock_conf(key TEXT NOT NULL, value TEXT, line INTEGER);"

	/* firewall */
	"CREATE TABLE firewall(source TEXT NOT NULL, sha256 TEXT NOT NULL, rules INTEGER NOT NULL,"
	" normalized TEXT NOT NULL);"
	"CREATE TABLE firewall_chains(family TEXT, table_name TEXT, chain TEXT NOT NULL, type TEXT,"
	" hook TEXT, priority TEXT, policy TEXT);"
	"CREATE TABLE firewall_rules(family TEXT, table_name TEXT, chain TEXT, position INTEGER,"
	" rule TEXT NOT NULL);"

	/* shares */
	"CREATE TABLE smb_conf(section TEXT NOT NULL, key TEXT NOT NULL, value TEXT, line INTEGER);"
	"CREATE TABLE smb_shares(name TEXT NOT NULL, path TEXT, guest_ok INTEGER, read_only INTEGER,"
	" browseable INTEGER, available INTEGER, valid_users TEXT, printable INTEGER, line INTEGER);"
	"CREATE TABLE nfs_exports(path TEXT NOT NULL, client TEXT NOT NULL, options TEXT,"
	" source TEXT, line INTEGER);"

	/* services and processes */
	"CREATE TABLE systemd_units(unit TEXT NOT NULL, path TEXT NOT NULL, origin TEXT NOT NULL);"
	"CREATE TABLE service_enablement(unit TEXT NOT NULL, state TEXT NOT NULL, wanted_by TEXT,"
	" origin TEXT NOT NULL);"
	"CREATE TABLE processes(pid INTEGER PRIMARY KEY, ppid INTEGER, uid INTEGER, name TEXT,"
	" state TEXT, cmdline TEXT, exe TEXT, kernel_thread INTEGER NOT NULL);"

	/* sockets */
	"CREATE TABLE sockets(proto TEXT NOT NULL, local_addr TEXT, local_port INTEGER,"
	" remote_addr TEXT, remote_port INTEGER, state TEXT, uid INTEGER, inode INTEGER,"
	" pid INTEGER, process TEXT);"
	"CREATE VIEW listening AS SELECT proto, local_addr, local_port, uid, pid, process FROM sockets"
	" WHERE (proto IN ('tcp','tcp6') AND state = 'LISTEN')"
	" OR (proto IN ('udp','udp6') AND remote_port = 0 AND state = 'CLOSE');"

	/* software */
	"CREATE TABLE packages(name TEXT NOT NULL, version TEXT, arch TEXT, status TEXT,"
	" source TEXT NOT NULL);"
	"CREATE INDEX packages_name ON packages(name);"

	/* network */
	"CREATE TABLE interfaces(name TEXT NOT NULL, mac TEXT, operstate TEXT, mtu INTEGER,"
	" type INTEGER, carrier INTEGER);"
	"CREATE TABLE addresses(interface TEXT, family TEXT NOT NULL, address TEXT NOT NULL,"
	" prefixlen INTEGER, source TEXT NOT NULL);"
	"CREATE TABLE routes(family TEXT NOT NULL, destination TEXT NOT NULL, prefixlen INTEGER,"
	" gateway TEXT, interface TEXT, metric INTEGER, source TEXT NOT NULL);"
	"CREATE TABLE dns_servers(address TEXT NOT NULL, source TEXT NOT NULL);"
	"CREATE TABLE resolv_conf(key TEXT NOT NULL, value TEXT, line INTEGER);"
	"CREATE TABLE network_config(source TEXT NOT NULL, section TEXT, key TEXT NOT NULL,"
	" value TEXT, line INTEGER);"

	/* devices */
	"CREATE TABLE usb_devices(busid TEXT NOT NULL, vendor_id TEXT, product_id TEXT,"
	" manufacturer TEXT, product TEXT, serial TEXT, device_class TEXT, interface_classes TEXT,"
	" root_hub INTEGER NOT NULL);"
	"CREATE TABLE block_devices(name TEXT NOT NULL, removable INTEGER, readonly INTEGER,"
	" size_bytes INTEGER, vendor TEXT, model TEXT, usb INTEGER);"

	/* logons and logging */
	"CREATE TABLE auth_events(source TEXT NOT NULL, time INTEGER, program TEXT,"
	" event TEXT NOT NULL, user TEXT, remote TEXT, method TEXT, line INTEGER);"
	"CREATE TABLE logins(source TEXT NOT NULL, type TEXT, user TEXT, tty TEXT, host TEXT,"
	" time INTEGER);"
	"CREATE VIEW failed_logons AS"
	" SELECT source, time, user, remote, program FROM auth_events"
	"  WHERE event IN ('failed','invalid-user')"
	" UNION ALL SELECT source, time, user, host, tty FROM logins WHERE source = 'btmp';"
	"CREATE TABLE syslog_rules(source TEXT NOT NULL, selector TEXT NOT NULL, action TEXT,"
	" line INTEGER);"
	"CREATE TABLE journald_conf(key TEXT NOT NULL, value TEXT, source TEXT, line INTEGER);"

	/* time, anti-malware, desktop */
	"CREATE TABLE time_sync(source TEXT NOT NULL, synchronized INTEGER, offset_us INTEGER,"
	" maxerror_us INTEGER, detail TEXT);"
	"CREATE TABLE ntp_servers(server TEXT NOT NULL, kind TEXT NOT NULL, source TEXT NOT NULL);"
	"CREATE TABLE clamav_db(file TEXT NOT NULL, version INTEGER, build_time INTEGER,"
	" signatures INTEGER, builder TEXT);"
	"CREATE TABLE malware_detections(source TEXT NOT NULL, time INTEGER, path TEXT,"
	" signature TEXT, line INTEGER);"
	"CREATE TABLE desktop(present INTEGER NOT NULL, display_manager TEXT, evidence TEXT);"
	"CREATE TABLE dconf(source TEXT NOT NULL, path TEXT NOT NULL, key TEXT NOT NULL,"
	" value TEXT, locked INTEGER NOT NULL DEFAULT 0);";
