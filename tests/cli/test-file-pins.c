// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The /proc/<pid>/file_pins parser (common/file-pins.c): the format of
 * DESIGN.md rule 7, mountinfo escapes, and every kind of malformed line;
 * and the scanner over a fixture proc tree.
 */
#include <errno.h>
#include <string.h>

#include "file-pins.h"
#include "tap.h"

static struct file_pin pin;

static int parse(const char *line)
{
	return file_pin_parse(line, strlen(line), &pin, NULL);
}

static void bad(const char *line, const char *want)
{
	const char *why = NULL;
	int r = file_pin_parse(line, strlen(line), &pin, &why);

	if (!tap_ok(r == -EINVAL && why && strstr(why, want), "refused '%s': %s", line, want))
		diag("  got %d (%s)", r, why ? why : "no reason");
}

struct count {
	unsigned int n;
	unsigned int bad;
	pid_t pids[16];
};

static int each(const struct file_pins_proc *proc, const struct file_pin *p, void *data)
{
	struct count *c = data;

	if (c->n < 16)
		c->pids[c->n] = proc->pid;
	c->n++;
	return 0;
}

static void each_bad(const struct file_pins_proc *proc, unsigned long lineno,
		     const char *why, void *data)
{
	((struct count *)data)->bad++;
}

static int stop_at_200(const struct file_pins_proc *proc, const struct file_pin *p,
		       void *data)
{
	return proc->pid == 200 ? 42 : 0;
}

int main(void)
{
	struct file_pins_stats st;
	struct count c = { 0 };
	char buf[64], dir[4096];
	const char *srcdir = getenv("top_srcdir");

	is_int(parse("fd:5 /dev/infiniband/uverbs0 259:0 12 0-255 256 /mnt/ext4/data"), 0,
	       "an fd-owned pin parses");
	ok(pin.owner == FILE_PIN_OWNER_FD && pin.owner_fd == 5, "owner fd:5");
	is_str(pin.owner_path, "/dev/infiniband/uverbs0", "owner path");
	ok(pin.major == 259 && pin.minor == 0 && pin.ino == 12, "259:0 inode 12");
	ok(pin.first_page == 0 && pin.last_page == 255 && pin.pages == 256, "pages 0-255, 256");
	is_str(pin.path, "/mnt/ext4/data", "path");
	file_pin_owner_str(&pin, buf, sizeof(buf));
	is_str(buf, "fd:5", "owner string");

	is_int(parse("mm - 8:1 18446744073709551615 7-7 1 /a\\040b\\011c\\012d\\134e"), 0,
	       "an mm-owned pin with every escape parses");
	ok(pin.owner == FILE_PIN_OWNER_MM && pin.owner_fd == -1 && !pin.owner_path[0], "owner mm");
	ok(pin.ino == UINT64_MAX, "the largest inode number");
	is_str(pin.path, "/a b\tc\nd\\e", "escapes decoded");
	file_pin_owner_str(&pin, buf, sizeof(buf));
	is_str(buf, "mm", "owner string mm");
	is_int(parse("fd:0 /x\\040y 4095:1048575 1 0-9 3 /\\303\\251t\\303\\251"), 0,
	       "largest major:minor, fewer pages than the range, UTF-8 escaped");
	ok(pin.major == 4095 && pin.minor == 1048575 && pin.pages == 3, "values kept");
	is_str(pin.owner_path, "/x y", "owner path unescaped");
	is_str(pin.path, "/\xc3\xa9t\xc3\xa9", "octal escapes of any byte");
	is_int(parse("mm - 8:1 5 0-1 2 /data/x\\040(deleted)"), 0, "a deleted file's path");
	is_str(pin.path, "/data/x (deleted)", "with its suffix");

	bad("", "empty line");
	bad("fd:5 /dev/x 259:0 12 0-255 256", "too few fields");
	bad("fd:5 /dev/x 259:0 12 0-255 256 /a /b", "too many fields");
	bad("fd:5  /dev/x 259:0 12 0-255 256 /a", "empty field");
	bad("fd:5 /dev/x 259:0 12 0-255 256 /a ", "empty field");
	bad(" fd:5 /dev/x 259:0 12 0-255 256 /a", "empty field");
	bad("fd /dev/x 259:0 12 0-255 256 /a", "owner is neither");
	bad("fd: /dev/x 259:0 12 0-255 256 /a", "owner is neither");
	bad("fd:-1 /dev/x 259:0 12 0-255 256 /a", "bad fd number");
	bad("fd:05 /dev/x 259:0 12 0-255 256 /a", "bad fd number");
	bad("fd:2147483648 /dev/x 259:0 12 0-255 256 /a", "bad fd number");
	bad("file:5 /dev/x 259:0 12 0-255 256 /a", "owner is neither");
	bad("mm /dev/x 259:0 12 0-255 256 /a", "owner mm must have owner-path -");
	bad("fd:5 /dev\\0x 259:0 12 0-255 256 /a", "bad owner-path");
	bad("fd:5 /dev/x 259 12 0-255 256 /a", "bad <maj>:<min>");
	bad("fd:5 /dev/x 259: 12 0-255 256 /a", "bad <maj>:<min>");
	bad("fd:5 /dev/x 4096:0 12 0-255 256 /a", "bad <maj>:<min>");
	bad("fd:5 /dev/x 8:1048576 12 0-255 256 /a", "bad <maj>:<min>");
	bad("fd:5 /dev/x 8:+1 12 0-255 256 /a", "bad <maj>:<min>");
	bad("fd:5 /dev/x 8:1 18446744073709551616 0-255 256 /a", "bad inode number");
	bad("fd:5 /dev/x 8:1 0x12 0-255 256 /a", "bad inode number");
	bad("fd:5 /dev/x 8:1 12 0255 256 /a", "bad <first-page>-<last-page>");
	bad("fd:5 /dev/x 8:1 12 0--255 256 /a", "bad <first-page>-<last-page>");
	bad("fd:5 /dev/x 8:1 12 -255 256 /a", "bad <first-page>-<last-page>");
	bad("fd:5 /dev/x 8:1 12 9-8 1 /a", "first page after last page");
	bad("fd:5 /dev/x 8:1 12 0-255 0 /a", "bad page count");
	bad("fd:5 /dev/x 8:1 12 0-255 257 /a", "page count larger than the range");
	bad("fd:5 /dev/x 8:1 12 0-255 25x /a", "bad page count");
	bad("fd:5 /dev/x 8:1 12 0-255 256 /a\tb", "bad path");
	bad("fd:5 /dev/x 8:1 12 0-255 256 /a\\", "bad path");
	bad("fd:5 /dev/x 8:1 12 0-255 256 /a\\04", "bad path");
	bad("fd:5 /dev/x 8:1 12 0-255 256 /a\\048", "bad path");
	bad("fd:5 /dev/x 8:1 12 0-255 256 /a\\000", "bad path");
	bad("fd:5 /dev/x 8:1 12 0-255 256 /a\\777", "bad path");
	bad("fd:5 /dev/x 8:1 12 0-255 256 /a\\x20", "bad path");
	{
		/* a NUL byte inside the line (the length says where it ends) */
		const char l[] = "mm - 8:1 5 0-1 2 /a\0b";
		const char *why = NULL;

		ok(file_pin_parse(l, sizeof(l) - 1, &pin, &why) == -EINVAL && why &&
		   strstr(why, "bad path"), "a NUL byte in the path is refused");
	}
	{
		/* a path of 4095 bytes fits, 4096 does not */
		static char l[FILE_PINS_LINE_MAX + 100];
		size_t n = (size_t)snprintf(l, sizeof(l), "mm - 8:1 5 0-1 2 /");

		memset(l + n, 'a', 4094);
		l[n + 4094] = 0;
		is_int(parse(l), 0, "a 4095-byte path parses");
		is_int(strlen(pin.path), 4095, "and is kept whole");
		l[n + 4094] = 'a';
		l[n + 4095] = 0;
		bad(l, "bad path");
		memset(l + n, 'a', FILE_PINS_LINE_MAX);
		l[n + FILE_PINS_LINE_MAX] = 0;
		bad(l, "line too long");
	}

	/* escape and unescape */
	ok(!file_pin_escape("/a b\t\n\\c", dir, sizeof(dir)) &&
	   !strcmp(dir, "/a\\040b\\011\\012\\134c"), "escape like the kernel");
	is_int(file_pin_escape("/a b", buf, 5), -ENAMETOOLONG, "escape into a small buffer fails");
	is_int(file_pin_unescape("/abc", 4, buf, 4), -ENAMETOOLONG, "unescape into a small buffer fails");
	is_int(file_pin_unescape("/abc", 4, buf, 5), 4, "and fits exactly with its NUL");

	/* the scanner */
	if (!srcdir)
		bail("top_srcdir is not set");
	snprintf(dir, sizeof(dir), "%s/tests/cli/fixtures/proc-basic", srcdir);
	is_int(file_pins_scan(dir, 0, each, each_bad, &c, &st), 0, "the fixture tree scans");
	is_int(c.n, 5, "5 pins accepted");
	is_int(c.bad, 2, "2 lines rejected");
	ok(st.pids == 5 && st.files == 4 && st.absent == 1 && st.malformed == 2 &&
	   st.pins == 5 && st.unreadable == 0,
	   "stats: 5 pids, 4 files, 1 without file_pins, 2 malformed");
	ok(c.pids[0] == 100 && c.pids[1] == 100 && c.pids[2] == 200 && c.pids[4] == 500,
	   "in pid order");
	memset(&c, 0, sizeof(c));
	is_int(file_pins_scan(dir, 200, each, NULL, &c, &st), 0, "one pid");
	ok(c.n == 2 && c.pids[0] == 200 && c.pids[1] == 200, "only its 2 pins");
	is_int(file_pins_scan(dir, 400, each, NULL, &c, &st), -ENOENT,
	       "a process without file_pins is ENOENT");
	is_int(file_pins_scan(dir, 12345, each, NULL, &c, &st), -ESRCH, "no such process is ESRCH");
	is_int(file_pins_scan(dir, 0, stop_at_200, NULL, NULL, &st), 42,
	       "a callback's value stops the scan");
	is_int(file_pins_scan("/nonexistent", 0, each, NULL, &c, &st), -ENOENT,
	       "a missing proc dir is ENOENT");
	return done_testing();
}
