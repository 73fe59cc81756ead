// SPDX-License-Identifier: GPL-2.0-or-later
/* pinctl break, pin, unpin and status: requests that need pinmgr. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "export-wire.h"
#include "pinctl.h"

/* Connect and send @m; the socket, or a negative exit code. */
static int request(const struct pinctl *pc, const struct pinmgr_adm_msg *m,
		   int passfd)
{
	char why[256];
	int fd, r;

	fd = pc_connect(pc->socket, why, sizeof(why));
	if (fd < 0)
		return -pc_no_pinmgr(pc, why);
	r = pc_send(fd, m, passfd);
	if (r) {
		close(fd);
		return -pc_error(PC_EXIT_FAILURE, "cannot send %s to pinmgr: %s",
				 pinmgr_adm_type_name(m->type), strerror(-r));
	}
	return fd;
}

static const char *owner_why(uint32_t err)
{
	switch (err) {
	case ETIMEDOUT: return "did not answer in time";
	case ENOTCONN: return "does not use libfilepin with pinmgr: cannot be asked";
	case EOPNOTSUPP: return "its program sets no revoke callback";
	case EBUSY: return "still pins it";
	case EPERM: return "belongs to another user";
	}
	return strerror((int)err);
}

int cmd_break(struct pinctl *pc, const char *file)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	unsigned int owners = 0;
	struct stat st;
	int fd, r, wait_ms;

	if (!m)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	if (stat(file, &st)) {
		free(m);
		return pc_error(PC_EXIT_FAILURE, "cannot stat %s: %s", file, strerror(errno));
	}
	m->type = PINMGR_ADM_BREAK;
	m->brk.flags = pc->wait ? PINMGR_ADM_BREAK_WAIT : 0;
	m->brk.timeout_ms = pc->timeout_ms;
	m->brk.dev_major = major(st.st_dev);
	m->brk.dev_minor = minor(st.st_dev);
	m->brk.ino = st.st_ino;
	fd = request(pc, m, -1);
	if (fd < 0) {
		free(m);
		return -fd;
	}
	/* pinmgr answers by its deadline; allow for a slow one */
	wait_ms = (int)(pc->timeout_ms ? pc->timeout_ms : 3600000u) + 10000;
	for (;;) {
		r = pc_recv(fd, m, wait_ms);
		if (r) {
			r = pc_failed(file, r, m);
			break;
		}
		if (m->type == PINMGR_ADM_OWNER) {
			pc_warn("%s: pid %u (%s, uid %u): %s", file, m->owner.pid,
				m->owner.comm[0] ? m->owner.comm : "?", m->owner.uid,
				owner_why(m->owner.error));
			owners++;
			continue;
		}
		if (m->type == PINMGR_ADM_DONE) {
			if (pc->wait)
				printf("%s: no longer pinned (%u pin(s) given up)\n", file,
				       m->done.count);
			else
				printf("%s: %u owner(s) asked to give up their pins\n", file,
				       m->done.count);
			r = 0;
			break;
		}
		if (m->type == PINMGR_ADM_ERROR) {
			int e = (int)m->error.error;

			r = pc_error(e == EBUSY || e == ETIMEDOUT ? PC_EXIT_PINNED : PC_EXIT_FAILURE,
				     "%s: %s", file, m->error.message);
			break;
		}
		r = pc_failed(file, 0, m);
		break;
	}
	close(fd);
	free(m);
	return r;
}

int cmd_pin(struct pinctl *pc, const char *file)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	char token[FPX_TOKEN_HEX + 1];
	int fd, ffd, r;

	if (!m)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	/* our permission to open the file is what pinmgr relies on */
	ffd = open(file, (pc->read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NOCTTY);
	if (ffd < 0) {
		r = errno;
		free(m);
		return pc_error(PC_EXIT_FAILURE, "cannot open %s%s: %s", file,
				pc->read_only ? "" : " for reading and writing", strerror(r));
	}
	m->type = PINMGR_ADM_PIN;
	m->pin.offset = pc->offset;
	m->pin.length = pc->length;
	m->pin.access = PINMGR_ADM_ACCESS_REMOTE_READ |
			(pc->read_only ? 0 : PINMGR_ADM_ACCESS_REMOTE_WRITE) |
			(pc->export ? PINMGR_ADM_ACCESS_EXPORT : 0);
	snprintf(m->pin.rdma_dev, sizeof(m->pin.rdma_dev), "%s", pc->device);
	fd = request(pc, m, ffd);
	close(ffd);
	if (fd < 0) {
		free(m);
		return -fd;
	}
	r = pc_recv(fd, m, 60000);
	if (r || m->type != PINMGR_ADM_PINNED) {
		/* pinmgr's message names the file */
		r = pc_failed("pin", r, m);
	} else if (pc->json) {
		const struct pinmgr_adm_pinned *p = &m->pinned;

		fpx_token_format(p->token, token);
		printf("{\"schema_version\":%d,\"id\":%" PRIu64 ",\"file\":", PC_JSON_SCHEMA,
		       p->id);
		pc_json_str(stdout, file);
		printf(",\"device\":");
		pc_json_str(stdout, p->rdma_dev);
		printf(",\"addr\":%" PRIu64 ",\"iova\":%" PRIu64 ",\"length\":%" PRIu64
		       ",\"lkey\":%" PRIu32 ",\"rkey\":%" PRIu32 ",\"access\":\"%s\"",
		       p->addr, p->iova, p->length, p->lkey, p->rkey,
		       p->access & PINMGR_ADM_ACCESS_REMOTE_WRITE ? "rw" : "r");
		if (p->access & PINMGR_ADM_ACCESS_EXPORT)
			printf(",\"token\":\"%s\"", token);
		printf("}\n");
	} else {
		const struct pinmgr_adm_pinned *p = &m->pinned;

		printf("id=%" PRIu64 " device=%s addr=0x%" PRIx64 " iova=%" PRIu64
		       " length=%" PRIu64 " lkey=0x%" PRIx32 " rkey=0x%" PRIx32
		       " access=%s", p->id, p->rdma_dev, p->addr, p->iova, p->length,
		       p->lkey, p->rkey,
		       p->access & PINMGR_ADM_ACCESS_REMOTE_WRITE ? "rw" : "r");
		fpx_token_format(p->token, token);
		if (p->access & PINMGR_ADM_ACCESS_EXPORT)
			printf(" token=%s", token);
		printf("\n");
	}
	close(fd);
	free(m);
	return r;
}

int cmd_unpin(struct pinctl *pc, const char *id)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	unsigned long long v;
	char *end, what[64];
	int fd, r;

	if (!m)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	errno = 0;
	v = strtoull(id, &end, 10);
	if (errno || *end || !v || id[0] < '1' || id[0] > '9') {
		free(m);
		pc_error(PC_EXIT_USAGE, "invalid pin id '%s': a number from 'pinctl pin' or 'pinctl list -o ID'", id);
		fprintf(stderr, "Try 'pinctl --help' for more information.\n");
		return PC_EXIT_USAGE;
	}
	m->type = PINMGR_ADM_UNPIN;
	m->unpin.id = v;
	fd = request(pc, m, -1);
	if (fd < 0) {
		free(m);
		return -fd;
	}
	snprintf(what, sizeof(what), "unpin %llu", v);
	r = pc_recv(fd, m, 60000);
	if (r || m->type != PINMGR_ADM_DONE)
		r = pc_failed(what, r, m);
	close(fd);
	free(m);
	return r;
}

int cmd_revoke(struct pinctl *pc, const char *token)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	int fd, r;

	if (!m)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	m->type = PINMGR_ADM_REVOKE;
	if (fpx_token_parse(token, m->revoke.token)) {
		free(m);
		pc_error(PC_EXIT_USAGE, "invalid token '%s': %d hex digits from 'pinctl pin --export'",
			 token, FPX_TOKEN_HEX);
		fprintf(stderr, "Try 'pinctl --help' for more information.\n");
		return PC_EXIT_USAGE;
	}
	fd = request(pc, m, -1);
	if (fd < 0) {
		free(m);
		return -fd;
	}
	r = pc_recv(fd, m, 60000);
	if (r || m->type != PINMGR_ADM_DONE)
		r = pc_failed("revoke", r, m);
	close(fd);
	free(m);
	return r;
}

static void uptime(uint64_t started, char *buf, size_t size)
{
	time_t now = time(NULL);
	unsigned long long s = (uint64_t)now > started ? (uint64_t)now - started : 0;

	if (s >= 86400)
		snprintf(buf, size, "%llud %lluh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, size, "%lluh %llum", s / 3600, s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, size, "%llum %llus", s / 60, s % 60);
	else
		snprintf(buf, size, "%llus", s);
}

/* After a reply with ST_REMOVAL: the pins device removals wait for. */
static int status_removal(int fd, struct pinmgr_adm_msg *m)
{
	const struct pinmgr_adm_pin_entry *e = &m->entry;
	char path[4 * PINMGR_ADM_PATH_MAX + 1], comm[4 * 16 + 1];
	int r;

	printf("removal:        in progress, waiting for these pins:\n");
	for (;;) {
		r = pc_recv(fd, m, 60000);
		if (r || m->type == PINMGR_ADM_DONE)
			break;
		if (m->type != PINMGR_ADM_PIN_ENTRY)
			return pc_failed("status", 0, m);
		if (file_pin_escape(e->path[0] ? e->path : "?", path, sizeof(path)))
			snprintf(path, sizeof(path), "?");
		if (file_pin_escape(e->comm[0] ? e->comm : "?", comm, sizeof(comm)))
			snprintf(comm, sizeof(comm), "?");
		printf("                device %s (%u:%u): pid %u (%s) pins %s offset %llu length %llu\n",
		       e->rdma_dev[0] ? e->rdma_dev : "?", e->dev_major, e->dev_minor, e->pid,
		       comm, path, (unsigned long long)e->offset, (unsigned long long)e->length);
	}
	if (r)
		return pc_failed("status", r, m);
	if (!m->done.count)
		printf("                (none of yours)\n");
	return 0;
}

int cmd_status(struct pinctl *pc)
{
	struct pinmgr_adm_msg *m = calloc(1, sizeof(*m));
	const struct pinmgr_adm_status_reply *s = &m->status;
	char up[32];
	int fd, r;

	if (!m)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	m->type = PINMGR_ADM_STATUS;
	fd = request(pc, m, -1);
	if (fd < 0) {
		free(m);
		return -fd;
	}
	r = pc_recv(fd, m, 60000);
	if (r || m->type != PINMGR_ADM_STATUS_REPLY) {
		close(fd);
		r = pc_failed("status", r, m);
		free(m);
		return r;
	}
	uptime(s->started, up, sizeof(up));
	printf("pinmgr:         running, pid %u, version %s, up %s\n", s->pid, s->version, up);
	printf("socket:         %s\n", pc->socket);
	printf("config:         %s (%u policy rule(s))\n", s->config, s->rules);
	printf("kernel events:  %s%s\n", s->flags & PINMGR_ADM_ST_EVENTS ? "" : "unavailable: ",
	       s->events_state);
	printf("events:         %llu received, %llu missed, last seq %llu\n",
	       (unsigned long long)s->events, (unsigned long long)s->events_missed,
	       (unsigned long long)s->last_seq);
	printf("file_pins:      %s\n", s->flags & PINMGR_ADM_ST_FILE_PINS ? "yes" :
	       "no (/proc/<pid>/file_pins not found: not a filepin kernel?)");
	printf("rdma netlink:   %s%s%s%s\n", s->flags & PINMGR_ADM_ST_RDMA_NL ? "yes" : "no",
	       s->rdma_devs[0] ? " (" : "", s->rdma_devs, s->rdma_devs[0] ? ")" : "");
	printf("pins:           %u (libfilepin %u, /proc %u, pin service %u)\n", s->pins,
	       s->pins_lib, s->pins_proc, s->pins_service);
	printf("clients:        %u libfilepin, %u admin, %u following events\n",
	       s->clients, s->admins, s->subscribers);
	printf("breaks:         %u running\n", s->breaks);
	printf("scans:          %llu\n", (unsigned long long)s->scans);
	r = (s->flags & PINMGR_ADM_ST_REMOVAL) ? status_removal(fd, m) : 0;
	if (!r && !(s->flags & PINMGR_ADM_ST_REMOVAL))
		printf("removal:        none in progress\n");
	close(fd);
	free(m);
	return r;
}
