/* SPDX-License-Identifier: MIT */
/* Logging: one line per event, "time level file:line func: key=value ...".
 * Nothing per packet above debug level, except in --trace mode. */
#ifndef NET_LOG_H
#define NET_LOG_H

#include <stdio.h>

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern int log_level; /* messages above this level are not printed */

void log_set_stream(FILE *f);
void log_printf(int level, const char *file, int line, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#define errorf(...) log_printf(LOG_ERROR, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define warnf(...)  log_printf(LOG_WARN, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define infof(...)  do { if (log_level >= LOG_INFO) log_printf(LOG_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__); } while (0)
#define debugf(...) do { if (log_level >= LOG_DEBUG) log_printf(LOG_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__); } while (0)

#endif
