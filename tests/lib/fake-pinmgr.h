/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal stand-in for pinmgr in libfilepin's host tests: listen on a
 * SOCK_SEQPACKET path, accept the library's connection, read its messages.
 * Every wait is bounded by the caller's limit.
 */
#ifndef FILEPIN_TESTS_FAKE_PINMGR_H
#define FILEPIN_TESTS_FAKE_PINMGR_H

#include "pinmgr-proto.h"

/* a listening socket on @path; bails out of the test when that fails */
int fake_pinmgr_listen(const char *path);
/* the next connection, or -1 when none came within @ms */
int fake_pinmgr_accept(int lfd, int ms);
/* the type of the next message (decoded into @m), or -1 after @ms */
int fake_pinmgr_recv(int fd, struct pinmgr_msg *m, int ms);

#endif
