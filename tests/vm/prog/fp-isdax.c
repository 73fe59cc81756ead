// SPDX-License-Identifier: GPL-2.0
/*
 * fp-isdax - tell whether files are accessed through DAX (statx
 * STATX_ATTR_DAX).  Exit status: 0 all are DAX, 1 one is not, 2 error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX 0x00200000
#endif

int main(int argc, char **argv)
{
	int status = 0, i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		printf("Usage: fp-isdax FILE...\n"
		       "Print 'dax' or 'not-dax' for each FILE (statx STATX_ATTR_DAX).\n"
		       "Exit status: 0 all DAX, 1 some not DAX, 2 error.\n");
		return argc < 2 ? 2 : 0;
	}
	for (i = 1; i < argc; i++) {
		struct statx stx;

		if (statx(AT_FDCWD, argv[i], 0, 0, &stx)) {
			fprintf(stderr, "fp-isdax: %s: %s\n", argv[i],
				strerror(errno));
			return 2;
		}
		if (!(stx.stx_attributes_mask & STATX_ATTR_DAX)) {
			fprintf(stderr, "fp-isdax: %s: kernel does not report STATX_ATTR_DAX\n",
				argv[i]);
			return 2;
		}
		if (stx.stx_attributes & STATX_ATTR_DAX) {
			printf("%s: dax\n", argv[i]);
		} else {
			printf("%s: not-dax\n", argv[i]);
			status = 1;
		}
	}
	return status;
}
