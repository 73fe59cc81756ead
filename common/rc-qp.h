/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bringing a reliable-connected QP up (RESET -> INIT -> RTR -> RTS) on
 * port 1 over RoCE, shared by pinmgr's pin service and the VM test
 * programs.  Internal: never installed; needs libibverbs (so it is not in
 * libfilepin, which must not).
 */
#ifndef FILEPIN_RC_QP_H
#define FILEPIN_RC_QP_H

#include <stdint.h>

#include <infiniband/verbs.h>

struct rc_qp_conn {
	unsigned int access;		/* qp_access_flags: IBV_ACCESS_REMOTE_* */
	enum ibv_mtu mtu;		/* path MTU */
	uint8_t sgid_index;		/* our GID on port 1 */
	uint32_t sq_psn;		/* first PSN we send */
	uint8_t max_dest_rd_atomic;	/* RDMA READs the peer may have in flight */
	/* the peer */
	uint32_t dest_qpn;
	uint32_t rq_psn;		/* first PSN the peer sends */
	union ibv_gid dgid;
};

/*
 * Move @qp (in RESET) through INIT and RTR to RTS, connected to the peer of
 * @conn.  Returns 0, or ibv_modify_qp()'s non-zero result with errno set
 * (the QP is left in whatever state it reached).
 */
int rc_qp_connect(struct ibv_qp *qp, const struct rc_qp_conn *conn);

#endif
