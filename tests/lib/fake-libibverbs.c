// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A fake libibverbs.so.1 for interpose.test: the registration functions
 * with the real library's symbol versions (fake-libibverbs.sym), a fake
 * device and PD, and the patched kernel's rule for DAX files: a range that
 * maps a file under $FAKE_DAX_DIR is refused with EPERM unless this process
 * holds a layout lease on it (asked of fake-kernel.so, preloaded).
 *
 * Like the real one, ibv_reg_mr() and ibv_reg_mr_iova() end in a call of
 * ibv_reg_mr_iova2() that symbol interposition can catch (the real one goes
 * through the PLT): the interposer must not lease twice.
 *
 * Every call is appended to $FAKE_VERBS_LOG, one line each.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#undef ibv_reg_mr
#undef ibv_reg_mr_iova

static struct ibv_device fake_device = { .name = "fake0" };
static struct ibv_device *fake_list[] = { &fake_device, NULL };

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	const char *path = getenv("FAKE_VERBS_LOG");
	char line[512];
	va_list ap;
	int fd, n;

	if (!path)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)!write(fd, line, (size_t)n);
		close(fd);
	}
}

struct ibv_device **ibv_get_device_list(int *num)
{
	if (num)
		*num = 1;
	return fake_list;
}

void ibv_free_device_list(struct ibv_device **list)
{
}

const char *ibv_get_device_name(struct ibv_device *device)
{
	return device->name;
}

struct ibv_context *ibv_open_device(struct ibv_device *device)
{
	struct ibv_context *c = calloc(1, sizeof(*c));

	if (c)
		c->device = device;
	return c;
}

int ibv_close_device(struct ibv_context *context)
{
	free(context);
	return 0;
}

struct ibv_pd *ibv_alloc_pd(struct ibv_context *context)
{
	struct ibv_pd *pd = calloc(1, sizeof(*pd));

	if (pd)
		pd->context = context;
	return pd;
}

int ibv_dealloc_pd(struct ibv_pd *pd)
{
	free(pd);
	return 0;
}

/* 0, or the path of a "DAX" file in the range without a lease (EPERM) */
static int kernel_check(void *addr, size_t length, char *why, size_t whylen)
{
	int (*held)(dev_t, ino_t) = (int (*)(dev_t, ino_t))dlsym(RTLD_DEFAULT,
							"fake_kernel_lease_held");
	const char *dax = getenv("FAKE_DAX_DIR");
	unsigned long long start, end, ino, lo = (uintptr_t)addr, hi = lo + length;
	unsigned int maj, min;
	char line[4352], path[4096];
	int ret = 0;
	FILE *f;

	if (!dax || !*dax)
		return 0;
	f = fopen("/proc/self/maps", "re");
	if (!f)
		return -EFAULT;
	while (fgets(line, sizeof(line), f)) {
		path[0] = 0;
		if (sscanf(line, "%llx-%llx %*s %*x %x:%x %llu %4095[^\n]", &start, &end,
			   &maj, &min, &ino, path) < 5)
			continue;
		if (end <= lo || start >= hi || strncmp(path, dax, strlen(dax)))
			continue;
		if (!held || !held(makedev(maj, min), (ino_t)ino)) {
			snprintf(why, whylen, "%s", path);
			ret = -EPERM;
			break;
		}
	}
	fclose(f);
	return ret;
}

static struct ibv_mr *new_mr(struct ibv_pd *pd, void *addr, size_t length)
{
	static uint32_t key;
	struct ibv_mr *mr = calloc(1, sizeof(*mr));

	if (!mr) {
		errno = ENOMEM;
		return NULL;
	}
	mr->context = pd ? pd->context : NULL;
	mr->pd = pd;
	mr->addr = addr;
	mr->length = length;
	mr->handle = ++key;
	mr->lkey = 0x100 + key;
	mr->rkey = 0x200 + key;
	return mr;
}

struct ibv_mr *ibv_reg_mr_iova2(struct ibv_pd *pd, void *addr, size_t length,
				uint64_t iova, unsigned int access)
{
	char why[4096];
	int err = kernel_check(addr, length, why, sizeof(why));

	if (err) {
		note("ibv_reg_mr_iova2 %zu EPERM %s", length, why);
		errno = -err;
		return NULL;
	}
	note("ibv_reg_mr_iova2 %zu ok", length);
	return new_mr(pd, addr, length);
}

/* The real ones tail-call ibv_reg_mr_iova2 through the PLT. */
static struct ibv_mr *call_iova2(struct ibv_pd *pd, void *addr, size_t length,
				 uint64_t iova, unsigned int access)
{
	struct ibv_mr *(*f)(struct ibv_pd *, void *, size_t, uint64_t, unsigned int);

	*(void **)&f = dlvsym(RTLD_DEFAULT, "ibv_reg_mr_iova2", "IBVERBS_1.8");
	return f(pd, addr, length, iova, access);
}

struct ibv_mr *ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t length, int access)
{
	note("ibv_reg_mr %zu", length);
	return call_iova2(pd, addr, length, (uintptr_t)addr, (unsigned int)access);
}

struct ibv_mr *ibv_reg_mr_iova(struct ibv_pd *pd, void *addr, size_t length,
			       uint64_t iova, int access)
{
	note("ibv_reg_mr_iova %zu", length);
	return call_iova2(pd, addr, length, iova, (unsigned int)access);
}

int ibv_dereg_mr(struct ibv_mr *mr)
{
	note("ibv_dereg_mr %zu", mr->length);
	free(mr);
	return 0;
}

int ibv_rereg_mr(struct ibv_mr *mr, int flags, struct ibv_pd *pd, void *addr,
		 size_t length, int access)
{
	if (flags & IBV_REREG_MR_CHANGE_TRANSLATION) {
		char why[4096];
		int err = kernel_check(addr, length, why, sizeof(why));

		if (err) {
			note("ibv_rereg_mr %zu EPERM %s", length, why);
			errno = -err;
			return IBV_REREG_MR_ERR_INPUT;
		}
		mr->addr = addr;
		mr->length = length;
	}
	note("ibv_rereg_mr %zu ok", length);
	return 0;
}
