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

#ifndef IOSERVICE_CHAIN_H
#define IOSERVICE_CHAIN_H 1

struct ds;

/* Appends to 'out' the service chain around the port named 'devname' as
 * OpenFlow sees it: the bridge and port number, then every rule whose
 * actions output to the port ("into") and every rule matching
 * in_port=the port ("from"), with table, match and actions as ovs-ofctl
 * prints them.  Main thread only. */
void ioservice_chain_format(const char *devname, struct ds *out);

#endif /* ioservice-chain.h */
