// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinctl remote: the peer's side of an export, to check one from the peer
 * host.  Connects over rdma_cm with the token (common/export-client.c);
 * without --read or --write prints the descriptor pinmgr granted, with
 * --read RDMA READs the range (or --offset/--length of it) to stdout,
 * with --write RDMA WRITEs stdin into it at --offset.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export-client.h"
#include "pinctl.h"

#define CHUNK	(1u << 20)

static int write_all(int fd, const unsigned char *b, size_t n)
{
	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* up to @n bytes of stdin; 0 at its end, -1 on error */
static ssize_t read_full(unsigned char *b, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(STDIN_FILENO, b + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (!r)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int cmd_remote(struct pinctl *pc, const char *addr, const char *token)
{
	uint8_t tok[FPX_TOKEN_LEN];
	char host[256], err[512];
	struct fpx_client c;
	unsigned int port;
	uint64_t off, end;
	int r;

	if (fpx_addr_parse(addr, host, sizeof(host), &port))
		return pc_error(PC_EXIT_USAGE, "invalid address '%s': an IP address, then optionally :PORT (IPv6 in brackets)",
				addr);
	if (fpx_token_parse(token, tok))
		return pc_error(PC_EXIT_USAGE, "invalid token '%s': %d hex digits from 'pinctl pin --export'",
				token, FPX_TOKEN_HEX);
	r = fpx_connect(&c, host, port, tok, CHUNK, err, sizeof(err));
	if (r) {
		fpx_close(&c);
		return pc_error(PC_EXIT_FAILURE, "%s: %s", addr, err);
	}
	off = pc->offset_given ? pc->offset : c.desc.iova;
	end = c.desc.iova + c.desc.length;
	if (pc->length_given)
		end = off + pc->length < off ? UINT64_MAX : off + pc->length;
	if (!pc->remote_read && !pc->remote_write) {
		printf("address=%s iova=%" PRIu64 " length=%" PRIu64 " rkey=0x%" PRIx32
		       " access=%s qpn=%" PRIu32 "\n", addr, c.desc.iova, c.desc.length,
		       c.desc.rkey, c.desc.access & FPX_ACCESS_WRITE ? "rw" : "r", c.qpn);
		fpx_close(&c);
		return PC_EXIT_OK;
	}
	r = PC_EXIT_OK;
	for (;;) {
		size_t n = CHUNK;

		if (pc->remote_read || pc->length_given) {
			if (off >= end)
				break;
			if (end - off < CHUNK)
				n = (size_t)(end - off);
		}
		if (pc->remote_write) {
			/* the exporter decides: a write past the range fails there */
			ssize_t got = read_full(c.buf, n);

			if (got < 0) {
				r = pc_error(PC_EXIT_FAILURE, "reading stdin: %s", strerror(errno));
				break;
			}
			if (!got)
				break;
			n = (size_t)got;
		}
		if (fpx_rdma(&c, pc->remote_write, off, c.desc.rkey, n, err, sizeof(err))) {
			r = pc_error(PC_EXIT_FAILURE, "%s at offset %" PRIu64 ": %s", addr, off, err);
			break;
		}
		if (pc->remote_read && write_all(STDOUT_FILENO, c.buf, n)) {
			r = pc_error(PC_EXIT_FAILURE, "writing stdout: %s", strerror(errno));
			break;
		}
		off += n;
	}
	fpx_close(&c);
	return r;
}
