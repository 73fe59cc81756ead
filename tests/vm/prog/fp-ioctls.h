/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel ioctls the VM test programs use that no uapi header carries:
 * ext4's EXT4_IOC_MOVE_EXT (fs/ext4/ext4.h) and the debugfs pin hook of
 * kernel/patches/0008 (not a stable ABI).
 */
#ifndef FP_IOCTLS_H
#define FP_IOCTLS_H

#include <stdint.h>
#include <sys/ioctl.h>

struct move_extent {
	uint32_t reserved;	/* must be zero */
	uint32_t donor_fd;
	uint64_t orig_start;	/* in blocks */
	uint64_t donor_start;	/* in blocks */
	uint64_t len;		/* in blocks */
	uint64_t moved_len;	/* out: blocks moved */
};
#define EXT4_IOC_MOVE_EXT	_IOWR('f', 15, struct move_extent)

struct file_pins_test_pin {
	uint64_t addr;		/* in: start of the range to pin */
	uint64_t len;		/* in: its length in bytes */
	uint32_t flags;		/* in: FILE_PINS_TEST_* */
	uint32_t id;		/* out: id of the pin, for UNPIN */
};
#define FILE_PINS_TEST_MM	0x1	/* owned by the mm, not the file */
#define FILE_PINS_TEST_PIN	_IOWR('f', 0xf0, struct file_pins_test_pin)
#define FILE_PINS_TEST_UNPIN	_IOW('f', 0xf1, uint32_t)
#define FILE_PINS_TEST_PATH	"/sys/kernel/debug/file_pins_test"

#endif
