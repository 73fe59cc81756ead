// SPDX-License-Identifier: LGPL-2.1-or-later
/* Private data of export connections (export-wire.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export-wire.h"
#include "wire.h"

static const char req_magic[4] = "FPX1", desc_magic[4] = "FPD1", rej_magic[4] = "FPR1";

void fpx_req_encode(unsigned char *buf, const uint8_t token[FPX_TOKEN_LEN])
{
	memcpy(buf, req_magic, 4);
	memcpy(buf + 4, token, FPX_TOKEN_LEN);
}

bool fpx_req_decode(const void *buf, size_t len, uint8_t token[FPX_TOKEN_LEN])
{
	if (!buf || len < FPX_REQ_LEN || memcmp(buf, req_magic, 4))
		return false;
	memcpy(token, (const unsigned char *)buf + 4, FPX_TOKEN_LEN);
	return true;
}

void fpx_desc_encode(unsigned char *buf, const struct fpx_desc *d)
{
	memcpy(buf, desc_magic, 4);
	wire_store_le(buf + 4, d->access, 4);
	wire_store_le(buf + 8, d->iova, 8);
	wire_store_le(buf + 16, d->length, 8);
	wire_store_le(buf + 24, d->rkey, 4);
	wire_store_le(buf + 28, 0, 4);
}

bool fpx_desc_decode(const void *buf, size_t len, struct fpx_desc *d)
{
	const unsigned char *b = buf;

	if (!buf || len < FPX_DESC_LEN || memcmp(b, desc_magic, 4))
		return false;
	d->access = (uint32_t)wire_load_le(b + 4, 4);
	d->iova = wire_load_le(b + 8, 8);
	d->length = wire_load_le(b + 16, 8);
	d->rkey = (uint32_t)wire_load_le(b + 24, 4);
	return d->length && d->iova + d->length > d->iova && d->access &&
	       !(d->access & ~(FPX_ACCESS_READ | FPX_ACCESS_WRITE));
}

void fpx_rej_encode(unsigned char *buf, int err)
{
	memcpy(buf, rej_magic, 4);
	wire_store_le(buf + 4, (uint32_t)err, 4);
}

int fpx_rej_decode(const void *buf, size_t len)
{
	if (!buf || len < FPX_REJ_LEN || memcmp(buf, rej_magic, 4))
		return 0;
	return (int)wire_load_le((const unsigned char *)buf + 4, 4);
}

void fpx_token_format(const uint8_t token[FPX_TOKEN_LEN], char *out)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < FPX_TOKEN_LEN; i++) {
		out[2 * i] = hex[token[i] >> 4];
		out[2 * i + 1] = hex[token[i] & 15];
	}
	out[FPX_TOKEN_HEX] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fpx_token_parse(const char *s, uint8_t token[FPX_TOKEN_LEN])
{
	int i;

	if (strlen(s) != FPX_TOKEN_HEX)
		return -EINVAL;
	for (i = 0; i < FPX_TOKEN_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		token[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

bool fpx_token_equal(const uint8_t *a, const uint8_t *b)
{
	unsigned int diff = 0;
	int i;

	for (i = 0; i < FPX_TOKEN_LEN; i++)
		diff |= (unsigned int)(a[i] ^ b[i]);
	return diff == 0;
}

int fpx_addr_parse(const char *s, char *host, size_t hsize, unsigned int *port)
{
	return fpx_addr_parse_why(s, host, hsize, port, NULL, 0);
}

__attribute__((format(printf, 3, 4)))
static int why_fail(char *why, size_t whylen, const char *fmt, ...)
{
	if (why && whylen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int fpx_addr_parse_why(const char *s, char *host, size_t hsize, unsigned int *port,
		       char *why, size_t whylen)
{
	const char *colon, *end, *all = s;
	size_t n;

	*port = FPX_DEFAULT_PORT;
	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return why_fail(why, whylen, "no ']' after the IPv6 address");
		n = (size_t)(end - s - 1);
		s++;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (!colon && end[1])
			return why_fail(why, whylen, "after ']' only :PORT may follow");
	} else {
		colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':'))
			return why_fail(why, whylen, "an IPv6 address goes in brackets: [%s]:PORT", all);
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!n)
		return why_fail(why, whylen, "no address");
	if (n >= hsize)
		return why_fail(why, whylen, "the address is too long");
	memcpy(host, s, n);
	host[n] = 0;
	if (colon) {
		char *e;
		unsigned long p;

		if (!colon[1])
			return why_fail(why, whylen, "no port after ':'");
		errno = 0;
		p = colon[1] >= '0' && colon[1] <= '9' ? strtoul(colon + 1, &e, 10) : 0;
		if (!p || errno || *e || p > 65535)
			return why_fail(why, whylen, "the port must be 1-65535");
		*port = (unsigned int)p;
	}
	return 0;
}
