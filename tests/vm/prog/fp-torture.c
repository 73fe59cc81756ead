// SPDX-License-Identifier: GPL-2.0
/*
 * fp-torture - check filepin's promise under a random concurrent load:
 * while a long-term pin lives, the physical blocks under it never change;
 * a refused layout change fails with ETXTBSY at once; a layout change on a
 * file nobody leases succeeds; data written through the MR is in the file
 * and in no other file.
 *
 * Pinners (one file each) take exclusive layout leases, pin random ranges
 * with rxe MRs (or the debugfs pin hook), RDMA WRITE and check with
 * pread(), munmap/mremap the mapping under the MR, fork, and deregister;
 * the parent SIGKILLs some of them.  Attackers loop over truncate, O_TRUNC,
 * every fallocate mode, reflink/dedupe and XFS_IOC_SWAPEXT (xfs),
 * EXT4_IOC_MOVE_EXT and EXT4_IOC_SWAP_BOOT (ext4), copy_file_range and
 * chattr +x/-x (FS_XFLAG_DAX) of the files and their directory, and write
 * canary files after every layout change that succeeded.  An extent swap of
 * a file whose pinner holds its exclusive lease must fail with ETXTBSY,
 * nothing else; chattr +x/-x must succeed and leave the open file DAX.  The parent compares each live pin's FIEMAP with
 * the one taken when it was pinned.  TAP: one line per invariant class.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include <infiniband/verbs.h>

#include "fp-ioctls.h"
#include "fp-util.h"

#define FILE_SIZE	(8u << 20)
#define PMD_SIZE_	(2u << 20)
#define PAGE		4096u
#define MAX_PINNERS	8
#define MAX_ATTACKERS	8
#define MAX_EXT		128
#define CANARY_SIZE	(256u << 10)
#define CANARY_BYTE	0xc3
#define CANARIES	4
/*
 * "At once": a refusal never waits for a pin to go away (that would take
 * as long as the pinner holds it: many RDMA round trips) nor for a lease
 * break (lease-break-time, 45 s).  Under TCG on a loaded host a plain
 * MOVE_EXT refusal has taken 12 s of wall time, so the bound is a hang
 * detector, not a latency target; the maxima are printed per operation.
 */
#define BUSY_LIMIT_NS	20000000000LL
#define XFS_MAGIC	0x58465342
#define EXT4_MAGIC	0xef53

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX	0x00200000
#endif


enum op {
	OP_TRUNCATE, OP_OTRUNC, OP_PUNCH, OP_COLLAPSE, OP_INSERT, OP_ZERO,
	OP_ALLOC, OP_UNSHARE, OP_CLONE, OP_CLONERANGE, OP_DEDUPE, OP_MOVE_EXT,
	OP_COPY_RANGE, OP_SWAPEXT, OP_SWAP_BOOT, OP_DAX_FLAG, OP_DAX_FLAG_DIR,
	/* pinner side */
	OP_LEASE, OP_PIN_MR, OP_PIN_DEBUGFS, OP_RDMA_WRITE, OP_MUNMAP,
	OP_MREMAP, OP_FORK, OP_KILL, OP_FIEMAP_CHECK,
	NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"truncate", "open-O_TRUNC", "fallocate-punch", "fallocate-collapse",
	"fallocate-insert", "fallocate-zero", "fallocate-alloc",
	"fallocate-unshare", "FICLONE", "FICLONERANGE", "FIDEDUPERANGE",
	"EXT4_IOC_MOVE_EXT", "copy_file_range", "XFS_IOC_SWAPEXT",
	"EXT4_IOC_SWAP_BOOT", "chattr-x-file", "chattr-x-dir",
	"lease", "pin-mr", "pin-debugfs", "rdma-write-check", "munmap-under-pin",
	"mremap-under-pin", "fork-under-pin", "sigkill-pinner", "fiemap-check",
};

enum outcome { OUT_OK, OUT_OK_PINNED, OUT_BUSY, OUT_OTHER, NR_OUT };
static const char *const out_name[NR_OUT] = {
	"ok", "ok-while-pinned", "ETXTBSY", "other-errno"
};

enum class {
	C_BLOCKS, C_BUSY_ERRNO, C_AT_ONCE, C_ALLOWED, C_MR_DATA, C_CANARY,
	C_PIN_WORKS, C_NO_PINS_LEFT, C_DAX_FLAG, NR_CLASSES
};

static const char *const class_desc[NR_CLASSES] = {
	"the physical blocks under a live pin never changed (FIEMAP)",
	"every refused layout change failed with ETXTBSY",
	"every refusal came at once (< 20 s, under TCG; no wait for a pin or a lease break)",
	"layout changes on a file with no lease and no pin succeeded",
	"data written through the MR was in the file",
	"no canary file written after a layout change ever showed other data",
	"pinning under an exclusive layout lease worked",
	"no pins left at the end (/proc/*/file_pins empty)",
	"chattr +x/-x of a file and its directory succeeded and left the open file DAX",
};

enum { S_IDLE, S_BUSY, S_PINNED };

struct ext {
	uint64_t logical, physical, length;
	uint32_t flags;
};

struct slot {
	int state;		/* S_*; S_IDLE: no lease, no pin */
	int dying;		/* the parent is SIGKILLing the pinner: S_BUSY */
	unsigned int gen;	/* bumped on every state change */
	pid_t pid;
	int64_t off;		/* the pinned range */
	uint64_t len;
	int n_ext;		/* -1: too fragmented to compare */
	struct ext ext[MAX_EXT];
	/* the last layout changes that succeeded while this pin was live */
	unsigned int n_ok;
	struct {
		int op;
		uint64_t off, len;
	} ok[4];
};

struct shared {
	int stop;
	int violated[NR_CLASSES];
	char msg[NR_CLASSES][384];
	unsigned long count[NR_OPS][NR_OUT];
	unsigned long n_violations[NR_CLASSES];
	long long max_ns[NR_OPS];
	struct slot slot[MAX_PINNERS];
};

static struct shared *sh;
static const char *dir, *nodax_dir;
static int n_pinners = 3, n_attackers = 2, is_xfs, is_ext4, plant;
static const char *skip = "";	/* comma-separated op names not to run */
static uint64_t rng;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pace(unsigned int max_us)
{
	struct timespec ts = { 0, (long)below(max_us + 1) * 1000 };

	nanosleep(&ts, NULL);
}

static int load(const int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static unsigned int load_gen(const unsigned int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* What the slot's owner says, unless the parent is killing it. */
static int slot_state(struct slot *s)
{
	return load(&s->dying) ? S_BUSY : load(&s->state);
}

static void set_dying(struct slot *s, int dying)
{
	__atomic_add_fetch(&s->gen, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&s->dying, dying, __ATOMIC_RELEASE);
	__atomic_add_fetch(&s->gen, 1, __ATOMIC_ACQ_REL);
}

static void set_state(struct slot *s, int state)
{
	__atomic_add_fetch(&s->gen, 1, __ATOMIC_ACQ_REL);
	__atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
	__atomic_add_fetch(&s->gen, 1, __ATOMIC_ACQ_REL);
}

static void count(enum op op, enum outcome o, long long ns)
{
	long long old;

	__atomic_add_fetch(&sh->count[op][o], 1, __ATOMIC_RELAXED);
	old = __atomic_load_n(&sh->max_ns[op], __ATOMIC_RELAXED);
	while (ns > old && !__atomic_compare_exchange_n(&sh->max_ns[op], &old, ns, 0,
							 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Record the first violation of @c (and print every one as a comment). */
static void violation(enum class c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void violation(enum class c, const char *fmt, ...)
{
	char buf[384], line[420];
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!__atomic_exchange_n(&sh->violated[c], 1, __ATOMIC_ACQ_REL))
		memcpy(sh->msg[c], buf, sizeof(buf));
	/* the first few of each class in full, the others only counted */
	if (__atomic_add_fetch(&sh->n_violations[c], 1, __ATOMIC_RELAXED) > 5)
		return;
	n = snprintf(line, sizeof(line), "# VIOLATION [%s] %s\n", class_desc[c], buf);
	if (write(STDOUT_FILENO, line, n > (int)sizeof(line) - 1 ? sizeof(line) - 1 : (size_t)n) < 0)
		return;
}

static void pin_path(char *buf, size_t len, int i)
{
	snprintf(buf, len, "%s/pin-%d", dir, i);
}

/* --- FIEMAP ----------------------------------------------------------- */

/* The extents of [off, off+len), clipped and merged; -1 when too many. */
static int fiemap_range(int fd, uint64_t off, uint64_t len, struct ext *out)
{
	struct fiemap *fm;
	unsigned int i;
	int n = 0;

	fm = calloc(1, sizeof(*fm) + MAX_EXT * sizeof(struct fiemap_extent));
	if (!fm)
		fp_die("out of memory");
	fm->fm_start = off;
	fm->fm_length = len;
	fm->fm_extent_count = MAX_EXT;
	if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
		free(fm);
		return -2;
	}
	if (fm->fm_mapped_extents == MAX_EXT) {
		free(fm);
		return -1;
	}
	for (i = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *fe = &fm->fm_extents[i];
		uint64_t lo = fe->fe_logical, hi = fe->fe_logical + fe->fe_length;
		uint32_t fl = fe->fe_flags & FIEMAP_EXTENT_UNWRITTEN;
		uint64_t phys = fe->fe_physical;

		if (lo < off) {
			phys += off - lo;
			lo = off;
		}
		if (hi > off + len)
			hi = off + len;
		if (hi <= lo)
			continue;
		if (n && out[n - 1].logical + out[n - 1].length == lo &&
		    out[n - 1].physical + out[n - 1].length == phys &&
		    out[n - 1].flags == fl) {
			out[n - 1].length += hi - lo;
			continue;
		}
		out[n].logical = lo;
		out[n].physical = phys;
		out[n].length = hi - lo;
		out[n].flags = fl;
		n++;
	}
	free(fm);
	return n;
}

static void ext_str(char *buf, size_t len, const struct ext *e, int n)
{
	size_t at = 0;
	int i;

	buf[0] = 0;
	if (!n)
		snprintf(buf, len, "(no blocks)");
	for (i = 0; i < n && at < len; i++)
		at += snprintf(buf + at, len - at, "%s%#llx+%#llx@%#llx%s", i ? " " : "",
			       (unsigned long long)e[i].logical,
			       (unsigned long long)e[i].length,
			       (unsigned long long)e[i].physical,
			       e[i].flags ? "(unwritten)" : "");
}

/* The checker: compare every live pin's extents with its record. */
static void check_pins(int *fds)
{
	static struct ext now[MAX_EXT];
	static struct slot copy;
	int i, n;

	for (i = 0; i < n_pinners; i++) {
		struct slot *s = &sh->slot[i];
		unsigned int g = load_gen(&s->gen);
		long long t0;

		if (g & 1 || slot_state(s) != S_PINNED || s->n_ext < 0)
			continue;
		memcpy(&copy, s, sizeof(copy));
		if (fds[i] < 0) {
			char p[512];

			pin_path(p, sizeof(p), i);
			fds[i] = open(p, O_RDONLY | O_CLOEXEC);
			if (fds[i] < 0)
				continue;
		}
		t0 = now_ns();
		n = fiemap_range(fds[i], (uint64_t)copy.off, copy.len, now);
		if (load_gen(&s->gen) != g)
			continue;	/* dropped meanwhile: no verdict */
		count(OP_FIEMAP_CHECK, n >= 0 ? OUT_OK : OUT_OTHER, now_ns() - t0);
		if (n == -1)
			continue;
		if (n != copy.n_ext || memcmp(now, copy.ext, n * sizeof(*now))) {
			char a[160], b[160];

			char ops[200];
			unsigned int k;
			size_t at = 0;

			ext_str(a, sizeof(a), copy.ext, copy.n_ext);
			ext_str(b, sizeof(b), now, n < 0 ? 0 : n);
			ops[0] = 0;
			for (k = copy.n_ok > 4 ? copy.n_ok - 4 : 0;
			     k < copy.n_ok && at < sizeof(ops); k++)
				at += snprintf(ops + at, sizeof(ops) - at, " %s[%#llx,+%#llx)",
					       op_name[copy.ok[k % 4].op],
					       (unsigned long long)copy.ok[k % 4].off,
					       (unsigned long long)copy.ok[k % 4].len);
			violation(C_BLOCKS, "pin-%d [%#llx, +%#llx) pinned by pid %d: extents were %s, now %s; succeeded meanwhile:%s",
				  i, (long long)copy.off, (unsigned long long)copy.len,
				  (int)copy.pid, a, b, copy.n_ok ? ops : " (nothing seen)");
			/* one report per pin */
			__atomic_store_n(&s->n_ext, -1, __ATOMIC_RELAXED);
		}
	}
}

/* --- pinners ----------------------------------------------------------- */

static void pattern(unsigned char *p, size_t len, uint64_t at, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		uint64_t x = at + i;

		/* "FPTORTUR" at every 64 bytes marks MR data */
		p[i] = x % 64 < 8 ? (unsigned char)"FPTORTUR"[x % 64] :
			(unsigned char)(x * 131 + seed);
	}
}

struct pinner {
	int idx;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct fp_loop loop;
	int dbg;		/* the debugfs hook, or -1 */
	unsigned char *check;
};

/* The exclusive layout lease must live as long as the pin. */
static void lease_check(struct pinner *p, int fd, const char *after)
{
	int l = fcntl(fd, F_GETLEASE);

	if (!plant && l != (F_LAYOUT | F_EXCLUSIVE))
		violation(C_PIN_WORKS, "pin-%d: the exclusive layout lease is gone under a live pin after %s (F_GETLEASE %d)",
			  p->idx, after, l);
}

static int mr_write_check(struct pinner *p, struct ibv_mr *mr, int fd,
			  uint64_t off, uint64_t len, unsigned int seed)
{
	uint64_t done, n;
	long long t0 = now_ns();

	for (done = 0; done < len; done += n) {
		n = len - done < p->loop.size ? len - done : p->loop.size;
		pattern(p->loop.buf, n, off + done, seed);
		if (fp_loop_rdma(&p->loop, IBV_WR_RDMA_WRITE,
				 (unsigned char *)mr->addr + done, mr->rkey, n)) {
			violation(C_MR_DATA, "pin-%d: RDMA WRITE at %#llx failed",
				  p->idx, (unsigned long long)(off + done));
			return -1;
		}
		memset(p->check, 0, n);
		if (pread(fd, p->check, n, off + done) != (ssize_t)n ||
		    memcmp(p->check, p->loop.buf, n)) {
			size_t k = 0;

			while (k < n && p->check[k] == p->loop.buf[k])
				k++;
			violation(C_MR_DATA, "pin-%d: after RDMA WRITE, file byte %#llx is %#x, MR wrote %#x (pread %s)",
				  p->idx, (unsigned long long)(off + done + k),
				  k < n ? p->check[k] : 0, k < n ? p->loop.buf[k] : 0,
				  k < n ? "differs" : "short");
			return -1;
		}
	}
	count(OP_RDMA_WRITE, OUT_OK, now_ns() - t0);
	return 0;
}

static int pins_empty(const char *path)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 1;	/* gone: no pins */
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n <= 0;
}

/* One lease + pin + hold + drop cycle on pin-<idx>. */
/*
 * Extend @fd to at least @len.  fp_extend() looks at the size, then
 * ftruncate()s; an attacker that grows the file in between (fallocate,
 * copy_file_range) turns that ftruncate into a shrink, which the lease
 * rightly refuses with ETXTBSY.  So after ETXTBSY look again: a file now
 * long enough is fine, a refused extension still fails every time.
 */
static int extend_to(int fd, uint64_t len)
{
	int tries;

	for (tries = 0; tries < 100; tries++) {
		if (!fp_extend(fd, len))
			return 0;
		if (errno != ETXTBSY)
			break;
	}
	return -1;
}

static void pin_cycle(struct pinner *p)
{
	struct slot *s = &sh->slot[p->idx];
	int pmd = !below(3), use_dbg = p->dbg >= 0 && !below(4);
	uint64_t off, len, maplen;
	struct ibv_mr *mr = NULL;
	unsigned char *map;
	uint32_t dbg_id = 0;
	int fd, mapped = 1, holds, i;
	unsigned int seed = (unsigned int)rnd();
	char path[512];
	long long t0;

	set_state(s, S_BUSY);
	pin_path(path, sizeof(path), p->idx);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		fp_die("open %s: %s", path, strerror(errno));
	t0 = now_ns();
	if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE)) {
		/* a lease from a killed predecessor may still be going away */
		count(OP_LEASE, errno == EAGAIN ? OUT_BUSY : OUT_OTHER, now_ns() - t0);
		if (errno != EAGAIN)
			violation(C_PIN_WORKS, "pin-%d: F_SETLEASE F_LAYOUT|F_EXCLUSIVE: %s",
				  p->idx, fp_errno_name(errno));
		close(fd);
		return;
	}
	count(OP_LEASE, OUT_OK, now_ns() - t0);

	if (pmd) {
		off = below(FILE_SIZE / PMD_SIZE_) * PMD_SIZE_;
		len = PMD_SIZE_;
	} else {
		off = below(FILE_SIZE / PAGE) * PAGE;
		len = (1 + below(128)) * PAGE;
		if (off + len > FILE_SIZE)
			off = FILE_SIZE - len;
	}
	if (extend_to(fd, off + len))
		violation(C_PIN_WORKS, "pin-%d: the lease holder cannot extend its file: %s",
			  p->idx, fp_errno_name(errno));
	maplen = len;
	map = fp_map_aligned(fd, (off_t)off, maplen, MAP_SHARED, pmd ? PMD_SIZE_ : 0);
	if (map == MAP_FAILED)
		fp_die("mmap pin-%d: %s", p->idx, strerror(errno));

	t0 = now_ns();
	if (use_dbg) {
		struct file_pins_test_pin a = { .addr = (uintptr_t)map, .len = len };

		if (ioctl(p->dbg, FILE_PINS_TEST_PIN, &a)) {
			count(OP_PIN_DEBUGFS, OUT_OTHER, now_ns() - t0);
			violation(C_PIN_WORKS, "pin-%d: debugfs pin of [%#llx, +%#llx): %s",
				  p->idx, (unsigned long long)off,
				  (unsigned long long)len, fp_errno_name(errno));
			goto unmap;
		}
		dbg_id = a.id;
		count(OP_PIN_DEBUGFS, OUT_OK, now_ns() - t0);
	} else {
		mr = ibv_reg_mr(p->pd, map, len, IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
		if (!mr) {
			count(OP_PIN_MR, OUT_OTHER, now_ns() - t0);
			violation(C_PIN_WORKS, "pin-%d: ibv_reg_mr of [%#llx, +%#llx): %s",
				  p->idx, (unsigned long long)off,
				  (unsigned long long)len, fp_errno_name(errno));
			goto unmap;
		}
		count(OP_PIN_MR, OUT_OK, now_ns() - t0);
	}

	/* record the blocks, then announce the pin */
	s->off = (int64_t)off;
	s->len = len;
	s->pid = getpid();
	s->n_ok = 0;
	s->n_ext = fiemap_range(fd, off, len, s->ext);
	if (s->n_ext == -2)
		fp_die("FIEMAP on pin-%d: %s", p->idx, strerror(errno));
	set_state(s, S_PINNED);
	lease_check(p, fd, use_dbg ? "the debugfs pin" : "ibv_reg_mr");

	if (plant) {
		/*
		 * Planted violation: give the pin and the lease up but keep
		 * announcing the pin, so layout changes succeed and the
		 * checker must see the blocks move.
		 */
		fcntl(fd, F_SETLEASE, F_UNLCK);
		if (mr)
			ibv_dereg_mr(mr);
		else
			ioctl(p->dbg, FILE_PINS_TEST_UNPIN, &dbg_id);
		mr = NULL;
		use_dbg = 0;
	}

	if (mr && mr_write_check(p, mr, fd, off, len, seed))
		goto drop;

	if (!below(3)) {
		/* the MR must keep the blocks without the mapping */
		t0 = now_ns();
		if (munmap(map, maplen))
			fp_die("munmap: %s", strerror(errno));
		count(OP_MUNMAP, OUT_OK, now_ns() - t0);
		mapped = 0;
		lease_check(p, fd, "munmap");
	} else if (!below(4)) {
		void *n, *to;

		/* move it to a place reserved for it */
		t0 = now_ns();
		to = fp_map_aligned(-1, 0, maplen, MAP_PRIVATE | MAP_ANONYMOUS,
				    pmd ? PMD_SIZE_ : 0);
		n = to == MAP_FAILED ? MAP_FAILED :
			mremap(map, maplen, maplen, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		if (n == MAP_FAILED) {
			if (to != MAP_FAILED)
				munmap(to, maplen);
			count(OP_MREMAP, OUT_OTHER, now_ns() - t0);
		} else {
			count(OP_MREMAP, OUT_OK, now_ns() - t0);
			map = n;
			lease_check(p, fd, "mremap");
		}
	}
	if (!below(5)) {
		pid_t c;

		t0 = now_ns();
		c = fork();
		if (c < 0)
			fp_die("fork: %s", strerror(errno));
		if (!c)
			_exit(0);	/* closes its copies of the lease fd and uverbs */
		waitpid(c, NULL, 0);
		count(OP_FORK, OUT_OK, now_ns() - t0);
		lease_check(p, fd, "a forked child exited");
	}

	holds = 1 + (int)below(20);
	for (i = 0; i < holds && !load(&sh->stop); i++) {
		if (mr && mr_write_check(p, mr, fd, off, len, seed + i + 1))
			break;
		pace(3000);
	}
drop:
	lease_check(p, fd, "holding it");
	set_state(s, S_BUSY);	/* the checker stops here, before the unpin */
	if (mr && ibv_dereg_mr(mr))
		fp_die("ibv_dereg_mr: %s", strerror(errno));
	if (use_dbg && ioctl(p->dbg, FILE_PINS_TEST_UNPIN, &dbg_id))
		fp_die("debugfs unpin: %s", strerror(errno));
unmap:
	if (mapped)
		munmap(map, maplen);
	fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);
	/* idle only once the kernel agrees that our pins are gone */
	for (i = 0; !pins_empty("/proc/self/file_pins"); i++) {
		if (i > 5000)
			fp_die("pins left in /proc/self/file_pins after deregistration");
		pace(2000);
	}
	set_state(s, S_IDLE);
}

static void pinner_main(int idx, uint64_t seed)
{
	struct pinner p = { .idx = idx, .dbg = -1 };

	rng = seed | 1;
	p.ctx = fp_open_device("rxe0");
	p.pd = ibv_alloc_pd(p.ctx);
	if (!p.pd)
		fp_die("ibv_alloc_pd: %s", strerror(errno));
	if (fp_loop_open(&p.loop, p.pd, 1, 1u << 20))
		exit(2);
	p.check = malloc(p.loop.size);
	if (!p.check)
		fp_die("out of memory");
	p.dbg = open(FILE_PINS_TEST_PATH, O_RDWR | O_CLOEXEC);
	while (!load(&sh->stop)) {
		pin_cycle(&p);
		pace(20000);
	}
	fp_loop_close(&p.loop);
	ibv_dealloc_pd(p.pd);
	ibv_close_device(p.ctx);
	exit(0);
}

/* --- attackers --------------------------------------------------------- */

struct attacker {
	int idx;
	int src;		/* a DAX scratch file (reflink source, copy target) */
	int orig;		/* ext4: a non-DAX file for MOVE_EXT, or -1 */
	int swp;		/* xfs: a DAX file to swap extents with, or -1 */
	int dirfd;		/* the directory of the pinned files */
	unsigned int canary_seq;
	unsigned char *buf;
};

static int frees_blocks(enum op op)
{
	return op != OP_ALLOC && op != OP_COPY_RANGE && op != OP_UNSHARE &&
		op != OP_DAX_FLAG && op != OP_DAX_FLAG_DIR;
}

/*
 * Operations that move every block of the file and decide on the pins
 * before any other check that could fail: while the file's pinner holds
 * its exclusive layout lease, ETXTBSY is the only right answer.
 */
static int swaps_all(enum op op)
{
	return op == OP_SWAPEXT || op == OP_SWAP_BOOT;
}

static int check_canary(struct attacker *a, unsigned int seq)
{
	char p[512];
	ssize_t n;
	int fd, bad = 0;

	snprintf(p, sizeof(p), "%s/canary-%d-%u", dir, a->idx, seq);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = pread(fd, a->buf, CANARY_SIZE, 0);
	close(fd);
	if (n != CANARY_SIZE) {
		violation(C_CANARY, "%s: short read (%zd)", p, n);
		return -1;
	}
	for (n = 0; n < CANARY_SIZE; n++) {
		if (a->buf[n] != CANARY_BYTE) {
			bad = 1;
			break;
		}
	}
	if (bad)
		violation(C_CANARY, "%s byte %#zx is %#x, not %#x%s", p, n, a->buf[n],
			  CANARY_BYTE, memmem(a->buf, CANARY_SIZE, "FPTORTUR", 8) ?
			  " (MR data: \"FPTORTUR\" found)" : "");
	return bad ? -1 : 0;
}

static void write_canary(struct attacker *a)
{
	unsigned int seq = a->canary_seq++;
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/canary-%d-%u", dir, a->idx, seq);
	fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fp_die("open %s: %s", p, strerror(errno));
	memset(a->buf, CANARY_BYTE, CANARY_SIZE);
	if (pwrite(fd, a->buf, CANARY_SIZE, 0) != CANARY_SIZE)
		fp_die("write %s: %s", p, strerror(errno));
	close(fd);
	if (seq >= CANARIES) {
		check_canary(a, seq - CANARIES);
		snprintf(p, sizeof(p), "%s/canary-%d-%u", dir, a->idx, seq - CANARIES);
		unlink(p);
	}
}

/* errnos that only say the random geometry did not fit the file */
static int tolerated(enum op op, int e)
{
	switch (op) {
	case OP_COLLAPSE:
	case OP_INSERT:
	case OP_CLONERANGE:
	case OP_CLONE:
	case OP_DEDUPE:
	case OP_COPY_RANGE:
		return e == EINVAL || e == EFBIG;
	case OP_MOVE_EXT:
		/* EOPNOTSUPP: a DAX donor, refused like a DAX original */
		return e == EINVAL || e == EOPNOTSUPP || e == ENODATA || e == EBUSY;
	case OP_SWAPEXT:
		/*
		 * Only after the pin check (fs/xfs/xfs_bmap_util.c): EFAULT
		 * the sizes differ (a concurrent resize), EINVAL the target
		 * has fewer extents than the other file (format check), EBUSY
		 * the target changed since its times were read.
		 */
		return e == EFAULT || e == EINVAL || e == EBUSY;
	case OP_SWAP_BOOT:	/* nlink 1, regular, root: nothing else fails */
		return 0;
	default:
		return 0;
	}
}

static uint64_t last_off, last_len;	/* of the last attack() */
/*
 * When the attack itself starts (0: with attack()): set by attacks that
 * prepare files first (fsync, writes), which is no part of "at once".
 */
static long long op_t0;

/*
 * XFS_IOC_SWAPEXT between the target file and the attacker's scratch file,
 * in either role: make the scratch file as long as the target (sparse, so
 * that the extent count check passes when the target is the "target"),
 * swap, then free the blocks the scratch file got.
 */
static int swapext(struct attacker *a, int tfd, uint64_t size)
{
	struct xfs_swapext_ sx;
	int target = tfd, tmp = a->swp, r;
	struct stat st;

	if (ftruncate(a->swp, 0) || ftruncate(a->swp, (off_t)size))
		fp_die("sizing the SWAPEXT scratch file: %s", strerror(errno));
	if (below(2)) {
		target = a->swp;
		tmp = tfd;
	}
	if (fstat(target, &st))
		return -1;
	memset(&sx, 0, sizeof(sx));
	sx.sx_version = 0;
	sx.sx_fdtarget = target;
	sx.sx_fdtmp = tmp;
	sx.sx_length = (int64_t)size;
	sx.sx_stat.bs_mtime.tv_sec = st.st_mtim.tv_sec;
	sx.sx_stat.bs_mtime.tv_nsec = (int32_t)st.st_mtim.tv_nsec;
	sx.sx_stat.bs_ctime.tv_sec = st.st_ctim.tv_sec;
	sx.sx_stat.bs_ctime.tv_nsec = (int32_t)st.st_ctim.tv_nsec;
	last_off = 0;
	last_len = size;
	op_t0 = now_ns();
	r = ioctl(target, XFS_IOC_SWAPEXT, &sx);
	/* the scratch file may hold the pinned file's old blocks: free them */
	if (!r && ftruncate(a->swp, 0))
		fp_die("truncating the SWAPEXT scratch file: %s", strerror(errno));
	return r;
}

/*
 * chattr -x then +x (FS_XFLAG_DAX off and on again) on @fd, a pinned file
 * or its directory (only attacker 0 does this: two togglers would race).
 * The change takes effect when the inode is next read in, which cannot
 * happen while we hold it open: the file must still be DAX afterwards
 * (statx of @path, the file the attack is aimed at), whether the calls
 * succeeded or not.  Returns -1 with errno when a call failed; xfs refuses
 * +x on a reflinked file with EINVAL (xfs_ioctl_setattr_xflags()), which
 * then stays -x.
 */
static int toggle_dax(int fd, int is_dir, const char *path)
{
	struct fsxattr fx;
	struct statx stx;
	int i, r = 0, e = 0;

	for (i = 0; i < 2 && !r; i++) {
		r = ioctl(fd, FS_IOC_FSGETXATTR, &fx);
		if (!r) {
			/* -x, then +x: not a toggle, which would follow a -x left by xfs */
			if (i)
				fx.fsx_xflags |= FS_XFLAG_DAX;
			else
				fx.fsx_xflags &= ~FS_XFLAG_DAX;
			r = ioctl(fd, FS_IOC_FSSETXATTR, &fx);
		}
		e = errno;
	}
	if (!r && !(fx.fsx_xflags & FS_XFLAG_DAX))
		violation(C_DAX_FLAG, "chattr -x/+x left %s without FS_XFLAG_DAX",
			  is_dir ? "the directory" : path);
	if (!statx(AT_FDCWD, path, 0, 0, &stx) &&
	    (stx.stx_attributes_mask & STATX_ATTR_DAX) &&
	    !(stx.stx_attributes & STATX_ATTR_DAX))
		violation(C_DAX_FLAG, "%s is no longer DAX after chattr -x/+x of %s, while open",
			  path, is_dir ? "its directory" : "it");
	errno = e;
	return r;
}

static int attack(struct attacker *a, enum op op, int tfd, const char *path)
{
	struct stat st;
	uint64_t size, off, len;
	int r = 0, fd;

	if (fstat(tfd, &st))
		return -1;
	size = (uint64_t)st.st_size;
	off = below(FILE_SIZE / PAGE) * PAGE;
	len = (1 + below(64)) * PAGE;
	if (!below(4)) {	/* whole PMD entries */
		off &= ~(uint64_t)(PMD_SIZE_ - 1);
		len = PMD_SIZE_;
	}
	last_off = off;
	last_len = len;
	switch (op) {
	case OP_TRUNCATE:
		last_off = below(FILE_SIZE / PAGE + 1) * PAGE;
		last_len = size > last_off ? size - last_off : 0;
		return ftruncate(tfd, (off_t)last_off);
	case OP_OTRUNC:
		fd = open(path, O_RDWR | O_TRUNC | O_CLOEXEC);
		if (fd < 0)
			return -1;
		close(fd);
		return 0;
	case OP_PUNCH:
		return fallocate(tfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				 (off_t)off, (off_t)len);
	case OP_COLLAPSE:
		if (size <= len)
			return fallocate(tfd, FALLOC_FL_COLLAPSE_RANGE, 0, (off_t)len);
		off = below((size - len) / PAGE) * PAGE;
		last_off = off;
		return fallocate(tfd, FALLOC_FL_COLLAPSE_RANGE, (off_t)off, (off_t)len);
	case OP_INSERT:
		off = size > PAGE ? below(size / PAGE) * PAGE : 0;
		last_off = off;
		last_len = PAGE * (1 + below(16));
		return fallocate(tfd, FALLOC_FL_INSERT_RANGE, (off_t)off, (off_t)last_len);
	case OP_ZERO:
		return fallocate(tfd, FALLOC_FL_ZERO_RANGE, (off_t)off, (off_t)len);
	case OP_ALLOC:
		return fallocate(tfd, below(2) ? FALLOC_FL_KEEP_SIZE : 0, (off_t)off, (off_t)len);
	case OP_UNSHARE:
		return fallocate(tfd, FALLOC_FL_UNSHARE_RANGE, (off_t)off, (off_t)len);
	case OP_CLONE:
		return ioctl(tfd, FICLONE, a->src);
	case OP_CLONERANGE: {
		struct file_clone_range cr = {
			.src_fd = a->src, .src_offset = 0, .src_length = len,
			.dest_offset = off,
		};

		return ioctl(tfd, FICLONERANGE, &cr);
	}
	case OP_DEDUPE: {
		struct file_dedupe_range *d;

		/* same data into the pinned file: only the pin can refuse */
		if (pread(tfd, a->buf, len, (off_t)off) != (ssize_t)len ||
		    pwrite(a->src, a->buf, len, 0) != (ssize_t)len) {
			errno = EINVAL;	/* past EOF: not tried */
			return -1;
		}
		d = calloc(1, sizeof(*d) + sizeof(d->info[0]));
		if (!d)
			fp_die("out of memory");
		d->src_offset = 0;
		d->src_length = len;
		d->dest_count = 1;
		d->info[0].dest_fd = tfd;
		d->info[0].dest_offset = off;
		op_t0 = now_ns();
		r = ioctl(a->src, FIDEDUPERANGE, d);
		if (!r && d->info[0].status < 0) {
			errno = -d->info[0].status;
			r = -1;
		}
		free(d);
		return r;
	}
	case OP_MOVE_EXT: {
		struct move_extent me = {
			.donor_fd = (uint32_t)tfd,
			.orig_start = 0,
			.donor_start = off / PAGE,
			.len = len / PAGE,
		};

		/* the original: non-DAX, as long as the range, written */
		memset(a->buf, 0x5a, len);
		if (ftruncate(a->orig, 0) || pwrite(a->orig, a->buf, len, 0) != (ssize_t)len ||
		    fsync(a->orig))
			fp_die("preparing the MOVE_EXT original: %s", strerror(errno));
		op_t0 = now_ns();
		r = ioctl(a->orig, EXT4_IOC_MOVE_EXT, &me);
		/* the donor's old blocks are now the original's: free them */
		if (!r && ftruncate(a->orig, 0))
			fp_die("truncating the MOVE_EXT original: %s", strerror(errno));
		return r;
	}
	case OP_COPY_RANGE: {
		loff_t in = (loff_t)off, outo = 0;
		ssize_t n = copy_file_range(tfd, &in, a->src, &outo, len, 0);

		return n < 0 ? -1 : 0;
	}
	case OP_SWAPEXT:
		return swapext(a, tfd, size);
	case OP_SWAP_BOOT:
		/* the file's blocks go to the boot loader inode (5) */
		last_off = 0;
		last_len = size;
		return ioctl(tfd, EXT4_IOC_SWAP_BOOT);
	case OP_DAX_FLAG:
		return toggle_dax(tfd, 0, path);
	case OP_DAX_FLAG_DIR:
		return toggle_dax(a->dirfd, 1, path);
	default:
		return 0;
	}
}

static void attacker_main(int idx, uint64_t seed)
{
	enum op ops[NR_OPS], all[NR_OPS];
	int n_all = 0, n_ops = 0, fds[MAX_PINNERS], i;
	struct attacker a = { .idx = idx, .orig = -1, .swp = -1 };
	char p[512];
	unsigned int s;

	rng = seed | 1;
	all[n_all++] = OP_TRUNCATE;
	all[n_all++] = OP_OTRUNC;
	all[n_all++] = OP_PUNCH;
	all[n_all++] = OP_COLLAPSE;
	all[n_all++] = OP_INSERT;
	all[n_all++] = OP_ZERO;
	all[n_all++] = OP_ALLOC;
	all[n_all++] = OP_COPY_RANGE;
	if (idx == 0) {
		all[n_all++] = OP_DAX_FLAG;
		all[n_all++] = OP_DAX_FLAG_DIR;
	}
	if (is_ext4)
		all[n_all++] = OP_SWAP_BOOT;
	if (is_xfs) {
		snprintf(p, sizeof(p), "%s/swap-%d", dir, idx);
		a.swp = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (a.swp < 0)
			fp_die("creating %s: %s", p, strerror(errno));
		all[n_all++] = OP_SWAPEXT;
		all[n_all++] = OP_UNSHARE;
		all[n_all++] = OP_CLONE;
		all[n_all++] = OP_CLONERANGE;
		all[n_all++] = OP_DEDUPE;
	}
	a.buf = malloc(CANARY_SIZE > PMD_SIZE_ ? CANARY_SIZE : PMD_SIZE_);
	if (!a.buf)
		fp_die("out of memory");
	snprintf(p, sizeof(p), "%s/src-%d", dir, idx);
	a.src = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	memset(a.buf, 0xa5, PMD_SIZE_);
	if (a.src < 0 || pwrite(a.src, a.buf, PMD_SIZE_, 0) != PMD_SIZE_)
		fp_die("creating %s: %s", p, strerror(errno));
	a.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a.dirfd < 0)
		fp_die("open %s: %s", dir, strerror(errno));
	if (is_ext4 && nodax_dir) {
		snprintf(p, sizeof(p), "%s/orig-%d", nodax_dir, idx);
		a.orig = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (a.orig < 0)
			fp_die("open %s: %s", p, strerror(errno));
		all[n_all++] = OP_MOVE_EXT;
	}
	for (i = 0; i < n_all; i++) {
		const char *at = strstr(skip, op_name[all[i]]);
		size_t l = strlen(op_name[all[i]]);

		if (!at || (at[l] && at[l] != ','))
			ops[n_ops++] = all[i];
	}
	if (!n_ops)
		fp_die("--skip leaves no operation");
	for (i = 0; i < n_pinners; i++) {
		pin_path(p, sizeof(p), i);
		fds[i] = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fds[i] < 0)
			fp_die("open %s: %s", p, strerror(errno));
	}

	while (!load(&sh->stop)) {
		enum op op = ops[below(n_ops)];
		struct slot *sl;
		int t = (int)below(n_pinners), r, e, st1, st2;
		unsigned int g1, g2;
		long long t0, dt;

		sl = &sh->slot[t];
		pin_path(p, sizeof(p), t);
		g1 = load_gen(&sl->gen);
		st1 = slot_state(sl);
		t0 = now_ns();
		op_t0 = 0;
		r = attack(&a, op, fds[t], p);
		e = errno;
		dt = now_ns() - (op_t0 ? op_t0 : t0);
		st2 = slot_state(sl);
		g2 = load_gen(&sl->gen);
		if (op == OP_DAX_FLAG || op == OP_DAX_FLAG_DIR) {
			/* not a layout change: allowed whatever the state */
			count(op, r ? OUT_OTHER : st1 == S_PINNED ? OUT_OK_PINNED : OUT_OK, dt);
			if (r && !(is_xfs && op == OP_DAX_FLAG && e == EINVAL))
				violation(C_DAX_FLAG, "%s on pin-%d failed with %s (state %d->%d)",
					  op_name[op], t, fp_errno_name(e), st1, st2);
			pace(2000);
			continue;
		}
		/* with --plant too: a planted pin has no lease, so this fires */
		if (swaps_all(op) && st1 == S_PINNED && st2 == S_PINNED &&
		    g1 == g2 && (!r || e != ETXTBSY))
			violation(C_BUSY_ERRNO, "%s on pin-%d, pinned under an exclusive lease, %s, not ETXTBSY",
				  op_name[op], t, r ? fp_errno_name(e) : "succeeded");
		if (!r) {
			if (st1 == S_PINNED && st2 == S_PINNED && g1 == g2) {
				unsigned int k = __atomic_fetch_add(&sl->n_ok, 1, __ATOMIC_RELAXED);

				sl->ok[k % 4].op = op;
				sl->ok[k % 4].off = last_off;
				sl->ok[k % 4].len = last_len;
				count(op, OUT_OK_PINNED, dt);
			} else {
				count(op, OUT_OK, dt);
			}
			if (frees_blocks(op))
				write_canary(&a);
		} else if (e == ETXTBSY) {
			count(op, OUT_BUSY, dt);
			if (dt > BUSY_LIMIT_NS)
				violation(C_AT_ONCE, "%s on pin-%d took %lld ms to fail with ETXTBSY",
					  op_name[op], t, dt / 1000000);
			if (!plant && st1 == S_IDLE && st2 == S_IDLE && g1 == g2)
				violation(C_ALLOWED, "%s on pin-%d failed with ETXTBSY while the file had no lease and no pin",
					  op_name[op], t);
		} else if (tolerated(op, e)) {
			count(op, OUT_OTHER, dt);
		} else {
			count(op, OUT_OTHER, dt);
			violation(C_BUSY_ERRNO, "%s on pin-%d failed with %s, not ETXTBSY (state %d->%d)",
				  op_name[op], t, fp_errno_name(e), st1, st2);
		}
		pace(2000);
	}
	for (s = a.canary_seq > CANARIES ? a.canary_seq - CANARIES : 0; s < a.canary_seq; s++)
		check_canary(&a, s);
	exit(0);
}

/* --- the parent -------------------------------------------------------- */

/* The checker runs in its own process: FIEMAP may block in a broken kernel. */
static void checker_main(int n, uint64_t seed)
{
	int fds[MAX_PINNERS], i;

	(void)seed;
	for (i = 0; i < n; i++)
		fds[i] = -1;
	while (!load(&sh->stop)) {
		check_pins(fds);
		pace(2000);
	}
	exit(0);
}

/*
 * Wait up to @seconds for @pid to exit; 0 when it did.  Otherwise say
 * where it is stuck (a process that SIGKILL cannot end sleeps in the
 * kernel) and return -1.
 */
static int reap(pid_t pid, int *status, int seconds, const char *what)
{
	long long end = now_ns() + seconds * 1000000000LL;
	char p[64], wchan[64] = "?", stat[256] = "?";
	int fd;
	ssize_t n;

	while (waitpid(pid, status, WNOHANG) == 0) {
		if (now_ns() > end) {
			snprintf(p, sizeof(p), "/proc/%d/wchan", (int)pid);
			fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				n = read(fd, wchan, sizeof(wchan) - 1);
				wchan[n > 0 ? n : 0] = 0;
				close(fd);
			}
			snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
			fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				n = read(fd, stat, sizeof(stat) - 1);
				stat[n > 0 ? n : 0] = 0;
				stat[strcspn(stat, "\n")] = 0;
				close(fd);
			}
			printf("# %s (pid %d) has not exited %d s after SIGKILL: stuck in the kernel, wchan %s, stat %.60s\n",
			       what, (int)pid, seconds, wchan, stat);
			return -1;
		}
		pace(10000);
	}
	return 0;
}

static pid_t spawn(void (*fn)(int, uint64_t), int idx, uint64_t seed)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		fp_die("fork: %s", strerror(errno));
	if (!pid)
		fn(idx, seed);
	return pid;
}

static int proc_pins_left(char *who, size_t len)
{
	glob_t g;
	size_t i;
	int left = 0;

	if (glob("/proc/[0-9]*/file_pins", 0, NULL, &g))
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		if (!pins_empty(g.gl_pathv[i])) {
			snprintf(who, len, "%s is not empty", g.gl_pathv[i]);
			left = 1;
			break;
		}
	}
	globfree(&g);
	return left;
}

static void usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: fp-torture [options] DIR\n"
		"Pin, attack and check files in DIR (on a DAX ext4 or xfs).\n\n"
		"  -s, --seconds N      run for N seconds (default 60)\n"
		"  -S, --seed N         random seed (default: from the clock; printed)\n"
		"  -p, --pinners N      pinning processes (default 3, at most 8)\n"
		"  -a, --attackers N    attacking processes (default 2, at most 8)\n"
		"  -n, --nodax-dir DIR  ext4: a non-DAX directory on the same file\n"
		"                       system, for EXT4_IOC_MOVE_EXT originals\n"
		"  -t, --tap-start N    number the TAP lines from N + 1\n"
		"  -P, --plant          planted violation: pinners drop their pins and\n"
		"                       take no lease but still announce the pins\n"
		"                       (the checker must report it)\n"
		"  -x, --skip OPS       do not run these attacks (comma-separated\n"
		"                       names as in the counts, e.g. EXT4_IOC_MOVE_EXT)\n"
		"  -h, --help           show this help\n\n"
		"Exit status: 0 every invariant held, 1 a violation, 2 setup failure.\n");
	exit(status);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "pinners", required_argument, NULL, 'p' },
		{ "attackers", required_argument, NULL, 'a' },
		{ "nodax-dir", required_argument, NULL, 'n' },
		{ "tap-start", required_argument, NULL, 't' },
		{ "plant", no_argument, NULL, 'P' },
		{ "skip", required_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	pid_t pinners[MAX_PINNERS], attackers[MAX_ATTACKERS], checker;
	int c, i, j, tap = 0, bad = 0, status, stuck = 0;
	unsigned long respawned = 0;
	long long deadline, end, seconds = 60;
	uint64_t seed = (uint64_t)now_ns() ^ (uint64_t)getpid() << 32;
	struct statfs sfs;
	char who[600];

	while ((c = getopt_long(argc, argv, "s:S:p:a:n:t:Px:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seconds = atoll(optarg);
			break;
		case 'S':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			n_pinners = atoi(optarg);
			break;
		case 'a':
			n_attackers = atoi(optarg);
			break;
		case 'n':
			nodax_dir = optarg;
			break;
		case 't':
			tap = atoi(optarg);
			break;
		case 'P':
			plant = 1;
			break;
		case 'x':
			skip = optarg;
			break;
		case 'h':
			usage(stdout, 0);
			break;
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc - 1 || seconds <= 0 || n_pinners < 1 ||
	    n_pinners > MAX_PINNERS || n_attackers < 1 || n_attackers > MAX_ATTACKERS)
		usage(stderr, 2);
	dir = argv[optind];
	if (statfs(dir, &sfs))
		fp_die("statfs %s: %s", dir, strerror(errno));
	is_xfs = sfs.f_type == XFS_MAGIC;
	is_ext4 = sfs.f_type == EXT4_MAGIC;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("# fp-torture --seed %llu --seconds %lld --pinners %d --attackers %d%s%s%s%s%s %s (%s)\n",
	       (unsigned long long)seed, seconds, n_pinners, n_attackers,
	       nodax_dir ? " --nodax-dir " : "", nodax_dir ? nodax_dir : "",
	       plant ? " --plant" : "", *skip ? " --skip=" : "", skip, dir,
	       is_xfs ? "xfs" : is_ext4 ? "ext4" : "other");
	rng = seed | 1;
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		fp_die("mmap: %s", strerror(errno));
	memset(sh, 0, sizeof(*sh));
	for (i = 0; i < n_pinners; i++) {
		char p[512];
		int fd;

		pin_path(p, sizeof(p), i);
		fd = open(p, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			fp_die("creating %s: %s", p, strerror(errno));
		close(fd);
		sh->slot[i].state = S_BUSY;
	}

	for (i = 0; i < n_pinners; i++)
		pinners[i] = spawn(pinner_main, i, rnd());
	for (i = 0; i < n_attackers; i++)
		attackers[i] = spawn(attacker_main, i, rnd());
	checker = spawn(checker_main, n_pinners, 0);

	deadline = now_ns() + seconds * 1000000000LL;
	while (now_ns() < deadline) {
		for (i = 0; i < n_pinners; i++) {
			if (waitpid(pinners[i], &status, WNOHANG) == pinners[i]) {
				printf("# pinner %d (pid %d) stopped: status %#x\n", i,
				       (int)pinners[i], status);
				bad = 2;
				goto stop;
			}
		}
		for (i = 0; i < n_attackers; i++) {
			if (waitpid(attackers[i], &status, WNOHANG) == attackers[i]) {
				printf("# attacker %d (pid %d) stopped: status %#x\n", i,
				       (int)attackers[i], status);
				bad = 2;
				goto stop;
			}
		}
		if (!below(200)) {
			long long t0 = now_ns();

			i = (int)below(n_pinners);
			/* no verdicts on this slot from here until the successor's */
			set_dying(&sh->slot[i], 1);
			kill(pinners[i], SIGKILL);
			if (reap(pinners[i], &status, 30, "a SIGKILLed pinner")) {
				bad = 2;
				stuck = 1;
				goto stop;
			}
			/* not idle until its successor says so */
			set_state(&sh->slot[i], S_BUSY);
			set_dying(&sh->slot[i], 0);
			count(OP_KILL, OUT_OK, now_ns() - t0);
			pinners[i] = spawn(pinner_main, i, rnd());
			respawned++;
		}
		pace(2000);
	}
stop:
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	end = now_ns() + 60 * 1000000000LL;
	for (j = 0; j < 3; j++) {
		pid_t *pids = j == 2 ? &checker : j ? attackers : pinners;
		int n = j == 2 ? 1 : j ? n_attackers : n_pinners;

		for (i = 0; i < n; i++) {
			while (waitpid(pids[i], &status, WNOHANG) == 0) {
				if (now_ns() > end) {
					printf("# %s %d (pid %d) did not stop within 60 s; killed\n",
					       j == 2 ? "checker" : j ? "attacker" : "pinner", i,
					       (int)pids[i]);
					kill(pids[i], SIGKILL);
					bad = 2;
					if (reap(pids[i], &status, 10, "a process that did not stop"))
						stuck = 1;
					break;
				}
				pace(10000);
			}
			if (WIFEXITED(status) && WEXITSTATUS(status) == 2)
				bad = 2;
		}
	}
	/* pins may be released after the last close: wait for it, bounded */
	end = now_ns() + (stuck ? 0 : 20 * 1000000000LL);
	while (proc_pins_left(who, sizeof(who)) && now_ns() < end)
		pace(50000);
	if (proc_pins_left(who, sizeof(who)))
		violation(C_NO_PINS_LEFT, "%s 20 s after every process stopped", who);

	for (c = 0; c < NR_CLASSES; c++) {
		printf("%s %d - %s%s\n", sh->violated[c] || bad == 2 ? "not ok" : "ok",
		       ++tap, class_desc[c], bad == 2 ? " (run aborted: setup failure)" : "");
		if (sh->violated[c]) {
			printf("# first of %lu violations: %s\n", sh->n_violations[c],
			       sh->msg[c]);
			bad = bad ? bad : 1;
		}
	}
	printf("# operations (%lld s, seed %llu, %lu pinners respawned after SIGKILL):\n",
	       seconds, (unsigned long long)seed, respawned);
	for (c = 0; c < NR_OPS; c++) {
		unsigned long t = 0;

		for (j = 0; j < NR_OUT; j++)
			t += sh->count[c][j];
		if (!t)
			continue;
		printf("#   %-20s", op_name[c]);
		for (j = 0; j < NR_OUT; j++)
			printf(" %s=%lu", out_name[j], sh->count[c][j]);
		printf(" max=%.1fms\n", sh->max_ns[c] / 1e6);
	}
	if (bad == 2)
		printf("# setup failure: a process stopped early or hung (see above)\n");
	fflush(stdout);
	if (stuck)	/* do not wait for processes stuck in the kernel */
		_exit(bad);
	return bad;
}
