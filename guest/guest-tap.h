/*
 * Copyright (c) 2026 The ovs-nae authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

#ifndef GUEST_TAP_H
#define GUEST_TAP_H 1

/* The TAP interface through which a guest daemon (nae-guestd,
 * splitio-guestd) gives the guest's kernel its virtual NIC. */

#include <stdbool.h>
#include <stdint.h>

/* Opens (creating if needed) TAP interface 'name', non-blocking, without
 * packet information headers.  Returns the fd or -1 (error printed). */
int guest_tap_open(const char *name);

/* The same, with a virtio-net header (struct virtio_net_hdr, 10 bytes)
 * before every frame read or written (IFF_VNET_HDR), so that the kernel
 * can hand over and take frames with checksums left to complete and TCP
 * frames larger than the MTU, as it does with a virtio-net NIC. */
int guest_tap_open_vnet(const char *name);

/* Tells the kernel which offloads the frames written to a vnet TAP 'fd'
 * may carry, which are also those it may send through it: 'csum' partial
 * checksums, 'tso' TCP frames over IPv4 and IPv6 larger than the MTU.
 * Returns 0 or an errno value (printed). */
int guest_tap_set_offload(int fd, bool csum, bool tso);

/* Bounds the TSO frames the kernel sends through 'name' to 'size' bytes
 * (its gso_max_size).  Returns 0 or an errno value (printed). */
int guest_tap_set_gso_max_size(const char *name, uint32_t size);

/* Gives 'name' the MAC 'mac' (48 bits, most significant first) and MTU
 * 'mtu' (if non-zero), and brings it up.  Errors are printed. */
void guest_tap_configure(const char *name, uint64_t mac, uint16_t mtu);

#endif /* guest-tap.h */
