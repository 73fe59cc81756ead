// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The pinmgr admin protocol (pinmgr-admin.h): encoding and strict decoding.
 *
 * One description of each body serves both directions: body() walks the
 * fields of a message with a codec that either writes them or reads them,
 * and check() holds the rules on values that both sides enforce.  The
 * bytes themselves are wire.h's, as for the library protocol.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "filepin-genl.h"
#include "pinmgr-admin.h"
#include "wire.h"

/* One field at a time, written when encoding and read when decoding. */
struct codec {
	bool enc;
	struct wire_writer w;		/* encoding */
	struct wire_reader r;		/* decoding */
};

static void f_u16(struct codec *c, uint16_t *v)
{
	if (c->enc)
		wire_put_u16(&c->w, *v);
	else
		*v = wire_get_u16(&c->r);
}

static void f_u32(struct codec *c, uint32_t *v)
{
	if (c->enc)
		wire_put_u32(&c->w, *v);
	else
		*v = wire_get_u32(&c->r);
}

static void f_u64(struct codec *c, uint64_t *v)
{
	if (c->enc)
		wire_put_u64(&c->w, *v);
	else
		*v = wire_get_u64(&c->r);
}

static void f_raw(struct codec *c, uint8_t *p, size_t n)
{
	const unsigned char *b;

	if (c->enc) {
		wire_put_bytes(&c->w, p, n);
		return;
	}
	b = wire_get_bytes(&c->r, n);
	if (b)
		memcpy(p, b, n);
}

/* A string of @min..@max bytes; @s has room for @max + 1. */
static void f_str(struct codec *c, char *s, size_t min, size_t max)
{
	if (c->enc)
		wire_put_str(&c->w, s, min, max);
	else
		wire_get_str(&c->r, s, min, max);
}

#define PATH_MAXLEN	PINMGR_ADM_PATH_MAX
#define COMM_MAXLEN	PINMGR_ADM_COMM_MAX
#define DEV_MAXLEN	PINMGR_ADM_DEV_MAX

/* Walk the body of @m; -EOPNOTSUPP for an unknown type. */
static int body(struct codec *c, struct pinmgr_adm_msg *m)
{
	switch (m->type) {
	case PINMGR_ADM_STATUS:
		break;
	case PINMGR_ADM_LIST:
		f_u32(c, &m->list.flags);
		f_u32(c, &m->list.pid);
		f_u32(c, &m->list.dev_major);
		f_u32(c, &m->list.dev_minor);
		f_u64(c, &m->list.ino);
		break;
	case PINMGR_ADM_SHOW:
		f_u32(c, &m->show.dev_major);
		f_u32(c, &m->show.dev_minor);
		f_u64(c, &m->show.ino);
		f_str(c, m->show.path, 0, PATH_MAXLEN);
		break;
	case PINMGR_ADM_EVENTS:
		f_u32(c, &m->events.flags);
		break;
	case PINMGR_ADM_BREAK:
		f_u32(c, &m->brk.flags);
		f_u32(c, &m->brk.timeout_ms);
		f_u32(c, &m->brk.dev_major);
		f_u32(c, &m->brk.dev_minor);
		f_u64(c, &m->brk.ino);
		break;
	case PINMGR_ADM_PIN:
		f_u64(c, &m->pin.offset);
		f_u64(c, &m->pin.length);
		f_u32(c, &m->pin.access);
		f_str(c, m->pin.rdma_dev, 1, DEV_MAXLEN);
		break;
	case PINMGR_ADM_UNPIN:
		f_u64(c, &m->unpin.id);
		break;
	case PINMGR_ADM_REVOKE:
		f_raw(c, m->revoke.token, sizeof(m->revoke.token));
		break;
	case PINMGR_ADM_CONNECT:
		f_u64(c, &m->connect.id);
		f_u32(c, &m->connect.qpn);
		f_u32(c, &m->connect.psn);
		f_u32(c, &m->connect.gid_index);
		f_u32(c, &m->connect.mtu);
		f_raw(c, m->connect.gid, sizeof(m->connect.gid));
		break;
	case PINMGR_ADM_STATUS_REPLY: {
		struct pinmgr_adm_status_reply *s = &m->status;

		f_u32(c, &s->pid);
		f_u32(c, &s->flags);
		f_u64(c, &s->started);
		f_u32(c, &s->clients);
		f_u32(c, &s->admins);
		f_u32(c, &s->subscribers);
		f_u32(c, &s->pins);
		f_u32(c, &s->pins_lib);
		f_u32(c, &s->pins_proc);
		f_u32(c, &s->pins_service);
		f_u32(c, &s->rules);
		f_u32(c, &s->breaks);
		f_u64(c, &s->events);
		f_u64(c, &s->events_missed);
		f_u64(c, &s->last_seq);
		f_u64(c, &s->scans);
		f_str(c, s->version, 1, DEV_MAXLEN);
		f_str(c, s->config, 0, PATH_MAXLEN);
		f_str(c, s->events_state, 0, PINMGR_ADM_INFO_MAX);
		f_str(c, s->rdma_devs, 0, PINMGR_ADM_INFO_MAX);
		break;
	}
	case PINMGR_ADM_PIN_ENTRY: {
		struct pinmgr_adm_pin_entry *e = &m->entry;

		f_u64(c, &e->id);
		f_u32(c, &e->flags);
		f_u32(c, &e->pid);
		f_u32(c, &e->uid);
		f_u32(c, &e->owner);
		f_u32(c, &e->owner_fd);
		f_u32(c, &e->dev_major);
		f_u32(c, &e->dev_minor);
		f_u64(c, &e->ino);
		f_u64(c, &e->first_page);
		f_u64(c, &e->last_page);
		f_u64(c, &e->pages);
		f_u64(c, &e->offset);
		f_u64(c, &e->length);
		f_u32(c, &e->mrn);
		f_u32(c, &e->lkey);
		f_u32(c, &e->rkey);
		f_str(c, e->comm, 0, COMM_MAXLEN);
		f_str(c, e->rdma_dev, 0, DEV_MAXLEN);
		f_str(c, e->owner_path, 0, PATH_MAXLEN);
		f_str(c, e->path, 0, PATH_MAXLEN);
		f_str(c, e->peers, 0, PINMGR_ADM_PEERS_MAX);
		f_str(c, e->moved, 0, PINMGR_ADM_PEERS_MAX);
		break;
	}
	case PINMGR_ADM_EVENT: {
		struct pinmgr_adm_event *e = &m->event;

		f_u64(c, &e->seq);
		f_u64(c, &e->missed);
		f_u64(c, &e->time_ns);
		f_u32(c, &e->op);
		f_u32(c, &e->pid);
		f_u32(c, &e->tgid);
		f_u32(c, &e->reason);
		f_u32(c, &e->dev_major);
		f_u32(c, &e->dev_minor);
		f_u64(c, &e->ino);
		f_u64(c, &e->offset);
		f_u64(c, &e->length);
		f_u32(c, &e->action);
		f_str(c, e->comm, 0, COMM_MAXLEN);
		f_str(c, e->path, 0, PATH_MAXLEN);
		f_str(c, e->peer, 0, PINMGR_ADM_PEER_MAX);
		f_u64(c, &e->export_id);
		break;
	}
	case PINMGR_ADM_OWNER:
		f_u32(c, &m->owner.pid);
		f_u32(c, &m->owner.uid);
		f_u32(c, &m->owner.error);
		f_u32(c, &m->owner.flags);
		f_str(c, m->owner.comm, 0, COMM_MAXLEN);
		break;
	case PINMGR_ADM_PINNED:
		f_u64(c, &m->pinned.id);
		f_u64(c, &m->pinned.addr);
		f_u64(c, &m->pinned.iova);
		f_u64(c, &m->pinned.length);
		f_u32(c, &m->pinned.lkey);
		f_u32(c, &m->pinned.rkey);
		f_u32(c, &m->pinned.access);
		f_str(c, m->pinned.rdma_dev, 1, DEV_MAXLEN);
		f_raw(c, m->pinned.token, sizeof(m->pinned.token));
		break;
	case PINMGR_ADM_SHOW_REPLY:
		f_u32(c, &m->show_reply.policy);
		f_u32(c, &m->show_reply.timeout_ms);
		f_str(c, m->show_reply.rule, 0, PATH_MAXLEN);
		f_str(c, m->show_reply.path, 0, PATH_MAXLEN);
		break;
	case PINMGR_ADM_CONNECTED:
		f_u32(c, &m->connected.qpn);
		f_u32(c, &m->connected.psn);
		f_u32(c, &m->connected.lid);
		f_raw(c, m->connected.gid, sizeof(m->connected.gid));
		break;
	case PINMGR_ADM_DONE:
		f_u32(c, &m->done.count);
		break;
	case PINMGR_ADM_ERROR:
		f_u32(c, &m->error.error);
		f_str(c, m->error.message, 0, PINMGR_ADM_MSG_MAX);
		break;
	default:
		return -EOPNOTSUPP;
	}
	return 0;
}

static bool no_overflow(uint64_t off, uint64_t len)
{
	return off + len >= off;
}

/* The rules on values; false when @m breaks one. */
static bool check(const struct pinmgr_adm_msg *m)
{
	switch (m->type) {
	case PINMGR_ADM_LIST:
		return !(m->list.flags & ~PINMGR_ADM_LIST_FLAGS) &&
		       (!(m->list.flags & PINMGR_ADM_LIST_PID) || m->list.pid);
	case PINMGR_ADM_EVENTS:
		return !(m->events.flags & ~PINMGR_ADM_EVENTS_FLAGS);
	case PINMGR_ADM_BREAK:
		return !(m->brk.flags & ~PINMGR_ADM_BREAK_FLAGS);
	case PINMGR_ADM_PIN:
		return (m->pin.access & (PINMGR_ADM_ACCESS_REMOTE_READ |
					 PINMGR_ADM_ACCESS_REMOTE_WRITE)) &&
		       !(m->pin.access & ~PINMGR_ADM_ACCESS_FLAGS) &&
		       no_overflow(m->pin.offset, m->pin.length);
	case PINMGR_ADM_UNPIN:
		return m->unpin.id != 0;
	case PINMGR_ADM_CONNECT:
		return m->connect.id && m->connect.mtu >= 1 && m->connect.mtu <= 5 &&
		       m->connect.qpn <= 0xffffff && m->connect.psn <= 0xffffff;
	case PINMGR_ADM_STATUS_REPLY:
		return !(m->status.flags & ~PINMGR_ADM_ST_FLAGS);
	case PINMGR_ADM_PIN_ENTRY:
		return !(m->entry.flags & ~PINMGR_ADM_PIN_FLAGS) &&
		       m->entry.owner <= PINMGR_ADM_OWNER_MM &&
		       m->entry.first_page <= m->entry.last_page &&
		       no_overflow(m->entry.offset, m->entry.length);
	case PINMGR_ADM_EVENT:
		return m->event.action <= PINMGR_ADM_ACTION_MAX;
	case PINMGR_ADM_OWNER:
		return m->owner.error && !(m->owner.flags & ~PINMGR_ADM_PIN_FLAGS);
	case PINMGR_ADM_PINNED:
		return m->pinned.id && m->pinned.length && m->pinned.access &&
		       !(m->pinned.access & ~PINMGR_ADM_ACCESS_FLAGS);
	case PINMGR_ADM_SHOW_REPLY:
		return m->show_reply.policy == PINMGR_ADM_POLICY_REPORT ||
		       m->show_reply.policy == PINMGR_ADM_POLICY_BREAK;
	case PINMGR_ADM_CONNECTED:
		return m->connected.qpn <= 0xffffff && m->connected.psn <= 0xffffff;
	case PINMGR_ADM_ERROR:
		return m->error.error != 0;
	default:
		return true;
	}
}

ssize_t pinmgr_adm_encode(const struct pinmgr_adm_msg *msg, void *buf, size_t size)
{
	/* body() only reads through @m when encoding */
	struct pinmgr_adm_msg *m = (struct pinmgr_adm_msg *)(uintptr_t)msg;
	struct codec c = { .enc = true, .w = { .p = buf, .size = size } };
	uint16_t version = PINMGR_ADM_VERSION, type;
	uint32_t len = 0;

	if (!pinmgr_adm_is_admin_type(msg->type))
		return -EINVAL;
	type = (uint16_t)m->type;
	f_u16(&c, &version);
	f_u16(&c, &type);
	f_u32(&c, &len);
	if (body(&c, m))
		return -EINVAL;
	if (c.w.err)
		return c.w.err;
	if (!check(m))
		return -EINVAL;
	if (c.w.len > PINMGR_ADM_SIZE_MAX)
		return -EMSGSIZE;
	wire_store_le(c.w.p + 4, c.w.len, 4);	/* the length */
	return (ssize_t)c.w.len;
}

bool pinmgr_adm_peek(const void *buf, size_t len, uint16_t *version,
		     uint16_t *type)
{
	const unsigned char *b = buf;

	if (len < PINMGR_ADM_HDR_SIZE)
		return false;
	*version = (uint16_t)wire_load_le(b, 2);
	*type = (uint16_t)wire_load_le(b + 2, 2);
	return true;
}

ssize_t pinmgr_adm_send(int sock, const void *buf, size_t len, int passfd)
{
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (passfd >= 0) {
		struct cmsghdr *cm;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &passfd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL);
}

int pinmgr_adm_decode(const void *buf, size_t len, struct pinmgr_adm_msg *msg)
{
	struct codec c = { .enc = false, .r = { .p = buf, .len = len } };
	uint16_t version = 0, type = 0;
	uint32_t length = 0;

	if (len < PINMGR_ADM_HDR_SIZE || len > PINMGR_ADM_SIZE_MAX)
		return -EBADMSG;
	f_u16(&c, &version);
	f_u16(&c, &type);
	f_u32(&c, &length);
	if (version != PINMGR_ADM_VERSION)
		return -EPROTONOSUPPORT;
	if (length != len)
		return -EBADMSG;
	if (!pinmgr_adm_is_admin_type(type))
		return -EOPNOTSUPP;
	memset(msg, 0, sizeof(*msg));
	msg->type = (enum pinmgr_adm_type)type;
	if (body(&c, msg))
		return -EOPNOTSUPP;
	if (c.r.err)
		return c.r.err;
	if (c.r.off != len)
		return -EBADMSG;	/* trailing bytes */
	if (!check(msg))
		return -EBADMSG;
	return 0;
}

const char *pinmgr_adm_type_name(unsigned int type)
{
	switch (type) {
	case PINMGR_ADM_STATUS: return "STATUS";
	case PINMGR_ADM_LIST: return "LIST";
	case PINMGR_ADM_SHOW: return "SHOW";
	case PINMGR_ADM_EVENTS: return "EVENTS";
	case PINMGR_ADM_BREAK: return "BREAK";
	case PINMGR_ADM_PIN: return "PIN";
	case PINMGR_ADM_UNPIN: return "UNPIN";
	case PINMGR_ADM_REVOKE: return "REVOKE";
	case PINMGR_ADM_CONNECT: return "CONNECT";
	case PINMGR_ADM_STATUS_REPLY: return "STATUS_REPLY";
	case PINMGR_ADM_PIN_ENTRY: return "PIN_ENTRY";
	case PINMGR_ADM_EVENT: return "EVENT";
	case PINMGR_ADM_OWNER: return "OWNER";
	case PINMGR_ADM_PINNED: return "PINNED";
	case PINMGR_ADM_SHOW_REPLY: return "SHOW_REPLY";
	case PINMGR_ADM_CONNECTED: return "CONNECTED";
	case PINMGR_ADM_DONE: return "DONE";
	case PINMGR_ADM_ERROR: return "ERROR";
	}
	return "?";
}

const char *pinmgr_adm_op_name(unsigned int op)
{
	switch (op) {
	case FILEPIN_OP_TRUNCATE: return "truncate";
	case FILEPIN_OP_PUNCH_HOLE: return "punch-hole";
	case FILEPIN_OP_COLLAPSE_RANGE: return "collapse-range";
	case FILEPIN_OP_INSERT_RANGE: return "insert-range";
	case FILEPIN_OP_ZERO_RANGE: return "zero-range";
	case FILEPIN_OP_REMAP: return "remap";
	case FILEPIN_OP_UNSHARE_RANGE: return "unshare-range";
	case FILEPIN_OP_SWAP_EXTENTS: return "swap-extents";
	case PINMGR_ADM_OP_REMOVAL: return "removal";
	case PINMGR_ADM_OP_EXPORT: return "export";
	}
	return "?";
}

const char *pinmgr_adm_reason_name(unsigned int reason)
{
	switch (reason) {
	case FILEPIN_REASON_LEASE: return "lease";
	case FILEPIN_REASON_PIN: return "pin";
	}
	return "?";
}
