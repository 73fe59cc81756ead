// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinmgr - the filepin pin manager: a registry of the long-term pins of
 * DAX file ranges on this host, the kernel's refusal events, a per-path
 * break policy and a pin service for RDMA peers.  See pinmgr(8).
 *
 * One thread, one epoll loop: the listening socket, the connections, a
 * signalfd (TERM/INT stop, HUP reloads the configuration), and the
 * generic-netlink socket of the kernel events; /proc is rescanned on a
 * timer and whenever an answer depends on it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "pinmgr.h"
#include "removal.h"
#include "svc-pin.h"

#ifndef PINMGR_CONF
#define PINMGR_CONF "/etc/pinmgr.conf"
#endif

static int tag_listen, tag_signal, tag_genl;
static char tag_export;	/* rdma_cm events of exports (export.c) */

static void __attribute__((noreturn)) usage(FILE *out, int status)
{
	fprintf(out,
		"Usage: pinmgr [options]\n\n"
		"The filepin pin manager: tracks long-term pins of DAX file ranges,\n"
		"reports and (by policy) breaks them when the kernel refuses a\n"
		"truncate, and pins file ranges for RDMA peers.\n\n"
		"Options:\n"
		"  -n, --foreground     do not detach (for systemd and tests)\n"
		"  -d, --debug          log to stderr, with debug messages\n"
		"  -c, --config FILE    configuration (default %s)\n"
		"  -s, --socket PATH    socket (default %s)\n"
		"      --proc DIR       read pins from DIR instead of /proc (tests)\n"
		"  -h, --help           show this help\n"
		"  -V, --version        show the version\n\n"
		"See pinmgr(8) and pinmgr.conf(5).\n", PINMGR_CONF, PINMGR_SOCKET_PATH);
	exit(status);
}

static int watch(struct pm_daemon *d, int fd, void *tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = tag };

	return epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void genl_watch(struct pm_daemon *d)
{
	if (pm_genl_fd(d) >= 0 && watch(d, pm_genl_fd(d), &tag_genl)) {
		pm_err("cannot watch the kernel event socket: %m");
		pm_genl_close(d);
	}
}

static void reload(struct pm_daemon *d)
{
	struct pm_config cfg;
	char err[512];

	/* the same rule as at start: a named file must be there */
	if (pm_config_load(d->config_path, !d->config_path_given, &cfg, err, sizeof(err))) {
		pm_err("%s: %s; keeping the configuration in use", d->config_path, err);
		return;
	}
	if (cfg.event_ring != d->cfg.event_ring)
		pm_warn("event-ring %u takes effect when pinmgr restarts", cfg.event_ring);
	cfg.event_ring = d->cfg.event_ring;
	if ((cfg.listen || d->cfg.listen) &&
	    (!cfg.listen || !d->cfg.listen || strcmp(cfg.listen, d->cfg.listen)))
		pm_warn("listen takes effect when pinmgr restarts");
	pm_config_free(&d->cfg);
	d->cfg = cfg;
	pm_notice("configuration reloaded from %s (%zu policy rule(s))", d->config_path,
		  d->cfg.nrules);
	if (!d->genl_ok && pm_genl_open(d))
		genl_watch(d);
}

static void on_signal(struct pm_daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			pm_info("signal %d: stopping", (int)si.ssi_signo);
			d->stop = true;
			break;
		case SIGHUP:
			reload(d);
			break;
		}
	}
}

static void reap(struct pm_daemon *d)
{
	struct pm_conn *c, *n;

	for (c = d->conns; c; c = n) {
		n = c->next;
		if (c->dead)
			pm_conn_close(d, c);
	}
}

static int loop(struct pm_daemon *d)
{
	struct epoll_event ev[32];
	bool active = true;	/* the last turn did something */

	while (!d->stop) {
		int64_t now = pm_now_ms();
		int timeout = pm_break_tick(d), n, i, mt = pm_metrics_tick(d, active);
		int rt = pm_removal_tick(d);	/* removal.c */

		if (rt >= 0 && (timeout < 0 || rt < timeout))
			timeout = rt;

		if (d->cfg.scan_interval_ms) {
			int64_t t = d->next_scan_ms - now;

			if (t < 0)
				t = 0;
			if (timeout < 0 || t < timeout)
				timeout = (int)t;
		}
		if (mt >= 0 && (timeout < 0 || mt < timeout))
			timeout = mt;
		n = epoll_wait(d->epfd, ev, 32, timeout);
		d->turn++;
		active = n > 0;
		if (n < 0 && errno != EINTR) {
			pm_err("epoll_wait: %m");
			return -1;
		}
		for (i = 0; i < n; i++) {
			void *tag = ev[i].data.ptr;

			if (tag == &tag_listen)
				pm_conn_accept(d);
			else if (tag == &tag_signal)
				on_signal(d);
			else if (tag == &tag_genl)
				pm_genl_read(d);
			else if (tag == &tag_export)
				pm_export_read(d);
			else
				pm_conn_event(d, tag, ev[i].events);
		}
		reap(d);
		now = pm_now_ms();
		if (d->cfg.scan_interval_ms && now >= d->next_scan_ms) {
			pm_proc_scan(d);
			d->next_scan_ms = now + d->cfg.scan_interval_ms;
			active = true;
		}
	}
	return 0;
}

/* Detach; the parent exits once the child says it is ready (or failed). */
static int daemonize(int *ready_fd)
{
	int p[2], null;
	char c = 1;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 1;
		_exit(c ? EXIT_FAILURE : EXIT_SUCCESS);
	}
	close(p[0]);
	*ready_fd = p[1];
	if (setsid() < 0)
		return -1;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	return 0;
}

static void tell_parent(int *ready_fd, bool ok)
{
	char c = ok ? 0 : 1;

	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, &c, 1) != 1)
		pm_warn("cannot tell the parent process: %m");
	close(*ready_fd);
	*ready_fd = -1;
}

/* Make *@path absolute (the result is in *@buf, to be freed). */
static int absolute(const char **path, char **buf)
{
	char *cwd;
	size_t n;

	if ((*path)[0] == '/')
		return 0;
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return -1;
	n = strlen(cwd) + strlen(*path) + 2;
	*buf = malloc(n);
	if (!*buf) {
		free(cwd);
		return -1;
	}
	snprintf(*buf, n, "%s/%s", cwd, *path);
	free(cwd);
	*path = *buf;
	return 0;
}

static int setup(struct pm_daemon *d)
{
	sigset_t mask;
	char err[512];
	int r;

	r = pm_config_load(d->config_path, !d->config_path_given, &d->cfg, err, sizeof(err));
	if (r) {
		pm_err("%s: %s", d->config_path, err);
		return r;
	}
	if (!d->socket_path)
		d->socket_path = d->cfg.socket ? d->cfg.socket : PINMGR_SOCKET_PATH;
	if (pm_reg_init(&d->reg, (unsigned long)sysconf(_SC_PAGESIZE)) ||
	    pm_events_init(&d->events, d->cfg.event_ring))
		return -ENOMEM;
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->epfd < 0)
		return -errno;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->sigfd < 0 || watch(d, d->sigfd, &tag_signal))
		return -errno;
	d->listen_fd = pm_socket_open(d->socket_path, &d->socket_activated);
	if (d->listen_fd < 0)
		return d->listen_fd;
	if (watch(d, d->listen_fd, &tag_listen))
		return -errno;
	r = pm_export_open(d);
	if (r)
		return r;
	if (pm_export_fd(d) >= 0 && watch(d, pm_export_fd(d), &tag_export))
		return -errno;
	/* kept to accept-and-close when out of descriptors */
	d->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (pm_genl_open(d))
		genl_watch(d);
	pm_proc_scan(d);
	if (!d->have_file_pins)
		pm_notice("%s/<pid>/file_pins not found: not a filepin kernel? Only libfilepin clients are tracked",
			  d->procdir);
	d->next_scan_ms = pm_now_ms() + d->cfg.scan_interval_ms;
	pm_rdma_query(&d->rdma);
	return 0;
}

static void teardown(struct pm_daemon *d)
{
	pm_service_release_all(d);	/* remote peers first, then the MRs */
	pm_export_close(d);
	while (d->conns)
		pm_conn_close(d, d->conns);
	pm_break_free_all(d);
	pm_removal_free_all(d);
	pm_genl_close(d);
	if (d->spare_fd >= 0)
		close(d->spare_fd);
	if (d->listen_fd >= 0) {
		close(d->listen_fd);
		if (!d->socket_activated && d->socket_path)
			unlink(d->socket_path);
	}
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->epfd >= 0)
		close(d->epfd);
	pm_events_free(&d->events);
	pm_reg_free(&d->reg);
	pm_rdma_free(&d->rdma);
	pm_config_free(&d->cfg);
	pm_metrics_free(d);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'n' },
		{ "debug", no_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "proc", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct pm_daemon d = {
		.config_path = PINMGR_CONF, .procdir = "/proc",
		.epfd = -1, .listen_fd = -1, .sigfd = -1, .spare_fd = -1,
	};
	char *proc_abs = NULL, *conf_abs = NULL;
	bool foreground = false, debug = false;
	int c, ready_fd = -1, r;

	while ((c = getopt_long(argc, argv, "ndc:s:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			foreground = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'c':
			d.config_path = optarg;
			d.config_path_given = true;
			break;
		case 's':
			if (optarg[0] != '/') {
				fprintf(stderr, "pinmgr: --socket %s: must be an absolute path\n", optarg);
				return EXIT_FAILURE;
			}
			d.socket_path = optarg;
			break;
		case 'P':
			d.procdir = optarg;
			break;
		case 'h':
			usage(stdout, EXIT_SUCCESS);
		case 'V':
			printf("pinmgr from %s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return EXIT_SUCCESS;
		default:
			fprintf(stderr, "Try 'pinmgr --help' for more information.\n");
			return EXIT_FAILURE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pinmgr: unexpected argument '%s'\n"
			"Try 'pinmgr --help' for more information.\n", argv[optind]);
		return EXIT_FAILURE;
	}
	umask(022);
	pm_log_init(debug, debug);
	/* relative names would break after chdir("/") */
	if (absolute(&d.procdir, &proc_abs) || absolute(&d.config_path, &conf_abs)) {
		pm_err("cannot resolve a relative path: %m");
		return EXIT_FAILURE;
	}
	if (!foreground && daemonize(&ready_fd)) {
		pm_err("cannot detach: %m");
		return EXIT_FAILURE;
	}
	if (chdir("/"))
		pm_warn("chdir /: %m");
	d.started = (int64_t)time(NULL);
	r = setup(&d);
	if (r) {
		tell_parent(&ready_fd, false);
		teardown(&d);
		free(proc_abs);
		free(conf_abs);
		return EXIT_FAILURE;
	}
	pm_notice("ready: socket %s%s, %s, %s", d.socket_path,
		  d.socket_activated ? " (from systemd)" : "", d.events_state,
		  d.cfg.nrules ? "policy rules loaded" : "no policy rules (report only)");
	pm_notify("READY=1\nSTATUS=tracking pins");
	tell_parent(&ready_fd, true);
	r = loop(&d);
	pm_notify("STOPPING=1");
	teardown(&d);
	pm_info("stopped");
	free(proc_abs);
	free(conf_abs);
	return r ? EXIT_FAILURE : EXIT_SUCCESS;
}
