// SPDX-License-Identifier: GPL-2.0
/*
 * fp-bench - time ibv_reg_mr/ibv_dereg_mr, for libfilepin's cost ratios.
 * An ordinary ibverbs program: run it with and without
 * LD_PRELOAD=libfilepin.so.1 and divide.
 *
 *   fp-bench regloop [-d DEV] [-n COUNT] [-s SIZE]
 *	COUNT registrations and deregistrations of SIZE-byte anonymous
 *	buffers (a pool of 64 buffers allocated up front, used in turn);
 *	prints "regloop COUNT SIZE NS_PER_PAIR"
 *   fp-bench reg [-d DEV] (--anon | --file PATH) [-l LEN] [-r REPEAT]
 *	registers LEN bytes (anonymous, or a MAP_SHARED mapping of PATH, which
 *	is extended to LEN) REPEAT times; prints "reg LEN SECONDS", the median
 *	time of one ibv_reg_mr
 *
 * Exit status: 0, 1 when a registration fails (errno printed), 2 on misuse.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#define POOL 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g':
		v <<= 10;
		/* fall through */
	case 'M': case 'm':
		v <<= 10;
		/* fall through */
	case 'K': case 'k':
		v <<= 10;
		end++;
		break;
	}
	if (*end || !v) {
		fprintf(stderr, "fp-bench: invalid size '%s'\n", s);
		exit(2);
	}
	return (size_t)v;
}

static struct ibv_pd *open_pd(const char *name)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	struct ibv_pd *pd;
	int i, n;

	list = ibv_get_device_list(&n);
	for (i = 0; list && i < n && !ctx; i++)
		if (!name || !strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!ctx) {
		fprintf(stderr, "fp-bench: cannot open RDMA device %s\n", name ? name : "(any)");
		exit(2);
	}
	pd = ibv_alloc_pd(ctx);
	if (!pd) {
		fprintf(stderr, "fp-bench: ibv_alloc_pd: %s\n", strerror(errno));
		exit(2);
	}
	return pd;
}

static int regloop(struct ibv_pd *pd, long count, size_t size)
{
	char *pool = mmap(NULL, POOL * size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	double t0, t1;
	long i;

	if (pool == MAP_FAILED) {
		fprintf(stderr, "fp-bench: mmap: %s\n", strerror(errno));
		return 2;
	}
	memset(pool, 1, POOL * size);
	/* warm up: the first registration finds the maps, faults, etc. */
	for (i = 0; i < POOL; i++) {
		struct ibv_mr *mr = ibv_reg_mr(pd, pool + i * size, size,
					       IBV_ACCESS_LOCAL_WRITE);

		if (!mr || ibv_dereg_mr(mr)) {
			printf("ibv_reg_mr: %s\n", strerror(errno));
			return 1;
		}
	}
	t0 = now();
	for (i = 0; i < count; i++) {
		struct ibv_mr *mr = ibv_reg_mr(pd, pool + (i % POOL) * size, size,
					       IBV_ACCESS_LOCAL_WRITE);

		if (!mr || ibv_dereg_mr(mr)) {
			printf("ibv_reg_mr: %s\n", strerror(errno));
			return 1;
		}
	}
	t1 = now();
	printf("regloop %ld %zu %.0f\n", count, size, (t1 - t0) * 1e9 / (double)count);
	munmap(pool, POOL * size);
	return 0;
}

static int reg(struct ibv_pd *pd, const char *path, size_t len, int repeat)
{
	double *t = calloc((size_t)repeat, sizeof(*t));
	int fd = -1, i;
	void *buf;

	if (!t) {
		fprintf(stderr, "fp-bench: out of memory\n");
		return 2;
	}
	if (path) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0 || ftruncate(fd, (off_t)len)) {
			fprintf(stderr, "fp-bench: %s: %s\n", path, strerror(errno));
			free(t);
			return 2;
		}
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	} else {
		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (buf == MAP_FAILED) {
		fprintf(stderr, "fp-bench: mmap: %s\n", strerror(errno));
		free(t);
		return 2;
	}
	memset(buf, 0x5a, len);	/* both kinds start populated */
	for (i = 0; i < repeat; i++) {
		struct ibv_mr *mr;
		double t0 = now();

		mr = ibv_reg_mr(pd, buf, len, IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
		t[i] = now() - t0;
		if (!mr || ibv_dereg_mr(mr)) {
			printf("%s: %s\n", mr ? "ibv_dereg_mr" : "ibv_reg_mr",
			       strerror(errno));
			free(t);
			return 1;
		}
	}
	qsort(t, (size_t)repeat, sizeof(*t), cmp_double);
	printf("reg %zu %.6f\n", len, t[repeat / 2]);
	munmap(buf, len);
	if (fd >= 0)
		close(fd);
	free(t);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "anon", no_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "length", required_argument, NULL, 'l' },
		{ "repeat", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = NULL, *path = NULL, *mode;
	size_t size = 4096, len = 1ul << 30;
	long count = 10000;
	int repeat = 3, anon = 0, c;

	if (argc < 2) {
		fprintf(stderr, "usage: fp-bench regloop|reg [options] (see the source)\n");
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "d:n:s:af:l:r:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'n': count = atol(optarg); break;
		case 's': size = parse_size(optarg); break;
		case 'a': anon = 1; break;
		case 'f': path = optarg; break;
		case 'l': len = parse_size(optarg); break;
		case 'r': repeat = atoi(optarg); break;
		default: return 2;
		}
	}
	if (count <= 0 || repeat <= 0 || optind != argc)
		return 2;
	if (!strcmp(mode, "regloop"))
		return regloop(open_pd(dev), count, size);
	if (!strcmp(mode, "reg") && anon != !!path)
		return reg(open_pd(dev), path, len, repeat);
	fprintf(stderr, "usage: fp-bench regloop|reg [options] (see the source)\n");
	return 2;
}
