// SPDX-License-Identifier: GPL-2.0-or-later
/* A minimal stand-in for pinmgr in libfilepin's host tests (fake-pinmgr.h) */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "fake-pinmgr.h"
#include "tap.h"

int fake_pinmgr_listen(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4))
		bail("cannot listen on %s: %s", path, strerror(errno));
	return fd;
}

int fake_pinmgr_accept(int lfd, int ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1)
		return -1;
	return accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
}

int fake_pinmgr_recv(int fd, struct pinmgr_msg *m, int ms)
{
	unsigned char buf[PINMGR_MSG_MAX + 1];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int err;

	if (poll(&p, 1, ms) != 1)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return -1;
	err = pinmgr_msg_decode(buf, (size_t)n, m);
	if (err) {
		diag("client sent a bad message: %s", strerror(-err));
		return -1;
	}
	return (int)m->type;
}
