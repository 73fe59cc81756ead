// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinmgr logging: syslog, or stderr with -d (chrony style).  Much of what
 * is logged comes from clients or the kernel (messages, comm, paths):
 * every control character and backslash is written as \xNN, so no client
 * can move root's terminal or forge a log line.  What one user makes
 * pinmgr log is rate-limited (pm_log_allow).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "pinmgr.h"

static bool log_stderr;
static bool log_debug;

void pm_log_init(bool to_stderr, bool debug)
{
	log_stderr = to_stderr;
	log_debug = debug;
	if (!to_stderr)
		openlog("pinmgr", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void pm_log(int prio, const char *fmt, ...)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info", "debug"
	};
	char raw[2048], esc[4 * sizeof(raw)];
	va_list ap;

	if (prio == LOG_DEBUG && !log_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	pm_escape(raw, esc, sizeof(esc));
	if (log_stderr)
		fprintf(stderr, "pinmgr: %s: %s\n", names[prio & 7], esc);
	else
		syslog(prio, "%s", esc);
}

size_t pm_escape(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!size)
		return 0;
	for (; *s && o + 1 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch >= 0x20 && ch != 0x7f && ch != '\\') {
			out[o++] = (char)ch;
			continue;
		}
		if (o + 4 >= size)
			break;
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[ch >> 4];
		out[o++] = hex[ch & 15];
	}
	out[o] = 0;
	return o;
}

/* per-user token buckets for what clients make pinmgr log */
#define LOG_USERS	64
#define LOG_BURST	20
#define LOG_PER_MIN	30

static struct log_bucket {
	uid_t uid;
	bool used;
	int64_t last_ms;
	double tokens;
	unsigned long suppressed;
} log_buckets[LOG_USERS];

bool pm_log_allow(uid_t uid)
{
	struct log_bucket *b = NULL, *oldest = &log_buckets[0];
	int64_t now = pm_now_ms();
	int i;

	if (uid == 0)
		return true;
	for (i = 0; i < LOG_USERS; i++) {
		if (log_buckets[i].used && log_buckets[i].uid == uid) {
			b = &log_buckets[i];
			break;
		}
		if (!log_buckets[i].used || log_buckets[i].last_ms < oldest->last_ms)
			oldest = &log_buckets[i];
	}
	if (!b) {
		b = oldest;
		memset(b, 0, sizeof(*b));
		b->used = true;
		b->uid = uid;
		b->tokens = LOG_BURST;
		b->last_ms = now;
	}
	b->tokens += (double)(now - b->last_ms) * LOG_PER_MIN / 60000.0;
	if (b->tokens > LOG_BURST)
		b->tokens = LOG_BURST;
	b->last_ms = now;
	if (b->tokens < 1) {
		b->suppressed++;
		return false;
	}
	b->tokens -= 1;
	if (b->suppressed) {
		unsigned long n = b->suppressed;

		b->suppressed = 0;
		pm_log(LOG_NOTICE, "%lu log message(s) caused by uid %u suppressed (rate limit)",
		       n, (unsigned int)uid);
	}
	return true;
}

int64_t pm_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t pm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
