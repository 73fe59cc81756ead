// SPDX-License-Identifier: GPL-2.0
/*
 * fp-fork - fork() with libfilepin on a filepin kernel (libfilepin(3),
 * FORK).  Linked with -lfilepin before -libverbs, an unmodified-style
 * program: the parent registers a MAP_SHARED mapping of a DAX file with
 * ibv_reg_mr() (the library takes the lease), forks, and the child maps the
 * same file and registers it on a device context of its own.
 *
 *   fp-fork [-d DEV] FILE
 *
 * Prints "ok - ..." / "not ok - ..." per check and "#" diagnostics.
 * Exit status: 0 all passed, 1 a check failed, 2 the test could not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fp-util.h"

#define LEN (2u << 20)

static int failed;

static __attribute__((format(printf, 2, 3)))
void check(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok - ", cond ? "" : "not ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		failed++;
}

/* Whether /proc/locks shows a LEASE of process @pid on inode @ino. */
static int lease_of(pid_t pid, ino_t ino)
{
	char line[512], suffix[64];
	FILE *f = fopen("/proc/locks", "re");
	int found = 0;

	if (!f)
		return -1;
	snprintf(suffix, sizeof(suffix), ":%llu ", (unsigned long long)ino);
	while (fgets(line, sizeof(line), f)) {
		char kind[16];
		int p;

		if (sscanf(line, "%*s %15s %*s %*s %d", kind, &p) == 2 &&
		    !strcmp(kind, "LEASE") && p == pid && strstr(line, suffix))
			found = 1;
	}
	fclose(f);
	return found;
}

/* Whether /proc/self/file_pins has a line for inode @ino. */
static int pinned(ino_t ino)
{
	char line[4352], needle[64];
	FILE *f = fopen("/proc/self/file_pins", "re");
	int found = 0;

	if (!f)
		return -1;
	snprintf(needle, sizeof(needle), " %llu ", (unsigned long long)ino);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, needle))
			found = 1;
	fclose(f);
	return found;
}

static void *map_file(const char *path, int *fdp, ino_t *ino)
{
	struct stat st;
	void *p;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fp_extend(fd, LEN) || fstat(fd, &st))
		fp_die("%s: %s", path, strerror(errno));
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		fp_die("mmap %s: %s", path, strerror(errno));
	memset(p, 0x5a, 4096);
	*fdp = fd;
	*ino = st.st_ino;
	return p;
}

static int child(const char *dev, const char *path, ino_t ino)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	ino_t ino2;
	void *map;
	int fd;

	/* a device context of its own: the parent's is the parent's */
	ctx = fp_open_device(dev);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	if (!pd)
		fp_die("child: ibv_alloc_pd: %s", strerror(errno));
	map = map_file(path, &fd, &ino2);
	errno = 0;
	mr = ibv_reg_mr(pd, map, LEN, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	check(mr != NULL, "child: ibv_reg_mr of its own mapping of the file the parent pinned%s%s",
	      mr ? "" : ": ", mr ? "" : strerror(errno));
	if (mr) {
		check(lease_of(getpid(), ino) == 1,
		      "child: /proc/locks shows a lease of the child's own");
		check(pinned(ino) == 1, "child: its /proc/self/file_pins lists the file");
		check(!ibv_dereg_mr(mr), "child: ibv_dereg_mr");
		check(lease_of(getpid(), ino) == 0, "child: its lease is released with its MR");
	}
	munmap(map, LEN);
	close(fd);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *dev = "rxe0", *path;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	int fd, status;
	ino_t ino;
	void *map;
	pid_t pid;

	if (argc == 4 && !strcmp(argv[1], "-d")) {
		dev = argv[2];
		path = argv[3];
	} else if (argc == 2) {
		path = argv[1];
	} else {
		fprintf(stderr, "usage: fp-fork [-d DEV] FILE\n");
		return 2;
	}
	ctx = fp_open_device(dev);
	pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	if (!pd)
		fp_die("ibv_alloc_pd: %s", strerror(errno));
	map = map_file(path, &fd, &ino);
	mr = ibv_reg_mr(pd, map, LEN, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!mr) {
		printf("# parent: ibv_reg_mr: %s\n", strerror(errno));
		return 2;
	}
	check(lease_of(getpid(), ino) == 1, "parent: registered, /proc/locks shows its lease");

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fp_die("fork: %s", strerror(errno));
	if (!pid)
		_exit(child(dev, path, ino));
	if (waitpid(pid, &status, 0) != pid)
		fp_die("waitpid: %s", strerror(errno));
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child exits 0");
	check(lease_of(getpid(), ino) == 1, "parent: its lease survives the child");
	check(ftruncate(fd, 0) && errno == ETXTBSY,
	      "parent: truncate is still refused with ETXTBSY while its MR exists");
	check(!ibv_dereg_mr(mr), "parent: ibv_dereg_mr");
	check(lease_of(getpid(), ino) == 0, "parent: its lease is released with its MR");
	check(!ftruncate(fd, 0), "parent: truncate works after dereg");
	munmap(map, LEN);
	close(fd);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	return failed ? 1 : 0;
}
