/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer targets of the host tests.  A target defines
 * LLVMFuzzerTestOneInput() and fuzz_seed(); built with clang
 * -fsanitize=fuzzer it is a fuzzer (tests/daemon/fuzz.test), built with
 * fuzz-main.c it replays its seeds and a fixed set of mutations of them in
 * make check, with any compiler.
 */
#ifndef FILEPIN_TEST_FUZZ_H
#define FILEPIN_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The @i-th seed input into @buf (@size bytes): its length, or 0 past the last. */
size_t fuzz_seed(size_t i, uint8_t *buf, size_t size);

#endif
