/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The peer's side of an export (export-wire.h): connect to a pinmgr that
 * listens (rdma_cm), present a token, get the range's descriptor and a QP
 * that can reach only that range, move bytes with RDMA READ and WRITE.
 * Shared by "pinctl remote" and the VM test programs; needs librdmacm and
 * libibverbs.
 */
#ifndef FILEPIN_EXPORT_CLIENT_H
#define FILEPIN_EXPORT_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "export-wire.h"

struct rdma_event_channel;
struct rdma_cm_id;
struct ibv_pd;
struct ibv_cq;
struct ibv_mr;

struct fpx_client {
	struct rdma_event_channel *ch;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_mr *mr;
	unsigned char *buf;		/* the local side of every transfer */
	size_t bufsize;
	struct fpx_desc desc;		/* what the exporter granted */
	uint32_t qpn, peer_qpn;
	bool connected;
	bool disconnected;		/* the exporter ended the connection */
};

/*
 * Connect to @host:@port presenting @token, with a local buffer of
 * @bufsize bytes.  0, or -errno with @err set: -EACCES when the exporter
 * refused the token, -ECONNREFUSED when nobody listens, -ETIMEDOUT.
 * fpx_close() is needed either way.
 */
int fpx_connect(struct fpx_client *c, const char *host, unsigned int port,
		const uint8_t token[FPX_TOKEN_LEN], size_t bufsize,
		char *err, size_t errlen);
/*
 * RDMA WRITE (@write) from, or READ into, c->buf[0..len) at @iova of the
 * remote MR @rkey; waits for the completion (up to 30 s).  0, or -errno
 * with @err set (a failed completion: -EIO, its status named in @err).
 */
int fpx_rdma(struct fpx_client *c, bool write, uint64_t iova, uint32_t rkey,
	     size_t len, char *err, size_t errlen);
void fpx_close(struct fpx_client *c);

#endif
