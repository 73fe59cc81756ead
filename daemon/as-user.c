// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Acting with a requester's rights.  pinmgr runs as root; a user must not
 * get through it what the user could not get alone.  So a file pinmgr
 * opens for a request is opened with the requester's file-system ids and
 * supplementary groups: a short-lived thread sets them with the raw
 * setfsuid/setfsgid/setgroups system calls (per thread in the kernel; the
 * libc wrappers of setgroups change every thread), which also drops the
 * thread's CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, opens, and ends.
 *
 * Who the requester is comes from the kernel: uid, gid and pid of the
 * message (SCM_CREDENTIALS), the groups of the connection (SO_PEERGROUPS,
 * when the connection is the requester's own), the capabilities from
 * /proc/<pid>/status, read only while its uid is the message's.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pinmgr.h"

#define CAP_LEASE_BIT 28

/* "Name:\tvalue" of /proc/<pid>/status into @buf; false when not there */
static bool status_field(FILE *f, const char *name, char *buf, size_t size)
{
	char line[1024];
	size_t n = strlen(name);

	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, name, n) || line[n] != ':')
			continue;
		snprintf(buf, size, "%s", line + n + 1);
		return true;
	}
	return false;
}

int pm_user_get(struct pm_user *u, const char *procdir, const struct pm_conn *c,
		const struct pm_cred *cred)
{
	char path[64], buf[1024];
	unsigned int r, e, s, fs;
	unsigned long long caps;
	socklen_t len;
	FILE *f;

	memset(u, 0, sizeof(*u));
	u->uid = cred->uid;
	u->gid = cred->gid;
	u->ngroups = 0;
	if (c && c->peer_uid == cred->uid && c->peer_gid == cred->gid) {
		len = sizeof(u->groups);
		if (!getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, u->groups, &len))
			u->ngroups = len / sizeof(gid_t);
		else
			u->ngroups = 0;	/* more than we keep: none, the safe side */
	}
	if (cred->uid == 0) {
		u->cap_lease = true;
		return 0;
	}
	/* capabilities: from the process, if it still is the requester's */
	(void)procdir;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)cred->pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (status_field(f, "Uid", buf, sizeof(buf)) &&
	    sscanf(buf, "%u %u %u %u", &r, &e, &s, &fs) == 4 && r == cred->uid &&
	    status_field(f, "CapEff", buf, sizeof(buf)) &&
	    sscanf(buf, "%llx", &caps) == 1)
		u->cap_lease = !!(caps & (1ull << CAP_LEASE_BIT));
	fclose(f);
	return 0;
}

struct open_job {
	const struct pm_user *u;
	const char *path;
	int flags;
	int fd;
	int err;
};

static void *open_thread(void *arg)
{
	struct open_job *j = arg;

	j->fd = -1;
	if (syscall(SYS_setgroups, (int)j->u->ngroups, j->u->groups) ||
	    syscall(SYS_setfsgid, j->u->gid) < 0 || syscall(SYS_setfsuid, j->u->uid) < 0) {
		j->err = errno ? errno : EPERM;
		return NULL;
	}
	/* setfs[ug]id never fail: check that they took */
	if ((uid_t)syscall(SYS_setfsuid, -1) != j->u->uid ||
	    (gid_t)syscall(SYS_setfsgid, -1) != j->u->gid) {
		j->err = EPERM;
		return NULL;
	}
	j->fd = open(j->path, j->flags | O_CLOEXEC | O_NOCTTY);
	j->err = j->fd < 0 ? errno : 0;
	return NULL;
}

int pm_open_as(const struct pm_user *u, const char *path, int flags)
{
	struct open_job j = { .u = u, .path = path, .flags = flags, .fd = -1 };
	pthread_t t;
	int r;

	r = pthread_create(&t, NULL, open_thread, &j);
	if (r)
		return -r;
	pthread_join(t, NULL);
	return j.fd >= 0 ? j.fd : -j.err;
}
