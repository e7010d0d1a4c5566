/*
 * virtio_net: the network device (virtio 1.1, section 5.1) behind a
 * virtio-mmio transport: QEMU 7.2's virtio-net-device as a guest sees it on
 * user networking, without the control queue.
 *
 * Offered: MAC (the configured address; QEMU's default is 52:54:00:12:34:56
 * for the first NIC, one more per NIC), STATUS (the link is always up),
 * MRG_RXBUF; one receive and one transmit queue of 256 entries. No checksum
 * or segmentation offloads (QEMU offers none either when its backend is
 * slirp), no control queue (CTRL_VQ and its features: the device receives
 * every frame, as QEMU's does until a driver asks it to filter).
 *
 * Transmit: every chain the driver makes available is served at the next
 * instruction boundary after the notification: the frame (the chain's
 * device-readable bytes after the virtio-net header) goes to the tx
 * callback and the chain is returned. Receive: virtio_net_receive() puts one
 * frame, with a header, into the next receive chain(s) at once; the caller
 * decides when (it is the replay gate: the step at which a frame arrives is
 * an input). virtio_net_can_receive() says whether a frame would find a
 * buffer now, without touching guest memory, so asking never changes what
 * the guest sees. rx_ready is called when the driver adds receive buffers.
 *
 * State: the MAC (a legacy driver may write it through the configuration
 * space), in VMState "<transport>.net"; the rest is the transport's.
 */
#ifndef RRSIM_HW_VIRTIO_VIRTIO_NET_H
#define RRSIM_HW_VIRTIO_VIRTIO_NET_H

#include <stddef.h>
#include <stdint.h>

#include "hw/board.h"
#include "hw/virtio/virtio_mmio.h"

#define VIRTIO_ID_NET            1
#define VIRTIO_NET_QUEUE_SIZE    256
#define VIRTIO_NET_RXQ           0
#define VIRTIO_NET_TXQ           1

/* Feature bits (5.1.3). */
#define VIRTIO_NET_F_MAC         5
#define VIRTIO_NET_F_MRG_RXBUF   15
#define VIRTIO_NET_F_STATUS      16
#define VIRTIO_NET_S_LINK_UP     1

/* mac, status, max_virtqueue_pairs */
#define VIRTIO_NET_CONFIG_LEN    10
/* The header without (legacy) and with num_buffers (5.1.6). */
#define VIRTIO_NET_HDR_LEN       10
#define VIRTIO_NET_HDR_MRG_LEN   12
/* Largest frame taken from the guest (QEMU's NET_BUFSIZE is far larger;
 * with no segmentation offload a driver sends at most MTU + header). */
#define VIRTIO_NET_MAX_TX        65536

typedef void VirtioNetTx(void *opaque, const uint8_t *frame, size_t len);
typedef void VirtioNetRxReady(void *opaque);

typedef struct VirtioNet VirtioNet;

/* A virtio-net device with address mac on transport t (which must be
 * empty). Registers the transport's and the device's VMState. */
VirtioNet *virtio_net_create(const Board *b, VirtioMmio *t, const char *transport_name,
                             const uint8_t mac[6], VirtioNetTx *tx, VirtioNetRxReady *rx_ready,
                             void *opaque, Error **errp);
void virtio_net_free(VirtioNet *d);

/* The driver is running and has a receive buffer posted. */
bool virtio_net_can_receive(VirtioNet *d);
/* Deliver one frame now. Returns false if it was dropped (no buffer, or
 * the driver's buffers cannot hold it). */
bool virtio_net_receive(VirtioNet *d, const uint8_t *frame, size_t len);

#endif
