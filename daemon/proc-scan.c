// SPDX-License-Identifier: GPL-2.0-or-later
/* Scans of /proc/<pid>/file_pins into the registry (common/file-pins.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "pinmgr.h"

struct scan {
	struct pm_daemon *d;
	int err;
	unsigned long bad_logged;
};

static int scan_line(const struct file_pins_proc *proc, const struct file_pin *pin,
		     void *data)
{
	struct scan *s = data;

	if (pm_reg_scan_line(&s->d->reg, proc, pin))
		s->err = -ENOMEM;
	return 0;
}

static void scan_bad(const struct file_pins_proc *proc, unsigned long lineno,
		     const char *why, void *data)
{
	struct scan *s = data;

	/* a kernel that prints something else: say so, but not at every scan */
	if (s->bad_logged++ < 3 && !s->d->scans)
		pm_warn("%s/%d/file_pins line %lu (%s): %s", s->d->procdir,
			(int)proc->pid, lineno, proc->comm, why);
}

int pm_proc_scan(struct pm_daemon *d)
{
	struct scan s = { .d = d };
	struct file_pins_stats st;
	unsigned int gone;
	int r;

	pm_reg_scan_begin(&d->reg);
	r = file_pins_scan(d->procdir, 0, scan_line, scan_bad, &s, &st);
	if (r < 0) {
		/* keep what we had: a failed scan is not "nothing pinned" */
		d->reg.gen--;
		pm_err("cannot scan %s: %s", d->procdir, strerror(-r));
		return r;
	}
	gone = pm_reg_scan_end(&d->reg);
	if (s.err)
		pm_err("out of memory while scanning %s: the registry is incomplete",
		       d->procdir);
	if (st.malformed != d->last_scan.malformed && (d->scans || st.malformed > 3))
		pm_warn("%lu malformed lines in %s/*/file_pins", st.malformed, d->procdir);
	/* a filepin kernel has the file in every process directory */
	d->have_file_pins = st.files > 0 || (st.pids && st.absent < st.pids);
	if (st.pids && !st.files && st.absent == st.pids && d->last_scan.files)
		pm_warn("%s/<pid>/file_pins has disappeared", d->procdir);
	d->last_scan = st;
	d->scans++;
	d->last_scan_ms = pm_now_ms();
	d->scan_turn = d->turn;
	pm_dbg("scan of %s: %lu processes, %lu pins, %lu unreadable, %u gone",
	       d->procdir, st.pids, st.pins, st.unreadable, gone);
	return s.err;
}

void pm_proc_comm(const char *procdir, pid_t pid, char *comm, size_t size,
		  uid_t *uid)
{
	char path[256];
	struct stat st;
	ssize_t n;
	int fd;

	comm[0] = 0;
	if (uid)
		*uid = (uid_t)-1;
	snprintf(path, sizeof(path), "%s/%d", procdir, (int)pid);
	if (uid && !stat(path, &st))
		*uid = st.st_uid;
	snprintf(path, sizeof(path), "%s/%d/comm", procdir, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, size - 1);
	close(fd);
	if (n <= 0) {
		comm[0] = 0;
		return;
	}
	comm[n] = 0;
	comm[strcspn(comm, "\n")] = 0;
}
