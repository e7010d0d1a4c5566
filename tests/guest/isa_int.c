/*
 * isa_int: RV64I and M.  Every operation runs on a table of edge-case
 * operands; each operation prints a checksum of its results, and the corner
 * cases the spec pins down (unpriv spec 13.2, division) are checked exactly.
 */
#include "rt.h"

static const uint64_t vals[] = {
    0, 1, 2, 3, 31, 32, 63, 64, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x123456789abcdef0,
    0xfedcba9876543210, 0x7fffffffffffffff, 0x8000000000000000,
    0xffffffff80000000, 0xffffffff7fffffff, 0xfffffffffffffffe,
    0xffffffffffffffff, 0x00000000deadbeef, 0x5555555555555555,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

static uint64_t total;

static void report(const char *name, uint64_t h)
{
    rt_printf("%-8s %016lx\n", name, h);
    total = rt_mix(total, h);
}

#define RR(op, a, b) ({ uint64_t _r; __asm__ volatile(op " %0, %1, %2" : "=r"(_r) : "r"(a), "r"(b)); _r; })
#define RI(op, a, i) ({ uint64_t _r; __asm__ volatile(op " %0, %1, %2" : "=r"(_r) : "r"(a), "i"(i)); _r; })

#define SWEEP_RR(op) do {                                           \
        uint64_t h = 0;                                             \
        for (unsigned i = 0; i < NVALS; i++)                        \
            for (unsigned j = 0; j < NVALS; j++)                    \
                h = rt_mix(h, RR(op, vals[i], vals[j]));            \
        report(op, h);                                              \
    } while (0)

/* Immediates at the edges of each encoding. */
#define SWEEP_RI(op, i0, i1, i2, i3) do {                           \
        uint64_t h = 0;                                             \
        for (unsigned i = 0; i < NVALS; i++) {                      \
            h = rt_mix(h, RI(op, vals[i], i0));                     \
            h = rt_mix(h, RI(op, vals[i], i1));                     \
            h = rt_mix(h, RI(op, vals[i], i2));                     \
            h = rt_mix(h, RI(op, vals[i], i3));                     \
        }                                                           \
        report(op, h);                                              \
    } while (0)

#define BR(op, a, b) ({ uint64_t _t; __asm__ volatile(              \
        "li %0, 1\n\t" op " %1, %2, 1f\n\tli %0, 0\n1:"              \
        : "=&r"(_t) : "r"(a), "r"(b)); _t; })

#define SWEEP_BR(op) do {                                           \
        uint64_t h = 0;                                             \
        for (unsigned i = 0; i < NVALS; i++)                        \
            for (unsigned j = 0; j < NVALS; j++)                    \
                h = rt_mix(h, BR(op, vals[i], vals[j]));            \
        report(op, h);                                              \
    } while (0)

static void test_alu(void)
{
    SWEEP_RR("add"); SWEEP_RR("sub"); SWEEP_RR("and"); SWEEP_RR("or");
    SWEEP_RR("xor"); SWEEP_RR("sll"); SWEEP_RR("srl"); SWEEP_RR("sra");
    SWEEP_RR("slt"); SWEEP_RR("sltu");
    SWEEP_RR("addw"); SWEEP_RR("subw"); SWEEP_RR("sllw"); SWEEP_RR("srlw");
    SWEEP_RR("sraw");
    SWEEP_RI("addi", 0, -1, 2047, -2048);
    SWEEP_RI("andi", 0, -1, 2047, -2048);
    SWEEP_RI("ori", 0, -1, 0x555, -2048);
    SWEEP_RI("xori", 0, -1, 2047, -2048);
    SWEEP_RI("slti", 0, -1, 2047, -2048);
    SWEEP_RI("sltiu", 0, -1, 1, -2048);
    SWEEP_RI("slli", 0, 1, 31, 63);
    SWEEP_RI("srli", 0, 1, 32, 63);
    SWEEP_RI("srai", 0, 1, 32, 63);
    SWEEP_RI("addiw", 0, -1, 2047, -2048);
    SWEEP_RI("slliw", 0, 1, 16, 31);
    SWEEP_RI("srliw", 0, 1, 16, 31);
    SWEEP_RI("sraiw", 0, 1, 16, 31);
}

static void test_mul_div(void)
{
    SWEEP_RR("mul"); SWEEP_RR("mulh"); SWEEP_RR("mulhsu"); SWEEP_RR("mulhu");
    SWEEP_RR("mulw"); SWEEP_RR("div"); SWEEP_RR("divu"); SWEEP_RR("rem");
    SWEEP_RR("remu"); SWEEP_RR("divw"); SWEEP_RR("divuw"); SWEEP_RR("remw");
    SWEEP_RR("remuw");

    const uint64_t m1 = ~0UL, imin = 1UL << 63, x = 0x123456789abcdef0;
    /* Division by zero and overflow (unpriv spec 13.2, table 13.1). */
    CHECK_EQ(RR("div", x, 0), m1);
    CHECK_EQ(RR("divu", x, 0), m1);
    CHECK_EQ(RR("rem", x, 0), x);
    CHECK_EQ(RR("remu", x, 0), x);
    CHECK_EQ(RR("div", imin, m1), imin);
    CHECK_EQ(RR("rem", imin, m1), 0);
    CHECK_EQ(RR("divw", x, 0), m1);
    CHECK_EQ(RR("divuw", x, 0), m1);
    CHECK_EQ(RR("remw", x, 0), 0xffffffff9abcdef0);
    CHECK_EQ(RR("remuw", x, 0), 0xffffffff9abcdef0);
    CHECK_EQ(RR("divw", 0x80000000, m1), 0xffffffff80000000);
    CHECK_EQ(RR("remw", 0x80000000, m1), 0);
    CHECK_EQ(RR("divw", 0x1234567880000000, 0xffffffff), 0xffffffff80000000);
    /* High products. */
    CHECK_EQ(RR("mulh", m1, m1), 0);
    CHECK_EQ(RR("mulhu", m1, m1), 0xfffffffffffffffe);
    CHECK_EQ(RR("mulhsu", m1, m1), m1);
    CHECK_EQ(RR("mulhsu", 2, m1), 1);
    CHECK_EQ(RR("mulh", imin, imin), 0x4000000000000000);
    CHECK_EQ(RR("mulhsu", imin, m1), 0x8000000000000000);
    /* W forms sign-extend bit 31 of the result. */
    CHECK_EQ(RR("addw", 0x7fffffff, 1), 0xffffffff80000000);
    CHECK_EQ(RR("mulw", 0x10000, 0x8000), 0xffffffff80000000);
    CHECK_EQ(RR("srlw", 0xffffffff80000000, 0), 0xffffffff80000000);
    CHECK_EQ(RR("srlw", 0xffffffff80000000, 1), 0x40000000);
    CHECK_EQ(RR("sraw", 0x80000000, 33), 0xffffffffc0000000);   /* shamt is rs2[4:0] */
    CHECK_EQ(RR("sll", 1, 65), 2);                                /* shamt is rs2[5:0] */
    CHECK_EQ(RI("sraiw", 0x80000000, 31), m1);
    CHECK_EQ(RI("addiw", 0xffffffff, 0), m1);
    rt_puts("muldiv corner cases checked\n");
}

static void test_branches(void)
{
    SWEEP_BR("beq"); SWEEP_BR("bne"); SWEEP_BR("blt"); SWEEP_BR("bge");
    SWEEP_BR("bltu"); SWEEP_BR("bgeu");
    CHECK_EQ(BR("blt", 1UL << 63, 0), 1);
    CHECK_EQ(BR("bltu", 1UL << 63, 0), 0);
    CHECK_EQ(BR("bge", 5, 5), 1);
}

static uint8_t buf[32] __attribute__((aligned(16)));

static void fill_buf(void)
{
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(0x81 + 0x13 * i);
}

#define LD(op, p) ({ uint64_t _r; __asm__ volatile(op " %0, 0(%1)" : "=r"(_r) : "r"(p) : "memory"); _r; })
#define ST(op, p, v) __asm__ volatile(op " %1, 0(%0)" :: "r"(p), "r"(v) : "memory")

static void test_loads_stores(void)
{
    uint64_t h = 0;
    fill_buf();
    for (unsigned off = 0; off < 16; off++) {
        uint8_t *p = buf + off;
        h = rt_mix(h, LD("lb", p));
        h = rt_mix(h, LD("lbu", p));
        if (off % 2 == 0) {
            h = rt_mix(h, LD("lh", p));
            h = rt_mix(h, LD("lhu", p));
        }
        if (off % 4 == 0) {
            h = rt_mix(h, LD("lw", p));
            h = rt_mix(h, LD("lwu", p));
        }
        if (off % 8 == 0)
            h = rt_mix(h, LD("ld", p));
    }
    report("loads", h);
    /* Sign and zero extension, pinned down. */
    buf[0] = 0x80; buf[1] = 0xff; buf[2] = 0xff; buf[3] = 0xff;
    CHECK_EQ(LD("lb", buf), 0xffffffffffffff80);
    CHECK_EQ(LD("lbu", buf), 0x80);
    CHECK_EQ(LD("lh", buf), 0xffffffffffffff80);
    CHECK_EQ(LD("lhu", buf), 0xff80);
    CHECK_EQ(LD("lw", buf), 0xffffffffffffff80);
    CHECK_EQ(LD("lwu", buf), 0xffffff80);

    h = 0;
    const uint64_t v = 0x0123456789abcdef;
    for (unsigned off = 0; off < 16; off++) {
        fill_buf();
        uint8_t *p = buf + off;
        ST("sb", p, v);
        if (off % 2 == 0)
            ST("sh", p + 2, v);
        if (off % 4 == 0)
            ST("sw", p + 4, v);
        if (off % 8 == 0)
            ST("sd", p + 8, v);
        for (unsigned i = 0; i < sizeof buf; i += 8)
            h = rt_mix(h, *(uint64_t *)(buf + i));
    }
    report("stores", h);
    /* Offsets at the edges of the 12-bit immediate. */
    static uint8_t big[4096] __attribute__((aligned(8)));
    big[0] = 0x11; big[2047] = 0x22; big[4095] = 0x33;
    uint64_t a, b, c;
    __asm__ volatile("lbu %0, -2048(%3)\n\tlbu %1, -1(%3)\n\tlbu %2, 2047(%3)"
                     : "=&r"(a), "=&r"(b), "=&r"(c) : "r"(big + 2048) : "memory");
    CHECK_EQ(a, 0x11); CHECK_EQ(b, 0x22); CHECK_EQ(c, 0x33);
}

static void test_upper_jumps(void)
{
    uint64_t r, d;
    __asm__ volatile("lui %0, 0x80000" : "=r"(r));
    CHECK_EQ(r, 0xffffffff80000000);
    __asm__ volatile("lui %0, 0x7ffff" : "=r"(r));
    CHECK_EQ(r, 0x7ffff000);
    /* auipc relative to a label: pc-independent result. */
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "1: auipc %0, 0x80000\n\tla %1, 1b\n\tsub %0, %0, %1\n\t"
                     ".option pop" : "=&r"(r), "=&r"(d));
    CHECK_EQ(r, 0xffffffff80000000);
    /* jal links pc+4; jalr clears bit 0 of the target and may use rd == rs1. */
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "jal %0, 1f\n\t2: nop\n\t1: la %1, 2b\n\tsub %0, %0, %1\n\t"
                     ".option pop" : "=&r"(r), "=&r"(d));
    CHECK_EQ(r, 0);
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "la %0, 1f\n\taddi %0, %0, 1\n\tjalr %0, 0(%0)\n\t"
                     "2: li %0, 0\n\tj 3f\n\t"
                     "1: la %1, 2b\n\tsub %0, %0, %1\n\t3:\n\t"
                     ".option pop" : "=&r"(r), "=&r"(d));
    CHECK_EQ(r, 0);
    /* x0 stays zero whatever is written to it. */
    __asm__ volatile("li x0, 5\n\taddi %0, x0, 0" : "=r"(r));
    CHECK_EQ(r, 0);
    rt_puts("lui/auipc/jal/jalr checked\n");
}

static void test_fence(void)
{
    /* Self-modifying code: fence.i makes the new instruction visible. */
    static uint32_t code[2] __attribute__((aligned(4)));
    uint64_t r;
    code[0] = 0x02a00513;   /* li a0, 42 */
    code[1] = 0x00008067;   /* ret */
    __asm__ volatile("fence.i" ::: "memory");
    r = ((uint64_t (*)(void))(uintptr_t)code)();
    CHECK_EQ(r, 42);
    code[0] = 0x06300513;   /* li a0, 99 */
    __asm__ volatile("fence rw, rw\n\tfence.i" ::: "memory");
    r = ((uint64_t (*)(void))(uintptr_t)code)();
    CHECK_EQ(r, 99);
    rt_puts("fence.i checked\n");
}

int main(void)
{
    rt_puts("isa_int: RV64IM\n");
    test_alu();
    test_mul_div();
    test_branches();
    test_loads_stores();
    test_upper_jumps();
    test_fence();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
