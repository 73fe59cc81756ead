// SPDX-License-Identifier: GPL-2.0
/*
 * pm-remote - a peer of an exported pin (pinmgr.conf(5) "listen"), for the
 * two-guest VM cases: connect with a token (common/export-client.c) and
 * run steps, printing one line per step.
 *
 *   pm-remote ADDRESS[:PORT] TOKEN STEP...
 *
 * Steps:
 *   write OFF LEN BYTE	RDMA WRITE LEN bytes of BYTE (hex) at iova OFF
 *   read OFF LEN BYTE	RDMA READ LEN bytes at iova OFF, all must be BYTE
 *   rkey HEX		use this rkey from now on (default: the granted one)
 *   wait PATH		wait (up to 120 s) until PATH exists
 *   touch PATH		create PATH (to tell the other guest)
 *
 * Prints "connected iova=I length=L rkey=0xK access=ACC qpn=N" or
 * "refused: why" (exit 3), then "ok STEP" or "fail STEP: why" per step;
 * stops at the first failure (exit 1).  Exit 2: usage or local errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export-client.h"

static unsigned long long num(const char *s)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 0);
	if (errno || *e || e == s) {
		fprintf(stderr, "pm-remote: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	char host[256], err[512];
	uint8_t token[FPX_TOKEN_LEN];
	struct fpx_client c;
	unsigned int port;
	uint32_t rkey;
	int i, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3 || fpx_addr_parse(argv[1], host, sizeof(host), &port)) {
		fprintf(stderr, "usage: pm-remote ADDRESS[:PORT] TOKEN STEP...\n");
		return 2;
	}
	if (fpx_token_parse(argv[2], token))
		memset(token, 0x5a, sizeof(token));	/* a malformed one is a wrong one */
	r = fpx_connect(&c, host, port, token, 4u << 20, err, sizeof(err));
	if (r) {
		printf("refused: %s\n", err);
		fpx_close(&c);
		return r == -EACCES || r == -ECONNREFUSED || r == -EBUSY ? 3 : 2;
	}
	rkey = c.desc.rkey;
	printf("connected iova=%llu length=%llu rkey=0x%x access=%s qpn=%u\n",
	       (unsigned long long)c.desc.iova, (unsigned long long)c.desc.length,
	       c.desc.rkey, c.desc.access & FPX_ACCESS_WRITE ? "rw" : "ro", c.qpn);
	for (i = 3; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "write") || !strcmp(s, "read")) {
			bool wr = s[0] == 'w';
			unsigned long long off, len;
			unsigned int byte;
			size_t k;

			if (i + 3 >= argc)
				goto usage;
			off = num(argv[i + 1]);
			len = num(argv[i + 2]);
			byte = (unsigned int)num(argv[i + 3]) & 0xff;
			i += 3;
			if (len > c.bufsize) {
				fprintf(stderr, "pm-remote: %llu bytes: more than the buffer\n", len);
				return 2;
			}
			if (wr)
				memset(c.buf, (int)byte, (size_t)len);
			else
				memset(c.buf, (int)(byte ^ 0xff), (size_t)len);
			r = fpx_rdma(&c, wr, off, rkey, (size_t)len, err, sizeof(err));
			if (r) {
				printf("fail %s %llu+%llu: %s\n", s, off, len, err);
				fpx_close(&c);
				return 1;
			}
			for (k = 0; !wr && k < len; k++) {
				if (c.buf[k] != byte) {
					printf("fail read %llu+%llu: byte %zu is 0x%02x, not 0x%02x\n",
					       off, len, k, c.buf[k], byte);
					fpx_close(&c);
					return 1;
				}
			}
			printf("ok %s %llu+%llu\n", s, off, len);
		} else if (!strcmp(s, "rkey") && i + 1 < argc) {
			rkey = (uint32_t)num(argv[++i]);
			printf("ok rkey 0x%x\n", rkey);
		} else if (!strcmp(s, "wait") && i + 1 < argc) {
			const char *path = argv[++i];
			int n = 0;

			while (access(path, F_OK)) {
				struct timespec t = { 0, 100000000 };

				if (++n > 1200) {
					printf("fail wait %s: not there after 120 s\n", path);
					fpx_close(&c);
					return 1;
				}
				nanosleep(&t, NULL);
			}
			printf("ok wait %s\n", path);
		} else if (!strcmp(s, "touch") && i + 1 < argc) {
			FILE *f = fopen(argv[++i], "w");

			if (!f || fclose(f)) {
				perror(argv[i]);
				return 2;
			}
			printf("ok touch %s\n", argv[i]);
		} else {
			goto usage;
		}
	}
	fpx_close(&c);
	return 0;
usage:
	fprintf(stderr, "pm-remote: bad step '%s'\n", argv[i]);
	fpx_close(&c);
	return 2;
}
