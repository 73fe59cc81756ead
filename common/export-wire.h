/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Remote peers of exported pins (pinmgr.conf(5) "listen", pinctl(8)
 * "pin --export", "remote"): what travels in the rdma_cm private data.
 * Internal, shared by pinmgr and its peers' client; no dependencies.
 *
 *   connect request (peer -> pinmgr), 20 bytes:  "FPX1" token[16]
 *   accept (pinmgr -> peer), 32 bytes:           "FPD1" u32 access,
 *	u64 iova (the file offset), u64 length, u32 rkey, u32 0
 *   reject (pinmgr -> peer), 8 bytes:            "FPR1" u32 errno
 *
 * Integers little-endian (wire.h).  A token is 16 bytes from getrandom(2),
 * shown as 32 lower-case hex digits.
 */
#ifndef FILEPIN_EXPORT_WIRE_H
#define FILEPIN_EXPORT_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FPX_TOKEN_LEN		16
#define FPX_TOKEN_HEX		(2 * FPX_TOKEN_LEN)
#define FPX_DEFAULT_PORT	7471
#define FPX_REQ_LEN		20
#define FPX_DESC_LEN		32
#define FPX_REJ_LEN		8

/* the access of an export, as in the accept (PINMGR_ADM_ACCESS_*) */
#define FPX_ACCESS_READ		(1u << 0)
#define FPX_ACCESS_WRITE	(1u << 1)

struct fpx_desc {
	uint32_t access;		/* FPX_ACCESS_* */
	uint64_t iova;
	uint64_t length;
	uint32_t rkey;
};

void fpx_req_encode(unsigned char *buf, const uint8_t token[FPX_TOKEN_LEN]);
/* false when @buf is not a request (short, wrong magic) */
bool fpx_req_decode(const void *buf, size_t len, uint8_t token[FPX_TOKEN_LEN]);
void fpx_desc_encode(unsigned char *buf, const struct fpx_desc *d);
/* false for anything but a valid descriptor (zero or wrapping range, access) */
bool fpx_desc_decode(const void *buf, size_t len, struct fpx_desc *d);
void fpx_rej_encode(unsigned char *buf, int err);
/* the errno of a reject, 0 when @buf is none of ours */
int fpx_rej_decode(const void *buf, size_t len);

/* @out gets FPX_TOKEN_HEX digits and a NUL */
void fpx_token_format(const uint8_t token[FPX_TOKEN_LEN], char *out);
/* 0, or -EINVAL unless @s is exactly FPX_TOKEN_HEX hex digits */
int fpx_token_parse(const char *s, uint8_t token[FPX_TOKEN_LEN]);
/* Compare in constant time. */
bool fpx_token_equal(const uint8_t *a, const uint8_t *b);

/*
 * "ADDRESS[:PORT]" (IPv4, or [IPv6]:PORT) into @host (size @hsize) and
 * @port (FPX_DEFAULT_PORT when not given); -EINVAL when malformed.
 */
int fpx_addr_parse(const char *s, char *host, size_t hsize, unsigned int *port);
/* The same, with what is wrong in @why (@whylen bytes; NULL: none). */
int fpx_addr_parse_why(const char *s, char *host, size_t hsize, unsigned int *port,
		       char *why, size_t whylen);

#endif
