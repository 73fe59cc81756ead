// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pm-attack - a local user attacking pinmgr on the wire (attack.test).
 * Files named on the command line are opened first, with the caller's
 * rights; then, with --as UID:GID, the program drops to that user (no
 * supplementary groups) before it talks to pinmgr.  Every command prints
 * what pinmgr answered, one line each, for the test to match.
 *
 *   early SOCKET PID		connect, wait until pinmgr (PID) has accepted,
 *				send LIST: "list: N pins" (or the error)
 *   pin SOCKET FILE opath|rdonly|rdwr
 *				PIN the file through a descriptor opened
 *				so: "pinned ID" or "error ERRNO: message"
 *   forge SOCKET MAJ MIN INO PATH
 *				a library client claiming a pin it does not
 *				have; "ready", then holds until stdin ends
 *   show SOCKET MAJ MIN INO	SHOW: "path: P", "pin PID UID PATH"..., "done"
 *   say SOCKET TEXT		a library client whose ERROR carries TEXT
 *   flood-conn SOCKET N	hold N connections: "connected N", until
 *				stdin ends
 *   flood-add SOCKET N		N PIN_ADDs on one connection: "added A
 *				refused R", then holds until stdin ends
 *   flood-sub SOCKET N		N event subscriptions: "subscribed S
 *				refused R", then holds until stdin ends
 *   flood-break SOCKET MAJ MIN INO SECONDS
 *				BREAK as fast as answered for SECONDS:
 *				"breaks N"
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "pinmgr-admin.h"
#include "pinmgr-proto.h"

static const char *sock_path;

static __attribute__((noreturn)) void die(const char *what)
{
	fprintf(stderr, "pm-attack: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int conn(bool must)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (must)
			die("connect");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static void send_adm(int fd, const struct pinmgr_adm_msg *m, int passfd)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX];
	ssize_t n = pinmgr_adm_encode(m, buf, sizeof(buf));

	if (n < 0 || pinmgr_adm_send(fd, buf, (size_t)n, passfd) != n)
		die("send");
}

static void send_lib(int fd, const struct pinmgr_msg *m)
{
	unsigned char buf[PINMGR_MSG_MAX];
	ssize_t n = pinmgr_msg_encode(m, buf, sizeof(buf));

	if (n < 0 || send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		die("send");
}

static bool try_send_adm(int fd, const struct pinmgr_adm_msg *m)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX];
	ssize_t n = pinmgr_adm_encode(m, buf, sizeof(buf));

	return n > 0 && pinmgr_adm_send(fd, buf, (size_t)n, -1) == n;
}

/* the next admin message within @ms: 1, 0 at EOF or timeout */
static int get_adm(int fd, struct pinmgr_adm_msg *m, int ms)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX + 1];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return 0;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return 0;
	if (pinmgr_adm_decode(buf, (size_t)n, m)) {
		fprintf(stderr, "pm-attack: undecodable answer (%zd bytes)\n", n);
		exit(2);
	}
	return 1;
}

static int get_lib(int fd, struct pinmgr_msg *m, int ms)
{
	unsigned char buf[PINMGR_MSG_MAX + 1];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	if (poll(&p, 1, ms) != 1)
		return 0;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0)
		return 0;
	return !pinmgr_msg_decode(buf, (size_t)n, m);
}

static void print_error(const struct pinmgr_adm_msg *m)
{
	printf("error %s: %s\n", strerrorname_np((int)m->error.error) ?
	       strerrorname_np((int)m->error.error) : "?", m->error.message);
}

static void hold(void)
{
	char c;

	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
}

static int count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	dir = opendir(path);
	if (!dir)
		die(path);
	while ((e = readdir(dir)))
		n++;
	closedir(dir);
	return n;
}

/*
 * Send LIST on a connection pinmgr has accepted but not yet finished
 * setting up: the test runs pinmgr under strace, which holds it for a few
 * seconds after each accept4() returns.  The new descriptor in pinmgr's
 * table says accept4() is done.
 */
static int early(const char *pidarg)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	pid_t pid = (pid_t)atoi(pidarg);
	unsigned int n = 0;
	int fd, before, i;

	if (!m)
		die("calloc");
	before = count_fds(pid);
	fd = conn(true);
	for (i = 0; i < 1000 && count_fds(pid) <= before; i++)
		usleep(10000);
	if (i == 1000) {
		printf("pinmgr did not accept in 10 s\n");
		return 0;
	}
	m->type = PINMGR_ADM_LIST;
	send_adm(fd, m, -1);
	while (get_adm(fd, m, 20000)) {
		if (m->type == PINMGR_ADM_PIN_ENTRY) {
			n++;
		} else if (m->type == PINMGR_ADM_DONE) {
			printf("list: %u pins\n", n);
			return 0;
		} else if (m->type == PINMGR_ADM_ERROR) {
			print_error(m);
			return 0;
		}
	}
	printf("no answer\n");
	return 0;
}

static int pin(int file, const char *mode)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_PIN };
	int fd = conn(true);

	m.pin.access = PINMGR_ADM_ACCESS_REMOTE_READ;
	if (!strcmp(mode, "rdwr"))
		m.pin.access |= PINMGR_ADM_ACCESS_REMOTE_WRITE;
	snprintf(m.pin.rdma_dev, sizeof(m.pin.rdma_dev), "rxe0");
	send_adm(fd, &m, file);
	if (!get_adm(fd, &m, 10000))
		printf("no answer\n");
	else if (m.type == PINMGR_ADM_ERROR)
		print_error(&m);
	else if (m.type == PINMGR_ADM_PINNED)
		printf("pinned %llu\n", (unsigned long long)m.pinned.id);
	else
		printf("answer type 0x%x\n", m.type);
	return 0;
}

static int hello(void)
{
	struct pinmgr_msg m = { .type = PINMGR_HELLO };
	int fd = conn(true);

	m.hello.pid = (uint32_t)getpid();
	send_lib(fd, &m);
	return fd;
}

static int forge(char **av)
{
	struct pinmgr_msg m = { .type = PINMGR_PIN_ADD };
	int fd = hello();

	m.pin_add.id = 1;
	m.pin_add.pid = (uint32_t)getpid();
	m.pin_add.dev_major = (uint32_t)strtoul(av[0], NULL, 0);
	m.pin_add.dev_minor = (uint32_t)strtoul(av[1], NULL, 0);
	m.pin_add.ino = strtoull(av[2], NULL, 0);
	m.pin_add.length = 4096;
	m.pin_add.lkey = m.pin_add.rkey = 0x666;
	snprintf(m.pin_add.rdma_dev, sizeof(m.pin_add.rdma_dev), "rxe0");
	snprintf(m.pin_add.path, sizeof(m.pin_add.path), "%s", av[3]);
	send_lib(fd, &m);
	if (get_lib(fd, &m, 500) && m.type == PINMGR_ERROR)
		printf("error: %s\n", m.error.message);
	printf("ready\n");
	hold();
	return 0;
}

static int show(char **av)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	int fd = conn(true);

	if (!m)
		die("calloc");
	m->type = PINMGR_ADM_SHOW;
	m->show.dev_major = (uint32_t)strtoul(av[0], NULL, 0);
	m->show.dev_minor = (uint32_t)strtoul(av[1], NULL, 0);
	m->show.ino = strtoull(av[2], NULL, 0);
	send_adm(fd, m, -1);
	while (get_adm(fd, m, 10000)) {
		switch (m->type) {
		case PINMGR_ADM_SHOW_REPLY:
			printf("path: %s\n", m->show_reply.path);
			break;
		case PINMGR_ADM_PIN_ENTRY:
			printf("pin %u %u %s\n", m->entry.pid, m->entry.uid, m->entry.path);
			break;
		case PINMGR_ADM_EVENT:
			printf("event pid %u %s\n", m->event.pid, m->event.path);
			break;
		case PINMGR_ADM_ERROR:
			print_error(m);
			return 0;
		case PINMGR_ADM_DONE:
			printf("done\n");
			return 0;
		default:
			break;
		}
	}
	printf("no answer\n");
	return 0;
}

static int say(const char *text)
{
	struct pinmgr_msg m = { .type = PINMGR_ERROR };
	int fd = hello();

	m.error.error = EIO;
	snprintf(m.error.message, sizeof(m.error.message), "%s", text);
	send_lib(fd, &m);
	/* a STATUS round trip on the same connection says it was read */
	close(fd);
	printf("said\n");
	return 0;
}

static int flood_conn(int n)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		if (conn(false) >= 0)
			ok++;
	printf("connected %d\n", ok);
	hold();
	return 0;
}

static int flood_add(int n)
{
	struct pinmgr_msg m = { .type = PINMGR_PIN_ADD };
	int fd = hello(), i, refused = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (i = 0; i < n; i++) {
		memset(&m, 0, sizeof(m));
		m.type = PINMGR_PIN_ADD;
		m.pin_add.id = (uint64_t)i + 1;
		m.pin_add.pid = (uint32_t)getpid();
		m.pin_add.dev_major = 7;
		m.pin_add.ino = (uint64_t)i + 1000;
		m.pin_add.length = 4096;
		snprintf(m.pin_add.rdma_dev, sizeof(m.pin_add.rdma_dev), "rxe0");
		snprintf(m.pin_add.path, sizeof(m.pin_add.path), "/flood/%d", i);
		send_lib(fd, &m);
		while (poll(&p, 1, 0) == 1) {
			if (!get_lib(fd, &m, 0))
				goto out;
			refused += m.type == PINMGR_ERROR;
		}
	}
	while (get_lib(fd, &m, 1000))
		refused += m.type == PINMGR_ERROR;
out:
	printf("added %d refused %d\n", i - refused, refused);
	hold();
	return 0;
}

static int flood_sub(int n)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	int i, ok = 0, refused = 0;

	if (!m)
		die("calloc");
	for (i = 0; i < n; i++) {
		int fd = conn(false);

		if (fd < 0) {
			refused++;
			continue;
		}
		memset(m, 0, sizeof(*m));
		m->type = PINMGR_ADM_EVENTS;
		m->events.flags = PINMGR_ADM_EVENTS_FOLLOW;
		if (!try_send_adm(fd, m)) {
			/* closed at once: too many connections */
			refused++;
			close(fd);
			continue;
		}
		while (get_adm(fd, m, 1000) && m->type == PINMGR_ADM_EVENT)
			;
		if (m->type == PINMGR_ADM_DONE)
			ok++;
		else
			refused++;
	}
	printf("subscribed %d refused %d\n", ok, refused);
	hold();
	return 0;
}

static int flood_break(char **av)
{
	struct pinmgr_adm_msg m = { .type = PINMGR_ADM_BREAK };
	time_t end = time(NULL) + atoi(av[3]);
	int fd = conn(true);
	unsigned long n = 0;

	while (time(NULL) < end) {
		memset(&m, 0, sizeof(m));
		m.type = PINMGR_ADM_BREAK;
		m.brk.dev_major = (uint32_t)strtoul(av[0], NULL, 0);
		m.brk.dev_minor = (uint32_t)strtoul(av[1], NULL, 0);
		m.brk.ino = strtoull(av[2], NULL, 0);
		send_adm(fd, &m, -1);
		if (!get_adm(fd, &m, 10000))
			break;
		n++;
	}
	printf("breaks %lu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	char **av = argv + 1;
	int ac = argc - 1, file = -1;
	uid_t uid = 0;
	gid_t gid = 0;
	bool drop = false;
	const char *cmd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (ac >= 2 && !strcmp(av[0], "--as")) {
		unsigned int u, g;

		if (sscanf(av[1], "%u:%u", &u, &g) != 2)
			return 2;
		uid = u;
		gid = g;
		drop = true;
		av += 2;
		ac -= 2;
	}
	if (ac < 2) {
		fprintf(stderr, "usage: pm-attack [--as UID:GID] CMD SOCKET ARGS...\n");
		return 2;
	}
	cmd = av[0];
	sock_path = av[1];
	av += 2;
	ac -= 2;
	if (!strcmp(cmd, "pin") && ac == 2) {
		int fl = !strcmp(av[1], "opath") ? O_PATH :
			 !strcmp(av[1], "rdwr") ? O_RDWR : O_RDONLY;

		file = open(av[0], fl | O_CLOEXEC);
		if (file < 0)
			die(av[0]);
	}
	if (drop && (setgroups(0, NULL) || setresgid(gid, gid, gid) ||
		     setresuid(uid, uid, uid)))
		die("drop privileges");
	if (!strcmp(cmd, "early") && ac == 1)
		return early(av[0]);
	if (!strcmp(cmd, "pin") && ac == 2)
		return pin(file, av[1]);
	if (!strcmp(cmd, "forge") && ac == 4)
		return forge(av);
	if (!strcmp(cmd, "show") && ac == 3)
		return show(av);
	if (!strcmp(cmd, "say") && ac == 1)
		return say(av[0]);
	if (!strcmp(cmd, "flood-conn") && ac == 1)
		return flood_conn(atoi(av[0]));
	if (!strcmp(cmd, "flood-add") && ac == 1)
		return flood_add(atoi(av[0]));
	if (!strcmp(cmd, "flood-sub") && ac == 1)
		return flood_sub(atoi(av[0]));
	if (!strcmp(cmd, "flood-break") && ac == 4)
		return flood_break(av);
	fprintf(stderr, "pm-attack: bad command line\n");
	return 2;
}
