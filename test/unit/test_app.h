/* SPDX-License-Identifier: MIT */
/* Included last by a unit test that makes application calls: each call that takes the
 * stack lock itself is made through TEST_APP (testlib.h), so the test, which otherwise
 * holds the lock as the loop thread does, lets go of it for the call as an application
 * thread would. A macro's own name is not expanded again inside it, so `us_close(fd)`
 * becomes TEST_APP(us_close(fd)). The declarations come first: after this header the
 * names can no longer be declared. */
#ifndef TEST_APP_H
#define TEST_APP_H

#include <ustack.h>

#include "net/loop.h"
#include "net/socket.h"
#include "lib/stack.h"
#include "test/unit/testlib.h"

#define us_socket(...) TEST_APP(us_socket(__VA_ARGS__))
#define us_bind(...) TEST_APP(us_bind(__VA_ARGS__))
#define us_connect(...) TEST_APP(us_connect(__VA_ARGS__))
#define us_listen(...) TEST_APP(us_listen(__VA_ARGS__))
#define us_accept(...) TEST_APP(us_accept(__VA_ARGS__))
#define us_accept4(...) TEST_APP(us_accept4(__VA_ARGS__))
#define us_send(...) TEST_APP(us_send(__VA_ARGS__))
#define us_sendto(...) TEST_APP(us_sendto(__VA_ARGS__))
#define us_sendmsg(...) TEST_APP(us_sendmsg(__VA_ARGS__))
#define us_sendfile(...) TEST_APP(us_sendfile(__VA_ARGS__))
#define us_recv(...) TEST_APP(us_recv(__VA_ARGS__))
#define us_recvfrom(...) TEST_APP(us_recvfrom(__VA_ARGS__))
#define us_recvmsg(...) TEST_APP(us_recvmsg(__VA_ARGS__))
#define us_shutdown(...) TEST_APP(us_shutdown(__VA_ARGS__))
#define us_close(...) TEST_APP(us_close(__VA_ARGS__))
#define us_getsockname(...) TEST_APP(us_getsockname(__VA_ARGS__))
#define us_getpeername(...) TEST_APP(us_getpeername(__VA_ARGS__))
#define us_setsockopt(...) TEST_APP(us_setsockopt(__VA_ARGS__))
#define us_getsockopt(...) TEST_APP(us_getsockopt(__VA_ARGS__))
#define us_set_nonblock(...) TEST_APP(us_set_nonblock(__VA_ARGS__))
#define us_fcntl(...) TEST_APP(us_fcntl(__VA_ARGS__))
#define us_ioctl(...) TEST_APP(us_ioctl(__VA_ARGS__))
#define us_poll(...) TEST_APP(us_poll(__VA_ARGS__))
#define us_epoll_create(...) TEST_APP(us_epoll_create(__VA_ARGS__))
#define us_epoll_ctl(...) TEST_APP(us_epoll_ctl(__VA_ARGS__))
#define us_epoll_wait(...) TEST_APP(us_epoll_wait(__VA_ARGS__))
#define us_epoll_fd(...) TEST_APP(us_epoll_fd(__VA_ARGS__))
#define net_loop_once(...) TEST_APP(net_loop_once(__VA_ARGS__))
#define stack_init(...) TEST_APP(stack_init(__VA_ARGS__))
#define stack_drain(...) TEST_APP(stack_drain(__VA_ARGS__))
#define stack_shutdown(...) TEST_APP_VOID(stack_shutdown(__VA_ARGS__))
#define sock_close_all(...) TEST_APP_VOID(sock_close_all(__VA_ARGS__))

#endif
