/*
 * tb: the translation-block cache.
 *
 * A block is decoded once from guest memory into an array of Insn and found
 * again by (virtual pc, physical pc) in a hash table. In front of it sits a
 * direct-mapped jump cache indexed by virtual pc and tagged with the
 * privilege mode; it is flushed whenever instruction-fetch translation can
 * change (satp writes, SFENCE.VMA, PMP writes) so an entry is never used
 * under another translation. Blocks end at a control transfer or system
 * instruction, at a page end, or after TB_MAX_INSNS.
 *
 * Each physical page holding code has a CodePage: the list of its blocks
 * (a block is linked into the list of each page it was decoded from) and a
 * bitmap of the halfwords those blocks cover. A store into such a page
 * invalidates only the blocks whose bytes it overlaps, and costs nothing
 * more than a bitmap test when it hits data sharing the page with code
 * (mmu.c routes stores to code pages through its slow path for that test).
 * Blocks are allocated from pools that are reset all at once when full, so
 * an invalidated block's memory stays valid until the next flush — which
 * only happens between blocks.
 */
#include <stdlib.h>

#include "cpu/internal.h"

bool tb_init(Hart *h)
{
    h->tb_pool = calloc(TB_POOL_SIZE, sizeof(TB));
    h->insn_pool = calloc(INSN_POOL_SIZE, sizeof(Insn));
    return h->tb_pool && h->insn_pool;
}

void tb_free_all(Hart *h)
{
    free(h->tb_pool);
    free(h->insn_pool);
    for (uint32_t i = 0; i < h->cp_count; i++)
        free(h->cp_all[i]);
    free(h->cp_all);
    free(h->pt_pages);
    for (int i = 0; i < MEM_MAX_REGIONS; i++)
        free(h->codemap[i]);
}

void tb_jc_flush(Hart *h)
{
    memset(h->jc, 0, sizeof(h->jc));
}

void tb_flush(Hart *h)
{
    h->tb_used = 0;
    h->insn_used = 0;
    memset(h->tb_hash, 0, sizeof(h->tb_hash));
    tb_jc_flush(h);
    /* Records stay allocated (TLB entries point at them); emptied, they let
     * stores through until code is translated there again. */
    for (uint32_t i = 0; i < h->cp_count; i++) {
        CodePage *cp = h->cp_all[i];
        if (cp->ntbs) {
            cp->tbs = NULL;
            cp->ntbs = 0;
            memset(cp->bits, 0, sizeof(cp->bits));
        }
    }
}

/* Slot in the code-record map of a physical page, allocating the region's
 * map on demand when create is set. NULL when the page is not RAM/ROM. */
static CodePage **codemap_slot(Hart *h, uint64_t ppage, bool create)
{
    int ri = hart_ram_region(h, ppage, 1);
    if (ri < 0)
        return NULL;
    const MemRegion *r = &h->as->regions[ri];
    if (!h->codemap[ri]) {
        if (!create)
            return NULL;
        uint64_t pages = r->size >> MEM_PAGE_BITS;
        h->codemap[ri] = calloc(pages ? pages : 1, sizeof(CodePage *));
        if (!h->codemap[ri])
            return NULL;
    }
    return &h->codemap[ri][(ppage - r->base) >> MEM_PAGE_BITS];
}

CodePage *tb_code_page(Hart *h, uint64_t ppage)
{
    CodePage **slot = codemap_slot(h, ppage, false);
    return slot ? *slot : NULL;
}

CodePage *tb_code_page_get(Hart *h, uint64_t ppage)
{
    CodePage **slot = codemap_slot(h, ppage, true);
    if (!slot)
        return NULL;
    if (!*slot) {
        if (h->cp_count == h->cp_cap) {
            uint32_t cap = h->cp_cap ? 2 * h->cp_cap : 64;
            CodePage **all = realloc(h->cp_all, cap * sizeof(*all));
            if (!all)
                return NULL;
            h->cp_all = all;
            h->cp_cap = cap;
        }
        CodePage *cp = calloc(1, sizeof(*cp));
        if (!cp)
            return NULL;
        cp->ppage = ppage;
        h->cp_all[h->cp_count++] = cp;
        *slot = cp;
    }
    return *slot;
}

/* Byte range [*lo, *hi) of the page that tb was decoded from (slot 0: the
 * page of its first instruction; slot 1: the page its last one reaches into). */
static void tb_page_range(const TB *tb, int slot, uint32_t *lo, uint32_t *hi)
{
    uint32_t off = (uint32_t)(tb->ppc & (MEM_PAGE_SIZE - 1));
    if (slot == 0) {
        *lo = off;
        *hi = off + tb->size < MEM_PAGE_SIZE ? off + tb->size : MEM_PAGE_SIZE;
    } else {
        *lo = 0;
        *hi = off + tb->size - MEM_PAGE_SIZE;
    }
}

static void bits_set(uint64_t *bits, uint32_t lo, uint32_t hi)
{
    for (uint32_t hw = lo >> 1; hw <= (hi - 1) >> 1; hw++)
        bits[hw >> 6] |= 1ull << (hw & 63);
}

static inline int tb_slot(const TB *tb, uint64_t ppage)
{
    return (tb->ppc & PAGE_MASK) == ppage ? 0 : 1;
}

static void code_page_link(Hart *h, uint64_t ppage, TB *tb)
{
    CodePage *cp = tb_code_page_get(h, ppage);
    int slot = tb_slot(tb, ppage);
    uint32_t lo, hi;
    if (!cp)
        return;     /* not RAM/ROM: cannot happen for a fetched page */
    tb->page_next[slot] = cp->tbs;
    cp->tbs = tb;
    tb_page_range(tb, slot, &lo, &hi);
    bits_set(cp->bits, lo, hi);
    if (cp->ntbs++ == 0)
        mmu_code_page_added(h, cp);
}

/* Recompute a page's bitmap from the blocks still listed. */
static void code_page_rebuild(CodePage *cp)
{
    memset(cp->bits, 0, sizeof(cp->bits));
    for (TB *tb = cp->tbs; tb; tb = tb->page_next[tb_slot(tb, cp->ppage)]) {
        uint32_t lo, hi;
        tb_page_range(tb, tb_slot(tb, cp->ppage), &lo, &hi);
        bits_set(cp->bits, lo, hi);
    }
}

static void code_page_unlink(CodePage *cp, TB *tb)
{
    TB **pp = &cp->tbs;
    while (*pp && *pp != tb)
        pp = &(*pp)->page_next[tb_slot(*pp, cp->ppage)];
    if (*pp) {
        *pp = tb->page_next[tb_slot(tb, cp->ppage)];
        cp->ntbs--;
    }
}

static inline uint32_t tb_hash_idx(uint64_t vpc, uint64_t ppc)
{
    uint64_t k = (ppc >> 1) ^ (vpc * 0x9e3779b97f4a7c15ull >> 40);
    return (uint32_t)((k ^ (k >> TB_HASH_BITS)) & ((1u << TB_HASH_BITS) - 1));
}

/* Make tb unreachable: hash table, jump cache. Page lists are the caller's. */
static void tb_unhash(Hart *h, TB *tb)
{
    tb->valid = 0;
    TB **pp = &h->tb_hash[tb_hash_idx(tb->vpc, tb->ppc)];
    while (*pp && *pp != tb)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = tb->hash_next;
    JCEntry *j = &h->jc[tb_jc_idx(tb->vpc)];
    if (j->tb == tb)
        j->tb = NULL;
}

/* Invalidate the blocks of one page overlapping [lo, hi). */
static bool invalidate_in_page(Hart *h, uint64_t ppage, uint32_t lo, uint32_t hi)
{
    CodePage *cp = tb_code_page(h, ppage);
    bool any = false;
    if (!cp || !cp->ntbs || !tb_code_overlaps(cp, lo, hi - lo))
        return false;
    TB **pp = &cp->tbs;
    while (*pp) {
        TB *tb = *pp;
        int slot = tb_slot(tb, ppage);
        uint32_t tlo, thi;
        tb_page_range(tb, slot, &tlo, &thi);
        if (tlo >= hi || lo >= thi) {
            pp = &tb->page_next[slot];
            continue;
        }
        *pp = tb->page_next[slot];
        cp->ntbs--;
        tb_unhash(h, tb);
        if (tb->ppage2 != ~0ull) {
            uint64_t other = slot == 0 ? tb->ppage2 : tb->ppc & PAGE_MASK;
            CodePage *ocp = tb_code_page(h, other);
            if (ocp) {
                code_page_unlink(ocp, tb);
                code_page_rebuild(ocp);
            }
        }
        any = true;
    }
    code_page_rebuild(cp);
    return any;
}

bool tb_invalidate_phys(Hart *h, uint64_t paddr, uint64_t len)
{
    bool any = false;
    while (len) {
        uint32_t off = (uint32_t)(paddr & (MEM_PAGE_SIZE - 1));
        uint64_t chunk = MEM_PAGE_SIZE - off < len ? MEM_PAGE_SIZE - off : len;
        any |= invalidate_in_page(h, paddr & PAGE_MASK, off, off + (uint32_t)chunk);
        paddr += chunk;
        len -= chunk;
    }
    return any;
}

/* Decode a block at vpc whose first page is already translated. Returns NULL
 * (after raising the fault) when even the first instruction cannot be fetched. */
static TB *tb_translate(Hart *h, uint64_t vpc, const uint8_t *host, uint64_t ppage)
{
    TB *tb;
    Insn *insns;
    uint64_t va = vpc;
    uint64_t page_end = (vpc & PAGE_MASK) + MEM_PAGE_SIZE;
    uint64_t ppage2 = ~0ull;
    uint32_t n = 0;

    if (h->tb_used >= TB_POOL_SIZE || h->insn_used + TB_MAX_INSNS + 1 > INSN_POOL_SIZE)
        tb_flush(h);
    tb = &h->tb_pool[h->tb_used];
    insns = &h->insn_pool[h->insn_used];

    while (n < TB_MAX_INSNS && va < page_end) {
        uint32_t off = (uint32_t)(va & (MEM_PAGE_SIZE - 1));
        uint16_t lo;
        uint32_t raw;
        memcpy(&lo, host + off, 2);
        raw = lo;
        if ((lo & 3) == 3) {
            if (off + 4 > MEM_PAGE_SIZE) {
                /* Straddles into the next page: it gets a block of its own. */
                const uint8_t *host2;
                uint64_t cause;
                uint16_t hi;
                if (n > 0)
                    break;
                if (!mmu_fetch_page(h, va + 2, &host2, &ppage2, &cause)) {
                    hart_trap(h, cause, va + 2, va, false);
                    return NULL;
                }
                memcpy(&hi, host2, 2);
                raw |= (uint32_t)hi << 16;
            } else {
                memcpy(&raw, host + off, 4);
            }
        }
        DecodedInsn d;
        riscv_decode(raw, &d);
        uint64_t ext = insn_flags[d.op] >> E_SHIFT;
        if (ext && ((insn_flags[d.op] & F_EXT_ALL) ? (ext & h->cfg.ext) != ext
                                                     : !(ext & h->cfg.ext)))
            d.op = OP_illegal;      /* an extension this hart does not have */
        Insn *in = &insns[n++];
        in->fn = insn_handlers[d.op];
        in->imm = d.imm;
        in->pc = va;
        in->raw = d.raw;
        in->op = d.op;
        in->rd = d.rd;
        in->rs1 = d.rs1;
        in->rs2 = d.rs2;
        in->rs3 = d.rs3;
        in->rm = d.rm;
        in->len = d.len;
        va += d.len;
        if ((insn_flags[d.op] & F_END) || ppage2 != ~0ull)
            break;
    }

    /* Sentinel: falls through to the next pc. */
    memset(&insns[n], 0, sizeof(insns[n]));
    insns[n].fn = insn_block_end;
    insns[n].pc = va;
    h->tb_used++;
    h->insn_used += n + 1;
    tb->vpc = vpc;
    tb->ppc = ppage | (vpc & (MEM_PAGE_SIZE - 1));
    tb->ppage2 = ppage2;
    tb->insns = insns;
    tb->n = n;
    tb->size = (uint32_t)(va - vpc);
    tb->valid = 1;
    tb->page_next[0] = tb->page_next[1] = NULL;
    uint32_t hi = tb_hash_idx(tb->vpc, tb->ppc);
    tb->hash_next = h->tb_hash[hi];
    h->tb_hash[hi] = tb;
    code_page_link(h, ppage, tb);
    if (ppage2 != ~0ull)
        code_page_link(h, ppage2, tb);
    h->tb_translations++;
    if (unlikely(h->log) && log_on(h->log, LOG_IN_ASM))
        cpu_log_translated(h, tb);
    return tb;
}

TB *tb_find(Hart *h)
{
    uint64_t pc = h->s.pc;
    JCEntry *j = &h->jc[tb_jc_idx(pc)];
    const uint8_t *host;
    uint64_t ppage, ppc, cause;
    TB *tb;

    if (likely(j->tb && j->vpc == pc && j->priv == h->s.priv))
        return j->tb;

    if (!mmu_fetch_page(h, pc, &host, &ppage, &cause)) {
        hart_trap(h, cause, pc, pc, false);
        return NULL;
    }
    ppc = ppage | (pc & (MEM_PAGE_SIZE - 1));
    for (tb = h->tb_hash[tb_hash_idx(pc, ppc)]; tb; tb = tb->hash_next) {
        if (tb->vpc == pc && tb->ppc == ppc) {
            if (tb->ppage2 != ~0ull) {
                /* The second page must still translate to the same place. */
                const uint8_t *h2;
                uint64_t p2;
                if (!mmu_fetch_page(h, (pc & PAGE_MASK) + MEM_PAGE_SIZE, &h2, &p2, &cause)) {
                    hart_trap(h, cause, (pc & PAGE_MASK) + MEM_PAGE_SIZE, pc, false);
                    return NULL;
                }
                if (p2 != tb->ppage2)
                    continue;
            }
            break;
        }
    }
    if (!tb) {
        tb = tb_translate(h, pc, host, ppage);
        if (!tb)
            return NULL;
    }
    j->vpc = pc;
    j->tb = tb;
    j->priv = h->s.priv;
    return tb;
}
