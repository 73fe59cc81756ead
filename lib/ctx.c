// SPDX-License-Identifier: LGPL-2.1-or-later
/* The library context: reference counting, logging, settings. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "filepin-private.h"

const char *fp_getenv(const char *name)
{
#ifdef HAVE_SECURE_GETENV
	return secure_getenv(name);
#else
	return getenv(name);
#endif
}

int fp_log_priority_parse(const char *s)
{
	static const struct {
		const char *name;
		int prio;
	} names[] = {
		{ "emerg", LOG_EMERG }, { "alert", LOG_ALERT },
		{ "crit", LOG_CRIT }, { "err", LOG_ERR }, { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	size_t i;

	if (!s || !*s)
		return -1;
	if (s[0] >= '0' && s[0] <= '7' && !s[1])
		return s[0] - '0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].prio;
	return -1;
}

/* The default log function: stderr, used only when FILEPIN_LOG is set. */
static __attribute__((format(printf, 6, 0)))
void log_stderr(struct filepin_ctx *ctx, int priority, const char *file,
		int line, const char *fn, const char *format, va_list args)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), format, args);
	if (priority >= LOG_DEBUG)
		fprintf(stderr, "libfilepin: %s: %s\n", fn, msg);
	else
		fprintf(stderr, "libfilepin: %s\n", msg);
}

bool fp_log_enabled(struct filepin_ctx *ctx, int priority)
{
	return ctx && __atomic_load_n(&ctx->log_fn, __ATOMIC_RELAXED) &&
	       priority <= __atomic_load_n(&ctx->log_priority, __ATOMIC_RELAXED);
}

void fp_log(struct filepin_ctx *ctx, int priority, const char *file, int line,
	    const char *fn, const char *format, ...)
{
	filepin_log_fn log_fn = __atomic_load_n(&ctx->log_fn, __ATOMIC_ACQUIRE);
	int saved = errno;
	va_list args;

	if (!log_fn)
		return;
	va_start(args, format);
	log_fn(ctx, priority, file, line, fn, format, args);
	va_end(args);
	errno = saved;
}

/* ---- fork ------------------------------------------------------------ */

/*
 * Every context is on one list, so that fork() finds them all: the prepare
 * handler takes the list's lock and then each context's lock (no thread is
 * inside one at the fork, so the child inherits no lock held by a thread it
 * does not have); the parent releases them; the child releases them after
 * forgetting what is the parent's (libfilepin(3), FORK).  Lock order: the
 * list, then a context; nothing takes the list's lock with a context's
 * lock held.
 */
static pthread_mutex_t ctx_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct filepin_ctx *ctx_list;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void atfork_prepare(void)
{
	struct filepin_ctx *c;

	pthread_mutex_lock(&ctx_list_lock);
	for (c = ctx_list; c; c = c->next)
		pthread_mutex_lock(&c->lock);
}

static void atfork_parent(void)
{
	struct filepin_ctx *c;

	for (c = ctx_list; c; c = c->next)
		pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&ctx_list_lock);
}

/*
 * The child's context starts empty: the leases and the MRs are the
 * parent's (its MRs keep pinning the parent's pages; its leases sit on
 * descriptors shared with the parent, which must not be released here), and
 * so is the pinmgr connection and the epoll instance (shared: a change to
 * it would change the parent's).  Our copies of those descriptors are
 * closed, and filepin_get_fd()'s number now names a new epoll instance.
 */
static void ctx_forget_parent(struct filepin_ctx *ctx)
{
	size_t nmr = ctx->mrs.n, nlease = ctx->leases.n;
	struct fp_mr_rec *rec;

	while ((rec = fp_mr_table_pop(&ctx->mrs))) {
		free(rec->pins);
		free(rec);
	}
	fp_lease_table_forget(ctx);
	fp_pinmgr_forget(ctx);
	fp_mapcache_release(&ctx->maps);
	if (ctx->epfd >= 0) {
		int fd = epoll_create1(EPOLL_CLOEXEC);

		if (fd < 0 || dup3(fd, ctx->epfd, O_CLOEXEC) < 0)
			fp_err(ctx, "after fork: cannot make the child its own epoll instance (%m): filepin_get_fd() still names the parent's");
		else if (fp_pinmgr_setup(ctx))
			fp_warn(ctx, "after fork: no pinmgr reconnect timer: %m");
		if (fd >= 0 && fd != ctx->epfd)
			close(fd);
	}
	if (nmr || nlease)
		fp_dbg(ctx, "forked child: %zu MR(s) and %zu lease(s) of the parent forgotten",
		       nmr, nlease);
}

static void atfork_child(void)
{
	struct filepin_ctx *c;

	for (c = ctx_list; c; c = c->next) {
		ctx_forget_parent(c);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&ctx_list_lock);
}

static void atfork_register(void)
{
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
}

static void ctx_list_add(struct filepin_ctx *ctx)
{
	pthread_once(&atfork_once, atfork_register);
	pthread_mutex_lock(&ctx_list_lock);
	ctx->prev = NULL;
	ctx->next = ctx_list;
	if (ctx_list)
		ctx_list->prev = ctx;
	ctx_list = ctx;
	pthread_mutex_unlock(&ctx_list_lock);
}

static void ctx_list_del(struct filepin_ctx *ctx)
{
	pthread_mutex_lock(&ctx_list_lock);
	if (ctx->prev)
		ctx->prev->next = ctx->next;
	else
		ctx_list = ctx->next;
	if (ctx->next)
		ctx->next->prev = ctx->prev;
	pthread_mutex_unlock(&ctx_list_lock);
}

static int ctx_alloc(struct filepin_ctx **out, bool interposer)
{
	struct filepin_ctx *ctx;
	const char *env;
	int prio, err;

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return -ENOMEM;
	ctx->refcount = 1;
	ctx->epfd = -1;
	ctx->ops = &fp_default_ops;
	ctx->interposer = interposer;
	ctx->log_priority = LOG_ERR;
	fp_pinmgr_init(&ctx->pinmgr);
	err = pthread_mutex_init(&ctx->lock, NULL);
	if (err) {
		free(ctx);
		return -err;
	}

	/* Nothing is printed unless FILEPIN_LOG asks for it. */
	env = fp_getenv("FILEPIN_LOG");
	prio = fp_log_priority_parse(env);
	if (prio >= 0) {
		ctx->log_priority = prio;
		ctx->log_fn = log_stderr;
	}

	if (!interposer) {
		ctx->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (ctx->epfd < 0) {
			err = -errno;
			pthread_mutex_destroy(&ctx->lock);
			free(ctx);
			return err;
		}
		err = fp_pinmgr_setup(ctx);
		if (err)
			fp_warn(ctx, "no pinmgr reconnect timer (%s): after pinmgr restarts, the next registration reconnects",
				strerror(-err));
	}
	if (!fp_verbs_resolve(&ctx->verbs))
		__atomic_store_n(&ctx->have_verbs, true, __ATOMIC_RELEASE);
	if (env && prio < 0)
		fp_err(ctx, "FILEPIN_LOG='%s' is not a log level (err, info, debug)", env);
	ctx_list_add(ctx);
	fp_dbg(ctx, "context %p created (%s)%s", (void *)ctx,
	       interposer ? "interposer" : "explicit",
	       ctx->have_verbs ? "" : ", libibverbs not found yet");
	*out = ctx;
	return 0;
}

int fp_ctx_new_interposer(struct filepin_ctx **ctx)
{
	return ctx_alloc(ctx, true);
}

int filepin_ctx_new(struct filepin_ctx **ctx)
{
	if (!ctx)
		return -EINVAL;
	return ctx_alloc(ctx, false);
}

struct filepin_ctx *filepin_ctx_ref(struct filepin_ctx *ctx)
{
	if (ctx)
		__atomic_add_fetch(&ctx->refcount, 1, __ATOMIC_RELAXED);
	return ctx;
}

static void ctx_free(struct filepin_ctx *ctx)
{
	struct fp_mr_rec *rec;

	ctx_list_del(ctx);
	fp_lock(ctx);
	/* MRs still registered: deregister them, then drop their leases. */
	while ((rec = fp_mr_table_pop(&ctx->mrs))) {
		fp_warn(ctx, "context released with an MR still registered (lkey 0x%x): deregistering it",
			rec->mr->lkey);
		if (fp_verbs_dereg(&ctx->verbs, rec->mr))
			fp_err(ctx, "ibv_dereg_mr of lkey 0x%x failed: %m",
			       rec->mr->lkey);
		else if (rec->map)
			munmap(rec->map, rec->maplen);
		fp_pinmgr_report_del(ctx, rec);
		fp_mr_rec_free(ctx, rec);
	}
	fp_pinmgr_release(ctx);
	fp_lease_table_release(ctx);
	fp_mr_table_release(&ctx->mrs);
	fp_mapcache_release(&ctx->maps);
	fp_unlock(ctx);
	if (ctx->epfd >= 0)
		close(ctx->epfd);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
}

struct filepin_ctx *filepin_ctx_unref(struct filepin_ctx *ctx)
{
	if (!ctx)
		return NULL;
	if (__atomic_sub_fetch(&ctx->refcount, 1, __ATOMIC_ACQ_REL) > 0)
		return ctx;
	fp_dbg(ctx, "context %p released", (void *)ctx);
	ctx_free(ctx);
	return NULL;
}

void filepin_set_log_fn(struct filepin_ctx *ctx, filepin_log_fn log_fn)
{
	if (ctx)
		__atomic_store_n(&ctx->log_fn, log_fn, __ATOMIC_RELEASE);
}

int filepin_get_log_priority(struct filepin_ctx *ctx)
{
	if (!ctx)
		return -EINVAL;
	return __atomic_load_n(&ctx->log_priority, __ATOMIC_RELAXED);
}

void filepin_set_log_priority(struct filepin_ctx *ctx, int priority)
{
	if (ctx)
		__atomic_store_n(&ctx->log_priority, priority, __ATOMIC_RELAXED);
}

void *filepin_get_userdata(struct filepin_ctx *ctx)
{
	return ctx ? __atomic_load_n(&ctx->userdata, __ATOMIC_ACQUIRE) : NULL;
}

void filepin_set_userdata(struct filepin_ctx *ctx, void *userdata)
{
	if (ctx)
		__atomic_store_n(&ctx->userdata, userdata, __ATOMIC_RELEASE);
}

void fp_ctx_set_ops(struct filepin_ctx *ctx, const struct fp_ops *ops)
{
	ctx->ops = ops ? ops : &fp_default_ops;
}

void fp_ctx_set_verbs(struct filepin_ctx *ctx, const struct fp_verbs *v)
{
	fp_lock(ctx);
	ctx->verbs = *v;
	__atomic_store_n(&ctx->have_verbs, true, __ATOMIC_RELEASE);
	fp_unlock(ctx);
}

bool fp_ctx_verbs_ready(struct filepin_ctx *ctx)
{
	bool ok;

	if (__atomic_load_n(&ctx->have_verbs, __ATOMIC_ACQUIRE))
		return true;
	/* libibverbs may have been loaded since the context was made */
	fp_lock(ctx);
	ok = ctx->have_verbs;
	if (!ok && !fp_verbs_resolve(&ctx->verbs)) {
		__atomic_store_n(&ctx->have_verbs, true, __ATOMIC_RELEASE);
		ok = true;
	}
	fp_unlock(ctx);
	if (!ok)
		fp_err(ctx, "the real ibv_reg_mr/ibv_dereg_mr (IBVERBS_1.1) were not found: is libibverbs.so.1 loaded?");
	return ok;
}
