/* SPDX-License-Identifier: MIT */
/* What the files of libustack-preload.so share (preload/preload.c, preload_names.c). The
 * library is built with -fvisibility=hidden: only what EXPORT marks is interposed. */
#ifndef PRELOAD_PRELOAD_INT_H
#define PRELOAD_PRELOAD_INT_H

#include <dlfcn.h>

#include "preload/proto.h"

#define EXPORT __attribute__((visibility("default")))

/* REAL(ret, name, args...) defines get_name(): the next definition of name after this
 * library (libc's), looked up once. */
#define REAL(ret, name, ...)                                                              \
	static ret (*real_##name)(__VA_ARGS__);                                            \
	static ret (*get_##name(void))(__VA_ARGS__)                                        \
	{                                                                                  \
		if (!real_##name)                                                          \
			real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name);       \
		return real_##name;                                                        \
	}

/* A new connection to the host's API socket: its descriptor, or -ENETDOWN after one line
 * that says why. */
int pl_api_connect(void);
/* One request and its reply on fd (sendfd rides with it; *recvfd gets the reply's
 * descriptor or -1). Returns the reply's rc, or -ENETDOWN when the connection is broken. */
int pl_exchange(int fd, struct pl_msg *m, int sendfd, int *recvfd);

#endif
