// SPDX-License-Identifier: GPL-2.0
/*
 * fp-lease - take a lease on a path with F_SETLEASE and report F_GETLEASE.
 *
 * With --hold the lease is kept until stdin reaches end of file; a lease
 * break is reported ("lease-break" on stdout) and answered by releasing the
 * lease, as a well-behaved lease holder does.
 *
 * Exit status: 0 the lease was taken and F_GETLEASE reported it, 1 the
 * lease was refused ("errno=NAME" printed), 2 other failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fp-util.h"

static volatile sig_atomic_t broken;

static void on_sigio(int sig)
{
	broken = 1;
}

/* Keep the lease until stdin ends; give it up when the kernel breaks it. */
static void hold(int fd)
{
	struct sigaction sa = { .sa_handler = on_sigio };
	char buf[64];

	sigaction(SIGIO, &sa, NULL);
	printf("held\n");
	fflush(stdout);
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

		if (broken) {
			broken = 0;
			printf("lease-break getlease=%d\n", fcntl(fd, F_GETLEASE));
			fflush(stdout);
			if (fcntl(fd, F_SETLEASE, F_UNLCK))
				fp_die("F_SETLEASE F_UNLCK failed: %s", strerror(errno));
		}
		if (n == 0 || (n < 0 && errno != EINTR))
			return;
	}
}

int main(int argc, char **argv)
{
	int fd, arg, got, keep = 0;

	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		keep = 1;
		argv++;
		argc--;
	}
	if (argc != 3 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf("Usage: fp-lease [--hold] read|write|layout|exclusive PATH\n"
		       "Open PATH (read-only; read-write for a write lease), take\n"
		       "that lease and print \"lease NAME getlease=VALUE\", or\n"
		       "\"errno=NAME\" when F_SETLEASE refuses it.\n"
		       "--hold keeps the lease until stdin ends; when the kernel\n"
		       "breaks it, prints \"lease-break\" and releases it.\n"
		       "Exit status: 0 taken, 1 refused, 2 other failure.\n");
		return argc == 2 ? 0 : 2;
	}
	if (!strcmp(argv[1], "read"))
		arg = F_RDLCK;
	else if (!strcmp(argv[1], "write"))
		arg = F_WRLCK;
	else if (!strcmp(argv[1], "layout"))
		arg = F_LAYOUT;
	else if (!strcmp(argv[1], "exclusive"))
		arg = F_LAYOUT | F_EXCLUSIVE;
	else
		fp_die("unknown lease kind '%s'", argv[1]);

	fd = open(argv[2], (arg == F_WRLCK ? O_RDWR : O_RDONLY) | O_CLOEXEC |
		  O_NONBLOCK);
	if (fd < 0)
		fp_die("cannot open %s: %s", argv[2], strerror(errno));
	if (fcntl(fd, F_SETLEASE, arg)) {
		printf("errno=%s\n", fp_errno_name(errno));
		return 1;
	}
	got = fcntl(fd, F_GETLEASE);
	if (got < 0)
		fp_die("F_GETLEASE failed: %s", strerror(errno));
	printf("lease %s getlease=%d\n", argv[1], got);
	if (keep)
		hold(fd);
	if (fcntl(fd, F_SETLEASE, F_UNLCK))
		fp_die("F_SETLEASE F_UNLCK failed: %s", strerror(errno));
	got = fcntl(fd, F_GETLEASE);
	printf("released getlease=%d\n", got);
	close(fd);
	return 0;
}
