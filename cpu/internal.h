/*
 * internal: private structures of the hart shared by hart.c, decode.c,
 * exec.c, csr.c, mmu.c and tb.c. Nothing outside cpu/ (and its unit tests)
 * includes this.
 *
 * Layout of the engine:
 *  - HartState: every architectural value, fixed-width, described by
 *    hart_vmsd. Nothing derived lives there.
 *  - Hart: HartState plus derived caches (TLB, translation blocks, jump
 *    cache, code-page markers), the run-loop bookkeeping and debug state.
 *  - A translation block (TB) is an array of pre-decoded Insn, each with a
 *    handler pointer. Handlers return EXEC_NEXT to fall through to the next
 *    Insn, or EXEC_END when they set pc themselves (taken branch, trap,
 *    system instruction, a device asking the hart to stop).
 */
#ifndef RRSIM_CPU_INTERNAL_H
#define RRSIM_CPU_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu/hart.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "rrsim's RAM fast path assumes a little-endian host"
#endif

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- opcodes (from insn.def) ---------------------------------------- */

enum { K_N, K_X, K_F };
#define F_END 1
/* The instruction needs every extension of its column, not just one. */
#define F_EXT_ALL 2
/* Extension columns of insn.def: the HART_EXT_* bits above bit 8 of the
 * flags; zero means the base ISA. */
#define E_SHIFT 8
#define E_ZBA    (HART_EXT_ZBA << E_SHIFT)
#define E_ZBB    (HART_EXT_ZBB << E_SHIFT)
#define E_ZBC    (HART_EXT_ZBC << E_SHIFT)
#define E_ZBS    (HART_EXT_ZBS << E_SHIFT)
#define E_ZBKB   (HART_EXT_ZBKB << E_SHIFT)
#define E_ZBKC   (HART_EXT_ZBKC << E_SHIFT)
#define E_ZBKX   (HART_EXT_ZBKX << E_SHIFT)
#define E_ZICOND (HART_EXT_ZICOND << E_SHIFT)
#define E_SVINVAL (HART_EXT_SVINVAL << E_SHIFT)
#define E_ZICBOM (HART_EXT_ZICBOM << E_SHIFT)
#define E_ZICBOZ (HART_EXT_ZICBOZ << E_SHIFT)
#define E_ZFH    (HART_EXT_ZFH << E_SHIFT)
#define E_ZFHMIN (HART_EXT_ZFHMIN << E_SHIFT)
#define E_ZFA    (HART_EXT_ZFA << E_SHIFT)

typedef enum Op {
#define INSN(name, kind, flags) OP_##name,
#include "cpu/insn.def"
#undef INSN
    OP_COUNT
} Op;

extern const char *const insn_names[OP_COUNT];
extern const uint8_t insn_kind[OP_COUNT];
extern const uint64_t insn_flags[OP_COUNT];

/* ---- privileged architecture constants (privileged spec 1.12) -------- */

enum { PRV_U = 0, PRV_S = 1, PRV_M = 3 };

#define MSTATUS_SIE   (1ull << 1)
#define MSTATUS_MIE   (1ull << 3)
#define MSTATUS_SPIE  (1ull << 5)
#define MSTATUS_MPIE  (1ull << 7)
#define MSTATUS_SPP   (1ull << 8)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP   (3ull << 11)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_FS    (3ull << 13)
#define MSTATUS_MPRV  (1ull << 17)
#define MSTATUS_SUM   (1ull << 18)
#define MSTATUS_MXR   (1ull << 19)
#define MSTATUS_TVM   (1ull << 20)
#define MSTATUS_TW    (1ull << 21)
#define MSTATUS_TSR   (1ull << 22)
#define MSTATUS_UXL   (3ull << 32)
#define MSTATUS_SXL   (3ull << 34)
#define MSTATUS_SD    (1ull << 63)
#define MSTATUS_XL64  ((2ull << 32) | (2ull << 34))

enum {
    EXC_INSN_MISALIGNED = 0, EXC_INSN_ACCESS = 1, EXC_ILLEGAL = 2, EXC_BREAKPOINT = 3,
    EXC_LOAD_MISALIGNED = 4, EXC_LOAD_ACCESS = 5, EXC_STORE_MISALIGNED = 6,
    EXC_STORE_ACCESS = 7, EXC_ECALL_U = 8, EXC_ECALL_S = 9, EXC_ECALL_M = 11,
    EXC_INSN_PAGE = 12, EXC_LOAD_PAGE = 13, EXC_STORE_PAGE = 15,
};

enum { IRQ_SSI = 1, IRQ_MSI = 3, IRQ_STI = 5, IRQ_MTI = 7, IRQ_SEI = 9, IRQ_MEI = 11,
       IRQ_LCOFI = 13 };

#define MIE_MASK  (MIP_SSIP | MIP_MSIP | MIP_STIP | MIP_MTIP | MIP_SEIP | MIP_MEIP)
#define MIDELEG_MASK (MIP_SSIP | MIP_STIP | MIP_SEIP)
/* Sscofpmf: the local counter overflow interrupt, raised by the hart itself
 * (a software-writable bit of mip, delegable to S). */
#define MIP_LCOFIP (1ull << IRQ_LCOFI)
/* Exceptions medeleg may delegate: everything defined except ECALL from M. */
#define MEDELEG_MASK 0xb3ffull

#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_MODE_SV57 10

/* menvcfg / senvcfg fields (privileged spec 3.1.18, 4.1.10). */
#define ENVCFG_FIOM   (1ull << 0)
#define ENVCFG_CBIE   (3ull << 4)
#define ENVCFG_CBIE_FLUSH (1ull << 4)
#define ENVCFG_CBIE_INVAL (3ull << 4)
#define ENVCFG_CBCFE  (1ull << 6)
#define ENVCFG_CBZE   (1ull << 7)
#define MENVCFG_ADUE  (1ull << 61)
#define MENVCFG_PBMTE (1ull << 62)
#define MENVCFG_STCE  (1ull << 63)
/* Cache-block size for Zicbom/Zicboz (QEMU's default, advertised in the FDT). */
#define CBO_BLOCK HART_CBO_BLOCK

/* Zihpm counters mhpmcounter3..31 (index i - HPM_FIRST in the arrays). */
#define HPM_FIRST 3
#define HPM_COUNT 29
#define HPM_DEFAULT 16       /* QEMU's pmu-num default */
/* mhpmevent fields: the event (QEMU 7.2 compares the low 20 bits, the SBI
 * event index) and the Sscofpmf bits (Sscofpmf spec, mhpmevent). */
#define HPM_EVENT_MASK 0xfffffull
#define HPM_EV_CYCLES 0x01
#define HPM_EV_INSTRET 0x02
#define MHPMEVENT_OF   (1ull << 63)
#define MHPMEVENT_MINH (1ull << 62)
#define MHPMEVENT_SINH (1ull << 61)
#define MHPMEVENT_UINH (1ull << 60)
/* mcountinhibit / mcounteren bits of the fixed counters. */
#define COUNTER_CY 1ull
#define COUNTER_IR 4ull
#define PMU_NEVER (~0ull)

/* Smstateen (mstateen0 bits this hart implements; the others are read-only
 * zero: no Zfinx fcsr, no Zcmt, no AIA, no custom state). Bit 63 of each
 * mstateenN opens sstateenN to S mode; mstateen0.ENVCFG opens senvcfg. */
#define STATEEN_SE     (1ull << 63)
#define STATEEN_ENVCFG (1ull << 62)

#define PMP_R 1
#define PMP_W 2
#define PMP_X 4
#define PMP_A_SHIFT 3
#define PMP_A_OFF 0
#define PMP_A_TOR 1
#define PMP_A_NA4 2
#define PMP_A_NAPOT 3
#define PMP_L 0x80
#define PMP_COUNT 16

/* Sdtrig: the number of triggers (QEMU 7.2's virt hart has two). */
#define TRIG_COUNT 2

/* Access types for translation, PMP and exceptions. */
typedef enum Access { ACC_READ = 0, ACC_WRITE = 1, ACC_EXEC = 2 } Access;

/* ---- architectural state --------------------------------------------- */

typedef struct HartState {
    uint64_t x[33];          /* x[32] absorbs writes to x0; only 0..31 are state */
    uint64_t f[32];
    uint64_t pc;
    uint64_t icount;         /* steps since creation */
    uint64_t instret_bias;   /* minstret = icount + instret_bias */
    uint64_t cycle_bias;     /* mcycle   = icount + cycle_bias */
    uint32_t priv;
    uint32_t wfi;            /* 1: stopped in WFI until an enabled interrupt is pending */
    uint32_t fflags;
    uint32_t frm;
    uint64_t mstatus;
    uint64_t medeleg, mideleg;
    uint64_t mie;
    uint64_t mip_sw;         /* software-writable mip bits (SSIP, STIP, SEIP) */
    uint64_t irq_lines;      /* device-driven mip bits */
    uint64_t mtvec, stvec;
    uint64_t mepc, sepc;
    uint64_t mcause, scause;
    uint64_t mtval, stval;
    uint64_t mscratch, sscratch;
    uint64_t mcounteren, scounteren;
    uint64_t mcountinhibit;  /* CY, IR, HPMn: a stopped counter's value is its bias */
    uint64_t menvcfg, senvcfg;
    uint64_t satp;
    uint64_t stimecmp;       /* Sstc */
    uint64_t pmpaddr[PMP_COUNT];
    uint8_t pmpcfg[PMP_COUNT];
    uint64_t res_addr;       /* LR/SC reservation address, valid when res_valid */
    uint64_t res_value;      /* value loaded by the LR */
    uint32_t res_valid;
    uint32_t pad0;
    /* Sdtrig (trig.c): the selected trigger, and each trigger's tdata1
     * (always a legal mcontrol or mcontrol6 value) and tdata2. tdata3
     * holds nothing (no textra) and reads as 0. */
    uint64_t tselect;
    uint64_t tdata1[TRIG_COUNT];
    uint64_t tdata2[TRIG_COUNT];
    /* Zihpm: mhpmevent3..31 as written; mhpmcounter3..31 = icount + bias
     * while the counter counts (Hart.hpm_run), bias while it does not. */
    uint64_t mhpmevent[HPM_COUNT];
    uint64_t hpm_bias[HPM_COUNT];
    uint64_t mstateen[4];    /* Smstateen */
    uint64_t sstateen[4];
} HartState;

/* ---- decoded instructions and translation blocks --------------------- */

typedef struct Insn Insn;
typedef const Insn *(*InsnFn)(Hart *h, const Insn *in);
typedef int (*InsnStepFn)(Hart *h, const Insn *in);

enum { EXEC_NEXT = 0, EXEC_END = 1 };

struct Insn {
    InsnFn fn;               /* threaded handler (see exec.c) */
    int64_t imm;             /* immediate; CSR number for CSR instructions */
    uint64_t pc;             /* virtual pc of this instruction */
    uint32_t raw;            /* instruction bits (expanded form is not kept) */
    uint16_t op;
    uint8_t rd, rs1, rs2, rs3;
    uint8_t rm;              /* rounding mode field; AMO aq/rl are ignored */
    uint8_t len;             /* 2 or 4 */
};

/* Decoded form without a handler, as the decoder produces it. */
typedef struct DecodedInsn {
    uint16_t op;
    uint8_t rd, rs1, rs2, rs3, rm, len;
    int64_t imm;
    uint32_t raw;
} DecodedInsn;

#define TB_MAX_INSNS 64

typedef struct TB {
    uint64_t vpc;
    uint64_t ppc;
    uint64_t ppage2;         /* second physical page for a straddling last insn, or ~0 */
    struct TB *hash_next;
    struct TB *page_next[2]; /* links in the code lists of page ppc and page ppage2 */
    Insn *insns;             /* n instructions, then a sentinel */
    uint32_t n;
    uint32_t size;           /* bytes of guest code, from vpc */
    uint32_t valid;
    uint32_t pad;
} TB;

/* A physical page whose stores must be checked: it holds translated code
 * (its blocks and which halfwords they were decoded from, so stores that
 * miss the code need not invalidate anything), or page-table entries that
 * cached translations were derived from (see mmu.c: such a store drops
 * every cached translation). Allocated on first use, kept until the hart is
 * freed (a flush only empties it), so TLB entries may point at it. */
#define CP_WORDS (MEM_PAGE_SIZE / 2 / 64)
typedef struct CodePage {
    TB *tbs;                 /* blocks with code on this page (through page_next) */
    uint32_t ntbs;
    uint32_t pt;             /* 1: on the hart's pt_pages list (ptes not all 0) */
    /* 1: another hart may hold code or cached translations from this page
     * (hart_set_peers()), so this hart's stores to it are checked against
     * theirs. Cleared lazily, by a store that finds nothing there. */
    uint32_t remote;
    uint32_t pad;
    uint64_t ppage;
    uint64_t bits[CP_WORDS]; /* bit i: halfword i of the page holds translated code */
    uint64_t ptes[MEM_PAGE_SIZE / 8 / 64]; /* bit i: cached translations read PTE i */
} CodePage;

#define TB_POOL_SIZE  (1u << 15)
#define INSN_POOL_SIZE (1u << 18)
#define TB_HASH_BITS 15
#define JC_BITS 12

typedef struct JCEntry {
    uint64_t vpc;
    TB *tb;
    uint64_t priv;
} JCEntry;

/* ---- TLB ---------------------------------------------------------------- */

#define TLB_BITS 8
#define TLB_SIZE (1u << TLB_BITS)
#define TLB_INVALID (~0ull)
#define PAGE_MASK (~(uint64_t)(MEM_PAGE_SIZE - 1))

/* One entry caches a 4 KiB virtual page mapped to RAM/ROM. A tag equals the
 * page's virtual address when that kind of access may use the host pointer;
 * ROM leaves tag_w invalid so stores take the slow path. A RAM page whose
 * stores must be checked (CodePage: translated code, or page-table entries)
 * gets tag_w = page | TLB_CODE: the inline fast path misses, and the slow
 * path's first step recognises the entry and stores directly when the bytes
 * hold no code and the page no page-table entries, without walking page
 * tables or PMP again. */
#define TLB_CODE 0x800ull    /* never set in an (aligned) address compared to a tag */
typedef struct TLBEntry {
    uint64_t tag_r, tag_w, tag_x;
    uintptr_t addend;        /* host pointer = vaddr + addend */
    uint64_t ppage;
    uint64_t *dirty_word;    /* RAM dirty bitmap word and bit for the page */
    uint64_t dirty_bit;
    CodePage *code;          /* the page's code record when tag_w has TLB_CODE */
} TLBEntry;

/* TLB sets: one per effective privilege (U, S, M). */
enum { MMU_U = 0, MMU_S = 1, MMU_M = 2, MMU_COUNT = 3 };

#define MAX_BREAKPOINTS 64
#define MAX_WATCHPOINTS 16

typedef struct Watchpoint {
    uint64_t addr, len;
    int kind;
} Watchpoint;

struct Hart {
    HartState s;

    /* Derived from s; recomputed by hart_update_mode(). */
    int dmmu;                /* TLB set for data accesses (MPRV applied) */
    TLBEntry *dtlb;          /* == tlb[dmmu] */
    int dpriv;               /* effective privilege for data accesses */

    /* One entry per cache line: the fast path of every load and store
     * reads one (hart_new() allocates the Hart aligned for it). */
    _Alignas(64) TLBEntry tlb[MMU_COUNT][TLB_SIZE];
    JCEntry jc[1u << JC_BITS];

    /* Run-loop bookkeeping. */
    bool running;
    bool stop;               /* leave the current block after this instruction */
    bool kicked;
    bool watch_hit;
    uint64_t watch_hit_addr;
    /* Sdtrig, derived from s.tdata1/s.tdata2 by trig_update(): bit i set
     * when trigger i can fire on execution (trig_exec) or on loads/stores
     * (trig_mem), in some mode. Both are zero when no trigger is armed,
     * which keeps every trigger check out of the way (see trig.c). */
    uint32_t trig_exec;
    uint32_t trig_mem;
    uint64_t blk_icount;     /* icount at the start of the executing block */
    uint64_t run_end;        /* icount at which hart_run() must stop */
    uint64_t budget_end;     /* where the executing blocks must stop:
                              * min(run_end, pmu_deadline) */
    uint32_t chain_left;     /* blocks that may still be chained without returning */
    /* -d exec or cpu is on: every block enters through the run loop's
     * stepping path, which logs it (the threaded path never looks). */
    uint32_t log_blk;
    const Insn *blk_first;

    /* Derived from s (pmu.c, recomputed by pmu_refresh()). Bit i stands
     * for mhpmcounter i. */
    uint32_t hpm_run;        /* counters counting now (event, inhibit, mode) */
    uint32_t hpm_ir;         /* counters whose event is retired instructions */
    uint32_t hpm_modal;      /* counters whose counting depends on the mode */
    uint32_t hpm_num;        /* programmable counters (0 without Zihpm) */
    uint64_t pmu_deadline;   /* earliest step an overflow is armed for */
    uint64_t hpm_ovf_at[HPM_COUNT]; /* per counter; PMU_NEVER when unarmed */

    AddressSpace *as;
    HartConfig cfg;
    SimLog *log;             /* cfg.log when some item is on, else NULL */
    /* The other harts on the same memory (hart_set_peers()); none with one
     * hart, which keeps every check below off the single-hart path. */
    Hart **peers;
    uint32_t npeers;

    /* Translation cache. */
    TB *tb_pool;
    uint32_t tb_used;
    Insn *insn_pool;
    uint32_t insn_used;
    TB *tb_hash[1u << TB_HASH_BITS];
    /* Per RAM/ROM region, one pointer per page to its code record (or NULL). */
    CodePage **codemap[MEM_MAX_REGIONS];
    CodePage **cp_all;       /* every code record allocated, for flushes */
    uint32_t cp_count, cp_cap;
    /* Pages the cached translations (TLB, jump cache) were walked through;
     * a store to one of them drops those caches (mmu.c). */
    CodePage **pt_pages;
    uint32_t pt_count, pt_cap;
    uint64_t tb_translations; /* blocks translated since creation (statistics, tests) */

    /* Debugger. */
    uint64_t bp[MAX_BREAKPOINTS];
    int nbp;
    Watchpoint wp[MAX_WATCHPOINTS];
    int nwp;
    /* hart_breakpoint_skip_once(): the breakpoint at bp_skip_pc is passed
     * over once, while the step count is still bp_skip_icount. Not saved. */
    bool bp_skip;
    uint64_t bp_skip_pc;
    uint64_t bp_skip_icount;
    /* hart_watchpoint_skip_once(): the same for the watchpoints, which stop
     * before the accessing instruction. Not saved. */
    bool wp_skip;
    uint64_t wp_skip_pc;
    uint64_t wp_skip_icount;
};

/* ---- cross-file functions ------------------------------------------- */

/* decode.c */
/* Decode one instruction (16- or 32-bit, compressed forms expanded). Unknown
 * or reserved encodings give OP_illegal. Always succeeds. */
void riscv_decode(uint32_t raw, DecodedInsn *d);

/* exec.c */
extern const InsnFn insn_handlers[OP_COUNT];
extern const InsnStepFn insn_step[OP_COUNT];
extern const InsnFn insn_block_end;   /* sentinel after a block's last Insn */

/* hart.c */
/* Sync icount to the instruction being executed (before device calls). */
static inline void hart_sync_icount(Hart *h, const Insn *in)
{
    if (h->blk_first)
        h->s.icount = h->blk_icount + (uint64_t)(in - h->blk_first);
}
/* Take an exception at instruction `in`: trap entry, pc set; returns EXEC_END.
 * The step count is synchronised first (the counters need it). */
int hart_raise(Hart *h, const Insn *in, uint64_t cause, uint64_t tval);
/* Raise an exception at an explicit pc (no Insn, e.g. fetch faults). */
void hart_trap(Hart *h, uint64_t cause, uint64_t tval, uint64_t epc, bool irq);
void hart_set_priv(Hart *h, int priv);
/* The privilege an xRET returns to (counters filtered by mode, Sscofpmf,
 * need to know: the xRET itself ran in the old one). */
void hart_xret_priv(Hart *h, const Insn *in, int priv);
/* Recompute derived mode (data privilege) after mstatus/priv changes. */
void hart_update_mode(Hart *h);
uint64_t hart_read_mip(const Hart *h);
/* Tell the board's Sstc timer about stimecmp / menvcfg.STCE. */
void hart_stimecmp_changed(Hart *h);
/* End the current block after this instruction, resuming at next pc. */
static inline int hart_end_block(Hart *h, const Insn *in)
{
    h->s.pc = in->pc + in->len;
    return EXEC_END;
}

/* csr.c: return false for an illegal access (caller raises). */
bool csr_read(Hart *h, const Insn *in, unsigned csr, uint64_t *val);
bool csr_write(Hart *h, const Insn *in, unsigned csr, uint64_t val);
/* The value CSRRS/CSRRC modify: for mip, SEIP without the external line
 * (privileged spec 3.1.9); otherwise the value read. */
uint64_t csr_rmw_base(const Hart *h, unsigned csr, uint64_t read_value);
/* Legal value of menvcfg (m) or senvcfg for this hart's extensions. */
uint64_t envcfg_legal(const Hart *h, uint64_t v, bool m);
/* Legal value of mstateenN (m) or sstateenN for this hart (Smstateen). */
uint64_t stateen_legal(const Hart *h, unsigned n, uint64_t v, bool m);
/* Debugger access: no privilege checks, no side effects beyond the write. */
bool csr_debug_read(Hart *h, unsigned csr, uint64_t *val);
bool csr_debug_write(Hart *h, unsigned csr, uint64_t val);

/* The interrupt bits mie/mip have on this hart (LCOFI with Sscofpmf). */
static inline uint64_t hart_irq_mask(const Hart *h)
{
    return MIE_MASK | ((h->cfg.ext & HART_EXT_SSCOFPMF) ? MIP_LCOFIP : 0);
}

/* Programmable counters the hart has (Zihpm; HartConfig.pmu_num). */
static inline uint32_t hart_pmu_num(const Hart *h)
{
    if (!(h->cfg.ext & HART_EXT_ZIHPM))
        return 0;
    return h->cfg.pmu_num ? h->cfg.pmu_num : HPM_DEFAULT;
}

/* pmu.c: the programmable counters (Zihpm, Sscofpmf). Points are step
 * counts: the counters have counted the steps before the point. */
/* The point a CSR write takes effect: after the executing instruction
 * (icount is synchronised to it), or now for the debugger. */
static inline uint64_t csr_point(const Hart *h)
{
    return h->s.icount + (h->blk_first != NULL);
}
uint64_t pmu_read(const Hart *h, unsigned idx);
void pmu_write(Hart *h, unsigned idx, uint64_t v);
void pmu_write_event(Hart *h, unsigned idx, uint64_t v);
/* mcountinhibit changed to v (already legal). */
void pmu_write_inhibit(Hart *h, uint64_t v);
/* scountovf as read at the current privilege. */
uint64_t pmu_scountovf(const Hart *h);
/* An exception step (it did not retire) is ending, before trap entry. */
void pmu_exception(Hart *h);
/* The privilege changed at `point` (trap entry, xRET): only needed when
 * some counter's counting depends on the mode (hpm_modal). */
void pmu_mode_changed(Hart *h, uint64_t point);
/* The step count reached pmu_deadline: take the overflows due there. */
void pmu_deadline_reached(Hart *h);
/* Recompute the derived PMU state after reset or a snapshot load. */
void pmu_refresh(Hart *h);

/* mmu.c */
/* Drop the TLB's entries (and nothing else: the jump cache may still hold
 * translations, so the page-table pages stay watched). */
void tlb_flush(Hart *h);
/* Drop every cached translation: TLB, jump cache, and the page-table page
 * marks they depended on. */
void mmu_flush_translations(Hart *h);
/* A store or DMA changed guest RAM [paddr, paddr+len): if it touched a page
 * that cached translations were walked through, drop them all. Returns true
 * when it did (the executing block must end: its next fetch must walk). */
bool mmu_pt_write(Hart *h, uint64_t paddr, uint64_t len);
/* Translate vaddr for access by privilege priv (data: dpriv; fetch: priv).
 * On failure returns the exception cause (>=0 never 0 for success) via *cause. */
bool mmu_translate(Hart *h, uint64_t vaddr, Access acc, int priv, uint64_t *paddr,
                   uint64_t *cause, bool debug);
bool pmp_check(const Hart *h, uint64_t paddr, uint64_t size, Access acc, int priv);
/* Slow paths used by exec.c. They complete the access (or raise) and return
 * EXEC_NEXT / EXEC_END. */
int mmu_load_slow(Hart *h, const Insn *in, uint64_t va, unsigned size, uint64_t *val);
int mmu_store_slow(Hart *h, const Insn *in, uint64_t va, unsigned size, uint64_t val);
/* Host pointer for a read-modify-write of size bytes (AMO), or NULL after
 * raising (EXEC_END stored in *status) — MMIO AMOs go through *mmio. */
typedef struct AmoTarget {
    uint8_t *host;
    uint64_t paddr;
    bool mmio;
} AmoTarget;
int mmu_amo_prepare(Hart *h, const Insn *in, uint64_t va, unsigned size, bool is_lr,
                    AmoTarget *t);
/* Cache-block operation on the block holding va (rs1, any alignment; a
 * fault reports va itself): CBO.ZERO when zero, else the permission check of
 * CBO.CLEAN/FLUSH/INVAL. Returns like the slow paths: 0, 1 after raising, 2
 * when the block must end. */
int mmu_cbo(Hart *h, const Insn *in, uint64_t va, bool zero);
/* Fetch support for the translator: host pointer to the page of vaddr
 * (read-only use) and its physical page. Returns false with *cause set. */
bool mmu_fetch_page(Hart *h, uint64_t vaddr, const uint8_t **host, uint64_t *ppage,
                    uint64_t *cause);
/* The first block on page cp->ppage was translated: stores to it must be
 * checked against cp from now on. */
void mmu_code_page_added(Hart *h, CodePage *cp);
/* This hart wrote RAM [paddr, paddr+len): its peers drop the code and the
 * cached translations derived from those bytes. Only called with peers. */
void mmu_peers_written(Hart *h, uint64_t paddr, uint64_t len);
/* Debug access through current translation. */
bool mmu_debug_access(Hart *h, uint64_t vaddr, void *buf, size_t len, bool write);

/* trig.c */
/* Trigger CSRs (tselect, tdata1-3, tinfo): false when csr is not one of
 * them or the hart has no Sdtrig. Writes keep the registers legal. */
bool trig_csr_read(const Hart *h, unsigned csr, uint64_t *val);
bool trig_csr_write(Hart *h, unsigned csr, uint64_t val);
/* Reset values: every trigger a disabled mcontrol, tselect 0. */
void trig_reset(Hart *h);
/* Recompute the derived trigger state after tdata changed; drops the TLB
 * entries that would let an access bypass a load/store trigger. */
void trig_update(Hart *h);
/* Is the saved trigger state one this hart can hold? (post_load) */
bool trig_state_valid(const Hart *h);
/* At an instruction boundary, with trig_exec set: an execute trigger on
 * pc takes its breakpoint exception; returns true when one did. */
bool trig_exec_fire(Hart *h);
/* Might an execute trigger fire inside [lo, hi) (virtual pc)? */
bool trig_exec_within(const Hart *h, uint64_t lo, uint64_t hi);
/* Kinds of data access for trig_mem_fire(). */
enum { TRIG_LOAD = 1, TRIG_STORE = 2, TRIG_CBO = 4 };
/* Before a load/store/AMO/CBO of [va, va+size) (before translation: the
 * breakpoint has priority over its faults), with trig_mem set: a matching
 * trigger takes its breakpoint exception at `in`; returns true when one did. */
bool trig_mem_fire(Hart *h, const Insn *in, uint64_t va, uint64_t size, int kind);
/* Does a load/store trigger watch part of the virtual page vpage? Such a
 * page never gets a TLB data tag, so its accesses reach trig_mem_fire(). */
bool trig_page_watched(const Hart *h, uint64_t vpage);

/* cpulog.c: the hart's -d output (callers test log_on() first). */
void cpu_log_translated(Hart *h, const TB *tb);    /* in_asm */
void cpu_log_block(Hart *h, const TB *tb);         /* exec, cpu */
void cpu_log_trap(Hart *h, uint64_t cause, uint64_t tval, uint64_t epc, bool irq); /* int */
void cpu_log_translate(Hart *h, uint64_t va, Access acc, int priv, bool ok, uint64_t pa); /* mmu */

/* tb.c */
bool tb_init(Hart *h);
void tb_free_all(Hart *h);
void tb_flush(Hart *h);
void tb_jc_flush(Hart *h);
/* Find or translate the block at the current pc. Returns NULL when fetching
 * raised an exception (already taken; counts as a step). */
TB *tb_find(Hart *h);
static inline uint32_t tb_jc_idx(uint64_t vpc)
{
    return (uint32_t)((vpc >> 1) & ((1u << JC_BITS) - 1));
}
/* tb_find() with the jump-cache hit inlined. */
static inline TB *tb_lookup(Hart *h)
{
    const JCEntry *j = &h->jc[tb_jc_idx(h->s.pc)];
    if (likely(j->vpc == h->s.pc && j->priv == h->s.priv && j->tb))
        return j->tb;
    return tb_find(h);
}
/* The record of a physical page, or NULL if it never had one. */
CodePage *tb_code_page(Hart *h, uint64_t ppage);
/* The record of a RAM/ROM page, created on first use; NULL when the page is
 * not RAM/ROM or memory ran out. */
CodePage *tb_code_page_get(Hart *h, uint64_t ppage);
/* Does [off, off+len) of the page (within the page) hold translated code? */
static inline bool tb_code_overlaps(const CodePage *cp, uint32_t off, uint32_t len)
{
    uint32_t first = off >> 1, last = (off + len - 1) >> 1;
    for (uint32_t w = first >> 6; w <= last >> 6; w++) {
        uint64_t m = ~0ull;
        if (w == first >> 6)
            m &= ~0ull << (first & 63);
        if (w == last >> 6)
            m &= ~0ull >> (63 - (last & 63));
        if (cp->bits[w] & m)
            return true;
    }
    return false;
}
/* Invalidate the blocks holding code in [paddr, paddr+len) (any length).
 * Returns true when a block was invalidated. */
bool tb_invalidate_phys(Hart *h, uint64_t paddr, uint64_t len);

/* Region lookup helper (RAM/ROM only); returns the region index or -1. */
static inline int hart_ram_region(const Hart *h, uint64_t paddr, uint64_t len)
{
    const AddressSpace *as = h->as;
    for (int i = 0; i < as->nregions; i++) {
        const MemRegion *r = &as->regions[i];
        if (paddr >= r->base && paddr - r->base < r->size && len <= r->size - (paddr - r->base))
            return r->kind == MEM_MMIO ? -1 : i;
    }
    return -1;
}

#endif
