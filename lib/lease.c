// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Exclusive layout leases, one per inode, shared by every MR of a context
 * that pins the inode and released with the last of them.
 *
 * The lease sits on a file descriptor of our own, opened O_RDONLY: a lease
 * belongs to an open file description, so sharing the application's (by
 * dup()) would let its F_SETLEASE F_UNLCK or close() drop ours.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "filepin-private.h"

#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

static int default_is_dax(struct filepin_ctx *ctx, int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BASIC_STATS,
		  &stx))
		return -errno;
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return 0;	/* the kernel cannot tell: not DAX to us */
	return !!(stx.stx_attributes & STATX_ATTR_DAX);
}

static int default_set_lease(struct filepin_ctx *ctx, int fd, int arg)
{
	return fcntl(fd, F_SETLEASE, arg) ? -errno : 0;
}

const struct fp_ops fp_default_ops = {
	.is_dax = default_is_dax,
	.set_lease = default_set_lease,
	.maps_path = "/proc/self/maps",
};

struct fp_lease *fp_lease_find(struct filepin_ctx *ctx, uint32_t major,
			       uint32_t minor, uint64_t ino)
{
	struct fp_lease *l;

	for (l = ctx->leases.head; l; l = l->next)
		if (l->ino == ino && l->major == major && l->minor == minor)
			return l;
	return NULL;
}

static bool same_inode(const struct stat *st, uint32_t major, uint32_t minor,
		       uint64_t ino)
{
	return major(st->st_dev) == major && minor(st->st_dev) == minor &&
	       st->st_ino == ino;
}

/*
 * Open @path if it names a regular file with that device and inode (looked
 * at before the open, so that a device node is never opened, and after).
 * -ESTALE: another file; -EINVAL: not a regular file; else open()'s error.
 */
static int open_checked(int dirfd, const char *path, uint32_t major,
			uint32_t minor, uint64_t ino)
{
	struct stat st;
	int fd;

	if (fstatat(dirfd, path, &st, 0))
		return -errno;
	if (!same_inode(&st, major, minor, ino))
		return -ESTALE;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	fd = openat(dirfd, path, OPEN_FLAGS);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !same_inode(&st, major, minor, ino)) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

/* An open fd of this process on the inode, reopened through /proc. */
static int open_from_fds(uint32_t major, uint32_t minor, uint64_t ino)
{
	struct dirent *de;
	int fd = -ENOENT;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) ||
		    !same_inode(&st, major, minor, ino))
			continue;
		fd = open_checked(dirfd(d), de->d_name, major, minor, ino);
		if (fd >= 0 || fd == -EINVAL)
			break;
	}
	closedir(d);
	return fd;
}

/* Open the file behind @v: see fp_lease_get_vma(). */
static int open_vma(struct filepin_ctx *ctx, const struct fp_vma *v)
{
	char path[PATH_MAX];
	int fd;

	if (!ctx->ops->no_map_files) {
		snprintf(path, sizeof(path), "/proc/self/map_files/%llx-%llx",
			 (unsigned long long)v->start, (unsigned long long)v->end);
		fd = open_checked(AT_FDCWD, path, v->major, v->minor, v->ino);
		if (fd >= 0 || fd == -EINVAL)
			return fd;
		fp_dbg(ctx, "%s: %s", path, strerror(-fd));
	}
	if (!(v->flags & FP_VMA_DELETED)) {
		fd = open_checked(AT_FDCWD, v->path, v->major, v->minor, v->ino);
		if (fd >= 0 || fd == -EINVAL)
			return fd;
		fp_dbg(ctx, "%s: %s", v->path, strerror(-fd));
	} else if (snprintf(path, sizeof(path), "%s (deleted)", v->path) <
		   (int)sizeof(path)) {
		/* a file that is really called "... (deleted)" */
		fd = open_checked(AT_FDCWD, path, v->major, v->minor, v->ino);
		if (fd >= 0 || fd == -EINVAL)
			return fd;
	}
	fd = open_from_fds(v->major, v->minor, v->ino);
	if (fd < 0 && fd != -EINVAL)
		fp_dbg(ctx, "no open file descriptor on %s: %s", v->path,
		       strerror(-fd));
	return fd;
}

/* Take the lease on @fd (ours from now on) and add it to the table. */
static int lease_take(struct filepin_ctx *ctx, int fd, uint32_t major,
		      uint32_t minor, uint64_t ino, const char *path,
		      struct fp_lease **out)
{
	struct fp_lease *l;
	int err;

	/*
	 * Before the kernel can see the lease: a registration that went to the
	 * kernel first (range.c) learns that it may have pinned under it.
	 */
	__atomic_add_fetch(&ctx->leases.gen, 1, __ATOMIC_SEQ_CST);
	err = ctx->ops->set_lease(ctx, fd, FP_LEASE_ARG);
	if (err) {
		close(fd);
		switch (err) {
		case -EINVAL:
			fp_err(ctx, "%s: the kernel refused an exclusive layout lease (F_SETLEASE F_LAYOUT|F_EXCLUSIVE: EINVAL): it lacks filepin, so memory of this DAX file cannot be registered (use a filepin kernel, device DAX or on-demand paging)",
			       path);
			return -EOPNOTSUPP;
		case -EACCES:
		case -EPERM:
			fp_err(ctx, "%s: may not take a layout lease (%s): the process must own the file or have CAP_LEASE",
			       path, strerror(-err));
			return err;
		case -EAGAIN:
			fp_err(ctx, "%s: cannot take a layout lease: a conflicting lease is held on the file (EAGAIN)",
			       path);
			return err;
		default:
			fp_err(ctx, "%s: F_SETLEASE F_LAYOUT|F_EXCLUSIVE failed: %s",
			       path, strerror(-err));
			return err;
		}
	}
	l = calloc(1, sizeof(*l));
	if (l)
		l->path = strdup(path);
	if (!l || !l->path) {
		free(l);
		ctx->ops->set_lease(ctx, fd, F_UNLCK);
		close(fd);
		return -ENOMEM;
	}
	l->major = major;
	l->minor = minor;
	l->ino = ino;
	l->fd = fd;
	l->refs = 1;
	l->next = ctx->leases.head;
	ctx->leases.head = l;
	__atomic_add_fetch(&ctx->leases.n, 1, __ATOMIC_SEQ_CST);
	fp_info(ctx, "%s: exclusive layout lease taken (dev %u:%u ino %llu)",
		path, major, minor, (unsigned long long)ino);
	*out = l;
	return 0;
}

int fp_lease_get_vma(struct filepin_ctx *ctx, const struct fp_vma *v,
		     struct fp_lease **lease, enum fp_verdict *verdict)
{
	struct fp_lease *l;
	int fd, dax;

	*lease = NULL;
	l = fp_lease_find(ctx, v->major, v->minor, v->ino);
	if (l) {
		l->refs++;
		*lease = l;
		return 0;
	}
	fd = open_vma(ctx, v);
	if (fd == -EINVAL) {
		*verdict = FP_VERDICT_NOT_DAX;	/* not a regular file */
		return 0;
	}
	if (fd < 0) {
		fp_warn(ctx, "cannot open %s%s, mapped at 0x%llx-0x%llx (%s): no lease can be taken on it, so if it is a DAX file, registering this range will fail",
			v->path, v->flags & FP_VMA_DELETED ? " (deleted)" : "",
			(unsigned long long)v->start, (unsigned long long)v->end,
			strerror(-fd));
		*verdict = FP_VERDICT_NO_ACCESS;
		return 0;
	}
	dax = ctx->ops->is_dax(ctx, fd);
	if (dax <= 0) {
		if (dax < 0)
			fp_warn(ctx, "%s: statx failed: %s", v->path, strerror(-dax));
		else
			fp_dbg(ctx, "%s: not DAX", v->path);
		close(fd);
		*verdict = FP_VERDICT_NOT_DAX;
		return 0;
	}
	return lease_take(ctx, fd, v->major, v->minor, v->ino, v->path, lease);
}

int fp_lease_get_fd(struct filepin_ctx *ctx, int fd, struct fp_lease **lease)
{
	char proc[64], path[PATH_MAX];
	struct fp_lease *l;
	struct stat st;
	ssize_t n;
	int ours, dax;

	if (fstat(fd, &st))
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 1);
	if (n <= 0)
		snprintf(path, sizeof(path), "fd %d", fd);
	else
		path[n] = 0;
	if (!S_ISREG(st.st_mode)) {
		fp_err(ctx, "%s: not a regular file", path);
		return -EINVAL;
	}
	l = fp_lease_find(ctx, major(st.st_dev), minor(st.st_dev), st.st_ino);
	if (l) {
		l->refs++;
		*lease = l;
		return 0;
	}
	ours = open_checked(AT_FDCWD, proc, major(st.st_dev), minor(st.st_dev),
			    st.st_ino);
	if (ours < 0) {
		fp_err(ctx, "%s: cannot open it again through %s: %s", path,
		       proc, strerror(-ours));
		return ours;
	}
	dax = ctx->ops->is_dax(ctx, ours);
	if (dax <= 0) {
		close(ours);
		if (dax < 0) {
			fp_err(ctx, "%s: statx failed: %s", path, strerror(-dax));
			return dax;
		}
		fp_err(ctx, "%s: not a DAX file (statx shows no STATX_ATTR_DAX): filepin registers files on a file system mounted with -o dax (dax=always), or with the DAX attribute set",
		       path);
		return -EOPNOTSUPP;
	}
	return lease_take(ctx, ours, major(st.st_dev), minor(st.st_dev),
			  st.st_ino, path, lease);
}

/*
 * Whether our fd still holds the lease's file: a program that closes every
 * descriptor it does not know (closefrom(), a daemon's start-up) may have
 * closed it, and the number may now be one of its own files.
 */
static bool still_ours(const struct fp_lease *l)
{
	struct stat st;

	return !fstat(l->fd, &st) && same_inode(&st, l->major, l->minor, l->ino);
}

static void lease_close(struct filepin_ctx *ctx, struct fp_lease *l)
{
	int err;

	if (!still_ours(l)) {
		fp_warn(ctx, "%s: our file descriptor %d was closed behind our back: the lease went with it",
			l->path, l->fd);
		return;
	}
	err = ctx->ops->set_lease(ctx, l->fd, F_UNLCK);
	if (err)
		fp_warn(ctx, "%s: releasing the lease failed: %s (closing the file releases it)",
			l->path, strerror(-err));
	close(l->fd);
}

void fp_lease_put(struct filepin_ctx *ctx, struct fp_lease *lease)
{
	struct fp_lease **pp;

	if (--lease->refs)
		return;
	for (pp = &ctx->leases.head; *pp; pp = &(*pp)->next) {
		if (*pp == lease) {
			*pp = lease->next;
			__atomic_sub_fetch(&ctx->leases.n, 1, __ATOMIC_SEQ_CST);
			break;
		}
	}
	lease_close(ctx, lease);
	fp_info(ctx, "%s: lease released", lease->path);
	free(lease->path);
	free(lease);
}

void fp_lease_table_release(struct filepin_ctx *ctx)
{
	struct fp_lease *l;

	while ((l = ctx->leases.head)) {
		ctx->leases.head = l->next;
		lease_close(ctx, l);
		free(l->path);
		free(l);
	}
	__atomic_store_n(&ctx->leases.n, 0, __ATOMIC_SEQ_CST);
}

void fp_lease_table_forget(struct filepin_ctx *ctx)
{
	struct fp_lease *l;

	while ((l = ctx->leases.head)) {
		ctx->leases.head = l->next;
		if (still_ours(l))
			close(l->fd);
		free(l->path);
		free(l);
	}
	__atomic_store_n(&ctx->leases.n, 0, __ATOMIC_SEQ_CST);
}
