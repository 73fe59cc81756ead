// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pm-peer - a scripted peer of pinmgr for daemon.test (host, no filepin
 * kernel needed).
 *
 *   pm-peer malformed SOCKET
 *	send every class of malformed message, each on a fresh connection,
 *	and check that each is answered with the right error; then flood
 *	one connection and check that pinmgr drops it.  Exit 0 when all
 *	held; one line per failure on stderr.
 *   pm-peer client SOCKET PROCDIR FILE done|refuse|ignore
 *	a libfilepin client: put a line for FILE in PROCDIR/<own pid>/
 *	file_pins (as the kernel would), send HELLO (answers revokes) and
 *	PIN_ADD, print "ready"; on REVOKE print "revoke" and give the pin
 *	up (done: remove the line, PIN_DEL, REVOKE_DONE), refuse
 *	(REVOKE_REFUSED EBUSY) or stay silent (ignore).  Ends at EOF on
 *	stdin, removing its PROCDIR entry.
 *   pm-peer notify PATH SECONDS
 *	receive one datagram on the unix socket PATH ($NOTIFY_SOCKET) and
 *	print it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "file-pins.h"
#include "pinmgr-admin.h"
#include "pinmgr-proto.h"
#include "seqpacket.h"

static int failures;

static __attribute__((format(printf, 1, 0))) void vsay(const char *fmt, va_list ap)
{
	fputs("pm-peer: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static __attribute__((format(printf, 1, 2))) void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	failures++;
}

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(2);
}

static int conn(const char *path)
{
	int fd = seqpacket_connect(path, 0, geteuid(), NULL);

	if (fd < 0)
		die("connect %s: %s", path, strerror(-fd));
	return fd;
}

/* next packet within @ms; its length, 0 at EOF, -1 on timeout */
static ssize_t get(int fd, void *buf, size_t size, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, ms) != 1) {
		errno = ETIMEDOUT;
		return -1;
	}
	return recv(fd, buf, size, 0);
}

static void put_le(unsigned char *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* Send @len bytes of @pkt on a new connection, expect an ERROR with @err. */
static void expect_error(const char *sock, const char *what, const void *pkt,
			 size_t len, bool admin, int err, int passfd)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX + 1];
	struct pinmgr_adm_msg am;
	struct pinmgr_msg pm;
	int fd = conn(sock);
	ssize_t n;

	if (pinmgr_adm_send(fd, pkt, len, passfd) != (ssize_t)len) {
		fail("%s: send: %s", what, strerror(errno));
		close(fd);
		return;
	}
	n = get(fd, buf, sizeof(buf), 5000);
	if (n <= 0) {
		fail("%s: %s", what, n ? "no answer in 5 s" : "connection closed, no answer");
	} else if (admin) {
		if (pinmgr_adm_decode(buf, (size_t)n, &am) || am.type != PINMGR_ADM_ERROR)
			fail("%s: the answer is not an admin ERROR", what);
		else if ((int)am.error.error != err)
			fail("%s: ERROR %u (%s), want %d", what, am.error.error,
			     am.error.message, err);
		else
			printf("%s: %s\n", what, am.error.message);
	} else {
		if (pinmgr_msg_decode(buf, (size_t)n, &pm) || pm.type != PINMGR_ERROR)
			fail("%s: the answer is not a library ERROR", what);
		else if ((int)pm.error.error != err)
			fail("%s: ERROR %u (%s), want %d", what, pm.error.error,
			     pm.error.message, err);
		else
			printf("%s: %s\n", what, pm.error.message);
	}
	close(fd);
}

static size_t enc_adm(const struct pinmgr_adm_msg *m, unsigned char *buf)
{
	ssize_t n = pinmgr_adm_encode(m, buf, PINMGR_ADM_SIZE_MAX);

	if (n < 0)
		die("encode: %s", strerror((int)-n));
	return (size_t)n;
}

static size_t enc_lib(const struct pinmgr_msg *m, unsigned char *buf)
{
	ssize_t n = pinmgr_msg_encode(m, buf, PINMGR_MSG_MAX);

	if (n < 0)
		die("encode: %s", strerror((int)-n));
	return (size_t)n;
}

static int malformed(const char *sock)
{
	static unsigned char pkt[20000], buf[PINMGR_ADM_SIZE_MAX + 1];
	struct pinmgr_adm_msg am = { .type = PINMGR_ADM_SHOW };
	struct pinmgr_msg lm = { .type = PINMGR_HELLO };
	size_t n;
	int fd, i, null;
	ssize_t r;

	/* admin protocol */
	strcpy(am.show.path, "/x");
	n = enc_adm(&am, pkt);
	expect_error(sock, "short header (3 bytes)", pkt, 3, false, EBADMSG, -1);
	expect_error(sock, "admin: truncated body", pkt, n - 1, true, EBADMSG, -1);
	pkt[n] = 'y';
	put_le(pkt + 4, n + 1, 4);
	expect_error(sock, "admin: trailing byte", pkt, n + 1, true, EBADMSG, -1);
	n = enc_adm(&am, pkt);
	pkt[n - 4] = 3;		/* the path claims 3 bytes, 2 follow */
	expect_error(sock, "admin: string length beyond the packet", pkt, n, true, EBADMSG, -1);
	n = enc_adm(&am, pkt);
	put_le(pkt + 4, n - 1, 4);
	expect_error(sock, "admin: length field does not match", pkt, n, true, EBADMSG, -1);
	n = enc_adm(&am, pkt);
	pkt[0] = 9;
	expect_error(sock, "admin: version 9", pkt, n, true, EPROTONOSUPPORT, -1);
	n = enc_adm(&am, pkt);
	pkt[2] = 0x50;
	expect_error(sock, "admin: unknown type 0x150", pkt, n, true, EOPNOTSUPP, -1);
	memset(&am, 0, sizeof(am));
	am.type = PINMGR_ADM_DONE;
	n = enc_adm(&am, pkt);
	expect_error(sock, "admin: an answer sent as a request", pkt, n, true, EOPNOTSUPP, -1);
	memset(&am, 0, sizeof(am));
	am.type = PINMGR_ADM_PIN;
	am.pin.access = PINMGR_ADM_ACCESS_REMOTE_READ;
	strcpy(am.pin.rdma_dev, "rxe0");
	n = enc_adm(&am, pkt);
	expect_error(sock, "admin: PIN without a descriptor", pkt, n, true, EBADF, -1);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	expect_error(sock, "admin: PIN of /dev/null", pkt, n, true, EINVAL, null);
	memset(&am, 0, sizeof(am));
	am.type = PINMGR_ADM_STATUS;
	n = enc_adm(&am, pkt);
	expect_error(sock, "admin: STATUS with a descriptor", pkt, n, true, EBADF, null);
	close(null);
	memset(&am, 0, sizeof(am));
	am.type = PINMGR_ADM_UNPIN;
	am.unpin.id = 999999;
	n = enc_adm(&am, pkt);
	expect_error(sock, "admin: UNPIN of an unknown id", pkt, n, true, ENOENT, -1);
	memset(pkt, 0, sizeof(pkt));
	put_le(pkt, PINMGR_ADM_VERSION, 2);
	put_le(pkt + 2, PINMGR_ADM_STATUS, 2);
	put_le(pkt + 4, sizeof(pkt), 4);
	expect_error(sock, "admin: 20000-byte packet", pkt, sizeof(pkt), true, EMSGSIZE, -1);

	/* library protocol */
	lm.hello.pid = (uint32_t)getpid();
	n = enc_lib(&lm, pkt);
	pkt[0] = 2;
	expect_error(sock, "lib: version 2", pkt, n, false, EPROTONOSUPPORT, -1);
	n = enc_lib(&lm, pkt);
	pkt[2] = 99;
	expect_error(sock, "lib: unknown type 99", pkt, n, false, EOPNOTSUPP, -1);
	n = enc_lib(&lm, pkt);
	expect_error(sock, "lib: truncated HELLO", pkt, n - 2, false, EBADMSG, -1);
	memset(&lm, 0, sizeof(lm));
	lm.type = PINMGR_PIN_DEL;
	lm.pin_del.id = 1;
	n = enc_lib(&lm, pkt);
	expect_error(sock, "lib: PIN_DEL before HELLO", pkt, n, false, EPROTO, -1);
	memset(&lm, 0, sizeof(lm));
	lm.type = PINMGR_REVOKE;
	lm.revoke.cookie = 1;
	n = enc_lib(&lm, pkt);
	expect_error(sock, "lib: REVOKE sent to pinmgr", pkt, n, false, EPROTO, -1);

	/* a flood of garbage on one connection: answered, then dropped */
	fd = conn(sock);
	for (i = 0; i < 40; i++)
		if (send(fd, "garbage", 7, MSG_NOSIGNAL) != 7)
			break;
	errno = 0;
	for (i = 0; i < 100; i++) {
		r = get(fd, buf, sizeof(buf), 5000);
		if (r <= 0)
			break;
	}
	/* closed; with our garbage unread, the kernel reports a reset */
	if (r != 0 && !(r < 0 && errno == ECONNRESET))
		fail("flood: the connection was not dropped (%zd after %d answers: %s)", r, i,
		     strerror(errno));
	else
		printf("flood: dropped after %d answers\n", i);
	close(fd);

	/* and pinmgr still answers */
	memset(&am, 0, sizeof(am));
	am.type = PINMGR_ADM_STATUS;
	n = enc_adm(&am, pkt);
	fd = conn(sock);
	if (send(fd, pkt, n, MSG_NOSIGNAL) != (ssize_t)n ||
	    (r = get(fd, buf, sizeof(buf), 5000)) <= 0 ||
	    pinmgr_adm_decode(buf, (size_t)r, &am) || am.type != PINMGR_ADM_STATUS_REPLY)
		fail("pinmgr does not answer STATUS after all that");
	close(fd);
	return failures ? 1 : 0;
}

static char procent[4200];

static void proc_line(const char *procdir, const char *file, bool present)
{
	char path[4300];
	struct stat st;
	FILE *f;

	if (stat(file, &st))
		die("stat %s: %s", file, strerror(errno));
	snprintf(procent, sizeof(procent), "%s/%d", procdir, (int)getpid());
	mkdir(procent, 0755);
	snprintf(path, sizeof(path), "%s/comm", procent);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	fputs("pm-peer\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/file_pins", procent);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (present) {
		static char esc[4 * 4096 + 1];

		file_pin_escape(file, esc, sizeof(esc));
		fprintf(f, "fd:7 /dev/infiniband/uverbs0 %u:%u %llu 0-15 16 %s\n",
			major(st.st_dev), minor(st.st_dev),
			(unsigned long long)st.st_ino, esc);
	}
	fclose(f);
}

static void proc_remove(void)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/file_pins", procent);
	unlink(path);
	snprintf(path, sizeof(path), "%s/comm", procent);
	unlink(path);
	rmdir(procent);
}

static void send_lib(int fd, const struct pinmgr_msg *m)
{
	unsigned char buf[PINMGR_MSG_MAX];
	size_t n = enc_lib(m, buf);

	if (send(fd, buf, n, MSG_NOSIGNAL) != (ssize_t)n)
		die("send %s: %s", pinmgr_msg_type_name(m->type), strerror(errno));
}

static int client(const char *sock, const char *procdir, const char *file,
		  const char *mode)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX + 1];
	struct pinmgr_msg m = { .type = PINMGR_HELLO };
	struct pinmgr_adm_msg am = { .type = PINMGR_ADM_STATUS };
	struct stat st;
	int fd;
	ssize_t n;

	if (strcmp(mode, "done") && strcmp(mode, "refuse") && strcmp(mode, "ignore"))
		die("mode must be done, refuse or ignore");
	if (stat(file, &st))
		die("stat %s: %s", file, strerror(errno));
	proc_line(procdir, file, true);
	fd = conn(sock);
	m.hello.pid = (uint32_t)getpid();
	m.hello.flags = PINMGR_HELLO_REVOKE;
	send_lib(fd, &m);
	memset(&m, 0, sizeof(m));
	m.type = PINMGR_PIN_ADD;
	m.pin_add.id = 1;
	m.pin_add.pid = (uint32_t)getpid();
	m.pin_add.mr_handle = 3;
	m.pin_add.lkey = 0x1234;
	m.pin_add.rkey = 0x5678;
	m.pin_add.dev_major = major(st.st_dev);
	m.pin_add.dev_minor = minor(st.st_dev);
	m.pin_add.ino = st.st_ino;
	m.pin_add.offset = 0;
	m.pin_add.length = 16 * 4096;
	strcpy(m.pin_add.rdma_dev, "rxe0");
	snprintf(m.pin_add.path, sizeof(m.pin_add.path), "%s", file);
	send_lib(fd, &m);
	/* a request on the same connection: answered after PIN_ADD was taken */
	n = (ssize_t)enc_adm(&am, buf);
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
		die("send STATUS: %s", strerror(errno));
	n = get(fd, buf, sizeof(buf), 5000);
	if (n <= 0 || pinmgr_adm_decode(buf, (size_t)n, &am) ||
	    am.type != PINMGR_ADM_STATUS_REPLY)
		die("no STATUS answer after PIN_ADD (was it refused?)");
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = STDIN_FILENO, .events = POLLIN } };
		struct pinmgr_msg in;

		if (poll(p, 2, -1) < 0)
			die("poll: %s", strerror(errno));
		if (p[1].revents) {
			char c;

			if (read(STDIN_FILENO, &c, 1) <= 0)
				break;
		}
		if (!p[0].revents)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			die("pinmgr closed the connection");
		if (pinmgr_msg_decode(buf, (size_t)n, &in)) {
			printf("undecodable message\n");
			continue;
		}
		if (in.type != PINMGR_REVOKE) {
			printf("message %s\n", pinmgr_msg_type_name(in.type));
			fflush(stdout);
			continue;
		}
		printf("revoke dev %u:%u ino %llu\n", in.revoke.dev_major,
		       in.revoke.dev_minor, (unsigned long long)in.revoke.ino);
		fflush(stdout);
		if (!strcmp(mode, "ignore"))
			continue;
		m = in;
		if (!strcmp(mode, "done")) {
			proc_line(procdir, file, false);	/* the kernel dropped it */
			memset(&m, 0, sizeof(m));
			m.type = PINMGR_PIN_DEL;
			m.pin_del.id = 1;
			send_lib(fd, &m);
			m = in;
			m.type = PINMGR_REVOKE_DONE;
			m.revoke.error = 0;
		} else {
			m.type = PINMGR_REVOKE_REFUSED;
			m.revoke.error = EBUSY;
		}
		send_lib(fd, &m);
	}
	proc_remove();
	close(fd);
	return 0;
}

static int notify(const char *path, int seconds)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[512];
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ssize_t n;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind %s: %s", path, strerror(errno));
	printf("listening\n");
	fflush(stdout);
	n = get(fd, buf, sizeof(buf) - 1, seconds * 1000);
	if (n <= 0)
		die("nothing received on %s in %d s", path, seconds);
	buf[n] = 0;
	printf("%s\n", buf);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "malformed"))
		return malformed(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "client"))
		return client(argv[2], argv[3], argv[4], argv[5]);
	if (argc == 4 && !strcmp(argv[1], "notify"))
		return notify(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: pm-peer malformed SOCKET | client SOCKET PROCDIR FILE MODE | notify PATH SECONDS\n");
	return 2;
}
