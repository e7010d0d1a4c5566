/*
 * exec: one handler per instruction of insn.def.
 *
 * Handlers return EXEC_NEXT to continue with the next Insn of the block, or
 * EXEC_END after setting pc (control transfer, trap, system instruction, or
 * a device/watchpoint/code-invalidation asking the block to stop). Loads and
 * stores try the TLB inline and fall back to mmu.c.
 */
#include "cpu/internal.h"
#include "cpu/fpu.h"

#define X(r) (h->s.x[(r)])
#define F(r) (h->s.f[(r)])
#define RD X(in->rd)
#define RS1 X(in->rs1)
#define RS2 X(in->rs2)
/* Handler bodies; the dispatch variants below wrap each of them. */
#define HANDLER(name) static inline __attribute__((always_inline)) int op_##name(Hart *h, const Insn *in)

static int illegal(Hart *h, const Insn *in)
{
    return hart_raise(h, in, EXC_ILLEGAL, in->raw);
}

HANDLER(illegal) { return illegal(h, in); }

/* ---- integer ----------------------------------------------------------- */

HANDLER(lui) { RD = (uint64_t)in->imm; return EXEC_NEXT; }
HANDLER(auipc) { RD = in->pc + (uint64_t)in->imm; return EXEC_NEXT; }

HANDLER(jal)
{
    RD = in->pc + in->len;
    h->s.pc = in->pc + (uint64_t)in->imm;
    return EXEC_END;
}

HANDLER(jalr)
{
    uint64_t target = (RS1 + (uint64_t)in->imm) & ~1ull;
    RD = in->pc + in->len;
    h->s.pc = target;
    return EXEC_END;
}

#define BRANCH(name, cond) \
    HANDLER(name) \
    { \
        uint64_t a = RS1, b = RS2; \
        (void)a; (void)b; \
        h->s.pc = (cond) ? in->pc + (uint64_t)in->imm : in->pc + in->len; \
        return EXEC_END; \
    }
BRANCH(beq, a == b)
BRANCH(bne, a != b)
BRANCH(blt, (int64_t)a < (int64_t)b)
BRANCH(bge, (int64_t)a >= (int64_t)b)
BRANCH(bltu, a < b)
BRANCH(bgeu, a >= b)

#define ALU_I(name, expr) HANDLER(name) { uint64_t a = RS1; int64_t imm = in->imm; RD = (expr); return EXEC_NEXT; }
ALU_I(addi, a + (uint64_t)imm)
ALU_I(slti, (int64_t)a < imm)
ALU_I(sltiu, a < (uint64_t)imm)
ALU_I(xori, a ^ (uint64_t)imm)
ALU_I(ori, a | (uint64_t)imm)
ALU_I(andi, a & (uint64_t)imm)
ALU_I(slli, a << imm)
ALU_I(srli, a >> imm)
ALU_I(srai, (uint64_t)((int64_t)a >> imm))
ALU_I(addiw, (uint64_t)(int64_t)(int32_t)(uint32_t)(a + (uint64_t)imm))
ALU_I(slliw, (uint64_t)(int64_t)(int32_t)((uint32_t)a << imm))
ALU_I(srliw, (uint64_t)(int64_t)(int32_t)((uint32_t)a >> imm))
ALU_I(sraiw, (uint64_t)(int64_t)((int32_t)(uint32_t)a >> imm))

#define ALU_R(name, expr) HANDLER(name) { uint64_t a = RS1, b = RS2; RD = (expr); return EXEC_NEXT; }
#define SX32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))
ALU_R(add, a + b)
ALU_R(sub, a - b)
ALU_R(sll, a << (b & 63))
ALU_R(slt, (int64_t)a < (int64_t)b)
ALU_R(sltu, a < b)
ALU_R(xor, a ^ b)
ALU_R(srl, a >> (b & 63))
ALU_R(sra, (uint64_t)((int64_t)a >> (b & 63)))
ALU_R(or, a | b)
ALU_R(and, a & b)
ALU_R(addw, SX32(a + b))
ALU_R(subw, SX32(a - b))
ALU_R(sllw, SX32((uint32_t)a << (b & 31)))
ALU_R(srlw, SX32((uint32_t)a >> (b & 31)))
ALU_R(sraw, (uint64_t)(int64_t)((int32_t)(uint32_t)a >> (b & 31)))

/* M extension; division corner cases per unprivileged spec 7.2. */
ALU_R(mul, a * b)
ALU_R(mulh, (uint64_t)(((__int128)(int64_t)a * (__int128)(int64_t)b) >> 64))
ALU_R(mulhsu, (uint64_t)(((__int128)(int64_t)a * (__int128)(unsigned __int128)b) >> 64))
ALU_R(mulhu, (uint64_t)(((unsigned __int128)a * b) >> 64))
ALU_R(div, b == 0 ? ~0ull : ((int64_t)a == INT64_MIN && (int64_t)b == -1) ? a
           : (uint64_t)((int64_t)a / (int64_t)b))
ALU_R(divu, b == 0 ? ~0ull : a / b)
ALU_R(rem, b == 0 ? a : ((int64_t)a == INT64_MIN && (int64_t)b == -1) ? 0
           : (uint64_t)((int64_t)a % (int64_t)b))
ALU_R(remu, b == 0 ? a : a % b)
ALU_R(mulw, SX32((uint32_t)a * (uint32_t)b))
ALU_R(divw, (int32_t)b == 0 ? ~0ull
            : ((int32_t)a == INT32_MIN && (int32_t)b == -1) ? SX32(a)
            : SX32((int32_t)a / (int32_t)b))
ALU_R(divuw, (uint32_t)b == 0 ? ~0ull : SX32((uint32_t)a / (uint32_t)b))
ALU_R(remw, (int32_t)b == 0 ? SX32(a)
            : ((int32_t)a == INT32_MIN && (int32_t)b == -1) ? 0
            : SX32((int32_t)a % (int32_t)b))
ALU_R(remuw, (uint32_t)b == 0 ? SX32(a) : SX32((uint32_t)a % (uint32_t)b))

/* ---- bit manipulation (Zba, Zbb, Zbc, Zbs, Zbkb, Zbkc, Zbkx) and Zicond -------- */

static inline uint64_t rol64(uint64_t a, unsigned n) { n &= 63; return n ? (a << n) | (a >> (64 - n)) : a; }
static inline uint64_t ror64(uint64_t a, unsigned n) { n &= 63; return n ? (a >> n) | (a << (64 - n)) : a; }
static inline uint32_t ror32(uint32_t a, unsigned n) { n &= 31; return n ? (a >> n) | (a << (32 - n)) : a; }

/* Carry-less product of a and b: bits 0..63 (lo) and 64..127 (hi). */
static inline void clmul128(uint64_t a, uint64_t b, uint64_t *lo, uint64_t *hi)
{
    uint64_t l = 0, h = 0;
    for (unsigned i = 0; i < 64; i++) {
        if ((b >> i) & 1) {
            l ^= a << i;
            if (i)
                h ^= a >> (64 - i);
        }
    }
    *lo = l;
    *hi = h;
}
static inline uint64_t clmul_lo(uint64_t a, uint64_t b) { uint64_t l, h; clmul128(a, b, &l, &h); return l; }
static inline uint64_t clmul_hi(uint64_t a, uint64_t b) { uint64_t l, h; clmul128(a, b, &l, &h); return h; }
/* clmulr: bits 63..126 of the product (unprivileged spec, Zbc). */
static inline uint64_t clmul_rev(uint64_t a, uint64_t b)
{
    uint64_t l, h;
    clmul128(a, b, &l, &h);
    return (h << 1) | (l >> 63);
}

static inline uint64_t orc_b(uint64_t a)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i += 8)
        if ((a >> i) & 0xff)
            r |= 0xffull << i;
    return r;
}

static inline uint64_t brev8(uint64_t a)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i++)
        if ((a >> i) & 1)
            r |= 1ull << ((i & ~7u) | (7 - (i & 7)));
    return r;
}

/* xperm: each lane of b (width w bits) selects a lane of a, or 0 when out of range. */
static inline uint64_t xperm(uint64_t a, uint64_t b, unsigned w)
{
    uint64_t r = 0, mask = (1ull << w) - 1;
    for (unsigned i = 0; i < 64; i += w) {
        uint64_t idx = (b >> i) & mask;
        if (idx * w < 64)
            r |= ((a >> (idx * w)) & mask) << i;
    }
    return r;
}

#define ALU_1(name, expr) HANDLER(name) { uint64_t a = RS1; RD = (expr); return EXEC_NEXT; }
ALU_R(add_uw, b + (uint32_t)a)
ALU_R(sh1add, (a << 1) + b)
ALU_R(sh2add, (a << 2) + b)
ALU_R(sh3add, (a << 3) + b)
ALU_R(sh1add_uw, ((uint64_t)(uint32_t)a << 1) + b)
ALU_R(sh2add_uw, ((uint64_t)(uint32_t)a << 2) + b)
ALU_R(sh3add_uw, ((uint64_t)(uint32_t)a << 3) + b)
ALU_I(slli_uw, (uint64_t)(uint32_t)a << imm)
ALU_R(andn, a & ~b)
ALU_R(orn, a | ~b)
ALU_R(xnor, ~(a ^ b))
ALU_1(clz, a ? (uint64_t)__builtin_clzll(a) : 64)
ALU_1(clzw, (uint32_t)a ? (uint64_t)__builtin_clz((uint32_t)a) : 32)
ALU_1(ctz, a ? (uint64_t)__builtin_ctzll(a) : 64)
ALU_1(ctzw, (uint32_t)a ? (uint64_t)__builtin_ctz((uint32_t)a) : 32)
ALU_1(cpop, (uint64_t)__builtin_popcountll(a))
ALU_1(cpopw, (uint64_t)__builtin_popcount((uint32_t)a))
ALU_R(max, (int64_t)a > (int64_t)b ? a : b)
ALU_R(maxu, a > b ? a : b)
ALU_R(min, (int64_t)a < (int64_t)b ? a : b)
ALU_R(minu, a < b ? a : b)
ALU_1(sext_b, (uint64_t)(int64_t)(int8_t)a)
ALU_1(sext_h, (uint64_t)(int64_t)(int16_t)a)
ALU_1(zext_h, (uint16_t)a)
ALU_R(rol, rol64(a, (unsigned)b))
ALU_R(ror, ror64(a, (unsigned)b))
ALU_I(rori, ror64(a, (unsigned)imm))
ALU_R(rolw, SX32(ror32((uint32_t)a, 32 - ((unsigned)b & 31))))
ALU_R(rorw, SX32(ror32((uint32_t)a, (unsigned)b)))
ALU_I(roriw, SX32(ror32((uint32_t)a, (unsigned)imm)))
ALU_1(orc_b, orc_b(a))
ALU_1(rev8, __builtin_bswap64(a))
ALU_R(clmul, clmul_lo(a, b))
ALU_R(clmulh, clmul_hi(a, b))
ALU_R(clmulr, clmul_rev(a, b))
ALU_R(bclr, a & ~(1ull << (b & 63)))
ALU_I(bclri, a & ~(1ull << imm))
ALU_R(bext, (a >> (b & 63)) & 1)
ALU_I(bexti, (a >> imm) & 1)
ALU_R(binv, a ^ (1ull << (b & 63)))
ALU_I(binvi, a ^ (1ull << imm))
ALU_R(bset, a | (1ull << (b & 63)))
ALU_I(bseti, a | (1ull << imm))
ALU_R(pack, (uint32_t)a | (b << 32))
ALU_R(packh, (a & 0xff) | ((b & 0xff) << 8))
ALU_R(packw, SX32((a & 0xffff) | ((b & 0xffff) << 16)))
ALU_1(brev8, brev8(a))
ALU_R(xperm4, xperm(a, b, 4))
ALU_R(xperm8, xperm(a, b, 8))
ALU_R(czero_eqz, b ? a : 0)
ALU_R(czero_nez, b ? 0 : a)

/* ---- loads and stores ------------------------------------------------------ */

static inline TLBEntry *dtlb(Hart *h, uint64_t va)
{
    return &h->dtlb[(va >> MEM_PAGE_BITS) & (TLB_SIZE - 1)];
}

#define LOAD(name, type, size, ext) \
    HANDLER(name) \
    { \
        uint64_t va = RS1 + (uint64_t)in->imm; \
        TLBEntry *e = dtlb(h, va); \
        if (likely(e->tag_r == (va & (PAGE_MASK | (size - 1))))) { \
            type v; \
            memcpy(&v, (const void *)(uintptr_t)(va + e->addend), size); \
            RD = (uint64_t)(ext)v; \
            return EXEC_NEXT; \
        } \
        uint64_t v; \
        int st = mmu_load_slow(h, in, va, size, &v); \
        if (st == 1) \
            return EXEC_END; \
        RD = (uint64_t)(ext)(type)v; \
        return st ? hart_end_block(h, in) : EXEC_NEXT; \
    }
LOAD(lb, int8_t, 1, int64_t)
LOAD(lh, int16_t, 2, int64_t)
LOAD(lw, int32_t, 4, int64_t)
LOAD(ld, uint64_t, 8, uint64_t)
LOAD(lbu, uint8_t, 1, uint64_t)
LOAD(lhu, uint16_t, 2, uint64_t)
LOAD(lwu, uint32_t, 4, uint64_t)

static inline int do_store(Hart *h, const Insn *in, uint64_t va, unsigned size, uint64_t v)
{
    TLBEntry *e = dtlb(h, va);
    if (likely(e->tag_w == (va & (PAGE_MASK | (size - 1))))) {
        void *p = (void *)(uintptr_t)(va + e->addend);
        switch (size) {
        case 1: *(uint8_t *)p = (uint8_t)v; break;
        case 2: { uint16_t t = (uint16_t)v; memcpy(p, &t, 2); break; }
        case 4: { uint32_t t = (uint32_t)v; memcpy(p, &t, 4); break; }
        default: memcpy(p, &v, 8); break;
        }
        *e->dirty_word |= e->dirty_bit;
        return EXEC_NEXT;
    }
    int st = mmu_store_slow(h, in, va, size, v);
    if (st == 1)
        return EXEC_END;
    return st ? hart_end_block(h, in) : EXEC_NEXT;
}

HANDLER(sb) { return do_store(h, in, RS1 + (uint64_t)in->imm, 1, RS2); }
HANDLER(sh) { return do_store(h, in, RS1 + (uint64_t)in->imm, 2, RS2); }
HANDLER(sw) { return do_store(h, in, RS1 + (uint64_t)in->imm, 4, RS2); }
HANDLER(sd) { return do_store(h, in, RS1 + (uint64_t)in->imm, 8, RS2); }

/* ---- A extension ------------------------------------------------------------- */

static uint64_t amo_sext(uint64_t v, unsigned size)
{
    return size == 4 ? SX32(v) : v;
}

static bool amo_read(Hart *h, const AmoTarget *t, unsigned size, uint64_t *v)
{
    if (!t->mmio) {
        if (size == 4) {
            uint32_t x;
            memcpy(&x, t->host, 4);
            *v = x;
        } else {
            memcpy(v, t->host, 8);
        }
        return true;
    }
    return mem_read(h->as, t->paddr, size, v) == MEM_OK;
}

static bool amo_write(Hart *h, const AmoTarget *t, unsigned size, uint64_t v)
{
    if (!t->mmio) {
        if (size == 4) {
            uint32_t x = (uint32_t)v;
            memcpy(t->host, &x, 4);
        } else {
            memcpy(t->host, &v, 8);
        }
        return true;
    }
    return mem_write(h->as, t->paddr, size, v) == MEM_OK;
}

enum { AMO_SWAP, AMO_ADD, AMO_XOR, AMO_AND, AMO_OR, AMO_MIN, AMO_MAX, AMO_MINU, AMO_MAXU };

static int do_amo(Hart *h, const Insn *in, unsigned size, int kind)
{
    uint64_t va = RS1, src = RS2, old, nv;
    AmoTarget t;

    if (mmu_amo_prepare(h, in, va, size, false, &t))
        return EXEC_END;
    if (!amo_read(h, &t, size, &old))
        return hart_raise(h, in, EXC_STORE_ACCESS, va);
    old = amo_sext(old, size);
    if (size == 4)
        src = SX32(src);
    switch (kind) {
    case AMO_SWAP: nv = src; break;
    case AMO_ADD: nv = old + src; break;
    case AMO_XOR: nv = old ^ src; break;
    case AMO_AND: nv = old & src; break;
    case AMO_OR: nv = old | src; break;
    case AMO_MIN: nv = (int64_t)old < (int64_t)src ? old : src; break;
    case AMO_MAX: nv = (int64_t)old > (int64_t)src ? old : src; break;
    case AMO_MINU: nv = (size == 4 ? (uint32_t)old < (uint32_t)src : old < src) ? old : src; break;
    default: nv = (size == 4 ? (uint32_t)old > (uint32_t)src : old > src) ? old : src; break;
    }
    if (!amo_write(h, &t, size, nv))
        return hart_raise(h, in, EXC_STORE_ACCESS, va);
    RD = old;
    return h->stop ? hart_end_block(h, in) : EXEC_NEXT;
}

#define AMO(name, size, kind) HANDLER(name) { return do_amo(h, in, size, kind); }
AMO(amoswap_w, 4, AMO_SWAP) AMO(amoadd_w, 4, AMO_ADD) AMO(amoxor_w, 4, AMO_XOR)
AMO(amoand_w, 4, AMO_AND) AMO(amoor_w, 4, AMO_OR) AMO(amomin_w, 4, AMO_MIN)
AMO(amomax_w, 4, AMO_MAX) AMO(amominu_w, 4, AMO_MINU) AMO(amomaxu_w, 4, AMO_MAXU)
AMO(amoswap_d, 8, AMO_SWAP) AMO(amoadd_d, 8, AMO_ADD) AMO(amoxor_d, 8, AMO_XOR)
AMO(amoand_d, 8, AMO_AND) AMO(amoor_d, 8, AMO_OR) AMO(amomin_d, 8, AMO_MIN)
AMO(amomax_d, 8, AMO_MAX) AMO(amominu_d, 8, AMO_MINU) AMO(amomaxu_d, 8, AMO_MAXU)

static int do_lr(Hart *h, const Insn *in, unsigned size)
{
    uint64_t va = RS1, v;
    AmoTarget t;
    if (mmu_amo_prepare(h, in, va, size, true, &t))
        return EXEC_END;
    if (!amo_read(h, &t, size, &v))
        return hart_raise(h, in, EXC_LOAD_ACCESS, va);
    h->s.res_valid = 1;
    h->s.res_addr = va;
    h->s.res_value = v;
    RD = amo_sext(v, size);
    return h->stop ? hart_end_block(h, in) : EXEC_NEXT;
}

/* The reservation holds the loaded value; SC succeeds when the address
 * matches and memory still holds that value. With one hart and no other
 * bus masters racing inside an instruction this is exact for any LR/SC
 * sequence the A extension's forward-progress rules cover. */
static int do_sc(Hart *h, const Insn *in, unsigned size)
{
    uint64_t va = RS1, cur;
    AmoTarget t;
    if (!h->s.res_valid || h->s.res_addr != va) {
        h->s.res_valid = 0;
        RD = 1;
        return EXEC_NEXT;
    }
    if (mmu_amo_prepare(h, in, va, size, false, &t)) {
        /* A trap ends the reservation; a watchpoint stop, before the
         * instruction, leaves everything as it was. */
        if (!h->watch_hit)
            h->s.res_valid = 0;
        return EXEC_END;
    }
    h->s.res_valid = 0;
    if (!amo_read(h, &t, size, &cur))
        return hart_raise(h, in, EXC_STORE_ACCESS, va);
    if (cur != h->s.res_value) {
        RD = 1;
    } else {
        if (!amo_write(h, &t, size, RS2))
            return hart_raise(h, in, EXC_STORE_ACCESS, va);
        RD = 0;
    }
    return h->stop ? hart_end_block(h, in) : EXEC_NEXT;
}

HANDLER(lr_w) { return do_lr(h, in, 4); }
HANDLER(lr_d) { return do_lr(h, in, 8); }
HANDLER(sc_w) { return do_sc(h, in, 4); }
HANDLER(sc_d) { return do_sc(h, in, 8); }

/* ---- system ----------------------------------------------------------------- */

HANDLER(fence) { return EXEC_NEXT; }

HANDLER(fence_i)
{
    /* Stores by this hart already invalidate code; a full flush here also
     * covers code written by DMA behind the hart's back. */
    tb_flush(h);
    return hart_end_block(h, in);
}

HANDLER(ecall)
{
    static const uint8_t cause[4] = { EXC_ECALL_U, EXC_ECALL_S, 0, EXC_ECALL_M };
    return hart_raise(h, in, cause[h->s.priv & 3], 0);
}

HANDLER(ebreak) { return hart_raise(h, in, EXC_BREAKPOINT, in->pc); }

HANDLER(mret)
{
    uint64_t st = h->s.mstatus;
    int mpp = (int)((st >> MSTATUS_MPP_SHIFT) & 3);
    if (h->s.priv != PRV_M)
        return illegal(h, in);
    st = (st & ~MSTATUS_MIE) | ((st & MSTATUS_MPIE) ? MSTATUS_MIE : 0);
    st |= MSTATUS_MPIE;
    st &= ~MSTATUS_MPP;     /* MPP <- U (least-privileged supported mode) */
    if (mpp != PRV_M)
        st &= ~MSTATUS_MPRV;
    h->s.mstatus = st;
    h->s.pc = h->s.mepc;
    hart_xret_priv(h, in, mpp);
    return EXEC_END;
}

HANDLER(sret)
{
    uint64_t st = h->s.mstatus;
    int spp = (st & MSTATUS_SPP) ? PRV_S : PRV_U;
    if (h->s.priv == PRV_U || (h->s.priv == PRV_S && (st & MSTATUS_TSR)))
        return illegal(h, in);
    st = (st & ~MSTATUS_SIE) | ((st & MSTATUS_SPIE) ? MSTATUS_SIE : 0);
    st |= MSTATUS_SPIE;
    st &= ~(MSTATUS_SPP | MSTATUS_MPRV);
    h->s.mstatus = st;
    h->s.pc = h->s.sepc;
    hart_xret_priv(h, in, spp);
    return EXEC_END;
}

HANDLER(wfi)
{
    /* 3.1.6.5: U-mode WFI is illegal when S-mode exists; TW traps S-mode. */
    if (h->s.priv == PRV_U || (h->s.priv == PRV_S && (h->s.mstatus & MSTATUS_TW)))
        return illegal(h, in);
    if (!(hart_read_mip(h) & h->s.mie)) {
        h->s.wfi = 1;
        h->stop = true;
    }
    return hart_end_block(h, in);
}

HANDLER(sfence_vma)
{
    if (h->s.priv == PRV_U || (h->s.priv == PRV_S && (h->s.mstatus & MSTATUS_TVM)))
        return illegal(h, in);
    mmu_flush_translations(h);
    return hart_end_block(h, in);
}

/* Svinval: SINVAL.VMA is SFENCE.VMA split from its ordering; with caches
 * kept coherent (mmu.c) the two fences around it have nothing to order. */
HANDLER(sinval_vma) { return op_sfence_vma(h, in); }
HANDLER(sfence_w_inval) { return h->s.priv == PRV_U ? illegal(h, in) : EXEC_NEXT; }
HANDLER(sfence_inval_ir) { return h->s.priv == PRV_U ? illegal(h, in) : EXEC_NEXT; }

/* May a cache-block operation whose enable is `bit` of the envcfg CSRs run
 * at the current privilege (CMO spec 2.5: M always; S when menvcfg allows;
 * U when both do)? For CBO.INVAL the field is two bits, any non-zero value
 * allowing it (as a flush or an invalidate: the same here, with no cache). */
static bool cbo_enabled(const Hart *h, uint64_t field)
{
    if (h->s.priv == PRV_M)
        return true;
    if (!(h->s.menvcfg & field))
        return false;
    return h->s.priv == PRV_S || (h->s.senvcfg & field);
}

/* The block must be accessible for a load or a store (CMO spec 2.5.2), else
 * a store/AMO fault; no cache here, so nothing else happens. */
static int cbo_manage(Hart *h, const Insn *in, uint64_t field)
{
    if (!cbo_enabled(h, field))
        return illegal(h, in);
    int st = mmu_cbo(h, in, RS1, false);
    return st == 2 ? hart_end_block(h, in) : st;
}
HANDLER(cbo_clean) { return cbo_manage(h, in, ENVCFG_CBCFE); }
HANDLER(cbo_flush) { return cbo_manage(h, in, ENVCFG_CBCFE); }
HANDLER(cbo_inval) { return cbo_manage(h, in, ENVCFG_CBIE); }
HANDLER(cbo_zero)
{
    if (!cbo_enabled(h, ENVCFG_CBZE))
        return illegal(h, in);
    int st = mmu_cbo(h, in, RS1, true);
    return st == 2 ? hart_end_block(h, in) : st;
}

enum { CSR_RW, CSR_RS, CSR_RC };

static int do_csr(Hart *h, const Insn *in, int kind, uint64_t src, bool src_is_zero)
{
    unsigned csr = (unsigned)in->imm;
    uint64_t old = 0;
    bool rd_x0 = in->rd == 32;

    hart_sync_icount(h, in);
    if (!(kind == CSR_RW && rd_x0) && !csr_read(h, in, csr, &old))
        return illegal(h, in);
    if (kind == CSR_RW || !src_is_zero) {
        uint64_t base = csr_rmw_base(h, csr, old);
        uint64_t nv = kind == CSR_RW ? src : kind == CSR_RS ? base | src : base & ~src;
        if (!csr_write(h, in, csr, nv))
            return illegal(h, in);
    }
    RD = old;
    return hart_end_block(h, in);
}

HANDLER(csrrw) { return do_csr(h, in, CSR_RW, RS1, false); }
HANDLER(csrrs) { return do_csr(h, in, CSR_RS, RS1, in->rs1 == 0); }
HANDLER(csrrc) { return do_csr(h, in, CSR_RC, RS1, in->rs1 == 0); }
HANDLER(csrrwi) { return do_csr(h, in, CSR_RW, in->rs1, false); }
HANDLER(csrrsi) { return do_csr(h, in, CSR_RS, in->rs1, in->rs1 == 0); }
HANDLER(csrrci) { return do_csr(h, in, CSR_RC, in->rs1, in->rs1 == 0); }

/* ---- F and D ------------------------------------------------------------------ */

static inline uint32_t unbox_s(uint64_t v)
{
    return (v >> 32) == 0xffffffffu ? (uint32_t)v : FPU_CANON_NAN_S;
}

static inline uint64_t box_s(uint32_t v)
{
    return 0xffffffff00000000ull | v;
}

#define FP_CHECK() \
    do { if (unlikely(!(h->s.mstatus & MSTATUS_FS))) return illegal(h, in); } while (0)
#define FP_RM() \
    unsigned rm = in->rm == 7 ? h->s.frm : in->rm; \
    if (unlikely(rm > 4)) return illegal(h, in)
#define FP_DIRTY() (h->s.mstatus |= MSTATUS_FS)
#define FS1 unbox_s(F(in->rs1))
#define FS2 unbox_s(F(in->rs2))
#define FS3 unbox_s(F(in->rs3))
#define FD1 F(in->rs1)
#define FD2 F(in->rs2)
#define FD3 F(in->rs3)
#define FL (&h->s.fflags)

/* Result in an f register. */
#define FOP_F(name, expr) \
    HANDLER(name) { FP_CHECK(); FP_RM(); (void)rm; F(in->rd) = (expr); FP_DIRTY(); return EXEC_NEXT; }
/* Result in an x register; fcsr changes only when flags are raised. */
#define FOP_X(name, expr) \
    HANDLER(name) \
    { \
        FP_CHECK(); FP_RM(); (void)rm; \
        uint32_t before = h->s.fflags; \
        RD = (uint64_t)(expr); \
        if (h->s.fflags != before) FP_DIRTY(); \
        return EXEC_NEXT; \
    }

FOP_F(fadd_s, box_s(fpu_add_s(FS1, FS2, rm, FL)))
FOP_F(fsub_s, box_s(fpu_sub_s(FS1, FS2, rm, FL)))
FOP_F(fmul_s, box_s(fpu_mul_s(FS1, FS2, rm, FL)))
FOP_F(fdiv_s, box_s(fpu_div_s(FS1, FS2, rm, FL)))
FOP_F(fsqrt_s, box_s(fpu_sqrt_s(FS1, rm, FL)))
FOP_F(fmadd_s, box_s(fpu_madd_s(FS1, FS2, FS3, rm, FL)))
FOP_F(fmsub_s, box_s(fpu_msub_s(FS1, FS2, FS3, rm, FL)))
FOP_F(fnmsub_s, box_s(fpu_nmsub_s(FS1, FS2, FS3, rm, FL)))
FOP_F(fnmadd_s, box_s(fpu_nmadd_s(FS1, FS2, FS3, rm, FL)))
FOP_F(fsgnj_s, box_s((FS1 & 0x7fffffffu) | (FS2 & 0x80000000u)))
FOP_F(fsgnjn_s, box_s((FS1 & 0x7fffffffu) | (~FS2 & 0x80000000u)))
FOP_F(fsgnjx_s, box_s(FS1 ^ (FS2 & 0x80000000u)))
FOP_F(fmin_s, box_s(fpu_min_s(FS1, FS2, FL)))
FOP_F(fmax_s, box_s(fpu_max_s(FS1, FS2, FL)))
FOP_X(fcvt_w_s, (int64_t)fpu_cvt_w_s(FS1, rm, FL))
FOP_X(fcvt_wu_s, (int64_t)(int32_t)fpu_cvt_wu_s(FS1, rm, FL))
FOP_X(fcvt_l_s, fpu_cvt_l_s(FS1, rm, FL))
FOP_X(fcvt_lu_s, fpu_cvt_lu_s(FS1, rm, FL))
FOP_X(fmv_x_w, (int64_t)(int32_t)(uint32_t)FD1)
FOP_X(feq_s, fpu_eq_s(FS1, FS2, FL))
FOP_X(flt_s, fpu_lt_s(FS1, FS2, FL))
FOP_X(fle_s, fpu_le_s(FS1, FS2, FL))
FOP_X(fclass_s, fpu_class_s(FS1))
FOP_F(fcvt_s_w, box_s(fpu_cvt_s_w((int32_t)RS1, rm, FL)))
FOP_F(fcvt_s_wu, box_s(fpu_cvt_s_wu((uint32_t)RS1, rm, FL)))
FOP_F(fcvt_s_l, box_s(fpu_cvt_s_l((int64_t)RS1, rm, FL)))
FOP_F(fcvt_s_lu, box_s(fpu_cvt_s_lu(RS1, rm, FL)))
FOP_F(fmv_w_x, box_s((uint32_t)RS1))

FOP_F(fadd_d, fpu_add_d(FD1, FD2, rm, FL))
FOP_F(fsub_d, fpu_sub_d(FD1, FD2, rm, FL))
FOP_F(fmul_d, fpu_mul_d(FD1, FD2, rm, FL))
FOP_F(fdiv_d, fpu_div_d(FD1, FD2, rm, FL))
FOP_F(fsqrt_d, fpu_sqrt_d(FD1, rm, FL))
FOP_F(fmadd_d, fpu_madd_d(FD1, FD2, FD3, rm, FL))
FOP_F(fmsub_d, fpu_msub_d(FD1, FD2, FD3, rm, FL))
FOP_F(fnmsub_d, fpu_nmsub_d(FD1, FD2, FD3, rm, FL))
FOP_F(fnmadd_d, fpu_nmadd_d(FD1, FD2, FD3, rm, FL))
FOP_F(fsgnj_d, (FD1 & ~(1ull << 63)) | (FD2 & (1ull << 63)))
FOP_F(fsgnjn_d, (FD1 & ~(1ull << 63)) | (~FD2 & (1ull << 63)))
FOP_F(fsgnjx_d, FD1 ^ (FD2 & (1ull << 63)))
FOP_F(fmin_d, fpu_min_d(FD1, FD2, FL))
FOP_F(fmax_d, fpu_max_d(FD1, FD2, FL))
FOP_F(fcvt_s_d, box_s(fpu_cvt_s_d(FD1, rm, FL)))
FOP_F(fcvt_d_s, fpu_cvt_d_s(FS1, rm, FL))
FOP_X(fcvt_w_d, (int64_t)fpu_cvt_w_d(FD1, rm, FL))
FOP_X(fcvt_wu_d, (int64_t)(int32_t)fpu_cvt_wu_d(FD1, rm, FL))
FOP_X(fcvt_l_d, fpu_cvt_l_d(FD1, rm, FL))
FOP_X(fcvt_lu_d, fpu_cvt_lu_d(FD1, rm, FL))
FOP_X(fmv_x_d, FD1)
FOP_X(feq_d, fpu_eq_d(FD1, FD2, FL))
FOP_X(flt_d, fpu_lt_d(FD1, FD2, FL))
FOP_X(fle_d, fpu_le_d(FD1, FD2, FL))
FOP_X(fclass_d, fpu_class_d(FD1))
FOP_F(fcvt_d_w, fpu_cvt_d_w((int32_t)RS1, rm, FL))
FOP_F(fcvt_d_wu, fpu_cvt_d_wu((uint32_t)RS1, rm, FL))
FOP_F(fcvt_d_l, fpu_cvt_d_l((int64_t)RS1, rm, FL))
FOP_F(fcvt_d_lu, fpu_cvt_d_lu(RS1, rm, FL))
FOP_F(fmv_d_x, RS1)

static int fp_load(Hart *h, const Insn *in, unsigned size)
{
    uint64_t va = RS1 + (uint64_t)in->imm, v;
    TLBEntry *e;
    int st = 0;

    FP_CHECK();
    e = dtlb(h, va);
    if (likely(e->tag_r == (va & (PAGE_MASK | (size - 1))))) {
        const void *p = (const void *)(uintptr_t)(va + e->addend);
        if (size == 4) {
            uint32_t t;
            memcpy(&t, p, 4);
            v = t;
        } else {
            memcpy(&v, p, 8);
        }
    } else {
        st = mmu_load_slow(h, in, va, size, &v);
        if (st == 1)
            return EXEC_END;
    }
    F(in->rd) = size == 4 ? box_s((uint32_t)v) : v;
    FP_DIRTY();
    return st ? hart_end_block(h, in) : EXEC_NEXT;
}

HANDLER(flw) { return fp_load(h, in, 4); }
HANDLER(fld) { return fp_load(h, in, 8); }
HANDLER(fsw) { FP_CHECK(); return do_store(h, in, RS1 + (uint64_t)in->imm, 4, F(in->rs2)); }
HANDLER(fsd) { FP_CHECK(); return do_store(h, in, RS1 + (uint64_t)in->imm, 8, F(in->rs2)); }

/* ---- Zfh, Zfhmin -------------------------------------------------------------- */

/* A half is properly NaN-boxed when bits 63:16 are all ones (section 12.2,
 * applied to half precision by the Zfh chapter); otherwise it reads as the
 * canonical NaN. */
static inline uint16_t unbox_h(uint64_t v)
{
    return (v >> 16) == 0xffffffffffffull ? (uint16_t)v : FPU_CANON_NAN_H;
}

static inline uint64_t box_h(uint16_t v)
{
    return 0xffffffffffff0000ull | v;
}

#define FH1 unbox_h(F(in->rs1))
#define FH2 unbox_h(F(in->rs2))
#define FH3 unbox_h(F(in->rs3))
/* Result in an f or x register, for ops whose funct3 is not a rounding mode
 * (no reserved values to check). */
#define FOP_F0(name, expr) \
    HANDLER(name) { FP_CHECK(); F(in->rd) = (expr); FP_DIRTY(); return EXEC_NEXT; }
#define FOP_X0(name, expr) \
    HANDLER(name) \
    { \
        FP_CHECK(); \
        uint32_t before = h->s.fflags; \
        RD = (uint64_t)(expr); \
        if (h->s.fflags != before) FP_DIRTY(); \
        return EXEC_NEXT; \
    }

FOP_F(fadd_h, box_h(fpu_add_h(FH1, FH2, rm, FL)))
FOP_F(fsub_h, box_h(fpu_sub_h(FH1, FH2, rm, FL)))
FOP_F(fmul_h, box_h(fpu_mul_h(FH1, FH2, rm, FL)))
FOP_F(fdiv_h, box_h(fpu_div_h(FH1, FH2, rm, FL)))
FOP_F(fsqrt_h, box_h(fpu_sqrt_h(FH1, rm, FL)))
FOP_F(fmadd_h, box_h(fpu_madd_h(FH1, FH2, FH3, rm, FL)))
FOP_F(fmsub_h, box_h(fpu_msub_h(FH1, FH2, FH3, rm, FL)))
FOP_F(fnmsub_h, box_h(fpu_nmsub_h(FH1, FH2, FH3, rm, FL)))
FOP_F(fnmadd_h, box_h(fpu_nmadd_h(FH1, FH2, FH3, rm, FL)))
FOP_F0(fsgnj_h, box_h((uint16_t)((FH1 & 0x7fffu) | (FH2 & 0x8000u))))
FOP_F0(fsgnjn_h, box_h((uint16_t)((FH1 & 0x7fffu) | (~FH2 & 0x8000u))))
FOP_F0(fsgnjx_h, box_h((uint16_t)(FH1 ^ (FH2 & 0x8000u))))
FOP_F0(fmin_h, box_h(fpu_min_h(FH1, FH2, FL)))
FOP_F0(fmax_h, box_h(fpu_max_h(FH1, FH2, FL)))
FOP_X(fcvt_w_h, (int64_t)fpu_cvt_w_h(FH1, rm, FL))
FOP_X(fcvt_wu_h, (int64_t)(int32_t)fpu_cvt_wu_h(FH1, rm, FL))
FOP_X(fcvt_l_h, fpu_cvt_l_h(FH1, rm, FL))
FOP_X(fcvt_lu_h, fpu_cvt_lu_h(FH1, rm, FL))
/* Moves carry raw bits: fmv.x.h sign-extends bits 15:0 whatever is above. */
FOP_X0(fmv_x_h, (int64_t)(int16_t)(uint16_t)FD1)
FOP_X0(feq_h, fpu_eq_h(FH1, FH2, FL))
FOP_X0(flt_h, fpu_lt_h(FH1, FH2, FL))
FOP_X0(fle_h, fpu_le_h(FH1, FH2, FL))
FOP_X0(fclass_h, fpu_class_h(FH1))
FOP_F(fcvt_h_w, box_h(fpu_cvt_h_w((int32_t)RS1, rm, FL)))
FOP_F(fcvt_h_wu, box_h(fpu_cvt_h_wu((uint32_t)RS1, rm, FL)))
FOP_F(fcvt_h_l, box_h(fpu_cvt_h_l((int64_t)RS1, rm, FL)))
FOP_F(fcvt_h_lu, box_h(fpu_cvt_h_lu(RS1, rm, FL)))
FOP_F0(fmv_h_x, box_h((uint16_t)RS1))
FOP_F(fcvt_s_h, box_s(fpu_cvt_s_h(FH1, rm, FL)))
FOP_F(fcvt_h_s, box_h(fpu_cvt_h_s(FS1, rm, FL)))
FOP_F(fcvt_d_h, fpu_cvt_d_h(FH1, rm, FL))
FOP_F(fcvt_h_d, box_h(fpu_cvt_h_d(FD1, rm, FL)))

/* flh NaN-boxes what it loads; fsh stores bits 15:0 as they are. */
HANDLER(flh)
{
    uint64_t va = RS1 + (uint64_t)in->imm, v;
    int st = 0;

    FP_CHECK();
    TLBEntry *e = dtlb(h, va);
    if (likely(e->tag_r == (va & (PAGE_MASK | 1)))) {
        uint16_t t;
        memcpy(&t, (const void *)(uintptr_t)(va + e->addend), 2);
        v = t;
    } else {
        st = mmu_load_slow(h, in, va, 2, &v);
        if (st == 1)
            return EXEC_END;
    }
    F(in->rd) = box_h((uint16_t)v);
    FP_DIRTY();
    return st ? hart_end_block(h, in) : EXEC_NEXT;
}

HANDLER(fsh) { FP_CHECK(); return do_store(h, in, RS1 + (uint64_t)in->imm, 2, F(in->rs2)); }

/* ---- Zfa ------------------------------------------------------------------------ */

FOP_F0(fli_s, box_s(fpu_fli_s(in->rs1)))
FOP_F0(fli_d, fpu_fli_d(in->rs1))
FOP_F0(fli_h, box_h(fpu_fli_h(in->rs1)))
FOP_F0(fminm_s, box_s(fpu_minm_s(FS1, FS2, FL)))
FOP_F0(fmaxm_s, box_s(fpu_maxm_s(FS1, FS2, FL)))
FOP_F0(fminm_d, fpu_minm_d(FD1, FD2, FL))
FOP_F0(fmaxm_d, fpu_maxm_d(FD1, FD2, FL))
FOP_F0(fminm_h, box_h(fpu_minm_h(FH1, FH2, FL)))
FOP_F0(fmaxm_h, box_h(fpu_maxm_h(FH1, FH2, FL)))
FOP_F(fround_s, box_s(fpu_round_s(FS1, rm, FL)))
FOP_F(froundnx_s, box_s(fpu_roundnx_s(FS1, rm, FL)))
FOP_F(fround_d, fpu_round_d(FD1, rm, FL))
FOP_F(froundnx_d, fpu_roundnx_d(FD1, rm, FL))
FOP_F(fround_h, box_h(fpu_round_h(FH1, rm, FL)))
FOP_F(froundnx_h, box_h(fpu_roundnx_h(FH1, rm, FL)))
FOP_X0(fcvtmod_w_d, (int64_t)fpu_cvtmod_w_d(FD1, FL))
FOP_X0(fleq_s, fpu_leq_s(FS1, FS2, FL))
FOP_X0(fltq_s, fpu_ltq_s(FS1, FS2, FL))
FOP_X0(fleq_d, fpu_leq_d(FD1, FD2, FL))
FOP_X0(fltq_d, fpu_ltq_d(FD1, FD2, FL))
FOP_X0(fleq_h, fpu_leq_h(FH1, FH2, FL))
FOP_X0(fltq_h, fpu_ltq_h(FH1, FH2, FL))

/*
 * Two dispatch variants per instruction:
 *  - t_<name> (threaded): runs the body and tail-calls the next Insn's
 *    handler, so a whole block runs as one chain of jumps. It returns the
 *    Insn after the last one executed; each block ends with a sentinel whose
 *    handler sets the fall-through pc and returns itself.
 *  - s_<name> (single step): runs only the body; used when the budget ends
 *    inside the block or a debugger needs to look at every instruction.
 */
/*
 * Block chaining: when a block ends, continue directly into the next one if
 * it is in the jump cache, fits in the remaining budget, and nothing needs
 * the run loop (stop request, pending interrupt). chain_left bounds the
 * depth in builds where the compiler does not turn these calls into jumps.
 * `end` is the Insn after the last one executed; the run loop derives the
 * instruction count from it and blk_first/blk_icount.
 */
static inline const Insn *hart_chain(Hart *h, const Insn *end)
{
    HartState *s = &h->s;
    uint64_t ic = h->blk_icount + (uint64_t)(end - h->blk_first);
    if (unlikely(h->stop || ((s->mip_sw | s->irq_lines) & s->mie) || --h->chain_left == 0))
        return end;
    const JCEntry *j = &h->jc[tb_jc_idx(s->pc)];
    TB *tb = j->tb;
    if (!(j->vpc == s->pc && j->priv == s->priv && tb) || tb->n > h->budget_end - ic)
        return end;
    h->blk_icount = ic;
    h->blk_first = tb->insns;
    return tb->insns->fn(h, tb->insns);
}

#define INSN(name, kind, flags) \
    static const Insn *t_##name(Hart *h, const Insn *in) \
    { \
        if (op_##name(h, in)) \
            return hart_chain(h, in + 1); \
        in++; \
        return in->fn(h, in); \
    } \
    static int s_##name(Hart *h, const Insn *in) { return op_##name(h, in); }
#include "cpu/insn.def"
#undef INSN

static const Insn *t_block_end(Hart *h, const Insn *in)
{
    h->s.pc = in->pc;
    return hart_chain(h, in);
}

const InsnFn insn_handlers[OP_COUNT] = {
#define INSN(name, kind, flags) [OP_##name] = t_##name,
#include "cpu/insn.def"
#undef INSN
};

const InsnStepFn insn_step[OP_COUNT] = {
#define INSN(name, kind, flags) [OP_##name] = s_##name,
#include "cpu/insn.def"
#undef INSN
};

const InsnFn insn_block_end = t_block_end;
