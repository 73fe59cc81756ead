// SPDX-License-Identifier: GPL-2.0
/*
 * fp-pin - take a layout lease on a file, register an RDMA memory region
 * over a MAP_SHARED mapping of it and move data through that region with
 * loopback RDMA WRITE and READ; optionally keep the pin and take commands
 * on stdin so that a test script can act on the file meanwhile.  With
 * --read-only the file is opened O_RDONLY, mapped PROT_READ and registered
 * for remote reads only.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fp-util.h"

#define STAGING_SIZE (1u << 20)

struct pin {
	const char *path;
	int fd;
	off_t offset;		/* of the mapping in the file */
	size_t length;
	size_t reg_length;	/* of the MR, from the start of the mapping */
	unsigned char *map;
	int read_only;		/* O_RDONLY, PROT_READ, REMOTE_READ only */
	int unmapped;		/* map is the MR's address, no longer mapped */
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct fp_loop loop;
};

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: fp-pin [options] FILE\n"
		"Lease FILE, map it MAP_SHARED and register the mapping as an MR.\n\n"
		"  -d, --device NAME   RDMA device (default rxe0)\n"
		"  -g, --gid N         GID index for the loopback QP (default 1)\n"
		"  -o, --offset N      file offset of the mapping (default 0)\n"
		"  -l, --length N      bytes to map and register (default 1 MiB;\n"
		"                      the file is extended to offset + length)\n"
		"  -L, --lease KIND    none, layout or exclusive (default exclusive)\n"
		"  -A, --align N       align the mapping's address to N bytes\n"
		"                      (e.g. 2M, so DAX can map PMDs)\n"
		"  -T, --touch         read every page of the mapping before\n"
		"                      registering (read faults on holes first)\n"
		"  -V, --verify        after registering, RDMA WRITE the whole range\n"
		"                      and check it with read(), write() it and check\n"
		"                      it with RDMA READ\n"
		"  -R, --reg-length N  register only the first N bytes of the mapping\n"
		"  -r, --read-only     open FILE read-only (it must exist), map it\n"
		"                      PROT_READ and register it for remote reads only\n"
		"  -c, --commands      keep the MR and run commands from stdin\n"
		"  -h, --help          show this help\n\n"
		"Commands (-c), one per line; each answers \"ok CMD\" or \"fail CMD why\":\n"
		"  write OFF LEN   RDMA WRITE a pattern at OFF of the MR, check with pread\n"
		"  read OFF LEN    pwrite a pattern at OFF, RDMA READ it back and check\n"
		"  rread OFF LEN   RDMA READ at OFF and compare with pread() of the file\n"
		"  unmap           munmap the MR's memory (the MR keeps its pages)\n"
		"  getlease        print the F_GETLEASE value\n"
		"  unlease         release the lease (F_UNLCK)\n"
		"  close           close the file descriptor (the mapping stays)\n"
		"  dereg           deregister the MR\n"
		"  quit            exit\n\n"
		"Exit status: 0 registered (and verified), 1 the lease or the\n"
		"registration was refused (\"errno=NAME\" printed), 2 other failure.\n");
	exit(status);
}

static void pattern(unsigned char *p, size_t len, off_t at, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((at + i) * 131 + seed);
}

/* RDMA WRITE [off, off+len) of the MR, then check the file with pread(). */
static int rdma_write_check(struct pin *p, size_t off, size_t len,
			    unsigned int seed, char *why, size_t whylen)
{
	unsigned char *check = p->loop.buf;
	size_t done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < STAGING_SIZE ? len - done : STAGING_SIZE;
		pattern(p->loop.buf, n, p->offset + off + done, seed);
		if (fp_loop_rdma(&p->loop, IBV_WR_RDMA_WRITE, p->map + off + done,
				 p->mr->rkey, n)) {
			snprintf(why, whylen, "RDMA WRITE failed");
			return -1;
		}
		if (pread(p->fd, check, n, p->offset + off + done) != (ssize_t)n) {
			snprintf(why, whylen, "pread failed: %s", strerror(errno));
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char want = (unsigned char)((p->offset + off + done + i) * 131 + seed);

			if (check[i] != want) {
				snprintf(why, whylen, "file byte %lld is 0x%02x after RDMA WRITE, want 0x%02x",
					 (long long)(p->offset + off + done + i), check[i], want);
				return -1;
			}
		}
	}
	return 0;
}

/* RDMA READ [off, off+len) of the MR and compare with pread() of the file. */
static int rdma_read_file(struct pin *p, size_t off, size_t len, char *why,
			  size_t whylen)
{
	static unsigned char check[STAGING_SIZE];
	size_t done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < STAGING_SIZE ? len - done : STAGING_SIZE;
		if (pread(p->fd, check, n, p->offset + off + done) != (ssize_t)n) {
			snprintf(why, whylen, "pread failed: %s", strerror(errno));
			return -1;
		}
		memset(p->loop.buf, 0, n);
		if (fp_loop_rdma(&p->loop, IBV_WR_RDMA_READ, p->map + off + done,
				 p->mr->rkey, n)) {
			snprintf(why, whylen, "RDMA READ failed");
			return -1;
		}
		if (memcmp(p->loop.buf, check, n)) {
			snprintf(why, whylen, "RDMA READ at %lld differs from the file",
				 (long long)(p->offset + off + done));
			return -1;
		}
	}
	return 0;
}

/* pwrite() [off, off+len), then RDMA READ it and compare. */
static int rdma_read_check(struct pin *p, size_t off, size_t len,
			   unsigned int seed, char *why, size_t whylen)
{
	size_t done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < STAGING_SIZE ? len - done : STAGING_SIZE;
		pattern(p->loop.buf, n, p->offset + off + done, seed);
		if (pwrite(p->fd, p->loop.buf, n, p->offset + off + done) != (ssize_t)n) {
			snprintf(why, whylen, "pwrite failed: %s", strerror(errno));
			return -1;
		}
		memset(p->loop.buf, 0, n);
		if (fp_loop_rdma(&p->loop, IBV_WR_RDMA_READ, p->map + off + done,
				 p->mr->rkey, n)) {
			snprintf(why, whylen, "RDMA READ failed");
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			unsigned char want = (unsigned char)((p->offset + off + done + i) * 131 + seed);

			if (p->loop.buf[i] != want) {
				snprintf(why, whylen, "RDMA READ of file byte %lld gave 0x%02x, write() put 0x%02x",
					 (long long)(p->offset + off + done + i), p->loop.buf[i], want);
				return -1;
			}
		}
	}
	return 0;
}

static int range_arg(const char *args, const struct pin *p, size_t *off,
		     size_t *len)
{
	char a[32], b[32];

	if (sscanf(args, "%31s %31s", a, b) != 2 || fp_parse_size(a, off) ||
	    fp_parse_size(b, len) || *off > p->reg_length ||
	    *len > p->reg_length - *off)
		return -1;
	return 0;
}

static void commands(struct pin *p)
{
	char line[256], why[256];
	unsigned int seed = 7;

	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char cmd[32] = "";
		size_t off, len;
		int ok = 1;

		line[strcspn(line, "\n")] = 0;
		sscanf(line, "%31s", cmd);
		why[0] = 0;
		if (!strcmp(cmd, "write") || !strcmp(cmd, "read") ||
		    !strcmp(cmd, "rread")) {
			if (!p->mr) {
				snprintf(why, sizeof(why), "no MR");
				ok = 0;
			} else if (range_arg(line + strlen(cmd), p, &off, &len)) {
				snprintf(why, sizeof(why), "usage: %s OFF LEN inside the MR", cmd);
				ok = 0;
			} else if (p->fd < 0) {
				snprintf(why, sizeof(why), "the file is closed");
				ok = 0;
			} else {
				seed += 13;
				if (cmd[0] == 'r' && cmd[1] == 'r')
					ok = !rdma_read_file(p, off, len, why, sizeof(why));
				else
					ok = !(cmd[0] == 'w' ?
				       rdma_write_check(p, off, len, seed, why, sizeof(why)) :
				       rdma_read_check(p, off, len, seed, why, sizeof(why)));
			}
		} else if (!strcmp(cmd, "unmap")) {
			ok = !p->unmapped && !munmap(p->map, p->length);
			if (!ok)
				snprintf(why, sizeof(why), "not mapped");
			p->unmapped = 1;
		} else if (!strcmp(cmd, "getlease")) {
			int l = fcntl(p->fd, F_GETLEASE);

			if (l < 0) {
				snprintf(why, sizeof(why), "errno=%s", fp_errno_name(errno));
				ok = 0;
			} else {
				printf("lease %d\n", l);
			}
		} else if (!strcmp(cmd, "unlease")) {
			if (fcntl(p->fd, F_SETLEASE, F_UNLCK)) {
				snprintf(why, sizeof(why), "errno=%s", fp_errno_name(errno));
				ok = 0;
			}
		} else if (!strcmp(cmd, "close")) {
			ok = p->fd >= 0 && !close(p->fd);
			p->fd = -1;
		} else if (!strcmp(cmd, "dereg")) {
			if (!p->mr || ibv_dereg_mr(p->mr)) {
				snprintf(why, sizeof(why), "%s", p->mr ? strerror(errno) : "no MR");
				ok = 0;
			}
			p->mr = NULL;
		} else if (!strcmp(cmd, "quit")) {
			printf("ok quit\n");
			fflush(stdout);
			return;
		} else {
			snprintf(why, sizeof(why), "unknown command");
			ok = 0;
		}
		if (ok)
			printf("ok %s\n", cmd);
		else
			printf("fail %s %s\n", cmd, why);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "device", required_argument, NULL, 'd' },
		{ "gid", required_argument, NULL, 'g' },
		{ "offset", required_argument, NULL, 'o' },
		{ "length", required_argument, NULL, 'l' },
		{ "lease", required_argument, NULL, 'L' },
		{ "align", required_argument, NULL, 'A' },
		{ "touch", no_argument, NULL, 'T' },
		{ "verify", no_argument, NULL, 'V' },
		{ "commands", no_argument, NULL, 'c' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "reg-length", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct pin p = { .fd = -1, .length = 1 << 20 };
	const char *devname = "rxe0", *lease = "exclusive";
	int gid = 1, verify = 0, cmds = 0, touch = 0, c, larg;
	struct ibv_context *ctx;
	size_t off, align = 0;

	while ((c = getopt_long(argc, argv, "d:g:o:l:L:A:TVcrR:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			devname = optarg;
			break;
		case 'g':
			gid = atoi(optarg);
			break;
		case 'o':
			if (fp_parse_size(optarg, &off))
				fp_die("invalid --offset '%s'", optarg);
			p.offset = (off_t)off;
			break;
		case 'l':
			if (fp_parse_size(optarg, &p.length) || !p.length)
				fp_die("invalid --length '%s'", optarg);
			break;
		case 'L':
			lease = optarg;
			break;
		case 'A':
			if (fp_parse_size(optarg, &align) || (align & (align - 1)))
				fp_die("invalid --align '%s' (a power of two)", optarg);
			break;
		case 'T':
			touch = 1;
			break;
		case 'V':
			verify = 1;
			break;
		case 'c':
			cmds = 1;
			break;
		case 'r':
			p.read_only = 1;
			break;
		case 'R':
			if (fp_parse_size(optarg, &p.reg_length) || !p.reg_length)
				fp_die("invalid --reg-length '%s'", optarg);
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc - 1)
		usage(stderr, 2);
	p.path = argv[optind];
	if (!p.reg_length || p.reg_length > p.length)
		p.reg_length = p.length;
	if (!strcmp(lease, "none"))
		larg = -1;
	else if (!strcmp(lease, "layout"))
		larg = F_LAYOUT;
	else if (!strcmp(lease, "exclusive"))
		larg = F_LAYOUT | F_EXCLUSIVE;
	else
		fp_die("--lease must be none, layout or exclusive, not '%s'", lease);

	if (p.read_only)
		p.fd = open(p.path, O_RDONLY | O_CLOEXEC);
	else
		p.fd = open(p.path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (p.fd < 0)
		fp_die("cannot open %s: %s", p.path, strerror(errno));
	if (!p.read_only && fp_extend(p.fd, (size_t)p.offset + p.length))
		fp_die("cannot size %s: %s", p.path, strerror(errno));
	if (larg >= 0 && fcntl(p.fd, F_SETLEASE, larg)) {
		printf("lease %s: %s (errno=%s)\n", lease, strerror(errno),
		       fp_errno_name(errno));
		return 1;
	}
	p.map = fp_map_aligned_prot(p.fd, p.offset, p.length, p.read_only ?
				    PROT_READ : PROT_READ | PROT_WRITE,
				    MAP_SHARED, align);
	if (p.map == MAP_FAILED)
		fp_die("mmap of %s failed: %s", p.path, strerror(errno));

	if (touch) {
		volatile unsigned char sum = 0;

		for (off = 0; off < p.length; off += 4096)
			sum += p.map[off];
		(void)sum;
	}

	ctx = fp_open_device(devname);
	p.pd = ibv_alloc_pd(ctx);
	if (!p.pd)
		fp_die("ibv_alloc_pd failed: %s", strerror(errno));
	if (fp_loop_open(&p.loop, p.pd, gid, STAGING_SIZE))
		return 2;
	p.mr = ibv_reg_mr(p.pd, p.map, p.reg_length, p.read_only ?
			  IBV_ACCESS_REMOTE_READ : IBV_ACCESS_LOCAL_WRITE |
			  IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
	if (!p.mr) {
		int e = errno;

		printf("ibv_reg_mr: %s (errno=%s)\n", strerror(e), fp_errno_name(e));
		return 1;
	}
	printf("registered %zu bytes at file offset %lld lkey=0x%x rkey=0x%x\n",
	       p.reg_length, (long long)p.offset, p.mr->lkey, p.mr->rkey);
	if (verify) {
		char why[256];

		if (rdma_write_check(&p, 0, p.reg_length, 1, why, sizeof(why)) ||
		    rdma_read_check(&p, 0, p.reg_length, 2, why, sizeof(why))) {
			printf("verify: %s\n", why);
			return 2;
		}
		printf("verified: RDMA WRITE seen by read(), write() seen by RDMA READ\n");
	}
	fflush(stdout);
	if (cmds)
		commands(&p);
	if (p.mr && ibv_dereg_mr(p.mr))
		fp_die("ibv_dereg_mr failed: %s", strerror(errno));
	fp_loop_close(&p.loop);
	ibv_dealloc_pd(p.pd);
	ibv_close_device(ctx);
	if (!p.unmapped)
		munmap(p.map, p.length);
	if (p.fd >= 0)
		close(p.fd);
	return 0;
}
