// SPDX-License-Identifier: GPL-2.0
/*
 * fp-libpin - libfilepin's explicit API on a filepin kernel: register a
 * range of a DAX file with filepin_reg_mr(), move data through it with
 * loopback RDMA WRITE and READ, and check what the kernel says meanwhile
 * and after filepin_dereg_mr().  For the VM cases.
 *
 *   fp-libpin [-d DEV] [-g GID] [-o OFFSET] [-l LENGTH] [--iova] FILE
 *
 * Prints one line per check, "ok - ..." or "not ok - ...", and diagnostics
 * starting with "#".  Exit status: 0 all passed, 1 a check failed, 2 the
 * test could not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include <filepin.h>

#include "fp-util.h"

#define STAGING (1u << 20)

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

static __attribute__((format(printf, 6, 0)))
void log_fn(struct filepin_ctx *ctx, int priority, const char *file, int line,
	    const char *fn, const char *format, va_list args)
{
	printf("# libfilepin: ");
	vprintf(format, args);
	printf("\n");
}

/* a line of /proc/self/file_pins naming @path */
static int pinned(const char *path)
{
	char line[4608];
	int found = 0;
	FILE *f = fopen("/proc/self/file_pins", "re");

	if (!f) {
		printf("# /proc/self/file_pins: %s\n", strerror(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		printf("# file_pins: %s\n", line);
		if (strlen(line) > strlen(path) &&
		    !strcmp(line + strlen(line) - strlen(path), path))
			found = 1;
	}
	fclose(f);
	return found;
}

/* a /proc/locks line of a lease by this process on @st's inode */
static int leased(const struct stat *st)
{
	char line[512], want[64];
	int found = 0;
	FILE *f = fopen("/proc/locks", "re");

	if (!f)
		return 0;
	snprintf(want, sizeof(want), " %d %02x:%02x:%llu ", (int)getpid(),
		 major(st->st_dev), minor(st->st_dev), (unsigned long long)st->st_ino);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "LEASE") && strstr(line, want)) {
			printf("# locks: %s", line);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static void pattern(unsigned char *p, size_t len, uint64_t at, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((at + i) * 131 + seed);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "gid", required_argument, NULL, 'g' },
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "iova", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 }
	};
	const char *devname = "rxe0", *path;
	size_t off = 4096 + 512, len = 4u << 20, done, n;
	int gid = 1, use_iova = 0, c, fd, err;
	struct filepin_ctx *ctx;
	struct ibv_mr *mr = NULL;
	struct ibv_pd *pd;
	struct fp_loop loop;
	unsigned char *check_buf;
	struct stat st;
	char why[256] = "";

	while ((c = getopt_long(argc, argv, "d:g:o:l:i", opts, NULL)) != -1) {
		switch (c) {
		case 'd': devname = optarg; break;
		case 'g': gid = atoi(optarg); break;
		case 'o':
			if (fp_parse_size(optarg, &off))
				fp_die("invalid --offset '%s'", optarg);
			break;
		case 'l':
			if (fp_parse_size(optarg, &len) || !len)
				fp_die("invalid --length '%s'", optarg);
			break;
		case 'i': use_iova = 1; break;
		default: return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: fp-libpin [-d DEV] [-g GID] [-o OFF] [-l LEN] [--iova] FILE\n");
		return 2;
	}
	path = argv[optind];
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fp_extend(fd, off + len) || fstat(fd, &st))
		fp_die("%s: %s", path, strerror(errno));
	err = filepin_ctx_new(&ctx);
	if (err)
		fp_die("filepin_ctx_new: %s", strerror(-err));
	filepin_set_log_fn(ctx, log_fn);
	filepin_set_log_priority(ctx, LOG_INFO);
	pd = ibv_alloc_pd(fp_open_device(devname));
	if (!pd || fp_loop_open(&loop, pd, gid, STAGING))
		fp_die("cannot set up the RDMA device");
	check_buf = malloc(STAGING);

	err = filepin_reg_mr(ctx, pd, fd, off, len, IBV_ACCESS_LOCAL_WRITE |
			     IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
			     use_iova ? FILEPIN_REG_IOVA : 0, use_iova ? off : 0, &mr);
	check(!err, "filepin_reg_mr of %s", path);
	if (err) {
		printf("# filepin_reg_mr: %s (errno=%s)\n", strerror(-err), fp_errno_name(-err));
		return 1;
	}

	/* RDMA WRITE every byte, check with pread(); then the other way */
	for (done = 0; done < len && !why[0]; done += n) {
		char *raddr = use_iova ? (char *)(uintptr_t)(off + done) :
					 (char *)mr->addr + done;

		n = len - done < STAGING ? len - done : STAGING;
		pattern(loop.buf, n, off + done, 5);
		if (fp_loop_rdma(&loop, IBV_WR_RDMA_WRITE, raddr, mr->rkey, n))
			snprintf(why, sizeof(why), "RDMA WRITE at %zu failed", done);
		else if (pread(fd, check_buf, n, (off_t)(off + done)) != (ssize_t)n ||
			 memcmp(check_buf, loop.buf, n))
			snprintf(why, sizeof(why), "file bytes at %zu differ after RDMA WRITE",
				 off + done);
	}
	check(!why[0], "RDMA WRITE of the whole range landed in the file %s", why);
	why[0] = 0;
	for (done = 0; done < len && !why[0]; done += n) {
		char *raddr = use_iova ? (char *)(uintptr_t)(off + done) :
					 (char *)mr->addr + done;

		n = len - done < STAGING ? len - done : STAGING;
		pattern(check_buf, n, off + done, 9);
		if (pwrite(fd, check_buf, n, (off_t)(off + done)) != (ssize_t)n ||
		    fp_loop_rdma(&loop, IBV_WR_RDMA_READ, raddr, mr->rkey, n) ||
		    memcmp(check_buf, loop.buf, n))
			snprintf(why, sizeof(why), "RDMA READ at %zu does not see write()",
				 off + done);
	}
	check(!why[0], "RDMA READ sees what write() put in the file %s", why);

	errno = 0;
	err = ftruncate(fd, 0);
	snprintf(why, sizeof(why), "(%s)", err ? fp_errno_name(errno) : "it succeeded");
	check(err && errno == ETXTBSY, "truncate of the pinned file is refused with ETXTBSY %s", why);
	check(pinned(path), "/proc/self/file_pins lists %s", path);
	check(leased(&st), "/proc/locks shows our lease on %s", path);

	err = filepin_dereg_mr(ctx, mr);
	check(!err, "filepin_dereg_mr%s%s", err ? ": " : "", err ? strerror(-err) : "");
	check(!leased(&st), "after dereg /proc/locks shows no lease of ours on %s", path);
	check(!pinned(path), "after dereg /proc/self/file_pins does not list %s", path);
	check(!ftruncate(fd, 0), "after dereg truncate works");

	fp_loop_close(&loop);
	filepin_ctx_unref(ctx);
	free(check_buf);
	close(fd);
	return failed ? 1 : 0;
}
