#!/bin/bash
# SPDX-License-Identifier: MIT
# The PF_PACKET device with a receive ring (ring=256: TPACKET_V2 slots sized for the MTU)
# on a veth, the kernel's offloads on: ping, UDP echo, a 50 MB curl download and 20 MB
# through the TCP echo are byte-exact. Small frames are read from the ring
# (packet.rx_ring_frames); the kernel's 64 KB super-segments do not fit a slot and are
# read whole from the socket in their place (packet.rx_ring_copied), none cut
# (packet.rx_truncated).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tcp_lib.sh"
. "$(dirname "$0")/packet_lib.sh"
t_begin packet_ring "$1"
packet_veth_run 76 ustpr ,ring=256
expect_counter packet.rx_ring_frames -ge 20
expect_counter packet.rx_ring_copied -ge 1
expect_counter packet.rx_truncated -eq 0
for c in packet.rx_ring_frames packet.rx_ring_copied packet.rx_csum_partial packet.rx_gso_frames packet.tx_gso packet.tx_batches \
	netdev.tx_queued netdev.tx_flushes; do echo "$c $(counter $c)"; done
pass
