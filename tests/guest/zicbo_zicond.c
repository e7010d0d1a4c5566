/*
 * zicbo_zicond: cache-block operations (Zicbom, Zicboz) and integer
 * conditional operations (Zicond), for a hart with
 * zicbom=on,zicboz=on,zicond=on.  QEMU 7.2 has none of them, so this runs on
 * rrsim alone and every expected value is computed here from the specs:
 *   - the CMO spec (riscv-isa-manual, "Base Cache Management Operation ISA
 *     Extensions"): CBO.ZERO stores zeros to exactly the 64-byte block that
 *     holds rs1; menvcfg/senvcfg CBIE/CBCFE/CBZE decide per privilege whether
 *     CBO.* run or raise illegal instruction (no H here, so never a virtual
 *     instruction); management instructions are permitted where a load or a
 *     store is, CBO.ZERO where a store is, and faults are store page or
 *     store access faults with stval = rs1, the unaligned effective address;
 *   - the Zicond spec: czero.eqz rd = rs2 == 0 ? 0 : rs1, czero.nez rd =
 *     rs2 != 0 ? 0 : rs1.  binutils 2.40 lacks their mnemonics: .insn.
 * An illegal instruction's tval may be 0 or the instruction (priv 3.1.16);
 * this hart writes the instruction (see traps.c), which is checked.
 */
#include "rt.h"

#define MSTATUS_SUM  (1UL << 18)
#define MSTATUS_MPRV (1UL << 17)
#define MSTATUS_MPP  (3UL << 11)

#define CBIE_FLUSH 0x10UL
#define CBIE_INVAL 0x30UL
#define CBIE       0x30UL
#define CBCFE      0x40UL
#define CBZE       0x80UL
#define FIOM       0x01UL

#define PTE_V 0x01UL
#define PTE_R 0x02UL
#define PTE_W 0x04UL
#define PTE_X 0x08UL
#define PTE_U 0x10UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define PTE(pa, fl) ((((uint64_t)(pa)) >> 12) << 10 | (fl))

#define WIN      0x40000000UL
/* An address no device of the virt board decodes (between fw_cfg and the flash). */
#define VACANT   0x18000000UL

static uint64_t total;

static void show(const char *name, uint64_t got, uint64_t want)
{
    rt_printf("%-40s %016lx\n", name, got);
    total = rt_mix(total, got);
    if (got != want) {
        rt_printf("  want %016lx\n", want);
        rt_check_fail(__FILE__, __LINE__, name);
    }
}

/* ---- Zicond ---- */

#define CZERO_EQZ(rd, a, b) __asm__ volatile(".insn r 0x33, 5, 7, %0, %1, %2" : "=r"(rd) : "r"(a), "r"(b))
#define CZERO_NEZ(rd, a, b) __asm__ volatile(".insn r 0x33, 7, 7, %0, %1, %2" : "=r"(rd) : "r"(a), "r"(b))

static const uint64_t vals[] = {
    0, 1, 2, 0x7f, 0x80, 0xffffffff, 0x100000000, 0x8000000000000000,
    0x7fffffffffffffff, 0xffffffffffffffff, 0x123456789abcdef0, 0xffffffff00000000,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static void test_zicond(void)
{
    rt_puts("-- Zicond\n");
    uint64_t he = 0, hn = 0;
    unsigned bad = 0;
    for (unsigned i = 0; i < NVALS; i++)
        for (unsigned j = 0; j < NVALS; j++) {
            uint64_t a = vals[i], b = vals[j], e, n;
            CZERO_EQZ(e, a, b);
            CZERO_NEZ(n, a, b);
            he = rt_mix(he, e);
            hn = rt_mix(hn, n);
            if (e != (b == 0 ? 0 : a) || n != (b != 0 ? 0 : a)) {
                if (!bad++)
                    rt_printf("  %lx, %lx: eqz %lx nez %lx\n", a, b, e, n);
            }
        }
    rt_printf("czero.eqz %016lx\nczero.nez %016lx\n", he, hn);
    total = rt_mix(rt_mix(total, he), hn);
    show("czero results differing from the spec", bad, 0);
    /* One register for everything: czero.eqz x, x, x = x; czero.nez x, x, x = 0. */
    uint64_t x = 0x5a5a, y = 0x5a5a, z;
    __asm__ volatile(".insn r 0x33, 5, 7, %0, %0, %0" : "+r"(x));
    __asm__ volatile(".insn r 0x33, 7, 7, %0, %0, %0" : "+r"(y));
    show("czero.eqz x, x, x", x, 0x5a5a);
    show("czero.nez x, x, x", y, 0);
    /* Only rs2 == 0 counts, not its low word. */
    CZERO_EQZ(z, 7UL, 1UL << 32);
    show("czero.eqz 7, 1 << 32", z, 7);
    CZERO_NEZ(z, 7UL, 1UL << 63);
    show("czero.nez 7, 1 << 63", z, 0);
    __asm__ volatile(".insn r 0x33, 5, 7, x0, %1, %1\n\tmv %0, x0" : "=r"(z) : "r"(x));
    show("czero.eqz to x0", z, 0);
}

/* ---- cache-block operations ---- */

#define ARCH ".option push\n\t.option arch, +zicbom, +zicboz\n\t"
#define POP  "\n\t.option pop"

/* rs1 is a0 in all of them, so the encodings are known for tval. */
#define CBO_FN(fname, op) static uint64_t fname(uint64_t addr) {                \
        register uint64_t a0 __asm__("a0") = addr;                          \
        __asm__ volatile(ARCH op " (a0)" POP :: "r"(a0) : "memory");        \
        return 0x600d;                                                      \
    }
CBO_FN(do_inval, "cbo.inval")
CBO_FN(do_clean, "cbo.clean")
CBO_FN(do_flush, "cbo.flush")
CBO_FN(do_zero, "cbo.zero")

typedef struct Cbo {
    const char *name;
    uint64_t (*fn)(uint64_t);
    uint32_t insn;          /* with rs1 = a0 */
    uint64_t field;         /* its envcfg enable field */
} Cbo;

static const Cbo cbos[] = {
    { "cbo.inval", do_inval, 0x0005200f, CBIE },
    { "cbo.clean", do_clean, 0x0015200f, CBCFE },
    { "cbo.flush", do_flush, 0x0025200f, CBCFE },
    { "cbo.zero", do_zero, 0x0045200f, CBZE },
};

static uint8_t blk[512] __attribute__((aligned(64)));

static void fill(uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++)
        p[i] = v;
}

/* The bytes of [p, p+n) that are not v; 0 if none. */
static unsigned count_not(const uint8_t *p, size_t n, uint8_t v)
{
    unsigned c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((volatile const uint8_t *)p)[i] != v;
    return c;
}

static void test_cbo_zero(void)
{
    rt_puts("-- CBO.ZERO zeroes the 64-byte block holding rs1\n");
    static const unsigned offs[] = { 64 + 37, 0, 255, 192 + 8 };
    for (unsigned i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        unsigned base = offs[i] & ~63u;
        fill(blk, sizeof blk, 0xa5);
        rt_expect_trap();
        do_zero((uint64_t)blk + offs[i]);
        rt_disarm();
        rt_printf("cbo.zero at block + %3u: traps %lu, zeroed [%u, %u), rest intact: %d\n",
                  offs[i], rt_trap.count, base, base + 64,
                  count_not(blk + base, 64, 0) == 0 &&
                  count_not(blk, base, 0xa5) == 0 &&
                  count_not(blk + base + 64, sizeof blk - base - 64, 0xa5) == 0);
        CHECK_EQ(rt_trap.count, 0);
        CHECK_EQ(count_not(blk + base, 64, 0), 0);
        CHECK_EQ(count_not(blk, base, 0xa5), 0);
        CHECK_EQ(count_not(blk + base + 64, sizeof blk - base - 64, 0xa5), 0);
    }
    /* The management instructions change nothing visible in memory. */
    fill(blk, sizeof blk, 0x3c);
    do_inval((uint64_t)blk + 5);
    do_clean((uint64_t)blk + 70);
    do_flush((uint64_t)blk + 200);
    show("inval/clean/flush leave memory as it was", count_not(blk, sizeof blk, 0x3c), 0);
}

static void test_envcfg(void)
{
    rt_puts("-- menvcfg/senvcfg fields\n");
    csr_write(0x30a, ~0UL);
    show("menvcfg <- ~0: CBZE CBCFE CBIE FIOM", csr_read(0x30a) & 0xff, 0xf1);
    csr_write(0x10a, ~0UL);
    show("senvcfg <- ~0 (only those fields)", csr_read(0x10a), 0xf1);
    /* CBIE = 10 is reserved (WARL): whatever it reads as, not 10. */
    csr_write(0x30a, 0x20);
    show("menvcfg.CBIE <- 10 does not read 10", (csr_read(0x30a) & CBIE) != 0x20, 1);
    csr_write(0x10a, 0x20);
    show("senvcfg.CBIE <- 10 does not read 10", (csr_read(0x10a) & CBIE) != 0x20, 1);
    csr_write(0x30a, 0x10);
    show("menvcfg.CBIE <- 01", csr_read(0x30a) & CBIE, 0x10);
    csr_write(0x30a, 0);
    csr_write(0x10a, 0);
}

static uint64_t s_read_senvcfg(uint64_t arg) { return csr_read(0x10a); }
static uint64_t s_write_senvcfg(uint64_t v) { csr_write(0x10a, v); return csr_read(0x10a); }

static void test_legality(void)
{
    rt_puts("-- who may run CBO.* (menvcfg for S and U, senvcfg also for U)\n");
    static const uint64_t inval_vals[] = { 0, CBIE_FLUSH, CBIE_INVAL };
    uint64_t h = 0;
    unsigned n = 0;
    for (unsigned c = 0; c < sizeof cbos / sizeof cbos[0]; c++) {
        const Cbo *op = &cbos[c];
        unsigned nv = op->field == CBIE ? 3 : 2;
        for (int mode = PRV_U; mode <= PRV_S; mode++)
            for (unsigned mi = 0; mi < nv; mi++)
                for (unsigned si = 0; si < nv; si++) {
                    uint64_t mf = op->field == CBIE ? inval_vals[mi] : mi ? op->field : 0;
                    uint64_t sf = op->field == CBIE ? inval_vals[si] : si ? op->field : 0;
                    int legal = mf && (mode == PRV_S || sf);
                    csr_write(0x30a, mf);
                    csr_write(0x10a, sf);
                    fill(blk, 128, 0x77);
                    rt_expect_trap();
                    uint64_t r = rt_run_mode(mode, op->fn, (uint64_t)blk + 64 + 9);
                    rt_disarm();
                    int zeroed = count_not(blk + 64, 64, 0) == 0;
                    rt_printf("%-9s %s menvcfg %02lx senvcfg %02lx: %s\n", op->name,
                              mode == PRV_S ? "S" : "U", mf, sf,
                              rt_trap.count ? "illegal" : "runs");
                    h = rt_mix(rt_mix(h, rt_trap.count), rt_trap.cause);
                    n++;
                    if (legal) {
                        CHECK_EQ(rt_trap.count, 0);
                        CHECK_EQ(r, 0x600d);
                        CHECK_EQ(zeroed, op->field == CBZE);
                    } else {
                        CHECK_EQ(rt_trap.count, 1);
                        CHECK_EQ(rt_trap.cause, 2);
                        CHECK_EQ(rt_trap.tval, op->insn);
                        CHECK_EQ(rt_trap.from, mode);
                        CHECK_EQ(count_not(blk, 128, 0x77), 0);
                    }
                }
    }
    /* M mode runs them all whatever the CSRs say. */
    csr_write(0x30a, 0);
    csr_write(0x10a, 0);
    rt_expect_trap();
    for (unsigned c = 0; c < sizeof cbos / sizeof cbos[0]; c++)
        cbos[c].fn((uint64_t)blk);
    rt_disarm();
    show("M runs all four with envcfg = 0: traps", rt_trap.count, 0);
    rt_printf("%u cases, checksum %016lx\n", n, h);
    total = rt_mix(total, h);
    /* senvcfg is an S CSR: S reads and writes it, U may not. */
    show("S writes senvcfg", rt_run_mode(PRV_S, s_write_senvcfg, CBZE | CBCFE), CBZE | CBCFE);
    rt_expect_trap();
    rt_run_mode(PRV_U, s_read_senvcfg, 0);
    rt_disarm();
    show("U reads senvcfg: illegal", rt_trap.count == 1 && rt_trap.cause == 2, 1);
    csr_write(0x10a, 0);
}

typedef uint64_t Table[512] __attribute__((aligned(4096)));
static Table root, l1, l0;
static uint8_t pg_rw[4096] __attribute__((aligned(4096)));
static uint8_t pg_ro[4096] __attribute__((aligned(4096)));
static uint8_t pg_u[4096] __attribute__((aligned(4096)));
static uint8_t pg_ad[4096] __attribute__((aligned(4096)));
static uint8_t pg_ad2[4096] __attribute__((aligned(4096)));
static uint8_t pg_pmp[4096] __attribute__((aligned(4096)));

/* Runs op on addr in `mode`; checks a fault's cause and stval = addr. */
static void cbo_at(const char *what, int mode, const Cbo *op, uint64_t addr, uint64_t cause)
{
    rt_expect_trap();
    if (mode == PRV_M)
        op->fn(addr);
    else
        rt_run_mode(mode, op->fn, addr);
    rt_disarm();
    if (rt_trap.count)
        rt_printf("%-9s %-30s fault cause %lx stval %s\n", op->name, what, rt_trap.cause,
                  rt_trap.tval == addr ? "= rs1" : "!= rs1");
    else
        rt_printf("%-9s %-30s ok\n", op->name, what);
    total = rt_mix(rt_mix(total, rt_trap.count), rt_trap.cause);
    if (cause == 0) {
        CHECK_EQ(rt_trap.count, 0);
    } else {
        CHECK_EQ(rt_trap.count, 1);
        CHECK_EQ(rt_trap.cause, cause);
        CHECK_EQ(rt_trap.tval, addr);
    }
}

#define OP_INVAL (&cbos[0])
#define OP_CLEAN (&cbos[1])
#define OP_FLUSH (&cbos[2])
#define OP_ZERO  (&cbos[3])

static void test_faults(void)
{
    rt_puts("-- faults: store page / store access faults, stval = rs1\n");
    csr_write(0x30a, CBIE_INVAL | CBCFE | CBZE);
    root[2] = PTE(0x80000000UL, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    root[1] = PTE(l1, PTE_V);
    l1[0] = PTE(l0, PTE_V);
    l0[0] = PTE(pg_rw, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[1] = PTE(pg_ro, PTE_V | PTE_R | PTE_A);
    l0[2] = 0;
    l0[3] = PTE(pg_u, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    l0[4] = PTE(pg_ad, PTE_V | PTE_R | PTE_W);
    l0[5] = PTE(pg_ad2, PTE_V | PTE_R | PTE_W);
    csr_write(satp, (8UL << 60) | ((uint64_t)root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");

    fill(pg_rw, 256, 0x11);
    cbo_at("RW page", PRV_S, OP_CLEAN, WIN + 0x47, 0);
    cbo_at("RW page", PRV_S, OP_ZERO, WIN + 0x47, 0);
    show("zeroed through the mapping: [64, 128)",
         count_not(pg_rw + 64, 64, 0) + count_not(pg_rw, 64, 0x11) +
         count_not(pg_rw + 128, 128, 0x11), 0);
    /* A read-only page: loads allowed, so management runs; stores not: zero faults. */
    fill(pg_ro, 256, 0x22);
    cbo_at("read-only page", PRV_S, OP_CLEAN, WIN + 0x1000 + 0x7f, 0);
    cbo_at("read-only page", PRV_S, OP_INVAL, WIN + 0x1000 + 0x81, 0);
    cbo_at("read-only page", PRV_S, OP_ZERO, WIN + 0x1000 + 0x7f, 15);
    show("read-only page untouched", count_not(pg_ro, 256, 0x22), 0);
    cbo_at("unmapped page", PRV_S, OP_FLUSH, WIN + 0x2000 + 0x9, 15);
    cbo_at("unmapped page", PRV_S, OP_ZERO, WIN + 0x2fff, 15);
    cbo_at("unmapped page", PRV_S, OP_INVAL, WIN + 0x2040, 15);
    /* A U page from S: neither load nor store allowed unless SUM. */
    cbo_at("U page from S, SUM=0", PRV_S, OP_FLUSH, WIN + 0x3000 + 0x33, 15);
    cbo_at("U page from S, SUM=0", PRV_S, OP_ZERO, WIN + 0x3000 + 0x33, 15);
    csr_set(mstatus, MSTATUS_SUM);
    cbo_at("U page from S, SUM=1", PRV_S, OP_FLUSH, WIN + 0x3000 + 0x33, 0);
    cbo_at("U page from S, SUM=1", PRV_S, OP_ZERO, WIN + 0x3000 + 0x33, 0);
    csr_clear(mstatus, MSTATUS_SUM);
    /* Non-canonical addresses are page faults too. */
    cbo_at("non-canonical", PRV_S, OP_CLEAN, 0x0000008000000010UL, 15);

    /*
     * A and D: a management instruction checks A (setting it or faulting)
     * and never sets D; CBO.ZERO treats both as a store does.
     */
    rt_expect_trap();
    rt_run_mode(PRV_S, do_clean, WIN + 0x4000 + 0x10);
    rt_disarm();
    show("cbo.clean, A=0: faulted or set A", rt_trap.count ? rt_trap.cause == 15
                                                        : (l0[4] & PTE_A) != 0, 1);
    show("cbo.clean, D=0: D still 0", l0[4] & PTE_D, 0);
    rt_expect_trap();
    rt_run_mode(PRV_S, do_zero, WIN + 0x5000 + 0x10);
    rt_disarm();
    show("cbo.zero, A=D=0: faulted or set both", rt_trap.count ? rt_trap.cause == 15
                                      : (l0[5] & (PTE_A | PTE_D)) == (PTE_A | PTE_D), 1);

    /* M mode with MPRV translates like S (priv 3.1.6.3). */
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, MSTATUS_MPRV | (1UL << 11));
    rt_expect_trap();
    do_zero(WIN + 0x1000 + 0x44);
    csr_clear(mstatus, MSTATUS_MPRV | MSTATUS_MPP);
    rt_disarm();
    show("M, MPRV=1 MPP=S: zero on read-only page", rt_trap.cause, 15);
    show("  stval = rs1", rt_trap.tval, WIN + 0x1044);
    csr_write(satp, 0);
    __asm__ volatile("sfence.vma" ::: "memory");

    /* PMP entry 0 over pg_pmp: no permission, then read-only. */
    uint64_t p = (uint64_t)pg_pmp;
    csr_write(pmpaddr0, (p >> 2) | 0x1ff);             /* NAPOT, 4 KiB */
    csr_write(pmpcfg0, 0x18);                          /* A = NAPOT, no R/W/X */
    __asm__ volatile("sfence.vma" ::: "memory");
    cbo_at("PMP: no access", PRV_S, OP_CLEAN, p + 0x11, 7);
    cbo_at("PMP: no access", PRV_S, OP_INVAL, p + 0x80, 7);
    cbo_at("PMP: no access", PRV_S, OP_ZERO, p + 0xfff, 7);
    csr_write(pmpcfg0, 0x19);                          /* read-only */
    __asm__ volatile("sfence.vma" ::: "memory");
    cbo_at("PMP: read-only", PRV_S, OP_FLUSH, p + 0x11, 0);
    cbo_at("PMP: read-only", PRV_S, OP_ZERO, p + 0x11, 7);
    csr_write(pmpcfg0, 0);
    csr_write(pmpaddr0, 0);
    __asm__ volatile("sfence.vma" ::: "memory");

    /* No memory at all: loads and stores fault there, so every CBO does. */
    cbo_at("vacant physical address", PRV_M, OP_ZERO, VACANT + 0x23, 7);
    cbo_at("vacant physical address", PRV_M, OP_CLEAN, VACANT + 0x23, 7);
    cbo_at("vacant physical address", PRV_M, OP_INVAL, VACANT + 0x1000, 7);
    csr_write(0x30a, 0);
}

int main(void)
{
    rt_puts("zicbo_zicond: Zicbom, Zicboz, Zicond\n");
    test_zicond();
    test_cbo_zero();
    test_envcfg();
    test_legality();
    test_faults();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
