/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Connecting to pinmgr's socket: a SOCK_SEQPACKET UNIX socket whose server
 * must run as root or as a uid the caller names (SO_PEERCRED), so that a
 * socket someone else planted at the path is never believed.  Shared by
 * libfilepin, pinctl and the test programs.
 */
#ifndef FILEPIN_SEQPACKET_H
#define FILEPIN_SEQPACKET_H

#include <sys/socket.h>
#include <sys/types.h>

/*
 * Connect to the UNIX socket at @path with a SOCK_SEQPACKET | SOCK_CLOEXEC
 * socket (@flags may add SOCK_NONBLOCK) and check that its server runs as
 * root or as @uid.  The server's credentials go to *@peer when @peer is not
 * NULL (also when they are refused).
 * Returns the connected descriptor, or a negative errno value:
 * -ENAMETOOLONG (@path does not fit a sockaddr_un), socket()'s, connect()'s
 * or getsockopt()'s error, -EPERM (served by another uid).
 */
int seqpacket_connect(const char *path, int flags, uid_t uid,
		      struct ucred *peer);

#endif
