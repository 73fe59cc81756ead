// SPDX-License-Identifier: LGPL-2.1-or-later
/* The peer's side of an export: rdma_cm connect, token, RDMA (export-client.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "export-client.h"

#define STEP_MS		10000	/* address and route resolution, connect */
#define RDMA_MS		30000	/* one transfer */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next event within @ms (the channel is non-blocking); NULL on timeout. */
static struct rdma_cm_event *next_event(struct fpx_client *c, int ms)
{
	int64_t end = now_ms() + ms;
	struct rdma_cm_event *ev;

	for (;;) {
		struct pollfd p = { .fd = c->ch->fd, .events = POLLIN };
		int64_t left = end - now_ms();

		if (!rdma_get_cm_event(c->ch, &ev))
			return ev;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return NULL;
		if (left <= 0) {
			errno = ETIMEDOUT;
			return NULL;
		}
		poll(&p, 1, (int)left);
	}
}

/* Wait for @want; -errno with @err set otherwise. */
static int expect(struct fpx_client *c, enum rdma_cm_event_type want,
		  const char *what, char *err, size_t errlen)
{
	struct rdma_cm_event *ev = next_event(c, STEP_MS);
	int r = 0;

	if (!ev) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return r;
	}
	if (ev->event != want) {
		snprintf(err, errlen, "%s: %s (status %d)", what,
			 rdma_event_str(ev->event), ev->status);
		r = ev->event == RDMA_CM_EVENT_ADDR_ERROR ||
		    ev->event == RDMA_CM_EVENT_ROUTE_ERROR ? -EHOSTUNREACH : -EIO;
	}
	rdma_ack_cm_event(ev);
	return r;
}

int fpx_connect(struct fpx_client *c, const char *host, unsigned int port,
		const uint8_t token[FPX_TOKEN_LEN], size_t bufsize,
		char *err, size_t errlen)
{
	struct ibv_qp_init_attr qa = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	unsigned char req[FPX_REQ_LEN];
	struct rdma_conn_param cp = {
		.private_data = req,
		.private_data_len = sizeof(req),
		.initiator_depth = 4,
		.responder_resources = 0,
		.retry_count = 7,
		.rnr_retry_count = 7,
	};
	struct rdma_cm_event *ev;
	struct addrinfo *ai = NULL;
	char ports[16];
	int r;

	memset(c, 0, sizeof(*c));
	c->ch = rdma_create_event_channel();
	if (!c->ch) {
		r = -errno;
		snprintf(err, errlen, "rdma_create_event_channel: %s (no RDMA device? rdma_ucm loaded?)",
			 strerror(errno));
		return r;
	}
	if (fcntl(c->ch->fd, F_SETFL, fcntl(c->ch->fd, F_GETFL) | O_NONBLOCK) ||
	    rdma_create_id(c->ch, &c->id, NULL, RDMA_PS_TCP)) {
		r = -errno;
		snprintf(err, errlen, "rdma_create_id: %s", strerror(errno));
		return r;
	}
	snprintf(ports, sizeof(ports), "%u", port);
	r = getaddrinfo(host, ports, &hints, &ai);
	if (r) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(r));
		return -EINVAL;
	}
	r = rdma_resolve_addr(c->id, NULL, ai->ai_addr, STEP_MS);
	freeaddrinfo(ai);
	if (r) {
		r = -errno;
		snprintf(err, errlen, "resolving %s: %s", host, strerror(errno));
		return r;
	}
	r = expect(c, RDMA_CM_EVENT_ADDR_RESOLVED, "resolving the address", err, errlen);
	if (!r && rdma_resolve_route(c->id, STEP_MS)) {
		r = -errno;
		snprintf(err, errlen, "resolving the route: %s", strerror(errno));
	}
	if (!r)
		r = expect(c, RDMA_CM_EVENT_ROUTE_RESOLVED, "resolving the route", err, errlen);
	if (r)
		return r;

	c->pd = ibv_alloc_pd(c->id->verbs);
	c->cq = c->pd ? ibv_create_cq(c->id->verbs, 16, NULL, NULL, 0) : NULL;
	qa.send_cq = qa.recv_cq = c->cq;
	if (!c->cq || rdma_create_qp(c->id, c->pd, &qa)) {
		r = errno ? -errno : -EIO;
		snprintf(err, errlen, "cannot make a QP on %s: %s",
			 ibv_get_device_name(c->id->verbs->device), strerror(-r));
		return r;
	}
	c->bufsize = bufsize ? bufsize : 4096;
	c->buf = aligned_alloc(4096, (c->bufsize + 4095) & ~(size_t)4095);
	if (c->buf)
		memset(c->buf, 0, c->bufsize);
	c->mr = c->buf ? ibv_reg_mr(c->pd, c->buf, c->bufsize, IBV_ACCESS_LOCAL_WRITE) : NULL;
	if (!c->mr) {
		r = errno ? -errno : -ENOMEM;
		snprintf(err, errlen, "cannot register a %zu-byte buffer: %s", c->bufsize,
			 strerror(-r));
		return r;
	}
	c->qpn = c->id->qp->qp_num;

	fpx_req_encode(req, token);
	if (rdma_connect(c->id, &cp)) {
		r = -errno;
		snprintf(err, errlen, "rdma_connect: %s", strerror(errno));
		return r;
	}
	ev = next_event(c, STEP_MS);
	if (!ev) {
		r = -errno;
		snprintf(err, errlen, "connecting: %s", strerror(errno));
		return r;
	}
	switch (ev->event) {
	case RDMA_CM_EVENT_ESTABLISHED:
		if (!fpx_desc_decode(ev->param.conn.private_data,
				     ev->param.conn.private_data_len, &c->desc)) {
			snprintf(err, errlen, "the exporter's answer is not a descriptor");
			r = -EPROTO;
			break;
		}
		c->peer_qpn = ev->param.conn.qp_num;
		c->connected = true;
		r = 0;
		break;
	case RDMA_CM_EVENT_REJECTED: {
		int e = fpx_rej_decode(ev->param.conn.private_data,
				       ev->param.conn.private_data_len);

		if (e) {
			snprintf(err, errlen, "refused by the exporter: %s", strerror(e));
			r = e == EACCES ? -EACCES : -e;
		} else {
			snprintf(err, errlen, "refused (status %d): nobody exports there?",
				 ev->status);
			r = -ECONNREFUSED;
		}
		break;
	}
	default:
		snprintf(err, errlen, "connecting: %s (status %d)",
			 rdma_event_str(ev->event), ev->status);
		r = ev->event == RDMA_CM_EVENT_UNREACHABLE ? -EHOSTUNREACH : -EIO;
		break;
	}
	rdma_ack_cm_event(ev);
	return r;
}

/* Take the events that came meanwhile: a disconnect marks the connection. */
static void drain_events(struct fpx_client *c)
{
	struct rdma_cm_event *ev;

	while (!rdma_get_cm_event(c->ch, &ev)) {
		/* librdmacm moved the QP to the error state for us */
		if (ev->event == RDMA_CM_EVENT_DISCONNECTED)
			c->disconnected = true;
		rdma_ack_cm_event(ev);
	}
}

int fpx_rdma(struct fpx_client *c, bool write, uint64_t iova, uint32_t rkey,
	     size_t len, char *err, size_t errlen)
{
	const char *op = write ? "RDMA WRITE" : "RDMA READ";
	struct ibv_sge sge = {
		.addr = (uintptr_t)c->buf, .length = (uint32_t)len, .lkey = c->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 1, .sg_list = &sge, .num_sge = 1,
		.opcode = write ? IBV_WR_RDMA_WRITE : IBV_WR_RDMA_READ,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = iova, .rkey = rkey },
	}, *bad;
	struct ibv_wc wc;
	int64_t end = now_ms() + RDMA_MS;
	int n;

	if (len > c->bufsize || len > UINT32_MAX) {
		snprintf(err, errlen, "%s of %zu bytes: more than the buffer (%zu)", op, len,
			 c->bufsize);
		return -EINVAL;
	}
	drain_events(c);
	if (c->disconnected) {
		snprintf(err, errlen, "%s: the exporter ended the connection", op);
		return -ENOTCONN;
	}
	n = ibv_post_send(c->id->qp, &wr, &bad);
	if (n) {
		snprintf(err, errlen, "%s: cannot post: %s", op, strerror(n));
		return -n;
	}
	while ((n = ibv_poll_cq(c->cq, 1, &wc)) == 0) {
		struct timespec ms = { 0, 1000000 };

		if (now_ms() > end) {
			snprintf(err, errlen, "%s: no completion in %d s", op, RDMA_MS / 1000);
			return -ETIMEDOUT;
		}
		nanosleep(&ms, NULL);
	}
	if (n < 0) {
		snprintf(err, errlen, "%s: ibv_poll_cq failed", op);
		return -EIO;
	}
	if (wc.status != IBV_WC_SUCCESS) {
		drain_events(c);
		snprintf(err, errlen, "%s failed: %s (status %d)%s", op,
			 ibv_wc_status_str(wc.status), (int)wc.status,
			 c->disconnected ? "; the exporter ended the connection" : "");
		return -EIO;
	}
	return 0;
}

void fpx_close(struct fpx_client *c)
{
	if (c->connected && !c->disconnected)
		rdma_disconnect(c->id);
	if (c->id && c->id->qp)
		rdma_destroy_qp(c->id);
	if (c->mr)
		ibv_dereg_mr(c->mr);
	free(c->buf);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	if (c->id)
		rdma_destroy_id(c->id);
	if (c->ch)
		rdma_destroy_event_channel(c->ch);
	memset(c, 0, sizeof(*c));
}
