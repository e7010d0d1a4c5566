/*
 * csr: the control and status registers (privileged spec 1.12 chapters 2-4,
 * Zicsr), with their WARL masks and access rules.
 *
 * Access rules (2.1): csr[9:8] is the lowest privilege that may access the
 * register, csr[11:10] == 3 marks it read-only. Accessing a CSR that does not
 * exist, from too low a privilege, or writing a read-only one, is an illegal
 * instruction; so are the counter CSRs when mcounteren/scounteren deny them,
 * satp under TVM and fflags/frm/fcsr while mstatus.FS is Off; with
 * Smstateen, sstateenN and senvcfg below M unless mstateenN allows them.
 * The trigger CSRs (Sdtrig) are trig.c's.
 *
 * The hpm counters follow QEMU 7.2 (pmu.c): without Zihpm (pmu-num=0)
 * mhpmcounter3..31 and hpmcounter3..31 do not exist, with it those beyond
 * pmu-num do not; mhpmevent3..31 always hold what is written.
 */
#include "cpu/internal.h"

enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03, CSR_HPMCOUNTER31 = 0xc1f,
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105, CSR_SCOUNTEREN = 0x106,
    CSR_SENVCFG = 0x10a, CSR_SSTATEEN0 = 0x10c, CSR_SSTATEEN3 = 0x10f,
    CSR_SSCRATCH = 0x140, CSR_SEPC = 0x141, CSR_SCAUSE = 0x142,
    CSR_STVAL = 0x143, CSR_SIP = 0x144, CSR_SATP = 0x180,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304, CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a,
    CSR_MSTATEEN0 = 0x30c, CSR_MSTATEEN3 = 0x30f,
    CSR_MCOUNTINHIBIT = 0x320, CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343,
    CSR_MIP = 0x344, CSR_STIMECMP = 0x14d,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG15 = 0x3af, CSR_PMPADDR0 = 0x3b0, CSR_PMPADDR63 = 0x3ef,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02, CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13, CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15, CSR_SCOUNTOVF = 0xda0,
};

/* RV64 I M A F D C S U */
#define MISA_VALUE ((2ull << 62) | (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | \
                    (1u << ('A' - 'A')) | (1u << ('F' - 'A')) | (1u << ('D' - 'A')) | \
                    (1u << ('C' - 'A')) | (1u << ('S' - 'A')) | (1u << ('U' - 'A')))

#define MSTATUS_WMASK (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | \
                       MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | \
                       MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR)
#define SSTATUS_MASK (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM | \
                      MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)
#define SIP_WMASK MIP_SSIP
#define MIP_WMASK (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define PMPADDR_MASK ((1ull << 54) - 1)

/* mcycle and minstret (cycle = step here): while counting, value = icount +
 * bias; while stopped by mcountinhibit, value = bias. */
static uint64_t counter_value(const Hart *h, uint64_t bias, uint64_t bit)
{
    return (h->s.mcountinhibit & bit) ? bias : h->s.icount + bias;
}

/* A CSR write takes effect after the writing instruction retires, which
 * must not count (privileged spec 3.1.10). */
static void counter_write(Hart *h, uint64_t *bias, uint64_t bit, uint64_t v)
{
    *bias = (h->s.mcountinhibit & bit) ? v : v - csr_point(h);
}

static void counter_inhibit(Hart *h, uint64_t *bias, uint64_t bit, uint64_t new_inhibit)
{
    uint64_t was = h->s.mcountinhibit & bit, now = new_inhibit & bit;
    if (was == now)
        return;
    uint64_t v = counter_value(h, *bias, bit);
    if (now)
        *bias = v;
    else
        *bias = v - csr_point(h);
}

/* mcountinhibit: CY, IR and the programmable counters the hart has. */
static uint64_t inhibit_mask(const Hart *h)
{
    return COUNTER_CY | COUNTER_IR | (((1ull << hart_pmu_num(h)) - 1) << HPM_FIRST);
}

static bool hpm_exists(const Hart *h, unsigned idx)
{
    return idx >= HPM_FIRST && idx < HPM_FIRST + h->hpm_num;
}

/* Smstateen: the writable bits of mstateenN and sstateenN. The sstateen0
 * bits (custom state, Zfinx's fcsr, Zcmt's jvt) all stand for state this
 * hart does not have. */
uint64_t stateen_legal(const Hart *h, unsigned n, uint64_t v, bool m)
{
    (void)h;
    if (!m)
        return 0;
    return v & (n == 0 ? STATEEN_SE | STATEEN_ENVCFG : STATEEN_SE);
}

static uint64_t mstatus_read(const Hart *h)
{
    uint64_t st = h->s.mstatus | MSTATUS_XL64;
    if ((st & MSTATUS_FS) == MSTATUS_FS)
        st |= MSTATUS_SD;
    return st;
}

/* Counter access from S/U per mcounteren/scounteren (3.1.11, 4.1.4). */
static bool counter_allowed(const Hart *h, unsigned idx)
{
    if (h->s.priv == PRV_M)
        return true;
    if (!((h->s.mcounteren >> idx) & 1))
        return false;
    if (h->s.priv == PRV_U && !((h->s.scounteren >> idx) & 1))
        return false;
    return true;
}

static bool pmp_entry_locked(const Hart *h, unsigned i)
{
    return (h->s.pmpcfg[i] & PMP_L) != 0;
}

static void pmp_changed(Hart *h)
{
    mmu_flush_translations(h);
}

/* The writable fields of menvcfg/senvcfg: those of the enabled extensions.
 * CBIE's reserved value 2 reads as 0 (WARL). */
uint64_t envcfg_legal(const Hart *h, uint64_t v, bool m)
{
    uint64_t mask = ENVCFG_FIOM;
    if (h->cfg.ext & HART_EXT_ZICBOM)
        mask |= ENVCFG_CBIE | ENVCFG_CBCFE;
    if (h->cfg.ext & HART_EXT_ZICBOZ)
        mask |= ENVCFG_CBZE;
    if (m && (h->cfg.ext & HART_EXT_SVPBMT))
        mask |= MENVCFG_PBMTE;
    if (m && (h->cfg.ext & HART_EXT_SSTC))
        mask |= MENVCFG_STCE;
    if (m && (h->cfg.ext & HART_EXT_SVADU))
        mask |= MENVCFG_ADUE;
    v &= mask;
    if ((v & ENVCFG_CBIE) == (2ull << 4))
        v &= ~ENVCFG_CBIE;
    return v;
}

static uint64_t tvec_legal(uint64_t old, uint64_t v)
{
    /* Modes 0 (direct) and 1 (vectored); reserved modes keep the old value. */
    if ((v & 3) >= 2)
        return old;
    return v & ~2ull;
}

/* Core read without privilege checks. in may be NULL (debugger). */
static bool csr_get(Hart *h, unsigned csr, uint64_t *v)
{
    HartState *s = &h->s;
    switch (csr) {
    case CSR_FFLAGS: *v = s->fflags; return true;
    case CSR_FRM: *v = s->frm; return true;
    case CSR_FCSR: *v = (s->frm << 5) | s->fflags; return true;
    case CSR_CYCLE: case CSR_MCYCLE: *v = counter_value(h, s->cycle_bias, COUNTER_CY); return true;
    case CSR_INSTRET: case CSR_MINSTRET:
        *v = counter_value(h, s->instret_bias, COUNTER_IR);
        return true;
    case CSR_TIME:
        *v = h->cfg.read_time ? h->cfg.read_time(h->cfg.time_opaque) : s->icount;
        return true;
    case CSR_SSTATUS: *v = mstatus_read(h) & SSTATUS_MASK; return true;
    case CSR_SIE: *v = s->mie & s->mideleg; return true;
    case CSR_STVEC: *v = s->stvec; return true;
    case CSR_SCOUNTEREN: *v = s->scounteren; return true;
    case CSR_SENVCFG: *v = s->senvcfg; return true;
    case CSR_SSCRATCH: *v = s->sscratch; return true;
    case CSR_SEPC: *v = s->sepc; return true;
    case CSR_SCAUSE: *v = s->scause; return true;
    case CSR_STVAL: *v = s->stval; return true;
    case CSR_SIP: *v = hart_read_mip(h) & s->mideleg; return true;
    case CSR_SATP: *v = s->satp; return true;
    case CSR_STIMECMP:
        if (!(h->cfg.ext & HART_EXT_SSTC))
            return false;
        *v = s->stimecmp;
        return true;
    case CSR_MSTATUS: *v = mstatus_read(h); return true;
    case CSR_MISA: *v = MISA_VALUE; return true;
    case CSR_MEDELEG: *v = s->medeleg; return true;
    case CSR_MIDELEG: *v = s->mideleg; return true;
    case CSR_MIE: *v = s->mie; return true;
    case CSR_MTVEC: *v = s->mtvec; return true;
    case CSR_MCOUNTEREN: *v = s->mcounteren; return true;
    case CSR_MENVCFG: *v = s->menvcfg; return true;
    case CSR_MCOUNTINHIBIT: *v = s->mcountinhibit; return true;
    case CSR_MSCRATCH: *v = s->mscratch; return true;
    case CSR_MEPC: *v = s->mepc; return true;
    case CSR_MCAUSE: *v = s->mcause; return true;
    case CSR_MTVAL: *v = s->mtval; return true;
    case CSR_MIP: *v = hart_read_mip(h); return true;
    case CSR_MVENDORID: case CSR_MARCHID: case CSR_MIMPID: case CSR_MCONFIGPTR:
        *v = 0;
        return true;
    case CSR_MHARTID: *v = h->cfg.hartid; return true;
    default:
        break;
    }
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        unsigned n = csr - CSR_PMPCFG0;
        if (n & 1)
            return false;       /* odd pmpcfg CSRs do not exist on RV64 */
        *v = 0;
        if (n < 4)
            for (int i = 0; i < 8; i++)
                *v |= (uint64_t)s->pmpcfg[n * 4 + (unsigned)i] << (8 * i);
        return true;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        unsigned n = csr - CSR_PMPADDR0;
        *v = n < PMP_COUNT ? s->pmpaddr[n] : 0;
        return true;
    }
    if (csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31) {
        if (!hpm_exists(h, csr - CSR_CYCLE))
            return false;
        *v = pmu_read(h, csr - CSR_CYCLE);
        return true;
    }
    if (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) {
        if (!hpm_exists(h, csr - CSR_MCYCLE))
            return trig_csr_read(h, csr, v);
        *v = pmu_read(h, csr - CSR_MCYCLE);
        return true;
    }
    if (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31) {
        *v = s->mhpmevent[csr - CSR_MHPMEVENT3];
        return true;
    }
    if (csr == CSR_SCOUNTOVF && (h->cfg.ext & HART_EXT_SSCOFPMF)) {
        *v = pmu_scountovf(h);
        return true;
    }
    if (h->cfg.ext & HART_EXT_SMSTATEEN) {
        if (csr >= CSR_MSTATEEN0 && csr <= CSR_MSTATEEN3) {
            *v = s->mstateen[csr - CSR_MSTATEEN0];
            return true;
        }
        if (csr >= CSR_SSTATEEN0 && csr <= CSR_SSTATEEN3) {
            *v = s->sstateen[csr - CSR_SSTATEEN0];
            return true;
        }
    }
    return trig_csr_read(h, csr, v);
}

static void write_pmpcfg(Hart *h, unsigned first, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        unsigned idx = first + i;
        uint8_t c = (uint8_t)(v >> (8 * i));
        if (pmp_entry_locked(h, idx))
            continue;
        /* R=0,W=1 is reserved: keep the entry's old value (WARL). */
        if ((c & (PMP_R | PMP_W)) == PMP_W)
            continue;
        h->s.pmpcfg[idx] = c & (PMP_R | PMP_W | PMP_X | (3 << PMP_A_SHIFT) | PMP_L);
    }
    pmp_changed(h);
}

static void mstatus_write(Hart *h, uint64_t v, uint64_t mask)
{
    uint64_t old = h->s.mstatus;
    uint64_t nv = (old & ~mask) | (v & mask);
    if (((nv >> MSTATUS_MPP_SHIFT) & 3) == 2)   /* reserved MPP: keep old */
        nv = (nv & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    h->s.mstatus = nv & ~(MSTATUS_SD | MSTATUS_UXL | MSTATUS_SXL);
    /* SUM and MXR change what S/U translations permit: cached ones go. */
    if ((old ^ nv) & (MSTATUS_SUM | MSTATUS_MXR))
        tlb_flush(h);
    hart_update_mode(h);
}

/* Core write without privilege checks; false if the CSR does not exist or
 * is read-only. */
static bool csr_set(Hart *h, unsigned csr, uint64_t v)
{
    HartState *s = &h->s;
    switch (csr) {
    case CSR_FFLAGS: s->fflags = v & 0x1f; s->mstatus |= MSTATUS_FS; return true;
    case CSR_FRM: s->frm = v & 7; s->mstatus |= MSTATUS_FS; return true;
    case CSR_FCSR:
        s->fflags = v & 0x1f;
        s->frm = (v >> 5) & 7;
        s->mstatus |= MSTATUS_FS;
        return true;
    case CSR_SSTATUS: mstatus_write(h, v, SSTATUS_MASK & MSTATUS_WMASK); return true;
    case CSR_SIE:
        s->mie = (s->mie & ~s->mideleg) | (v & s->mideleg & hart_irq_mask(h));
        return true;
    case CSR_STVEC: s->stvec = tvec_legal(s->stvec, v); return true;
    case CSR_SCOUNTEREN: s->scounteren = v & 0xffffffffu; return true;
    case CSR_SENVCFG: s->senvcfg = envcfg_legal(h, v, false); return true;
    case CSR_SSCRATCH: s->sscratch = v; return true;
    case CSR_SEPC: s->sepc = v & ~1ull; return true;
    case CSR_SCAUSE: s->scause = v; return true;
    case CSR_STVAL: s->stval = v; return true;
    case CSR_SIP: {
        uint64_t m = (SIP_WMASK | (hart_irq_mask(h) & MIP_LCOFIP)) & s->mideleg;
        s->mip_sw = (s->mip_sw & ~m) | (v & m);
        return true;
    }
    case CSR_SATP: {
        uint64_t mode = v >> 60;
        if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48 &&
            !(mode == SATP_MODE_SV57 && (h->cfg.ext & HART_EXT_SV57)))
            return true;    /* unsupported mode: the whole write is ignored (4.1.11) */
        s->satp = v & ((0xfull << 60) | (0xffffull << 44) | ((1ull << 44) - 1));
        mmu_flush_translations(h);
        return true;
    }
    case CSR_MSTATUS: mstatus_write(h, v, MSTATUS_WMASK); return true;
    case CSR_MISA: return true;     /* read-only WARL */
    case CSR_MEDELEG: s->medeleg = v & MEDELEG_MASK; return true;
    case CSR_MIDELEG:
        s->mideleg = v & (MIDELEG_MASK | (hart_irq_mask(h) & MIP_LCOFIP));
        return true;
    case CSR_MIE: s->mie = v & hart_irq_mask(h); return true;
    case CSR_MTVEC: s->mtvec = tvec_legal(s->mtvec, v); return true;
    case CSR_MCOUNTEREN: s->mcounteren = v & 0xffffffffu; return true;
    case CSR_MENVCFG: {
        uint64_t old = s->menvcfg;
        s->menvcfg = envcfg_legal(h, v, true);
        /* PBMT bits became (in)valid in PTEs; A/D updates turned on or off
         * (cached translations were made with A/D set either way, but a
         * fresh walk is the rule, see mmu.c). */
        if ((old ^ s->menvcfg) & (MENVCFG_PBMTE | MENVCFG_ADUE))
            mmu_flush_translations(h);
        if ((old ^ s->menvcfg) & MENVCFG_STCE)
            hart_stimecmp_changed(h);
        return true;
    }
    case CSR_STIMECMP:
        s->stimecmp = v;
        hart_stimecmp_changed(h);
        return true;
    case CSR_MCOUNTINHIBIT: {
        /* Stopping a counter freezes the value it has before this
         * instruction; restarting it counts from the next one. */
        uint64_t nv = v & inhibit_mask(h);
        counter_inhibit(h, &s->cycle_bias, COUNTER_CY, nv);
        counter_inhibit(h, &s->instret_bias, COUNTER_IR, nv);
        pmu_write_inhibit(h, nv);
        return true;
    }
    case CSR_MSCRATCH: s->mscratch = v; return true;
    case CSR_MEPC: s->mepc = v & ~1ull; return true;
    case CSR_MCAUSE: s->mcause = v; return true;
    case CSR_MTVAL: s->mtval = v; return true;
    case CSR_MIP: {
        /* With Sstc on, STIP is the comparator's and read-only. */
        uint64_t wmask = (MIP_WMASK | (hart_irq_mask(h) & MIP_LCOFIP)) &
                         ~((s->menvcfg & MENVCFG_STCE) ? MIP_STIP : 0);
        s->mip_sw = (s->mip_sw & ~wmask) | (v & wmask);
        return true;
    }
    /* The writing instruction does not count itself: the next instruction
     * reads back the written value. */
    case CSR_MCYCLE: counter_write(h, &s->cycle_bias, COUNTER_CY, v); return true;
    case CSR_MINSTRET: counter_write(h, &s->instret_bias, COUNTER_IR, v); return true;
    default:
        break;
    }
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        unsigned n = csr - CSR_PMPCFG0;
        if (n & 1)
            return false;
        if (n < 4)
            write_pmpcfg(h, n * 4, v);
        return true;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        unsigned n = csr - CSR_PMPADDR0;
        if (n >= PMP_COUNT)
            return true;
        /* Locked entries, and the base of a locked TOR entry above, are frozen. */
        if (pmp_entry_locked(h, n))
            return true;
        if (n + 1 < PMP_COUNT && pmp_entry_locked(h, n + 1) &&
            ((s->pmpcfg[n + 1] >> PMP_A_SHIFT) & 3) == PMP_A_TOR)
            return true;
        s->pmpaddr[n] = v & PMPADDR_MASK;
        pmp_changed(h);
        return true;
    }
    if (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) {
        pmu_write(h, csr - CSR_MCYCLE, v);
        return true;
    }
    if (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31) {
        pmu_write_event(h, csr - CSR_MCOUNTINHIBIT, v);
        return true;
    }
    if (csr >= CSR_MSTATEEN0 && csr <= CSR_MSTATEEN3) {
        unsigned n = csr - CSR_MSTATEEN0;
        s->mstateen[n] = stateen_legal(h, n, v, true);
        /* A bit mstateen clears is read-only zero in sstateen too. */
        s->sstateen[n] &= s->mstateen[n];
        return true;
    }
    if (csr >= CSR_SSTATEEN0 && csr <= CSR_SSTATEEN3) {
        unsigned n = csr - CSR_SSTATEEN0;
        s->sstateen[n] = stateen_legal(h, n, v, false) & s->mstateen[n];
        return true;
    }
    return trig_csr_write(h, csr, v);
}

/* Checks shared by reads and writes. */
static bool csr_accessible(Hart *h, unsigned csr)
{
    if (((csr >> 8) & 3) > h->s.priv)
        return false;
    if (csr <= CSR_FCSR && !(h->s.mstatus & MSTATUS_FS))
        return false;
    if (csr == CSR_SATP && h->s.priv == PRV_S && (h->s.mstatus & MSTATUS_TVM))
        return false;
    if (csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31 && !counter_allowed(h, csr - CSR_CYCLE))
        return false;
    /* Sstc: below M, stimecmp needs menvcfg.STCE and mcounteren.TM. */
    if (csr == CSR_STIMECMP && h->s.priv != PRV_M &&
        (!(h->s.menvcfg & MENVCFG_STCE) || !(h->s.mcounteren & 2)))
        return false;
    /* Smstateen: bit 63 of mstateenN opens sstateenN below M, bit 62 of
     * mstateen0 senvcfg (Smstateen spec, mstateen0). */
    if ((h->cfg.ext & HART_EXT_SMSTATEEN) && h->s.priv != PRV_M) {
        if (csr >= CSR_SSTATEEN0 && csr <= CSR_SSTATEEN3 &&
            !(h->s.mstateen[csr - CSR_SSTATEEN0] & STATEEN_SE))
            return false;
        if (csr == CSR_SENVCFG && !(h->s.mstateen[0] & STATEEN_ENVCFG))
            return false;
    }
    return true;
}

bool csr_read(Hart *h, const Insn *in, unsigned csr, uint64_t *val)
{
    (void)in;
    if (!csr_accessible(h, csr))
        return false;
    return csr_get(h, csr, val);
}

bool csr_write(Hart *h, const Insn *in, unsigned csr, uint64_t val)
{
    uint64_t dummy;
    (void)in;
    if (!csr_accessible(h, csr) || ((csr >> 10) & 3) == 3)
        return false;
    if (!csr_get(h, csr, &dummy))
        return false;
    return csr_set(h, csr, val);
}

uint64_t csr_rmw_base(const Hart *h, unsigned csr, uint64_t read_value)
{
    /* 3.1.9: reads of mip.SEIP see the software bit OR the PLIC line, but a
     * CSRRS/CSRRC must not latch the line into the software bit. */
    if (csr == CSR_MIP)
        return (read_value & ~MIP_SEIP) | (h->s.mip_sw & MIP_SEIP);
    return read_value;
}

bool csr_debug_read(Hart *h, unsigned csr, uint64_t *val)
{
    return csr_get(h, csr, val);
}

bool csr_debug_write(Hart *h, unsigned csr, uint64_t val)
{
    uint64_t dummy;
    if (((csr >> 10) & 3) == 3 || !csr_get(h, csr, &dummy))
        return false;
    return csr_set(h, csr, val);
}
