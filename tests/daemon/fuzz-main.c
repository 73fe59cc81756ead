// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A libFuzzer stand-in for any compiler: run the target on files given as
 * arguments, or on its seeds and 20000 deterministic mutations of them;
 * "--seeds DIR" writes the seeds as a starting corpus for libFuzzer.
 * An invariant broken by the target aborts, which fails the test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define MAXLEN 12288

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static size_t mutate(uint8_t *b, size_t len)
{
	int k, n = 1 + (int)(next() % 4);

	for (k = 0; k < n; k++) {
		size_t at = len ? (size_t)(next() % len) : 0;

		switch (next() % 5) {
		case 0:		/* flip a bit */
			if (len)
				b[at] ^= (uint8_t)(1u << (next() % 8));
			break;
		case 1:		/* truncate */
			len = at;
			break;
		case 2:		/* insert a byte */
			if (len < MAXLEN) {
				memmove(b + at + 1, b + at, len - at);
				b[at] = (uint8_t)next();
				len++;
			}
			break;
		case 3:		/* an interesting byte */
			if (len) {
				static const uint8_t v[] = { 0, 1, 0xff, 0x7f, ' ', '\\', '\n', '-', ':' };

				b[at] = v[next() % sizeof(v)];
			}
			break;
		default:	/* repeat a chunk */
			if (len && len * 2 < MAXLEN) {
				memcpy(b + len, b, len);
				len *= 2;
			}
			break;
		}
	}
	return len;
}

int main(int argc, char **argv)
{
	static uint8_t seed[MAXLEN], buf[MAXLEN];
	size_t i, len, nseeds = 0;
	long runs = 0;
	int a;

	if (argc == 3 && !strcmp(argv[1], "--seeds")) {
		for (i = 0; (len = fuzz_seed(i, seed, sizeof(seed))); i++) {
			char path[4096];
			FILE *f;

			snprintf(path, sizeof(path), "%s/seed-%03zu", argv[2], i);
			f = fopen(path, "wb");
			if (!f || fwrite(seed, 1, len, f) != len || fclose(f)) {
				fprintf(stderr, "%s: %s\n", path, strerror(errno));
				return 1;
			}
		}
		return 0;
	}
	for (a = 1; a < argc; a++) {
		FILE *f = fopen(argv[a], "rb");

		if (!f) {
			fprintf(stderr, "%s: %s\n", argv[a], strerror(errno));
			return 1;
		}
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		runs++;
	}
	if (argc > 1) {
		printf("1..1\nok 1 - %ld inputs replayed\n", runs);
		return 0;
	}
	while ((len = fuzz_seed(nseeds, seed, sizeof(seed))))
		nseeds++;
	for (i = 0; i < nseeds; i++) {
		len = fuzz_seed(i, buf, sizeof(buf));
		LLVMFuzzerTestOneInput(buf, len);
		runs++;
	}
	for (i = 0; i < 20000 && nseeds; i++) {
		len = fuzz_seed((size_t)(next() % nseeds), buf, sizeof(buf));
		len = mutate(buf, len);
		LLVMFuzzerTestOneInput(buf, len);
		runs++;
	}
	/* and plain random inputs */
	for (i = 0; i < 2000; i++) {
		len = (size_t)(next() % 300);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)next();
		LLVMFuzzerTestOneInput(buf, len);
		runs++;
	}
	printf("1..1\nok 1 - %ld inputs (%zu seeds, mutations, random) survived\n", runs, nseeds);
	return 0;
}
