/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pinmgr wire protocol, shared by libfilepin (client) and pinmgr
 * (daemon).  Internal: never installed.
 *
 * Transport: a UNIX SOCK_SEQPACKET socket, one message per packet.  Every
 * message starts with an 8-byte header:
 *
 *	u16 version	PINMGR_PROTO_VERSION
 *	u16 type	enum pinmgr_msg_type
 *	u32 length	of the whole message, header included; must equal the
 *			size of the packet
 *
 * followed by the body of that type.  All integers are little-endian.  A
 * string is a u16 byte count followed by that many bytes, no NUL, no
 * embedded NUL, at most the limit given for the field.  A body has exactly
 * the fields listed for its type: anything shorter or longer is rejected.
 *
 *	HELLO		client -> daemon, first message, may be repeated to
 *			update the flags
 *			u32 pid, u32 flags (PINMGR_HELLO_*)
 *	PIN_ADD		client -> daemon: one pinned range of one file
 *			u64 id (unique within the connection), u32 pid,
 *			u32 mr_handle, u32 lkey, u32 rkey,
 *			u32 dev_major, u32 dev_minor, u64 ino,
 *			u64 offset, u64 length (> 0, offset + length must not
 *			overflow), str rdma_dev (1..63), str path (1..4095)
 *	PIN_DEL		client -> daemon: u64 id
 *	REVOKE		daemon -> client: give up the pins on this file
 *			u64 cookie, u32 dev_major, u32 dev_minor, u64 ino
 *	REVOKE_DONE	client -> daemon: every pin on the file is gone
 *			u64 cookie, u32 dev_major, u32 dev_minor, u64 ino
 *	REVOKE_REFUSED	client -> daemon: some pins stay
 *			u64 cookie, u32 dev_major, u32 dev_minor, u64 ino,
 *			u32 error (a positive errno value, not 0)
 *	ERROR		either way: u32 error (positive errno, not 0),
 *			str message (0..255)
 *
 * A new version of the protocol gets a new version number; a peer answers
 * a message of a version it does not speak with ERROR(EPROTONOSUPPORT) and
 * may close the connection.
 */
#ifndef FILEPIN_PINMGR_PROTO_H
#define FILEPIN_PINMGR_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PINMGR_PROTO_VERSION	1
#define PINMGR_SOCKET_PATH	"/run/pinmgr/pinmgr.sock"
#define PINMGR_SOCKET_ENV	"FILEPIN_PINMGR_SOCKET"

#define PINMGR_HDR_SIZE		8
#define PINMGR_RDMA_DEV_MAX	63	/* bytes, without a terminating NUL */
#define PINMGR_PATH_MAX		4095
#define PINMGR_ERRMSG_MAX	255
/* Large enough for any valid message; receive into PINMGR_MSG_MAX + 1. */
#define PINMGR_MSG_MAX		4608

enum pinmgr_msg_type {
	PINMGR_HELLO = 1,
	PINMGR_PIN_ADD = 2,
	PINMGR_PIN_DEL = 3,
	PINMGR_REVOKE = 4,
	PINMGR_REVOKE_DONE = 5,
	PINMGR_REVOKE_REFUSED = 6,
	PINMGR_ERROR = 7,
};

/* HELLO flags */
#define PINMGR_HELLO_REVOKE	(1u << 0)	/* the client answers REVOKE */
#define PINMGR_HELLO_FLAGS	PINMGR_HELLO_REVOKE

struct pinmgr_hello {
	uint32_t pid;
	uint32_t flags;
};

struct pinmgr_pin_add {
	uint64_t id;
	uint32_t pid;
	uint32_t mr_handle;
	uint32_t lkey;
	uint32_t rkey;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t ino;
	uint64_t offset;
	uint64_t length;
	char rdma_dev[PINMGR_RDMA_DEV_MAX + 1];
	char path[PINMGR_PATH_MAX + 1];
};

struct pinmgr_pin_del {
	uint64_t id;
};

/* REVOKE, REVOKE_DONE and REVOKE_REFUSED (error is 0 except in the last) */
struct pinmgr_revoke {
	uint64_t cookie;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t ino;
	uint32_t error;
};

struct pinmgr_error {
	uint32_t error;
	char message[PINMGR_ERRMSG_MAX + 1];
};

struct pinmgr_msg {
	enum pinmgr_msg_type type;
	union {
		struct pinmgr_hello hello;
		struct pinmgr_pin_add pin_add;
		struct pinmgr_pin_del pin_del;
		struct pinmgr_revoke revoke;
		struct pinmgr_error error;
	};
};

/*
 * Encode @msg into @buf (@size bytes).  Returns the length of the message,
 * or -EINVAL (unknown type, a string too long or empty where it must not
 * be, a field out of range) or -EMSGSIZE (@buf too small).
 */
ssize_t pinmgr_msg_encode(const struct pinmgr_msg *msg, void *buf, size_t size);

/*
 * Decode the packet @buf of @len bytes into @msg.  Returns 0, or
 * -EPROTONOSUPPORT (another version), -EBADMSG (short, long, a length that
 * does not match, a bad string or field) or -EOPNOTSUPP (unknown type).
 * @msg is unspecified after a failure.
 */
int pinmgr_msg_decode(const void *buf, size_t len, struct pinmgr_msg *msg);

/* "HELLO", "PIN_ADD", ...; "?" for an unknown type. */
const char *pinmgr_msg_type_name(unsigned int type);

#endif
