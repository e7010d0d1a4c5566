/*
 * machine: the virt board as one object that owns everything guest-visible
 * (loop, address space, RAM, boot ROM, hart, devices, VMState registry,
 * icount) plus the host side that feeds it (serial backends, signals).
 * There are no globals: several machines can live in one process (tests).
 *
 * The run loop alternates "run the hart for an exact budget" and "one
 * non-blocking main-loop iteration", and idles by warping virtual time
 * (see machine_run()).
 *
 * The gate. Every host input that can reach the guest enters through exactly
 * one function here:
 *     machine_char_input()     bytes read by a serial backend
 *     machine_host_clock_ns()  host wall-clock reads (goldfish RTC)
 *     machine_host_shutdown()  host-requested quit (signals, Ctrl-A x)
 *     machine_sleep_warp()     the idle warp measured in host time (sleep=on)
 *     machine_random_bytes()   host random bytes (virtio-rng)
 * In normal mode they pass straight through to the guest side
 * (machine_char_deliver(), hostclock_ns(), loop_request_shutdown(), the warp).
 * sim/replay installs MachineGateOps with machine_set_gate() to journal them
 * (record) or to feed them from the journal (replay), and uses
 * before_slice to deliver journal events at their exact step count.
 */
#ifndef RRSIM_HW_MACHINE_H
#define RRSIM_HW_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/hart.h"
#include "hw/board.h"
#include "hw/clint.h"
#include "hw/fw_cfg.h"
#include "hw/goldfish_rtc.h"
#include "hw/loader.h"
#include "hw/pcie_host.h"
#include "hw/pflash.h"
#include "hw/plic.h"
#include "hw/pvpanic.h"
#include "hw/sifive_test.h"
#include "hw/uart16550.h"
#include "hw/virtio/virtio_blk.h"
#include "hw/virtio/virtio_mmio.h"
#include "hw/virtio/virtio_rng.h"
#include "sim/base/hash.h"
#include "sim/block/blockdev.h"
#include "sim/chardev/chardev.h"
#include "sim/icount/icount.h"
#include "sim/net/net.h"
#include "sim/loop/loop.h"
#include "snapshots/vmstate.h"

#define MACHINE_DEFAULT_RAM   (128ull << 20)
#define MACHINE_MAX_HARTS     CLINT_MAX_HARTS
#define MACHINE_MAX_SERIAL    1
/* Upper bound on one hart_run() slice, so host input and signals are polled
 * often even when no timer is armed. Slicing never changes guest behaviour. */
#define MACHINE_MAX_SLICE     (1ull << 17)

/* Firmware used when -bios is not given, first one found (QEMU loads its own
 * OpenSBI fw_dynamic the same way). */
#define MACHINE_DEFAULT_BIOS_PATHS \
    { "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin", \
      "/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin", NULL }

#define MACHINE_MAX_DRIVES    16
#define MACHINE_MAX_FAIL_ON   8

/* Exit statuses of runs the guest did not end with its own code; they follow
 * the error statuses (ERR_EXIT_BASE + class, up to 74) and must not meet
 * them (checked in machine.c). A trap-loop hang is an error, ERR_GUEST (74),
 * as a WFI hang is. */
#define MACHINE_EXIT_PANIC    75    /* the guest panicked (pvpanic) */
#define MACHINE_EXIT_TIMEOUT  76    /* -timeout ran out */
#define MACHINE_EXIT_CONSOLE  77    /* the console printed a -fail-on pattern */

/* A guest that traps at its trap vector with a fetch fault for this many
 * steps without retiring an instruction is stuck for good: a hang. */
#define MACHINE_TRAP_LOOP_STEPS 100000ull

/* -drive: a disk image (format=raw). */
typedef struct MachineDrive {
    const char *spec;           /* the option as given, for messages */
    const char *id;
    const char *file;
    bool readonly;              /* readonly=on */
    bool snapshot;              /* snapshot=on: writes go to an overlay */
    bool if_virtio;             /* if=virtio: a virtio-blk device of its own */
} MachineDrive;

/* -device virtio-blk-device,drive=ID[,serial=S],
 * -device virtio-rng-device[,rng=ID] or
 * -device virtio-net-device,netdev=ID[,mac=M]. */
typedef struct MachineDevice {
    const char *spec;           /* the option as given, for messages */
    bool rng;                   /* virtio-rng-device (else virtio-blk-device) */
    bool net;                   /* virtio-net-device */
    const char *netdev;
    bool has_mac;
    uint8_t mac[6];
    const char *drive;
    const char *serial;         /* NULL: none */
    const char *rng_id;         /* NULL: the default source (/dev/urandom) */
} MachineDevice;

#define MACHINE_MAX_RNG_OBJECTS 8
#define MACHINE_RNG_DEFAULT   "/dev/urandom"

/* -object rng-random,id=ID[,filename=F] (F defaults to /dev/urandom, as
 * QEMU's) or -object rng-builtin,id=ID (the same default source). */
typedef struct MachineRngObject {
    const char *spec;           /* the option as given, for messages */
    const char *id;
    const char *filename;
} MachineRngObject;

#define MACHINE_MAX_NETDEVS   4

/* -netdev user,id=ID,... (or the netdev half of -nic user,...). */
typedef struct MachineNetdev {
    const char *spec;           /* the option as given, for messages */
    const char *opt;            /* "-netdev" or "-nic" */
    NetUserOptions user;
} MachineNetdev;

/* Configuration; strings are borrowed and must outlive the machine. */
/* -rtc: what the goldfish RTC counts from. Without -rtc (MACHINE_RTC_HOST)
 * every read is the host's clock, through the gate. With -rtc the RTC runs
 * on the virtual clock (QEMU's clock=vm) from a base: a fixed date, or the
 * host's time (utc, localtime) read once, through the gate, at the guest's
 * first RTC read. */
typedef enum MachineRtcBase {
    MACHINE_RTC_HOST = 0,
    MACHINE_RTC_UTC,
    MACHINE_RTC_LOCALTIME,
    MACHINE_RTC_DATE,
} MachineRtcBase;

typedef struct MachineRtcOptions {
    MachineRtcBase base;
    int64_t date_s;             /* MACHINE_RTC_DATE: seconds since the epoch (UTC) */
    int64_t utc_offset_s;       /* MACHINE_RTC_LOCALTIME: the host's offset at start */
} MachineRtcOptions;

typedef struct MachineOptions {
    uint64_t ram_size;          /* bytes; 0 = MACHINE_DEFAULT_RAM */
    int smp;                    /* harts, 1..MACHINE_MAX_HARTS (0: 1) */
    uint64_t cpu_ext;           /* the harts' extensions (HART_EXT_*, cpu/isa.h) */
    uint32_t cpu_pmu_num;       /* its programmable counters with Zihpm (pmu-num) */
    const char *bios;           /* NULL = default OpenSBI, "none" = no firmware */
    const char *kernel;
    const char *initrd;
    const char *append;
    const char *dtb;            /* replaces the generated device tree */
    const char *serial;         /* backend spec for UART0; NULL = "mon:stdio" */
    bool no_reboot;             /* guest reset request powers off instead */
    bool no_signals;            /* do not take over SIGINT/SIGTERM/SIGHUP (tests) */
    /* Disks and entropy devices. Devices (of both kinds) take the
     * virtio-mmio slots from the highest down, in the order given, then
     * if=virtio drives in theirs, as on QEMU's virt board (the first disk
     * is the guest's vda). */
    MachineDrive drives[MACHINE_MAX_DRIVES];
    int ndrives;
    MachineDevice devices[VIRT_VIRTIO_COUNT];
    int ndevices;
    MachineRngObject rng_objects[MACHINE_MAX_RNG_OBJECTS];
    int nrng_objects;
    MachineNetdev netdevs[MACHINE_MAX_NETDEVS];
    int nnetdevs;
    bool snapshot;              /* -snapshot: every drive writes to an overlay */
    bool virtio_modern;         /* -global virtio-mmio.force-legacy=false */
    bool pvpanic;               /* -device pvpanic-mmio */
    /* How a run fails besides the guest's own exit status (-fail-on,
     * -timeout steps): all deterministic, so a replay given the same
     * options ends at the same step for the same reason. */
    const char *fail_on[MACHINE_MAX_FAIL_ON];   /* console patterns */
    int nfail_on;
    uint64_t timeout_steps;     /* 0: none */
    IcountOptions icount;       /* borrowed; only read at machine_new() */
    MachineRtcOptions rtc;      /* -rtc */
    SimLog *log;                /* -d/-D/-dfilter; borrowed, may be NULL */
} MachineOptions;

void machine_options_init(MachineOptions *o);
/* The serial= of the -device using drive index `drive`, or NULL. */
const char *machine_drive_serial(const MachineOptions *o, int drive);

typedef struct Machine Machine;

/* What ended the last machine_run() that returned MACHINE_STOP_DEBUG
 * (machine_last_debug_exit()). */
typedef enum MachineDebugExit {
    MACHINE_DEBUG_NONE = 0,     /* no debug stop yet */
    MACHINE_DEBUG_REQUEST,      /* loop_request_debug_stop() (Ctrl-C, QMP stop, attach) */
    MACHINE_DEBUG_STOP_AT,      /* the step count reached machine_set_stop_at() */
    MACHINE_DEBUG_BREAKPOINT,   /* the pc reached a breakpoint (not executed yet) */
    MACHINE_DEBUG_WATCHPOINT,   /* an access hit a watchpoint; the address is
                                 * hart_watch_hit_addr(); the hart stopped before
                                 * the accessing instruction (pc on it) */
} MachineDebugExit;

/* Reads up to len bytes from a host random source; returns how many. */
typedef size_t MachineRandomRead(void *src, void *buf, size_t len);

/* Hooks sim/replay installs; any may be NULL (pass-through). r is the
 * opaque given to machine_set_gate(). */
typedef struct MachineGateOps {
    /* A backend read bytes from the host. Pass-through: machine_char_deliver(). */
    void (*char_input)(void *r, Machine *m, int chr, const uint8_t *buf, size_t len);
    /* The guest reads host wall-clock time. Pass-through: hostclock_ns(CLOCK_HOST). */
    int64_t (*host_clock_ns)(void *r, Machine *m);
    /* The host asks to stop. Pass-through: loop_request_shutdown(). */
    void (*host_shutdown)(void *r, Machine *m, ShutdownCause cause, int code);
    /* A device wants up to len random bytes; read(src, ...) reads the host
     * source. Returns the bytes put in buf. Pass-through: read(). */
    size_t (*random_bytes)(void *r, Machine *m, MachineRandomRead *read, void *src, void *buf,
                           size_t len);
    /* sleep=on idle: measured_ns of host time passed; returns the warp to apply. */
    int64_t (*sleep_warp)(void *r, Machine *m, int64_t measured_ns);
    /* sleep=off idle: virtual time jumps by distance_ns to the next deadline.
     * Not an input, but its order against host input at the same step is:
     * the recorder journals it when input follows it at that step, and the
     * replayer takes it from the journal when it is there. Returns the warp
     * to apply. */
    int64_t (*idle_warp)(void *r, Machine *m, int64_t distance_ns);
    /* Before each slice: deliver events due at the current step count and
     * return the budget cap (steps to the next event, or cap unchanged). */
    uint64_t (*before_slice)(void *r, Machine *m, uint64_t cap);
    /* Whether journal input may still arrive (replay) - for hang detection. */
    bool (*input_possible)(void *r, Machine *m);
    /* Host input is waiting to be delivered at the next before_slice (record:
     * queued; replay: journaled for now): the hart must not idle meanwhile. */
    bool (*input_pending)(void *r, Machine *m);
    /* A frame reaches network card nic now (record: journal it). When
     * set, queued frames are delivered only by before_slice. */
    void (*net_rx)(void *r, Machine *m, int nic, const uint8_t *frame, size_t len);
    /* Replaying: never wait in host time, never read host inputs. */
    bool replaying;
} MachineGateOps;

/* Machine-level state that is neither hart nor device: the virtual clock's
 * warp bias and the loop's timer arming sequence ("machine" in the registry). */
typedef struct MachineClockState {
    int64_t icount_bias;
    uint64_t timer_seq;
    /* -rtc with a host base: RTC ns minus virtual ns, once read (v2). */
    uint64_t rtc_offset;
    uint64_t rtc_offset_set;
    Machine *m;                 /* not saved */
} MachineClockState;

/* The host source behind one virtio-rng device. */
typedef struct MachineRng {
    Machine *m;
    int fd;                     /* -1: none */
    const char *path;
    bool warned;                /* a read failure was reported */
} MachineRng;

/* What an interrupt line or a time source of one hart needs: its machine
 * and its index. */
typedef struct MachineHartLink {
    Machine *m;
    int index;
} MachineHartLink;

/*
 * The schedule of several harts ("smp" in the registry, only with more
 * than one hart). Harts run one at a time in index order, round robin,
 * each for a quantum of steps (-icount ...,quantum=N). A hart's turn ends
 * early when it waits in WFI with nothing pending (such a hart is skipped
 * until an interrupt is pending for it), and at the instruction that
 * raised an interrupt line of another hart (an IPI: the target must see it
 * at once, not a quantum later). A turn only counts down while another
 * hart could run: a hart alone (the others waiting in WFI) keeps its turn
 * and runs in slices as long as a single hart's. The interleaving is
 * therefore a function of the quantum and the guest alone: slicing for
 * timers, journal events or debugger stops never changes it.
 *
 * A switch ends the reservation of the hart switched out (see
 * hart_drop_reservation()). So that an LR/SC loop still makes progress
 * with any quantum (the A extension's forward-progress guarantee for
 * constrained loops), a turn that ends while the hart holds a reservation
 * goes on, one step at a time, until the reservation is gone or
 * MACHINE_LR_GRACE steps have passed.
 */
#define MACHINE_LR_GRACE 64
typedef struct MachineSched {
    uint32_t cur;               /* the hart whose turn it is */
    uint32_t grace;             /* steps granted past the turn for a reservation */
    uint64_t left;              /* steps left in its turn */
} MachineSched;

/* Called by machine_run() at the top of every iteration, between taking
 * host requests and the gate's before_slice; see machine_set_slice_hook(). */
typedef void MachineSliceHook(void *opaque, Machine *m);

struct Machine {
    MachineOptions opts;
    Loop *loop;
    AddressSpace as;
    uint8_t *ram;
    uint64_t ram_size;
    uint8_t *mrom;              /* boot ROM backing, VIRT_MROM_SIZE bytes */
    VMStateRegistry vms;
    Board board;
    MachineClockState clock_state;

    Icount *icount;
    Hart *hart;                 /* hart 0: the debugger's and the digests' view */
    Hart *harts[MACHINE_MAX_HARTS];
    int nharts;
    MachineHartLink hart_link[MACHINE_MAX_HARTS];
    MachineSched sched;
    uint64_t quantum;
    Hart *running;              /* several harts: the one inside hart_run(), or NULL */
    bool preempt;               /* end the running hart's turn (an IPI was sent) */
    Clint *clint;
    Plic *plic;
    Uart16550 *uart0;
    GoldfishRtc *rtc;
    SifiveTest *test;
    Pvpanic *pvpanic;                      /* NULL unless -device pvpanic-mmio */
    VirtioMmio *virtio[VIRT_VIRTIO_COUNT];
    VirtioBlk *vblk[VIRT_VIRTIO_COUNT];    /* by slot; NULL where empty */
    BlockDev *drive[MACHINE_MAX_DRIVES];   /* as opts.drives */
    int slot_drive[VIRT_VIRTIO_COUNT];     /* index into drive[] by slot, -1: none */
    int slot_rng[VIRT_VIRTIO_COUNT];       /* index into opts.devices[] by slot, -1: none */
    VirtioRng *vrng[VIRT_VIRTIO_COUNT];    /* by slot; NULL where none */
    int slot_nic[VIRT_VIRTIO_COUNT];       /* index into opts.devices[] by slot, -1: none */
    struct MachineNic *nic[VIRT_VIRTIO_COUNT];  /* by creation order (the journal's nic) */
    int nnics;
    MachineRng rng_src[VIRT_VIRTIO_COUNT];
    PcieHost *pcie;
    Pflash *flash[2];
    FwCfg *fw_cfg;
    CharBackend *serial[MACHINE_MAX_SERIAL];
    int nserial;

    /* Boot: images are kept so a reset reinstalls pristine copies. */
    RomSet roms;
    void *fdt;
    uint64_t fdt_addr;
    uint64_t start_addr;        /* where the reset vector jumps */
    uint64_t kernel_entry;      /* fw_dynamic next_addr; 0 without -kernel */

    /* The gate (see above); replay owns the object behind gate_opaque. */
    const MachineGateOps *gate;
    void *gate_opaque;

    int signal_fd;              /* signalfd for SIGINT/SIGTERM/SIGHUP, or -1 */

    /* Debugging and snapshots (machine_set_stop_at(), machine_set_output_muted(),
     * machine_set_slice_hook()). */
    uint64_t stop_at;           /* UINT64_MAX: off */
    bool output_muted;
    MachineSliceHook *slice_hook;
    void *slice_hook_opaque;

    /* -fail-on: the console's last bytes, to find a pattern that spans
     * writes; which pattern matched (-1: none). */
    char console_tail[256];
    size_t console_tail_len;
    int fail_on_matched;

    /* Trap-loop detection, at slice ends: the step count and minstret when
     * the hart was last seen making progress. Not saved: after a restore the
     * count starts again, so a hang is reported no earlier than in a run
     * from reset, and a replay stops at its journal's end first. */
    uint64_t progress_steps, progress_instret;

    /* Result of the last machine_run(). */
    MachineDebugExit debug_exit;
    ShutdownCause shutdown_cause;
    int exit_code;
    uint64_t resets;
};

/* Build the board, open the serial backend, load the images, reset.
 * Errors: ERR_USAGE (options), ERR_IMAGE (images), ERR_IO (host). */
Machine *machine_new(const MachineOptions *o, Error **errp);
void machine_free(Machine *m);

/* System reset: reinstall images, reset devices and the hart. RAM outside
 * the images is kept, as on QEMU. */
void machine_reset(Machine *m);

typedef enum MachineStop {
    MACHINE_STOP_SHUTDOWN,      /* m->shutdown_cause / m->exit_code say why */
    MACHINE_STOP_DEBUG,         /* see machine_last_debug_exit() */
} MachineStop;

/* Run until shutdown or a debug stop. Returns false with errp set on a fatal
 * condition (a guest hang with no possible wakeup is ERR_GUEST). A run that
 * starts with the pc on a breakpoint stops at once (MACHINE_DEBUG_BREAKPOINT,
 * nothing executed) unless hart_breakpoint_skip_once() was called. */
bool machine_run(Machine *m, MachineStop *why, Error **errp);
/* Why the last MACHINE_STOP_DEBUG happened; one reason only: a pending
 * request wins over stop_at, which wins over a breakpoint reached at the
 * same step count (the breakpoint is then reported by the next run). */
MachineDebugExit machine_last_debug_exit(const Machine *m);

/* The disk overlays (regions the snapshot store keeps by content, as
 * RAM), by slot; returns how many (at most max). */
size_t machine_overlays(Machine *m, const MemRegion **out, size_t max);
/* A drive that writes to its image file (no overlay), which a snapshot
 * cannot hold: its spec, or NULL if there is none. */
const char *machine_drive_without_overlay(const Machine *m);

/* Write the device tree the guest gets (-machine dumpdtb=FILE). */
bool machine_dump_dtb(Machine *m, const char *path, Error **errp);

/* Digest of the whole guest-visible state: every registered VMState
 * instance (machine clock state, hart, devices), RAM and the step count. */
Hash128 machine_state_hash(Machine *m);

/* Make machine_run() return MACHINE_STOP_DEBUG as soon as the step count
 * equals `steps` (UINT64_MAX = off). The budget is capped so the hart stops
 * exactly there; a run that starts at that count returns at once. The stop
 * is taken at the top of the loop iteration, after host requests (shutdown,
 * reset, debug stop) have been handled and before the gate delivers the
 * events due at that count: the same point machine_snap saves snapshots at,
 * so resuming from a stop or from a snapshot continues identically. */
void machine_set_stop_at(Machine *m, uint64_t steps);
/* Suppress guest console output to host backends (used while re-executing
 * already-seen history during seeks); input handling is unaffected. */
void machine_set_output_muted(Machine *m, bool muted);
/* One hook (NULL to remove) called at the top of every run-loop iteration
 * after requests and the stop_at check, before the gate's before_slice.
 * machine_snap uses it for periodic snapshots. The hook may save the
 * machine's state but must not change it. */
void machine_set_slice_hook(Machine *m, MachineSliceHook *fn, void *opaque);

/* The exit status the run has as it ended (m->shutdown_cause): the guest's
 * code on poweroff, MACHINE_EXIT_* for a panic, a timeout or a -fail-on
 * match, 0 otherwise. */
int machine_exit_status(const Machine *m);

int64_t machine_virtual_ns(Machine *m);
/* The step count: the sum of every hart's steps (as QEMU's icount counts all
 * vCPUs' instructions in one counter). Journal events, budgets, stops,
 * snapshots and virtual time are in these steps. */
uint64_t machine_icount(Machine *m);
/* The hart whose turn it is (the one running, inside hart callbacks). */
int machine_current_hart(const Machine *m);

/* ---- the gate ---- */
void machine_set_gate(Machine *m, const MachineGateOps *ops, void *opaque);

void machine_char_input(Machine *m, int chr, const uint8_t *buf, size_t len);
int64_t machine_host_clock_ns(Machine *m);
void machine_host_shutdown(Machine *m, ShutdownCause cause, int code);
int64_t machine_sleep_warp(Machine *m, int64_t measured_ns);
size_t machine_random_bytes(Machine *m, MachineRandomRead *read, void *src, void *buf,
                            size_t len);

/* Guest side of char input: hand bytes to the serial frontend now (replay
 * calls this when a journaled input event is due). Returns bytes accepted. */
size_t machine_char_deliver(Machine *m, int chr, const uint8_t *buf, size_t len);
/* Bytes the frontend of chr can take now (what a recording may deliver). */
size_t machine_char_can_receive(Machine *m, int chr);

#endif
