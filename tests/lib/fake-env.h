/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the host tests put under the library in place of a filepin kernel
 * and an RDMA device (the host has neither DAX nor F_LAYOUT leases):
 *  - fp_ops: "DAX" is a set of inodes the test chooses; the exclusive
 *    layout lease becomes a real read lease (F_RDLCK), so it shows in
 *    /proc/locks and goes away on close just like the real one; failures
 *    can be injected;
 *  - fp_verbs: registrations return heap MRs and, like the patched kernel
 *    (DESIGN.md rule 2), refuse with EPERM a range that maps a "DAX" inode
 *    this process holds no lease on.  Which process holds a lease follows
 *    fake.rule: FAKE_RULE_PID (the kernel's first rule: the process that
 *    took it; a forked child holds none) or FAKE_RULE_OFD (DESIGN.md: a
 *    leased open file description in the process's file table; a forked
 *    child that still has the descriptor holds it).
 * Files used with it must be opened read-only (a read lease conflicts with
 * writers, mappings included).
 */
#ifndef FILEPIN_TEST_FAKE_ENV_H
#define FILEPIN_TEST_FAKE_ENV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "filepin-private.h"

#define FAKE_MAX 256

enum fake_rule {
	FAKE_RULE_PID,
	FAKE_RULE_OFD,
};

struct fake_env {
	pthread_mutex_t lock;
	ino_t dax[FAKE_MAX];
	int ndax;
	int lease_errno;		/* F_SETLEASE of the layout lease fails */
	ino_t lease_fail_ino;		/* ... only on this inode (0: any) */
	int reg_errno;			/* registrations fail with this */
	int dereg_errno;		/* deregistrations fail with this */
	int rereg_ret;			/* ibv_rereg_mr returns this */
	bool reg_check;			/* enforce rule 2 (default on) */
	enum fake_rule rule;		/* who holds a lease (default PID) */
	unsigned long reg_calls, dereg_calls, rereg_calls;
	unsigned long leases_taken, leases_released;
	unsigned long violations;	/* an MR outlived its lease */
	uint64_t last_iova;
	struct { int fd; ino_t ino; pid_t pid; } held[FAKE_MAX];
	int nheld;
	struct { const void *mr; ino_t ino[8]; int n; } live[FAKE_MAX * 4];
	int nlive;
};

extern struct fake_env fake;
extern const struct fp_ops fake_ops;
extern const struct fp_verbs fake_verbs;

void fake_reset(void);
void fake_add_dax(int fd);
int fake_leases_held(void);
/* open fds of this process; LEASE lines of this pid in /proc/locks */
int count_fds(void);
int count_proc_locks(void);
/* a new empty directory under $TMPDIR; a file of @size bytes in it */
char *make_tmpdir(void);
char *make_file(const char *dir, const char *name, size_t size);
/* a context with the fake ops and verbs, logging into a buffer */
struct filepin_ctx *fake_ctx(void);
const char *fake_log_text(void);
void fake_log_clear(void);

#endif
