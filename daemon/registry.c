// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The registry of pins.  One entry per pinned range, whatever told us
 * about it: a libfilepin client (PIN_ADD), a scan of /proc/<pid>/file_pins,
 * or pinmgr's own pin service.  The same pin seen by several sources is
 * one entry: a /proc line matches an entry of the same process, device,
 * inode and page range.  An entry goes away when no source holds it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "pinmgr.h"

static size_t bucket(const struct pm_registry *reg, pid_t pid,
		     unsigned int major, unsigned int minor, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull;

	h ^= ((uint64_t)major << 40) ^ ((uint64_t)minor << 20) ^ (uint64_t)pid;
	h *= 0xff51afd7ed558ccdull;
	return (size_t)(h >> 32) & (reg->nbuckets - 1);
}

/* the chain of a client's pin id (PIN_ADD, PIN_DEL look up by it) */
static size_t cbucket(const struct pm_registry *reg, const struct pm_conn *c,
		      uint64_t id)
{
	uint64_t h = ((uint64_t)(uintptr_t)c >> 4) * 0x9e3779b97f4a7c15ull ^ id;

	h *= 0xff51afd7ed558ccdull;
	return (size_t)(h >> 32) & (reg->nbuckets - 1);
}

static void client_link(struct pm_registry *reg, struct pm_pin *p)
{
	size_t b = cbucket(reg, p->client, p->client_id);

	p->cnext = reg->chash[b];
	reg->chash[b] = p;
}

static void client_unlink(struct pm_registry *reg, struct pm_pin *p)
{
	struct pm_pin **pp = &reg->chash[cbucket(reg, p->client, p->client_id)];

	while (*pp && *pp != p)
		pp = &(*pp)->cnext;
	if (*pp)
		*pp = p->cnext;
	p->cnext = NULL;
}

static struct pm_pin *client_find(struct pm_registry *reg, const struct pm_conn *c,
				  uint64_t id)
{
	struct pm_pin *p;

	for (p = reg->chash[cbucket(reg, c, id)]; p; p = p->cnext)
		if (p->client == c && p->client_id == id)
			return p;
	return NULL;
}

int pm_reg_init(struct pm_registry *reg, unsigned long page_size)
{
	memset(reg, 0, sizeof(*reg));
	reg->nbuckets = 1024;
	reg->hash = calloc(reg->nbuckets, sizeof(*reg->hash));
	reg->chash = calloc(reg->nbuckets, sizeof(*reg->chash));
	reg->page_size = page_size;
	reg->next_id = 1;
	if (!reg->hash || !reg->chash) {
		free(reg->hash);
		free(reg->chash);
		return -ENOMEM;
	}
	return 0;
}

static void pin_free(struct pm_pin *p)
{
	free(p->path);
	free(p->owner_path);
	free(p);
}

void pm_reg_free(struct pm_registry *reg)
{
	struct pm_pin *p, *n;

	for (p = reg->head; p; p = n) {
		n = p->next;
		pin_free(p);
	}
	free(reg->hash);
	free(reg->chash);
	memset(reg, 0, sizeof(*reg));
}

static void grow(struct pm_registry *reg)
{
	struct pm_pin **h, **ch, *p;
	size_t n = reg->nbuckets * 2;

	h = calloc(n, sizeof(*h));
	ch = calloc(n, sizeof(*ch));
	if (!h || !ch) {
		free(h);
		free(ch);
		return;		/* longer chains, still correct */
	}
	free(reg->hash);
	free(reg->chash);
	reg->hash = h;
	reg->chash = ch;
	reg->nbuckets = n;
	for (p = reg->head; p; p = p->next) {
		size_t b = bucket(reg, p->pid, p->major, p->minor, p->ino);

		p->hnext = h[b];
		h[b] = p;
		if (p->client)
			client_link(reg, p);
	}
}

static struct pm_pin *pin_new(struct pm_registry *reg, pid_t pid,
			      unsigned int major, unsigned int minor,
			      uint64_t ino)
{
	struct pm_pin *p = calloc(1, sizeof(*p));
	size_t b;

	if (!p)
		return NULL;
	if (reg->count >= reg->nbuckets * 2)
		grow(reg);
	p->id = reg->next_id++;
	p->pid = pid;
	p->major = major;
	p->minor = minor;
	p->ino = ino;
	p->owner_fd = -1;
	b = bucket(reg, pid, major, minor, ino);
	p->hnext = reg->hash[b];
	reg->hash[b] = p;
	p->prev = reg->tail;
	if (reg->tail)
		reg->tail->next = p;
	else
		reg->head = p;
	reg->tail = p;
	reg->count++;
	return p;
}

static void pin_unlink(struct pm_registry *reg, struct pm_pin *p)
{
	struct pm_pin **pp = &reg->hash[bucket(reg, p->pid, p->major, p->minor, p->ino)];

	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	if (p->client)
		client_unlink(reg, p);
	if (p->prev)
		p->prev->next = p->next;
	else
		reg->head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		reg->tail = p->prev;
	reg->count--;
	pin_free(p);
}

/* drop @src from @p, and @p when nothing holds it any more */
static void pin_put(struct pm_registry *reg, struct pm_pin *p, unsigned int src)
{
	p->src &= ~src;
	if (!p->src)
		pin_unlink(reg, p);
}

struct pm_pin *pm_reg_find_id(struct pm_registry *reg, uint64_t id)
{
	struct pm_pin *p;

	for (p = reg->head; p; p = p->next)
		if (p->id == id)
			return p;
	return NULL;
}

static void set_pages(const struct pm_registry *reg, struct pm_pin *p)
{
	p->first_page = p->offset / reg->page_size;
	p->last_page = (p->offset + p->length - 1) / reg->page_size;
	p->pages = p->last_page - p->first_page + 1;
}

static int set_str(char **dst, const char *s)
{
	char *n;

	if (*dst && !strcmp(*dst, s))
		return 0;
	n = strdup(s);
	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

/* a new path: the file's owner is looked up again */
static int set_path(struct pm_pin *p, const char *s)
{
	if (p->path && !strcmp(p->path, s))
		return 0;
	p->file_uid_known = false;
	return set_str(&p->path, s);
}

/* An entry of @pid on the inode with this page range that has none of @src. */
static struct pm_pin *find_match(struct pm_registry *reg, pid_t pid,
				 unsigned int major, unsigned int minor,
				 uint64_t ino, uint64_t first, uint64_t last,
				 unsigned int without, unsigned int prefer)
{
	struct pm_pin *p, *found = NULL;

	for (p = reg->hash[bucket(reg, pid, major, minor, ino)]; p; p = p->hnext) {
		if (p->pid != pid || !pm_pin_on(p, major, minor, ino) ||
		    p->first_page != first || p->last_page != last ||
		    (p->src & without))
			continue;
		if (p->src & prefer)
			return p;
		if (!found)
			found = p;
	}
	return found;
}

int pm_reg_add_lib(struct pm_registry *reg, struct pm_conn *c, pid_t pid,
		   uid_t uid, const char *comm, const struct pinmgr_pin_add *pa,
		   struct pm_pin **out)
{
	struct pm_pin *p;
	uint64_t first, last;

	if (client_find(reg, c, pa->id))
		return -EEXIST;
	first = pa->offset / reg->page_size;
	last = (pa->offset + pa->length - 1) / reg->page_size;
	p = find_match(reg, pid, pa->dev_major, pa->dev_minor, pa->ino, first,
		       last, PM_SRC_LIB | PM_SRC_SERVICE, PM_SRC_PROC);
	if (!p) {
		p = pin_new(reg, pid, pa->dev_major, pa->dev_minor, pa->ino);
		if (!p)
			return -ENOMEM;
	}
	if (set_path(p, pa->path)) {
		if (!p->src)
			pin_unlink(reg, p);
		return -ENOMEM;
	}
	p->src |= PM_SRC_LIB;
	p->client = c;
	p->client_id = pa->id;
	client_link(reg, p);
	p->uid = uid;
	if (comm && *comm)
		snprintf(p->comm, sizeof(p->comm), "%s", comm);
	p->offset = pa->offset;
	p->length = pa->length;
	set_pages(reg, p);
	p->have_mr = true;
	p->mr_guessed = false;
	p->lkey = pa->lkey;
	p->rkey = pa->rkey;
	snprintf(p->rdma_dev, sizeof(p->rdma_dev), "%s", pa->rdma_dev);
	if (out)
		*out = p;
	return 0;
}

static void lib_detach(struct pm_registry *reg, struct pm_pin *p)
{
	client_unlink(reg, p);
	p->client = NULL;
	p->client_id = 0;
	p->revoking = false;
	if (p->src & PM_SRC_PROC) {
		/* the kernel still shows it: keep what /proc says */
		p->have_mr = p->have_mrn = false;
		p->rdma_dev[0] = 0;
	}
	pin_put(reg, p, PM_SRC_LIB);
}

int pm_reg_del_lib(struct pm_registry *reg, const struct pm_conn *c, uint64_t id)
{
	struct pm_pin *p = client_find(reg, c, id);

	if (!p)
		return -ENOENT;
	lib_detach(reg, p);
	return 0;
}

unsigned int pm_reg_drop_client(struct pm_registry *reg, const struct pm_conn *c)
{
	struct pm_pin *p, *n;
	unsigned int count = 0;

	for (p = reg->head; p; p = n) {
		n = p->next;
		if (p->client == c) {
			lib_detach(reg, p);
			count++;
		}
	}
	return count;
}

struct pm_pin *pm_reg_add_service(struct pm_registry *reg, struct pm_svc_pin *svc,
				  pid_t pid, uid_t uid, unsigned int major,
				  unsigned int minor, uint64_t ino,
				  uint64_t offset, uint64_t length, const char *path)
{
	struct pm_pin *p = pin_new(reg, pid, major, minor, ino);

	if (!p)
		return NULL;
	if (path && set_path(p, path)) {
		pin_unlink(reg, p);
		return NULL;
	}
	p->src = PM_SRC_SERVICE;
	p->svc = svc;
	p->uid = uid;
	snprintf(p->comm, sizeof(p->comm), "pinmgr");
	p->offset = offset;
	p->length = length;
	set_pages(reg, p);
	return p;
}

void pm_reg_del_service(struct pm_registry *reg, struct pm_pin *p)
{
	p->svc = NULL;
	p->have_mr = p->have_mrn = false;
	/*
	 * pinmgr has deregistered its own MR, so the kernel no longer shows
	 * the pin either: do not keep it until the next scan as pinmgr's
	 * "/proc" pin.
	 */
	pin_put(reg, p, PM_SRC_SERVICE | PM_SRC_PROC);
}

void pm_reg_scan_begin(struct pm_registry *reg)
{
	reg->gen++;
}

int pm_reg_scan_line(struct pm_registry *reg, const struct file_pins_proc *proc,
		     const struct file_pin *fp)
{
	struct pm_pin *p, *q;

	/* first the entry that this line matched last time, then any other */
	p = NULL;
	for (q = reg->hash[bucket(reg, proc->pid, fp->major, fp->minor, fp->ino)];
	     q; q = q->hnext) {
		if (q->pid != proc->pid || !pm_pin_on(q, fp->major, fp->minor, fp->ino) ||
		    q->first_page != fp->first_page || q->last_page != fp->last_page ||
		    q->proc_gen == reg->gen)
			continue;
		if ((q->src & PM_SRC_PROC) && q->owner == (fp->owner == FILE_PIN_OWNER_FD ?
		     PINMGR_ADM_OWNER_FD : PINMGR_ADM_OWNER_MM) && q->owner_fd == fp->owner_fd) {
			p = q;
			break;
		}
		if (!p && !(q->src & PM_SRC_PROC))
			p = q;
	}
	if (!p) {
		p = pin_new(reg, proc->pid, fp->major, fp->minor, fp->ino);
		if (!p)
			return -ENOMEM;
		p->offset = fp->first_page * reg->page_size;
		p->length = (fp->last_page - fp->first_page + 1) * reg->page_size;
	}
	if (set_path(p, fp->path) ||
	    set_str(&p->owner_path, fp->owner == FILE_PIN_OWNER_FD ? fp->owner_path : "")) {
		if (!p->src)
			pin_unlink(reg, p);
		return -ENOMEM;
	}
	p->src |= PM_SRC_PROC;
	p->proc_gen = reg->gen;
	/* a service pin is pinmgr's in /proc, but belongs to its requester */
	if (!(p->src & PM_SRC_SERVICE))
		p->uid = proc->uid;
	if (proc->comm[0])
		snprintf(p->comm, sizeof(p->comm), "%s", proc->comm);
	p->owner = fp->owner == FILE_PIN_OWNER_FD ? PINMGR_ADM_OWNER_FD :
						      PINMGR_ADM_OWNER_MM;
	p->owner_fd = fp->owner_fd;
	p->first_page = fp->first_page;
	p->last_page = fp->last_page;
	p->pages = fp->pages;
	return 0;
}

unsigned int pm_reg_scan_end(struct pm_registry *reg)
{
	struct pm_pin *p, *n;
	unsigned int gone = 0;

	for (p = reg->head; p; p = n) {
		n = p->next;
		if (!(p->src & PM_SRC_PROC) || p->proc_gen == reg->gen)
			continue;
		p->owner = PINMGR_ADM_OWNER_UNKNOWN;
		p->owner_fd = -1;
		if (p->mr_guessed)
			p->have_mr = p->have_mrn = p->mr_guessed = false;
		gone++;
		pin_put(reg, p, PM_SRC_PROC);
	}
	return gone;
}

bool pm_pin_on(const struct pm_pin *p, unsigned int major, unsigned int minor,
	       uint64_t ino)
{
	return p->major == major && p->minor == minor && p->ino == ino;
}

const char *pm_reg_path_of(struct pm_registry *reg, unsigned int major,
			   unsigned int minor, uint64_t ino)
{
	const struct pm_pin *p;
	const char *lib = NULL;

	/* the kernel's name first: the library's may be older */
	for (p = reg->head; p; p = p->next) {
		if (!pm_pin_on(p, major, minor, ino) || !p->path || !pm_pin_confirmed(p))
			continue;
		if (p->src & PM_SRC_PROC)
			return p->path;
		if (!lib)
			lib = p->path;
	}
	return lib;
}

void pm_reg_count(const struct pm_registry *reg, struct pm_reg_counts *n)
{
	const struct pm_pin *p;

	memset(n, 0, sizeof(*n));
	for (p = reg->head; p; p = p->next) {
		n->pins++;
		n->lib += !!(p->src & PM_SRC_LIB);
		n->proc += !!(p->src & PM_SRC_PROC);
		n->service += !!(p->src & PM_SRC_SERVICE);
	}
}

bool pm_pin_confirmed(const struct pm_pin *p)
{
	/* a client's claim counts once the kernel's /proc line matched it */
	return p->src & (PM_SRC_PROC | PM_SRC_SERVICE);
}

uid_t pm_pin_file_uid(struct pm_pin *p)
{
	struct stat st;

	if (p->file_uid_known)
		return p->file_uid;
	p->file_uid = (uid_t)-1;
	/* the path the kernel (or pinmgr) named, if it still is this inode */
	if (pm_pin_confirmed(p) && p->path && p->path[0] == '/' &&
	    !stat(p->path, &st) && major(st.st_dev) == p->major &&
	    minor(st.st_dev) == p->minor && st.st_ino == p->ino)
		p->file_uid = st.st_uid;
	p->file_uid_known = true;
	return p->file_uid;
}

uid_t pm_reg_file_uid(struct pm_registry *reg, unsigned int major,
		      unsigned int minor, uint64_t ino)
{
	struct pm_pin *p;

	for (p = reg->head; p; p = p->next) {
		if (!pm_pin_on(p, major, minor, ino))
			continue;
		if (pm_pin_file_uid(p) != (uid_t)-1)
			return p->file_uid;
	}
	return (uid_t)-1;
}

bool pm_pin_visible(struct pm_pin *p, uid_t uid)
{
	if (p->uid == uid)
		return true;	/* its own, confirmed or not */
	if (!pm_pin_confirmed(p))
		return false;
	return uid == 0 || pm_pin_file_uid(p) == uid;
}
