// SPDX-License-Identifier: GPL-2.0
/* RDMA helpers shared by the VM test programs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/verbs.h>

#include "fp-util.h"
#include "rc-qp.h"

struct ibv_context *fp_open_device(const char *name)
{
	struct ibv_device **list, *dev = NULL;
	struct ibv_context *ctx;
	int n, i;

	list = ibv_get_device_list(&n);
	if (!list)
		fp_die("ibv_get_device_list failed: %s", strerror(errno));
	for (i = 0; i < n && !dev; i++)
		if (!name || !strcmp(ibv_get_device_name(list[i]), name))
			dev = list[i];
	if (!dev)
		fp_die("RDMA device %s not found", name ? name : "(any)");
	ctx = ibv_open_device(dev);
	if (!ctx)
		fp_die("cannot open RDMA device %s: %s",
		       ibv_get_device_name(dev), strerror(errno));
	ibv_free_device_list(list);
	return ctx;
}

int fp_loop_open(struct fp_loop *lp, struct ibv_pd *pd, int gid, size_t size)
{
	struct ibv_qp_init_attr init = { 0 };
	struct ibv_port_attr port;
	struct rc_qp_conn rc;
	union ibv_gid dgid;

	memset(lp, 0, sizeof(*lp));
	lp->ctx = pd->context;
	lp->pd = pd;
	lp->size = size;
	if (ibv_query_port(lp->ctx, 1, &port) || ibv_query_gid(lp->ctx, 1, gid, &dgid)) {
		fprintf(stderr, "cannot query port 1 / gid %d: %s\n", gid, strerror(errno));
		return -1;
	}
	lp->buf = malloc(size);
	lp->cq = ibv_create_cq(lp->ctx, 16, NULL, NULL, 0);
	if (!lp->buf || !lp->cq)
		goto fail;
	lp->mr = ibv_reg_mr(pd, lp->buf, size, IBV_ACCESS_LOCAL_WRITE);
	if (!lp->mr)
		goto fail;
	init.send_cq = lp->cq;
	init.recv_cq = lp->cq;
	init.qp_type = IBV_QPT_RC;
	init.cap.max_send_wr = 4;
	init.cap.max_recv_wr = 1;
	init.cap.max_send_sge = 1;
	init.cap.max_recv_sge = 1;
	lp->qp = ibv_create_qp(pd, &init);
	if (!lp->qp)
		goto fail;

	/* connected to itself, PSNs 0 both ways */
	memset(&rc, 0, sizeof(rc));
	rc.access = IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ;
	rc.mtu = port.active_mtu;
	rc.sgid_index = (uint8_t)gid;
	rc.max_dest_rd_atomic = 1;
	rc.dest_qpn = lp->qp->qp_num;
	rc.dgid = dgid;
	if (rc_qp_connect(lp->qp, &rc))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "cannot set up a loopback RC QP: %s\n", strerror(errno));
	fp_loop_close(lp);
	return -1;
}

void fp_loop_close(struct fp_loop *lp)
{
	if (lp->qp)
		ibv_destroy_qp(lp->qp);
	if (lp->mr)
		ibv_dereg_mr(lp->mr);
	if (lp->cq)
		ibv_destroy_cq(lp->cq);
	free(lp->buf);
	memset(lp, 0, sizeof(*lp));
}

int fp_loop_rdma(struct fp_loop *lp, int opcode, void *raddr, uint32_t rkey,
		 size_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)lp->buf,
		.length = (uint32_t)len,
		.lkey = lp->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 1,
		.sg_list = &sge,
		.num_sge = 1,
		.opcode = opcode,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma.remote_addr = (uintptr_t)raddr,
		.wr.rdma.rkey = rkey,
	}, *bad;
	struct ibv_wc wc;
	int n;

	if (len > lp->size) {
		fprintf(stderr, "RDMA transfer of %zu bytes exceeds the %zu-byte buffer\n",
			len, lp->size);
		return -1;
	}
	if (ibv_post_send(lp->qp, &wr, &bad)) {
		fprintf(stderr, "ibv_post_send failed: %s\n", strerror(errno));
		return -1;
	}
	while ((n = ibv_poll_cq(lp->cq, 1, &wc)) == 0)
		;
	if (n < 0 || wc.status != IBV_WC_SUCCESS) {
		fprintf(stderr, "RDMA %s completed with status %s\n",
			opcode == IBV_WR_RDMA_WRITE ? "WRITE" : "READ",
			n < 0 ? "poll error" : ibv_wc_status_str(wc.status));
		return -1;
	}
	return 0;
}
