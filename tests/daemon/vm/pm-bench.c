// SPDX-License-Identifier: GPL-2.0
/*
 * pm-bench - the benchmarks of issue 5; each prints its median (and
 * maximum) in milliseconds.
 *
 *   pm-bench file-pins FILE N [DEV]    (filepin kernel) register N one-page
 *	MRs of FILE under an exclusive layout lease, time reads of
 *	/proc/self/file_pins (goal: < 5 ms at 10000)
 *   pm-bench list-fake DIR NPROC NPINS PINCTL   (any host) a proc tree of
 *	NPROC processes with NPINS pins in all, time "pinctl --proc DIR -r -n"
 *	(goal: < 100 ms at 1000 / 10000)
 *   pm-bench locks DIR NPROC NLEASES   (any host) NPROC processes holding
 *	NLEASES read leases in all, time "lslocks -r -n" (the reference)
 *   pm-bench event SOCKET FILE N       (filepin kernel, pinmgr, FILE pinned
 *	under policy report) ftruncate(FILE) is refused; time until the
 *	event reaches a "pinctl events -f" style subscriber
 *   pm-bench break HOLDER FILE N [DEV] (filepin kernel, pinmgr with policy
 *	break for FILE) HOLDER is pm-holder: pin, then time a refused
 *	truncate -> revoke -> retried truncate that succeeds (goal: < 10 ms)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fp-util.h"
#include "pinmgr-admin.h"
#include "seqpacket.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, double *t, int n, double goal)
{
	qsort(t, (size_t)n, sizeof(*t), dcmp);
	printf("%s: median %.3f ms, max %.3f ms over %d runs", what, t[n / 2], t[n - 1], n);
	if (goal > 0)
		printf(" (goal < %.0f ms: %s)", goal, t[n / 2] < goal ? "met" : "NOT met");
	printf("\n");
}

/* run ARGV with stdout to /dev/null, return ms */
/* execvp() takes char *const[]; it does not write to the strings */
static double run(const char *const *argv)
{
	double t0 = now_ms();
	int st;
	pid_t p = fork();

	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fp_die("%s failed (status 0x%x)", argv[0], st);
	return now_ms() - t0;
}

static int file_pins(const char *path, int n, const char *dev)
{
	long ps = sysconf(_SC_PAGESIZE);
	static char buf[1 << 22];
	double t[21];
	int fd, i, lines = 0;
	struct ibv_pd *pd;
	unsigned char *map;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0 || fp_extend(fd, (size_t)n * (size_t)ps))
		fp_die("%s: %s", path, strerror(errno));
	if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
		fp_die("exclusive layout lease: %s", strerror(errno));
	map = mmap(NULL, (size_t)n * (size_t)ps, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pd = ibv_alloc_pd(fp_open_device(dev));
	if (map == MAP_FAILED || !pd)
		fp_die("setup: %s", strerror(errno));
	for (i = 0; i < n; i++)
		if (!ibv_reg_mr(pd, map + (size_t)i * (size_t)ps, (size_t)ps,
				IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE))
			fp_die("ibv_reg_mr %d: %s", i, strerror(errno));
	for (i = 0; i < 21; i++) {
		double t0 = now_ms();
		int f = open("/proc/self/file_pins", O_RDONLY | O_CLOEXEC);
		ssize_t r, len = 0;

		if (f < 0)
			fp_die("/proc/self/file_pins: %s", strerror(errno));
		while ((r = read(f, buf + len, sizeof(buf) - (size_t)len)) > 0)
			len += r;
		close(f);
		t[i] = now_ms() - t0;
		lines = 0;
		for (r = 0; r < len; r++)
			lines += buf[r] == '\n';
	}
	printf("/proc/self/file_pins: %d lines for %d MRs\n", lines, n);
	report("read /proc/self/file_pins", t, 21, 5);
	return lines == n ? 0 : 1;
}

static int list_fake(const char *dir, int nproc, int npins, const char *pinctl)
{
	char path[4096];
	double t[11];
	int p, i;
	const char *argv[] = { pinctl, "--proc", dir, "-r", "-n", NULL };

	if (mkdir(dir, 0755) && errno != EEXIST)
		fp_die("%s: %s", dir, strerror(errno));
	for (p = 0; p < nproc; p++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%d", dir, 1000 + p);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%d/comm", dir, 1000 + p);
		f = fopen(path, "w");
		if (!f)
			fp_die("%s: %s", path, strerror(errno));
		fprintf(f, "app%d\n", p);
		fclose(f);
		snprintf(path, sizeof(path), "%s/%d/file_pins", dir, 1000 + p);
		f = fopen(path, "w");
		if (!f)
			fp_die("%s: %s", path, strerror(errno));
		for (i = p; i < npins; i += nproc)
			fprintf(f, "fd:%d /dev/infiniband/uverbs0 259:0 %d %d-%d 1 /mnt/pmem/file%d\n",
				3 + i % 5, 100 + p, i, i, p);
		fclose(f);
	}
	for (i = 0; i < 11; i++)
		t[i] = run(argv);
	report("pinctl list", t, 11, 100);
	return 0;
}

static int locks(const char *dir, int nproc, int nleases)
{
	pid_t *kids = calloc((size_t)nproc, sizeof(*kids));
	int pfd[2], p, i;
	double t[11];
	const char *argv[] = { "lslocks", "-r", "-n", NULL };
	char c;

	if ((mkdir(dir, 0755) && errno != EEXIST) || !kids || pipe(pfd))
		fp_die("setup: %s", strerror(errno));
	for (p = 0; p < nproc; p++) {
		kids[p] = fork();
		if (kids[p] == 0) {
			for (i = p; i < nleases; i += nproc) {
				char path[4096];
				int fd;

				snprintf(path, sizeof(path), "%s/f%d", dir, i);
				fd = open(path, O_RDONLY | O_CREAT, 0644);
				if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK))
					_exit(1);
			}
			if (write(pfd[1], "x", 1) != 1)
				_exit(1);
			pause();
			_exit(0);
		}
	}
	close(pfd[1]);
	for (p = 0; p < nproc; p++) {
		if (read(pfd[0], &c, 1) != 1) {
			for (i = 0; i < nproc; i++)
				kill(kids[i], SIGKILL);
			fp_die("a lease holder failed (is %s writable? leases allowed?)", dir);
		}
	}
	for (i = 0; i < 11; i++)
		t[i] = run(argv);
	report("lslocks", t, 11, 0);
	for (p = 0; p < nproc; p++)
		kill(kids[p], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int adm_connect(const char *sock)
{
	int fd = seqpacket_connect(sock, 0, geteuid(), NULL);

	if (fd < 0)
		fp_die("connect %s: %s", sock, strerror(-fd));
	return fd;
}

static int recv_adm(int fd, struct pinmgr_adm_msg *m, int ms)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX + 1];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return -ECONNRESET;
	return pinmgr_adm_decode(buf, (size_t)n, m);
}

static int event(const char *sock, const char *file, int n)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	unsigned char buf[64];
	double *t = calloc((size_t)n, sizeof(*t));
	int fd = adm_connect(sock), i;
	ssize_t len;

	m->type = PINMGR_ADM_EVENTS;
	m->events.flags = PINMGR_ADM_EVENTS_FOLLOW | PINMGR_ADM_EVENTS_NO_BACKLOG;
	len = pinmgr_adm_encode(m, buf, sizeof(buf));
	if (send(fd, buf, (size_t)len, 0) != len || recv_adm(fd, m, 5000) ||
	    m->type != PINMGR_ADM_DONE)
		fp_die("cannot subscribe to events");
	for (i = 0; i < n; i++) {
		double t0 = now_ms();

		if (!truncate(file, 0) || errno != ETXTBSY)
			fp_die("truncate of %s was not refused with ETXTBSY", file);
		if (recv_adm(fd, m, 5000) || m->type != PINMGR_ADM_EVENT)
			fp_die("no event within 5 s");
		t[i] = now_ms() - t0;
	}
	report("refusal -> event at a subscriber", t, n, 0);
	return 0;
}

static int break_rtt(const char *holder, const char *file, int n, const char *dev)
{
	int in[2], out[2], i, tries;
	double *t = calloc((size_t)n, sizeof(*t));
	char line[256];
	FILE *hin, *hout;
	pid_t p;

	if (pipe(in) || pipe(out))
		fp_die("pipe: %s", strerror(errno));
	p = fork();
	if (p == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(holder, holder, "-d", dev, "-l", "64K", file, (char *)NULL);
		_exit(127);
	}
	hin = fdopen(in[1], "w");
	hout = fdopen(out[0], "r");
	setvbuf(hin, NULL, _IOLBF, 0);
	if (!fgets(line, sizeof(line), hout) || strncmp(line, "ready", 5))
		fp_die("pm-holder did not get ready");
	for (i = 0; i < n; i++) {
		double t0;

		if (i) {
			fprintf(hin, "pin\n");
			do {
				if (!fgets(line, sizeof(line), hout))
					fp_die("pm-holder exited");
			} while (strncmp(line, "ok pin", 6) && strncmp(line, "fail", 4));
			if (!strncmp(line, "fail", 4))
				fp_die("pm-holder: %s", line);
		}
		t0 = now_ms();
		for (tries = 0; truncate(file, 0); tries++) {
			if (errno != ETXTBSY)
				fp_die("truncate: %s", strerror(errno));
			if (now_ms() - t0 > 5000)
				fp_die("the truncate still fails after 5 s: no break?");
			usleep(100);
		}
		t[i] = now_ms() - t0;
		if (!tries)
			fp_die("the first truncate was not refused: nothing pinned?");
		/* the holder's "revoked" line */
		if (!fgets(line, sizeof(line), hout) || strncmp(line, "revoked", 7))
			fp_die("pm-holder did not report the revoke: %s", line);
	}
	fprintf(hin, "quit\n");
	waitpid(p, NULL, 0);
	report("refused truncate -> revoke -> truncate succeeds", t, n, 10);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && !strcmp(argv[1], "file-pins"))
		return file_pins(argv[2], atoi(argv[3]), argc > 4 ? argv[4] : "rxe0");
	if (argc == 6 && !strcmp(argv[1], "list-fake"))
		return list_fake(argv[2], atoi(argv[3]), atoi(argv[4]), argv[5]);
	if (argc == 5 && !strcmp(argv[1], "locks"))
		return locks(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && !strcmp(argv[1], "event"))
		return event(argv[2], argv[3], atoi(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "break"))
		return break_rtt(argv[2], argv[3], atoi(argv[4]), argc > 5 ? argv[5] : "rxe0");
	fprintf(stderr, "usage: see the comment at the top of pm-bench.c\n");
	return 2;
}
