// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pin service: pin a range of a file on behalf of a client so that a
 * remote RDMA peer can read and write the file by offset.
 *
 * The client proves that it may open the file by passing an open
 * descriptor (SCM_RIGHTS); pinmgr never opens a path it is given.  pinmgr
 * reopens that file through /proc/self/fd (a lease belongs to an open
 * file, and the client's own fcntl(F_UNLCK) must not drop ours), takes an
 * exclusive layout lease, maps the range MAP_SHARED and registers it with
 * iova = file offset.  Pins live until "pinctl unpin", a break, or pinmgr's
 * exit; nothing is left behind.
 *
 * Every pin has a protection domain of its own, and CONNECT makes an RC
 * QP in the PD of the pin it names (an MR is usable only by QPs of its
 * PD), connected to the peer's QP over RoCE, so that the peer can use that
 * pin's rkey and no other pin's; the QP lives as long as the requesting
 * connection and the pin.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <syslog.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "filepin-fcntl.h"
#include "pinmgr.h"
#include "rc-qp.h"
#include "svc-pin.h"

static void dev_put(struct pm_daemon *d, struct pm_rdma_dev *dev)
{
	struct pm_rdma_dev **pp;

	if (--dev->refs)
		return;
	for (pp = &d->rdma_devs; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	if (dev->cq)
		ibv_destroy_cq(dev->cq);
	if (dev->ctx)
		ibv_close_device(dev->ctx);
	free(dev);
}

/* The device called @name, opened once and shared; NULL with @err set. */
static struct pm_rdma_dev *dev_get(struct pm_daemon *d, const char *name,
				   char *err, size_t errlen)
{
	struct ibv_device **list;
	struct pm_rdma_dev *dev;
	int i, n = 0;

	for (dev = d->rdma_devs; dev; dev = dev->next) {
		if (!strcmp(dev->name, name)) {
			dev->refs++;
			return dev;
		}
	}
	list = ibv_get_device_list(&n);
	if (!list) {
		snprintf(err, errlen, "cannot list RDMA devices: %s", strerror(errno));
		return NULL;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			break;
	if (i == n) {
		ibv_free_device_list(list);
		snprintf(err, errlen, "no RDMA device named %s", name);
		errno = ENODEV;
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev) {
		ibv_free_device_list(list);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	dev->refs = 1;
	dev->ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	if (dev->ctx)
		dev->cq = ibv_create_cq(dev->ctx, 16, NULL, NULL, 0);
	if (!dev->cq) {
		int e = errno ? errno : EIO;

		snprintf(err, errlen, "cannot open RDMA device %s (%s): %s", name,
			 !dev->ctx ? "ibv_open_device" : "ibv_create_cq", strerror(e));
		dev->next = d->rdma_devs;
		d->rdma_devs = dev;
		dev_put(d, dev);
		errno = e;
		return NULL;
	}
	dev->next = d->rdma_devs;
	d->rdma_devs = dev;
	return dev;
}

static void qp_free(struct pm_svc_qp *q)
{
	if (q->qp)
		ibv_destroy_qp(q->qp);
	free(q);
}

static struct pm_svc_pin *find_svc(struct pm_daemon *d, uint64_t id)
{
	struct pm_svc_pin *s;

	for (s = d->svc_pins; s; s = s->next)
		if (s->reg && s->reg->id == id)
			return s;
	return NULL;
}

static void svc_free(struct pm_daemon *d, struct pm_svc_pin *s)
{
	struct pm_svc_pin **pp;
	struct pm_svc_qp *q, *n;

	/* remote peers first: they must see an error, never a dead rkey */
	pm_export_pin_gone(d, s, "the pin is released");
	for (q = s->qps; q; q = n) {
		n = q->next;
		qp_free(q);
	}
	if (s->mr && ibv_dereg_mr(s->mr))
		pm_err("ibv_dereg_mr of service pin %llu: %m",
		       s->reg ? (unsigned long long)s->reg->id : 0ull);
	if (s->pd && ibv_dealloc_pd(s->pd))
		pm_err("ibv_dealloc_pd of service pin %llu: %m",
		       s->reg ? (unsigned long long)s->reg->id : 0ull);
	if (s->addr && s->addr != MAP_FAILED)
		munmap(s->addr, s->len);
	if (s->fd >= 0) {
		fcntl(s->fd, F_SETLEASE, F_UNLCK);
		close(s->fd);
	}
	if (s->dev)
		dev_put(d, s->dev);
	if (s->reg)
		pm_reg_del_service(&d->reg, s->reg);
	for (pp = &d->svc_pins; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	free(s);
}

static uint64_t user_bytes(struct pm_daemon *d, uid_t uid)
{
	const struct pm_svc_pin *s;
	uint64_t n = 0;

	for (s = d->svc_pins; s; s = s->next)
		if (s->uid == uid)
			n += s->len;
	return n;
}

static unsigned int user_exports(struct pm_daemon *d, uid_t uid)
{
	const struct pm_svc_pin *s;
	unsigned int n = 0;

	for (s = d->svc_pins; s; s = s->next)
		if (s->uid == uid && s->exported)
			n++;
	return n;
}

/*
 * Our own open file for what @fd is open on (same inode, same access),
 * opened with the requester's rights: the descriptor proves only that
 * somebody could open the file once.  -errno when it cannot be had.
 */
static int reopen(const struct pm_user *u, int fd, int accmode, const struct stat *st)
{
	char path[64];
	struct stat st2;
	int nfd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	nfd = pm_open_as(u, path, accmode);
	if (nfd < 0)
		return nfd;
	if (fstat(nfd, &st2) || st2.st_dev != st->st_dev || st2.st_ino != st->st_ino) {
		close(nfd);
		return -ESTALE;
	}
	return nfd;
}

void pm_service_pin(struct pm_daemon *d, struct pm_conn *c,
		    const struct pm_cred *cred, const struct pinmgr_adm_pin *req,
		    int fd)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_PINNED };
	char name[PINMGR_PATH_MAX + 1], err[256], link[64];
	long ps = sysconf(_SC_PAGESIZE);
	struct pm_svc_pin *s;
	struct pm_user u;
	struct stat st;
	uint64_t length = req->length;
	unsigned int access = 0;
	bool wr = req->access & PINMGR_ADM_ACCESS_REMOTE_WRITE;
	int accmode, nfd, e, prot;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, name, sizeof(name) - 1);
	if (n <= 0)
		snprintf(name, sizeof(name), "the file");
	else
		name[n] = 0;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		pm_send_adm_error(d, c, EINVAL, "%s: not a regular file", name);
		close(fd);
		return;
	}
	accmode = fcntl(fd, F_GETFL);
	if (accmode < 0 || (accmode & O_PATH)) {
		/* O_PATH needs no right to read: its "O_RDONLY" proves nothing */
		pm_send_adm_error(d, c, EBADF, "%s: an O_PATH descriptor gives no access to the file: pass one opened for reading",
				  name);
		close(fd);
		return;
	}
	accmode &= O_ACCMODE;
	if (accmode == O_WRONLY || (wr && accmode != O_RDWR)) {
		pm_send_adm_error(d, c, EBADF, "%s: opened %s, but %s needs it opened %s",
				  name, accmode == O_WRONLY ? "write-only" : "read-only",
				  wr ? "remote write" : "remote read",
				  wr ? "read-write" : "for reading");
		close(fd);
		return;
	}
	if ((req->access & PINMGR_ADM_ACCESS_EXPORT) && !pm_export_listening(d)) {
		pm_send_adm_error(d, c, EOPNOTSUPP, "%s: pinmgr does not listen for remote peers (no 'listen' in pinmgr.conf): cannot export",
				  name);
		close(fd);
		return;
	}
	if ((req->access & PINMGR_ADM_ACCESS_EXPORT) && cred->uid != 0 &&
	    user_exports(d, cred->uid) >= d->cfg.max_exports) {
		pm_send_adm_error(d, c, EDQUOT, "%s: uid %u already has %u exported pins (max-exports)",
				  name, (unsigned int)cred->uid, d->cfg.max_exports);
		close(fd);
		return;
	}
	if (req->offset % (uint64_t)ps) {
		pm_send_adm_error(d, c, EINVAL, "%s: offset %llu is not a multiple of the page size (%ld)",
				  name, (unsigned long long)req->offset, ps);
		close(fd);
		return;
	}
	if (!length && req->offset < (uint64_t)st.st_size)
		length = (uint64_t)st.st_size - req->offset;
	if (!length || req->offset + length > (uint64_t)st.st_size) {
		pm_send_adm_error(d, c, EINVAL, "%s: range %llu+%llu is empty or beyond the end of the file (%lld bytes)",
				  name, (unsigned long long)req->offset,
				  (unsigned long long)length, (long long)st.st_size);
		close(fd);
		return;
	}
	if (length > SIZE_MAX) {
		pm_send_adm_error(d, c, EFBIG, "%s: range too large", name);
		close(fd);
		return;
	}
	if (cred->uid != 0 && user_bytes(d, cred->uid) + length > d->cfg.pin_limit) {
		pm_send_adm_error(d, c, EDQUOT, "%s: uid %u would pin %llu bytes through pinmgr, more than pin-limit (%llu)",
				  name, (unsigned int)cred->uid,
				  (unsigned long long)(user_bytes(d, cred->uid) + length),
				  (unsigned long long)d->cfg.pin_limit);
		close(fd);
		return;
	}
	/* the kernel's rule for leases, with the requester's rights */
	pm_user_get(&u, d->procdir, c, cred);
	if (st.st_uid != cred->uid && !u.cap_lease) {
		pm_send_adm_error(d, c, EACCES, "%s: a pin takes a lease on the file, and uid %u neither owns it nor has CAP_LEASE",
				  name, (unsigned int)cred->uid);
		close(fd);
		return;
	}
	nfd = reopen(&u, fd, accmode, &st);
	close(fd);
	if (nfd < 0) {
		pm_send_adm_error(d, c, -nfd, "%s: cannot reopen it %s as uid %u: %s", name,
				  accmode == O_RDWR ? "read-write" : "read-only",
				  (unsigned int)cred->uid,
				  nfd == -ESTALE ? "it is another file now" : strerror(-nfd));
		return;
	}
	fd = nfd;
	s = calloc(1, sizeof(*s));
	if (!s) {
		pm_send_adm_error(d, c, ENOMEM, "out of memory");
		close(fd);
		return;
	}
	s->fd = fd;
	s->offset = req->offset;
	s->len = (size_t)length;
	s->access = req->access;
	s->uid = cred->uid;
	s->pid = cred->pid;
	s->next = d->svc_pins;
	d->svc_pins = s;

	if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE)) {
		e = errno;
		pm_send_adm_error(d, c, e, "%s: cannot take an exclusive layout lease: %s%s",
				  name, strerror(e),
				  e == EINVAL ? " (not a filepin kernel?)" : "");
		svc_free(d, s);
		return;
	}
	prot = PROT_READ | (wr ? PROT_WRITE : 0);
	s->addr = mmap(NULL, s->len, prot, MAP_SHARED, fd, (off_t)req->offset);
	if (s->addr == MAP_FAILED) {
		e = errno;
		pm_send_adm_error(d, c, e, "%s: mmap of %llu bytes at %llu: %s", name,
				  (unsigned long long)length,
				  (unsigned long long)req->offset, strerror(e));
		svc_free(d, s);
		return;
	}
	s->dev = dev_get(d, req->rdma_dev, err, sizeof(err));
	if (!s->dev) {
		e = errno ? errno : ENODEV;
		pm_send_adm_error(d, c, e, "%s: %s", name, err);
		svc_free(d, s);
		return;
	}
	if (req->access & PINMGR_ADM_ACCESS_REMOTE_READ)
		access |= IBV_ACCESS_REMOTE_READ;
	if (wr)
		access |= IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_LOCAL_WRITE;
	s->pd = ibv_alloc_pd(s->dev->ctx);
	if (!s->pd) {
		e = errno ? errno : EIO;
		pm_send_adm_error(d, c, e, "%s: cannot allocate a protection domain on %s: %s",
				  name, req->rdma_dev, strerror(e));
		svc_free(d, s);
		return;
	}
	s->mr = ibv_reg_mr_iova2(s->pd, s->addr, s->len, req->offset, access);
	if (!s->mr) {
		e = errno ? errno : EIO;
		pm_send_adm_error(d, c, e, "%s: registering %llu bytes on %s: %s%s", name,
				  (unsigned long long)length, req->rdma_dev, strerror(e),
				  e == EBUSY && !wr ?
				  " (the file may share blocks with another file: a read-only pin would outlive the next copy-on-write; give the range its own blocks first, e.g. copy the file with cp --reflink=never)" : "");
		svc_free(d, s);
		return;
	}
	s->reg = pm_reg_add_service(&d->reg, s, getpid(), cred->uid,
				    major(st.st_dev), minor(st.st_dev), st.st_ino,
				    req->offset, length, name);
	if (!s->reg) {
		pm_send_adm_error(d, c, ENOMEM, "out of memory");
		svc_free(d, s);
		return;
	}
	if ((req->access & PINMGR_ADM_ACCESS_EXPORT) &&
	    getrandom(s->token, sizeof(s->token), 0) != sizeof(s->token)) {
		e = errno ? errno : EIO;
		pm_send_adm_error(d, c, e, "%s: no random bytes for a token: %s", name, strerror(e));
		svc_free(d, s);
		return;
	}
	s->exported = req->access & PINMGR_ADM_ACCESS_EXPORT;
	s->reg->have_mr = true;
	s->reg->lkey = s->mr->lkey;
	s->reg->rkey = s->mr->rkey;
	snprintf(s->reg->rdma_dev, sizeof(s->reg->rdma_dev), "%s", req->rdma_dev);

	m.pinned.id = s->reg->id;
	m.pinned.addr = (uint64_t)(uintptr_t)s->addr;
	m.pinned.iova = req->offset;
	m.pinned.length = length;
	m.pinned.lkey = s->mr->lkey;
	m.pinned.rkey = s->mr->rkey;
	m.pinned.access = req->access;
	snprintf(m.pinned.rdma_dev, sizeof(m.pinned.rdma_dev), "%s", req->rdma_dev);
	if (s->exported)
		memcpy(m.pinned.token, s->token, sizeof(s->token));
	pm_notice("pin %llu: %s bytes %llu+%llu on %s for pid %d uid %u, rkey 0x%x%s",
		  (unsigned long long)s->reg->id, name, (unsigned long long)req->offset,
		  (unsigned long long)length, req->rdma_dev, (int)cred->pid,
		  (unsigned int)cred->uid, s->mr->rkey,
		  s->exported ? ", exported to remote peers" : "");
	pm_send_adm(d, c, &m);
}

/* The service pin @id that @cred may act on; NULL after an error answer. */
static struct pm_svc_pin *lookup(struct pm_daemon *d, struct pm_conn *c,
				 const struct pm_cred *cred, uint64_t id)
{
	struct pm_svc_pin *s = find_svc(d, id);

	if (!s) {
		const struct pm_pin *p = pm_reg_find_id(&d->reg, id);

		if (p && (cred->uid == 0 || p->uid == cred->uid))
			pm_send_adm_error(d, c, EINVAL, "pin %llu is held by pid %d (%s), not by pinmgr's pin service: only pins made with 'pinctl pin' can be unpinned",
					  (unsigned long long)id, (int)p->pid, p->comm);
		else
			pm_send_adm_error(d, c, ENOENT, "no pin %llu", (unsigned long long)id);
		return NULL;
	}
	if (cred->uid != 0 && cred->uid != s->uid) {
		pm_send_adm_error(d, c, EPERM, "pin %llu belongs to uid %u", (unsigned long long)id,
				  (unsigned int)s->uid);
		return NULL;
	}
	return s;
}

void pm_service_unpin(struct pm_daemon *d, struct pm_conn *c,
		      const struct pm_cred *cred, uint64_t id)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_DONE };
	struct pm_svc_pin *s = lookup(d, c, cred, id);

	if (!s)
		return;
	pm_notice("pin %llu released for pid %d uid %u", (unsigned long long)id,
		  (int)cred->pid, (unsigned int)cred->uid);
	svc_free(d, s);
	m.done.count = 1;
	pm_send_adm(d, c, &m);
}

void pm_service_connect(struct pm_daemon *d, struct pm_conn *c,
			const struct pm_cred *cred,
			const struct pinmgr_adm_connect *req)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_CONNECTED };
	struct pm_svc_pin *s = lookup(d, c, cred, req->id);
	struct ibv_qp_init_attr ia = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 1, .max_recv_wr = 1,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct rc_qp_conn rc;
	struct ibv_port_attr port;
	union ibv_gid gid;
	struct pm_svc_qp *q;
	uint32_t psn = 0;
	int e;

	if (!s)
		return;
	if (s->nqps >= QPS_PER_PIN) {
		pm_send_adm_error(d, c, EMFILE, "pin %llu already has %u connections",
				  (unsigned long long)req->id, QPS_PER_PIN);
		return;
	}
	if (ibv_query_port(s->dev->ctx, 1, &port) ||
	    ibv_query_gid(s->dev->ctx, 1, (int)req->gid_index, &gid)) {
		pm_send_adm_error(d, c, EINVAL, "%s port 1 has no gid %u", s->dev->name,
				  req->gid_index);
		return;
	}
	q = calloc(1, sizeof(*q));
	if (!q) {
		pm_send_adm_error(d, c, ENOMEM, "out of memory");
		return;
	}
	ia.send_cq = ia.recv_cq = s->dev->cq;
	q->conn = c;
	q->qp = ibv_create_qp(s->pd, &ia);
	if (!q->qp)
		goto fail;
	if (getrandom(&psn, sizeof(psn), 0) != sizeof(psn))
		psn = (uint32_t)pm_now_ms();
	psn &= 0xffffff;

	memset(&rc, 0, sizeof(rc));
	rc.access = ((s->access & PINMGR_ADM_ACCESS_REMOTE_READ) ? IBV_ACCESS_REMOTE_READ : 0) |
		    ((s->access & PINMGR_ADM_ACCESS_REMOTE_WRITE) ? IBV_ACCESS_REMOTE_WRITE : 0);
	rc.mtu = (enum ibv_mtu)req->mtu;
	rc.sgid_index = (uint8_t)req->gid_index;
	rc.sq_psn = psn;
	rc.max_dest_rd_atomic = 4;
	rc.dest_qpn = req->qpn;
	rc.rq_psn = req->psn;
	memcpy(rc.dgid.raw, req->gid, 16);
	if (rc_qp_connect(q->qp, &rc))
		goto fail;
	q->next = s->qps;
	s->qps = q;
	s->nqps++;
	m.connected.qpn = q->qp->qp_num;
	m.connected.psn = psn;
	m.connected.lid = port.lid;
	memcpy(m.connected.gid, gid.raw, 16);
	pm_info("pin %llu: QP %u on %s connected to peer QP %u for pid %d",
		(unsigned long long)req->id, q->qp->qp_num, s->dev->name, req->qpn,
		(int)cred->pid);
	pm_send_adm(d, c, &m);
	return;
fail:
	e = errno ? errno : EIO;
	pm_send_adm_error(d, c, e, "pin %llu: cannot set up a QP on %s: %s",
			  (unsigned long long)req->id, s->dev->name, strerror(e));
	qp_free(q);
}

void pm_service_revoke(struct pm_daemon *d, struct pm_conn *c,
		       const struct pm_cred *cred, const uint8_t *token)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_DONE };
	struct pm_svc_pin *s;

	for (s = d->svc_pins; s; s = s->next)
		if (s->exported && fpx_token_equal(s->token, token))
			break;
	/* another user's token is as unknown as a wrong one */
	if (!s || (cred->uid != 0 && cred->uid != s->uid)) {
		pm_send_adm_error(d, c, ENOENT, "no export with this token");
		return;
	}
	pm_export_pin_gone(d, s, "its token was revoked");
	s->exported = false;
	memset(s->token, 0, sizeof(s->token));
	pm_notice("pin %llu: export revoked by pid %d uid %u", (unsigned long long)s->reg->id,
		  (int)cred->pid, (unsigned int)cred->uid);
	m.done.count = 1;
	pm_send_adm(d, c, &m);
}

bool pm_service_release(struct pm_daemon *d, struct pm_pin *p)
{
	struct pm_svc_pin *s = p->svc;

	if (!s)
		return false;
	pm_notice("pin %llu released (break)", (unsigned long long)p->id);
	svc_free(d, s);
	return true;
}

void pm_service_conn_gone(struct pm_daemon *d, const struct pm_conn *c)
{
	struct pm_svc_pin *s;

	for (s = d->svc_pins; s; s = s->next) {
		struct pm_svc_qp **qq = &s->qps;

		while (*qq) {
			struct pm_svc_qp *q = *qq;

			if (q->conn != c) {
				qq = &q->next;
				continue;
			}
			*qq = q->next;
			s->nqps--;
			qp_free(q);
		}
	}
}

void pm_service_release_all(struct pm_daemon *d)
{
	unsigned int n = 0;

	while (d->svc_pins) {
		svc_free(d, d->svc_pins);
		n++;
	}
	if (n)
		pm_notice("released %u service pin(s)", n);
}
