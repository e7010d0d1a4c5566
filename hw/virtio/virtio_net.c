/* virtio_net: see virtio_net.h (behaviour as QEMU 7.2's hw/net/virtio-net.c
 * with a peer that has no vnet header, i.e. slirp). */
#include "hw/virtio/virtio_net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct VirtioNetState {
    uint8_t mac[6];                /* as the configuration space shows it */
} VirtioNetState;

struct VirtioNet {
    VirtioNetState s;              /* first: the VMState description covers it */
    VirtioDev *vdev;
    char *vms_name;
    uint8_t mac_default[6];        /* what a reset restores */
    VirtioNetTx *tx;
    VirtioNetRxReady *rx_ready;
    void *opaque;
    VirtqElem elem;                /* tx */
    VirtqElem rx_elem;             /* rx: a frame may arrive while tx runs */
    uint8_t buf[VIRTIO_NET_MAX_TX];
};

static uint64_t net_get_features(void *opaque, uint64_t f)
{
    return f | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS |
           1ull << VIRTIO_NET_F_MRG_RXBUF;
}

static void net_get_config(void *opaque, uint8_t *c)
{
    VirtioNet *d = opaque;
    memset(c, 0, VIRTIO_NET_CONFIG_LEN);
    memcpy(c, d->s.mac, 6);
    c[6] = VIRTIO_NET_S_LINK_UP;   /* status, le16 */
    c[8] = 1;                      /* max_virtqueue_pairs, le16 */
}

/* A legacy driver sets its address by writing it here (5.1.4.2); a modern
 * one only reads it, as QEMU ignores such writes then. */
static void net_set_config(void *opaque, const uint8_t *c)
{
    VirtioNet *d = opaque;
    if (!virtio_has_feature(d->vdev, VIRTIO_F_VERSION_1)) {
        memcpy(d->s.mac, c, 6);
    }
}

static void net_reset(void *opaque)
{
    VirtioNet *d = opaque;
    memcpy(d->s.mac, d->mac_default, 6);
}

static size_t net_hdr_len(VirtioNet *d)
{
    return virtio_has_feature(d->vdev, VIRTIO_F_VERSION_1) ||
           virtio_has_feature(d->vdev, VIRTIO_NET_F_MRG_RXBUF)
           ? VIRTIO_NET_HDR_MRG_LEN : VIRTIO_NET_HDR_LEN;
}

/* ---- transmit ---- */

/* The frame of a tx chain: its device-readable bytes after the header. */
static bool net_tx_one(VirtioNet *d, const VirtqElem *e)
{
    size_t hdr = net_hdr_len(d), got = 0;
    uint64_t skip = hdr;
    if (e->out_len < hdr) {
        virtio_error(d->vdev, "virtio-net header not in first element");
        return false;
    }
    for (unsigned i = 0; i < e->n_out; i++) {
        uint64_t len = e->seg[i].len, addr = e->seg[i].addr;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        addr += skip;
        len -= skip;
        skip = 0;
        if (got + len > sizeof(d->buf)) {
            got = 0;             /* far beyond any frame: dropped */
            break;
        }
        if (!vdma_read(virtio_dma(d->vdev), addr, d->buf + got, (size_t)len)) {
            virtio_error(d->vdev, "virtio-net tx buffer not readable");
            return false;
        }
        got += (size_t)len;
    }
    if (got && d->tx) {
        d->tx(d->opaque, d->buf, got);
    }
    virtio_push(d->vdev, VIRTIO_NET_TXQ, e, 0);
    return !virtio_broken(d->vdev);
}

static void net_handle_queue(void *opaque, unsigned q)
{
    VirtioNet *d = opaque;
    VirtioDev *v = d->vdev;
    if (q == VIRTIO_NET_RXQ) {
        if (d->rx_ready) {
            d->rx_ready(d->opaque);
        }
        return;
    }
    do {
        virtio_set_notification(v, q, false);
        while (virtio_pop(v, q, &d->elem) == 1) {
            if (!net_tx_one(d, &d->elem)) {
                break;
            }
        }
        virtio_set_notification(v, q, true);
    } while (!virtio_broken(v) && !virtio_queue_empty(v, q));
}

/* ---- receive ---- */

bool virtio_net_can_receive(VirtioNet *d)
{
    return virtio_queue_has_avail(d->vdev, VIRTIO_NET_RXQ);
}

/* Copy n bytes of src into e's device-writable buffers from byte off. */
static bool net_scatter(VirtioNet *d, const VirtqElem *e, uint64_t off, const uint8_t *src,
                        size_t n)
{
    for (unsigned i = e->n_out; i < e->n_out + e->n_in && n; i++) {
        uint64_t len = e->seg[i].len;
        if (off >= len) {
            off -= len;
            continue;
        }
        size_t k = len - off < n ? (size_t)(len - off) : n;
        if (!vdma_write(virtio_dma(d->vdev), e->seg[i].addr + off, src, k)) {
            virtio_error(d->vdev, "virtio-net rx buffer not writable");
            return false;
        }
        src += k;
        n -= k;
        off = 0;
    }
    return true;
}

bool virtio_net_receive(VirtioNet *d, const uint8_t *frame, size_t len)
{
    VirtioDev *v = d->vdev;
    if (!virtio_net_can_receive(d)) {
        return false;
    }
    bool mrg = virtio_has_feature(v, VIRTIO_NET_F_MRG_RXBUF);
    size_t hdr_len = net_hdr_len(d);
    /* No offloads: flags 0, GSO_NONE; num_buffers is filled in below. */
    uint8_t hdr[VIRTIO_NET_HDR_MRG_LEN] = { 0 };
    size_t done = 0;               /* frame bytes placed */
    uint16_t nbuf = 0;
    VirtqElem *e = &d->rx_elem;
    uint64_t first_head_addr = 0;  /* where the first chain's header starts */
    bool first_ok = false;

    while (done < len || nbuf == 0) {
        if (virtio_pop(v, VIRTIO_NET_RXQ, e) != 1) {
            if (nbuf == 0 || virtio_broken(v)) {
                return false;
            }
            /* The driver's buffers ran out inside the frame; the chains
             * already returned carry the part that fit (QEMU refuses
             * such a frame before taking any buffer; drivers always post
             * buffers a full frame fits in). */
            break;
        }
        if (e->n_in == 0) {
            virtio_error(v, "virtio-net receive queue contains no in buffers");
            return false;
        }
        uint64_t room = e->in_len, off = 0;
        if (nbuf == 0) {
            if (room < hdr_len) {
                virtio_error(v, "virtio-net rx buffer too small for the header");
                return false;
            }
            if (!net_scatter(d, e, 0, hdr, hdr_len)) {
                return false;
            }
            first_head_addr = e->seg[e->n_out].addr;
            first_ok = e->seg[e->n_out].len >= hdr_len;
            off = hdr_len;
            room -= hdr_len;
        }
        size_t k = len - done < room ? len - done : (size_t)room;
        if (!mrg && k < len - done) {
            virtio_unpop(v, VIRTIO_NET_RXQ, 1);
            virtio_error(v, "virtio-net truncated non-mergeable packet: %zu bytes, "
                         "buffer %llu", len, (unsigned long long)e->in_len);
            return false;
        }
        if (!net_scatter(d, e, off, frame + done, k)) {
            return false;
        }
        done += k;
        nbuf++;
        virtio_push(v, VIRTIO_NET_RXQ, e, (uint32_t)(off + k));
        if (virtio_broken(v) || !mrg) {
            break;
        }
    }
    if (mrg && !virtio_broken(v)) {
        /* num_buffers (le16 at offset 10 of the header). */
        uint8_t nb[2] = { (uint8_t)nbuf, (uint8_t)(nbuf >> 8) };
        if (first_ok) {
            vdma_write(virtio_dma(v), first_head_addr + 10, nb, 2);
        }
    }
    return done == len && !virtio_broken(v);
}

static const VirtioDeviceOps virtio_net_ops = {
    .name = "virtio-net-device",
    .device_id = VIRTIO_ID_NET,
    .num_queues = 2,
    .queue_size = VIRTIO_NET_QUEUE_SIZE,
    .config_len = VIRTIO_NET_CONFIG_LEN,
    .get_features = net_get_features,
    .get_config = net_get_config,
    .set_config = net_set_config,
    .reset = net_reset,
    .handle_queue = net_handle_queue,
};

/* ---- state ---- */

static const VMStateField net_fields[] = {
    VMSTATE_BUFFER(mac, VirtioNetState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription virtio_net_vmsd = {
    .name = "virtio-net",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = net_fields,
};

VirtioNet *virtio_net_create(const Board *b, VirtioMmio *t, const char *transport_name,
                             const uint8_t mac[6], VirtioNetTx *tx, VirtioNetRxReady *rx_ready,
                             void *opaque, Error **errp)
{
    VirtioNet *d = calloc(1, sizeof(*d));
    size_t n = strlen(transport_name) + 5;
    if (!d || !(d->vms_name = malloc(n))) {
        free(d);
        error_setg(errp, "out of memory");
        return NULL;
    }
    snprintf(d->vms_name, n, "%s.net", transport_name);
    memcpy(d->mac_default, mac, 6);
    memcpy(d->s.mac, mac, 6);
    d->vdev = t;
    d->tx = tx;
    d->rx_ready = rx_ready;
    d->opaque = opaque;
    if (!virtio_mmio_plug(t, &virtio_net_ops, d, errp)) {
        virtio_net_free(d);
        return NULL;
    }
    vmstate_register(b->vms, d->vms_name, &virtio_net_vmsd, d);
    return d;
}

void virtio_net_free(VirtioNet *d)
{
    if (d) {
        free(d->vms_name);
        free(d);
    }
}
