/* machine_replay: see machine_replay.h. */
#include "hw/machine_replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/isa.h"
#include "hw/machine_net.h"

/* Queued host input beyond this stops the backend reading until the guest
 * has taken some (the frontend FIFO is far smaller). */
#define QUEUE_MAX 4096
/* rrcorrupt flips this bit of this register: gp is rarely rewritten, so the
 * damage stays visible until the next digest. */
#define CORRUPT_REG 3
#define CORRUPT_BIT 44

/* One self-check digest: the machine at a step count of the grid, as first
 * reached. */
typedef struct SelfCheckSlot {
    bool valid;
    JournalDigest d;
} SelfCheckSlot;

typedef struct InputQueue {
    uint8_t *buf;
    size_t len, cap;
    bool throttled;      /* backend input disabled because the queue is full */
} InputQueue;

struct MachineReplay {
    Machine *m;
    Replay *r;
    ReplayMode mode;
    MachineGateOps ops;
    /* record */
    InputQueue q[MACHINE_MAX_SERIAL];
    bool shutdown_queued;
    ShutdownCause shutdown_cause;
    int shutdown_code;
    uint64_t cp_interval, next_cp;
    uint64_t next_ram_cp;   /* first checkpoint step whose digest covers RAM */
    /* sleep=off idle warps at step idle_steps, not journaled unless host
     * input is delivered at that same step after them */
    uint64_t idle_steps;
    int64_t *idle_warps;
    size_t n_idle_warps, cap_idle_warps;
    /* play */
    bool user_stop;
    bool corrupt_pending;
    uint64_t corrupt_at;
    /* self-check (machine_replay_enable_selfcheck()): slot i is step i * period */
    uint64_t sc_period;
    SelfCheckSlot *sc;
    size_t sc_len;
    uint64_t sc_last;       /* step of the latest before_slice: digest at the first only */
    MachineReplaySelfCheckStats sc_stats;
    /* the first error a hook met; reported by machine_replay_finish() */
    Error *err;
};

static uint64_t steps_now(MachineReplay *mr)
{
    return machine_icount(mr->m);
}

/* Hooks cannot return errors: keep the first, stop the machine. */
static void fail(MachineReplay *mr, Error *err)
{
    if (mr->err) {
        error_free(err);
    } else {
        mr->err = err;
    }
    loop_request_shutdown(mr->m->loop, SHUTDOWN_ERROR, 0);
}

/* Replay's sticky errors arise inside device callbacks: stop at once. */
static void replay_failed(void *opaque)
{
    MachineReplay *mr = opaque;
    loop_request_shutdown(mr->m->loop, SHUTDOWN_ERROR, 0);
}

static bool check_replay(MachineReplay *mr)
{
    Error *err = NULL;
    if (!replay_status(mr->r, &err)) {
        fail(mr, err);
        return false;
    }
    return true;
}

/* ---- digests and manifest ---- */

/* The manifest's name for the image of the disk in each virtio-mmio slot. */
static const char *const disk_input_names[VIRT_VIRTIO_COUNT] = {
    "disk on virtio-mmio0", "disk on virtio-mmio1", "disk on virtio-mmio2",
    "disk on virtio-mmio3", "disk on virtio-mmio4", "disk on virtio-mmio5",
    "disk on virtio-mmio6", "disk on virtio-mmio7",
};

void machine_replay_digest(Machine *m, bool with_ram, JournalDigest *d)
{
    memset(d, 0, sizeof(*d));
    d->pc = hart_get_pc(m->hart);
    d->vclock_ns = icount_virtual_ns(m->icount);
    d->has_xregs = true;
    for (int i = 0; i < 32; i++) {
        d->xregs[i] = hart_get_xreg(m->hart, i);
    }
    /* Harts and devices separately, so a report can say which differs.
     * Several harts: one hash over all of them, in order. */
    HashState dev, harts;
    hash_init(&dev);
    hash_init(&harts);
    VMBuf b;
    vmbuf_init(&b);
    for (size_t i = 0; i < m->vms.n; i++) {
        const VMStateEntry *e = &m->vms.entries[i];
        bool is_hart = false;
        for (int k = 0; k < m->nharts; k++) {
            is_hart |= e->opaque == hart_state_ptr(m->harts[k]);
        }
        b.len = 0;
        vmstate_save(e->vmsd, e->opaque, &b);
        if (is_hart && m->nharts == 1) {
            d->hart = hash128(b.data, b.len);
        } else if (is_hart) {
            hash_update_u64(&harts, b.len);
            hash_update(&harts, b.data, b.len);
        } else {
            hash_update_u64(&dev, b.len);
            hash_update(&dev, b.data, b.len);
        }
    }
    vmbuf_free(&b);
    d->devices = hash_final(&dev);
    hash_free(&dev);
    if (m->nharts > 1) {
        d->hart = hash_final(&harts);
    }
    hash_free(&harts);
    if (with_ram) {
        d->has_ram = true;
        const MemRegion *ov[VIRT_VIRTIO_COUNT];
        if (machine_overlays(m, ov, VIRT_VIRTIO_COUNT) == 0) {
            d->ram = hash128(m->ram, m->ram_size);
        } else {
            /* What the guest wrote to its disks is memory too. */
            HashState hs;
            hash_init(&hs);
            hash_update(&hs, m->ram, m->ram_size);
            for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0; s--) {
                if (m->slot_drive[s] >= 0) {
                    blockdev_overlay_digest(m->drive[m->slot_drive[s]], &hs);
                }
            }
            d->ram = hash_final(&hs);
            hash_free(&hs);
        }
    }
}

static bool hash_file(const char *path, Hash128 *out, Error **errp)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_setg_errno(errp, errno, "cannot read %s for the journal manifest", path);
        return false;
    }
    HashState hs;
    hash_init(&hs);
    bool ok = hash_update_stream(&hs, f);
    fclose(f);
    *out = hash_final(&hs);
    hash_free(&hs);
    if (!ok) {
        error_setc(errp, ERR_IO, "error reading %s for the journal manifest", path);
    }
    return ok;
}

/* The firmware the machine loaded when -bios was not given (same search). */
static const char *default_bios(void)
{
    static const char *const paths[] = MACHINE_DEFAULT_BIOS_PATHS;
    for (int i = 0; paths[i]; i++) {
        if (access(paths[i], R_OK) == 0) {
            return paths[i];
        }
    }
    return NULL;
}

bool machine_replay_manifest(Machine *m, JournalManifest *out, Error **errp)
{
    const MachineOptions *o = &m->opts;
    /* Only what the guest can see: the serial backend, signals and align=
     * are host matters and may differ between recording and replay. */
    char *ic = icount_options_canonical(&o->icount);
    /* The hart by its canonical ISA string, so that a replay on another
     * -cpu is refused naming the extensions. */
    size_t isalen = isa_manifest_string(o->cpu_ext, NULL, 0) + 1;
    size_t len = strlen(ic) + isalen + (o->append ? strlen(o->append) : 0) + 160;
    char *machine = malloc(len);
    char *isa = malloc(isalen);
    if (!machine || !isa) {
        abort();
    }
    isa_manifest_string(o->cpu_ext, isa, isalen);
    /* The disks as the guest sees them: where, read-only or not, their
     * serial; their contents are inputs below. Before append=, which
     * comes last because the kernel command line may hold commas. */
    char disks[VIRT_VIRTIO_COUNT * 96 + 32] = "";
    size_t dl = 0;
    if (o->virtio_modern) {
        dl += (size_t)snprintf(disks + dl, sizeof(disks) - dl, ",virtio=modern");
    }
    for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0 && dl < sizeof(disks); s--) {
        int i = m->slot_drive[s];
        if (i < 0) {
            continue;
        }
        const char *serial = machine_drive_serial(o, i);
        dl += (size_t)snprintf(disks + dl, sizeof(disks) - dl, ",disk@%d=virtio-blk:ro=%s:serial=%.20s",
                               s, o->drives[i].readonly ? "on" : "off", serial ? serial : "");
    }
    if (o->pvpanic && dl < sizeof(disks)) {
        dl += (size_t)snprintf(disks + dl, sizeof(disks) - dl, ",pvpanic=mmio");
    }
    /* The network cards and their addresses; every frame they received
     * is in the journal (the netdev's host side is not guest-visible). */
    /* Cards were created from the highest slot down, in journal order. */
    for (int s = VIRT_VIRTIO_COUNT - 1, i = 0; s >= 0 && dl < sizeof(disks); s--) {
        if (m->slot_nic[s] < 0 || i >= m->nnics) {
            continue;
        }
        uint8_t mac[6];
        machine_net_mac(m->nic[i++], mac);
        dl += (size_t)snprintf(disks + dl, sizeof(disks) - dl,
                               ",nic@%d=virtio-net:mac=%02x:%02x:%02x:%02x:%02x:%02x", s,
                               mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    }
    /* Where the entropy devices are; their bytes are in the journal. */
    for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0 && dl < sizeof(disks); s--) {
        if (m->slot_rng[s] >= 0) {
            dl += (size_t)snprintf(disks + dl, sizeof(disks) - dl, ",rng@%d=virtio-rng", s);
        }
    }
    len += strlen(disks);
    machine = realloc(machine, len);
    if (!machine) {
        abort();
    }
    /* -rtc: a fixed base is part of the machine; a host base (utc,
     * localtime) is read through the gate and journaled. localtime's
     * offset is the recording host's, here, so a replay in another time
     * zone is refused by name rather than showing the guest other times. */
    char rtc[64] = "";
    switch (o->rtc.base) {
    case MACHINE_RTC_UTC:
        snprintf(rtc, sizeof(rtc), ",rtc=utc");
        break;
    case MACHINE_RTC_LOCALTIME:
        snprintf(rtc, sizeof(rtc), ",rtc=localtime%+lld", (long long)o->rtc.utc_offset_s);
        break;
    case MACHINE_RTC_DATE:
        snprintf(rtc, sizeof(rtc), ",rtc=@%lld", (long long)o->rtc.date_s);
        break;
    default:
        break;
    }
    /* Several harts: their count and the schedule's quantum (one hart
     * keeps the one-hart description). */
    char smp[64] = "";
    if (m->nharts > 1) {
        snprintf(smp, sizeof(smp), ",smp=%d,quantum=%llu", m->nharts,
                 (unsigned long long)m->quantum);
    }
    len += strlen(rtc) + strlen(smp);
    machine = realloc(machine, len);
    if (!machine) {
        abort();
    }
    snprintf(machine, len, "virt,m=%llu,cpu=%s,pmu-num=%u,no-reboot=%s,icount=%s%s%s%s,append=%s",
             (unsigned long long)m->ram_size, isa,
             (o->cpu_ext & HART_EXT_ZIHPM) ? o->cpu_pmu_num : 0, o->no_reboot ? "on" : "off",
             ic, smp, rtc, disks, o->append ? o->append : "");
    free(isa);
    free(ic);
    journal_manifest_init(out, RRSIM_VERSION, machine, icount_shift(m->icount));
    free(machine);

    const char *bios = o->bios ? o->bios : default_bios();
    const struct { const char *name, *path; } inputs[] = {
        { "firmware", bios && strcmp(bios, "none") ? bios : NULL },
        { "kernel", o->kernel },
        { "initrd", o->initrd },
        { "dtb", o->dtb },
    };
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        Hash128 h;
        if (!inputs[i].path) {
            continue;
        }
        if (!hash_file(inputs[i].path, &h, errp)) {
            journal_manifest_free(out);
            return false;
        }
        journal_manifest_add_input(out, inputs[i].name, h);
    }
    /* A disk's image is an input like a kernel: a replay with another one
     * is refused, naming the slot (and the option, machine_replay_new()). */
    for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0; s--) {
        int i = m->slot_drive[s];
        Hash128 h;
        if (i < 0) {
            continue;
        }
        if (!blockdev_image_hash(m->drive[i], &h, errp)) {
            error_prepend(errp, "-drive %s: ", o->drives[i].spec);
            journal_manifest_free(out);
            return false;
        }
        journal_manifest_add_input(out, disk_input_names[s], h);
    }
    return true;
}

/* ---- hooks shared by both modes ---- */

static int64_t gate_host_clock(void *opaque, Machine *m)
{
    MachineReplay *mr = opaque;
    return replay_clock_read(mr->r, CLOCK_HOST, steps_now(mr));
}

static size_t gate_random_bytes(void *opaque, Machine *m, MachineRandomRead *read, void *src,
                                void *buf, size_t len)
{
    MachineReplay *mr = opaque;
    return replay_random_read(mr->r, steps_now(mr), buf, len, read, src);
}

/* ---- recording ---- */

static void record_char_input(void *opaque, Machine *m, int chr, const uint8_t *buf, size_t len)
{
    MachineReplay *mr = opaque;
    if (chr < 0 || chr >= MACHINE_MAX_SERIAL) {
        return;
    }
    InputQueue *q = &mr->q[chr];
    if (q->len + len > q->cap) {
        size_t cap = q->cap ? q->cap : 256;
        while (cap < q->len + len) {
            cap *= 2;
        }
        q->buf = realloc(q->buf, cap);
        if (!q->buf) {
            abort();
        }
        q->cap = cap;
    }
    memcpy(q->buf + q->len, buf, len);
    q->len += len;
    if (q->len >= QUEUE_MAX && !q->throttled) {
        q->throttled = true;
        chardev_set_input_enabled(m->serial[chr], false);
    }
}

static void record_net_rx(void *opaque, Machine *m, int nic, const uint8_t *frame, size_t len)
{
    MachineReplay *mr = opaque;
    Error *err = NULL;
    if (!replay_record_net_rx(mr->r, steps_now(mr), nic, frame, len, &err)) {
        fail(mr, err);
    }
}

static void record_host_shutdown(void *opaque, Machine *m, ShutdownCause cause, int code)
{
    MachineReplay *mr = opaque;
    if (!mr->shutdown_queued) {
        mr->shutdown_queued = true;
        mr->shutdown_cause = cause;
        mr->shutdown_code = code;
    }
}

static int64_t record_sleep_warp(void *opaque, Machine *m, int64_t measured_ns)
{
    MachineReplay *mr = opaque;
    Error *err = NULL;
    /* Zero warps too: replay then finds one at every idle of the recording. */
    if (!replay_record_warp(mr->r, steps_now(mr), measured_ns, &err)) {
        fail(mr, err);
    }
    return measured_ns;
}

/*
 * sleep=off: the warp to the next deadline is a function of the state, so
 * it is normally left out of the journal. But host input that reaches the
 * queue after an idle warp is delivered at the same step count as the warp,
 * and a replay that meets that input at this step would deliver it before
 * idling (it cannot tell "before" from "after" by step counts). So the warps
 * of the current step are remembered, and journaled just before any host
 * event delivered at that step; the replay then takes them in order.
 */
static int64_t record_idle_warp(void *opaque, Machine *m, int64_t distance_ns)
{
    MachineReplay *mr = opaque;
    uint64_t steps = steps_now(mr);
    if (steps != mr->idle_steps) {
        mr->idle_steps = steps;
        mr->n_idle_warps = 0;
    }
    if (mr->n_idle_warps == mr->cap_idle_warps) {
        size_t cap = mr->cap_idle_warps ? 2 * mr->cap_idle_warps : 8;
        int64_t *w = realloc(mr->idle_warps, cap * sizeof(*w));
        if (!w) {
            abort();
        }
        mr->idle_warps = w;
        mr->cap_idle_warps = cap;
    }
    mr->idle_warps[mr->n_idle_warps++] = distance_ns;
    return distance_ns;
}

/* Before host input is journaled at `steps`: the idle warps that came first. */
static bool record_flush_idle_warps(MachineReplay *mr, uint64_t steps)
{
    Error *err = NULL;
    if (steps == mr->idle_steps) {
        for (size_t i = 0; i < mr->n_idle_warps; i++) {
            if (!replay_record_warp(mr->r, steps, mr->idle_warps[i], &err)) {
                fail(mr, err);
                return false;
            }
        }
    }
    mr->n_idle_warps = 0;
    return true;
}

static bool record_input_pending(void *opaque, Machine *m)
{
    MachineReplay *mr = opaque;
    if (mr->shutdown_queued || machine_net_pending(m)) {
        return true;
    }
    for (int i = 0; i < m->nserial && i < MACHINE_MAX_SERIAL; i++) {
        if (mr->q[i].len && machine_char_can_receive(m, i)) {
            return true;
        }
    }
    return false;
}

static bool record_input_possible(void *opaque, Machine *m)
{
    MachineReplay *mr = opaque;
    for (int i = 0; i < MACHINE_MAX_SERIAL; i++) {
        if (mr->q[i].len) {
            return true;
        }
    }
    return false;
}

static uint64_t record_before_slice(void *opaque, Machine *m, uint64_t cap)
{
    MachineReplay *mr = opaque;
    uint64_t steps = steps_now(mr);
    bool acted = false;
    Error *err = NULL;
    if (mr->err || !check_replay(mr)) {
        return 0;
    }
    for (int i = 0; i < m->nserial && i < MACHINE_MAX_SERIAL; i++) {
        InputQueue *q = &mr->q[i];
        size_t n = machine_char_can_receive(m, i);
        n = n < q->len ? n : q->len;
        if (!n) {
            continue;
        }
        if (!record_flush_idle_warps(mr, steps)) {
            return 0;
        }
        replay_char_input(mr->r, i, q->buf, n, steps);
        machine_char_deliver(m, i, q->buf, n);
        memmove(q->buf, q->buf + n, q->len - n);
        q->len -= n;
        acted = true;
        if (q->throttled && q->len < QUEUE_MAX / 2) {
            q->throttled = false;
            chardev_set_input_enabled(m->serial[i], true);
        }
    }
    /* Frames slirp queued, as many as the cards take now: each is
     * journaled at this step by record_net_rx(). */
    acted |= machine_net_flush(m);
    if (mr->shutdown_queued) {
        mr->shutdown_queued = false;
        if (!record_flush_idle_warps(mr, steps)) {
            return 0;
        }
        if (!replay_record_shutdown(mr->r, steps, mr->shutdown_cause, &err)) {
            fail(mr, err);
            return 0;
        }
        loop_request_shutdown(m->loop, mr->shutdown_cause, mr->shutdown_code);
        acted = true;
    }
    if (mr->cp_interval && steps >= mr->next_cp) {
        /* RAM costs ~7 ms per 128 MiB to hash, the rest microseconds: a
         * digest covers RAM at most every MACHINE_REPLAY_RAM_DIGEST steps,
         * so short intervals stay cheap. The journal says which do. */
        JournalDigest d;
        bool ram = steps >= mr->next_ram_cp;
        machine_replay_digest(m, ram, &d);
        if (ram) {
            mr->next_ram_cp = steps + MACHINE_REPLAY_RAM_DIGEST;
        }
        if (!replay_record_checkpoint(mr->r, steps, &d, &err)) {
            fail(mr, err);
            return 0;
        }
        mr->next_cp = (steps / mr->cp_interval + 1) * mr->cp_interval;
        acted = true;
    }
    if (!check_replay(mr)) {
        return 0;
    }
    /* Let what the delivery set in motion (BHs, timers) run before the hart. */
    if (acted) {
        return 0;
    }
    if (mr->cp_interval && mr->next_cp - steps < cap) {
        cap = mr->next_cp - steps;
    }
    return cap;
}

/* ---- replaying ---- */

static bool is_host_input(JournalEventKind k)
{
    return k == JOURNAL_EV_CHAR_INPUT || k == JOURNAL_EV_SHUTDOWN || k == JOURNAL_EV_RESET ||
           k == JOURNAL_EV_MONITOR || k == JOURNAL_EV_NET_RX;
}

static void play_host_shutdown(void *opaque, Machine *m, ShutdownCause cause, int code)
{
    MachineReplay *mr = opaque;
    /* The user stops the replay; the journal is not consulted. */
    mr->user_stop = true;
    loop_request_shutdown(m->loop, cause, code);
}

static int64_t play_sleep_warp(void *opaque, Machine *m, int64_t measured_ns)
{
    MachineReplay *mr = opaque;
    uint64_t steps = steps_now(mr);
    JournalEvent ev;
    Error *err = NULL;
    if (mr->err || !check_replay(mr)) {
        return 0;
    }
    if (replay_peek_event(mr->r, &ev) && ev.steps == steps) {
        if (ev.kind != JOURNAL_EV_WARP) {
            return 0;   /* something else is due first; before_slice delivers it */
        }
        if (!replay_take_event(mr->r, steps, &ev, &err)) {
            fail(mr, err);
            return 0;
        }
        return ev.value;
    }
    if (!replay_idle(mr->r, steps, &err)) {
        fail(mr, err);
    }
    return 0;
}

/* sleep=off: a warp journaled at this step (see record_idle_warp) is this
 * idle's; it must be the distance the replay computes, or the run has
 * diverged. Without one, the warp is the computed distance, as recorded. */
static int64_t play_idle_warp(void *opaque, Machine *m, int64_t distance_ns)
{
    MachineReplay *mr = opaque;
    uint64_t steps = steps_now(mr);
    JournalEvent ev;
    Error *err = NULL;
    if (mr->err || !check_replay(mr)) {
        return 0;
    }
    if (!replay_peek_event(mr->r, &ev) || ev.steps != steps || ev.kind != JOURNAL_EV_WARP) {
        return distance_ns;
    }
    if (!replay_take_event(mr->r, steps, &ev, &err)) {
        fail(mr, err);
        return 0;
    }
    if (ev.value != distance_ns) {
        error_setc(&err, ERR_DIVERGENCE, "replay diverged at step %llu (pc 0x%llx): the guest "
                   "idles until %lld ns later, the recording until %lld ns later",
                   (unsigned long long)steps, (unsigned long long)hart_get_pc(m->hart),
                   (long long)distance_ns, (long long)ev.value);
        fail(mr, err);
        return 0;
    }
    return distance_ns;
}

static bool play_input_pending(void *opaque, Machine *m)
{
    MachineReplay *mr = opaque;
    JournalEvent ev;
    return replay_peek_event(mr->r, &ev) && ev.steps == steps_now(mr) && is_host_input(ev.kind);
}

/* Asked when the guest idles with no timer armed: only the journal can wake
 * it, so an event must be due now; anything else is a divergence (reported
 * here rather than as a guest hang). */
static bool play_input_possible(void *opaque, Machine *m)
{
    MachineReplay *mr = opaque;
    Error *err = NULL;
    if (mr->err) {
        return true;
    }
    if (!replay_idle(mr->r, steps_now(mr), &err)) {
        fail(mr, err);
    }
    return true;
}

static void play_corrupt(MachineReplay *mr)
{
    Hart *h = mr->m->hart;
    hart_set_xreg(h, CORRUPT_REG, hart_get_xreg(h, CORRUPT_REG) ^ (1ull << CORRUPT_BIT));
    mr->corrupt_pending = false;
}

/*
 * The self-check at a grid step: the first time it is reached, keep the
 * digest; every later time (after a seek, a snapshot load, a reverse step),
 * compare. Taken where snapshots are (the top of a run-loop iteration,
 * before the journal events of that step, no bottom half pending), so that
 * reaching a step by running, by stopping there or by restoring a snapshot
 * taken there gives one state. Returns false after reporting a difference.
 */
static bool selfcheck(MachineReplay *mr, uint64_t steps)
{
    size_t i = (size_t)(steps / mr->sc_period);
    if (i >= mr->sc_len) {
        size_t len = mr->sc_len ? mr->sc_len : 64;
        while (len <= i) {
            len *= 2;
        }
        SelfCheckSlot *sc = realloc(mr->sc, len * sizeof(*sc));
        if (!sc) {
            abort();
        }
        memset(sc + mr->sc_len, 0, (len - mr->sc_len) * sizeof(*sc));
        mr->sc = sc;
        mr->sc_len = len;
    }
    SelfCheckSlot *slot = &mr->sc[i];
    JournalDigest d;
    machine_replay_digest(mr->m, false, &d);
    if (!slot->valid) {
        slot->valid = true;
        slot->d = d;
        mr->sc_stats.kept++;
        return true;
    }
    mr->sc_stats.compared++;
    Error *err = NULL;
    if (!replay_digest_compare(steps, &slot->d, &d, &err)) {
        error_prepend(&err, "self-check against the first pass of this replay: ");
        fail(mr, err);
        return false;
    }
    return true;
}

static uint64_t play_before_slice(void *opaque, Machine *m, uint64_t cap)
{
    MachineReplay *mr = opaque;
    uint64_t steps = steps_now(mr);
    bool acted = false;
    JournalEvent ev;
    Error *err = NULL;
    if (mr->err || !check_replay(mr)) {
        return 0;
    }
    if (mr->corrupt_pending && steps >= mr->corrupt_at) {
        play_corrupt(mr);
    }
    if (mr->sc_period && steps != mr->sc_last) {
        mr->sc_last = steps;
        if (steps % mr->sc_period == 0 && !loop_bhs_pending(m->loop) && !selfcheck(mr, steps)) {
            return 0;
        }
    }
    /* Every event due now, in journal order; a checkpoint ends the batch,
     * because the recording took it at the end of its own batch. */
    bool more = true;
    while (more && replay_take_event(mr->r, steps, &ev, &err)) {
        acted = true;
        switch (ev.kind) {
        case JOURNAL_EV_CHAR_INPUT:
            machine_char_deliver(m, ev.arg, ev.data, ev.len);
            break;
        case JOURNAL_EV_NET_RX:
            machine_net_deliver(m, ev.arg, ev.data, ev.len);
            break;
        case JOURNAL_EV_WARP:
            icount_warp(m->icount, ev.value);
            break;
        case JOURNAL_EV_SHUTDOWN:
            loop_request_shutdown(m->loop, (ShutdownCause)ev.arg, 0);
            break;
        case JOURNAL_EV_RESET:
            loop_request_reset(m->loop);
            break;
        case JOURNAL_EV_MONITOR:
            break;   /* no monitor actions are journaled yet */
        case JOURNAL_EV_CHECKPOINT: {
            JournalDigest d;
            machine_replay_digest(m, ev.digest.has_ram, &d);
            if (!replay_checkpoint_check(mr->r, &ev, &d, &err)) {
                fail(mr, err);
                return 0;
            }
            more = false;
            break;
        }
        case JOURNAL_EV_END:
            loop_request_shutdown(m->loop, SHUTDOWN_REPLAY_END, 0);
            more = false;
            break;
        default:
            more = false;
            break;
        }
    }
    if (err) {
        fail(mr, err);
        return 0;
    }
    if (!check_replay(mr)) {
        return 0;
    }
    if (acted) {
        return 0;
    }
    uint64_t next = replay_next_event_steps(mr->r);
    if (next > steps && next - steps < cap) {
        cap = next - steps;
    }
    if (mr->corrupt_pending && mr->corrupt_at - steps < cap) {
        cap = mr->corrupt_at - steps;
    }
    if (mr->sc_period) {
        uint64_t grid = (steps / mr->sc_period + 1) * mr->sc_period;
        if (grid - steps < cap) {
            cap = grid - steps;
        }
    }
    return cap;
}

/* ---- lifecycle ---- */

MachineReplay *machine_replay_new(Machine *m, Error **errp)
{
    const IcountOptions *io = &m->opts.icount;
    MachineReplay *mr = calloc(1, sizeof(*mr));
    if (!mr) {
        abort();
    }
    mr->m = m;
    mr->mode = io->rr == ICOUNT_RR_RECORD ? REPLAY_MODE_RECORD
             : io->rr == ICOUNT_RR_REPLAY ? REPLAY_MODE_PLAY : REPLAY_MODE_NONE;
    if (mr->mode == REPLAY_MODE_NONE) {
        return mr;
    }
    JournalManifest man;
    if (!machine_replay_manifest(m, &man, errp)) {
        free(mr);
        return NULL;
    }
    Error *local = NULL;
    mr->r = replay_open(mr->mode, io->rrfile, &man, &local);
    journal_manifest_free(&man);
    if (!mr->r) {
        /* A disk the journal was not recorded with: name its option too. */
        for (int slot = 0; slot < VIRT_VIRTIO_COUNT && local; slot++) {
            int i = m->slot_drive[slot];
            if (i >= 0 && error_get_class(local) == ERR_JOURNAL_MISMATCH &&
                strstr(error_get_message(local), disk_input_names[slot])) {
                error_prepend(&local, "-drive %s: ", m->opts.drives[i].spec);
                break;
            }
        }
        error_propagate(errp, local);
        free(mr);
        return NULL;
    }
    replay_set_fail_hook(mr->r, replay_failed, mr);
    mr->ops.host_clock_ns = gate_host_clock;
    mr->ops.random_bytes = gate_random_bytes;
    if (mr->mode == REPLAY_MODE_RECORD) {
        mr->cp_interval = io->rrcheckpoint;
        mr->next_cp = io->rrcheckpoint;
        mr->ops.char_input = record_char_input;
        mr->ops.net_rx = record_net_rx;
        mr->ops.host_shutdown = record_host_shutdown;
        mr->ops.sleep_warp = record_sleep_warp;
        mr->ops.idle_warp = record_idle_warp;
        mr->ops.before_slice = record_before_slice;
        mr->ops.input_pending = record_input_pending;
        mr->ops.input_possible = record_input_possible;
    } else {
        mr->corrupt_pending = io->rrcorrupt_set;
        mr->corrupt_at = io->rrcorrupt;
        mr->ops.host_shutdown = play_host_shutdown;
        mr->ops.sleep_warp = play_sleep_warp;
        mr->ops.idle_warp = play_idle_warp;
        mr->ops.before_slice = play_before_slice;
        mr->ops.input_pending = play_input_pending;
        mr->ops.input_possible = play_input_possible;
        mr->ops.replaying = true;
    }
    machine_set_gate(m, &mr->ops, mr);
    return mr;
}

bool machine_replay_finish(MachineReplay *mr, Error **errp)
{
    if (!mr || mr->mode == REPLAY_MODE_NONE) {
        return true;
    }
    if (mr->err) {
        error_propagate(errp, mr->err);
        mr->err = NULL;
        return false;
    }
    if (mr->mode == REPLAY_MODE_PLAY && mr->user_stop) {
        return true;
    }
    JournalDigest d;
    machine_replay_digest(mr->m, true, &d);
    return replay_finish(mr->r, steps_now(mr), &d, errp);
}

void machine_replay_free(MachineReplay *mr)
{
    if (!mr) {
        return;
    }
    if (mr->mode != REPLAY_MODE_NONE) {
        machine_set_gate(mr->m, NULL, NULL);
    }
    replay_free(mr->r);
    for (int i = 0; i < MACHINE_MAX_SERIAL; i++) {
        free(mr->q[i].buf);
    }
    free(mr->idle_warps);
    error_free(mr->err);
    free(mr->sc);
    free(mr);
}

/* ---- snapshot support ---- */

ReplayMode machine_replay_mode(const MachineReplay *mr)
{
    return mr ? mr->mode : REPLAY_MODE_NONE;
}

ReplayPosition machine_replay_position(MachineReplay *mr)
{
    ReplayPosition p = { 0, 0 };
    if (mr && mr->r) {
        p = replay_get_position(mr->r);
    }
    return p;
}

bool machine_replay_set_position(MachineReplay *mr, ReplayPosition pos, Error **errp)
{
    if (!mr || mr->mode != REPLAY_MODE_PLAY) {
        error_setc(errp, ERR_USAGE, "only a replay can be repositioned");
        return false;
    }
    if (!replay_set_position(mr->r, pos, errp)) {
        return false;
    }
    mr->user_stop = false;
    /* The restored step is reached anew: its self-check applies. */
    mr->sc_last = UINT64_MAX;
    return true;
}

bool machine_replay_recording_id(const MachineReplay *mr, Hash128 *id)
{
    if (!mr || mr->mode == REPLAY_MODE_NONE) {
        return false;
    }
    const JournalInput *in = journal_manifest_find(replay_manifest(mr->r),
                                                   JOURNAL_INPUT_RECORDING);
    if (!in) {
        return false;
    }
    *id = in->hash;
    return true;
}

void machine_replay_enable_selfcheck(MachineReplay *mr, uint64_t period)
{
    if (mr && mr->mode == REPLAY_MODE_PLAY) {
        mr->sc_period = period;
        mr->sc_last = UINT64_MAX;
    }
}

MachineReplaySelfCheckStats machine_replay_selfcheck_stats(const MachineReplay *mr)
{
    MachineReplaySelfCheckStats st = { 0, 0 };
    return mr ? mr->sc_stats : st;
}

bool machine_replay_failed(const MachineReplay *mr)
{
    return mr && mr->err;
}

const Error *machine_replay_error(const MachineReplay *mr)
{
    return mr ? mr->err : NULL;
}
