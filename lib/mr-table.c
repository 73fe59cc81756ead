// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Registrations that hold leases: a hash table keyed by the ibv_mr pointer,
 * and the record of what each one pins.  Registrations that pin no DAX file
 * are not recorded at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filepin-private.h"

static size_t hash_ptr(const void *p, size_t nbucket)
{
	uint64_t h = (uint64_t)(uintptr_t)p;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)(h & (nbucket - 1));
}

static int grow(struct fp_mr_table *t)
{
	size_t nbucket = t->nbucket ? t->nbucket * 2 : 64, i;
	struct fp_mr_rec **bucket;

	bucket = calloc(nbucket, sizeof(*bucket));
	if (!bucket)
		return -ENOMEM;
	for (i = 0; i < t->nbucket; i++) {
		struct fp_mr_rec *r = t->bucket[i], *next;

		for (; r; r = next) {
			size_t h = hash_ptr(r->mr, nbucket);

			next = r->next;
			r->next = bucket[h];
			bucket[h] = r;
		}
	}
	free(t->bucket);
	t->bucket = bucket;
	t->nbucket = nbucket;
	return 0;
}

int fp_mr_table_add(struct fp_mr_table *t, struct fp_mr_rec *rec)
{
	size_t h;

	if (t->n >= t->nbucket) {
		int err = grow(t);

		/* an overfull table still works */
		if (err && !t->nbucket)
			return err;
	}
	h = hash_ptr(rec->mr, t->nbucket);
	rec->next = t->bucket[h];
	t->bucket[h] = rec;
	__atomic_add_fetch(&t->n, 1, __ATOMIC_RELEASE);
	return 0;
}

struct fp_mr_rec *fp_mr_table_find(struct fp_mr_table *t, const struct ibv_mr *mr)
{
	struct fp_mr_rec *r;

	if (!t->n)
		return NULL;
	for (r = t->bucket[hash_ptr(mr, t->nbucket)]; r; r = r->next)
		if (r->mr == mr)
			return r;
	return NULL;
}

struct fp_mr_rec *fp_mr_table_remove(struct fp_mr_table *t, const struct ibv_mr *mr)
{
	struct fp_mr_rec **pp, *r;

	if (!t->n)
		return NULL;
	for (pp = &t->bucket[hash_ptr(mr, t->nbucket)]; (r = *pp); pp = &r->next) {
		if (r->mr == mr) {
			*pp = r->next;
			r->next = NULL;
			__atomic_sub_fetch(&t->n, 1, __ATOMIC_RELEASE);
			return r;
		}
	}
	return NULL;
}

struct fp_mr_rec *fp_mr_table_pop(struct fp_mr_table *t)
{
	size_t i;

	for (i = 0; t->n && i < t->nbucket; i++) {
		struct fp_mr_rec *r = t->bucket[i];

		if (r) {
			t->bucket[i] = r->next;
			r->next = NULL;
			__atomic_sub_fetch(&t->n, 1, __ATOMIC_RELEASE);
			return r;
		}
	}
	return NULL;
}

void fp_mr_table_each(struct fp_mr_table *t,
		      void (*fn)(struct fp_mr_rec *rec, void *data), void *data)
{
	size_t i;

	for (i = 0; t->n && i < t->nbucket; i++) {
		struct fp_mr_rec *r;

		for (r = t->bucket[i]; r; r = r->next)
			fn(r, data);
	}
}

void fp_mr_table_release(struct fp_mr_table *t)
{
	free(t->bucket);
	t->bucket = NULL;
	t->nbucket = 0;
	__atomic_store_n(&t->n, 0, __ATOMIC_RELEASE);
}

struct fp_mr_rec *fp_mr_rec_new(void)
{
	return calloc(1, sizeof(struct fp_mr_rec));
}

int fp_mr_rec_add_pin(struct fp_mr_rec *rec, struct fp_lease *lease,
		      uint64_t offset, uint64_t length)
{
	struct fp_pin *p;

	if (rec->npins == rec->cap) {
		size_t cap = rec->cap ? rec->cap * 2 : 2;

		p = realloc(rec->pins, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		rec->pins = p;
		rec->cap = cap;
	}
	p = &rec->pins[rec->npins++];
	memset(p, 0, sizeof(*p));
	p->lease = lease;
	p->offset = offset;
	p->length = length;
	return 0;
}

void fp_mr_rec_free(struct filepin_ctx *ctx, struct fp_mr_rec *rec)
{
	size_t i;

	if (!rec)
		return;
	for (i = 0; i < rec->npins; i++)
		if (rec->pins[i].lease)
			fp_lease_put(ctx, rec->pins[i].lease);
	free(rec->pins);
	free(rec);
}

int fp_mr_rec_track(struct filepin_ctx *ctx, struct fp_mr_rec *rec)
{
	int err = fp_mr_table_add(&ctx->mrs, rec);

	if (!err)
		fp_pinmgr_report_add(ctx, rec);
	return err;
}
