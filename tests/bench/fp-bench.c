// SPDX-License-Identifier: GPL-2.0
/*
 * fp-bench - time ibv_reg_mr/ibv_dereg_mr, for libfilepin's cost ratios.
 * An ordinary ibverbs program: run it with and without
 * LD_PRELOAD=libfilepin.so.1 and divide.
 *
 *   fp-bench regloop [-d DEV] [-n COUNT] [-s SIZE] [-m MAPPINGS] [--fresh]
 *	COUNT registrations and deregistrations of SIZE-byte anonymous
 *	buffers (a pool of 64 buffers allocated up front, used in turn;
 *	--fresh: each buffer mapped just before its registration at an
 *	address not mapped before, and unmapped after, so that no cache of
 *	the address space has seen it; only the registration and the
 *	deregistration are timed).  -m: first grow the process to at least
 *	MAPPINGS entries in /proc/self/maps (pages of alternating
 *	protection).  Prints "regloop COUNT SIZE NS_PER_PAIR MAPPINGS"
 *   fp-bench regpair --lib LIBFILEPIN [-d DEV] [-n BLOCKS] [-k PER_BLOCK]
 *		[-s SIZE] [-m MAPPINGS]
 *	the same registrations of fresh buffers (see --fresh), side by side in
 *	one process: blocks of PER_BLOCK through libibverbs' own ibv_reg_mr
 *	and ibv_dereg_mr, and through those of LIBFILEPIN (dlopen()ed, so the
 *	very functions a preload interposes), alternating (the order too);
 *	prints "regpair MAPPINGS BLOCKS PER_BLOCK PLAIN_NS LIB_NS MEDIAN MIN
 *	MAX": mean ns per reg+dereg pair each way, and the median, min and max
 *	of the blocks' ratios (library / plain)
 *   fp-bench reg [-d DEV] (--anon | --file PATH) [-l LEN] [-r REPEAT]
 *		[--no-thp] [--pte]
 *	registers LEN bytes (anonymous, or a MAP_SHARED mapping of PATH, which
 *	is allocated to LEN) REPEAT times; prints "reg LEN SECONDS", the median
 *	time of one ibv_reg_mr.  Both mappings are 2 MiB aligned and populated
 *	first, so anonymous memory can use THP and DAX PMD mappings.
 *	--no-thp: anonymous memory in 4 KiB pages (PR_SET_THP_DISABLE);
 *	--pte: PATH mapped at an address 4 KiB past a 2 MiB boundary, so
 *	that DAX maps the file in 4 KiB pages (a PMD needs the address and
 *	the file offset alike modulo 2 MiB); the file is written first, so
 *	that the page faults do not convert unwritten extents one by one.
 *   fp-bench refuse --file PATH [-n COUNT]
 *	takes an exclusive layout lease on PATH and times COUNT ftruncate(0)
 *	calls, each of which must fail with ETXTBSY; prints
 *	"refuse COUNT MEDIAN_US P99_US"
 *   fp-bench truncate --file PATH [-n COUNT] [-l LEN]
 *	COUNT times: allocate LEN bytes (fallocate), then time ftruncate(0);
 *	prints "truncate COUNT MEDIAN_US"
 *
 * Exit status: 0, 1 when a registration fails (errno printed), 2 on misuse.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fp-util.h"

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

static size_t size_arg(const char *s)
{
	size_t v;

	if (fp_parse_size(s, &v) || !v)
		fp_die("invalid size '%s'", s);
	return v;
}

static struct ibv_pd *open_pd(const char *name)
{
	struct ibv_pd *pd = ibv_alloc_pd(fp_open_device(name));

	if (!pd)
		fp_die("ibv_alloc_pd: %s", strerror(errno));
	return pd;
}

/* Sort @n samples and print the median (and the 99th percentile). */
static void report(const char *what, long n, double *t, int p99)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	if (p99)
		printf("%s %ld %.1f %.1f\n", what, n, t[n / 2] * 1e6,
		       t[(n * 99) / 100] * 1e6);
	else
		printf("%s %ld %.1f\n", what, n, t[n / 2] * 1e6);
}

static int open_file(const char *path, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0 || (len && posix_fallocate(fd, 0, (off_t)len)))
		fp_die("%s: %s", path, strerror(errno));
	return fd;
}

static int refuse(const char *path, long count)
{
	double *t = calloc((size_t)count, sizeof(*t));
	int fd = open_file(path, 1 << 20);
	long i;

	if (!t)
		fp_die("out of memory");
	if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
		fp_die("%s: exclusive layout lease: %s", path, strerror(errno));
	for (i = 0; i < count; i++) {
		double t0 = now();
		int r = ftruncate(fd, 0);

		t[i] = now() - t0;
		if (r == 0 || errno != ETXTBSY)
			fp_die("ftruncate was not refused with ETXTBSY: %s",
			       r ? strerror(errno) : "it succeeded");
	}
	report("refuse", count, t, 1);
	close(fd);
	free(t);
	return 0;
}

static int truncate_loop(const char *path, long count, size_t len)
{
	double *t = calloc((size_t)count, sizeof(*t));
	int fd = open_file(path, 0);
	long i;

	if (!t)
		fp_die("out of memory");
	for (i = 0; i < count; i++) {
		double t0;

		if (posix_fallocate(fd, 0, (off_t)len))
			fp_die("fallocate: %s", strerror(errno));
		t0 = now();
		if (ftruncate(fd, 0))
			fp_die("ftruncate: %s", strerror(errno));
		t[i] = now() - t0;
	}
	report("truncate", count, t, 0);
	close(fd);
	free(t);
	return 0;
}

static int regloop_pool(struct ibv_pd *pd, long count, size_t size, long maps);

static long count_mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	long n = 0;
	int c;

	if (!f)
		fp_die("/proc/self/maps: %s", strerror(errno));
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* Grow the address space to at least @want mappings; returns the count. */
static long add_mappings(long want)
{
	long have = count_mappings(), pages, i, page = sysconf(_SC_PAGESIZE);
	char *p;

	if (have >= want)
		return have;
	pages = want - have + 1;
	p = mmap(NULL, (size_t)(pages * page), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fp_die("mmap: %s", strerror(errno));
	/* every other page read-only: one mapping per page */
	for (i = 1; i < pages; i += 2)
		if (mprotect(p + i * page, (size_t)page, PROT_READ))
			fp_die("mprotect: %s", strerror(errno));
	return count_mappings();
}

/* reg+dereg of buffers never seen before; the time of those calls only */
static int regloop_fresh(struct ibv_pd *pd, long count, size_t size, long maps)
{
	size_t slots = (size_t)count * 2 + 64, slot = 0;
	double total = 0;
	char *base;
	long i;

	/* an address range free now: each buffer gets a new piece of it */
	base = mmap(NULL, slots * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED || munmap(base, slots * size))
		fp_die("mmap: %s", strerror(errno));
	for (i = 0; i < count; i++) {
		struct ibv_mr *mr;
		double t0;
		char *buf;

		do {
			if (slot >= slots)
				fp_die("out of fresh addresses");
			buf = mmap(base + slot * size, size, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
				   -1, 0);
			slot += 2;
		} while (buf == MAP_FAILED && errno == EEXIST);
		if (buf == MAP_FAILED)
			fp_die("mmap: %s", strerror(errno));
		memset(buf, 1, size);
		t0 = now();
		mr = ibv_reg_mr(pd, buf, size, IBV_ACCESS_LOCAL_WRITE);
		if (!mr || ibv_dereg_mr(mr)) {
			printf("ibv_reg_mr: %s\n", strerror(errno));
			return 1;
		}
		total += now() - t0;
		munmap(buf, size);
	}
	printf("regloop %ld %zu %.0f %ld\n", count, size,
	       total * 1e9 / (double)count, maps);
	return 0;
}

typedef struct ibv_mr *(*reg_fn)(struct ibv_pd *, void *, size_t, int);
typedef int (*dereg_fn)(struct ibv_mr *);

/* A fresh buffer at the next never-used slot of [base, base + slots * size). */
static char *fresh_buffer(char *base, size_t slots, size_t *slot, size_t size)
{
	char *buf;

	do {
		if (*slot >= slots)
			fp_die("out of fresh addresses");
		buf = mmap(base + *slot * size, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		*slot += 2;
	} while (buf == MAP_FAILED && errno == EEXIST);
	if (buf == MAP_FAILED)
		fp_die("mmap: %s", strerror(errno));
	memset(buf, 1, size);
	return buf;
}

/*
 * A fine clock for the ratios: the TSC on x86 (a TCG guest's
 * CLOCK_MONOTONIC may tick in jiffies), else CLOCK_MONOTONIC in ns.
 */
static uint64_t ticks(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __builtin_ia32_rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

/*
 * @k reg+dereg of fresh buffers through @reg/@dereg; the ticks they took
 * (the mmap and munmap around each one not counted), and their seconds
 * added to *@secs.
 */
static uint64_t timed_block(struct ibv_pd *pd, reg_fn reg, dereg_fn dereg,
			    long k, size_t size, char *base, size_t slots,
			    size_t *slot, double *secs)
{
	uint64_t total = 0;
	long i;

	for (i = 0; i < k; i++) {
		char *buf = fresh_buffer(base, slots, slot, size);
		struct ibv_mr *mr;
		double t0 = now();
		uint64_t c0 = ticks();

		mr = reg(pd, buf, size, IBV_ACCESS_LOCAL_WRITE);
		if (!mr || dereg(mr))
			fp_die("ibv_reg_mr: %s", strerror(errno));
		total += ticks() - c0;
		*secs += now() - t0;
		munmap(buf, size);
	}
	return total;
}

struct verbs_path {
	reg_fn reg;
	dereg_fn dereg;
};

static void *verbs_sym(void *h, const char *name)
{
	void *f = dlvsym(h, name, "IBVERBS_1.1");

	if (!f)
		fp_die("%s@IBVERBS_1.1: %s", name, dlerror());
	return f;
}

/* ibv_reg_mr and ibv_dereg_mr as the object @h defines them */
static struct verbs_path verbs_path(void *h)
{
	struct verbs_path p = { NULL, NULL };

	*(void **)&p.reg = verbs_sym(h, "ibv_reg_mr");
	*(void **)&p.dereg = verbs_sym(h, "ibv_dereg_mr");
	return p;
}

static int regpair(struct ibv_pd *pd, const char *lib, long blocks, long k,
		   size_t size, long want_maps)
{
	size_t slots = (size_t)(blocks * k * 2) * 2 + 64, slot = 0;
	double *ratio = calloc((size_t)blocks, sizeof(*ratio));
	double plain_total = 0, lib_total = 0, warm = 0;
	void *hv, *hl;
	struct verbs_path way[2];
	long maps, b;
	char *base;

	hv = dlopen("libibverbs.so.1", RTLD_NOW | RTLD_NOLOAD);
	hl = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (!ratio || !hv || !hl)
		fp_die("dlopen: %s", dlerror());
	way[0] = verbs_path(hv);
	way[1] = verbs_path(hl);
	if (way[0].reg == way[1].reg)
		fp_die("%s does not define its own ibv_reg_mr", lib);
	maps = add_mappings(want_maps);
	base = mmap(NULL, slots * size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (base == MAP_FAILED || munmap(base, slots * size))
		fp_die("mmap: %s", strerror(errno));
	/* warm both paths up (the library makes its context) */
	timed_block(pd, way[0].reg, way[0].dereg, 4, size, base, slots, &slot,
		    &warm);
	timed_block(pd, way[1].reg, way[1].dereg, 4, size, base, slots, &slot,
		    &warm);
	for (b = 0; b < blocks; b++) {
		double *secs[2] = { &plain_total, &lib_total };
		uint64_t t[2];
		int first = (int)(b & 1);

		t[first] = timed_block(pd, way[first].reg, way[first].dereg, k, size,
				       base, slots, &slot, secs[first]);
		t[!first] = timed_block(pd, way[!first].reg, way[!first].dereg, k,
					size, base, slots, &slot, secs[!first]);
		ratio[b] = t[0] ? (double)t[1] / (double)t[0] : 0;
	}
	qsort(ratio, (size_t)blocks, sizeof(*ratio), cmp_double);
	printf("regpair %ld %ld %ld %.0f %.0f %.3f %.3f %.3f\n", maps, blocks, k,
	       plain_total * 1e9 / (double)(blocks * k),
	       lib_total * 1e9 / (double)(blocks * k), ratio[blocks / 2],
	       ratio[0], ratio[blocks - 1]);
	free(ratio);
	return 0;
}

static int regloop(struct ibv_pd *pd, long count, size_t size, long want_maps,
		   int fresh)
{
	long maps = add_mappings(want_maps);

	if (fresh)
		return regloop_fresh(pd, count, size, maps);
	return regloop_pool(pd, count, size, maps);
}

static int regloop_pool(struct ibv_pd *pd, long count, size_t size, long maps)
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
	printf("regloop %ld %zu %.0f %ld\n", count, size,
	       (t1 - t0) * 1e9 / (double)count, maps);
	munmap(pool, POOL * size);
	return 0;
}

/* Write @len bytes of @fd, 1 MiB per call. */
static int prefill(int fd, size_t len)
{
	static char chunk[1 << 20];
	size_t done;

	memset(chunk, 0x5a, sizeof(chunk));
	for (done = 0; done < len; done += sizeof(chunk))
		if (pwrite(fd, chunk, sizeof(chunk), (off_t)done) !=
		    (ssize_t)sizeof(chunk))
			return -1;
	return 0;
}

static int reg(struct ibv_pd *pd, const char *path, size_t len, int repeat,
	       int no_thp, int pte)
{
	double *t = calloc((size_t)repeat, sizeof(*t));
	int fd = -1, i;
	char *buf;

	if (!t) {
		fprintf(stderr, "fp-bench: out of memory\n");
		return 2;
	}
	if (path) {
		fd = open_file(path, len);
		if (pte) {
			size_t step = 4096;

			buf = fp_map_aligned(-1, 0, len + step, MAP_PRIVATE |
					     MAP_ANONYMOUS, 2u << 20);
			if (buf != MAP_FAILED)
				buf = mmap(buf + step, len, PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_FIXED, fd, 0);
			if (buf != MAP_FAILED && prefill(fd, len))
				fp_die("%s: write: %s", path, strerror(errno));
		} else {
			buf = fp_map_aligned(fd, 0, len, MAP_SHARED, 2u << 20);
		}
	} else {
		if (no_thp && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
			fp_die("PR_SET_THP_DISABLE: %s", strerror(errno));
		buf = fp_map_aligned(-1, 0, len, MAP_PRIVATE | MAP_ANONYMOUS,
				     2u << 20);
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
		{ "mappings", required_argument, NULL, 'm' },
		{ "fresh", no_argument, NULL, 'F' },
		{ "lib", required_argument, NULL, 'L' },
		{ "per-block", required_argument, NULL, 'k' },
		{ "no-thp", no_argument, NULL, 'H' },
		{ "pte", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dev = NULL, *path = NULL, *lib = NULL, *mode;
	size_t size = 4096, len = 1ul << 30;
	long count = 10000, maps = 0, per_block = 50;
	int repeat = 3, anon = 0, fresh = 0, no_thp = 0, pte = 0, c;

	if (argc < 2) {
		fprintf(stderr, "usage: fp-bench regloop|regpair|reg|refuse|truncate [options] (see the source)\n");
		return 2;
	}
	mode = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "d:n:s:af:l:r:m:k:", opts, NULL)) != -1) {
		switch (c) {
		case 'd': dev = optarg; break;
		case 'n': count = atol(optarg); break;
		case 's': size = size_arg(optarg); break;
		case 'a': anon = 1; break;
		case 'f': path = optarg; break;
		case 'l': len = size_arg(optarg); break;
		case 'r': repeat = atoi(optarg); break;
		case 'm': maps = atol(optarg); break;
		case 'F': fresh = 1; break;
		case 'L': lib = optarg; break;
		case 'k': per_block = atol(optarg); break;
		case 'H': no_thp = 1; break;
		case 'P': pte = 1; break;
		default: return 2;
		}
	}
	if (count <= 0 || repeat <= 0 || optind != argc)
		return 2;
	if (!strcmp(mode, "regloop"))
		return regloop(open_pd(dev), count, size, maps, fresh);
	if (!strcmp(mode, "regpair") && lib && per_block > 0)
		return regpair(open_pd(dev), lib, count, per_block, size, maps);
	if (!strcmp(mode, "reg") && anon != !!path && !(no_thp && path) &&
	    !(pte && anon))
		return reg(open_pd(dev), path, len, repeat, no_thp, pte);
	if (!strcmp(mode, "refuse") && path)
		return refuse(path, count);
	if (!strcmp(mode, "truncate") && path)
		return truncate_loop(path, count, len);
	fprintf(stderr, "usage: fp-bench regloop|regpair|reg|refuse|truncate [options] (see the source)\n");
	return 2;
}
