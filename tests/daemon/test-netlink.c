// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Parsing of the kernel's netlink messages, from messages built here with
 * libnl: filepin refusal events (daemon/genl-events.c, the uapi of
 * common/filepin-genl.h) and rdma netlink device and MR dumps
 * (daemon/rdma-nl.c), and the matching of MRs to registry entries.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <rdma/rdma_netlink.h>

#include "filepin-genl.h"
#include "pinmgr.h"
#include "tap.h"

static struct nl_msg *event(int cmd, int version)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, 0x21, 0, 0, (uint8_t)cmd,
			       (uint8_t)version))
		bail("out of memory");
	return m;
}

static void genl(void)
{
	struct pm_kevent ev;
	struct nl_msg *m;

	m = event(FILEPIN_CMD_REFUSED, FILEPIN_GENL_VERSION);
	nla_put_u32(m, FILEPIN_ATTR_OP, FILEPIN_OP_PUNCH_HOLE);
	nla_put_u32(m, FILEPIN_ATTR_PID, 4243);
	nla_put_u32(m, FILEPIN_ATTR_TGID, 4242);
	nla_put_string(m, FILEPIN_ATTR_COMM, "fallocate");
	nla_put_u32(m, FILEPIN_ATTR_DEV_MAJOR, 259);
	nla_put_u32(m, FILEPIN_ATTR_DEV_MINOR, 1);
	nla_put_u64(m, FILEPIN_ATTR_INO, 1ull << 40);
	nla_put_u64(m, FILEPIN_ATTR_OFFSET, 8192);
	nla_put_u64(m, FILEPIN_ATTR_LENGTH, 4096);
	nla_put_u32(m, FILEPIN_ATTR_REASON, FILEPIN_REASON_PIN);
	nla_put_u64(m, FILEPIN_ATTR_SEQ, 77);
	nla_put_u32(m, 200, 1);		/* from a newer kernel: ignored */
	is_int(pm_genl_parse(m, &ev), 0, "a full REFUSED event parses");
	ok(ev.op == FILEPIN_OP_PUNCH_HOLE && ev.pid == 4243 && ev.tgid == 4242 &&
	   ev.reason == FILEPIN_REASON_PIN, "op, pid, tgid, reason");
	ok(ev.major == 259 && ev.minor == 1 && ev.ino == 1ull << 40, "device and inode");
	ok(ev.offset == 8192 && ev.length == 4096 && ev.seq == 77, "range and seq");
	is_str(ev.comm, "fallocate", "comm");
	is_int(ev.have, PM_KEV_SEQ | PM_KEV_DEV | PM_KEV_INO, "all attributes present");
	nlmsg_free(m);

	m = event(FILEPIN_CMD_REFUSED, FILEPIN_GENL_VERSION);
	nla_put_u32(m, FILEPIN_ATTR_OP, FILEPIN_OP_TRUNCATE);
	is_int(pm_genl_parse(m, &ev), 0, "an event with attributes missing parses");
	is_int(ev.have, 0, "and says what is missing");
	nlmsg_free(m);

	m = event(FILEPIN_CMD_REFUSED + 1, FILEPIN_GENL_VERSION);
	is_int(pm_genl_parse(m, &ev), -EINVAL, "another command is refused");
	nlmsg_free(m);

	m = event(FILEPIN_CMD_REFUSED, FILEPIN_GENL_VERSION);
	nla_put_u16(m, FILEPIN_ATTR_PID, 1);	/* too short for a u32 */
	is_int(pm_genl_parse(m, &ev), -EINVAL, "a u16 where a u32 belongs is refused");
	nlmsg_free(m);

	m = event(FILEPIN_CMD_REFUSED, FILEPIN_GENL_VERSION);
	nla_put(m, FILEPIN_ATTR_COMM, 20, "01234567890123456789");
	is_int(pm_genl_parse(m, &ev), -EINVAL, "a comm of 20 bytes is refused");
	nlmsg_free(m);

	m = event(FILEPIN_CMD_REFUSED, FILEPIN_GENL_VERSION);
	nla_put(m, FILEPIN_ATTR_COMM, 3, "abc");	/* no NUL */
	is_int(pm_genl_parse(m, &ev), -EINVAL, "an unterminated comm is refused");
	nlmsg_free(m);

	m = nlmsg_alloc_simple(0x21, 0);	/* no genl header at all */
	is_int(pm_genl_parse(m, &ev), -EINVAL, "a message without a genl header is refused");
	nlmsg_free(m);
}

static struct nl_msg *dev_msg(uint32_t index, const char *name)
{
	struct nl_msg *m = nlmsg_alloc_simple(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_GET), 0);

	nla_put_u32(m, RDMA_NLDEV_ATTR_DEV_INDEX, index);
	nla_put_string(m, RDMA_NLDEV_ATTR_DEV_NAME, name);
	return m;
}

static void put_mr(struct nl_msg *m, uint32_t mrn, uint32_t lkey, uint64_t len,
		   uint32_t pid, bool keys)
{
	struct nlattr *e = nla_nest_start(m, RDMA_NLDEV_ATTR_RES_MR_ENTRY);

	if (keys) {
		nla_put_u32(m, RDMA_NLDEV_ATTR_RES_RKEY, lkey + 1);
		nla_put_u32(m, RDMA_NLDEV_ATTR_RES_LKEY, lkey);
		nla_put_u64(m, RDMA_NLDEV_ATTR_RES_IOVA, 0x1000);
	}
	nla_put_u64(m, RDMA_NLDEV_ATTR_RES_MRLEN, len);
	nla_put_u32(m, RDMA_NLDEV_ATTR_RES_PID, pid);
	nla_put_u32(m, RDMA_NLDEV_ATTR_RES_PDN, 3);
	nla_put_u32(m, RDMA_NLDEV_ATTR_RES_MRN, mrn);
	nla_nest_end(m, e);
}

static void rdma(void)
{
	struct pm_rdma r = { 0 };
	struct pm_registry reg;
	struct nl_msg *m;
	struct nlattr *t;
	struct pm_pin *lib, *proc1, *proc2;
	char name[64];
	uint32_t idx;

	m = dev_msg(2, "rxe0");
	is_int(pm_rdma_parse_dev(nlmsg_hdr(m), &idx, name, sizeof(name)), 0, "a device parses");
	ok(idx == 2 && !strcmp(name, "rxe0"), "index 2, rxe0");
	is_int(pm_rdma_parse_dev(nlmsg_hdr(m), &idx, name, 4), -EINVAL, "a name too long for the buffer is refused");
	nlmsg_free(m);

	m = dev_msg(1, "rxe0");
	t = nla_nest_start(m, RDMA_NLDEV_ATTR_RES_MR);
	put_mr(m, 7, 0x1234, 1 << 20, 100, true);
	put_mr(m, 8, 0x5678, 8192, 200, true);
	put_mr(m, 9, 0, 4096, 300, false);	/* no CAP_NET_ADMIN: no keys */
	put_mr(m, 10, 0x9999, 8192, 200, true);
	nla_nest_end(m, t);
	is_int(pm_rdma_parse_mrs(nlmsg_hdr(m), &r), 0, "an MR table parses");
	is_int(r.nmrs, 4, "four MRs");
	ok(r.mrs[0].mrn == 7 && r.mrs[0].lkey == 0x1234 && r.mrs[0].rkey == 0x1235 &&
	   r.mrs[0].mrlen == 1 << 20 && r.mrs[0].pid == 100 && r.mrs[0].have_keys &&
	   !strcmp(r.mrs[0].dev, "rxe0"), "the first MR's fields");
	ok(!r.mrs[2].have_keys, "an MR without keys says so");
	nlmsg_free(m);

	m = nlmsg_alloc_simple(RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_RES_MR_GET), 0);
	nla_put_string(m, RDMA_NLDEV_ATTR_DEV_NAME, "rxe0");
	is_int(pm_rdma_parse_mrs(nlmsg_hdr(m), &r), -EINVAL, "a dump without an MR table is refused");
	nlmsg_free(m);

	/* matching: by keys for reported pins, by pid + size for /proc ones */
	if (pm_reg_init(&reg, 4096))
		bail("out of memory");
	{
		struct pinmgr_pin_add pa = { .id = 1, .pid = 100, .lkey = 0x1234, .rkey = 0x1235,
					     .dev_major = 8, .ino = 1, .offset = 0,
					     .length = 1 << 20 };
		struct file_pins_proc pp = { .pid = 200 };
		struct file_pin fp = { .owner = FILE_PIN_OWNER_FD, .owner_fd = 3, .major = 8,
				       .ino = 2, .first_page = 0, .last_page = 1, .pages = 2 };

		strcpy(pa.rdma_dev, "rxe0");
		strcpy(pa.path, "/a");
		strcpy(fp.path, "/b");
		pm_reg_add_lib(&reg, (struct pm_conn *)(uintptr_t)0x10, 100, 0, "a", &pa, &lib);
		pm_reg_scan_begin(&reg);
		pm_reg_scan_line(&reg, &pp, &fp);
		pp.pid = 300;
		pm_reg_scan_line(&reg, &pp, &fp);
		pm_reg_scan_end(&reg);
		proc1 = lib->next;
		proc2 = proc1 ? proc1->next : NULL;
	}
	if (!proc1 || !proc2)
		bail("registry setup failed");
	pm_rdma_annotate(&r, &reg);
	ok(lib->have_mrn && lib->mrn == 7, "a reported pin gets its MRN by lkey");
	ok(!proc1->have_mr, "pid 200 has two MRs of that size: no guess");
	ok(!proc2->have_mr, "pid 300's MR has no keys: no guess");
	r.mrs[3].mrlen = 1 << 20;	/* now one 2-page MR for pid 200 */
	pm_rdma_annotate(&r, &reg);
	ok(proc1->have_mr && proc1->mr_guessed && proc1->mrn == 8 && proc1->lkey == 0x5678,
	   "a unique MR of the right size is matched to a /proc pin");
	pm_reg_free(&reg);
	pm_rdma_free(&r);
}

/*
 * Matching many pins to many MRs (issue 12: a LIST of N pins in time
 * linear in N): N pins seen in /proc, one per process, and N MRs listed in
 * the reverse order of the pins, plus one pin reported by the library and
 * an MR of pid 0 (the kernel's).  Every pin must get its MR; the time is
 * printed (pins x MRs comparisons would take seconds at 20000).
 */
static void rdma_many(void)
{
	enum { N = 20000 };
	struct pm_rdma r = { 0 };
	struct pm_registry reg;
	struct pm_pin *p, *lib = NULL;
	struct timespec t0, t1;
	unsigned int good = 0, i;

	r.mrs = calloc(N + 2, sizeof(*r.mrs));
	if (!r.mrs || pm_reg_init(&reg, 4096))
		bail("out of memory");
	r.cap = N + 2;
	/* the kernel's MR first, then the processes' from the last pid down */
	strcpy(r.mrs[0].dev, "rxe0");
	r.mrs[0].mrn = 1;
	r.mrs[0].lkey = 0xabcdef;
	r.mrs[0].have_keys = true;
	r.mrs[0].mrlen = 4096;
	for (i = 0; i <= N; i++) {
		struct pm_rdma_mr *m = &r.mrs[i + 1];

		strcpy(m->dev, "rxe0");
		m->pid = (pid_t)(1000 + N - i);
		m->mrn = 10 + N - i;
		m->lkey = m->rkey = 0x100000 + N - i;
		m->mrlen = 8192;
		m->have_keys = true;
	}
	r.nmrs = N + 2;
	pm_reg_scan_begin(&reg);
	for (i = 0; i < N; i++) {
		struct file_pins_proc pp = { .pid = (pid_t)(1000 + i) };
		struct file_pin fp = { .owner = FILE_PIN_OWNER_FD, .owner_fd = 3, .major = 8,
				       .ino = 100 + i, .first_page = 0, .last_page = 1,
				       .pages = 2 };

		strcpy(fp.path, "/f");
		if (pm_reg_scan_line(&reg, &pp, &fp))
			bail("out of memory");
	}
	pm_reg_scan_end(&reg);
	{
		struct pinmgr_pin_add pa = { .id = 1, .pid = 1000 + N, .lkey = 0xabcdef,
					     .dev_major = 8, .ino = 1, .length = 4096 };

		strcpy(pa.rdma_dev, "rxe0");
		strcpy(pa.path, "/lib");
		pm_reg_add_lib(&reg, (struct pm_conn *)(uintptr_t)0x10, 1000 + N, 0, "l",
			       &pa, &lib);
	}
	if (!lib)
		bail("registry setup failed");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pm_rdma_annotate(&r, &reg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (p = reg.head; p; p = p->next)
		if (p != lib && p->have_mr && p->mr_guessed &&
		    p->mrn == 10 + (unsigned int)(p->pid - 1000) &&
		    p->lkey == 0x100000 + (unsigned int)(p->pid - 1000))
			good++;
	is_int(good, N, "each of %d /proc pins gets the one MR of its process", N);
	ok(lib->have_mrn && lib->mrn == 1, "the library's pin gets the MR with its lkey (pid 0)");
	diag("matching %d pins to %d MRs: %.1f ms", N + 1, N + 2,
	     (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	pm_reg_free(&reg);
	pm_rdma_free(&r);
}

int main(void)
{
	genl();
	rdma();
	rdma_many();
	return done_testing();
}
