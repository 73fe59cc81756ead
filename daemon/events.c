// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What pinmgr does with a refusal reported by the kernel: detect missed
 * events by sequence number, name the file, apply the policy, log it, keep
 * it in a bounded ring and forward it to "pinctl events" subscribers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "filepin-genl.h"
#include "pinmgr.h"

int pm_events_init(struct pm_events *e, size_t size)
{
	memset(e, 0, sizeof(*e));
	e->ring = calloc(size, sizeof(*e->ring));
	if (!e->ring)
		return -ENOMEM;
	e->size = size;
	return 0;
}

void pm_events_free(struct pm_events *e)
{
	size_t i;

	for (i = 0; e->ring && i < e->size; i++)
		free(e->ring[i].path);
	free(e->ring);
	memset(e, 0, sizeof(*e));
}

uint64_t pm_seq_gap(uint64_t *last_seq, uint64_t seq)
{
	uint64_t gap = 0;

	/* the first event seen, or a reset (new boot of the counter) */
	if (*last_seq && seq > *last_seq)
		gap = seq - *last_seq - 1;
	*last_seq = seq;
	return gap;
}

struct pm_event *pm_events_push(struct pm_events *e, const struct pm_event *ev)
{
	struct pm_event *slot = &e->ring[e->head];
	char *path = NULL;

	if (ev->path) {
		path = strdup(ev->path);
		if (!path)
			return NULL;
	}
	free(slot->path);
	*slot = *ev;
	slot->path = path;
	e->head = (e->head + 1) % e->size;
	if (e->count < e->size)
		e->count++;
	return slot;
}

const struct pm_event *pm_events_get(const struct pm_events *e, size_t i)
{
	if (i >= e->count)
		return NULL;
	return &e->ring[(e->head + e->size - e->count + i) % e->size];
}

void pm_event_to_msg(const struct pm_event *ev, struct pinmgr_adm_msg *m)
{
	struct pinmgr_adm_event *a = &m->event;

	memset(m, 0, sizeof(*m));
	m->type = PINMGR_ADM_EVENT;
	a->seq = ev->k.seq;
	a->missed = ev->missed;
	a->time_ns = ev->time_ns;
	a->op = ev->k.op;
	a->pid = ev->k.pid;
	a->tgid = ev->k.tgid;
	a->reason = ev->k.reason;
	a->dev_major = ev->k.major;
	a->dev_minor = ev->k.minor;
	a->ino = ev->k.ino;
	a->offset = ev->k.offset;
	a->length = ev->k.length;
	a->action = ev->action;
	snprintf(a->comm, sizeof(a->comm), "%s", ev->k.comm);
	snprintf(a->path, sizeof(a->path), "%s", ev->path ? ev->path : "");
	snprintf(a->peer, sizeof(a->peer), "%s", ev->peer);
	a->export_id = ev->export_id;
}

bool pm_event_visible(struct pm_daemon *d, const struct pm_event *ev, uid_t uid)
{
	struct pm_pin *p;

	if (uid == 0 || ev->caller_uid == uid)
		return true;
	/* a user with a confirmed pin on the file, or the file's owner */
	for (p = d->reg.head; p; p = p->next)
		if (pm_pin_on(p, ev->k.major, ev->k.minor, ev->k.ino) &&
		    pm_pin_confirmed(p) && pm_pin_visible(p, uid))
			return true;
	return false;
}

void pm_event_handle(struct pm_daemon *d, const struct pm_kevent *k)
{
	struct pm_event ev = { .k = *k, .caller_uid = (uid_t)-1 };
	const struct pm_rule *rule;
	struct timespec ts;
	char comm[FILE_PINS_COMM_MAX + 1], xp[PINMGR_ADM_PEER_MAX + 48] = "";
	const char *path;

	d->event_us = pm_now_us();
	clock_gettime(CLOCK_REALTIME, &ts);
	ev.time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (k->have & PM_KEV_SEQ) {
		ev.missed = pm_seq_gap(&d->events.last_seq, k->seq);
		if (ev.missed)
			pm_warn("%llu kernel events were lost before event %llu",
				(unsigned long long)ev.missed, (unsigned long long)k->seq);
	}
	d->events.seen++;
	pm_metrics_refusal(d, k->op, k->reason);
	d->events.missed += ev.missed;
	pm_proc_comm(d->procdir, (pid_t)k->tgid, comm, sizeof(comm), &ev.caller_uid);

	path = pm_reg_path_of(&d->reg, k->major, k->minor, k->ino);
	/*
	 * Only pins the kernel confirmed name a file: a client's report may
	 * not have been seen in /proc yet.  The refusal says something pins
	 * the inode, so look (at most every few ms, pm_proc_refresh).
	 */
	if (!path) {
		pm_proc_refresh(d);
		path = pm_reg_path_of(&d->reg, k->major, k->minor, k->ino);
	}
	ev.path = (char *)(uintptr_t)path;	/* copied by pm_events_push */
	/* a refusal over an exported pin names the export and its peers */
	if ((k->have & PM_KEV_DEV) && (k->have & PM_KEV_INO))
		ev.export_id = pm_export_of_range(d, k->major, k->minor, k->ino,
						  k->offset, k->length,
						  ev.peer, sizeof(ev.peer));
	ev.action = PINMGR_ADM_ACTION_REPORT;
	rule = pm_config_match(&d->cfg, path);
	if (rule && rule->action == PM_BREAK && (k->have & PM_KEV_DEV) &&
	    (k->have & PM_KEV_INO)) {
		int r = pm_break_start(d, k->major, k->minor, k->ino, 0,
				       rule->timeout_ms, NULL, false);

		ev.action = r == PINMGR_ADM_ACTION_BREAKING ?
			    PINMGR_ADM_ACTION_BREAKING : PINMGR_ADM_ACTION_BREAK;
	}
	if (ev.export_id)
		snprintf(xp, sizeof(xp), "; exported pin %llu, peers %s",
			 (unsigned long long)ev.export_id, ev.peer[0] ? ev.peer : "none");
	if (d->cfg.log_events)
		pm_notice("%s of %s (dev %u:%u ino %llu, offset %llu length %llu) by pid %u (%s) refused: %s%s%s",
			  pinmgr_adm_op_name(k->op), path ? path : "an unknown file",
			  k->major, k->minor, (unsigned long long)k->ino,
			  (unsigned long long)k->offset, (unsigned long long)k->length,
			  k->tgid, k->comm[0] ? k->comm : "?",
			  k->reason == FILEPIN_REASON_LEASE ? "exclusive layout lease" :
			  k->reason == FILEPIN_REASON_PIN ? "pinned range" : "unknown reason",
			  xp,
			  ev.action == PINMGR_ADM_ACTION_BREAK ? "; policy break: asking the owners to give up their pins" : "");
	pm_events_publish(d, &ev);
	d->event_us = 0;
}

/* Store @ev in the ring and send it to the subscribers that may see it */
void pm_events_publish(struct pm_daemon *d, const struct pm_event *ev)
{
	struct pinmgr_adm_msg *m;
	struct pm_event *stored;
	struct pm_conn *c;

	stored = pm_events_push(&d->events, ev);
	if (!stored)
		return;
	m = malloc(sizeof(*m));
	if (!m)
		return;
	pm_event_to_msg(stored, m);
	for (c = d->conns; c; c = c->next) {
		if (!c->subscriber || c->dead || !pm_event_visible(d, stored, c->sub_uid))
			continue;
		if (!pm_send_adm(d, c, m))
			c->dropped++;
	}
	free(m);
}
