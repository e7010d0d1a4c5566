/* machine_net: see machine_net.h. */
#include "hw/machine_net.h"

#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/virtio/virtio_net.h"

typedef struct NetFrame {
    uint16_t len;
    uint8_t data[NET_MAX_FRAME];
} NetFrame;

struct MachineNic {
    Machine *m;
    int index;                     /* creation order: the journal's nic */
    const MachineDevice *dev;
    uint8_t mac[6];
    VirtioNet *vnet;
    NetUser *user;                 /* NULL in replay */
    BH *flush_bh;                  /* normal mode: deliver from the loop */
    NetFrame *q;                   /* ring of MACHINE_NET_QUEUE frames */
    unsigned head, count;
    uint64_t dropped;
    bool warned;
};

static bool nic_deferred(const MachineNic *n)
{
    return n->m->gate && n->m->gate->net_rx;
}

/* Deliver what the card takes now; the gate journals each frame first. */
static bool nic_flush(MachineNic *n)
{
    Machine *m = n->m;
    bool any = false;
    while (n->count && virtio_net_can_receive(n->vnet)) {
        NetFrame *f = &n->q[n->head];
        if (m->gate && m->gate->net_rx) {
            m->gate->net_rx(m->gate_opaque, m, n->index, f->data, f->len);
        }
        virtio_net_receive(n->vnet, f->data, f->len);
        n->head = (n->head + 1) % MACHINE_NET_QUEUE;
        n->count--;
        any = true;
    }
    return any;
}

static void nic_flush_bh(void *opaque)
{
    MachineNic *n = opaque;
    if (!nic_deferred(n)) {
        nic_flush(n);
    }
}

/* From slirp, in host time: queue; delivered at the next step boundary. */
static void nic_backend_rx(void *opaque, const uint8_t *frame, size_t len)
{
    MachineNic *n = opaque;
    if (len > NET_MAX_FRAME || n->count == MACHINE_NET_QUEUE) {
        n->dropped++;
        if (!n->warned && n->count == MACHINE_NET_QUEUE) {
            warn_report("-device %s: the guest does not take frames; dropping them",
                        n->dev->spec);
            n->warned = true;
        }
        return;
    }
    NetFrame *f = &n->q[(n->head + n->count) % MACHINE_NET_QUEUE];
    f->len = (uint16_t)len;
    memcpy(f->data, frame, len);
    n->count++;
    if (!nic_deferred(n)) {
        bh_schedule(n->flush_bh);
    }
}

static void nic_tx(void *opaque, const uint8_t *frame, size_t len)
{
    MachineNic *n = opaque;
    /* In replay the guest's frames are outputs nobody takes. */
    if (n->user) {
        net_user_send(n->user, frame, len);
    }
}

static void nic_rx_ready(void *opaque)
{
    MachineNic *n = opaque;
    if (n->count && !nic_deferred(n)) {
        bh_schedule(n->flush_bh);
    }
}

static const MachineNetdev *find_netdev(const MachineOptions *o, const char *id)
{
    for (int i = 0; i < o->nnetdevs; i++) {
        if (!strcmp(o->netdevs[i].user.id, id)) {
            return &o->netdevs[i];
        }
    }
    return NULL;
}

bool machine_net_check(const Machine *m, Error **errp)
{
    const MachineOptions *o = &m->opts;
    for (int i = 0; i < o->nnetdevs; i++) {
        const MachineNetdev *nd = &o->netdevs[i];
        int users = 0;
        for (int j = 0; j < i; j++) {
            if (!strcmp(o->netdevs[j].user.id, nd->user.id)) {
                error_setc(errp, ERR_USAGE, "%s %s: duplicate netdev id '%s'", nd->opt, nd->spec,
                           nd->user.id);
                return false;
            }
        }
        for (int k = 0; k < o->ndevices; k++) {
            const MachineDevice *d = &o->devices[k];
            if (d->net && d->netdev && !strcmp(d->netdev, nd->user.id) && ++users > 1) {
                error_setc(errp, ERR_USAGE, "-device %s: netdev '%s' is already in use by "
                           "another device", d->spec, d->netdev);
                return false;
            }
        }
    }
    for (int k = 0; k < o->ndevices; k++) {
        const MachineDevice *d = &o->devices[k];
        if (!d->net) {
            continue;
        }
        if (!d->netdev) {
            error_setc(errp, ERR_USAGE, "-device %s: netdev= is required (-netdev user,id=ID)",
                       d->spec);
            return false;
        }
        if (!find_netdev(o, d->netdev)) {
            error_setc(errp, ERR_USAGE, "-device %s: no netdev with id '%s' "
                       "(-netdev user,id=%s)", d->spec, d->netdev, d->netdev);
            return false;
        }
    }
    return true;
}

MachineNic *machine_net_create(Machine *m, int k, int s, int nic, const char *transport_name,
                               Error **errp)
{
    const MachineOptions *o = &m->opts;
    const MachineDevice *d = &o->devices[k];
    const MachineNetdev *nd = find_netdev(o, d->netdev);
    MachineNic *n = calloc(1, sizeof(*n));
    if (!n || !(n->q = calloc(MACHINE_NET_QUEUE, sizeof(*n->q)))) {
        free(n);
        error_setg(errp, "out of memory");
        return NULL;
    }
    n->m = m;
    n->index = nic;
    n->dev = d;
    static const uint8_t qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    memcpy(n->mac, d->has_mac ? d->mac : qemu_mac, 6);
    if (!d->has_mac) {
        n->mac[5] = (uint8_t)(n->mac[5] + nic);   /* QEMU: one more per card */
    }
    n->flush_bh = bh_new(m->loop, nic_flush_bh, n);
    n->vnet = n->flush_bh ? virtio_net_create(&m->board, m->virtio[s], transport_name, n->mac,
                                              nic_tx, nic_rx_ready, n, errp) : NULL;
    if (!n->vnet) {
        machine_net_free(n);
        return NULL;
    }
    /* A replay takes every frame from the journal: no slirp, no socket. */
    if (o->icount.rr != ICOUNT_RR_REPLAY) {
        n->user = net_user_new(m->loop, &nd->user, nic_backend_rx, n, errp);
        if (!n->user) {
            error_prepend(errp, "%s %s: ", nd->opt, nd->spec);
            machine_net_free(n);
            return NULL;
        }
    }
    return n;
}

void machine_net_free(MachineNic *n)
{
    if (!n) {
        return;
    }
    net_user_free(n->user);
    if (n->flush_bh) {
        bh_delete(n->flush_bh);
    }
    virtio_net_free(n->vnet);
    free(n->q);
    free(n);
}

void machine_net_mac(const MachineNic *n, uint8_t mac[6])
{
    memcpy(mac, n->mac, 6);
}

bool machine_net_flush(Machine *m)
{
    bool any = false;
    for (int i = 0; i < m->nnics; i++) {
        any |= nic_flush(m->nic[i]);
    }
    return any;
}

bool machine_net_pending(Machine *m)
{
    for (int i = 0; i < m->nnics; i++) {
        if (m->nic[i]->count && virtio_net_can_receive(m->nic[i]->vnet)) {
            return true;
        }
    }
    return false;
}

bool machine_net_active(const Machine *m)
{
    for (int i = 0; i < m->nnics; i++) {
        if (m->nic[i]->user) {
            return true;
        }
    }
    return false;
}

void machine_net_deliver(Machine *m, int nic, const uint8_t *frame, size_t len)
{
    if (nic >= 0 && nic < m->nnics) {
        virtio_net_receive(m->nic[nic]->vnet, frame, len);
    }
}
