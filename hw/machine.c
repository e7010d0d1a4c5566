/* machine: see machine.h. */
#include "hw/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cpu/isa.h"
#include "hw/bootrom.h"
#include "hw/fdt.h"
#include "hw/machine_net.h"

#define MIB (1ull << 20)
#define KERNEL_ALIGN (2 * MIB)   /* RV64 kernel placement, as QEMU riscv_calc_kernel_start_addr */
#define FDT_ALIGN (2 * MIB)

const char *machine_drive_serial(const MachineOptions *o, int drive)
{
    const char *serial = NULL;
    for (int k = 0; k < o->ndevices; k++) {
        if (o->devices[k].drive && o->drives[drive].id &&
            !strcmp(o->devices[k].drive, o->drives[drive].id)) {
            serial = o->devices[k].serial;
        }
    }
    return serial;
}

void machine_options_init(MachineOptions *o)
{
    memset(o, 0, sizeof(*o));
    o->ram_size = MACHINE_DEFAULT_RAM;
    o->cpu_ext = isa_default_ext();
    o->cpu_pmu_num = ISA_DEFAULT_PMU_NUM;
    icount_options_init(&o->icount);
}

/* ---- glue between the hart and the board ---- */

static uint64_t machine_steps(void *opaque)
{
    return machine_icount(opaque);
}

static uint64_t machine_read_time(void *opaque)
{
    MachineHartLink *l = opaque;
    return l->m->clint ? clint_mtime(l->m->clint) : 0;
}

static void machine_stimecmp_changed(void *opaque, uint64_t stimecmp, bool enabled)
{
    MachineHartLink *l = opaque;
    if (l->m->clint) {
        clint_set_stimecmp(l->m->clint, l->index, stimecmp, enabled);
    }
}

static void machine_kick(void *opaque)
{
    Machine *m = opaque;
    Hart *h = m->running ? m->running : m->hart;
    if (h) {
        hart_kick(h);   /* a no-op unless it is running */
    }
}

/* IrqLine receiver for a hart's MIP bits: n is the bit number. An interrupt
 * raised for another hart by the one running (an IPI, or a device it
 * programmed) ends the running hart's turn at that instruction. */
static void machine_hart_irq(void *opaque, int n, bool level)
{
    MachineHartLink *l = opaque;
    Machine *m = l->m;
    Hart *h = m->harts[l->index];
    hart_set_irq(h, 1ull << n, level);
    if (level && m->running && m->running != h) {
        m->preempt = true;
        hart_kick(m->running);
    }
}

/* A device wrote guest RAM: translated code and page walks may be stale. */
static void machine_dma_written(void *opaque, uint64_t addr, uint64_t len)
{
    Machine *m = opaque;
    for (int i = 0; i < m->nharts; i++) {
        hart_invalidate_phys(m->harts[i], addr, len);
    }
}

/* ---- the schedule of several harts (see MachineSched) ---- */

static bool machine_hart_runnable(Hart *h)
{
    return !hart_in_wfi(h) || hart_irq_pending(h);
}

/* Can any hart run? (With one hart: it waits in WFI with nothing pending;
 * the caller knows it is in WFI.) */
static bool machine_any_runnable(Machine *m)
{
    if (m->nharts == 1) {
        return hart_irq_pending(m->hart);
    }
    for (int i = 0; i < m->nharts; i++) {
        if (machine_hart_runnable(m->harts[i])) {
            return true;
        }
    }
    return false;
}

static bool machine_others_runnable(Machine *m, Hart *h)
{
    for (int i = 0; i < m->nharts; i++) {
        if (m->harts[i] != h && machine_hart_runnable(m->harts[i])) {
            return true;
        }
    }
    return false;
}

/* The hart to run now: the current one while its turn lasts and it can
 * run, else the next one in order that can. NULL when every hart waits. */
static Hart *machine_sched_pick(Machine *m)
{
    MachineSched *s = &m->sched;
    if (s->left > 0 && machine_hart_runnable(m->harts[s->cur])) {
        return m->harts[s->cur];
    }
    for (int k = 1; k <= m->nharts; k++) {
        uint32_t i = (s->cur + (uint32_t)k) % (uint32_t)m->nharts;
        if (machine_hart_runnable(m->harts[i])) {
            if (i != s->cur) {
                hart_drop_reservation(m->harts[s->cur]);
                s->cur = i;
            }
            s->left = m->quantum;
            s->grace = 0;
            return m->harts[i];
        }
    }
    return NULL;
}

/* After the current hart ran `executed` steps of its turn. */
static void machine_sched_account(Machine *m, Hart *h, HartExit exit, uint64_t executed)
{
    MachineSched *s = &m->sched;
    s->left -= executed < s->left ? executed : s->left;
    if (exit == HART_EXIT_WFI || m->preempt) {
        s->left = 0;
    }
    m->preempt = false;
    if (s->left == 0 && exit != HART_EXIT_WFI && hart_has_reservation(h) &&
        s->grace < MACHINE_LR_GRACE) {
        /* One more step, until the SC (or whatever ends the reservation). */
        s->left = 1;
        s->grace++;
    }
}

static bool machine_sched_post_load(void *opaque, int version_id, Error **errp)
{
    MachineSched *s = opaque;
    const Machine *m = (const Machine *)((const char *)s - offsetof(Machine, sched));
    (void)version_id;
    if (s->cur >= (uint32_t)m->nharts || s->grace > MACHINE_LR_GRACE) {
        error_setc(errp, ERR_SNAPSHOT, "smp: schedule state out of range");
        return false;
    }
    return true;
}

static const VMStateField machine_sched_fields[] = {
    VMSTATE_UINT32(cur, MachineSched),
    VMSTATE_UINT32(grace, MachineSched),
    VMSTATE_UINT64(left, MachineSched),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription machine_sched_vmsd = {
    .name = "smp",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = machine_sched_post_load,
    .fields = machine_sched_fields,
};

static int64_t machine_rtc_clock(void *opaque)
{
    Machine *m = opaque;
    const MachineRtcOptions *o = &m->opts.rtc;
    MachineClockState *cs = &m->clock_state;
    if (o->base == MACHINE_RTC_HOST) {
        return machine_host_clock_ns(m);
    }
    int64_t vns = machine_virtual_ns(m);
    if (o->base == MACHINE_RTC_DATE) {
        return o->date_s * 1000000000ll + vns;
    }
    if (!cs->rtc_offset_set) {
        /* The host's time, once, through the gate: a recording journals it
         * and its replay reads it back. The offset is machine state, so a
         * snapshot taken before this read reads it again when restored. */
        int64_t base = machine_host_clock_ns(m);
        if (o->base == MACHINE_RTC_LOCALTIME) {
            base += o->utc_offset_s * 1000000000ll;
        }
        cs->rtc_offset = (uint64_t)base - (uint64_t)vns;
        cs->rtc_offset_set = 1;
    }
    return (int64_t)(cs->rtc_offset + (uint64_t)vns);
}

/* ---- machine-level VMState: clock bias and timer sequence ---- */

static void machine_clock_pre_save(void *opaque)
{
    MachineClockState *cs = opaque;
    cs->icount_bias = icount_get_bias(cs->m->icount);
    cs->timer_seq = loop_get_timer_seq(cs->m->loop);
}

static bool machine_clock_post_load(void *opaque, int version_id, Error **errp)
{
    MachineClockState *cs = opaque;
    if (cs->icount_bias < 0) {
        error_setc(errp, ERR_SNAPSHOT, "machine: negative virtual clock bias");
        return false;
    }
    if (version_id < 2) {
        cs->rtc_offset = 0;
        cs->rtc_offset_set = 0;
    }
    if (cs->rtc_offset_set > 1) {
        error_setc(errp, ERR_SNAPSHOT, "machine: rtc offset flag out of range");
        return false;
    }
    icount_set_bias(cs->m->icount, cs->icount_bias);
    loop_set_timer_seq(cs->m->loop, cs->timer_seq);
    return true;
}

static const VMStateField machine_clock_fields[] = {
    VMSTATE_INT64(icount_bias, MachineClockState),
    VMSTATE_UINT64(timer_seq, MachineClockState),
    VMSTATE_UINT64_V(rtc_offset, MachineClockState, 2),
    VMSTATE_UINT64_V(rtc_offset_set, MachineClockState, 2),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription machine_clock_vmsd = {
    .name = "machine",
    .version_id = 2,
    .minimum_version_id = 1,
    .pre_save = machine_clock_pre_save,
    .post_load = machine_clock_post_load,
    .fields = machine_clock_fields,
};

/* ---- host inputs ---- */

static void machine_serial_input(void *opaque, CharBackend *be, const uint8_t *buf, size_t len)
{
    Machine *m = opaque;
    for (int i = 0; i < m->nserial; i++) {
        if (m->serial[i] == be) {
            machine_char_input(m, i, buf, len);
            return;
        }
    }
}

/* -fail-on: the guest's console output, each byte once along its timeline
 * (so a replay going back and forth does not match twice). The request
 * takes effect at the next instruction boundary, as a guest poweroff does:
 * the step the run ends at depends on the guest alone. */
static void machine_console_output(void *opaque, const uint8_t *buf, size_t len)
{
    Machine *m = opaque;
    char *t = m->console_tail;
    for (size_t i = 0; i < len && m->fail_on_matched < 0; i++) {
        if (m->console_tail_len == sizeof(m->console_tail)) {
            memmove(t, t + sizeof(m->console_tail) / 2, sizeof(m->console_tail) / 2);
            m->console_tail_len = sizeof(m->console_tail) / 2;
        }
        t[m->console_tail_len++] = (char)buf[i];
        for (int k = 0; k < m->opts.nfail_on; k++) {
            size_t pl = strlen(m->opts.fail_on[k]);
            if (pl <= m->console_tail_len &&
                !memcmp(t + m->console_tail_len - pl, m->opts.fail_on[k], pl)) {
                m->fail_on_matched = k;
                loop_request_shutdown(m->loop, SHUTDOWN_CONSOLE_MATCH, 0);
                break;
            }
        }
    }
}

static void machine_serial_quit(void *opaque)
{
    machine_host_shutdown(opaque, SHUTDOWN_HOST_SIGNAL, 0);
}

static void machine_signal_cb(void *opaque)
{
    Machine *m = opaque;
    struct signalfd_siginfo si;
    while (read(m->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        machine_host_shutdown(m, SHUTDOWN_HOST_SIGNAL, 0);
    }
}

/* Signals arrive through a signalfd polled by the loop: no handler runs
 * asynchronously, nothing global is touched, and the shutdown request is
 * taken at an instruction boundary like any other host input. */
static bool machine_watch_signals(Machine *m, Error **errp)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) {
        error_setg_errno(errp, errno, "blocking termination signals");
        return false;
    }
    m->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (m->signal_fd < 0) {
        error_setg_errno(errp, errno, "signalfd");
        return false;
    }
    return loop_set_fd_handler(m->loop, m->signal_fd, machine_signal_cb, NULL, m, errp);
}

/* ---- boot images (QEMU 7.2 hw/riscv/virt.c virt_machine_done) ---- */

static const char *machine_default_bios(void)
{
    static const char *const paths[] = MACHINE_DEFAULT_BIOS_PATHS;
    for (int i = 0; paths[i]; i++) {
        if (access(paths[i], R_OK) == 0) {
            return paths[i];
        }
    }
    return NULL;
}

static bool machine_load_images(Machine *m, Error **errp)
{
    const MachineOptions *o = &m->opts;
    LoadedImage img;
    uint64_t firmware_end = VIRT_DRAM_BASE;
    bool bios_none = o->bios && !strcmp(o->bios, "none");
    uint64_t initrd_start = 0, initrd_end = 0;

    romset_init(&m->roms, VIRT_DRAM_BASE, m->ram_size, VIRT_MROM_BASE, VIRT_MROM_SIZE);
    m->start_addr = VIRT_DRAM_BASE;
    m->kernel_entry = 0;

    if (!o->kernel && (o->initrd || o->append)) {
        error_setc(errp, ERR_USAGE, "%s is only allowed with -kernel", o->initrd ? "-initrd" : "-append");
        return false;
    }
    if (!bios_none) {
        const char *bios = o->bios ? o->bios : machine_default_bios();
        if (!bios) {
            error_setc(errp, ERR_IMAGE,
                       "no -bios given and no default OpenSBI firmware found "
                       "(install the opensbi package, or use -bios FILE or -bios none)");
            return false;
        }
        if (!loader_load_image(&m->roms, "firmware", bios, VIRT_DRAM_BASE, true, &img, errp)) {
            return false;
        }
        firmware_end = img.high;
        m->start_addr = img.is_elf ? img.entry : VIRT_DRAM_BASE;
    }
    if (o->kernel) {
        uint64_t kstart = (firmware_end + KERNEL_ALIGN - 1) & ~(KERNEL_ALIGN - 1);
        if (!loader_load_image(&m->roms, "kernel", o->kernel, kstart, true, &img, errp)) {
            return false;
        }
        m->kernel_entry = img.entry;
        /* With no firmware the kernel is the first thing to run. (QEMU jumps
         * to the start of DRAM instead, which only works for images linked there.) */
        if (bios_none) {
            m->start_addr = img.entry;
        }
        if (o->initrd) {
            /* QEMU riscv_load_initrd: far enough above the kernel to survive its
             * decompression, within lowmem. */
            uint64_t half = m->ram_size / 2;
            uint64_t istart = m->kernel_entry + (half < 128 * MIB ? half : 128 * MIB);
            if (!loader_load_raw(&m->roms, "initrd", o->initrd, istart, &img, errp)) {
                return false;
            }
            initrd_start = img.low;
            initrd_end = img.high;
        }
    }

    m->fdt = o->dtb ? virt_fdt_load(o->dtb, errp) : virt_fdt_build(m->ram_size, m->nharts, o->cpu_ext,
                                                                   o->cpu_pmu_num, errp);
    if (!m->fdt) {
        return false;
    }
    if (o->pvpanic && !o->dtb && !virt_fdt_add_pvpanic(&m->fdt, errp)) {
        return false;
    }
    if (o->append || initrd_end > initrd_start) {
        if (!virt_fdt_set_chosen(&m->fdt, o->append, initrd_start, initrd_end, errp)) {
            return false;
        }
    }
    virt_fdt_pack(m->fdt);
    /* QEMU riscv_load_fdt: 2 MiB aligned, as high as possible below the end
     * of DRAM or 3 GiB, so kernels and 32-bit code can reach it. */
    uint64_t fdt_size = virt_fdt_size(m->fdt);
    uint64_t dram_end = VIRT_DRAM_BASE + m->ram_size;
    uint64_t top = dram_end < 3072 * MIB ? dram_end : 3072 * MIB;
    if (fdt_size > top - VIRT_DRAM_BASE) {
        error_setc(errp, ERR_IMAGE, "the device tree (%llu bytes) does not fit in RAM",
                   (unsigned long long)fdt_size);
        return false;
    }
    m->fdt_addr = (top - fdt_size) & ~(FDT_ALIGN - 1);
    if (m->fdt_addr < VIRT_DRAM_BASE) {
        m->fdt_addr = VIRT_DRAM_BASE;
    }
    if (!romset_add(&m->roms, "device tree", m->fdt_addr, m->fdt, fdt_size, fdt_size, errp)) {
        error_prepend(errp, "placing the device tree: ");
        return false;
    }

    uint8_t rom[BOOTROM_IMAGE_SIZE];
    if (!bootrom_build(rom, sizeof(rom), m->start_addr, m->fdt_addr, m->kernel_entry, errp) ||
        !romset_add(&m->roms, "boot ROM", VIRT_MROM_BASE, rom, sizeof(rom), sizeof(rom), errp)) {
        return false;
    }
    return true;
}

/* ---- lifecycle ---- */

/* The devices of QEMU's virt board that firmware finds and sizes but that
 * carry nothing here: a PCIe bus with only its host bridge, unbacked
 * flash, a bare fw_cfg. They make the board, and the device tree, the one
 * guests see on QEMU. */
static bool machine_build_empty_devices(Machine *m, Error **errp)
{
    static const char *const flash_names[2] = { "flash0", "flash1" };
    m->pcie = pcie_host_create(&m->board, "pcie", errp);
    if (!m->pcie) {
        return false;
    }
    for (int i = 0; i < 2; i++) {
        m->flash[i] = pflash_create(&m->board, flash_names[i],
                                    VIRT_FLASH_BASE + (uint64_t)i * VIRT_FLASH_SIZE, errp);
        if (!m->flash[i]) {
            return false;
        }
    }
    m->fw_cfg = fw_cfg_create(&m->board, "fw_cfg", VIRT_FW_CFG_BASE, errp);
    return m->fw_cfg != NULL;
}

/* Region and VMState names are kept by reference: string constants. */
static const char *const virtio_names[VIRT_VIRTIO_COUNT] = {
    "virtio-mmio0", "virtio-mmio1", "virtio-mmio2", "virtio-mmio3",
    "virtio-mmio4", "virtio-mmio5", "virtio-mmio6", "virtio-mmio7",
};

static int machine_find_drive(const MachineOptions *o, const char *id)
{
    for (int i = 0; i < o->ndrives; i++) {
        if (o->drives[i].id && !strcmp(o->drives[i].id, id)) {
            return i;
        }
    }
    return -1;
}

/*
 * What each virtio-mmio slot gets: -device options (disks and entropy
 * devices alike) in the order given, then if=virtio drives, from the
 * highest slot down (QEMU's virt creates its transports so that the first
 * device plugged lands on the last one, which is the first node of the
 * device tree: vda).
 */
static bool machine_place_disks(Machine *m, Error **errp)
{
    const MachineOptions *o = &m->opts;
    int user[MACHINE_MAX_DRIVES];   /* the device using each drive, -1: none */
    /* A drive index, or -(k + 2) for the entropy device of -device k. */
    int order[VIRT_VIRTIO_COUNT + MACHINE_MAX_DRIVES];
    int n = 0;
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        user[i] = -1;
    }
    for (int s = 0; s < VIRT_VIRTIO_COUNT; s++) {
        m->slot_drive[s] = -1;
        m->slot_rng[s] = -1;
        m->slot_nic[s] = -1;
    }
    for (int i = 0; i < o->ndrives; i++) {
        for (int j = 0; j < i; j++) {
            if (o->drives[i].id && o->drives[j].id && !strcmp(o->drives[i].id, o->drives[j].id)) {
                error_setc(errp, ERR_USAGE, "-drive %s: duplicate drive id '%s'",
                           o->drives[i].spec, o->drives[i].id);
                return false;
            }
        }
    }
    for (int k = 0; k < o->ndevices; k++) {
        const MachineDevice *d = &o->devices[k];
        if (d->rng || d->net) {
            order[n++] = -(k + 2);
            continue;
        }
        int i = d->drive ? machine_find_drive(o, d->drive) : -1;
        if (!d->drive) {
            error_setc(errp, ERR_USAGE, "-device %s: drive property not set", d->spec);
            return false;
        }
        if (i < 0) {
            error_setc(errp, ERR_USAGE, "-device %s: no drive with id '%s' (-drive ...,id=%s)",
                       d->spec, d->drive, d->drive);
            return false;
        }
        if (o->drives[i].if_virtio || user[i] >= 0) {
            error_setc(errp, ERR_USAGE, "-device %s: drive '%s' is already in use by another "
                       "device", d->spec, d->drive);
            return false;
        }
        user[i] = k;
        order[n++] = i;
    }
    for (int i = 0; i < o->ndrives; i++) {
        if (o->drives[i].if_virtio) {
            order[n++] = i;
        }
    }
    if (n > VIRT_VIRTIO_COUNT) {
        error_setc(errp, ERR_USAGE, "%d virtio devices, but the virt board has %d virtio-mmio "
                   "slots", n, VIRT_VIRTIO_COUNT);
        return false;
    }
    for (int k = 0; k < n; k++) {
        if (order[k] >= 0) {
            m->slot_drive[VIRT_VIRTIO_COUNT - 1 - k] = order[k];
        } else if (o->devices[-order[k] - 2].net) {
            m->slot_nic[VIRT_VIRTIO_COUNT - 1 - k] = -order[k] - 2;
        } else {
            m->slot_rng[VIRT_VIRTIO_COUNT - 1 - k] = -order[k] - 2;
        }
    }
    return true;
}

/* ---- entropy ---- */

/* The host side of a virtio-rng device: its source file, read only
 * through the gate (machine_random_bytes()). */
static size_t machine_rng_read(void *opaque, void *buf, size_t len)
{
    MachineRng *r = opaque;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(r->fd, (uint8_t *)buf + got, len - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            /* The guest gets fewer bytes (the used length says so). */
            if (!r->warned) {
                warn_report("virtio-rng source %s: %s", r->path,
                            n < 0 ? strerror(errno) : "end of file");
                r->warned = true;
            }
            break;
        }
        got += (size_t)n;
    }
    return got;
}

static size_t machine_rng_fill(void *opaque, void *buf, size_t len)
{
    MachineRng *r = opaque;
    return machine_random_bytes(r->m, machine_rng_read, r, buf, len);
}

static bool machine_build_rng(Machine *m, int s, Error **errp)
{
    const MachineOptions *o = &m->opts;
    const MachineDevice *d = &o->devices[m->slot_rng[s]];
    const char *path = MACHINE_RNG_DEFAULT, *opt = "-device", *spec = d->spec;
    if (d->rng_id) {
        int j = 0;
        while (j < o->nrng_objects && strcmp(o->rng_objects[j].id, d->rng_id)) {
            j++;
        }
        if (j == o->nrng_objects) {
            error_setc(errp, ERR_USAGE, "-device %s: no rng object with id '%s' "
                       "(-object rng-random,id=%s,...)", d->spec, d->rng_id, d->rng_id);
            return false;
        }
        if (o->rng_objects[j].filename) {
            path = o->rng_objects[j].filename;
            opt = "-object";
            spec = o->rng_objects[j].spec;
        }
    }
    MachineRng *r = &m->rng_src[s];
    r->m = m;
    r->path = path;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        error_setc(errp, ERR_IO, "%s %s: cannot open the rng source %s: %s", opt, spec, path,
                   strerror(errno));
        return false;
    }
    m->vrng[s] = virtio_rng_create(m->virtio[s], machine_rng_fill, r, errp);
    return m->vrng[s] != NULL;
}

static bool machine_build_virtio(Machine *m, Error **errp)
{
    const MachineOptions *o = &m->opts;
    bool rr = o->icount.rr != ICOUNT_RR_NONE;
    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        m->virtio[i] = virtio_mmio_create(&m->board, virtio_names[i],
                                          VIRT_VIRTIO_BASE + (uint64_t)i * VIRT_VIRTIO_SIZE,
                                          plic_irq_line(m->plic, VIRT_VIRTIO_IRQ + i),
                                          !o->virtio_modern, errp);
        if (!m->virtio[i]) {
            return false;
        }
    }
    if (!machine_net_check(m, errp) || !machine_place_disks(m, errp)) {
        return false;
    }
    for (int i = 0; i < o->ndrives; i++) {
        const MachineDrive *d = &o->drives[i];
        /* A recording and its replays never write the image: the same
         * disk must be there for every replay. */
        BlockDevOptions bo = { .id = d->id, .path = d->file, .readonly = d->readonly,
                               .overlay = d->snapshot || o->snapshot || rr };
        m->drive[i] = blockdev_open(&bo, errp);
        if (!m->drive[i]) {
            error_prepend(errp, "-drive %s: ", d->spec);
            return false;
        }
    }
    for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0; s--) {
        int i = m->slot_drive[s];
        if (m->slot_rng[s] >= 0 && !machine_build_rng(m, s, errp)) {
            return false;
        }
        if (m->slot_nic[s] >= 0) {
            MachineNic *nic = machine_net_create(m, m->slot_nic[s], s, m->nnics, virtio_names[s],
                                                 errp);
            if (!nic) {
                return false;
            }
            m->nic[m->nnics++] = nic;
        }
        if (i < 0) {
            continue;
        }
        const char *serial = machine_drive_serial(o, i);
        m->vblk[s] = virtio_blk_create(&m->board, m->virtio[s], virtio_names[s], m->drive[i],
                                       serial, errp);
        if (!m->vblk[s]) {
            return false;
        }
    }
    return true;
}

size_t machine_overlays(Machine *m, const MemRegion **out, size_t max)
{
    size_t n = 0;
    for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0; s--) {
        int i = m->slot_drive[s];
        const MemRegion *r = i >= 0 ? blockdev_overlay(m->drive[i]) : NULL;
        if (r && n < max) {
            out[n++] = r;
        }
    }
    return n;
}

const char *machine_drive_without_overlay(const Machine *m)
{
    for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0; s--) {
        int i = m->slot_drive[s];
        if (i >= 0 && !blockdev_has_overlay(m->drive[i]) && !blockdev_readonly(m->drive[i])) {
            return m->opts.drives[i].spec;
        }
    }
    return NULL;
}

static bool machine_build(Machine *m, Error **errp)
{
    const MachineOptions *o = &m->opts;

    m->loop = loop_new(errp);
    if (!m->loop) {
        return false;
    }
    mem_init(&m->as);
    vmstate_registry_init(&m->vms);
    m->board = (Board){ .loop = m->loop, .as = &m->as, .vms = &m->vms,
                        .dma_written = machine_dma_written, .dma_opaque = m,
                        .log = o->log };

    m->ram = calloc(1, m->ram_size);
    m->mrom = calloc(1, VIRT_MROM_SIZE);
    if (!m->ram || !m->mrom) {
        error_setc(errp, ERR_USAGE, "cannot allocate %llu MiB of guest RAM",
                   (unsigned long long)(m->ram_size >> 20));
        return false;
    }
    if (!mem_map_ram(&m->as, "mrom", VIRT_MROM_BASE, VIRT_MROM_SIZE, m->mrom, true, errp) ||
        !mem_map_ram(&m->as, "ram", VIRT_DRAM_BASE, m->ram_size, m->ram, false, errp)) {
        return false;
    }

    m->clock_state.m = m;
    vmstate_register(&m->vms, "machine", &machine_clock_vmsd, &m->clock_state);

    m->icount = icount_new(m->loop, &o->icount, machine_steps, m, errp);
    if (!m->icount) {
        return false;
    }

    m->nharts = o->smp > 0 ? o->smp : 1;
    if (m->nharts > MACHINE_MAX_HARTS) {
        error_setc(errp, ERR_USAGE, "-smp %d: at most %d harts", m->nharts, MACHINE_MAX_HARTS);
        return false;
    }
    m->quantum = o->icount.quantum ? o->icount.quantum : ICOUNT_DEFAULT_QUANTUM;
    /* Hart instance names are kept by reference: string constants. */
    static const char *const hart_names[MACHINE_MAX_HARTS] = {
        "hart0", "hart1", "hart2", "hart3", "hart4", "hart5", "hart6", "hart7",
    };
    IrqLine msip[MACHINE_MAX_HARTS], mtip[MACHINE_MAX_HARTS], stip[MACHINE_MAX_HARTS];
    IrqLine ctx[PLIC_MAX_CONTEXTS];
    for (int i = 0; i < m->nharts; i++) {
        MachineHartLink *l = &m->hart_link[i];
        l->m = m;
        l->index = i;
        HartConfig hc = { .hartid = (uint64_t)i, .ext = o->cpu_ext, .pmu_num = o->cpu_pmu_num,
                          .reset_pc = VIRT_MROM_BASE,
                          .read_time = machine_read_time, .time_opaque = l,
                          .stimecmp_changed = machine_stimecmp_changed, .log = o->log };
        m->harts[i] = hart_new(&m->as, &hc, errp);
        if (!m->harts[i]) {
            return false;
        }
        vmstate_register(&m->vms, hart_names[i], &hart_vmsd, hart_state_ptr(m->harts[i]));
        msip[i] = irq_line(machine_hart_irq, l, 3);
        mtip[i] = irq_line(machine_hart_irq, l, 7);
        stip[i] = irq_line(machine_hart_irq, l, 5);
        ctx[2 * i] = irq_line(machine_hart_irq, l, 11);
        ctx[2 * i + 1] = irq_line(machine_hart_irq, l, 9);
    }
    m->hart = m->harts[0];
    if (m->nharts > 1) {
        for (int i = 0; i < m->nharts; i++) {
            if (!hart_set_peers(m->harts[i], m->harts, m->nharts)) {
                error_setg(errp, "out of memory linking the harts");
                return false;
            }
        }
        vmstate_register(&m->vms, "smp", &machine_sched_vmsd, &m->sched);
    }

    m->clint = clint_create(&m->board, "clint", VIRT_CLINT_BASE, m->nharts, msip, mtip, stip,
                            errp);
    if (!m->clint) {
        return false;
    }
    m->plic = plic_create(&m->board, "plic", VIRT_PLIC_BASE, 2 * m->nharts, ctx, errp);
    if (!m->plic) {
        return false;
    }

    m->serial[0] = chardev_new(m->loop, o->serial ? o->serial : "mon:stdio", errp);
    if (!m->serial[0]) {
        error_prepend(errp, "serial: ");
        return false;
    }
    m->nserial = 1;
    chardev_set_input_hook(m->serial[0], machine_serial_input, m);
    chardev_set_quit_hook(m->serial[0], machine_serial_quit, m);
    if (o->nfail_on > 0) {
        chardev_set_output_hook(m->serial[0], machine_console_output, m);
    }

    m->uart0 = uart16550_create(&m->board, "uart0", VIRT_UART0_BASE,
                                plic_irq_line(m->plic, VIRT_UART0_IRQ), m->serial[0], errp);
    m->rtc = m->uart0 ? goldfish_rtc_create(&m->board, "rtc", VIRT_RTC_BASE,
                                            plic_irq_line(m->plic, VIRT_RTC_IRQ),
                                            machine_rtc_clock, m, errp) : NULL;
    m->test = m->rtc ? sifive_test_create(&m->board, "test", VIRT_TEST_BASE, errp) : NULL;
    if (m->test && o->pvpanic) {
        m->pvpanic = pvpanic_create(&m->board, "pvpanic", VIRT_PVPANIC_BASE, errp);
        if (!m->pvpanic) {
            return false;
        }
    }
    if (!m->test || !machine_build_virtio(m, errp) || !machine_build_empty_devices(m, errp)) {
        return false;
    }

    if (!machine_load_images(m, errp)) {
        return false;
    }
    if (!o->no_signals && !machine_watch_signals(m, errp)) {
        return false;
    }
    loop_set_kick(m->loop, machine_kick, m);
    machine_reset(m);
    m->resets = 0;
    return true;
}

Machine *machine_new(const MachineOptions *o, Error **errp)
{
    Machine *m = calloc(1, sizeof(*m));
    if (!m) {
        error_setg(errp, "out of memory");
        return NULL;
    }
    m->opts = *o;
    m->ram_size = o->ram_size ? o->ram_size : MACHINE_DEFAULT_RAM;
    m->signal_fd = -1;
    m->stop_at = UINT64_MAX;
    m->fail_on_matched = -1;
    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        m->slot_drive[i] = -1;
        m->slot_rng[i] = -1;
        m->slot_nic[i] = -1;
        m->rng_src[i].fd = -1;
    }
    if (m->ram_size & (MEM_PAGE_SIZE - 1) || m->ram_size > (uint64_t)0x80000000ull * 32) {
        free(m);
        error_setc(errp, ERR_USAGE, "invalid RAM size %llu bytes (must be a multiple of 4 KiB)",
                   (unsigned long long)o->ram_size);
        return NULL;
    }
    if (!machine_build(m, errp)) {
        machine_free(m);
        return NULL;
    }
    return m;
}

void machine_free(Machine *m)
{
    if (!m) {
        return;
    }
    if (m->loop) {
        loop_set_kick(m->loop, NULL, NULL);
    }
    if (m->signal_fd >= 0) {
        loop_set_fd_handler(m->loop, m->signal_fd, NULL, NULL, NULL, NULL);
        close(m->signal_fd);
    }
    fw_cfg_free(m->fw_cfg);
    for (int i = 0; i < 2; i++) {
        pflash_free(m->flash[i]);
    }
    pcie_host_free(m->pcie);
    /* The cards first: slirp's timers and poll source live on the loop. */
    for (int i = 0; i < m->nnics; i++) {
        machine_net_free(m->nic[i]);
    }
    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        virtio_mmio_free(m->virtio[i]);
        virtio_blk_free(m->vblk[i]);
        virtio_rng_free(m->vrng[i]);
        if (m->rng_src[i].fd >= 0) {
            close(m->rng_src[i].fd);
        }
    }
    for (int i = 0; i < MACHINE_MAX_DRIVES; i++) {
        blockdev_close(m->drive[i]);
    }
    sifive_test_free(m->test);
    pvpanic_free(m->pvpanic);
    goldfish_rtc_free(m->rtc);
    uart16550_free(m->uart0);
    for (int i = 0; i < m->nserial; i++) {
        chardev_free(m->serial[i]);
    }
    plic_free(m->plic);
    clint_free(m->clint);
    /* icount reads the harts' step counts while it shuts down. */
    if (m->icount) {
        icount_free(m->icount);
    }
    for (int i = 0; i < m->nharts; i++) {
        hart_free(m->harts[i]);
    }
    romset_free(&m->roms);
    free(m->fdt);
    vmstate_registry_free(&m->vms);
    mem_destroy(&m->as);
    free(m->ram);
    free(m->mrom);
    if (m->loop) {
        loop_free(m->loop);
    }
    free(m);
}

void machine_reset(Machine *m)
{
    /* Images were validated against the memory map at load time. */
    bool ok = romset_install(&m->roms, &m->as, NULL);
    (void)ok;
    clint_reset(m->clint);
    uart16550_reset(m->uart0);
    goldfish_rtc_reset(m->rtc);
    pvpanic_reset(m->pvpanic);
    pcie_host_reset(m->pcie);
    pflash_reset(m->flash[0]);
    pflash_reset(m->flash[1]);
    fw_cfg_reset(m->fw_cfg);
    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        virtio_mmio_reset(m->virtio[i]);
    }
    plic_reset(m->plic);
    for (int i = 0; i < m->nharts; i++) {
        hart_reset(m->harts[i]);
    }
    /* Every hart starts in the boot ROM; hart 0 has the first turn. */
    m->sched.cur = 0;
    m->sched.left = m->quantum;
    m->preempt = false;
    m->resets++;
}

/* ---- run loop ---- */

static bool machine_input_possible(Machine *m)
{
    if (m->gate && m->gate->input_possible && m->gate->input_possible(m->gate_opaque, m)) {
        return true;
    }
    if (m->gate && m->gate->replaying) {
        return false;
    }
    for (int i = 0; i < m->nserial; i++) {
        if (chardev_input_possible(m->serial[i])) {
            return true;
        }
    }
    if (machine_net_active(m)) {
        return true;
    }
    /* Signals can end a wait but never wake the guest: they do not count. */
    return false;
}

/* loop_wait_bounded() returns whether anything ran; failure is errp. */
static bool machine_wait(Machine *m, int64_t max_ns, Error **errp)
{
    Error *local = NULL;
    loop_wait_bounded(m->loop, max_ns, &local);
    if (local) {
        error_propagate(errp, local);
        return false;
    }
    return true;
}

/* The hart waits for an interrupt and nothing is pending: move virtual time
 * to the next VIRTUAL deadline (sleep=off), or wait that long in host time
 * and warp by what passed (sleep=on; an input the gate records). */
static bool machine_idle(Machine *m, Error **errp)
{
    int64_t deadline = loop_deadline_ns(m->loop, CLOCK_VIRTUAL);
    int64_t now = icount_virtual_ns(m->icount);
    int64_t distance = deadline < 0 ? -1 : (deadline > now ? deadline - now : 0);
    bool replaying = m->gate && m->gate->replaying;

    if (deadline < 0 && !machine_input_possible(m)) {
        error_setc(errp, ERR_GUEST,
                   "guest hang: the hart waits for an interrupt (WFI at pc 0x%llx, "
                   "step %llu) but no timer is armed and no input can arrive",
                   (unsigned long long)hart_get_pc(m->hart),
                   (unsigned long long)hart_icount(m->hart));
        return false;
    }
    if (!m->opts.icount.sleep) {
        if (deadline >= 0) {
            int64_t warp = distance;
            if (m->gate && m->gate->idle_warp) {
                warp = m->gate->idle_warp(m->gate_opaque, m, distance);
            }
            if (warp > 0) {
                icount_warp(m->icount, warp);
            }
            return true;
        }
        /* No timer: only host input can wake the guest; block for it. */
        return replaying ? true : machine_wait(m, -1, errp);
    }
    int64_t measured = 0;
    if (!replaying) {
        int64_t t0 = hostclock_ns(CLOCK_REALTIME);
        if (!machine_wait(m, distance, errp)) {
            return false;
        }
        measured = hostclock_ns(CLOCK_REALTIME) - t0;
        if (distance >= 0 && measured > distance) {
            measured = distance;
        }
    }
    int64_t warp = machine_sleep_warp(m, measured);
    if (warp > 0) {
        icount_warp(m->icount, warp);
    }
    return true;
}

/* Fetch faults: the causes a trap vector that cannot be fetched raises. */
static bool is_fetch_fault(uint64_t cause)
{
    return cause == 0 || cause == 1 || cause == 12;   /* misaligned, access, page fault */
}

/*
 * A hart whose trap vector cannot be fetched traps to it again forever:
 * each trap is a step, so the run would spin until killed. Checked at the
 * end of a slice, never per instruction: the hart is in the loop's shape
 * (pc at the vector of its mode, xepc == pc, xcause a fetch fault) and has
 * retired nothing (minstret unchanged) for MACHINE_TRAP_LOOP_STEPS steps.
 * Slices end at the same steps in every run of the same inputs, so the hang
 * is found at the same step too. Returns true with errp set (ERR_GUEST).
 */
static bool machine_trap_loop(Machine *m, Error **errp)
{
    Hart *h = m->hart;
    uint64_t steps = hart_icount(h), instret = 0;
    hart_read_reg(h, 65 + 0xb02, &instret);
    if (instret != m->progress_instret || steps < m->progress_steps) {
        m->progress_instret = instret;
        m->progress_steps = steps;
        return false;
    }
    if (steps - m->progress_steps < MACHINE_TRAP_LOOP_STEPS) {
        return false;
    }
    int priv = hart_priv(h);
    uint64_t pc = hart_get_pc(h), cause = 0, epc = 0, tvec = 0;
    int base = priv == 3 ? 0x300 : 0x100;
    if (priv == 0 || !hart_read_reg(h, 65 + base + 0x42, &cause) ||
        !hart_read_reg(h, 65 + base + 0x41, &epc) || !hart_read_reg(h, 65 + base + 0x05, &tvec) ||
        !is_fetch_fault(cause) || epc != pc || (tvec & ~3ull) != pc) {
        /* Not the loop's shape: start counting again from here. */
        m->progress_steps = steps;
        return false;
    }
    error_setc(errp, ERR_GUEST,
               "guest hang: trap loop at step %llu: the %s-mode trap vector 0x%llx cannot be "
               "fetched (%s), so every trap traps there again; no instruction retired in "
               "the last %llu steps", (unsigned long long)steps, priv == 3 ? "M" : "S",
               (unsigned long long)pc,
               cause == 12 ? "instruction page fault" : cause == 1 ? "instruction access fault"
                                                       : "instruction address misaligned",
               (unsigned long long)(steps - m->progress_steps));
    return true;
}

int machine_exit_status(const Machine *m)
{
    switch (m->shutdown_cause) {
    case SHUTDOWN_GUEST_POWEROFF: return m->exit_code;
    case SHUTDOWN_GUEST_PANIC:    return MACHINE_EXIT_PANIC;
    case SHUTDOWN_TIMEOUT:        return MACHINE_EXIT_TIMEOUT;
    case SHUTDOWN_CONSOLE_MATCH:  return MACHINE_EXIT_CONSOLE;
    default:                      return 0;
    }
}

_Static_assert(ERR_EXIT_BASE + ERR_CLASS_COUNT <= MACHINE_EXIT_PANIC,
               "error exit statuses run into the run outcome statuses");

bool machine_run(Machine *m, MachineStop *why, Error **errp)
{
    for (;;) {
        int code = 0;
        ShutdownCause cause = loop_take_shutdown(m->loop, &code);
        if (cause != SHUTDOWN_NONE) {
            m->shutdown_cause = cause;
            m->exit_code = code;
            *why = MACHINE_STOP_SHUTDOWN;
            return true;
        }
        if (loop_take_reset(m->loop)) {
            if (m->opts.no_reboot) {
                m->shutdown_cause = SHUTDOWN_GUEST_RESET;
                m->exit_code = 0;
                *why = MACHINE_STOP_SHUTDOWN;
                return true;
            }
            machine_reset(m);
        }
        if (loop_take_debug_stop(m->loop)) {
            m->debug_exit = MACHINE_DEBUG_REQUEST;
            *why = MACHINE_STOP_DEBUG;
            return true;
        }
        uint64_t steps = machine_icount(m);
        if (steps == m->stop_at) {
            m->debug_exit = MACHINE_DEBUG_STOP_AT;
            *why = MACHINE_STOP_DEBUG;
            return true;
        }
        if (m->opts.timeout_steps && steps >= m->opts.timeout_steps) {
            /* The budget below lands exactly here: the same step in every
             * run. After a stop_at here, so a debugger seeking to this
             * step gets its stop first. */
            loop_request_shutdown(m->loop, SHUTDOWN_TIMEOUT, 0);
            continue;
        }
        if (m->slice_hook) {
            m->slice_hook(m->slice_hook_opaque, m);
        }

        uint64_t cap = MACHINE_MAX_SLICE;
        if (m->gate && m->gate->before_slice) {
            cap = m->gate->before_slice(m->gate_opaque, m, cap);
        }
        if (m->stop_at > steps && m->stop_at - steps < cap) {
            cap = m->stop_at - steps;
        }
        if (m->opts.timeout_steps && m->opts.timeout_steps - steps < cap) {
            cap = m->opts.timeout_steps - steps;
        }
        int64_t deadline = loop_deadline_ns(m->loop, CLOCK_VIRTUAL);
        uint64_t budget = icount_budget(m->icount, deadline, cap);
        HartExit exit = HART_EXIT_BUDGET;
        if (m->nharts == 1) {
            if (budget > 0) {
                uint64_t executed = 0;
                exit = hart_run(m->hart, budget, &executed);
            }
        } else {
            Hart *h = machine_sched_pick(m);
            /* Alone: no other hart can run before this slice ends (only a
             * timer, between slices, or an interrupt this hart raises,
             * which ends the slice, can change that), so the turn does not
             * count down and the slice is not cut at its end. */
            bool alone = h && !machine_others_runnable(m, h);
            if (h && !alone && budget > m->sched.left) {
                budget = m->sched.left;
            }
            if (h && budget > 0) {
                uint64_t executed = 0;
                m->running = h;
                exit = hart_run(h, budget, &executed);
                m->running = NULL;
                machine_sched_account(m, h, exit, alone ? 0 : executed);
            } else if (!h) {
                exit = HART_EXIT_WFI;   /* every hart waits */
            }
        }
        Error *local = NULL;
        main_loop_wait(m->loop, true, &local);
        if (local) {
            error_propagate(errp, local);
            return false;
        }
        /* align=on: let the host catch up when virtual time ran ahead. This
         * only delays; it never changes what the guest sees. */
        int64_t align = icount_align_delay(m->icount);
        if (align > 0 && !machine_wait(m, align, errp)) {
            return false;
        }
        if (exit == HART_EXIT_BUDGET && machine_trap_loop(m, errp)) {
            return false;
        }
        if (exit == HART_EXIT_BREAKPOINT || exit == HART_EXIT_WATCHPOINT) {
            m->debug_exit = exit == HART_EXIT_BREAKPOINT ? MACHINE_DEBUG_BREAKPOINT
                                                         : MACHINE_DEBUG_WATCHPOINT;
            *why = MACHINE_STOP_DEBUG;
            return true;
        }
        if (exit == HART_EXIT_WFI && !machine_any_runnable(m) && !loop_bhs_pending(m->loop) &&
            !loop_shutdown_requested(m->loop) &&
            !(m->gate && m->gate->input_pending && m->gate->input_pending(m->gate_opaque, m))) {
            /* A deadline already due is served by the next iteration, not warped to. */
            int64_t d = loop_deadline_ns(m->loop, CLOCK_VIRTUAL);
            if (d < 0 || d > icount_virtual_ns(m->icount)) {
                if (!machine_idle(m, errp)) {
                    return false;
                }
            }
        }
    }
}

bool machine_dump_dtb(Machine *m, const char *path, Error **errp)
{
    return virt_fdt_dump(m->fdt, path, errp);
}

Hash128 machine_state_hash(Machine *m)
{
    HashState hs;
    VMBuf b;
    vmbuf_init(&b);
    vmstate_save_all(&m->vms, &b);
    hash_init(&hs);
    hash_update_u64(&hs, b.len);
    hash_update(&hs, b.data, b.len);
    hash_update_u64(&hs, m->ram_size);
    hash_update(&hs, m->ram, m->ram_size);
    /* The disks as written in this run (their images are inputs). */
    for (int s = VIRT_VIRTIO_COUNT - 1; s >= 0; s--) {
        if (m->slot_drive[s] >= 0) {
            blockdev_overlay_digest(m->drive[m->slot_drive[s]], &hs);
        }
    }
    hash_update_u64(&hs, machine_icount(m));
    Hash128 h = hash_final(&hs);
    hash_free(&hs);
    vmbuf_free(&b);
    return h;
}

MachineDebugExit machine_last_debug_exit(const Machine *m)
{
    return m->debug_exit;
}

void machine_set_stop_at(Machine *m, uint64_t steps)
{
    m->stop_at = steps;
}

void machine_set_output_muted(Machine *m, bool muted)
{
    m->output_muted = muted;
    for (int i = 0; i < m->nserial; i++) {
        chardev_set_output_muted(m->serial[i], muted);
    }
}

void machine_set_slice_hook(Machine *m, MachineSliceHook *fn, void *opaque)
{
    m->slice_hook = fn;
    m->slice_hook_opaque = opaque;
}

int64_t machine_virtual_ns(Machine *m)
{
    return icount_virtual_ns(m->icount);
}

uint64_t machine_icount(Machine *m)
{
    uint64_t steps = 0;
    for (int i = 0; i < m->nharts; i++) {
        steps += hart_icount(m->harts[i]);
    }
    return steps;
}

int machine_current_hart(const Machine *m)
{
    return (int)m->sched.cur;
}

/* ---- the gate ---- */

void machine_set_gate(Machine *m, const MachineGateOps *ops, void *opaque)
{
    m->gate = ops;
    m->gate_opaque = opaque;
    bool input = !(ops && ops->replaying);
    for (int i = 0; i < m->nserial; i++) {
        chardev_set_input_enabled(m->serial[i], input);
    }
}

void machine_char_input(Machine *m, int chr, const uint8_t *buf, size_t len)
{
    if (m->gate && m->gate->char_input) {
        m->gate->char_input(m->gate_opaque, m, chr, buf, len);
        return;
    }
    machine_char_deliver(m, chr, buf, len);
}

int64_t machine_host_clock_ns(Machine *m)
{
    if (m->gate && m->gate->host_clock_ns) {
        return m->gate->host_clock_ns(m->gate_opaque, m);
    }
    return hostclock_ns(CLOCK_HOST);
}

void machine_host_shutdown(Machine *m, ShutdownCause cause, int code)
{
    if (m->gate && m->gate->host_shutdown) {
        m->gate->host_shutdown(m->gate_opaque, m, cause, code);
        return;
    }
    loop_request_shutdown(m->loop, cause, code);
}

int64_t machine_sleep_warp(Machine *m, int64_t measured_ns)
{
    if (m->gate && m->gate->sleep_warp) {
        return m->gate->sleep_warp(m->gate_opaque, m, measured_ns);
    }
    return measured_ns;
}

size_t machine_random_bytes(Machine *m, MachineRandomRead *read, void *src, void *buf,
                            size_t len)
{
    if (m->gate && m->gate->random_bytes) {
        return m->gate->random_bytes(m->gate_opaque, m, read, src, buf, len);
    }
    return read(src, buf, len);
}

size_t machine_char_deliver(Machine *m, int chr, const uint8_t *buf, size_t len)
{
    if (chr < 0 || chr >= m->nserial) {
        return 0;
    }
    size_t room = chardev_can_receive(m->serial[chr]);
    size_t n = len < room ? len : room;
    chardev_deliver(m->serial[chr], buf, n);
    return n;
}

size_t machine_char_can_receive(Machine *m, int chr)
{
    return chr >= 0 && chr < m->nserial ? chardev_can_receive(m->serial[chr]) : 0;
}
