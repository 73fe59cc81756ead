// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * An ordinary ibverbs program, built against the real <infiniband/verbs.h>
 * and knowing nothing of libfilepin, for interpose.test: it registers a
 * MAP_SHARED mapping of a (fake) DAX file through every path the header
 * offers - ibv_reg_mr() with constant access (calls ibv_reg_mr), with
 * access not known at compile time (calls ibv_reg_mr_iova2), ibv_reg_mr_iova()
 * (calls ibv_reg_mr_iova), ibv_reg_mr_iova2() - plus anonymous memory, a
 * plain file and ibv_rereg_mr(), and prints TAP.
 *
 *   interpose-prog filepin|none|ERRNO DAXFILE PLAINFILE
 *
 * "filepin": expect the DAX registrations to work, with the lease held
 * exactly while an MR uses the file; "none": expect EPERM (no library);
 * a number: expect that errno (the library refusing, e.g. 95 EOPNOTSUPP).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#define LEN (1u << 20)

static int n, failed;

static void check(int cond, const char *what)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

static int (*lease_held)(dev_t, ino_t);
static int (*maps_opens)(void);
static struct stat dax_st;

static int held(void)
{
	return lease_held && lease_held(dax_st.st_dev, dax_st.st_ino);
}

static void *map_file(const char *path, struct stat *st)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	void *p;

	if (fd < 0 || fstat(fd, st) || ftruncate(fd, LEN)) {
		printf("Bail out! %s: %s\n", path, strerror(errno));
		exit(1);
	}
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		printf("Bail out! mmap %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	volatile int runtime_access = IBV_ACCESS_LOCAL_WRITE;
	struct ibv_mr *mr[4], *anon_mr, *plain_mr;
	struct ibv_device **list;
	struct ibv_context *ctx;
	struct stat plain_st;
	struct ibv_pd *pd;
	void *dax, *plain, *anon;
	int expect, want_errno, i, err[4], opens;
	char what[128];

	if (argc != 4) {
		fprintf(stderr, "usage: interpose-prog filepin|none|ERRNO DAXFILE PLAINFILE\n");
		return 2;
	}
	expect = !strcmp(argv[1], "filepin");
	want_errno = !strcmp(argv[1], "none") ? EPERM : atoi(argv[1]);
	*(void **)&lease_held = dlsym(RTLD_DEFAULT, "fake_kernel_lease_held");
	*(void **)&maps_opens = dlsym(RTLD_DEFAULT, "fake_kernel_maps_opens");
	if (!lease_held || !maps_opens) {
		printf("Bail out! fake-kernel.so is not preloaded\n");
		return 1;
	}
	dax = map_file(argv[2], &dax_st);
	plain = map_file(argv[3], &plain_st);
	anon = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	list = ibv_get_device_list(NULL);
	ctx = ibv_open_device(list[0]);
	pd = ibv_alloc_pd(ctx);
	ibv_free_device_list(list);

	/* holding no lease: nothing to look up for memory the kernel accepts */
	opens = maps_opens();
	anon_mr = ibv_reg_mr(pd, anon, LEN, IBV_ACCESS_LOCAL_WRITE);
	check(anon_mr != NULL, "anonymous memory registers");
	plain_mr = ibv_reg_mr(pd, plain, LEN, IBV_ACCESS_LOCAL_WRITE);
	check(plain_mr != NULL, "a page-cache file registers");
	snprintf(what, sizeof(what),
		 "... without opening /proc/self/maps (%d opens)",
		 maps_opens() - opens);
	check(maps_opens() == opens, what);

	errno = 0;
	mr[0] = ibv_reg_mr(pd, dax, LEN, IBV_ACCESS_LOCAL_WRITE);
	err[0] = errno;
	mr[1] = ibv_reg_mr(pd, dax, LEN / 2, runtime_access);
	err[1] = errno;
	mr[2] = ibv_reg_mr_iova(pd, (char *)dax + 4096, 4096, 0, IBV_ACCESS_LOCAL_WRITE);
	err[2] = errno;
	mr[3] = ibv_reg_mr_iova2(pd, dax, 8192, 4096, IBV_ACCESS_LOCAL_WRITE);
	err[3] = errno;
	for (i = 0; i < 4; i++) {
		static const char *const how[] = {
			"ibv_reg_mr(constant access) -> ibv_reg_mr",
			"ibv_reg_mr(access known at run time) -> ibv_reg_mr_iova2",
			"ibv_reg_mr_iova(constant access) -> ibv_reg_mr_iova",
			"ibv_reg_mr_iova2",
		};

		snprintf(what, sizeof(what), "%s of a DAX file %s %s", how[i],
			 expect ? "works" : "is refused with",
			 expect ? "" : strerror(want_errno));
		check(expect ? mr[i] != NULL : !mr[i] && err[i] == want_errno, what);
		if (!mr[i] && err[i] != want_errno)
			printf("# errno %d: %s\n", err[i], strerror(err[i]));
	}
	if (expect) {
		pid_t pid;
		int status = -1;

		check(held(), "the DAX file's lease is held while the MRs exist");
		/*
		 * A forked child registers the same file: under a lease of its
		 * own (the fake kernel gives the parent's lease to the parent
		 * only), and leaves the parent's alone.
		 */
		fflush(stdout);
		pid = fork();
		if (!pid) {
			struct ibv_mr *cmr = ibv_reg_mr(pd, dax, LEN, IBV_ACCESS_LOCAL_WRITE);

			if (!cmr) {
				printf("# child: ibv_reg_mr: %s\n", strerror(errno));
				fflush(stdout);
				_exit(1);
			}
			_exit(held() && !ibv_dereg_mr(cmr) && !held() ? 0 : 2);
		}
		if (pid > 0)
			waitpid(pid, &status, 0);
		check(pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "a forked child registers the DAX file under a lease of its own, released with its MR");
		check(held(), "the parent's lease survives the child");
	}

	for (i = 0; i < 4; i++) {
		if (!mr[i])
			continue;
		if (i == 3)
			check(held(), "the lease is still held by the last MR");
		check(!ibv_dereg_mr(mr[i]), "ibv_dereg_mr");
	}
	check(!held(), "no lease once no MR uses the DAX file");

	if (plain_mr) {
		int ret = ibv_rereg_mr(plain_mr, IBV_REREG_MR_CHANGE_TRANSLATION, pd, dax,
				   LEN, IBV_ACCESS_LOCAL_WRITE);
		snprintf(what, sizeof(what), "ibv_rereg_mr onto the DAX file %s",
			 expect ? "works and takes the lease" : "is refused");
		check(expect ? !ret && held() : ret != 0, what);
		check(!ibv_dereg_mr(plain_mr), "ibv_dereg_mr of the rereg'd MR");
		check(!held(), "its lease is gone");
	}
	if (anon_mr)
		check(!ibv_dereg_mr(anon_mr), "ibv_dereg_mr of anonymous memory");

	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	munmap(dax, LEN);
	munmap(plain, LEN);
	munmap(anon, LEN);
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
