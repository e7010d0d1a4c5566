/*
 * isa_amo: the A extension.  LR/SC success and failure (unpriv spec 8.2:
 * SC writes 0 on success and 1 on an unspecified failure), and every AMO in
 * .w and .d form on a table of operands: the old value returned (sign-
 * extended for .w) and the value left in memory are checked against C.
 */
#include "rt.h"

static uint64_t cell[2] __attribute__((aligned(16)));
/* A reservation set is implementation-defined in size; a different page is
 * certainly outside it. */
static uint64_t far_cell[512] __attribute__((aligned(4096)));
static uint64_t total;

static void show(const char *name, uint64_t got, uint64_t want)
{
    rt_printf("%-20s %016lx\n", name, got);
    total = rt_mix(total, got);
    if (got != want) {
        rt_printf("  want %016lx\n", want);
        rt_check_fail(__FILE__, __LINE__, name);
    }
}

static void test_lrsc(void)
{
    uint64_t v, r;
    cell[0] = 0x1111222233334444;
    __asm__ volatile("lr.d %0, (%2)\n\tsc.d %1, %3, (%2)"
                     : "=&r"(v), "=&r"(r) : "r"(cell), "r"(0x5555UL) : "memory");
    show("lr.d", v, 0x1111222233334444);
    show("sc.d ok", r, 0);
    show("sc.d mem", cell[0], 0x5555);
    /* The reservation is gone after a successful SC. */
    __asm__ volatile("sc.d %0, %2, (%1)" : "=&r"(r) : "r"(cell), "r"(0x6666UL) : "memory");
    show("sc.d again", r, 1);
    show("sc.d again mem", cell[0], 0x5555);
    /* SC to an address outside the reservation set fails. */
    far_cell[0] = 7;
    __asm__ volatile("lr.d %0, (%2)\n\tsc.d %1, %4, (%3)"
                     : "=&r"(v), "=&r"(r) : "r"(cell), "r"(far_cell), "r"(8UL) : "memory");
    show("sc.d far", r, 1);
    show("sc.d far mem", far_cell[0], 7);
    /* lr.w sign-extends; sc.w writes 32 bits only. */
    cell[0] = 0xaaaaaaaa80000001;
    __asm__ volatile("lr.w %0, (%2)\n\tsc.w %1, %3, (%2)"
                     : "=&r"(v), "=&r"(r) : "r"(cell), "r"(0x123456789UL) : "memory");
    show("lr.w", v, 0xffffffff80000001);
    show("sc.w ok", r, 0);
    show("sc.w mem", cell[0], 0xaaaaaaaa23456789);
    __asm__ volatile("lr.w.aq %0, (%2)\n\tsc.w.rl %1, %3, (%2)"
                     : "=&r"(v), "=&r"(r) : "r"((char *)cell + 4), "r"(0UL) : "memory");
    show("lr.w.aq hi", v, 0xffffffffaaaaaaaa);
    show("sc.w.rl", r, 0);
    show("sc.w.rl mem", cell[0], 0x0000000023456789);
    /* A classic LR/SC retry loop. */
    cell[0] = 0;
    for (int i = 0; i < 100; i++) {
        __asm__ volatile("1: lr.d.aqrl %0, (%2)\n\taddi %0, %0, 3\n\t"
                         "sc.d.aqrl %1, %0, (%2)\n\tbnez %1, 1b"
                         : "=&r"(v), "=&r"(r) : "r"(cell) : "memory");
    }
    show("lr/sc loop", cell[0], 300);
}

static const uint64_t vals[] = {
    0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
    0x8000000000000000, 0xffffffffffffffff, 0x123456789abcdef0, 0xfffffffe00000005,
};
#define NVALS (sizeof(vals) / sizeof(vals[0]))

#define AMO(op, addr, src) ({ uint64_t _o; __asm__ volatile(op " %0, %2, (%1)" \
        : "=&r"(_o) : "r"(addr), "r"(src) : "memory"); _o; })

static int64_t sx32(uint64_t v) { return (int32_t)(uint32_t)v; }

static uint64_t amo_ref(int k, uint64_t m, uint64_t s, int word)
{
    if (word) {
        uint32_t a = (uint32_t)m, b = (uint32_t)s;
        switch (k) {
        case 0: return b;
        case 1: return a + b;
        case 2: return a ^ b;
        case 3: return a & b;
        case 4: return a | b;
        case 5: return (int32_t)a < (int32_t)b ? a : b;
        case 6: return (int32_t)a > (int32_t)b ? a : b;
        case 7: return a < b ? a : b;
        default: return a > b ? a : b;
        }
    }
    switch (k) {
    case 0: return s;
    case 1: return m + s;
    case 2: return m ^ s;
    case 3: return m & s;
    case 4: return m | s;
    case 5: return (int64_t)m < (int64_t)s ? m : s;
    case 6: return (int64_t)m > (int64_t)s ? m : s;
    case 7: return m < s ? m : s;
    default: return m > s ? m : s;
    }
}

#define AMO_SWEEP(k, opw, opd) do {                                             \
        uint64_t h = 0;                                                         \
        for (unsigned i = 0; i < NVALS; i++)                                    \
            for (unsigned j = 0; j < NVALS; j++) {                              \
                uint64_t m = vals[i], s = vals[j], o;                           \
                /* .w on the upper word: the lower word must stay intact. */    \
                cell[0] = (m << 32) | 0x5a5a5a5a;                               \
                o = AMO(opw, (char *)cell + 4, s);                              \
                if (o != (uint64_t)sx32(m) ||                                   \
                    cell[0] != ((amo_ref(k, m, s, 1) << 32) | 0x5a5a5a5a))      \
                    rt_check_fail(__FILE__, __LINE__, opw);                     \
                h = rt_mix(rt_mix(h, o), cell[0]);                              \
                cell[0] = m;                                                    \
                o = AMO(opd, cell, s);                                          \
                if (o != m || cell[0] != amo_ref(k, m, s, 0))                   \
                    rt_check_fail(__FILE__, __LINE__, opd);                     \
                h = rt_mix(rt_mix(h, o), cell[0]);                              \
            }                                                                   \
        rt_printf("%-20s %016lx\n", opw "/" opd, h);                            \
        total = rt_mix(total, h);                                               \
    } while (0)

static void test_amo(void)
{
    AMO_SWEEP(0, "amoswap.w", "amoswap.d");
    AMO_SWEEP(1, "amoadd.w", "amoadd.d");
    AMO_SWEEP(2, "amoxor.w", "amoxor.d");
    AMO_SWEEP(3, "amoand.w", "amoand.d");
    AMO_SWEEP(4, "amoor.w", "amoor.d");
    AMO_SWEEP(5, "amomin.w", "amomin.d");
    AMO_SWEEP(6, "amomax.w", "amomax.d");
    AMO_SWEEP(7, "amominu.w", "amominu.d");
    AMO_SWEEP(8, "amomaxu.w", "amomaxu.d");
    /* rd = x0 and the ordering bits do not change the memory result. */
    cell[0] = 5;
    __asm__ volatile("amoadd.d.aqrl x0, %1, (%0)" :: "r"(cell), "r"(10UL) : "memory");
    show("amoadd.d x0", cell[0], 15);
}

int main(void)
{
    rt_puts("isa_amo: A extension\n");
    test_lrsc();
    test_amo();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
