// SPDX-License-Identifier: GPL-2.0
/*
 * pm-rdma-peer - the "remote" peer of pinmgr's pin service, for the VM
 * cases: a separate process with its own PD and QP that asks pinmgr
 * (admin CONNECT) for a queue pair in the pin's protection domain, then
 * RDMA WRITEs a pattern at a file offset with the rkey "pinctl pin"
 * printed, and RDMA READs it back.
 *
 *   pm-rdma-peer -s SOCKET -i ID -k RKEY [-d DEV] [-g GID] -o OFFSET -l LEN [-S SEED] [-R]
 *	(-R: only RDMA READ, and check that the file holds the pattern)
 *   pm-rdma-peer --check FILE OFFSET LEN SEED   (verify the pattern with pread)
 *
 * The pattern byte at file offset x is (x * 131 + SEED) & 0xff.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fp-util.h"
#include "pinmgr-admin.h"
#include "seqpacket.h"

#define CHUNK (256u << 10)

static unsigned char pat(uint64_t x, unsigned int seed)
{
	return (unsigned char)(x * 131 + seed);
}

static int check_file(const char *path, uint64_t off, uint64_t len, unsigned int seed)
{
	unsigned char *b = malloc(CHUNK);
	uint64_t done, i;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !b)
		fp_die("%s: %s", path, strerror(errno));
	for (done = 0; done < len; done += CHUNK) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;

		if (pread(fd, b, n, (off_t)(off + done)) != (ssize_t)n)
			fp_die("pread %s: %s", path, strerror(errno));
		for (i = 0; i < n; i++) {
			if (b[i] != pat(off + done + i, seed)) {
				printf("file byte %llu is 0x%02x, want 0x%02x\n",
				       (unsigned long long)(off + done + i), b[i],
				       pat(off + done + i, seed));
				return 1;
			}
		}
	}
	printf("file bytes %llu+%llu hold the pattern\n", (unsigned long long)off,
	       (unsigned long long)len);
	return 0;
}

static void adm(int fd, const struct pinmgr_adm_msg *m, struct pinmgr_adm_msg *r)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX + 1];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n = pinmgr_adm_encode(m, buf, sizeof(buf));

	if (n < 0 || send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		fp_die("send to pinmgr: %s", strerror(errno));
	if (poll(&p, 1, 10000) != 1)
		fp_die("no answer from pinmgr");
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0 || pinmgr_adm_decode(buf, (size_t)n, r))
		fp_die("bad answer from pinmgr");
	if (r->type == PINMGR_ADM_ERROR)
		fp_die("pinmgr: %s", r->error.message);
}

static void rdma(struct ibv_qp *qp, struct ibv_cq *cq, int op, struct ibv_mr *mr,
		 size_t n, uint64_t raddr, uint32_t rkey)
{
	struct ibv_sge sge = { .addr = (uintptr_t)mr->addr, .length = (uint32_t)n,
			       .lkey = mr->lkey };
	struct ibv_send_wr wr = { .sg_list = &sge, .num_sge = 1, .opcode = op,
				  .send_flags = IBV_SEND_SIGNALED,
				  .wr.rdma = { .remote_addr = raddr, .rkey = rkey } };
	struct ibv_send_wr *bad;
	struct ibv_wc wc;
	int i, got = 0;

	if (ibv_post_send(qp, &wr, &bad))
		fp_die("ibv_post_send: %s", strerror(errno));
	for (i = 0; i < 10000000 && !got; i++)
		got = ibv_poll_cq(cq, 1, &wc);
	if (got != 1 || wc.status != IBV_WC_SUCCESS)
		fp_die("RDMA %s at iova 0x%llx: %s", op == IBV_WR_RDMA_WRITE ? "WRITE" : "READ",
		       (unsigned long long)raddr,
		       got == 1 ? ibv_wc_status_str(wc.status) : "no completion");
}

int main(int argc, char **argv)
{
	const char *sock = NULL, *dev = "rxe0";
	uint64_t id = 0, off = 0, len = 0, done;
	unsigned int seed = 1, rkey = 0;
	int gid = 1, c, fd;
	bool read_only = false;
	struct pinmgr_adm_msg *m = calloc(2, sizeof(*m)), *r = m + 1;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	struct ibv_qp_init_attr ia = { .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 1, .max_send_sge = 1, .max_recv_sge = 1 } };
	struct ibv_qp_attr a;
	union ibv_gid mygid;
	uint32_t psn;
	size_t z;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 6 && !strcmp(argv[1], "--check")) {
		if (fp_parse_size(argv[3], &z))
			return 2;
		off = z;
		if (fp_parse_size(argv[4], &z))
			return 2;
		return check_file(argv[2], off, z, (unsigned int)atoi(argv[5]));
	}
	while ((c = getopt(argc, argv, "s:i:k:d:g:o:l:S:R")) != -1) {
		switch (c) {
		case 'R': read_only = true; break;
		case 's': sock = optarg; break;
		case 'i': id = strtoull(optarg, NULL, 0); break;
		case 'k': rkey = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'd': dev = optarg; break;
		case 'g': gid = atoi(optarg); break;
		case 'o': if (fp_parse_size(optarg, &z)) return 2; off = z; break;
		case 'l': if (fp_parse_size(optarg, &z)) return 2; len = z; break;
		case 'S': seed = (unsigned int)atoi(optarg); break;
		default: return 2;
		}
	}
	if (!sock || !id || !len || !m)
		fp_die("usage: pm-rdma-peer -s SOCKET -i ID -k RKEY [-d DEV] [-g GID] -o OFF -l LEN [-S SEED]");

	ctx = fp_open_device(dev);
	pd = ibv_alloc_pd(ctx);
	cq = pd ? ibv_create_cq(ctx, 8, NULL, NULL, 0) : NULL;
	ia.send_cq = ia.recv_cq = cq;
	qp = cq ? ibv_create_qp(pd, &ia) : NULL;
	mr = qp ? ibv_reg_mr(pd, malloc(CHUNK), CHUNK, IBV_ACCESS_LOCAL_WRITE) : NULL;
	if (!mr || ibv_query_gid(ctx, 1, gid, &mygid))
		fp_die("cannot set up %s: %s", dev, strerror(errno));
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_INIT;
	a.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		fp_die("QP to INIT: %s", strerror(errno));
	if (getrandom(&psn, sizeof(psn), 0) != sizeof(psn))
		psn = 42;
	psn &= 0xffffff;

	fd = seqpacket_connect(sock, 0, geteuid(), NULL);
	if (fd < 0)
		fp_die("connect %s: %s", sock, strerror(-fd));
	m->type = PINMGR_ADM_CONNECT;
	m->connect.id = id;
	m->connect.qpn = qp->qp_num;
	m->connect.psn = psn;
	m->connect.gid_index = (uint32_t)gid;
	m->connect.mtu = IBV_MTU_1024;
	memcpy(m->connect.gid, mygid.raw, 16);
	adm(fd, m, r);
	if (r->type != PINMGR_ADM_CONNECTED)
		fp_die("unexpected %s answer", pinmgr_adm_type_name(r->type));
	printf("pinmgr QP %u psn %u\n", r->connected.qpn, r->connected.psn);

	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = r->connected.qpn;
	a.rq_psn = r->connected.psn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	memcpy(a.ah_attr.grh.dgid.raw, r->connected.gid, 16);
	a.ah_attr.grh.sgid_index = (uint8_t)gid;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		fp_die("QP to RTR: %s", strerror(errno));
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.sq_psn = psn;
	a.max_rd_atomic = 4;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			  IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
		fp_die("QP to RTS: %s", strerror(errno));

	/* iova = file offset: remote address OFF + done is file byte OFF + done */
	for (done = 0; done < len; done += CHUNK) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		unsigned char *b = mr->addr;

		if (!read_only) {
			for (z = 0; z < n; z++)
				b[z] = pat(off + done + z, seed);
			rdma(qp, cq, IBV_WR_RDMA_WRITE, mr, n, off + done, rkey);
		}
		memset(b, 0, n);
		rdma(qp, cq, IBV_WR_RDMA_READ, mr, n, off + done, rkey);
		for (z = 0; z < n; z++)
			if (b[z] != pat(off + done + z, seed))
				fp_die("RDMA READ of iova %llu gave 0x%02x",
				       (unsigned long long)(off + done + z), b[z]);
	}
	printf("%s %llu bytes at file offset %llu\n",
	       read_only ? "read" : "wrote and read back",
	       (unsigned long long)len, (unsigned long long)off);
	close(fd);
	return 0;
}
