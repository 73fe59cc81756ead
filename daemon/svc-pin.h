/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pin of pinmgr's pin service (pin-service.c) and the RDMA device it is
 * registered on, shared with the exports to remote peers (export.c).
 */
#ifndef FILEPIN_SVC_PIN_H
#define FILEPIN_SVC_PIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <infiniband/verbs.h>

#include "export-wire.h"
#include "pinmgr.h"

#define QPS_PER_PIN	16		/* local CONNECTs, and remote peers, each */

struct pm_export_peer;

struct pm_rdma_dev {
	struct pm_rdma_dev *next;
	char name[PINMGR_RDMA_DEV_MAX + 1];
	struct ibv_context *ctx;
	struct ibv_cq *cq;		/* shared: a CQ belongs to no PD */
	unsigned int refs;
};

struct pm_svc_qp {
	struct pm_svc_qp *next;
	struct ibv_qp *qp;
	const struct pm_conn *conn;
};

struct pm_svc_pin {
	struct pm_svc_pin *next;
	struct pm_pin *reg;
	int fd;
	void *addr;
	size_t len;
	uint64_t offset;
	unsigned int access;		/* PINMGR_ADM_ACCESS_* */
	struct pm_rdma_dev *dev;
	struct ibv_pd *pd;		/* this pin's own */
	struct ibv_mr *mr;
	uid_t uid;
	pid_t pid;
	struct pm_svc_qp *qps;
	unsigned int nqps;
	/* exported to remote peers (export.c) */
	bool exported;
	uint8_t token[FPX_TOKEN_LEN];
	struct pm_export_peer *peers;
	unsigned int npeers;
};

/* ---- export.c: remote peers of exported pins ---------------------------- */

/* Listen when pinmgr.conf says "listen"; 0, or -errno (logged). */
int pm_export_open(struct pm_daemon *d);
/* The rdma_cm event channel's descriptor, -1 when not listening. */
int pm_export_fd(const struct pm_daemon *d);
/* Handle what the event channel has. */
void pm_export_read(struct pm_daemon *d);
/*
 * The export of @s ends (revoke, unpin, break, pinmgr's end): every peer's
 * QP is moved to the error state, disconnected and destroyed, now, before
 * the caller deregisters the MR.  @why is logged.
 */
void pm_export_pin_gone(struct pm_daemon *d, struct pm_svc_pin *s, const char *why);
void pm_export_close(struct pm_daemon *d);
/* Is @s exported; its peers as "ADDRESS/QPN,..." into @buf (cut to fit). */
bool pm_export_describe(const struct pm_svc_pin *s, char *buf, size_t size);
/*
 * What each peer of @s moved, in pm_export_describe()'s order, as
 * "PACKETSpkt,..." (cut to fit; "?" for a peer whose QP cannot be
 * queried).  rxe counts bytes per port only (hw_counters), so this is the
 * advance of the PSN pinmgr's QP expects since the connection: one per
 * packet of the peer's WRITEs and of the responses to its READs.
 */
void pm_export_moved(const struct pm_svc_pin *s, char *buf, size_t size);
bool pm_export_listening(const struct pm_daemon *d);

#endif
