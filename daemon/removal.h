/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pinmgr's reaction to a device removal announced by the kernel
 * (FILEPIN_CMD_REMOVAL, filepin(7)): the "on-removal" policy of
 * pinmgr.conf(5), the removal's events and "pinctl status".  See
 * daemon/removal.c.
 */
#ifndef FILEPIN_PINMGR_REMOVAL_H
#define FILEPIN_PINMGR_REMOVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <netlink/attr.h>

struct pm_daemon;
struct pm_conn;
struct pm_config;
struct nl_msg;

/* on-removal */
enum pm_removal_policy {
	PM_REMOVAL_BREAK = 0,	/* the default: ask owners to revoke, release our own pins */
	PM_REMOVAL_WAIT = 1,	/* report only */
	PM_REMOVAL_KILL = 2,	/* break, then SIGTERM, then SIGKILL */
};

#define PM_DEFAULT_REMOVAL_MS	10000

/* One FILEPIN_CMD_REMOVAL message: one pin the removal waits for. */
struct pm_rmev {
	uint64_t seq;
	char device[33];		/* s_id, "" when not known */
	uint32_t pins;			/* pin records the removal waits for */
	uint32_t major, minor;
	uint64_t ino, offset, length;
	uint32_t tgid;
	char comm[16];
	char path[4096];		/* "" when not known */
	bool have_seq, have_file;
};

/* Parse a FILEPIN_CMD_REMOVAL message; -EINVAL for anything else. */
int pm_removal_parse(struct nl_msg *msg, struct pm_rmev *ev);

/*
 * The attributes of every filepin netlink message, refusals and removals
 * alike (genl-events.c); FILEPIN_ATTR_MAX + 1 entries.
 */
extern struct nla_policy pm_genl_policy[];
/* Record the pin, report it and apply the on-removal policy. */
void pm_removal_handle(struct pm_daemon *d, const struct pm_rmev *ev);
/* Follow removals in progress; returns ms until it wants to run again, or -1. */
int pm_removal_tick(struct pm_daemon *d);
/* Removals in progress */
unsigned int pm_removal_count(const struct pm_daemon *d);
/*
 * After a STATUS_REPLY with PINMGR_ADM_ST_REMOVAL: the pins removals wait
 * for (those of @uid's processes, all for root), then DONE.
 */
void pm_removal_status(struct pm_daemon *d, struct pm_conn *c, uid_t uid);
void pm_removal_free_all(struct pm_daemon *d);

/*
 * pinmgr.conf keywords "on-removal" and "removal-timeout": 1 when @key is
 * one of them (0 otherwise); -EINVAL with @err filled for a bad value.
 */
int pm_removal_config(struct pm_config *cfg, const char *key, const char *value,
		      char *err, size_t errlen);

#endif
