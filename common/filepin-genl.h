/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * filepin generic-netlink interface (DESIGN.md, kernel interface rule 8):
 * one multicast message per truncate, hole punch, collapse/insert/zero
 * range or remap that the kernel refused with ETXTBSY because of a layout
 * lease or a long-term pin.  User space (pinmgr) subscribes; the kernel
 * patch carries this file as include/uapi/linux/filepin.h.  See filepin(7).
 *
 * Family "filepin", version 1, multicast group "events".  Messages are
 * FILEPIN_CMD_REFUSED (below) and FILEPIN_CMD_REMOVAL (at the end); a
 * listener ignores commands and attributes it does not know (newer kernels
 * may add some), and a missing attribute means "not known".
 *
 *	FILEPIN_ATTR_OP		u32	enum filepin_op
 *	FILEPIN_ATTR_PID	u32	thread id of the caller   } as seen from
 *	FILEPIN_ATTR_TGID	u32	process id of the caller  } the initial
 *						pid namespace
 *	FILEPIN_ATTR_COMM	string	caller's comm, NUL-terminated,
 *					at most 16 bytes with the NUL
 *	FILEPIN_ATTR_DEV_MAJOR	u32	MAJOR(inode->i_sb->s_dev)
 *	FILEPIN_ATTR_DEV_MINOR	u32	MINOR(inode->i_sb->s_dev)
 *	FILEPIN_ATTR_INO	u64	inode->i_ino
 *	FILEPIN_ATTR_OFFSET	u64	first byte affected
 *	FILEPIN_ATTR_LENGTH	u64	bytes affected (see below)
 *	FILEPIN_ATTR_REASON	u32	enum filepin_reason
 *	FILEPIN_ATTR_SEQ	u64	1 for the first message since boot, then
 *					+1 for every message (refusal or
 *					removal), including those that could
 *					not be sent (no memory, no listener):
 *					a listener that sees a jump knows how
 *					many it missed
 *	FILEPIN_ATTR_PAD		padding for the u64 attributes
 *					(nla_put_u64_64bit)
 *
 * OFFSET and LENGTH by operation: TRUNCATE: the new size and the number
 * of bytes that would have been cut off (old size - new size); the
 * fallocate modes: the offset and length passed to fallocate(2); REMAP
 * (reflink, dedupe, copy_file_range sharing blocks): the destination
 * range in the file that was protected.
 *
 * FILEPIN_CMD_REMOVAL: the memory of a device (a pmem namespace, ...) is
 * going away (driver unbind, namespace disable, hot removal) while
 * long-term pins hold pages of it.  The removal waits until the last of
 * them is released; new pins of the device fail with ENXIO meanwhile.
 * Sent once per removal, one message per pin record (a registration's
 * contiguous range of one file), at most FILEPIN_REMOVAL_MAX_PINS of
 * them; the kernel log names the owners again every 10 seconds until
 * the removal completes.  Attributes:
 *
 *	FILEPIN_ATTR_DEVICE	string	the file system's device (s_id, e.g.
 *					"pmem2")
 *	FILEPIN_ATTR_PINS	u32	number of pin records the removal
 *					waits for (all messages of one removal
 *					carry the same value)
 *	FILEPIN_ATTR_DEV_MAJOR, FILEPIN_ATTR_DEV_MINOR, FILEPIN_ATTR_INO
 *					the pinned file, as above
 *	FILEPIN_ATTR_PATH	string	its path, as it was mapped
 *	FILEPIN_ATTR_OFFSET	u64	first byte pinned in the file
 *	FILEPIN_ATTR_LENGTH	u64	bytes pinned
 *	FILEPIN_ATTR_TGID	u32	process that took the pin } (initial pid
 *	FILEPIN_ATTR_COMM	string	its comm at that time      } namespace)
 *	FILEPIN_ATTR_SEQ	u64	as above
 */
#ifndef _UAPI_LINUX_FILEPIN_H
#define _UAPI_LINUX_FILEPIN_H

#define FILEPIN_GENL_NAME		"filepin"
#define FILEPIN_GENL_VERSION		1
#define FILEPIN_GENL_MCGRP_EVENTS	"events"

enum filepin_cmd {
	FILEPIN_CMD_UNSPEC,
	FILEPIN_CMD_REFUSED = 1,	/* kernel -> user, multicast "events" */
	FILEPIN_CMD_REMOVAL = 2,	/* kernel -> user, multicast "events" */

	__FILEPIN_CMD_MAX,
};
#define FILEPIN_CMD_MAX (__FILEPIN_CMD_MAX - 1)

enum filepin_attr {
	FILEPIN_ATTR_UNSPEC,
	FILEPIN_ATTR_OP,		/* u32, enum filepin_op */
	FILEPIN_ATTR_PID,		/* u32 */
	FILEPIN_ATTR_TGID,		/* u32 */
	FILEPIN_ATTR_COMM,		/* NUL-terminated string, <= 16 bytes */
	FILEPIN_ATTR_DEV_MAJOR,		/* u32 */
	FILEPIN_ATTR_DEV_MINOR,		/* u32 */
	FILEPIN_ATTR_INO,		/* u64 */
	FILEPIN_ATTR_OFFSET,		/* u64 */
	FILEPIN_ATTR_LENGTH,		/* u64 */
	FILEPIN_ATTR_REASON,		/* u32, enum filepin_reason */
	FILEPIN_ATTR_SEQ,		/* u64 */
	FILEPIN_ATTR_PAD,
	FILEPIN_ATTR_DEVICE,		/* NUL-terminated string */
	FILEPIN_ATTR_PINS,		/* u32 */
	FILEPIN_ATTR_PATH,		/* NUL-terminated string */

	__FILEPIN_ATTR_MAX,
};
#define FILEPIN_ATTR_MAX (__FILEPIN_ATTR_MAX - 1)

enum filepin_op {
	FILEPIN_OP_TRUNCATE = 1,	/* truncate, ftruncate, open(O_TRUNC) */
	FILEPIN_OP_PUNCH_HOLE = 2,	/* FALLOC_FL_PUNCH_HOLE */
	FILEPIN_OP_COLLAPSE_RANGE = 3,	/* FALLOC_FL_COLLAPSE_RANGE */
	FILEPIN_OP_INSERT_RANGE = 4,	/* FALLOC_FL_INSERT_RANGE */
	FILEPIN_OP_ZERO_RANGE = 5,	/* FALLOC_FL_ZERO_RANGE */
	FILEPIN_OP_REMAP = 6,		/* reflink or dedupe into the file */
	FILEPIN_OP_UNSHARE_RANGE = 7,	/* FALLOC_FL_UNSHARE_RANGE */
	FILEPIN_OP_SWAP_EXTENTS = 8,	/* whole-file extent swap */
};

enum filepin_reason {
	FILEPIN_REASON_LEASE = 1,	/* an exclusive layout lease is held */
	FILEPIN_REASON_PIN = 2,		/* a long-term pin overlaps the range */
};

#define FILEPIN_COMM_LEN	16	/* TASK_COMM_LEN */

/* FILEPIN_CMD_REMOVAL: at most this many messages per removal */
#define FILEPIN_REMOVAL_MAX_PINS	256

#endif
