// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Logging: silent unless asked (FILEPIN_LOG or a log callback), levels
 * filtered, FILEPIN_LOG parsed, errno left alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake-env.h"
#include "tap.h"

static int dummy_pd;
#define PD ((struct ibv_pd *)&dummy_pd)

static char got[4096];
static int got_prio = -1, got_calls;

static __attribute__((format(printf, 6, 0)))
void log_cb(struct filepin_ctx *ctx, int priority, const char *file,
	    int line, const char *fn, const char *format, va_list args)
{
	got_calls++;
	got_prio = priority;
	if (!file || line <= 0 || !fn)
		snprintf(got, sizeof(got), "missing file/line/fn");
	else
		vsnprintf(got, sizeof(got), format, args);
}

static struct filepin_ctx *plain_ctx(void)
{
	struct filepin_ctx *ctx;

	if (filepin_ctx_new(&ctx))
		bail("no context");
	fp_ctx_set_ops(ctx, &fake_ops);
	fp_ctx_set_verbs(ctx, &fake_verbs);
	return ctx;
}

/* What a failing filepin_reg_mr() on a non-DAX file writes to stderr. */
static char *stderr_of_failure(int fd)
{
	static char buf[4096];
	struct filepin_ctx *ctx;
	struct ibv_mr *mr;
	char *tmp = make_tmpdir(), *out;
	int saved = dup(STDERR_FILENO), o;
	ssize_t n;

	if (!tmp || asprintf(&out, "%s/stderr", tmp) < 0)
		bail("oom");
	o = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fflush(stderr);
	dup2(o, STDERR_FILENO);
	ctx = plain_ctx();
	filepin_reg_mr(ctx, PD, fd, 0, 4096, 0, 0, 0, &mr);
	filepin_ctx_unref(ctx);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(o, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	close(o);
	unlink(out);
	rmdir(tmp);
	free(out);
	free(tmp);
	return buf;
}

int main(void)
{
	struct filepin_ctx *ctx;
	struct ibv_mr *mr;
	char *dir, *path;
	int fd;

	is_int(fp_log_priority_parse("err"), LOG_ERR, "err");
	is_int(fp_log_priority_parse("ERROR"), LOG_ERR, "ERROR");
	is_int(fp_log_priority_parse("info"), LOG_INFO, "info");
	is_int(fp_log_priority_parse("debug"), LOG_DEBUG, "debug");
	is_int(fp_log_priority_parse("warning"), LOG_WARNING, "warning");
	is_int(fp_log_priority_parse("6"), 6, "a number");
	is_int(fp_log_priority_parse("8"), -1, "8 is not a level");
	is_int(fp_log_priority_parse("66"), -1, "66 is not a level");
	is_int(fp_log_priority_parse(""), -1, "empty");
	is_int(fp_log_priority_parse(NULL), -1, "unset");
	is_int(fp_log_priority_parse("loud"), -1, "a word that is no level");

	dir = make_tmpdir();
	path = dir ? make_file(dir, "not-dax", 65536) : NULL;
	fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0)
		bail("cannot make a file");

	unsetenv("FILEPIN_LOG");
	is_str(stderr_of_failure(fd), "", "FILEPIN_LOG unset: a failure prints nothing");
	setenv("FILEPIN_LOG", "bogus", 1);
	is_str(stderr_of_failure(fd), "", "FILEPIN_LOG=bogus: nothing either");
	setenv("FILEPIN_LOG", "err", 1);
	ok(strstr(stderr_of_failure(fd), "libfilepin: ") &&
	   strstr(stderr_of_failure(fd), "not a DAX file"),
	   "FILEPIN_LOG=err: the error goes to stderr");
	setenv("FILEPIN_LOG", "debug", 1);
	ok(strstr(stderr_of_failure(fd), "context") &&
	   strstr(stderr_of_failure(fd), "ctx_alloc: "),
	   "FILEPIN_LOG=debug: debug messages too, with the function name");
	unsetenv("FILEPIN_LOG");

	ctx = plain_ctx();
	is_int(filepin_get_log_priority(ctx), LOG_ERR, "default priority: err");
	filepin_set_log_fn(ctx, log_cb);
	errno = 0;
	is_int(filepin_reg_mr(ctx, PD, fd, 0, 4096, 0, 0, 0, &mr), -EOPNOTSUPP,
	       "a non-DAX file is refused");
	ok(got_calls == 1 && got_prio == LOG_ERR && strstr(got, "not a DAX file") &&
	   strstr(got, "not-dax"), "the callback gets one error naming the file: %s", got);
	got_calls = 0;
	fp_info(ctx, "an info message");
	is_int(got_calls, 0, "info is filtered at the default priority");
	filepin_set_log_priority(ctx, LOG_INFO);
	fp_info(ctx, "an info message %d", 42);
	ok(got_calls == 1 && !strcmp(got, "an info message 42"), "info passes at LOG_INFO");
	fp_dbg(ctx, "debug");
	is_int(got_calls, 1, "debug is filtered at LOG_INFO");
	errno = 1234;
	fp_err(ctx, "keeps errno");
	is_int(errno, 1234, "logging leaves errno alone");
	filepin_set_log_fn(ctx, NULL);
	fp_err(ctx, "nowhere");
	is_int(got_calls, 2, "no callback: nothing logged");
	filepin_ctx_unref(ctx);

	close(fd);
	unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	return done_testing();
}
