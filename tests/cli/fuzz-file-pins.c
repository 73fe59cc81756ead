// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target: the /proc/<pid>/file_pins line parser shared by pinmgr and
 * pinctl (common/file-pins.c).  Invariants: an accepted line is printed
 * back (escaping the paths) to a line that parses to the same pin, and
 * unescaping never writes past its buffer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "file-pins.h"
#include "fuzz.h"

static struct file_pin a, b;
static char line[FILE_PINS_LINE_MAX + 1], p1[4 * FILE_PINS_PATH_MAX + 1],
	    p2[4 * FILE_PINS_PATH_MAX + 1], small[8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char owner[32];
	int n;

	file_pin_unescape((const char *)data, size, small, sizeof(small));
	if (file_pin_parse((const char *)data, size, &a, NULL))
		return 0;
	if (file_pin_escape(a.path, p1, sizeof(p1)) ||
	    file_pin_escape(a.owner == FILE_PIN_OWNER_FD ? a.owner_path : "-", p2, sizeof(p2)))
		abort();
	file_pin_owner_str(&a, owner, sizeof(owner));
	n = snprintf(line, sizeof(line), "%s %s %u:%u %llu %llu-%llu %llu %s", owner, p2,
		     a.major, a.minor, (unsigned long long)a.ino,
		     (unsigned long long)a.first_page, (unsigned long long)a.last_page,
		     (unsigned long long)a.pages, p1);
	if (n < 0 || (size_t)n >= sizeof(line) ||
	    file_pin_parse(line, (size_t)n, &b, NULL) || memcmp(&a, &b, sizeof(a)))
		abort();
	return 0;
}

size_t fuzz_seed(size_t i, uint8_t *buf, size_t size)
{
	static const char *const seeds[] = {
		"fd:5 /dev/infiniband/uverbs0 259:0 12 0-255 256 /mnt/ext4/data",
		"mm - 259:1 4242 10-10 1 /mnt/xfs/a\\040b\\134c",
		"fd:7 /dev/infiniband/uverbs1 259:1 99 0-0 1 /mnt/xfs/tab\\011here\\012nl",
		"fd:2147483647 /x 4095:1048575 18446744073709551615 0-18446744073709551615 1 /y",
		"mm - 8:1 5 0-1 2 /data/x\\040(deleted)",
	};
	size_t n;

	if (i >= sizeof(seeds) / sizeof(seeds[0]))
		return 0;
	n = strlen(seeds[i]);
	if (n > size)
		n = size;
	memcpy(buf, seeds[i], n);
	return n;
}
