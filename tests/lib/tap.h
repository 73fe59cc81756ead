/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Minimal TAP output for the host tests (automake's tap-driver.sh reads it). */
#ifndef FILEPIN_TEST_TAP_H
#define FILEPIN_TEST_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline __attribute__((format(printf, 2, 3)))
int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static inline __attribute__((format(printf, 1, 2)))
void diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

#define ok(cond, ...) tap_ok(!!(cond), __VA_ARGS__)

#define is_int(got, want, ...)						\
	do {								\
		long long _g = (long long)(got), _w = (long long)(want);	\
		if (!tap_ok(_g == _w, __VA_ARGS__))			\
			diag("  got %lld, want %lld (%s)", _g, _w, #got);	\
	} while (0)

#define is_str(got, want, ...)						\
	do {								\
		const char *_g = (got), *_w = (want);			\
		if (!tap_ok(_g && _w && !strcmp(_g, _w), __VA_ARGS__))	\
			diag("  got '%s', want '%s'", _g ? _g : "(null)",	\
			     _w ? _w : "(null)");				\
	} while (0)

static inline __attribute__((noreturn, format(printf, 1, 2)))
void skip_all(const char *fmt, ...)
{
	va_list ap;

	printf("1..0 # SKIP ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(0);
}

static inline __attribute__((noreturn, format(printf, 1, 2)))
void bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	exit(1);
}

static inline int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
