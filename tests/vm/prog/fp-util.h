/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the VM test programs. */
#ifndef FP_UTIL_H
#define FP_UTIL_H

#include <stddef.h>

struct ibv_context;

/* Print "<program>: <message>" on stderr and exit 2. */
void fp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Parse a byte count with an optional K, M or G suffix (powers of 1024). */
int fp_parse_size(const char *s, size_t *out);

/* Make the file at least @length bytes long (never shrinks it). */
int fp_extend(int fd, size_t length);

/* Open the RDMA device called @name, or the first one when @name is NULL. */
struct ibv_context *fp_open_device(const char *name);

#endif
