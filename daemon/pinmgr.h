/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pinmgr internals: one header for the daemon's files (see pinmgr(8)). */
#ifndef FILEPIN_PINMGR_H
#define FILEPIN_PINMGR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "file-pins.h"
#include "pinmgr-admin.h"
#include "pinmgr-proto.h"

struct pm_daemon;
struct pm_conn;

/* ---- log.c -------------------------------------------------------------- */

void pm_log_init(bool to_stderr, bool debug);
void pm_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define pm_err(...)	pm_log(LOG_ERR, __VA_ARGS__)
#define pm_warn(...)	pm_log(LOG_WARNING, __VA_ARGS__)
#define pm_notice(...)	pm_log(LOG_NOTICE, __VA_ARGS__)
#define pm_info(...)	pm_log(LOG_INFO, __VA_ARGS__)
#define pm_dbg(...)	pm_log(LOG_DEBUG, __VA_ARGS__)

/* Copy @s to @out with control characters and '\\' as \xNN; returns the length. */
size_t pm_escape(const char *s, char *out, size_t size);
/* May a message caused by @uid be logged now (per-user rate limit)? */
bool pm_log_allow(uid_t uid);
/* log what a client of @uid caused, rate-limited per user */
#define pm_log_user(uid, prio, ...) \
	do { if (pm_log_allow(uid)) pm_log(prio, __VA_ARGS__); } while (0)

/* monotonic milliseconds */
int64_t pm_now_ms(void);
/* monotonic microseconds (the same clock) */
int64_t pm_now_us(void);

/* ---- config.c ----------------------------------------------------------- */

enum pm_action {
	PM_REPORT = 1,
	PM_BREAK = 2,
};

struct pm_rule {
	char *prefix;			/* absolute, no trailing slash but "/" */
	enum pm_action action;
	unsigned int timeout_ms;	/* 0: the global break-timeout */
	unsigned int line;
};

struct pm_config {
	char *socket;			/* "socket", NULL: the default */
	char *metrics_file;		/* "metrics-file", NULL: none */
	unsigned int metrics_interval_ms; /* "metrics-interval" */
	unsigned int scan_interval_ms;	/* "scan-interval", 0: on demand only */
	unsigned int event_ring;	/* "event-ring" */
	unsigned int break_timeout_ms;	/* "break-timeout" */
	uint64_t pin_limit;		/* "pin-limit", bytes per user (not root) */
	bool log_events;		/* "log-events" */
	/* per-user limits (root has none) */
	unsigned int max_conns;		/* "max-connections" */
	unsigned int max_pins;		/* "max-pins": libfilepin reports */
	unsigned int max_subscribers;	/* "max-subscribers" */
	unsigned int max_breaks;	/* "max-breaks": per minute */
	struct pm_rule *rules;
	size_t nrules;
	int on_removal;			/* "on-removal", enum pm_removal_policy (removal.h) */
	unsigned int removal_timeout_ms;	/* "removal-timeout", 0: the default */
	char *listen;			/* "listen", NULL: no exports (export.c) */
	unsigned int max_peers;		/* "max-peers": remote peers at once */
	unsigned int max_exports;	/* "max-exports": per user, not root */
};

#define PM_DEFAULT_SCAN_MS	5000
#define PM_DEFAULT_METRICS_MS	15000
#define PM_DEFAULT_RING		256
#define PM_DEFAULT_BREAK_MS	5000
#define PM_DEFAULT_PIN_LIMIT	(1ull << 30)
#define PM_MAX_TIMEOUT_MS	3600000u
#define PM_DEFAULT_MAX_CONNS	64
#define PM_DEFAULT_MAX_PINS	4096
#define PM_DEFAULT_MAX_SUBS	4
#define PM_DEFAULT_MAX_BREAKS	60
#define PM_DEFAULT_MAX_PEERS	64
#define PM_DEFAULT_MAX_EXPORTS	16

void pm_config_defaults(struct pm_config *cfg);
/*
 * Parse @text (NUL-terminated) into @cfg (defaults first).  On error
 * returns -EINVAL and writes "line N: why" into @err; @cfg is then freed.
 */
int pm_config_parse(const char *text, struct pm_config *cfg, char *err,
		    size_t errlen);
/* Read and parse @path; a missing file is not an error when @optional. */
int pm_config_load(const char *path, bool optional, struct pm_config *cfg,
		   char *err, size_t errlen);
void pm_config_free(struct pm_config *cfg);
/* The rule for @path (longest prefix on a component boundary), or NULL. */
const struct pm_rule *pm_config_match(const struct pm_config *cfg,
				      const char *path);

/* ---- registry.c --------------------------------------------------------- */

#define PM_SRC_LIB	PINMGR_ADM_PIN_LIB
#define PM_SRC_PROC	PINMGR_ADM_PIN_PROC
#define PM_SRC_SERVICE	PINMGR_ADM_PIN_SERVICE

struct pm_svc_pin;

struct pm_pin {
	struct pm_pin *hnext;		/* hash chain (pid, dev, ino) */
	struct pm_pin *cnext;		/* hash chain (client, client_id) */
	struct pm_pin *next, *prev;	/* all pins, oldest first */
	uint64_t id;
	unsigned int src;		/* PM_SRC_* */
	pid_t pid;
	uid_t uid;
	char comm[FILE_PINS_COMM_MAX + 1];
	unsigned int major, minor;
	uint64_t ino;
	uint64_t first_page, last_page, pages;
	uint64_t offset, length;	/* bytes */
	char *path;
	/* from /proc */
	int owner;			/* PINMGR_ADM_OWNER_* */
	int owner_fd;
	char *owner_path;
	unsigned long proc_gen;
	/* from a libfilepin client */
	struct pm_conn *client;
	uint64_t client_id;
	/* from the pin service */
	struct pm_svc_pin *svc;
	/* the MR */
	bool have_mr, have_mrn, mr_guessed;
	uint32_t lkey, rkey, mrn;
	char rdma_dev[PINMGR_RDMA_DEV_MAX + 1];
	bool revoking;
	/* the owner of the file (stat of the path), looked up once */
	bool file_uid_known;
	uid_t file_uid;
};

struct pm_registry {
	struct pm_pin **hash;
	struct pm_pin **chash;		/* by (client, client_id) */
	size_t nbuckets;
	struct pm_pin *head, *tail;
	size_t count;
	uint64_t next_id;
	unsigned long gen;		/* of the current or last scan */
	unsigned long page_size;
};

int pm_reg_init(struct pm_registry *reg, unsigned long page_size);
void pm_reg_free(struct pm_registry *reg);
struct pm_pin *pm_reg_find_id(struct pm_registry *reg, uint64_t id);

/* A pin reported by a libfilepin client; -EEXIST for a duplicate id. */
int pm_reg_add_lib(struct pm_registry *reg, struct pm_conn *c, pid_t pid,
		   uid_t uid, const char *comm, const struct pinmgr_pin_add *pa,
		   struct pm_pin **out);
/* -ENOENT when @c has no pin @id */
int pm_reg_del_lib(struct pm_registry *reg, const struct pm_conn *c, uint64_t id);
/* every pin of @c; returns how many */
unsigned int pm_reg_drop_client(struct pm_registry *reg, const struct pm_conn *c);

struct pm_pin *pm_reg_add_service(struct pm_registry *reg, struct pm_svc_pin *svc,
				  pid_t pid, uid_t uid, unsigned int major,
				  unsigned int minor, uint64_t ino,
				  uint64_t offset, uint64_t length, const char *path);
/* The service pin @p is released (its MR deregistered): drop its entry. */
void pm_reg_del_service(struct pm_registry *reg, struct pm_pin *p);

/* A scan of /proc: begin, one call per line, end (drops what was not seen). */
void pm_reg_scan_begin(struct pm_registry *reg);
int pm_reg_scan_line(struct pm_registry *reg, const struct file_pins_proc *proc,
		     const struct file_pin *fp);
unsigned int pm_reg_scan_end(struct pm_registry *reg);

/* The path of a pinned inode, or NULL. */
const char *pm_reg_path_of(struct pm_registry *reg, unsigned int major,
			   unsigned int minor, uint64_t ino);
bool pm_pin_on(const struct pm_pin *p, unsigned int major, unsigned int minor,
	       uint64_t ino);

/* Has the kernel confirmed the pin (a /proc line, or pinmgr's own)? */
bool pm_pin_confirmed(const struct pm_pin *p);
/* The owner of the pinned file, (uid_t)-1 when unknown. */
uid_t pm_pin_file_uid(struct pm_pin *p);
uid_t pm_reg_file_uid(struct pm_registry *reg, unsigned int major,
		      unsigned int minor, uint64_t ino);
/*
 * May @uid see @p: root or the file's owner a confirmed pin, a user its
 * own pins.
 */
bool pm_pin_visible(struct pm_pin *p, uid_t uid);

struct pm_reg_counts {
	unsigned int pins, lib, proc, service;
};
void pm_reg_count(const struct pm_registry *reg, struct pm_reg_counts *n);

/* ---- proc-scan.c -------------------------------------------------------- */

/* Rescan @procdir into the registry; returns 0 or -errno. */
int pm_proc_scan(struct pm_daemon *d);
/* comm and uid of @pid from the proc tree (uid (uid_t)-1 when unknown) */
void pm_proc_comm(const char *procdir, pid_t pid, char *comm, size_t size,
		  uid_t *uid);

/* ---- rdma-nl.c ---------------------------------------------------------- */

struct pm_rdma_mr {
	char dev[PINMGR_RDMA_DEV_MAX + 1];
	uint32_t mrn, lkey, rkey, pdn;
	uint64_t iova, mrlen;
	pid_t pid;			/* 0: kernel */
	bool have_keys;			/* keys and iova (need CAP_NET_ADMIN) */
};

struct pm_rdma {
	bool ok;			/* the last query worked */
	char devs[PINMGR_ADM_INFO_MAX + 1];	/* "rxe0 mlx5_0" */
	struct pm_rdma_mr *mrs;
	size_t nmrs, cap;
	int64_t when_ms;
};

struct nlmsghdr;
/* Parse one RDMA_NLDEV_CMD_GET answer: device index and name. */
int pm_rdma_parse_dev(struct nlmsghdr *nlh, uint32_t *index, char *name,
		      size_t size);
/* Parse one RDMA_NLDEV_CMD_RES_MR_GET answer, appending to @r. */
int pm_rdma_parse_mrs(struct nlmsghdr *nlh, struct pm_rdma *r);
/* Query the kernel (devices, then MRs of each); -errno when it cannot. */
int pm_rdma_query(struct pm_rdma *r);
void pm_rdma_free(struct pm_rdma *r);
/* Fill in MRN (and, for /proc-only pins, a unique MR match) from @r. */
void pm_rdma_annotate(struct pm_rdma *r, struct pm_registry *reg);

/* ---- genl-events.c ------------------------------------------------------ */

/* A refusal as the kernel reported it. */
struct pm_kevent {
	uint64_t seq;
	uint32_t op, pid, tgid, reason;
	uint32_t major, minor;
	uint64_t ino, offset, length;
	char comm[PINMGR_ADM_COMM_MAX + 1];
	unsigned int have;		/* PM_KEV_* of the attributes present */
};
#define PM_KEV_SEQ	(1u << 0)
#define PM_KEV_DEV	(1u << 1)
#define PM_KEV_INO	(1u << 2)

struct nl_msg;
/* Parse a FILEPIN_CMD_REFUSED message; -EINVAL for anything else. */
int pm_genl_parse(struct nl_msg *msg, struct pm_kevent *ev);
/* Subscribe; false (and the reason in d->events_state) when unavailable. */
bool pm_genl_open(struct pm_daemon *d);
void pm_genl_close(struct pm_daemon *d);
int pm_genl_fd(struct pm_daemon *d);
void pm_genl_read(struct pm_daemon *d);

/* ---- export.c (the rest is in svc-pin.h) ------------------------------- */

/*
 * The id of an exported pin of pinmgr's over [@offset, @offset + @length)
 * (@length 0: to the end) of inode @ino, its peers into @buf as in
 * pm_export_describe(); 0 when there is none.  Names the export in the
 * events of refused layout changes.
 */
uint64_t pm_export_of_range(const struct pm_daemon *d, unsigned int major,
			    unsigned int minor, uint64_t ino, uint64_t offset,
			    uint64_t length, char *buf, size_t size);

/* ---- events.c ----------------------------------------------------------- */

struct pm_event {
	struct pm_kevent k;
	uint64_t missed;
	uint64_t time_ns;
	uint32_t action;
	uid_t caller_uid;		/* (uid_t)-1 when unknown */
	char *path;			/* NULL when not known */
	char peer[PINMGR_ADM_PEER_MAX + 1];	/* exports: "ADDRESS/QPN" */
	uint64_t export_id;		/* a refusal over an exported pin: its id */
};

struct pm_events {
	struct pm_event *ring;
	size_t size, head, count;	/* head: next slot to write */
	uint64_t last_seq;
	uint64_t seen, missed;
};

int pm_events_init(struct pm_events *e, size_t size);
void pm_events_free(struct pm_events *e);
/* Events missed before @seq (0 for the first one); updates last_seq. */
uint64_t pm_seq_gap(uint64_t *last_seq, uint64_t seq);
/* Store a copy (path duplicated); the oldest is dropped when full. */
struct pm_event *pm_events_push(struct pm_events *e, const struct pm_event *ev);
/* i-th oldest stored event, or NULL */
const struct pm_event *pm_events_get(const struct pm_events *e, size_t i);
/* The daemon's handling of one kernel event: log, policy, ring, forward. */
void pm_event_handle(struct pm_daemon *d, const struct pm_kevent *k);
void pm_event_to_msg(const struct pm_event *ev, struct pinmgr_adm_msg *m);
void pm_events_publish(struct pm_daemon *d, const struct pm_event *ev);
/* May @uid see @ev: root, the caller's user, or a user pinning the file. */
bool pm_event_visible(struct pm_daemon *d, const struct pm_event *ev, uid_t uid);

/* ---- transport.c: connections ------------------------------------------- */

struct pm_outbuf {
	struct pm_outbuf *next;
	size_t len;
	unsigned char data[];
};

struct pm_conn {
	struct pm_conn *next, *prev;
	int fd;
	pid_t peer_pid;			/* SO_PEERCRED at accept */
	uid_t peer_uid;
	gid_t peer_gid;
	/* library client */
	bool hello;
	uint32_t hello_flags;
	pid_t pid;
	uid_t uid;
	char comm[FILE_PINS_COMM_MAX + 1];
	unsigned int npins;
	/* admin */
	bool admin;
	bool subscriber;
	uid_t sub_uid;
	struct pm_break *waiting;	/* a BREAK --wait in progress */
	uid_t waiting_uid;		/* ... asked by this user */
	/* output */
	struct pm_outbuf *out_head, *out_tail;
	size_t out_bytes;
	unsigned long dropped;
	bool dead;
	unsigned int bad;		/* malformed messages so far */
};

/* Credentials of the sender of one message (SCM_CREDENTIALS). */
struct pm_cred {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/* false for a message without real sender credentials (pid 0, overflow ids) */
bool pm_cred_valid(const struct pm_cred *cred, const struct pm_conn *c);

#define PM_OUT_MAX	(32u << 20)	/* queued bytes before a peer is dropped */
#define PM_BAD_MAX	16		/* malformed messages before a peer is dropped */

void pm_conn_accept(struct pm_daemon *d);
/* connections (or event subscribers) of @uid */
unsigned int pm_count_conns(const struct pm_daemon *d, uid_t uid, bool subscribers);
void pm_conn_event(struct pm_daemon *d, struct pm_conn *c, uint32_t events);
void pm_conn_close(struct pm_daemon *d, struct pm_conn *c);
/* Queue one admin message; false when the peer is gone or too slow. */
bool pm_send_adm(struct pm_daemon *d, struct pm_conn *c,
		 const struct pinmgr_adm_msg *m);
bool pm_send_proto(struct pm_daemon *d, struct pm_conn *c,
		   const struct pinmgr_msg *m);
void pm_send_adm_error(struct pm_daemon *d, struct pm_conn *c, int err,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pm_close_fds(int *fds, int n);

/* ---- dispatch.c: what a packet is --------------------------------------- */

/* One packet with its sender's credentials and descriptors (taken). */
void pm_dispatch(struct pm_daemon *d, struct pm_conn *c,
		 const unsigned char *buf, size_t len,
		 const struct pm_cred *cred, int *fds, int nfds);
/* Answer a packet that is refused unread, in its protocol. */
void pm_dispatch_refuse(struct pm_daemon *d, struct pm_conn *c,
			const unsigned char *buf, size_t len, int err, const char *why);
void pm_send_proto_error(struct pm_daemon *d, struct pm_conn *c, int err,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- client.c: the library protocol ------------------------------------- */

void pm_lib_message(struct pm_daemon *d, struct pm_conn *c,
		    const struct pm_cred *cred, const struct pinmgr_msg *m);

/* ---- as-user.c: acting with a requester's rights ------------------------ */

struct pm_user {
	uid_t uid;
	gid_t gid;
	gid_t groups[64];
	size_t ngroups;
	bool cap_lease;			/* CAP_LEASE in its effective set */
};

/* Who sent @cred on @c: ids, groups, CAP_LEASE. */
int pm_user_get(struct pm_user *u, const char *procdir, const struct pm_conn *c,
		const struct pm_cred *cred);
/* open(2) with @u's file-system ids and groups; the fd or -errno */
int pm_open_as(const struct pm_user *u, const char *path, int flags);

/* ---- admin.c ------------------------------------------------------------ */

/* Handle one admin request; @fd is a received descriptor or -1 (taken). */
void pm_admin_request(struct pm_daemon *d, struct pm_conn *c,
		      const struct pm_cred *cred, const struct pinmgr_adm_msg *m,
		      int fd);
void pm_pin_to_entry(const struct pm_pin *p, struct pinmgr_adm_pin_entry *e);
/* Rescan /proc unless done in the last few ms (the one way in, but the timer). */
void pm_proc_refresh(struct pm_daemon *d);
void pm_proc_fresh(struct pm_daemon *d);
/* Rescan /proc (and rdma netlink) unless done in the last few ms. */
void pm_refresh(struct pm_daemon *d, bool rdma);

/* ---- break.c ------------------------------------------------------------ */

struct pm_break_owner {
	pid_t pid;
	uid_t uid;
	char comm[FILE_PINS_COMM_MAX + 1];
	struct pm_conn *conn;		/* asked, while waiting for its answer */
	unsigned int flags;		/* PM_SRC_* of its pins */
	int error;			/* 0 pending or done, else why it stays */
};

struct pm_break {
	struct pm_break *next;
	uint64_t cookie;
	unsigned int major, minor;
	uint64_t ino;
	int64_t deadline_ms;
	struct pm_break_owner *owners;
	size_t nowners;
	unsigned int pending;		/* owners asked that did not answer */
	unsigned int pins_before;
	bool from_event;
	bool dirty;			/* owners answered since the last scan */
	char *path;			/* the file's path when it started, or NULL */
	/* where the time goes (monotonic us, logged at debug level; sent: first revoke) */
	int64_t event_us, start_us, scanned_us, sent_us, answer_us;
};

/*
 * Start a break of the inode (or join the one running).  @req (NULL for a
 * break started by an event) gets the answer: at once without @wait, when
 * the break ends with it.  @uid is the requester's (0: may break anything).
 * Returns 0, PINMGR_ADM_ACTION_BREAKING when one was running, or -errno
 * (the answer has been sent then).
 */
int pm_break_start(struct pm_daemon *d, unsigned int major, unsigned int minor,
		   uint64_t ino, uid_t uid, unsigned int timeout_ms,
		   struct pm_conn *req, bool wait);
void pm_break_answer(struct pm_daemon *d, struct pm_conn *c,
		     const struct pinmgr_revoke *rv, bool done);
void pm_break_conn_gone(struct pm_daemon *d, struct pm_conn *c);
/* Timeouts; returns ms to the next deadline or -1. */
int pm_break_tick(struct pm_daemon *d);
void pm_break_free_all(struct pm_daemon *d);
unsigned int pm_break_count(const struct pm_daemon *d);

/* ---- pin-service.c ------------------------------------------------------ */

void pm_service_pin(struct pm_daemon *d, struct pm_conn *c,
		    const struct pm_cred *cred, const struct pinmgr_adm_pin *req,
		    int fd);
void pm_service_unpin(struct pm_daemon *d, struct pm_conn *c,
		      const struct pm_cred *cred, uint64_t id);
void pm_service_connect(struct pm_daemon *d, struct pm_conn *c,
			const struct pm_cred *cred,
			const struct pinmgr_adm_connect *req);
/* End the export whose token is @token (its peers first); the pin stays. */
void pm_service_revoke(struct pm_daemon *d, struct pm_conn *c,
		       const struct pm_cred *cred, const uint8_t *token);
/* Release one service pin (break, unpin); true when it was one. */
bool pm_service_release(struct pm_daemon *d, struct pm_pin *p);
void pm_service_conn_gone(struct pm_daemon *d, const struct pm_conn *c);
void pm_service_release_all(struct pm_daemon *d);

/* ---- socket.c / notify.c ------------------------------------------------ */

/* The listening socket: systemd's (LISTEN_FDS) or a new one at @path. */
int pm_socket_open(const char *path, bool *activated);
/* Is the directory of @path safe (ours, not writable by others)? */
int pm_socket_check_dir(const char *path, char *why, size_t size);
void pm_notify(const char *state);

/* ---- metrics.c: Prometheus textfile ------------------------------------- */

enum pm_break_outcome {
	PM_BREAK_RELEASED,		/* no longer pinned */
	PM_BREAK_REFUSED,		/* still pinned: refused, cannot be asked */
	PM_BREAK_TIMEOUT,		/* still pinned: an owner did not answer */
	PM_BREAK_OUTCOMES
};
#define PM_METRICS_OPS		9	/* FILEPIN_OP_*, 0: any other */
#define PM_METRICS_REASONS	3	/* FILEPIN_REASON_*, 0: any other */

struct pm_metrics {
	uint64_t refusals[PM_METRICS_OPS][PM_METRICS_REASONS];
	uint64_t breaks[PM_BREAK_OUTCOMES];
	char *last;			/* the text last written */
	char *path_written;		/* where */
	int64_t next_write_ms;		/* the period */
	int64_t next_check_ms;		/* at most one formatting per PM_METRICS_CHECK_MS */
	bool pending;			/* something may have changed since */
	bool failing;
};
#define PM_METRICS_CHECK_MS	100

void pm_metrics_refusal(struct pm_daemon *d, uint32_t op, uint32_t reason);
void pm_metrics_break(struct pm_daemon *d, enum pm_break_outcome outcome);
/* The metrics text (malloc'd), or NULL when out of memory. */
char *pm_metrics_format(struct pm_daemon *d);
/* Write @text to @path through a temporary file and rename(2). */
int pm_metrics_write(const char *path, const char *text);
/*
 * Before each wait of the main loop (@active: the last turn handled
 * something): write when the text changed or the period is over.  Returns
 * ms until it wants to be called again, -1 when no metrics-file is set.
 */
int pm_metrics_tick(struct pm_daemon *d, bool active);
void pm_metrics_free(struct pm_daemon *d);

/* ---- main.c: the daemon ------------------------------------------------- */

struct pm_daemon {
	struct pm_config cfg;
	const char *config_path;
	bool config_path_given;
	const char *socket_path;
	const char *procdir;
	int epfd;
	int listen_fd;
	int spare_fd;			/* given back when out of descriptors */
	unsigned long refused_conns;
	bool socket_activated;
	int sigfd;
	bool stop;
	int64_t started;		/* Unix time */
	struct pm_conn *conns;
	unsigned int nclients, nadmins, nsubscribers;
	struct pm_registry reg;
	struct file_pins_stats last_scan;
	bool have_file_pins;
	unsigned long scans;
	int64_t last_scan_ms;
	unsigned long turn;		/* loop turns: epoll_wait() returns */
	unsigned long scan_turn;	/* the turn of the last scan */
	int64_t event_us;		/* when the event being handled came, or 0 */
	int64_t next_scan_ms;
	struct pm_rdma rdma;
	struct pm_events events;
	/* genl */
	struct nl_sock *genl;
	bool genl_ok;
	char events_state[PINMGR_ADM_INFO_MAX + 1];
	/* breaks */
	struct pm_break *breaks;
	uint64_t next_cookie;
	/* pin service */
	struct pm_svc_pin *svc_pins;
	struct pm_rdma_dev *rdma_devs;
	struct pm_export *export;	/* remote peers (export.c), NULL: not listening */
	struct pm_metrics metrics;
	/* device removals in progress (removal.c) */
	struct pm_removal *removals;
};

/* epoll registration of a connection's socket (events may change). */
int pm_watch_conn(struct pm_daemon *d, struct pm_conn *c, bool add);

#endif
