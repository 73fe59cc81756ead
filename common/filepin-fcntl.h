/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * filepin's lease flags for fcntl(F_SETLEASE) (DESIGN.md, kernel
 * interface), until the uapi headers carry them.  Shared by libfilepin,
 * pinmgr and the VM test programs.
 */
#ifndef FILEPIN_FCNTL_H
#define FILEPIN_FCNTL_H

#include <fcntl.h>

#ifndef F_LAYOUT
#define F_LAYOUT	16	/* layout lease: allows long-term pins of DAX pages */
#endif
#ifndef F_EXCLUSIVE
#define F_EXCLUSIVE	32	/* with F_LAYOUT: the kernel never breaks this lease */
#endif

#endif
