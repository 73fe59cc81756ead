// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fork() with libfilepin (libfilepin(3), "FORK"), on the fake kernel
 * (fake-env.h) under both kernel rules for who holds a lease:
 *  - the child starts with no lease and no MR of its own: it registers the
 *    file the parent pinned by taking a lease of its own (the pid rule
 *    refuses it the parent's; under the open-file-description rule the
 *    inherited descriptor would let it pin on the parent's lease), keeps no
 *    descriptor of the parent's lease, and its ibv_dereg_mr() of an MR
 *    inherited from the parent leaves the parent's lease alone;
 *  - a fork while another thread holds the context's lock (in the middle of
 *    a registration) does not leave the child a lock nobody will release:
 *    the child must finish its own registration within a bound.
 * The parent waits for the child on a pipe with a time limit, never for a
 * fixed time.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fake-env.h"
#include "tap.h"

#define MiB (1024 * 1024)
#define CHILD_LIMIT_MS 20000

static struct filepin_ctx *ctx;
static int dummy_pd;
#define PD ((struct ibv_pd *)&dummy_pd)

static struct ibv_mr *reg(void *addr, size_t len)
{
	struct fp_reg_args a = {
		.kind = FP_REG_MR_IOVA2, .pd = PD, .addr = addr, .length = len,
		.iova = (uintptr_t)addr, .access = 0,
	};

	return fp_range_reg(ctx, &a);
}

static size_t nleases(void)
{
	size_t n;

	fp_lock(ctx);
	n = ctx->leases.n;
	fp_unlock(ctx);
	return n;
}

/* descriptors of this process open on inode @ino */
static int fds_on(ino_t ino)
{
	char path[64];
	struct stat st;
	int fd, n = 0;

	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (!stat(path, &st) && st.st_ino == ino)
			n++;
	}
	return n;
}

/* a read-only DAX file of 2 MiB, mapped; its inode in *ino */
static void *dax_map(const char *dir, const char *name, ino_t *ino)
{
	char *path = make_file(dir, name, 2 * MiB);
	struct stat st;
	void *p;
	int fd;

	if (!path)
		bail("cannot make %s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		bail("open %s: %s", path, strerror(errno));
	fake_add_dax(fd);
	p = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	close(fd);
	free(path);
	*ino = st.st_ino;
	return p;
}

/*
 * Wait up to CHILD_LIMIT_MS for the child holding the write end of @pipefd
 * to exit; kill it after that.  Returns the byte it wrote before it exited
 * (its result: not its exit status, which a sanitizer may change), or -1
 * if it had to be killed or wrote nothing.
 */
static int child_wait(pid_t pid, int pipefd)
{
	struct pollfd p = { .fd = pipefd, .events = POLLIN };
	int r, result = -1;
	unsigned char c;

	do {
		r = poll(&p, 1, CHILD_LIMIT_MS);
	} while (r < 0 && errno == EINTR);
	if (r == 1 && read(pipefd, &c, 1) == 1)
		result = c;
	if (r == 1) {
		/* until EOF: the child is gone */
		p.events = POLLIN;
		while (poll(&p, 1, CHILD_LIMIT_MS) == 1 && read(pipefd, &c, 1) > 0)
			;
	} else {
		kill(pid, SIGKILL);
	}
	close(pipefd);
	waitpid(pid, NULL, 0);
	return result;
}

/* In the child: hand the parent @result, and exit. */
static __attribute__((noreturn)) void child_exit(int pipefd, int result)
{
	unsigned char c = (unsigned char)result;

	if (write(pipefd, &c, 1) != 1)
		_exit(1);
	_exit(0);
}

/* ---- the child's lease table -------------------------------------------- */

enum {
	C_REG = 1 << 0,		/* its own MR on the parent's file registers */
	C_OWN_LEASE = 1 << 1,	/* through a lease it took itself */
	C_NO_PARENT_FD = 1 << 2,	/* no descriptor of the parent's lease left */
	C_DEREG_INHERITED = 1 << 3,	/* ibv_dereg_mr of the parent's MR passes through */
};

static int child_checks(void *map, ino_t ino, struct ibv_mr *parents)
{
	unsigned long taken = fake.leases_taken;
	struct ibv_mr *mr;
	int failed = 0;

	fake_log_clear();
	mr = reg(map, MiB);
	if (!mr) {
		failed |= C_REG;
		printf("# child: registration failed: %s; the library said:\n%s",
		       strerror(errno), fake_log_text());
	}
	if (fake.leases_taken != taken + 1 || nleases() != (mr ? 1 : 0))
		failed |= C_OWN_LEASE;
	if (mr && fp_range_dereg(ctx, mr))
		failed |= C_REG;
	if (fds_on(ino) != 0) {
		failed |= C_NO_PARENT_FD;
		printf("# child: %d descriptor(s) still open on the file\n", fds_on(ino));
	}
	/* the parent's MR: not ours, a plain deregistration */
	if (fp_range_dereg(ctx, parents) || nleases() != 0)
		failed |= C_DEREG_INHERITED;
	fflush(stdout);
	return failed;
}

static void test_inherit(enum fake_rule rule, const char *dir, const char *name)
{
	const char *rn = rule == FAKE_RULE_PID ? "pid rule" : "file-description rule";
	int pipefd[2], status, leasefd, locks;
	struct ibv_mr *mr;
	ino_t ino;
	void *map;
	pid_t pid;

	fake.rule = rule;
	map = dax_map(dir, name, &ino);
	mr = reg(map, 2 * MiB);
	if (!tap_ok(mr && nleases() == 1, "%s: the parent registers the DAX file, one lease", rn))
		bail("%s", fake_log_text());
	fp_lock(ctx);
	leasefd = ctx->leases.head->fd;
	fp_unlock(ctx);
	locks = count_proc_locks();

	if (pipe2(pipefd, O_CLOEXEC))
		bail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail("fork: %s", strerror(errno));
	if (!pid) {
		close(pipefd[0]);
		child_exit(pipefd[1], child_checks(map, ino, mr));
	}
	close(pipefd[1]);
	status = child_wait(pid, pipefd[0]);
	ok(status >= 0, "%s: the child finished in time", rn);
	if (status < 0)
		status = 0xff;
	ok(!(status & C_REG), "%s: the child registers its own MR on the file the parent pinned", rn);
	ok(!(status & C_OWN_LEASE), "%s: ... under a lease it took itself (no inherited lease table)", rn);
	ok(!(status & C_NO_PARENT_FD), "%s: the child keeps no descriptor of the parent's lease", rn);
	ok(!(status & C_DEREG_INHERITED),
	   "%s: the child's ibv_dereg_mr of the parent's MR touches no lease", rn);
	is_int(fcntl(leasefd, F_GETLEASE), F_RDLCK, "%s: the parent still holds its lease", rn);
	is_int(count_proc_locks(), locks, "%s: /proc/locks unchanged in the parent", rn);
	ok(!fp_range_dereg(ctx, mr) && nleases() == 0 && !fake.violations,
	   "%s: the parent deregisters, its lease released after its MR", rn);
	munmap(map, 2 * MiB);
}

/* ---- a fork while another thread holds the context's lock ---------------- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool holding;		/* the registering thread is inside the lock */
	bool forked;		/* fork() returned in the parent */
	pid_t main_tid;
	ino_t ino;		/* the file whose is_dax blocks */
} blk = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER };

/*
 * Whether thread @tid sleeps in futex() on @addr: the forking thread waiting
 * for the context's lock (the library's fork handler takes it).
 */
static bool sleeps_on(pid_t tid, const void *addr)
{
	char path[64], buf[256];
	unsigned long long nr, arg;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = 0;
	if (sscanf(buf, "%llu %llx", &nr, &arg) != 2)
		return false;
	return nr == SYS_futex && arg == (uintptr_t)addr;
}

static bool syscall_readable(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall",
		 (int)syscall(SYS_gettid));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int blocking_is_dax(struct filepin_ctx *c, int fd)
{
	struct timespec tick = { 0, 1000000 };
	struct stat st;

	if (!fstat(fd, &st) && st.st_ino == blk.ino) {
		pthread_mutex_lock(&blk.lock);
		blk.holding = true;
		pthread_cond_broadcast(&blk.cond);
		pthread_mutex_unlock(&blk.lock);
		/*
		 * Hold the context's lock (our caller has it) until the fork
		 * happened, or until the forking thread waits for this lock.
		 */
		for (;;) {
			bool forked;

			pthread_mutex_lock(&blk.lock);
			forked = blk.forked;
			pthread_mutex_unlock(&blk.lock);
			if (forked || sleeps_on(blk.main_tid, &c->lock))
				break;
			nanosleep(&tick, NULL);
		}
	}
	return fake_ops.is_dax(c, fd);
}

static const struct fp_ops blocking_ops = {
	.is_dax = blocking_is_dax,
	.set_lease = NULL,	/* filled in main() */
	.maps_path = "/proc/self/maps",
};

static void *registering_thread(void *map)
{
	struct ibv_mr *mr = reg(map, MiB);

	if (mr)
		fp_range_dereg(ctx, mr);
	return mr;
}

static void test_lock_held(const char *dir)
{
	struct fp_ops ops = blocking_ops;
	void *map_b, *map_c;
	int pipefd[2], status;
	pthread_t t;
	ino_t ino_c;
	void *res;
	pid_t pid;

	fake.rule = FAKE_RULE_PID;
	ops.set_lease = fake_ops.set_lease;
	fp_ctx_set_ops(ctx, &ops);
	map_b = dax_map(dir, "b", &blk.ino);
	map_c = dax_map(dir, "c", &ino_c);
	blk.main_tid = (pid_t)syscall(SYS_gettid);

	if (pthread_create(&t, NULL, registering_thread, map_b))
		bail("pthread_create");
	pthread_mutex_lock(&blk.lock);
	while (!blk.holding)
		pthread_cond_wait(&blk.cond, &blk.lock);
	pthread_mutex_unlock(&blk.lock);

	/* another thread is inside the context's lock: fork now */
	if (pipe2(pipefd, O_CLOEXEC))
		bail("pipe: %s", strerror(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		bail("fork: %s", strerror(errno));
	if (!pid) {
		struct ibv_mr *mr;

		close(pipefd[0]);
		/* any registration of a DAX file takes the context's lock */
		mr = reg(map_c, MiB);
		child_exit(pipefd[1], mr && !fp_range_dereg(ctx, mr) ? 0 : 1);
	}
	pthread_mutex_lock(&blk.lock);
	blk.forked = true;
	pthread_mutex_unlock(&blk.lock);
	close(pipefd[1]);
	status = child_wait(pid, pipefd[0]);
	ok(status >= 0, "a child forked while another thread held the context's lock finishes within %d s",
	   CHILD_LIMIT_MS / 1000);
	is_int(status, 0, "... after registering a DAX file of its own");
	pthread_join(t, &res);
	ok(res, "the thread that held the lock completed its registration");
	is_int(nleases(), 0, "no lease left in the parent");
	fp_ctx_set_ops(ctx, &fake_ops);
	munmap(map_b, 2 * MiB);
	munmap(map_c, 2 * MiB);
}

int main(void)
{
	char *dir = make_tmpdir();

	if (!dir)
		bail("cannot make a temporary directory");
	ctx = fake_ctx();
	if (!ctx)
		bail("cannot make a context");
	test_inherit(FAKE_RULE_PID, dir, "pid");
	test_inherit(FAKE_RULE_OFD, dir, "ofd");
	if (syscall_readable())
		test_lock_held(dir);
	else
		ok(1, "# SKIP /proc/self/task/TID/syscall cannot be read: cannot tell when the forking thread waits");
	filepin_ctx_unref(ctx);
	{
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			diag("could not remove %s", dir);
	}
	free(dir);
	return done_testing();
}
