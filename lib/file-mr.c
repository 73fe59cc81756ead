// SPDX-License-Identifier: LGPL-2.1-or-later
/* The explicit API: register a range of a file, deregister it. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "filepin-private.h"

#define WRITE_ACCESS (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		      IBV_ACCESS_REMOTE_ATOMIC)

int filepin_reg_mr(struct filepin_ctx *ctx, struct ibv_pd *pd, int fd,
		   uint64_t offset, size_t length, unsigned int access,
		   unsigned int flags, uint64_t iova, struct ibv_mr **mrp)
{
	struct fp_reg_args a = { .pd = pd, .length = length, .access = access };
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), aligned;
	struct fp_mr_rec *rec = NULL;
	struct fp_lease *lease;
	struct ibv_mr *mr;
	struct stat st;
	size_t maplen;
	void *map;
	int err, e;

	if (!ctx || !pd || !mrp || fd < 0 || !length ||
	    (flags & ~(unsigned int)FILEPIN_REG_IOVA) ||
	    offset + length < offset || offset > (uint64_t)INT64_MAX)
		return -EINVAL;
	if (access & IBV_ACCESS_ON_DEMAND) {
		fp_err(ctx, "filepin_reg_mr: IBV_ACCESS_ON_DEMAND needs no lease: use ibv_reg_mr()");
		return -EINVAL;
	}
	if (!fp_ctx_verbs_ready(ctx))
		return -ENOSYS;
	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode) && offset + length > (uint64_t)st.st_size) {
		fp_err(ctx, "filepin_reg_mr: range %llu+%zu ends beyond the end of the file (%lld bytes)",
		       (unsigned long long)offset, length, (long long)st.st_size);
		return -EINVAL;
	}

	fp_lock(ctx);
	err = fp_lease_get_fd(ctx, fd, &lease);
	if (!err) {
		rec = fp_mr_rec_new();
		err = rec ? fp_mr_rec_add_pin(rec, lease, offset, length) : -ENOMEM;
		if (err) {
			fp_mr_rec_free(ctx, rec);
			fp_lease_put(ctx, lease);
			rec = NULL;
		}
	}
	fp_unlock(ctx);
	if (err)
		return err;

	aligned = offset & ~(page - 1);
	maplen = (size_t)(offset - aligned) + length;
	map = mmap(NULL, maplen, PROT_READ | ((access & WRITE_ACCESS) ? PROT_WRITE : 0),
		   MAP_SHARED, fd, (off_t)aligned);
	if (map == MAP_FAILED) {
		err = -errno;
		fp_err(ctx, "%s: mmap of %zu bytes at %llu failed: %s%s",
		       lease->path, maplen, (unsigned long long)aligned,
		       strerror(-err),
		       err == -EACCES ? " (a writable registration needs the file open read-write)" : "");
		goto fail;
	}
	a.addr = (char *)map + (offset - aligned);
	a.kind = FP_REG_MR_IOVA2;
	a.iova = flags & FILEPIN_REG_IOVA ? iova : (uintptr_t)a.addr;
	mr = fp_verbs_reg(&ctx->verbs, &a);
	if (!mr) {
		e = errno;
		err = e ? -e : -EIO;
		fp_err(ctx, "%s: ibv_reg_mr of %llu+%zu failed: %s", lease->path,
		       (unsigned long long)offset, length, strerror(e));
		munmap(map, maplen);
		goto fail;
	}
	rec->mr = mr;
	rec->map = map;
	rec->maplen = maplen;
	fp_lock(ctx);
	err = fp_mr_rec_track(ctx, rec);
	fp_unlock(ctx);
	if (err) {
		fp_verbs_dereg(&ctx->verbs, mr);
		munmap(map, maplen);
		goto fail;
	}
	fp_info(ctx, "%s: registered %llu+%zu, lkey 0x%x rkey 0x%x", lease->path,
		(unsigned long long)offset, length, mr->lkey, mr->rkey);
	*mrp = mr;
	return 0;
fail:
	fp_lock(ctx);
	fp_mr_rec_free(ctx, rec);
	fp_unlock(ctx);
	return err;
}

int filepin_dereg_mr(struct filepin_ctx *ctx, struct ibv_mr *mr)
{
	struct fp_mr_rec *rec;
	int ret;

	if (!ctx || !mr)
		return -EINVAL;
	fp_lock(ctx);
	rec = fp_mr_table_remove(&ctx->mrs, mr);
	fp_unlock(ctx);
	if (!rec || !rec->map) {
		fp_err(ctx, "filepin_dereg_mr: %p was not registered with filepin_reg_mr() on this context",
		       (void *)mr);
		if (rec) {
			fp_lock(ctx);
			fp_mr_table_add(&ctx->mrs, rec);
			fp_unlock(ctx);
		}
		return -ENOENT;
	}
	ret = fp_verbs_dereg(&ctx->verbs, mr);
	fp_lock(ctx);
	if (ret) {
		fp_mr_table_add(&ctx->mrs, rec);
		fp_unlock(ctx);
		fp_err(ctx, "ibv_dereg_mr failed: %s", strerror(ret));
		return -ret;
	}
	fp_pinmgr_report_del(ctx, rec);
	munmap(rec->map, rec->maplen);
	fp_mr_rec_free(ctx, rec);
	fp_unlock(ctx);
	return 0;
}
