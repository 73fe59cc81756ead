// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * /proc/self/maps: parsing, and the cache the interposer looks ranges up in.
 *
 * A line (fs/proc/task_mmu.c) is
 *
 *	start-end perms offset major:minor inode [padding name]
 *
 * with the numbers in hex except the inode.  A file's name is its path as
 * d_path() gives it, newlines escaped as "\012" (nothing else is escaped, so
 * a path containing a literal "\012" or ending in " (deleted)" reads the
 * same as another one: the caller checks device and inode when it opens
 * the file).  An unlinked file has " (deleted)" appended.
 *
 * Reading the file takes several read() calls for a large process, and the
 * kernel drops mmap_lock between them: a torn read can show entries out of
 * order.  fp_maps_read() checks the order and reads again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "filepin-private.h"

#define DELETED_SUFFIX " (deleted)"

static bool parse_hex(const char **pp, const char *end, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;
	int n = 0;

	for (; p < end; p++, n++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (n == 16)
			return false;	/* more than 64 bits */
		v = v << 4 | d;
	}
	if (!n)
		return false;
	*pp = p;
	*val = v;
	return true;
}

static bool parse_dec(const char **pp, const char *end, uint64_t *val)
{
	const char *p = *pp;
	uint64_t v = 0;

	if (p >= end || *p < '0' || *p > '9')
		return false;
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		unsigned int d = *p - '0';

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*pp = p;
	*val = v;
	return true;
}

static bool expect(const char **pp, const char *end, char c)
{
	if (*pp >= end || **pp != c)
		return false;
	(*pp)++;
	return true;
}

/* Undo the kernel's "\012" escape in place; returns the new length. */
static size_t unescape(char *s, size_t len)
{
	size_t i, o;

	for (i = 0, o = 0; i < len; i++, o++) {
		if (s[i] == '\\' && len - i >= 4 && !memcmp(s + i, "\\012", 4)) {
			s[o] = '\n';
			i += 3;
		} else {
			s[o] = s[i];
		}
	}
	return o;
}

/* Parse the line [p, end) (no newline) into @v; the name is made a string. */
static bool parse_line(char *line, char *end, struct fp_vma *v)
{
	const char *p = line;
	uint64_t major, minor;
	char *name;
	size_t len;

	memset(v, 0, sizeof(*v));
	if (!parse_hex(&p, end, &v->start) || !expect(&p, end, '-') ||
	    !parse_hex(&p, end, &v->end) || !expect(&p, end, ' '))
		return false;
	if (end - p < 5 || p[4] != ' ')
		return false;
	if (p[0] == 'r')
		v->flags |= FP_VMA_READ;
	else if (p[0] != '-')
		return false;
	if (p[1] == 'w')
		v->flags |= FP_VMA_WRITE;
	else if (p[1] != '-')
		return false;
	if (p[2] == 'x')
		v->flags |= FP_VMA_EXEC;
	else if (p[2] != '-')
		return false;
	if (p[3] == 's')
		v->flags |= FP_VMA_SHARED;
	else if (p[3] != 'p')
		return false;
	p += 5;
	if (!parse_hex(&p, end, &v->offset) || !expect(&p, end, ' ') ||
	    !parse_hex(&p, end, &major) || !expect(&p, end, ':') ||
	    !parse_hex(&p, end, &minor) || !expect(&p, end, ' ') ||
	    !parse_dec(&p, end, &v->ino))
		return false;
	if (major > UINT32_MAX || minor > UINT32_MAX || v->start >= v->end)
		return false;
	v->major = (uint32_t)major;
	v->minor = (uint32_t)minor;
	if (p < end && *p != ' ')
		return false;
	while (p < end && *p == ' ')
		p++;

	name = line + (p - line);
	len = unescape(name, (size_t)(end - name));
	name[len] = 0;
	if (name[0] == '/' && v->ino) {
		v->flags |= FP_VMA_FILE;
		if (len > strlen(DELETED_SUFFIX) &&
		    !strcmp(name + len - strlen(DELETED_SUFFIX), DELETED_SUFFIX)) {
			v->flags |= FP_VMA_DELETED;
			name[len - strlen(DELETED_SUFFIX)] = 0;
		}
	}
	v->path = name;
	return true;
}

void fp_maps_release(struct fp_maps *maps)
{
	free(maps->vma);
	free(maps->text);
	memset(maps, 0, sizeof(*maps));
}

int fp_maps_parse(char *text, size_t len, struct fp_maps *maps)
{
	size_t cap = 0, n = 0;
	char *p = text, *end = text + len;
	struct fp_vma *vma = NULL;

	memset(maps, 0, sizeof(*maps));
	maps->text = text;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;

		if (eol == p && !nl)
			break;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct fp_vma *nv = realloc(vma, ncap * sizeof(*vma));

			if (!nv) {
				free(vma);
				fp_maps_release(maps);
				return -ENOMEM;
			}
			vma = nv;
			cap = ncap;
		}
		/* The name ends where the line does: make room for its NUL. */
		if (!nl && eol == end) {
			/* no newline after the last line: text has len + 1 bytes */
			*eol = 0;
		}
		if (!parse_line(p, eol, &vma[n]) ||
		    (n && vma[n].start < vma[n - 1].end)) {
			free(vma);
			fp_maps_release(maps);
			return -EBADMSG;
		}
		n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	maps->vma = vma;
	maps->n = n;
	return 0;
}

static int read_all(const char *path, char **textp, size_t *lenp)
{
	size_t cap = 65536, len = 0;
	char *text = NULL;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r;

		if (!text || cap - len < 4096 + 1) {
			char *nt;

			if (text)
				cap *= 2;
			nt = realloc(text, cap);
			if (!nt) {
				err = -ENOMEM;
				break;
			}
			text = nt;
		}
		r = read(fd, text + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (!r)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (err) {
		free(text);
		return err;
	}
	text[len] = 0;
	*textp = text;
	*lenp = len;
	return 0;
}

int fp_maps_read(const char *path, struct fp_maps *maps)
{
	int tries, err = -EBADMSG;

	for (tries = 0; tries < 4 && err == -EBADMSG; tries++) {
		char *text = NULL;
		size_t len = 0;

		err = read_all(path, &text, &len);
		if (err)
			return err;
		err = fp_maps_parse(text, len, maps);
	}
	return err;
}

size_t fp_maps_first(const struct fp_maps *maps, uint64_t addr)
{
	size_t lo = 0, hi = maps->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (maps->vma[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool fp_maps_covers(const struct fp_maps *maps, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len, at = addr;
	size_t i;

	if (!len || end < addr)
		return false;
	for (i = fp_maps_first(maps, addr); i < maps->n && at < end; i++) {
		if (maps->vma[i].start > at)
			return false;
		at = maps->vma[i].end;
	}
	return at >= end;
}

/* ---- the cache ------------------------------------------------------- */

void fp_mapcache_release(struct fp_mapcache *mc)
{
	fp_maps_release(&mc->maps);
	mc->valid = false;
	mc->nverdict = 0;
}

static struct fp_inode_verdict *verdict_find(const struct fp_mapcache *mc,
					     const struct fp_vma *v)
{
	size_t i;

	for (i = 0; i < mc->nverdict && i < FP_VERDICT_MAX; i++) {
		const struct fp_inode_verdict *e = &mc->verdict[i];

		if (e->ino == v->ino && e->major == v->major && e->minor == v->minor)
			return (struct fp_inode_verdict *)e;
	}
	return NULL;
}

enum fp_verdict fp_mapcache_verdict(const struct fp_mapcache *mc,
				    const struct fp_vma *v)
{
	const struct fp_inode_verdict *e = verdict_find(mc, v);

	return e ? e->verdict : FP_VERDICT_UNKNOWN;
}

void fp_mapcache_set_verdict(struct fp_mapcache *mc, const struct fp_vma *v,
			     enum fp_verdict verdict)
{
	struct fp_inode_verdict *e = verdict_find(mc, v);

	if (!e) {
		/* full: replace the oldest (round robin) */
		e = &mc->verdict[mc->nverdict % FP_VERDICT_MAX];
		mc->nverdict++;
	}
	e->major = v->major;
	e->minor = v->minor;
	e->ino = v->ino;
	e->verdict = verdict;
}

bool fp_mapcache_nothing_to_lease(const struct fp_mapcache *mc, uint64_t addr,
				  uint64_t len)
{
	uint64_t end = addr + len;
	size_t i;

	if (!mc->valid || !fp_maps_covers(&mc->maps, addr, len))
		return false;
	for (i = fp_maps_first(&mc->maps, addr);
	     i < mc->maps.n && mc->maps.vma[i].start < end; i++) {
		const struct fp_vma *v = &mc->maps.vma[i];

		if ((v->flags & FP_VMA_FILE) &&
		    fp_mapcache_verdict(mc, v) == FP_VERDICT_UNKNOWN)
			return false;
	}
	return true;
}
