// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The library protocol (pinmgr-proto.h): what libfilepin clients say --
 * HELLO, PIN_ADD / PIN_DEL of their pins (per-user max-pins), the answers
 * to revoke requests, their errors.  A client speaks for itself only.
 */
#include <errno.h>
#include <string.h>
#include <syslog.h>

#include "pinmgr.h"

static unsigned int user_lib_pins(const struct pm_daemon *d, uid_t uid)
{
	const struct pm_conn *c;
	unsigned int n = 0;

	for (c = d->conns; c; c = c->next)
		if (c->hello && c->uid == uid)
			n += c->npins;
	return n;
}

void pm_lib_message(struct pm_daemon *d, struct pm_conn *c,
			const struct pm_cred *cred, const struct pinmgr_msg *m)
{
	struct pm_pin *p;
	int r;

	/* a client speaks for itself only (root may speak for any process) */
	if (m->type == PINMGR_HELLO) {
		if (m->hello.pid != (uint32_t)cred->pid && cred->uid != 0) {
			pm_send_proto_error(d, c, EPERM, "HELLO for pid %u from pid %d",
				    m->hello.pid, (int)cred->pid);
			return;
		}
		if (c->admin) {
			pm_send_proto_error(d, c, EINVAL, "HELLO on an admin connection");
			return;
		}
		if (!c->hello) {
			d->nclients++;
			c->hello = true;
			c->pid = (pid_t)m->hello.pid;
			c->uid = cred->uid;
			pm_proc_comm(d->procdir, c->pid, c->comm, sizeof(c->comm), NULL);
			pm_log_user(c->uid, LOG_INFO, "libfilepin client pid %d (%s) uid %u connected%s",
				(int)c->pid, c->comm, (unsigned int)c->uid,
				m->hello.flags & PINMGR_HELLO_REVOKE ? ", answers revoke requests" : "");
		} else if (c->pid != (pid_t)m->hello.pid) {
			pm_send_proto_error(d, c, EINVAL, "HELLO for another pid on this connection");
			return;
		}
		c->hello_flags = m->hello.flags;
		return;
	}
	if (!c->hello) {
		pm_send_proto_error(d, c, EPROTO, "%s before HELLO", pinmgr_msg_type_name(m->type));
		return;
	}
	if (cred->pid != c->pid && cred->uid != 0 && cred->uid != c->uid) {
		pm_send_proto_error(d, c, EPERM, "%s from pid %d on the connection of pid %d",
			    pinmgr_msg_type_name(m->type), (int)cred->pid, (int)c->pid);
		return;
	}
	switch (m->type) {
	case PINMGR_PIN_ADD:
		if (m->pin_add.pid != (uint32_t)c->pid) {
			pm_send_proto_error(d, c, EPERM, "PIN_ADD for pid %u on the connection of pid %d",
				    m->pin_add.pid, (int)c->pid);
			return;
		}
		if (c->uid != 0 && user_lib_pins(d, c->uid) >= d->cfg.max_pins) {
			pm_send_proto_error(d, c, EDQUOT, "PIN_ADD %llu: uid %u already reported %u pins (max-pins)",
				    (unsigned long long)m->pin_add.id, (unsigned int)c->uid,
				    d->cfg.max_pins);
			return;
		}
		r = pm_reg_add_lib(&d->reg, c, c->pid, c->uid, c->comm, &m->pin_add, &p);
		if (r) {
			pm_send_proto_error(d, c, -r, "PIN_ADD %llu: %s",
				    (unsigned long long)m->pin_add.id,
				    r == -EEXIST ? "id already in use" : strerror(-r));
			return;
		}
		c->npins++;
		pm_dbg("pid %d pins %s (dev %u:%u ino %llu) bytes %llu+%llu on %s, rkey 0x%x",
		       (int)c->pid, m->pin_add.path, m->pin_add.dev_major,
		       m->pin_add.dev_minor, (unsigned long long)m->pin_add.ino,
		       (unsigned long long)m->pin_add.offset,
		       (unsigned long long)m->pin_add.length, m->pin_add.rdma_dev,
		       m->pin_add.rkey);
		return;
	case PINMGR_PIN_DEL:
		if (pm_reg_del_lib(&d->reg, c, m->pin_del.id)) {
			pm_send_proto_error(d, c, ENOENT, "PIN_DEL %llu: no such pin on this connection",
				    (unsigned long long)m->pin_del.id);
			return;
		}
		c->npins--;
		return;
	case PINMGR_REVOKE_DONE:
	case PINMGR_REVOKE_REFUSED:
		pm_break_answer(d, c, &m->revoke, m->type == PINMGR_REVOKE_DONE);
		return;
	case PINMGR_ERROR:
		pm_log_user(c->uid, LOG_WARNING, "libfilepin client pid %d says: %s (%s)", (int)c->pid,
			m->error.message, strerror((int)m->error.error));
		return;
	default:
		pm_send_proto_error(d, c, EOPNOTSUPP, "%s is not a request pinmgr takes",
			    pinmgr_msg_type_name(m->type));
		return;
	}
}
