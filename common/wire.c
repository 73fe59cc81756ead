// SPDX-License-Identifier: LGPL-2.1-or-later
/* The wire primitives of pinmgr's protocols (wire.h). */
#include <errno.h>
#include <string.h>

#include "wire.h"

void wire_store_le(unsigned char *b, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

uint64_t wire_load_le(const unsigned char *b, unsigned int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | b[n];
	return v;
}

/* Room for @n more bytes, or NULL (and -EMSGSIZE). */
static unsigned char *put_space(struct wire_writer *w, size_t n)
{
	unsigned char *p;

	if (w->err)
		return NULL;
	if (n > w->size - w->len) {
		w->err = -EMSGSIZE;
		return NULL;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

void wire_put_bytes(struct wire_writer *w, const void *src, size_t n)
{
	unsigned char *b = put_space(w, n);

	if (b)
		memcpy(b, src, n);
}

static void put_le(struct wire_writer *w, uint64_t v, unsigned int n)
{
	unsigned char *b = put_space(w, n);

	if (b)
		wire_store_le(b, v, n);
}

void wire_put_u16(struct wire_writer *w, uint16_t v)
{
	put_le(w, v, 2);
}

void wire_put_u32(struct wire_writer *w, uint32_t v)
{
	put_le(w, v, 4);
}

void wire_put_u64(struct wire_writer *w, uint64_t v)
{
	put_le(w, v, 8);
}

void wire_put_str(struct wire_writer *w, const char *s, size_t min, size_t max)
{
	size_t n;

	if (w->err)
		return;
	n = strnlen(s, max + 1);
	if (n < min || n > max) {
		w->err = -EINVAL;
		return;
	}
	wire_put_u16(w, (uint16_t)n);
	wire_put_bytes(w, s, n);
}

const unsigned char *wire_get_bytes(struct wire_reader *r, size_t n)
{
	const unsigned char *p;

	if (r->err)
		return NULL;
	if (n > r->len - r->off) {
		r->err = -EBADMSG;
		return NULL;
	}
	p = r->p + r->off;
	r->off += n;
	return p;
}

static uint64_t get_le(struct wire_reader *r, unsigned int n)
{
	const unsigned char *b = wire_get_bytes(r, n);

	return b ? wire_load_le(b, n) : 0;
}

uint16_t wire_get_u16(struct wire_reader *r)
{
	return (uint16_t)get_le(r, 2);
}

uint32_t wire_get_u32(struct wire_reader *r)
{
	return (uint32_t)get_le(r, 4);
}

uint64_t wire_get_u64(struct wire_reader *r)
{
	return get_le(r, 8);
}

void wire_get_str(struct wire_reader *r, char *dst, size_t min, size_t max)
{
	uint16_t n = wire_get_u16(r);
	const unsigned char *b;

	dst[0] = 0;
	if (r->err)
		return;
	if (n < min || n > max) {
		r->err = -EBADMSG;
		return;
	}
	b = wire_get_bytes(r, n);
	if (!b)
		return;
	if (memchr(b, 0, n)) {
		r->err = -EBADMSG;
		return;
	}
	memcpy(dst, b, n);
	dst[n] = 0;
}
