// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libfilepin-remote's argument checking (filepin-remote.h): bad arguments
 * are refused with -EINVAL and a message before anything touches the
 * network, so this runs on a host without RDMA.
 */
#include <errno.h>
#include <string.h>

#include "filepin-remote.h"
#include "tap.h"

#define TOKEN	"0123456789abcdef0123456789abcdef"

int main(void)
{
	struct filepin_remote *r = (struct filepin_remote *)&r;	/* not NULL */
	struct filepin_remote_desc d;
	char err[256], buf[16];

	is_int(filepin_remote_connect("192.0.2.1", TOKEN, 0, NULL, err, sizeof(err)),
	       -EINVAL, "connect: rp NULL");
	ok(strstr(err, "rp is NULL") != NULL, "and says so: %s", err);

	is_int(filepin_remote_connect(NULL, TOKEN, 0, &r, err, sizeof(err)), -EINVAL,
	       "connect: address NULL");
	ok(r == NULL, "*rp is NULL after a failure");
	is_int(filepin_remote_connect("fe80::1", TOKEN, 0, &r, err, sizeof(err)), -EINVAL,
	       "connect: a bare IPv6 address");
	ok(strstr(err, "IPv6 in brackets") != NULL, "the message shows the syntax: %s", err);
	is_int(filepin_remote_connect("192.0.2.1:0", TOKEN, 0, &r, err, sizeof(err)), -EINVAL,
	       "connect: port 0");
	is_int(filepin_remote_connect("192.0.2.1:65536", TOKEN, 0, &r, err, sizeof(err)),
	       -EINVAL, "connect: port 65536");
	is_int(filepin_remote_connect("[::1", TOKEN, 0, &r, err, sizeof(err)), -EINVAL,
	       "connect: an unclosed bracket");
	is_int(filepin_remote_connect("", TOKEN, 0, &r, err, sizeof(err)), -EINVAL,
	       "connect: an empty address");

	is_int(filepin_remote_connect("192.0.2.1", NULL, 0, &r, err, sizeof(err)), -EINVAL,
	       "connect: token NULL");
	ok(strstr(err, "32 hex digits") != NULL, "the message says what a token is: %s", err);
	is_int(filepin_remote_connect("192.0.2.1", "0123", 0, &r, err, sizeof(err)), -EINVAL,
	       "connect: a short token");
	is_int(filepin_remote_connect("192.0.2.1", TOKEN "00", 0, &r, err, sizeof(err)),
	       -EINVAL, "connect: a long token");
	is_int(filepin_remote_connect("192.0.2.1", "0123456789abcdef0123456789abcdeg", 0, &r,
				      err, sizeof(err)), -EINVAL, "connect: a token with a non-hex digit");
	is_int(filepin_remote_connect("192.0.2.1", TOKEN, FILEPIN_REMOTE_BUF_MAX + 1, &r, err,
				      sizeof(err)), -EINVAL, "connect: a buffer over FILEPIN_REMOTE_BUF_MAX");
	ok(r == NULL, "*rp is still NULL");

	is_int(filepin_remote_connect("fe80::1", TOKEN, 0, &r, NULL, 0), -EINVAL,
	       "connect: err NULL is fine");
	strcpy(err, "untouched");
	is_int(filepin_remote_connect("fe80::1", TOKEN, 0, &r, err, 0), -EINVAL,
	       "connect: errlen 0 ...");
	is_str(err, "untouched", "... leaves err alone");

	is_int(filepin_remote_read(NULL, 0, buf, sizeof(buf), err, sizeof(err)), -EINVAL,
	       "read: r NULL");
	ok(strstr(err, "no connection") != NULL, "and says so: %s", err);
	is_int(filepin_remote_write(NULL, 0, buf, sizeof(buf), err, sizeof(err)), -EINVAL,
	       "write: r NULL");
	is_int(filepin_remote_get_desc(NULL, &d), -EINVAL, "get_desc: r NULL");
	filepin_remote_close(NULL);
	ok(1, "close(NULL) is fine");
	return done_testing();
}
