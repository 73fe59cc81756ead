// SPDX-License-Identifier: GPL-2.0-or-later
/* pinmgr.conf parsing (daemon/config.c): values, errors by line, policy lookup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pinmgr.h"
#include "tap.h"

static struct pm_config cfg;
static char err[256];

static int parse(const char *text)
{
	err[0] = 0;
	return pm_config_parse(text, &cfg, err, sizeof(err));
}

static void bad(const char *text, const char *want)
{
	int r = parse(text);

	if (!tap_ok(r == -EINVAL && strstr(err, want), "refused: %s", want))
		diag("  got %d '%s'", r, err);
	ok(!cfg.rules && !cfg.nrules && !cfg.socket, "nothing kept after the error");
}

int main(void)
{
	const struct pm_rule *r;
	char path[] = "/tmp/pm-test-config-XXXXXX";
	FILE *f;
	int fd;

	is_int(parse(""), 0, "an empty file is fine");
	is_int(cfg.scan_interval_ms, PM_DEFAULT_SCAN_MS, "default scan-interval");
	is_int(cfg.event_ring, PM_DEFAULT_RING, "default event-ring");
	is_int(cfg.break_timeout_ms, PM_DEFAULT_BREAK_MS, "default break-timeout");
	ok(cfg.pin_limit == PM_DEFAULT_PIN_LIMIT && cfg.log_events, "default pin-limit and log-events");
	ok(cfg.max_conns == PM_DEFAULT_MAX_CONNS && cfg.max_pins == PM_DEFAULT_MAX_PINS &&
	   cfg.max_subscribers == PM_DEFAULT_MAX_SUBS && cfg.max_breaks == PM_DEFAULT_MAX_BREAKS,
	   "default per-user limits");
	ok(!pm_config_match(&cfg, "/x"), "no rules: no match (report)");
	pm_config_free(&cfg);

	is_int(parse("# comment\n\n  scan-interval 0.5 # half a second\n"
		     "event-ring 10\nbreak-timeout 2.25\npin-limit 64M\n"
		     "log-events no\nsocket /run/x/s.sock\n"
		     "policy /srv/pmem report\n"
		     "policy /srv/pmem/db/ break 1.5\n"
		     "\tpolicy\t/srv/pmem/db/tmp report\n"
		     "policy / report\n"), 0, "a full configuration parses");
	is_int(cfg.scan_interval_ms, 500, "scan-interval 0.5 s");
	is_int(cfg.event_ring, 10, "event-ring 10");
	is_int(cfg.break_timeout_ms, 2250, "break-timeout 2.25 s");
	ok(cfg.pin_limit == 64ull << 20, "pin-limit 64M");
	ok(!cfg.log_events, "log-events no");
	is_str(cfg.socket, "/run/x/s.sock", "socket");
	is_int(cfg.nrules, 4, "four rules");
	is_str(cfg.rules[1].prefix, "/srv/pmem/db", "trailing slash dropped");
	is_int(cfg.rules[1].line, 10, "rule line number kept");

	r = pm_config_match(&cfg, "/srv/pmem/db/file");
	ok(r && r->action == PM_BREAK && r->timeout_ms == 1500, "/srv/pmem/db/file: break, 1.5 s");
	r = pm_config_match(&cfg, "/srv/pmem/db");
	ok(r && r->action == PM_BREAK, "the prefix itself matches");
	r = pm_config_match(&cfg, "/srv/pmem/dbx");
	ok(r && !strcmp(r->prefix, "/srv/pmem"), "/srv/pmem/dbx: not under /srv/pmem/db");
	r = pm_config_match(&cfg, "/srv/pmem/db/tmp/x");
	ok(r && r->action == PM_REPORT && !strcmp(r->prefix, "/srv/pmem/db/tmp"),
	   "longest prefix wins");
	r = pm_config_match(&cfg, "/home/x");
	ok(r && !strcmp(r->prefix, "/"), "/ matches everything else");
	ok(!pm_config_match(&cfg, NULL), "an unknown path matches nothing");
	pm_config_free(&cfg);

	is_int(parse("max-connections 8\nmax-pins 100\nmax-subscribers 2\nmax-breaks 5\n"),
	       0, "per-user limits parse");
	ok(cfg.max_conns == 8 && cfg.max_pins == 100 && cfg.max_subscribers == 2 &&
	   cfg.max_breaks == 5, "max-connections, max-pins, max-subscribers, max-breaks");
	pm_config_free(&cfg);

	bad("frobnicate 1\n", "line 1: unknown keyword 'frobnicate'");
	bad("\n\nscan-interval\n", "line 3: 'scan-interval' takes exactly one value");
	bad("scan-interval 1 2\n", "line 1: 'scan-interval' takes exactly one value");
	bad("scan-interval -1\n", "line 1: scan-interval '-1'");
	bad("scan-interval 0.05\n", "scan-interval '0.05'");
	bad("scan-interval 1.2345\n", "scan-interval '1.2345'");
	bad("scan-interval 99999\n", "scan-interval '99999'");
	bad("event-ring 0\n", "event-ring '0'");
	bad("event-ring 1x\n", "event-ring '1x'");
	bad("break-timeout 0\n", "break-timeout '0'");
	bad("pin-limit 12Q\n", "pin-limit '12Q'");
	bad("pin-limit 99999999999999999999\n", "pin-limit");
	bad("log-events maybe\n", "log-events 'maybe'");
	bad("max-connections 0\n", "max-connections '0': a count from 1 to 1000000");
	bad("max-pins -5\n", "max-pins '-5'");
	bad("max-breaks 1x\n", "max-breaks '1x'");
	bad("max-subscribers 1000001\n", "max-subscribers '1000001'");
	bad("socket relative/path\n", "socket must be an absolute path");
	bad("policy /a\n", "usage: policy PREFIX");
	bad("policy a break\n", "policy prefix 'a' is not a clean absolute path");
	bad("policy /a/../b break\n", "not a clean absolute path");
	bad("policy /a//b break\n", "not a clean absolute path");
	bad("policy /a/. report\n", "not a clean absolute path");
	bad("policy /a punch\n", "policy action 'punch'");
	bad("policy /a report 5\n", "after 'break'");
	bad("policy /a break 0\n", "policy timeout '0'");
	bad("policy /a break\npolicy /a/ report\n", "line 2: policy for /a already given on line 1");
	bad("policy /a break 1 2\n", "usage: policy PREFIX");
	bad("a b c d e f\n", "too many words");

	/* files */
	is_int(pm_config_load("/nonexistent/pinmgr.conf", true, &cfg, err, sizeof(err)), 0,
	       "a missing default file means the defaults");
	pm_config_free(&cfg);
	ok(pm_config_load("/nonexistent/pinmgr.conf", false, &cfg, err, sizeof(err)) == -ENOENT &&
	   strstr(err, "No such file"), "a missing file given with -c is an error");
	fd = mkstemp(path);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f)
		bail("cannot create %s", path);
	fputs("policy /x break\nevent-ring 3\n", f);
	fclose(f);
	is_int(pm_config_load(path, false, &cfg, err, sizeof(err)), 0, "a file loads");
	ok(cfg.nrules == 1 && cfg.event_ring == 3, "with its values");
	pm_config_free(&cfg);
	f = fopen(path, "w");
	if (!f)
		bail("cannot rewrite %s", path);
	fputs("event-ring 3\n", f);
	fputc(0, f);
	fputs("x\n", f);
	fclose(f);
	ok(pm_config_load(path, false, &cfg, err, sizeof(err)) == -EINVAL &&
	   strstr(err, "NUL"), "a NUL byte is refused");
	unlink(path);
	ok(pm_config_load("/", false, &cfg, err, sizeof(err)) < 0, "a directory is refused");

	/* listen: IPv4[:PORT], [IPv6][:PORT] (pinmgr.conf(5)) */
	is_int(parse("listen 192.0.2.1\n"), 0, "listen IPv4");
	is_str(cfg.listen, "192.0.2.1", "kept as given");
	pm_config_free(&cfg);
	is_int(parse("listen 192.0.2.1:9000\n"), 0, "listen IPv4:PORT");
	pm_config_free(&cfg);
	is_int(parse("listen [::1]:7471\n"), 0, "listen [::1]:7471");
	is_str(cfg.listen, "[::1]:7471", "kept as given");
	pm_config_free(&cfg);
	is_int(parse("listen [2001:db8::1]\n"), 0, "listen [IPv6] without a port");
	pm_config_free(&cfg);
	is_int(parse("listen [::ffff:192.0.2.1]:7471\n"), 0, "an IPv4-mapped IPv6 address");
	pm_config_free(&cfg);
	is_int(parse("listen [fe80::1%lo]:7471\n"), 0, "a link-local address with its interface");
	pm_config_free(&cfg);
	bad("listen ::1\n", "line 1: listen '::1': an IPv6 address goes in brackets: [::1]:PORT");
	bad("listen 2001:db8::1:7471\n", "goes in brackets: [2001:db8::1:7471]:PORT");
	bad("listen [::1\n", "listen '[::1': no ']' after the IPv6 address");
	bad("listen [::1]7471\n", "listen '[::1]7471': after ']' only :PORT may follow");
	bad("listen [::1]:\n", "listen '[::1]:': no port after ':'");
	bad("listen [::1]:0\n", "listen '[::1]:0': the port must be 1-65535");
	bad("listen [::1]:65536\n", "the port must be 1-65535");
	bad("listen [::1]:http\n", "listen '[::1]:http': the port must be 1-65535");
	bad("listen []:7471\n", "listen '[]:7471': no address");
	bad("listen :7471\n", "listen ':7471': no address");
	bad("listen [::g]:7471\n", "listen '[::g]:7471': '::g' is not an IPv6 address");
	bad("listen [192.0.2.1]:7471\n", "'192.0.2.1' is not an IPv6 address (brackets are for IPv6)");
	bad("listen [fe80::1%nosuchif0]\n", "'fe80::1%nosuchif0' is not an IPv6 address");
	bad("listen 192.0.2.300\n", "listen '192.0.2.300': '192.0.2.300' is not an IPv4 address");
	bad("listen pmem-host:7471\n", "'pmem-host' is not an IPv4 address (no host names: pinmgr does not resolve them)");
	return done_testing();
}
