// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Admin requests from pinctl (pinmgr-admin.h).  Root sees and may act on
 * everything; any other user sees its own pins and the refusals that
 * involve it, and may break or unpin only its own pins.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "pinmgr.h"
#include "svc-pin.h"
#include "removal.h"

#define REFRESH_MS 20

void pm_proc_refresh(struct pm_daemon *d)
{
	if (pm_now_ms() - d->last_scan_ms >= REFRESH_MS || !d->scans)
		pm_proc_scan(d);
}

/*
 * Rescan /proc unless a scan already ran in this loop turn.  Every request
 * handled in a turn was sent before epoll_wait() returned, so a scan made
 * since then sees at least what the sender saw: a break gets a view as
 * fresh as a scan of its own, and a flood of breaks costs one scan per
 * turn, not one per break.
 */
void pm_proc_fresh(struct pm_daemon *d)
{
	if (d->scan_turn != d->turn || !d->scans)
		pm_proc_scan(d);
}

void pm_refresh(struct pm_daemon *d, bool rdma)
{
	int64_t now = pm_now_ms();

	pm_proc_refresh(d);
	if (rdma && (now - d->rdma.when_ms >= 200 || !d->rdma.when_ms))
		pm_rdma_query(&d->rdma);
	pm_rdma_annotate(&d->rdma, &d->reg);
}

void pm_pin_to_entry(const struct pm_pin *p, struct pinmgr_adm_pin_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->id = p->id;
	e->flags = p->src;
	if (p->have_mr)
		e->flags |= PINMGR_ADM_PIN_MR;
	if (p->have_mrn)
		e->flags |= PINMGR_ADM_PIN_MRN;
	if (p->client && (p->client->hello_flags & PINMGR_HELLO_REVOKE))
		e->flags |= PINMGR_ADM_PIN_REVOCABLE;
	if (p->svc)
		e->flags |= PINMGR_ADM_PIN_REVOCABLE;
	if (p->revoking)
		e->flags |= PINMGR_ADM_PIN_REVOKING;
	if (p->svc && pm_export_describe(p->svc, e->peers, sizeof(e->peers))) {
		e->flags |= PINMGR_ADM_PIN_EXPORTED;
		pm_export_moved(p->svc, e->moved, sizeof(e->moved));
	}
	e->pid = (uint32_t)p->pid;
	e->uid = (uint32_t)p->uid;
	e->owner = (uint32_t)p->owner;
	e->owner_fd = (uint32_t)p->owner_fd;
	e->dev_major = p->major;
	e->dev_minor = p->minor;
	e->ino = p->ino;
	e->first_page = p->first_page;
	e->last_page = p->last_page;
	e->pages = p->pages;
	e->offset = p->offset;
	e->length = p->length;
	e->mrn = p->mrn;
	e->lkey = p->lkey;
	e->rkey = p->rkey;
	snprintf(e->comm, sizeof(e->comm), "%s", p->comm);
	snprintf(e->rdma_dev, sizeof(e->rdma_dev), "%s", p->have_mr ? p->rdma_dev : "");
	snprintf(e->owner_path, sizeof(e->owner_path), "%s",
		 p->owner_path ? p->owner_path : "");
	snprintf(e->path, sizeof(e->path), "%s", p->path ? p->path : "");
}

static bool may_see(const struct pm_cred *cred, struct pm_pin *p)
{
	return pm_pin_visible(p, cred->uid);
}

static bool done(struct pm_daemon *d, struct pm_conn *c, uint32_t count)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_DONE };

	m.done.count = count;
	return pm_send_adm(d, c, &m);
}

/* PIN_ENTRY for every pin @cred may see and that passes the filter. */
static bool send_pins(struct pm_daemon *d, struct pm_conn *c,
		      const struct pm_cred *cred, const struct pinmgr_adm_list *f,
		      uint32_t *count)
{
	struct pinmgr_adm_msg *m = malloc(sizeof(*m));
	struct pm_pin *p;
	bool ok = true;

	*count = 0;
	if (!m)
		return false;
	m->type = PINMGR_ADM_PIN_ENTRY;
	for (p = d->reg.head; p && ok; p = p->next) {
		if (!may_see(cred, p))
			continue;
		if ((f->flags & PINMGR_ADM_LIST_PID) && p->pid != (pid_t)f->pid)
			continue;
		if ((f->flags & PINMGR_ADM_LIST_INODE) &&
		    !pm_pin_on(p, f->dev_major, f->dev_minor, f->ino))
			continue;
		pm_pin_to_entry(p, &m->entry);
		ok = pm_send_adm(d, c, m);
		(*count)++;
	}
	free(m);
	return ok;
}

static void do_list(struct pm_daemon *d, struct pm_conn *c,
		    const struct pm_cred *cred, const struct pinmgr_adm_list *req)
{
	uint32_t n;

	pm_refresh(d, true);
	if (!send_pins(d, c, cred, req, &n) || !done(d, c, n)) {
		pm_warn("pid %d does not read its list of %u pins: dropping it",
			(int)cred->pid, n);
		c->dead = true;
	}
}

static const char *visible_path(struct pm_daemon *d, const struct pm_cred *cred,
				unsigned int major, unsigned int minor, uint64_t ino)
{
	struct pm_pin *p;

	for (p = d->reg.head; p; p = p->next)
		if (pm_pin_on(p, major, minor, ino) && pm_pin_confirmed(p) &&
		    may_see(cred, p))
			return pm_reg_path_of(&d->reg, major, minor, ino);
	return NULL;
}

static void do_show(struct pm_daemon *d, struct pm_conn *c,
		    const struct pm_cred *cred, const struct pinmgr_adm_show *req)
{
	struct pinmgr_adm_list f = {
		.flags = PINMGR_ADM_LIST_INODE, .dev_major = req->dev_major,
		.dev_minor = req->dev_minor, .ino = req->ino,
	};
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	const struct pm_rule *rule;
	const char *path;
	uint32_t n;
	size_t i;
	bool ok;

	if (!m) {
		pm_send_adm_error(d, c, ENOMEM, "out of memory");
		return;
	}
	pm_refresh(d, true);
	/* the file's name as pinmgr knows it only for those who may see a pin on it */
	path = visible_path(d, cred, req->dev_major, req->dev_minor, req->ino);
	if (!path && req->path[0])
		path = req->path;
	rule = pm_config_match(&d->cfg, path);
	m->type = PINMGR_ADM_SHOW_REPLY;
	m->show_reply.policy = rule && rule->action == PM_BREAK ?
			       PINMGR_ADM_POLICY_BREAK : PINMGR_ADM_POLICY_REPORT;
	m->show_reply.timeout_ms = rule && rule->timeout_ms ? rule->timeout_ms :
				   d->cfg.break_timeout_ms;
	snprintf(m->show_reply.rule, sizeof(m->show_reply.rule), "%s",
		 rule ? rule->prefix : "");
	snprintf(m->show_reply.path, sizeof(m->show_reply.path), "%s", path ? path : "");
	ok = pm_send_adm(d, c, m) && send_pins(d, c, cred, &f, &n);
	for (i = 0; ok && i < d->events.count; i++) {
		const struct pm_event *ev = pm_events_get(&d->events, i);

		if (ev->k.major != req->dev_major || ev->k.minor != req->dev_minor ||
		    ev->k.ino != req->ino || !pm_event_visible(d, ev, cred->uid))
			continue;
		pm_event_to_msg(ev, m);
		ok = pm_send_adm(d, c, m);
	}
	free(m);
	if (!ok || !done(d, c, n))
		c->dead = true;
}

static void do_events(struct pm_daemon *d, struct pm_conn *c,
		      const struct pm_cred *cred, const struct pinmgr_adm_events *req)
{
	struct pinmgr_adm_msg *m = malloc(sizeof(*m));
	uint32_t n = 0;
	size_t i;
	bool ok = true;

	if (!m) {
		pm_send_adm_error(d, c, ENOMEM, "out of memory");
		return;
	}
	if (c->subscriber) {
		free(m);
		pm_send_adm_error(d, c, EALREADY, "this connection already follows the events");
		return;
	}
	if ((req->flags & PINMGR_ADM_EVENTS_FOLLOW) && cred->uid != 0 &&
	    pm_count_conns(d, cred->uid, true) >= d->cfg.max_subscribers) {
		free(m);
		pm_send_adm_error(d, c, EUSERS, "uid %u already follows the events on %u connections (max-subscribers)",
				  (unsigned int)cred->uid, d->cfg.max_subscribers);
		return;
	}
	for (i = 0; ok && !(req->flags & PINMGR_ADM_EVENTS_NO_BACKLOG) &&
		    i < d->events.count; i++) {
		const struct pm_event *ev = pm_events_get(&d->events, i);

		if (!pm_event_visible(d, ev, cred->uid))
			continue;
		pm_event_to_msg(ev, m);
		ok = pm_send_adm(d, c, m);
		n++;
	}
	free(m);
	if (!ok || !done(d, c, n)) {
		c->dead = true;
		return;
	}
	if (req->flags & PINMGR_ADM_EVENTS_FOLLOW) {
		c->subscriber = true;
		c->sub_uid = cred->uid;
		d->nsubscribers++;
	}
}

/* a sliding window of break requests per user (a small table, oldest reused) */
#define BREAK_USERS 64
static struct {
	uid_t uid;
	int64_t window_ms;
	unsigned int n;
} break_users[BREAK_USERS];

static bool break_allowed(struct pm_daemon *d, uid_t uid)
{
	int64_t now = pm_now_ms();
	int i, slot = 0;

	for (i = 0; i < BREAK_USERS; i++) {
		if (break_users[i].n && break_users[i].uid == uid) {
			slot = i;
			break;
		}
		if (break_users[i].window_ms < break_users[slot].window_ms)
			slot = i;
	}
	if (i == BREAK_USERS || now - break_users[slot].window_ms >= 60000) {
		break_users[slot].uid = uid;
		break_users[slot].window_ms = now;
		break_users[slot].n = 0;
	}
	if (break_users[slot].n >= d->cfg.max_breaks)
		return false;
	break_users[slot].n++;
	return true;
}

static void do_break(struct pm_daemon *d, struct pm_conn *c,
		     const struct pm_cred *cred, const struct pinmgr_adm_break *req)
{
	unsigned int timeout = req->timeout_ms;

	if (c->waiting) {
		pm_send_adm_error(d, c, EALREADY, "this connection already waits for a break");
		return;
	}
	if (cred->uid != 0 && !break_allowed(d, cred->uid)) {
		pm_send_adm_error(d, c, EAGAIN, "uid %u started %u breaks in the last minute (max-breaks): try again later",
				  (unsigned int)cred->uid, d->cfg.max_breaks);
		return;
	}
	if (timeout > PM_MAX_TIMEOUT_MS) {
		pm_send_adm_error(d, c, EINVAL, "timeout %u ms is longer than %u s",
				  timeout, PM_MAX_TIMEOUT_MS / 1000);
		return;
	}
	pm_log_user(cred->uid, LOG_INFO, "pid %d (uid %u) asks to break the pins on dev %u:%u ino %llu%s",
		(int)cred->pid, (unsigned int)cred->uid, req->dev_major,
		req->dev_minor, (unsigned long long)req->ino,
		req->flags & PINMGR_ADM_BREAK_WAIT ? " and waits" : "");
	pm_break_start(d, req->dev_major, req->dev_minor, req->ino, cred->uid,
		       timeout, c, req->flags & PINMGR_ADM_BREAK_WAIT);
}

static void do_status(struct pm_daemon *d, struct pm_conn *c,
		      const struct pm_cred *cred)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	struct pinmgr_adm_status_reply *s;
	struct pm_reg_counts n;

	if (!m) {
		pm_send_adm_error(d, c, ENOMEM, "out of memory");
		return;
	}
	pm_refresh(d, true);
	pm_reg_count(&d->reg, &n);
	m->type = PINMGR_ADM_STATUS_REPLY;
	s = &m->status;
	s->pid = (uint32_t)getpid();
	s->flags = (d->genl_ok ? PINMGR_ADM_ST_EVENTS : 0) |
		   (d->have_file_pins ? PINMGR_ADM_ST_FILE_PINS : 0) |
		   (d->rdma.ok ? PINMGR_ADM_ST_RDMA_NL : 0) |
		   (pm_removal_count(d) ? PINMGR_ADM_ST_REMOVAL : 0);	/* removal.c */
	s->started = (uint64_t)d->started;
	s->clients = d->nclients;
	s->admins = d->nadmins;
	s->subscribers = d->nsubscribers;
	s->pins = n.pins;
	s->pins_lib = n.lib;
	s->pins_proc = n.proc;
	s->pins_service = n.service;
	s->rules = (uint32_t)d->cfg.nrules;
	s->breaks = pm_break_count(d);
	s->events = d->events.seen;
	s->events_missed = d->events.missed;
	s->last_seq = d->events.last_seq;
	s->scans = d->scans;
	snprintf(s->version, sizeof(s->version), "%s", PACKAGE_VERSION);
	snprintf(s->config, sizeof(s->config), "%s", d->config_path);
	snprintf(s->events_state, sizeof(s->events_state), "%s", d->events_state);
	snprintf(s->rdma_devs, sizeof(s->rdma_devs), "%s", d->rdma.devs);
	(void)cred;
	if (!pm_send_adm(d, c, m))
		c->dead = true;
	else if (s->flags & PINMGR_ADM_ST_REMOVAL)
		pm_removal_status(d, c, cred->uid);
	free(m);
}

void pm_admin_request(struct pm_daemon *d, struct pm_conn *c,
		      const struct pm_cred *cred, const struct pinmgr_adm_msg *m,
		      int fd)
{
	pm_dbg("%s from pid %d uid %u", pinmgr_adm_type_name(m->type),
	       (int)cred->pid, (unsigned int)cred->uid);
	switch (m->type) {
	case PINMGR_ADM_STATUS:
		do_status(d, c, cred);
		break;
	case PINMGR_ADM_LIST:
		do_list(d, c, cred, &m->list);
		break;
	case PINMGR_ADM_SHOW:
		do_show(d, c, cred, &m->show);
		break;
	case PINMGR_ADM_EVENTS:
		do_events(d, c, cred, &m->events);
		break;
	case PINMGR_ADM_BREAK:
		do_break(d, c, cred, &m->brk);
		break;
	case PINMGR_ADM_PIN:
		pm_service_pin(d, c, cred, &m->pin, fd);
		fd = -1;
		break;
	case PINMGR_ADM_UNPIN:
		pm_service_unpin(d, c, cred, m->unpin.id);
		break;
	case PINMGR_ADM_CONNECT:
		pm_service_connect(d, c, cred, &m->connect);
		break;
	case PINMGR_ADM_REVOKE:
		pm_service_revoke(d, c, cred, m->revoke.token);
		break;
	default:
		pm_send_adm_error(d, c, EOPNOTSUPP, "%s is an answer, not a request",
				  pinmgr_adm_type_name(m->type));
		break;
	}
	if (fd >= 0)
		close(fd);
}
