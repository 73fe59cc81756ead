// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Parsing /proc/<pid>/maps text: ordinary lines, odd paths (spaces, escaped
 * newlines, " (deleted)"), huge offsets and numbers, malformed input; the
 * range lookups and the cache's "nothing to lease" answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "filepin-private.h"
#include "tap.h"

static int parse(const char *text, struct fp_maps *maps)
{
	char *copy = strdup(text);

	if (!copy)
		bail("out of memory");
	return fp_maps_parse(copy, strlen(copy), maps);
}

static const char good[] =
"55d0c8a00000-55d0c8a02000 r--p 00000000 fd:01 1835042                    /usr/bin/cat\n"
"55d0c9a00000-55d0c9a21000 rw-p 00000000 00:00 0                          [heap]\n"
"7f0000000000-7f0000200000 rw-s 00000000 103:02 12                        /mnt/ext4/dax file  with  spaces\n"
"7f0000200000-7f0000400000 rw-s 7ffffffffffff000 103:02 13                /mnt/ext4/new\\012line\n"
"7f0000400000-7f0000600000 rw-s 00200000 103:02 14                        /mnt/xfs/gone (deleted)\n"
"7f0000600000-7f0000601000 rw-p 00000000 00:00 0 \n"
"7f0000700000-7f0000800000 r--s fffffffffffff000 ff:fffff 18446744073709551615 /huge\n"
"7f0000800000-7f0000801000 rw-s 00000000 00:01 2050                       /memfd:buf (deleted)\n"
"7f0000900000-7f0000901000 rw-s 00000000 00:05 3                          /dev/zero\n"
"7f0000a00000-7f0000a01000 r--p 00000000 00:00 0                          [anon:named region]\n"
"7ffd1e9e0000-7ffd1ea01000 rw-p 00000000 00:00 0                          [stack]\n"
"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]";

int main(void)
{
	struct fp_maps m;
	struct fp_mapcache mc;
	const struct fp_vma *v;
	int err;

	err = parse(good, &m);
	is_int(err, 0, "a realistic maps text parses");
	is_int(m.n, 12, "12 entries (the last line has no newline)");
	if (m.n != 12)
		bail("cannot go on");

	v = &m.vma[0];
	ok(v->start == 0x55d0c8a00000ULL && v->end == 0x55d0c8a02000ULL,
	   "addresses of a program mapping");
	ok(v->flags == (FP_VMA_READ | FP_VMA_FILE), "r--p file mapping: read, private, file");
	ok(v->major == 0xfd && v->minor == 1 && v->ino == 1835042, "device fd:01, inode");
	is_str(v->path, "/usr/bin/cat", "path after the padding");

	v = &m.vma[1];
	ok(!(v->flags & FP_VMA_FILE), "[heap] is not a file");
	is_str(v->path, "[heap]", "[heap] name kept");

	v = &m.vma[2];
	ok(v->flags == (FP_VMA_READ | FP_VMA_WRITE | FP_VMA_SHARED | FP_VMA_FILE),
	   "rw-s: read, write, shared, file");
	ok(v->major == 259 && v->minor == 2, "device 103:02 is 259:2 (hex)");
	is_str(v->path, "/mnt/ext4/dax file  with  spaces", "spaces inside a path are kept");

	v = &m.vma[3];
	is_str(v->path, "/mnt/ext4/new\nline", "\\012 becomes a newline");
	ok(v->offset == 0x7ffffffffffff000ULL, "a huge file offset");

	v = &m.vma[4];
	ok(v->flags & FP_VMA_DELETED, "(deleted) is noticed");
	is_str(v->path, "/mnt/xfs/gone", "(deleted) is taken off the path");
	ok(v->offset == 0x200000, "offset 0x200000");

	v = &m.vma[5];
	is_str(v->path, "", "anonymous mapping without a name");
	ok(!(v->flags & FP_VMA_FILE), "... is not a file");

	v = &m.vma[6];
	ok(v->offset == 0xfffffffffffff000ULL, "offset with all 64 bits");
	ok(v->major == 0xff && v->minor == 0xfffff, "a 20-bit minor");
	ok(v->ino == UINT64_MAX, "inode 2^64-1");

	v = &m.vma[7];
	ok((v->flags & FP_VMA_FILE) && (v->flags & FP_VMA_DELETED), "memfd: a deleted file");
	is_str(v->path, "/memfd:buf", "memfd name");
	ok(m.vma[8].flags & FP_VMA_FILE, "/dev/zero is a file mapping (the open decides)");
	ok(!(m.vma[9].flags & FP_VMA_FILE), "[anon:...] is not a file");
	is_str(m.vma[9].path, "[anon:named region]", "anon name with a space");
	ok(m.vma[11].start == 0xffffffffff600000ULL &&
	   m.vma[11].flags == FP_VMA_EXEC, "vsyscall at the top of the address space");

	/* lookups */
	is_int(fp_maps_first(&m, 0), 0, "first entry ending above 0");
	is_int(fp_maps_first(&m, 0x7f0000200000ULL), 3, "first entry at a boundary");
	is_int(fp_maps_first(&m, 0x7f00001fffffULL), 2, "first entry just below a boundary");
	is_int(fp_maps_first(&m, UINT64_MAX), 12, "nothing above the top");
	ok(fp_maps_covers(&m, 0x7f0000000000ULL, 0x600000), "three adjacent entries cover a range");
	ok(fp_maps_covers(&m, 0x7f0000100000ULL, 0x501000), "... up to the anonymous one");
	ok(!fp_maps_covers(&m, 0x7f0000600000ULL, 0x2000), "a hole is not covered");
	ok(!fp_maps_covers(&m, 0x7f0000000000ULL, 0), "an empty range is not covered");
	ok(!fp_maps_covers(&m, UINT64_MAX - 10, 100), "a wrapping range is not covered");

	/* the cache */
	memset(&mc, 0, sizeof(mc));
	mc.maps = m;
	mc.valid = true;
	ok(fp_mapcache_nothing_to_lease(&mc, 0x55d0c9a00000ULL, 0x1000), "heap: nothing to lease");
	ok(fp_mapcache_nothing_to_lease(&mc, 0x7f0000600000ULL, 0x1000), "anonymous: nothing to lease");
	ok(!fp_mapcache_nothing_to_lease(&mc, 0x7f0000000000ULL, 0x1000),
	   "a file of unknown kind: look closer");
	ok(!fp_mapcache_nothing_to_lease(&mc, 0x7f0000601000ULL, 0x1000),
	   "a range the cache does not cover: look closer");
	fp_mapcache_set_verdict(&mc, &m.vma[2], FP_VERDICT_NOT_DAX);
	ok(fp_mapcache_nothing_to_lease(&mc, 0x7f0000000000ULL, 0x1000),
	   "a file known not to be DAX: nothing to lease");
	ok(!fp_mapcache_nothing_to_lease(&mc, 0x7f0000000000ULL, 0x300000),
	   "... but the next file is unknown");
	fp_mapcache_set_verdict(&mc, &m.vma[3], FP_VERDICT_NO_ACCESS);
	ok(fp_mapcache_nothing_to_lease(&mc, 0x7f0000000000ULL, 0x300000),
	   "a file that could not be opened is not looked at again from the cache");
	is_int(fp_mapcache_verdict(&mc, &m.vma[4]), FP_VERDICT_UNKNOWN, "unknown verdict");
	{
		struct fp_vma fakev = m.vma[2];
		int i;

		for (i = 0; i < FP_VERDICT_MAX + 10; i++) {
			fakev.ino = 1000000 + (uint64_t)i;
			fp_mapcache_set_verdict(&mc, &fakev, FP_VERDICT_NOT_DAX);
		}
		is_int(fp_mapcache_verdict(&mc, &fakev), FP_VERDICT_NOT_DAX,
		       "the verdict table keeps the newest when full");
		ok(mc.nverdict == FP_VERDICT_MAX + 12, "... and counts what it has seen");
	}
	mc.valid = false;
	ok(!fp_mapcache_nothing_to_lease(&mc, 0x55d0c9a00000ULL, 0x1000),
	   "an invalid cache answers nothing");
	fp_mapcache_release(&mc);

	/* malformed input */
	{
		static const char *const bad[] = {
			"",		/* accepted: no entries (checked below) */
			"7f00-7f10 rw-s 0 0:0 0\nxyz\n",
			"7f00 rw-s 00000000 00:00 0\n",
			"7f00-7f10 rwzs 00000000 00:00 0\n",
			"7f00-7f10 rw-q 00000000 00:00 0\n",
			"7f00-7f10 rw-s 00000000 00-00 0\n",
			"7f00-7f10 rw-s 00000000 00:00 x\n",
			"7f00-7f10 rw-s 00000000 00:00\n",
			"7f00-7f10 rw-s 10000000000000000 00:00 0 /x\n",
			"7f00-7f10 rw-s 0 00:00 18446744073709551616 /x\n",
			"7f00-7f10 rw-s 0 100000000:00 1 /x\n",
			"7f10-7f00 rw-s 0 00:00 0\n",
			"7f00-7f00 rw-s 0 00:00 0\n",
			"7f00-7f10 rw-s 0 00:00 0\n7e00-7e10 rw-s 0 00:00 0\n",
			"7f00-7f10 rw-s 0 00:00 0\n7f08-7f18 rw-s 0 00:00 0\n",
			"7f00-7f10 rw-s 0 00:00 0\n\n7f20-7f30 rw-s 0 00:00 0\n",
			"7f00-7f10 rw-s 0 00:00 0x1 /x\n",
		};
		size_t i;
		int rejected = 0;

		is_int(parse(bad[0], &m), 0, "an empty text is no entries");
		is_int(m.n, 0, "... none");
		fp_maps_release(&m);
		for (i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) {
			err = parse(bad[i], &m);
			if (err == -EBADMSG)
				rejected++;
			else
				diag("accepted: %s", bad[i]);
			if (!err)
				fp_maps_release(&m);
		}
		is_int(rejected, sizeof(bad) / sizeof(bad[0]) - 1,
		       "malformed, out-of-order and overlapping entries are -EBADMSG");
	}
	/* random garbage: no crash (sanitizer builds check) */
	{
		unsigned int seed = 7, k, accepted = 0;
		char buf[256];

		for (k = 0; k < 20000; k++) {
			size_t len = (size_t)(rand_r(&seed) % 200), i;
			const char alpha[] = "0123456789abcdef-: rwxsp/\n\\()";

			for (i = 0; i < len; i++)
				buf[i] = alpha[rand_r(&seed) % (sizeof(alpha) - 1)];
			buf[len] = 0;
			if (!parse(buf, &m)) {
				accepted++;
				fp_maps_release(&m);
			}
		}
		ok(1, "20000 random texts parsed without a crash (%u accepted)", accepted);
	}
	return done_testing();
}
