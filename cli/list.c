// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinctl list and show: one line per pinned range, lslocks-style columns
 * through libsmartcols.  From pinmgr's registry when pinmgr runs (with the
 * MR columns), from /proc/<pid>/file_pins otherwise.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <libsmartcols.h>

#include "pinctl.h"

enum {
	COL_PID, COL_COMMAND, COL_OWNER, COL_MAJMIN, COL_INODE, COL_START,
	COL_END, COL_PAGES, COL_SIZE, COL_MRN, COL_LKEY, COL_RKEY, COL_DEV,
	COL_PATH, COL_ID, COL_UID, COL_SOURCE, COL_OWNERPATH, COL_PEERS,
	COL_MOVED, NCOLS
};

struct colinfo {
	const char *name;
	double whint;
	int flags;
	int json;
	const char *help;
};

static const struct colinfo infos[NCOLS] = {
	[COL_PID] = { "PID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "process ID of the owner" },
	[COL_COMMAND] = { "COMMAND", 15, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, "command name of the owner" },
	[COL_OWNER] = { "OWNER", 5, 0, SCOLS_JSON_STRING, "what holds the pin: fd:<n> (e.g. the uverbs file) or mm" },
	[COL_MAJMIN] = { "MAJ:MIN", 6, 0, SCOLS_JSON_STRING, "device of the pinned file" },
	[COL_INODE] = { "INODE", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "inode of the pinned file" },
	[COL_START] = { "START", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "first byte pinned (file offset, page aligned)" },
	[COL_END] = { "END", 10, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "last byte pinned" },
	[COL_PAGES] = { "PAGES", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "pages pinned" },
	[COL_SIZE] = { "SIZE", 4, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, "bytes pinned" },
	[COL_MRN] = { "MRN", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "memory region number (rdma resource show mr)" },
	[COL_LKEY] = { "LKEY", 10, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, "local key of the memory region" },
	[COL_RKEY] = { "RKEY", 10, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, "remote key of the memory region" },
	[COL_DEV] = { "DEV", 6, 0, SCOLS_JSON_STRING, "RDMA device of the memory region" },
	[COL_PATH] = { "PATH", 0, SCOLS_FL_TRUNC | SCOLS_FL_NOEXTREMES, SCOLS_JSON_STRING, "path of the pinned file" },
	[COL_ID] = { "ID", 3, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "pinmgr's id of the pin (for pinctl unpin)" },
	[COL_UID] = { "UID", 5, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, "user ID of the owner" },
	[COL_SOURCE] = { "SOURCE", 8, 0, SCOLS_JSON_STRING, "how pinmgr knows it: lib, proc, service" },
	[COL_OWNERPATH] = { "OWNERPATH", 10, SCOLS_FL_TRUNC, SCOLS_JSON_STRING, "path of the owning file (fd owners)" },
	[COL_PEERS] = { "PEERS", 10, 0, SCOLS_JSON_STRING, "remote peers of an exported pin: address/QP number, comma-separated" },
	[COL_MOVED] = { "MOVED", 8, 0, SCOLS_JSON_STRING, "packets each peer moved (as PEERS; rxe counts no bytes per QP)" },
};

static const int default_local[] = {
	COL_PID, COL_COMMAND, COL_OWNER, COL_MAJMIN, COL_INODE, COL_START,
	COL_END, COL_PAGES, COL_SIZE, COL_PATH,
};

static const int default_pinmgr[] = {
	COL_PID, COL_COMMAND, COL_OWNER, COL_MAJMIN, COL_INODE, COL_START,
	COL_END, COL_PAGES, COL_SIZE, COL_MRN, COL_LKEY, COL_RKEY, COL_DEV,
	COL_PATH,
};

static int column_id(const char *name, size_t len)
{
	int i;

	for (i = 0; i < NCOLS; i++)
		if (strlen(infos[i].name) == len && !strncasecmp(infos[i].name, name, len))
			return i;
	return -1;
}

/* Columns from -o or the defaults; returns their number, or -1. */
static int get_columns(const struct pinctl *pc, bool from_pinmgr, int *cols)
{
	const char *p = pc->output;
	int n = 0;

	if (pc->output_all) {
		for (n = 0; n < NCOLS; n++)
			cols[n] = n;
		return n;
	}
	if (!p) {
		const int *def = from_pinmgr ? default_pinmgr : default_local;
		size_t k = from_pinmgr ? sizeof(default_pinmgr) / sizeof(int) :
					 sizeof(default_local) / sizeof(int);

		memcpy(cols, def, k * sizeof(int));
		return (int)k;
	}
	while (*p) {
		size_t len = strcspn(p, ",");
		int id = column_id(p, len);

		if (id < 0 || n == NCOLS) {
			pc_error(PC_EXIT_USAGE, "unknown column: %.*s (see pinctl --list-columns)",
				 (int)len, p);
			fputs("Try 'pinctl --help' for more information.\n", stderr);
			return -1;
		}
		cols[n++] = id;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!n) {
		pc_error(PC_EXIT_USAGE, "--output: no columns given");
		fputs("Try 'pinctl --help' for more information.\n", stderr);
	}
	return n ? n : -1;
}

int pc_check_columns(const struct pinctl *pc)
{
	int cols[NCOLS];

	return get_columns(pc, false, cols) < 0 ? -1 : 0;
}

void pc_list_columns(FILE *out)
{
	int i;

	fprintf(out, "Available output columns:\n");
	for (i = 0; i < NCOLS; i++)
		fprintf(out, " %11s  %s\n", infos[i].name, infos[i].help);
}

void pc_human_size(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "BKMGTPE";
	uint64_t whole = bytes, rem = 0;
	int exp = 0;

	while (whole >= 1024 && exp < 6) {
		rem = whole % 1024;
		whole /= 1024;
		exp++;
	}
	/* one decimal, rounded like util-linux */
	rem = (rem * 10 + 512) / 1024;
	if (rem == 10) {
		whole++;
		rem = 0;
	}
	if (!exp)
		snprintf(buf, size, "%lluB", (unsigned long long)bytes);
	else if (rem)
		snprintf(buf, size, "%llu.%llu%c", (unsigned long long)whole,
			 (unsigned long long)rem, units[exp]);
	else
		snprintf(buf, size, "%llu%c", (unsigned long long)whole, units[exp]);
}

/* ---- the pins ----------------------------------------------------------- */

int pc_pins_add(struct pc_pins *pins, const struct pc_pin *p)
{
	struct pc_pin *q;

	if (pins->n == pins->cap) {
		size_t cap = pins->cap ? pins->cap * 2 : 64;

		q = realloc(pins->v, cap * sizeof(*q));
		if (!q)
			return -ENOMEM;
		pins->v = q;
		pins->cap = cap;
	}
	q = &pins->v[pins->n];
	*q = *p;
	q->path = strdup(p->path ? p->path : "");
	q->owner_path = strdup(p->owner_path ? p->owner_path : "");
	q->peers = strdup(p->peers ? p->peers : "");
	q->moved = strdup(p->moved ? p->moved : "");
	if (!q->path || !q->owner_path || !q->peers || !q->moved) {
		free(q->path);
		free(q->owner_path);
		free(q->peers);
		free(q->moved);
		return -ENOMEM;
	}
	pins->n++;
	return 0;
}

void pc_pins_free(struct pc_pins *pins)
{
	size_t i;

	for (i = 0; i < pins->n; i++) {
		free(pins->v[i].path);
		free(pins->v[i].owner_path);
		free(pins->v[i].peers);
		free(pins->v[i].moved);
	}
	free(pins->v);
	memset(pins, 0, sizeof(*pins));
}

int pc_pins_from_entry(struct pc_pins *pins, const struct pinmgr_adm_pin_entry *e)
{
	struct pc_pin p = {
		.id = e->id, .flags = e->flags, .pid = (pid_t)e->pid,
		.uid = (uid_t)e->uid, .owner = (int)e->owner,
		.owner_fd = (int)e->owner_fd, .major = e->dev_major,
		.minor = e->dev_minor, .ino = e->ino, .first_page = e->first_page,
		.last_page = e->last_page, .pages = e->pages, .mrn = e->mrn,
		.lkey = e->lkey, .rkey = e->rkey,
		.owner_path = (char *)(uintptr_t)e->owner_path,
		.path = (char *)(uintptr_t)e->path,
		.peers = (char *)(uintptr_t)e->peers,
		.moved = (char *)(uintptr_t)e->moved,
	};

	snprintf(p.comm, sizeof(p.comm), "%s", e->comm);
	snprintf(p.rdma_dev, sizeof(p.rdma_dev), "%s", e->rdma_dev);
	return pc_pins_add(pins, &p);
}

struct proc_filter {
	const struct pinctl *pc;
	struct pc_pins *pins;
	int err;
};

static int from_proc(const struct file_pins_proc *proc, const struct file_pin *fp,
		     void *data)
{
	struct proc_filter *f = data;
	struct pc_pin p = {
		.flags = PINMGR_ADM_PIN_PROC, .pid = proc->pid, .uid = proc->uid,
		.owner = fp->owner == FILE_PIN_OWNER_FD ? PINMGR_ADM_OWNER_FD :
							  PINMGR_ADM_OWNER_MM,
		.owner_fd = fp->owner_fd, .major = fp->major, .minor = fp->minor,
		.ino = fp->ino, .first_page = fp->first_page,
		.last_page = fp->last_page, .pages = fp->pages,
		.owner_path = (char *)(uintptr_t)fp->owner_path,
		.path = (char *)(uintptr_t)fp->path,
	};

	snprintf(p.comm, sizeof(p.comm), "%s", proc->comm);
	if (pc_pins_add(f->pins, &p)) {
		f->err = -ENOMEM;
		return 1;
	}
	return 0;
}

static void bad_line(const struct file_pins_proc *proc, unsigned long lineno,
		     const char *why, void *data)
{
	struct proc_filter *f = data;

	pc_warn("%s/%d/file_pins line %lu: %s (line ignored)", f->pc->procdir,
		(int)proc->pid, lineno, why);
}

int pc_pins_from_proc(const struct pinctl *pc, struct pc_pins *pins, pid_t pid)
{
	struct proc_filter f = { .pc = pc, .pins = pins };
	struct file_pins_stats st;
	int r;

	r = file_pins_scan(pc->procdir, pid, from_proc, bad_line, &f, &st);
	if (f.err)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	if (r == -ESRCH)
		return pc_error(PC_EXIT_FAILURE, "no process %d in %s", (int)pid, pc->procdir);
	if (pid > 0 && r == -ENOENT)
		return pc_error(PC_EXIT_FAILURE, "%s/%d/file_pins does not exist (not a filepin kernel?)",
				pc->procdir, (int)pid);
	if (pid > 0 && r < 0)
		return pc_error(PC_EXIT_FAILURE, "cannot read %s/%d/file_pins: %s",
				pc->procdir, (int)pid, strerror(-r));
	if (r < 0)
		return pc_error(PC_EXIT_FAILURE, "cannot read %s: %s", pc->procdir, strerror(-r));
	if (st.pids && !st.files && st.absent == st.pids)
		return pc_error(PC_EXIT_FAILURE, "%s/<pid>/file_pins does not exist (not a filepin kernel?)",
				pc->procdir);
	if (st.unreadable)
		pc_warn("cannot read the pins of %lu process(es) (permission denied?): run as root, or start pinmgr",
			st.unreadable);
	return 0;
}

static int pin_cmp(const void *a, const void *b)
{
	const struct pc_pin *x = a, *y = b;

#define CMP(f) do { if (x->f != y->f) return x->f < y->f ? -1 : 1; } while (0)
	CMP(pid);
	CMP(major);
	CMP(minor);
	CMP(ino);
	CMP(first_page);
	CMP(last_page);
	CMP(owner_fd);
	CMP(id);
#undef CMP
	return 0;
}

void pc_pins_sort(struct pc_pins *pins)
{
	if (pins->n > 1)
		qsort(pins->v, pins->n, sizeof(*pins->v), pin_cmp);
}

static bool path_match(const char *path, const char *want)
{
	size_t n = strlen(want);

	while (n > 1 && want[n - 1] == '/')
		n--;
	if (strncmp(path, want, n))
		return false;
	return !path[n] || path[n] == '/' || (n == 1 && want[0] == '/');
}

/* ---- output ------------------------------------------------------------- */

static char *cell(const struct pinctl *pc, const struct pc_pin *p, int col)
{
	char buf[64], *s = NULL;
	uint64_t ps = (uint64_t)pc->page_size;

	buf[0] = 0;
	switch (col) {
	case COL_PID:
		snprintf(buf, sizeof(buf), "%d", (int)p->pid);
		break;
	case COL_COMMAND:
		return strdup(p->comm);
	case COL_OWNER:
		if (p->owner == PINMGR_ADM_OWNER_FD)
			snprintf(buf, sizeof(buf), "fd:%d", p->owner_fd);
		else if (p->owner == PINMGR_ADM_OWNER_MM)
			snprintf(buf, sizeof(buf), "mm");
		break;
	case COL_MAJMIN:
		snprintf(buf, sizeof(buf), "%u:%u", p->major, p->minor);
		break;
	case COL_INODE:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->ino);
		break;
	case COL_START:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(p->first_page * ps));
		break;
	case COL_END:
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)((p->last_page + 1) * ps - 1));
		break;
	case COL_PAGES:
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->pages);
		break;
	case COL_SIZE:
		if (pc->bytes)
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)(p->pages * ps));
		else
			pc_human_size(p->pages * ps, buf, sizeof(buf));
		break;
	case COL_MRN:
		if (p->flags & PINMGR_ADM_PIN_MRN)
			snprintf(buf, sizeof(buf), "%u", p->mrn);
		break;
	case COL_LKEY:
		if (p->flags & PINMGR_ADM_PIN_MR)
			snprintf(buf, sizeof(buf), "0x%x", p->lkey);
		break;
	case COL_RKEY:
		if (p->flags & PINMGR_ADM_PIN_MR)
			snprintf(buf, sizeof(buf), "0x%x", p->rkey);
		break;
	case COL_DEV:
		if (p->flags & PINMGR_ADM_PIN_MR)
			return strdup(p->rdma_dev);
		break;
	case COL_PATH:
		return strdup(p->path);
	case COL_ID:
		if (p->id)
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)p->id);
		break;
	case COL_UID:
		snprintf(buf, sizeof(buf), "%u", (unsigned int)p->uid);
		break;
	case COL_SOURCE:
		snprintf(buf, sizeof(buf), "%s%s%s%s%s",
			 p->flags & PINMGR_ADM_PIN_LIB ? "lib" : "",
			 (p->flags & PINMGR_ADM_PIN_LIB) && (p->flags & (PINMGR_ADM_PIN_PROC | PINMGR_ADM_PIN_SERVICE)) ? "," : "",
			 p->flags & PINMGR_ADM_PIN_PROC ? "proc" : "",
			 (p->flags & PINMGR_ADM_PIN_PROC) && (p->flags & PINMGR_ADM_PIN_SERVICE) ? "," : "",
			 p->flags & PINMGR_ADM_PIN_SERVICE ? "service" : "");
		if (p->flags & PINMGR_ADM_PIN_EXPORTED)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), ",export");
		break;
	case COL_OWNERPATH:
		return strdup(p->owner_path);
	case COL_PEERS:
		return strdup(p->peers ? p->peers : "");
	case COL_MOVED:
		return strdup(p->moved ? p->moved : "");
	}
	s = strdup(buf);
	return s;
}

/*
 * libsmartcols' JSON document, with the schema version as its first key:
 * {"schema_version": N, "pins": [...]}.
 */
static int print_json(struct libscols_table *tb)
{
	char *text = NULL;

	if (scols_print_table_to_string(tb, &text) || !text)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	if (text[0] == '{' && text[1] == '\n')
		printf("{\n   \"schema_version\": %d,\n%s", PC_JSON_SCHEMA, text + 2);
	else
		fputs(text, stdout);
	free(text);
	return 0;
}

int pc_print_pins(const struct pinctl *pc, struct pc_pins *pins)
{
	struct libscols_table *tb;
	int cols[NCOLS], ncols, i, r = 0;
	size_t k;

	ncols = get_columns(pc, pins->from_pinmgr, cols);
	if (ncols < 0)
		return PC_EXIT_USAGE;
	scols_init_debug(0);
	tb = scols_new_table();
	if (!tb)
		return pc_error(PC_EXIT_FAILURE, "cannot create the output table");
	scols_table_enable_raw(tb, pc->raw);
	scols_table_enable_json(tb, pc->json);
	scols_table_enable_noheadings(tb, pc->noheadings);
	scols_table_set_name(tb, "pins");
	for (i = 0; i < ncols; i++) {
		const struct colinfo *ci = &infos[cols[i]];
		struct libscols_column *cl;
		int json = ci->json;

		if (cols[i] == COL_SIZE && pc->bytes)
			json = SCOLS_JSON_NUMBER;
		cl = scols_table_new_column(tb, ci->name, ci->whint, ci->flags);
		if (!cl) {
			scols_unref_table(tb);
			return pc_error(PC_EXIT_FAILURE, "cannot create the output table");
		}
		if (pc->json)
			scols_column_set_json_type(cl, json);
	}
	for (k = 0; k < pins->n; k++) {
		const struct pc_pin *p = &pins->v[k];
		struct libscols_line *ln;

		if (pc->path && !path_match(p->path, pc->path))
			continue;
		if (pc->pid > 0 && p->pid != pc->pid)
			continue;
		ln = scols_table_new_line(tb, NULL);
		if (!ln)
			goto oom;
		for (i = 0; i < ncols; i++) {
			char *s = cell(pc, p, cols[i]);

			if (!s || scols_line_refer_data(ln, (size_t)i, s)) {
				free(s);
				goto oom;
			}
		}
	}
	if (pc->json) {
		r = print_json(tb);
		scols_unref_table(tb);
		return r;
	}
	if (scols_print_table(tb))
		r = pc_error(PC_EXIT_FAILURE, "write error");
	scols_unref_table(tb);
	return r;
oom:
	scols_unref_table(tb);
	return pc_error(PC_EXIT_FAILURE, "out of memory");
}

/* ---- from pinmgr -------------------------------------------------------- */

/* LIST (or the pins part of SHOW) from pinmgr; 1 when pinmgr is not there. */
static int pins_from_pinmgr(const struct pinctl *pc, struct pc_pins *pins,
			    const struct pinmgr_adm_list *filter)
{
	struct pinmgr_adm_msg *m = malloc(sizeof(*m));
	char why[256];
	int fd, r;

	if (!m)
		return pc_error(PC_EXIT_FAILURE, "out of memory");
	fd = pc_connect(pc->socket, why, sizeof(why));
	if (fd < 0) {
		free(m);
		/* an explicit --socket must work */
		return pc->socket_given ? pc_no_pinmgr(pc, why) : 1;
	}
	memset(m, 0, sizeof(*m));
	m->type = PINMGR_ADM_LIST;
	m->list = *filter;
	r = pc_send(fd, m, -1);
	if (r) {
		close(fd);
		free(m);
		return pc_error(PC_EXIT_FAILURE, "cannot send to pinmgr: %s", strerror(-r));
	}
	pins->from_pinmgr = true;
	for (;;) {
		r = pc_recv(fd, m, 60000);
		if (r || m->type == PINMGR_ADM_ERROR) {
			r = pc_failed("list", r, m);
			break;
		}
		if (m->type == PINMGR_ADM_DONE) {
			r = 0;
			break;
		}
		if (m->type != PINMGR_ADM_PIN_ENTRY) {
			r = pc_failed("list", 0, m);
			break;
		}
		if (pc_pins_from_entry(pins, &m->entry)) {
			r = pc_error(PC_EXIT_FAILURE, "out of memory");
			break;
		}
	}
	close(fd);
	free(m);
	return r;
}

int cmd_list(struct pinctl *pc)
{
	struct pinmgr_adm_list f = { 0 };
	struct pc_pins pins = { 0 };
	int r = 1;

	if (pc_check_columns(pc))
		return PC_EXIT_USAGE;
	if (pc->pid > 0) {
		f.flags |= PINMGR_ADM_LIST_PID;
		f.pid = (uint32_t)pc->pid;
	}
	if (!pc->procdir_given)
		r = pins_from_pinmgr(pc, &pins, &f);
	if (r == 1) {
		pc_pins_free(&pins);
		r = pc_pins_from_proc(pc, &pins, pc->pid);
	}
	if (!r) {
		pc_pins_sort(&pins);
		r = pc_print_pins(pc, &pins);
	}
	pc_pins_free(&pins);
	return r;
}

/* ---- show FILE ---------------------------------------------------------- */

int cmd_show(struct pinctl *pc, const char *file)
{
	struct pinmgr_adm_msg *m = NULL;
	struct pc_pins pins = { 0 };
	struct pinmgr_adm_event *evs = NULL;
	size_t nev = 0, i;
	char why[256], policy[PINMGR_ADM_PATH_MAX + 64] = "unknown (pinmgr is not running)";
	char *real;
	struct stat st;
	unsigned int major_, minor_;
	int fd = -1, r;

	if (stat(file, &st))
		return pc_error(PC_EXIT_FAILURE, "cannot stat %s: %s", file, strerror(errno));
	major_ = major(st.st_dev);
	minor_ = minor(st.st_dev);
	real = realpath(file, NULL);
	if (!pc->procdir_given)
		fd = pc_connect(pc->socket, why, sizeof(why));
	if (fd < 0 && pc->socket_given && !pc->procdir_given) {
		free(real);
		return pc_no_pinmgr(pc, why);
	}
	if (fd >= 0) {
		m = calloc(1, sizeof(*m));
		if (!m) {
			r = pc_error(PC_EXIT_FAILURE, "out of memory");
			goto out;
		}
		m->type = PINMGR_ADM_SHOW;
		m->show.dev_major = major_;
		m->show.dev_minor = minor_;
		m->show.ino = st.st_ino;
		snprintf(m->show.path, sizeof(m->show.path), "%s", real ? real : file);
		r = pc_send(fd, m, -1);
		if (r) {
			r = pc_error(PC_EXIT_FAILURE, "cannot send to pinmgr: %s", strerror(-r));
			goto out;
		}
		pins.from_pinmgr = true;
		for (;;) {
			r = pc_recv(fd, m, 60000);
			if (r || m->type == PINMGR_ADM_ERROR) {
				r = pc_failed(file, r, m);
				goto out;
			}
			if (m->type == PINMGR_ADM_DONE)
				break;
			if (m->type == PINMGR_ADM_SHOW_REPLY) {
				const struct pinmgr_adm_show_reply *s = &m->show_reply;

				if (s->policy == PINMGR_ADM_POLICY_BREAK)
					snprintf(policy, sizeof(policy), "break (rule %s, timeout %u.%03u s)",
						 s->rule, s->timeout_ms / 1000, s->timeout_ms % 1000);
				else if (s->rule[0])
					snprintf(policy, sizeof(policy), "report (rule %s)", s->rule);
				else
					snprintf(policy, sizeof(policy), "report (default)");
			} else if (m->type == PINMGR_ADM_PIN_ENTRY) {
				if (pc_pins_from_entry(&pins, &m->entry)) {
					r = pc_error(PC_EXIT_FAILURE, "out of memory");
					goto out;
				}
			} else if (m->type == PINMGR_ADM_EVENT) {
				struct pinmgr_adm_event *n = realloc(evs, (nev + 1) * sizeof(*n));

				if (!n) {
					r = pc_error(PC_EXIT_FAILURE, "out of memory");
					goto out;
				}
				evs = n;
				evs[nev++] = m->event;
			} else {
				r = pc_failed(file, 0, m);
				goto out;
			}
		}
	} else {
		struct pc_pins all = { 0 };

		r = pc_pins_from_proc(pc, &all, 0);
		for (i = 0; !r && i < all.n; i++)
			if (all.v[i].major == major_ && all.v[i].minor == minor_ &&
			    all.v[i].ino == st.st_ino && pc_pins_add(&pins, &all.v[i]))
				r = pc_error(PC_EXIT_FAILURE, "out of memory");
		pc_pins_free(&all);
		if (r)
			goto out;
	}
	pc_pins_sort(&pins);
	printf("FILE:      %s\n", real ? real : file);
	printf("DEVICE:    %u:%u\n", major_, minor_);
	printf("INODE:     %llu\n", (unsigned long long)st.st_ino);
	printf("POLICY:    %s\n", policy);
	printf("PINNED:    %s (%zu range(s))\n", pins.n ? "yes" : "no", pins.n);
	if (pins.n) {
		printf("\n");
		fflush(stdout);
		r = pc_print_pins(pc, &pins);
		if (r)
			goto out;
	}
	if (nev) {
		printf("\nRECENT REFUSALS:\n");
		for (i = 0; i < nev; i++)
			pc_print_event(pc, &evs[i], stdout);
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	free(m);
	free(evs);
	free(real);
	pc_pins_free(&pins);
	return r;
}
