/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The wire primitives of pinmgr's protocols (pinmgr-proto.h and
 * pinmgr-admin.h): little-endian integers and length-prefixed strings in a
 * bounded buffer.  Internal: never installed.
 *
 * A string is a u16 byte count followed by that many bytes, no NUL.
 *
 * Errors are sticky: the first one is kept in ->err, and every later call
 * does nothing (a get returns 0, or an empty string).  A writer fails with
 * -EMSGSIZE when the buffer is full and -EINVAL for a string out of its
 * bounds; a reader fails with -EBADMSG when the data runs out or a string
 * is out of its bounds or holds a NUL.
 */
#ifndef FILEPIN_WIRE_H
#define FILEPIN_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct wire_writer {
	unsigned char *p;
	size_t size;
	size_t len;
	int err;
};

struct wire_reader {
	const unsigned char *p;
	size_t len;
	size_t off;
	int err;
};

/* Store @v in the @n (at most 8) bytes at @b, least significant first. */
void wire_store_le(unsigned char *b, uint64_t v, unsigned int n);
/* The @n-byte (at most 8) little-endian number at @b. */
uint64_t wire_load_le(const unsigned char *b, unsigned int n);

void wire_put_bytes(struct wire_writer *w, const void *src, size_t n);
void wire_put_u16(struct wire_writer *w, uint16_t v);
void wire_put_u32(struct wire_writer *w, uint32_t v);
void wire_put_u64(struct wire_writer *w, uint64_t v);
/* A string of @min..@max bytes: @s is NUL-terminated or @max + 1 bytes long. */
void wire_put_str(struct wire_writer *w, const char *s, size_t min, size_t max);

/* The next @n bytes, or NULL. */
const unsigned char *wire_get_bytes(struct wire_reader *r, size_t n);
uint16_t wire_get_u16(struct wire_reader *r);
uint32_t wire_get_u32(struct wire_reader *r);
uint64_t wire_get_u64(struct wire_reader *r);
/* A string of @min..@max bytes into @dst (room for @max + 1), NUL-terminated. */
void wire_get_str(struct wire_reader *r, char *dst, size_t min, size_t max);

#endif
