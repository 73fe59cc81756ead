// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The real ibverbs registration functions, and calling them.
 *
 * Each is looked up with the version it has in libibverbs (ibv_reg_mr and
 * ibv_dereg_mr IBVERBS_1.1, ibv_reg_mr_iova IBVERBS_1.7, ibv_reg_mr_iova2
 * IBVERBS_1.8): first the next definition after libfilepin in the lookup
 * order, then libibverbs.so.1 itself if it is loaded (when the program
 * linked -libverbs before -lfilepin, or loaded it with dlopen()).
 */
#include <dlfcn.h>
#include <errno.h>

#include "filepin-private.h"

/*
 * Depth of the library's own calls into libibverbs on this thread.  The
 * real ibv_reg_mr() tail-calls ibv_reg_mr_iova2() through the PLT, that is
 * our wrapper: it must pass straight through then.
 */
static __thread int verbs_depth;

bool fp_in_verbs(void)
{
	return verbs_depth > 0;
}

static void *lookup(const void *self, const char *name, const char *version)
{
	Dl_info info;
	void *f, *h;

	f = dlvsym(RTLD_NEXT, name, version);
	if (f && dladdr(f, &info) && info.dli_fbase == self)
		f = NULL;
	if (f)
		return f;
	h = dlopen("libibverbs.so.1", RTLD_LAZY | RTLD_NOLOAD);
	if (!h)
		return NULL;
	f = dlvsym(h, name, version);
	if (f && dladdr(f, &info) && info.dli_fbase == self)
		f = NULL;
	dlclose(h);
	return f;
}

int fp_verbs_resolve(struct fp_verbs *v)
{
	const void *self = NULL;
	Dl_info info;

	if (dladdr((void *)fp_verbs_resolve, &info))
		self = info.dli_fbase;
	*(void **)&v->reg_mr = lookup(self, "ibv_reg_mr", "IBVERBS_1.1");
	*(void **)&v->reg_mr_iova = lookup(self, "ibv_reg_mr_iova", "IBVERBS_1.7");
	*(void **)&v->reg_mr_iova2 = lookup(self, "ibv_reg_mr_iova2", "IBVERBS_1.8");
	*(void **)&v->dereg_mr = lookup(self, "ibv_dereg_mr", "IBVERBS_1.1");
	*(void **)&v->rereg_mr = lookup(self, "ibv_rereg_mr", "IBVERBS_1.1");
	return v->reg_mr && v->dereg_mr ? 0 : -ENOSYS;
}

struct ibv_mr *fp_verbs_reg(const struct fp_verbs *v, const struct fp_reg_args *a)
{
	struct ibv_mr *mr = NULL;
	int e = ENOSYS;

	verbs_depth++;
	switch (a->kind) {
	case FP_REG_MR:
		if (v->reg_mr)
			mr = v->reg_mr(a->pd, a->addr, a->length, (int)a->access);
		else if (v->reg_mr_iova2)
			mr = v->reg_mr_iova2(a->pd, a->addr, a->length, a->iova,
					     a->access);
		else
			errno = e;
		break;
	case FP_REG_MR_IOVA:
		if (v->reg_mr_iova)
			mr = v->reg_mr_iova(a->pd, a->addr, a->length, a->iova,
					    (int)a->access);
		else if (v->reg_mr_iova2)
			mr = v->reg_mr_iova2(a->pd, a->addr, a->length, a->iova,
					     a->access);
		else
			errno = e;
		break;
	case FP_REG_MR_IOVA2:
		if (v->reg_mr_iova2)
			mr = v->reg_mr_iova2(a->pd, a->addr, a->length, a->iova,
					     a->access);
		else if (v->reg_mr_iova)
			mr = v->reg_mr_iova(a->pd, a->addr, a->length, a->iova,
					    (int)a->access);
		else if (v->reg_mr && a->iova == (uintptr_t)a->addr)
			mr = v->reg_mr(a->pd, a->addr, a->length, (int)a->access);
		else
			errno = e;
		break;
	default:
		errno = EINVAL;
	}
	verbs_depth--;
	return mr;
}

int fp_verbs_dereg(const struct fp_verbs *v, struct ibv_mr *mr)
{
	int ret;

	if (!v->dereg_mr) {
		errno = ENOSYS;
		return ENOSYS;
	}
	verbs_depth++;
	ret = v->dereg_mr(mr);
	verbs_depth--;
	return ret;
}

int fp_verbs_rereg(const struct fp_verbs *v, struct ibv_mr *mr, int flags,
		   struct ibv_pd *pd, void *addr, size_t length, int access)
{
	int ret;

	if (!v->rereg_mr) {
		errno = ENOSYS;
		return -1;	/* IBV_REREG_MR_ERR_INPUT: the MR is unchanged */
	}
	verbs_depth++;
	ret = v->rereg_mr(mr, flags, pd, addr, length, access);
	verbs_depth--;
	return ret;
}
