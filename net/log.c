/* SPDX-License-Identifier: MIT */
#include "net/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

int log_level = LOG_WARN;
static FILE *log_stream;

static const char *const level_names[] = { "E", "W", "I", "D" };

void log_set_stream(FILE *f)
{
	log_stream = f;
}

void log_printf(int level, const char *file, int line, const char *func, const char *fmt, ...)
{
	FILE *out = log_stream ? log_stream : stderr;
	struct timespec ts;
	const char *base = strrchr(file, '/');
	va_list ap;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	flockfile(out);
	fprintf(out, "%02ld:%02ld:%02ld.%03ld %s %s:%d %s: ", (long)(ts.tv_sec / 3600 % 24),
		(long)(ts.tv_sec / 60 % 60), (long)(ts.tv_sec % 60), ts.tv_nsec / 1000000L,
		level_names[level], base ? base + 1 : file, line, func);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	funlockfile(out);
}
