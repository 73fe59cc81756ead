// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinctl events: the refusals pinmgr received from the kernel, one line
 * each ("key=value ... path=PATH", the path escaped as in mountinfo), or
 * one JSON object per line with -J; -f keeps following.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pinctl.h"

void pc_json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static const char *action_name(uint32_t a)
{
	switch (a) {
	case PINMGR_ADM_ACTION_BREAK: return "break";
	case PINMGR_ADM_ACTION_BREAKING: return "breaking";
	case PINMGR_ADM_ACTION_WAIT: return "wait";
	case PINMGR_ADM_ACTION_REVOKE: return "revoke";
	case PINMGR_ADM_ACTION_RELEASE: return "release";
	case PINMGR_ADM_ACTION_NOASK: return "cannot-ask";
	case PINMGR_ADM_ACTION_TIMEOUT: return "timeout";
	case PINMGR_ADM_ACTION_TERM: return "sigterm";
	case PINMGR_ADM_ACTION_KILL: return "sigkill";
	case PINMGR_ADM_ACTION_GONE: return "gone";
	case PINMGR_ADM_ACTION_COMPLETE: return "complete";
	case PINMGR_ADM_ACTION_PEER_IN: return "peer-connected";
	case PINMGR_ADM_ACTION_PEER_OUT: return "peer-disconnected";
	case PINMGR_ADM_ACTION_PEER_REFUSED: return "peer-refused";
	}
	return "report";
}

static void timestamp(uint64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char tz[8];
	size_t n;

	if (!localtime_r(&t, &tm)) {
		snprintf(buf, size, "?");
		return;
	}
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	strftime(tz, sizeof(tz), "%z", &tm);
	snprintf(buf + n, size - n, ".%06llu%s",
		 (unsigned long long)(ns % 1000000000ull / 1000), tz);
}

void pc_print_event(const struct pinctl *pc, const struct pinmgr_adm_event *e,
		    FILE *out)
{
	char when[64], path[4 * PINMGR_ADM_PATH_MAX + 1], comm[4 * 16 + 1];
	char xp[4 * (PINMGR_ADM_PEER_MAX + 1) + 48];

	timestamp(e->time_ns, when, sizeof(when));
	if (pc->json) {
		fprintf(out, "{\"schema_version\":%d,\"time\":\"%s\",\"seq\":%llu,\"missed\":%llu,\"op\":\"%s\",\"reason\":\"%s\","
			"\"pid\":%u,\"tid\":%u,\"comm\":", PC_JSON_SCHEMA, when,
			(unsigned long long)e->seq, (unsigned long long)e->missed,
			pinmgr_adm_op_name(e->op), pinmgr_adm_reason_name(e->reason),
			e->tgid, e->pid);
		pc_json_str(out, e->comm);
		fprintf(out, ",\"maj:min\":\"%u:%u\",\"inode\":%llu,\"offset\":%llu,\"length\":%llu,"
			"\"action\":\"%s\",\"path\":", e->dev_major, e->dev_minor,
			(unsigned long long)e->ino, (unsigned long long)e->offset,
			(unsigned long long)e->length, action_name(e->action));
		if (e->path[0])
			pc_json_str(out, e->path);
		else
			fputs("null", out);
		if (e->export_id)	/* a refusal over an exported pin */
			fprintf(out, ",\"export\":%llu", (unsigned long long)e->export_id);
		fputs(",\"peer\":", out);
		if (e->peer[0])
			pc_json_str(out, e->peer);
		else
			fputs("null", out);
		fputs("}\n", out);
		return;
	}
	if (file_pin_escape(e->path[0] ? e->path : "?", path, sizeof(path)))
		snprintf(path, sizeof(path), "?");
	if (file_pin_escape(e->comm[0] ? e->comm : "?", comm, sizeof(comm)))
		snprintf(comm, sizeof(comm), "?");
	if (e->op == PINMGR_ADM_OP_EXPORT) {
		char peer[4 * (PINMGR_ADM_PEER_MAX + 1)];

		/* a remote peer of an export (pinmgr.conf(5) listen) */
		if (file_pin_escape(e->peer[0] ? e->peer : "?", peer, sizeof(peer)))
			snprintf(peer, sizeof(peer), "?");
		fprintf(out, "%s seq=%llu export action=%s peer=%s dev=%u:%u ino=%llu offset=%llu length=%llu path=%s\n",
			when, (unsigned long long)e->seq, action_name(e->action), peer,
			e->dev_major, e->dev_minor, (unsigned long long)e->ino,
			(unsigned long long)e->offset, (unsigned long long)e->length, path);
		return;
	}
	if (e->op == PINMGR_ADM_OP_REMOVAL) {
		/* a step of a device removal (pinmgr.conf(5) on-removal) */
		fprintf(out, "%s seq=%llu removal action=%s pid=%u comm=%s dev=%u:%u ino=%llu offset=%llu length=%llu missed=%llu path=%s\n",
			when, (unsigned long long)e->seq, action_name(e->action), e->tgid,
			comm, e->dev_major, e->dev_minor, (unsigned long long)e->ino,
			(unsigned long long)e->offset, (unsigned long long)e->length,
			(unsigned long long)e->missed, path);
		return;
	}
	xp[0] = 0;
	if (e->export_id) {
		/* the range is exported to remote peers: name the export */
		char peers[4 * (PINMGR_ADM_PEER_MAX + 1)];

		if (file_pin_escape(e->peer[0] ? e->peer : "none", peers, sizeof(peers)))
			snprintf(peers, sizeof(peers), "?");
		snprintf(xp, sizeof(xp), " export=%llu peers=%s",
			 (unsigned long long)e->export_id, peers);
	}
	fprintf(out, "%s seq=%llu %s refused reason=%s pid=%u tid=%u comm=%s dev=%u:%u ino=%llu offset=%llu length=%llu action=%s%s missed=%llu path=%s\n",
		when, (unsigned long long)e->seq, pinmgr_adm_op_name(e->op),
		pinmgr_adm_reason_name(e->reason), e->tgid, e->pid, comm,
		e->dev_major, e->dev_minor, (unsigned long long)e->ino,
		(unsigned long long)e->offset, (unsigned long long)e->length,
		action_name(e->action), xp, (unsigned long long)e->missed, path);
}

int cmd_events(struct pinctl *pc)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	char why[256];
	int fd, r;

	if (!m)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	fd = pc_connect(pc->socket, why, sizeof(why));
	if (fd < 0) {
		free(m);
		return pc_no_pinmgr(pc, why);
	}
	m->type = PINMGR_ADM_EVENTS;
	m->events.flags = pc->follow ? PINMGR_ADM_EVENTS_FOLLOW : 0;
	r = pc_send(fd, m, -1);
	if (r) {
		r = pc_error(PC_EXIT_FAILURE, "cannot send to pinmgr: %s", strerror(-r));
		goto out;
	}
	for (;;) {
		r = pc_recv(fd, m, pc->follow ? -1 : 60000);
		if (r || m->type == PINMGR_ADM_ERROR) {
			r = pc_failed("events", r, m);
			break;
		}
		if (m->type == PINMGR_ADM_DONE) {
			if (!pc->follow) {
				r = 0;
				break;
			}
			continue;
		}
		if (m->type != PINMGR_ADM_EVENT) {
			r = pc_failed("events", 0, m);
			break;
		}
		pc_print_event(pc, &m->event, stdout);
		if (fflush(stdout) || ferror(stdout)) {
			r = pc_error(PC_EXIT_FAILURE, "write error: %s", strerror(errno));
			break;
		}
	}
out:
	close(fd);
	free(m);
	return r;
}
