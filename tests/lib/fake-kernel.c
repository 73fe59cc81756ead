// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fake-kernel.so, preloaded by interpose.test: what a filepin kernel would
 * do for the calls libfilepin makes, on a host without DAX or F_LAYOUT.
 *
 *  - statx() reports STATX_ATTR_DAX for files under $FAKE_DAX_DIR;
 *  - fcntl(F_SETLEASE, F_LAYOUT | F_EXCLUSIVE) on a regular file records a
 *    lease on that open file (EINVAL when $FAKE_KERNEL is "stock", the
 *    errno number $FAKE_LEASE_ERRNO when set); F_UNLCK and close() drop it;
 *    F_GETLEASE reports it;
 *  - fake_kernel_lease_held(dev, ino) tells the fake libibverbs whether the
 *    process holds one: a lease belongs to the process that took it (a
 *    forked child that inherits the descriptor does not hold it: the
 *    kernel's rule before the lease moved to the open file description);
 *  - fake_kernel_maps_opens() counts the open() calls of /proc/self/maps
 *    made through the PLT (the library's, not stdio's).
 * Lease events are appended to $FAKE_KERNEL_LOG ("lease PATH", "unlease
 * PATH").
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LAYOUT_EXCLUSIVE 48

int fake_kernel_lease_held(dev_t dev, ino_t ino);
int fake_kernel_maps_opens(void);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int fd;
	dev_t dev;
	ino_t ino;
	pid_t pid;
} leases[256];
static int nleases;
static int maps_opens;

static void fd_path(int fd, char *buf, size_t size)
{
	char proc[64];
	ssize_t n;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, buf, size - 1);
	buf[n > 0 ? n : 0] = 0;
}

static void note(const char *what, int fd)
{
	const char *log = getenv("FAKE_KERNEL_LOG");
	char path[4096], line[4200];
	int (*real_close)(int);
	int lfd, n;

	if (!log)
		return;
	fd_path(fd, path, sizeof(path));
	n = snprintf(line, sizeof(line), "%s %s\n", what, path);
	lfd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0)
		return;
	(void)!write(lfd, line, (size_t)n);
	*(void **)&real_close = dlsym(RTLD_NEXT, "close");
	real_close(lfd);
}

int fake_kernel_lease_held(dev_t dev, ino_t ino)
{
	int i, held = 0;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nleases; i++)
		if (leases[i].dev == dev && leases[i].ino == ino &&
		    leases[i].pid == getpid())
			held = 1;
	pthread_mutex_unlock(&lock);
	return held;
}

static int drop(int fd)
{
	int i, found = 0;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nleases; i++) {
		if (leases[i].fd == fd) {
			/*
			 * A forked child closing its copy of the parent's
			 * descriptor: the lease stays the parent's.
			 */
			found = leases[i].pid == getpid();
			leases[i] = leases[--nleases];
			break;
		}
	}
	pthread_mutex_unlock(&lock);
	if (found)
		note("unlease", fd);
	return found;
}

static int setlease(int fd, long arg)
{
	const char *k = getenv("FAKE_KERNEL"), *e = getenv("FAKE_LEASE_ERRNO");
	struct stat st;

	if (arg == F_UNLCK) {
		drop(fd);
		return 0;
	}
	if ((k && !strcmp(k, "stock")) || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	if (e && atoi(e) > 0) {
		errno = atoi(e);
		return -1;
	}
	pthread_mutex_lock(&lock);
	if (nleases < (int)(sizeof(leases) / sizeof(leases[0]))) {
		leases[nleases].fd = fd;
		leases[nleases].dev = st.st_dev;
		leases[nleases].ino = st.st_ino;
		leases[nleases].pid = getpid();
		nleases++;
	}
	pthread_mutex_unlock(&lock);
	note("lease", fd);
	return 0;
}

static int getlease(int fd)
{
	int i, got = -1;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nleases; i++)
		if (leases[i].fd == fd)
			got = LAYOUT_EXCLUSIVE;
	pthread_mutex_unlock(&lock);
	return got;
}

static int do_fcntl(const char *name, int fd, int cmd, void *arg)
{
	int (*real)(int, int, ...);

	if (cmd == F_SETLEASE && ((long)arg == LAYOUT_EXCLUSIVE ||
				  ((long)arg == F_UNLCK && getlease(fd) >= 0)))
		return setlease(fd, (long)arg);
	if (cmd == F_GETLEASE && getlease(fd) >= 0)
		return LAYOUT_EXCLUSIVE;
	*(void **)&real = dlsym(RTLD_NEXT, name);
	return real(fd, cmd, arg);
}

int fcntl(int fd, int cmd, ...);
int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl("fcntl", fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...);
int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return do_fcntl("fcntl64", fd, cmd, arg);
}

int close(int fd)
{
	int (*real)(int);

	drop(fd);
	*(void **)&real = dlsym(RTLD_NEXT, "close");
	return real(fd);
}

int statx(int dirfd, const char *path, int flags, unsigned int mask,
	  struct statx *buf)
{
	int (*real)(int, const char *, int, unsigned int, struct statx *);
	const char *dax = getenv("FAKE_DAX_DIR");
	char target[4096];
	int ret;

	*(void **)&real = dlsym(RTLD_NEXT, "statx");
	ret = real(dirfd, path, flags, mask, buf);
	if (ret || !dax || !*dax)
		return ret;
	if ((flags & AT_EMPTY_PATH) && !*path)
		fd_path(dirfd, target, sizeof(target));
	else
		snprintf(target, sizeof(target), "%s", path);
	buf->stx_attributes_mask |= STATX_ATTR_DAX;
	if (!strncmp(target, dax, strlen(dax)))
		buf->stx_attributes |= STATX_ATTR_DAX;
	else
		buf->stx_attributes &= ~(uint64_t)STATX_ATTR_DAX;
	return 0;
}

int fake_kernel_maps_opens(void)
{
	return __atomic_load_n(&maps_opens, __ATOMIC_SEQ_CST);
}

static void count_open(const char *path)
{
	if (path && !strcmp(path, "/proc/self/maps"))
		__atomic_add_fetch(&maps_opens, 1, __ATOMIC_SEQ_CST);
}

static int do_open(const char *name, int at, int dirfd, const char *path,
		   int flags, va_list ap)
{
	mode_t mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;

	count_open(path);
	if (!at) {
		int (*real)(const char *, int, ...);

		*(void **)&real = dlsym(RTLD_NEXT, name);
		return real(path, flags, mode);
	} else {
		int (*real)(int, const char *, int, ...);

		*(void **)&real = dlsym(RTLD_NEXT, name);
		return real(dirfd, path, flags, mode);
	}
}

#define OPEN_WRAPPER(name)					\
int name(const char *path, int flags, ...);			\
int name(const char *path, int flags, ...)			\
{								\
	va_list ap;						\
	int fd;							\
								\
	va_start(ap, flags);					\
	fd = do_open(#name, 0, AT_FDCWD, path, flags, ap);	\
	va_end(ap);						\
	return fd;						\
}

#define OPENAT_WRAPPER(name)					\
int name(int dirfd, const char *path, int flags, ...);		\
int name(int dirfd, const char *path, int flags, ...)		\
{								\
	va_list ap;						\
	int fd;							\
								\
	va_start(ap, flags);					\
	fd = do_open(#name, 1, dirfd, path, flags, ap);	\
	va_end(ap);						\
	return fd;						\
}

OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)
