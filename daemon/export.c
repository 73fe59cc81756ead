// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Exports: remote peers of service pins over rdma_cm (pinmgr.conf(5)
 * "listen", pinctl(8) "pin --export").
 *
 * pinmgr listens on the configured address.  A peer's connect request
 * carries a token (common/export-wire.h) that names one exported pin; the
 * peer gets an RC QP made in that pin's own protection domain, moved to
 * RTS here (rdma_init_qp_attr() for the connection's attributes, the
 * export's access flags), and the accept carries the range's descriptor:
 * iova = file offset, length, rkey, access.  Nothing else: the QP can
 * reach no other pin's MR.  A malformed request, an unknown or revoked
 * token, a connection on another device, or too many peers (max-peers,
 * QPS_PER_PIN per pin) is rejected, counted and logged (rate-limited).
 *
 * When the export ends (revoke, unpin, break, pinmgr's end) the peers go
 * first: each QP is moved to the error state, the connection is
 * disconnected (the peer gets DISCONNECTED and its QP errors), the QP and
 * the cm id destroyed; only then does the caller deregister the MR, so an
 * old rkey is never reachable again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "svc-pin.h"

#define LISTEN_BACKLOG	16

struct pm_export_peer {
	struct pm_export_peer *next;
	struct rdma_cm_id *id;
	struct ibv_qp *qp;
	struct pm_svc_pin *s;
	char addr[INET6_ADDRSTRLEN + 8];
	uint32_t rq_psn0;		/* the PSN expected first (pm_export_moved) */
	bool established;
};

struct pm_export {
	struct rdma_event_channel *ch;
	struct rdma_cm_id *listen_id;
	unsigned int npeers;
	unsigned long accepted, refused;
};

bool pm_export_listening(const struct pm_daemon *d)
{
	return d->export != NULL;
}

int pm_export_fd(const struct pm_daemon *d)
{
	return d->export ? d->export->ch->fd : -1;
}

static void addr_str(struct sockaddr *sa, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN];
	unsigned int port;

	if (sa && sa->sa_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)(void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
		snprintf(out, size, "%s:%u", host, port);
	} else if (sa && sa->sa_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
		snprintf(out, size, "[%s]:%u", host, port);
	} else {
		snprintf(out, size, "?");
	}
}

int pm_export_open(struct pm_daemon *d)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	struct pm_export *e;
	char host[64], ports[16];
	unsigned int port;
	int r;

	if (!d->cfg.listen)
		return 0;
	if (fpx_addr_parse(d->cfg.listen, host, sizeof(host), &port))
		return -EINVAL;	/* checked by the config parser */
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->ch = rdma_create_event_channel();
	if (!e->ch) {
		r = -errno;
		pm_err("listen %s: cannot open rdma_cm: %m (no RDMA device, or rdma_ucm not loaded?)",
		       d->cfg.listen);
		free(e);
		return r;
	}
	d->export = e;
	if (fcntl(e->ch->fd, F_SETFL, fcntl(e->ch->fd, F_GETFL) | O_NONBLOCK) ||
	    fcntl(e->ch->fd, F_SETFD, FD_CLOEXEC) ||
	    rdma_create_id(e->ch, &e->listen_id, NULL, RDMA_PS_TCP)) {
		r = -errno;
		pm_err("listen %s: rdma_create_id: %m", d->cfg.listen);
		pm_export_close(d);
		return r;
	}
	snprintf(ports, sizeof(ports), "%u", port);
	r = getaddrinfo(host, ports, &hints, &ai);
	if (r) {
		pm_err("listen %s: %s", d->cfg.listen, gai_strerror(r));
		pm_export_close(d);
		return -EINVAL;
	}
	r = rdma_bind_addr(e->listen_id, ai->ai_addr);
	freeaddrinfo(ai);
	if (r || rdma_listen(e->listen_id, LISTEN_BACKLOG)) {
		r = -errno;
		pm_err("listen %s: %s: %m (is the address on an RDMA device's interface?)",
		       d->cfg.listen, r ? "rdma_listen" : "rdma_bind_addr");
		pm_export_close(d);
		return r;
	}
	pm_notice("listening for remote peers of exported pins on %s (max-peers %u)",
		  d->cfg.listen, d->cfg.max_peers);
	return 0;
}

/*
 * Store and send an export event (pinctl events): @s NULL for a refused
 * connection (then root's only), else the pin's owner sees it too.
 */
static void publish(struct pm_daemon *d, const struct pm_svc_pin *s, uint32_t action,
		    const char *addr, uint32_t qpn)
{
	struct pm_event ev = { .action = action, .caller_uid = 0 };
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ev.time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	ev.k.op = PINMGR_ADM_OP_EXPORT;
	if (s && s->reg) {
		ev.k.major = s->reg->major;
		ev.k.minor = s->reg->minor;
		ev.k.ino = s->reg->ino;
		ev.k.offset = s->offset;
		ev.k.length = s->len;
		ev.k.have = PM_KEV_DEV | PM_KEV_INO;
		ev.caller_uid = s->uid;
		ev.path = s->reg->path;	/* copied by pm_events_push */
	}
	snprintf(ev.k.comm, sizeof(ev.k.comm), "pinmgr");
	if (qpn)
		snprintf(ev.peer, sizeof(ev.peer), "%s/%u", addr, qpn);
	else
		snprintf(ev.peer, sizeof(ev.peer), "%s", addr);
	pm_events_publish(d, &ev);
}

/* Tear one peer down: error state, disconnect, destroy; not yet freed. */
static void peer_drop(struct pm_daemon *d, struct pm_export_peer *p, bool disconnect)
{
	struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };

	publish(d, p->s, PINMGR_ADM_ACTION_PEER_OUT, p->addr, p->qp ? p->qp->qp_num : 0);
	if (p->qp) {
		if (ibv_modify_qp(p->qp, &attr, IBV_QP_STATE))
			pm_err("export: peer %s QP %u: cannot move it to the error state: %m",
			       p->addr, p->qp->qp_num);
	}
	if (disconnect && p->established)
		rdma_disconnect(p->id);
	if (p->qp && ibv_destroy_qp(p->qp))
		pm_err("export: peer %s: ibv_destroy_qp: %m", p->addr);
	p->qp = NULL;
	rdma_destroy_id(p->id);
	d->export->npeers--;
}

/* Unlink @p from its pin and free it (after peer_drop). */
static void peer_unlink(struct pm_export_peer *p)
{
	struct pm_export_peer **pp;

	for (pp = &p->s->peers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	p->s->npeers--;
	free(p);
}

void pm_export_pin_gone(struct pm_daemon *d, struct pm_svc_pin *s, const char *why)
{
	while (s->peers) {
		struct pm_export_peer *p = s->peers;

		pm_notice("pin %llu: remote peer %s (QP %u) disconnected: %s",
			  s->reg ? (unsigned long long)s->reg->id : 0ull, p->addr,
			  p->qp ? p->qp->qp_num : 0, why);
		peer_drop(d, p, true);
		peer_unlink(p);
	}
}

static void reject(struct pm_daemon *d, struct rdma_cm_id *id, int err,
		   const char *addr, const char *why)
{
	unsigned char buf[FPX_REJ_LEN];

	d->export->refused++;
	pm_log_user(0, LOG_WARNING, "export: refused connection from %s: %s (%lu refused so far)",
		    addr, why, d->export->refused);
	publish(d, NULL, PINMGR_ADM_ACTION_PEER_REFUSED, addr, 0);
	fpx_rej_encode(buf, err);
	if (rdma_reject(id, buf, sizeof(buf)))
		pm_err("export: rdma_reject: %m");
}

/* Move the new QP of @p to RTS with the connection's attributes. */
static int qp_up(struct pm_export_peer *p, const struct rdma_conn_param *req)
{
	static const enum ibv_qp_state states[] = { IBV_QPS_INIT, IBV_QPS_RTR, IBV_QPS_RTS };
	size_t i;

	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct ibv_qp_attr attr;
		int mask = 0;

		memset(&attr, 0, sizeof(attr));
		attr.qp_state = states[i];
		if (rdma_init_qp_attr(p->id, &attr, &mask))
			return -1;
		if (states[i] == IBV_QPS_INIT) {
			attr.qp_access_flags =
				((p->s->access & PINMGR_ADM_ACCESS_REMOTE_READ) ? IBV_ACCESS_REMOTE_READ : 0) |
				((p->s->access & PINMGR_ADM_ACCESS_REMOTE_WRITE) ? IBV_ACCESS_REMOTE_WRITE : 0);
			mask |= IBV_QP_ACCESS_FLAGS;
		} else if (states[i] == IBV_QPS_RTR) {
			p->rq_psn0 = attr.rq_psn;
			attr.max_dest_rd_atomic = req->initiator_depth ? req->initiator_depth : 1;
			if (attr.max_dest_rd_atomic > 16)
				attr.max_dest_rd_atomic = 16;
			mask |= IBV_QP_MAX_DEST_RD_ATOMIC;
		} else {
			attr.max_rd_atomic = 0;	/* this side never reads */
			mask |= IBV_QP_MAX_QP_RD_ATOMIC;
		}
		if (ibv_modify_qp(p->qp, &attr, mask))
			return -1;
	}
	return 0;
}

/* A connect request; 0 when accepted, else rejected (destroy @id). */
static int on_request(struct pm_daemon *d, struct rdma_cm_id *id,
		      const struct rdma_conn_param *req)
{
	struct pm_export *e = d->export;
	struct ibv_qp_init_attr ia = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 1, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	unsigned char desc[FPX_DESC_LEN];
	struct rdma_conn_param cp = {
		.private_data = desc,
		.private_data_len = sizeof(desc),
		.initiator_depth = 0,
		.rnr_retry_count = 7,
	};
	struct fpx_desc fd;
	uint8_t token[FPX_TOKEN_LEN];
	struct pm_export_peer *p;
	struct pm_svc_pin *s;
	char addr[sizeof(p->addr)];

	addr_str(rdma_get_peer_addr(id), addr, sizeof(addr));
	if (!fpx_req_decode(req->private_data, req->private_data_len, token)) {
		reject(d, id, EPROTO, addr, "not a filepin export request");
		return -EPROTO;
	}
	for (s = d->svc_pins; s; s = s->next)
		if (s->exported && fpx_token_equal(s->token, token))
			break;
	if (!s) {
		reject(d, id, EACCES, addr, "unknown or revoked token");
		return -EACCES;
	}
	if (e->npeers >= d->cfg.max_peers || s->npeers >= QPS_PER_PIN) {
		reject(d, id, EBUSY, addr, e->npeers >= d->cfg.max_peers ?
		       "max-peers reached" : "the pin has its most peers");
		return -EBUSY;
	}
	if (strcmp(ibv_get_device_name(id->verbs->device), s->dev->name)) {
		reject(d, id, ENODEV, addr, "the connection came on another RDMA device than the pin's");
		return -ENODEV;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		reject(d, id, ENOMEM, addr, "out of memory");
		return -ENOMEM;
	}
	p->id = id;
	p->s = s;
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	ia.send_cq = ia.recv_cq = s->dev->cq;
	p->qp = ibv_create_qp(s->pd, &ia);	/* in the pin's own PD */
	if (!p->qp || qp_up(p, req)) {
		int err = errno ? errno : EIO;

		pm_err("export: pin %llu: cannot set up a QP for %s: %m",
		       (unsigned long long)s->reg->id, addr);
		if (p->qp)
			ibv_destroy_qp(p->qp);
		free(p);
		reject(d, id, err, addr, "no QP");
		return -err;
	}
	fd.access = ((s->access & PINMGR_ADM_ACCESS_REMOTE_READ) ? FPX_ACCESS_READ : 0) |
		    ((s->access & PINMGR_ADM_ACCESS_REMOTE_WRITE) ? FPX_ACCESS_WRITE : 0);
	fd.iova = s->offset;
	fd.length = s->len;
	fd.rkey = s->mr->rkey;
	fpx_desc_encode(desc, &fd);
	cp.qp_num = p->qp->qp_num;
	cp.responder_resources = req->initiator_depth ? req->initiator_depth : 1;
	if (cp.responder_resources > 16)
		cp.responder_resources = 16;
	if (rdma_accept(id, &cp)) {
		pm_err("export: pin %llu: rdma_accept for %s: %m",
		       (unsigned long long)s->reg->id, addr);
		ibv_destroy_qp(p->qp);
		free(p);
		return -EIO;
	}
	id->context = p;
	p->next = s->peers;
	s->peers = p;
	s->npeers++;
	e->npeers++;
	e->accepted++;
	publish(d, s, PINMGR_ADM_ACTION_PEER_IN, addr, p->qp->qp_num);
	pm_notice("pin %llu: remote peer %s connected, QP %u",
		  (unsigned long long)s->reg->id, addr, p->qp->qp_num);
	return 0;
}

void pm_export_read(struct pm_daemon *d)
{
	struct rdma_cm_event *ev;

	while (d->export && !rdma_get_cm_event(d->export->ch, &ev)) {
		struct rdma_cm_id *id = ev->id;
		struct pm_export_peer *p = id->context;
		enum rdma_cm_event_type type = ev->event;

		if (type == RDMA_CM_EVENT_CONNECT_REQUEST) {
			struct rdma_conn_param req = ev->param.conn;
			int r = on_request(d, id, &req);

			rdma_ack_cm_event(ev);
			if (r)
				rdma_destroy_id(id);
			continue;
		}
		rdma_ack_cm_event(ev);
		if (id == d->export->listen_id || !p)
			continue;
		switch (type) {
		case RDMA_CM_EVENT_ESTABLISHED:
			p->established = true;
			break;
		case RDMA_CM_EVENT_DISCONNECTED:
		case RDMA_CM_EVENT_REJECTED:
		case RDMA_CM_EVENT_UNREACHABLE:
		case RDMA_CM_EVENT_CONNECT_ERROR:
		case RDMA_CM_EVENT_DEVICE_REMOVAL:
			pm_info("pin %llu: remote peer %s (QP %u): %s",
				(unsigned long long)p->s->reg->id, p->addr,
				p->qp ? p->qp->qp_num : 0, rdma_event_str(type));
			peer_drop(d, p, false);
			peer_unlink(p);
			break;
		default:
			break;
		}
	}
}

bool pm_export_describe(const struct pm_svc_pin *s, char *buf, size_t size)
{
	const struct pm_export_peer *p;
	size_t n = 0;

	buf[0] = 0;
	for (p = s->peers; p; p = p->next) {
		char one[sizeof(p->addr) + 16];
		int k = snprintf(one, sizeof(one), "%s%s/%u", n ? "," : "", p->addr,
				 p->qp ? p->qp->qp_num : 0);

		if (k < 0 || n + (size_t)k >= size)
			break;
		memcpy(buf + n, one, (size_t)k + 1);
		n += (size_t)k;
	}
	return s->exported;
}

void pm_export_moved(const struct pm_svc_pin *s, char *buf, size_t size)
{
	const struct pm_export_peer *p;
	size_t n = 0;

	buf[0] = 0;
	for (p = s->peers; p; p = p->next) {
		struct ibv_qp_attr attr;
		struct ibv_qp_init_attr init;
		char one[32];
		int k;

		memset(&attr, 0, sizeof(attr));
		if (p->qp && !ibv_query_qp(p->qp, &attr, IBV_QP_RQ_PSN, &init))
			k = snprintf(one, sizeof(one), "%s%upkt", n ? "," : "",
				     (attr.rq_psn - p->rq_psn0) & 0xffffffu);
		else
			k = snprintf(one, sizeof(one), "%s?", n ? "," : "");
		if (k < 0 || n + (size_t)k >= size)
			break;
		memcpy(buf + n, one, (size_t)k + 1);
		n += (size_t)k;
	}
}

uint64_t pm_export_of_range(const struct pm_daemon *d, unsigned int major,
			    unsigned int minor, uint64_t ino, uint64_t offset,
			    uint64_t length, char *buf, size_t size)
{
	const struct pm_svc_pin *s, *found = NULL;
	uint64_t end = length && offset + length > offset ? offset + length : UINT64_MAX;

	buf[0] = 0;
	for (s = d->svc_pins; s; s = s->next) {
		if (!s->exported || !s->reg || !pm_pin_on(s->reg, major, minor, ino))
			continue;
		/* overlapping ranges; the one with peers first */
		if (s->offset >= end || offset >= s->offset + s->len)
			continue;
		if (!found || (!found->peers && s->peers))
			found = s;
	}
	if (!found)
		return 0;
	pm_export_describe(found, buf, size);
	return found->reg->id;
}

void pm_export_close(struct pm_daemon *d)
{
	struct pm_export *e = d->export;
	struct pm_svc_pin *s;

	if (!e)
		return;
	for (s = d->svc_pins; s; s = s->next)
		pm_export_pin_gone(d, s, "pinmgr stops");
	if (e->listen_id)
		rdma_destroy_id(e->listen_id);
	rdma_destroy_event_channel(e->ch);
	free(e);
	d->export = NULL;
}
