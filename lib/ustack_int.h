/* SPDX-License-Identifier: MIT */
/* What the ustack program (apps/) uses of the life-cycle API beyond <ustack.h>: the same
 * calls over options it has already parsed, so that its error lines stay its own. */
#ifndef LIB_USTACK_INT_H
#define LIB_USTACK_INT_H

#include <ustack.h>

#include "driver/driver.h"
#include "net/wrap.h"

/* Fills cfg from the layers' settings as they are now (the defaults plus what the command
 * line changed in place, such as --tcp). */
void ustack_config_current(struct ustack_config *cfg);
/* ustack_add_device over a parsed spec. */
int ustack_add_device_opts(struct ustack *st, const struct dev_opts *o);
/* ustack_wrap_device over parsed wrapper options, on the device dev. */
int ustack_wrap_device_opts(struct ustack *st, struct net_device *dev,
			    const struct net_wrap_opts *wo);
/* The device ustack_add_device_opts opened last (NULL before any). */
struct net_device *ustack_last_device(struct ustack *st);

#endif
