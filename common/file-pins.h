/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading /proc/<pid>/file_pins (DESIGN.md rule 7, filepin(7)), shared by
 * pinmgr and pinctl.  One line per pinned range:
 *
 *	<owner> <owner-path> <maj>:<min> <ino> <first-page>-<last-page> <pages> <path>
 *
 * fields separated by exactly one space; <owner> is "fd:<n>" or "mm" (then
 * <owner-path> is "-"); the paths are escaped as in mountinfo (\040 space,
 * \011 tab, \012 newline, \134 backslash).  The parser is strict: a line
 * that does not follow the format is rejected as a whole, never guessed at.
 */
#ifndef FILEPIN_FILE_PINS_H
#define FILEPIN_FILE_PINS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FILE_PINS_PATH_MAX	4095	/* bytes after unescaping */
#define FILE_PINS_LINE_MAX	(2 * (4 * FILE_PINS_PATH_MAX) + 128)
#define FILE_PINS_COMM_MAX	15

enum file_pin_owner {
	FILE_PIN_OWNER_FD = 1,
	FILE_PIN_OWNER_MM = 2,
};

struct file_pin {
	enum file_pin_owner owner;
	int owner_fd;			/* -1 for FILE_PIN_OWNER_MM */
	unsigned int major;
	unsigned int minor;
	uint64_t ino;
	uint64_t first_page;
	uint64_t last_page;
	uint64_t pages;
	char owner_path[FILE_PINS_PATH_MAX + 1];	/* "" for mm */
	char path[FILE_PINS_PATH_MAX + 1];
};

/*
 * Parse one line (@len bytes, without the newline; need not be
 * NUL-terminated).  Returns 0, or -EINVAL with @why (if not NULL) set to a
 * static description of the first problem.
 */
int file_pin_parse(const char *line, size_t len, struct file_pin *pin,
		   const char **why);

/*
 * Unescape a mountinfo-style path of @len bytes into @dst (@size bytes,
 * NUL-terminated).  Only \ooo octal escapes are accepted; a raw space,
 * tab, newline or a NUL byte is refused.  Returns the unescaped length or
 * -EINVAL / -ENAMETOOLONG.
 */
ssize_t file_pin_unescape(const char *src, size_t len, char *dst, size_t size);

/* Escape @src the way the kernel does, into @dst (@size bytes). */
int file_pin_escape(const char *src, char *dst, size_t size);

/* "fd:5" or "mm" */
void file_pin_owner_str(const struct file_pin *pin, char *buf, size_t size);

/* ---- scanning a proc tree ---------------------------------------------- */

struct file_pins_proc {
	pid_t pid;
	uid_t uid;			/* owner of /proc/<pid> (its euid) */
	char comm[FILE_PINS_COMM_MAX + 1];
};

struct file_pins_stats {
	unsigned long pids;		/* processes looked at */
	unsigned long files;		/* file_pins files read */
	unsigned long unreadable;	/* could not be opened (EACCES, ...) */
	unsigned long absent;		/* no file_pins: not a filepin kernel */
	unsigned long malformed;	/* lines rejected */
	unsigned long pins;		/* lines accepted */
};

/*
 * Called for every accepted line.  A non-zero return stops the scan and is
 * returned by file_pins_scan().
 */
typedef int (*file_pins_fn)(const struct file_pins_proc *proc,
			    const struct file_pin *pin, void *data);

/*
 * Optional: told about every rejected line (for logging); @lineno counts
 * from 1.
 */
typedef void (*file_pins_bad_fn)(const struct file_pins_proc *proc,
				 unsigned long lineno, const char *why,
				 void *data);

/*
 * Read <procdir>/<pid>/file_pins for every numeric entry of @procdir (or
 * only for @pid when it is > 0), in ascending pid order.  Returns 0, the
 * callback's non-zero value, or a negative errno when @procdir (or, with
 * @pid, that process) cannot be read.
 */
int file_pins_scan(const char *procdir, pid_t pid, file_pins_fn fn,
		   file_pins_bad_fn bad, void *data, struct file_pins_stats *st);

#endif
