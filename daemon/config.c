// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /etc/pinmgr.conf: "keyword value" lines (pinmgr.conf(5)).
 *
 *	socket PATH
 *	scan-interval SECONDS		(0: scan /proc only when asked)
 *	event-ring COUNT
 *	break-timeout SECONDS
 *	pin-limit BYTES[K|M|G|T]	(per user, not root; 0: root only)
 *	log-events yes|no
 *	max-connections COUNT		(per user, not root)
 *	max-pins COUNT			(libfilepin reports per user, not root)
 *	max-subscribers COUNT		(per user, not root)
 *	max-breaks COUNT		(breaks per user per minute, not root)
 *	policy PREFIX report|break [TIMEOUT-SECONDS]
 *	metrics-file PATH		(Prometheus textfile, none by default)
 *	metrics-interval SECONDS	(rewrite at least this often)
 *	listen ADDRESS[:PORT]		(exports to remote peers; off by default)
 *	max-peers COUNT			(remote peers at once, all exports)
 *	max-exports COUNT		(exported pins per user, not root)
 *
 * '#' starts a comment; blank lines are ignored.  Anything else is an
 * error that names the line: a daemon must not guess at its policy.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netdb.h>

#include "export-wire.h"
#include "pinmgr.h"
#include "removal.h"

#define CONFIG_MAX_SIZE	(1u << 20)
#define CONFIG_MAX_RULES 4096

void pm_config_defaults(struct pm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->scan_interval_ms = PM_DEFAULT_SCAN_MS;
	cfg->metrics_interval_ms = PM_DEFAULT_METRICS_MS;
	cfg->event_ring = PM_DEFAULT_RING;
	cfg->break_timeout_ms = PM_DEFAULT_BREAK_MS;
	cfg->pin_limit = PM_DEFAULT_PIN_LIMIT;
	cfg->log_events = true;
	cfg->max_conns = PM_DEFAULT_MAX_CONNS;
	cfg->max_pins = PM_DEFAULT_MAX_PINS;
	cfg->max_subscribers = PM_DEFAULT_MAX_SUBS;
	cfg->max_breaks = PM_DEFAULT_MAX_BREAKS;
	cfg->max_peers = PM_DEFAULT_MAX_PEERS;
	cfg->max_exports = PM_DEFAULT_MAX_EXPORTS;
}

static const struct {
	const char *name;
	size_t off;
} counts[] = {
	{ "max-connections", offsetof(struct pm_config, max_conns) },
	{ "max-pins", offsetof(struct pm_config, max_pins) },
	{ "max-subscribers", offsetof(struct pm_config, max_subscribers) },
	{ "max-breaks", offsetof(struct pm_config, max_breaks) },
	{ "max-peers", offsetof(struct pm_config, max_peers) },
	{ "max-exports", offsetof(struct pm_config, max_exports) },
};

/* a count keyword (1..1000000); 1 when @w is one, -1 when its value is bad */
static int parse_count(char **w, struct pm_config *cfg)
{
	unsigned long v;
	char *end;
	size_t i;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (strcmp(w[0], counts[i].name))
			continue;
		errno = 0;
		v = strtoul(w[1], &end, 10);
		if (errno || end == w[1] || *end || w[1][0] == '-' || !v || v > 1000000)
			return -1;
		*(unsigned int *)(void *)((char *)cfg + counts[i].off) = (unsigned int)v;
		return 1;
	}
	return 0;
}

void pm_config_free(struct pm_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nrules; i++)
		free(cfg->rules[i].prefix);
	free(cfg->rules);
	free(cfg->socket);
	free(cfg->metrics_file);
	cfg->metrics_file = NULL;
	free(cfg->listen);
	cfg->listen = NULL;
	cfg->rules = NULL;
	cfg->nrules = 0;
	cfg->socket = NULL;
}

static __attribute__((format(printf, 4, 5)))
int bad(char *err, size_t errlen, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "line %u: ", line);
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* seconds with up to 3 decimals, into ms, at most @max_ms */
/* an IPv6 address, with a %scope of an existing interface if any (listen) */
static bool numeric_ipv6(const char *host)
{
	struct addrinfo hints = { .ai_family = AF_INET6, .ai_flags = AI_NUMERICHOST,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;

	if (getaddrinfo(host, NULL, &hints, &ai))
		return false;
	freeaddrinfo(ai);
	return true;
}

static int parse_seconds(const char *s, unsigned int max_ms, unsigned int *ms)
{
	unsigned long long whole = 0, frac = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (unsigned int)(*p - '0');
		if (whole > max_ms / 1000 + 1)
			return -ERANGE;
	}
	if (*p == '.') {
		unsigned int fdigits = 0;

		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			if (++fdigits > 3)
				return -EINVAL;
			frac = frac * 10 + (unsigned int)(*p - '0');
		}
		while (fdigits++ < 3)
			frac *= 10;
	}
	if (*p)
		return -EINVAL;
	if (whole * 1000 + frac > max_ms)
		return -ERANGE;
	*ms = (unsigned int)(whole * 1000 + frac);
	return 0;
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end || *v > max)
		return -ERANGE;
	return 0;
}

static int parse_bytes(const char *s, uint64_t *v)
{
	unsigned long long n, mult = 1;
	char num[32], *end;
	size_t len = strlen(s);

	if (!len || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len + 1);
	switch (num[len - 1]) {
	case 'K': mult = 1ull << 10; break;
	case 'M': mult = 1ull << 20; break;
	case 'G': mult = 1ull << 30; break;
	case 'T': mult = 1ull << 40; break;
	}
	if (mult != 1)
		num[len - 1] = 0;
	if (num[0] < '0' || num[0] > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(num, &end, 10);
	if (errno || *end || n > UINT64_MAX / mult)
		return -ERANGE;
	*v = n * mult;
	return 0;
}

static int parse_bool(const char *s, bool *v)
{
	if (!strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"))
		*v = true;
	else if (!strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0"))
		*v = false;
	else
		return -EINVAL;
	return 0;
}

/* Split @line in place into at most @max words; returns the count or -1. */
static int split(char *line, char **w, int max)
{
	int n = 0;

	for (;;) {
		line += strspn(line, " \t");
		if (!*line)
			return n;
		if (n == max)
			return -1;
		w[n++] = line;
		line += strcspn(line, " \t");
		if (*line)
			*line++ = 0;
	}
}

/* "/a/b/" -> "/a/b"; refuses relative paths, "." and ".." components */
static char *clean_prefix(const char *s)
{
	size_t len = strlen(s);
	char *p;

	if (s[0] != '/' || len > PINMGR_PATH_MAX)
		return NULL;
	if (strstr(s, "/./") || strstr(s, "/../") || strstr(s, "//") ||
	    (len >= 2 && !strcmp(s + len - 2, "/.")) ||
	    (len >= 3 && !strcmp(s + len - 3, "/..")))
		return NULL;
	p = strdup(s);
	if (p && len > 1 && p[len - 1] == '/')
		p[len - 1] = 0;
	return p;
}

static int parse_line(struct pm_config *cfg, char *line, unsigned int no,
		      char *err, size_t errlen)
{
	char *w[5];
	int k;
	unsigned long long v;
	unsigned int ms;
	int n, rk;
	char why[128];

	line[strcspn(line, "#")] = 0;
	n = split(line, w, 5);
	if (n == 0)
		return 0;
	if (n < 0)
		return bad(err, errlen, no, "too many words");
	if (!strcmp(w[0], "policy")) {
		struct pm_rule *r;
		char *prefix;

		if (n < 3 || n > 4)
			return bad(err, errlen, no, "usage: policy PREFIX report|break [TIMEOUT]");
		if (cfg->nrules == CONFIG_MAX_RULES)
			return bad(err, errlen, no, "more than %u policy rules", CONFIG_MAX_RULES);
		prefix = clean_prefix(w[1]);
		if (!prefix)
			return bad(err, errlen, no, "policy prefix '%s' is not a clean absolute path", w[1]);
		r = realloc(cfg->rules, (cfg->nrules + 1) * sizeof(*r));
		if (!r) {
			free(prefix);
			return bad(err, errlen, no, "out of memory");
		}
		cfg->rules = r;
		r = &cfg->rules[cfg->nrules];
		memset(r, 0, sizeof(*r));
		r->prefix = prefix;
		r->line = no;
		cfg->nrules++;
		if (!strcmp(w[2], "report"))
			r->action = PM_REPORT;
		else if (!strcmp(w[2], "break"))
			r->action = PM_BREAK;
		else
			return bad(err, errlen, no, "policy action '%s' is neither report nor break", w[2]);
		if (n == 4 && (r->action != PM_BREAK ||
			       parse_seconds(w[3], PM_MAX_TIMEOUT_MS, &r->timeout_ms) ||
			       !r->timeout_ms))
			return bad(err, errlen, no, "policy timeout '%s': a number of seconds (0.001..3600) after 'break'", w[3]);
		for (size_t i = 0; i + 1 < cfg->nrules; i++)
			if (!strcmp(cfg->rules[i].prefix, prefix))
				return bad(err, errlen, no, "policy for %s already given on line %u",
					   prefix, cfg->rules[i].line);
		return 0;
	}
	if (n != 2)
		return bad(err, errlen, no, "'%s' takes exactly one value", w[0]);
	if (!strcmp(w[0], "socket")) {
		if (w[1][0] != '/' || strlen(w[1]) >= 108)
			return bad(err, errlen, no, "socket must be an absolute path shorter than 108 bytes");
		free(cfg->socket);
		cfg->socket = strdup(w[1]);
		if (!cfg->socket)
			return bad(err, errlen, no, "out of memory");
	} else if (!strcmp(w[0], "scan-interval")) {
		if (parse_seconds(w[1], PM_MAX_TIMEOUT_MS, &ms) || (ms && ms < 100))
			return bad(err, errlen, no, "scan-interval '%s': 0 or 0.1..3600 seconds", w[1]);
		cfg->scan_interval_ms = ms;
	} else if (!strcmp(w[0], "event-ring")) {
		if (parse_uint(w[1], 1000000, &v) || !v)
			return bad(err, errlen, no, "event-ring '%s': 1..1000000 events", w[1]);
		cfg->event_ring = (unsigned int)v;
	} else if (!strcmp(w[0], "break-timeout")) {
		if (parse_seconds(w[1], PM_MAX_TIMEOUT_MS, &ms) || !ms)
			return bad(err, errlen, no, "break-timeout '%s': 0.001..3600 seconds", w[1]);
		cfg->break_timeout_ms = ms;
	} else if (!strcmp(w[0], "pin-limit")) {
		if (parse_bytes(w[1], &cfg->pin_limit))
			return bad(err, errlen, no, "pin-limit '%s': a byte count with an optional K, M, G or T", w[1]);
	} else if (!strcmp(w[0], "metrics-file")) {
		if (w[1][0] != '/' || strlen(w[1]) > PINMGR_PATH_MAX)
			return bad(err, errlen, no, "metrics-file must be an absolute path");
		free(cfg->metrics_file);
		cfg->metrics_file = strdup(w[1]);
		if (!cfg->metrics_file)
			return bad(err, errlen, no, "out of memory");
	} else if (!strcmp(w[0], "listen")) {
		char host[64], awhy[128];
		unsigned int port;
		unsigned char a[16];

		if (fpx_addr_parse_why(w[1], host, sizeof(host), &port, awhy, sizeof(awhy)))
			return bad(err, errlen, no, "listen '%s': %s", w[1], awhy);
		if (w[1][0] == '[' && !numeric_ipv6(host))
			return bad(err, errlen, no, "listen '%s': '%s' is not an IPv6 address%s",
				   w[1], host, inet_pton(AF_INET, host, a) == 1 ?
				   " (brackets are for IPv6)" : "");
		if (w[1][0] != '[' && inet_pton(AF_INET, host, a) != 1)
			return bad(err, errlen, no, "listen '%s': '%s' is not an IPv4 address%s",
				   w[1], host, strspn(host, "0123456789.") != strlen(host) ?
				   " (no host names: pinmgr does not resolve them)" : "");
		free(cfg->listen);
		cfg->listen = strdup(w[1]);
		if (!cfg->listen)
			return bad(err, errlen, no, "out of memory");
	} else if (!strcmp(w[0], "metrics-interval")) {
		if (parse_seconds(w[1], PM_MAX_TIMEOUT_MS, &ms) || ms < 100)
			return bad(err, errlen, no, "metrics-interval '%s': 0.1..3600 seconds", w[1]);
		cfg->metrics_interval_ms = ms;
	} else if (!strcmp(w[0], "log-events")) {
		if (parse_bool(w[1], &cfg->log_events))
			return bad(err, errlen, no, "log-events '%s': yes or no", w[1]);
	} else if ((k = parse_count(w, cfg))) {
		if (k < 0)
			return bad(err, errlen, no, "%s '%s': a count from 1 to 1000000", w[0], w[1]);
	} else if ((rk = pm_removal_config(cfg, w[0], w[1], why, sizeof(why)))) {
		if (rk < 0)
			return bad(err, errlen, no, "%s", why);
	} else {
		return bad(err, errlen, no, "unknown keyword '%s'", w[0]);
	}
	return 0;
}

int pm_config_parse(const char *text, struct pm_config *cfg, char *err,
		    size_t errlen)
{
	char *copy, *line, *next;
	unsigned int no = 0;
	int r = 0;

	pm_config_defaults(cfg);
	copy = strdup(text);
	if (!copy) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (line = copy; line && !r; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		no++;
		r = parse_line(cfg, line, no, err, errlen);
	}
	free(copy);
	if (r)
		pm_config_free(cfg);
	return r;
}

int pm_config_load(const char *path, bool optional, struct pm_config *cfg,
		   char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t len = 0;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT && optional) {
			pm_config_defaults(cfg);
			return 0;
		}
		snprintf(err, errlen, "cannot open: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > CONFIG_MAX_SIZE) {
		close(fd);
		snprintf(err, errlen, "not a regular file of at most %u bytes",
			 CONFIG_MAX_SIZE);
		return -EINVAL;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size &&
	       (n = read(fd, text + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	text[len] = 0;
	if (strlen(text) != len) {
		free(text);
		snprintf(err, errlen, "contains a NUL byte");
		return -EINVAL;
	}
	r = pm_config_parse(text, cfg, err, errlen);
	free(text);
	return r;
}

const struct pm_rule *pm_config_match(const struct pm_config *cfg,
				      const char *path)
{
	const struct pm_rule *best = NULL;
	size_t i, best_len = 0;

	if (!path)
		return NULL;
	for (i = 0; i < cfg->nrules; i++) {
		const char *pre = cfg->rules[i].prefix;
		size_t len = strlen(pre);

		if (strncmp(path, pre, len))
			continue;
		/* component boundary: "/a" matches "/a" and "/a/b", not "/ab" */
		if (len > 1 && path[len] && path[len] != '/')
			continue;
		if (!best || len > best_len) {
			best = &cfg->rules[i];
			best_len = len;
		}
	}
	return best;
}
