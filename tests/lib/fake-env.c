// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fake kernel and RDMA device of the host tests (fake-env.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fake-env.h"

#undef ibv_reg_mr
#undef ibv_reg_mr_iova

struct fake_env fake = { .lock = PTHREAD_MUTEX_INITIALIZER, .reg_check = true };

static struct ibv_device fake_device = { .name = "fake0" };
static struct ibv_context fake_context = { .device = &fake_device };
static uint32_t next_key;

static char log_buf[65536];
static size_t log_len;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* The fake's own locks are fork-safe, so that only the library's are tested. */
static void fake_prepare(void)
{
	pthread_mutex_lock(&fake.lock);
	pthread_mutex_lock(&log_lock);
}

static void fake_after(void)
{
	pthread_mutex_unlock(&log_lock);
	pthread_mutex_unlock(&fake.lock);
}

static __attribute__((constructor)) void fake_init(void)
{
	pthread_atfork(fake_prepare, fake_after, fake_after);
}

void fake_reset(void)
{
	pthread_mutex_lock(&fake.lock);
	fake.ndax = 0;
	fake.lease_errno = 0;
	fake.lease_fail_ino = 0;
	fake.reg_errno = 0;
	fake.dereg_errno = 0;
	fake.rereg_ret = 0;
	fake.reg_check = true;
	fake.rule = FAKE_RULE_PID;
	fake.reg_calls = fake.dereg_calls = fake.rereg_calls = 0;
	fake.leases_taken = fake.leases_released = 0;
	fake.violations = 0;
	pthread_mutex_unlock(&fake.lock);
}

static bool is_dax_ino(ino_t ino)
{
	int i;

	for (i = 0; i < fake.ndax; i++)
		if (fake.dax[i] == ino)
			return true;
	return false;
}

/* Whether @fd is open here on inode @ino with a lease on its description. */
static bool fd_leased(int fd, ino_t ino)
{
	struct stat st;

	return !fstat(fd, &st) && st.st_ino == ino &&
	       fcntl(fd, F_GETLEASE) == F_RDLCK;
}

static bool held_ino(ino_t ino)
{
	int i;

	for (i = 0; i < fake.nheld; i++) {
		if (fake.held[i].ino != ino)
			continue;
		if (fake.rule == FAKE_RULE_PID ? fake.held[i].pid == getpid() :
		    fd_leased(fake.held[i].fd, ino))
			return true;
	}
	return false;
}

void fake_add_dax(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return;
	pthread_mutex_lock(&fake.lock);
	if (!is_dax_ino(st.st_ino) && fake.ndax < FAKE_MAX)
		fake.dax[fake.ndax++] = st.st_ino;
	pthread_mutex_unlock(&fake.lock);
}

int fake_leases_held(void)
{
	int n;

	pthread_mutex_lock(&fake.lock);
	n = fake.nheld;
	pthread_mutex_unlock(&fake.lock);
	return n;
}

static int fake_is_dax(struct filepin_ctx *ctx, int fd)
{
	struct stat st;
	bool dax;

	if (fstat(fd, &st))
		return -errno;
	pthread_mutex_lock(&fake.lock);
	dax = is_dax_ino(st.st_ino);
	pthread_mutex_unlock(&fake.lock);
	return dax;
}

static int fake_set_lease(struct filepin_ctx *ctx, int fd, int arg)
{
	struct stat st;
	int i, err = 0;

	if (fstat(fd, &st))
		return -errno;
	pthread_mutex_lock(&fake.lock);
	if (arg == FP_LEASE_ARG) {
		if (fake.lease_errno &&
		    (!fake.lease_fail_ino || fake.lease_fail_ino == st.st_ino)) {
			err = -fake.lease_errno;
		} else if (fcntl(fd, F_SETLEASE, F_RDLCK)) {
			err = -errno;
		} else if (fake.nheld < FAKE_MAX) {
			fake.held[fake.nheld].fd = fd;
			fake.held[fake.nheld].ino = st.st_ino;
			fake.held[fake.nheld].pid = getpid();
			fake.nheld++;
			fake.leases_taken++;
		}
	} else if (arg == F_UNLCK) {
		if (fcntl(fd, F_SETLEASE, F_UNLCK))
			err = -errno;
		for (i = 0; i < fake.nheld; i++) {
			if (fake.held[i].fd == fd) {
				fake.held[i] = fake.held[--fake.nheld];
				fake.leases_released++;
				break;
			}
		}
	} else {
		err = -EINVAL;
	}
	pthread_mutex_unlock(&fake.lock);
	return err;
}

const struct fp_ops fake_ops = {
	.is_dax = fake_is_dax,
	.set_lease = fake_set_lease,
	.maps_path = "/proc/self/maps",
};

/* The "DAX" inodes mapped in [addr, addr + len); -1 if one has no lease. */
static int dax_inodes(void *addr, size_t len, ino_t *ino, int max)
{
	uint64_t start = (uintptr_t)addr, end = start + len;
	struct fp_maps maps;
	int n = 0, unleased = 0;
	size_t i;

	if (fp_maps_read("/proc/self/maps", &maps))
		return -2;
	for (i = fp_maps_first(&maps, start); i < maps.n && maps.vma[i].start < end; i++) {
		const struct fp_vma *v = &maps.vma[i];

		if (!v->ino || !is_dax_ino((ino_t)v->ino))
			continue;
		if (!held_ino((ino_t)v->ino))
			unleased = 1;
		if (n < max)
			ino[n++] = (ino_t)v->ino;
	}
	fp_maps_release(&maps);
	return unleased ? -1 : n;
}

static struct ibv_mr *fake_reg_iova2(struct ibv_pd *pd, void *addr, size_t length,
				     uint64_t iova, unsigned int access)
{
	struct ibv_mr *mr = NULL;
	ino_t ino[8];
	int n = 0;

	pthread_mutex_lock(&fake.lock);
	fake.reg_calls++;
	if (fake.reg_errno) {
		errno = fake.reg_errno;
		goto out;
	}
	if (fake.reg_check && !(access & IBV_ACCESS_ON_DEMAND)) {
		n = dax_inodes(addr, length, ino, 8);
		if (n < 0) {
			errno = n == -1 ? EPERM : EFAULT;
			goto out;
		}
	}
	mr = calloc(1, sizeof(*mr));
	if (!mr) {
		errno = ENOMEM;
		goto out;
	}
	fake.last_iova = iova;
	mr->context = &fake_context;
	mr->pd = pd;
	mr->addr = addr;
	mr->length = length;
	mr->handle = ++next_key;
	mr->lkey = 0x1000 + next_key;
	mr->rkey = 0x2000 + next_key;
	if (fake.nlive < FAKE_MAX * 4) {
		fake.live[fake.nlive].mr = mr;
		memcpy(fake.live[fake.nlive].ino, ino, sizeof(ino));
		fake.live[fake.nlive].n = n;
		fake.nlive++;
	}
out:
	pthread_mutex_unlock(&fake.lock);
	return mr;
}

static struct ibv_mr *fake_reg_mr(struct ibv_pd *pd, void *addr, size_t length,
				  int access)
{
	return fake_reg_iova2(pd, addr, length, (uintptr_t)addr, (unsigned int)access);
}

static struct ibv_mr *fake_reg_iova(struct ibv_pd *pd, void *addr, size_t length,
				    uint64_t iova, int access)
{
	return fake_reg_iova2(pd, addr, length, iova, (unsigned int)access);
}

static int fake_dereg(struct ibv_mr *mr)
{
	int i, j;

	pthread_mutex_lock(&fake.lock);
	fake.dereg_calls++;
	if (fake.dereg_errno) {
		pthread_mutex_unlock(&fake.lock);
		return fake.dereg_errno;
	}
	for (i = 0; i < fake.nlive; i++) {
		if (fake.live[i].mr != mr)
			continue;
		/* rule 2 from the other side: the lease outlived the MR */
		for (j = 0; j < fake.live[i].n; j++)
			if (!held_ino(fake.live[i].ino[j]))
				fake.violations++;
		fake.live[i] = fake.live[--fake.nlive];
		break;
	}
	pthread_mutex_unlock(&fake.lock);
	free(mr);
	return 0;
}

static int fake_rereg(struct ibv_mr *mr, int flags, struct ibv_pd *pd,
		      void *addr, size_t length, int access)
{
	int ret;

	pthread_mutex_lock(&fake.lock);
	fake.rereg_calls++;
	ret = fake.rereg_ret;
	if (!ret && (flags & IBV_REREG_MR_CHANGE_TRANSLATION)) {
		mr->addr = addr;
		mr->length = length;
	}
	pthread_mutex_unlock(&fake.lock);
	return ret;
}

const struct fp_verbs fake_verbs = {
	.reg_mr = fake_reg_mr,
	.reg_mr_iova = fake_reg_iova,
	.reg_mr_iova2 = fake_reg_iova2,
	.dereg_mr = fake_dereg,
	.rereg_mr = fake_rereg,
};

int count_fds(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc/self/fd");

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own */
}

int count_proc_locks(void)
{
	char line[512], word[5][32];
	FILE *f = fopen("/proc/locks", "re");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %31s %31s %31s %31s", word[0], word[1],
			   word[2], word[3], word[4]) == 5 &&
		    !strcmp(word[1], "LEASE") && atoi(word[4]) == getpid())
			n++;
	fclose(f);
	return n;
}

char *make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *dir;

	if (asprintf(&dir, "%s/filepin-test.XXXXXX", t && *t ? t : "/tmp") < 0)
		return NULL;
	if (!mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

char *make_file(const char *dir, const char *name, size_t size)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		if (fd >= 0)
			close(fd);
		free(path);
		return NULL;
	}
	close(fd);
	return path;
}

static __attribute__((format(printf, 6, 0)))
void log_to_buf(struct filepin_ctx *ctx, int priority, const char *file,
		int line, const char *fn, const char *format, va_list args)
{
	size_t room;

	pthread_mutex_lock(&log_lock);
	room = sizeof(log_buf) - log_len;
	if (room > 2) {
		int n;

		/* the message, cut to leave room for a newline and the NUL */
		n = vsnprintf(log_buf + log_len, room - 1, format, args);
		if (n < 0)
			n = 0;
		if ((size_t)n > room - 2)
			n = (int)(room - 2);
		log_len += (size_t)n;
		log_buf[log_len++] = '\n';
		log_buf[log_len] = 0;
	}
	pthread_mutex_unlock(&log_lock);
}

const char *fake_log_text(void)
{
	return log_buf;
}

void fake_log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_buf[0] = 0;
	pthread_mutex_unlock(&log_lock);
}

struct filepin_ctx *fake_ctx(void)
{
	struct filepin_ctx *ctx;

	if (filepin_ctx_new(&ctx))
		return NULL;
	fp_ctx_set_ops(ctx, &fake_ops);
	fp_ctx_set_verbs(ctx, &fake_verbs);
	filepin_set_log_fn(ctx, log_to_buf);
	filepin_set_log_priority(ctx, LOG_INFO);
	return ctx;
}
