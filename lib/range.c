// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Registration of an address range: the interposer's core.
 *
 * While the context holds no lease, call the real function first: the
 * kernel refuses (EPERM on filepin, EOPNOTSUPP on a stock kernel) a range
 * with a shared DAX mapping in it that no lease covers, and only then do we
 * look.  Looking means: find the file mappings that overlap the range (the
 * maps cache, or a fresh read of /proc/self/maps), lease every DAX file
 * among them, call the real function again, and keep the leases for as
 * long as the MR exists.  So a registration that needs no lease costs the
 * real call alone; with leases held, one cached lookup (a full read of
 * /proc/self/maps when the cache has not seen the range).  Everything
 * taken is given back when the registration fails.
 *
 * Races with mmap()/munmap() in other threads: the cache only answers
 * "nothing to lease" (see struct fp_mapcache); when that answer is stale,
 * or the address space changes between our fresh read and the kernel's own
 * look, the kernel refuses with EPERM (EOPNOTSUPP on a stock kernel) and
 * the registration is retried once from a fresh read.  A range that is
 * unmapped meanwhile fails in the kernel (EFAULT) and its leases are given
 * back.
 *
 * Locking: the context's mutex covers the cache, the lease table and the
 * MR table; the slow path holds it while it reads /proc/self/maps and opens
 * and leases files.  The real ibverbs calls run without it.
 */
#include <errno.h>
#include <string.h>

#include <infiniband/verbs.h>

#include "filepin-private.h"

int fp_range_pin(struct filepin_ctx *ctx, const void *addr, size_t len,
		 bool fresh, struct fp_mr_rec **recp)
{
	uint64_t start = (uintptr_t)addr, end = start + len;
	struct fp_mr_rec *rec = NULL;
	const struct fp_maps *maps;
	struct fp_maps fresh_maps;
	size_t i;
	int err;

	*recp = NULL;
	if (!len || end < start)
		return 0;	/* the real function says what is wrong */
	fp_lock(ctx);
	if (!fresh && fp_mapcache_nothing_to_lease(&ctx->maps, start, len)) {
		ctx->maps.hits++;
		fp_unlock(ctx);
		return 0;
	}
	err = fp_maps_read(ctx->ops->maps_path, &fresh_maps);
	if (err) {
		fp_warn(ctx, "cannot read %s (%s): registering 0x%llx-0x%llx without looking for DAX files",
			ctx->ops->maps_path, strerror(-err),
			(unsigned long long)start, (unsigned long long)end);
		fp_unlock(ctx);
		return 0;
	}
	fp_maps_release(&ctx->maps.maps);
	ctx->maps.maps = fresh_maps;
	ctx->maps.valid = true;
	ctx->maps.reads++;
	maps = &ctx->maps.maps;

	for (i = fp_maps_first(maps, start); i < maps->n && maps->vma[i].start < end; i++) {
		const struct fp_vma *v = &maps->vma[i];
		enum fp_verdict verdict = FP_VERDICT_UNKNOWN;
		struct fp_lease *lease;
		uint64_t s, e;

		if (!(v->flags & FP_VMA_FILE))
			continue;
		if (!fresh && fp_mapcache_verdict(&ctx->maps, v) != FP_VERDICT_UNKNOWN &&
		    !fp_lease_find(ctx, v->major, v->minor, v->ino))
			continue;
		err = fp_lease_get_vma(ctx, v, &lease, &verdict);
		if (err)
			goto fail;
		if (!lease) {
			fp_mapcache_set_verdict(&ctx->maps, v, verdict);
			continue;
		}
		if (!rec)
			rec = fp_mr_rec_new();
		s = v->start > start ? v->start : start;
		e = v->end < end ? v->end : end;
		err = rec ? fp_mr_rec_add_pin(rec, lease, v->offset + (s - v->start), e - s) :
			    -ENOMEM;
		if (err) {
			fp_lease_put(ctx, lease);
			goto fail;
		}
	}
	fp_unlock(ctx);
	*recp = rec;
	return 0;
fail:
	fp_mr_rec_free(ctx, rec);
	fp_unlock(ctx);
	return err;
}

static void rec_drop(struct filepin_ctx *ctx, struct fp_mr_rec *rec)
{
	int e = errno;

	if (rec) {
		fp_lock(ctx);
		fp_mr_rec_free(ctx, rec);
		fp_unlock(ctx);
	}
	errno = e;
}

/*
 * Whether a registration may go to the kernel before we look at the range:
 * when this context holds no lease, the kernel accepts a range with a
 * shared DAX mapping in it only if a lease of someone else's lets it (the
 * program's own, or one taken meanwhile: see *gen), so a success needs no
 * lease of ours and a refusal (EPERM, EOPNOTSUPP) sends us to the maps.
 * With leases held, a success could pin under one of them unrecorded (no
 * reference, no report, no revoke): then look first, as before.
 */
static bool register_first(struct filepin_ctx *ctx, unsigned long *gen)
{
	*gen = __atomic_load_n(&ctx->leases.gen, __ATOMIC_SEQ_CST);
	return !__atomic_load_n(&ctx->leases.n, __ATOMIC_SEQ_CST);
}

/*
 * A registration that went to the kernel first succeeded while another
 * thread took a lease: it may pin under that lease.  Record it if so.
 */
static void attribute_late(struct filepin_ctx *ctx, const struct fp_reg_args *a,
			   struct ibv_mr *mr)
{
	struct fp_mr_rec *rec = NULL;
	int err;

	err = fp_range_pin(ctx, a->addr, a->length, true, &rec);
	if (err) {
		fp_warn(ctx, "MR lkey 0x%x over 0x%llx+%zu: cannot tell whether it pins a DAX file (%s): not recorded",
			mr->lkey, (unsigned long long)(uintptr_t)a->addr,
			a->length, strerror(-err));
		return;
	}
	if (!rec)
		return;
	rec->mr = mr;
	fp_lock(ctx);
	err = fp_mr_rec_track(ctx, rec);
	if (err) {
		fp_err(ctx, "out of memory recording an MR: its leases are released");
		fp_mr_rec_free(ctx, rec);
	}
	fp_unlock(ctx);
}

struct ibv_mr *fp_range_reg(struct filepin_ctx *ctx, const struct fp_reg_args *a)
{
	struct fp_mr_rec *rec = NULL;
	struct ibv_mr *mr = NULL;
	unsigned long gen = 0;
	int attempt, attempts, err;
	bool direct;

	/* On-demand paging takes no long-term pin: nothing to lease. */
	if (!a->length || (a->access & IBV_ACCESS_ON_DEMAND))
		return fp_verbs_reg(&ctx->verbs, a);

	/*
	 * Register first when we hold no lease: anonymous and page-cache
	 * memory then cost nothing but the real call, whatever the size of
	 * the address space.  Else the cache, then a fresh read.
	 */
	direct = register_first(ctx, &gen);
	attempts = direct ? 3 : 2;
	for (attempt = 0; attempt < attempts; attempt++) {
		int e;

		if (!direct || attempt) {
			err = fp_range_pin(ctx, a->addr, a->length, attempt > 0, &rec);
			if (err) {
				errno = -err;
				return NULL;
			}
		}
		mr = fp_verbs_reg(&ctx->verbs, a);
		if (mr)
			break;
		e = errno;
		rec_drop(ctx, rec);
		rec = NULL;
		/*
		 * EPERM (filepin: no lease) or EOPNOTSUPP (stock kernel): there
		 * is a DAX file to lease, or the range changed under a cached
		 * answer or between our look and the kernel's; look (again)
		 * from a fresh read.
		 */
		if ((e != EPERM && e != EOPNOTSUPP) || attempt == attempts - 1) {
			if (e == EPERM)
				fp_err(ctx, "registration of 0x%llx-0x%llx refused with EPERM: the kernel wants a layout lease on a DAX file in it that libfilepin could not take (see the messages above)",
				       (unsigned long long)(uintptr_t)a->addr,
				       (unsigned long long)((uintptr_t)a->addr + a->length));
			else if (e == EBUSY && !(a->access & (IBV_ACCESS_LOCAL_WRITE |
							     IBV_ACCESS_REMOTE_WRITE |
							     IBV_ACCESS_REMOTE_ATOMIC)))
				fp_err(ctx, "read-only registration of 0x%llx-0x%llx refused with EBUSY: a DAX file in it shares blocks with another file (reflink); give the range its own blocks first (e.g. cp --reflink=never)",
				       (unsigned long long)(uintptr_t)a->addr,
				       (unsigned long long)((uintptr_t)a->addr + a->length));
			else
				fp_dbg(ctx, "registration of 0x%llx+%zu failed: %s",
				       (unsigned long long)(uintptr_t)a->addr,
				       a->length, strerror(e));
			errno = e;
			return NULL;
		}
		fp_dbg(ctx, "registration refused (%s): looking at the range%s",
		       strerror(e), attempt ? " again" : "");
	}
	if (direct && !attempt) {
		if (__atomic_load_n(&ctx->leases.gen, __ATOMIC_SEQ_CST) != gen)
			attribute_late(ctx, a, mr);
		return mr;
	}
	if (!rec)
		return mr;

	rec->mr = mr;
	fp_lock(ctx);
	err = fp_mr_rec_track(ctx, rec);
	fp_unlock(ctx);
	if (err) {
		fp_err(ctx, "out of memory recording an MR: deregistering it");
		fp_verbs_dereg(&ctx->verbs, mr);
		rec_drop(ctx, rec);
		errno = -err;
		return NULL;
	}
	fp_dbg(ctx, "MR lkey 0x%x over 0x%llx+%zu holds %zu pin(s)", mr->lkey,
	       (unsigned long long)(uintptr_t)a->addr, a->length, rec->npins);
	return mr;
}

int fp_range_dereg(struct filepin_ctx *ctx, struct ibv_mr *mr)
{
	struct fp_mr_rec *rec;
	int ret, e;

	/*
	 * No record at all: nothing to look up.  A record of @mr was added
	 * before its registration returned, so the caller's deregistration
	 * sees the count it raised.
	 */
	if (!__atomic_load_n(&ctx->mrs.n, __ATOMIC_ACQUIRE))
		return fp_verbs_dereg(&ctx->verbs, mr);
	fp_lock(ctx);
	rec = fp_mr_table_remove(&ctx->mrs, mr);
	fp_unlock(ctx);
	ret = fp_verbs_dereg(&ctx->verbs, mr);
	if (!rec)
		return ret;
	e = errno;
	fp_lock(ctx);
	if (ret) {
		/* the MR is still there, and so are its pins */
		fp_mr_table_add(&ctx->mrs, rec);
	} else {
		fp_pinmgr_report_del(ctx, rec);
		fp_mr_rec_free(ctx, rec);
	}
	fp_unlock(ctx);
	errno = e;
	return ret;
}

/* Move @from's pins (and their references) to @to; frees @from. */
static int rec_merge(struct fp_mr_rec *to, struct fp_mr_rec *from)
{
	size_t i;

	for (i = 0; i < from->npins; i++) {
		int err = fp_mr_rec_add_pin(to, from->pins[i].lease,
					    from->pins[i].offset,
					    from->pins[i].length);

		if (err)
			return err;
		from->pins[i].lease = NULL;
	}
	from->npins = 0;
	return 0;
}

int fp_range_rereg(struct filepin_ctx *ctx, struct ibv_mr *mr, int flags,
		   struct ibv_pd *pd, void *addr, size_t length, int access)
{
	struct fp_mr_rec *nrec = NULL, *old;
	int ret, err, e;

	if (!(flags & IBV_REREG_MR_CHANGE_TRANSLATION) ||
	    (access & IBV_ACCESS_ON_DEMAND))
		return fp_verbs_rereg(&ctx->verbs, mr, flags, pd, addr, length,
				      access);

	/* rereg is rare: no cache, look at the new range afresh */
	err = fp_range_pin(ctx, addr, length, true, &nrec);
	if (err) {
		errno = -err;
		return IBV_REREG_MR_ERR_INPUT;	/* the MR is unchanged */
	}
	fp_lock(ctx);
	old = fp_mr_table_remove(&ctx->mrs, mr);
	fp_unlock(ctx);

	ret = fp_verbs_rereg(&ctx->verbs, mr, flags, pd, addr, length, access);
	e = errno;

	fp_lock(ctx);
	switch (ret) {
	case 0:
	case IBV_REREG_MR_ERR_DO_FORK_OLD:
		/* the new translation is in place */
		if (old) {
			fp_pinmgr_report_del(ctx, old);
			fp_mr_rec_free(ctx, old);
		}
		old = nrec;
		nrec = NULL;
		break;
	case IBV_REREG_MR_ERR_INPUT:
	case IBV_REREG_MR_ERR_DONT_FORK_NEW:
		/* the old translation stays */
		break;
	default:
		/* unknown state: keep every lease until the MR goes */
		fp_warn(ctx, "ibv_rereg_mr failed (%d): keeping the leases of the old and the new range until the MR is deregistered",
			ret);
		if (old && nrec && rec_merge(old, nrec)) {
			fp_err(ctx, "out of memory merging leases: some are released early");
		} else if (!old) {
			old = nrec;
			nrec = NULL;
		}
		break;
	}
	if (old) {
		old->mr = mr;
		if (fp_mr_rec_track(ctx, old)) {
			fp_err(ctx, "out of memory recording an MR: its leases are released");
			fp_mr_rec_free(ctx, old);
		}
	}
	fp_mr_rec_free(ctx, nrec);
	fp_unlock(ctx);
	errno = e;
	return ret;
}
