// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A device removal that waits for pins (FILEPIN_CMD_REMOVAL, filepin(7)):
 * the kernel sends one message per pin record, once.  pinmgr groups them
 * by device, reports each pin and applies pinmgr.conf's on-removal policy:
 *
 *   wait   report only;
 *   break  (default) ask the libfilepin owners with a revoke callback to
 *          give their pins up and release pinmgr's own service pins (the
 *          break machinery of break.c, one break per pinned file);
 *   kill   break, then SIGTERM to every owner that still pins the device
 *          after removal-timeout, SIGKILL to those that still do one more
 *          removal-timeout later.
 *
 * Until no pin is left the removal is followed by rescanning /proc (every
 * PM_RM_POLL_MS at most): each pin that goes, and the end, are reported.
 * A process is signalled only when a fresh scan shows that it still pins
 * the device (not for a pid that was reused), never pinmgr itself nor
 * pid 1.  Every step is logged and stored as an event (op "removal") for
 * "pinctl events"; "pinctl status" lists the pins a removal waits for.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "filepin-genl.h"
#include "pinmgr.h"
#include "removal.h"

#define PM_RM_POLL_MS	200

struct pm_rm_pin {
	pid_t pid;
	uid_t uid;
	char comm[FILEPIN_COMM_LEN];
	unsigned int major, minor;
	uint64_t ino, offset, length;
	char *path;
	bool gone, termed, killed;
};

struct pm_removal {
	struct pm_removal *next;
	char device[33];
	unsigned int major, minor;	/* of the first pin's file system */
	uint32_t expected;
	struct pm_rm_pin *pins;
	size_t npins;
	int64_t deadline_ms;		/* removal-timeout after the announcement */
	int64_t kill_ms;		/* SIGKILL due (policy kill), 0: none */
	bool timed_out;
};

static const char *policy_name(int p)
{
	switch (p) {
	case PM_REMOVAL_WAIT: return "wait";
	case PM_REMOVAL_KILL: return "kill";
	}
	return "break";
}

static unsigned int timeout_ms(const struct pm_daemon *d)
{
	return d->cfg.removal_timeout_ms ? d->cfg.removal_timeout_ms : PM_DEFAULT_REMOVAL_MS;
}

int pm_removal_config(struct pm_config *cfg, const char *key, const char *value,
		      char *err, size_t errlen)
{
	if (!strcmp(key, "on-removal")) {
		if (!strcmp(value, "break"))
			cfg->on_removal = PM_REMOVAL_BREAK;
		else if (!strcmp(value, "wait"))
			cfg->on_removal = PM_REMOVAL_WAIT;
		else if (!strcmp(value, "kill"))
			cfg->on_removal = PM_REMOVAL_KILL;
		else {
			snprintf(err, errlen, "on-removal '%s': break, kill or wait", value);
			return -EINVAL;
		}
		return 1;
	}
	if (!strcmp(key, "removal-timeout")) {
		char *end;
		double s;

		errno = 0;
		s = strtod(value, &end);
		if (errno || end == value || *end || !(s >= 0.001 && s <= 3600)) {
			snprintf(err, errlen, "removal-timeout '%s': 0.001..3600 seconds", value);
			return -EINVAL;
		}
		cfg->removal_timeout_ms = (unsigned int)(s * 1000 + 0.5);
		return 1;
	}
	return 0;
}

int pm_removal_parse(struct nl_msg *msg, struct pm_rmev *ev)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[FILEPIN_ATTR_MAX + 1];

	memset(ev, 0, sizeof(*ev));
	if (!genlmsg_valid_hdr(nlh, 0) ||
	    ((struct genlmsghdr *)nlmsg_data(nlh))->cmd != FILEPIN_CMD_REMOVAL ||
	    genlmsg_parse(nlh, 0, tb, FILEPIN_ATTR_MAX, pm_genl_policy) < 0)
		return -EINVAL;
#define U32(a) (tb[a] ? nla_get_u32(tb[a]) : 0)
#define U64(a) (tb[a] ? nla_get_u64(tb[a]) : 0)
#define STR(a, dst) snprintf(dst, sizeof(dst), "%s", tb[a] ? nla_get_string(tb[a]) : "")
	ev->seq = U64(FILEPIN_ATTR_SEQ);
	ev->have_seq = tb[FILEPIN_ATTR_SEQ];
	ev->pins = U32(FILEPIN_ATTR_PINS);
	ev->major = U32(FILEPIN_ATTR_DEV_MAJOR);
	ev->minor = U32(FILEPIN_ATTR_DEV_MINOR);
	ev->ino = U64(FILEPIN_ATTR_INO);
	ev->have_file = tb[FILEPIN_ATTR_DEV_MAJOR] && tb[FILEPIN_ATTR_DEV_MINOR] &&
			tb[FILEPIN_ATTR_INO];
	ev->offset = U64(FILEPIN_ATTR_OFFSET);
	ev->length = U64(FILEPIN_ATTR_LENGTH);
	ev->tgid = U32(FILEPIN_ATTR_TGID);
	STR(FILEPIN_ATTR_COMM, ev->comm);
	STR(FILEPIN_ATTR_DEVICE, ev->device);
	STR(FILEPIN_ATTR_PATH, ev->path);
#undef U32
#undef U64
#undef STR
	return 0;
}

unsigned int pm_removal_count(const struct pm_daemon *d)
{
	const struct pm_removal *r;
	unsigned int n = 0;

	for (r = d->removals; r; r = r->next)
		n++;
	return n;
}

/* Store the event and send it to "pinctl events -f" (as events.c does). */
static void publish(struct pm_daemon *d, const struct pm_removal *r,
		    const struct pm_rm_pin *rp, uint32_t action, uint64_t seq,
		    uint64_t missed)
{
	struct pm_event ev = { .action = action, .missed = missed, .caller_uid = (uid_t)-1 };
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev.time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	ev.k.seq = seq;
	ev.k.op = PINMGR_ADM_OP_REMOVAL;
	ev.k.major = r->major;
	ev.k.minor = r->minor;
	ev.k.have = (seq ? PM_KEV_SEQ : 0) | PM_KEV_DEV;
	if (rp) {
		ev.k.pid = ev.k.tgid = (uint32_t)rp->pid;
		snprintf(ev.k.comm, sizeof(ev.k.comm), "%s", rp->comm);
		ev.k.major = rp->major;
		ev.k.minor = rp->minor;
		ev.k.ino = rp->ino;
		ev.k.offset = rp->offset;
		ev.k.length = rp->length;
		ev.k.have |= PM_KEV_INO;
		ev.caller_uid = rp->uid;
		ev.path = rp->path;	/* copied by pm_events_push */
	}
	pm_events_publish(d, &ev);
}

static struct pm_removal *find(struct pm_daemon *d, const struct pm_rmev *ev)
{
	struct pm_removal *r;

	for (r = d->removals; r; r = r->next)
		if (!strcmp(r->device, ev->device) &&
		    (ev->device[0] || (r->major == ev->major && r->minor == ev->minor)))
			return r;
	return NULL;
}

/* Does @rp's owner still pin the file (the registry as of the last scan)? */
static bool held(const struct pm_daemon *d, const struct pm_rm_pin *rp)
{
	const struct pm_pin *p;

	for (p = d->reg.head; p; p = p->next)
		if (p->pid == rp->pid && pm_pin_on(p, rp->major, rp->minor, rp->ino))
			return true;
	return false;
}

static const char *name(const struct pm_rm_pin *rp)
{
	return rp->path ? rp->path : "an unknown file";
}

/* Policy break (and kill) for one announced pin: what was done. */
static uint32_t break_pin(struct pm_daemon *d, struct pm_removal *r,
			  struct pm_rm_pin *rp)
{
	bool ours = rp->pid == getpid(), asked = false, started = false;
	const struct pm_pin *p;
	size_t i;

	pm_proc_scan(d);
	for (p = d->reg.head; p; p = p->next) {
		if (p->pid != rp->pid || !pm_pin_on(p, rp->major, rp->minor, rp->ino))
			continue;
		if (p->svc)
			ours = true;
		else if (p->client && (p->client->hello_flags & PINMGR_HELLO_REVOKE))
			asked = true;
	}
	/* one break per file and removal: it asks every owner of the file */
	for (i = 0; i + 1 < r->npins; i++)
		if (r->pins[i].major == rp->major && r->pins[i].minor == rp->minor &&
		    r->pins[i].ino == rp->ino)
			started = true;
	if (!started)
		pm_break_start(d, rp->major, rp->minor, rp->ino, 0, timeout_ms(d), NULL, false);
	if (ours)
		return PINMGR_ADM_ACTION_RELEASE;
	return asked ? PINMGR_ADM_ACTION_REVOKE : PINMGR_ADM_ACTION_NOASK;
}

void pm_removal_handle(struct pm_daemon *d, const struct pm_rmev *ev)
{
	struct pm_removal *r = find(d, ev);
	struct pm_rm_pin *rp;
	char comm[FILE_PINS_COMM_MAX + 1];
	uint64_t missed = 0;
	uint32_t action;

	d->events.seen++;
	if (ev->have_seq) {
		/* one sequence for refusals and removals: keep it whole */
		missed = pm_seq_gap(&d->events.last_seq, ev->seq);
		d->events.missed += missed;
		if (missed)
			pm_warn("%llu kernel events were lost before event %llu",
				(unsigned long long)missed, (unsigned long long)ev->seq);
	}
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r) {
			pm_err("removal of device %s: out of memory", ev->device);
			return;
		}
		snprintf(r->device, sizeof(r->device), "%s", ev->device);
		r->major = ev->major;
		r->minor = ev->minor;
		r->expected = ev->pins;
		r->deadline_ms = pm_now_ms() + timeout_ms(d);
		r->next = d->removals;
		d->removals = r;
		pm_warn("kernel: removal of device %s (%u:%u) waits for %u pin(s); on-removal %s, removal-timeout %u ms",
			ev->device[0] ? ev->device : "?", ev->major, ev->minor, ev->pins,
			policy_name(d->cfg.on_removal), timeout_ms(d));
	}
	rp = realloc(r->pins, (r->npins + 1) * sizeof(*rp));
	if (!rp) {
		pm_err("removal of device %s: out of memory", r->device);
		return;
	}
	r->pins = rp;
	rp = &r->pins[r->npins++];
	memset(rp, 0, sizeof(*rp));
	rp->pid = (pid_t)ev->tgid;
	snprintf(rp->comm, sizeof(rp->comm), "%s", ev->comm);
	rp->major = ev->major;
	rp->minor = ev->minor;
	rp->ino = ev->ino;
	rp->offset = ev->offset;
	rp->length = ev->length;
	rp->path = ev->path[0] ? strdup(ev->path) : NULL;
	rp->uid = (uid_t)-1;
	pm_proc_comm(d->procdir, rp->pid, comm, sizeof(comm), &rp->uid);

	if (d->cfg.on_removal == PM_REMOVAL_WAIT || !ev->have_file)
		action = PINMGR_ADM_ACTION_WAIT;
	else
		action = break_pin(d, r, rp);
	pm_warn("kernel: removal of device %s waits for pid %d (%s) pinning %s offset %llu length %llu: %s",
		r->device[0] ? r->device : "?", (int)rp->pid, rp->comm[0] ? rp->comm : "?",
		name(rp), (unsigned long long)rp->offset, (unsigned long long)rp->length,
		action == PINMGR_ADM_ACTION_WAIT ? "reported only" :
		action == PINMGR_ADM_ACTION_REVOKE ? "asked to revoke" :
		action == PINMGR_ADM_ACTION_RELEASE ? "pinmgr's own pin, released" :
		"cannot be asked (not a libfilepin client with a revoke callback)");
	publish(d, r, rp, action, ev->seq, missed);
}

static bool killable(pid_t pid)
{
	return pid > 1 && pid != getpid();
}

/* SIGTERM (first) or SIGKILL to the owners that still pin the device */
static void signal_owners(struct pm_daemon *d, struct pm_removal *r, int sig)
{
	size_t i, j;

	for (i = 0; i < r->npins; i++) {
		struct pm_rm_pin *rp = &r->pins[i];
		bool done = false;

		if (rp->gone || rp->killed || !killable(rp->pid) ||
		    (sig == SIGKILL && !rp->termed))
			continue;
		/* one signal per process, one event per process */
		for (j = 0; j < i; j++)
			if (r->pins[j].pid == rp->pid &&
			    (sig == SIGTERM ? r->pins[j].termed : r->pins[j].killed))
				done = true;
		if (sig == SIGTERM)
			rp->termed = true;
		else
			rp->killed = true;
		if (done)
			continue;
		if (kill(rp->pid, sig)) {
			pm_warn("removal of device %s: cannot send %s to pid %d (%s): %m",
				r->device, sig == SIGTERM ? "SIGTERM" : "SIGKILL",
				(int)rp->pid, rp->comm);
			continue;
		}
		pm_warn("removal of device %s: pid %d (%s) still pins %s: %s sent (on-removal kill)",
			r->device, (int)rp->pid, rp->comm, name(rp),
			sig == SIGTERM ? "SIGTERM" : "SIGKILL");
		publish(d, r, rp, sig == SIGTERM ? PINMGR_ADM_ACTION_TERM :
			PINMGR_ADM_ACTION_KILL, 0, 0);
	}
}

static void free_removal(struct pm_removal *r)
{
	size_t i;

	for (i = 0; i < r->npins; i++)
		free(r->pins[i].path);
	free(r->pins);
	free(r);
}

/* Note the pins that went; true when none is left. */
static bool update(struct pm_daemon *d, struct pm_removal *r)
{
	unsigned int left = 0;
	size_t i;

	for (i = 0; i < r->npins; i++) {
		struct pm_rm_pin *rp = &r->pins[i];

		if (rp->gone)
			continue;
		if (held(d, rp)) {
			left++;
			continue;
		}
		rp->gone = true;
		pm_notice("removal of device %s: pid %d (%s) no longer pins %s",
			  r->device, (int)rp->pid, rp->comm, name(rp));
		publish(d, r, rp, PINMGR_ADM_ACTION_GONE, 0, 0);
	}
	return !left;
}

int pm_removal_tick(struct pm_daemon *d)
{
	struct pm_removal **rpp, *r;
	int64_t now;

	if (!d->removals)
		return -1;
	now = pm_now_ms();
	if (now - d->last_scan_ms >= PM_RM_POLL_MS)
		pm_proc_scan(d);
	for (rpp = &d->removals; (r = *rpp);) {
		if (update(d, r)) {
			pm_notice("removal of device %s: no pin left, the removal can complete",
				  r->device);
			publish(d, r, NULL, PINMGR_ADM_ACTION_COMPLETE, 0, 0);
			*rpp = r->next;
			free_removal(r);
			continue;
		}
		if (now >= r->deadline_ms && !r->timed_out) {
			size_t i;

			r->timed_out = true;
			/* signal only what a fresh look at /proc shows */
			pm_proc_scan(d);
			if (update(d, r))
				continue;	/* completes on the next pass */
			for (i = 0; i < r->npins; i++) {
				struct pm_rm_pin *rp = &r->pins[i];

				if (rp->gone || (d->cfg.on_removal == PM_REMOVAL_KILL &&
						 killable(rp->pid)))
					continue;
				pm_warn("removal of device %s: pid %d (%s) still pins %s after %u ms (on-removal %s)",
					r->device, (int)rp->pid, rp->comm, name(rp),
					timeout_ms(d), policy_name(d->cfg.on_removal));
				publish(d, r, rp, PINMGR_ADM_ACTION_TIMEOUT, 0, 0);
			}
			if (d->cfg.on_removal == PM_REMOVAL_KILL) {
				signal_owners(d, r, SIGTERM);
				r->kill_ms = now + timeout_ms(d);
			}
		} else if (r->kill_ms && now >= r->kill_ms) {
			r->kill_ms = 0;
			pm_proc_scan(d);
			if (update(d, r))
				continue;
			signal_owners(d, r, SIGKILL);
		}
		rpp = &r->next;
	}
	return d->removals ? PM_RM_POLL_MS : -1;
}

void pm_removal_status(struct pm_daemon *d, struct pm_conn *c, uid_t uid)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	const struct pm_removal *r;
	uint32_t n = 0;
	size_t i;

	if (!m) {
		c->dead = true;
		return;
	}
	for (r = d->removals; r; r = r->next) {
		for (i = 0; i < r->npins; i++) {
			const struct pm_rm_pin *rp = &r->pins[i];
			struct pinmgr_adm_pin_entry *e = &m->entry;

			if (rp->gone || (uid != 0 && rp->uid != uid))
				continue;
			memset(m, 0, sizeof(*m));
			m->type = PINMGR_ADM_PIN_ENTRY;
			e->pid = (uint32_t)rp->pid;
			e->uid = (uint32_t)rp->uid;
			e->dev_major = rp->major;
			e->dev_minor = rp->minor;
			e->ino = rp->ino;
			e->offset = rp->offset;
			e->length = rp->offset + rp->length >= rp->offset ? rp->length : 0;
			snprintf(e->comm, sizeof(e->comm), "%s", rp->comm);
			snprintf(e->rdma_dev, sizeof(e->rdma_dev), "%s", r->device);
			snprintf(e->path, sizeof(e->path), "%s", rp->path ? rp->path : "");
			if (!pm_send_adm(d, c, m)) {
				c->dead = true;
				free(m);
				return;
			}
			n++;
		}
	}
	memset(m, 0, sizeof(*m));
	m->type = PINMGR_ADM_DONE;
	m->done.count = n;
	if (!pm_send_adm(d, c, m))
		c->dead = true;
	free(m);
}

void pm_removal_free_all(struct pm_daemon *d)
{
	struct pm_removal *r, *n;

	for (r = d->removals; r; r = n) {
		n = r->next;
		free_removal(r);
	}
	d->removals = NULL;
}
