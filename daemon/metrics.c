// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Prometheus metrics in node_exporter's textfile format (pinmgr.conf(5),
 * "metrics-file"): the text is built from the daemon's state after every
 * turn of the main loop and written, through a temporary file renamed over
 * the target, whenever it changed and at least every metrics-interval.
 *
 * Names follow the Prometheus conventions: the filepin_ prefix, base units
 * (bytes, seconds), _total for counters, labels for the dimensions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "pinmgr.h"

static const char *const outcome_names[PM_BREAK_OUTCOMES] = {
	[PM_BREAK_RELEASED] = "released",
	[PM_BREAK_REFUSED] = "still_pinned",
	[PM_BREAK_TIMEOUT] = "timeout",
};

void pm_metrics_refusal(struct pm_daemon *d, uint32_t op, uint32_t reason)
{
	if (op >= PM_METRICS_OPS)
		op = 0;
	if (reason >= PM_METRICS_REASONS)
		reason = 0;
	d->metrics.refusals[op][reason]++;
}

void pm_metrics_break(struct pm_daemon *d, enum pm_break_outcome outcome)
{
	if (outcome < PM_BREAK_OUTCOMES)
		d->metrics.breaks[outcome]++;
}

/* a growing string; on allocation failure ->fail is set and text dropped */
struct mbuf {
	char *s;
	size_t len, cap;
	bool fail;
};

static __attribute__((format(printf, 2, 3))) void put(struct mbuf *b, const char *fmt, ...)
{
	va_list ap;

	if (b->fail)
		return;
	for (;;) {
		int n;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->fail = true;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *s;

			while (cap <= b->len + (size_t)n)
				cap *= 2;
			s = realloc(b->s, cap);
			if (!s) {
				b->fail = true;
				return;
			}
			b->s = s;
			b->cap = cap;
		}
	}
}

/* a label value, escaped as the exposition format wants */
static void put_label(struct mbuf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			put(b, "\\\\");
		else if (*v == '"')
			put(b, "\\\"");
		else if (*v == '\n')
			put(b, "\\n");
		else
			put(b, "%c", *v);
	}
}

static void family(struct mbuf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* mountinfo's "\040"-style escapes, in place */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

/* mount point and type of the first mount of @major:@minor, or "" */
static void mount_of(unsigned int major, unsigned int minor, char *mnt, size_t msize,
		     char *type, size_t tsize)
{
	char line[4096];
	FILE *f;

	mnt[0] = type[0] = 0;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned int ma, mi;
		char mp[2048], fstype[64], *dash;

		if (sscanf(line, "%*u %*u %u:%u %*s %2047s", &ma, &mi, mp) != 3 ||
		    ma != major || mi != minor)
			continue;
		dash = strstr(line, " - ");
		if (!dash || sscanf(dash, " - %63s", fstype) != 1)
			continue;
		unescape(mp);
		snprintf(mnt, msize, "%s", mp);
		snprintf(type, tsize, "%s", fstype);
		break;
	}
	fclose(f);
}

struct fs_bytes {
	unsigned int major, minor;
	uint64_t bytes;
};

static void pinned_bytes(struct pm_daemon *d, struct mbuf *b)
{
	struct fs_bytes *fs = NULL;
	size_t nfs = 0, i;
	const struct pm_pin *p;

	family(b, "filepin_pinned_bytes", "gauge",
	       "Bytes of file ranges under long-term pins, by file system.");
	for (p = d->reg.head; p; p = p->next) {
		for (i = 0; i < nfs; i++)
			if (fs[i].major == p->major && fs[i].minor == p->minor)
				break;
		if (i == nfs) {
			struct fs_bytes *n = realloc(fs, (nfs + 1) * sizeof(*fs));

			if (!n) {
				b->fail = true;
				free(fs);
				return;
			}
			fs = n;
			fs[nfs++] = (struct fs_bytes){ p->major, p->minor, 0 };
		}
		fs[i].bytes += p->pages * d->reg.page_size;
	}
	for (i = 0; i < nfs; i++) {
		char mnt[2048], type[64];

		mount_of(fs[i].major, fs[i].minor, mnt, sizeof(mnt), type, sizeof(type));
		put(b, "filepin_pinned_bytes{device=\"%u:%u\",mountpoint=\"", fs[i].major,
		    fs[i].minor);
		put_label(b, mnt);
		put(b, "\",fstype=\"");
		put_label(b, type);
		put(b, "\"} %llu\n", (unsigned long long)fs[i].bytes);
	}
	free(fs);
}

char *pm_metrics_format(struct pm_daemon *d)
{
	struct mbuf b = { 0 };
	struct pm_reg_counts n;
	unsigned int op, reason, o;

	pm_reg_count(&d->reg, &n);
	family(&b, "filepin_pins", "gauge",
	       "Pinned file ranges known to pinmgr, by source (a range both reported by libfilepin and seen in /proc counts in each).");
	put(&b, "filepin_pins{source=\"lib\"} %u\n", n.lib);
	put(&b, "filepin_pins{source=\"proc\"} %u\n", n.proc);
	put(&b, "filepin_pins{source=\"service\"} %u\n", n.service);
	family(&b, "filepin_pinned_ranges", "gauge", "Pinned file ranges known to pinmgr.");
	put(&b, "filepin_pinned_ranges %u\n", n.pins);
	pinned_bytes(d, &b);
	family(&b, "filepin_service_pins", "gauge",
	       "Ranges pinmgr itself holds for RDMA peers (pinctl pin).");
	put(&b, "filepin_service_pins %u\n", n.service);
	family(&b, "filepin_refusals_total", "counter",
	       "Layout changes the kernel refused, by operation and reason.");
	for (op = 0; op < PM_METRICS_OPS; op++)
		for (reason = 0; reason < PM_METRICS_REASONS; reason++) {
			if (!d->metrics.refusals[op][reason])
				continue;
			put(&b, "filepin_refusals_total{operation=\"%s\",reason=\"%s\"} %llu\n",
			    op ? pinmgr_adm_op_name(op) : "other",
			    reason ? pinmgr_adm_reason_name(reason) : "other",
			    (unsigned long long)d->metrics.refusals[op][reason]);
		}
	family(&b, "filepin_events_missed_total", "counter",
	       "Kernel refusal events lost before pinmgr read them (sequence gaps).");
	put(&b, "filepin_events_missed_total %llu\n", (unsigned long long)d->events.missed);
	family(&b, "filepin_breaks_total", "counter",
	       "Finished breaks, by outcome: released, still_pinned (an owner refused or cannot be asked), timeout.");
	for (o = 0; o < PM_BREAK_OUTCOMES; o++)
		put(&b, "filepin_breaks_total{outcome=\"%s\"} %llu\n", outcome_names[o],
		    (unsigned long long)d->metrics.breaks[o]);
	family(&b, "filepin_clients", "gauge", "Connections to pinmgr, by kind.");
	put(&b, "filepin_clients{kind=\"library\"} %u\n", d->nclients);
	put(&b, "filepin_clients{kind=\"admin\"} %u\n", d->nadmins);
	family(&b, "filepin_device_removal_in_progress", "gauge",
	       "1 while a device with pinned pages is going away (not tracked yet: always 0).");
	put(&b, "filepin_device_removal_in_progress 0\n");
	family(&b, "filepin_kernel_events_up", "gauge",
	       "1 when pinmgr listens to the kernel's filepin events.");
	put(&b, "filepin_kernel_events_up %d\n", d->genl_ok ? 1 : 0);
	family(&b, "filepin_pinmgr_start_time_seconds", "gauge",
	       "When pinmgr started, seconds since the Unix epoch.");
	put(&b, "filepin_pinmgr_start_time_seconds %lld\n", (long long)d->started);
	family(&b, "filepin_pinmgr_info", "gauge", "pinmgr's version.");
	put(&b, "filepin_pinmgr_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
	if (b.fail) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

int pm_metrics_write(const char *path, const char *text)
{
	size_t len = strlen(path), left = strlen(text);
	char *tmp = malloc(len + 16);
	int fd, err = 0;

	if (!tmp)
		return -ENOMEM;
	/* a name node_exporter ignores (not *.prom), in the same directory */
	snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	while (left && !err) {
		ssize_t n = write(fd, text, left);

		if (n < 0 && errno != EINTR)
			err = -errno;
		else if (n > 0) {
			text += n;
			left -= (size_t)n;
		}
	}
	if (!err && fchmod(fd, 0644))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}

static int ms_until(int64_t when, int64_t now)
{
	return when > now ? (int)(when - now) : 0;
}

int pm_metrics_tick(struct pm_daemon *d, bool active)
{
	struct pm_metrics *m = &d->metrics;
	int64_t now = pm_now_ms();
	bool same_file;
	char *text;
	int r;

	if (!d->cfg.metrics_file)
		return -1;
	same_file = m->last && m->path_written && !strcmp(m->path_written, d->cfg.metrics_file);
	if (active)
		m->pending = true;
	if (same_file && !m->pending && now < m->next_write_ms)
		return ms_until(m->next_write_ms, now);
	/* a busy daemon formats the text at most every PM_METRICS_CHECK_MS */
	if (now < m->next_check_ms && now < m->next_write_ms)
		return ms_until(m->next_check_ms, now);
	m->next_check_ms = now + PM_METRICS_CHECK_MS;
	m->pending = false;
	text = pm_metrics_format(d);
	if (!text)
		return 1000;
	if (same_file && !strcmp(text, m->last) && now < m->next_write_ms) {
		free(text);
		return ms_until(m->next_write_ms, now);
	}
	r = pm_metrics_write(d->cfg.metrics_file, text);
	m->next_write_ms = now + d->cfg.metrics_interval_ms;
	if (r) {
		if (!m->failing)
			pm_err("metrics-file %s: %s", d->cfg.metrics_file, strerror(-r));
		m->failing = true;
		free(text);
		/* try again when the period is over, not on every turn */
		m->next_check_ms = m->next_write_ms;
		return (int)d->cfg.metrics_interval_ms;
	}
	if (m->failing)
		pm_notice("metrics-file %s: written again", d->cfg.metrics_file);
	m->failing = false;
	free(m->last);
	m->last = text;
	if (!same_file) {
		free(m->path_written);
		m->path_written = strdup(d->cfg.metrics_file);
	}
	return (int)d->cfg.metrics_interval_ms;
}

void pm_metrics_free(struct pm_daemon *d)
{
	free(d->metrics.last);
	free(d->metrics.path_written);
	d->metrics.last = NULL;
	d->metrics.path_written = NULL;
}
