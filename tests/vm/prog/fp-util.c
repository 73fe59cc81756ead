// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fp-util.h"

void fp_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

int fp_parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;
	int shift = 0;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return -1;
	switch (*end) {
	case 'G': case 'g':
		shift += 10;
		/* fall through */
	case 'M': case 'm':
		shift += 10;
		/* fall through */
	case 'K': case 'k':
		shift += 10;
		end++;
		break;
	}
	if (*end || (shift && v > (~0ULL >> shift)) || v > (size_t)-1 >> shift)
		return -1;
	*out = (size_t)v << shift;
	return 0;
}

int fp_extend(int fd, size_t length)
{
	struct stat st;

	if (fstat(fd, &st))
		return -1;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size >= length)
		return 0;
	return ftruncate(fd, (off_t)length);
}

const char *fp_errno_name(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "?";
}

void *fp_map_aligned(int fd, off_t offset, size_t length, int flags,
		     size_t align)
{
	return fp_map_aligned_prot(fd, offset, length, PROT_READ | PROT_WRITE,
				   flags, align);
}

void *fp_map_aligned_prot(int fd, off_t offset, size_t length, int prot,
			  int flags, size_t align)
{
	unsigned char *area, *want;
	void *p;

	if (!align)
		return mmap(NULL, length, prot, flags, fd, offset);
	/* Reserve room for an aligned start, then map over it. */
	area = mmap(NULL, length + align, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	want = (unsigned char *)(((uintptr_t)area + align - 1) & ~(uintptr_t)(align - 1));
	p = mmap(want, length, prot, flags | MAP_FIXED, fd, offset);
	if (p == MAP_FAILED) {
		munmap(area, length + align);
		return MAP_FAILED;
	}
	if (want > area)
		munmap(area, (size_t)(want - area));
	munmap(want + length, (size_t)(area + align - want));
	return p;
}

void fp_send_fd(int sock, int fd)
{
	char data = 'f';
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &msg, 0) != 1)
		fp_die("sendmsg: %s", strerror(errno));
}

int fp_recv_fd(int sock)
{
	char data;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		fp_die("recvmsg: %s", strerror(errno));
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		fp_die("recvmsg: no file descriptor");
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}
