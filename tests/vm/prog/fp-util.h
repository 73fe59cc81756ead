/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the VM test programs. */
#ifndef FP_UTIL_H
#define FP_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "filepin-fcntl.h"	/* F_LAYOUT, F_EXCLUSIVE */

struct ibv_context;

/* Print "<program>: <message>" on stderr and exit 2. */
void fp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Parse a byte count with an optional K, M or G suffix (powers of 1024). */
int fp_parse_size(const char *s, size_t *out);

/* Make a regular file at least @length bytes long (never shrinks it). */
int fp_extend(int fd, size_t length);

/*
 * mmap @fd at @offset with the mapping's address aligned to @align (a
 * power of two; 0 for no constraint), so that DAX can use PMD mappings.
 */
void *fp_map_aligned(int fd, off_t offset, size_t length, int flags,
		     size_t align);

/* The same with protection @prot instead of PROT_READ | PROT_WRITE. */
void *fp_map_aligned_prot(int fd, off_t offset, size_t length, int prot,
			  int flags, size_t align);

/* Pass @fd over the unix socket @sock (SCM_RIGHTS, one byte of data). */
void fp_send_fd(int sock, int fd);

/* Receive a file descriptor passed by fp_send_fd() (close-on-exec). */
int fp_recv_fd(int sock);

/* fp-verbs.c: RDMA helpers. */

/* Open the RDMA device called @name, or the first one when @name is NULL. */
struct ibv_context *fp_open_device(const char *name);

/*
 * A reliable-connected QP connected to itself over RoCE (GID index @gid),
 * with a local staging buffer, for moving data with RDMA READ and WRITE
 * between the staging buffer and a memory region in the same process.
 */
struct fp_loop {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_mr *mr;	/* the staging buffer */
	unsigned char *buf;
	size_t size;
};

int fp_loop_open(struct fp_loop *lp, struct ibv_pd *pd, int gid, size_t size);
void fp_loop_close(struct fp_loop *lp);

/*
 * Copy @len bytes (at most lp->size) between the staging buffer and
 * @raddr in the region with @rkey: opcode IBV_WR_RDMA_WRITE moves staging
 * -> region, IBV_WR_RDMA_READ region -> staging.  Waits for completion.
 * Returns 0, or -1 with a message on stderr.
 */
int fp_loop_rdma(struct fp_loop *lp, int opcode, void *raddr, uint32_t rkey,
		 size_t len);

/* "EPERM" for EPERM and so on; "?" when unknown. */
const char *fp_errno_name(int e);

#endif
