// SPDX-License-Identifier: GPL-2.0
/*
 * fp-pinlist - /proc/<pid>/file_pins with many records, across execve(),
 * and its cost, for tests/vm/cases and tests/vm/bench (issues 9 and 12).
 * Pins are taken through the kernel's debugfs test hook
 * (/sys/kernel/debug/file_pins_test, CONFIG_FILE_PINS_TEST), owned by the
 * opened debugfs file: one record per pin.
 *
 *   fp-pinlist many FILE N      pin N distinct ranges, read file_pins in
 *                               small reads: each listed exactly once?
 *   fp-pinlist exec FILE PROG   a reader opens file_pins of a child, which
 *                               then execs PROG (setuid or not) that pins:
 *                               what does the reader's old fd show?
 *   fp-pinlist pin-wait FILE    (run by exec) pin, say so on fd 3, wait
 *                               for EOF on fd 4
 *   fp-pinlist bench FILE SHM N R   file_pins with N records against maps
 *                               with N file VMAs, best of R read-throughs
 *   fp-pinlist latency FILE FILE2 N M   pin+unpin latency of another
 *                               process, M times, while a reader loops over
 *                               file_pins with N records
 *
 * Exit status: 0 the scenario ran (whatever the kernel answered), 2 it
 * could not be set up.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fp-util.h"

/* The debugfs hook's interface (fs/file_pins_test.c; not a stable ABI) */
struct file_pins_test_pin {
	uint64_t addr;		// cppcheck-suppress unusedStructMember
	uint64_t len;		// cppcheck-suppress unusedStructMember
	uint32_t flags;		// cppcheck-suppress unusedStructMember
	uint32_t id;
};

#define FILE_PINS_TEST_PIN	_IOWR('f', 0xf0, struct file_pins_test_pin)
#define FILE_PINS_TEST_UNPIN	_IOW('f', 0xf1, uint32_t)
#define FILE_PINS_TEST_PATH	"/sys/kernel/debug/file_pins_test"

#define PAGE		4096ul
/* Distinct ranges: record k pins 1 + k / SPAN pages at page k % SPAN */
#define SPAN		1024ul
/* Records per debugfs file: below FILEPIN_MAX_RECORDS (65536) */
#define PER_OWNER	60000ul

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_leased(const char *path, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		fp_die("cannot open %s: %s", path, strerror(errno));
	if (fp_extend(fd, len))
		fp_die("cannot size %s: %s", path, strerror(errno));
	if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
		fp_die("F_SETLEASE F_LAYOUT|F_EXCLUSIVE on %s: %s", path,
		       strerror(errno));
	return fd;
}

static char *map_shared(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		fp_die("mmap: %s", strerror(errno));
	return p;
}

static int open_hook(void)
{
	int dfd = open(FILE_PINS_TEST_PATH, O_RDWR | O_CLOEXEC);

	if (dfd < 0)
		fp_die("cannot open %s: %s", FILE_PINS_TEST_PATH, strerror(errno));
	return dfd;
}

/* Pin [addr, addr + len) through @dfd; the pin's id, or -errno */
static long pin(int dfd, void *addr, size_t len)
{
	struct file_pins_test_pin arg = {
		.addr = (uintptr_t)addr,
		.len = len,
	};

	if (ioctl(dfd, FILE_PINS_TEST_PIN, &arg))
		return -errno;
	return arg.id;
}

/*
 * Pin @n ranges of @map, PER_OWNER per debugfs file: distinct ones, or
 * (@single) one page each, the same SPAN pages again and again (cheaper)
 */
static void pin_many(char *map, unsigned long n, int *dfds, int single)
{
	unsigned long k;

	for (k = 0; k < n; k++) {
		long r;

		if (!(k % PER_OWNER))
			dfds[k / PER_OWNER] = open_hook();
		r = pin(dfds[k / PER_OWNER], map + k % SPAN * PAGE,
			(single ? 1 : 1 + k / SPAN) * PAGE);
		if (r < 0)
			fp_die("pin %lu: %s", k, fp_errno_name((int)-r));
	}
}

static size_t many_len(unsigned long n)
{
	return (SPAN + 1 + n / SPAN) * PAGE;
}

/* Read all of @path with reads of @chunk bytes; bytes read, or -errno */
static long read_all(const char *path, char *buf, size_t size, size_t chunk)
{
	size_t at = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (at + chunk > size)
			fp_die("%s: more than %zu bytes", path, size);
		r = read(fd, buf + at, chunk);
		if (r < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (!r)
			break;
		at += r;
	}
	close(fd);
	buf[at] = 0;
	return at;
}

static int many(const char *path, unsigned long n)
{
	size_t size = n * 256 + 4096, len = many_len(n);
	unsigned long k, listed = 0, dup = 0, missing = 0, foreign = 0;
	unsigned long first, last, ino;
	int fd = open_leased(path, len), *dfds;
	unsigned char *seen = calloc(n, 1);
	char *buf = malloc(size), *line, *save = NULL;
	char *map = map_shared(fd, len);
	char owner[32], want[32];
	struct stat st;
	long r;

	dfds = calloc(n / PER_OWNER + 1, sizeof(*dfds));
	if (!seen || !buf || !dfds)
		fp_die("out of memory");
	if (fstat(fd, &st))
		fp_die("fstat: %s", strerror(errno));
	pin_many(map, n, dfds, 0);
	/* Small reads: every read resumes from the cursor */
	r = read_all("/proc/self/file_pins", buf, size, 1000);
	if (r < 0)
		fp_die("read file_pins: %s", fp_errno_name((int)-r));
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%31s %*s %*s %lu %lu-%lu", owner, &ino,
			   &first, &last) != 4 || ino != st.st_ino) {
			foreign++;
			continue;
		}
		k = (last - first) * SPAN + first;
		if (last < first || first >= SPAN || k >= n) {
			foreign++;
			continue;
		}
		snprintf(want, sizeof(want), "fd:%d", dfds[k / PER_OWNER]);
		if (strcmp(owner, want)) {
			foreign++;
			continue;
		}
		listed++;
		if (seen[k]++)
			dup++;
	}
	for (k = 0; k < n; k++)
		missing += !seen[k];
	printf("many: %lu pinned, %lu listed, %lu missing, %lu duplicate, %lu foreign\n",
	       n, listed, missing, dup, foreign);
	return 0;
}

/* --- exec: a reader's fd across the execve() of the process it reads --- */

static int pin_wait(const char *path)
{
	int fd = open_leased(path, 16 * PAGE), dfd = open_hook();
	char *map = map_shared(fd, 16 * PAGE);
	long r = pin(dfd, map, 16 * PAGE);
	char c = r < 0 ? 'e' : 'r';

	if (write(3, &c, 1) != 1)
		return 2;
	/* Until the reader closes its end */
	while (read(4, &c, 1) > 0)
		;
	return 0;
}

/* Lines of /proc/@pid/file_pins read through @fd, or "errno=E" */
static void show_fd(const char *what, int fd)
{
	char buf[4096];
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);
	unsigned long lines = 0;
	ssize_t i;

	if (r < 0) {
		printf("%s: errno=%s\n", what, fp_errno_name(errno));
		return;
	}
	for (i = 0; i < r; i++)
		lines += buf[i] == '\n';
	printf("%s: %lu lines\n", what, lines);
}

static int exec_leak(const char *path, const char *prog)
{
	int ready[2], hold[2], go[2], fd;
	char c, proc[64];
	pid_t pid;

	if (pipe(ready) || pipe(hold) || pipe(go))
		fp_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		fp_die("fork: %s", strerror(errno));
	if (!pid) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		if (dup2(ready[1], 3) < 0 || dup2(hold[0], 4) < 0)
			_exit(2);
		execl(prog, prog, "pin-wait", path, (char *)NULL);
		_exit(2);
	}
	close(ready[1]);
	close(hold[0]);
	close(go[0]);
	snprintf(proc, sizeof(proc), "/proc/%d/file_pins", (int)pid);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fp_die("open %s before exec: %s", proc, strerror(errno));
	show_fd("before exec", fd);
	if (write(go[1], "g", 1) != 1 || read(ready[0], &c, 1) != 1)
		fp_die("the child did not exec and pin");
	printf("child pinned after exec: %s\n", c == 'r' ? "yes" : "no");
	show_fd("fd opened before exec", fd);
	close(fd);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("fd opened after exec: errno=%s\n", fp_errno_name(errno));
	} else {
		show_fd("fd opened after exec", fd);
		close(fd);
	}
	close(hold[1]);
	waitpid(pid, NULL, 0);
	return 0;
}

/* --- bench: file_pins against maps, and pin latency under a reader ----- */

/*
 * Best time of @rounds read-throughs of @path, and (@mean) their mean:
 * under TCG the clock may tick in jiffies
 */
static double best_read(const char *path, char *buf, size_t size, int rounds,
			long *bytes, double *mean)
{
	double best = 1e9, t0 = now();
	int i;

	for (i = 0; i < rounds; i++) {
		double t = now();

		*bytes = read_all(path, buf, size, 65536);
		t = now() - t;
		if (*bytes < 0)
			fp_die("read %s: %s", path, fp_errno_name((int)-*bytes));
		if (t < best)
			best = t;
	}
	*mean = (now() - t0) / rounds;
	return best;
}

static unsigned long count_lines(const char *buf)
{
	unsigned long n = 0;

	for (; *buf; buf++)
		n += *buf == '\n';
	return n;
}

static int bench(const char *path, const char *shm, unsigned long n, int rounds)
{
	size_t len = many_len(n), size = n * 256 + (1 << 20);
	int fd = open_leased(path, len), sfd, *dfds;
	char *map = map_shared(fd, len), *buf = malloc(size), *vmas;
	double tp, tm, mp, mm;
	unsigned long k;
	long bp, bm;

	dfds = calloc(n / PER_OWNER + 1, sizeof(*dfds));
	if (!buf || !dfds)
		fp_die("out of memory");
	/* n VMAs of a file: every other page of a 2n-page mapping */
	sfd = open(shm, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (sfd < 0 || ftruncate(sfd, 2 * n * PAGE))
		fp_die("cannot make %s: %s", shm, strerror(errno));
	vmas = mmap(NULL, 2 * n * PAGE, PROT_READ, MAP_SHARED, sfd, 0);
	if (vmas == MAP_FAILED)
		fp_die("mmap %s: %s", shm, strerror(errno));
	for (k = 1; k < 2 * n; k += 2)
		if (munmap(vmas + k * PAGE, PAGE))
			fp_die("munmap: %s", strerror(errno));
	pin_many(map, n, dfds, 1);

	tp = best_read("/proc/self/file_pins", buf, size, rounds, &bp, &mp);
	printf("file_pins: %lu lines, %ld bytes, best %.2f ms, mean %.2f ms\n",
	       count_lines(buf), bp, tp * 1e3, mp * 1e3);
	tm = best_read("/proc/self/maps", buf, size, rounds, &bm, &mm);
	printf("maps: %lu lines, %ld bytes, best %.2f ms, mean %.2f ms\n",
	       count_lines(buf), bm, tm * 1e3, mm * 1e3);
	printf("ratio file_pins/maps: best %.2f, mean %.2f\n", tp / tm, mp / mm);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Pin and unpin one page of @path @m times; print median and max */
static void pin_latency(const char *what, const char *path, int m)
{
	int fd = open_leased(path, 16 * PAGE), dfd = open_hook(), i;
	char *map = map_shared(fd, 16 * PAGE);
	double *t = calloc(m, sizeof(*t));
	uint32_t id;

	if (!t)
		fp_die("out of memory");
	for (i = 0; i < m; i++) {
		double t0 = now();
		long r = pin(dfd, map, PAGE);

		if (r < 0)
			fp_die("pin: %s", fp_errno_name((int)-r));
		id = (uint32_t)r;
		if (ioctl(dfd, FILE_PINS_TEST_UNPIN, &id))
			fp_die("unpin: %s", strerror(errno));
		t[i] = now() - t0;
	}
	qsort(t, m, sizeof(*t), cmp_double);
	printf("%s: pin+unpin x%d: median %.3f ms, max %.3f ms\n", what, m,
	       t[m / 2] * 1e3, t[m - 1] * 1e3);
	free(t);
	munmap(map, 16 * PAGE);
	close(dfd);
	close(fd);
}

/* pin_latency() in another process than the one with the records */
static void pin_latency_child(const char *what, const char *path, int m)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		fp_die("fork: %s", strerror(errno));
	if (!pid) {
		pin_latency(what, path, m);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fp_die("the pinner failed");
}

static int latency(const char *path, const char *path2, unsigned long n, int m)
{
	size_t len = many_len(n), size = n * 256 + 4096;
	int fd = open_leased(path, len), *dfds, ready[2];
	char *map = map_shared(fd, len), proc[64], c;
	double t0;
	pid_t reader;

	dfds = calloc(n / PER_OWNER + 1, sizeof(*dfds));
	if (!dfds)
		fp_die("out of memory");
	t0 = now();
	pin_many(map, n, dfds, 1);
	printf("# %lu records pinned in %.1f s\n", n, now() - t0);
	pin_latency_child("no reader", path2, m);

	snprintf(proc, sizeof(proc), "/proc/%d/file_pins", (int)getpid());
	if (pipe(ready))
		fp_die("pipe: %s", strerror(errno));
	reader = fork();
	if (reader < 0)
		fp_die("fork: %s", strerror(errno));
	if (!reader) {
		char *buf = malloc(size);
		double t;
		long r;

		if (!buf)
			_exit(2);
		t0 = now();
		r = read_all(proc, buf, size, 65536);
		t = now() - t0;
		printf("# reader: %lu lines in %.1f ms per read-through\n",
		       count_lines(buf), t * 1e3);
		fflush(stdout);
		if (r < 0 || write(ready[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			read_all(proc, buf, size, 65536);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		fp_die("the reader failed");
	pin_latency_child("reader looping", path2, m);
	kill(reader, SIGKILL);
	waitpid(reader, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "many"))
		return many(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "exec"))
		return exec_leak(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "pin-wait"))
		return pin_wait(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "bench"))
		return bench(argv[2], argv[3], strtoul(argv[4], NULL, 0),
			     atoi(argv[5]));
	if (argc == 6 && !strcmp(argv[1], "latency"))
		return latency(argv[2], argv[3], strtoul(argv[4], NULL, 0),
			       atoi(argv[5]));
	fprintf(argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
		"Usage: fp-pinlist many FILE N | exec FILE PROG | pin-wait FILE\n"
		"       | bench FILE SHMFILE N ROUNDS | latency FILE FILE2 N M\n"
		"/proc/<pid>/file_pins with many records, across execve(), and its\n"
		"cost.  Exit status: 0 ran, 2 setup failure.\n");
	return argc == 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
