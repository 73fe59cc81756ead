// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Leases and registrations on the fake kernel (fake-env.h): one lease per
 * inode shared by the MRs using it and released with the last; ranges over
 * several files; pass-through of anonymous and page-cache memory from the
 * cache; error rollback (open fds and /proc/locks unchanged, the real
 * registration not called); a stale cache; rereg; the explicit API.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fake-env.h"
#include "tap.h"

#define MiB (1024 * 1024)

static struct filepin_ctx *ctx;
static int dummy_pd;
#define PD ((struct ibv_pd *)&dummy_pd)

static struct ibv_mr *reg(void *addr, size_t len, unsigned int access)
{
	struct fp_reg_args a = {
		.kind = FP_REG_MR_IOVA2, .pd = PD, .addr = addr, .length = len,
		.iova = (uintptr_t)addr, .access = access,
	};

	return fp_range_reg(ctx, &a);
}

static size_t nleases(void)
{
	size_t n;

	fp_lock(ctx);
	n = ctx->leases.n;
	fp_unlock(ctx);
	return n;
}

static size_t nrecs(void)
{
	size_t n;

	fp_lock(ctx);
	n = ctx->mrs.n;
	fp_unlock(ctx);
	return n;
}

static unsigned long refs_of(int fd)
{
	struct fp_lease *l;
	struct stat st;
	unsigned long r = 0;

	fstat(fd, &st);
	fp_lock(ctx);
	for (l = ctx->leases.head; l; l = l->next)
		if (l->ino == st.st_ino)
			r = l->refs;
	fp_unlock(ctx);
	return r;
}

static int open_ro(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		bail("open %s: %s", path, strerror(errno));
	return fd;
}

static void *map(int fd, size_t len, off_t off, void *at)
{
	void *p = mmap(at, len, PROT_READ, MAP_SHARED | (at ? MAP_FIXED : 0), fd, off);

	if (p == MAP_FAILED)
		bail("mmap: %s", strerror(errno));
	return p;
}

/* mappings of the inode of @fd in this process */
static int nmaps_of(int fd)
{
	struct fp_maps m;
	struct stat st;
	size_t i;
	int n = 0;

	fstat(fd, &st);
	if (fp_maps_read("/proc/self/maps", &m))
		return -1;
	for (i = 0; i < m.n; i++)
		if (m.vma[i].ino == st.st_ino)
			n++;
	fp_maps_release(&m);
	return n;
}

static void fill(const char *path, size_t len)
{
	unsigned char *buf = malloc(len);
	size_t i;
	int fd;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || pwrite(fd, buf, len, 0) != (ssize_t)len)
		bail("fill %s", path);
	close(fd);
	free(buf);
}

static void test_refcount(int fa)
{
	int fds0 = count_fds(), locks0 = count_proc_locks();
	void *a1 = map(fa, MiB, 0, NULL), *a2 = map(fa, MiB, MiB, NULL);
	struct ibv_mr *m1, *m2, *m3;

	m1 = reg(a1, MiB, IBV_ACCESS_LOCAL_WRITE);
	ok(m1, "MR over a DAX file mapping");
	is_int(nleases(), 1, "one lease");
	is_int(fake_leases_held(), 1, "the kernel sees one lease");
	is_int(count_proc_locks(), locks0 + 1, "/proc/locks shows it");
	is_int(count_fds(), fds0 + 1, "one fd holds it");
	m2 = reg(a2, MiB, IBV_ACCESS_LOCAL_WRITE);
	m3 = reg((char *)a1 + 4096, 8192, IBV_ACCESS_LOCAL_WRITE);
	ok(m2 && m3, "two more MRs on the same file (another mapping, a sub-range)");
	is_int(nleases(), 1, "still one lease");
	is_int(refs_of(fa), 3, "referenced by three MRs");
	is_int(count_fds(), fds0 + 1, "still one fd");
	is_int(fake.leases_taken, 1, "F_SETLEASE called once");
	is_int(fp_range_dereg(ctx, m1), 0, "dereg of the first");
	is_int(refs_of(fa), 2, "two references left");
	is_int(fake_leases_held(), 1, "lease kept");
	fp_range_dereg(ctx, m3);
	is_int(fake_leases_held(), 1, "lease kept by the last MR");
	fp_range_dereg(ctx, m2);
	is_int(nleases(), 0, "the last dereg releases the lease");
	is_int(fake_leases_held(), 0, "the kernel sees no lease");
	is_int(count_proc_locks(), locks0, "/proc/locks as before");
	is_int(count_fds(), fds0, "the fd is closed");
	is_int(nrecs(), 0, "no record left");
	is_int(fake.violations, 0, "no MR outlived its lease");
	munmap(a1, MiB);
	munmap(a2, MiB);
}

static void test_two_files(int fa, int fb)
{
	char *base = mmap(NULL, 2 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct fp_mr_rec *rec;
	struct ibv_mr *mr;

	map(fa, MiB, 2 * MiB, base);
	map(fb, MiB, 0, base + MiB);
	mr = reg(base + MiB / 2, MiB, 0);
	ok(mr, "one MR over the end of one DAX file and the start of another");
	is_int(nleases(), 2, "two leases");
	fp_lock(ctx);
	rec = fp_mr_table_find(&ctx->mrs, mr);
	ok(rec && rec->npins == 2 &&
	   rec->pins[0].offset == 2 * MiB + MiB / 2 && rec->pins[0].length == MiB / 2 &&
	   rec->pins[1].offset == 0 && rec->pins[1].length == MiB / 2,
	   "file ranges recorded: A %u+%u, B 0+%u", 2 * MiB + MiB / 2, MiB / 2, MiB / 2);
	fp_unlock(ctx);
	fp_range_dereg(ctx, mr);
	is_int(nleases(), 0, "both released");
	munmap(base, 2 * MiB);
}

static void test_passthrough(int fp)
{
	char *anon = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	void *plain = map(fp, MiB, 0, NULL);
	unsigned long reads, hits;
	struct ibv_mr *m1, *m2;

	/* holding no lease: the kernel is asked first, the maps never read */
	reads = ctx->maps.reads;
	hits = ctx->maps.hits;
	m1 = reg(anon, MiB, IBV_ACCESS_LOCAL_WRITE);
	ok(m1, "anonymous memory registers");
	is_int(nleases(), 0, "no lease");
	is_int(nrecs(), 0, "not even recorded");
	ok(ctx->maps.reads == reads && ctx->maps.hits == hits,
	   "a registration the kernel accepts without a lease reads no maps (reads %lu -> %lu)",
	   reads, ctx->maps.reads);
	m2 = reg(anon + 4096, 4096, IBV_ACCESS_LOCAL_WRITE);
	ok(m2 && ctx->maps.reads == reads, "again: maps not read");
	fp_range_dereg(ctx, m1);
	fp_range_dereg(ctx, m2);

	m1 = reg(plain, MiB, 0);
	ok(m1, "a page-cache (not DAX) file mapping registers");
	is_int(nleases(), 0, "no lease");
	ok(ctx->maps.reads == reads, "... without reading the maps");
	m2 = reg(plain, 4096, 0);
	ok(m2 && ctx->maps.reads == reads, "the second time neither");
	fp_range_dereg(ctx, m1);
	fp_range_dereg(ctx, m2);
	munmap(anon, MiB);
	munmap(plain, MiB);
}

static void test_rollback(int fa, int fb)
{
	char *base = mmap(NULL, 2 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fds0, locks0, maps0;
	unsigned long calls;
	struct stat st;
	struct ibv_mr *mr;

	map(fa, MiB, 0, base);
	map(fb, MiB, 0, base + MiB);
	fstat(fb, &st);
	fds0 = count_fds();
	locks0 = count_proc_locks();

	/* the second file's lease is refused: the first one's is given back */
	fake.lease_errno = EACCES;
	fake.lease_fail_ino = st.st_ino;
	calls = fake.reg_calls;
	fake_log_clear();
	errno = 0;
	mr = reg(base, 2 * MiB, 0);
	ok(!mr && errno == EACCES, "lease refused on the second file: EACCES");
	ok(strstr(fake_log_text(), "CAP_LEASE"), "the log says what to do about it");
	is_int(fake.reg_calls, calls + 1,
	       "the real registration was tried first, not again after the refused lease");
	is_int(fake.leases_taken, fake.leases_released, "the first file's lease was released");
	is_int(nleases(), 0, "no lease in the table");
	is_int(count_fds(), fds0, "fd count unchanged");
	is_int(count_proc_locks(), locks0, "/proc/locks unchanged");

	/* a stock kernel: EINVAL */
	fake.lease_errno = EINVAL;
	fake.lease_fail_ino = 0;
	fake_log_clear();
	errno = 0;
	mr = reg(base, MiB, 0);
	ok(!mr && errno == EOPNOTSUPP, "kernel without filepin: EOPNOTSUPP");
	ok(strstr(fake_log_text(), "lacks filepin"), "the log says the kernel lacks filepin");
	is_int(count_fds(), fds0, "fd count unchanged");
	fake.lease_errno = 0;

	/* the real registration fails */
	fake.reg_errno = EFAULT;
	errno = 0;
	mr = reg(base, 2 * MiB, 0);
	ok(!mr && errno == EFAULT, "real registration fails: its errno comes through");
	is_int(nleases(), 0, "leases released");
	is_int(fake_leases_held(), 0, "the kernel sees none");
	is_int(count_fds(), fds0, "fd count unchanged");
	is_int(count_proc_locks(), locks0, "/proc/locks unchanged");
	fake.reg_errno = 0;

	/* EPERM from the kernel though we hold the lease: retried once, then given up */
	fake.reg_errno = EPERM;
	calls = fake.reg_calls;
	mr = reg(base, MiB, 0);
	ok(!mr && errno == EPERM && fake.reg_calls == calls + 3,
	   "EPERM: tried first, then two fresh looks, then EPERM");
	is_int(count_fds(), fds0, "fd count unchanged");
	fake.reg_errno = 0;

	/* explicit API failures */
	maps0 = nmaps_of(fa);
	fake.lease_errno = EACCES;
	is_int(filepin_reg_mr(ctx, PD, fa, 0, MiB, 0, 0, 0, &mr), -EACCES,
	       "filepin_reg_mr: lease refused, -EACCES");
	is_int(nmaps_of(fa), maps0, "... no mapping left behind");
	is_int(count_fds(), fds0, "... fd count unchanged");
	fake.lease_errno = 0;
	fake.reg_errno = ENOMEM;
	is_int(filepin_reg_mr(ctx, PD, fa, 0, MiB, 0, 0, 0, &mr), -ENOMEM,
	       "filepin_reg_mr: registration fails, its error comes through");
	is_int(nmaps_of(fa), maps0, "... mapping removed");
	is_int(nleases(), 0, "... lease released");
	is_int(count_fds(), fds0, "... fd count unchanged");
	is_int(count_proc_locks(), locks0, "... /proc/locks unchanged");
	fake.reg_errno = 0;
	fake_log_clear();
	is_int(filepin_reg_mr(ctx, PD, fa, 0, MiB, IBV_ACCESS_LOCAL_WRITE, 0, 0, &mr), -EACCES,
	       "filepin_reg_mr: writable access on a read-only fd is -EACCES");
	ok(strstr(fake_log_text(), "read-write"), "... and the log says why");
	is_int(nleases(), 0, "... lease released");
	is_int(count_fds(), fds0, "... fd count unchanged");
	munmap(base, 2 * MiB);
}

static void test_stale_cache(int fa)
{
	char *anon = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long calls;
	struct ibv_mr *mr;

	mr = reg(anon, MiB, 0);
	fp_range_dereg(ctx, mr);
	/* the cache now says: anonymous.  Put a DAX file there. */
	map(fa, MiB, 0, anon);
	calls = fake.reg_calls;
	mr = reg(anon, MiB, 0);
	ok(mr, "a DAX file mapped where the cache saw anonymous memory registers");
	is_int(fake.reg_calls, calls + 2, "after the kernel refused the cached answer once");
	is_int(nleases(), 1, "with its lease");
	fp_range_dereg(ctx, mr);
	is_int(nleases(), 0, "released");
	munmap(anon, MiB);
}

static void test_odp(int fa)
{
	void *a = map(fa, MiB, 0, NULL);
	struct ibv_mr *mr = reg(a, MiB, IBV_ACCESS_ON_DEMAND);

	ok(mr && nleases() == 0, "on-demand paging takes no lease");
	fp_range_dereg(ctx, mr);
	munmap(a, MiB);
}

static void test_rereg(int fa, int fb)
{
	void *a = map(fa, MiB, 0, NULL), *b = map(fb, MiB, 0, NULL);
	struct ibv_mr *mr = reg(a, MiB, 0);

	ok(mr && refs_of(fa) == 1, "MR on A");
	fake.rereg_ret = 0;
	is_int(fp_range_rereg(ctx, mr, IBV_REREG_MR_CHANGE_TRANSLATION, PD, b, MiB, 0), 0,
	       "rereg to B");
	ok(refs_of(fa) == 0 && refs_of(fb) == 1, "lease moved from A to B");
	fake.rereg_ret = IBV_REREG_MR_ERR_INPUT;
	fp_range_rereg(ctx, mr, IBV_REREG_MR_CHANGE_TRANSLATION, PD, a, MiB, 0);
	ok(refs_of(fa) == 0 && refs_of(fb) == 1 && fake_leases_held() == 1,
	   "failed rereg (old translation stays): lease stays on B only");
	fake.rereg_ret = IBV_REREG_MR_ERR_CMD;
	fp_range_rereg(ctx, mr, IBV_REREG_MR_CHANGE_TRANSLATION, PD, a, MiB, 0);
	ok(refs_of(fa) == 1 && refs_of(fb) == 1,
	   "rereg failed in an unknown state: both leases kept");
	fake.rereg_ret = 0;
	is_int(fp_range_rereg(ctx, mr, IBV_REREG_MR_CHANGE_ACCESS, PD, NULL, 0, 0), 0,
	       "rereg of the access only");
	ok(refs_of(fa) == 1 && refs_of(fb) == 1, "... changes no lease");
	fp_range_dereg(ctx, mr);
	is_int(nleases(), 0, "dereg releases both");

	/* a failing dereg keeps everything */
	mr = reg(a, MiB, 0);
	fake.dereg_errno = EBUSY;
	is_int(fp_range_dereg(ctx, mr), EBUSY, "dereg failing with EBUSY");
	ok(nleases() == 1 && nrecs() == 1, "... keeps the lease and the record");
	fake.dereg_errno = 0;
	is_int(fp_range_dereg(ctx, mr), 0, "dereg");
	is_int(nleases(), 0, "released");
	munmap(a, MiB);
	munmap(b, MiB);
}

static void test_explicit(int fa, int fp, const char *path_a)
{
	int fds0 = count_fds(), pipefd[2];
	struct ibv_mr *m1 = NULL, *m2 = NULL;
	unsigned char want[5000];
	size_t i;
	int err;

	for (i = 0; i < sizeof(want); i++)
		want[i] = (unsigned char)((3 * 4096 + 100 + i) * 7 + 3);
	err = filepin_reg_mr(ctx, PD, fa, 3 * 4096 + 100, 5000, 0, 0, 0, &m1);
	is_int(err, 0, "filepin_reg_mr of an unaligned file range");
	if (!m1)
		bail("cannot go on");
	ok(m1->length == 5000 && !memcmp(m1->addr, want, sizeof(want)),
	   "the MR maps the file bytes at that offset");
	is_int(fake.last_iova, (uintptr_t)m1->addr, "iova defaults to the address");
	err = filepin_reg_mr(ctx, PD, fa, 0, 4096, 0, FILEPIN_REG_IOVA, 12345, &m2);
	ok(!err && fake.last_iova == 12345, "FILEPIN_REG_IOVA passes the iova");
	ok(nleases() == 1 && refs_of(fa) == 2, "one lease, two references");
	is_int(count_fds(), fds0 + 1, "one extra fd");
	is_int(nmaps_of(fa), 2, "two mappings");
	is_int(filepin_dereg_mr(ctx, m1), 0, "filepin_dereg_mr");
	is_int(filepin_dereg_mr(ctx, m2), 0, "filepin_dereg_mr of the other");
	is_int(nmaps_of(fa), 0, "mappings removed");
	is_int(nleases(), 0, "lease released");
	is_int(count_fds(), fds0, "fd closed");
	is_int(filepin_dereg_mr(ctx, m1), -ENOENT, "dereg of an unknown MR: -ENOENT");

	fake_log_clear();
	is_int(filepin_reg_mr(ctx, PD, fp, 0, 4096, 0, 0, 0, &m1), -EOPNOTSUPP,
	       "a file that is not DAX: -EOPNOTSUPP");
	ok(strstr(fake_log_text(), "not a DAX file"), "... and the log says so");
	if (pipe2(pipefd, O_CLOEXEC))
		bail("pipe");
	is_int(filepin_reg_mr(ctx, PD, pipefd[0], 0, 4096, 0, 0, 0, &m1), -EINVAL,
	       "a pipe: -EINVAL");
	close(pipefd[0]);
	close(pipefd[1]);
	is_int(filepin_reg_mr(ctx, PD, fa, 4 * MiB - 4096, 8192, 0, 0, 0, &m1), -EINVAL,
	       "a range beyond the end of the file: -EINVAL");
	is_int(filepin_reg_mr(ctx, PD, fa, 0, 0, 0, 0, 0, &m1), -EINVAL, "length 0: -EINVAL");
	is_int(filepin_reg_mr(ctx, PD, fa, 0, 4096, 0, 0x80, 0, &m1), -EINVAL,
	       "unknown flags: -EINVAL");
	is_int(filepin_reg_mr(ctx, PD, -1, 0, 4096, 0, 0, 0, &m1), -EINVAL, "fd -1: -EINVAL");
	is_int(filepin_reg_mr(ctx, PD, fa, UINT64_MAX - 10, 4096, 0, 0, 0, &m1), -EINVAL,
	       "a wrapping range: -EINVAL");
	is_int(count_fds(), fds0, "no fd leaked by the failures");
	is_int(nleases(), 0, "no lease");
	(void)path_a;
}

/* A program that closes our lease fd, then reuses the number for a file. */
static void test_closed_behind(int fa, const char *other)
{
	void *a = map(fa, MiB, 0, NULL);
	struct ibv_mr *mr = reg(a, MiB, 0);
	struct stat want, got;
	int fd, again;

	fp_lock(ctx);
	fd = ctx->leases.head ? ctx->leases.head->fd : -1;
	fp_unlock(ctx);
	ok(mr && fd >= 0, "an MR and its lease fd %d", fd);
	close(fd);
	again = open(other, O_RDONLY | O_CLOEXEC);
	fstat(again, &want);
	ok(again == fd, "the program reuses the number for another file");
	fake_log_clear();
	fp_range_dereg(ctx, mr);
	ok(!fstat(again, &got) && got.st_ino == want.st_ino,
	   "dereg does not close the program's file");
	ok(strstr(fake_log_text(), "behind our back"), "... and warns that ours was closed");
	close(again);
	munmap(a, MiB);
	pthread_mutex_lock(&fake.lock);
	fake.nheld = 0;	/* the real read lease went with the close */
	pthread_mutex_unlock(&fake.lock);
}

static void test_ctx(int fa)
{
	struct filepin_ctx *c, *c2;
	struct ibv_mr *mr;
	unsigned long dereg;
	int fds0 = count_fds();

	is_int(filepin_ctx_new(NULL), -EINVAL, "filepin_ctx_new(NULL): -EINVAL");
	ok(filepin_ctx_unref(NULL) == NULL, "unref(NULL) is NULL");
	ok(filepin_ctx_ref(NULL) == NULL, "ref(NULL) is NULL");
	c = fake_ctx();
	ok(c, "a second context");
	c2 = filepin_ctx_ref(c);
	ok(c2 == c, "ref returns it");
	ok(filepin_ctx_unref(c) == c, "unref with a reference left returns it");
	filepin_set_userdata(c, &dummy_pd);
	ok(filepin_get_userdata(c) == &dummy_pd, "userdata");
	filepin_set_log_priority(c, LOG_DEBUG);
	is_int(filepin_get_log_priority(c), LOG_DEBUG, "log priority");
	ok(filepin_get_fd(c) >= 0, "an fd to poll");
	is_int(filepin_dispatch(c), 0, "dispatch with no daemon: nothing");
	is_int(filepin_reg_mr(c, PD, fa, 0, 4096, 0, 0, 0, &mr), 0, "an MR on it");
	dereg = fake.dereg_calls;
	ok(filepin_ctx_unref(c) == NULL, "the last unref frees it");
	is_int(fake.dereg_calls, dereg + 1, "... deregistering the MR left behind");
	is_int(fake_leases_held(), 0, "... and releasing its lease");
	is_int(count_fds(), fds0, "... and its fds");
}

int main(void)
{
	char *dir, *pa, *pb, *pp;
	int fa, fb, fp;

	dir = make_tmpdir();
	if (!dir)
		bail("cannot make a temporary directory");
	pa = make_file(dir, "a", 4 * MiB);
	pb = make_file(dir, "b", 4 * MiB);
	pp = make_file(dir, "plain", 4 * MiB);
	if (!pa || !pb || !pp)
		bail("cannot make files");
	fill(pa, 4 * MiB);
	fa = open_ro(pa);
	fb = open_ro(pb);
	fp = open_ro(pp);
	if (fcntl(fa, F_SETLEASE, F_RDLCK))
		skip_all("no read leases on %s (%s): the fake kernel needs them", dir,
			 strerror(errno));
	fcntl(fa, F_SETLEASE, F_UNLCK);
	fake_add_dax(fa);
	fake_add_dax(fb);

	ctx = fake_ctx();
	if (!ctx)
		bail("no context");
	test_refcount(fa);
	test_two_files(fa, fb);
	test_passthrough(fp);
	test_rollback(fa, fb);
	test_stale_cache(fa);
	test_odp(fa);
	test_rereg(fa, fb);
	test_explicit(fa, fp, pa);
	test_closed_behind(fa, pp);
	test_ctx(fa);
	is_int(fake.violations, 0, "no MR ever outlived its lease");
	filepin_ctx_unref(ctx);
	close(fa);
	close(fb);
	close(fp);
	unlink(pa);
	unlink(pb);
	unlink(pp);
	rmdir(dir);
	free(pa);
	free(pb);
	free(pp);
	free(dir);
	return done_testing();
}
