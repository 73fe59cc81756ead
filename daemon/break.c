// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Breaking the pins on a file: ask every owner that can be asked (a
 * libfilepin client with a revoke callback) to give its pins up, release
 * the pin service's own pins, and wait until the owners have answered or
 * the timeout has passed.  Then the file is looked at again: either
 * nothing pins it, or the owners that still do are reported by pid and
 * comm, with the reason (refused, no answer, cannot be asked).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pinmgr.h"

static struct pm_break *find(struct pm_daemon *d, unsigned int major,
			     unsigned int minor, uint64_t ino)
{
	struct pm_break *b;

	for (b = d->breaks; b; b = b->next)
		if (b->major == major && b->minor == minor && b->ino == ino)
			return b;
	return NULL;
}

unsigned int pm_break_count(const struct pm_daemon *d)
{
	const struct pm_break *b;
	unsigned int n = 0;

	for (b = d->breaks; b; b = b->next)
		n++;
	return n;
}

static struct pm_break_owner *owner_of(const struct pm_break *b, pid_t pid)
{
	size_t i;

	for (i = 0; i < b->nowners; i++)
		if (b->owners[i].pid == pid)
			return &b->owners[i];
	return NULL;
}

static struct pm_break_owner *owner_add(struct pm_break *b, const struct pm_pin *p)
{
	struct pm_break_owner *o = owner_of(b, p->pid);

	if (o)
		return o;
	o = realloc(b->owners, (b->nowners + 1) * sizeof(*o));
	if (!o)
		return NULL;
	b->owners = o;
	o = &b->owners[b->nowners++];
	memset(o, 0, sizeof(*o));
	o->pid = p->pid;
	o->uid = p->uid;
	snprintf(o->comm, sizeof(o->comm), "%s", p->comm);
	return o;
}

static const char *why(int err)
{
	switch (err) {
	case ETIMEDOUT: return "did not answer in time";
	case ENOTCONN: return "not a libfilepin client of pinmgr: cannot be asked";
	case EOPNOTSUPP: return "its program has no revoke callback";
	case EBUSY: return "still pins the file";
	case EPERM: return "belongs to another user";
	}
	return strerror(err);
}

static void send_owner(struct pm_daemon *d, struct pm_conn *c,
		       const struct pm_pin *p, int err)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_OWNER };

	m.owner.pid = (uint32_t)p->pid;
	m.owner.uid = (uint32_t)p->uid;
	m.owner.error = (uint32_t)(err ? err : EBUSY);
	m.owner.flags = p->src;
	snprintf(m.owner.comm, sizeof(m.owner.comm), "%s", p->comm);
	pm_send_adm(d, c, &m);
}

static void send_done(struct pm_daemon *d, struct pm_conn *c, uint32_t n)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_DONE };

	m.done.count = n;
	pm_send_adm(d, c, &m);
}

static const char *name_of(struct pm_daemon *d, const struct pm_break *b,
			   char *buf, size_t size)
{
	const char *path = pm_reg_path_of(&d->reg, b->major, b->minor, b->ino);

	/* once the pins are gone the registry no longer knows the file */
	if (!path)
		path = b->path;
	if (path)
		return path;
	snprintf(buf, size, "dev %u:%u ino %llu", b->major, b->minor,
		 (unsigned long long)b->ino);
	return buf;
}

/* "pid N (comm): why; ..." of the pins left that @uid may see; how many */
static unsigned int left_list(struct pm_daemon *d, const struct pm_break *b,
			      uid_t uid, char *list, size_t size, bool *timed_out,
			      unsigned int *hidden)
{
	struct pm_pin *p;
	unsigned int left = 0;
	size_t len = 0;

	list[0] = 0;
	*hidden = 0;
	for (p = d->reg.head; p; p = p->next) {
		const struct pm_break_owner *o;
		int err;

		/* an unconfirmed claim pins nothing */
		if (!pm_pin_on(p, b->major, b->minor, b->ino) || !pm_pin_confirmed(p))
			continue;
		o = owner_of(b, p->pid);
		err = o && o->error ? o->error : EBUSY;
		if (err == ETIMEDOUT && timed_out)
			*timed_out = true;
		left++;
		if (!pm_pin_visible(p, uid)) {
			(*hidden)++;
			continue;
		}
		if (len < size - 1) {
			int n = snprintf(list + len, size - len, "%spid %d (%s): %s",
					 len ? "; " : "", (int)p->pid, p->comm, why(err));

			if (n > 0)
				len += (size_t)n;
		}
	}
	if (len >= size)
		memcpy(list + size - 4, "...", 4);
	if (*hidden && len < size - 1)
		snprintf(list + len, size - len, "%s%u range(s) of other users",
			 len ? "; " : "", *hidden);
	return left;
}

static void finish(struct pm_daemon *d, struct pm_break *b)
{
	struct pm_break **bp;
	struct pm_pin *p;
	struct pm_conn *c;
	char name[64], list[512];
	const char *file;
	unsigned int left, hidden;
	bool timed_out = false;

	/* what the kernel says now, not what we were told */
	if (b->dirty)
		pm_proc_scan(d);
	pm_dbg("break timing: event_us=%lld start_us=%lld scanned_us=%lld sent_us=%lld answer_us=%lld finish_us=%lld",
	       (long long)b->event_us, (long long)b->start_us, (long long)b->scanned_us,
	       (long long)b->sent_us, (long long)b->answer_us, (long long)pm_now_us());
	file = name_of(d, b, name, sizeof(name));
	for (p = d->reg.head; p; p = p->next)
		if (pm_pin_on(p, b->major, b->minor, b->ino))
			p->revoking = false;
	left = left_list(d, b, 0, list, sizeof(list), &timed_out, &hidden);
	if (left)
		pm_warn("break of %s: still pinned: %s", file, list);
	else
		pm_notice("break of %s: no longer pinned (%u pin(s) given up)", file,
			  b->pins_before);
	pm_metrics_break(d, !left ? PM_BREAK_RELEASED :
			 timed_out ? PM_BREAK_TIMEOUT : PM_BREAK_REFUSED);
	for (c = d->conns; c; c = c->next) {
		if (c->waiting != b)
			continue;
		c->waiting = NULL;
		if (!left) {
			send_done(d, c, b->pins_before);
			continue;
		}
		/* OWNER lines and names: only what LIST would show this user */
		for (p = d->reg.head; p; p = p->next) {
			const struct pm_break_owner *o;

			if (!pm_pin_on(p, b->major, b->minor, b->ino) ||
			    !pm_pin_confirmed(p) || !pm_pin_visible(p, c->waiting_uid))
				continue;
			o = owner_of(b, p->pid);
			send_owner(d, c, p, o && o->error ? o->error : EBUSY);
		}
		left_list(d, b, c->waiting_uid, list, sizeof(list), NULL, &hidden);
		pm_send_adm_error(d, c, timed_out ? ETIMEDOUT : EBUSY,
				  "%s is still pinned by %u range(s): %s",
				  c->waiting_uid == 0 || hidden < left ? file : "the file",
				  left, list);
	}
	for (bp = &d->breaks; *bp; bp = &(*bp)->next) {
		if (*bp == b) {
			*bp = b->next;
			break;
		}
	}
	free(b->owners);
	free(b->path);
	free(b);
}

/*
 * Refuse a break of a file that other users pin too, unless the requester
 * is root or owns the file.  The requester hears of the other pins only
 * what LIST would show it.
 */
static bool others_pin(struct pm_daemon *d, unsigned int major, unsigned int minor,
		       uint64_t ino, uid_t uid, struct pm_conn *req)
{
	struct pm_pin *p;
	unsigned int n = 0;

	if (uid == 0 || pm_reg_file_uid(&d->reg, major, minor, ino) == uid)
		return false;
	for (p = d->reg.head; p; p = p->next) {
		if (!pm_pin_on(p, major, minor, ino) || p->uid == uid ||
		    !pm_pin_confirmed(p))
			continue;
		n++;
		if (req && pm_pin_visible(p, uid))
			send_owner(d, req, p, EPERM);
	}
	if (n && req)
		pm_send_adm_error(d, req, EPERM,
				  "dev %u:%u ino %llu is also pinned by %u range(s) of other users: only root or the file's owner may break them",
				  major, minor, (unsigned long long)ino, n);
	return n > 0;
}

int pm_break_start(struct pm_daemon *d, unsigned int major, unsigned int minor,
		   uint64_t ino, uid_t uid, unsigned int timeout_ms,
		   struct pm_conn *req, bool wait)
{
	struct pinmgr_msg rv = { .type = PINMGR_REVOKE };
	struct pm_break *b;
	struct pm_pin *p, *n;
	unsigned int asked = 0, released = 0;
	const char *path;
	char name[64];
	int64_t start_us = pm_now_us();

	b = find(d, major, minor, ino);
	if (b) {
		if (req && wait && !others_pin(d, major, minor, ino, uid, NULL)) {
			req->waiting = b;
			req->waiting_uid = uid;
		}
		else if (req && wait)
			others_pin(d, major, minor, ino, uid, req);
		else if (req)
			send_done(d, req, 0);
		return PINMGR_ADM_ACTION_BREAKING;
	}
	/* a view as fresh as the request (one scan per loop turn) */
	pm_proc_fresh(d);
	if (others_pin(d, major, minor, ino, uid, req))
		return -EPERM;
	b = calloc(1, sizeof(*b));
	if (!b) {
		if (req)
			pm_send_adm_error(d, req, ENOMEM, "out of memory");
		return -ENOMEM;
	}
	b->major = major;
	b->minor = minor;
	b->ino = ino;
	b->start_us = start_us;
	b->event_us = d->event_us ? d->event_us : start_us;
	b->scanned_us = pm_now_us();
	path = pm_reg_path_of(&d->reg, major, minor, ino);
	b->path = path ? strdup(path) : NULL;	/* without memory: dev and ino */
	b->cookie = ++d->next_cookie;
	b->deadline_ms = pm_now_ms() + (timeout_ms ? timeout_ms : d->cfg.break_timeout_ms);
	b->from_event = !req;
	rv.revoke.cookie = b->cookie;
	rv.revoke.dev_major = major;
	rv.revoke.dev_minor = minor;
	rv.revoke.ino = ino;

	for (p = d->reg.head; p; p = n) {
		struct pm_break_owner *o;

		n = p->next;
		/* a claim the kernel has not confirmed is nobody's pin */
		if (!pm_pin_on(p, major, minor, ino) || !pm_pin_confirmed(p))
			continue;
		b->pins_before++;
		o = owner_add(b, p);
		if (!o)
			continue;
		o->flags |= p->src;
		if (p->svc) {
			/* ours: give it up at once (may free p) */
			if (pm_service_release(d, p))
				released++;
			continue;
		}
		if (p->client && (p->client->hello_flags & PINMGR_HELLO_REVOKE)) {
			p->revoking = true;
			if (o->conn == p->client)
				continue;
			if (!o->conn && !b->sent_us)
				b->sent_us = pm_now_us();	/* the owner may run at once */
			if (!o->conn && pm_send_proto(d, p->client, &rv)) {
				o->conn = p->client;
				o->error = 0;
				b->pending++;
				asked++;
			}
			continue;
		}
		if (!o->conn)
			o->error = p->client ? EOPNOTSUPP : ENOTCONN;
	}
	if (!b->sent_us)
		b->sent_us = pm_now_us();
	b->next = d->breaks;
	d->breaks = b;
	pm_info("break of %s: %u pin(s), %u owner(s) asked, %u service pin(s) released",
		name_of(d, b, name, sizeof(name)), b->pins_before, asked, released);
	if (req) {
		if (wait) {
			req->waiting = b;
			req->waiting_uid = uid;
		} else
			send_done(d, req, asked + released);
	}
	if (!b->pending)
		finish(d, b);
	return 0;
}

void pm_break_answer(struct pm_daemon *d, struct pm_conn *c,
		     const struct pinmgr_revoke *rv, bool done)
{
	struct pm_break *b;
	size_t i;

	for (b = d->breaks; b; b = b->next)
		if (b->cookie == rv->cookie)
			break;
	if (!b || b->major != rv->dev_major || b->minor != rv->dev_minor ||
	    b->ino != rv->ino) {
		pm_dbg("revoke answer from pid %d for no running break", (int)c->pid);
		return;
	}
	for (i = 0; i < b->nowners; i++) {
		struct pm_break_owner *o = &b->owners[i];

		if (o->conn != c)
			continue;
		o->conn = NULL;
		o->error = done ? 0 : (int)rv->error;
		b->answer_us = pm_now_us();
		b->pending--;
		b->dirty = true;
		pm_info("pid %d (%s) %s", (int)o->pid, o->comm,
			done ? "gave up its pins" : "refused to give up its pins");
	}
	if (!b->pending)
		finish(d, b);
}

void pm_break_conn_gone(struct pm_daemon *d, struct pm_conn *c)
{
	struct pm_break *b, *next;
	size_t i;

	for (b = d->breaks; b; b = next) {
		bool touched = false;

		next = b->next;
		for (i = 0; i < b->nowners; i++) {
			if (b->owners[i].conn != c)
				continue;
			b->owners[i].conn = NULL;
			b->pending--;
			touched = true;
			b->dirty = true;
		}
		if (touched && !b->pending)
			finish(d, b);
	}
	c->waiting = NULL;
}

int pm_break_tick(struct pm_daemon *d)
{
	int64_t now = pm_now_ms(), next = -1;
	struct pm_break *b, *n;
	size_t i;

	for (b = d->breaks; b; b = n) {
		n = b->next;
		if (now < b->deadline_ms) {
			if (next < 0 || b->deadline_ms - now < next)
				next = b->deadline_ms - now;
			continue;
		}
		for (i = 0; i < b->nowners; i++) {
			if (!b->owners[i].conn)
				continue;
			b->owners[i].conn = NULL;
			b->owners[i].error = ETIMEDOUT;
		}
		b->pending = 0;
		b->dirty = true;
		finish(d, b);
	}
	return next > 0x7fffffff ? 0x7fffffff : (int)next;
}

void pm_break_free_all(struct pm_daemon *d)
{
	struct pm_break *b, *n;

	for (b = d->breaks; b; b = n) {
		n = b->next;
		free(b->owners);
		free(b->path);
		free(b);
	}
	d->breaks = NULL;
}
