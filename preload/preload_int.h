/* SPDX-License-Identifier: MIT */
/* What the files of libustack-preload.so share (preload/preload.c, preload_io.c,
 * preload_names.c). The library is built with -fvisibility=hidden: only what EXPORT marks
 * is interposed, and these names stay inside it. */
#ifndef PRELOAD_PRELOAD_INT_H
#define PRELOAD_PRELOAD_INT_H

#include <dlfcn.h>
#include <stdint.h>

#include "preload/proto.h"

#define EXPORT __attribute__((visibility("default")))

/* REAL(ret, name, args...) defines get_name(): the next definition of name after this
 * library (libc's), looked up once. Each file defines the ones it calls. */
#define REAL(ret, name, ...)                                                              \
	static ret (*real_##name)(__VA_ARGS__);                                            \
	__attribute__((unused)) static ret (*get_##name(void))(__VA_ARGS__)                \
	{                                                                                  \
		if (!real_##name)                                                          \
			real_##name = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name);       \
		return real_##name;                                                        \
	}

#define FD_CACHE_MAX 65536          /* descriptors below this are cached */

/* What the library knows of a descriptor number (preload/preload.c). */
struct fd_info {
	uint64_t ino;
	uint8_t known;               /* kind below is the host's answer for ino */
	uint8_t kind;                /* enum pl_kind */
	uint8_t family;              /* AF_INET or AF_INET6 (a stack socket's domain) */
	uint8_t eof_asked;           /* PL_OP_ERROR asked after a read of 0 */
	uint8_t cork;                /* TCP_CORK as set on this descriptor (preload.c) */
	uint8_t dgram_conn;          /* a UDP socket connected here: a send looks for an error */
	uint8_t connecting;          /* a TCP connect began here, its end not seen: close tells */
};
extern struct fd_info fd_cache[FD_CACHE_MAX];
void fd_forget(int fd);
/* What the host says fd is (PL_KIND_NONE: not the stack's), and its inode in *ino. */
enum pl_kind fd_kind_ino(int fd, uint64_t *ino);
enum pl_kind fd_kind(int fd);
/* The domain of the stack's socket fd (AF_INET, AF_INET6), 0 if it is none. */
int fd_family(int fd);
/* fd's inode, 0 if fstat fails */
uint64_t fd_ino(int fd);

/* One line on stderr per kind of trouble, the first time only. */
enum warn_kind { W_ENV, W_HOST, W_TYPE, W_OPT, W_FLAGS, W_CORK, W_MAX };
void warn_once(enum warn_kind k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* errno = -rc; returns -1 */
int fail(int rc);
/* A request on this process's control connection; the reply's rc or -ENETDOWN. */
int rpc(struct pl_msg *m, int sendfd, int *recvfd);

/* A new connection to the host's API socket: its descriptor, or -ENETDOWN after one line
 * that says why. */
int pl_api_connect(void);
/* One request and its reply on fd (sendfd rides with it; *recvfd gets the reply's
 * descriptor or -1). Returns the reply's rc, or -ENETDOWN when the connection is broken. */
int pl_exchange(int fd, struct pl_msg *m, int sendfd, int *recvfd);

/* USTACK_PRELOAD holds `ustack run`'s options: starts the ustack program as this
 * process's stack host, waits until the stack runs and sets USTACK_PRELOAD=attach=NAME;
 * if it cannot, the process exits with status 1 after one line that says why
 * (preload/preload_start.c). Called by the constructor, before the program's main. */
void pl_start_stack(const char *opts);

#endif
