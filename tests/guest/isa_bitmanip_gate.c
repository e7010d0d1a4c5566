/*
 * isa_bitmanip_gate: which bit-manipulation instructions exist for a given
 * set of enabled extensions.  Built once per set (GATE_EXT, a mask of the
 * G_* bits below, matching the -cpu string the test runs with): every
 * instruction of Zba, Zbb, Zbc, Zbs, Zbkb, Zbkc and Zbkx runs once; those an
 * enabled extension provides must compute the model's result, the others must
 * raise illegal instruction with tval = the instruction bits and leave rd
 * alone.  Several instructions belong to two extensions (andn, rol, rev8,
 * ... to Zbb and Zbkb; clmul, clmulh to Zbc and Zbkc; zext.h is Zbb's zext.h
 * and Zbkb's packw rd, rs1, x0), and any one of them enables them.  The
 * RV32-only encodings (zip, unzip, RV32's rev8) are illegal with any set.
 */
#include "rt.h"
#include "bitmanip_ref.h"

#define G_ZBA  0x01
#define G_ZBB  0x02
#define G_ZBC  0x04
#define G_ZBS  0x08
#define G_ZBKB 0x10
#define G_ZBKC 0x20
#define G_ZBKX 0x40
#define G_NONE 0x00     /* RV32 only */

#ifndef GATE_EXT
#error "GATE_EXT (the enabled extensions, G_* bits) must be defined"
#endif

#define ARCH ".option push\n\t.option norvc\n\t" \
             ".option arch, +zba, +zbb, +zbc, +zbs, +zbkb, +zbkc, +zbkx\n\t"

static const uint64_t A = 0x8123456789abcdefUL, B = 0xf6ba0598fe03712dUL;
#define SENTINEL 0x5e5e5e5e5e5e5e5eUL

static uint64_t total;
static unsigned n_legal, n_illegal;

static void check_one(const char *name, unsigned ext, uint64_t label, uint64_t rd, uint64_t want)
{
    int legal = (GATE_EXT & ext) != 0;
    if (rt_trap.count) {
        uint32_t word = *(volatile uint32_t *)label;
        rt_printf("%-14s illegal, tval %08lx\n", name, rt_trap.tval);
        total = rt_mix(rt_mix(total, rt_trap.cause), rt_trap.tval);
        n_illegal++;
        CHECK_EQ(rt_trap.count, 1);
        CHECK_EQ(rt_trap.cause, 2);
        CHECK_EQ(rt_trap.tval, word);
        CHECK_EQ(rt_trap.epc, label);
        CHECK_EQ(rd, SENTINEL);
    } else {
        rt_printf("%-14s %016lx\n", name, rd);
        total = rt_mix(total, rd);
        n_legal++;
        CHECK_EQ(rd, want);
    }
    if (legal != !rt_trap.count) {
        rt_printf("  %s should be %s\n", name, legal ? "legal" : "illegal");
        rt_check_fail(__FILE__, __LINE__, name);
    }
}

/* insn uses %1 as rd, %2 as rs1, %3 as rs2. */
#define TRY(name, ext, insn, want) do {                                      \
        uint64_t _l, _r = SENTINEL;                                         \
        rt_expect_trap();                                                   \
        __asm__ volatile(ARCH "la %0, 1f\n1:\t" insn "\n\t.option pop"       \
                         : "=&r"(_l), "+r"(_r) : "r"(A), "r"(B) : "memory"); \
        rt_disarm();                                                        \
        check_one(name, ext, _l, _r, want);                                 \
    } while (0)

int main(void)
{
    rt_printf("isa_bitmanip_gate: extensions %02x\n", (unsigned)GATE_EXT);
    TRY("add.uw", G_ZBA, "add.uw %1, %2, %3", ref_add_uw(A, B));
    TRY("sh1add", G_ZBA, "sh1add %1, %2, %3", ref_sh1add(A, B));
    TRY("sh2add", G_ZBA, "sh2add %1, %2, %3", ref_sh2add(A, B));
    TRY("sh3add", G_ZBA, "sh3add %1, %2, %3", ref_sh3add(A, B));
    TRY("sh1add.uw", G_ZBA, "sh1add.uw %1, %2, %3", ref_sh1add_uw(A, B));
    TRY("sh2add.uw", G_ZBA, "sh2add.uw %1, %2, %3", ref_sh2add_uw(A, B));
    TRY("sh3add.uw", G_ZBA, "sh3add.uw %1, %2, %3", ref_sh3add_uw(A, B));
    TRY("slli.uw", G_ZBA, "slli.uw %1, %2, 13", ref_slli_uw(A, 13));

    TRY("andn", G_ZBB | G_ZBKB, "andn %1, %2, %3", ref_andn(A, B));
    TRY("orn", G_ZBB | G_ZBKB, "orn %1, %2, %3", ref_orn(A, B));
    TRY("xnor", G_ZBB | G_ZBKB, "xnor %1, %2, %3", ref_xnor(A, B));
    TRY("rol", G_ZBB | G_ZBKB, "rol %1, %2, %3", ref_rol(A, B));
    TRY("ror", G_ZBB | G_ZBKB, "ror %1, %2, %3", ref_ror(A, B));
    TRY("rori", G_ZBB | G_ZBKB, "rori %1, %2, 45", ref_ror(A, 45));
    TRY("rolw", G_ZBB | G_ZBKB, "rolw %1, %2, %3", ref_rolw(A, B));
    TRY("rorw", G_ZBB | G_ZBKB, "rorw %1, %2, %3", ref_rorw(A, B));
    TRY("roriw", G_ZBB | G_ZBKB, "roriw %1, %2, 13", ref_rorw(A, 13));
    TRY("rev8", G_ZBB | G_ZBKB, "rev8 %1, %2", ref_rev8(A, 0));
    TRY("zext.h", G_ZBB | G_ZBKB, "zext.h %1, %2", ref_zext_h(A, 0));
    TRY("clz", G_ZBB, "clz %1, %2", ref_clz(A, 0));
    TRY("clzw", G_ZBB, "clzw %1, %2", ref_clzw(A, 0));
    TRY("ctz", G_ZBB, "ctz %1, %2", ref_ctz(A, 0));
    TRY("ctzw", G_ZBB, "ctzw %1, %2", ref_ctzw(A, 0));
    TRY("cpop", G_ZBB, "cpop %1, %2", ref_cpop(A, 0));
    TRY("cpopw", G_ZBB, "cpopw %1, %2", ref_cpopw(A, 0));
    TRY("max", G_ZBB, "max %1, %2, %3", ref_max(A, B));
    TRY("maxu", G_ZBB, "maxu %1, %2, %3", ref_maxu(A, B));
    TRY("min", G_ZBB, "min %1, %2, %3", ref_min(A, B));
    TRY("minu", G_ZBB, "minu %1, %2, %3", ref_minu(A, B));
    TRY("sext.b", G_ZBB, "sext.b %1, %2", ref_sext_b(A, 0));
    TRY("sext.h", G_ZBB, "sext.h %1, %2", ref_sext_h(A, 0));
    TRY("orc.b", G_ZBB, "orc.b %1, %2", ref_orc_b(A, 0));

    TRY("clmul", G_ZBC | G_ZBKC, "clmul %1, %2, %3", ref_clmul(A, B));
    TRY("clmulh", G_ZBC | G_ZBKC, "clmulh %1, %2, %3", ref_clmulh(A, B));
    TRY("clmulr", G_ZBC, "clmulr %1, %2, %3", ref_clmulr(A, B));

    TRY("bclr", G_ZBS, "bclr %1, %2, %3", ref_bclr(A, B));
    TRY("bclri", G_ZBS, "bclri %1, %2, 63", ref_bclr(A, 63));
    TRY("bext", G_ZBS, "bext %1, %2, %3", ref_bext(A, B));
    TRY("bexti", G_ZBS, "bexti %1, %2, 40", ref_bext(A, 40));
    TRY("binv", G_ZBS, "binv %1, %2, %3", ref_binv(A, B));
    TRY("binvi", G_ZBS, "binvi %1, %2, 0", ref_binv(A, 0));
    TRY("bset", G_ZBS, "bset %1, %2, %3", ref_bset(A, B));
    TRY("bseti", G_ZBS, "bseti %1, %2, 33", ref_bset(A, 33));

    TRY("pack", G_ZBKB, "pack %1, %2, %3", ref_pack(A, B));
    /* RV32's zext.h encoding: on RV64 it is Zbkb's pack (zero-extends a word). */
    TRY("pack rs2=x0", G_ZBKB, "pack %1, %2, x0", ref_pack(A, 0));
    TRY("packh", G_ZBKB, "packh %1, %2, %3", ref_packh(A, B));
    TRY("packw", G_ZBKB, "packw %1, %2, %3", ref_packw(A, B));
    TRY("brev8", G_ZBKB, "brev8 %1, %2", ref_brev8(A, 0));
    TRY("xperm4", G_ZBKX, "xperm4 %1, %2, %3", ref_xperm4(A, B));
    TRY("xperm8", G_ZBKX, "xperm8 %1, %2, %3", ref_xperm8(A, B));

    /* RV32 only, written out (rd = rs1 = x0: nothing to clobber if run). */
    TRY("zip (RV32)", G_NONE, ".word 0x08f01013", SENTINEL);
    TRY("unzip (RV32)", G_NONE, ".word 0x08f05013", SENTINEL);
    TRY("rev8 (RV32)", G_NONE, ".word 0x69805013", SENTINEL);

    rt_printf("legal %u illegal %u checksum %016lx\n", n_legal, n_illegal, total);
    return rt_result();
}
