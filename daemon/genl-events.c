// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel's refusal events (and its device removal announcements,
 * handed to removal.c): generic-netlink family "filepin", multicast
 * group "events" (filepin-genl.h, filepin(7)), through libnl-genl-3.
 *
 * A kernel without the family is not an error: pinmgr says so once, keeps
 * working from /proc and its clients, and "pinctl status" shows why there
 * are no events.  SIGHUP tries again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "filepin-genl.h"
#include "pinmgr.h"
#include "removal.h"

/* The attributes of every filepin message (refusals and removals) */
struct nla_policy pm_genl_policy[FILEPIN_ATTR_MAX + 1] = {
	[FILEPIN_ATTR_OP] = { .type = NLA_U32 },
	[FILEPIN_ATTR_PID] = { .type = NLA_U32 },
	[FILEPIN_ATTR_TGID] = { .type = NLA_U32 },
	[FILEPIN_ATTR_COMM] = { .type = NLA_STRING, .maxlen = FILEPIN_COMM_LEN },
	[FILEPIN_ATTR_DEV_MAJOR] = { .type = NLA_U32 },
	[FILEPIN_ATTR_DEV_MINOR] = { .type = NLA_U32 },
	[FILEPIN_ATTR_INO] = { .type = NLA_U64 },
	[FILEPIN_ATTR_OFFSET] = { .type = NLA_U64 },
	[FILEPIN_ATTR_LENGTH] = { .type = NLA_U64 },
	[FILEPIN_ATTR_REASON] = { .type = NLA_U32 },
	[FILEPIN_ATTR_SEQ] = { .type = NLA_U64 },
	[FILEPIN_ATTR_DEVICE] = { .type = NLA_STRING, .maxlen = 32 },
	[FILEPIN_ATTR_PINS] = { .type = NLA_U32 },
	[FILEPIN_ATTR_PATH] = { .type = NLA_STRING, .maxlen = 4096 },
};

static uint32_t get_u32(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u32(tb[a]) : 0;
}

static uint64_t get_u64(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u64(tb[a]) : 0;
}

int pm_genl_parse(struct nl_msg *msg, struct pm_kevent *ev)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[FILEPIN_ATTR_MAX + 1];
	struct genlmsghdr *gh;

	memset(ev, 0, sizeof(*ev));
	if (!genlmsg_valid_hdr(nlh, 0))
		return -EINVAL;
	gh = nlmsg_data(nlh);
	if (gh->cmd != FILEPIN_CMD_REFUSED)
		return -EINVAL;
	if (genlmsg_parse(nlh, 0, tb, FILEPIN_ATTR_MAX, pm_genl_policy) < 0)
		return -EINVAL;
	ev->op = get_u32(tb, FILEPIN_ATTR_OP);
	ev->pid = get_u32(tb, FILEPIN_ATTR_PID);
	ev->tgid = get_u32(tb, FILEPIN_ATTR_TGID);
	ev->reason = get_u32(tb, FILEPIN_ATTR_REASON);
	ev->major = get_u32(tb, FILEPIN_ATTR_DEV_MAJOR);
	ev->minor = get_u32(tb, FILEPIN_ATTR_DEV_MINOR);
	ev->ino = get_u64(tb, FILEPIN_ATTR_INO);
	ev->offset = get_u64(tb, FILEPIN_ATTR_OFFSET);
	ev->length = get_u64(tb, FILEPIN_ATTR_LENGTH);
	ev->seq = get_u64(tb, FILEPIN_ATTR_SEQ);
	if (tb[FILEPIN_ATTR_COMM]) {
		/* the policy makes sure it is terminated within 16 bytes */
		snprintf(ev->comm, sizeof(ev->comm), "%s",
			 nla_get_string(tb[FILEPIN_ATTR_COMM]));
	}
	if (tb[FILEPIN_ATTR_SEQ])
		ev->have |= PM_KEV_SEQ;
	if (tb[FILEPIN_ATTR_DEV_MAJOR] && tb[FILEPIN_ATTR_DEV_MINOR])
		ev->have |= PM_KEV_DEV;
	if (tb[FILEPIN_ATTR_INO])
		ev->have |= PM_KEV_INO;
	return 0;
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct pm_daemon *d = arg;
	static struct pm_rmev rm;
	struct pm_kevent ev;

	if (!pm_removal_parse(msg, &rm)) {	/* removal.c: on-removal policy */
		pm_removal_handle(d, &rm);
		return NL_OK;
	}
	if (pm_genl_parse(msg, &ev)) {
		pm_warn("ignoring a filepin netlink message that is not a valid refusal");
		return NL_SKIP;
	}
	pm_event_handle(d, &ev);
	return NL_OK;
}

static __attribute__((format(printf, 2, 3)))
void unavailable(struct pm_daemon *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->events_state, sizeof(d->events_state), fmt, ap);
	va_end(ap);
	pm_notice("no kernel events: %s; pins are still tracked from /proc and libfilepin clients",
		  d->events_state);
}

bool pm_genl_open(struct pm_daemon *d)
{
	struct nl_sock *sk;
	int family, grp, err;

	pm_genl_close(d);
	sk = nl_socket_alloc();
	if (!sk) {
		unavailable(d, "%s", "out of memory");
		return false;
	}
	if (genl_connect(sk) < 0) {
		nl_socket_free(sk);
		unavailable(d, "%s", "cannot open a generic netlink socket");
		return false;
	}
	family = genl_ctrl_resolve(sk, FILEPIN_GENL_NAME);
	if (family < 0) {
		nl_socket_free(sk);
		unavailable(d, "the kernel has no generic-netlink family \"%s\" (not a filepin kernel)",
			    FILEPIN_GENL_NAME);
		return false;
	}
	grp = genl_ctrl_resolve_grp(sk, FILEPIN_GENL_NAME, FILEPIN_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		nl_socket_free(sk);
		unavailable(d, "the \"filepin\" family has no \"%s\" multicast group",
			    FILEPIN_GENL_MCGRP_EVENTS);
		return false;
	}
	err = nl_socket_add_membership(sk, grp);
	if (err < 0) {
		nl_socket_free(sk);
		/* the kernel lets only CAP_NET_ADMIN join (filepin(7)) */
		unavailable(d, "cannot join %s/%s: %s", FILEPIN_GENL_NAME,
			    FILEPIN_GENL_MCGRP_EVENTS, err == -NLE_PERM ?
			    "permission denied (it needs CAP_NET_ADMIN)" : nl_geterror(err));
		return false;
	}
	nl_socket_disable_seq_check(sk);
	nl_socket_set_nonblocking(sk);
	nl_socket_set_buffer_size(sk, 1 << 20, 0);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, d);
	d->genl = sk;
	d->genl_ok = true;
	snprintf(d->events_state, sizeof(d->events_state),
		 "subscribed to %s/%s (family id %d)", FILEPIN_GENL_NAME,
		 FILEPIN_GENL_MCGRP_EVENTS, family);
	pm_info("%s", d->events_state);
	return true;
}

void pm_genl_close(struct pm_daemon *d)
{
	if (d->genl)
		nl_socket_free(d->genl);
	d->genl = NULL;
	d->genl_ok = false;
}

int pm_genl_fd(struct pm_daemon *d)
{
	return d->genl ? nl_socket_get_fd(d->genl) : -1;
}

void pm_genl_read(struct pm_daemon *d)
{
	struct nl_cb *cb;
	int i;

	if (!d->genl)
		return;
	cb = nl_socket_get_cb(d->genl);
	/* bounded, so that a flood cannot starve the clients */
	for (i = 0; i < 64; i++) {
		int n = nl_recvmsgs_report(d->genl, cb);

		if (n == 0 || n == -NLE_AGAIN)
			break;
		if (n == -NLE_NOMEM) {
			/* ENOBUFS: the socket overflowed; seq numbers tell how many */
			pm_warn("kernel events overflowed pinmgr's socket: some were lost");
			continue;
		}
		if (n < 0) {
			pm_warn("reading kernel events: %s", nl_geterror(n));
			break;
		}
	}
	nl_cb_put(cb);
}
