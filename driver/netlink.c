/* SPDX-License-Identifier: MIT */
/* Kernel-side configuration of the devices ustack creates, over rtnetlink with
 * libnl-route-3: the "host=" half of a TAP or TUN (link up, MTU, the kernel's address) and
 * "bridge=" (enslaving the TAP). Never shells out to ip(8): errors stay precise and the
 * stack does not depend on iproute2 being installed.
 *
 * Each call opens its own short-lived socket: configuration happens a few times at start-up,
 * so there is no point keeping a netlink socket (and its buffers) for the program's life. */
#include "driver/driver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sys/socket.h>

#include "net/log.h"

/* libnl reports its own NLE_* codes; the drivers want errno values to pick a message. */
static int nl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case 0: return 0;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV: return -ENODEV;
	case NLE_PERM: return -EPERM;
	case NLE_EXIST: return -EEXIST;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_INVAL: return -EINVAL;
	case NLE_BUSY: return -EBUSY;
	case NLE_RANGE: return -ERANGE;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	default: return -EIO;
	}
}

static int sock_open(struct nl_sock **out)
{
	struct nl_sock *sk = nl_socket_alloc();
	int err;

	if (!sk)
		return -ENOMEM;
	err = nl_connect(sk, NETLINK_ROUTE);
	if (err < 0) {
		nl_socket_free(sk);
		return nl_to_errno(err);
	}
	*out = sk;
	return 0;
}

/* Applies `change` (flags, MTU, ...) to the link named ifname. */
static int link_change(const char *ifname, struct rtnl_link *change, const char *what)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *link = NULL;
	int err;

	err = sock_open(&sk);
	if (err < 0)
		goto out;
	err = nl_to_errno(rtnl_link_get_kernel(sk, 0, ifname, &link));
	if (err < 0)
		goto out;
	err = nl_to_errno(rtnl_link_change(sk, link, change, 0));
out:
	if (err < 0)
		debugf("dev=%s %s failed: %s", ifname, what, strerror(-err));
	rtnl_link_put(link);
	nl_socket_free(sk);
	return err;
}

int nl_link_up(const char *ifname)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int err;

	if (!change)
		return -ENOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	err = link_change(ifname, change, "link up");
	rtnl_link_put(change);
	return err;
}

int nl_link_set_mtu(const char *ifname, unsigned mtu)
{
	struct rtnl_link *change = rtnl_link_alloc();
	int err;

	if (!change)
		return -ENOMEM;
	rtnl_link_set_mtu(change, mtu);
	err = link_change(ifname, change, "set mtu");
	rtnl_link_put(change);
	return err;
}

/* Adds the address `local` (family AF_INET or AF_INET6, its bytes) with prefix length
 * plen to ifname, point-to-point to `peer` (the same family's bytes, or NULL), with the
 * IFA_F_* flags. An address that is already there counts as success, so a restarted
 * ustack can reuse a device. */
static int addr_add(const char *ifname, int family, const void *local, const void *peer,
		    int plen, unsigned flags)
{
	int alen = family == AF_INET ? 4 : 16;
	struct nl_sock *sk = NULL;
	struct rtnl_addr *ra = NULL;
	struct nl_addr *l = NULL, *r = NULL;
	int ifindex, err;

	ifindex = (int)if_nametoindex(ifname);
	if (!ifindex)
		return -ENODEV;
	err = sock_open(&sk);
	if (err < 0)
		goto out;
	err = -ENOMEM;
	ra = rtnl_addr_alloc();
	l = nl_addr_build(family, local, (size_t)alen);
	if (!ra || !l)
		goto out;
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, family);
	err = nl_to_errno(rtnl_addr_set_local(ra, l));
	if (err < 0)
		goto out;
	if (peer) {
		r = nl_addr_build(family, peer, (size_t)alen);
		if (!r) {
			err = -ENOMEM;
			goto out;
		}
		nl_addr_set_prefixlen(r, plen);
		err = nl_to_errno(rtnl_addr_set_peer(ra, r));
		if (err < 0)
			goto out;
	}
	rtnl_addr_set_prefixlen(ra, plen);
	if (flags)
		rtnl_addr_set_flags(ra, flags);
	err = nl_to_errno(rtnl_addr_add(sk, ra, 0));
	if (err == -EEXIST)
		err = 0;
out:
	if (err < 0) {
		char a[INET6_ADDRSTRLEN];
		debugf("dev=%s addr=%s/%d failed: %s", ifname,
		       inet_ntop(family, local, a, sizeof(a)), plen, strerror(-err));
	}
	nl_addr_put(r);
	nl_addr_put(l);
	rtnl_addr_put(ra);
	nl_socket_free(sk);
	return err;
}

/* With a peer the address is point-to-point (a TUN's kernel side, "ip addr add LOCAL peer
 * PEER"), and the prefix then applies to the peer. */
int nl_addr_add(const char *ifname, uint32_t addr, uint32_t netmask, uint32_t peer)
{
	return addr_add(ifname, AF_INET, &addr, peer ? &peer : NULL,
			__builtin_popcount(netmask), 0);
}

int nl_addr6_add(const char *ifname, const struct net_addr *addr, unsigned plen)
{
	return addr_add(ifname, AF_INET6, addr->v6, NULL, (int)plen, IFA_F_NODAD);
}

/* Makes ifname a port of `bridge`. -ENODEV if the bridge does not exist, -EINVAL if the
 * named device is not a bridge. */
int nl_link_enslave(const char *ifname, const char *bridge)
{
	struct nl_sock *sk = NULL;
	struct rtnl_link *master = NULL, *slave = NULL;
	const char *type;
	int err;

	err = sock_open(&sk);
	if (err < 0)
		goto out;
	err = nl_to_errno(rtnl_link_get_kernel(sk, 0, bridge, &master));
	if (err < 0)
		goto out;
	type = rtnl_link_get_type(master);
	if (!type || strcmp(type, "bridge")) {
		err = -EINVAL;
		goto out;
	}
	err = nl_to_errno(rtnl_link_get_kernel(sk, 0, ifname, &slave));
	if (err < 0)
		goto out;
	err = nl_to_errno(rtnl_link_enslave_ifindex(sk, rtnl_link_get_ifindex(master),
						    rtnl_link_get_ifindex(slave)));
out:
	if (err < 0)
		debugf("dev=%s bridge=%s enslave failed: %s", ifname, bridge, strerror(-err));
	rtnl_link_put(slave);
	rtnl_link_put(master);
	nl_socket_free(sk);
	return err;
}
