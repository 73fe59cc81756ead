// SPDX-License-Identifier: GPL-2.0
/*
 * fp-errno - run lease and layout calls on a file, one step at a time, and
 * print what each returned: "STEP: ok" (F_GETLEASE: "get: N") or
 * "STEP: errno=NAME", flushed after each step so that a case can wait
 * for a line.  For tests/vm/cases/doc-errnos.sh, which compares the
 * documented errors with what the kernel returns.
 *
 * Steps (run in order):
 *   read|write|unlck|layout|exclusive|N   F_SETLEASE with that argument
 *   get                                   F_GETLEASE
 *   sigio                                 wait (up to 60 s) for SIGIO
 *   wait                                  wait until stdin ends
 *   truncate:SIZE                         truncate(2) PATH to SIZE bytes
 *   punch|collapse|insert|zero:OFF:LEN    fallocate(2) on a new O_RDWR fd
 *
 * Exit status: 0 when every step ran (whatever it returned), 2 on a usage
 * error or when PATH cannot be opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/falloc.h>

#include "fp-util.h"

static volatile sig_atomic_t got_sigio;

static void on_sigio(int sig)
{
	(void)sig;
	got_sigio = 1;
}

static void say(const char *step, int rc)
{
	if (rc < 0)
		printf("%s: errno=%s\n", step, fp_errno_name(errno));
	else
		printf("%s: ok\n", step);
	fflush(stdout);
}

static int lease_arg(const char *s, long *arg)
{
	char *end;

	if (!strcmp(s, "read"))
		*arg = F_RDLCK;
	else if (!strcmp(s, "write"))
		*arg = F_WRLCK;
	else if (!strcmp(s, "unlck"))
		*arg = F_UNLCK;
	else if (!strcmp(s, "layout"))
		*arg = F_LAYOUT;
	else if (!strcmp(s, "exclusive"))
		*arg = F_LAYOUT | F_EXCLUSIVE;
	else {
		errno = 0;
		*arg = strtol(s, &end, 0);
		if (errno || end == s || *end)
			return -1;
	}
	return 0;
}

static int falloc_mode(const char *s, size_t n)
{
	static const struct { const char *name; int mode; } modes[] = {
		{ "punch", FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE },
		{ "collapse", FALLOC_FL_COLLAPSE_RANGE },
		{ "insert", FALLOC_FL_INSERT_RANGE },
		{ "zero", FALLOC_FL_ZERO_RANGE },
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strlen(modes[i].name) == n && !strncmp(s, modes[i].name, n))
			return modes[i].mode;
	return -1;
}

static void wait_sigio(void)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1200 && !got_sigio; i++)
		nanosleep(&ts, NULL);
	printf("sigio: %s\n", got_sigio ? "ok" : "timeout");
	fflush(stdout);
	got_sigio = 0;
}

static void wait_stdin(void)
{
	char buf[64];
	ssize_t n;

	do
		n = read(STDIN_FILENO, buf, sizeof(buf));
	while (n > 0 || (n < 0 && errno == EINTR));
	printf("wait: ok\n");
	fflush(stdout);
}

static void run_step(const char *path, int fd, const char *step)
{
	const char *colon = strchr(step, ':');
	int mode = colon ? falloc_mode(step, colon - step) : -1;
	long long off, len;
	long arg;

	if (!strcmp(step, "get")) {
		int rc = fcntl(fd, F_GETLEASE);

		if (rc < 0)
			say(step, rc);
		else
			printf("get: %d\n", rc);
		fflush(stdout);
	} else if (!strcmp(step, "sigio")) {
		wait_sigio();
	} else if (!strcmp(step, "wait")) {
		wait_stdin();
	} else if (!strncmp(step, "truncate:", 9)) {
		say(step, truncate(path, atoll(step + 9)));
	} else if (mode >= 0) {
		int wfd;

		if (sscanf(colon + 1, "%lld:%lld", &off, &len) != 2)
			fp_die("bad step '%s': want OP:OFFSET:LENGTH", step);
		wfd = open(path, O_RDWR | O_CLOEXEC);
		if (wfd < 0)
			fp_die("cannot open %s: %s", path, strerror(errno));
		say(step, fallocate(wfd, mode, off, len));
		close(wfd);
	} else if (!lease_arg(step, &arg)) {
		say(step, fcntl(fd, F_SETLEASE, arg));
	} else {
		fp_die("unknown step '%s'", step);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sigio };
	int fd, i, flags = O_RDONLY;

	if (argc > 1 && !strcmp(argv[1], "-w")) {
		flags = O_RDWR;
		argv++;
		argc--;
	}
	if (argc < 3 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf("Usage: fp-errno [-w] PATH STEP...\n"
		       "Open PATH (read-only; -w read-write) and run each STEP,\n"
		       "printing \"STEP: ok\" or \"STEP: errno=NAME\":\n"
		       "  read|write|unlck|layout|exclusive|N  F_SETLEASE\n"
		       "  get                                  F_GETLEASE\n"
		       "  sigio                                wait for SIGIO\n"
		       "  wait                                 wait for the end of stdin\n"
		       "  truncate:SIZE                        truncate(2) PATH\n"
		       "  punch|collapse|insert|zero:OFF:LEN   fallocate(2)\n");
		return argc > 1 && argv[1][0] == '-' ? 0 : 2;
	}
	sigaction(SIGIO, &sa, NULL);
	fd = open(argv[1], flags | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		fp_die("cannot open %s: %s", argv[1], strerror(errno));
	for (i = 2; i < argc; i++)
		run_step(argv[1], fd, argv[i]);
	close(fd);
	return 0;
}
