// SPDX-License-Identifier: LGPL-2.1-or-later
/* Connecting to pinmgr's socket, with the server's credentials checked. */
#include <errno.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "seqpacket.h"

int seqpacket_connect(const char *path, int flags, uid_t uid,
		      struct ucred *peer)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | flags, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (peer)
		*peer = cred;
	if (cred.uid != 0 && cred.uid != uid) {
		close(fd);
		return -EPERM;
	}
	return fd;
}
