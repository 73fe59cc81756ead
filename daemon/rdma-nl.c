// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RDMA devices and memory regions from the kernel's rdma netlink (the
 * data "rdma resource show mr" prints): RDMA_NLDEV_CMD_GET dumps the
 * devices, RDMA_NLDEV_CMD_RES_MR_GET the MRs of one device.  Keys and iova
 * are only given to CAP_NET_ADMIN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <rdma/rdma_netlink.h>

#include "pinmgr.h"

#ifndef NETLINK_RDMA
#define NETLINK_RDMA 20
#endif

#define NLDEV_MAXATTR (RDMA_NLDEV_ATTR_MAX - 1)

static struct nla_policy dev_policy[RDMA_NLDEV_ATTR_MAX];
static struct nla_policy mr_policy[RDMA_NLDEV_ATTR_MAX];

static void policies(void)
{
	static bool done;

	if (done)
		return;
	dev_policy[RDMA_NLDEV_ATTR_DEV_INDEX].type = NLA_U32;
	dev_policy[RDMA_NLDEV_ATTR_DEV_NAME].type = NLA_STRING;
	dev_policy[RDMA_NLDEV_ATTR_RES_MR].type = NLA_NESTED;
	mr_policy[RDMA_NLDEV_ATTR_RES_MR_ENTRY].type = NLA_NESTED;
	mr_policy[RDMA_NLDEV_ATTR_RES_RKEY].type = NLA_U32;
	mr_policy[RDMA_NLDEV_ATTR_RES_LKEY].type = NLA_U32;
	mr_policy[RDMA_NLDEV_ATTR_RES_IOVA].type = NLA_U64;
	mr_policy[RDMA_NLDEV_ATTR_RES_MRLEN].type = NLA_U64;
	mr_policy[RDMA_NLDEV_ATTR_RES_PID].type = NLA_U32;
	mr_policy[RDMA_NLDEV_ATTR_RES_PDN].type = NLA_U32;
	mr_policy[RDMA_NLDEV_ATTR_RES_MRN].type = NLA_U32;
	mr_policy[RDMA_NLDEV_ATTR_RES_KERN_NAME].type = NLA_STRING;
	done = true;
}

int pm_rdma_parse_dev(struct nlmsghdr *nlh, uint32_t *index, char *name,
		      size_t size)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];

	policies();
	if (nlmsg_parse(nlh, 0, tb, NLDEV_MAXATTR, dev_policy) < 0 ||
	    !tb[RDMA_NLDEV_ATTR_DEV_INDEX] || !tb[RDMA_NLDEV_ATTR_DEV_NAME])
		return -EINVAL;
	*index = nla_get_u32(tb[RDMA_NLDEV_ATTR_DEV_INDEX]);
	if ((size_t)snprintf(name, size, "%s",
			     nla_get_string(tb[RDMA_NLDEV_ATTR_DEV_NAME])) >= size)
		return -EINVAL;
	return 0;
}

static int add_mr(struct pm_rdma *r, const char *dev, struct nlattr *entry)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX];
	struct pm_rdma_mr *m;

	if (nla_parse_nested(tb, NLDEV_MAXATTR, entry, mr_policy) < 0 ||
	    !tb[RDMA_NLDEV_ATTR_RES_MRN])
		return -EINVAL;
	if (r->nmrs == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct pm_rdma_mr *n = realloc(r->mrs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		r->mrs = n;
		r->cap = cap;
	}
	m = &r->mrs[r->nmrs];
	memset(m, 0, sizeof(*m));
	snprintf(m->dev, sizeof(m->dev), "%s", dev);
	m->mrn = nla_get_u32(tb[RDMA_NLDEV_ATTR_RES_MRN]);
	if (tb[RDMA_NLDEV_ATTR_RES_LKEY] && tb[RDMA_NLDEV_ATTR_RES_RKEY]) {
		m->have_keys = true;
		m->lkey = nla_get_u32(tb[RDMA_NLDEV_ATTR_RES_LKEY]);
		m->rkey = nla_get_u32(tb[RDMA_NLDEV_ATTR_RES_RKEY]);
	}
	if (tb[RDMA_NLDEV_ATTR_RES_IOVA])
		m->iova = nla_get_u64(tb[RDMA_NLDEV_ATTR_RES_IOVA]);
	if (tb[RDMA_NLDEV_ATTR_RES_MRLEN])
		m->mrlen = nla_get_u64(tb[RDMA_NLDEV_ATTR_RES_MRLEN]);
	if (tb[RDMA_NLDEV_ATTR_RES_PDN])
		m->pdn = nla_get_u32(tb[RDMA_NLDEV_ATTR_RES_PDN]);
	if (tb[RDMA_NLDEV_ATTR_RES_PID])
		m->pid = (pid_t)nla_get_u32(tb[RDMA_NLDEV_ATTR_RES_PID]);
	r->nmrs++;
	return 0;
}

int pm_rdma_parse_mrs(struct nlmsghdr *nlh, struct pm_rdma *r)
{
	struct nlattr *tb[RDMA_NLDEV_ATTR_MAX], *entry;
	char dev[PINMGR_RDMA_DEV_MAX + 1];
	int rem, err;

	policies();
	if (nlmsg_parse(nlh, 0, tb, NLDEV_MAXATTR, dev_policy) < 0 ||
	    !tb[RDMA_NLDEV_ATTR_DEV_NAME] || !tb[RDMA_NLDEV_ATTR_RES_MR])
		return -EINVAL;
	if ((size_t)snprintf(dev, sizeof(dev), "%s",
			     nla_get_string(tb[RDMA_NLDEV_ATTR_DEV_NAME])) >= sizeof(dev))
		return -EINVAL;
	nla_for_each_nested(entry, tb[RDMA_NLDEV_ATTR_RES_MR], rem) {
		if (nla_type(entry) != RDMA_NLDEV_ATTR_RES_MR_ENTRY)
			continue;
		err = add_mr(r, dev, entry);
		if (err)
			return err;
	}
	return 0;
}

struct devlist {
	uint32_t index[32];
	char name[32][PINMGR_RDMA_DEV_MAX + 1];
	size_t n;
};

static int dev_cb(struct nl_msg *msg, void *arg)
{
	struct devlist *dl = arg;

	if (dl->n < 32 && !pm_rdma_parse_dev(nlmsg_hdr(msg), &dl->index[dl->n],
					     dl->name[dl->n], sizeof(dl->name[0])))
		dl->n++;
	return NL_OK;
}

static int mr_cb(struct nl_msg *msg, void *arg)
{
	/* a message we cannot read is skipped, not the whole dump */
	pm_rdma_parse_mrs(nlmsg_hdr(msg), arg);
	return NL_OK;
}

static int dump(struct nl_sock *sk, int cmd, const uint32_t *index,
		nl_recvmsg_msg_cb_t cb, void *arg)
{
	struct nl_msg *msg;
	int err;

	msg = nlmsg_alloc_simple(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, cmd), NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	if (index && nla_put_u32(msg, RDMA_NLDEV_ATTR_DEV_INDEX, *index) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, cb, arg);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return -EIO;
	err = nl_recvmsgs_default(sk);
	return err < 0 ? -EIO : 0;
}

int pm_rdma_query(struct pm_rdma *r)
{
	static struct devlist dl;
	struct nl_sock *sk;
	size_t i, len = 0;
	int err;

	r->nmrs = 0;
	r->devs[0] = 0;
	r->when_ms = pm_now_ms();
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	if (nl_connect(sk, NETLINK_RDMA) < 0) {
		nl_socket_free(sk);
		r->ok = false;
		return -EPROTONOSUPPORT;
	}
	dl.n = 0;
	err = dump(sk, RDMA_NLDEV_CMD_GET, NULL, dev_cb, &dl);
	for (i = 0; !err && i < dl.n; i++) {
		int n = snprintf(r->devs + len, sizeof(r->devs) - len, "%s%s",
				 len ? " " : "", dl.name[i]);

		if (n > 0 && (size_t)n < sizeof(r->devs) - len)
			len += (size_t)n;
		/* a device without MR tracking is not an error */
		dump(sk, RDMA_NLDEV_CMD_RES_MR_GET, &dl.index[i], mr_cb, r);
	}
	nl_socket_free(sk);
	r->ok = !err;
	return err;
}

void pm_rdma_free(struct pm_rdma *r)
{
	free(r->mrs);
	memset(r, 0, sizeof(*r));
}

static unsigned long mr_pages(const struct pm_rdma_mr *m, unsigned long ps)
{
	return (unsigned long)((m->mrlen + ps - 1) / ps);
}

/* MRs by pid, in table order within a pid (pointers compare as positions) */
static int by_pid(const void *a, const void *b)
{
	const struct pm_rdma_mr *x = *(const struct pm_rdma_mr *const *)a;
	const struct pm_rdma_mr *y = *(const struct pm_rdma_mr *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x > y) - (x < y);
}

/* [*lo, *hi): the MRs of @pid in @v, @n of them sorted by_pid */
static void pid_range(const struct pm_rdma_mr *const *v, size_t n, pid_t pid,
		      size_t *lo, size_t *hi)
{
	size_t l = 0, h = n;

	while (l < h) {
		size_t mid = l + (h - l) / 2;

		if (v[mid]->pid < pid)
			l = mid + 1;
		else
			h = mid;
	}
	*lo = l;
	for (h = l; h < n && v[h]->pid == pid; h++)
		;
	*hi = h;
}

/* the first MR (in table order) of @v[lo, hi) with @p's device and lkey */
static const struct pm_rdma_mr *by_lkey(const struct pm_rdma_mr *const *v, size_t lo,
					size_t hi, const struct pm_pin *p)
{
	for (; lo < hi; lo++)
		if (v[lo]->have_keys && v[lo]->lkey == p->lkey &&
		    !strcmp(v[lo]->dev, p->rdma_dev))
			return v[lo];
	return NULL;
}

/*
 * Each pin looks only at the MRs of its process (and, for a reported pin,
 * the kernel's, pid 0), found by binary search in a table sorted by pid:
 * O((pins + MRs) log MRs), not pins x MRs.  Without memory for the sorted
 * table, every pin looks at every MR.
 */
void pm_rdma_annotate(struct pm_rdma *r, struct pm_registry *reg)
{
	const struct pm_rdma_mr **v = r->nmrs ? malloc(r->nmrs * sizeof(*v)) : NULL;
	struct pm_pin *p;
	size_t i, lo, hi, lo0 = 0, hi0 = 0;

	for (i = 0; v && i < r->nmrs; i++)
		v[i] = &r->mrs[i];
	if (v) {
		qsort(v, r->nmrs, sizeof(*v), by_pid);
		pid_range(v, r->nmrs, 0, &lo0, &hi0);
	}
	for (p = reg->head; p; p = p->next) {
		const struct pm_rdma_mr *match = NULL;
		unsigned int n = 0;

		if (v) {
			pid_range(v, r->nmrs, p->pid, &lo, &hi);
		} else {
			lo = 0;
			hi = r->nmrs;
		}
		if (p->have_mr && !p->mr_guessed) {
			/* the library or the pin service told us the keys */
			const struct pm_rdma_mr *m0 = NULL, *m;

			p->have_mrn = false;
			if (!v) {
				for (i = 0; i < r->nmrs && !m0; i++) {
					m = &r->mrs[i];
					if (m->have_keys && m->lkey == p->lkey &&
					    !strcmp(m->dev, p->rdma_dev) &&
					    (!m->pid || m->pid == p->pid))
						m0 = m;
				}
			} else {
				/* the first in table order of the kernel's and the process's */
				m0 = by_lkey(v, lo0, hi0, p);
				m = p->pid ? by_lkey(v, lo, hi, p) : NULL;
				if (m && (!m0 || m < m0))
					m0 = m;
			}
			if (m0) {
				p->mrn = m0->mrn;
				p->have_mrn = true;
			}
			continue;
		}
		/*
		 * A pin seen only in /proc: its MR is the one MR of that
		 * process that covers as many pages, if there is exactly one.
		 */
		p->have_mr = p->have_mrn = p->mr_guessed = false;
		for (i = lo; i < hi; i++) {
			const struct pm_rdma_mr *m = v ? v[i] : &r->mrs[i];
			unsigned long pg = mr_pages(m, reg->page_size);

			if (m->pid != p->pid || !m->have_keys ||
			    (p->pages != pg && p->pages != pg + 1))
				continue;
			match = m;
			n++;
		}
		if (n != 1)
			continue;
		p->have_mr = p->have_mrn = p->mr_guessed = true;
		p->mrn = match->mrn;
		p->lkey = match->lkey;
		p->rkey = match->rkey;
		snprintf(p->rdma_dev, sizeof(p->rdma_dev), "%s", match->dev);
	}
	free(v);
}
