/* SPDX-License-Identifier: MIT */
/* The control socket's server side (lib/ctl.h): a UNIX listening socket and one thread that
 * answers one client at a time. The thread blocks SIGINT/SIGTERM/SIGUSR1 as the thread
 * that starts it does (the ustack program takes them with sigwait). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "net/log.h"

struct ctl_server {
	struct ustack *st;
	int lfd;
	int stop_pipe[2];      /* a byte on [1] ends the thread */
	pthread_t thread;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;             /* the socket file we made, to remove only that one */
	ino_t ino;
};

int ctl_name_valid(const char *name)
{
	return ctl_name_valid_n(name, strlen(name));
}

int ctl_path(const char *name, char *buf, size_t size)
{
	if (!ctl_name_valid(name))
		return -EINVAL;
	if ((size_t)snprintf(buf, size, "%s/%s.sock", CTL_DIR, name) >= size)
		return -EINVAL;
	return 0;
}

static int unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

int ctl_probe(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	rc = unix_addr(path, &sa);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 1;
	close(fd);
	if (rc == -ENOENT)
		return 0;
	return rc;
}

/* Writes all of buf; 0 or -errno (the client went away, or stopped reading). */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Writes the body with a '.' doubled at the start of any line that has one, then ".\n". */
static int write_body(int fd, const char *body, size_t len)
{
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p + 1) : (size_t)(end - p);

		if (*p == '.' && write_all(fd, ".", 1))
			return -EPIPE;
		if (write_all(fd, p, n))
			return -EPIPE;
		p += n;
	}
	if (len && body[len - 1] != '\n' && write_all(fd, "\n", 1))
		return -EPIPE;
	return write_all(fd, ".\n", 2);
}

/* Reads one line of at most CTL_LINE_MAX bytes. Its length without the newline, or
 * -E2BIG (too long), -ETIMEDOUT, -ECONNRESET (closed before the newline). */
static int read_line(int fd, char *buf)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = recv(fd, buf + len, CTL_LINE_MAX - len, 0);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		if (n == 0)
			return -ECONNRESET;
		nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl) {
			*nl = '\0';
			return (int)(nl - buf);
		}
		if (len == CTL_LINE_MAX)
			return -E2BIG;
	}
}

static void serve_client(struct ctl_server *s, int fd)
{
	struct timeval tv = { CTL_IO_TIMEOUT_MS / 1000, (CTL_IO_TIMEOUT_MS % 1000) * 1000 };
	char line[CTL_LINE_MAX + 1], err[256] = "", *argv[CTL_ARGS_MAX];
	char *body = NULL;
	size_t body_len = 0;
	FILE *out;
	int argc, rc;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	rc = read_line(fd, line);
	if (rc == -E2BIG) {
		snprintf(err, sizeof(err), "request longer than %d bytes", CTL_LINE_MAX - 1);
		goto error;
	}
	if (rc < 0)
		return; /* nobody to answer */
	argc = ctl_split(line, argv, CTL_ARGS_MAX);
	if (argc < 0) {
		snprintf(err, sizeof(err), "more than %d words in the request", CTL_ARGS_MAX);
		goto error;
	}
	out = open_memstream(&body, &body_len);
	if (!out) {
		snprintf(err, sizeof(err), "out of memory");
		goto error;
	}
	rc = ctl_request(s->st, argc, argv, out, err, sizeof(err));
	fclose(out);
	if (rc < 0) {
		free(body);
		goto error;
	}
	if (!write_all(fd, "ok\n", 3))
		write_body(fd, body, body_len);
	free(body);
	return;
error:
	/* one line: a newline inside the message would end it early */
	for (char *p = err; *p; p++)
		if (*p == '\n')
			*p = ' ';
	if (!write_all(fd, "error ", 6) && !write_all(fd, err, strlen(err)))
		write_all(fd, "\n.\n", 3);
}

static void *ctl_thread(void *arg)
{
	struct ctl_server *s = arg;

	for (;;) {
		struct pollfd p[2] = { { s->lfd, POLLIN, 0 }, { s->stop_pipe[0], POLLIN, 0 } };
		int fd;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			errorf("control socket: poll: %s", strerror(errno));
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue; /* the client gave up, or no memory: the next one may do */
		serve_client(s, fd);
		close(fd);
	}
	return NULL;
}

static int fail(char *err, size_t errlen, int rc, const char *what, const char *path)
{
	snprintf(err, errlen, "control socket %s: %s: %s", path, what, strerror(-rc));
	return rc;
}

int ctl_server_start(struct ustack *st, const char *name, struct ctl_server **out, char *err,
		     size_t errlen)
{
	struct ctl_server *s;
	struct sockaddr_un sa;
	struct stat sb;
	int rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->st = st;
	s->lfd = s->stop_pipe[0] = s->stop_pipe[1] = -1;
	if (ctl_path(name, s->path, sizeof(s->path))) {
		snprintf(err, errlen, "--name '%s': give 1 to %d letters, digits, '.', '_' or '-'",
			 name, CTL_NAME_MAX);
		rc = -EINVAL;
		goto out;
	}
	if (mkdir(CTL_DIR, 0700) && errno != EEXIST) {
		rc = fail(err, errlen, -errno, "cannot make the directory", CTL_DIR);
		goto out;
	}
	rc = ctl_probe(s->path);
	if (rc == 1) {
		snprintf(err, errlen, "--name %s: a running stack has that name already (%s); "
			 "give another --name", name, s->path);
		rc = -EADDRINUSE;
		goto out;
	}
	if (rc == -ECONNREFUSED) {
		/* the socket of a stack that died without removing it */
		infof("control socket %s was stale: replaced", s->path);
		unlink(s->path);
	} else if (rc < 0) {
		rc = fail(err, errlen, rc, "cannot check it", s->path);
		goto out;
	}
	unix_addr(s->path, &sa);
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		rc = fail(err, errlen, -errno, "socket", s->path);
		goto out;
	}
	if (bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa))) {
		rc = fail(err, errlen, -errno, "bind", s->path);
		goto out;
	}
	/* the directory is root's alone already; the socket says so too */
	if (chmod(s->path, 0600) || stat(s->path, &sb) || listen(s->lfd, 16)) {
		rc = fail(err, errlen, -errno, "setup", s->path);
		unlink(s->path);
		goto out;
	}
	s->dev = sb.st_dev;
	s->ino = sb.st_ino;
	if (pipe2(s->stop_pipe, O_CLOEXEC)) {
		rc = fail(err, errlen, -errno, "pipe", s->path);
		unlink(s->path);
		goto out;
	}
	rc = -pthread_create(&s->thread, NULL, ctl_thread, s);
	if (rc) {
		fail(err, errlen, rc, "thread", s->path);
		unlink(s->path);
		goto out;
	}
	*out = s;
	return 0;
out:
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->stop_pipe[0] >= 0) {
		close(s->stop_pipe[0]);
		close(s->stop_pipe[1]);
	}
	free(s);
	return rc;
}

void ctl_server_stop(struct ctl_server *s)
{
	struct stat sb;

	if (!s)
		return;
	if (write(s->stop_pipe[1], "x", 1) == 1)
		pthread_join(s->thread, NULL);
	/* another stack may have replaced a socket we lost track of: remove only ours */
	if (!stat(s->path, &sb) && sb.st_dev == s->dev && sb.st_ino == s->ino)
		unlink(s->path);
	close(s->lfd);
	close(s->stop_pipe[0]);
	close(s->stop_pipe[1]);
	free(s);
	ctl_stats_reset();
}
