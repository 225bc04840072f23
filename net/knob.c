/* SPDX-License-Identifier: MIT */
/* Settings by name (net/knob.h). */
#include "net/knob.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static unsigned *field(const struct net_knob *k, void *base)
{
	return (unsigned *)((char *)base + k->off);
}

int net_knobs_parse(const struct net_knob *t, size_t n, void *base, const char *spec,
		    char *bad, size_t badlen)
{
	const char *p = spec;

	while (*p) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		const struct net_knob *k = NULL;
		size_t vlen;
		char val[16], *end;
		unsigned long v;

		if (badlen)
			snprintf(bad, badlen, "%.*s", (int)len, p);
		if (!eq)
			return -EINVAL;
		for (size_t i = 0; i < n && !k; i++)
			if (strlen(t[i].name) == (size_t)(eq - p) &&
			    !strncmp(t[i].name, p, (size_t)(eq - p)))
				k = &t[i];
		if (!k)
			return -ENOENT;
		vlen = (size_t)(p + len - eq - 1);
		if (vlen == 0 || vlen >= sizeof(val))
			return -EINVAL;
		memcpy(val, eq + 1, vlen);
		val[vlen] = '\0';
		errno = 0;
		v = strtoul(val, &end, 10);
		if (errno || *end || val[0] < '0' || val[0] > '9')
			return -EINVAL;
		if (v < k->min || v > k->max)
			return -ERANGE;
		*field(k, base) = (unsigned)v;
		p += len;
		if (*p == ',')
			p++;
	}
	if (badlen)
		bad[0] = '\0';
	return 0;
}

void net_knobs_list(const struct net_knob *t, size_t n, const void *base, FILE *out)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %-24s %-8u %s (%u..%u)\n", t[i].name,
			*field(&t[i], (void *)base), t[i].help, t[i].min, t[i].max);
}
