// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The admin protocol (common/pinmgr-admin.h): every message type survives
 * encode + decode unchanged, and every class of malformed packet is
 * rejected with the documented error: short, long (trailing bytes), bad
 * version, a length field that does not match, bad string lengths,
 * values out of range, unknown types.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pinmgr-admin.h"
#include "tap.h"

static unsigned char buf[PINMGR_ADM_SIZE_MAX + 64], buf2[PINMGR_ADM_SIZE_MAX];
static struct pinmgr_adm_msg in, out;

static void fill(char *s, size_t n, char c)
{
	memset(s, c, n);
	s[n] = 0;
}

/* One message of each type, the strings at their longest. */
static void sample(enum pinmgr_adm_type type, struct pinmgr_adm_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	switch (type) {
	case PINMGR_ADM_STATUS:
		break;
	case PINMGR_ADM_LIST:
		m->list.flags = PINMGR_ADM_LIST_PID | PINMGR_ADM_LIST_INODE;
		m->list.pid = 4242;
		m->list.dev_major = 259;
		m->list.dev_minor = 3;
		m->list.ino = 0x123456789abcdefull;
		break;
	case PINMGR_ADM_SHOW:
		m->show.dev_major = 8;
		m->show.dev_minor = 0xfffff;
		m->show.ino = UINT64_MAX;
		fill(m->show.path, PINMGR_ADM_PATH_MAX, 'p');
		m->show.path[0] = '/';
		break;
	case PINMGR_ADM_EVENTS:
		m->events.flags = PINMGR_ADM_EVENTS_FOLLOW;
		break;
	case PINMGR_ADM_BREAK:
		m->brk.flags = PINMGR_ADM_BREAK_WAIT;
		m->brk.timeout_ms = 2500;
		m->brk.dev_major = 1;
		m->brk.dev_minor = 2;
		m->brk.ino = 3;
		break;
	case PINMGR_ADM_PIN:
		m->pin.offset = 1 << 20;
		m->pin.length = 1 << 21;
		m->pin.access = PINMGR_ADM_ACCESS_FLAGS;
		fill(m->pin.rdma_dev, PINMGR_ADM_DEV_MAX, 'r');
		break;
	case PINMGR_ADM_UNPIN:
		m->unpin.id = 77;
		break;
	case PINMGR_ADM_REVOKE:
		for (int i = 0; i < 16; i++)
			m->revoke.token[i] = (uint8_t)(0xa0 + i);
		break;
	case PINMGR_ADM_CONNECT:
		m->connect.id = 5;
		m->connect.qpn = 0xffffff;
		m->connect.psn = 0x123456;
		m->connect.gid_index = 1;
		m->connect.mtu = 5;
		for (int i = 0; i < 16; i++)
			m->connect.gid[i] = (uint8_t)(0xf0 + i);
		break;
	case PINMGR_ADM_STATUS_REPLY: {
		struct pinmgr_adm_status_reply *s = &m->status;

		s->pid = 1;
		s->flags = PINMGR_ADM_ST_FLAGS;
		s->started = 1700000000;
		s->clients = 2;
		s->admins = 3;
		s->subscribers = 4;
		s->pins = 5;
		s->pins_lib = 6;
		s->pins_proc = 7;
		s->pins_service = 8;
		s->rules = 9;
		s->breaks = 10;
		s->events = 11;
		s->events_missed = 12;
		s->last_seq = 13;
		s->scans = 14;
		fill(s->version, PINMGR_ADM_DEV_MAX, 'v');
		fill(s->config, PINMGR_ADM_PATH_MAX, 'c');
		fill(s->events_state, PINMGR_ADM_INFO_MAX, 'e');
		fill(s->rdma_devs, PINMGR_ADM_INFO_MAX, 'd');
		break;
	}
	case PINMGR_ADM_PIN_ENTRY: {
		struct pinmgr_adm_pin_entry *e = &m->entry;

		e->id = 1;
		e->flags = PINMGR_ADM_PIN_FLAGS;
		e->pid = 2;
		e->uid = 3;
		e->owner = PINMGR_ADM_OWNER_FD;
		e->owner_fd = 4;
		e->dev_major = 5;
		e->dev_minor = 6;
		e->ino = 7;
		e->first_page = 8;
		e->last_page = 9;
		e->pages = 2;
		e->offset = 8 * 4096;
		e->length = 2 * 4096;
		e->mrn = 10;
		e->lkey = 0xdeadbeef;
		e->rkey = 0xcafe;
		fill(e->comm, PINMGR_ADM_COMM_MAX, 'c');
		fill(e->rdma_dev, PINMGR_ADM_DEV_MAX, 'r');
		fill(e->owner_path, PINMGR_ADM_PATH_MAX, 'o');
		fill(e->path, PINMGR_ADM_PATH_MAX, 'p');
		break;
	}
	case PINMGR_ADM_EVENT: {
		struct pinmgr_adm_event *e = &m->event;

		e->seq = 100;
		e->missed = 3;
		e->time_ns = 1700000000123456789ull;
		e->op = 2;
		e->pid = 4;
		e->tgid = 5;
		e->reason = 2;
		e->dev_major = 6;
		e->dev_minor = 7;
		e->ino = 8;
		e->offset = 9;
		e->length = 10;
		e->action = PINMGR_ADM_ACTION_BREAKING;
		fill(e->comm, PINMGR_ADM_COMM_MAX, 'c');
		fill(e->path, PINMGR_ADM_PATH_MAX, 'p');
		break;
	}
	case PINMGR_ADM_OWNER:
		m->owner.pid = 1;
		m->owner.uid = 1000;
		m->owner.error = ETIMEDOUT;
		m->owner.flags = PINMGR_ADM_PIN_LIB;
		fill(m->owner.comm, PINMGR_ADM_COMM_MAX, 'x');
		break;
	case PINMGR_ADM_PINNED:
		m->pinned.id = 9;
		m->pinned.addr = 0x7f0000000000ull;
		m->pinned.iova = 4096;
		m->pinned.length = 8192;
		m->pinned.lkey = 1;
		m->pinned.rkey = 2;
		m->pinned.access = PINMGR_ADM_ACCESS_REMOTE_READ | PINMGR_ADM_ACCESS_EXPORT;
		fill(m->pinned.rdma_dev, 4, 'r');
		for (int i = 0; i < 16; i++)
			m->pinned.token[i] = (uint8_t)(0x10 + i);
		break;
	case PINMGR_ADM_SHOW_REPLY:
		m->show_reply.policy = PINMGR_ADM_POLICY_BREAK;
		m->show_reply.timeout_ms = 1000;
		fill(m->show_reply.rule, PINMGR_ADM_PATH_MAX, 'r');
		fill(m->show_reply.path, PINMGR_ADM_PATH_MAX, 'p');
		break;
	case PINMGR_ADM_CONNECTED:
		m->connected.qpn = 17;
		m->connected.psn = 18;
		m->connected.lid = 19;
		m->connected.gid[15] = 1;
		break;
	case PINMGR_ADM_DONE:
		m->done.count = 0xffffffff;
		break;
	case PINMGR_ADM_ERROR:
		m->error.error = EPERM;
		fill(m->error.message, PINMGR_ADM_MSG_MAX, 'm');
		break;
	}
}

static const enum pinmgr_adm_type types[] = {
	PINMGR_ADM_STATUS, PINMGR_ADM_LIST, PINMGR_ADM_SHOW, PINMGR_ADM_EVENTS,
	PINMGR_ADM_BREAK, PINMGR_ADM_PIN, PINMGR_ADM_UNPIN, PINMGR_ADM_CONNECT,
	PINMGR_ADM_REVOKE, PINMGR_ADM_STATUS_REPLY, PINMGR_ADM_PIN_ENTRY, PINMGR_ADM_EVENT,
	PINMGR_ADM_OWNER, PINMGR_ADM_PINNED, PINMGR_ADM_SHOW_REPLY,
	PINMGR_ADM_CONNECTED, PINMGR_ADM_DONE, PINMGR_ADM_ERROR,
};
#define NTYPES (sizeof(types) / sizeof(types[0]))

static void put_len(unsigned char *b, size_t len)
{
	b[4] = len & 0xff;
	b[5] = (len >> 8) & 0xff;
	b[6] = (len >> 16) & 0xff;
	b[7] = (len >> 24) & 0xff;
}

static void round_trips(void)
{
	size_t i;

	for (i = 0; i < NTYPES; i++) {
		const char *name = pinmgr_adm_type_name(types[i]);
		ssize_t n;
		int r;

		sample(types[i], &in);
		n = pinmgr_adm_encode(&in, buf, sizeof(buf));
		ok(n >= PINMGR_ADM_HDR_SIZE && n <= PINMGR_ADM_SIZE_MAX,
		   "%s encodes (%zd bytes)", name, n);
		if (n < 0)
			continue;
		memset(&out, 0x5a, sizeof(out));
		r = pinmgr_adm_decode(buf, (size_t)n, &out);
		is_int(r, 0, "%s decodes", name);
		ok(!memcmp(&in, &out, sizeof(in)), "%s round trip is exact", name);
		ok(pinmgr_adm_is_request(types[i]) == (types[i] < 0x180),
		   "%s is %s", name, types[i] < 0x180 ? "a request" : "an answer");
	}
	/* the empty and minimal strings too */
	sample(PINMGR_ADM_ERROR, &in);
	in.error.message[0] = 0;
	{
		ssize_t n = pinmgr_adm_encode(&in, buf, sizeof(buf));

		is_int(n, PINMGR_ADM_HDR_SIZE + 4 + 2, "ERROR with an empty message is 14 bytes");
		is_int(pinmgr_adm_decode(buf, (size_t)n, &out), 0, "and decodes");
		is_str(out.error.message, "", "to an empty message");
	}
}

/* Every shorter prefix and one trailing byte are refused. */
static void short_and_long(void)
{
	size_t i;

	for (i = 0; i < NTYPES; i++) {
		const char *name = pinmgr_adm_type_name(types[i]);
		ssize_t n, k;
		int bad = 0;

		sample(types[i], &in);
		n = pinmgr_adm_encode(&in, buf, sizeof(buf));
		/* short: the header says n, the packet is k < n */
		for (k = 0; k < n; k++)
			if (pinmgr_adm_decode(buf, (size_t)k, &out) != -EBADMSG)
				bad++;
		is_int(bad, 0, "%s: all %zd shorter packets are EBADMSG", name, n);
		/* short body with a consistent length field */
		bad = 0;
		for (k = PINMGR_ADM_HDR_SIZE; k < n; k++) {
			put_len(buf, (size_t)k);
			if (pinmgr_adm_decode(buf, (size_t)k, &out) != -EBADMSG)
				bad++;
		}
		is_int(bad, 0, "%s: truncated bodies with a matching length are EBADMSG", name);
		/* long: one trailing byte, length field updated */
		buf[n] = 0;
		put_len(buf, (size_t)n + 1);
		is_int(pinmgr_adm_decode(buf, (size_t)n + 1, &out), -EBADMSG,
		       "%s: a trailing byte is EBADMSG", name);
		/* the length field does not match the packet */
		put_len(buf, (size_t)n + 1);
		is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG,
		       "%s: length field larger than the packet is EBADMSG", name);
		put_len(buf, (size_t)n - 1);
		is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG,
		       "%s: length field smaller than the packet is EBADMSG", name);
	}
	is_int(pinmgr_adm_decode(buf, PINMGR_ADM_SIZE_MAX + 1, &out), -EBADMSG,
	       "a packet over PINMGR_ADM_SIZE_MAX is EBADMSG");
}

static void versions_and_types(void)
{
	ssize_t n;

	sample(PINMGR_ADM_LIST, &in);
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	buf[0] = 2;
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EPROTONOSUPPORT, "version 2 is EPROTONOSUPPORT");
	buf[0] = 0;
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EPROTONOSUPPORT, "version 0 is EPROTONOSUPPORT");
	buf[0] = 1;
	buf[1] = 1;
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EPROTONOSUPPORT, "version 257 is EPROTONOSUPPORT");
	buf[1] = 0;

	sample(PINMGR_ADM_STATUS, &in);
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	buf[2] = 0x50;		/* 0x150: admin range, no such type */
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EOPNOTSUPP, "type 0x150 is EOPNOTSUPP");
	buf[2] = 0x00;
	buf[3] = 0x02;		/* 0x200 */
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EOPNOTSUPP, "type 0x200 is EOPNOTSUPP");
	buf[2] = 0x01;
	buf[3] = 0x00;		/* 1: the library's HELLO */
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EOPNOTSUPP, "a library type is EOPNOTSUPP");
	ok(!pinmgr_adm_is_admin_type(7) && pinmgr_adm_is_admin_type(0x1ff) &&
	   !pinmgr_adm_is_admin_type(0x200), "admin types are 0x100..0x1ff");
	is_str(pinmgr_adm_type_name(0x150), "?", "unknown type name is ?");
}

/* Offset of the first string length in an encoded SHOW (after 16 bytes). */
static void strings(void)
{
	ssize_t n;
	size_t off = PINMGR_ADM_HDR_SIZE + 16;

	sample(PINMGR_ADM_SHOW, &in);
	strcpy(in.show.path, "/a");
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	is_int(n, off + 2 + 2, "SHOW with a 2-byte path");
	buf[off] = 3;		/* claims 3 bytes, 2 follow */
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG, "string longer than the packet is EBADMSG");
	buf[off] = 1;		/* claims 1, one byte left over */
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG, "string shorter than the packet is EBADMSG");
	buf[off] = 2;
	buf[off + 3] = 0;	/* "/\0" */
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG, "NUL inside a string is EBADMSG");
	buf[off + 3] = 'a';
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), 0, "restored SHOW decodes");

	/* a string over its limit, with a consistent packet */
	sample(PINMGR_ADM_PIN, &in);
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	off = PINMGR_ADM_HDR_SIZE + 20;
	is_int(buf[off], PINMGR_ADM_DEV_MAX, "PIN device name is 63 bytes");
	memmove(buf + off + 3, buf + off + 2, (size_t)n - off - 2);
	buf[off + 2] = 'x';
	buf[off] = PINMGR_ADM_DEV_MAX + 1;
	put_len(buf, (size_t)n + 1);
	is_int(pinmgr_adm_decode(buf, (size_t)n + 1, &out), -EBADMSG, "a 64-byte device name is EBADMSG");
	/* an empty device name where 1..63 is required */
	sample(PINMGR_ADM_PIN, &in);
	in.pin.rdma_dev[0] = 0;
	is_int(pinmgr_adm_encode(&in, buf, sizeof(buf)), -EINVAL, "encoding PIN without a device is EINVAL");
	sample(PINMGR_ADM_PIN, &in);
	ok(pinmgr_adm_encode(&in, buf, sizeof(buf)) > 0, "PIN encodes again");
	buf[off] = 0;
	buf[off + 1] = 0;
	put_len(buf, off + 2);
	is_int(pinmgr_adm_decode(buf, off + 2, &out), -EBADMSG, "decoding PIN with an empty device is EBADMSG");
	/* too long to encode */
	sample(PINMGR_ADM_SHOW, &in);
	memset(in.show.path, 'x', sizeof(in.show.path));	/* no NUL */
	is_int(pinmgr_adm_encode(&in, buf, sizeof(buf)), -EINVAL, "an unterminated string does not encode");
	sample(PINMGR_ADM_SHOW, &in);
	is_int(pinmgr_adm_encode(&in, buf, 100), -EMSGSIZE, "a small buffer is EMSGSIZE");
}

static void values(void)
{
	ssize_t n;

#define BAD(type, field, val, what)						\
	do {									\
		sample(type, &in);						\
		in.field = val;							\
		is_int(pinmgr_adm_encode(&in, buf2, sizeof(buf2)), -EINVAL, \
		       "encoding %s is EINVAL", what);				\
	} while (0)
	BAD(PINMGR_ADM_LIST, list.flags, 4, "LIST with an unknown flag");
	BAD(PINMGR_ADM_LIST, list.pid, 0, "LIST by pid 0");
	BAD(PINMGR_ADM_EVENTS, events.flags, 8, "EVENTS with an unknown flag");
	BAD(PINMGR_ADM_BREAK, brk.flags, 2, "BREAK with an unknown flag");
	BAD(PINMGR_ADM_PIN, pin.access, 0, "PIN without access");
	BAD(PINMGR_ADM_PIN, pin.access, 8, "PIN with an unknown access bit");
	BAD(PINMGR_ADM_PIN, pin.access, PINMGR_ADM_ACCESS_EXPORT, "PIN exported with no remote access");
	BAD(PINMGR_ADM_PIN, pin.offset, UINT64_MAX, "PIN with offset + length overflowing");
	BAD(PINMGR_ADM_UNPIN, unpin.id, 0, "UNPIN of id 0");
	BAD(PINMGR_ADM_CONNECT, connect.mtu, 6, "CONNECT with mtu 6");
	BAD(PINMGR_ADM_CONNECT, connect.qpn, 0x1000000, "CONNECT with a 25-bit qpn");
	BAD(PINMGR_ADM_PIN_ENTRY, entry.owner, 3, "PIN_ENTRY with owner 3");
	BAD(PINMGR_ADM_PIN_ENTRY, entry.first_page, 100, "PIN_ENTRY with first > last page");
	BAD(PINMGR_ADM_OWNER, owner.error, 0, "OWNER without an error");
	BAD(PINMGR_ADM_SHOW_REPLY, show_reply.policy, 3, "SHOW_REPLY with policy 3");
	BAD(PINMGR_ADM_ERROR, error.error, 0, "ERROR 0");
	BAD(PINMGR_ADM_PINNED, pinned.length, 0, "PINNED of length 0");
#undef BAD

	/* the same values refused by the decoder: patch an encoded message */
	sample(PINMGR_ADM_UNPIN, &in);
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	memset(buf + PINMGR_ADM_HDR_SIZE, 0, 8);
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG, "decoding UNPIN of id 0 is EBADMSG");
	sample(PINMGR_ADM_LIST, &in);
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	buf[PINMGR_ADM_HDR_SIZE] = 0x80;
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG, "decoding LIST with flag 0x80 is EBADMSG");
	sample(PINMGR_ADM_ERROR, &in);
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	memset(buf + PINMGR_ADM_HDR_SIZE, 0, 4);
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG, "decoding ERROR 0 is EBADMSG");
	sample(PINMGR_ADM_CONNECT, &in);
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	buf[PINMGR_ADM_HDR_SIZE + 20] = 0;	/* mtu */
	is_int(pinmgr_adm_decode(buf, (size_t)n, &out), -EBADMSG, "decoding CONNECT with mtu 0 is EBADMSG");
	/* little-endian on the wire */
	sample(PINMGR_ADM_DONE, &in);
	in.done.count = 0x01020304;
	n = pinmgr_adm_encode(&in, buf, sizeof(buf));
	ok(n == 12 && buf[0] == 1 && buf[1] == 0 && buf[2] == 0xfe && buf[3] == 0x01 &&
	   buf[4] == 12 && buf[8] == 4 && buf[11] == 1, "DONE is little-endian on the wire");
}

int main(void)
{
	round_trips();
	short_and_long();
	versions_and_types();
	strings();
	values();
	return done_testing();
}
