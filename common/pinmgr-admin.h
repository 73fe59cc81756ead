/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pinmgr admin protocol: pinctl (and test peers) <-> pinmgr.  Internal:
 * never installed.
 *
 * Same socket and framing as the library protocol (pinmgr-proto.h): a UNIX
 * SOCK_SEQPACKET socket, one message per packet, an 8-byte header
 *
 *	u16 version	PINMGR_ADM_VERSION
 *	u16 type	enum pinmgr_adm_type: always 0x100..0x1ff, so that
 *			the daemon tells the two protocols apart by type
 *	u32 length	of the whole message, header included; must equal the
 *			size of the packet
 *
 * then the body of that type.  Integers are little-endian; a string is a
 * u16 byte count and that many bytes, no NUL, within the field's limits; a
 * gid is 16 raw bytes.  A body has exactly the fields listed: anything
 * shorter or longer, an unknown flag bit or a zero where one is not
 * allowed is rejected.  Every request is answered; a request that fails is
 * answered with ERROR (a positive errno and a message naming the object
 * and the cause).  A message of another version is answered with
 * ERROR(EPROTONOSUPPORT); a new version of this protocol gets a new number.
 *
 * Requests (pinctl -> pinmgr) and their answers:
 *
 *  STATUS	(empty)
 *		-> STATUS_REPLY; when its flags have ST_REMOVAL, then a
 *		PIN_ENTRY for every pin a device removal waits for (rdma_dev
 *		holds the removed device's name, e.g. "pmem2"), DONE(count)
 *  LIST	u32 flags (LIST_PID, LIST_INODE), u32 pid, u32 dev_major,
 *		u32 dev_minor, u64 ino (filters, used when their flag is set)
 *		-> PIN_ENTRY*, DONE(count)
 *  SHOW	u32 dev_major, u32 dev_minor, u64 ino, str path (0..4095, the
 *		name the user gave, for the policy lookup)
 *		-> SHOW_REPLY, PIN_ENTRY*, EVENT* (recent refusals on the
 *		file), DONE(number of pins)
 *  EVENTS	u32 flags (EVENTS_FOLLOW, EVENTS_NO_BACKLOG)
 *		-> EVENT* (the ring of recent events, unless NO_BACKLOG),
 *		DONE(count); with FOLLOW, EVENT for every new event after
 *		that until the connection is closed
 *  BREAK	u32 flags (BREAK_WAIT), u32 timeout_ms (0: the policy's),
 *		u32 dev_major, u32 dev_minor, u64 ino
 *		-> without WAIT: DONE(number of owners asked);
 *		with WAIT: DONE(number of pins given up) once nothing pins
 *		the file, or OWNER* (those that still pin it) and
 *		ERROR(EBUSY | ETIMEDOUT | EPERM)
 *  PIN		u64 offset, u64 length (0: to the end of the file),
 *		u32 access (ACCESS_*, not 0), str rdma_dev (1..63);
 *		the file comes as exactly one descriptor (SCM_RIGHTS)
 *		-> PINNED
 *  UNPIN	u64 id	-> DONE(1)
 *  CONNECT	u64 id (of a PIN), u32 qpn, u32 psn, u32 gid_index (of
 *		pinmgr's port gid to use), u32 mtu (enum ibv_mtu, 1..5),
 *		gid (the peer's): pinmgr makes an RC QP in the pin's PD,
 *		connected to the peer's QP, so that the peer can RDMA READ
 *		and WRITE the pinned range; it lives as long as this
 *		connection and the pin
 *		-> CONNECTED
 *
 * Answers (pinmgr -> pinctl):
 *
 *  STATUS_REPLY	u32 pid, u32 flags (ST_*), u64 started (Unix time),
 *		u32 clients, u32 admins, u32 subscribers, u32 pins,
 *		u32 pins_lib, u32 pins_proc, u32 pins_service, u32 rules,
 *		u32 breaks, u64 events, u64 events_missed, u64 last_seq,
 *		u64 scans, str version (1..63), str config (0..4095),
 *		str events_state (0..255), str rdma_devs (0..255)
 *  PIN_ENTRY	u64 id, u32 flags (PIN_*), u32 pid, u32 uid,
 *		u32 owner (OWNER_*), u32 owner_fd, u32 dev_major,
 *		u32 dev_minor, u64 ino, u64 first_page, u64 last_page,
 *		u64 pages, u64 offset, u64 length, u32 mrn, u32 lkey,
 *		u32 rkey, str comm (0..15), str rdma_dev (0..63),
 *		str owner_path (0..4095), str path (0..4095)
 *  EVENT	u64 seq, u64 missed (events lost just before this one),
 *		u64 time_ns (CLOCK_REALTIME), u32 op, u32 pid, u32 tgid,
 *		u32 reason, u32 dev_major, u32 dev_minor, u64 ino,
 *		u64 offset, u64 length, u32 action (ACTION_*),
 *		str comm (0..15), str path (0..4095, "" when unknown)
 *  OWNER	u32 pid, u32 uid, u32 error (positive errno, not 0),
 *		u32 flags (PIN_*), str comm (0..15)
 *  PINNED	u64 id, u64 addr, u64 iova, u64 length, u32 lkey, u32 rkey,
 *		u32 access, str rdma_dev (1..63)
 *  SHOW_REPLY	u32 policy (POLICY_*), u32 timeout_ms, str rule (0..4095,
 *		"" for the default), str path (0..4095)
 *  CONNECTED	u32 qpn, u32 psn, u32 lid, gid
 *  DONE	u32 count
 *  ERROR	u32 error (positive errno, not 0), str message (0..255)
 */
#ifndef FILEPIN_PINMGR_ADMIN_H
#define FILEPIN_PINMGR_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PINMGR_ADM_VERSION	1
#define PINMGR_ADM_HDR_SIZE	8
#define PINMGR_ADM_PATH_MAX	4095
#define PINMGR_ADM_COMM_MAX	15
#define PINMGR_ADM_DEV_MAX	63
#define PINMGR_ADM_MSG_MAX	255
#define PINMGR_ADM_INFO_MAX	255
/* Large enough for any valid message; receive into PINMGR_ADM_SIZE_MAX + 1. */
#define PINMGR_ADM_SIZE_MAX	10240

enum pinmgr_adm_type {
	PINMGR_ADM_STATUS = 0x101,
	PINMGR_ADM_LIST = 0x102,
	PINMGR_ADM_SHOW = 0x103,
	PINMGR_ADM_EVENTS = 0x104,
	PINMGR_ADM_BREAK = 0x105,
	PINMGR_ADM_PIN = 0x106,
	PINMGR_ADM_UNPIN = 0x107,
	PINMGR_ADM_CONNECT = 0x108,
	PINMGR_ADM_REVOKE = 0x109,

	PINMGR_ADM_STATUS_REPLY = 0x181,
	PINMGR_ADM_PIN_ENTRY = 0x182,
	PINMGR_ADM_EVENT = 0x183,
	PINMGR_ADM_OWNER = 0x184,
	PINMGR_ADM_PINNED = 0x185,
	PINMGR_ADM_SHOW_REPLY = 0x186,
	PINMGR_ADM_CONNECTED = 0x187,
	PINMGR_ADM_DONE = 0x1fe,
	PINMGR_ADM_ERROR = 0x1ff,
};

/* LIST flags */
#define PINMGR_ADM_LIST_PID		(1u << 0)
#define PINMGR_ADM_LIST_INODE		(1u << 1)
#define PINMGR_ADM_LIST_FLAGS		(PINMGR_ADM_LIST_PID | PINMGR_ADM_LIST_INODE)
/* EVENTS flags */
#define PINMGR_ADM_EVENTS_FOLLOW	(1u << 0)
#define PINMGR_ADM_EVENTS_NO_BACKLOG	(1u << 1)
#define PINMGR_ADM_EVENTS_FLAGS		(PINMGR_ADM_EVENTS_FOLLOW | PINMGR_ADM_EVENTS_NO_BACKLOG)
/* BREAK flags */
#define PINMGR_ADM_BREAK_WAIT		(1u << 0)
#define PINMGR_ADM_BREAK_FLAGS		PINMGR_ADM_BREAK_WAIT
/* PIN access */
#define PINMGR_ADM_ACCESS_REMOTE_READ	(1u << 0)
#define PINMGR_ADM_ACCESS_REMOTE_WRITE	(1u << 1)
#define PINMGR_ADM_ACCESS_EXPORT	(1u << 2)	/* to remote peers, with a token */
#define PINMGR_ADM_ACCESS_FLAGS		(PINMGR_ADM_ACCESS_REMOTE_READ | \
					 PINMGR_ADM_ACCESS_REMOTE_WRITE | \
					 PINMGR_ADM_ACCESS_EXPORT)
/* STATUS_REPLY flags */
#define PINMGR_ADM_ST_EVENTS		(1u << 0)	/* subscribed to filepin/events */
#define PINMGR_ADM_ST_FILE_PINS		(1u << 1)	/* the kernel has /proc/<pid>/file_pins */
#define PINMGR_ADM_ST_RDMA_NL		(1u << 2)	/* rdma netlink answered */
#define PINMGR_ADM_ST_REMOVAL		(1u << 3)	/* a device removal is in progress:
							 * PIN_ENTRY per blocker, then DONE, follow */
#define PINMGR_ADM_ST_FLAGS		((1u << 4) - 1)
/* PIN_ENTRY and OWNER flags */
#define PINMGR_ADM_PIN_LIB		(1u << 0)	/* reported by libfilepin */
#define PINMGR_ADM_PIN_PROC		(1u << 1)	/* seen in /proc/<pid>/file_pins */
#define PINMGR_ADM_PIN_SERVICE		(1u << 2)	/* held by pinmgr's pin service */
#define PINMGR_ADM_PIN_MR		(1u << 3)	/* lkey, rkey, rdma_dev known */
#define PINMGR_ADM_PIN_MRN		(1u << 4)	/* mrn known (rdma netlink) */
#define PINMGR_ADM_PIN_REVOCABLE	(1u << 5)	/* the owner answers revoke requests */
#define PINMGR_ADM_PIN_REVOKING		(1u << 6)	/* a revoke request is pending */
#define PINMGR_ADM_PIN_EXPORTED		(1u << 7)	/* exported to remote peers (peers) */
#define PINMGR_ADM_PIN_FLAGS		((1u << 8) - 1)
/* PIN_ENTRY peers: "ADDRESS/QPN" of each remote peer, comma-separated */
#define PINMGR_ADM_PEERS_MAX		1023
/* PIN_ENTRY owner */
#define PINMGR_ADM_OWNER_UNKNOWN	0
#define PINMGR_ADM_OWNER_FD		1
#define PINMGR_ADM_OWNER_MM		2
/* EVENT action */
#define PINMGR_ADM_ACTION_REPORT	0
#define PINMGR_ADM_ACTION_BREAK		1	/* a break was started */
#define PINMGR_ADM_ACTION_BREAKING	2	/* a break was already running */
/*
 * EVENT of a device removal (op PINMGR_ADM_OP_REMOVAL, see pinmgr.conf(5)
 * on-removal): pid/tgid, comm and the file are the pin's owner and file
 * (none for COMPLETE); the reason is 0.
 */
#define PINMGR_ADM_OP_REMOVAL		0x100
#define PINMGR_ADM_ACTION_WAIT		3	/* announced; policy wait: reported only */
#define PINMGR_ADM_ACTION_REVOKE	4	/* announced; the owner was asked to revoke */
#define PINMGR_ADM_ACTION_RELEASE	5	/* announced; pinmgr released its own pin */
#define PINMGR_ADM_ACTION_NOASK		6	/* announced; the owner cannot be asked */
#define PINMGR_ADM_ACTION_TIMEOUT	7	/* still pinned after removal-timeout */
#define PINMGR_ADM_ACTION_TERM		8	/* the owner was sent SIGTERM */
#define PINMGR_ADM_ACTION_KILL		9	/* the owner was sent SIGKILL */
#define PINMGR_ADM_ACTION_GONE		10	/* the pin is gone */
#define PINMGR_ADM_ACTION_COMPLETE	11	/* no pin left: the removal completes */
/*
 * EVENT of an export to remote peers (op PINMGR_ADM_OP_EXPORT, see
 * pinmgr.conf(5) listen): the file and range are the exported pin's (none
 * for a refused connection), peer "ADDRESS/QPN" (QPN of pinmgr's side).
 */
#define PINMGR_ADM_OP_EXPORT		0x101
#define PINMGR_ADM_ACTION_PEER_IN	12	/* a peer connected */
#define PINMGR_ADM_ACTION_PEER_OUT	13	/* a peer left or was disconnected */
#define PINMGR_ADM_ACTION_PEER_REFUSED	14	/* a connection was refused */
#define PINMGR_ADM_ACTION_MAX		PINMGR_ADM_ACTION_PEER_REFUSED
#define PINMGR_ADM_PEER_MAX		63
/* SHOW_REPLY policy */
#define PINMGR_ADM_POLICY_REPORT	1
#define PINMGR_ADM_POLICY_BREAK		2

struct pinmgr_adm_list {
	uint32_t flags;
	uint32_t pid;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t ino;
};

struct pinmgr_adm_show {
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t ino;
	char path[PINMGR_ADM_PATH_MAX + 1];
};

struct pinmgr_adm_events {
	uint32_t flags;
};

struct pinmgr_adm_break {
	uint32_t flags;
	uint32_t timeout_ms;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t ino;
};

struct pinmgr_adm_pin {
	uint64_t offset;
	uint64_t length;
	uint32_t access;
	char rdma_dev[PINMGR_ADM_DEV_MAX + 1];
};

struct pinmgr_adm_unpin {
	uint64_t id;
};

struct pinmgr_adm_revoke {
	uint8_t token[16];
};

struct pinmgr_adm_connect {
	uint64_t id;
	uint32_t qpn;
	uint32_t psn;
	uint32_t gid_index;
	uint32_t mtu;
	uint8_t gid[16];
};

struct pinmgr_adm_status_reply {
	uint32_t pid;
	uint32_t flags;
	uint64_t started;
	uint32_t clients;
	uint32_t admins;
	uint32_t subscribers;
	uint32_t pins;
	uint32_t pins_lib;
	uint32_t pins_proc;
	uint32_t pins_service;
	uint32_t rules;
	uint32_t breaks;
	uint64_t events;
	uint64_t events_missed;
	uint64_t last_seq;
	uint64_t scans;
	char version[PINMGR_ADM_DEV_MAX + 1];
	char config[PINMGR_ADM_PATH_MAX + 1];
	char events_state[PINMGR_ADM_INFO_MAX + 1];
	char rdma_devs[PINMGR_ADM_INFO_MAX + 1];
};

struct pinmgr_adm_pin_entry {
	uint64_t id;
	uint32_t flags;
	uint32_t pid;
	uint32_t uid;
	uint32_t owner;
	uint32_t owner_fd;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t ino;
	uint64_t first_page;
	uint64_t last_page;
	uint64_t pages;
	uint64_t offset;
	uint64_t length;
	uint32_t mrn;
	uint32_t lkey;
	uint32_t rkey;
	char comm[PINMGR_ADM_COMM_MAX + 1];
	char rdma_dev[PINMGR_ADM_DEV_MAX + 1];
	char owner_path[PINMGR_ADM_PATH_MAX + 1];
	char path[PINMGR_ADM_PATH_MAX + 1];
	char peers[PINMGR_ADM_PEERS_MAX + 1];
	/*
	 * what each peer of peers moved, in the same order: "PACKETSpkt" (rxe
	 * has no per-QP byte counters: the packets are the advance of the
	 * PSN pinmgr's QP expects, one per packet a peer's WRITE or READ
	 * moved, each at most the path MTU), comma-separated
	 */
	char moved[PINMGR_ADM_PEERS_MAX + 1];
};

struct pinmgr_adm_event {
	uint64_t seq;
	uint64_t missed;
	uint64_t time_ns;
	uint32_t op;
	uint32_t pid;
	uint32_t tgid;
	uint32_t reason;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t ino;
	uint64_t offset;
	uint64_t length;
	uint32_t action;
	char comm[PINMGR_ADM_COMM_MAX + 1];
	char path[PINMGR_ADM_PATH_MAX + 1];
	char peer[PINMGR_ADM_PEER_MAX + 1];	/* OP_EXPORT: "ADDRESS/QPN" */
	/*
	 * A refused layout change over an exported pin (pinmgr.conf(5)
	 * listen): that pin's id, and peer its peers "ADDRESS/QPN,..." (cut
	 * to fit); 0 otherwise.
	 */
	uint64_t export_id;
};

struct pinmgr_adm_owner {
	uint32_t pid;
	uint32_t uid;
	uint32_t error;
	uint32_t flags;
	char comm[PINMGR_ADM_COMM_MAX + 1];
};

struct pinmgr_adm_pinned {
	uint64_t id;
	uint64_t addr;
	uint64_t iova;
	uint64_t length;
	uint32_t lkey;
	uint32_t rkey;
	uint32_t access;
	char rdma_dev[PINMGR_ADM_DEV_MAX + 1];
	uint8_t token[16];		/* with ACCESS_EXPORT; else zeros */
};

struct pinmgr_adm_show_reply {
	uint32_t policy;
	uint32_t timeout_ms;
	char rule[PINMGR_ADM_PATH_MAX + 1];
	char path[PINMGR_ADM_PATH_MAX + 1];
};

struct pinmgr_adm_connected {
	uint32_t qpn;
	uint32_t psn;
	uint32_t lid;
	uint8_t gid[16];
};

struct pinmgr_adm_done {
	uint32_t count;
};

struct pinmgr_adm_error {
	uint32_t error;
	char message[PINMGR_ADM_MSG_MAX + 1];
};

struct pinmgr_adm_msg {
	enum pinmgr_adm_type type;
	union {
		struct pinmgr_adm_list list;
		struct pinmgr_adm_show show;
		struct pinmgr_adm_events events;
		struct pinmgr_adm_break brk;
		struct pinmgr_adm_pin pin;
		struct pinmgr_adm_unpin unpin;
		struct pinmgr_adm_revoke revoke;
		struct pinmgr_adm_connect connect;
		struct pinmgr_adm_status_reply status;
		struct pinmgr_adm_pin_entry entry;
		struct pinmgr_adm_event event;
		struct pinmgr_adm_owner owner;
		struct pinmgr_adm_pinned pinned;
		struct pinmgr_adm_show_reply show_reply;
		struct pinmgr_adm_connected connected;
		struct pinmgr_adm_done done;
		struct pinmgr_adm_error error;
	};
};

/*
 * Encode @msg into @buf (@size bytes).  Returns the length, or -EINVAL (an
 * unknown type, a string out of its limits or not NUL-terminated within
 * its field, a flag or value out of range) or -EMSGSIZE (@buf too small).
 */
ssize_t pinmgr_adm_encode(const struct pinmgr_adm_msg *msg, void *buf, size_t size);

/*
 * Decode the packet @buf of @len bytes into @msg.  Returns 0, or
 * -EPROTONOSUPPORT (another version), -EBADMSG (short, long, a length that
 * does not match, a bad string or field) or -EOPNOTSUPP (unknown type).
 * @msg is unspecified after a failure.
 */
int pinmgr_adm_decode(const void *buf, size_t len, struct pinmgr_adm_msg *msg);

/*
 * Read the header of a packet: false when it is shorter than a header.
 * Does not check anything else.
 */
bool pinmgr_adm_peek(const void *buf, size_t len, uint16_t *version,
		     uint16_t *type);

/*
 * Send the packet @buf of @len bytes on @sock (MSG_NOSIGNAL), with @passfd
 * attached as SCM_RIGHTS when it is >= 0 (PIN).  Returns what sendmsg()
 * returns.
 */
ssize_t pinmgr_adm_send(int sock, const void *buf, size_t len, int passfd);

/* Admin protocol types are 0x100..0x1ff. */
static inline bool pinmgr_adm_is_admin_type(unsigned int type)
{
	return (type & ~0xffu) == 0x100;
}

/* A request (pinctl -> pinmgr), as opposed to an answer. */
static inline bool pinmgr_adm_is_request(unsigned int type)
{
	return type >= PINMGR_ADM_STATUS && type <= PINMGR_ADM_REVOKE;
}

/* "STATUS", "LIST", ...; "?" for an unknown type. */
const char *pinmgr_adm_type_name(unsigned int type);

/* Names for the filepin(7) operation and reason codes ("?" if unknown). */
const char *pinmgr_adm_op_name(unsigned int op);
const char *pinmgr_adm_reason_name(unsigned int reason);

#endif
