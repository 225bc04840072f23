/* SPDX-License-Identifier: MIT */
/* A stack of the program's own from the environment alone (docs/preload.md): when
 * USTACK_PRELOAD holds `ustack run`'s options rather than attach=NAME, the library's
 * constructor starts the ustack program as the stack's host for this process, before the
 * program's main, and waits until the stack runs:
 *
 *   ustack run --preload-host PID,3 OPTIONS...
 *
 * The host is a grandchild in a session of its own (the program gets no child it did not
 * make, and a Ctrl-C at the terminal reaches the program, not the stack), with the
 * program's stdout and stderr (its --trace and its one line when it cannot start),
 * /dev/null as stdin, no other descriptor of the program's but the pipe it writes the
 * stack's name on (fd 3), and neither LD_PRELOAD nor USTACK_PRELOAD. On that name the
 * library sets USTACK_PRELOAD=attach=NAME, so this process, its children and the programs
 * they exec are all clients of that one stack. Without it (the host said why, in one
 * line) the program does not run: the process exits with status 1.
 *
 * The host stays until this process has ended and no process holds a control connection
 * or a socket of the stack (preload/host.c, apps/run.c). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/ctl.h"
#include "preload/preload_int.h"

#ifndef USTACK_BIN_PATH
#error "USTACK_BIN_PATH is not defined: build with make"
#endif

#define START_READY_FD 3             /* the host writes the stack's name here */
#define START_FAIL_STATUS 1          /* the program's exit status when no stack starts */

extern char **environ;

/* One line on stderr and the process ends: the program does not run. */
__attribute__((noreturn, format(printf, 1, 2))) static void start_die(const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "ustack-preload: %s\n", line);
	_exit(START_FAIL_STATUS);
}

/* The ustack program: $USTACK_BIN, else beside this library (a build tree), else where
 * make install put it. Returns 0 or -errno for the path left in buf. */
static int start_bin(char *buf, size_t size)
{
	const char *env = getenv("USTACK_BIN");
	Dl_info di;

	if (env && *env) {
		snprintf(buf, size, "%s", env);
		return access(buf, X_OK) ? -errno : 0;
	}
	if (dladdr((void *)start_bin, &di) && di.dli_fname && strrchr(di.dli_fname, '/')) {
		int dir = (int)(strrchr(di.dli_fname, '/') - di.dli_fname);

		if ((size_t)snprintf(buf, size, "%.*s/ustack", dir, di.dli_fname) < size &&
		    !access(buf, X_OK))
			return 0;
	}
	snprintf(buf, size, "%s", USTACK_BIN_PATH);
	return access(buf, X_OK) ? -errno : 0;
}

/* environ without LD_PRELOAD and USTACK_PRELOAD: the host is ustack itself. */
static char **start_env(void)
{
	size_t n = 0, j = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) &&
		    strncmp(environ[i], PL_ENV "=", sizeof(PL_ENV)))
			env[j++] = environ[i];
	return env;
}

/* In the first child: a new session, then the grandchild execs the host. */
__attribute__((noreturn)) static void start_child(const char *bin, char **words, int n,
						  int wfd, pid_t prog)
{
	char arg[40];
	char **argv, **env;
	sigset_t none;
	int dn;
	pid_t g;

	setsid();
	g = fork();
	if (g < 0)
		start_die("cannot start the stack: fork: %s", strerror(errno));
	if (g > 0)
		_exit(0);
	if (wfd == START_READY_FD)
		fcntl(wfd, F_SETFD, 0);
	else if (dup2(wfd, START_READY_FD) < 0)
		start_die("cannot start the stack: dup2: %s", strerror(errno));
	dn = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (dn >= 0 && dn != STDIN_FILENO)
		dup2(dn, STDIN_FILENO);
	else if (dn == STDIN_FILENO)
		fcntl(dn, F_SETFD, 0);
	close_range(START_READY_FD + 1, ~0U, 0);
	/* the signals ustack handles start as it expects them, whatever the program had */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	argv = calloc((size_t)n + 5, sizeof(*argv));
	env = start_env();
	if (!argv || !env)
		start_die("cannot start the stack: out of memory");
	snprintf(arg, sizeof(arg), "%d,%d", (int)prog, START_READY_FD);
	argv[0] = (char *)bin;
	argv[1] = "run";
	argv[2] = "--preload-host";
	argv[3] = arg;
	memcpy(argv + 4, words, (size_t)n * sizeof(*words));
	execve(bin, argv, env);
	start_die("cannot start the stack: %s: %s (USTACK_BIN names the ustack program)", bin,
		  strerror(errno));
}

void pl_start_stack(const char *opts)
{
	static char buf[PL_ENV_LEN_MAX], bin[4096];
	char *words[PL_ENV_WORDS_MAX], name[CTL_NAME_MAX + 2], val[CTL_NAME_MAX + 16];
	size_t got = 0;
	int n, p[2], rc;
	pid_t pid, me = getpid();

	if (strlen(opts) >= sizeof(buf))
		start_die("%s: longer than %d bytes", PL_ENV, PL_ENV_LEN_MAX - 1);
	n = pl_env_words(opts, buf, sizeof(buf), words, PL_ENV_WORDS_MAX);
	if (n == -EINVAL)
		start_die("%s='%s': a quote is not closed, or a backslash ends it", PL_ENV, opts);
	if (n < 0)
		start_die("%s: more than %d words", PL_ENV, PL_ENV_WORDS_MAX);
	rc = start_bin(bin, sizeof(bin));
	if (rc < 0)
		start_die("cannot start the stack: %s: %s (USTACK_BIN names the ustack program)",
			  bin, strerror(-rc));
	if (pipe2(p, O_CLOEXEC))
		start_die("cannot start the stack: pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		start_die("cannot start the stack: fork: %s", strerror(errno));
	if (pid == 0)
		start_child(bin, words, n, p[1], me);
	close(p[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* the name and a newline, or the end of the pipe: the host has said why */
	while (got < sizeof(name) - 1) {
		ssize_t r = read(p[0], name + got, sizeof(name) - 1 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (name[got - 1] == '\n')
			break;
	}
	close(p[0]);
	if (!got || name[got - 1] != '\n')
		_exit(START_FAIL_STATUS);
	name[got - 1] = '\0';
	snprintf(val, sizeof(val), "attach=%s", name);
	if (setenv(PL_ENV, val, 1))
		start_die("cannot start the stack: setenv: %s", strerror(errno));
}
