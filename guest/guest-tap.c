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

/* TAP interfaces for the guest daemons.  See guest-tap.h. */

#include "guest-tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int
guest_tap_open__(const char *name, short flags)
{
    struct ifreq ifr;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

    if (fd < 0) {
        fprintf(stderr, "guest: /dev/net/tun: %s\n", strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | flags;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr)) {
        fprintf(stderr, "guest: TUNSETIFF %s: %s\n", name,
                strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int
guest_tap_open(const char *name)
{
    return guest_tap_open__(name, 0);
}

int
guest_tap_open_vnet(const char *name)
{
    return guest_tap_open__(name, IFF_VNET_HDR);
}

int
guest_tap_set_offload(int fd, bool csum, bool tso)
{
    unsigned int offload = ((csum ? TUN_F_CSUM : 0)
                            | (csum && tso
                               ? TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN
                               : 0));

    if (ioctl(fd, TUNSETOFFLOAD, offload)) {
        fprintf(stderr, "guest: TUNSETOFFLOAD: %s\n", strerror(errno));
        return errno;
    }
    return 0;
}

/* Sets 'name''s gso_max_size to 'size' over rtnetlink, as "ip link set
 * dev NAME gso_max_size SIZE" does.  Returns 0 or an errno value
 * (printed). */
int
guest_tap_set_gso_max_size(const char *name, uint32_t size)
{
    struct {
        struct nlmsghdr nh;
        struct ifinfomsg ifi;
        struct rtattr rta;
        uint32_t value;
    } req;
    struct {
        struct nlmsghdr nh;
        struct nlmsgerr err;
    } reply;
    struct ifreq ifr;
    int error = 0;
    int s;

    s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0) {
        error = errno;
        goto out;
    }
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(s, SIOCGIFINDEX, &ifr)) {
        error = errno;
        close(s);
        goto out;
    }
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_len = sizeof req;
    req.nh.nlmsg_type = RTM_NEWLINK;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.ifi.ifi_family = AF_UNSPEC;
    req.ifi.ifi_index = ifr.ifr_ifindex;
    req.rta.rta_type = IFLA_GSO_MAX_SIZE;
    req.rta.rta_len = RTA_LENGTH(sizeof req.value);
    req.value = size;
    if (send(s, &req, sizeof req, 0) < 0) {
        error = errno;
    } else if (recv(s, &reply, sizeof reply, 0) < (ssize_t) sizeof reply) {
        error = EPROTO;
    } else if (reply.nh.nlmsg_type == NLMSG_ERROR && reply.err.error) {
        error = -reply.err.error;
    }
    close(s);
out:
    if (error) {
        fprintf(stderr, "guest: set gso_max_size of %s: %s\n", name,
                strerror(error));
    }
    return error;
}

/* Gives the TAP interface the device's MAC and MTU and brings it up. */
void
guest_tap_configure(const char *name, uint64_t mac, uint16_t mtu)
{
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    if (s < 0) {
        return;
    }
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    for (int i = 0; i < 6; i++) {
        ifr.ifr_hwaddr.sa_data[i] = mac >> (40 - 8 * i);
    }
    if (ioctl(s, SIOCSIFHWADDR, &ifr)) {
        fprintf(stderr, "guest: set MAC: %s\n", strerror(errno));
    }
    ifr.ifr_mtu = mtu;
    if (mtu && ioctl(s, SIOCSIFMTU, &ifr)) {
        fprintf(stderr, "guest: set MTU: %s\n", strerror(errno));
    }
    if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
        ifr.ifr_flags |= IFF_UP;
        ioctl(s, SIOCSIFFLAGS, &ifr);
    }
    close(s);
}
