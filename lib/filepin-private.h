/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfilepin internals, shared by the lib/ sources and the host tests
 * (which link the convenience library lib/libfilepin-internal.la).
 * Nothing here is exported from libfilepin.so.1: the version script hides
 * it.
 */
#ifndef FILEPIN_PRIVATE_H
#define FILEPIN_PRIVATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include <sys/types.h>

#include "filepin-fcntl.h"
#include "filepin.h"

struct ibv_pd;
struct ibv_mr;

#define FP_LEASE_ARG (F_LAYOUT | F_EXCLUSIVE)

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

/* ---- logging (ctx.c) -------------------------------------------------- */

void fp_log(struct filepin_ctx *ctx, int priority, const char *file, int line,
	    const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));
bool fp_log_enabled(struct filepin_ctx *ctx, int priority);

#define fp_log_cond(ctx, prio, ...)						\
	do {									\
		if (fp_log_enabled(ctx, prio))					\
			fp_log(ctx, prio, __FILE__, __LINE__, __func__,		\
			       __VA_ARGS__);					\
	} while (0)

#define fp_err(ctx, ...)	fp_log_cond(ctx, LOG_ERR, __VA_ARGS__)
#define fp_warn(ctx, ...)	fp_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define fp_info(ctx, ...)	fp_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define fp_dbg(ctx, ...)	fp_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)

/* "err", "info", "debug", a syslog name or a number 0..7; -1 if invalid */
int fp_log_priority_parse(const char *s);

/* ---- /proc/self/maps (maps.c) ----------------------------------------- */

enum fp_vma_flags {
	FP_VMA_READ = 1 << 0,
	FP_VMA_WRITE = 1 << 1,
	FP_VMA_EXEC = 1 << 2,
	FP_VMA_SHARED = 1 << 3,
	FP_VMA_FILE = 1 << 4,		/* an inode and an absolute path */
	FP_VMA_DELETED = 1 << 5,	/* the path ended in " (deleted)" */
};

struct fp_vma {
	uint64_t start;
	uint64_t end;
	uint64_t offset;		/* in the file, in bytes */
	uint64_t ino;
	uint32_t major;
	uint32_t minor;
	unsigned int flags;
	const char *path;		/* unescaped, no " (deleted)"; "" if none */
};

struct fp_maps {
	struct fp_vma *vma;		/* sorted by start, not overlapping */
	size_t n;
	char *text;			/* owns the path strings */
};

/*
 * Parse the text of a maps file: @len bytes at @text, a malloc()ed buffer of
 * at least @len + 1 bytes that the parse takes over and modifies in place
 * (freed by fp_maps_release(), or at once on failure).
 * Returns 0, -EBADMSG for a line it cannot parse or entries out of order,
 * -ENOMEM.
 */
int fp_maps_parse(char *text, size_t len, struct fp_maps *maps);
/* Read and parse @path (e.g. /proc/self/maps), retrying torn reads. */
int fp_maps_read(const char *path, struct fp_maps *maps);
void fp_maps_release(struct fp_maps *maps);
/* Index of the first entry that ends above @addr (maps->n if none). */
size_t fp_maps_first(const struct fp_maps *maps, uint64_t addr);
/* Whether the entries cover every byte of [addr, addr + len). */
bool fp_maps_covers(const struct fp_maps *maps, uint64_t addr, uint64_t len);

/* What is known of an inode met in a mapping. */
enum fp_verdict {
	FP_VERDICT_UNKNOWN = 0,
	FP_VERDICT_NOT_DAX,		/* page cache, device, not a regular file */
	FP_VERDICT_NO_ACCESS,		/* could not open it */
};

struct fp_inode_verdict {
	uint32_t major;
	uint32_t minor;
	uint64_t ino;
	enum fp_verdict verdict;
};

#define FP_VERDICT_MAX 256

/*
 * The cache: the last maps read, plus verdicts on inodes.  It is trusted
 * only to say "nothing to lease here" (every byte covered, no file mapping
 * except of inodes known not to be DAX); any other answer is taken from a
 * fresh read.  A stale "nothing" makes the kernel refuse the registration
 * (EPERM/EOPNOTSUPP), and the caller then retries once from a fresh read.
 */
struct fp_mapcache {
	struct fp_maps maps;
	bool valid;
	struct fp_inode_verdict verdict[FP_VERDICT_MAX];
	size_t nverdict;
	unsigned long reads;		/* statistics, for the tests */
	unsigned long hits;
};

void fp_mapcache_release(struct fp_mapcache *mc);
enum fp_verdict fp_mapcache_verdict(const struct fp_mapcache *mc,
				    const struct fp_vma *v);
void fp_mapcache_set_verdict(struct fp_mapcache *mc, const struct fp_vma *v,
			     enum fp_verdict verdict);
/* True when the cache alone shows nothing to lease in the range. */
bool fp_mapcache_nothing_to_lease(const struct fp_mapcache *mc, uint64_t addr,
				  uint64_t len);

/* ---- what the tests replace (lease.c has the real ones) ---------------- */

struct fp_ops {
	/* 1 if the file open on @fd is DAX, 0 if not, or -errno */
	int (*is_dax)(struct filepin_ctx *ctx, int fd);
	/* fcntl(fd, F_SETLEASE, arg): 0 or -errno */
	int (*set_lease)(struct filepin_ctx *ctx, int fd, int arg);
	const char *maps_path;		/* "/proc/self/maps" */
	bool no_map_files;		/* skip /proc/self/map_files */
};

extern const struct fp_ops fp_default_ops;
void fp_ctx_set_ops(struct filepin_ctx *ctx, const struct fp_ops *ops);

/* ---- the real ibverbs functions (verbs.c) ------------------------------ */

struct fp_verbs {
	struct ibv_mr *(*reg_mr)(struct ibv_pd *pd, void *addr, size_t length,
				 int access);
	struct ibv_mr *(*reg_mr_iova)(struct ibv_pd *pd, void *addr,
				      size_t length, uint64_t iova, int access);
	struct ibv_mr *(*reg_mr_iova2)(struct ibv_pd *pd, void *addr,
				       size_t length, uint64_t iova,
				       unsigned int access);
	int (*dereg_mr)(struct ibv_mr *mr);
	int (*rereg_mr)(struct ibv_mr *mr, int flags, struct ibv_pd *pd,
			void *addr, size_t length, int access);
};

/*
 * Find the real functions: dlvsym(RTLD_NEXT, name, version) with the
 * version each has in libibverbs, then libibverbs.so.1 if it is loaded
 * but not after us.  Never returns one of our own wrappers.  Returns 0 if
 * at least ibv_reg_mr and ibv_dereg_mr were found, else -ENOSYS.
 */
int fp_verbs_resolve(struct fp_verbs *v);
void fp_ctx_set_verbs(struct filepin_ctx *ctx, const struct fp_verbs *v);
/* Whether the real functions are known (resolving them again if not). */
bool fp_ctx_verbs_ready(struct filepin_ctx *ctx);

/*
 * Set while the library itself calls into libibverbs: the interposed
 * wrappers then pass straight through (the real ibv_reg_mr() calls
 * ibv_reg_mr_iova2() through the PLT, which lands in our wrapper).
 */
bool fp_in_verbs(void);

enum fp_reg_kind {
	FP_REG_MR,		/* ibv_reg_mr */
	FP_REG_MR_IOVA,		/* ibv_reg_mr_iova */
	FP_REG_MR_IOVA2,	/* ibv_reg_mr_iova2 */
};

struct fp_reg_args {
	enum fp_reg_kind kind;
	struct ibv_pd *pd;
	void *addr;
	size_t length;
	uint64_t iova;
	unsigned int access;
};

/* Call the real function; NULL with errno set on failure. */
struct ibv_mr *fp_verbs_reg(const struct fp_verbs *v, const struct fp_reg_args *a);
int fp_verbs_dereg(const struct fp_verbs *v, struct ibv_mr *mr);
int fp_verbs_rereg(const struct fp_verbs *v, struct ibv_mr *mr, int flags,
		   struct ibv_pd *pd, void *addr, size_t length, int access);

/* ---- leases, one per inode (lease.c) ----------------------------------- */

struct fp_lease {
	struct fp_lease *next;
	uint32_t major;
	uint32_t minor;
	uint64_t ino;
	int fd;				/* O_RDONLY, holds the lease */
	unsigned long refs;		/* pins using it */
	char *path;
};

struct fp_lease_table {
	struct fp_lease *head;
	size_t n;			/* written under ctx->lock, read atomically */
	unsigned long gen;		/* bumped before every lease is taken */
};

/* All of these want ctx->lock held. */
struct fp_lease *fp_lease_find(struct filepin_ctx *ctx, uint32_t major,
			       uint32_t minor, uint64_t ino);
/*
 * The lease for the file behind mapping @v: an existing one gets one more
 * reference; else the file is opened (/proc/self/map_files, the path, an fd
 * of this process on the same inode - each checked against @v's device and
 * inode), checked for DAX and leased.  Returns 0 and *lease, 0 and NULL with
 * *verdict set when there is nothing to lease, or -errno when the lease was
 * refused (logged: the caller fails the registration).
 */
int fp_lease_get_vma(struct filepin_ctx *ctx, const struct fp_vma *v,
		     struct fp_lease **lease, enum fp_verdict *verdict);
/*
 * Same for a file the caller has open on @fd (explicit API).  Returns
 * -EOPNOTSUPP (logged) if it is not DAX.
 */
int fp_lease_get_fd(struct filepin_ctx *ctx, int fd, struct fp_lease **lease);
/* Drop a reference; the last one releases the lease and closes the fd. */
void fp_lease_put(struct filepin_ctx *ctx, struct fp_lease *lease);
void fp_lease_table_release(struct filepin_ctx *ctx);
/*
 * In a forked child: forget the parent's leases without releasing them (the
 * descriptors are shared with the parent: F_UNLCK would drop its lease);
 * our copies of the descriptors are closed.
 */
void fp_lease_table_forget(struct filepin_ctx *ctx);

/* ---- registrations (mr-table.c) ---------------------------------------- */

struct fp_pin {
	struct fp_lease *lease;
	uint64_t offset;		/* range of the file */
	uint64_t length;
	uint64_t id;			/* for pinmgr */
	bool reported;
};

struct fp_mr_rec {
	struct fp_mr_rec *next;
	struct ibv_mr *mr;
	void *map;			/* explicit API: our mapping */
	size_t maplen;
	size_t npins;
	size_t cap;
	struct fp_pin *pins;
};

struct fp_mr_table {
	struct fp_mr_rec **bucket;
	size_t nbucket;
	size_t n;
};

int fp_mr_table_add(struct fp_mr_table *t, struct fp_mr_rec *rec);
struct fp_mr_rec *fp_mr_table_find(struct fp_mr_table *t, const struct ibv_mr *mr);
struct fp_mr_rec *fp_mr_table_remove(struct fp_mr_table *t, const struct ibv_mr *mr);
/* Removes and returns any record; NULL when the table is empty. */
struct fp_mr_rec *fp_mr_table_pop(struct fp_mr_table *t);
/* Calls @fn for every record (it must not change the table). */
void fp_mr_table_each(struct fp_mr_table *t,
		      void (*fn)(struct fp_mr_rec *rec, void *data), void *data);
void fp_mr_table_release(struct fp_mr_table *t);

struct fp_mr_rec *fp_mr_rec_new(void);
int fp_mr_rec_add_pin(struct fp_mr_rec *rec, struct fp_lease *lease,
		      uint64_t offset, uint64_t length);
/* Drops the pins' lease references (ctx->lock held) and frees @rec. */
void fp_mr_rec_free(struct filepin_ctx *ctx, struct fp_mr_rec *rec);
/* Records @rec in ctx->mrs and reports it to pinmgr (ctx->lock held). */
int fp_mr_rec_track(struct filepin_ctx *ctx, struct fp_mr_rec *rec);

/* ---- registration of a range: the interposer's core (range.c) ---------- */

/*
 * Leases for every DAX file behind [addr, addr + len).  *rec is NULL when
 * there is nothing to lease.  @fresh skips the cache.  Returns 0 or -errno
 * (nothing held then).
 */
int fp_range_pin(struct filepin_ctx *ctx, const void *addr, size_t len,
		 bool fresh, struct fp_mr_rec **rec);
struct ibv_mr *fp_range_reg(struct filepin_ctx *ctx, const struct fp_reg_args *a);
int fp_range_dereg(struct filepin_ctx *ctx, struct ibv_mr *mr);
int fp_range_rereg(struct filepin_ctx *ctx, struct ibv_mr *mr, int flags,
		   struct ibv_pd *pd, void *addr, size_t length, int access);

/* ---- pinmgr (pinmgr-client.c); ctx->lock held -------------------------- */

struct fp_pinmgr {
	int sock;			/* -1: not connected */
	dev_t sock_dev;			/* to tell it is still ours */
	ino_t sock_ino;
	bool revoke;			/* told the daemon we answer REVOKE */
	unsigned long dropped;		/* reports the socket did not take */
	int timer;			/* reconnect timerfd, in ctx->epfd; -1 */
	bool armed;			/* the timer runs */
	unsigned int backoff_ms;	/* the next delay; 0: the first */
};

void fp_pinmgr_init(struct fp_pinmgr *pm);
void fp_pinmgr_report_add(struct filepin_ctx *ctx, struct fp_mr_rec *rec);
void fp_pinmgr_report_del(struct filepin_ctx *ctx, struct fp_mr_rec *rec);
void fp_pinmgr_close(struct filepin_ctx *ctx);
/*
 * The reconnect timer of a context with an epoll fd: made and put in
 * ctx->epfd (0, or -errno: then no timer, and reconnects wait for the next
 * registration); released with the context.
 */
int fp_pinmgr_setup(struct filepin_ctx *ctx);
void fp_pinmgr_release(struct filepin_ctx *ctx);
/* In a forked child: drop the parent's connection and timer (our copies). */
void fp_pinmgr_forget(struct filepin_ctx *ctx);
/* The socket path from the environment or the default. */
const char *fp_pinmgr_path(void);

/* ---- the context (ctx.c) ----------------------------------------------- */

struct filepin_ctx {
	int refcount;
	pthread_mutex_t lock;		/* everything below */
	filepin_log_fn log_fn;
	int log_priority;
	void *userdata;
	filepin_revoke_fn revoke_fn;
	void *revoke_data;
	const struct fp_ops *ops;
	struct fp_verbs verbs;
	bool have_verbs;
	struct fp_mapcache maps;
	struct fp_lease_table leases;
	struct fp_mr_table mrs;
	struct fp_pinmgr pinmgr;
	uint64_t next_pin_id;
	int epfd;			/* filepin_get_fd() */
	bool interposer;		/* the interposer's context */
	struct filepin_ctx *next;	/* every context, for fork (ctx.c) */
	struct filepin_ctx *prev;
};

/* The interposer's context: no revoke callback, no epoll fd needed. */
int fp_ctx_new_interposer(struct filepin_ctx **ctx);

static inline void fp_lock(struct filepin_ctx *ctx)
{
	pthread_mutex_lock(&ctx->lock);
}

static inline void fp_unlock(struct filepin_ctx *ctx)
{
	pthread_mutex_unlock(&ctx->lock);
}

/* secure_getenv() where it exists */
const char *fp_getenv(const char *name);

#endif
