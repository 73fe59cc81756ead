// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinmgr's registry (daemon/registry.c): pins from libfilepin clients and
 * from /proc scans are reconciled into one entry per pin, dropped when
 * their sources go away; plus the event ring and sequence gaps
 * (daemon/events.c).
 */
#include <errno.h>
#include <string.h>

#include "pinmgr.h"
#include "tap.h"

static struct pm_registry reg;

static struct file_pins_proc proc(pid_t pid, uid_t uid, const char *comm)
{
	struct file_pins_proc p = { .pid = pid, .uid = uid };

	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	return p;
}

static struct file_pin line(unsigned int maj, unsigned int min, uint64_t ino,
			    uint64_t first, uint64_t last, int fd, const char *path)
{
	struct file_pin fp = {
		.owner = fd >= 0 ? FILE_PIN_OWNER_FD : FILE_PIN_OWNER_MM,
		.owner_fd = fd, .major = maj, .minor = min, .ino = ino,
		.first_page = first, .last_page = last, .pages = last - first + 1,
	};

	snprintf(fp.path, sizeof(fp.path), "%s", path);
	snprintf(fp.owner_path, sizeof(fp.owner_path), "%s", fd >= 0 ? "/dev/infiniband/uverbs0" : "");
	return fp;
}

static struct pinmgr_pin_add add(uint64_t id, pid_t pid, uint64_t ino,
				 uint64_t off, uint64_t len, const char *path)
{
	struct pinmgr_pin_add pa = {
		.id = id, .pid = (uint32_t)pid, .mr_handle = 1, .lkey = 0x100 + (uint32_t)id,
		.rkey = 0x200 + (uint32_t)id, .dev_major = 259, .dev_minor = 0,
		.ino = ino, .offset = off, .length = len,
	};

	snprintf(pa.rdma_dev, sizeof(pa.rdma_dev), "rxe0");
	snprintf(pa.path, sizeof(pa.path), "%s", path);
	return pa;
}

static unsigned int count(unsigned int src)
{
	const struct pm_pin *p;
	unsigned int n = 0;

	for (p = reg.head; p; p = p->next)
		if (!src || (p->src & src) == src)
			n++;
	return n;
}

static void scan(const struct file_pins_proc *pr, const struct file_pin *lines, size_t n)
{
	size_t i;

	pm_reg_scan_begin(&reg);
	for (i = 0; i < n; i++)
		pm_reg_scan_line(&reg, &pr[i], &lines[i]);
	pm_reg_scan_end(&reg);
}

static void registry(void)
{
	/* two processes, three pins seen in /proc */
	struct file_pins_proc pr[4] = {
		proc(10, 1000, "db"), proc(10, 1000, "db"), proc(20, 0, "fp-pin"),
		proc(20, 0, "fp-pin"),
	};
	struct file_pin ln[4] = {
		line(259, 0, 12, 0, 255, 5, "/mnt/a"),
		line(259, 0, 12, 512, 767, 5, "/mnt/a"),
		line(259, 0, 13, 0, 0, -1, "/mnt/b c"),
		line(259, 0, 13, 0, 0, -1, "/mnt/b c"),	/* the same range twice */
	};
	struct pm_conn *c1 = (struct pm_conn *)(uintptr_t)0x1000;	/* only compared */
	struct pinmgr_pin_add pa;
	struct pm_reg_counts n;
	struct pm_pin *p, *lib;
	uint64_t id0;

	if (pm_reg_init(&reg, 4096))
		bail("out of memory");
	scan(pr, ln, 4);
	is_int(count(0), 4, "four /proc lines make four entries (two identical ranges stay two)");
	id0 = reg.head->id;
	scan(pr, ln, 4);
	is_int(count(0), 4, "a second scan finds the same entries");
	is_int(reg.head->id, id0, "and keeps their ids");
	is_str(pm_reg_path_of(&reg, 259, 0, 13), "/mnt/b c", "path of an inode");
	ok(!pm_reg_path_of(&reg, 259, 0, 14), "no path for an unpinned inode");

	/* the library reports the first range of pid 10: merged, not added */
	pa = add(1, 10, 12, 0, 256 * 4096, "/mnt/a");
	is_int(pm_reg_add_lib(&reg, c1, 10, 1000, "db", &pa, &lib), 0, "PIN_ADD accepted");
	is_int(count(0), 4, "a reported pin seen in /proc is one entry");
	ok(lib->src == (PM_SRC_LIB | PM_SRC_PROC), "with both sources");
	ok(lib->have_mr && lib->lkey == 0x101 && lib->rkey == 0x201 &&
	   !strcmp(lib->rdma_dev, "rxe0"), "and the MR details of the library");
	is_int(lib->owner, PINMGR_ADM_OWNER_FD, "and the owner from /proc");
	is_int(pm_reg_add_lib(&reg, c1, 10, 1000, "db", &pa, NULL), -EEXIST, "the same id again is EEXIST");

	/* a range the kernel does not show (yet): its own entry */
	pa = add(2, 10, 12, 100 * 4096, 4096 + 1, "/mnt/a");
	is_int(pm_reg_add_lib(&reg, c1, 10, 1000, "db", &pa, &p), 0, "a second PIN_ADD");
	is_int(count(0), 5, "a range not in /proc is a new entry");
	ok(p->first_page == 100 && p->last_page == 101 && p->pages == 2,
	   "its pages come from the byte range (100-101)");
	scan(pr, ln, 4);
	is_int(count(PM_SRC_LIB), 2, "a scan keeps library pins the kernel does not show");

	/* the pin goes away in the kernel: the lib entry stays, PROC is dropped */
	scan(pr + 1, ln + 1, 3);
	ok(lib->src == PM_SRC_LIB && lib->owner == PINMGR_ADM_OWNER_UNKNOWN,
	   "a range gone from /proc loses its PROC source");
	is_int(pm_reg_del_lib(&reg, c1, 1), 0, "PIN_DEL");
	is_int(count(0), 4, "and the entry is gone");
	is_int(pm_reg_del_lib(&reg, c1, 1), -ENOENT, "PIN_DEL of an unknown id is ENOENT");

	/* the client goes away */
	is_int(pm_reg_drop_client(&reg, c1), 1, "closing the client drops its one pin");
	is_int(count(PM_SRC_LIB), 0, "no library pins left");
	pm_reg_count(&reg, &n);
	ok(n.pins == 3 && n.proc == 3 && n.lib == 0 && n.service == 0, "counts: 3 pins, all from /proc");

	/* a service pin */
	p = pm_reg_add_service(&reg, NULL, 99, 0, 259, 0, 14, 0, 8192, "/mnt/s");
	ok(p && p->src == PM_SRC_SERVICE && p->pages == 2, "a service pin");
	ok(pm_reg_find_id(&reg, p->id) == p, "found by id");
	pm_reg_del_service(&reg, p);
	ok(!pm_reg_path_of(&reg, 259, 0, 14), "and gone when released");

	/* a service pin that a scan has seen in pinmgr's /proc too */
	{
		struct file_pins_proc spr[4] = { pr[0], pr[1], pr[2], proc(99, 0, "pinmgr") };
		struct file_pin sln[4] = { ln[0], ln[1], ln[2], line(259, 0, 14, 0, 1, 7, "/mnt/s") };
		uint64_t id;

		p = pm_reg_add_service(&reg, NULL, 99, 65534, 259, 0, 14, 0, 8192, "/mnt/s");
		scan(spr, sln, 4);
		ok(p && p->src == (PM_SRC_SERVICE | PM_SRC_PROC), "a service pin seen in /proc is one entry");
		ok(p && p->uid == 65534, "and still belongs to its requester, not to pinmgr's uid");
		id = p ? p->id : 0;
		pm_reg_del_service(&reg, p);
		ok(!pm_reg_find_id(&reg, id), "released: gone at once, not left as a /proc pin");
		is_int(count(0), 3, "the other pins stay");
	}

	/* everything disappears from /proc */
	scan(pr, ln, 0);
	is_int(count(0), 0, "an empty scan empties the registry");
	pm_reg_free(&reg);
}

static void ring(void)
{
	struct pm_events ev;
	struct pm_event e = { .path = (char *)"/f" };
	uint64_t last = 0;
	size_t i;

	is_int(pm_seq_gap(&last, 5), 0, "the first event is no gap");
	is_int(pm_seq_gap(&last, 6), 0, "the next is no gap");
	is_int(pm_seq_gap(&last, 10), 3, "a jump from 6 to 10 misses 3");
	is_int(pm_seq_gap(&last, 2), 0, "a lower number (a reset) is no gap");
	is_int(last, 2, "and restarts the count");

	if (pm_events_init(&ev, 3))
		bail("out of memory");
	for (i = 1; i <= 5; i++) {
		e.k.seq = i;
		ok(pm_events_push(&ev, &e) != NULL, "push event %zu", i);
	}
	is_int(ev.count, 3, "the ring keeps 3");
	ok(pm_events_get(&ev, 0)->k.seq == 3 && pm_events_get(&ev, 2)->k.seq == 5,
	   "the 3 newest, oldest first");
	ok(!pm_events_get(&ev, 3), "nothing beyond");
	is_str(pm_events_get(&ev, 1)->path, "/f", "paths are copied");
	pm_events_free(&ev);
}

int main(void)
{
	registry();
	ring();
	return done_testing();
}
