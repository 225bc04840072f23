/* Internal to the socket layer (socket.c, sockopt.c): not for protocols or applications. */
#ifndef NET_SOCKET_IMPL_H
#define NET_SOCKET_IMPL_H

#include "net/socket.h"

#define SOCK_BUF_MIN 256 /* smallest SO_RCVBUF/SO_SNDBUF accepted, like Linux's floor */

/* The socket behind a descriptor, or NULL. Called with the lock held. */
struct sock *sock_fd_get(int fd);
/* Returns and clears the pending error (negative errno, 0 if none). Lock held. */
int sock_take_error(struct sock *sk);

#endif
