// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Many threads registering and deregistering at once, on one context:
 * ranges of shared DAX mappings (the same few inodes, so the same leases),
 * anonymous memory, mappings made and unmade meanwhile (the maps cache goes
 * stale under the other threads), and the explicit API.  The fake kernel
 * refuses any registration of a DAX range without its lease and counts an
 * MR that outlives its lease; at the end no lease, fd or record is left.
 * Run it in the --enable-tsan build too.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fake-env.h"
#include "tap.h"

#define NFILES 4
#define NTHREADS 8
#define FILE_SIZE (8u << 20)
#define HELD 8

static struct filepin_ctx *ctx;
static int fds[NFILES];
static char *maps[NFILES];
static int iterations = 300;
static int dummy_pd;

struct worker {
	pthread_t thread;
	unsigned int seed;
	unsigned long done, failed;
	char why[256];
	struct {
		struct ibv_mr *mr;
		bool explicit_api;
	} held[HELD];
};

static void fail(struct worker *w, const char *what)
{
	if (!w->failed++)
		snprintf(w->why, sizeof(w->why), "%s: %s", what, strerror(errno));
}

static struct ibv_mr *range_reg(void *addr, size_t len)
{
	struct fp_reg_args a = {
		.kind = FP_REG_MR_IOVA2, .pd = (struct ibv_pd *)&dummy_pd,
		.addr = addr, .length = len, .iova = (uintptr_t)addr,
	};

	return fp_range_reg(ctx, &a);
}

static void drop(struct worker *w, int i)
{
	int err;

	if (!w->held[i].mr)
		return;
	if (w->held[i].explicit_api)
		err = filepin_dereg_mr(ctx, w->held[i].mr);
	else
		err = fp_range_dereg(ctx, w->held[i].mr);
	if (err) {
		errno = err < 0 ? -err : err;
		fail(w, "dereg");
	}
	w->held[i].mr = NULL;
}

static void keep(struct worker *w, struct ibv_mr *mr, bool explicit_api)
{
	int i = (int)(rand_r(&w->seed) % HELD);

	drop(w, i);
	w->held[i].mr = mr;
	w->held[i].explicit_api = explicit_api;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	char *anon = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int it, i;

	for (it = 0; it < iterations; it++) {
		unsigned int r = (unsigned int)rand_r(&w->seed);
		int f = (int)(r / 8 % NFILES);
		size_t pages = FILE_SIZE / 4096;
		size_t first = (size_t)rand_r(&w->seed) % pages;
		size_t n = 1 + (size_t)rand_r(&w->seed) % (pages - first);
		struct ibv_mr *mr = NULL;
		void *p;

		switch (r % 6) {
		case 0:
		case 1:
			mr = range_reg(maps[f] + first * 4096, n * 4096);
			if (!mr)
				fail(w, "register a range of a shared DAX mapping");
			else
				keep(w, mr, false);
			break;
		case 2:
			mr = range_reg(anon + (r % 200) * 4096, 4096);
			if (!mr || fp_range_dereg(ctx, mr))
				fail(w, "register anonymous memory");
			break;
		case 3:
			p = mmap(NULL, n * 4096, PROT_READ, MAP_SHARED, fds[f],
				 (off_t)(first * 4096));
			if (p == MAP_FAILED) {
				fail(w, "mmap");
				break;
			}
			mr = range_reg(p, n * 4096);
			if (!mr)
				fail(w, "register a fresh mapping");
			else if (fp_range_dereg(ctx, mr))
				fail(w, "dereg a fresh mapping");
			munmap(p, n * 4096);
			break;
		case 4:
			if (filepin_reg_mr(ctx, (struct ibv_pd *)&dummy_pd, fds[f],
					   first * 4096 + 17, n * 4096 - 17, 0, 0, 0, &mr))
				fail(w, "filepin_reg_mr");
			else
				keep(w, mr, true);
			break;
		case 5:
			drop(w, (int)(r / 64 % HELD));
			break;
		}
		w->done++;
	}
	for (i = 0; i < HELD; i++)
		drop(w, i);
	munmap(anon, 1 << 20);
	return NULL;
}

int main(void)
{
	struct worker workers[NTHREADS];
	char *dir, *paths[NFILES];
	int i, fds0, locks0;
	unsigned long failed = 0, done = 0;
	const char *env = getenv("FILEPIN_TEST_ITERATIONS");

	if (env && atoi(env) > 0)
		iterations = atoi(env);
	dir = make_tmpdir();
	if (!dir)
		bail("cannot make a temporary directory");
	for (i = 0; i < NFILES; i++) {
		char name[16];

		snprintf(name, sizeof(name), "dax%d", i);
		paths[i] = make_file(dir, name, FILE_SIZE);
		fds[i] = paths[i] ? open(paths[i], O_RDONLY | O_CLOEXEC) : -1;
		if (fds[i] < 0)
			bail("cannot make %s", name);
		maps[i] = mmap(NULL, FILE_SIZE, PROT_READ, MAP_SHARED, fds[i], 0);
		if (maps[i] == MAP_FAILED)
			bail("mmap: %s", strerror(errno));
		fake_add_dax(fds[i]);
	}
	if (fcntl(fds[0], F_SETLEASE, F_RDLCK))
		skip_all("no read leases on %s (%s): the fake kernel needs them", dir,
			 strerror(errno));
	fcntl(fds[0], F_SETLEASE, F_UNLCK);
	ctx = fake_ctx();
	if (!ctx)
		bail("no context");
	filepin_set_log_priority(ctx, LOG_ERR);
	fds0 = count_fds();
	locks0 = count_proc_locks();

	memset(workers, 0, sizeof(workers));
	for (i = 0; i < NTHREADS; i++) {
		workers[i].seed = (unsigned int)i * 7919u + 1;
		if (pthread_create(&workers[i].thread, NULL, work, &workers[i]))
			bail("pthread_create");
	}
	for (i = 0; i < NTHREADS; i++) {
		pthread_join(workers[i].thread, NULL);
		failed += workers[i].failed;
		done += workers[i].done;
		if (workers[i].failed)
			diag("thread %d: %lu failures, first: %s", i, workers[i].failed,
			     workers[i].why);
	}
	ok(done == (unsigned long)NTHREADS * (unsigned long)iterations,
	   "%d threads x %d operations done", NTHREADS, iterations);
	is_int(failed, 0, "no operation failed");
	is_int(fake.violations, 0, "no MR outlived its lease");
	is_int(fake.nlive, 0, "no MR left registered");
	ok(fake.leases_taken > 0 && fake.leases_taken == fake.leases_released,
	   "every lease taken (%lu) was released", fake.leases_taken);
	fp_lock(ctx);
	is_int(ctx->leases.n, 0, "lease table empty");
	is_int(ctx->mrs.n, 0, "MR table empty");
	fp_unlock(ctx);
	is_int(fake_leases_held(), 0, "the kernel sees no lease");
	is_int(count_fds(), fds0, "fd count as before");
	is_int(count_proc_locks(), locks0, "/proc/locks as before");
	filepin_ctx_unref(ctx);
	for (i = 0; i < NFILES; i++) {
		munmap(maps[i], FILE_SIZE);
		close(fds[i]);
		unlink(paths[i]);
		free(paths[i]);
	}
	rmdir(dir);
	free(dir);
	return done_testing();
}
