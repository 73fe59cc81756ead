// SPDX-License-Identifier: GPL-2.0
/*
 * fp-regmr - register an RDMA memory region over anonymous memory or over a
 * MAP_SHARED mapping of a file, and say what happened.
 *
 * Exit status: 0 registered, 1 the registration was refused (the errno is
 * printed as "errno=NAME"), 2 anything else went wrong.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fp-util.h"

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: fp-regmr [options] (--anon | --file PATH)\n"
		"Register an MR over anonymous memory or a shared file mapping.\n\n"
		"  -d, --device NAME   RDMA device (default: the first one)\n"
		"  -a, --anon          register anonymous memory\n"
		"  -f, --file PATH     map PATH MAP_SHARED and register the mapping\n"
		"  -l, --length N      bytes to map and register (default 1 MiB;\n"
		"                      the file is extended to at least N bytes)\n"
		"  -p, --private       map the file MAP_PRIVATE, not MAP_SHARED\n"
		"  -x, --lease         take an exclusive layout lease on the file\n"
		"                      first (F_LAYOUT | F_EXCLUSIVE)\n"
		"  -n, --no-touch      do not write the memory before registering\n"
		"  -A, --align N       align the mapping's address to N bytes\n"
		"                      (e.g. 2M, so DAX can map PMDs)\n"
		"  -s, --reg-start N   register from N bytes into the mapping\n"
		"  -R, --reg-length N  register N bytes (default: to the end of the\n"
		"                      mapping); may run past its end, then the\n"
		"                      registration fails part way with EFAULT\n"
		"  -h, --help          show this help\n\n"
		"Exit status: 0 registered, 1 refused (errno=NAME printed),\n"
		"2 other failure.\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "anon", no_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "length", required_argument, NULL, 'l' },
		{ "private", no_argument, NULL, 'p' },
		{ "lease", no_argument, NULL, 'x' },
		{ "no-touch", no_argument, NULL, 'n' },
		{ "align", required_argument, NULL, 'A' },
		{ "reg-start", required_argument, NULL, 's' },
		{ "reg-length", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *devname = NULL, *path = NULL;
	size_t length = 1 << 20, align = 0, reg_start = 0, reg_length = 0;
	int anon = 0, fd = -1, c, shared = MAP_SHARED, lease = 0, touch = 1;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	unsigned char *buf;

	while ((c = getopt_long(argc, argv, "d:af:l:pxnA:s:R:h", opts,
				NULL)) != -1) {
		switch (c) {
		case 'd':
			devname = optarg;
			break;
		case 'a':
			anon = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'l':
			if (fp_parse_size(optarg, &length) || !length)
				fp_die("invalid --length '%s'", optarg);
			break;
		case 'p':
			shared = MAP_PRIVATE;
			break;
		case 'x':
			lease = 1;
			break;
		case 'n':
			touch = 0;
			break;
		case 'A':
			if (fp_parse_size(optarg, &align) || (align & (align - 1)))
				fp_die("invalid --align '%s'", optarg);
			break;
		case 's':
			if (fp_parse_size(optarg, &reg_start))
				fp_die("invalid --reg-start '%s'", optarg);
			break;
		case 'R':
			if (fp_parse_size(optarg, &reg_length) || !reg_length)
				fp_die("invalid --reg-length '%s'", optarg);
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc || anon == !!path || reg_start >= length)
		usage(stderr, 2);
	if (!reg_length)
		reg_length = length - reg_start;

	if (path) {
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			fp_die("cannot open %s: %s", path, strerror(errno));
		if (fp_extend(fd, length))
			fp_die("cannot size %s to %zu bytes: %s", path, length,
			       strerror(errno));
		if (lease && fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE)) {
			printf("lease: errno=%s\n", fp_errno_name(errno));
			return 1;
		}
		buf = fp_map_aligned(fd, 0, length, shared, align);
	} else {
		buf = fp_map_aligned(-1, 0, length, MAP_PRIVATE | MAP_ANONYMOUS,
				     align);
	}
	if (buf == MAP_FAILED)
		fp_die("mmap of %zu bytes failed: %s", length, strerror(errno));
	if (touch)
		memset(buf, 0x5a, length);

	ctx = fp_open_device(devname);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		fp_die("ibv_alloc_pd failed: %s", strerror(errno));

	mr = ibv_reg_mr(pd, buf + reg_start, reg_length, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!mr) {
		int e = errno;

		printf("ibv_reg_mr: %s (errno=%s)\n", strerror(e),
		       fp_errno_name(e));
		return 1;
	}
	printf("registered %zu bytes lkey=0x%x rkey=0x%x\n", reg_length,
	       mr->lkey, mr->rkey);
	if (path) {
		/* How many file pin records the registration made */
		FILE *f = fopen("/proc/self/file_pins", "r");
		int lines = 0, ch;

		while (f && (ch = getc(f)) != EOF)
			lines += ch == '\n';
		if (f) {
			printf("file_pins records: %d\n", lines);
			fclose(f);
		}
	}
	if (ibv_dereg_mr(mr))
		fp_die("ibv_dereg_mr failed: %s", strerror(errno));
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	munmap(buf, length);
	if (fd >= 0)
		close(fd);
	return 0;
}
