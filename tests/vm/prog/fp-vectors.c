// SPDX-License-Identifier: GPL-2.0
/*
 * fp-vectors - lease ownership and plain layout leases against real RDMA
 * pins (ibv_reg_mr on rxe0), one bounded scenario each, for tests/vm/cases
 * (issue 9):
 *
 *   fp-vectors pass FILE     a pinner passes its only leased fd over
 *                            SCM_RIGHTS mid-pin (DESIGN.md rules 2 and 5)
 *   fp-vectors plain FILE S  plain F_LAYOUT leases against truncate and
 *                            punch, with lease-break-time S (rules 1, 2, 4)
 *   fp-vectors reuse FILE    a process gets the pid of a pinner that exited
 *                            (clone3 set_tid; rules 2, 6 and 7)
 *   fp-vectors away FILE     the uverbs fd of an MR is in flight over
 *                            SCM_RIGHTS, then kept alive only by the
 *                            mappings of its queues (rule 7, "fd:-")
 *
 * Each prints one line per fact ("what: answer"), for the case to compare
 * with what the rules say.  Timing facts are printed as yes/no against a
 * bound; the measured times follow as "# " comments.
 * Exit status: 0 the scenario ran (whatever the kernel answered), 2 it
 * could not be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fp-util.h"

#define PMD		(2u << 20)
#define FILE_LEN	(2 * PMD)
#define MAX_EXT		64

/* --- small helpers ------------------------------------------------------- */

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *result(int r)
{
	static char buf[32];

	if (!r)
		return "ok";
	snprintf(buf, sizeof(buf), "errno=%s", fp_errno_name(errno));
	return buf;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One byte messages between the two sides of a scenario. */
static void tell(int sock, char c)
{
	if (write(sock, &c, 1) != 1)
		fp_die("write to the peer: %s", strerror(errno));
}

static void expect(int sock, char want)
{
	char c;

	if (read(sock, &c, 1) != 1)
		fp_die("the peer went away (waiting for '%c')", want);
	if (c != want)
		fp_die("the peer said '%c', not '%c'", c, want);
}

static void wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fp_die("child %d failed (status %#x)", (int)pid, status);
}

static int open_file(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		fp_die("cannot open %s: %s", path, strerror(errno));
	if (fp_extend(fd, FILE_LEN))
		fp_die("cannot size %s: %s", path, strerror(errno));
	return fd;
}

static unsigned char *map_file(int fd)
{
	void *p = fp_map_aligned(fd, 0, FILE_LEN, MAP_SHARED, PMD);

	if (p == MAP_FAILED)
		fp_die("mmap: %s", strerror(errno));
	return p;
}

static struct ibv_mr *reg(struct ibv_pd *pd, void *addr, size_t len)
{
	return ibv_reg_mr(pd, addr, len, IBV_ACCESS_LOCAL_WRITE |
			  IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ);
}

/* A verbs context, PD and loopback QP of this process. */
struct verbs {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct fp_loop loop;
};

static void verbs_open(struct verbs *v)
{
	v->ctx = fp_open_device("rxe0");
	v->pd = ibv_alloc_pd(v->ctx);
	if (!v->pd)
		fp_die("ibv_alloc_pd: %s", strerror(errno));
	if (fp_loop_open(&v->loop, v->pd, 1, PMD))
		exit(2);
}

/* Try to register [addr, addr + len): "ok" (and deregistered) or errno. */
static const char *try_reg(struct verbs *v, void *addr, size_t len)
{
	struct ibv_mr *mr = reg(v->pd, addr, len);

	if (!mr)
		return result(-1);
	if (ibv_dereg_mr(mr))
		fp_die("ibv_dereg_mr: %s", strerror(errno));
	return "ok";
}

/*
 * RDMA WRITE a pattern through @mr (all of it, at most PMD bytes) and read
 * the file at @off: "yes" when the file holds what the MR wrote.
 */
static const char *mr_data_lands(struct verbs *v, struct ibv_mr *mr, int fd,
				 off_t off, unsigned int seed)
{
	size_t i, n = mr->length < v->loop.size ? mr->length : v->loop.size;
	unsigned char *back = malloc(n);
	int same;

	if (!back)
		fp_die("out of memory");
	for (i = 0; i < n; i++)
		v->loop.buf[i] = (unsigned char)(i * 7 + seed);
	if (fp_loop_rdma(&v->loop, IBV_WR_RDMA_WRITE, mr->addr, mr->rkey, n))
		fp_die("RDMA WRITE failed");
	same = pread(fd, back, n, off) == (ssize_t)n && !memcmp(back, v->loop.buf, n);
	free(back);
	return same ? "yes" : "no";
}

/* The extents of [off, off + len) as one string, to compare. */
static void extents(int fd, uint64_t off, uint64_t len, char *out, size_t size)
{
	struct fiemap *fm;
	size_t at = 0;
	unsigned int i;

	fm = calloc(1, sizeof(*fm) + MAX_EXT * sizeof(struct fiemap_extent));
	if (!fm)
		fp_die("out of memory");
	fm->fm_start = off;
	fm->fm_length = len;
	fm->fm_extent_count = MAX_EXT;
	if (ioctl(fd, FS_IOC_FIEMAP, fm))
		fp_die("FIEMAP: %s", strerror(errno));
	out[0] = 0;
	for (i = 0; i < fm->fm_mapped_extents && at < size; i++)
		at += snprintf(out + at, size - at, "%llx+%llx@%llx ",
			       (unsigned long long)fm->fm_extents[i].fe_logical,
			       (unsigned long long)fm->fm_extents[i].fe_length,
			       (unsigned long long)fm->fm_extents[i].fe_physical);
	free(fm);
}

/*
 * /proc/PID/file_pins as "<owner kind> <first>-<last> <pages>" per line,
 * joined with ", "; "empty" when it has none.  The owner kind is "fd" for
 * fd:<n>, else the owner field as it is ("fd:-", "mm").
 */
static void file_pins(pid_t pid, char *out, size_t size)
{
	char path[64], line[1024], owner[32], range[64], pages[32];
	size_t at = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/file_pins", (int)pid);
	f = fopen(path, "re");
	if (!f)
		fp_die("cannot open %s: %s", path, strerror(errno));
	out[0] = 0;
	while (fgets(line, sizeof(line), f) && at < size) {
		if (sscanf(line, "%31s %*s %*s %*s %63s %31s", owner, range, pages) != 3)
			fp_die("%s: cannot parse '%s'", path, line);
		if (!strncmp(owner, "fd:", 3) && strcmp(owner, "fd:-"))
			strcpy(owner, "fd");
		at += snprintf(out + at, size - at, "%s%s %s %s", at ? ", " : "",
			       owner, range, pages);
	}
	fclose(f);
	if (!out[0])
		snprintf(out, size, "empty");
}

/* --- pass: SCM_RIGHTS of the only leased fd, mid-pin --------------------- */

/*
 * The receiver: takes the passed description, pins through it, checks the
 * data, deregisters and releases the lease (so that only the sender's pin
 * protects the file afterwards).
 */
static void pass_receiver(int sock)
{
	struct verbs v;
	struct ibv_mr *mr;
	unsigned char *map;
	int fd;

	verbs_open(&v);
	tell(sock, 'r');
	fd = fp_recv_fd(sock);
	expect(sock, 'g');	/* the sender has looked at its own rights */
	say("receiver: getlease=%d", fcntl(fd, F_GETLEASE));
	map = map_file(fd);
	mr = reg(v.pd, map + PMD, PMD);
	say("receiver: pin through the passed description: %s", result(mr ? 0 : -1));
	if (mr) {
		say("receiver: MR data in the file: %s",
		    mr_data_lands(&v, mr, fd, PMD, 3));
		if (ibv_dereg_mr(mr))
			fp_die("ibv_dereg_mr: %s", strerror(errno));
	}
	say("receiver: release the lease: %s", result(fcntl(fd, F_SETLEASE, F_UNLCK)));
	tell(sock, 'd');
	expect(sock, 'q');
	_exit(0);
}

static int scenario_pass(const char *path)
{
	char before[1024], after[1024], pins[256];
	struct verbs v;
	struct ibv_mr *mr;
	unsigned char *map;
	int sv[2], fd;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fp_die("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fp_die("fork: %s", strerror(errno));
	if (!pid) {
		close(sv[0]);
		pass_receiver(sv[1]);
	}
	close(sv[1]);
	verbs_open(&v);
	fd = open_file(path);
	if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
		fp_die("F_SETLEASE F_LAYOUT|F_EXCLUSIVE: %s", strerror(errno));
	map = map_file(fd);
	mr = reg(v.pd, map, PMD);
	say("sender: pin under its lease: %s", result(mr ? 0 : -1));
	if (!mr)
		return 2;
	extents(fd, 0, PMD, before, sizeof(before));

	/* pass the only descriptor of the leased description, mid-pin */
	expect(sv[0], 'r');
	fp_send_fd(sv[0], fd);
	close(fd);
	say("sender: new pin after passing its only leased fd: %s",
	    try_reg(&v, map + PMD, PMD));
	fd = open_file(path);
	say("sender: the old pin still works, MR data in the file: %s",
	    mr_data_lands(&v, mr, fd, 0, 1));
	tell(sv[0], 'g');

	/* the receiver pins, then releases the lease: only our pin is left */
	expect(sv[0], 'd');
	say("sender: getlease on a new description=%d", fcntl(fd, F_GETLEASE));
	file_pins(getpid(), pins, sizeof(pins));
	say("sender: file_pins: %s", pins);
	say("sender: punch in the pinned range: %s",
	    result(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     4096, 4096)));
	say("sender: truncate into the pinned range: %s",
	    result(ftruncate(fd, PMD / 2)));
	say("sender: punch outside the pinned range: %s",
	    result(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     PMD + 4096, 4096)));
	extents(fd, 0, PMD, after, sizeof(after));
	say("sender: pinned blocks unchanged (FIEMAP): %s",
	    strcmp(before, after) ? "no" : "yes");
	if (strcmp(before, after))
		say("# before: %s\n# after:  %s", before, after);
	say("sender: MR data in the file: %s", mr_data_lands(&v, mr, fd, 0, 2));

	/* rule 6: the pin goes with the MR */
	if (ibv_dereg_mr(mr))
		fp_die("ibv_dereg_mr: %s", strerror(errno));
	file_pins(getpid(), pins, sizeof(pins));
	say("sender: file_pins after deregistration: %s", pins);
	say("sender: punch after deregistration: %s",
	    result(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     4096, 4096)));
	tell(sv[0], 'q');
	wait_child(pid);
	return 0;
}

/* --- plain: non-exclusive layout leases against layout changes ---------- */

/*
 * The holder takes a plain F_LAYOUT lease, tries to pin under it, and
 * answers lease breaks: 'R' mode releases at once, 'K' mode keeps it (the
 * kernel must time it out).  A round starts with 'R' or 'K' from the
 * peer, answered with 'h' once the lease is held; after 'Q' from the peer
 * it prints the number of lease breaks (SIGIO, through a signalfd) seen
 * and F_GETLEASE, and answers 'q'.  'X' ends it.
 */
static void plain_holder(int sock, const char *path)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	struct verbs v;
	unsigned char *map;
	sigset_t set;
	int fd, sfd;
	char mode;

	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		fp_die("sigprocmask: %s", strerror(errno));
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		fp_die("signalfd: %s", strerror(errno));
	verbs_open(&v);
	fd = open_file(path);
	map = map_file(fd);
	for (;;) {
		/* 'R' or 'K': take a plain lease and hold it; 'X': exit */
		int breaks = 0;

		if (read(sock, &mode, 1) != 1 || mode == 'X')
			_exit(0);
		if (fcntl(fd, F_SETLEASE, F_LAYOUT))
			fp_die("F_SETLEASE F_LAYOUT: %s", strerror(errno));
		say("holder: getlease=%d", fcntl(fd, F_GETLEASE));
		say("holder: pin under a plain layout lease: %s",
		    try_reg(&v, map, PMD));
		tell(sock, 'h');
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = sock, .events = POLLIN };
		for (;;) {
			if (poll(pfd, 2, -1) < 0)
				fp_die("poll: %s", strerror(errno));
			if (pfd[0].revents & POLLIN) {
				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				breaks++;
				if (mode == 'R' &&
				    fcntl(fd, F_SETLEASE, F_UNLCK))
					fp_die("F_UNLCK: %s", strerror(errno));
				continue;
			}
			if (pfd[1].revents & (POLLIN | POLLHUP))
				break;
		}
		/* 'Q': the peer is done with this round; a break came first */
		while (read(sfd, &si, sizeof(si)) == sizeof(si))
			breaks++;
		expect(sock, 'Q');
		say("holder: lease breaks seen: %d, getlease=%d", breaks,
		    fcntl(fd, F_GETLEASE));
		fcntl(fd, F_SETLEASE, F_UNLCK);
		tell(sock, 'q');
	}
}

/* Start a round in @mode and wait until the holder holds its lease. */
static void plain_round(int sock, char mode)
{
	tell(sock, mode);
	expect(sock, 'h');
}

static void plain_end(int sock)
{
	tell(sock, 'Q');
	expect(sock, 'q');
}

static int scenario_plain(const char *path, double break_time)
{
	char buf[4096];
	int sv[2], fd;
	double t0, dt;
	pid_t pid;
	int r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fp_die("socketpair: %s", strerror(errno));
	fd = open_file(path);
	pid = fork();
	if (pid < 0)
		fp_die("fork: %s", strerror(errno));
	if (!pid) {
		close(sv[0]);
		plain_holder(sv[1], path);
	}
	close(sv[1]);

	/* 1: ordinary writes (inside the file) do not break it */
	plain_round(sv[0], 'K');
	memset(buf, 'w', sizeof(buf));
	t0 = now();
	r = pwrite(fd, buf, sizeof(buf), 8192) == (ssize_t)sizeof(buf) ? 0 : -1;
	dt = now() - t0;
	say("writer: write inside the file: %s, before lease-break-time: %s",
	    result(r), dt < break_time ? "yes" : "no");
	plain_end(sv[0]);

	/* 2: truncate breaks it; the holder releases; truncate goes on */
	plain_round(sv[0], 'R');
	t0 = now();
	r = ftruncate(fd, PMD / 2);
	dt = now() - t0;
	say("truncator: truncate over a plain lease released on break: %s, before lease-break-time: %s",
	    result(r), dt < break_time ? "yes" : "no");
	printf("# truncate took %.6f s (lease-break-time %.0f s)\n", dt, break_time);
	plain_end(sv[0]);

	/* 3: the same for a hole punch */
	if (fp_extend(fd, FILE_LEN))
		fp_die("extend: %s", strerror(errno));
	plain_round(sv[0], 'R');
	t0 = now();
	r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096);
	dt = now() - t0;
	say("puncher: punch over a plain lease released on break: %s, before lease-break-time: %s",
	    result(r), dt < break_time ? "yes" : "no");
	printf("# punch took %.6f s\n", dt);
	plain_end(sv[0]);

	/* 4: a holder that does not release: truncate waits, then goes on */
	plain_round(sv[0], 'K');
	t0 = now();
	r = ftruncate(fd, PMD / 4);
	dt = now() - t0;
	say("truncator: truncate over a plain lease kept on break: %s, waited lease-break-time: %s",
	    result(r), dt >= break_time - 0.1 && dt < break_time + 100 ? "yes" : "no");
	printf("# truncate took %.3f s (lease-break-time %.0f s)\n", dt, break_time);
	plain_end(sv[0]);

	/* 5: the same for a hole punch */
	plain_round(sv[0], 'K');
	t0 = now();
	r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 4096, 4096);
	dt = now() - t0;
	say("puncher: punch over a plain lease kept on break: %s, waited lease-break-time: %s",
	    result(r), dt >= break_time - 0.1 && dt < break_time + 100 ? "yes" : "no");
	printf("# punch took %.3f s\n", dt);
	plain_end(sv[0]);

	tell(sv[0], 'X');
	wait_child(pid);
	return 0;
}

/* --- reuse: a new process with a dead pinner's pid ---------------------- */

/* clone3() with set_tid = @want (CAP_SYS_ADMIN); the child returns 0. */
static pid_t fork_with_pid(pid_t want)
{
	struct clone_args args;
	pid_t tid[1] = { want };

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uintptr_t)tid;
	args.set_tid_size = 1;
	fflush(stdout);
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static int scenario_reuse(const char *path)
{
	char pins[256];
	struct verbs v;
	unsigned char *map;
	int sv[2], fd, lfd, ufd;
	pid_t taker, reuser;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fp_die("socketpair: %s", strerror(errno));
	taker = fork();
	if (taker < 0)
		fp_die("fork: %s", strerror(errno));
	if (!taker) {
		/*
		 * Lease and pin, hand the leased description and the uverbs
		 * file (the owner of the MR) over, exit: the pin lives on,
		 * owned by a file in the parent's table.
		 */
		close(sv[0]);
		verbs_open(&v);
		fd = open_file(path);
		if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
			fp_die("F_SETLEASE: %s", strerror(errno));
		map = map_file(fd);
		say("taker: pin under its lease: %s", result(reg(v.pd, map, PMD) ? 0 : -1));
		file_pins(getpid(), pins, sizeof(pins));
		say("taker: file_pins: %s", pins);
		fp_send_fd(sv[1], fd);
		fp_send_fd(sv[1], v.ctx->cmd_fd);
		_exit(0);
	}
	close(sv[1]);
	lfd = fp_recv_fd(sv[0]);
	ufd = fp_recv_fd(sv[0]);
	wait_child(taker);
	say("parent: the passed description still leases: getlease=%d",
	    fcntl(lfd, F_GETLEASE));
	file_pins(getpid(), pins, sizeof(pins));
	say("parent: file_pins with the dead taker's uverbs fd: %s", pins);

	reuser = fork_with_pid(taker);
	if (reuser < 0) {
		printf("# pid %d could not be reused: %s\n", (int)taker,
		       strerror(errno));
		return 2;
	}
	if (!reuser) {
		/* only the pid is the taker's: none of its files */
		close(lfd);
		close(ufd);
		close(sv[0]);
		file_pins(getpid(), pins, sizeof(pins));
		say("reuser: same pid as the taker: %s, file_pins: %s",
		    getpid() == taker ? "yes" : "no", pins);
		verbs_open(&v);
		fd = open_file(path);
		say("reuser: getlease=%d", fcntl(fd, F_GETLEASE));
		map = map_file(fd);
		say("reuser: pin: %s", try_reg(&v, map, PMD));
		file_pins(getpid(), pins, sizeof(pins));
		say("reuser: file_pins after the attempt: %s", pins);
		_exit(0);
	}
	wait_child(reuser);

	/* the lease itself is alive: a holder of its description may pin */
	verbs_open(&v);
	map = map_file(lfd);
	say("parent: pin through the passed description: %s",
	    try_reg(&v, map, PMD));

	/* rule 6: the taker's pin goes with the last reference of its owner */
	close(ufd);
	file_pins(getpid(), pins, sizeof(pins));
	say("parent: file_pins after closing the taker's uverbs fd: %s", pins);
	fcntl(lfd, F_SETLEASE, F_UNLCK);
	say("parent: punch once no lease and no pin is left: %s",
	    result(fallocate(lfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     4096, 4096)));
	return 0;
}

/* --- away: the owner of a pin is in no fd table of the pinner ----------- */

/* The owner fields of the lines of /proc/self/file_pins, or "empty" */
static void pin_owners(char *out, size_t size)
{
	char line[1024], owner[32], opath[256];
	size_t at = 0;
	FILE *f = fopen("/proc/self/file_pins", "re");

	if (!f)
		fp_die("cannot open /proc/self/file_pins: %s", strerror(errno));
	out[0] = 0;
	while (fgets(line, sizeof(line), f) && at < size) {
		if (sscanf(line, "%31s %255s", owner, opath) != 2)
			fp_die("file_pins: cannot parse '%s'", line);
		if (!strncmp(owner, "fd:", 3) && strcmp(owner, "fd:-"))
			strcpy(owner, "fd:N");
		at += snprintf(out + at, size - at, "%s%s %s", at ? ", " : "",
			       owner, opath);
	}
	fclose(f);
	if (!out[0])
		snprintf(out, size, "empty");
}

static int scenario_away(const char *path)
{
	char pins[512], owners[512];
	struct verbs v;
	struct ibv_mr *mr;
	unsigned char *map;
	int sv[2], fd, back;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fp_die("socketpair: %s", strerror(errno));
	verbs_open(&v);
	fd = open_file(path);
	if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
		fp_die("F_SETLEASE F_LAYOUT|F_EXCLUSIVE: %s", strerror(errno));
	map = map_file(fd);
	mr = reg(v.pd, map, PMD);
	say("pin: %s", result(mr ? 0 : -1));
	if (!mr)
		return 2;
	file_pins(getpid(), pins, sizeof(pins));
	pin_owners(owners, sizeof(owners));
	say("file_pins with the uverbs fd open: %s (%s)", pins, owners);

	/* (i) the only descriptor of the uverbs file is in flight */
	fp_send_fd(sv[0], v.ctx->cmd_fd);
	if (close(v.ctx->cmd_fd))
		fp_die("close the uverbs fd: %s", strerror(errno));
	file_pins(getpid(), pins, sizeof(pins));
	pin_owners(owners, sizeof(owners));
	say("file_pins with the uverbs fd in flight: %s (%s)", pins, owners);

	/* Back at a descriptor */
	back = fp_recv_fd(sv[1]);
	file_pins(getpid(), pins, sizeof(pins));
	say("file_pins with the uverbs fd received back: %s", pins);

	/* (ii) no descriptor at all: the queues' mappings keep it alive */
	close(back);
	file_pins(getpid(), pins, sizeof(pins));
	pin_owners(owners, sizeof(owners));
	say("file_pins with the uverbs fd closed, its queues mapped: %s (%s)",
	    pins, owners);
	say("punch in the pinned range: %s",
	    result(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     4096, 4096)));
	/* The process exits with the MR: its mappings go, and the pin */
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "pass"))
		return scenario_pass(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "plain"))
		return scenario_plain(argv[2], atof(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "reuse"))
		return scenario_reuse(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "away"))
		return scenario_away(argv[2]);
	fprintf(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
		"Usage: fp-vectors pass FILE | plain FILE BREAK_SECONDS | reuse FILE\n"
		"       | away FILE\n"
		"Lease ownership and plain layout lease scenarios against RDMA pins\n"
		"(rxe0); one fact per line.  Exit status: 0 ran, 2 setup failure.\n");
	return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
