// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pm-metrics-events PROCDIR OUT: pinmgr's event and break handling fed with
 * known kernel refusals (a host has no filepin kernel to send them) and
 * break outcomes; the metrics text is written to OUT for metrics.test.
 *
 *   truncate/lease x2, punch-hole/pin x1 (after a gap of 3 lost events),
 *   an unknown operation x1; breaks: 2 released, 1 timeout.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pinmgr.h"
#include "filepin-genl.h"

int main(int argc, char **argv)
{
	struct pm_daemon d = { .procdir = argv[1], .epfd = -1, .listen_fd = -1, .sigfd = -1 };
	struct pm_kevent k = { .pid = 42, .tgid = 42, .have = PM_KEV_SEQ };
	char *text;
	int r;

	if (argc != 3)
		return 2;
	pm_log_init(true, false);
	pm_config_defaults(&d.cfg);
	d.cfg.log_events = false;
	if (pm_reg_init(&d.reg, 4096) || pm_events_init(&d.events, 16))
		return 1;
	strcpy(k.comm, "trunc");
	k.op = FILEPIN_OP_TRUNCATE;
	k.reason = FILEPIN_REASON_LEASE;
	k.seq = 1;
	pm_event_handle(&d, &k);
	k.seq = 2;
	pm_event_handle(&d, &k);
	k.op = FILEPIN_OP_PUNCH_HOLE;
	k.reason = FILEPIN_REASON_PIN;
	k.seq = 6;			/* 3, 4 and 5 were lost */
	pm_event_handle(&d, &k);
	k.op = 77;
	k.seq = 7;
	pm_event_handle(&d, &k);
	pm_metrics_break(&d, PM_BREAK_RELEASED);
	pm_metrics_break(&d, PM_BREAK_RELEASED);
	pm_metrics_break(&d, PM_BREAK_TIMEOUT);
	text = pm_metrics_format(&d);
	if (!text)
		return 1;
	r = pm_metrics_write(argv[2], text);
	free(text);
	pm_events_free(&d.events);
	pm_reg_free(&d.reg);
	pm_config_free(&d.cfg);
	return r ? 1 : 0;
}
