// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libfilepin-remote (filepin-remote.h): the public face of the peers'
 * client that common/export-client.c implements; checks its arguments
 * before anything touches the network.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export-client.h"
#include "filepin-remote.h"

#define DEFAULT_BUF	(1u << 20)

struct filepin_remote {
	struct fpx_client c;
};

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int e, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -e;
}

int filepin_remote_connect(const char *address, const char *token, size_t bufsize,
				  struct filepin_remote **rp, char *err, size_t errlen)
{
	uint8_t tok[FPX_TOKEN_LEN];
	char host[256], why[512];
	struct filepin_remote *r;
	unsigned int port;
	int e;

	if (!rp)
		return fail(err, errlen, EINVAL, "no place for the connection (rp is NULL)");
	*rp = NULL;
	if (!address || fpx_addr_parse(address, host, sizeof(host), &port))
		return fail(err, errlen, EINVAL, "invalid address '%s': an IP address, then optionally :PORT (IPv6 in brackets)",
			    address ? address : "(null)");
	if (!token || fpx_token_parse(token, tok))
		return fail(err, errlen, EINVAL, "invalid token: %d hex digits from 'pinctl pin --export'",
			    FILEPIN_REMOTE_TOKEN_HEX);
	if (bufsize > FILEPIN_REMOTE_BUF_MAX)
		return fail(err, errlen, EINVAL, "a %zu-byte buffer: more than %lu", bufsize,
			    FILEPIN_REMOTE_BUF_MAX);
	r = calloc(1, sizeof(*r));
	if (!r)
		return fail(err, errlen, ENOMEM, "out of memory");
	e = fpx_connect(&r->c, host, port, tok, bufsize ? bufsize : DEFAULT_BUF,
			why, sizeof(why));
	if (e) {
		fpx_close(&r->c);
		free(r);
		return fail(err, errlen, -e, "%s: %s", address, why);
	}
	*rp = r;
	return 0;
}

int filepin_remote_get_desc(const struct filepin_remote *r,
				   struct filepin_remote_desc *desc)
{
	if (!r || !desc)
		return -EINVAL;
	memset(desc, 0, sizeof(*desc));
	desc->iova = r->c.desc.iova;
	desc->length = r->c.desc.length;
	desc->rkey = r->c.desc.rkey;
	desc->writable = !!(r->c.desc.access & FPX_ACCESS_WRITE);
	desc->qpn = r->c.qpn;
	return 0;
}

static int move(struct filepin_remote *r, bool write, uint64_t iova, void *rbuf,
		const void *wbuf, size_t len, char *err, size_t errlen)
{
	const char *op = write ? "write" : "read";
	char why[512];
	size_t done = 0;

	if (!r)
		return fail(err, errlen, EINVAL, "%s: no connection (r is NULL)", op);
	if (len && !rbuf && !wbuf)
		return fail(err, errlen, EINVAL, "%s: buf is NULL", op);
	if (iova + len < iova)
		return fail(err, errlen, EINVAL, "%s: iova %llu + %zu bytes wraps around", op,
			    (unsigned long long)iova, len);
	if (write && !(r->c.desc.access & FPX_ACCESS_WRITE))
		return fail(err, errlen, EPERM, "write: the export is read-only");
	while (done < len) {
		size_t n = len - done < r->c.bufsize ? len - done : r->c.bufsize;
		int e;

		if (write)
			memcpy(r->c.buf, (const unsigned char *)wbuf + done, n);
		e = fpx_rdma(&r->c, write, iova + done, r->c.desc.rkey, n, why, sizeof(why));
		if (e)
			return fail(err, errlen, -e, "%s at iova %llu: %s", op,
				    (unsigned long long)(iova + done), why);
		if (!write)
			memcpy((unsigned char *)rbuf + done, r->c.buf, n);
		done += n;
	}
	return 0;
}

int filepin_remote_read(struct filepin_remote *r, uint64_t iova, void *buf,
			       size_t len, char *err, size_t errlen)
{
	return move(r, false, iova, buf, NULL, len, err, errlen);
}

int filepin_remote_write(struct filepin_remote *r, uint64_t iova, const void *buf,
				size_t len, char *err, size_t errlen)
{
	return move(r, true, iova, NULL, buf, len, err, errlen);
}

void filepin_remote_close(struct filepin_remote *r)
{
	if (!r)
		return;
	fpx_close(&r->c);
	free(r);
}
