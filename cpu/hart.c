/*
 * hart: the public API, the run loop, trap entry and interrupt selection.
 *
 * The run loop alternates "take a pending interrupt if any" and "run (part
 * of) one translation block". A block runs at most the remaining budget of
 * instructions, so hart_run() stops exactly on budget even mid-block, and
 * the instruction count is synchronised before every device callback (see
 * hart_sync_icount()). Anything that may make an interrupt deliverable ends
 * the block: CSR instructions, xRET, WFI, and MMIO accesses during which a
 * device drove an interrupt line (hart_set_irq() sets `stop`).
 */
#include <stdlib.h>

#include "cpu/internal.h"

_Static_assert(offsetof(Hart, s) == 0, "HartState must be first in Hart");

/* ---- modes, traps, interrupts ------------------------------------------------ */

void hart_update_mode(Hart *h)
{
    int p = (int)h->s.priv;
    if (p == PRV_M && (h->s.mstatus & MSTATUS_MPRV))
        p = (int)((h->s.mstatus >> MSTATUS_MPP_SHIFT) & 3);
    h->dpriv = p;
    h->dmmu = p == PRV_M ? MMU_M : p == PRV_S ? MMU_S : MMU_U;
    h->dtlb = h->tlb[h->dmmu];
}

void hart_set_priv(Hart *h, int priv)
{
    h->s.priv = (uint32_t)priv;
    hart_update_mode(h);
}

void hart_xret_priv(Hart *h, const Insn *in, int priv)
{
    bool changed = h->s.priv != (uint32_t)priv;
    hart_set_priv(h, priv);
    /* The xRET itself ran in the old mode. */
    if (unlikely(h->hpm_modal) && changed) {
        hart_sync_icount(h, in);
        pmu_mode_changed(h, h->s.icount + 1);
    }
}

uint64_t hart_read_mip(const Hart *h)
{
    /* With Sstc on (menvcfg.STCE), STIP is the comparator's line alone. */
    if (h->s.menvcfg & MENVCFG_STCE)
        return (h->s.mip_sw & ~MIP_STIP) | h->s.irq_lines;
    return h->s.mip_sw | h->s.irq_lines;
}

void hart_stimecmp_changed(Hart *h)
{
    if (h->cfg.stimecmp_changed)
        h->cfg.stimecmp_changed(h->cfg.time_opaque, h->s.stimecmp,
                                (h->s.menvcfg & MENVCFG_STCE) != 0);
}

void hart_trap(Hart *h, uint64_t cause, uint64_t tval, uint64_t epc, bool irq)
{
    HartState *s = &h->s;
    uint64_t deleg = irq ? s->mideleg : s->medeleg;
    uint64_t st = s->mstatus;
    int prev = (int)s->priv;

    if (unlikely(h->log) && log_on(h->log, LOG_INT))
        cpu_log_trap(h, cause, tval, epc, irq);
    if (!irq)
        pmu_exception(h);       /* the step did not retire */
    if (prev <= PRV_S && ((deleg >> cause) & 1)) {
        s->scause = cause | (irq ? 1ull << 63 : 0);
        s->sepc = epc;
        s->stval = tval;
        st = (st & ~MSTATUS_SPIE) | ((st & MSTATUS_SIE) ? MSTATUS_SPIE : 0);
        st &= ~(MSTATUS_SIE | MSTATUS_SPP);
        if (prev == PRV_S)
            st |= MSTATUS_SPP;
        s->mstatus = st;
        s->pc = (s->stvec & ~3ull) + ((irq && (s->stvec & 1)) ? 4 * cause : 0);
        hart_set_priv(h, PRV_S);
    } else {
        s->mcause = cause | (irq ? 1ull << 63 : 0);
        s->mepc = epc;
        s->mtval = tval;
        st = (st & ~MSTATUS_MPIE) | ((st & MSTATUS_MIE) ? MSTATUS_MPIE : 0);
        st &= ~(MSTATUS_MIE | MSTATUS_MPP);
        st |= (uint64_t)prev << MSTATUS_MPP_SHIFT;
        s->mstatus = st;
        s->pc = (s->mtvec & ~3ull) + ((irq && (s->mtvec & 1)) ? 4 * cause : 0);
        hart_set_priv(h, PRV_M);
    }
    /* An exception step ran in the old mode (icount is that step); an
     * interrupt is taken between steps. */
    if (unlikely(h->hpm_modal) && s->priv != (uint32_t)prev)
        pmu_mode_changed(h, s->icount + !irq);
}

int hart_raise(Hart *h, const Insn *in, uint64_t cause, uint64_t tval)
{
    hart_sync_icount(h, in);
    hart_trap(h, cause, tval, in->pc, false);
    return EXEC_END;
}

/* The interrupt to take now, or -1 (privileged spec 3.1.6.1 and 3.1.9):
 * M-level interrupts first, each level in the order MEI MSI MTI SEI SSI STI
 * LCOFI (Sscofpmf's local interrupt comes last, as in the AIA's default
 * order QEMU follows). */
static int pending_irq(const Hart *h)
{
    static const int order[] = { IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI,
                                 IRQ_LCOFI };
    const HartState *s = &h->s;
    uint64_t pend = hart_read_mip(h) & s->mie & hart_irq_mask(h);
    uint64_t m = pend & ~s->mideleg, sl = pend & s->mideleg;
    uint64_t take = 0;

    if (!pend)
        return -1;
    if (m && (s->priv < PRV_M || (s->mstatus & MSTATUS_MIE)))
        take = m;
    else if (sl && (s->priv < PRV_S || (s->priv == PRV_S && (s->mstatus & MSTATUS_SIE))))
        take = sl;
    if (!take)
        return -1;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        if (take & (1ull << order[i]))
            return order[i];
    return -1;
}

bool hart_irq_pending(const Hart *h)
{
    return (hart_read_mip(h) & h->s.mie) != 0;
}

bool hart_in_wfi(const Hart *h)
{
    return h->s.wfi != 0;
}

/* ---- run loop ------------------------------------------------------------------ */

static bool bp_hit(const Hart *h, uint64_t pc)
{
    for (int i = 0; i < h->nbp; i++)
        if (h->bp[i] == pc)
            return true;
    return false;
}

HartExit hart_run(Hart *h, uint64_t budget, uint64_t *executed)
{
    HartState *s = &h->s;
    const uint64_t start = s->icount;
    HartExit why = HART_EXIT_BUDGET;

    h->running = true;
    h->run_end = start + budget;
    /* Counter overflows stop blocks like the end of the budget (pmu.c). */
    h->budget_end = h->run_end < h->pmu_deadline ? h->run_end : h->pmu_deadline;
    h->stop = false;
    h->kicked = false;
    h->watch_hit = false;

    if (s->wfi) {
        if (!hart_irq_pending(h)) {
            why = HART_EXIT_WFI;
            goto out;
        }
        s->wfi = 0;
    }

    while (s->icount - start < budget) {
        if (unlikely((s->mip_sw | s->irq_lines) & s->mie)) {
            int irq = pending_irq(h);
            if (irq >= 0)
                hart_trap(h, (uint64_t)irq, 0, s->pc, true);
        }
        if (unlikely(h->nbp) && bp_hit(h, s->pc)) {
            /* Every instruction boundary is checked, the first of a run
             * included: runs start wherever the board sliced execution. */
            if (!(h->bp_skip && s->pc == h->bp_skip_pc && s->icount == h->bp_skip_icount)) {
                why = HART_EXIT_BREAKPOINT;
                break;
            }
            h->bp_skip = false;
        }
        /* Sdtrig execute triggers, after the debugger's breakpoints: a
         * debugger resuming from its breakpoint then sees the guest's
         * exception, which happens before the fetch. */
        if (unlikely(h->trig_exec) && trig_exec_fire(h)) {
            s->icount++;        /* the breakpoint exception is a step */
            continue;
        }

        TB *tb = tb_lookup(h);
        if (unlikely(!tb)) {
            s->icount++;        /* the fetch fault is a step */
            if (unlikely(s->icount >= h->pmu_deadline))
                pmu_deadline_reached(h);
            continue;
        }
        uint64_t remaining = h->budget_end - s->icount;
        const Insn *in = tb->insns;
        h->blk_icount = s->icount;
        h->blk_first = in;
        if (likely(tb->n <= remaining && !(h->nbp | h->nwp | h->trig_exec | h->log_blk))) {
            h->chain_left = 32;
            in = in->fn(h, in);
        } else {
            /* Budget ends inside the block, a debugger watches every
             * instruction, or an execute trigger may fire inside the block:
             * step one at a time. Otherwise run the block unchained, so that
             * the next one starts at the checks above (-d exec/cpu: so that
             * each block is logged as it is entered). */
            uint64_t n = remaining;
            if (unlikely(h->log_blk))
                cpu_log_block(h, tb);
            if ((h->nbp | h->nwp) ||
                (h->trig_exec && trig_exec_within(h, tb->vpc + 1, tb->vpc + tb->size)))
                n = 1;
            const Insn *end = in + (n < tb->n ? n : tb->n);
            do {
                if (unlikely(insn_step[in->op](h, in))) {
                    /* A watchpoint stops before its instruction, which
                     * therefore is not a step. */
                    if (!h->watch_hit)
                        in++;
                    goto ended;
                }
                in++;
            } while (in < end);
            s->pc = in->pc;
        }
ended:
        s->icount = h->blk_icount + (uint64_t)(in - h->blk_first);
        h->blk_first = NULL;
        if (unlikely(s->icount >= h->pmu_deadline))
            pmu_deadline_reached(h);

        if (unlikely(h->stop)) {
            h->stop = false;
            if (h->watch_hit) {
                why = HART_EXIT_WATCHPOINT;
                break;
            }
            if (h->kicked) {
                why = HART_EXIT_KICK;
                break;
            }
            if (s->wfi) {
                why = HART_EXIT_WFI;
                break;
            }
        }
    }
out:
    h->running = false;
    h->blk_first = NULL;
    /* A skip is for the hart standing where it was armed; once it has moved
     * on (the breakpoint was executed, or an interrupt led elsewhere and
     * the code ran on), it must not apply to a later visit. */
    if (s->icount != h->bp_skip_icount)
        h->bp_skip = false;
    if (s->icount != h->wp_skip_icount)
        h->wp_skip = false;
    if (executed)
        *executed = s->icount - start;
    return why;
}

void hart_kick(Hart *h)
{
    /* Only meaningful while running: between runs the caller is the loop. */
    if (h->running) {
        h->kicked = true;
        h->stop = true;
    }
}

void hart_set_irq(Hart *h, uint64_t mip_mask, bool level)
{
    mip_mask &= MIE_MASK;
    if (level)
        h->s.irq_lines |= mip_mask;
    else
        h->s.irq_lines &= ~mip_mask;
    if (h->running)
        h->stop = true;     /* re-evaluate interrupts at the next boundary */
}

uint64_t hart_icount(const Hart *h)
{
    return h->s.icount;
}

/* ---- creation, reset -------------------------------------------------------------- */

Hart *hart_new(AddressSpace *as, const HartConfig *cfg, Error **errp)
{
    if (cfg->pmu_num > HPM_COUNT) {
        error_setg(errp, "pmu-num %u: the hart has at most %u programmable counters",
                   cfg->pmu_num, HPM_COUNT);
        return NULL;
    }
    Hart *h = aligned_alloc(_Alignof(Hart), sizeof(*h));
    if (h)
        memset(h, 0, sizeof(*h));
    if (!h || !tb_init(h)) {
        if (h)
            tb_free_all(h);
        free(h);
        error_setg(errp, "out of memory for the hart");
        return NULL;
    }
    h->as = as;
    h->cfg = *cfg;
    h->log = cfg->log && cfg->log->mask ? cfg->log : NULL;
    h->log_blk = log_on(h->log, LOG_EXEC | LOG_CPU);
    h->run_end = PMU_NEVER;
    hart_reset(h);
    return h;
}

void hart_free(Hart *h)
{
    if (!h)
        return;
    tb_free_all(h);
    free(h->peers);
    free(h);
}

bool hart_set_peers(Hart *h, Hart *const *harts, int n)
{
    Hart **peers = n > 1 ? calloc((size_t)n, sizeof(*peers)) : NULL;
    uint32_t k = 0;
    if (n > 1 && !peers)
        return false;
    for (int i = 0; i < n; i++)
        if (harts[i] != h)
            peers[k++] = harts[i];
    free(h->peers);
    h->peers = peers;
    h->npeers = k;
    /* Records made before the peers existed know nothing of them. */
    hart_flush_caches(h);
    return true;
}

void hart_drop_reservation(Hart *h)
{
    h->s.res_valid = 0;
}

bool hart_has_reservation(const Hart *h)
{
    return h->s.res_valid != 0;
}

void hart_reset(Hart *h)
{
    HartState *s = &h->s;
    uint64_t icount = s->icount, lines = s->irq_lines;

    if (unlikely(log_on(h->log, LOG_CPU_RESET))) {
        log_printf(h->log, "CPU Reset (CPU %d)\n", (int)h->cfg.hartid);
        hart_dump_state(h, h->log->out, log_on(h->log, LOG_FPU));
    }
    memset(s, 0, sizeof(*s));
    s->icount = icount;
    s->irq_lines = lines;
    s->instret_bias = 0 - icount;
    s->cycle_bias = 0 - icount;
    s->priv = PRV_M;
    s->pc = h->cfg.reset_pc;
    /* Svadu: hardware A/D updates until software asks for faults, so that
     * firmware which knows nothing of Svadu sees the hart of old. */
    if (h->cfg.ext & HART_EXT_SVADU)
        s->menvcfg = MENVCFG_ADUE;
    h->bp_skip = false;
    h->wp_skip = false;
    trig_reset(h);
    hart_update_mode(h);
    pmu_refresh(h);
    hart_flush_caches(h);
    hart_stimecmp_changed(h);
}

void hart_flush_caches(Hart *h)
{
    tb_flush(h);
    mmu_flush_translations(h);
}

void hart_invalidate_phys(Hart *h, uint64_t paddr, uint64_t len)
{
    bool stop = tb_invalidate_phys(h, paddr, len);
    /* DMA into page tables: the next access must walk them again. */
    stop |= mmu_pt_write(h, paddr, len);
    if (stop && h->running)
        h->stop = true;
}

/* ---- registers ---------------------------------------------------------------------- */

bool hart_read_reg(Hart *h, int regno, uint64_t *value)
{
    if (regno >= 0 && regno < 32) {
        *value = regno ? h->s.x[regno] : 0;
        return true;
    }
    if (regno == 32) {
        *value = h->s.pc;
        return true;
    }
    if (regno >= 33 && regno < 65) {
        *value = h->s.f[regno - 33];
        return true;
    }
    if (regno >= 65 && regno < 65 + 4096)
        return csr_debug_read(h, (unsigned)(regno - 65), value);
    return false;
}

bool hart_write_reg(Hart *h, int regno, uint64_t value)
{
    if (regno > 0 && regno < 32) {
        h->s.x[regno] = value;
        return true;
    }
    if (regno == 0)
        return true;
    if (regno == 32) {
        hart_set_pc(h, value);
        return true;
    }
    if (regno >= 33 && regno < 65) {
        h->s.f[regno - 33] = value;
        return true;
    }
    if (regno >= 65 && regno < 65 + 4096)
        return csr_debug_write(h, (unsigned)(regno - 65), value);
    return false;
}

uint64_t hart_get_pc(const Hart *h) { return h->s.pc; }
void hart_set_pc(Hart *h, uint64_t pc)
{
    h->s.pc = pc & ~1ull;
    /* The skips were for the instruction the hart stood on. */
    h->bp_skip = false;
    h->wp_skip = false;
}

uint64_t hart_get_xreg(const Hart *h, int r) { return (r > 0 && r < 32) ? h->s.x[r] : 0; }

void hart_set_xreg(Hart *h, int r, uint64_t v)
{
    if (r > 0 && r < 32)
        h->s.x[r] = v;
}

int hart_priv(const Hart *h) { return (int)h->s.priv; }

/* ---- debugger -------------------------------------------------------------------------- */

bool hart_debug_read(Hart *h, uint64_t vaddr, void *buf, size_t len)
{
    return mmu_debug_access(h, vaddr, buf, len, false);
}

bool hart_debug_write(Hart *h, uint64_t vaddr, const void *buf, size_t len)
{
    return mmu_debug_access(h, vaddr, (void *)buf, len, true);
}

bool hart_breakpoint_insert(Hart *h, uint64_t pc)
{
    if (bp_hit(h, pc))
        return true;
    if (h->nbp >= MAX_BREAKPOINTS)
        return false;
    h->bp[h->nbp++] = pc;
    return true;
}

bool hart_breakpoint_remove(Hart *h, uint64_t pc)
{
    for (int i = 0; i < h->nbp; i++) {
        if (h->bp[i] == pc) {
            h->bp[i] = h->bp[--h->nbp];
            return true;
        }
    }
    return false;
}

bool hart_watchpoint_insert(Hart *h, uint64_t addr, uint64_t len, WatchKind kind)
{
    if (h->nwp >= MAX_WATCHPOINTS || len == 0)
        return false;
    h->wp[h->nwp++] = (Watchpoint){ addr, len, (int)kind };
    tlb_flush(h);   /* every data access now takes the checking slow path */
    return true;
}

bool hart_watchpoint_remove(Hart *h, uint64_t addr, uint64_t len, WatchKind kind)
{
    for (int i = 0; i < h->nwp; i++) {
        if (h->wp[i].addr == addr && h->wp[i].len == len && h->wp[i].kind == (int)kind) {
            h->wp[i] = h->wp[--h->nwp];
            return true;
        }
    }
    return false;
}

uint64_t hart_watch_hit_addr(const Hart *h)
{
    return h->watch_hit_addr;
}

void hart_watchpoint_skip_once(Hart *h)
{
    h->wp_skip = true;
    h->wp_skip_pc = h->s.pc;
    h->wp_skip_icount = h->s.icount;
}

void hart_breakpoint_skip_once(Hart *h)
{
    h->bp_skip = true;
    h->bp_skip_pc = h->s.pc;
    h->bp_skip_icount = h->s.icount;
}

/* ---- state description -------------------------------------------------------------------- */

static bool hart_post_load(void *opaque, int version_id, Error **errp)
{
    Hart *h = (Hart *)opaque;      /* HartState is the first member of Hart */
    HartState *s = &h->s;
    uint64_t mode = s->satp >> 60;
    uint64_t inhibit = 5ull | (((1ull << hart_pmu_num(h)) - 1) << HPM_FIRST);

    if (version_id < 3) {
        /* Before the programmable counters and Smstateen: their reset state. */
        memset(s->mhpmevent, 0, sizeof(s->mhpmevent));
        memset(s->hpm_bias, 0, sizeof(s->hpm_bias));
        memset(s->mstateen, 0, sizeof(s->mstateen));
        memset(s->sstateen, 0, sizeof(s->sstateen));
    }

    if (s->priv != PRV_U && s->priv != PRV_S && s->priv != PRV_M) {
        error_setc(errp, ERR_SNAPSHOT, "hart: invalid privilege level %u", s->priv);
        return false;
    }
    if (s->wfi > 1 || s->res_valid > 1 || s->frm > 7 || s->fflags > 0x1f) {
        error_setc(errp, ERR_SNAPSHOT, "hart: invalid WFI/reservation/fcsr state");
        return false;
    }
    if (s->mcountinhibit & ~inhibit) {
        error_setc(errp, ERR_SNAPSHOT, "hart: mcountinhibit inhibits counters this hart does not have");
        return false;
    }
    for (unsigned n = 0; n < 4; n++) {
        bool smstateen = (h->cfg.ext & HART_EXT_SMSTATEEN) != 0;
        uint64_t m = smstateen ? stateen_legal(h, n, s->mstateen[n], true) : 0;
        uint64_t sv = smstateen ? stateen_legal(h, n, s->sstateen[n], false) & m : 0;
        if (s->mstateen[n] != m || s->sstateen[n] != sv) {
            error_setc(errp, ERR_SNAPSHOT, "hart: mstateen/sstateen bits this hart does not have");
            return false;
        }
    }
    if (s->menvcfg != envcfg_legal(h, s->menvcfg, true) ||
        s->senvcfg != envcfg_legal(h, s->senvcfg, false)) {
        error_setc(errp, ERR_SNAPSHOT, "hart: menvcfg/senvcfg fields this hart does not have");
        return false;
    }
    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48 &&
        !(mode == SATP_MODE_SV57 && (h->cfg.ext & HART_EXT_SV57))) {
        error_setc(errp, ERR_SNAPSHOT, "hart: invalid satp mode %llu", (unsigned long long)mode);
        return false;
    }
    if (((s->mstatus >> MSTATUS_MPP_SHIFT) & 3) == 2) {
        error_setc(errp, ERR_SNAPSHOT, "hart: invalid mstatus.MPP");
        return false;
    }
    if (!trig_state_valid(h)) {
        error_setc(errp, ERR_SNAPSHOT, "hart: trigger state this hart cannot hold");
        return false;
    }
    s->pc &= ~1ull;
    s->x[0] = 0;
    /* Debugger state, not guest state: a skip armed on the timeline that
     * was left must not apply to the restored one. */
    h->bp_skip = false;
    h->wp_skip = false;
    trig_update(h);
    hart_update_mode(h);
    hart_flush_caches(h);
    pmu_refresh(h);
    return true;
}

static const VMStateField hart_fields[] = {
    VMSTATE_UINT64_ARRAY(x, HartState, 32),
    VMSTATE_UINT64_ARRAY(f, HartState, 32),
    VMSTATE_UINT64(pc, HartState),
    VMSTATE_UINT64(icount, HartState),
    VMSTATE_UINT64(instret_bias, HartState),
    VMSTATE_UINT64(cycle_bias, HartState),
    VMSTATE_UINT32(priv, HartState),
    VMSTATE_UINT32(wfi, HartState),
    VMSTATE_UINT32(fflags, HartState),
    VMSTATE_UINT32(frm, HartState),
    VMSTATE_UINT64(mstatus, HartState),
    VMSTATE_UINT64(medeleg, HartState),
    VMSTATE_UINT64(mideleg, HartState),
    VMSTATE_UINT64(mie, HartState),
    VMSTATE_UINT64(mip_sw, HartState),
    VMSTATE_UINT64(irq_lines, HartState),
    VMSTATE_UINT64(mtvec, HartState),
    VMSTATE_UINT64(stvec, HartState),
    VMSTATE_UINT64(mepc, HartState),
    VMSTATE_UINT64(sepc, HartState),
    VMSTATE_UINT64(mcause, HartState),
    VMSTATE_UINT64(scause, HartState),
    VMSTATE_UINT64(mtval, HartState),
    VMSTATE_UINT64(stval, HartState),
    VMSTATE_UINT64(mscratch, HartState),
    VMSTATE_UINT64(sscratch, HartState),
    VMSTATE_UINT64(mcounteren, HartState),
    VMSTATE_UINT64(scounteren, HartState),
    VMSTATE_UINT64(mcountinhibit, HartState),
    VMSTATE_UINT64(menvcfg, HartState),
    VMSTATE_UINT64(senvcfg, HartState),
    VMSTATE_UINT64(satp, HartState),
    VMSTATE_UINT64(stimecmp, HartState),
    VMSTATE_UINT64_ARRAY(pmpaddr, HartState, PMP_COUNT),
    VMSTATE_UINT8_ARRAY(pmpcfg, HartState, PMP_COUNT),
    VMSTATE_UINT64(res_addr, HartState),
    VMSTATE_UINT64(res_value, HartState),
    VMSTATE_UINT32(res_valid, HartState),
    VMSTATE_UINT64(tselect, HartState),
    VMSTATE_UINT64_ARRAY(tdata1, HartState, TRIG_COUNT),
    VMSTATE_UINT64_ARRAY(tdata2, HartState, TRIG_COUNT),
    VMSTATE_FIELD_(mhpmevent, HartState, VMS_U64, HPM_COUNT, 3),
    VMSTATE_FIELD_(hpm_bias, HartState, VMS_U64, HPM_COUNT, 3),
    VMSTATE_FIELD_(mstateen, HartState, VMS_U64, 4, 3),
    VMSTATE_FIELD_(sstateen, HartState, VMS_U64, 4, 3),
    VMSTATE_END_OF_LIST()
};

/* Version 3: the Sdtrig triggers. */
const VMStateDescription hart_vmsd = {
    .name = "hart",
    .version_id = 3,
    .minimum_version_id = 3,
    .post_load = hart_post_load,
    .fields = hart_fields,
};

void *hart_state_ptr(Hart *h)
{
    return &h->s;
}
