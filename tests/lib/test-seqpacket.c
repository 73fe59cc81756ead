// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * seqpacket_connect() (common/seqpacket.h): a server run by another uid
 * (neither root nor the uid asked for) is refused with -EPERM and its
 * credentials reported; root's and the named uid's are accepted; the
 * descriptor is close-on-exec (and non-blocking when asked); a path too
 * long, no socket, a socket nobody listens on give clear errors.
 * As root, the foreign server is a child that switched to nobody (65534).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-env.h"
#include "seqpacket.h"
#include "tap.h"

#define NOBODY 65534

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4))
		return -1;
	return fd;
}

/*
 * A server listening on @path as uid @uid, in a child; returns its pid once
 * it listens (it writes a byte on a pipe), -1 if it could not.
 */
static pid_t server_as(const char *path, uid_t uid)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		close(p[0]);
		if (setgid(NOBODY) || setuid(uid) || listen_on(path) < 0)
			_exit(1);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		return -1;
	}
	close(p[0]);
	return pid;
}

int main(void)
{
	char *dir = make_tmpdir(), path[PATH_MAX], longpath[200];
	struct ucred cred;
	int fd, lfd, flags;
	uid_t me = geteuid();

	if (!dir)
		bail("no temporary directory");
	snprintf(path, sizeof(path), "%s/own.sock", dir);

	/* no server */
	is_int(seqpacket_connect(path, 0, me, NULL), -ENOENT, "no socket at the path: -ENOENT");
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;
	is_int(seqpacket_connect(longpath, 0, me, NULL), -ENAMETOOLONG,
	       "a path longer than sun_path: -ENAMETOOLONG");

	/* a server of ours */
	lfd = listen_on(path);
	if (lfd < 0)
		bail("listen %s: %s", path, strerror(errno));
	memset(&cred, 0, sizeof(cred));
	fd = seqpacket_connect(path, 0, me, &cred);
	ok(fd >= 0, "a server run by this uid is accepted");
	is_int(cred.uid, me, "... its uid is reported");
	is_int(cred.pid, getpid(), "... and its pid");
	flags = fd >= 0 ? fcntl(fd, F_GETFD) : 0;
	ok(flags & FD_CLOEXEC, "... the descriptor is close-on-exec");
	flags = fd >= 0 ? fcntl(fd, F_GETFL) : 0;
	ok(!(flags & O_NONBLOCK), "... and blocking unless asked");
	if (fd >= 0)
		close(fd);
	fd = seqpacket_connect(path, SOCK_NONBLOCK, me, NULL);
	ok(fd >= 0 && (fcntl(fd, F_GETFL) & O_NONBLOCK), "SOCK_NONBLOCK: non-blocking");
	if (fd >= 0)
		close(fd);

	if (me != 0) {
		/* a server of ours is another user's to someone asking for uid+1 */
		fd = seqpacket_connect(path, 0, me + 1, &cred);
		is_int(fd, -EPERM, "a server run by a uid neither root nor the one asked for: -EPERM");
		is_int(cred.uid, me, "... and the server's uid is reported");
		ok(1, "# SKIP not root: cannot run a server as another user");
	} else {
		char other[PATH_MAX];
		pid_t pid;

		snprintf(other, sizeof(other), "%s/nobody.sock", dir);
		if (chmod(dir, 0777))
			bail("chmod: %s", strerror(errno));
		pid = server_as(other, NOBODY);
		if (pid < 0) {
			ok(1, "# SKIP cannot run a server as uid %d under %s", NOBODY, dir);
			ok(1, "# SKIP");
			ok(1, "# SKIP");
			goto gone;
		}
		memset(&cred, 0, sizeof(cred));
		fd = seqpacket_connect(other, 0, me, &cred);
		is_int(fd, -EPERM, "a server run by nobody, for root: -EPERM");
		is_int(cred.uid, NOBODY, "... and the server's uid is reported");
		fd = seqpacket_connect(other, 0, NOBODY, NULL);
		ok(fd >= 0, "the same server when nobody's uid is the one asked for: accepted");
		if (fd >= 0)
			close(fd);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}

gone:
	/* nobody listens any more */
	close(lfd);
	is_int(seqpacket_connect(path, 0, me, NULL), -ECONNREFUSED,
	       "a socket nobody listens on: -ECONNREFUSED");
	{
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd))
			diag("could not remove %s", dir);
	}
	free(dir);
	return done_testing();
}
