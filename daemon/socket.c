// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinmgr's listening socket: handed over by systemd (pinmgr.socket,
 * LISTEN_FDS) or made here.  A socket made here lives in a directory that
 * must be ours and writable by nobody else (otherwise another user could
 * put its own socket in our place, as chrony checks for its command
 * socket); the socket itself is open to every user, since any program
 * using libfilepin reports to it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "pinmgr.h"

#define SD_LISTEN_FDS_START 3

int pm_socket_check_dir(const char *path, char *why, size_t size)
{
	char *copy = strdup(path), *dir;
	struct stat st;
	int r = 0;

	if (!copy) {
		snprintf(why, size, "out of memory");
		return -ENOMEM;
	}
	dir = dirname(copy);
	if (lstat(dir, &st)) {
		r = -errno;
		snprintf(why, size, "%s: %s", dir, strerror(errno));
	} else if (!S_ISDIR(st.st_mode)) {
		r = -ENOTDIR;
		snprintf(why, size, "%s is not a directory (a symbolic link?)", dir);
	} else if (st.st_uid != geteuid()) {
		r = -EPERM;
		snprintf(why, size, "%s belongs to uid %u, not to pinmgr's uid %u",
			 dir, (unsigned int)st.st_uid, (unsigned int)geteuid());
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		r = -EPERM;
		snprintf(why, size, "%s is writable by %s (mode %04o): anyone could replace the socket",
			 dir, st.st_mode & S_IWOTH ? "everyone" : "its group",
			 (unsigned int)(st.st_mode & 07777));
	}
	free(copy);
	return r;
}

static int activated_fd(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int type = 0, listening = 0, fd = SD_LISTEN_FDS_START;
	socklen_t len = sizeof(type);
	struct stat st;

	if (!pid || !fds || atol(pid) != (long)getpid() || atoi(fds) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (atoi(fds) > 1)
		pm_warn("systemd passed %d sockets: using the first", atoi(fds));
	if (fstat(fd, &st) || !S_ISSOCK(st.st_mode) ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) || type != SOCK_SEQPACKET) {
		pm_err("the socket systemd passed is not a SOCK_SEQPACKET socket (ListenSequentialPacket=)");
		return -2;
	}
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) || !listening) {
		pm_err("the socket systemd passed is not listening");
		return -2;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/*
 * SO_PASSCRED on the listening socket: every connection inherits it, so a
 * message a client sends before pinmgr has finished accepting carries its
 * sender's credentials too (set after accept4() it came too late: such a
 * message arrived as pid 0 / the overflow uid).
 */
static int pass_credentials(int fd)
{
	int one = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one))) {
		pm_err("cannot set SO_PASSCRED on the listening socket: %m");
		return -errno;
	}
	return 0;
}

int pm_socket_open(const char *path, bool *activated)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char why[512], *copy, *dir;
	struct stat st;
	int fd, r;

	*activated = false;
	fd = activated_fd();
	if (fd >= 0) {
		*activated = true;
		r = pass_credentials(fd);
		return r ? r : fd;
	}
	if (fd == -2)
		return -EINVAL;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		pm_err("socket path %s is longer than %zu bytes", path, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	/* the last directory may be made here (/run/pinmgr at boot) */
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (mkdir(dir, 0755) && errno != EEXIST) {
		pm_err("cannot create %s: %m", dir);
		free(copy);
		return -errno;
	}
	free(copy);
	r = pm_socket_check_dir(path, why, sizeof(why));
	if (r) {
		pm_err("unsafe socket directory: %s", why);
		return r;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (!lstat(path, &st)) {
		if (!S_ISSOCK(st.st_mode)) {
			pm_err("%s exists and is not a socket: not removing it", path);
			close(fd);
			return -EEXIST;
		}
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			pm_err("another pinmgr already listens on %s", path);
			close(fd);
			return -EADDRINUSE;
		}
		close(fd);
		fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return -errno;
		unlink(path);	/* stale, from a pinmgr that died */
	}
	if (pass_credentials(fd) || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0666) || listen(fd, SOMAXCONN)) {
		r = -errno;
		pm_err("cannot listen on %s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	return fd;
}
