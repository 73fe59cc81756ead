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
 *   pm-bench list-scale DIR PINMGR N...   (any host) pinmgr on a fake proc
 *	tree of N/10 processes with N pins, for each N: time a LIST answered
 *	by pinmgr (its scan included); prints the scaling between the sizes
 *   pm-bench event SOCKET FILE N       (filepin kernel, pinmgr, FILE pinned
 *	under policy report) ftruncate(FILE) is refused; time until the
 *	event reaches a "pinctl events -f" style subscriber
 *   pm-bench break HOLDER FILE N [DEV [PINMGR-LOG]] (filepin kernel, pinmgr
 *	with policy break for FILE) HOLDER is pm-holder: pin, then time a
 *	refused truncate -> revoke -> retried truncate that succeeds (goal:
 *	< 10 ms); with the log of "pinmgr -d", also the parts of that time
 *	(its "break timing" lines and pm-holder --times, one clock)
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

static double last_median;

static void report(const char *what, double *t, int n, double goal)
{
	qsort(t, (size_t)n, sizeof(*t), dcmp);
	last_median = t[n / 2];
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

/* a proc tree of NPROC processes with NPINS pins in all (comm, file_pins) */
static void fake_proc(const char *dir, int nproc, int npins)
{
	char path[4096];
	int p, i;

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
}

static int list_fake(const char *dir, int nproc, int npins, const char *pinctl)
{
	double t[11];
	int i;
	const char *argv[] = { pinctl, "--proc", dir, "-r", "-n", NULL };

	fake_proc(dir, nproc, npins);
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

/* LIST over the admin socket: ms until DONE; the entries in *count */
static double adm_list(int fd, unsigned int *count)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	unsigned char buf[64];
	double t0 = now_ms();
	ssize_t len;

	m->type = PINMGR_ADM_LIST;
	len = pinmgr_adm_encode(m, buf, sizeof(buf));
	if (len < 0 || send(fd, buf, (size_t)len, 0) != len)
		fp_die("LIST: cannot send");
	*count = 0;
	for (;;) {
		if (recv_adm(fd, m, 60000))
			fp_die("LIST: no answer within 60 s");
		if (m->type == PINMGR_ADM_DONE)
			break;
		if (m->type != PINMGR_ADM_PIN_ENTRY)
			fp_die("LIST: unexpected message 0x%x", m->type);
		(*count)++;
	}
	t0 = now_ms() - t0;
	free(m);
	return t0;
}

/*
 * For each N: pinmgr on a fake proc tree of N/10 processes with N pins in
 * all (no kernel needed), time 11 LISTs of the admin protocol (each after
 * 25 ms, so that pinmgr rescans the tree first, as it does for any LIST
 * more than 20 ms after its last scan).
 */
static int list_scale(const char *dir, const char *pinmgr, int nsizes, char **sizes)
{
	double med[8], t[11];
	int k, i;

	if (nsizes > 8)
		fp_die("at most 8 sizes");
	if (mkdir(dir, 0755) && errno != EEXIST)
		fp_die("%s: %s", dir, strerror(errno));
	for (k = 0; k < nsizes; k++) {
		char d[3072], proc[3200], sock[3200], conf[3200], log[3200];
		int npins = atoi(sizes[k]), fd = -1;
		unsigned int count = 0;
		FILE *f;
		pid_t p;

		snprintf(d, sizeof(d), "%s/%d", dir, npins);
		snprintf(proc, sizeof(proc), "%s/proc", d);
		snprintf(sock, sizeof(sock), "%s/sock", d);
		snprintf(conf, sizeof(conf), "%s/pinmgr.conf", d);
		snprintf(log, sizeof(log), "%s/log", d);
		if (mkdir(d, 0755) && errno != EEXIST)
			fp_die("%s: %s", d, strerror(errno));
		fake_proc(proc, npins / 10 ? npins / 10 : 1, npins);
		f = fopen(conf, "w");
		if (!f)
			fp_die("%s: %s", conf, strerror(errno));
		fprintf(f, "scan-interval 0\n");
		fclose(f);
		p = fork();
		if (p == 0) {
			int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

			dup2(out, 1);
			dup2(out, 2);
			execl(pinmgr, pinmgr, "-n", "-s", sock, "-c", conf, "--proc", proc,
			      (char *)NULL);
			_exit(127);
		}
		for (i = 0; i < 600 && fd < 0; i++) {
			fd = seqpacket_connect(sock, 0, geteuid(), NULL);
			if (fd < 0)
				usleep(100000);
		}
		if (fd < 0)
			fp_die("pinmgr on %s does not answer (see %s)", proc, log);
		for (i = 0; i < 11; i++) {
			usleep(25000);
			t[i] = adm_list(fd, &count);
			if (count != (unsigned int)npins)
				fp_die("LIST gave %u pins, not %d", count, npins);
		}
		close(fd);
		kill(p, SIGTERM);
		waitpid(p, NULL, 0);
		printf("LIST answered by pinmgr (scan of a fake proc tree included), %d processes, %d pins\n",
		       npins / 10 ? npins / 10 : 1, npins);
		report("  LIST", t, 11, 0);
		med[k] = last_median;
		printf("  %.3f us per pin\n", med[k] * 1e3 / npins);
	}
	for (k = 1; k < nsizes; k++)
		printf("LIST scaling %s -> %s pins: time x %.2f for pins x %.2f (linear: equal)\n",
		       sizes[k - 1], sizes[k], med[k] / med[k - 1],
		       atof(sizes[k]) / atof(sizes[k - 1]));
	return 0;
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* median, min and max of @n values in ms (sorts @v) */
static void part(const char *what, double *v, int n)
{
	if (!n) {
		printf("  %s: no value\n", what);
		return;
	}
	qsort(v, (size_t)n, sizeof(*v), dcmp);
	printf("  %s: median %.3f ms (min %.3f, max %.3f) over %d\n", what,
	       n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1], n);
}

struct brk_run {
	long long t0, ok, cb, done;	/* us: first truncate, ok, callback, dereg */
	long long ev, start, scanned, sent, answer, finish;	/* pinmgr's */
	int tries;
};

/* pinmgr's "break timing" line that falls in each run, if any */
static void break_match(struct brk_run *r, int n, const char *log)
{
	char line[1024];
	FILE *f = fopen(log, "r");
	int i;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *s = strstr(line, "break timing: ");
		long long v[6];

		if (!s || sscanf(s, "break timing: event_us=%lld start_us=%lld scanned_us=%lld sent_us=%lld answer_us=%lld finish_us=%lld",
				 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6)
			continue;
		for (i = 0; i < n; i++) {
			if (r[i].ev || v[0] < r[i].t0 || v[0] > r[i].ok)
				continue;
			r[i].ev = v[0];
			r[i].start = v[1];
			r[i].scanned = v[2];
			r[i].sent = v[3];
			r[i].answer = v[4];
			r[i].finish = v[5];
			break;
		}
	}
	fclose(f);
}

static void break_parts(struct brk_run *r, int n)
{
	double *v = calloc((size_t)n, sizeof(*v));
	int i, k;

#define PART(what, cond, expr) do { \
	for (i = k = 0; i < n; i++) \
		if (cond) \
			v[k++] = (double)(expr) / 1e3; \
	part(what, v, k); \
} while (0)
	printf("where the time goes (CLOCK_MONOTONIC of pm-bench, pinmgr and pm-holder):\n");
	PART("1 refused truncate -> pinmgr handles the event", r[i].ev, r[i].ev - r[i].t0);
	PART("2 event -> break starts (comm, path; a rescan if the pin is not confirmed yet)",
	     r[i].ev, r[i].start - r[i].ev);
	PART("3 break start -> /proc scanned (pm_proc_fresh)", r[i].ev, r[i].scanned - r[i].start);
	PART("4 scanned -> revokes sent", r[i].ev, r[i].sent - r[i].scanned);
	PART("5 revoke sent -> library calls the revoke callback", r[i].ev && r[i].cb,
	     r[i].cb - r[i].sent);
	PART("6 callback -> filepin_dereg_mr returned (unpinned)", r[i].cb, r[i].done - r[i].cb);
	PART("7 unpinned -> retried truncate succeeds", r[i].cb, r[i].ok - r[i].done);
	PART("  (after: answer at pinmgr -> break finished, its rescan)", r[i].ev && r[i].answer,
	     r[i].finish - r[i].answer);
#undef PART
	for (i = 0; i < n; i++)
		v[i] = r[i].tries;
	qsort(v, (size_t)n, sizeof(*v), dcmp);
	printf("  refused truncates (kernel events) per break: median %.0f (min %.0f, max %.0f)\n",
	       v[n / 2], v[0], v[n - 1]);
	free(v);
}

static int break_rtt(const char *holder, const char *file, int n, const char *dev,
		     const char *log)
{
	int in[2], out[2], i, tries;
	double *t = calloc((size_t)n, sizeof(*t));
	struct brk_run *r = calloc((size_t)n, sizeof(*r));
	char line[256];
	FILE *hin, *hout;
	pid_t p;

	if (pipe(in) || pipe(out))
		fp_die("pipe: %s", strerror(errno));
	p = fork();
	if (p == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(holder, holder, "-d", dev, "-l", "64K", "--times", file, (char *)NULL);
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
		r[i].t0 = now_us();
		t0 = now_ms();
		for (tries = 0; truncate(file, 0); tries++) {
			if (errno != ETXTBSY)
				fp_die("truncate: %s", strerror(errno));
			if (now_ms() - t0 > 5000)
				fp_die("the truncate still fails after 5 s: no break?");
			usleep(100);
		}
		t[i] = now_ms() - t0;
		r[i].ok = now_us();
		r[i].tries = tries;
		if (!tries)
			fp_die("the first truncate was not refused: nothing pinned?");
		/* the holder's "revoked" line */
		if (!fgets(line, sizeof(line), hout) || strncmp(line, "revoked", 7))
			fp_die("pm-holder did not report the revoke: %s", line);
		if (sscanf(line, "revoked cb_us=%lld done_us=%lld", &r[i].cb, &r[i].done) != 2)
			r[i].cb = r[i].done = 0;
		/*
		 * With pinmgr's log: start the next break from an idle pinmgr,
		 * once this one has finished (its rescan after the answer), not
		 * while that rescan delays the next event.
		 */
		for (tries = 0; log && tries < 500 && !r[i].ev; tries++) {
			break_match(r, i + 1, log);
			if (!r[i].ev)
				usleep(10000);
		}
	}
	fprintf(hin, "quit\n");
	waitpid(p, NULL, 0);
	report(log ? "refused truncate -> revoke -> truncate succeeds (each break from an idle pinmgr)" :
	       "refused truncate -> revoke -> truncate succeeds", t, n, 10);
	if (log)
		break_match(r, n, log);
	if (log && !r[0].ev)
		printf("(no \"break timing\" line of this run in %s)\n", log);
	break_parts(r, n);
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
	if (argc >= 5 && !strcmp(argv[1], "list-scale"))
		return list_scale(argv[2], argv[3], argc - 4, argv + 4);
	if (argc == 5 && !strcmp(argv[1], "event"))
		return event(argv[2], argv[3], atoi(argv[4]));
	if (argc >= 5 && !strcmp(argv[1], "break"))
		return break_rtt(argv[2], argv[3], atoi(argv[4]), argc > 5 ? argv[5] : "rxe0",
				 argc > 6 ? argv[6] : NULL);
	fprintf(stderr, "usage: see the comment at the top of pm-bench.c\n");
	return 2;
}
