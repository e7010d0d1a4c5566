/*
 * isa_c: the C extension (unpriv spec chapter 16), written with explicit c.*
 * mnemonics so every instruction under test is a 16-bit encoding.  Each
 * block leaves its results in out[]; every value is printed and checked
 * against the equivalent 32-bit instruction's result.
 */
#include "rt.h"

static uint64_t out[64];
static uint64_t mem[16] __attribute__((aligned(16)));
static uint64_t stack_area[32] __attribute__((aligned(16)));
static uint64_t total;

static void show(const char *name, uint64_t got, uint64_t want)
{
    rt_printf("%-14s %016lx\n", name, got);
    total = rt_mix(total, got);
    if (got != want) {
        rt_printf("  want %016lx\n", want);
        rt_check_fail(__FILE__, __LINE__, name);
    }
}

static void test_alu(void)
{
    __asm__ volatile(
        ".option push\n\t.option rvc\n\t"
        "c.li    a0, -32\n\t"               "sd a0, 0(%0)\n\t"
        "c.li    a1, 31\n\t"                "sd a1, 8(%0)\n\t"
        "c.lui   a2, 0x1f\n\t"              "sd a2, 16(%0)\n\t"
        "c.lui   a3, 0xfffe0\n\t"           "sd a3, 24(%0)\n\t"
        "c.addi  a0, 5\n\t"                 "sd a0, 32(%0)\n\t"
        "li      a4, 0x7fffffff\n\t"
        "c.addiw a4, 1\n\t"                 "sd a4, 40(%0)\n\t"
        "li      a5, 0x100000000\n\t"
        "c.addiw a5, 0\n\t"                 "sd a5, 48(%0)\n\t"
        "li      s0, 0x8000000000000001\n\t"
        "c.srai  s0, 63\n\t"                "sd s0, 56(%0)\n\t"
        "li      s1, 0x8000000000000001\n\t"
        "c.srli  s1, 1\n\t"                 "sd s1, 64(%0)\n\t"
        "li      a0, 3\n\t"
        "c.slli  a0, 62\n\t"                "sd a0, 72(%0)\n\t"
        "li      a1, 0x123456789abcdef0\n\t"
        "c.andi  a1, -16\n\t"               "sd a1, 80(%0)\n\t"
        "c.andi  a1, 0x1f\n\t"              "sd a1, 88(%0)\n\t"
        "li      s0, 0x0f0f0f0f0f0f0f0f\n\t"
        "li      s1, 0x00ff00ff00ff00ff\n\t"
        "c.mv    a2, s0\n\t"
        "c.and   a2, s1\n\t"                "sd a2, 96(%0)\n\t"
        "c.mv    a2, s0\n\t"
        "c.or    a2, s1\n\t"                "sd a2, 104(%0)\n\t"
        "c.mv    a2, s0\n\t"
        "c.xor   a2, s1\n\t"                "sd a2, 112(%0)\n\t"
        "c.mv    a2, s1\n\t"
        "c.sub   a2, s0\n\t"                "sd a2, 120(%0)\n\t"
        "li      a3, 0x7fffffff\n\t"
        "li      a4, 1\n\t"
        "c.addw  a3, a4\n\t"                "sd a3, 128(%0)\n\t"
        "li      a3, 0x80000000\n\t"
        "c.subw  a3, a4\n\t"                "sd a3, 136(%0)\n\t"
        "c.mv    t3, s1\n\t"
        "c.add   t3, s0\n\t"                "sd t3, 144(%0)\n\t"
        "c.li    t4, 7\n\t"
        "c.addi  t4, -8\n\t"                "sd t4, 152(%0)\n\t"
        "c.nop\n\t"
        ".option pop"
        :: "r"(out) : "a0", "a1", "a2", "a3", "a4", "a5", "s0", "s1", "t3", "t4", "memory");
    show("c.li -32", out[0], -32UL);
    show("c.li 31", out[1], 31);
    show("c.lui 0x1f", out[2], 0x1f000);
    show("c.lui 0xfffe0", out[3], 0xfffffffffffe0000);
    show("c.addi", out[4], -27UL);
    show("c.addiw", out[5], 0xffffffff80000000);
    show("c.addiw 0", out[6], 0);
    show("c.srai", out[7], ~0UL);
    show("c.srli", out[8], 0x4000000000000000);
    show("c.slli", out[9], 0xc000000000000000);
    show("c.andi -16", out[10], 0x123456789abcdef0);
    show("c.andi 0x1f", out[11], 0x10);
    show("c.and", out[12], 0x000f000f000f000f);
    show("c.or", out[13], 0x0fff0fff0fff0fff);
    show("c.xor", out[14], 0x0ff00ff00ff00ff0);
    show("c.sub", out[15], 0xf1eff1eff1eff1f0);
    show("c.addw", out[16], 0xffffffff80000000);
    show("c.subw", out[17], 0x7fffffff);
    show("c.mv/c.add", out[18], 0x100e100e100e100e);
    show("c.addi neg", out[19], ~0UL);
}

static void test_mem(void)
{
    for (int i = 0; i < 16; i++)
        mem[i] = 0x8091a2b3c4d5e6f7ULL + i * 0x0101010101010101ULL;
    __asm__ volatile(
        ".option push\n\t.option rvc\n\t"
        "mv      s0, %1\n\t"
        "c.lw    a0, 0(s0)\n\t"             "sd a0, 0(%0)\n\t"
        "c.lw    a1, 124(s0)\n\t"           "sd a1, 8(%0)\n\t"
        "c.ld    a2, 8(s0)\n\t"             "sd a2, 16(%0)\n\t"
        "c.ld    a3, 120(s0)\n\t"           "sd a3, 24(%0)\n\t"
        "li      a4, 0x1122334455667788\n\t"
        "c.sw    a4, 4(s0)\n\t"
        "c.sd    a4, 16(s0)\n\t"
        "c.ld    a5, 0(s0)\n\t"             "sd a5, 32(%0)\n\t"
        "c.ld    a5, 16(s0)\n\t"            "sd a5, 40(%0)\n\t"
        "c.fld   fa0, 24(s0)\n\t"
        "c.fsd   fa0, 32(s0)\n\t"
        "c.ld    a5, 32(s0)\n\t"            "sd a5, 48(%0)\n\t"
        ".option pop"
        :: "r"(out), "r"(mem) : "a0", "a1", "a2", "a3", "a4", "a5", "s0", "fa0", "memory");
    show("c.lw", out[0], 0xffffffffc4d5e6f7);
    show("c.lw 124", out[1], 0xffffffff8fa0b1c2ULL);
    show("c.ld", out[2], 0x8192a3b4c5d6e7f8);
    show("c.ld 120", out[3], 0x8fa0b1c2d3e4f606ULL);
    show("c.sw", out[4], 0x55667788c4d5e6f7);
    show("c.sd", out[5], 0x1122334455667788);
    show("c.fld/c.fsd", out[6], 0x8394a5b6c7d8e9fa);
}

static void test_sp(void)
{
    for (int i = 0; i < 32; i++)
        stack_area[i] = 0xa0a0a0a000000000ULL + i;
    /* sp is swapped for a private area; nothing here can trap. */
    __asm__ volatile(
        ".option push\n\t.option rvc\n\t"
        "mv      t2, sp\n\t"
        "addi    sp, %1, 128\n\t"
        "c.addi16sp sp, -64\n\t"
        "sub     a0, sp, %1\n\t"            "sd a0, 0(%0)\n\t"
        "c.addi16sp sp, 496\n\t"
        "sub     a0, sp, %1\n\t"            "sd a0, 8(%0)\n\t"
        "addi    sp, %1, 0\n\t"
        "c.addi4spn a1, sp, 1020\n\t"
        "sub     a1, a1, %1\n\t"            "sd a1, 16(%0)\n\t"
        "c.lwsp  a2, 12(sp)\n\t"            "sd a2, 24(%0)\n\t"
        "c.ldsp  a3, 16(sp)\n\t"            "sd a3, 32(%0)\n\t"
        "li      a4, -2\n\t"
        "c.swsp  a4, 24(sp)\n\t"
        "c.sdsp  a4, 40(sp)\n\t"
        "c.ldsp  a5, 24(sp)\n\t"            "sd a5, 40(%0)\n\t"
        "c.ldsp  a5, 40(sp)\n\t"            "sd a5, 48(%0)\n\t"
        "c.fldsp fa1, 48(sp)\n\t"
        "c.fsdsp fa1, 56(sp)\n\t"
        "c.ldsp  a5, 56(sp)\n\t"            "sd a5, 56(%0)\n\t"
        "mv      sp, t2\n\t"
        ".option pop"
        :: "r"(out), "r"(stack_area) : "a0", "a1", "a2", "a3", "a4", "a5", "t2", "fa1", "memory");
    show("c.addi16sp -64", out[0], 64);
    show("c.addi16sp 496", out[1], 560);
    show("c.addi4spn", out[2], 1020);
    show("c.lwsp", out[3], 0xffffffffa0a0a0a0ULL);
    show("c.ldsp", out[4], 0xa0a0a0a000000002ULL);
    show("c.swsp", out[5], 0xa0a0a0a0fffffffeULL);
    show("c.sdsp", out[6], ~1UL);
    show("c.fldsp/fsdsp", out[7], 0xa0a0a0a000000006ULL);
}

static void test_control(void)
{
    __asm__ volatile(
        ".option push\n\t.option rvc\n\t"
        "c.li    a0, 0\n\t"
        "c.j     1f\n\t"
        "c.li    a0, 1\n"
        "1:\n\t"                            "sd a0, 0(%0)\n\t"
        /* c.jalr links pc+2. */
        "la      a1, 2f\n\t"
        "c.jalr  a1\n"
        "3:\n\t"
        "c.j     4f\n"
        "2:\n\t"
        "la      a2, 3b\n\t"
        "sub     a2, ra, a2\n\t"            "sd a2, 8(%0)\n\t"
        "c.jr    ra\n"
        "4:\n\t"
        "c.li    a3, 0\n\t"
        "c.beqz  a3, 5f\n\t"
        "c.li    a3, 9\n"
        "5:\n\t"                            "sd a3, 16(%0)\n\t"
        "c.li    a4, 1\n\t"
        "c.beqz  a4, 6f\n\t"
        "c.li    a4, 9\n"
        "6:\n\t"                            "sd a4, 24(%0)\n\t"
        "c.li    a5, 1\n\t"
        "c.bnez  a5, 7f\n\t"
        "c.li    a5, 9\n"
        "7:\n\t"                            "sd a5, 32(%0)\n\t"
        /* c.bnez and c.beqz test all 64 bits. */
        "li      s0, 0x100000000\n\t"
        "c.li    s1, 0\n\t"
        "c.beqz  s0, 8f\n\t"
        "c.li    s1, 1\n"
        "8:\n\t"                            "sd s1, 40(%0)\n\t"
        ".option pop"
        :: "r"(out) : "a0", "a1", "a2", "a3", "a4", "a5", "s0", "s1", "ra", "memory");
    show("c.j", out[0], 0);
    show("c.jalr link", out[1], 0);
    show("c.beqz taken", out[2], 0);
    show("c.beqz not", out[3], 9);
    show("c.bnez taken", out[4], 1);
    show("c.beqz 64bit", out[5], 1);
}

static void test_ebreak(void)
{
    uint64_t label;
    rt_expect_trap();
    __asm__ volatile(".option push\n\t.option rvc\n\t"
                     "la %0, 1f\n"
                     "1: c.ebreak\n\t"
                     ".option pop" : "=&r"(label) :: "memory");
    rt_disarm();
    show("c.ebreak cause", rt_trap.cause, 3);
    show("c.ebreak epc", rt_trap.epc - label, 0);
    show("c.ebreak count", rt_trap.count, 1);
}

int main(void)
{
    rt_puts("isa_c: compressed instructions\n");
    test_alu();
    test_mem();
    test_sp();
    test_control();
    test_ebreak();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
