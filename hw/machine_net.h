/*
 * machine_net: the machine's network cards: a virtio-net device on its
 * virtio-mmio slot, wired to its -netdev user backend (sim/net), with a
 * bounded host-side queue of frames between the two.
 *
 * Every frame that reaches the guest is an input. slirp's frames wait in the
 * queue (at most MACHINE_NET_QUEUE; beyond that they are dropped and counted,
 * as QEMU drops from its own queue) until the card has a receive buffer; the
 * delivery is what the gate journals: in record, frames are delivered only
 * from the gate's before_slice (machine_net_flush()), at an exact step,
 * through MachineGateOps.net_rx. In replay no backend exists (no socket is
 * opened) and frames come from the journal (machine_net_deliver()); what
 * the guest sends is dropped there.
 */
#ifndef RRSIM_HW_MACHINE_NET_H
#define RRSIM_HW_MACHINE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"

#define MACHINE_NET_QUEUE 1024

typedef struct Machine Machine;
typedef struct MachineNic MachineNic;

/* The card of -device k (a virtio-net-device) on slot s, the nic-th card
 * created (its default MAC is QEMU's 52:54:00:12:34:56 + nic). */
MachineNic *machine_net_create(Machine *m, int k, int s, int nic, const char *transport_name,
                               Error **errp);
void machine_net_free(MachineNic *n);
/* The MAC the card starts with. */
void machine_net_mac(const MachineNic *n, uint8_t mac[6]);
/* Validate -netdev/-device network options before anything is built:
 * netdev= names a -netdev, no netdev has two cards, no netdev is unused. */
bool machine_net_check(const Machine *m, Error **errp);

/* Record: deliver every queued frame a card can take now (journaled
 * through the gate). Returns whether any was delivered. */
bool machine_net_flush(Machine *m);
/* A queued frame could be delivered now. */
bool machine_net_pending(Machine *m);
/* A backend exists: frames may still arrive from the host. */
bool machine_net_active(const Machine *m);
/* Replay: the journal's frame for card nic. */
void machine_net_deliver(Machine *m, int nic, const uint8_t *frame, size_t len);

#endif
