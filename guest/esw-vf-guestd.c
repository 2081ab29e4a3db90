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

/* esw-vf-guestd: a guest's driver for a VF of the emulated switchdev NIC
 * (emunic/), exposing the VF as a TAP interface so that unmodified
 * programs use it, as a VF driver exposes a netdev.
 *
 *   esw-vf-guestd --vf=/dev/shm/net_nae_esw0-vf0 --tap=eth0
 *
 * The TAP gets the VF's MAC.  Frames move between the TAP and the VF's
 * rings until SIGTERM/SIGINT; while the NIC has the VF withdrawn, frames
 * the guest sends are dropped and counted (SIGUSR1 prints counters). */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esw-vf-guest.h"
#include "guest-tap.h"

static volatile sig_atomic_t stop, dump;

static void
on_signal(int sig)
{
    if (sig == SIGUSR1) {
        dump = 1;
    } else {
        stop = 1;
    }
}

static void
usage(const char *name)
{
    fprintf(stderr, "usage: %s --vf=FILE --tap=NAME\n", name);
    exit(2);
}

int
main(int argc, char *argv[])
{
    static const struct option opts[] = {
        { "vf", required_argument, NULL, 'v' },
        { "tap", required_argument, NULL, 't' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const char *vf_path = NULL, *tap_name = NULL;
    uint64_t to_vf = 0, from_vf = 0, vf_full = 0, vf_down = 0, tap_err = 0;
    struct esw_vf_guest vf;
    uint8_t buf[2048];
    int c, tap, error;

    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': vf_path = optarg; break;
        case 't': tap_name = optarg; break;
        default: usage(argv[0]);
        }
    }
    if (!vf_path || !tap_name || optind != argc) {
        usage(argv[0]);
    }
    error = esw_vf_attach(&vf, vf_path);
    if (error) {
        fprintf(stderr, "esw-vf-guestd: %s: %s\n", vf_path,
                error == EPROTO ? "not a VF of a known version"
                                : strerror(error));
        return 1;
    }
    tap = guest_tap_open(tap_name);
    if (tap < 0) {
        return 1;
    }
    const uint8_t *m = esw_vf_mac(&vf);
    uint64_t mac = 0;
    for (int i = 0; i < 6; i++) {
        mac = (mac << 8) | m[i];
    }
    guest_tap_configure(tap_name, mac, 0);
    printf("esw-vf-guestd: %s on %s, MAC %02x:%02x:%02x:%02x:%02x:%02x\n",
           vf_path, tap_name, m[0], m[1], m[2], m[3], m[4], m[5]);
    fflush(stdout);

    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    signal(SIGUSR1, on_signal);
    while (!stop) {
        struct pollfd pfd = { .fd = tap, .events = POLLIN };
        int work = 0;

        /* The VF has no interrupt: poll its ring, napping 1 ms when both
         * sides are idle. */
        size_t len;
        while ((len = esw_vf_recv(&vf, buf, sizeof buf)) > 0) {
            if (write(tap, buf, len) == (ssize_t) len) {
                from_vf++;
            } else {
                tap_err++;
            }
            work++;
        }
        for (int i = 0; i < 32; i++) {
            ssize_t n = read(tap, buf, sizeof buf);

            if (n <= 0) {
                break;
            }
            error = esw_vf_send(&vf, buf, n);
            if (!error) {
                to_vf++;
            } else if (error == ENETDOWN) {
                vf_down++;
            } else {
                vf_full++;
            }
            work++;
        }
        if (dump) {
            dump = 0;
            printf("to_vf=%llu from_vf=%llu vf_full=%llu vf_down=%llu "
                   "tap_errors=%llu rx_bad=%llu\n",
                   (unsigned long long) to_vf,
                   (unsigned long long) from_vf,
                   (unsigned long long) vf_full,
                   (unsigned long long) vf_down,
                   (unsigned long long) tap_err,
                   (unsigned long long) vf.rx_bad);
            fflush(stdout);
        }
        if (!work) {
            poll(&pfd, 1, 1);
        }
    }
    esw_vf_detach(&vf);
    close(tap);
    return 0;
}
