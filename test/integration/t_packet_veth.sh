#!/bin/bash
# SPDX-License-Identifier: MIT
# PF_PACKET on one end of a veth pair, the kernel on the other (10.73.0.1), both with
# the kernel's default offloads (TSO, GSO, checksum offload): ping, UDP echo and TCP both
# ways reach ustack. The kernel's UDP and TCP leave with partial checksums, which the
# driver trusts as TAP does (packet.rx_csum_partial); its TCP sends super-segments of up
# to 64 KB, which arrive whole (packet.rx_gso_frames) and TCP takes whole; ustack's TCP
# sends super-segments to the kernel with a GSO virtio-net header (packet.tx_gso).
# A 50 MB curl download from ustack's http service and 20 MB through its TCP echo service
# (upload and the same bytes back) are byte-exact, with the frames of a loop round sent
# together by sendmmsg (packet.tx_batches).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
. "$(dirname "$0")/packet_lib.sh"
t_begin packet_veth "$1"
packet_veth_run 73 ustpk
for c in packet.rx_csum_partial packet.rx_gso_frames packet.tx_gso packet.tx_batches \
	netdev.tx_queued netdev.tx_flushes; do echo "$c $(counter $c)"; done
pass
