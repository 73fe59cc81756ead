// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The transport of pinmgr's socket (chrony's cmdmon.c keeps the same
 * apart): accept (per-user connection limit, accept-and-close when out of
 * descriptors), read one packet per connection per turn with its sender's
 * credentials (SCM_CREDENTIALS, checked against SO_PEERCRED of the
 * connection), queue answers and flush them without ever blocking the
 * daemon, close.  What a packet means is dispatch.c's business.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "pinmgr.h"

#define MAX_FDS 8

int pm_watch_conn(struct pm_daemon *d, struct pm_conn *c, bool add)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

	if (c->out_head)
		ev.events |= EPOLLOUT;
	return epoll_ctl(d->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c->fd, &ev);
}

unsigned int pm_count_conns(const struct pm_daemon *d, uid_t uid, bool subscribers)
{
	const struct pm_conn *c;
	unsigned int n = 0;

	for (c = d->conns; c; c = c->next)
		if (c->peer_uid == uid && (!subscribers || c->subscriber))
			n++;
	return n;
}

/*
 * Out of descriptors: the pending connection would wake us up again and
 * again.  Give back the spare descriptor, accept and close at once (the
 * client sees its connection closed), take the spare again.
 */
static void accept_and_close(struct pm_daemon *d, int err)
{
	static int64_t last_ms = -100000;
	int fd;

	if (d->spare_fd >= 0) {
		close(d->spare_fd);
		d->spare_fd = -1;
	}
	fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd >= 0)
		close(fd);
	d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	d->refused_conns++;
	if (pm_now_ms() - last_ms >= 10000) {
		last_ms = pm_now_ms();
		pm_warn("accept: %s: closing new connections (%lu so far; see LimitNOFILE= and max-connections)",
			strerror(err), d->refused_conns);
	}
}

void pm_conn_accept(struct pm_daemon *d)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct pm_conn *c;
	int one = 1;
	int fd;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			accept_and_close(d, errno);
		else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			pm_warn("accept: %m");
		return;
	}
	/* SO_PASSCRED is inherited from the listening socket; set it again all the same */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one))) {
		pm_warn("cannot read the credentials of a new connection: %m");
		close(fd);
		return;
	}
	if (cred.uid != 0 && pm_count_conns(d, cred.uid, false) >= d->cfg.max_conns) {
		struct pinmgr_adm_msg m = { .type = PINMGR_ADM_ERROR };
		unsigned char buf[PINMGR_ADM_HDR_SIZE + sizeof(m.error) + 8];
		ssize_t n;

		m.error.error = EUSERS;
		snprintf(m.error.message, sizeof(m.error.message),
			 "uid %u already has %u connections to pinmgr (max-connections)",
			 (unsigned int)cred.uid, d->cfg.max_conns);
		n = pinmgr_adm_encode(&m, buf, sizeof(buf));
		if (n > 0)
			(void)!send(fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
		close(fd);
		d->refused_conns++;
		pm_log_user(cred.uid, LOG_WARNING, "uid %u has %u connections (max-connections): refusing another",
			    (unsigned int)cred.uid, d->cfg.max_conns);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->peer_pid = cred.pid;
	c->peer_uid = cred.uid;
	c->peer_gid = cred.gid;
	c->next = d->conns;
	if (d->conns)
		d->conns->prev = c;
	d->conns = c;
	if (pm_watch_conn(d, c, true)) {
		pm_warn("cannot watch a new connection: %m");
		pm_conn_close(d, c);
		return;
	}
	pm_dbg("connection from pid %d uid %u", (int)cred.pid, (unsigned int)cred.uid);
}

void pm_conn_close(struct pm_daemon *d, struct pm_conn *c)
{
	struct pm_outbuf *o, *n;
	unsigned int dropped;

	c->dead = true;		/* nothing more is sent to it */
	epoll_ctl(d->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	pm_service_conn_gone(d, c);
	/* its pins first: a break waiting for it then sees them gone */
	dropped = pm_reg_drop_client(&d->reg, c);
	pm_break_conn_gone(d, c);
	if (c->hello) {
		d->nclients--;
		pm_log_user(c->uid, LOG_INFO, "libfilepin client pid %d (%s) gone%s%u pin(s) dropped",
			(int)c->pid, c->comm, dropped ? ": " : ", ", dropped);
	}
	if (c->admin)
		d->nadmins--;
	if (c->subscriber)
		d->nsubscribers--;
	for (o = c->out_head; o; o = n) {
		n = o->next;
		free(o);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
}

/* Send what is queued; false when the peer is gone. */
static bool flush(struct pm_daemon *d, struct pm_conn *c)
{
	struct pm_outbuf *o;

	while ((o = c->out_head)) {
		ssize_t n = send(c->fd, o->data, o->len, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == ENOBUFS))
			break;
		if (n < 0) {
			if (errno != EPIPE && errno != ECONNRESET)
				pm_dbg("send to pid %d: %m", (int)c->peer_pid);
			return false;
		}
		c->out_head = o->next;
		if (!c->out_head)
			c->out_tail = NULL;
		c->out_bytes -= o->len;
		free(o);
	}
	pm_watch_conn(d, c, false);
	return true;
}

static bool queue(struct pm_daemon *d, struct pm_conn *c, const void *buf,
		  size_t len)
{
	struct pm_outbuf *o;

	if (c->dead)
		return false;
	if (c->out_bytes + len > PM_OUT_MAX)
		return false;
	o = malloc(sizeof(*o) + len);
	if (!o)
		return false;
	o->next = NULL;
	o->len = len;
	memcpy(o->data, buf, len);
	if (c->out_tail)
		c->out_tail->next = o;
	else
		c->out_head = o;
	c->out_tail = o;
	c->out_bytes += len;
	if (c->out_head == o && !flush(d, c))
		c->dead = true;
	return !c->dead;
}

bool pm_send_adm(struct pm_daemon *d, struct pm_conn *c,
		 const struct pinmgr_adm_msg *m)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX];
	ssize_t n = pinmgr_adm_encode(m, buf, sizeof(buf));

	if (n < 0) {
		pm_err("cannot encode a %s answer: %s", pinmgr_adm_type_name(m->type),
		       strerror((int)-n));
		return false;
	}
	return queue(d, c, buf, (size_t)n);
}

bool pm_send_proto(struct pm_daemon *d, struct pm_conn *c,
		   const struct pinmgr_msg *m)
{
	unsigned char buf[PINMGR_MSG_MAX];
	ssize_t n = pinmgr_msg_encode(m, buf, sizeof(buf));

	if (n < 0) {
		pm_err("cannot encode a %s message: %s", pinmgr_msg_type_name(m->type),
		       strerror((int)-n));
		return false;
	}
	return queue(d, c, buf, (size_t)n);
}

void pm_send_adm_error(struct pm_daemon *d, struct pm_conn *c, int err,
		       const char *fmt, ...)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	va_list ap;

	if (!m)
		return;
	m->type = PINMGR_ADM_ERROR;
	m->error.error = (uint32_t)(err ? err : EIO);
	va_start(ap, fmt);
	vsnprintf(m->error.message, sizeof(m->error.message), fmt, ap);
	va_end(ap);
	pm_send_adm(d, c, m);
	free(m);
}

void pm_close_fds(int *fds, int n)
{
	while (n-- > 0)
		close(fds[n]);
}

/* Where an id does not map into our namespace the kernel reports this one. */
static uid_t overflow_id(const char *file)
{
	static uid_t id[2] = { (uid_t)-1, (uid_t)-1 };
	int k = !strcmp(file, "overflowgid");

	if (id[k] == (uid_t)-1) {
		char path[64];
		unsigned int v;
		FILE *f;

		id[k] = 65534;
		snprintf(path, sizeof(path), "/proc/sys/kernel/%s", file);
		f = fopen(path, "re");
		if (f) {
			if (fscanf(f, "%u", &v) == 1)
				id[k] = v;
			fclose(f);
		}
	}
	return id[k];
}

bool pm_cred_valid(const struct pm_cred *cred, const struct pm_conn *c)
{
	if (cred->pid <= 0)
		return false;
	/*
	 * A uid the kernel could not map reads as the overflow uid; that is
	 * also a real user's (nobody).  It counts as missing when the
	 * connection's peer (SO_PEERCRED) is somebody else.
	 */
	if (cred->uid == overflow_id("overflowuid") && c->peer_uid != cred->uid)
		return false;
	if (cred->gid == (gid_t)overflow_id("overflowgid") && c->peer_gid != cred->gid &&
	    cred->uid != c->peer_uid)
		return false;
	return true;
}

/* Read one packet; false when the connection is finished. */
static bool read_one(struct pm_daemon *d, struct pm_conn *c)
{
	static unsigned char buf[PINMGR_ADM_SIZE_MAX + PINMGR_MSG_MAX + 1];
	union {
		char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.b, .msg_controllen = sizeof(ctl.b),
	};
	struct pm_cred cred = { .pid = -1, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	struct cmsghdr *cm;
	int fds[MAX_FDS], nfds = 0;
	bool have_cred = false;
	ssize_t n;

	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? false : (c->dead = true, false);
	if (n == 0) {
		c->dead = true;
		return false;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET)
			continue;
		if (cm->cmsg_type == SCM_CREDENTIALS &&
		    cm->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			cred.pid = uc.pid;
			cred.uid = uc.uid;
			cred.gid = uc.gid;
			have_cred = true;
		} else if (cm->cmsg_type == SCM_RIGHTS) {
			size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int), j;

			for (j = 0; j < k && nfds < MAX_FDS; j++)
				memcpy(&fds[nfds++], CMSG_DATA(cm) + j * sizeof(int),
				       sizeof(int));
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		/* descriptors may have been lost: refuse, never guess */
		pm_close_fds(fds, nfds);
		pm_warn("message from pid %d with truncated control data: dropping the connection",
			(int)c->peer_pid);
		c->dead = true;
		return false;
	}
	if (!have_cred || !pm_cred_valid(&cred, c)) {
		/*
		 * A message without its sender's credentials (pid 0, the
		 * overflow ids) is nobody's: refuse it, never treat it as
		 * some user's request.
		 */
		pm_close_fds(fds, nfds);
		pm_log_user(c->peer_uid, LOG_WARNING, "message from pid %d (connection of uid %u) carries no sender credentials%s: refused",
			    (int)c->peer_pid, (unsigned int)c->peer_uid,
			    have_cred ? " (pid 0 / overflow ids)" : "");
		pm_dispatch_refuse(d, c, buf, (size_t)n, EPERM,
				   "carries no sender credentials (SCM_CREDENTIALS): refused");
		return !c->dead;
	}
	/* the connection's peer, or a process it handed the socket to */
	if (cred.uid != c->peer_uid && c->peer_uid != 0) {
		pm_log_user(cred.uid, LOG_INFO, "pid %d (uid %u) writes on the connection of uid %u",
			(int)cred.pid, (unsigned int)cred.uid, (unsigned int)c->peer_uid);
	}
	pm_dispatch(d, c, buf, (size_t)n, &cred, fds, nfds);
	return !c->dead;
}

void pm_conn_event(struct pm_daemon *d, struct pm_conn *c, uint32_t events)
{
	if (events & EPOLLOUT && !flush(d, c))
		c->dead = true;
	/*
	 * One request per connection per turn (epoll is level-triggered: the
	 * rest waits for the next turn), so that one busy peer cannot starve
	 * the others.
	 */
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->dead)
		read_one(d, c);
	if (!c->dead && (events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN))
		c->dead = true;
	if (c->dead)
		pm_conn_close(d, c);
}
