// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pinctl - show and manage the long-term pins of DAX file ranges
 * (filepin).  See pinctl(8).
 *
 *	pinctl [list] [-o COLS] [--output-all] [-J] [-r] [-n] [-b] [-p PID] [--path PATH]
 *	pinctl show FILE
 *	pinctl events [-f] [-J]
 *	pinctl break FILE [--wait] [--timeout S]
 *	pinctl pin FILE --device DEV [--offset N] [--length N] [--read-only] [-J]
 *	pinctl unpin ID
 *	pinctl revoke TOKEN
 *	pinctl remote ADDRESS[:PORT] TOKEN [--read | --write] [--offset N] [--length N]
 *	pinctl status
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "pinctl.h"
#include "pinmgr-proto.h"

#define PINCTL_PROC_ENV "PINCTL_PROC"

/*
 * Messages carry text from pinmgr, other users' programs and the kernel
 * (ERROR messages, comm, paths): control characters and '\\' are written
 * as \xNN so that none reaches the terminal raw.
 */
static void __attribute__((format(printf, 1, 0))) vwarn(const char *fmt, va_list ap)
{
	char raw[4096];
	const unsigned char *p;

	vsnprintf(raw, sizeof(raw), fmt, ap);
	fflush(stdout);
	fputs("pinctl: ", stderr);
	for (p = (const unsigned char *)raw; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\')
			fprintf(stderr, "\\x%02x", *p);
		else
			fputc(*p, stderr);
	}
	fputc('\n', stderr);
}

void pc_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

int pc_error(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	return code;
}

/* util-linux close_stdout(): a failed write is a failure, except EPIPE */
static void close_stdout(void)
{
	int prev = ferror(stdout), err;

	errno = 0;
	err = fclose(stdout);
	if (prev || err) {
		if (errno == EPIPE)
			_exit(PC_EXIT_FAILURE);
		fprintf(stderr, "pinctl: write error%s%s\n", errno ? ": " : "",
			errno ? strerror(errno) : "");
		_exit(PC_EXIT_FAILURE);
	}
	if (fclose(stderr) && errno != EBADF)
		_exit(PC_EXIT_FAILURE);
}

static void __attribute__((noreturn)) usage(void)
{
	FILE *out = stdout;

	fputs("Usage:\n"
	      " pinctl [list] [options]                 list pinned file ranges (default)\n"
	      " pinctl show FILE                        pins, policy and recent refusals of FILE\n"
	      " pinctl events [-f] [-J]                 refused truncates and hole punches\n"
	      " pinctl break FILE [--wait] [--timeout S]  ask the owners to give FILE's pins up\n"
	      " pinctl pin FILE --device DEV [--offset N] [--length N] [--read-only]\n"
	      "                                         pin a range for RDMA peers (pinmgr holds it)\n"
	      " pinctl unpin ID                         release a pin made with 'pinctl pin'\n"
	      " pinctl revoke TOKEN                     end an export (its peers are disconnected)\n"
	      " pinctl remote ADDRESS[:PORT] TOKEN [--read|--write] [--offset N] [--length N]\n"
	      "                                         connect to an export as its peer: show it,\n"
	      "                                         read it to stdout or write stdin into it\n"
	      " pinctl status                           the state of pinmgr\n"
	      "\nShow and manage long-term pins of DAX file ranges (filepin).\n"
	      "\nList options:\n"
	      " -o, --output <list>    the columns to print (see --list-columns)\n"
	      "     --output-all       print all columns\n"
	      " -J, --json             JSON output (events: one object per line)\n"
	      " -r, --raw              raw output\n"
	      " -n, --noheadings       do not print headings\n"
	      " -b, --bytes            print SIZE in bytes\n"
	      " -p, --pid <pid>        only the pins of this process\n"
	      "     --path <path>      only the pins of files at or under this path\n"
	      " -H, --list-columns     list the available columns\n"
	      "\nOther options:\n"
	      " -f, --follow           events: keep printing new events\n"
	      "     --wait             break: return when FILE is no longer pinned\n"
	      "     --timeout <sec>    break: how long the owners have (default: policy)\n"
	      " -d, --device <name>    pin: the RDMA device (e.g. rxe0)\n"
	      "     --offset <bytes>   pin: file offset, page aligned (default 0)\n"
	      "     --length <bytes>   pin: bytes to pin (default: to the end of the file)\n"
	      "     --read-only        pin: remote peers may read only\n"
	      "     --export           pin: export to remote peers; prints a token\n"
	      "     --read, --write    remote: RDMA READ the range to stdout, or WRITE stdin\n"
	      "                        into it (--offset: a file offset, default the start)\n"
	      " -s, --socket <path>    pinmgr's socket (default $" PINMGR_SOCKET_ENV " or\n"
	      "                        " PINMGR_SOCKET_PATH ")\n"
	      "     --proc <dir>       read pins from <dir>/<pid>/file_pins and not from\n"
	      "                        pinmgr (default /proc, or $" PINCTL_PROC_ENV ")\n"
	      " -h, --help             display this help\n"
	      " -V, --version          display version\n"
	      "\nExit status: 0 success, 1 failure, 2 usage error, 3 pinmgr is not running,\n"
	      "4 the file is still pinned (break).\n"
	      "\nSee pinctl(8).\n", out);
	exit(PC_EXIT_OK);
}

static int __attribute__((format(printf, 1, 2))) bad_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("pinctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'pinctl --help' for more information.\n", stderr);
	return PC_EXIT_USAGE;
}

static int parse_size(const char *s, uint64_t *v)
{
	unsigned long long n, mult = 1;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno)
		return -ERANGE;
	if (*end) {
		switch (*end) {
		case 'K': case 'k': mult = 1ull << 10; break;
		case 'M': case 'm': mult = 1ull << 20; break;
		case 'G': case 'g': mult = 1ull << 30; break;
		case 'T': case 't': mult = 1ull << 40; break;
		default: return -EINVAL;
		}
		if (end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
			return -EINVAL;
	}
	if (n > UINT64_MAX / mult)
		return -ERANGE;
	*v = n * mult;
	return 0;
}

static int parse_seconds(const char *s, unsigned int *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || end == s || !(v > 0) || v > 3600)
		return -EINVAL;
	*ms = (unsigned int)(v * 1000 + 0.5);
	return *ms ? 0 : -EINVAL;
}

enum {
	OPT_OUTPUT_ALL = 0x100, OPT_PATH, OPT_WAIT, OPT_TIMEOUT, OPT_OFFSET,
	OPT_LENGTH, OPT_READ_ONLY, OPT_PROC, OPT_EXPORT, OPT_READ, OPT_WRITE,
};

/* which options each command takes (bit = index in the table below) */
#define O(i) (1u << (i))

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		/* 0 */ { "output", required_argument, NULL, 'o' },
		/* 1 */ { "output-all", no_argument, NULL, OPT_OUTPUT_ALL },
		/* 2 */ { "json", no_argument, NULL, 'J' },
		/* 3 */ { "raw", no_argument, NULL, 'r' },
		/* 4 */ { "noheadings", no_argument, NULL, 'n' },
		/* 5 */ { "bytes", no_argument, NULL, 'b' },
		/* 6 */ { "pid", required_argument, NULL, 'p' },
		/* 7 */ { "path", required_argument, NULL, OPT_PATH },
		/* 8 */ { "follow", no_argument, NULL, 'f' },
		/* 9 */ { "wait", no_argument, NULL, OPT_WAIT },
		/* 10 */ { "timeout", required_argument, NULL, OPT_TIMEOUT },
		/* 11 */ { "device", required_argument, NULL, 'd' },
		/* 12 */ { "offset", required_argument, NULL, OPT_OFFSET },
		/* 13 */ { "length", required_argument, NULL, OPT_LENGTH },
		/* 14 */ { "read-only", no_argument, NULL, OPT_READ_ONLY },
		/* 15 */ { "export", no_argument, NULL, OPT_EXPORT },
		/* 16 */ { "read", no_argument, NULL, OPT_READ },
		/* 17 */ { "write", no_argument, NULL, OPT_WRITE },
		{ "list-columns", no_argument, NULL, 'H' },
		{ "socket", required_argument, NULL, 's' },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const struct {
		const char *name;
		unsigned int takes;	/* options */
		int nargs;
	} cmds[] = {
		{ "list", O(0) | O(1) | O(2) | O(3) | O(4) | O(5) | O(6) | O(7), 0 },
		{ "show", O(0) | O(1) | O(3) | O(4) | O(5), 1 },
		{ "events", O(2) | O(8), 0 },
		{ "break", O(9) | O(10), 1 },
		{ "pin", O(2) | O(11) | O(12) | O(13) | O(14) | O(15), 1 },
		{ "unpin", 0, 1 },
		{ "status", 0, 0 },
		{ "revoke", 0, 1 },
		{ "remote", O(12) | O(13) | O(16) | O(17), 2 },
	};
	struct pinctl pc = { .page_size = sysconf(_SC_PAGESIZE) };
	unsigned int given = 0;
	const char *cmd = "list", *env;
	bool list_columns = false;
	int c, idx, i, nargs;
	size_t k;

	atexit(close_stdout);
	opterr = 0;	/* our messages, named "pinctl" however it was run */
	while ((c = getopt_long(argc, argv, "o:Jrnbp:fd:Hs:hV", opts, &idx)) != -1) {
		for (i = 0; i <= 17; i++)
			if (opts[i].val == c)
				given |= O(i);
		switch (c) {
		case 'o':
			pc.output = optarg;
			break;
		case OPT_OUTPUT_ALL:
			pc.output_all = true;
			break;
		case 'J':
			pc.json = true;
			break;
		case 'r':
			pc.raw = true;
			break;
		case 'n':
			pc.noheadings = true;
			break;
		case 'b':
			pc.bytes = true;
			break;
		case 'p': {
			char *end;
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v <= 0 || v > 0x7fffffff)
				return bad_usage("invalid process ID '%s'", optarg);
			pc.pid = (pid_t)v;
			break;
		}
		case OPT_PATH:
			if (!*optarg)
				return bad_usage("--path: empty path");
			pc.path = optarg;
			break;
		case 'f':
			pc.follow = true;
			break;
		case OPT_WAIT:
			pc.wait = true;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(optarg, &pc.timeout_ms))
				return bad_usage("invalid timeout '%s': seconds, more than 0, at most 3600", optarg);
			break;
		case 'd':
			if (!*optarg || strlen(optarg) > PINMGR_ADM_DEV_MAX)
				return bad_usage("invalid RDMA device name '%s'", optarg);
			pc.device = optarg;
			break;
		case OPT_OFFSET:
			if (parse_size(optarg, &pc.offset))
				return bad_usage("invalid offset '%s'", optarg);
			pc.offset_given = true;
			break;
		case OPT_LENGTH:
			if (parse_size(optarg, &pc.length) || !pc.length)
				return bad_usage("invalid length '%s'", optarg);
			pc.length_given = true;
			break;
		case OPT_READ_ONLY:
			pc.read_only = true;
			break;
		case OPT_EXPORT:
			pc.export = true;
			break;
		case OPT_READ:
			pc.remote_read = true;
			break;
		case OPT_WRITE:
			pc.remote_write = true;
			break;
		case 'H':
			list_columns = true;
			break;
		case 's':
			if (optarg[0] != '/')
				return bad_usage("--socket %s: must be an absolute path", optarg);
			pc.socket = optarg;
			pc.socket_given = true;
			break;
		case OPT_PROC:
			pc.procdir = optarg;
			pc.procdir_given = true;
			break;
		case 'h':
			usage();
		case 'V':
			printf("pinctl from %s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return PC_EXIT_OK;
		default:
			if (optopt && optind > 0 && !strncmp(argv[optind - 1], "--", 2))
				return bad_usage("option '%s' needs an argument", argv[optind - 1]);
			if (optopt > 0 && optopt < 0x100 && strchr("opds", optopt))
				return bad_usage("option '-%c' needs an argument", optopt);
			if (optopt > 0 && optopt < 0x100)
				return bad_usage("invalid option '-%c'", optopt);
			return bad_usage("unrecognized option '%s'", argv[optind - 1]);
		}
	}
	if (list_columns) {
		pc_list_columns(stdout);
		return PC_EXIT_OK;
	}
	if (optind < argc)
		cmd = argv[optind++];
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++)
		if (!strcmp(cmds[k].name, cmd))
			break;
	if (k == sizeof(cmds) / sizeof(cmds[0]))
		return bad_usage("unknown command '%s'", cmd);
	nargs = argc - optind;
	if (nargs != cmds[k].nargs)
		return bad_usage("'%s' takes %s", cmd,
				 cmds[k].nargs == 2 ? "ADDRESS[:PORT] and TOKEN" :
				 cmds[k].nargs ? (k == 5 ? "one pin ID" : k == 7 ? "one TOKEN" : "one FILE") :
				 "no arguments");
	for (i = 0; i <= 17; i++)
		if ((given & O(i)) && !(cmds[k].takes & O(i)))
			return bad_usage("--%s does not apply to '%s'", opts[i].name, cmd);
	if (pc.remote_read && pc.remote_write)
		return bad_usage("--read and --write exclude each other");
	if (!strcmp(cmd, "pin") && !pc.device)
		return bad_usage("pin needs --device (e.g. --device rxe0)");

	if (!pc.socket) {
		env = getenv(PINMGR_SOCKET_ENV);
		pc.socket = env && *env ? env : PINMGR_SOCKET_PATH;
	}
	if (!pc.procdir) {
		env = getenv(PINCTL_PROC_ENV);
		pc.procdir = env && *env ? env : "/proc";
		pc.procdir_given = env && *env;
	}
	switch (k) {
	case 0: return cmd_list(&pc);
	case 1: return cmd_show(&pc, argv[optind]);
	case 2: return cmd_events(&pc);
	case 3: return cmd_break(&pc, argv[optind]);
	case 4: return cmd_pin(&pc, argv[optind]);
	case 5: return cmd_unpin(&pc, argv[optind]);
	case 7: return cmd_revoke(&pc, argv[optind]);
	case 8: return cmd_remote(&pc, argv[optind], argv[optind + 1]);
	default: return cmd_status(&pc);
	}
}
