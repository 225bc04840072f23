/* SPDX-License-Identifier: MIT */
/* `ustack run`: an unmodified program on this process's stack through the preload
 * library (docs/preload.md); `ustack run --attach NAME`: on the stack of a running
 * `ustack serve --api NAME`; `ustack run --preload-host PID,FD`: the stack the library
 * starts for a program given USTACK_PRELOAD's options (preload/preload_start.c); and
 * serve's --api. The stack host itself is preload/host.c. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "apps/app.h"
#include "preload/host.h"
#include "preload/proto.h"

#ifndef USTACK_PRELOAD_LIB
#error "USTACK_PRELOAD_LIB is not defined: build with make"
#endif

#define RUN_POLL_MS 20          /* how often the host looks at the program tree */
#define RUN_TERM_GRACE_MS 5000  /* after a SIGTERM forwarded, how long before SIGKILL */
#define RUN_HOST_DONE_POLL_MS 2 /* --preload-host: the program gone, until the host is idle */

extern char **environ;

static struct pl_host *api_host;

/* The preload library: $USTACK_PRELOAD_LIB, else beside this program (a build tree),
 * else where make install put it. */
static int preload_lib(char *buf, size_t size)
{
	const char *env = getenv("USTACK_PRELOAD_LIB");
	char exe[4096];
	ssize_t n;
	char *slash;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return access(buf, R_OK) ? -errno : 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(buf, size, "%s/libustack-preload.so", exe) < size &&
			    !access(buf, R_OK))
				return 0;
		}
	}
	snprintf(buf, size, "%s", USTACK_PRELOAD_LIB);
	return access(buf, R_OK) ? -errno : 0;
}

/* environ with LD_PRELOAD (ours first, the program's own after it) and USTACK_PRELOAD
 * set, those two first; NULL without memory. run_env_free frees it. */
static char **run_env(const char *lib, const char *name)
{
	size_t n = 0, j = 2;
	const char *old = getenv("LD_PRELOAD");
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 3, sizeof(*env));
	if (!env)
		return NULL;
	if (asprintf(&env[0], "LD_PRELOAD=%s%s%s", lib, old && *old ? ":" : "",
		     old ? old : "") < 0) {
		free(env);
		return NULL;
	}
	if (asprintf(&env[1], "%s=attach=%s", PL_ENV, name) < 0) {
		free(env[0]);
		free(env);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], PL_ENV "=", sizeof(PL_ENV)))
			env[j++] = environ[i];
	env[j] = NULL;
	return env;
}

static void run_env_free(char **env)
{
	free(env[0]);
	free(env[1]);
	free(env);
}

int run_attach(void)
{
	char lib[4096], path[256];
	char **env;
	struct stat sb;
	int rc = preload_lib(lib, sizeof(lib));

	if (rc < 0) {
		app_error("run: the preload library %s: %s", lib, strerror(-rc));
		return EXIT_FAIL;
	}
	pl_api_path(app_cfg.attach, path, sizeof(path));
	if (stat(path, &sb) || !S_ISSOCK(sb.st_mode)) {
		app_error("run --attach %s: no stack serves that name (no %s; start one with "
			  "ustack serve ... --api %s)", app_cfg.attach, path, app_cfg.attach);
		return EXIT_FAIL;
	}
	env = run_env(lib, app_cfg.attach);
	if (!env) {
		app_error("run: out of memory");
		return EXIT_FAIL;
	}
	execvpe(app_cfg.args[0], app_cfg.args, env);
	rc = errno;
	run_env_free(env);
	app_error("run: %s: %s", app_cfg.args[0], strerror(rc));
	return rc == ENOENT ? 127 : 126;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* A descriptor that becomes readable when process pid ends, or -1 (no pidfd_open in this
 * kernel: run_host then asks kill(pid, 0)). */
static int pid_watch(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* Process pid has ended; with a pidfd, waits up to ms for it (without, the caller
 * sleeps). */
static int pid_gone(pid_t pid, int pidfd, int ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };

	if (pidfd >= 0)
		return poll(&p, 1, ms) > 0;
	return kill(pid, 0) && errno == ESRCH;
}

/* --preload-host PID,FD: the preload library in process PID started this process for a
 * stack of its own (USTACK_PRELOAD's options are this command line's). The stack runs:
 * start the host, tell the library its name on FD (it waits for that line, and takes the
 * end of FD without it as "the stack did not start", this process having said why), then
 * stay until PID has ended and no process holds a control connection or a socket, the
 * rule run_main applies to the program it spawns. */
static int run_host(struct ustack *st)
{
	char name[32], line[40], err[256] = "";
	pid_t pid = (pid_t)app_cfg.host_pid;
	int rc, len, pidfd, done = 0;

	snprintf(name, sizeof(name), "run-%d", (int)getpid());
	rc = pl_host_start(st, name, &api_host, err, sizeof(err));
	if (rc < 0) {
		app_error("run: %s", err);
		return EXIT_FAIL;
	}
	pidfd = pid_watch(pid);
	len = snprintf(line, sizeof(line), "%s\n", name);
	if (write(app_cfg.host_ready_fd, line, (size_t)len) != len) {
		/* the program is gone already, or the descriptor is not the library's */
		app_error("run --preload-host: cannot tell process %d the stack runs: %s",
			  (int)pid, strerror(errno));
		rc = EXIT_FAIL;
		goto out;
	}
	close(app_cfg.host_ready_fd);
	/* the program's end wakes the loop at once; then the host thread needs a few
	 * milliseconds to see its descriptors closed */
	for (;;) {
		if (!done && (done = pid_gone(pid, pidfd, RUN_POLL_MS)))
			continue;
		if ((done && !pl_host_busy(api_host)) || app_stopping())
			break;
		if (done || pidfd < 0)
			sleep_ms(done ? RUN_HOST_DONE_POLL_MS : RUN_POLL_MS);
	}
	rc = EXIT_OK;
out:
	if (pidfd >= 0)
		close(pidfd);
	pl_host_stop(api_host);
	api_host = NULL;
	return rc;
}

int run_main(struct ustack *st)
{
	char lib[4096], name[32], err[256] = "";
	posix_spawnattr_t at;
	sigset_t none, def;
	char **env;
	pid_t pid;
	int rc, status = 0, done = 0, termed = 0, waited_ms = 0;

	if (app_cfg.host_pid)
		return run_host(st);
	rc = preload_lib(lib, sizeof(lib));
	if (rc < 0) {
		app_error("run: the preload library %s: %s", lib, strerror(-rc));
		return EXIT_FAIL;
	}
	snprintf(name, sizeof(name), "run-%d", (int)getpid());
	rc = pl_host_start(st, name, &api_host, err, sizeof(err));
	if (rc < 0) {
		app_error("run: %s", err);
		return EXIT_FAIL;
	}
	env = run_env(lib, name);
	if (!env) {
		app_error("run: out of memory");
		pl_host_stop(api_host);
		api_host = NULL;
		return EXIT_FAIL;
	}
	/* the program starts with the signals this process blocks and ignores as the
	 * defaults (main.c blocks SIGINT/SIGTERM/SIGUSR1 and ignores SIGPIPE) */
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGUSR1);
	posix_spawnattr_init(&at);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawnp(&pid, app_cfg.args[0], NULL, &at, app_cfg.args, env);
	posix_spawnattr_destroy(&at);
	run_env_free(env);
	if (rc) {
		app_error("run: %s: %s", app_cfg.args[0], strerror(rc));
		pl_host_stop(api_host);
		api_host = NULL;
		return rc == ENOENT ? 127 : 126;
	}
	/* Done when the program has exited and no process holds a control connection or a
	 * socket of the stack any more (its children, a shell's commands). */
	for (;;) {
		if (!done) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid)
				done = 1;
		}
		if (done && !pl_host_busy(api_host))
			break;
		if (app_stopping() && !done) {
			if (!termed) {
				kill(pid, SIGTERM);
				termed = 1;
			} else if ((waited_ms += RUN_POLL_MS) > RUN_TERM_GRACE_MS) {
				kill(pid, SIGKILL);
			}
		} else if (app_stopping()) {
			break; /* the program is gone; processes it left do not hold us */
		}
		sleep_ms(RUN_POLL_MS);
	}
	pl_host_stop(api_host);
	api_host = NULL;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int app_api_start(struct ustack *st)
{
	char err[256] = "";
	int rc = pl_host_start(st, app_cfg.api_name, &api_host, err, sizeof(err));

	if (rc < 0)
		app_error("serve: %s", err);
	return rc;
}

void app_api_stop(void)
{
	pl_host_stop(api_host);
	api_host = NULL;
}
