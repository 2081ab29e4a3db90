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

/* Turns OVS's ovs-vswitchd into ovs-nae's: this object is linked with OVS's
 * unmodified vswitchd objects, and its constructor registers our netdev
 * classes before OVS's main() runs. */

#include <config.h>

#include <stdio.h>
#include <string.h>

#include <rte_version.h>

#include "esw-appctl.h"
#include "netdev-ioservice.h"
#include "netdev-nae.h"
#include "netdev-splitio.h"
#include "util.h"

/* glibc passes main()'s arguments to ELF constructors.  We use them only to
 * add our version above OVS's own answer to --version. */
static void __attribute__((constructor))
nae_vswitchd_init(int argc, char *argv[], char *envp[] OVS_UNUSED)
{
    for (int i = 1; i < argc && argv; i++) {
        if (!strcmp(argv[i], "--version") || !strcmp(argv[i], "-V")) {
            printf("ovs-nae %s (Open vSwitch %s extension, built with %s)\n",
                   NAE_VERSION, VERSION, rte_version());
            fflush(stdout);
            break;
        }
    }
    netdev_nae_register();
    netdev_splitio_register();
    netdev_ioservice_register();
    esw_appctl_register();
}
