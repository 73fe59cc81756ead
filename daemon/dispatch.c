// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Dispatch of one packet read on pinmgr's socket: libfilepin clients
 * (pinmgr-proto.h, client.c) and pinctl (pinmgr-admin.h, admin.c) share
 * the socket; the message type tells them apart.  Lengths and encodings
 * are checked here, malformed messages answered and counted; descriptors
 * come only with PIN and any other is closed at once.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pinmgr.h"

static size_t recv_max(void)
{
	return PINMGR_ADM_SIZE_MAX > PINMGR_MSG_MAX ? PINMGR_ADM_SIZE_MAX : PINMGR_MSG_MAX;
}

void pm_send_proto_error(struct pm_daemon *d, struct pm_conn *c, int err,
			 const char *fmt, ...)
{
	struct pinmgr_msg m = { .type = PINMGR_ERROR };
	va_list ap;

	m.error.error = (uint32_t)err;
	va_start(ap, fmt);
	vsnprintf(m.error.message, sizeof(m.error.message), fmt, ap);
	va_end(ap);
	pm_send_proto(d, c, &m);
}

static void bad_message(struct pm_daemon *d, struct pm_conn *c, bool admin,
			int err, size_t len, uint16_t type)
{
	const char *what = err == -EPROTONOSUPPORT ? "unsupported protocol version" :
			   err == -EOPNOTSUPP ? "unknown message type" :
			   err == -EMSGSIZE ? "message too long" : "malformed message";

	c->bad++;
	pm_log_user(c->peer_uid, LOG_INFO, "%s (%zu bytes, type 0x%x) from pid %d: %s", what, len, type,
		(int)c->peer_pid, strerror(-err));
	if (admin)
		pm_send_adm_error(d, c, -err, "%s (%zu bytes, type 0x%x)", what, len, type);
	else
		pm_send_proto_error(d, c, -err, "%s (%zu bytes, type 0x%x)", what, len, type);
	if (c->bad >= PM_BAD_MAX) {
		pm_warn("dropping pid %d after %u malformed messages", (int)c->peer_pid, c->bad);
		c->dead = true;
	}
}

static bool len_is_admin(size_t len, uint16_t type, const struct pm_conn *c)
{
	return len >= PINMGR_ADM_HDR_SIZE ? pinmgr_adm_is_admin_type(type) : c->admin;
}

void pm_dispatch(struct pm_daemon *d, struct pm_conn *c,
			const unsigned char *buf, size_t len,
			const struct pm_cred *cred, int *fds, int nfds)
{
	static struct pinmgr_adm_msg am;
	struct pinmgr_msg pm;
	uint16_t version = 0, type = 0;
	bool admin;
	int r;

	pinmgr_adm_peek(buf, len, &version, &type);
	admin = len_is_admin(len, type, c);
	if (len > recv_max()) {
		pm_close_fds(fds, nfds);
		bad_message(d, c, admin, -EMSGSIZE, len, type);
		return;
	}
	if (!admin) {
		pm_close_fds(fds, nfds);
		r = pinmgr_msg_decode(buf, len, &pm);
		if (r) {
			bad_message(d, c, false, r, len, type);
			return;
		}
		pm_lib_message(d, c, cred, &pm);
		return;
	}
	r = pinmgr_adm_decode(buf, len, &am);
	if (r) {
		pm_close_fds(fds, nfds);
		bad_message(d, c, true, r, len, type);
		return;
	}
	if (!c->admin) {
		c->admin = true;
		d->nadmins++;
	}
	if (am.type == PINMGR_ADM_PIN) {
		if (nfds != 1) {
			pm_close_fds(fds, nfds);
			pm_send_adm_error(d, c, EBADF, "PIN needs exactly one file descriptor (SCM_RIGHTS), got %d",
					  nfds);
			return;
		}
		pm_admin_request(d, c, cred, &am, fds[0]);
		return;
	}
	if (nfds) {
		pm_close_fds(fds, nfds);
		pm_send_adm_error(d, c, EBADF, "%s takes no file descriptor",
				  pinmgr_adm_type_name(am.type));
		return;
	}
	pm_admin_request(d, c, cred, &am, -1);
}

void pm_dispatch_refuse(struct pm_daemon *d, struct pm_conn *c,
			const unsigned char *buf, size_t len, int err, const char *why)
{
	uint16_t version = 0, type = 0;

	pinmgr_adm_peek(buf, len, &version, &type);
	if (len_is_admin(len, type, c))
		pm_send_adm_error(d, c, err, "the request %s", why);
	else
		pm_send_proto_error(d, c, err, "the message %s", why);
}
