// SPDX-License-Identifier: GPL-2.0
/*
 * fp-srand.so - preload into a program to make its srand()/srand48() use
 * the seed in $FP_SEED instead of the one it picked (perftest seeds with
 * the time; two processes started in the same second would fill their
 * buffers with the same bytes, and a check that data crossed from one to
 * the other would prove nothing).
 */
#include <dlfcn.h>
#include <stdlib.h>

static unsigned long seed(unsigned long fallback)
{
	const char *s = getenv("FP_SEED");

	return s && *s ? strtoul(s, NULL, 0) : fallback;
}

void srand(unsigned int s)
{
	void (*real)(unsigned int);

	*(void **)&real = dlsym(RTLD_NEXT, "srand");
	real((unsigned int)seed(s));
}

void srand48(long s)
{
	void (*real)(long);

	*(void **)&real = dlsym(RTLD_NEXT, "srand48");
	real((long)seed((unsigned long)s));
}
