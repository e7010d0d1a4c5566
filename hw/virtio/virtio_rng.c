/* virtio_rng: see virtio_rng.h (behaviour as QEMU 7.2's hw/virtio/virtio-rng.c). */
#include "hw/virtio/virtio_rng.h"

#include <stdlib.h>

struct VirtioRng {
    VirtioDev *vdev;
    VirtioRngFill *fill;
    void *opaque;
    VirtqElem elem;
    VirtqElem answer;               /* a held chain being answered */
    uint16_t held[VIRTQ_MAX_SIZE];  /* heads of chains without writable buffers */
    uint8_t buf[VIRTIO_RNG_MAX_REQUEST];
};

static uint64_t rng_get_features(void *opaque, uint64_t f)
{
    return f;
}

/* No configuration space: reads past its end are all-ones (the transport). */
static void rng_get_config(void *opaque, uint8_t *config)
{
}

static void rng_reset(void *opaque)
{
}

/* Fill the writable buffers of e; false when the device went into its
 * error state. */
static bool rng_request(VirtioRng *d, unsigned q, const VirtqElem *e)
{
    uint64_t want = e->in_len < VIRTIO_RNG_MAX_REQUEST ? e->in_len : VIRTIO_RNG_MAX_REQUEST;
    size_t got = want ? d->fill(d->opaque, d->buf, (size_t)want) : 0;
    size_t done = 0;
    for (unsigned i = e->n_out; i < e->n_out + e->n_in && done < got; i++) {
        size_t k = e->seg[i].len < got - done ? e->seg[i].len : got - done;
        /* The chain's buffers were checked to be RAM when it was taken. */
        if (!vdma_write(virtio_dma(d->vdev), e->seg[i].addr, d->buf + done, k)) {
            virtio_error(d->vdev, "virtio-rng buffer not writable");
            return false;
        }
        done += k;
    }
    virtio_push(d->vdev, q, e, (uint32_t)done);
    return !virtio_broken(d->vdev);
}

/*
 * A chain with no writable buffer is answered (with length 0) only when a
 * later one asks for bytes, as on QEMU, which serves the queue only while
 * its chains want bytes. Chains left with nothing after them go back to
 * the queue, so nothing is held between instructions.
 */
static void rng_handle_queue(void *opaque, unsigned q)
{
    VirtioRng *d = opaque;
    VirtioDev *v = d->vdev;
    unsigned held = 0;
    virtio_set_notification(v, q, false);
    while (virtio_pop(v, q, &d->elem) == 1) {
        if (d->elem.in_len == 0) {
            d->held[held++] = d->elem.head;
            continue;
        }
        for (unsigned i = 0; i < held; i++) {
            d->answer.head = d->held[i];
            virtio_push(v, q, &d->answer, 0);
        }
        held = 0;
        if (!rng_request(d, q, &d->elem)) {
            break;
        }
    }
    if (held && !virtio_broken(v)) {
        virtio_unpop(v, q, held);
    }
    virtio_set_notification(v, q, true);
}

static const VirtioDeviceOps virtio_rng_ops = {
    .name = "virtio-rng-device",
    .device_id = VIRTIO_ID_RNG,
    .num_queues = 1,
    .queue_size = VIRTIO_RNG_QUEUE_SIZE,
    .config_len = 0,
    .get_features = rng_get_features,
    .get_config = rng_get_config,
    .reset = rng_reset,
    .handle_queue = rng_handle_queue,
};

VirtioRng *virtio_rng_create(VirtioMmio *t, VirtioRngFill *fill, void *opaque, Error **errp)
{
    VirtioRng *d = calloc(1, sizeof(*d));
    if (!d) {
        error_setg(errp, "out of memory");
        return NULL;
    }
    d->vdev = t;
    d->fill = fill;
    d->opaque = opaque;
    if (!virtio_mmio_plug(t, &virtio_rng_ops, d, errp)) {
        free(d);
        return NULL;
    }
    return d;
}

void virtio_rng_free(VirtioRng *d)
{
    free(d);
}
