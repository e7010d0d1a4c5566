/*
 * mmu: address translation (Sv39/Sv48 page walker, privileged spec 4.3.2 /
 * 4.4), physical memory protection (3.7), the software TLB and the slow
 * paths of loads, stores and AMOs.
 *
 * The TLB caches, per effective privilege (U, S, M) and per 4 KiB virtual
 * page, a host pointer into RAM/ROM. An entry is only filled when the whole
 * page has uniform PMP permissions, so a hit never skips a PMP decision.
 * Stores into pages that hold translated code get a flagged write tag
 * (TLB_CODE) so they come here: stores to data bytes of such a page go
 * straight to RAM; stores overlapping code invalidate those blocks first.
 *
 * A/D bits are set by the walker with an atomic compare-and-swap on the PTE
 * in RAM, as QEMU does (the "Svadu" behaviour); a PTE outside RAM gives an
 * access fault.
 *
 * The cached translations (TLB entries, the jump cache of tb.c) are kept
 * coherent with the page tables, so that no guest-visible result depends on
 * when they were last flushed. The architecture would allow a hart to go on
 * using a stale translation, or to skip re-setting an A bit that software
 * cleared, until SFENCE.VMA; but whether this simulator's caches still held
 * the entry would then depend on flushes the guest did not ask for (a
 * snapshot restore, a debugger inserting a watchpoint), and a replay driven
 * by a debugger would compute something else than the recording. So every
 * PTE the walker reads is marked (CodePage.ptes), stores to pages with marks
 * take the slow path, and a store, AMO or DMA write to a marked PTE drops
 * every cached translation and its marks, and ends the block: the hart then behaves exactly as
 * if it walked the page tables on every access. The walker's own A/D
 * updates need no flush: they only set bits, and an entry that would need a
 * walk to set D was never given a write tag.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/internal.h"

/* ---- TLB ------------------------------------------------------------- */

void tlb_flush(Hart *h)
{
    memset(h->tlb, 0xff, sizeof(h->tlb));
}

void mmu_flush_translations(Hart *h)
{
    tlb_flush(h);
    tb_jc_flush(h);
    for (uint32_t i = 0; i < h->pt_count; i++) {
        CodePage *cp = h->pt_pages[i];
        cp->pt = 0;
        memset(cp->ptes, 0, sizeof(cp->ptes));
    }
    h->pt_count = 0;
}

/* The walker read the PTE at pte_addr: stores to it must drop the cached
 * translations, and stores to its page must come to the slow path to be
 * checked. Memory for the marks is not optional: without it the caches
 * could not stay coherent, so running out of it aborts. */
static void pt_mark(Hart *h, uint64_t pte_addr)
{
    uint32_t i = (uint32_t)(pte_addr & (MEM_PAGE_SIZE - 1)) >> 3;
    CodePage *cp = tb_code_page_get(h, pte_addr & PAGE_MASK);
    if (cp && cp->pt) {
        cp->ptes[i >> 6] |= 1ull << (i & 63);
        return;
    }
    if (cp && h->pt_count == h->pt_cap) {
        uint32_t cap = h->pt_cap ? 2 * h->pt_cap : 64;
        CodePage **pages = realloc(h->pt_pages, cap * sizeof(*pages));
        if (pages) {
            h->pt_pages = pages;
            h->pt_cap = cap;
        } else {
            cp = NULL;
        }
    }
    if (!cp) {
        fprintf(stderr, "rrsim: out of memory for page-table marks\n");
        abort();
    }
    cp->pt = 1;
    cp->ptes[i >> 6] |= 1ull << (i & 63);
    h->pt_pages[h->pt_count++] = cp;
    mmu_code_page_added(h, cp);
}

/* Does [off, off+len) of the page overlap a PTE cached translations read? */
static bool pt_overlaps(const CodePage *cp, uint32_t off, uint32_t len)
{
    for (uint32_t i = off >> 3; i <= (off + len - 1) >> 3; i++)
        if (cp->ptes[i >> 6] & (1ull << (i & 63)))
            return true;
    return false;
}

bool mmu_pt_write(Hart *h, uint64_t paddr, uint64_t len)
{
    if (!h->pt_count || !len)
        return false;
    while (len) {
        uint32_t off = (uint32_t)(paddr & (MEM_PAGE_SIZE - 1));
        uint64_t chunk = MEM_PAGE_SIZE - off < len ? MEM_PAGE_SIZE - off : len;
        const CodePage *cp = tb_code_page(h, paddr & PAGE_MASK);
        if (cp && cp->pt && pt_overlaps(cp, off, (uint32_t)chunk)) {
            mmu_flush_translations(h);
            return true;
        }
        paddr += chunk;
        len -= chunk;
    }
    return false;
}

static int mmu_idx(int priv)
{
    return priv == PRV_M ? MMU_M : priv == PRV_S ? MMU_S : MMU_U;
}

static void tlb_fill(Hart *h, int priv, uint64_t va, uint64_t pa, int ri, Access acc)
{
    const MemRegion *r = &h->as->regions[ri];
    uint64_t vpage = va & PAGE_MASK, ppage = pa & PAGE_MASK;
    TLBEntry *e = &h->tlb[mmu_idx(priv)][(va >> MEM_PAGE_BITS) & (TLB_SIZE - 1)];
    uintptr_t addend = (uintptr_t)(r->host + (ppage - r->base)) - (uintptr_t)vpage;

    if (h->nwp)
        return;     /* watchpoints: every access must take the slow path */
    if (unlikely(h->trig_mem) && acc != ACC_EXEC && trig_page_watched(h, vpage))
        return;     /* a load/store trigger watches this page: likewise */
    if (e->ppage != ppage || e->addend != addend ||
        (e->tag_r != vpage && (e->tag_w & ~TLB_CODE) != vpage && e->tag_x != vpage)) {
        e->tag_r = e->tag_w = e->tag_x = TLB_INVALID;
        e->ppage = ppage;
        e->addend = addend;
        e->code = NULL;
        if (r->dirty) {
            uint64_t pg = (ppage - r->base) >> MEM_PAGE_BITS;
            e->dirty_word = &r->dirty[pg >> 6];
            e->dirty_bit = 1ull << (pg & 63);
        } else {
            e->dirty_word = NULL;
            e->dirty_bit = 0;
        }
    }
    switch (acc) {
    case ACC_READ: e->tag_r = vpage; break;
    case ACC_EXEC: e->tag_x = vpage; break;
    case ACC_WRITE:
        if (r->kind == MEM_RAM) {
            CodePage *cp = tb_code_page(h, ppage);
            e->code = cp;
            e->tag_w = cp && (cp->ntbs || cp->pt || cp->remote) ? vpage | TLB_CODE : vpage;
        }
        break;
    }
}

/* ---- PMP ------------------------------------------------------------- */

/* Address range [*lo, *last] matched by entry i; false when it matches nothing. */
static bool pmp_range(const Hart *h, int i, uint64_t *lo, uint64_t *last)
{
    uint8_t cfg = h->s.pmpcfg[i];
    uint64_t a = h->s.pmpaddr[i];

    switch ((cfg >> PMP_A_SHIFT) & 3) {
    case PMP_A_TOR: {
        uint64_t base = i ? h->s.pmpaddr[i - 1] << 2 : 0;
        uint64_t top = a << 2;
        if (base >= top)
            return false;
        *lo = base;
        *last = top - 1;
        return true;
    }
    case PMP_A_NA4:
        *lo = a << 2;
        *last = *lo + 3;
        return true;
    case PMP_A_NAPOT: {
        int t = __builtin_ctzll(~a);   /* trailing ones */
        if (t >= 54) {
            *lo = 0;
            *last = UINT64_MAX;
            return true;
        }
        *lo = (a & ~((1ull << t) - 1)) << 2;
        *last = *lo + (8ull << t) - 1;
        return true;
    }
    default:
        return false;
    }
}

static bool pmp_allows(uint8_t cfg, Access acc, int priv)
{
    static const uint8_t need[3] = { PMP_R, PMP_W, PMP_X };
    if (priv == PRV_M && !(cfg & PMP_L))
        return true;
    return (cfg & need[acc]) != 0;
}

bool pmp_check(const Hart *h, uint64_t pa, uint64_t size, Access acc, int priv)
{
    uint64_t end = pa + size - 1;
    for (int i = 0; i < PMP_COUNT; i++) {
        uint64_t lo, last;
        if (!pmp_range(h, i, &lo, &last))
            continue;
        if (pa > last || end < lo)
            continue;
        if (pa < lo || end > last)
            return false;       /* only some bytes match: the access fails (3.7.1) */
        return pmp_allows(h->s.pmpcfg[i], acc, priv);
    }
    return priv == PRV_M;
}

static bool pmp_any_locked(const Hart *h)
{
    for (int i = 0; i < PMP_COUNT; i++)
        if (h->s.pmpcfg[i] & PMP_L)
            return true;
    return false;
}

/* True when every byte of the page gets the same PMP decision for priv. */
static bool pmp_page_uniform(const Hart *h, uint64_t ppage, int priv)
{
    uint64_t end = ppage + MEM_PAGE_SIZE - 1;
    if (priv == PRV_M && !pmp_any_locked(h))
        return true;    /* M-mode is then allowed everything */
    for (int i = 0; i < PMP_COUNT; i++) {
        uint64_t lo, last;
        if (!pmp_range(h, i, &lo, &last))
            continue;
        if (ppage > last || end < lo)
            continue;
        return ppage >= lo && end <= last;
    }
    return true;
}

/* ---- page walker ------------------------------------------------------ */

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK ((1ull << 44) - 1)
#define PTE_RESERVED (0x7full << 54)  /* always reserved (4.4.1) */
#define PTE_PBMT (3ull << 61)          /* Svpbmt memory type */
#define PTE_N (1ull << 63)             /* Svnapot */

/* Bits 54..63 of a PTE: reserved ones must be zero; N needs Svnapot, PBMT
 * needs Svpbmt enabled by menvcfg.PBMTE, and its value 3 is reserved. */
static bool pte_ext_bits_ok(const Hart *h, uint64_t pte)
{
    if (pte & PTE_RESERVED)
        return false;
    if ((pte & PTE_N) && !(h->cfg.ext & HART_EXT_SVNAPOT))
        return false;
    if (pte & PTE_PBMT) {
        if (!(h->cfg.ext & HART_EXT_SVPBMT) || !(h->s.menvcfg & MENVCFG_PBMTE))
            return false;
        if ((pte & PTE_PBMT) == PTE_PBMT)
            return false;
    }
    return true;
}

/* Whether the walker sets A and D itself, as QEMU has always done: with
 * Svadu, menvcfg.ADUE decides; without it, Svade asks for page faults. */
static bool mmu_hw_ad(const Hart *h)
{
    if (h->cfg.ext & HART_EXT_SVADU)
        return (h->s.menvcfg & MENVCFG_ADUE) != 0;
    return !(h->cfg.ext & HART_EXT_SVADE);
}

static uint64_t page_fault_cause(Access acc)
{
    return acc == ACC_EXEC ? EXC_INSN_PAGE : acc == ACC_READ ? EXC_LOAD_PAGE : EXC_STORE_PAGE;
}

/* guest_errors: the bus refused an access (QEMU's words for it). */
static void mmu_log_bus_error(Hart *h, uint64_t pa, unsigned size, bool write, MemResult mr)
{
    if (likely(!h->log) || !log_on(h->log, LOG_GUEST_ERROR))
        return;
    const MemRegion *r = mem_find(h->as, pa, 1);
    log_printf(h->log, "Invalid %s at addr 0x%" PRIX64 ", size %u, region '%s', reason: %s\n",
               write ? "write" : "read", pa, size, r ? r->name : "(null)",
               mr == MEM_ERR_UNMAPPED ? "unassigned" : "invalid size");
}

static uint64_t access_fault_cause(Access acc)
{
    return acc == ACC_EXEC ? EXC_INSN_ACCESS : acc == ACC_READ ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS;
}

static bool translate(Hart *h, uint64_t va, Access acc, int priv, uint64_t *pa,
                      uint64_t *cause, bool debug);

bool mmu_translate(Hart *h, uint64_t va, Access acc, int priv, uint64_t *pa,
                   uint64_t *cause, bool debug)
{
    bool ok = translate(h, va, acc, priv, pa, cause, debug);
    /* Only the hart's own translations: the debugger's and the log's
     * reads are not the guest's. */
    if (unlikely(h->log) && !debug && log_on(h->log, LOG_MMU))
        cpu_log_translate(h, va, acc, priv, ok, ok ? *pa : 0);
    return ok;
}

static bool translate(Hart *h, uint64_t va, Access acc, int priv, uint64_t *pa,
                      uint64_t *cause, bool debug)
{
    unsigned mode = (unsigned)(h->s.satp >> 60);
    int levels;

    if (priv == PRV_M || mode == SATP_MODE_BARE) {
        *pa = va;
        return true;
    }
    levels = mode == SATP_MODE_SV57 ? 5 : mode == SATP_MODE_SV48 ? 4 : 3;
    {
        /* Bits above the VA width must all equal its top bit (4.3.1/4.4.1). */
        int vabits = 12 + 9 * levels;
        int64_t top = (int64_t)va >> (vabits - 1);
        if (top != 0 && top != -1) {
            *cause = page_fault_cause(acc);
            return false;
        }
    }

    uint64_t base = (h->s.satp & PTE_PPN_MASK) << MEM_PAGE_BITS;
    for (int level = levels - 1; level >= 0; level--) {
        uint64_t idx = (va >> (12 + 9 * level)) & 0x1ff;
        uint64_t pte_addr = base + idx * 8;
        int ri;
        uint64_t pte;

        /* Implicit walker accesses are checked by PMP as S-mode (3.7.1). */
        if (!pmp_check(h, pte_addr, 8, ACC_READ, PRV_S) ||
            (ri = hart_ram_region(h, pte_addr, 8)) < 0) {
            *cause = access_fault_cause(acc);
            return false;
        }
        const MemRegion *r = &h->as->regions[ri];
        uint64_t *ptep = (uint64_t *)(void *)(r->host + (pte_addr - r->base));
        if (!debug)
            pt_mark(h, pte_addr);
        pte = __atomic_load_n(ptep, __ATOMIC_RELAXED);

        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || !pte_ext_bits_ok(h, pte)) {
            *cause = page_fault_cause(acc);
            return false;
        }
        uint64_t ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        if (!(pte & (PTE_R | PTE_X))) {
            /* Non-leaf: A/D/U are reserved for software to clear (4.3.1);
             * like QEMU, the walker does not fault on them. N and PBMT are
             * reserved there (Svnapot, Svpbmt). */
            if (pte & (PTE_N | PTE_PBMT)) {
                *cause = page_fault_cause(acc);
                return false;
            }
            base = ppn << MEM_PAGE_BITS;
            continue;
        }
        if (pte & PTE_N) {
            /* Svnapot: only 64 KiB pages (a level-0 leaf with ppn[3:0] =
             * 1000) are defined; the low vpn bits select the 4 KiB page. */
            if (level != 0 || (ppn & 0xf) != 0x8) {
                *cause = page_fault_cause(acc);
                return false;
            }
            ppn = (ppn & ~0xfull) | ((va >> 12) & 0xf);
        }

        /* Leaf: permission checks (4.3.2 step 5). */
        if (!debug) {
            bool ok;
            if (priv == PRV_U && !(pte & PTE_U))
                ok = false;
            else if (priv == PRV_S && (pte & PTE_U) &&
                     (acc == ACC_EXEC || !(h->s.mstatus & MSTATUS_SUM)))
                ok = false;
            else if (acc == ACC_EXEC)
                ok = pte & PTE_X;
            else if (acc == ACC_READ)
                ok = (pte & PTE_R) || ((pte & PTE_X) && (h->s.mstatus & MSTATUS_MXR));
            else
                ok = pte & PTE_W;
            if (!ok) {
                *cause = page_fault_cause(acc);
                return false;
            }
        }
        uint64_t lowmask = (1ull << (9 * level)) - 1;
        if (ppn & lowmask) {        /* misaligned superpage */
            *cause = page_fault_cause(acc);
            return false;
        }
        if (!debug) {
            uint64_t want = pte | PTE_A | (acc == ACC_WRITE ? PTE_D : 0);
            if (want != pte && !mmu_hw_ad(h)) {
                /* Svade: software manages A and D. */
                *cause = page_fault_cause(acc);
                return false;
            }
            if (want != pte) {
                if (!pmp_check(h, pte_addr, 8, ACC_WRITE, PRV_S) || r->kind != MEM_RAM) {
                    *cause = access_fault_cause(acc);
                    return false;
                }
                /* Single hart: the compare only guards against a PTE the
                 * walker did not read; a lost race simply restarts nothing. */
                __atomic_compare_exchange_n(ptep, &pte, want, false,
                                            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
                mem_ram_mark_dirty(r, pte_addr - r->base);
                tb_invalidate_phys(h, pte_addr, 8);
                if (unlikely(h->npeers))
                    mmu_peers_written(h, pte_addr, 8);
            }
        }
        uint64_t vpn_low = (va >> 12) & lowmask;
        *pa = ((ppn | vpn_low) << MEM_PAGE_BITS) | (va & (MEM_PAGE_SIZE - 1));
        return true;
    }
    *cause = page_fault_cause(acc);
    return false;
}

/* ---- slow paths -------------------------------------------------------- */

/* Called once the access is known not to fault, before it is made (or has
 * any effect on a device). On a hit the instruction ends with no effect and
 * the hart stops before it (see hart_watch_hit_addr()): returns true, and
 * the caller returns 1 (EXEC_END) without writing anything. Faults take
 * precedence, so a faulting access traps as it would without a debugger. */
static bool watch_check(Hart *h, const Insn *in, uint64_t va, unsigned size, int kind)
{
    /* The instruction's own step: blocks under watchpoints run one
     * instruction at a time, but count from the block start anyway. */
    uint64_t icount = h->blk_first ? h->blk_icount + (uint64_t)(in - h->blk_first) : h->s.icount;
    if (h->wp_skip && in->pc == h->wp_skip_pc && icount == h->wp_skip_icount)
        return false;
    for (int i = 0; i < h->nwp; i++) {
        const Watchpoint *w = &h->wp[i];
        if ((w->kind & kind) && va < w->addr + w->len && w->addr < va + size) {
            h->watch_hit = true;
            h->watch_hit_addr = va;
            h->stop = true;
            h->s.pc = in->pc;
            return true;
        }
    }
    return false;
}

static inline uint64_t host_load(const uint8_t *p, unsigned size)
{
    switch (size) {
    case 1: return *p;
    case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
    case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
    default: { uint64_t v; memcpy(&v, p, 8); return v; }
    }
}

static inline void host_store(uint8_t *p, unsigned size, uint64_t v)
{
    switch (size) {
    case 1: *p = (uint8_t)v; break;
    case 2: { uint16_t t = (uint16_t)v; memcpy(p, &t, 2); break; }
    case 4: { uint32_t t = (uint32_t)v; memcpy(p, &t, 4); break; }
    default: memcpy(p, &v, 8); break;
    }
}

static int misaligned(Hart *h, const Insn *in, uint64_t va, unsigned size, uint64_t *val,
                      bool write);

int mmu_load_slow(Hart *h, const Insn *in, uint64_t va, unsigned size, uint64_t *val)
{
    uint64_t pa, cause;
    int ri;

    if (unlikely(h->trig_mem) && trig_mem_fire(h, in, va, size, TRIG_LOAD))
        return 1;
    if (va & (size - 1))
        return misaligned(h, in, va, size, val, false);
    if (!mmu_translate(h, va, ACC_READ, h->dpriv, &pa, &cause, false))
        return hart_raise(h, in, cause, va);
    if (!pmp_check(h, pa, size, ACC_READ, h->dpriv))
        return hart_raise(h, in, EXC_LOAD_ACCESS, va);
    if (h->nwp && watch_check(h, in, va, size, WATCH_READ))
        return 1;
    ri = hart_ram_region(h, pa, size);
    if (ri >= 0) {
        const MemRegion *r = &h->as->regions[ri];
        *val = host_load(r->host + (pa - r->base), size);
        if (pmp_page_uniform(h, pa & PAGE_MASK, h->dpriv))
            tlb_fill(h, h->dpriv, va, pa, ri, ACC_READ);
    } else {
        hart_sync_icount(h, in);
        MemResult mr = mem_read(h->as, pa, size, val);
        if (mr != MEM_OK) {
            mmu_log_bus_error(h, pa, size, false, mr);
            return hart_raise(h, in, EXC_LOAD_ACCESS, va);
        }
    }
    return h->stop ? 2 : 0;
}

/* Store into RAM at region ri: code invalidation, dirty marking. Returns
 * true when translated code was invalidated (the block must end). */
static bool ram_store(Hart *h, int ri, uint64_t pa, unsigned size, uint64_t val)
{
    const MemRegion *r = &h->as->regions[ri];
    bool inval = false;
    if (r->kind != MEM_RAM)
        return false;   /* ROM ignores writes, as QEMU's ROM regions do */
    inval = tb_invalidate_phys(h, pa, size);
    if (unlikely(h->npeers))
        mmu_peers_written(h, pa, size);
    host_store(r->host + (pa - r->base), size, val);
    mem_ram_mark_dirty(r, pa - r->base);
    return inval;
}

/*
 * Misaligned loads and stores complete, as QEMU's do (unprivileged spec 2.6
 * leaves the choice to the execution environment; riscv-tests' ma_data
 * expects it). The access is split into bytes, possibly on two pages; both
 * pages are translated and checked before a byte moves, so a fault (tval:
 * the first address of the part that faulted) leaves memory untouched.
 * Device registers are not split: a misaligned access to MMIO or ROM-less
 * space is an access fault.
 */
static int misaligned(Hart *h, const Insn *in, uint64_t va, unsigned size, uint64_t *val,
                      bool write)
{
    Access acc = write ? ACC_WRITE : ACC_READ;
    uint64_t access_fault = write ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS;
    unsigned n0 = MEM_PAGE_SIZE - (unsigned)(va & (MEM_PAGE_SIZE - 1));
    if (n0 > size)
        n0 = size;
    const uint64_t part_va[2] = { va, va + n0 };
    const unsigned part_n[2] = { n0, size - n0 };
    uint64_t pa[2] = { 0, 0 }, v = write ? *val : 0;
    int ri[2] = { -1, -1 };

    for (int i = 0; i < 2 && part_n[i]; i++) {
        uint64_t cause;
        if (!mmu_translate(h, part_va[i], acc, h->dpriv, &pa[i], &cause, false))
            return hart_raise(h, in, cause, part_va[i]);
        if (!pmp_check(h, pa[i], part_n[i], acc, h->dpriv) ||
            (ri[i] = hart_ram_region(h, pa[i], part_n[i])) < 0)
            return hart_raise(h, in, access_fault, part_va[i]);
    }
    if (h->nwp && watch_check(h, in, va, size, write ? WATCH_WRITE : WATCH_READ))
        return 1;
    for (unsigned b = 0; b < size; b++) {
        int i = b >= n0;
        uint64_t p = pa[i] + (b - (i ? n0 : 0));
        const MemRegion *r = &h->as->regions[ri[i]];
        if (!write)
            v |= (uint64_t)r->host[p - r->base] << (8 * b);
        else if (ram_store(h, ri[i], p, 1, v >> (8 * b)))
            h->stop = true;
    }
    if (write) {
        for (int i = 0; i < 2 && part_n[i]; i++)
            if (mmu_pt_write(h, pa[i], part_n[i]))
                h->stop = true;
    } else {
        *val = v;
    }
    return h->stop ? 2 : 0;
}

int mmu_store_slow(Hart *h, const Insn *in, uint64_t va, unsigned size, uint64_t val)
{
    uint64_t pa, cause;
    int ri;
    TLBEntry *e = &h->dtlb[(va >> MEM_PAGE_BITS) & (TLB_SIZE - 1)];

    /* A RAM page that also holds code or PTEs: the entry's translation and
     * PMP decision are as good as a plain write tag's; only the code bytes
     * and the PTEs cached translations read need the full path below. */
    if (e->tag_w == ((va & (PAGE_MASK | (size - 1))) | TLB_CODE)) {
        CodePage *cp = e->code;
        uint32_t off = (uint32_t)(va & (MEM_PAGE_SIZE - 1));
        if (!cp->ntbs && !cp->pt && !cp->remote)
            e->tag_w = va & PAGE_MASK;      /* nothing to check any more: plain RAM */
        else if ((cp->ntbs && tb_code_overlaps(cp, off, size)) ||
                 (cp->pt && pt_overlaps(cp, off, size)))
            goto full;
        if (unlikely(cp->remote))
            mmu_peers_written(h, e->ppage | off, size);
        host_store((uint8_t *)(uintptr_t)(va + e->addend), size, val);
        *e->dirty_word |= e->dirty_bit;
        return 0;
    }
full:
    /* A page a trigger watches has no write tag, so the shortcut above
     * never skips this check. */
    if (unlikely(h->trig_mem) && trig_mem_fire(h, in, va, size, TRIG_STORE))
        return 1;
    if (va & (size - 1))
        return misaligned(h, in, va, size, &val, true);
    if (!mmu_translate(h, va, ACC_WRITE, h->dpriv, &pa, &cause, false))
        return hart_raise(h, in, cause, va);
    if (!pmp_check(h, pa, size, ACC_WRITE, h->dpriv))
        return hart_raise(h, in, EXC_STORE_ACCESS, va);
    if (h->nwp && watch_check(h, in, va, size, WATCH_WRITE))
        return 1;
    ri = hart_ram_region(h, pa, size);
    if (ri >= 0) {
        if (ram_store(h, ri, pa, size, val))
            h->stop = true;
        if (mmu_pt_write(h, pa, size))
            h->stop = true;     /* the translation just used may be stale: no fill */
        else if (pmp_page_uniform(h, pa & PAGE_MASK, h->dpriv))
            tlb_fill(h, h->dpriv, va, pa, ri, ACC_WRITE);
    } else {
        hart_sync_icount(h, in);
        MemResult mr = mem_write(h->as, pa, size, val);
        if (mr != MEM_OK) {
            mmu_log_bus_error(h, pa, size, true, mr);
            return hart_raise(h, in, EXC_STORE_ACCESS, va);
        }
    }
    return h->stop ? 2 : 0;
}

int mmu_amo_prepare(Hart *h, const Insn *in, uint64_t va, unsigned size, bool is_lr,
                    AmoTarget *t)
{
    uint64_t pa, cause;
    Access acc = is_lr ? ACC_READ : ACC_WRITE;
    int ri;

    if (va & (size - 1))
        return hart_raise(h, in, is_lr ? EXC_LOAD_MISALIGNED : EXC_STORE_MISALIGNED, va);
    if (unlikely(h->trig_mem) &&
        trig_mem_fire(h, in, va, size, is_lr ? TRIG_LOAD : TRIG_LOAD | TRIG_STORE))
        return 1;
    if (!mmu_translate(h, va, acc, h->dpriv, &pa, &cause, false))
        return hart_raise(h, in, cause, va);
    if (!pmp_check(h, pa, size, ACC_READ, h->dpriv) ||
        (!is_lr && !pmp_check(h, pa, size, ACC_WRITE, h->dpriv)))
        return hart_raise(h, in, is_lr ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS, va);
    ri = hart_ram_region(h, pa, size);
    if (ri >= 0 && !is_lr && h->as->regions[ri].kind != MEM_RAM)
        return hart_raise(h, in, EXC_STORE_ACCESS, va);  /* AMO on ROM */
    if (h->nwp && watch_check(h, in, va, size, is_lr ? WATCH_READ : WATCH_ACCESS))
        return 1;
    t->paddr = pa;
    if (ri >= 0 && (is_lr || h->as->regions[ri].kind == MEM_RAM)) {
        const MemRegion *r = &h->as->regions[ri];
        t->host = r->host + (pa - r->base);
        t->mmio = false;
        if (!is_lr) {
            if (tb_invalidate_phys(h, pa, size))
                h->stop = true;
            if (unlikely(h->npeers))
                mmu_peers_written(h, pa, size);
            if (mmu_pt_write(h, pa, size))
                h->stop = true;
            mem_ram_mark_dirty(r, pa - r->base);
        }
    } else {
        t->host = NULL;
        t->mmio = true;
        hart_sync_icount(h, in);
    }
    return 0;
}

bool mmu_fetch_page(Hart *h, uint64_t va, const uint8_t **host, uint64_t *ppage,
                    uint64_t *cause)
{
    uint64_t pa;
    int ri;
    const TLBEntry *e = &h->tlb[mmu_idx((int)h->s.priv)][(va >> MEM_PAGE_BITS) & (TLB_SIZE - 1)];

    if (e->tag_x == (va & PAGE_MASK)) {
        *host = (const uint8_t *)(uintptr_t)((va & PAGE_MASK) + e->addend);
        *ppage = e->ppage;
        return true;
    }
    if (!mmu_translate(h, va, ACC_EXEC, (int)h->s.priv, &pa, cause, false))
        return false;
    ri = hart_ram_region(h, pa & PAGE_MASK, MEM_PAGE_SIZE);
    /* Blocks are built from whole pages with one PMP decision; code in a page
     * with mixed PMP permissions, or outside RAM/ROM, is not executable. */
    if (ri < 0 || !pmp_page_uniform(h, pa & PAGE_MASK, (int)h->s.priv) ||
        !pmp_check(h, pa, 2, ACC_EXEC, (int)h->s.priv)) {
        *cause = EXC_INSN_ACCESS;
        return false;
    }
    const MemRegion *r = &h->as->regions[ri];
    *host = r->host + ((pa & PAGE_MASK) - r->base);
    *ppage = pa & PAGE_MASK;
    tlb_fill(h, (int)h->s.priv, va, pa, ri, ACC_EXEC);
    return true;
}

int mmu_cbo(Hart *h, const Insn *in, uint64_t va, bool zero)
{
    /* The block is translated and checked; faults report rs1 itself (CMO
     * spec: "the faulting effective address (i.e. the value of rs1)"). */
    uint64_t base = va & ~(uint64_t)(CBO_BLOCK - 1);
    uint64_t pa, cause;
    int ri;

    /* A trigger matches the whole block (debug spec, "Cache Operations"). */
    if (unlikely(h->trig_mem) && trig_mem_fire(h, in, base, CBO_BLOCK, TRIG_STORE | TRIG_CBO))
        return 1;
    if (!zero) {
        /* Clean, flush, invalidate: permitted where a load or a store is (a
         * page with W always has R); faults are reported as store faults.
         * Where nothing answers, loads and stores fault, so these do too. */
        if (!mmu_translate(h, base, ACC_READ, h->dpriv, &pa, &cause, false))
            return hart_raise(h, in, cause == EXC_LOAD_PAGE ? EXC_STORE_PAGE : EXC_STORE_ACCESS, va);
        if ((!pmp_check(h, pa, CBO_BLOCK, ACC_READ, h->dpriv) &&
             !pmp_check(h, pa, CBO_BLOCK, ACC_WRITE, h->dpriv)) ||
            !mem_find(h->as, pa, CBO_BLOCK))
            return hart_raise(h, in, EXC_STORE_ACCESS, va);
        return 0;
    }
    if (!mmu_translate(h, base, ACC_WRITE, h->dpriv, &pa, &cause, false))
        return hart_raise(h, in, cause, va);
    if (!pmp_check(h, pa, CBO_BLOCK, ACC_WRITE, h->dpriv) ||
        (ri = hart_ram_region(h, pa, CBO_BLOCK)) < 0)
        return hart_raise(h, in, EXC_STORE_ACCESS, va);
    if (h->nwp && watch_check(h, in, base, CBO_BLOCK, WATCH_WRITE))
        return 1;
    for (unsigned off = 0; off < CBO_BLOCK; off += 8)
        if (ram_store(h, ri, pa + off, 8, 0))
            h->stop = true;
    if (mmu_pt_write(h, pa, CBO_BLOCK))
        h->stop = true;
    return h->stop ? 2 : 0;
}

/* Stores through h's TLB to page cp->ppage must come to the slow path. */
static void tlb_mark_code(Hart *h, CodePage *cp)
{
    for (int m = 0; m < MMU_COUNT; m++) {
        for (unsigned i = 0; i < TLB_SIZE; i++) {
            TLBEntry *e = &h->tlb[m][i];
            if (e->ppage == cp->ppage && e->tag_w != TLB_INVALID) {
                e->tag_w |= TLB_CODE;
                e->code = cp;
            }
        }
    }
}

/* Page cp->ppage got its first block, or became a page-table page: stores
 * to it must come here to be checked, this hart's and its peers' alike
 * (harts run one at a time, so a peer's store is checked against this
 * hart's records when it happens, as a DMA write is). */
void mmu_code_page_added(Hart *h, CodePage *cp)
{
    tlb_mark_code(h, cp);
    for (uint32_t i = 0; i < h->npeers; i++) {
        Hart *p = h->peers[i];
        CodePage *pc = tb_code_page_get(p, cp->ppage);
        if (!pc) {
            fprintf(stderr, "rrsim: out of memory for code-page marks\n");
            abort();
        }
        if (!pc->remote) {
            pc->remote = 1;
            tlb_mark_code(p, pc);
        }
    }
}

void mmu_peers_written(Hart *h, uint64_t paddr, uint64_t len)
{
    while (len) {
        uint64_t ppage = paddr & PAGE_MASK;
        uint64_t chunk = ppage + MEM_PAGE_SIZE - paddr < len ? ppage + MEM_PAGE_SIZE - paddr : len;
        CodePage *cp = tb_code_page(h, ppage);
        if (cp && cp->remote) {
            bool any = false;
            for (uint32_t i = 0; i < h->npeers; i++) {
                Hart *p = h->peers[i];
                tb_invalidate_phys(p, paddr, chunk);
                mmu_pt_write(p, paddr, chunk);
                const CodePage *pc = tb_code_page(p, ppage);
                any |= pc && (pc->ntbs || pc->pt);
            }
            if (!any)
                cp->remote = 0;     /* the peers hold nothing from it now */
        }
        paddr += chunk;
        len -= chunk;
    }
}

bool mmu_debug_access(Hart *h, uint64_t va, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;
    while (len) {
        uint64_t pa, cause;
        size_t chunk = MEM_PAGE_SIZE - (va & (MEM_PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        if (!mmu_translate(h, va, write ? ACC_WRITE : ACC_READ, h->dpriv, &pa, &cause, true))
            return false;
        if (write) {
            if (!mem_copy_to(h->as, pa, p, chunk, false))
                return false;
            tb_invalidate_phys(h, pa, chunk);
            mmu_pt_write(h, pa, chunk);
            if (h->npeers)
                mmu_peers_written(h, pa, chunk);
        } else if (!mem_copy_from(h->as, pa, p, chunk)) {
            return false;
        }
        va += chunk;
        p += chunk;
        len -= chunk;
    }
    return true;
}
