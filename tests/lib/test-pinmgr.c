// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reporting to pinmgr, against a fake daemon on $FILEPIN_PINMGR_SOCKET:
 * HELLO and PIN_ADD with every field, PIN_DEL, REVOKE answered through the
 * revoke callback (done, refused, no callback), bad packets from the
 * daemon, a daemon that goes away and comes back (pins reported again), a
 * daemon that does not read (reports dropped, registrations unaffected),
 * and no daemon at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fake-env.h"
#include "fake-pinmgr.h"
#include "pinmgr-proto.h"
#include "tap.h"

#define MiB (1024 * 1024)

static struct filepin_ctx *ctx;
static int dummy_pd;
#define PD ((struct ibv_pd *)&dummy_pd)

static void srv_send(int fd, const struct pinmgr_msg *m)
{
	unsigned char buf[PINMGR_MSG_MAX];
	ssize_t n = pinmgr_msg_encode(m, buf, sizeof(buf));

	if (n < 0 || send(fd, buf, (size_t)n, 0) != n)
		bail("server send failed");
}

static int dispatch_wait(void)
{
	struct pollfd p = { .fd = filepin_get_fd(ctx), .events = POLLIN };

	if (poll(&p, 1, 2000) != 1)
		return -1;
	return filepin_dispatch(ctx);
}

static int revoke_calls, revoke_answer;

// cppcheck-suppress constParameter
static int revoke_cb(struct filepin_ctx *c, struct ibv_mr *mr, void *data)
{
	revoke_calls++;
	if (data != &revoke_calls)
		return -EFAULT;
	if (revoke_answer)
		return revoke_answer;
	return filepin_dereg_mr(c, mr);
}

static struct pinmgr_msg revoke_req(uint64_t cookie, const struct stat *st)
{
	struct pinmgr_msg m = { .type = PINMGR_REVOKE };

	m.revoke.cookie = cookie;
	m.revoke.dev_major = major(st->st_dev);
	m.revoke.dev_minor = minor(st->st_dev);
	m.revoke.ino = st->st_ino;
	return m;
}

int main(void)
{
	char *dir, *pa, *sock, real[PATH_MAX];
	struct ibv_mr *m1 = NULL, *m2 = NULL, *m3 = NULL, *rm;
	struct pinmgr_msg m, req;
	uint64_t id_rm = 0, id_m1 = 0;
	int lfd, srv, fa, fds0, type, n;
	struct fp_reg_args a = { .kind = FP_REG_MR, .pd = PD };
	struct stat st;
	char *map;

	dir = make_tmpdir();
	pa = dir ? make_file(dir, "pinned file", 4 * MiB) : NULL;
	if (!pa || asprintf(&sock, "%s/pinmgr.sock", dir) < 0)
		bail("cannot make files");
	setenv(PINMGR_SOCKET_ENV, sock, 1);
	fa = open(pa, O_RDONLY | O_CLOEXEC);
	if (fa < 0 || fstat(fa, &st) || !realpath(pa, real))
		bail("open: %s", strerror(errno));
	if (fcntl(fa, F_SETLEASE, F_RDLCK))
		skip_all("no read leases on %s (%s): the fake kernel needs them", dir,
			 strerror(errno));
	fcntl(fa, F_SETLEASE, F_UNLCK);
	fake_add_dax(fa);
	lfd = fake_pinmgr_listen(sock);
	ctx = fake_ctx();
	if (!ctx)
		bail("no context");

	/* HELLO and PIN_ADD */
	is_int(filepin_reg_mr(ctx, PD, fa, 4096, 8192, 0, 0, 0, &m1), 0, "an MR");
	srv = fake_pinmgr_accept(lfd, 2000);
	ok(srv >= 0, "the library connected to the daemon");
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_HELLO && m.hello.pid == (uint32_t)getpid() && m.hello.flags == 0,
	   "HELLO with our pid, no revoke callback yet");
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_PIN_ADD, "PIN_ADD");
	if (type == PINMGR_PIN_ADD) {
		ok(m.pin_add.pid == (uint32_t)getpid() && m.pin_add.lkey == m1->lkey &&
		   m.pin_add.rkey == m1->rkey && m.pin_add.mr_handle == m1->handle,
		   "PIN_ADD: pid, lkey, rkey, MR handle");
		is_str(m.pin_add.rdma_dev, "fake0", "PIN_ADD: RDMA device");
		ok(m.pin_add.dev_major == major(st.st_dev) && m.pin_add.dev_minor == minor(st.st_dev) &&
		   m.pin_add.ino == st.st_ino, "PIN_ADD: device and inode");
		ok(m.pin_add.offset == 4096 && m.pin_add.length == 8192, "PIN_ADD: file range");
		is_str(m.pin_add.path, real, "PIN_ADD: path (with its space)");
		id_m1 = m.pin_add.id;
	}

	/* a registration through the interposer path */
	map = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, fa, MiB);
	a.addr = map + 4096;
	a.length = 4096;
	rm = fp_range_reg(ctx, &a);
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(rm && type == PINMGR_PIN_ADD && m.pin_add.offset == MiB + 4096 &&
	   m.pin_add.length == 4096, "an interposed registration is reported with its file range");
	id_rm = m.pin_add.id;
	ok(id_rm != id_m1, "pins have distinct ids");

	filepin_set_revoke_fn(ctx, revoke_cb, &revoke_calls);
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_HELLO && m.hello.flags == PINMGR_HELLO_REVOKE,
	   "setting a revoke callback sends HELLO with PINMGR_HELLO_REVOKE");

	fp_range_dereg(ctx, rm);
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_PIN_DEL && m.pin_del.id == id_rm, "dereg: PIN_DEL with its id");

	/* REVOKE: the callback deregisters */
	req = revoke_req(7, &st);
	srv_send(srv, &req);
	n = dispatch_wait();
	is_int(n, 1, "the fd polls readable and dispatch handles one request");
	is_int(revoke_calls, 1, "the revoke callback ran for the MR");
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_PIN_DEL && m.pin_del.id == id_m1, "its dereg sent PIN_DEL");
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_REVOKE_DONE && m.revoke.cookie == 7 && m.revoke.ino == st.st_ino,
	   "REVOKE_DONE with the cookie");
	is_int(fake_leases_held(), 0, "the lease is gone");

	/* the callback refuses */
	filepin_reg_mr(ctx, PD, fa, 0, 4096, 0, 0, 0, &m2);
	fake_pinmgr_recv(srv, &m, 2000);
	revoke_answer = -EBUSY;
	req = revoke_req(8, &st);
	srv_send(srv, &req);
	dispatch_wait();
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_REVOKE_REFUSED && m.revoke.cookie == 8 && m.revoke.error == EBUSY,
	   "the callback refuses: REVOKE_REFUSED(EBUSY)");
	revoke_answer = 0;

	/* no callback */
	filepin_set_revoke_fn(ctx, NULL, NULL);
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_HELLO && m.hello.flags == 0, "callback removed: HELLO without the flag");
	req = revoke_req(9, &st);
	srv_send(srv, &req);
	dispatch_wait();
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_REVOKE_REFUSED && m.revoke.error == EOPNOTSUPP,
	   "no callback: REVOKE_REFUSED(EOPNOTSUPP)");
	/* a file we do not pin */
	req = revoke_req(10, &st);
	req.revoke.ino++;
	srv_send(srv, &req);
	dispatch_wait();
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_REVOKE_DONE && m.revoke.cookie == 10, "a file we do not pin: REVOKE_DONE");

	/* bad packets from the daemon */
	send(srv, "abc", 3, 0);
	dispatch_wait();
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_ERROR && m.error.error == EBADMSG, "a short packet: ERROR(EBADMSG)");
	req = revoke_req(11, &st);
	{
		unsigned char buf[PINMGR_MSG_MAX];
		ssize_t len = pinmgr_msg_encode(&req, buf, sizeof(buf));

		buf[0] = 9;
		send(srv, buf, (size_t)len, 0);
	}
	dispatch_wait();
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_ERROR && m.error.error == EPROTONOSUPPORT,
	   "another protocol version: ERROR(EPROTONOSUPPORT)");
	req.type = PINMGR_PIN_DEL;
	req.pin_del.id = 1;
	srv_send(srv, &req);
	dispatch_wait();
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(type == PINMGR_ERROR && m.error.error == EOPNOTSUPP,
	   "a message meant for the daemon: ERROR(EOPNOTSUPP)");

	/* the daemon goes away and comes back */
	close(srv);
	is_int(dispatch_wait(), 0, "the daemon hung up: dispatch notices");
	is_int(ctx->pinmgr.sock, -1, "disconnected");
	is_int(filepin_reg_mr(ctx, PD, fa, 8192, 4096, 0, 0, 0, &m3), 0, "register again");
	srv = fake_pinmgr_accept(lfd, 2000);
	type = fake_pinmgr_recv(srv, &m, 2000);
	ok(srv >= 0 && type == PINMGR_HELLO, "reconnected: HELLO");
	n = 0;
	while (fake_pinmgr_recv(srv, &m, 2000) == PINMGR_PIN_ADD)
		n++;
	is_int(n, 2, "both current pins reported again");

	/* a daemon that does not read */
	fds0 = count_fds();
	{
		struct ibv_mr *many[3000];
		int failed = 0, i;

		for (i = 0; i < 3000; i++) {
			a.addr = map + (i % 500) * 4096;
			a.length = 4096;
			many[i] = fp_range_reg(ctx, &a);
			if (!many[i])
				failed++;
		}
		ok(!failed && ctx->pinmgr.dropped > 0,
		   "a daemon that does not read: %lu reports dropped, no registration failed",
		   ctx->pinmgr.dropped);
		for (i = 0; i < 3000; i++)
			if (many[i])
				fp_range_dereg(ctx, many[i]);
	}
	is_int(count_fds(), fds0, "no fd leaked");
	close(srv);

	/* no daemon */
	close(lfd);
	unlink(sock);
	filepin_dispatch(ctx);
	fds0 = count_fds();
	a.addr = map;
	rm = fp_range_reg(ctx, &a);
	ok(rm != NULL, "no daemon: registration works");
	is_int(ctx->pinmgr.sock, -1, "... not connected");
	fp_range_dereg(ctx, rm);
	is_int(count_fds(), fds0, "... and leaves no fd");

	filepin_dereg_mr(ctx, m2);
	filepin_dereg_mr(ctx, m3);
	is_int(fake_leases_held(), 0, "every lease released");
	filepin_ctx_unref(ctx);
	munmap(map, 2 * MiB);
	close(fa);
	unlink(pa);
	rmdir(dir);
	free(pa);
	free(sock);
	free(dir);
	return done_testing();
}
