// SPDX-License-Identifier: LGPL-2.1-or-later
/* The pinmgr wire protocol: encoding and strict decoding (pinmgr-proto.h). */
#include <errno.h>
#include <string.h>

#include "pinmgr-proto.h"

struct wbuf {
	unsigned char *p;
	size_t size;
	size_t len;
	int err;
};

struct rbuf {
	const unsigned char *p;
	size_t len;
	size_t off;
	int err;
};

static void put_bytes(struct wbuf *w, const void *src, size_t n)
{
	if (w->err)
		return;
	if (n > w->size - w->len) {
		w->err = -EMSGSIZE;
		return;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_u16(struct wbuf *w, uint16_t v)
{
	unsigned char b[2] = { v & 0xff, v >> 8 };

	put_bytes(w, b, sizeof(b));
}

static void put_u32(struct wbuf *w, uint32_t v)
{
	unsigned char b[4];
	int i;

	for (i = 0; i < 4; i++)
		b[i] = (v >> (8 * i)) & 0xff;
	put_bytes(w, b, sizeof(b));
}

static void put_u64(struct wbuf *w, uint64_t v)
{
	unsigned char b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (v >> (8 * i)) & 0xff;
	put_bytes(w, b, sizeof(b));
}

/* A string of @min..@max bytes from the NUL-terminated @s (at most @cap). */
static void put_str(struct wbuf *w, const char *s, size_t cap, size_t min,
		    size_t max)
{
	size_t n = strnlen(s, cap);

	if (n == cap || n < min || n > max) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	put_u16(w, (uint16_t)n);
	put_bytes(w, s, n);
}

static const unsigned char *get_bytes(struct rbuf *r, size_t n)
{
	const unsigned char *p;

	if (r->err)
		return NULL;
	if (n > r->len - r->off) {
		r->err = -EBADMSG;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint16_t get_u16(struct rbuf *r)
{
	const unsigned char *b = get_bytes(r, 2);

	return b ? (uint16_t)(b[0] | b[1] << 8) : 0;
}

static uint32_t get_u32(struct rbuf *r)
{
	const unsigned char *b = get_bytes(r, 4);
	uint32_t v = 0;
	int i;

	if (!b)
		return 0;
	for (i = 3; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

static uint64_t get_u64(struct rbuf *r)
{
	const unsigned char *b = get_bytes(r, 8);
	uint64_t v = 0;
	int i;

	if (!b)
		return 0;
	for (i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* A string of @min..@max bytes, no NUL in it, into @dst (@max + 1 bytes). */
static void get_str(struct rbuf *r, char *dst, size_t min, size_t max)
{
	uint16_t n = get_u16(r);
	const unsigned char *b;

	dst[0] = 0;
	if (r->err)
		return;
	if (n < min || n > max) {
		r->err = -EBADMSG;
		return;
	}
	b = get_bytes(r, n);
	if (!b)
		return;
	if (memchr(b, 0, n)) {
		r->err = -EBADMSG;
		return;
	}
	memcpy(dst, b, n);
	dst[n] = 0;
}

const char *pinmgr_msg_type_name(unsigned int type)
{
	static const char *const names[] = {
		[PINMGR_HELLO] = "HELLO",
		[PINMGR_PIN_ADD] = "PIN_ADD",
		[PINMGR_PIN_DEL] = "PIN_DEL",
		[PINMGR_REVOKE] = "REVOKE",
		[PINMGR_REVOKE_DONE] = "REVOKE_DONE",
		[PINMGR_REVOKE_REFUSED] = "REVOKE_REFUSED",
		[PINMGR_ERROR] = "ERROR",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "?";
}

ssize_t pinmgr_msg_encode(const struct pinmgr_msg *msg, void *buf, size_t size)
{
	struct wbuf w = { .p = buf, .size = size };
	const struct pinmgr_pin_add *pa = &msg->pin_add;
	const struct pinmgr_revoke *rv = &msg->revoke;

	put_u16(&w, PINMGR_PROTO_VERSION);
	put_u16(&w, (uint16_t)msg->type);
	put_u32(&w, 0);		/* the length, filled in below */

	switch (msg->type) {
	case PINMGR_HELLO:
		if (msg->hello.flags & ~PINMGR_HELLO_FLAGS)
			return -EINVAL;
		put_u32(&w, msg->hello.pid);
		put_u32(&w, msg->hello.flags);
		break;
	case PINMGR_PIN_ADD:
		if (!pa->length || pa->offset + pa->length < pa->offset)
			return -EINVAL;
		put_u64(&w, pa->id);
		put_u32(&w, pa->pid);
		put_u32(&w, pa->mr_handle);
		put_u32(&w, pa->lkey);
		put_u32(&w, pa->rkey);
		put_u32(&w, pa->dev_major);
		put_u32(&w, pa->dev_minor);
		put_u64(&w, pa->ino);
		put_u64(&w, pa->offset);
		put_u64(&w, pa->length);
		put_str(&w, pa->rdma_dev, sizeof(pa->rdma_dev), 1, PINMGR_RDMA_DEV_MAX);
		put_str(&w, pa->path, sizeof(pa->path), 1, PINMGR_PATH_MAX);
		break;
	case PINMGR_PIN_DEL:
		put_u64(&w, msg->pin_del.id);
		break;
	case PINMGR_REVOKE:
	case PINMGR_REVOKE_DONE:
	case PINMGR_REVOKE_REFUSED:
		if ((msg->type == PINMGR_REVOKE_REFUSED) != (rv->error != 0))
			return -EINVAL;
		put_u64(&w, rv->cookie);
		put_u32(&w, rv->dev_major);
		put_u32(&w, rv->dev_minor);
		put_u64(&w, rv->ino);
		if (msg->type == PINMGR_REVOKE_REFUSED)
			put_u32(&w, rv->error);
		break;
	case PINMGR_ERROR:
		if (!msg->error.error)
			return -EINVAL;
		put_u32(&w, msg->error.error);
		put_str(&w, msg->error.message, sizeof(msg->error.message), 0,
			PINMGR_ERRMSG_MAX);
		break;
	default:
		return -EINVAL;
	}
	if (w.err)
		return w.err;
	if (w.len > PINMGR_MSG_MAX)
		return -EMSGSIZE;
	w.p[4] = w.len & 0xff;
	w.p[5] = (w.len >> 8) & 0xff;
	w.p[6] = (w.len >> 16) & 0xff;
	w.p[7] = (w.len >> 24) & 0xff;
	return (ssize_t)w.len;
}

int pinmgr_msg_decode(const void *buf, size_t len, struct pinmgr_msg *msg)
{
	struct rbuf r = { .p = buf, .len = len };
	struct pinmgr_pin_add *pa = &msg->pin_add;
	struct pinmgr_revoke *rv = &msg->revoke;
	uint16_t version, type;
	uint32_t length;

	if (len < PINMGR_HDR_SIZE || len > PINMGR_MSG_MAX)
		return -EBADMSG;
	version = get_u16(&r);
	type = get_u16(&r);
	length = get_u32(&r);
	if (version != PINMGR_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (length != len)
		return -EBADMSG;

	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	switch (type) {
	case PINMGR_HELLO:
		msg->hello.pid = get_u32(&r);
		msg->hello.flags = get_u32(&r);
		if (msg->hello.flags & ~PINMGR_HELLO_FLAGS)
			return -EBADMSG;
		break;
	case PINMGR_PIN_ADD:
		pa->id = get_u64(&r);
		pa->pid = get_u32(&r);
		pa->mr_handle = get_u32(&r);
		pa->lkey = get_u32(&r);
		pa->rkey = get_u32(&r);
		pa->dev_major = get_u32(&r);
		pa->dev_minor = get_u32(&r);
		pa->ino = get_u64(&r);
		pa->offset = get_u64(&r);
		pa->length = get_u64(&r);
		get_str(&r, pa->rdma_dev, 1, PINMGR_RDMA_DEV_MAX);
		get_str(&r, pa->path, 1, PINMGR_PATH_MAX);
		if (!r.err && (!pa->length || pa->offset + pa->length < pa->offset))
			return -EBADMSG;
		break;
	case PINMGR_PIN_DEL:
		msg->pin_del.id = get_u64(&r);
		break;
	case PINMGR_REVOKE:
	case PINMGR_REVOKE_DONE:
	case PINMGR_REVOKE_REFUSED:
		rv->cookie = get_u64(&r);
		rv->dev_major = get_u32(&r);
		rv->dev_minor = get_u32(&r);
		rv->ino = get_u64(&r);
		if (type == PINMGR_REVOKE_REFUSED) {
			rv->error = get_u32(&r);
			if (!r.err && !rv->error)
				return -EBADMSG;
		}
		break;
	case PINMGR_ERROR:
		msg->error.error = get_u32(&r);
		get_str(&r, msg->error.message, 0, PINMGR_ERRMSG_MAX);
		if (!r.err && !msg->error.error)
			return -EBADMSG;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (r.err)
		return r.err;
	if (r.off != len)
		return -EBADMSG;	/* trailing bytes */
	return 0;
}
