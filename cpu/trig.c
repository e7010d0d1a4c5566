/*
 * trig: the Sdtrig trigger module (RISC-V debug specification, chapter
 * "Sdtrig"), as software sees it on a hart without a debug module: every
 * trigger's action is 0, "raise a breakpoint exception".
 *
 * The registers behave as those of QEMU 7.2's virt hart, which guests of
 * this board are written and tested against:
 *  - two triggers; a write of 2 or more to tselect leaves it as it was;
 *  - tdata1 holds an mcontrol (type 2) or an mcontrol6 (type 6). A write of
 *    another type, 0 included, leaves tdata1 as it was. A write of type 2
 *    or 6 keeps the mode bits (m, s, u; and vs, vu for type 6, which can
 *    never match on this hart without H), execute, store, load, and a size
 *    of any, 8, 16, 32 or 64 bits (other sizes become "any"); dmode,
 *    action, chain, match, timing, select and hit read as 0. So action is
 *    always 0 and match always "equal";
 *  - tdata2 holds any value; tdata3 reads as 0 and ignores writes;
 *  - tinfo reads as 0x44 (types 2 and 6) and ignores writes;
 *  - all of them are M-mode CSRs, and illegal without Sdtrig.
 *
 * Matching (a trigger "is armed" when one of m, s, u and one of execute,
 * load, store are set):
 *  - execute: pc equals tdata2. hart.c checks it at every instruction
 *    boundary before the fetch, so it has priority over fetch faults;
 *  - load/store: the access [va, va+size) overlaps [tdata2, tdata2+len),
 *    len being the size the trigger names (trig_len()). Checked before
 *    translation, since the spec's priority table puts the breakpoint
 *    above page and access faults, so a firing access has no effect. LR
 *    is a load, AMOs and an SC whose reservation matches are a load and a
 *    store, CBOs are stores matched by size-any triggers against their
 *    whole block (spec "Cache Operations", first option);
 *  - the mode bit of the current privilege (not the one MPRV gives data);
 *  - re-entrancy (spec "Native Triggers", first option): in M-mode nothing
 *    fires while mstatus.MIE is 0, and in S-mode nothing fires while
 *    sstatus.SIE is 0 if medeleg sends breakpoints to S. Otherwise a
 *    trigger on a trap handler would trap into itself for ever, its epc
 *    and cause overwritten.
 * A firing trigger raises a breakpoint exception at the instruction: epc
 * is its pc, tval the matched address (the pc; for an access, its lowest
 * byte inside the trigger's range). The exception is a step that does not
 * retire, like any other.
 *
 * What QEMU 7.2 does otherwise, and what this hart does:
 *  - QEMU 7.2 has no re-entrancy check (nor tcontrol): its M-mode triggers
 *    fire with MIE = 0 too. This hart follows the spec (riscv-tests'
 *    rv64mi breakpoint sets MIE for this reason, and passes on both).
 *  - QEMU 7.2 writes tval = 0 (which the privileged spec allows); this
 *    hart writes the matched address, as the mcontrol description asks.
 *  - QEMU 7.2 decides a hit by scanning every trigger whose address has a
 *    hit, so with two triggers one trigger's mode bits can make the other
 *    fire; here each trigger fires on its own conditions only.
 *  - The spec guarantees that writing 0 to tdata1 disables a trigger; in
 *    QEMU 7.2 (and here) it changes nothing: clear the mode bits instead.
 *  - For the spec, a size other than "any" restricts matches to accesses
 *    of that size; QEMU 7.2 (and this hart) uses it as the length of the
 *    watched range instead (trig_len()).
 *  - For a misaligned load, QEMU 7.2 checks the two aligned words around
 *    it; this hart checks exactly the bytes accessed.
 *  - The spec ranks the breakpoint above a misaligned-address exception;
 *    QEMU 7.2 (and this hart) checks an AMO's or LR's alignment first.
 *
 * Cost: nothing while no trigger is armed. hart_run() tests trig_exec once
 * per block; with an execute trigger armed, blocks containing one of its
 * addresses run an instruction at a time, and no block chains into the
 * next one unchecked. Load/store triggers reuse the debugger watchpoints'
 * route: a watched page gets no TLB data tag, so its accesses take the slow
 * paths, which call trig_mem_fire(); every other page stays on the fast
 * path. Arming a trigger flushes the TLB and ends the executing block.
 */
#include "cpu/internal.h"

enum {
    CSR_TSELECT = 0x7a0, CSR_TDATA1 = 0x7a1, CSR_TDATA2 = 0x7a2, CSR_TDATA3 = 0x7a3,
    CSR_TINFO = 0x7a4,
};

#define TDATA1_TYPE_SHIFT 60
#define TYPE_MCONTROL  2ull
#define TYPE_MCONTROL6 6ull

/* mcontrol and mcontrol6 share these bits. */
#define MC_LOAD   (1ull << 0)
#define MC_STORE  (1ull << 1)
#define MC_EXEC   (1ull << 2)
#define MC_U      (1ull << 3)
#define MC_S      (1ull << 4)
#define MC_M      (1ull << 6)
#define MC_MODES  (MC_U | MC_S | MC_M)
#define MC_KEEP   (MC_MODES | MC_EXEC | MC_STORE | MC_LOAD)
/* mcontrol: size = sizehi:sizelo. mcontrol6 as QEMU 7.2 lays it out (an
 * earlier draft of the spec than 1.0): size in 19:16, vu 23, vs 24. */
#define MC_SIZELO (3ull << 16)
#define MC_SIZEHI (3ull << 21)
#define MC6_SIZE  (0xfull << 16)
#define MC6_VU    (1ull << 23)
#define MC6_VS    (1ull << 24)

#define TDATA1_RESET (TYPE_MCONTROL << TDATA1_TYPE_SHIFT)
#define TINFO_VALUE  ((1ull << TYPE_MCONTROL) | (1ull << TYPE_MCONTROL6))

/* Size codes kept by a write: any (0), 8, 16, 32 and 64 bits (1, 2, 3, 5). */
static bool size_supported(unsigned code)
{
    return code <= 3 || code == 5;
}

static unsigned trig_size(uint64_t t)
{
    if ((t >> TDATA1_TYPE_SHIFT) == TYPE_MCONTROL)
        return (unsigned)(((t >> 21) & 3) << 2 | ((t >> 16) & 3));
    return (unsigned)((t >> 16) & 0xf);
}

/* Bytes watched from tdata2: XLEN/8 for "any"; otherwise the size code
 * itself, as QEMU 7.2 inserts its watchpoint (1 and 2 bytes for 8 and 16
 * bits, but 3 for 32 and 5 for 64). */
static uint64_t trig_len(unsigned code)
{
    return code ? code : 8;
}

/* The value a write of v leaves in tdata1, or false when the write is
 * ignored (a type other than 2 or 6). */
static bool tdata1_legal(uint64_t v, uint64_t *out)
{
    uint64_t type = v >> TDATA1_TYPE_SHIFT;
    uint64_t nv = type << TDATA1_TYPE_SHIFT;

    if (type == TYPE_MCONTROL) {
        nv |= v & MC_KEEP;
        if (size_supported(trig_size(v)))
            nv |= v & (MC_SIZELO | MC_SIZEHI);
    } else if (type == TYPE_MCONTROL6) {
        nv |= v & (MC_KEEP | MC6_VU | MC6_VS);
        if (size_supported(trig_size(v)))
            nv |= v & MC6_SIZE;
    } else {
        return false;
    }
    *out = nv;
    return true;
}

/* Watched byte range [*lo, *last] of a load/store trigger; false when the
 * range would wrap around the address space (QEMU 7.2 refuses such a
 * watchpoint, so the trigger never matches an access). */
static bool trig_range(const Hart *h, int i, uint64_t *lo, uint64_t *last)
{
    uint64_t a = h->s.tdata2[i];
    uint64_t end = a + trig_len(trig_size(h->s.tdata1[i])) - 1;
    if (end < a)
        return false;
    *lo = a;
    *last = end;
    return true;
}

/* May trigger t fire in the current mode? */
static bool trig_mode_ok(const Hart *h, uint64_t t)
{
    const HartState *s = &h->s;
    /* u, s, m are bits 3, 4, 6: 3 + the privilege level. */
    if (!((t >> (3 + s->priv)) & 1))
        return false;
    if (s->priv == PRV_M)
        return (s->mstatus & MSTATUS_MIE) != 0;
    if (s->priv == PRV_S && ((s->medeleg >> EXC_BREAKPOINT) & 1))
        return (s->mstatus & MSTATUS_SIE) != 0;
    return true;
}

void trig_update(Hart *h)
{
    uint32_t exec = 0, mem = 0;
    for (int i = 0; i < TRIG_COUNT; i++) {
        uint64_t t = h->s.tdata1[i], lo, last;
        if (!(t & MC_MODES))
            continue;
        if (t & MC_EXEC)
            exec |= 1u << i;
        if ((t & (MC_LOAD | MC_STORE)) && trig_range(h, i, &lo, &last))
            mem |= 1u << i;
    }
    h->trig_exec = exec;
    h->trig_mem = mem;
    /* Pages a load/store trigger now watches must lose their data tags;
     * execute triggers need no cache flush (hart_run() checks them), but
     * the executing block must not go on, nor chain, unchecked. */
    tlb_flush(h);
    if (h->running)
        h->stop = true;
}

void trig_reset(Hart *h)
{
    h->s.tselect = 0;
    for (int i = 0; i < TRIG_COUNT; i++) {
        h->s.tdata1[i] = TDATA1_RESET;
        h->s.tdata2[i] = 0;
    }
    trig_update(h);
}

bool trig_state_valid(const Hart *h)
{
    const HartState *s = &h->s;
    if (s->tselect >= TRIG_COUNT)
        return false;
    for (int i = 0; i < TRIG_COUNT; i++) {
        uint64_t legal;
        if (!tdata1_legal(s->tdata1[i], &legal) || legal != s->tdata1[i])
            return false;
        /* Without Sdtrig nothing can change them from their reset values. */
        if (!(h->cfg.ext & HART_EXT_SDTRIG) &&
            (s->tselect || s->tdata1[i] != TDATA1_RESET || s->tdata2[i]))
            return false;
    }
    return true;
}

bool trig_csr_read(const Hart *h, unsigned csr, uint64_t *val)
{
    const HartState *s = &h->s;
    if (csr < CSR_TSELECT || csr > CSR_TINFO || !(h->cfg.ext & HART_EXT_SDTRIG))
        return false;
    switch (csr) {
    case CSR_TSELECT: *val = s->tselect; break;
    case CSR_TDATA1: *val = s->tdata1[s->tselect]; break;
    case CSR_TDATA2: *val = s->tdata2[s->tselect]; break;
    case CSR_TINFO: *val = TINFO_VALUE; break;
    default: *val = 0; break;     /* tdata3 */
    }
    return true;
}

bool trig_csr_write(Hart *h, unsigned csr, uint64_t val)
{
    HartState *s = &h->s;
    uint64_t nv;
    if (csr < CSR_TSELECT || csr > CSR_TINFO || !(h->cfg.ext & HART_EXT_SDTRIG))
        return false;
    switch (csr) {
    case CSR_TSELECT:
        if (val < TRIG_COUNT)
            s->tselect = val;
        break;
    case CSR_TDATA1:
        if (tdata1_legal(val, &nv) && nv != s->tdata1[s->tselect]) {
            s->tdata1[s->tselect] = nv;
            trig_update(h);
        }
        break;
    case CSR_TDATA2:
        if (val != s->tdata2[s->tselect]) {
            s->tdata2[s->tselect] = val;
            trig_update(h);
        }
        break;
    default:    /* tdata3, tinfo: writes are ignored */
        break;
    }
    return true;
}

bool trig_exec_fire(Hart *h)
{
    uint64_t pc = h->s.pc;
    for (int i = 0; i < TRIG_COUNT; i++) {
        if (((h->trig_exec >> i) & 1) && h->s.tdata2[i] == pc &&
            trig_mode_ok(h, h->s.tdata1[i])) {
            hart_trap(h, EXC_BREAKPOINT, pc, pc, false);
            return true;
        }
    }
    return false;
}

bool trig_exec_within(const Hart *h, uint64_t lo, uint64_t hi)
{
    for (int i = 0; i < TRIG_COUNT; i++)
        if (((h->trig_exec >> i) & 1) && h->s.tdata2[i] >= lo && h->s.tdata2[i] < hi)
            return true;
    return false;
}

bool trig_mem_fire(Hart *h, const Insn *in, uint64_t va, uint64_t size, int kind)
{
    /* The end may wrap around like the range's: compare as QEMU does. */
    uint64_t last = va + size - 1;
    for (int i = 0; i < TRIG_COUNT; i++) {
        uint64_t t = h->s.tdata1[i], lo, wlast;
        if (!((h->trig_mem >> i) & 1))
            continue;
        if (!(((kind & TRIG_LOAD) && (t & MC_LOAD)) || ((kind & TRIG_STORE) && (t & MC_STORE))))
            continue;
        if ((kind & TRIG_CBO) && trig_size(t))
            continue;
        if (!trig_range(h, i, &lo, &wlast) || va > wlast || lo > last)
            continue;
        if (!trig_mode_ok(h, t))
            continue;
        hart_raise(h, in, EXC_BREAKPOINT, va > lo ? va : lo);
        return true;
    }
    return false;
}

bool trig_page_watched(const Hart *h, uint64_t vpage)
{
    for (int i = 0; i < TRIG_COUNT; i++) {
        uint64_t lo, last;
        if (((h->trig_mem >> i) & 1) && trig_range(h, i, &lo, &last) &&
            lo <= vpage + MEM_PAGE_SIZE - 1 && vpage <= last)
            return true;
    }
    return false;
}
