/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel ioctls the VM test programs use that no uapi header carries:
 * ext4's EXT4_IOC_MOVE_EXT and EXT4_IOC_SWAP_BOOT (fs/ext4/ext4.h), xfs's
 * XFS_IOC_SWAPEXT (fs/xfs/libxfs/xfs_fs.h, as xfs_io defines it without
 * xfslibs-dev) and the debugfs pin hook of kernel/patches/0016 (not a
 * stable ABI).
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

/* Swap all blocks of the file with the boot loader inode (CAP_SYS_ADMIN) */
#define EXT4_IOC_SWAP_BOOT	_IO('f', 17)

struct xfs_bstime_ {
	long tv_sec;		/* __kernel_long_t */
	int32_t tv_nsec;
};

/* struct xfs_bstat: only bs_mtime and bs_ctime are read by SWAPEXT */
struct xfs_bstat_ {
	uint64_t bs_ino;
	uint16_t bs_mode, bs_nlink;
	uint32_t bs_uid, bs_gid, bs_rdev;
	int32_t bs_blksize;
	int64_t bs_size;
	struct xfs_bstime_ bs_atime, bs_mtime, bs_ctime;
	int64_t bs_blocks;
	uint32_t bs_xflags;
	int32_t bs_extsize, bs_extents;
	uint32_t bs_gen;
	uint16_t bs_projid_lo, bs_forkoff, bs_projid_hi, bs_sick, bs_checked;
	unsigned char bs_pad[2];
	uint32_t bs_cowextsize, bs_dmevmask;
	uint16_t bs_dmstate, bs_aextents;
};

/*
 * XFS_IOC_SWAPEXT swaps all blocks of sx_fdtarget (the fd the ioctl is
 * called on, too) and sx_fdtmp; sx_length must be both sizes, sx_stat's
 * times the target's (else EBUSY).
 */
struct xfs_swapext_ {
	int64_t sx_version;	/* 0 */
	int64_t sx_fdtarget;
	int64_t sx_fdtmp;
	int64_t sx_offset;	/* 0 */
	int64_t sx_length;
	char sx_pad[16];
	struct xfs_bstat_ sx_stat;
};
#define XFS_IOC_SWAPEXT		_IOWR('X', 109, struct xfs_swapext_)

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
