// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The live /proc/self/maps of this process, with files of awkward names
 * mapped: spaces, a newline, a name that really ends in " (deleted)", an
 * unlinked file, a mapping at a 1 TiB offset of a sparse file.  Checks what
 * the parser finds against fstat(), and that the lease code opens the right
 * file behind each mapping by every route (map_files, the path, an open fd).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fake-env.h"
#include "tap.h"

struct mapped {
	const char *name;
	char *path;
	int fd;
	void *addr;
	size_t len;
	off_t off;
	struct stat st;
};

static const struct fp_vma *find(const struct fp_maps *m, const void *addr)
{
	size_t i = fp_maps_first(m, (uintptr_t)addr);

	if (i < m->n && m->vma[i].start <= (uintptr_t)addr)
		return &m->vma[i];
	return NULL;
}

static int map_file(const char *dir, struct mapped *f, off_t size)
{
	f->path = make_file(dir, f->name, (size_t)size);
	if (!f->path)
		return -1;
	f->fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &f->st))
		return -1;
	f->addr = mmap(NULL, f->len, PROT_READ, MAP_SHARED, f->fd, f->off);
	return f->addr == MAP_FAILED ? -1 : 0;
}

int main(void)
{
	struct mapped files[] = {
		{ .name = "plain", .len = 8192 },
		{ .name = "with  two spaces", .len = 4096, .off = 8192 },
		{ .name = "new\nline", .len = 4096 },
		{ .name = "really (deleted)", .len = 4096 },
		{ .name = "unlinked", .len = 4096 },
		{ .name = "sparse", .len = 4096, .off = (off_t)1 << 40 },
	};
	const int nfiles = sizeof(files) / sizeof(files[0]);
	struct filepin_ctx *ctx;
	struct fp_ops ops;
	struct fp_maps m;
	char *dir;
	int i, err;

	dir = make_tmpdir();
	if (!dir)
		bail("cannot make a temporary directory");
	for (i = 0; i < nfiles; i++)
		files[i].fd = -1;
	for (i = 0; i < nfiles; i++) {
		off_t size = files[i].off + (off_t)files[i].len;

		if (map_file(dir, &files[i], size)) {
			if (i == nfiles - 1) {
				diag("no 1 TiB sparse file here (%s): left out", strerror(errno));
				files[i].addr = NULL;
				continue;
			}
			bail("cannot map %s: %s", files[i].name, strerror(errno));
		}
	}
	if (unlink(files[4].path))
		bail("unlink: %s", strerror(errno));

	err = fp_maps_read("/proc/self/maps", &m);
	is_int(err, 0, "/proc/self/maps reads and parses");
	ok(m.n > 10, "%zu entries", m.n);
	for (i = 0; i < nfiles; i++) {
		const struct fp_vma *v;

		if (!files[i].addr)
			continue;
		v = find(&m, files[i].addr);
		if (!ok(v, "%s: found at its address", files[i].name))
			continue;
		ok(v->ino == files[i].st.st_ino && v->major == major(files[i].st.st_dev) &&
		   v->minor == minor(files[i].st.st_dev),
		   "%s: device and inode match fstat()", files[i].name);
		ok(v->offset == (uint64_t)files[i].off, "%s: offset %lld", files[i].name,
		   (long long)files[i].off);
		ok((v->flags & (FP_VMA_SHARED | FP_VMA_FILE)) == (FP_VMA_SHARED | FP_VMA_FILE) &&
		   !(v->flags & FP_VMA_WRITE), "%s: r--s file mapping", files[i].name);
		if (i == 4) {
			ok(v->flags & FP_VMA_DELETED, "unlinked: marked deleted");
			is_str(v->path, files[i].path, "unlinked: path without the suffix");
		} else if (i == 3) {
			/* a name really ending in " (deleted)" reads as deleted */
			ok(v->flags & FP_VMA_DELETED &&
			   !strncmp(v->path, files[i].path, strlen(files[i].path) - 10) &&
			   strlen(v->path) == strlen(files[i].path) - 10,
			   "%s: reads as a deleted file (the open sorts it out)",
			   files[i].name);
		} else {
			is_str(v->path, files[i].path, "%s: path", files[i].name);
		}
	}
	fp_maps_release(&m);

	/* each route to the file behind a mapping */
	ctx = fake_ctx();
	if (!ctx)
		bail("no context");
	for (i = 0; i < nfiles; i++)
		if (files[i].addr)
			fake_add_dax(files[i].fd);
	ops = fake_ops;
	for (int route = 0; route < 2; route++) {
		ops.no_map_files = route == 1;
		fp_ctx_set_ops(ctx, &ops);
		for (i = 0; i < nfiles; i++) {
			struct fp_mr_rec *rec = NULL;

			if (!files[i].addr)
				continue;
			fp_lock(ctx);
			fp_mapcache_release(&ctx->maps);
			fp_unlock(ctx);
			err = fp_range_pin(ctx, files[i].addr, files[i].len, true, &rec);
			if (route == 1 && geteuid() != 0)
				diag("not root: map_files is not usable anyway");
			ok(!err && rec && rec->npins == 1 &&
			   rec->pins[0].lease->ino == files[i].st.st_ino &&
			   rec->pins[0].offset == (uint64_t)files[i].off &&
			   rec->pins[0].length == files[i].len,
			   "%s: leased through %s", files[i].name,
			   route ? "the path or an open fd" : "the first route that works");
			fp_lock(ctx);
			fp_mr_rec_free(ctx, rec);
			fp_unlock(ctx);
		}
	}
	is_int(fake_leases_held(), 0, "every lease released");

	/* the unlinked file with no fd left, and no map_files: cannot open */
	close(files[4].fd);
	files[4].fd = -1;
	{
		struct fp_mr_rec *rec = NULL;

		fake_log_clear();
		err = fp_range_pin(ctx, files[4].addr, files[4].len, true, &rec);
		ok(!err && !rec, "unlinked and closed: nothing leased, no error");
		ok(strstr(fake_log_text(), "cannot open") != NULL,
		   "... and a warning says it could not be opened");
		fp_lock(ctx);
		is_int(fp_mapcache_verdict(&ctx->maps, find(&ctx->maps.maps, files[4].addr)),
		       FP_VERDICT_NO_ACCESS, "... remembered as not accessible");
		fp_unlock(ctx);
	}

	/*
	 * A path that names another file than the mapping's inode (renamed
	 * over since): the path is not trusted, the lease lands on the
	 * mapping's inode (found through its open fd) or on nothing.
	 */
	{
		struct fp_lease *lease = NULL;
		enum fp_verdict verdict = FP_VERDICT_UNKNOWN;
		struct fp_vma v = {
			.start = 0x1000, .end = 0x2000,	/* no such map_files entry */
			.ino = files[2].st.st_ino,
			.major = major(files[2].st.st_dev),
			.minor = minor(files[2].st.st_dev),
			.flags = FP_VMA_FILE | FP_VMA_SHARED,
			.path = files[1].path,
		};

		fp_lock(ctx);
		err = fp_lease_get_vma(ctx, &v, &lease, &verdict);
		ok(!err && lease && lease->ino == files[2].st.st_ino,
		   "a misleading path: the lease is on the mapping's inode, found by its fd");
		if (lease)
			fp_lease_put(ctx, lease);
		close(files[2].fd);
		files[2].fd = -1;
		lease = NULL;
		err = fp_lease_get_vma(ctx, &v, &lease, &verdict);
		ok(!err && !lease && verdict == FP_VERDICT_NO_ACCESS,
		   "... and with that fd closed, nothing is leased");
		fp_unlock(ctx);
	}
	is_int(fake_leases_held(), 0, "no lease left");
	filepin_ctx_unref(ctx);
	for (i = 0; i < nfiles; i++) {
		if (files[i].addr)
			munmap(files[i].addr, files[i].len);
		if (files[i].fd >= 0)
			close(files[i].fd);
		if (files[i].path && i != 4)
			unlink(files[i].path);
		free(files[i].path);
	}
	rmdir(dir);
	free(dir);
	return done_testing();
}
