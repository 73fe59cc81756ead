// SPDX-License-Identifier: LGPL-2.1-or-later
/* The pinmgr wire protocol: encoding and strict decoding (pinmgr-proto.h). */
#include <errno.h>
#include <string.h>

#include "pinmgr-proto.h"
#include "wire.h"

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
	struct wire_writer w = { .p = buf, .size = size };
	const struct pinmgr_pin_add *pa = &msg->pin_add;
	const struct pinmgr_revoke *rv = &msg->revoke;

	wire_put_u16(&w, PINMGR_PROTO_VERSION);
	wire_put_u16(&w, (uint16_t)msg->type);
	wire_put_u32(&w, 0);		/* the length, filled in below */

	switch (msg->type) {
	case PINMGR_HELLO:
		if (msg->hello.flags & ~PINMGR_HELLO_FLAGS)
			return -EINVAL;
		wire_put_u32(&w, msg->hello.pid);
		wire_put_u32(&w, msg->hello.flags);
		break;
	case PINMGR_PIN_ADD:
		if (!pa->length || pa->offset + pa->length < pa->offset)
			return -EINVAL;
		wire_put_u64(&w, pa->id);
		wire_put_u32(&w, pa->pid);
		wire_put_u32(&w, pa->mr_handle);
		wire_put_u32(&w, pa->lkey);
		wire_put_u32(&w, pa->rkey);
		wire_put_u32(&w, pa->dev_major);
		wire_put_u32(&w, pa->dev_minor);
		wire_put_u64(&w, pa->ino);
		wire_put_u64(&w, pa->offset);
		wire_put_u64(&w, pa->length);
		wire_put_str(&w, pa->rdma_dev, 1, PINMGR_RDMA_DEV_MAX);
		wire_put_str(&w, pa->path, 1, PINMGR_PATH_MAX);
		break;
	case PINMGR_PIN_DEL:
		wire_put_u64(&w, msg->pin_del.id);
		break;
	case PINMGR_REVOKE:
	case PINMGR_REVOKE_DONE:
	case PINMGR_REVOKE_REFUSED:
		if ((msg->type == PINMGR_REVOKE_REFUSED) != (rv->error != 0))
			return -EINVAL;
		wire_put_u64(&w, rv->cookie);
		wire_put_u32(&w, rv->dev_major);
		wire_put_u32(&w, rv->dev_minor);
		wire_put_u64(&w, rv->ino);
		if (msg->type == PINMGR_REVOKE_REFUSED)
			wire_put_u32(&w, rv->error);
		break;
	case PINMGR_ERROR:
		if (!msg->error.error)
			return -EINVAL;
		wire_put_u32(&w, msg->error.error);
		wire_put_str(&w, msg->error.message, 0, PINMGR_ERRMSG_MAX);
		break;
	default:
		return -EINVAL;
	}
	if (w.err)
		return w.err;
	if (w.len > PINMGR_MSG_MAX)
		return -EMSGSIZE;
	wire_store_le(w.p + 4, w.len, 4);	/* the length */
	return (ssize_t)w.len;
}

int pinmgr_msg_decode(const void *buf, size_t len, struct pinmgr_msg *msg)
{
	struct wire_reader r = { .p = buf, .len = len };
	struct pinmgr_pin_add *pa = &msg->pin_add;
	struct pinmgr_revoke *rv = &msg->revoke;
	uint16_t version, type;
	uint32_t length;

	if (len < PINMGR_HDR_SIZE || len > PINMGR_MSG_MAX)
		return -EBADMSG;
	version = wire_get_u16(&r);
	type = wire_get_u16(&r);
	length = wire_get_u32(&r);
	if (version != PINMGR_PROTO_VERSION)
		return -EPROTONOSUPPORT;
	if (length != len)
		return -EBADMSG;

	memset(msg, 0, sizeof(*msg));
	msg->type = type;
	switch (type) {
	case PINMGR_HELLO:
		msg->hello.pid = wire_get_u32(&r);
		msg->hello.flags = wire_get_u32(&r);
		if (msg->hello.flags & ~PINMGR_HELLO_FLAGS)
			return -EBADMSG;
		break;
	case PINMGR_PIN_ADD:
		pa->id = wire_get_u64(&r);
		pa->pid = wire_get_u32(&r);
		pa->mr_handle = wire_get_u32(&r);
		pa->lkey = wire_get_u32(&r);
		pa->rkey = wire_get_u32(&r);
		pa->dev_major = wire_get_u32(&r);
		pa->dev_minor = wire_get_u32(&r);
		pa->ino = wire_get_u64(&r);
		pa->offset = wire_get_u64(&r);
		pa->length = wire_get_u64(&r);
		wire_get_str(&r, pa->rdma_dev, 1, PINMGR_RDMA_DEV_MAX);
		wire_get_str(&r, pa->path, 1, PINMGR_PATH_MAX);
		if (!r.err && (!pa->length || pa->offset + pa->length < pa->offset))
			return -EBADMSG;
		break;
	case PINMGR_PIN_DEL:
		msg->pin_del.id = wire_get_u64(&r);
		break;
	case PINMGR_REVOKE:
	case PINMGR_REVOKE_DONE:
	case PINMGR_REVOKE_REFUSED:
		rv->cookie = wire_get_u64(&r);
		rv->dev_major = wire_get_u32(&r);
		rv->dev_minor = wire_get_u32(&r);
		rv->ino = wire_get_u64(&r);
		if (type == PINMGR_REVOKE_REFUSED) {
			rv->error = wire_get_u32(&r);
			if (!r.err && !rv->error)
				return -EBADMSG;
		}
		break;
	case PINMGR_ERROR:
		msg->error.error = wire_get_u32(&r);
		wire_get_str(&r, msg->error.message, 0, PINMGR_ERRMSG_MAX);
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
