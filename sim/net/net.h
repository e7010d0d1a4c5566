/*
 * net: the host side of guest networking. One backend, QEMU's user-mode
 * network ("-netdev user"), through libslirp, the library QEMU uses for it:
 * a NAT'ed 10.0.2.0/24 with slirp's gateway (10.0.2.2), DNS (10.0.2.3) and
 * DHCP (from 10.0.2.15), plus host ports forwarded into the guest
 * (hostfwd=tcp:127.0.0.1:HP-:GP).
 *
 * What it promises:
 *  - It knows nothing about the guest or the replay gate: frames from slirp
 *    go to the receive callback, frames from the guest come in through
 *    net_user_send(). The machine decides when a frame reaches the guest
 *    (and journals it), so nothing here is guest-visible by itself.
 *  - slirp's descriptors are polled by the main loop (a loop poll source),
 *    its timers run on CLOCK_REALTIME: slirp lives entirely in host time.
 *  - A replay never creates a NetUser: no socket is opened then.
 *
 * Option parsing (net_user_parse()) is here too, so the command line and
 * tests share it; errors are ERR_USAGE naming the option, a forwarding
 * rule whose port cannot be bound is ERR_IO.
 */
#ifndef RRSIM_SIM_NET_NET_H
#define RRSIM_SIM_NET_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/loop/loop.h"

#define NET_MAX_HOSTFWD   8
/* Largest frame either way: an Ethernet frame of slirp's MTU (1500) and
 * its header, with room for a VLAN tag. */
#define NET_MAX_FRAME     1522

typedef struct NetHostFwd {
    bool udp;
    uint32_t host_addr;         /* host byte order; 0 = any */
    uint16_t host_port;
    uint32_t guest_addr;        /* 0 = the first DHCP address */
    uint16_t guest_port;
} NetHostFwd;

/* -netdev user,id=ID[,net=ADDR[/MASK]][,host=A][,dhcpstart=A][,dns=A]
 * [,restrict=on|off][,ipv6=on|off][,hostfwd=RULE]...  (addresses in host
 * byte order; strings point into the parsed argument). */
typedef struct NetUserOptions {
    const char *id;
    uint32_t net, mask, host, dhcpstart, dns;
    bool restricted;
    bool ipv6;
    NetHostFwd fwd[NET_MAX_HOSTFWD];
    int nfwd;
} NetUserOptions;

/* QEMU's defaults. */
void net_user_options_init(NetUserOptions *o);
/**
 * Parse one key=value of a user netdev (not id=, not the type).
 * @param[in] opt  the option's name for messages ("-netdev", "-nic")
 * @param[in] arg  the whole option as given, for messages
 * @return false with ERR_USAGE naming opt and arg when the key is unknown
 *         or the value malformed.
 */
bool net_user_parse_key(NetUserOptions *o, const char *opt, const char *arg, const char *key,
                        const char *val, Error **errp);
/* After all keys: the addresses must be consistent (host and dhcpstart in
 * the network, ...). */
bool net_user_check(const NetUserOptions *o, const char *opt, const char *arg, Error **errp);

/* A frame from the network for the guest. */
typedef void NetReceive(void *opaque, const uint8_t *frame, size_t len);

typedef struct NetUser NetUser;

/**
 * Start slirp on loop and set up the forwarding rules.
 * @return the backend, or NULL: ERR_IO naming the rule whose host port
 *         could not be bound (in use, no permission), ERR_GENERIC else.
 */
NetUser *net_user_new(Loop *loop, const NetUserOptions *o, NetReceive *rx, void *opaque,
                      Error **errp);
/* A frame the guest sent (dropped if slirp cannot take it). */
void net_user_send(NetUser *n, const uint8_t *frame, size_t len);
void net_user_free(NetUser *n);

/* Parse "a.b.c.d" into host byte order. */
bool net_parse_ipv4(const char *s, uint32_t *out);
/* Parse "52:54:00:12:34:56". */
bool net_parse_mac(const char *s, uint8_t mac[6]);

#endif
