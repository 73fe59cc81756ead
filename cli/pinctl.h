/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pinctl internals (see pinctl(8)). */
#ifndef FILEPIN_PINCTL_H
#define FILEPIN_PINCTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "file-pins.h"
#include "pinmgr-admin.h"

/*
 * Version of the JSON that -J prints (pinctl(8), JSON OUTPUT): the first
 * key of every object or document.  Adding a key keeps it; renaming or
 * removing one, or changing a value's type or meaning, bumps it.
 */
#define PC_JSON_SCHEMA 1

/* exit codes (pinctl(8)) */
#define PC_EXIT_OK		0
#define PC_EXIT_FAILURE		1
#define PC_EXIT_USAGE		2
#define PC_EXIT_NO_PINMGR	3
#define PC_EXIT_PINNED		4

struct pinctl {
	const char *socket;
	bool socket_given;
	const char *procdir;
	bool procdir_given;
	/* output */
	const char *output;
	bool output_all, json, raw, noheadings, bytes;
	/* filters */
	pid_t pid;
	const char *path;
	/* events, break, pin */
	bool follow, wait, read_only, export;
	/* remote */
	bool remote_read, remote_write;
	bool offset_given, length_given;
	unsigned int timeout_ms;
	const char *device;
	uint64_t offset, length;
	long page_size;
};

/* A pin as pinctl shows it, from pinmgr or from /proc. */
struct pc_pin {
	uint64_t id;			/* 0: not from pinmgr */
	uint32_t flags;			/* PINMGR_ADM_PIN_* */
	pid_t pid;
	uid_t uid;
	int owner;			/* PINMGR_ADM_OWNER_* */
	int owner_fd;
	unsigned int major, minor;
	uint64_t ino, first_page, last_page, pages;
	uint32_t mrn, lkey, rkey;
	char comm[PINMGR_ADM_COMM_MAX + 1];
	char rdma_dev[PINMGR_ADM_DEV_MAX + 1];
	char *owner_path;
	char *path;
	char *peers;			/* remote peers of an export, or "" */
	char *moved;			/* what each peer moved (MOVED), or "" */
};

struct pc_pins {
	struct pc_pin *v;
	size_t n, cap;
	bool from_pinmgr;
};

/* pinctl.c */
void pc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int pc_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* conn.c: talking to pinmgr */
/* Connect; -errno (and a message in @why) when pinmgr cannot be reached. */
int pc_connect(const char *path, char *why, size_t size);
int pc_send(int fd, const struct pinmgr_adm_msg *m, int passfd);
/* Next answer; -ETIMEDOUT after @timeout_ms (< 0: none), -ECONNRESET at EOF. */
int pc_recv(int fd, struct pinmgr_adm_msg *m, int timeout_ms);
/* "pinmgr is not running (...)" and PC_EXIT_NO_PINMGR */
int pc_no_pinmgr(const struct pinctl *pc, const char *why);
/* An ERROR answer or a failure of pc_recv, as a message and exit code. */
int pc_failed(const char *what, int r, const struct pinmgr_adm_msg *m);

/* list.c */
int pc_pins_add(struct pc_pins *pins, const struct pc_pin *p);
void pc_pins_free(struct pc_pins *pins);
int pc_pins_from_entry(struct pc_pins *pins, const struct pinmgr_adm_pin_entry *e);
int pc_pins_from_proc(const struct pinctl *pc, struct pc_pins *pins, pid_t pid);
void pc_pins_sort(struct pc_pins *pins);
int pc_print_pins(const struct pinctl *pc, struct pc_pins *pins);
void pc_list_columns(FILE *out);
int pc_check_columns(const struct pinctl *pc);
int cmd_list(struct pinctl *pc);
int cmd_show(struct pinctl *pc, const char *file);

/* events.c */
int cmd_events(struct pinctl *pc);
void pc_print_event(const struct pinctl *pc, const struct pinmgr_adm_event *e,
		    FILE *out);

/* commands.c */
int cmd_break(struct pinctl *pc, const char *file);
int cmd_pin(struct pinctl *pc, const char *file);
int cmd_unpin(struct pinctl *pc, const char *id);
int cmd_revoke(struct pinctl *pc, const char *token);

/* remote.c: the peer's side of an export */
int cmd_remote(struct pinctl *pc, const char *addr, const char *token);
int cmd_status(struct pinctl *pc);

/* "4K", "1.5M" (powers of 1024), like util-linux */
void pc_human_size(uint64_t bytes, char *buf, size_t size);
/* JSON string literal of @s into @out */
void pc_json_str(FILE *out, const char *s);

#endif
