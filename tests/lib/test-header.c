// SPDX-License-Identifier: LGPL-2.1-or-later
/* <filepin.h> compiles on its own: it comes first, before any other header. */
#include <filepin.h>

#include <stdio.h>

int main(void)
{
	int (*reg)(struct filepin_ctx *, struct ibv_pd *, int, uint64_t, size_t,
		   unsigned int, unsigned int, uint64_t, struct ibv_mr **) = filepin_reg_mr;
	filepin_log_fn log_fn = NULL;
	filepin_revoke_fn revoke_fn = NULL;

	(void)log_fn;
	(void)revoke_fn;
	printf("%sok 1 - <filepin.h> compiles alone and declares the API\n",
	       reg ? "" : "not ");
	printf("1..1\n");
	return 0;
}
