/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfilepin - safe RDMA registration of file-backed persistent memory
 * (fsdax) on a kernel with filepin layout leases.  See libfilepin(3).
 *
 * Two ways to use it:
 *  - link with -lfilepin before -libverbs, or run under
 *    LD_PRELOAD=libfilepin.so.1: ibv_reg_mr() and friends then lease the DAX
 *    files behind the registered range for as long as the MR exists;
 *  - the explicit API below: a context, registration of a file range,
 *    a revoke callback for pinmgr's requests and a log callback.
 *
 * Every function returning int returns 0 (or a count) on success and a
 * negative errno value on failure.  All functions are thread-safe.
 */
#ifndef FILEPIN_H
#define FILEPIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ibv_pd;
struct ibv_mr;

/* The library context: refcounted, opaque. */
struct filepin_ctx;

int filepin_ctx_new(struct filepin_ctx **ctx);
struct filepin_ctx *filepin_ctx_ref(struct filepin_ctx *ctx);
struct filepin_ctx *filepin_ctx_unref(struct filepin_ctx *ctx);

/* Logging: syslog priorities (LOG_ERR ... LOG_DEBUG). */
typedef void (*filepin_log_fn)(struct filepin_ctx *ctx, int priority,
			       const char *file, int line, const char *fn,
			       const char *format, va_list args);
void filepin_set_log_fn(struct filepin_ctx *ctx, filepin_log_fn log_fn);
int filepin_get_log_priority(struct filepin_ctx *ctx);
void filepin_set_log_priority(struct filepin_ctx *ctx, int priority);
void *filepin_get_userdata(struct filepin_ctx *ctx);
void filepin_set_userdata(struct filepin_ctx *ctx, void *userdata);

/* filepin_reg_mr() flags */
enum filepin_reg_flags {
	/* Use @iova as the MR's I/O virtual address (e.g. the file offset)
	 * instead of the address of the mapping. */
	FILEPIN_REG_IOVA = 1u << 0,
};

/*
 * Map [@offset, @offset + @length) of the regular file open on @fd
 * (MAP_SHARED; writable when @access asks for any write), take an exclusive
 * layout lease on the file and register the mapping with @pd.  The MR's
 * addr field is where the range is mapped.  Release with filepin_dereg_mr().
 */
int filepin_reg_mr(struct filepin_ctx *ctx, struct ibv_pd *pd, int fd,
		   uint64_t offset, size_t length, unsigned int access,
		   unsigned int flags, uint64_t iova, struct ibv_mr **mr);
int filepin_dereg_mr(struct filepin_ctx *ctx, struct ibv_mr *mr);

/*
 * pinmgr may ask the program to give up its pins on a file.  For each MR of
 * this context on that file, filepin_dispatch() calls @fn, which should
 * stop using the MR and call filepin_dereg_mr() before it returns 0; a
 * negative errno refuses.  Without a callback, requests are refused.
 */
typedef int (*filepin_revoke_fn)(struct filepin_ctx *ctx, struct ibv_mr *mr,
				 void *userdata);
void filepin_set_revoke_fn(struct filepin_ctx *ctx, filepin_revoke_fn fn,
			   void *userdata);

/* A file descriptor to poll for POLLIN; then call filepin_dispatch(). */
int filepin_get_fd(struct filepin_ctx *ctx);
/* Handle pending pinmgr requests; returns how many, never blocks. */
int filepin_dispatch(struct filepin_ctx *ctx);

#ifdef __cplusplus
}
#endif

#endif
