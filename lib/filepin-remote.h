/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libfilepin-remote: the peer's side of a pin exported by pinmgr on
 * another host (pinmgr.conf(5) "listen", pinctl(8) "pin --export"):
 * connect over rdma_cm with the export's token, learn the range's
 * descriptor, move bytes with RDMA READ and WRITE.  See
 * filepin_remote_connect(3).  Link with -lfilepin-remote (pkg-config
 * libfilepin-remote); needs an RDMA device (rxe will do) on this host.
 */
#ifndef FILEPIN_REMOTE_H
#define FILEPIN_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* a token as pinctl pin --export prints it: 32 lower-case hex digits */
#define FILEPIN_REMOTE_TOKEN_HEX	32
/* the largest local buffer (one RDMA operation) */
#define FILEPIN_REMOTE_BUF_MAX		(1ul << 30)

struct filepin_remote;

/* What the exporter granted. */
struct filepin_remote_desc {
	uint64_t iova;		/* the file offset where the range starts */
	uint64_t length;	/* bytes in the range */
	uint32_t rkey;
	uint32_t writable;	/* 1: read-write, 0: read-only */
	uint32_t qpn;		/* this side's QP number */
};

/*
 * Connect to the pinmgr at @address ("IPv4[:PORT]" or "[IPv6]:PORT",
 * port 7471 by default) presenting @token; @bufsize bytes of local
 * buffer bound each RDMA operation (0: 1 MiB).  On success *@rp is the
 * connection (filepin_remote_close() it) and 0 is returned; otherwise
 * -errno, *@rp NULL and, when @err is not NULL, a message in @err
 * (@errlen bytes): -EINVAL for bad arguments, -EACCES when the exporter
 * refused the token (wrong, revoked), -ECONNREFUSED when nobody exports
 * there, -EHOSTUNREACH, -ETIMEDOUT, -EBUSY (max-peers reached).
 */
int filepin_remote_connect(const char *address, const char *token, size_t bufsize,
			   struct filepin_remote **rp, char *err, size_t errlen);
/* The descriptor of the export: 0, or -EINVAL for NULL arguments. */
int filepin_remote_get_desc(const struct filepin_remote *r,
			    struct filepin_remote_desc *desc);
/*
 * RDMA READ @len bytes at @iova of the exported range into @buf, or RDMA
 * WRITE them from @buf, in operations of at most the buffer size, each
 * waited for.  0, or -errno with @err set: -EINVAL for bad arguments
 * (NULL, @iova + @len wrapping), -EPERM for a WRITE to a read-only
 * export, -EIO when the exporter's side failed the operation (outside the
 * range, revoked: the export's QP is gone), -ENOTCONN once the exporter
 * ended the connection, -ETIMEDOUT.  The range is checked by the
 * exporter, not here.
 */
int filepin_remote_read(struct filepin_remote *r, uint64_t iova, void *buf,
			size_t len, char *err, size_t errlen);
int filepin_remote_write(struct filepin_remote *r, uint64_t iova, const void *buf,
			 size_t len, char *err, size_t errlen);
/* Disconnect and free; NULL is fine. */
void filepin_remote_close(struct filepin_remote *r);

#ifdef __cplusplus
}
#endif

#endif
