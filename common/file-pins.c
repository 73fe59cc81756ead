// SPDX-License-Identifier: LGPL-2.1-or-later
/* /proc/<pid>/file_pins: a strict line parser and a proc tree scanner. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file-pins.h"

/* A decimal number without sign or leading zeros, at most @max. */
static int parse_dec(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!len || (len > 1 && s[0] == '0'))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		unsigned int d;

		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		d = (unsigned int)(s[i] - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int is_odigit(char c)
{
	return c >= '0' && c <= '7';
}

ssize_t file_pin_unescape(const char *src, size_t len, char *dst, size_t size)
{
	size_t i, n = 0;

	if (!size)
		return -ENAMETOOLONG;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == 0)
			return -EINVAL;
		if (c == '\\') {
			unsigned int v;

			if (len - i < 4 || !is_odigit(src[i + 1]) ||
			    !is_odigit(src[i + 2]) || !is_odigit(src[i + 3]))
				return -EINVAL;
			v = (unsigned int)(src[i + 1] - '0') << 6 |
			    (unsigned int)(src[i + 2] - '0') << 3 |
			    (unsigned int)(src[i + 3] - '0');
			if (!v || v > 0xff)
				return -EINVAL;
			c = (unsigned char)v;
			i += 3;
		}
		if (n + 1 >= size)
			return -ENAMETOOLONG;
		dst[n++] = (char)c;
	}
	dst[n] = 0;
	return (ssize_t)n;
}

int file_pin_escape(const char *src, char *dst, size_t size)
{
	size_t n = 0;

	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		size_t need = strchr(" \t\n\\", c) ? 4 : 1;

		if (n + need >= size)
			return -ENAMETOOLONG;
		if (need == 4)
			n += (size_t)snprintf(dst + n, size - n, "\\%03o", c);
		else
			dst[n++] = (char)c;
	}
	if (n >= size)
		return -ENAMETOOLONG;
	dst[n] = 0;
	return 0;
}

void file_pin_owner_str(const struct file_pin *pin, char *buf, size_t size)
{
	if (pin->owner == FILE_PIN_OWNER_FD)
		snprintf(buf, size, "fd:%d", pin->owner_fd);
	else
		snprintf(buf, size, "mm");
}

#define FAIL(msg) do { if (why) *why = (msg); return -EINVAL; } while (0)

int file_pin_parse(const char *line, size_t len, struct file_pin *pin,
		   const char **why)
{
	const char *tok[7];
	size_t tlen[7], i, ntok = 0, start = 0;
	const char *dash, *colon;
	uint64_t v, w;

	memset(pin, 0, sizeof(*pin));
	if (len > FILE_PINS_LINE_MAX)
		FAIL("line too long");
	for (i = 0; i <= len; i++) {
		if (i < len && line[i] != ' ')
			continue;
		if (i == start)
			FAIL(len ? "empty field (two spaces, or a space at an end)" : "empty line");
		if (ntok == 7)
			FAIL("too many fields");
		tok[ntok] = line + start;
		tlen[ntok++] = i - start;
		start = i + 1;
	}
	if (ntok != 7)
		FAIL("too few fields");

	/* owner and owner-path */
	if (tlen[0] == 2 && !memcmp(tok[0], "mm", 2)) {
		pin->owner = FILE_PIN_OWNER_MM;
		pin->owner_fd = -1;
		if (tlen[1] != 1 || tok[1][0] != '-')
			FAIL("owner mm must have owner-path -");
	} else if (tlen[0] > 3 && !memcmp(tok[0], "fd:", 3)) {
		if (parse_dec(tok[0] + 3, tlen[0] - 3, INT_MAX, &v))
			FAIL("bad fd number in owner");
		pin->owner = FILE_PIN_OWNER_FD;
		pin->owner_fd = (int)v;
		if (file_pin_unescape(tok[1], tlen[1], pin->owner_path,
				      sizeof(pin->owner_path)) < 0)
			FAIL("bad owner-path");
	} else {
		FAIL("owner is neither fd:<n> nor mm");
	}

	/* maj:min, as MAJOR()/MINOR() allow */
	colon = memchr(tok[2], ':', tlen[2]);
	if (!colon || parse_dec(tok[2], (size_t)(colon - tok[2]), 0xfff, &v) ||
	    parse_dec(colon + 1, tlen[2] - (size_t)(colon - tok[2]) - 1, 0xfffff, &w))
		FAIL("bad <maj>:<min>");
	pin->major = (unsigned int)v;
	pin->minor = (unsigned int)w;

	if (parse_dec(tok[3], tlen[3], UINT64_MAX, &pin->ino))
		FAIL("bad inode number");

	dash = memchr(tok[4], '-', tlen[4]);
	if (!dash || parse_dec(tok[4], (size_t)(dash - tok[4]), UINT64_MAX,
			       &pin->first_page) ||
	    parse_dec(dash + 1, tlen[4] - (size_t)(dash - tok[4]) - 1,
		      UINT64_MAX, &pin->last_page))
		FAIL("bad <first-page>-<last-page>");
	if (pin->first_page > pin->last_page)
		FAIL("first page after last page");

	if (parse_dec(tok[5], tlen[5], UINT64_MAX, &pin->pages) || !pin->pages)
		FAIL("bad page count");
	if (pin->last_page - pin->first_page != UINT64_MAX &&
	    pin->pages > pin->last_page - pin->first_page + 1)
		FAIL("page count larger than the range");

	if (file_pin_unescape(tok[6], tlen[6], pin->path, sizeof(pin->path)) < 0)
		FAIL("bad path (raw blank, bad escape or too long)");
	return 0;
}

#undef FAIL

/* ---- the scanner -------------------------------------------------------- */

static int pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int list_pids(const char *procdir, pid_t **out, size_t *count)
{
	pid_t *pids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(procdir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		uint64_t v;

		if (parse_dec(de->d_name, strlen(de->d_name), INT_MAX, &v) || !v)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			pid_t *p = realloc(pids, ncap * sizeof(*p));

			if (!p) {
				free(pids);
				closedir(d);
				return -ENOMEM;
			}
			pids = p;
			cap = ncap;
		}
		pids[n++] = (pid_t)v;
	}
	closedir(d);
	if (n)
		qsort(pids, n, sizeof(*pids), pid_cmp);
	*out = pids;
	*count = n;
	return 0;
}

static void read_comm(int dirfd, char *comm, size_t size)
{
	ssize_t n;
	int fd;

	comm[0] = 0;
	fd = openat(dirfd, "comm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, comm, size - 1);
	close(fd);
	if (n <= 0)
		return;
	comm[n] = 0;
	comm[strcspn(comm, "\n")] = 0;
}

/* 1: no such process; 0 read; <0 errno of the file_pins open */
static int scan_pid(const char *procdir, int procfd, pid_t pid,
		    file_pins_fn fn, file_pins_bad_fn bad, void *data,
		    struct file_pins_stats *st, int *cbret)
{
	struct file_pins_proc proc = { .pid = pid };
	struct file_pin *pin;
	char name[16], *line = NULL;
	unsigned long lineno = 0;
	size_t cap = 0;
	struct stat sb;
	ssize_t len;
	int dirfd, fd, err = 0;
	bool named = false;
	FILE *f;

	snprintf(name, sizeof(name), "%d", (int)pid);
	dirfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return 1;
	st->pids++;
	fd = openat(dirfd, "file_pins", O_RDONLY | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	if (fd < 0) {
		close(dirfd);
		if (err == -ENOENT)
			st->absent++;
		else
			st->unreadable++;
		return err;
	}
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		close(dirfd);
		st->unreadable++;
		return -ENOMEM;
	}
	pin = malloc(sizeof(*pin));
	if (!pin) {
		fclose(f);
		close(dirfd);
		return -ENOMEM;
	}
	st->files++;
	while ((len = getline(&line, &cap, f)) >= 0) {
		const char *why = NULL;

		/* owner and comm only of processes with lines (most have none) */
		if (!named) {
			named = true;
			if (!fstat(dirfd, &sb))
				proc.uid = sb.st_uid;
			read_comm(dirfd, proc.comm, sizeof(proc.comm));
		}
		lineno++;
		if (len && line[len - 1] == '\n')
			len--;
		if (file_pin_parse(line, (size_t)len, pin, &why)) {
			st->malformed++;
			if (bad)
				bad(&proc, lineno, why, data);
			continue;
		}
		st->pins++;
		*cbret = fn(&proc, pin, data);
		if (*cbret)
			break;
	}
	(void)procdir;
	free(line);
	free(pin);
	fclose(f);
	close(dirfd);
	return 0;
}

int file_pins_scan(const char *procdir, pid_t pid, file_pins_fn fn,
		   file_pins_bad_fn bad, void *data, struct file_pins_stats *st)
{
	struct file_pins_stats dummy;
	pid_t *pids = NULL;
	size_t n = 0, i;
	int procfd, r, cbret = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	procfd = open(procdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	if (pid > 0) {
		r = scan_pid(procdir, procfd, pid, fn, bad, data, st, &cbret);
		close(procfd);
		if (cbret)
			return cbret;
		return r == 1 ? -ESRCH : r;
	}
	r = list_pids(procdir, &pids, &n);
	if (r) {
		close(procfd);
		return r;
	}
	for (i = 0; i < n && !cbret; i++)
		scan_pid(procdir, procfd, pids[i], fn, bad, data, st, &cbret);
	free(pids);
	close(procfd);
	return cbret;
}
