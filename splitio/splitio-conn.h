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

#ifndef SPLITIO_CONN_H
#define SPLITIO_CONN_H 1

/* One split-I/O connection: the TCP-mimic state machine of
 * docs/splitio-protocol.md (sections 3, 4, 5, 7, 8) and the message layer
 * on its byte stream.  No TCP stack is involved: this is the whole of it.
 *
 * Shared by the I/O host (lib/netdev-splitio.c, on PMD threads) and the
 * guest frontend (guest/splitio-guestd.c), so it uses only the C library
 * and never blocks, allocates or makes a system call: the caller passes
 * received frames in, pulls frames to send out, and supplies the time and
 * all memory.  One caller at a time per connection.
 *
 * Usage:
 *
 *     sio_conn_init(c, &cfg, &ops, aux, mem);
 *     sio_conn_connect(c, now) or sio_conn_listen(c);
 *     loop:
 *         for each received frame matching sio_conn_owns():
 *             sio_conn_input(c, &seg, now);
 *         sio_conn_send_msg(c, ...) for what the application has;
 *         while ((n = sio_conn_output(c, buf, sizeof buf, now))):
 *             transmit buf[0..n);
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "splitio-wire.h"

/* SYN-ACKs queued between two sio_conn_output() calls; more SYNs than that
 * in between are a flood, answered as if their SYN-ACKs were lost. */
#define SIO_SYNACK_QUEUE 8

enum sio_state {
    SIO_CLOSED,
    SIO_LISTEN,
    SIO_SYN_SENT,
    SIO_ESTABLISHED,
    SIO_FIN_WAIT_1,
    SIO_FIN_WAIT_2,
    SIO_CLOSING,
    SIO_TIME_WAIT,
    SIO_CLOSE_WAIT,
    SIO_LAST_ACK,
};

const char *sio_state_name(enum sio_state);

/* Counters, all monotonic over the connection object's life (they survive
 * reconnects).  Exposed by splitio/show and the netdev's custom stats. */
#define SIO_CONN_COUNTERS                                               \
    SIO_COUNTER(segs_in, "segments received and accepted")              \
    SIO_COUNTER(segs_out, "segments sent")                              \
    SIO_COUNTER(bytes_in, "stream bytes received in order")             \
    SIO_COUNTER(bytes_out, "stream bytes sent, first transmissions")    \
    SIO_COUNTER(retrans_segs, "segments retransmitted")                 \
    SIO_COUNTER(rto_fired, "retransmission timeouts")                   \
    SIO_COUNTER(fast_retrans, "fast retransmits (3 duplicate ACKs)")    \
    SIO_COUNTER(dup_segs, "duplicate data segments dropped")            \
    SIO_COUNTER(ooo_segs, "out-of-order segments queued")               \
    SIO_COUNTER(ooo_dropped, "out-of-order segments beyond the queue")  \
    SIO_COUNTER(out_of_window, "segments outside the receive window")   \
    SIO_COUNTER(bad_ack, "segments dropped for an unacceptable ACK "    \
                "(of data never sent, or older than the peer's window)") \
    SIO_COUNTER(rst_accepted, "RSTs that ended a connection")           \
    SIO_COUNTER(rst_rejected, "RSTs with a wrong sequence number")      \
    SIO_COUNTER(syn_rejected, "SYNs on a synchronized connection")      \
    SIO_COUNTER(challenge_acks, "challenge ACKs sent (RFC 5961)")       \
    SIO_COUNTER(keepalives_out, "keepalive probes sent")                \
    SIO_COUNTER(keepalives_in, "keepalive probes answered")             \
    SIO_COUNTER(window_probes, "zero-window probes sent")               \
    SIO_COUNTER(keepalive_deaths, "connections ended by keepalive")     \
    SIO_COUNTER(handshake_failed, "handshakes given up")                \
    SIO_COUNTER(syn_cookies, "SYN-ACKs sent (stateless, SYN cookie)")   \
    SIO_COUNTER(bad_cookies, "handshake ACKs with a wrong SYN cookie")  \
    SIO_COUNTER(synacks_dropped, "SYN-ACKs not sent: SYN flood")        \
    SIO_COUNTER(connects, "connections established")                    \
    SIO_COUNTER(takeovers, "connections replaced by a newer handshake") \
    SIO_COUNTER(resets_sent, "RSTs sent")                               \
    SIO_COUNTER(msgs_in, "messages received")                           \
    SIO_COUNTER(msgs_out, "messages queued for sending")                \
    SIO_COUNTER(msg_errors, "bad message headers (connection reset)")   \
    SIO_COUNTER(send_full, "messages refused: send buffer full")

struct sio_conn_stats {
#define SIO_COUNTER(NAME, DESC) uint64_t NAME;
    SIO_CONN_COUNTERS
#undef SIO_COUNTER
};

struct sio_conn;

struct sio_conn_ops {
    /* A complete, checked message.  'body' is contiguous and valid only
     * during the call.  Returns false if the application cannot take it
     * now; the message then stays in the receive buffer (the window
     * closes, the peer waits) and is offered again on the next call to
     * sio_conn_input() or sio_conn_output(). */
    bool (*deliver)(void *aux, const struct sio_msg *, const uint8_t *body);

    /* The connection changed state. */
    void (*state_changed)(void *aux, enum sio_state old, enum sio_state);

    /* A 32-bit random number (initial sequence numbers, IP ids, ports). */
    uint32_t (*random)(void *aux);
};

struct sio_conn_cfg {
    struct sio_endpoint local;
    /* For a passive connection, 'remote.port' 0 accepts any source port;
     * for an active one, 0 picks a random ephemeral port per connection.
     * 'remote.mac' is the next hop's MAC. */
    struct sio_endpoint remote;
    bool active;
    uint16_t mtu;               /* Underlay IP MTU. */
    uint32_t buf_size;          /* Each of send and receive buffer; power
                                 * of 2, 256 KiB .. 8 MiB. */
};

/* Bytes of memory sio_conn_init() needs for 'cfg'. */
size_t sio_conn_mem_size(const struct sio_conn_cfg *);

#define SIO_OOO_MAX 64          /* Out-of-order intervals held. */

struct sio_interval {
    uint32_t start, end;        /* Sequence numbers, [start, end). */
};

/* Opaque in spirit; here so callers can embed it. */
struct sio_conn {
    struct sio_conn_cfg cfg;
    const struct sio_conn_ops *ops;
    void *aux;
    struct sio_conn_stats stats;

    enum sio_state state;
    uint16_t remote_port;       /* Of the current connection. */
    uint16_t local_port;
    uint16_t ip_id;
    uint32_t mss;               /* What we send: min(ours, peer's). */
    uint8_t snd_wscale, rcv_wscale;

    /* Send side.  The buffer holds [snd_una, snd_write). */
    uint8_t *snd_buf;
    uint32_t iss;
    uint32_t snd_una, snd_nxt, snd_max, snd_write;
    uint32_t snd_base;          /* Sequence number of snd_buf[0]. */
    uint32_t snd_edge;          /* Right edge of the peer's window. */
    uint32_t max_snd_wnd;       /* Largest window the peer offered: how far
                                 * below snd_una an ACK may be (RFC 5961
                                 * section 5.2). */
    uint32_t cwnd, ssthresh;
    uint32_t dupacks;
    uint32_t recover;           /* NewReno: snd_max at the loss. */
    bool fin_queued;            /* Close requested: FIN after the data. */
    bool fin_sent;
    uint32_t fin_seq;

    /* Receive side.  The buffer holds [rcv_read, rcv_nxt) in order plus
     * the out-of-order intervals beyond. */
    uint8_t *rcv_buf;
    uint8_t *stage;             /* A message that wraps the buffer. */
    uint32_t irs;
    uint32_t rcv_base;          /* Sequence number of rcv_buf[0]. */
    uint32_t rcv_nxt, rcv_read;
    uint32_t rcv_adv;           /* Right edge last advertised. */
    struct sio_interval ooo[SIO_OOO_MAX];
    unsigned int n_ooo;
    bool ack_due;
    unsigned int dupacks_due;   /* Immediate ACKs for out-of-order data. */
    bool fast_rtx_due;          /* Resend one segment at snd_una. */
    bool held_checked;          /* Message at rcv_read passed its CRC. */
    bool syn_due;               /* Send or resend our SYN. */
    bool rst_due;               /* Abort: send RST, then close. */

    /* A passive side keeps no state for a handshake until its final ACK
     * (section 3): each SYN is answered with a SYN-ACK whose ISN is a SYN
     * cookie, keyed by 'cookie_key', and the ACK that returns it, from
     * whichever source port, completes the connection (in LISTEN) or takes
     * it over (while synchronized).  So no SYN, spoofed or not, can hold a
     * slot the real peer needs.  SYN-ACKs wait here only until the next
     * sio_conn_output() call. */
    uint64_t cookie_key[2];
    struct sio_synack {
        uint16_t port;
        uint32_t iss, irs;
    } synacks[SIO_SYNACK_QUEUE];
    unsigned int n_synacks;
    /* RST for the connection a takeover replaced. */
    struct {
        bool due;
        uint16_t port;
        uint32_t seq;
    } rst_old;
    /* RST owed to a segment for no connection (one at a time). */
    struct {
        bool due;
        struct sio_seg seg;
    } rst_reply;

    /* Timers, in microseconds of the caller's clock. */
    uint64_t rto_us, srtt_us, rttvar_us;
    uint64_t rto_deadline;      /* 0: not armed. */
    uint32_t rtt_seq;           /* Timed segment's end, if rtt_start. */
    uint64_t rtt_start;
    unsigned int backoffs;
    uint64_t last_rx;
    uint64_t next_probe;
    unsigned int probes;
    uint64_t persist_deadline;  /* Zero-window probe timer; 0: off. */
    uint64_t persist_us;
    bool persist_due;
    uint64_t time_wait_end;
    uint64_t now;
};

void sio_conn_init(struct sio_conn *, const struct sio_conn_cfg *,
                   const struct sio_conn_ops *, void *aux, void *mem);

void sio_conn_connect(struct sio_conn *, uint64_t now);
void sio_conn_listen(struct sio_conn *);

/* Graceful close (FIN after queued data) and abort (RST now). */
void sio_conn_close(struct sio_conn *);
void sio_conn_abort(struct sio_conn *);

/* Whether 'seg' (already checked by sio_parse_frame()) belongs to this
 * connection: its current 4-tuple, or (on a passive side) a SYN or a
 * handshake's final ACK from the configured peer on another port. */
bool sio_conn_owns(const struct sio_conn *, const struct sio_seg *);

void sio_conn_input(struct sio_conn *, const struct sio_seg *, uint64_t now);

/* Writes the next frame to send into 'buf' and returns its length; 0 when
 * there is nothing to send now.  Also runs the timers and offers held
 * messages to deliver() again.  'cap' must be at least the MTU + 14. */
size_t sio_conn_output(struct sio_conn *, uint8_t *buf, size_t cap,
                       uint64_t now);

/* Queues a message whose body is given in up to two pieces.  Returns 0,
 * ENOTCONN (not established) or ENOBUFS (no room; nothing queued). */
int sio_conn_send_msg(struct sio_conn *, uint16_t type, uint64_t req_id,
                      const void *body1, uint32_t len1,
                      const void *body2, uint32_t len2);

/* Room for message bodies right now (0 if not established). */
uint32_t sio_conn_send_room(const struct sio_conn *);

bool sio_conn_established(const struct sio_conn *);

/* Earliest time at which sio_conn_output() has something to do even if
 * nothing arrives (a timer), or UINT64_MAX. */
uint64_t sio_conn_next_timer(const struct sio_conn *);

#endif /* splitio-conn.h */
