// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The interposed ibverbs registration functions.
 *
 * A program linked with -lfilepin before -libverbs, or run with
 * LD_PRELOAD=libfilepin.so.1, finds these before libibverbs' own.  They
 * are exported with the version libibverbs gives them (libfilepin.sym):
 * a program built against libibverbs asks for ibv_reg_mr@IBVERBS_1.1, and
 * the dynamic linker skips a definition of another version.
 *
 * <infiniband/verbs.h> turns ibv_reg_mr() and ibv_reg_mr_iova() into
 * inline functions that call ibv_reg_mr, ibv_reg_mr_iova or
 * ibv_reg_mr_iova2 depending on the access flags; all three are here.
 *
 * The only global state of the library: the interposer's context, made on
 * first use behind pthread_once().
 */
#include <errno.h>
#include <pthread.h>

#include <infiniband/verbs.h>

#include "filepin-private.h"

#undef ibv_reg_mr
#undef ibv_reg_mr_iova

static struct {
	pthread_once_t once;
	struct filepin_ctx *ctx;
	int err;
} interposer = { .once = PTHREAD_ONCE_INIT };

static void interposer_init(void)
{
	interposer.err = fp_ctx_new_interposer(&interposer.ctx);
}

/* The context, or NULL (out of memory, or libibverbs not found). */
static struct filepin_ctx *interposer_ctx(void)
{
	pthread_once(&interposer.once, interposer_init);
	if (interposer.err || !fp_ctx_verbs_ready(interposer.ctx))
		return NULL;
	return interposer.ctx;
}

static struct ibv_mr *reg(const struct fp_reg_args *a)
{
	struct filepin_ctx *ctx = interposer_ctx();
	struct fp_verbs direct;

	if (!ctx) {
		/* last resort: pass through if the real one can be found */
		if (fp_verbs_resolve(&direct)) {
			errno = ENOSYS;
			return NULL;
		}
		return fp_verbs_reg(&direct, a);
	}
	if (fp_in_verbs())
		return fp_verbs_reg(&ctx->verbs, a);
	return fp_range_reg(ctx, a);
}

struct ibv_mr *ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
			  int access)
{
	struct fp_reg_args a = {
		.kind = FP_REG_MR, .pd = pd, .addr = addr, .length = length,
		.iova = (uintptr_t)addr, .access = (unsigned int)access,
	};

	return reg(&a);
}

struct ibv_mr *ibv_reg_mr_iova(struct ibv_pd *pd, void *addr, size_t length,
			       uint64_t iova, int access)
{
	struct fp_reg_args a = {
		.kind = FP_REG_MR_IOVA, .pd = pd, .addr = addr, .length = length,
		.iova = iova, .access = (unsigned int)access,
	};

	return reg(&a);
}

struct ibv_mr *ibv_reg_mr_iova2(struct ibv_pd *pd, void *addr, size_t length,
				uint64_t iova, unsigned int access)
{
	struct fp_reg_args a = {
		.kind = FP_REG_MR_IOVA2, .pd = pd, .addr = addr, .length = length,
		.iova = iova, .access = access,
	};

	return reg(&a);
}

int ibv_dereg_mr(struct ibv_mr *mr)
{
	struct filepin_ctx *ctx = interposer_ctx();
	struct fp_verbs direct;

	if (!ctx) {
		if (fp_verbs_resolve(&direct))
			return ENOSYS;
		return fp_verbs_dereg(&direct, mr);
	}
	if (fp_in_verbs())
		return fp_verbs_dereg(&ctx->verbs, mr);
	return fp_range_dereg(ctx, mr);
}

int ibv_rereg_mr(struct ibv_mr *mr, int flags, struct ibv_pd *pd, void *addr,
		 size_t length, int access)
{
	struct filepin_ctx *ctx = interposer_ctx();
	struct fp_verbs direct;

	if (!ctx) {
		if (fp_verbs_resolve(&direct)) {
			errno = ENOSYS;
			return IBV_REREG_MR_ERR_INPUT;
		}
		return fp_verbs_rereg(&direct, mr, flags, pd, addr, length, access);
	}
	if (fp_in_verbs())
		return fp_verbs_rereg(&ctx->verbs, mr, flags, pd, addr, length,
				      access);
	return fp_range_rereg(ctx, mr, flags, pd, addr, length, access);
}
