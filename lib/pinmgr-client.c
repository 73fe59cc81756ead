// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Reporting pins to pinmgr, and its revoke requests.
 *
 * The socket is $FILEPIN_PINMGR_SOCKET or /run/pinmgr/pinmgr.sock.  The
 * library connects when it has a pin to report and no connection; without
 * a daemon nothing changes.  Sends never block: a report the socket does
 * not take is dropped and counted (pinmgr also reads /proc/<pid>/file_pins).
 * After a reconnect every current pin is reported again.
 *
 * A context with an epoll fd (filepin_get_fd()) also has a timer in it:
 * while it holds pins and is not connected (the daemon went away, or was
 * not there at the registration), the timer makes the fd readable after
 * 10 ms, 20 ms, ... up to 1 s between tries, and filepin_dispatch()
 * reconnects, so that a restarted pinmgr reaches the program's revoke
 * callback without waiting for its next registration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <infiniband/verbs.h>

#include "filepin-private.h"
#include "pinmgr-proto.h"
#include "seqpacket.h"

#define RECONNECT_FIRST_MS 10
#define RECONNECT_MAX_MS 1000

void fp_pinmgr_init(struct fp_pinmgr *pm)
{
	memset(pm, 0, sizeof(*pm));
	pm->sock = -1;
	pm->timer = -1;
}

int fp_pinmgr_setup(struct filepin_ctx *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct fp_pinmgr *pm = &ctx->pinmgr;

	pm->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (pm->timer < 0)
		return -errno;
	ev.data.fd = pm->timer;
	if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, pm->timer, &ev)) {
		int err = -errno;

		close(pm->timer);
		pm->timer = -1;
		return err;
	}
	pm->armed = false;
	pm->backoff_ms = 0;
	return 0;
}

/* Try to reconnect after the next delay, if there is anything to report. */
static void reconnect_arm(struct filepin_ctx *ctx)
{
	struct fp_pinmgr *pm = &ctx->pinmgr;
	struct itimerspec its = { .it_value = { 0, 0 } };
	unsigned int ms;

	if (pm->timer < 0 || pm->armed || pm->sock >= 0 || !ctx->mrs.n)
		return;
	ms = pm->backoff_ms ? pm->backoff_ms : RECONNECT_FIRST_MS;
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (timerfd_settime(pm->timer, 0, &its, NULL)) {
		fp_warn(ctx, "cannot arm the pinmgr reconnect timer: %m");
		return;
	}
	pm->armed = true;
	pm->backoff_ms = ms * 2 < RECONNECT_MAX_MS ? ms * 2 : RECONNECT_MAX_MS;
	fp_dbg(ctx, "reconnecting to pinmgr in %u ms", ms);
}

static void reconnect_disarm(struct filepin_ctx *ctx)
{
	struct fp_pinmgr *pm = &ctx->pinmgr;
	struct itimerspec its = { .it_value = { 0, 0 } };
	uint64_t expirations;

	pm->backoff_ms = 0;
	if (pm->timer < 0)
		return;
	if (pm->armed)
		timerfd_settime(pm->timer, 0, &its, NULL);
	pm->armed = false;
	/* an expiry not read yet would make the fd poll readable for nothing */
	while (read(pm->timer, &expirations, sizeof(expirations)) > 0)
		;
}

/* Whether the timer expired (and is to be acted on now). */
static bool reconnect_due(struct filepin_ctx *ctx)
{
	struct fp_pinmgr *pm = &ctx->pinmgr;
	uint64_t expirations;

	if (pm->timer < 0 ||
	    read(pm->timer, &expirations, sizeof(expirations)) != sizeof(expirations))
		return false;
	pm->armed = false;
	return true;
}

void fp_pinmgr_release(struct filepin_ctx *ctx)
{
	struct fp_pinmgr *pm = &ctx->pinmgr;

	fp_pinmgr_close(ctx);
	if (pm->timer >= 0) {
		if (ctx->epfd >= 0)
			epoll_ctl(ctx->epfd, EPOLL_CTL_DEL, pm->timer, NULL);
		close(pm->timer);
		pm->timer = -1;
	}
}

const char *fp_pinmgr_path(void)
{
	const char *p = fp_getenv(PINMGR_SOCKET_ENV);

	return p && *p ? p : PINMGR_SOCKET_PATH;
}

static void unreport(struct fp_mr_rec *rec, void *data)
{
	size_t i;

	for (i = 0; i < rec->npins; i++)
		rec->pins[i].reported = false;
}

void fp_pinmgr_close(struct filepin_ctx *ctx)
{
	struct fp_pinmgr *pm = &ctx->pinmgr;
	struct stat st;

	if (pm->sock < 0)
		return;
	if (ctx->epfd >= 0)
		epoll_ctl(ctx->epfd, EPOLL_CTL_DEL, pm->sock, NULL);
	/* not if the program closed it and the number is now another file */
	if (!fstat(pm->sock, &st) && st.st_dev == pm->sock_dev &&
	    st.st_ino == pm->sock_ino)
		close(pm->sock);
	pm->sock = -1;
	fp_mr_table_each(&ctx->mrs, unreport, NULL);
}

void fp_pinmgr_forget(struct filepin_ctx *ctx)
{
	struct fp_pinmgr *pm = &ctx->pinmgr;
	struct stat st;

	/* no EPOLL_CTL_DEL: the epoll instance is the parent's too */
	if (pm->sock >= 0 && !fstat(pm->sock, &st) && st.st_dev == pm->sock_dev &&
	    st.st_ino == pm->sock_ino)
		close(pm->sock);
	pm->sock = -1;
	pm->revoke = false;
	pm->dropped = 0;
	if (pm->timer >= 0)
		close(pm->timer);
	pm->timer = -1;
	pm->armed = false;
	pm->backoff_ms = 0;
}

/* The connection broke: close it, and reconnect soon. */
static void pinmgr_lost(struct filepin_ctx *ctx)
{
	fp_pinmgr_close(ctx);
	ctx->pinmgr.backoff_ms = 0;
	reconnect_arm(ctx);
}

static int send_msg(struct filepin_ctx *ctx, const struct pinmgr_msg *m)
{
	unsigned char buf[PINMGR_MSG_MAX];
	ssize_t n;

	if (ctx->pinmgr.sock < 0)
		return -ENOTCONN;
	n = pinmgr_msg_encode(m, buf, sizeof(buf));
	if (n < 0) {
		fp_dbg(ctx, "cannot encode a %s message: %s",
		       pinmgr_msg_type_name(m->type), strerror((int)-n));
		return (int)n;
	}
	if (send(ctx->pinmgr.sock, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) == n)
		return 0;
	if (errno == EAGAIN || errno == ENOBUFS) {
		ctx->pinmgr.dropped++;
		fp_info(ctx, "pinmgr does not keep up: %s report dropped (%lu so far)",
			pinmgr_msg_type_name(m->type), ctx->pinmgr.dropped);
		return -EAGAIN;
	}
	fp_info(ctx, "pinmgr connection lost: %m");
	pinmgr_lost(ctx);
	return -ENOTCONN;
}

static int send_hello(struct filepin_ctx *ctx)
{
	struct pinmgr_msg m = { .type = PINMGR_HELLO };

	m.hello.pid = (uint32_t)getpid();
	m.hello.flags = ctx->revoke_fn ? PINMGR_HELLO_REVOKE : 0;
	ctx->pinmgr.revoke = !!ctx->revoke_fn;
	return send_msg(ctx, &m);
}

static void report_rec(struct fp_mr_rec *rec, void *data)
{
	struct filepin_ctx *ctx = data;
	struct pinmgr_msg m = { .type = PINMGR_PIN_ADD };
	struct pinmgr_pin_add *pa = &m.pin_add;
	const char *dev = NULL;
	size_t i;

	if (rec->mr->context && rec->mr->context->device)
		dev = rec->mr->context->device->name;
	for (i = 0; i < rec->npins && ctx->pinmgr.sock >= 0; i++) {
		struct fp_pin *p = &rec->pins[i];

		if (p->reported)
			continue;
		if (!p->id)
			p->id = ++ctx->next_pin_id;
		pa->id = p->id;
		pa->pid = (uint32_t)getpid();
		pa->mr_handle = rec->mr->handle;
		pa->lkey = rec->mr->lkey;
		pa->rkey = rec->mr->rkey;
		pa->dev_major = p->lease->major;
		pa->dev_minor = p->lease->minor;
		pa->ino = p->lease->ino;
		pa->offset = p->offset;
		pa->length = p->length;
		snprintf(pa->rdma_dev, sizeof(pa->rdma_dev), "%s",
			 dev && *dev ? dev : "unknown");
		snprintf(pa->path, sizeof(pa->path), "%s", p->lease->path);
		if (!send_msg(ctx, &m))
			p->reported = true;
	}
}

/* Connect if we are not; true when connected. */
static bool pinmgr_connect(struct filepin_ctx *ctx)
{
	const char *path = fp_pinmgr_path();
	struct ucred cred = { .pid = 0 };
	struct stat st;
	int fd;

	if (ctx->pinmgr.sock >= 0)
		return true;
	fd = seqpacket_connect(path, SOCK_NONBLOCK, geteuid(), &cred);
	if (fd == -EPERM) {
		fp_warn(ctx, "%s: served by uid %u, neither root nor this user: not reporting pins to it",
			path, (unsigned int)cred.uid);
		return false;
	}
	if (fd < 0) {
		fp_dbg(ctx, "no pinmgr at %s: %s", path, strerror(-fd));
		return false;
	}
	if (fstat(fd, &st)) {
		close(fd);
		return false;
	}
	ctx->pinmgr.sock = fd;
	ctx->pinmgr.sock_dev = st.st_dev;
	ctx->pinmgr.sock_ino = st.st_ino;
	if (ctx->epfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

		if (epoll_ctl(ctx->epfd, EPOLL_CTL_ADD, fd, &ev))
			fp_warn(ctx, "cannot poll the pinmgr socket: %m");
	}
	reconnect_disarm(ctx);
	fp_info(ctx, "connected to pinmgr at %s (pid %d)", path, (int)cred.pid);
	if (send_hello(ctx))
		return false;
	/* everything pinned so far, in case this is a reconnect */
	fp_mr_table_each(&ctx->mrs, report_rec, ctx);
	return ctx->pinmgr.sock >= 0;
}

void fp_pinmgr_report_add(struct filepin_ctx *ctx, struct fp_mr_rec *rec)
{
	if (pinmgr_connect(ctx))
		report_rec(rec, ctx);
	else
		reconnect_arm(ctx);
}

void fp_pinmgr_report_del(struct filepin_ctx *ctx, struct fp_mr_rec *rec)
{
	struct pinmgr_msg m = { .type = PINMGR_PIN_DEL };
	size_t i;

	for (i = 0; i < rec->npins && ctx->pinmgr.sock >= 0; i++) {
		if (!rec->pins[i].reported)
			continue;
		m.pin_del.id = rec->pins[i].id;
		send_msg(ctx, &m);
		rec->pins[i].reported = false;
	}
}

/* ---- requests from pinmgr -------------------------------------------- */

struct revoke_scan {
	const struct pinmgr_revoke *req;
	struct ibv_mr **mrs;
	size_t n;
	size_t cap;
	bool oom;
};

static bool rec_pins(const struct fp_mr_rec *rec, const struct pinmgr_revoke *req)
{
	size_t i;

	for (i = 0; i < rec->npins; i++) {
		const struct fp_lease *l = rec->pins[i].lease;

		if (l->ino == req->ino && l->major == req->dev_major &&
		    l->minor == req->dev_minor)
			return true;
	}
	return false;
}

static void revoke_collect(struct fp_mr_rec *rec, void *data)
{
	struct revoke_scan *s = data;

	if (!rec_pins(rec, s->req))
		return;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct ibv_mr **m = realloc(s->mrs, cap * sizeof(*m));

		if (!m) {
			s->oom = true;
			return;
		}
		s->mrs = m;
		s->cap = cap;
	}
	s->mrs[s->n++] = rec->mr;
}

static void handle_revoke(struct filepin_ctx *ctx, const struct pinmgr_revoke *req)
{
	struct revoke_scan scan = { .req = req };
	struct pinmgr_msg reply = { .type = PINMGR_REVOKE_DONE };
	filepin_revoke_fn fn;
	void *data;
	int refused = 0;
	size_t i;

	fp_lock(ctx);
	fp_mr_table_each(&ctx->mrs, revoke_collect, &scan);
	fn = ctx->revoke_fn;
	data = ctx->revoke_data;
	fp_unlock(ctx);
	fp_info(ctx, "pinmgr asks to give up the pins on dev %u:%u ino %llu (%zu MR(s))",
		req->dev_major, req->dev_minor, (unsigned long long)req->ino,
		scan.n);

	if (scan.n && !fn)
		refused = EOPNOTSUPP;
	for (i = 0; i < scan.n && fn; i++) {
		struct fp_mr_rec *rec;
		bool still;
		int r;

		fp_lock(ctx);
		rec = fp_mr_table_find(&ctx->mrs, scan.mrs[i]);
		still = rec && rec_pins(rec, req);
		fp_unlock(ctx);
		if (!still)
			continue;
		r = fn(ctx, scan.mrs[i], data);
		if (r < 0)
			refused = -r;
	}
	free(scan.mrs);

	fp_lock(ctx);
	scan.n = 0;
	scan.mrs = NULL;
	scan.cap = 0;
	fp_mr_table_each(&ctx->mrs, revoke_collect, &scan);
	free(scan.mrs);
	if (scan.n || scan.oom) {
		reply.type = PINMGR_REVOKE_REFUSED;
		reply.revoke.error = refused ? (uint32_t)refused : EBUSY;
	}
	reply.revoke.cookie = req->cookie;
	reply.revoke.dev_major = req->dev_major;
	reply.revoke.dev_minor = req->dev_minor;
	reply.revoke.ino = req->ino;
	fp_info(ctx, "revoke of ino %llu: %s", (unsigned long long)req->ino,
		reply.type == PINMGR_REVOKE_DONE ? "done" : strerror((int)reply.revoke.error));
	send_msg(ctx, &reply);
	fp_unlock(ctx);
}

static void send_error(struct filepin_ctx *ctx, int err, const char *what)
{
	struct pinmgr_msg m = { .type = PINMGR_ERROR };

	m.error.error = (uint32_t)err;
	snprintf(m.error.message, sizeof(m.error.message), "%s", what);
	send_msg(ctx, &m);
}

int filepin_dispatch(struct filepin_ctx *ctx)
{
	unsigned char buf[PINMGR_MSG_MAX + 1];
	struct pinmgr_msg msg;
	int handled = 0;

	if (!ctx)
		return -EINVAL;
	for (;;) {
		ssize_t n;
		int err;

		fp_lock(ctx);
		if (reconnect_due(ctx) && !pinmgr_connect(ctx))
			reconnect_arm(ctx);
		if (ctx->pinmgr.sock < 0) {
			fp_unlock(ctx);
			return handled;
		}
		n = recv(ctx->pinmgr.sock, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			fp_unlock(ctx);
			return handled;
		}
		if (n <= 0) {
			if (n < 0)
				fp_info(ctx, "pinmgr connection lost: %m");
			else
				fp_info(ctx, "pinmgr closed the connection");
			pinmgr_lost(ctx);
			fp_unlock(ctx);
			return handled;
		}
		err = (size_t)n > PINMGR_MSG_MAX ? -EMSGSIZE :
			pinmgr_msg_decode(buf, (size_t)n, &msg);
		if (err) {
			fp_warn(ctx, "bad message from pinmgr (%zd bytes): %s", n,
				strerror(-err));
			send_error(ctx, -err, "bad message");
			fp_unlock(ctx);
			continue;
		}
		handled++;
		switch (msg.type) {
		case PINMGR_REVOKE:
			fp_unlock(ctx);
			handle_revoke(ctx, &msg.revoke);
			continue;
		case PINMGR_ERROR:
			fp_err(ctx, "pinmgr: %s (%s)", msg.error.message,
			       strerror((int)msg.error.error));
			break;
		case PINMGR_HELLO:
			break;
		default:
			fp_warn(ctx, "unexpected %s message from pinmgr",
				pinmgr_msg_type_name(msg.type));
			send_error(ctx, EOPNOTSUPP, "unexpected message");
			break;
		}
		fp_unlock(ctx);
	}
}

void filepin_set_revoke_fn(struct filepin_ctx *ctx, filepin_revoke_fn fn,
			   void *userdata)
{
	if (!ctx)
		return;
	fp_lock(ctx);
	ctx->revoke_fn = fn;
	ctx->revoke_data = userdata;
	if (ctx->pinmgr.sock >= 0 && ctx->pinmgr.revoke != !!fn)
		send_hello(ctx);
	fp_unlock(ctx);
}

int filepin_get_fd(struct filepin_ctx *ctx)
{
	if (!ctx || ctx->epfd < 0)
		return -EINVAL;
	return ctx->epfd;
}
