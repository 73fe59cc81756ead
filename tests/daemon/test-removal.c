// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinmgr's on-removal policy (daemon/removal.c): FILEPIN_CMD_REMOVAL
 * messages built here with libnl are parsed and handed to the daemon's
 * handler, on a fixture /proc tree naming real child processes as pin
 * owners; the test changes the tree as the kernel would when a pin goes.
 * Checked: which owners get revoke requests (a libfilepin client on a
 * socketpair), which get SIGTERM and SIGKILL and when, the events the
 * removal leaves in the ring, the blockers "pinctl status" is sent, and
 * the config keywords.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "filepin-genl.h"
#include "pinmgr.h"
#include "removal.h"
#include "tap.h"

#define MAJ	259
#define MIN	9
#define FILE_A	"/mnt/ext4/a"
#define FILE_B	"/mnt/ext4/b"
#define INO_A	12
#define INO_B	13

static char procdir[256];
static uint64_t seq = 100;

static void put_file(pid_t pid, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d", procdir, (int)pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%d/%s", procdir, (int)pid, name);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		bail("cannot write %s", path);
}

/* @pid pins 256 pages of @file as the kernel would show it */
static void proc_pin(pid_t pid, const char *comm, const char *file, unsigned int ino)
{
	char line[256];

	snprintf(line, sizeof(line), "%s\n", comm);
	put_file(pid, "comm", line);
	snprintf(line, sizeof(line), "fd:5 /dev/infiniband/uverbs0 %d:%d %u 0-255 256 %s\n",
		 MAJ, MIN, ino, file);
	put_file(pid, "file_pins", line);
}

/* the pin of @pid is gone (released or the process exited) */
static void proc_unpin(pid_t pid)
{
	put_file(pid, "file_pins", "");
}

static pid_t child(bool ignore_term)
{
	pid_t pid = fork();

	if (pid < 0)
		bail("fork: %s", strerror(errno));
	if (pid == 0) {
		if (ignore_term)
			signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	return pid;
}

/* 0 while @pid runs, else its wait status (reaped) */
static int reaped(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}

static struct nl_msg *removal_msg(const char *dev, uint32_t pins, pid_t pid,
				  const char *comm, const char *file, uint64_t ino)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, 0x21, 0, 0,
			       FILEPIN_CMD_REMOVAL, FILEPIN_GENL_VERSION))
		bail("out of memory");
	nla_put_string(m, FILEPIN_ATTR_DEVICE, dev);
	nla_put_u32(m, FILEPIN_ATTR_PINS, pins);
	nla_put_u32(m, FILEPIN_ATTR_DEV_MAJOR, MAJ);
	nla_put_u32(m, FILEPIN_ATTR_DEV_MINOR, MIN);
	nla_put_u64(m, FILEPIN_ATTR_INO, ino);
	nla_put_string(m, FILEPIN_ATTR_PATH, file);
	nla_put_u64(m, FILEPIN_ATTR_OFFSET, 0);
	nla_put_u64(m, FILEPIN_ATTR_LENGTH, 1 << 20);
	nla_put_u32(m, FILEPIN_ATTR_TGID, (uint32_t)pid);
	nla_put_string(m, FILEPIN_ATTR_COMM, comm);
	nla_put_u64(m, FILEPIN_ATTR_SEQ, seq++);
	return m;
}

static void feed(struct pm_daemon *d, const char *dev, uint32_t pins, pid_t pid,
		 const char *comm, const char *file, uint64_t ino)
{
	struct nl_msg *m = removal_msg(dev, pins, pid, comm, file, ino);
	static struct pm_rmev ev;

	if (pm_removal_parse(m, &ev))
		bail("a removal message does not parse");
	pm_removal_handle(d, &ev);
	nlmsg_free(m);
}

static void parse(void)
{
	struct nl_msg *m = removal_msg("pmem9", 2, 4242, "holder", FILE_A, INO_A);
	static struct pm_rmev ev;

	is_int(pm_removal_parse(m, &ev), 0, "a REMOVAL message parses");
	is_str(ev.device, "pmem9", "device");
	ok(ev.pins == 2 && ev.tgid == 4242 && ev.major == MAJ && ev.minor == MIN &&
	   ev.ino == INO_A && ev.length == 1 << 20 && ev.have_seq && ev.have_file,
	   "pins, owner, file and range");
	is_str(ev.path, FILE_A, "path");
	is_str(ev.comm, "holder", "comm");
	nlmsg_free(m);

	m = nlmsg_alloc();
	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, 0x21, 0, 0, FILEPIN_CMD_REFUSED, 1);
	nla_put_u32(m, FILEPIN_ATTR_OP, FILEPIN_OP_TRUNCATE);
	is_int(pm_removal_parse(m, &ev), -EINVAL, "a REFUSED message is not a removal");
	nlmsg_free(m);
}

static void config(void)
{
	struct pm_config cfg;
	char err[256];

	is_int(pm_config_parse("on-removal kill\nremoval-timeout 2.5\n", &cfg, err, sizeof(err)),
	       0, "on-removal kill, removal-timeout 2.5 parse");
	ok(cfg.on_removal == PM_REMOVAL_KILL && cfg.removal_timeout_ms == 2500, "and are kept");
	pm_config_free(&cfg);
	is_int(pm_config_parse("\n", &cfg, err, sizeof(err)), 0, "an empty config");
	ok(cfg.on_removal == PM_REMOVAL_BREAK, "defaults to on-removal break");
	pm_config_free(&cfg);
	is_int(pm_config_parse("on-removal wait\n", &cfg, err, sizeof(err)), 0, "on-removal wait");
	ok(cfg.on_removal == PM_REMOVAL_WAIT, "is kept");
	pm_config_free(&cfg);
	is_int(pm_config_parse("on-removal panic\n", &cfg, err, sizeof(err)), -EINVAL,
	       "on-removal panic is refused");
	ok(strstr(err, "line 1") && strstr(err, "on-removal"), "with the line: %s", err);
	is_int(pm_config_parse("removal-timeout 0\n", &cfg, err, sizeof(err)), -EINVAL,
	       "removal-timeout 0 is refused");
}

static void setup(struct pm_daemon *d, int policy, unsigned int timeout_ms)
{
	memset(d, 0, sizeof(*d));
	d->procdir = procdir;
	d->epfd = d->listen_fd = d->sigfd = -1;
	pm_config_defaults(&d->cfg);
	d->cfg.on_removal = policy;
	d->cfg.removal_timeout_ms = timeout_ms;
	if (pm_reg_init(&d->reg, 4096) || pm_events_init(&d->events, 64))
		bail("out of memory");
}

static void teardown(struct pm_daemon *d)
{
	pm_removal_free_all(d);
	pm_break_free_all(d);
	pm_events_free(&d->events);
	pm_reg_free(&d->reg);
	pm_config_free(&d->cfg);
}

/* how many removal events with @action (for @pid unless 0) are stored */
static unsigned int count_ev(const struct pm_daemon *d, uint32_t action, pid_t pid)
{
	const struct pm_event *e;
	unsigned int n = 0;
	size_t i;

	for (i = 0; (e = pm_events_get(&d->events, i)); i++)
		if (e->k.op == PINMGR_ADM_OP_REMOVAL && e->action == action &&
		    (!pid || e->k.tgid == (uint32_t)pid))
			n++;
	return n;
}

/* tick until @cond or 10 s */
#define tick_until(d, cond)						\
	({								\
		int _i;							\
		for (_i = 0; _i < 1000 && !(cond); _i++) {		\
			struct timespec _ts = { 0, 10000000 };		\
			pm_removal_tick(d);				\
			nanosleep(&_ts, NULL);				\
		}							\
		!!(cond);						\
	})

/* the admin messages "pinctl status" gets after the reply */
static void status_entries(struct pm_daemon *d, pid_t want[2], const char *what)
{
	struct pm_conn c = { .fd = -1, .admin = true };
	static unsigned char buf[PINMGR_ADM_SIZE_MAX + 1];
	static struct pinmgr_adm_msg m;
	int sv[2], found = 0, entries = 0;
	bool done = false;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv))
		bail("socketpair");
	c.fd = sv[0];
	pm_removal_status(d, &c, 0);
	while ((n = recv(sv[1], buf, sizeof(buf), 0)) > 0) {
		if (pinmgr_adm_decode(buf, (size_t)n, &m))
			break;
		if (m.type == PINMGR_ADM_DONE) {
			done = true;
			break;
		}
		if (m.type != PINMGR_ADM_PIN_ENTRY)
			break;
		entries++;
		if ((m.entry.pid == (uint32_t)want[0] && !strcmp(m.entry.path, FILE_A) &&
		     !strcmp(m.entry.comm, "holder-a")) ||
		    (m.entry.pid == (uint32_t)want[1] && !strcmp(m.entry.path, FILE_B) &&
		     !strcmp(m.entry.comm, "holder-b")))
			found++;
		if (strcmp(m.entry.rdma_dev, "pmem9"))
			diag("entry device '%s'", m.entry.rdma_dev);
	}
	ok(done && entries == 2 && found == 2,
	   "%s: status names both blockers (pid, comm, file) then DONE", what);
	close(sv[0]);
	close(sv[1]);
}

static void policy_wait(void)
{
	struct pm_daemon d;
	pid_t a = child(false), b = child(true), want[2];
	int st;

	setup(&d, PM_REMOVAL_WAIT, 50);
	proc_pin(a, "holder-a", FILE_A, INO_A);
	proc_pin(b, "holder-b", FILE_B, INO_B);
	feed(&d, "pmem9", 2, a, "holder-a", FILE_A, INO_A);
	feed(&d, "pmem9", 2, b, "holder-b", FILE_B, INO_B);
	is_int(pm_removal_count(&d), 1, "wait: two pins of one device are one removal");
	is_int(count_ev(&d, PINMGR_ADM_ACTION_WAIT, 0), 2, "wait: each pin is reported");
	want[0] = a;
	want[1] = b;
	status_entries(&d, want, "wait");
	/* well past the timeout: policy wait never signals */
	tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_TIMEOUT, 0) == 2);
	ok(!reaped(a, &st) && !reaped(b, &st), "wait: the owners are left alone");
	is_int(count_ev(&d, PINMGR_ADM_ACTION_TERM, 0) + count_ev(&d, PINMGR_ADM_ACTION_KILL, 0),
	       0, "wait: no signal reported");
	proc_unpin(a);
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_GONE, a) == 1),
	   "wait: the first owner's pin going is reported");
	is_int(pm_removal_count(&d), 1, "wait: the removal still waits for the second");
	proc_unpin(b);
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_COMPLETE, 0) == 1),
	   "wait: the last pin going completes the removal");
	is_int(pm_removal_count(&d), 0, "wait: no removal in progress");
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, &st, 0);
	waitpid(b, &st, 0);
	teardown(&d);
}

static void policy_break(void)
{
	static unsigned char buf[PINMGR_MSG_MAX];
	static struct pinmgr_msg rv;
	struct pinmgr_pin_add pa = { .id = 1, .dev_major = MAJ, .dev_minor = MIN,
				     .ino = INO_A, .length = 1 << 20, .path = FILE_A };
	struct pm_conn c = { .fd = -1, .hello = true, .hello_flags = PINMGR_HELLO_REVOKE };
	struct pm_daemon d;
	pid_t a = child(false), b = child(true);
	int sv[2], st;
	ssize_t n;

	setup(&d, PM_REMOVAL_BREAK, 100);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv))
		bail("socketpair");
	c.fd = sv[0];
	c.pid = a;
	d.conns = &c;
	pa.pid = (uint32_t)a;
	if (pm_reg_add_lib(&d.reg, &c, a, getuid(), "holder-a", &pa, NULL))
		bail("pm_reg_add_lib");
	proc_pin(a, "holder-a", FILE_A, INO_A);
	proc_pin(b, "holder-b", FILE_B, INO_B);
	feed(&d, "pmem9", 2, a, "holder-a", FILE_A, INO_A);
	feed(&d, "pmem9", 2, b, "holder-b", FILE_B, INO_B);
	n = recv(sv[1], buf, sizeof(buf), 0);
	ok(n > 0 && !pinmgr_msg_decode(buf, (size_t)n, &rv) && rv.type == PINMGR_REVOKE &&
	   rv.revoke.dev_major == MAJ && rv.revoke.dev_minor == MIN && rv.revoke.ino == INO_A,
	   "break: the libfilepin owner is asked to revoke its pin of the file");
	is_int(count_ev(&d, PINMGR_ADM_ACTION_REVOKE, a), 1, "break: the request is reported");
	is_int(count_ev(&d, PINMGR_ADM_ACTION_NOASK, b), 1,
	       "break: the owner that cannot be asked is reported");
	/* the owner gives up: PIN_DEL and the kernel's view change */
	is_int(pm_reg_del_lib(&d.reg, &c, 1), 0, "break: the owner deregisters");
	proc_unpin(a);
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_GONE, a) == 1),
	   "break: its pin going is reported");
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_TIMEOUT, b) == 1),
	   "break: the other owner's timeout is reported");
	ok(!reaped(b, &st), "break: the owner that did not answer is not killed");
	is_int(pm_removal_count(&d), 1, "break: the removal still waits");
	kill(b, SIGKILL);
	waitpid(b, &st, 0);
	proc_unpin(b);
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_COMPLETE, 0) == 1),
	   "break: completes when the last pin goes");
	d.conns = NULL;
	close(sv[0]);
	close(sv[1]);
	kill(a, SIGKILL);
	waitpid(a, &st, 0);
	pm_reg_drop_client(&d.reg, &c);
	teardown(&d);
}

static void policy_kill(void)
{
	struct pm_daemon d;
	pid_t a = child(false), b = child(true);
	int st_a = 0, st_b = 0;
	bool ra = false, rb = false;

	setup(&d, PM_REMOVAL_KILL, 200);
	proc_pin(a, "holder-a", FILE_A, INO_A);
	proc_pin(b, "holder-b", FILE_B, INO_B);
	feed(&d, "pmem9", 2, a, "holder-a", FILE_A, INO_A);
	feed(&d, "pmem9", 2, b, "holder-b", FILE_B, INO_B);
	ok(!reaped(a, &st_a) && !reaped(b, &st_b), "kill: nobody is signalled before the timeout");
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_TERM, 0) == 2),
	   "kill: both owners get SIGTERM after the timeout");
	tick_until(&d, (ra = ra || reaped(a, &st_a)));
	ok(ra && WIFSIGNALED(st_a) && WTERMSIG(st_a) == SIGTERM, "kill: SIGTERM ends the first");
	proc_unpin(a);
	ok(!reaped(b, &st_b), "kill: the second ignores SIGTERM");
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_KILL, b) == 1),
	   "kill: it gets SIGKILL one more timeout later");
	is_int(count_ev(&d, PINMGR_ADM_ACTION_KILL, a), 0, "kill: not the one that is gone");
	tick_until(&d, (rb = rb || reaped(b, &st_b)));
	ok(rb && WIFSIGNALED(st_b) && WTERMSIG(st_b) == SIGKILL, "kill: SIGKILL ends it");
	proc_unpin(b);
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_COMPLETE, 0) == 1),
	   "kill: the removal completes");
	if (!ra) {
		kill(a, SIGKILL);
		waitpid(a, &st_a, 0);
	}
	if (!rb) {
		kill(b, SIGKILL);
		waitpid(b, &st_b, 0);
	}
	teardown(&d);
}

/* an owner whose pin went before the timeout is never signalled */
static void no_stray_kill(void)
{
	struct pm_daemon d;
	pid_t a = child(false), b = child(false);
	int st;

	setup(&d, PM_REMOVAL_KILL, 50);
	proc_pin(a, "holder-a", FILE_A, INO_A);
	proc_pin(b, "holder-b", FILE_B, INO_B);
	feed(&d, "pmem9", 2, a, "holder-a", FILE_A, INO_A);
	feed(&d, "pmem9", 2, b, "holder-b", FILE_B, INO_B);
	proc_unpin(a);		/* its pin went, the process lives on */
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_TERM, b) == 1),
	   "stray: the owner still pinning gets SIGTERM");
	is_int(count_ev(&d, PINMGR_ADM_ACTION_TERM, a), 0, "stray: the other is not reported");
	ok(!reaped(a, &st), "stray: and not signalled");
	proc_unpin(b);
	ok(tick_until(&d, count_ev(&d, PINMGR_ADM_ACTION_COMPLETE, 0) == 1),
	   "stray: the removal completes");
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, &st, 0);
	waitpid(b, &st, 0);
	teardown(&d);
}

int main(void)
{
	snprintf(procdir, sizeof(procdir), "%s/pm-removal.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(procdir))
		bail("mkdtemp");
	pm_log_init(true, false);
	signal(SIGPIPE, SIG_IGN);
	parse();
	config();
	policy_wait();
	policy_break();
	policy_kill();
	no_stray_kill();
	setenv("PM_RM_DIR", procdir, 1);
	if (system("rm -rf -- \"$PM_RM_DIR\"") < 0)
		diag("cleanup");
	return done_testing();
}
