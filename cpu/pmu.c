/*
 * pmu: the programmable counters mhpmcounter3..31 (Zihpm) and their
 * overflow interrupt (Sscofpmf), shaped after QEMU 7.2's PMU: pmu-num
 * counters from mhpmcounter3 on, each counting the event its mhpmevent
 * selects, in QEMU's numbering (the SBI event index in bits 19:0):
 *   0x01  cycles: steps, exactly as mcycle counts them;
 *   0x02  instructions: retired steps, exactly as minstret counts them (an
 *         exception step is a cycle, not an instruction).
 * Every other event counts nothing, the TLB misses QEMU also lists (0x10019,
 * 0x1001b, 0x10021) included: the hart's TLB is a cache that must stay
 * invisible to the guest (hart.h), so its misses are no event it may see.
 * A counter counts while its mcountinhibit bit is clear and, with Sscofpmf,
 * while the MINH/SINH/UINH bit of the current privilege is clear.
 *
 * Nothing is incremented per step: a counting counter's value is
 * icount + bias, a stopped one's is bias. Starting or stopping one converts
 * between the two at the step it happens (a "point": the number of steps
 * the counters have seen), and an exception step takes one off the
 * counting counters of instructions.
 *
 * Overflow (Sscofpmf): a counting counter wraps to 0 when the step count
 * reaches -bias. The earliest such step among the counters whose OF bit is
 * clear is pmu_deadline; blocks stop there exactly as at the end of the
 * run's budget (hart.c), and pmu_deadline_reached() sets OF and
 * mip.LCOFIP: the interrupt, when enabled, is taken before the next
 * instruction. Any change to a counter re-arms the deadline at the point it
 * happens, after taking an overflow due at that very point (the step that
 * made the change may also be the one that wrapped another counter). A
 * deadline can only be early (an exception step delays a counter of
 * instructions): reaching it then finds no wrap and re-arms.
 */
#include "cpu/internal.h"

static uint64_t *hpm_event(Hart *h, unsigned idx)
{
    return &h->s.mhpmevent[idx - HPM_FIRST];
}

static uint64_t *hpm_bias(Hart *h, unsigned idx)
{
    return &h->s.hpm_bias[idx - HPM_FIRST];
}

/* The Sscofpmf bit that stops counting in the current privilege. */
static uint64_t inhibit_bit(const Hart *h)
{
    return h->s.priv == PRV_M ? MHPMEVENT_MINH
         : h->s.priv == PRV_S ? MHPMEVENT_SINH : MHPMEVENT_UINH;
}

/* Recompute the masks from the state; returns the old counting mask. */
static uint32_t pmu_masks(Hart *h)
{
    const HartState *s = &h->s;
    uint32_t old = h->hpm_run, run = 0, ir = 0, modal = 0;
    bool sscof = (h->cfg.ext & HART_EXT_SSCOFPMF) != 0;
    uint64_t inh = inhibit_bit(h);

    for (unsigned idx = HPM_FIRST; idx < HPM_FIRST + h->hpm_num; idx++) {
        uint64_t ev = s->mhpmevent[idx - HPM_FIRST], id = ev & HPM_EVENT_MASK;
        uint32_t bit = 1u << idx;
        if (id == HPM_EV_INSTRET)
            ir |= bit;
        if ((id != HPM_EV_CYCLES && id != HPM_EV_INSTRET) || ((s->mcountinhibit >> idx) & 1))
            continue;
        if (sscof && (ev & (MHPMEVENT_MINH | MHPMEVENT_SINH | MHPMEVENT_UINH)))
            modal |= bit;
        if (sscof && (ev & inh))
            continue;
        run |= bit;
    }
    h->hpm_run = run;
    h->hpm_ir = ir;
    h->hpm_modal = modal;
    return old;
}

/* Recompute the masks and convert the counters that started or stopped:
 * a stopping one keeps the value it has at stop_at, a starting one counts
 * from start_at on. */
static void pmu_apply(Hart *h, uint64_t stop_at, uint64_t start_at)
{
    uint32_t old = pmu_masks(h);
    uint32_t chg = old ^ h->hpm_run;
    while (chg) {
        unsigned idx = (unsigned)__builtin_ctz(chg);
        chg &= chg - 1;
        if ((old >> idx) & 1)
            *hpm_bias(h, idx) += stop_at;
        else
            *hpm_bias(h, idx) -= start_at;
    }
}

static uint64_t value_at(Hart *h, unsigned idx, uint64_t point)
{
    uint64_t b = *hpm_bias(h, idx);
    return ((h->hpm_run >> idx) & 1) ? point + b : b;
}

/* Take the overflows due at `point`, then arm the next ones. */
static void pmu_sync(Hart *h, uint64_t point)
{
    uint64_t dl = PMU_NEVER;

    for (unsigned idx = HPM_FIRST; idx < HPM_FIRST + h->hpm_num; idx++) {
        uint64_t *at = &h->hpm_ovf_at[idx - HPM_FIRST];
        if (*at != PMU_NEVER && *at == point && value_at(h, idx, point) == 0) {
            /* Sscofpmf: OF set -> wraps without another interrupt. */
            uint64_t *ev = hpm_event(h, idx);
            if (!(*ev & MHPMEVENT_OF)) {
                *ev |= MHPMEVENT_OF;
                h->s.mip_sw |= MIP_LCOFIP;
            }
        }
        *at = PMU_NEVER;
    }
    if (h->cfg.ext & HART_EXT_SSCOFPMF) {
        uint32_t m = h->hpm_run;
        while (m) {
            unsigned idx = (unsigned)__builtin_ctz(m);
            m &= m - 1;
            if (*hpm_event(h, idx) & MHPMEVENT_OF)
                continue;
            uint64_t wrap = 0 - *hpm_bias(h, idx);
            /* Not after `point`: the counter wrapped before (or is 0 by a
             * write), the next wrap is 2^64 steps away. The last step
             * count stands for never. */
            if (wrap > point && wrap != PMU_NEVER) {
                h->hpm_ovf_at[idx - HPM_FIRST] = wrap;
                if (wrap < dl)
                    dl = wrap;
            }
        }
    }
    h->pmu_deadline = dl;
    h->budget_end = h->run_end < dl ? h->run_end : dl;
}

uint64_t pmu_read(const Hart *h, unsigned idx)
{
    uint64_t b = h->s.hpm_bias[idx - HPM_FIRST];
    return ((h->hpm_run >> idx) & 1) ? h->s.icount + b : b;
}

void pmu_write(Hart *h, unsigned idx, uint64_t v)
{
    uint64_t p = csr_point(h);
    /* The written value replaces what the writing instruction counts
     * (privileged spec 3.1.10), a wrap to 0 included. */
    h->hpm_ovf_at[idx - HPM_FIRST] = PMU_NEVER;
    *hpm_bias(h, idx) = ((h->hpm_run >> idx) & 1) ? v - p : v;
    pmu_sync(h, p);
}

/* A counter stopped by a CSR write keeps the value it had before the
 * writing instruction; one started by it counts from the next instruction
 * (as mcountinhibit does for mcycle and minstret, csr.c). */
static void pmu_changed_by_csr(Hart *h)
{
    uint64_t p = csr_point(h);
    pmu_apply(h, h->s.icount, p);
    pmu_sync(h, p);
}

void pmu_write_event(Hart *h, unsigned idx, uint64_t v)
{
    *hpm_event(h, idx) = v;
    pmu_changed_by_csr(h);
}

void pmu_write_inhibit(Hart *h, uint64_t v)
{
    h->s.mcountinhibit = v;
    pmu_changed_by_csr(h);
}

uint64_t pmu_scountovf(const Hart *h)
{
    uint64_t v = 0;
    for (unsigned idx = HPM_FIRST; idx < HPM_FIRST + HPM_COUNT; idx++)
        if (h->s.mhpmevent[idx - HPM_FIRST] & MHPMEVENT_OF)
            v |= 1ull << idx;
    /* Sscofpmf: below M, bit i reads as zero unless mcounteren[i] is set. */
    if (h->s.priv != PRV_M)
        v &= h->s.mcounteren;
    return v;
}

void pmu_exception(Hart *h)
{
    uint32_t m = h->hpm_run & h->hpm_ir;
    if (!(h->s.mcountinhibit & COUNTER_IR))
        h->s.instret_bias--;
    while (m) {
        unsigned idx = (unsigned)__builtin_ctz(m);
        m &= m - 1;
        (*hpm_bias(h, idx))--;
    }
}

void pmu_mode_changed(Hart *h, uint64_t point)
{
    pmu_apply(h, point, point);
    pmu_sync(h, point);
}

void pmu_deadline_reached(Hart *h)
{
    pmu_sync(h, h->s.icount);
}

void pmu_refresh(Hart *h)
{
    h->hpm_num = hart_pmu_num(h);
    pmu_masks(h);
    for (unsigned i = 0; i < HPM_COUNT; i++)
        h->hpm_ovf_at[i] = PMU_NEVER;
    pmu_sync(h, h->s.icount);
}
