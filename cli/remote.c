// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinctl remote: the peer's side of an export, to check one from the peer
 * host.  Connects over rdma_cm with the token through libfilepin-remote
 * (filepin-remote.h, filepin_remote_connect(3));
 * without --read or --write prints the descriptor pinmgr granted, with
 * --read RDMA READs the range (or --offset/--length of it) to stdout,
 * with --write RDMA WRITEs stdin into it at --offset.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export-wire.h"
#include "filepin-remote.h"
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
	struct filepin_remote_desc d;
	struct filepin_remote *rc;
	uint8_t tok[FPX_TOKEN_LEN];
	char host[256], err[512];
	unsigned char *buf;
	unsigned int port;
	uint64_t off, end;
	int r;

	if (fpx_addr_parse(addr, host, sizeof(host), &port))
		return pc_error(PC_EXIT_USAGE, "invalid address '%s': an IP address, then optionally :PORT (IPv6 in brackets)",
				addr);
	if (fpx_token_parse(token, tok))
		return pc_error(PC_EXIT_USAGE, "invalid token '%s': %d hex digits from 'pinctl pin --export'",
				token, FPX_TOKEN_HEX);
	buf = malloc(CHUNK);
	if (!buf)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	/* libfilepin-remote, the public client (filepin_remote_connect(3)) */
	if (filepin_remote_connect(addr, token, CHUNK, &rc, err, sizeof(err))) {
		free(buf);
		return pc_error(PC_EXIT_FAILURE, "%s", err);
	}
	filepin_remote_get_desc(rc, &d);
	off = pc->offset_given ? pc->offset : d.iova;
	end = d.iova + d.length;
	if (pc->length_given)
		end = off + pc->length < off ? UINT64_MAX : off + pc->length;
	if (!pc->remote_read && !pc->remote_write) {
		printf("address=%s iova=%" PRIu64 " length=%" PRIu64 " rkey=0x%" PRIx32
		       " access=%s qpn=%" PRIu32 "\n", addr, d.iova, d.length,
		       d.rkey, d.writable ? "rw" : "r", d.qpn);
		filepin_remote_close(rc);
		free(buf);
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
			ssize_t got = read_full(buf, n);

			if (got < 0) {
				r = pc_error(PC_EXIT_FAILURE, "reading stdin: %s", strerror(errno));
				break;
			}
			if (!got)
				break;
			n = (size_t)got;
			if (filepin_remote_write(rc, off, buf, n, err, sizeof(err))) {
				r = pc_error(PC_EXIT_FAILURE, "%s: %s", addr, err);
				break;
			}
		} else {
			if (filepin_remote_read(rc, off, buf, n, err, sizeof(err))) {
				r = pc_error(PC_EXIT_FAILURE, "%s: %s", addr, err);
				break;
			}
			if (write_all(STDOUT_FILENO, buf, n)) {
				r = pc_error(PC_EXIT_FAILURE, "writing stdout: %s", strerror(errno));
				break;
			}
		}
		off += n;
	}
	filepin_remote_close(rc);
	free(buf);
	return r;
}
