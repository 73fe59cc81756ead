// SPDX-License-Identifier: GPL-2.0
/*
 * fp-hole - scenarios that try to get around the kernel's file pin rules,
 * for tests/vm/cases.  Pins are taken through the kernel's debugfs test
 * hook (/sys/kernel/debug/file_pins_test, CONFIG_FILE_PINS_TEST), which
 * pins like an RDMA registration does, owned by the opened debugfs file.
 *
 *   fp-hole owner-fork FILE    a forked child shares the leased description
 *   fp-hole owner-pass FILE    the leased fd is passed over SCM_RIGHTS
 *   fp-hole owner-reuse FILE   a new process gets the lease taker's pid
 *   fp-hole moveext ORIG DONOR EXT4_IOC_MOVE_EXT of all of DONOR's blocks
 *   fp-hole race FILE SECONDS  pinners against truncate and punch
 *   fp-hole records FILE       pin one page again and again, one owner
 *
 * Each prints one line per actor: "NAME: ok" or "NAME: errno=NAME".
 * Exit status: 0 the scenario ran (whatever the kernel answered), 2 it
 * could not be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fp-util.h"

/* The debugfs hook's interface (fs/file_pins_test.c; not a stable ABI) */
struct file_pins_test_pin {
	uint64_t addr;		// cppcheck-suppress unusedStructMember
	uint64_t len;		// cppcheck-suppress unusedStructMember
	uint32_t flags;		// cppcheck-suppress unusedStructMember
	uint32_t id;		// cppcheck-suppress unusedStructMember
};

#define FILE_PINS_TEST_PIN	_IOWR('f', 0xf0, struct file_pins_test_pin)
#define FILE_PINS_TEST_PATH	"/sys/kernel/debug/file_pins_test"

/* ext4's EXT4_IOC_MOVE_EXT (fs/ext4/ext4.h) */
struct move_extent {
	uint32_t reserved;	// cppcheck-suppress unusedStructMember
	uint32_t donor_fd;
	uint64_t orig_start;	// cppcheck-suppress unusedStructMember
	uint64_t donor_start;	// cppcheck-suppress unusedStructMember
	uint64_t len;
	uint64_t moved_len;
};

#define EXT4_IOC_MOVE_EXT	_IOWR('f', 15, struct move_extent)

#define MAP_LEN		(64 * 1024)

/*
 * Pin [addr, addr + len) through the debugfs hook.  Returns the debugfs fd
 * (closing it drops the pin) or -errno.
 */
static int pin(void *addr, size_t len)
{
	struct file_pins_test_pin arg = {
		.addr = (uintptr_t)addr,
		.len = len,
	};
	int dfd;

	dfd = open(FILE_PINS_TEST_PATH, O_RDWR | O_CLOEXEC);
	if (dfd < 0)
		fp_die("cannot open %s: %s", FILE_PINS_TEST_PATH, strerror(errno));
	if (ioctl(dfd, FILE_PINS_TEST_PIN, &arg)) {
		int e = errno;

		close(dfd);
		return -e;
	}
	return dfd;
}

/* Pin, report as "NAME: ok" or "NAME: errno=E", unpin. */
static void try_pin(const char *name, void *addr, size_t len)
{
	int dfd = pin(addr, len);

	if (dfd < 0) {
		printf("%s: errno=%s\n", name, fp_errno_name(-dfd));
	} else {
		printf("%s: ok\n", name);
		close(dfd);
	}
	fflush(stdout);
}

static int open_leased(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fp_die("cannot open %s: %s", path, strerror(errno));
	if (fp_extend(fd, MAP_LEN))
		fp_die("cannot size %s: %s", path, strerror(errno));
	if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
		fp_die("F_SETLEASE F_LAYOUT|F_EXCLUSIVE on %s: %s", path,
		       strerror(errno));
	return fd;
}

static void *map_file(int fd)
{
	void *p = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		fp_die("mmap failed: %s", strerror(errno));
	return p;
}

static void wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fp_die("child %d failed", (int)pid);
}

/* A forked child shares the leased open file description: it may pin. */
static int owner_fork(const char *path)
{
	int fd = open_leased(path);
	void *map = map_file(fd);
	pid_t pid;

	try_pin("lease taker", map, MAP_LEN);
	pid = fork();
	if (pid < 0)
		fp_die("fork: %s", strerror(errno));
	if (!pid) {
		try_pin("forked child", map, MAP_LEN);
		_exit(0);
	}
	wait_child(pid);
	return 0;
}

/*
 * The lease taker passes its only descriptor of the leased description to
 * another process and closes it: the receiver may pin, the sender not.
 */
static int owner_pass(const char *path)
{
	int sv[2], fd;
	void *map;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fp_die("socketpair: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fp_die("fork: %s", strerror(errno));
	if (!pid) {
		/* the receiver: not related to the description until now */
		close(sv[0]);
		fd = fp_recv_fd(sv[1]);
		map = map_file(fd);
		try_pin("receiver", map, MAP_LEN);
		_exit(0);
	}
	close(sv[1]);
	fd = open_leased(path);
	map = map_file(fd);
	fp_send_fd(sv[0], fd);
	close(fd);
	wait_child(pid);
	try_pin("sender after passing its fd", map, MAP_LEN);
	return 0;
}

/*
 * Fork a child with pid @want and run @fn in it: clone3() with set_tid,
 * which needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE) but, unlike
 * /proc/sys/kernel/ns_last_pid, no CONFIG_CHECKPOINT_RESTORE.
 */
static pid_t fork_with_pid(pid_t want, void (*fn)(const char *, int),
			   const char *path, int fd)
{
	struct clone_args args;
	pid_t tid[1] = { want };
	long pid;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	args.set_tid = (uintptr_t)tid;
	args.set_tid_size = 1;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return -1;
	if (!pid) {
		fn(path, fd);
		_exit(0);
	}
	wait_child((pid_t)pid);
	return (pid_t)pid;
}

static void reuser(const char *path, int leased_fd)
{
	int fd;
	void *map;

	/* Not the leased description: only the pid is the lease taker's */
	close(leased_fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fp_die("cannot open %s: %s", path, strerror(errno));
	map = map_file(fd);
	try_pin("process with the lease taker's pid", map, MAP_LEN);
}

/*
 * The lease taker passes its description to us and exits; a new process
 * gets its pid and maps the file through a description of its own.
 */
static int owner_reuse(const char *path)
{
	int sv[2], fd;
	pid_t taker;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fp_die("socketpair: %s", strerror(errno));
	taker = fork();
	if (taker < 0)
		fp_die("fork: %s", strerror(errno));
	if (!taker) {
		close(sv[0]);
		fd = open_leased(path);
		fp_send_fd(sv[1], fd);
		_exit(0);
	}
	close(sv[1]);
	fd = fp_recv_fd(sv[0]);
	wait_child(taker);
	if (fcntl(fd, F_GETLEASE) != (F_LAYOUT | F_EXCLUSIVE))
		fp_die("the passed description holds no exclusive layout lease");
	if (fork_with_pid(taker, reuser, path, fd) < 0) {
		printf("pid %d could not be reused: %s\n", (int)taker,
		       strerror(errno));
		return 2;
	}
	return 0;
}

static int moveext(const char *orig_path, const char *donor_path)
{
	struct move_extent me = { 0 };
	int orig, donor;
	struct stat st;

	orig = open(orig_path, O_RDWR | O_CLOEXEC);
	donor = open(donor_path, O_RDWR | O_CLOEXEC);
	if (orig < 0 || donor < 0 || fstat(donor, &st))
		fp_die("cannot open %s and %s: %s", orig_path, donor_path,
		       strerror(errno));
	me.donor_fd = (uint32_t)donor;
	me.len = ((uint64_t)st.st_size + st.st_blksize - 1) / st.st_blksize;
	if (ioctl(orig, EXT4_IOC_MOVE_EXT, &me))
		printf("moveext: errno=%s\n", fp_errno_name(errno));
	else
		printf("moveext: ok moved %llu blocks\n",
		       (unsigned long long)me.moved_len);
	return 0;
}

/*
 * Pin the first page of FILE again and again through one debugfs file (one
 * owner, one record per pin) until the kernel refuses; give up after
 * RECORDS_TRY pins.
 */
#define RECORDS_TRY	70000

static int records(const char *path)
{
	int fd = open_leased(path), dfd;
	void *map = map_file(fd);
	unsigned long n;

	dfd = open(FILE_PINS_TEST_PATH, O_RDWR | O_CLOEXEC);
	if (dfd < 0)
		fp_die("cannot open %s: %s", FILE_PINS_TEST_PATH, strerror(errno));
	for (n = 0; n < RECORDS_TRY; n++) {
		struct file_pins_test_pin arg = {
			.addr = (uintptr_t)map,
			.len = 4096,
		};

		if (ioctl(dfd, FILE_PINS_TEST_PIN, &arg)) {
			printf("records: %lu pins, then errno=%s\n", n,
			       fp_errno_name(errno));
			break;
		}
	}
	if (n == RECORDS_TRY)
		printf("records: %lu pins, no limit\n", n);
	close(dfd);
	return 0;
}

/* --- race: pinners against truncate and punch ------------------------- */

#define RACE_FILE	(4u << 20)
#define RACE_EXTENTS	32

#define RACE_PAGES	(MAP_LEN / 4096)

/* The physical address of each 4 KiB block of a range; 0 for a hole */
struct extents {
	uint64_t phys[RACE_PAGES];
};

static int extents_of(int fd, off_t off, size_t len, struct extents *x)
{
	/* struct fiemap and its extents, suitably aligned */
	static uint64_t buf[(sizeof(struct fiemap) +
			     RACE_EXTENTS * sizeof(struct fiemap_extent)) / 8 + 1];
	struct fiemap *fm = (struct fiemap *)buf;

	memset(buf, 0, sizeof(buf));
	memset(x, 0, sizeof(*x));
	fm->fm_start = (uint64_t)off;
	fm->fm_length = len;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = RACE_EXTENTS;
	if (ioctl(fd, FS_IOC_FIEMAP, fm))
		return -1;
	for (unsigned int i = 0; i < fm->fm_mapped_extents; i++) {
		const struct fiemap_extent *e = &fm->fm_extents[i];

		for (unsigned int pg = 0; pg < RACE_PAGES; pg++) {
			uint64_t at = (uint64_t)off + pg * 4096ull;

			if (at >= e->fe_logical && at < e->fe_logical + e->fe_length)
				x->phys[pg] = e->fe_physical + (at - e->fe_logical);
		}
	}
	return 0;
}

static int same_extents(const struct extents *a, const struct extents *b)
{
	for (unsigned int pg = 0; pg < RACE_PAGES; pg++)
		if (!a->phys[pg] || a->phys[pg] != b->phys[pg])
			return 0;
	return 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * One pinner: pin a random 64 KiB range under a lease, give the lease up
 * (so that only the pin protects the range) and unmap it, record the
 * range's physical blocks, let the layout changers run, and check that the
 * blocks are unchanged before unpinning.  Prints its counts; exit 1 on
 * a broken invariant.
 */
static int race_pinner(const char *path, double end, unsigned int seed)
{
	unsigned long pins = 0, refused = 0, checks = 0;
	struct extents before, after;

	srand(seed);
	while (now() < end) {
		off_t off = (off_t)(rand() % (RACE_FILE / MAP_LEN)) * MAP_LEN;
		unsigned char *map;
		int fd, dfd;

		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			fp_die("cannot open %s: %s", path, strerror(errno));
		if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
			fp_die("F_SETLEASE: %s", strerror(errno));
		if (fp_extend(fd, RACE_FILE))
			fp_die("cannot size %s: %s", path, strerror(errno));
		map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, off);
		if (map == MAP_FAILED)
			fp_die("mmap: %s", strerror(errno));
		/* A truncate may cut the mapping short: a pin then fails */
		dfd = pin(map, MAP_LEN);
		fcntl(fd, F_SETLEASE, F_UNLCK);
		if (dfd < 0) {
			refused++;
			munmap(map, MAP_LEN);
			close(fd);
			continue;
		}
		pins++;
		/*
		 * Unmapped at once: a layout change that checked before the
		 * pin and scans for busy pages after it finds nothing mapped
		 * (the window of hole 2).  The pin (FOLL_WRITE) allocated the
		 * blocks.
		 */
		munmap(map, MAP_LEN);
		if (extents_of(fd, off, MAP_LEN, &before))
			fp_die("FIEMAP: %s", strerror(errno));
		usleep((useconds_t)(rand() % 2000));
		if (extents_of(fd, off, MAP_LEN, &after))
			fp_die("FIEMAP: %s", strerror(errno));
		checks++;
		if (!same_extents(&before, &after)) {
			printf("pinner: INVARIANT BROKEN: the blocks of pinned [%lld, +%d) changed\n",
			       (long long)off, MAP_LEN);
			return 1;
		}
		close(dfd);
		close(fd);
	}
	printf("pinner %u: %lu pins, %lu refused, %lu checks\n", seed, pins,
	       refused, checks);
	return 0;
}

/* Truncate, punch and re-extend at random; counts refusals. */
static int race_changer(const char *path, double end, unsigned int seed)
{
	unsigned long ok = 0, busy = 0;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fp_die("cannot open %s: %s", path, strerror(errno));
	srand(seed);
	while (now() < end) {
		off_t a = (off_t)(rand() % (RACE_FILE / 4096)) * 4096;
		off_t l = (off_t)(1 + rand() % 64) * 4096;
		int r;

		if (rand() % 2)
			r = ftruncate(fd, a);
		else
			r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      a, l);
		if (!r)
			ok++;
		else if (errno == ETXTBSY)
			busy++;
		else
			fp_die("layout change: %s", strerror(errno));
		if (ftruncate(fd, RACE_FILE) && errno != ETXTBSY)
			fp_die("ftruncate up: %s", strerror(errno));
	}
	printf("changer %u: %lu done, %lu refused with ETXTBSY\n", seed, ok, busy);
	return 0;
}

static int race(const char *path, const char *secs)
{
	double end = now() + atof(secs);
	pid_t pids[4];
	int i, status, failed = 0, fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fp_extend(fd, RACE_FILE))
		fp_die("cannot make %s: %s", path, strerror(errno));
	close(fd);
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			fp_die("fork: %s", strerror(errno));
		if (!pids[i])
			_exit(i < 2 ? race_pinner(path, end, (unsigned int)i + 1) :
			      race_changer(path, end, (unsigned int)i + 1));
	}
	for (i = 0; i < 4; i++)
		if (waitpid(pids[i], &status, 0) != pids[i] ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	printf("race: %s\n", failed ? "invariant broken" : "invariant kept");
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "owner-fork"))
		return owner_fork(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "owner-pass"))
		return owner_pass(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "owner-reuse"))
		return owner_reuse(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "moveext"))
		return moveext(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "records"))
		return records(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "race"))
		return race(argv[2], argv[3]);
	fprintf(stderr,
		"Usage: fp-hole owner-fork|owner-pass|owner-reuse FILE\n"
		"       fp-hole moveext ORIG DONOR\n"
		"       fp-hole race FILE SECONDS\n"
		"       fp-hole records FILE\n");
	return 2;
}
