// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * pinmgr restarts while a program holds a pin and has a revoke callback:
 * the program, which only polls filepin_get_fd() and calls
 * filepin_dispatch() (no new registration), must reconnect to the new
 * daemon by itself (HELLO with PINMGR_HELLO_REVOKE, its pin reported
 * again), so that a break asked right after the restart reaches its revoke
 * callback.  The daemon is a minimal fake on $FILEPIN_PINMGR_SOCKET; every
 * wait has a time limit, none is a fixed sleep.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "fake-env.h"
#include "fake-pinmgr.h"
#include "pinmgr-proto.h"
#include "tap.h"

#define MiB (1024 * 1024)
#define LIMIT_MS 5000

static struct filepin_ctx *ctx;
static int dummy_pd;
#define PD ((struct ibv_pd *)&dummy_pd)

/* ---- the program: an event loop on filepin_get_fd() -------------------- */

static struct {
	pthread_mutex_t lock;
	bool stop;
	int revokes;
} prog = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int revoke_cb(struct filepin_ctx *c, struct ibv_mr *mr, void *data)
{
	pthread_mutex_lock(&prog.lock);
	prog.revokes++;
	pthread_mutex_unlock(&prog.lock);
	return filepin_dereg_mr(c, mr);
}

static void *event_loop(void *unused)
{
	struct pollfd p = { .fd = filepin_get_fd(ctx), .events = POLLIN };

	for (;;) {
		bool stop;

		pthread_mutex_lock(&prog.lock);
		stop = prog.stop;
		pthread_mutex_unlock(&prog.lock);
		if (stop)
			return NULL;
		/* a short timeout only to see the stop flag */
		if (poll(&p, 1, 50) == 1)
			filepin_dispatch(ctx);
	}
}

static bool connected(void)
{
	bool c;

	fp_lock(ctx);
	c = ctx->pinmgr.sock >= 0;
	fp_unlock(ctx);
	return c;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(void)
{
	struct timespec tick = { 0, 1000000 };
	struct pinmgr_msg m, req = { .type = PINMGR_REVOKE };
	char *dir, *pa, *sock;
	struct ibv_mr *mr;
	int lfd, srv, fa, type, revokes;
	struct stat st;
	pthread_t t;
	double t0;

	dir = make_tmpdir();
	pa = dir ? make_file(dir, "pinned", 2 * MiB) : NULL;
	if (!pa || asprintf(&sock, "%s/pinmgr.sock", dir) < 0)
		bail("cannot make files");
	setenv(PINMGR_SOCKET_ENV, sock, 1);
	fa = open(pa, O_RDONLY | O_CLOEXEC);
	if (fa < 0 || fstat(fa, &st))
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
	filepin_set_revoke_fn(ctx, revoke_cb, NULL);

	is_int(filepin_reg_mr(ctx, PD, fa, 0, MiB, 0, 0, 0, &mr), 0, "the program pins the file");
	srv = fake_pinmgr_accept(lfd, LIMIT_MS);
	type = fake_pinmgr_recv(srv, &m, LIMIT_MS);
	ok(srv >= 0 && type == PINMGR_HELLO && (m.hello.flags & PINMGR_HELLO_REVOKE),
	   "it connects: HELLO with a revoke callback");
	ok(fake_pinmgr_recv(srv, &m, LIMIT_MS) == PINMGR_PIN_ADD, "PIN_ADD");
	if (pthread_create(&t, NULL, event_loop, NULL))
		bail("pthread_create");

	/* pinmgr stops: the program's event loop sees the hangup */
	close(srv);
	close(lfd);
	unlink(sock);
	t0 = now_ms();
	while (connected() && now_ms() - t0 < LIMIT_MS)
		nanosleep(&tick, NULL);
	ok(!connected(), "pinmgr stops: the program notices the hangup");

	/* ... and starts again; the program registers nothing new */
	lfd = fake_pinmgr_listen(sock);
	t0 = now_ms();
	srv = fake_pinmgr_accept(lfd, LIMIT_MS);
	ok(srv >= 0, "the program reconnects to the restarted pinmgr by itself (within %d ms: %.0f ms)",
	   LIMIT_MS, now_ms() - t0);
	type = srv >= 0 ? fake_pinmgr_recv(srv, &m, LIMIT_MS) : -1;
	ok(type == PINMGR_HELLO && (m.hello.flags & PINMGR_HELLO_REVOKE),
	   "... HELLO with its revoke callback");
	type = srv >= 0 ? fake_pinmgr_recv(srv, &m, LIMIT_MS) : -1;
	ok(type == PINMGR_PIN_ADD && m.pin_add.ino == st.st_ino && m.pin_add.length == MiB,
	   "... its pin reported again");

	/* a break right after the restart */
	req.revoke.cookie = 42;
	req.revoke.dev_major = major(st.st_dev);
	req.revoke.dev_minor = minor(st.st_dev);
	req.revoke.ino = st.st_ino;
	if (srv >= 0) {
		unsigned char buf[PINMGR_MSG_MAX];
		ssize_t n = pinmgr_msg_encode(&req, buf, sizeof(buf));

		if (n < 0 || send(srv, buf, (size_t)n, 0) != n)
			bail("send REVOKE: %s", strerror(errno));
	}
	type = srv >= 0 ? fake_pinmgr_recv(srv, &m, LIMIT_MS) : -1;
	if (type == PINMGR_PIN_DEL)
		type = fake_pinmgr_recv(srv, &m, LIMIT_MS);
	ok(type == PINMGR_REVOKE_DONE && m.revoke.cookie == 42,
	   "a break right after the restart: REVOKE_DONE");
	pthread_mutex_lock(&prog.lock);
	revokes = prog.revokes;
	prog.stop = true;
	pthread_mutex_unlock(&prog.lock);
	is_int(revokes, 1, "the program's revoke callback ran");
	pthread_join(t, NULL);
	is_int(fake_leases_held(), 0, "its lease is released");
	if (!revokes)
		filepin_dereg_mr(ctx, mr);

	filepin_ctx_unref(ctx);
	if (srv >= 0)
		close(srv);
	close(lfd);
	close(fa);
	unlink(sock);
	unlink(pa);
	rmdir(dir);
	free(pa);
	free(sock);
	free(dir);
	return done_testing();
}
