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
 * Pages holding code are marked per physical page; stores into them
 * invalidate the page's blocks (mmu.c routes such stores through its slow
 * path). Blocks are allocated from pools that are reset all at once when
 * full, so an invalidated block's memory stays valid until the next flush —
 * which only happens between blocks.
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
    for (int i = 0; i < MEM_MAX_REGIONS; i++)
        if (h->codemap[i])
            memset(h->codemap[i], 0, h->codemap_pages[i]);
}

/* Code-map byte for a physical page, allocating the region's map on demand
 * when create is set. NULL when the page is not RAM/ROM. */
static uint8_t *codemap_entry(Hart *h, uint64_t ppage, bool create)
{
    int ri = hart_ram_region(h, ppage, 1);
    if (ri < 0)
        return NULL;
    const MemRegion *r = &h->as->regions[ri];
    if (!h->codemap[ri]) {
        if (!create)
            return NULL;
        uint64_t pages = r->size >> MEM_PAGE_BITS;
        h->codemap[ri] = calloc(pages ? pages : 1, 1);
        if (!h->codemap[ri])
            return NULL;
        h->codemap_pages[ri] = pages;
    }
    return &h->codemap[ri][(ppage - r->base) >> MEM_PAGE_BITS];
}

bool tb_page_has_code(Hart *h, uint64_t ppage)
{
    uint8_t *m = codemap_entry(h, ppage, false);
    return m && *m;
}

static void mark_code(Hart *h, uint64_t ppage)
{
    uint8_t *m = codemap_entry(h, ppage, true);
    if (m && !*m) {
        *m = 1;
        mmu_code_page_added(h, ppage);
    }
}

static inline uint32_t tb_hash_idx(uint64_t vpc, uint64_t ppc)
{
    uint64_t k = (ppc >> 1) ^ (vpc * 0x9e3779b97f4a7c15ull >> 40);
    return (uint32_t)((k ^ (k >> TB_HASH_BITS)) & ((1u << TB_HASH_BITS) - 1));
}


void tb_invalidate_page(Hart *h, uint64_t ppage)
{
    for (uint32_t i = 0; i < h->tb_used; i++) {
        TB *tb = &h->tb_pool[i];
        if (!tb->valid || ((tb->ppc & PAGE_MASK) != ppage && tb->ppage2 != ppage))
            continue;
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
    uint8_t *m = codemap_entry(h, ppage, false);
    if (m)
        *m = 0;
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
    tb->valid = 1;
    uint32_t hi = tb_hash_idx(tb->vpc, tb->ppc);
    tb->hash_next = h->tb_hash[hi];
    h->tb_hash[hi] = tb;
    mark_code(h, ppage);
    if (ppage2 != ~0ull)
        mark_code(h, ppage2);
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
