// SPDX-License-Identifier: GPL-2.0
/*
 * pm-remote-bench - RDMA WRITE bandwidth of a peer into two exports of the
 * same pinmgr, alternated in one run (tests/vm/bench/remote-bench.sh):
 *
 *   pm-remote-bench ADDRESS[:PORT] TOKEN-A TOKEN-B ROUNDS MIB
 *
 * Connects to both exports (common/export-client.c), then ROUNDS times
 * RDMA WRITEs MIB MiB into A and MIB MiB into B in 1 MiB WRITEs (cycling
 * over each range; the order A,B / B,A alternates round by round so that
 * a drift of the machine's speed does not favour either), timing each
 * with CLOCK_MONOTONIC.  Prints one line per round:
 *   round N a=MB/s b=MB/s ratio=A/B
 * and at the end:
 *   ratio median=M min=m max=x rounds=N
 * Exit 0, 1 when an RDMA operation failed, 2 on usage or local errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export-client.h"

#define CHUNK	(1u << 20)

static double now_s(void)
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

/* MB/s of @mib 1 MiB WRITEs into @c's range; < 0 on failure */
static double write_bw(struct fpx_client *c, const char *name, unsigned int mib)
{
	uint64_t chunks = c->desc.length / CHUNK, off = 0;
	char err[512];
	unsigned int i;
	double t0, t;

	t0 = now_s();
	for (i = 0; i < mib; i++) {
		c->buf[0] = (unsigned char)i;
		if (fpx_rdma(c, true, c->desc.iova + off * CHUNK, c->desc.rkey, CHUNK,
			     err, sizeof(err))) {
			printf("fail write %s: %s\n", name, err);
			return -1;
		}
		off = (off + 1) % chunks;
	}
	t = now_s() - t0;
	return t > 0 ? (double)mib * CHUNK / 1e6 / t : 0;
}

static int connect_one(struct fpx_client *c, const char *host, unsigned int port,
		       const char *hex, const char *name)
{
	uint8_t token[FPX_TOKEN_LEN];
	char err[512];

	if (fpx_token_parse(hex, token)) {
		fprintf(stderr, "pm-remote-bench: bad token '%s'\n", hex);
		return -1;
	}
	if (fpx_connect(c, host, port, token, CHUNK, err, sizeof(err))) {
		printf("refused %s: %s\n", name, err);
		return -1;
	}
	if (!(c->desc.access & FPX_ACCESS_WRITE) || c->desc.length < CHUNK) {
		printf("%s: the export must be read-write and at least 1 MiB\n", name);
		return -1;
	}
	memset(c->buf, 0x5a, c->bufsize);
	printf("connected %s iova=%llu length=%llu qpn=%u\n", name,
	       (unsigned long long)c->desc.iova, (unsigned long long)c->desc.length, c->qpn);
	return 0;
}

int main(int argc, char **argv)
{
	struct fpx_client a, b;
	unsigned int port, rounds, mib, n, i;
	char host[256];
	double *ratio;
	int rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 6 || fpx_addr_parse(argv[1], host, sizeof(host), &port) ||
	    (rounds = (unsigned int)strtoul(argv[4], NULL, 10)) < 1 || rounds > 1000 ||
	    (mib = (unsigned int)strtoul(argv[5], NULL, 10)) < 1 || mib > 65536) {
		fprintf(stderr, "usage: pm-remote-bench ADDRESS[:PORT] TOKEN-A TOKEN-B ROUNDS MIB\n");
		return 2;
	}
	ratio = calloc(rounds, sizeof(*ratio));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (!ratio || connect_one(&a, host, port, argv[2], "a") ||
	    connect_one(&b, host, port, argv[3], "b")) {
		rc = 2;
		goto out;
	}
	/* one WRITE each first: the first touch of a range costs more */
	if (write_bw(&a, "a", 1) < 0 || write_bw(&b, "b", 1) < 0) {
		rc = 1;
		goto out;
	}
	for (n = 0; n < rounds; n++) {
		double bwa, bwb;

		if (n % 2) {
			bwb = write_bw(&b, "b", mib);
			bwa = bwb < 0 ? -1 : write_bw(&a, "a", mib);
		} else {
			bwa = write_bw(&a, "a", mib);
			bwb = bwa < 0 ? -1 : write_bw(&b, "b", mib);
		}
		if (bwa < 0 || bwb < 0) {
			rc = 1;
			goto out;
		}
		ratio[n] = bwb > 0 ? bwa / bwb : 0;
		printf("round %u a=%.1f b=%.1f ratio=%.3f\n", n + 1, bwa, bwb, ratio[n]);
	}
	qsort(ratio, rounds, sizeof(*ratio), cmp_double);
	i = rounds / 2;
	printf("ratio median=%.3f min=%.3f max=%.3f rounds=%u\n",
	       rounds % 2 ? ratio[i] : (ratio[i - 1] + ratio[i]) / 2,
	       ratio[0], ratio[rounds - 1], rounds);
out:
	fpx_close(&a);
	fpx_close(&b);
	free(ratio);
	return rc;
}
