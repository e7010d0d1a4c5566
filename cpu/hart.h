/*
 * hart: one RISC-V RV64IMAFDC hart (Zicsr, Zifencei), privileged spec 1.12
 * (M/S/U, Sv39/Sv48, PMP), executing pre-decoded translation blocks.
 *
 * Contract with the rest of the machine:
 *  - hart_run() executes at most `budget` steps and stops exactly when the
 *    budget is used, mid-block if needed. A step is one instruction that
 *    retires, or one instruction that raises an exception instead of
 *    retiring (so a trap loop still consumes budget and cannot hang the
 *    simulator). Taking an interrupt is not a step.
 *  - hart_icount() is exact at every point a device can observe it: inside an
 *    MMIO callback or the time source, it counts the steps completed before
 *    the current instruction. sim/icount turns it into virtual time.
 *  - Counters: mcycle counts steps, minstret retired steps, and the
 *    programmable counters (Zihpm) one of the two; all are derived from the
 *    step count, exact at every instruction boundary. A counter overflow
 *    (Sscofpmf) stops execution at the step it happens, as a budget does,
 *    and its interrupt is taken before the next instruction.
 *  - Interrupt lines (MIP bits driven by devices) may change during an MMIO
 *    callback; the hart notices before the next instruction. hart_kick() asks
 *    the hart to leave hart_run() at the next instruction boundary (timers
 *    armed, BHs scheduled, host requests).
 *  - Memory: RAM through host pointers cached in a software TLB, MMIO through
 *    mem_read()/mem_write(); every store to RAM marks the page dirty; stores to
 *    pages holding translated code invalidate those blocks.
 *  - Guest mistakes raise architectural exceptions; nothing the guest
 *    executes crashes or hangs the simulator.
 *  - Debugger breakpoints are checked at every instruction boundary, the
 *    first one of a run included: the board starts runs wherever it slices
 *    execution (timer deadlines, journal events, stop points), and a
 *    breakpoint reached exactly there must still stop the hart. A run that
 *    starts on a breakpoint therefore returns HART_EXIT_BREAKPOINT with
 *    nothing executed; to resume from a breakpoint, the debugger calls
 *    hart_breakpoint_skip_once() first. The skip is debugger state, not
 *    guest state: it is not in hart_vmsd and loading state clears it.
 *  - All architectural state is in HartState and described by hart_vmsd.
 *    Everything else the hart keeps is a cache that no guest-visible result
 *    depends on, so flushing it at any moment (a snapshot load, a debugger
 *    inserting a watchpoint, a full code buffer) changes nothing the guest
 *    computes. The caches, and why each is unobservable:
 *      - Translation blocks (decoded instructions), found by virtual and
 *        physical pc. A block is a copy of guest memory at translation time;
 *        every store, AMO, DMA write or debugger write that overlaps it
 *        invalidates it and ends the executing block, so execution always
 *        sees current memory (a coherent instruction fetch: FENCE.I is
 *        honoured but never needed). A block whose last instruction
 *        straddles into a second page re-checks that page's translation.
 *      - The jump cache (virtual pc, privilege -> block) and the TLB
 *        (virtual page -> host pointer, per effective privilege). Both are
 *        kept coherent with the page tables: pages the walker read PTEs from
 *        are marked, and any write to them drops all cached translations
 *        (mmu.c). With satp, PMP, SUM/MXR changes and SFENCE.VMA also
 *        dropping them, every access translates exactly as a fresh walk
 *        would, including the A/D updates that walk makes. A page that a
 *        guest load/store trigger (Sdtrig) watches gets no data tags and
 *        arming one drops the TLB, so every access to it reaches the
 *        trigger check; execute triggers are checked at instruction
 *        boundaries, never left to a block or a chain (cpu/trig.c).
 *      - Block boundaries and chaining: interrupts, budgets, device events
 *        and debugger stops are all taken at instruction boundaries, and a
 *        block ends wherever one of them needs it, so where blocks begin
 *        never shows.
 *      - Dirty-page bits (sim/memory): read only by snapshots, never by
 *        the guest.
 *    Debugger state (breakpoints, watchpoints, the skip below) is not guest
 *    state either: it is not saved and changes no guest result. The guest's
 *    own triggers (Sdtrig) are architectural state, saved, and kept apart
 *    from the debugger's: each kind stops or traps on its own terms.
 */
#ifndef RRSIM_CPU_HART_H
#define RRSIM_CPU_HART_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/base/error.h"
#include "sim/base/log.h"
#include "sim/memory/memory.h"
#include "snapshots/vmstate.h"

typedef struct Hart Hart;

/* mip bits devices drive (privileged spec 3.1.9). */
#define MIP_SSIP (1ull << 1)
#define MIP_MSIP (1ull << 3)
#define MIP_STIP (1ull << 5)
#define MIP_MTIP (1ull << 7)
#define MIP_SEIP (1ull << 9)
#define MIP_MEIP (1ull << 11)

typedef enum HartExit {
    HART_EXIT_BUDGET = 0,  /* budget used up */
    HART_EXIT_KICK,        /* hart_kick() or an interrupt line change needing the loop */
    HART_EXIT_WFI,         /* waiting for an interrupt; nothing pending */
    HART_EXIT_BREAKPOINT,  /* reached a debugger breakpoint (before executing it;
                            * possibly with nothing executed, see above) */
    HART_EXIT_WATCHPOINT,  /* a debugger watchpoint was hit (before the access) */
} HartExit;

/* Optional extensions beyond RV64IMAFDC_Zicsr_Zifencei (HartConfig.ext).
 * A disabled extension's instructions raise illegal-instruction. */
#define HART_EXT_ZBA    (1ull << 0)
#define HART_EXT_ZBB    (1ull << 1)
#define HART_EXT_ZBC    (1ull << 2)
#define HART_EXT_ZBS    (1ull << 3)
#define HART_EXT_ZBKB   (1ull << 4)
#define HART_EXT_ZBKC   (1ull << 5)
#define HART_EXT_ZBKX   (1ull << 6)
#define HART_EXT_ZICOND (1ull << 7)
#define HART_EXT_SVINVAL (1ull << 8)
#define HART_EXT_ZICBOM (1ull << 9)
#define HART_EXT_ZICBOZ (1ull << 10)
#define HART_EXT_SVNAPOT (1ull << 11)
#define HART_EXT_SVPBMT (1ull << 12)
#define HART_EXT_SV57   (1ull << 13)
#define HART_EXT_SSTC   (1ull << 14)
#define HART_EXT_ZFH    (1ull << 15)
#define HART_EXT_ZFHMIN (1ull << 16)
#define HART_EXT_ZFA    (1ull << 17)
#define HART_EXT_SDTRIG (1ull << 18)  /* tselect/tdata1-3/tinfo triggers */
#define HART_EXT_ZICBOP (1ull << 19)
#define HART_EXT_ZIHINTPAUSE (1ull << 20)
#define HART_EXT_ZIHINTNTL (1ull << 21)
#define HART_EXT_SSCOFPMF (1ull << 22)
#define HART_EXT_SMSTATEEN (1ull << 23)
#define HART_EXT_SVADU  (1ull << 24)  /* menvcfg.ADUE selects hardware A/D updates */
#define HART_EXT_ZIHPM  (1ull << 25)  /* mhpmcounter3..31 count events */
#define HART_EXT_SVADE  (1ull << 26)  /* without Svadu: A/D faults, no hardware update */

/* Zicbo* cache-block size in bytes (riscv,cbo*-block-size). */
#define HART_CBO_BLOCK 64

typedef struct HartConfig {
    uint64_t hartid;
    uint64_t ext;            /* HART_EXT_* enabled */
    /* Zihpm: the programmable counters are mhpmcounter3..(2 + pmu_num),
     * the others do not exist (QEMU 7.2's pmu-num). 0 means QEMU's
     * default, 16; at most 29. Without Zihpm there are none (pmu-num=0). */
    uint32_t pmu_num;
    uint64_t reset_pc;
    /* Source of the `time` CSR and CLINT-style mtime (ticks, not ns). */
    uint64_t (*read_time)(void *opaque);
    void *time_opaque;
    /* Sstc: the S-mode timer compare changed (value in `time` ticks;
     * enabled = menvcfg.STCE). The board's timer then drives MIP_STIP
     * through hart_set_irq() while time >= stimecmp. Called with
     * time_opaque; NULL when the hart has no Sstc. */
    void (*stimecmp_changed)(void *opaque, uint64_t stimecmp, bool enabled);
    /* The machine's log (-d in_asm, int, exec, cpu, fpu, mmu, cpu_reset,
     * unimp, guest_errors), or NULL. Read once by hart_new(). */
    SimLog *log;
} HartConfig;

Hart *hart_new(AddressSpace *as, const HartConfig *cfg, Error **errp);
void hart_free(Hart *h);
/* Architectural reset: M mode, pc = reset_pc, caches flushed. */
void hart_reset(Hart *h);

/* Run up to budget steps; *executed receives the steps taken. */
HartExit hart_run(Hart *h, uint64_t budget, uint64_t *executed);
void hart_kick(Hart *h);

/* Total steps since creation (part of the saved state). */
uint64_t hart_icount(const Hart *h);

/* Drive one or more MIP bits (level-sensitive lines from devices). */
void hart_set_irq(Hart *h, uint64_t mip_mask, bool level);
/* True when an enabled interrupt is pending (used for WFI wakeup). */
bool hart_irq_pending(const Hart *h);
/* True while the hart waits in WFI (it leaves when hart_irq_pending()). */
bool hart_in_wfi(const Hart *h);

/* Register access for the gdbstub, monitor and tests. Numbering follows GDB's
 * riscv target: 0-31 x regs, 32 pc, 33-64 f regs, 65.. CSRs (65 + csr number). */
bool hart_read_reg(Hart *h, int regno, uint64_t *value);
bool hart_write_reg(Hart *h, int regno, uint64_t value);
uint64_t hart_get_pc(const Hart *h);
void hart_set_pc(Hart *h, uint64_t pc);
uint64_t hart_get_xreg(const Hart *h, int r);
void hart_set_xreg(Hart *h, int r, uint64_t v);
int hart_priv(const Hart *h);     /* 0 U, 1 S, 3 M */

/* Debug memory access through the hart's current translation (gdb 'm'/'M'). */
bool hart_debug_read(Hart *h, uint64_t vaddr, void *buf, size_t len);
bool hart_debug_write(Hart *h, uint64_t vaddr, const void *buf, size_t len);

/* Debugger breakpoints (virtual pc) and watchpoints (virtual addresses). */
bool hart_breakpoint_insert(Hart *h, uint64_t pc);
bool hart_breakpoint_remove(Hart *h, uint64_t pc);
typedef enum { WATCH_WRITE = 1, WATCH_READ = 2, WATCH_ACCESS = 3 } WatchKind;
bool hart_watchpoint_insert(Hart *h, uint64_t addr, uint64_t len, WatchKind kind);
bool hart_watchpoint_remove(Hart *h, uint64_t addr, uint64_t len, WatchKind kind);
/* After HART_EXIT_WATCHPOINT: the address that triggered. A watchpoint
 * stops the hart before the instruction that makes the access: pc is that
 * instruction, the step count does not include it, memory and registers
 * are untouched (QEMU's riscv target does the same, and gdb expects it:
 * riscv watchpoints are "non-steppable" for gdb, which steps over the
 * access itself and then shows the old and new value). */
uint64_t hart_watch_hit_addr(const Hart *h);
/* Resume from a watchpoint stop: the instruction at the current pc, while
 * the step count is still the current one, makes its accesses without
 * stopping; the same lapse and cancel rules as hart_breakpoint_skip_once(). */
void hart_watchpoint_skip_once(Hart *h);
/* Resume from a breakpoint: the breakpoint at the current pc is passed over
 * once, by the first run that reaches it while the step count is still the
 * current one. Runs that end before executing it (zero budget, WFI, a kick)
 * keep the skip; once the hart has moved on it lapses, so a later visit to
 * the same pc (a loop, or an interrupt handler that returns there) stops
 * again. hart_set_pc(), hart_reset() and loading state cancel it. */
void hart_breakpoint_skip_once(Hart *h);

/*
 * Several harts on one address space. They run one at a time (the board
 * schedules them), and each must see the others' stores exactly as its own:
 * hart_set_peers() tells a hart who the others are, after which a store by
 * any of them into code another translated, or into page-table entries
 * another cached translations from, drops that hart's stale copies (as a
 * DMA write would). harts[] lists them all (h included); n <= 1 means no
 * peers. Flushes h's caches. False when out of memory.
 */
bool hart_set_peers(Hart *h, Hart *const *harts, int n);
/* The board switches away from this hart: its LR reservation ends. Other
 * harts run next and may store to the reservation set, so a switch always
 * breaks it (a spurious SC failure is allowed; the LR/SC loop retries when
 * the hart runs again). With that, no hart ever holds a reservation while
 * another one runs, and a store by another hart never meets a live one. */
void hart_drop_reservation(Hart *h);
/* Does the hart hold an LR reservation? */
bool hart_has_reservation(const Hart *h);

/* The state description (registered by the board as "hart0"), and the
 * address of the state it describes. */
extern const VMStateDescription hart_vmsd;
void *hart_state_ptr(Hart *h);

/* The registers as QEMU's `info registers` and -d cpu show them (fpu: the
 * floating-point registers too). Reads without side effects. */
void hart_dump_state(Hart *h, FILE *out, bool fpu);

/* Flush every translation cache (TBs and TLB); used after loads and by tests. */
void hart_flush_caches(Hart *h);

/* Guest RAM [paddr, paddr+len) was written behind the hart's back (device
 * DMA, loaders after start): drop translated code from those pages. Stores
 * by the hart itself and hart_debug_write() need no call. */
void hart_invalidate_phys(Hart *h, uint64_t paddr, uint64_t len);

#endif
