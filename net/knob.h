/* SPDX-License-Identifier: MIT */
/* Settings by name, as `--dhcp NAME=V,...` and `--nd NAME=V,...` take them (and Linux's
 * sysctls name theirs): a table of the unsigned fields of one struct, each with its range
 * and a line of help. */
#ifndef NET_KNOB_H
#define NET_KNOB_H

#include <stddef.h>
#include <stdio.h>

struct net_knob {
	const char *name;
	size_t off;          /* offsetof the unsigned field in the struct */
	unsigned min, max;
	const char *help;
};
#define NET_KNOB(type, f, lo, hi, h) { #f, offsetof(type, f), lo, hi, h }

/* Sets the fields "NAME=V[,NAME=V...]" names in base (a struct the table describes), in
 * order. Returns 0, -ENOENT (no such name), -EINVAL (an item not NAME=NUMBER) or -ERANGE
 * (a number outside its range); the items before the bad one are set. bad (badlen bytes,
 * 0: none) gets the offending item, or "" on success. */
int net_knobs_parse(const struct net_knob *t, size_t n, void *base, const char *spec,
		    char *bad, size_t badlen);
/* One line per setting: its name, current value in base, help and range. */
void net_knobs_list(const struct net_knob *t, size_t n, const void *base, FILE *out);

#endif
