// SPDX-License-Identifier: GPL-2.0-or-later
/* pinctl's side of the admin protocol (pinmgr-admin.h). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pinctl.h"
#include "seqpacket.h"

int pc_connect(const char *path, char *why, size_t size)
{
	struct ucred cred = { .pid = 0 };
	int fd;

	/* only a pinmgr run by root or by us may answer for pinmgr */
	fd = seqpacket_connect(path, 0, geteuid(), &cred);
	if (fd == -ENAMETOOLONG)
		snprintf(why, size, "socket path %s is too long", path);
	else if (fd == -EPERM)
		snprintf(why, size, "%s is served by uid %u, neither root nor you",
			 path, (unsigned int)cred.uid);
	else if (fd < 0)
		snprintf(why, size, "%s: %s", path, strerror(-fd));
	return fd;
}

int pc_send(int fd, const struct pinmgr_adm_msg *m, int passfd)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX];
	ssize_t n = pinmgr_adm_encode(m, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (pinmgr_adm_send(fd, buf, (size_t)n, passfd) != n)
		return -errno;
	return 0;
}

int pc_recv(int fd, struct pinmgr_adm_msg *m, int timeout_ms)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX + 1];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int r;

	do {
		r = poll(&pfd, 1, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (!r)
		return -ETIMEDOUT;
	n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	if (n < 0)
		return -errno;
	if (!n)
		return -ECONNRESET;
	if ((size_t)n > PINMGR_ADM_SIZE_MAX)
		return -EMSGSIZE;
	return pinmgr_adm_decode(buf, (size_t)n, m);
}

int pc_no_pinmgr(const struct pinctl *pc, const char *why)
{
	return pc_error(PC_EXIT_NO_PINMGR, "pinmgr is not running (%s)", why);
}

int pc_failed(const char *what, int r, const struct pinmgr_adm_msg *m)
{
	if (!r && m->type == PINMGR_ADM_ERROR)
		return pc_error(PC_EXIT_FAILURE, "%s: %s", what, m->error.message);
	if (!r)
		return pc_error(PC_EXIT_FAILURE, "%s: unexpected %s answer from pinmgr",
				what, pinmgr_adm_type_name(m->type));
	if (r == -ECONNRESET)
		return pc_error(PC_EXIT_FAILURE, "%s: pinmgr closed the connection", what);
	if (r == -ETIMEDOUT)
		return pc_error(PC_EXIT_FAILURE, "%s: no answer from pinmgr", what);
	if (r == -EPROTONOSUPPORT)
		return pc_error(PC_EXIT_FAILURE, "%s: pinmgr speaks another protocol version", what);
	return pc_error(PC_EXIT_FAILURE, "%s: %s", what, strerror(-r));
}
