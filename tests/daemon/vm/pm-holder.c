// SPDX-License-Identifier: GPL-2.0
/*
 * pm-holder - a libfilepin program (explicit API) that pins a range of a
 * DAX file and answers pinmgr's revoke requests, for the pinmgr VM cases.
 *
 *   pm-holder [-d DEV] [-o OFF] [-l LEN] [--refuse | --no-revoke] [--times] FILE
 *
 * Registers [OFF, OFF+LEN) of FILE with filepin_reg_mr() (the file is
 * extended to OFF+LEN), prints "ready lkey=0x.. rkey=0x..", then serves
 * pinmgr (filepin_dispatch) and commands on stdin, one per line:
 *   pin     register again (after a revoke or dereg); "ok pin" / "fail pin why"
 *   dereg   filepin_dereg_mr(); "ok dereg"
 *   quit    exit
 * A revoke request deregisters the MR and prints "revoked" (--refuse: it
 * is refused, "refused"; --no-revoke: no callback, the library refuses).
 * --times: "revoked cb_us=T1 done_us=T2", the monotonic microseconds when
 * the callback was called and when its dereg returned (pm-bench break).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include <filepin.h>

#include "fp-util.h"

static struct ibv_mr *mr;
static int refuse, times;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int on_revoke(struct filepin_ctx *ctx, struct ibv_mr *m, void *data)
{
	long long cb_us = now_us();
	int err;

	if (refuse) {
		printf("refused\n");
		return -EBUSY;
	}
	err = filepin_dereg_mr(ctx, m);
	if (m == mr)
		mr = NULL;
	if (times)
		printf("revoked cb_us=%lld done_us=%lld%s%s\n", cb_us, now_us(),
		       err ? " error " : "", err ? strerror(-err) : "");
	else
		printf("revoked%s%s\n", err ? " error " : "", err ? strerror(-err) : "");
	return err;
}

static __attribute__((format(printf, 6, 0)))
void log_fn(struct filepin_ctx *ctx, int priority, const char *file, int line,
	    const char *fn, const char *format, va_list args)
{
	fprintf(stderr, "libfilepin: ");
	vfprintf(stderr, format, args);
	fprintf(stderr, "\n");
}

static int pin(struct filepin_ctx *ctx, struct ibv_pd *pd, int fd, size_t off,
	       size_t len)
{
	if (fp_extend(fd, off + len))
		return -errno;
	return filepin_reg_mr(ctx, pd, fd, off, len, IBV_ACCESS_LOCAL_WRITE |
			      IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
			      FILEPIN_REG_IOVA, off, &mr);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "refuse", no_argument, NULL, 'r' },
		{ "no-revoke", no_argument, NULL, 'n' },
		{ "times", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = "rxe0";
	size_t off = 0, len = 1 << 20;
	int c, fd, err, revoke = 1;
	struct filepin_ctx *ctx;
	struct ibv_pd *pd;
	char line[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "d:o:l:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'o':
			if (fp_parse_size(optarg, &off))
				fp_die("invalid --offset '%s'", optarg);
			break;
		case 'l':
			if (fp_parse_size(optarg, &len) || !len)
				fp_die("invalid --length '%s'", optarg);
			break;
		case 'r': refuse = 1; break;
		case 'n': revoke = 0; break;
		case 't': times = 1; break;
		default: return 2;
		}
	}
	if (optind != argc - 1)
		fp_die("usage: pm-holder [-d DEV] [-o OFF] [-l LEN] [--refuse|--no-revoke] [--times] FILE");
	fd = open(argv[optind], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		fp_die("%s: %s", argv[optind], strerror(errno));
	err = filepin_ctx_new(&ctx);
	if (err)
		fp_die("filepin_ctx_new: %s", strerror(-err));
	filepin_set_log_fn(ctx, log_fn);
	filepin_set_log_priority(ctx, LOG_INFO);
	if (revoke)
		filepin_set_revoke_fn(ctx, on_revoke, NULL);
	pd = ibv_alloc_pd(fp_open_device(dev));
	if (!pd)
		fp_die("ibv_alloc_pd: %s", strerror(errno));
	err = pin(ctx, pd, fd, off, len);
	if (err) {
		printf("filepin_reg_mr: %s (errno=%s)\n", strerror(-err), fp_errno_name(-err));
		return 1;
	}
	printf("ready lkey=0x%x rkey=0x%x\n", mr->lkey, mr->rkey);
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = filepin_get_fd(ctx), .events = POLLIN },
			{ .fd = STDIN_FILENO, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			fp_die("poll: %s", strerror(errno));
		if (p[0].revents)
			filepin_dispatch(ctx);
		if (!p[1].revents)
			continue;
		if (!fgets(line, sizeof(line), stdin) || !strncmp(line, "quit", 4))
			break;
		if (!strncmp(line, "pin", 3)) {
			err = mr ? -EBUSY : pin(ctx, pd, fd, off, len);
			if (err)
				printf("fail pin %s\n", strerror(-err));
			else
				printf("ok pin lkey=0x%x rkey=0x%x\n", mr->lkey, mr->rkey);
		} else if (!strncmp(line, "dereg", 5)) {
			err = mr ? filepin_dereg_mr(ctx, mr) : -ENOENT;
			mr = NULL;
			printf("%s dereg%s%s\n", err ? "fail" : "ok", err ? " " : "",
			       err ? strerror(-err) : "");
		} else {
			printf("fail %s", line);
		}
	}
	if (mr)
		filepin_dereg_mr(ctx, mr);
	filepin_ctx_unref(ctx);
	return 0;
}
