// SPDX-License-Identifier: GPL-2.0
/*
 * fp-lease-inflight - is an exclusive layout lease granted in the middle of
 * a layout change?
 *
 * DESIGN.md rule 4: while an exclusive layout lease is held, nothing frees,
 * moves or shares the file's blocks.  A lease holder therefore reads the
 * size and the extents once, after F_SETLEASE, and relies on them (e.g.
 * maps the file and pins it).  That only holds if F_SETLEASE cannot return
 * while a truncate, collapse, insert or punch that passed its lease check
 * before the lease existed is still running: such an operation would
 * finish under the lease and shrink or move the file after the holder
 * looked (seen in fp-torture as an EFAULT from ibv_reg_mr of a range that
 * was inside the file when the pinner looked).
 *
 * A child keeps changing the layout of FILE (collapse, insert, punch,
 * truncate, regrowing the file only beyond its end).  The parent takes the
 * exclusive lease, records the size and the FIEMAP of [0, size), waits
 * until the child has finished two more attempts (so at least one began
 * after the lease), looks again and releases the lease.  Size and extents
 * must not have changed (growing the file beyond its end is allowed).
 *
 * Usage: fp-lease-inflight [--seconds N] [--size BYTES] FILE
 * Prints "rounds=N changed-under-lease=M refused=R"; exit 0 if M is 0,
 * 1 if a lease holder saw its file change (the first case is described),
 * 2 on other failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fp-util.h"

#define PAGE 4096
#define MAX_EXT 8192

struct shared {
	int stop;
	unsigned long attempts;	/* layout changes the child finished */
	unsigned long refused;	/* ... of which failed with ETXTBSY */
};

static struct shared *sh;

static unsigned long load(unsigned long *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static unsigned int rnd(unsigned int *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* One layout change of a random kind; keeps the file near @size. */
static void attack(int fd, uint64_t size, unsigned int *seed)
{
	struct stat st;
	uint64_t cur, off, len;
	int r;

	if (fstat(fd, &st))
		fp_die("fstat: %s", strerror(errno));
	cur = (uint64_t)st.st_size;
	/* regrow beyond the end only: never touches [0, cur) */
	if (cur < size && fallocate(fd, 0, (off_t)cur, (off_t)(size - cur)) &&
	    errno != ETXTBSY)
		fp_die("fallocate to regrow: %s", strerror(errno));
	if (fstat(fd, &st))
		fp_die("fstat: %s", strerror(errno));
	cur = (uint64_t)st.st_size;
	if (cur < 8 * PAGE)
		return;
	len = (1 + rnd(seed) % 4) * PAGE;
	off = (rnd(seed) % (cur / PAGE - 4)) * PAGE;
	switch (rnd(seed) % 4) {
	case 0:
		r = fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, (off_t)off, (off_t)len);
		break;
	case 1:
		r = fallocate(fd, FALLOC_FL_INSERT_RANGE, (off_t)off, (off_t)len);
		break;
	case 2:
		r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, (off_t)len);
		break;
	default:
		r = ftruncate(fd, (off_t)(cur / 2 / PAGE * PAGE));
		break;
	}
	if (r && errno == ETXTBSY)
		__atomic_add_fetch(&sh->refused, 1, __ATOMIC_RELEASE);
	else if (r && errno != EINVAL)	/* e.g. INSERT past the end */
		fp_die("layout change: %s", strerror(errno));
	__atomic_add_fetch(&sh->attempts, 1, __ATOMIC_RELEASE);
}

static void attacker(const char *path, uint64_t size, unsigned int seed)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fp_die("open %s: %s", path, strerror(errno));
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
		attack(fd, size, &seed);
	_exit(0);
}

/* FIEMAP of [0, @len) into @fm, runs joined, flags dropped; -1 on error. */
static int fiemap(int fd, uint64_t len, struct fiemap *fm)
{
	unsigned int i, n;

	memset(fm, 0, sizeof(*fm));
	fm->fm_start = 0;
	fm->fm_length = len;
	fm->fm_flags = FIEMAP_FLAG_SYNC;
	fm->fm_extent_count = MAX_EXT;
	if (ioctl(fd, FS_IOC_FIEMAP, fm))
		return -1;
	/*
	 * Only where each block lies counts: ext4 reports one run of blocks
	 * as one or several extents depending on its extent status cache, so
	 * join extents that continue each other, and drop the flags.
	 */
	for (i = 0, n = 0; i < fm->fm_mapped_extents; i++) {
		struct fiemap_extent *e = &fm->fm_extents[i];
		struct fiemap_extent *last = n ? &fm->fm_extents[n - 1] : NULL;

		if (last && last->fe_logical + last->fe_length == e->fe_logical &&
		    last->fe_physical + last->fe_length == e->fe_physical) {
			last->fe_length += e->fe_length;
			continue;
		}
		fm->fm_extents[n] = *e;
		fm->fm_extents[n++].fe_flags = 0;
	}
	fm->fm_mapped_extents = n;
	return 0;
}

static int same_extents(const struct fiemap *a, const struct fiemap *b)
{
	return a->fm_mapped_extents == b->fm_mapped_extents &&
	       !memcmp(a->fm_extents, b->fm_extents,
		       a->fm_mapped_extents * sizeof(a->fm_extents[0]));
}

/* Print the first extent that differs, as FIEMAP gave it before and after. */
static void show_difference(const struct fiemap *a, const struct fiemap *b)
{
	unsigned int i, n = a->fm_mapped_extents;

	if (b->fm_mapped_extents > n)
		n = b->fm_mapped_extents;
	for (i = 0; i < n; i++) {
		const struct fiemap_extent *x = &a->fm_extents[i], *y = &b->fm_extents[i];

		if (i < a->fm_mapped_extents && i < b->fm_mapped_extents &&
		    !memcmp(x, y, sizeof(*x)))
			continue;
		printf("# extent %u before: logical %#llx physical %#llx length %#llx\n", i,
		       i < a->fm_mapped_extents ? (unsigned long long)x->fe_logical : 0ULL,
		       i < a->fm_mapped_extents ? (unsigned long long)x->fe_physical : 0ULL,
		       i < a->fm_mapped_extents ? (unsigned long long)x->fe_length : 0ULL);
		printf("# extent %u after:  logical %#llx physical %#llx length %#llx\n", i,
		       i < b->fm_mapped_extents ? (unsigned long long)y->fe_logical : 0ULL,
		       i < b->fm_mapped_extents ? (unsigned long long)y->fe_physical : 0ULL,
		       i < b->fm_mapped_extents ? (unsigned long long)y->fe_length : 0ULL);
		return;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t fmsize = sizeof(struct fiemap) + MAX_EXT * sizeof(struct fiemap_extent);
	struct fiemap *before = malloc(fmsize), *after = malloc(fmsize);
	unsigned long rounds = 0, changed = 0;
	double seconds = 20, end;
	size_t size = 16u << 20;
	struct stat st1, st2;
	const char *path;
	pid_t child;
	int fd, i, status;

	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--size") && !fp_parse_size(argv[i + 1], &size))
			;
		else
			fp_die("usage: fp-lease-inflight [--seconds N] [--size BYTES] FILE");
	}
	if (i != argc - 1 || !before || !after)
		fp_die("usage: fp-lease-inflight [--seconds N] [--size BYTES] FILE");
	path = argv[i];
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		fp_die("mmap: %s", strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		fp_die("open %s: %s", path, strerror(errno));
	if (fallocate(fd, 0, 0, (off_t)size))
		fp_die("fallocate %s: %s", path, strerror(errno));

	child = fork();
	if (child < 0)
		fp_die("fork: %s", strerror(errno));
	if (!child)
		attacker(path, size, (unsigned int)getpid() * 2654435761u | 1);

	end = now() + seconds;
	while (!changed && now() < end) {
		unsigned long a0;

		if (fcntl(fd, F_SETLEASE, F_LAYOUT | F_EXCLUSIVE))
			fp_die("F_SETLEASE F_LAYOUT|F_EXCLUSIVE: %s", strerror(errno));
		if (fstat(fd, &st1) || fiemap(fd, (uint64_t)st1.st_size, before))
			fp_die("fstat/FIEMAP: %s", strerror(errno));
		/* attempt a0 + 1 may have been in flight; a0 + 2 began after */
		a0 = load(&sh->attempts);
		while (load(&sh->attempts) < a0 + 2)
			sched_yield();
		if (fstat(fd, &st2) || fiemap(fd, (uint64_t)st1.st_size, after))
			fp_die("fstat/FIEMAP: %s", strerror(errno));
		if (st2.st_size < st1.st_size) {
			printf("# under the lease the size went down from %lld to %lld\n",
			       (long long)st1.st_size, (long long)st2.st_size);
			changed++;
		} else if (!same_extents(before, after)) {
			printf("# under the lease the extents of [0, %lld) changed (%u -> %u extents)\n",
			       (long long)st1.st_size, before->fm_mapped_extents,
			       after->fm_mapped_extents);
			show_difference(before, after);
			changed++;
		}
		if (fcntl(fd, F_SETLEASE, F_UNLCK))
			fp_die("F_SETLEASE F_UNLCK: %s", strerror(errno));
		rounds++;
		/* let a layout change run without the lease now and then */
		a0 = load(&sh->attempts);
		while (load(&sh->attempts) < a0 + 1 + rounds % 3)
			sched_yield();
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fp_die("the attacker failed");
	printf("rounds=%lu changed-under-lease=%lu refused=%lu\n", rounds,
	       changed, load(&sh->refused));
	return changed ? 1 : 0;
}
