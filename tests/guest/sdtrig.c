/*
 * sdtrig: the trigger module (debug spec, Sdtrig) as software without a
 * debugger sees it: tselect, tdata1-3 and tinfo with their legal values,
 * and the breakpoint exceptions of execute, load and store triggers in U,
 * S and M mode, delegated or not.
 *
 * What is printed is what QEMU 7.2 and rrsim both define alike: causes,
 * the mode a trap came from and went to, epc relative to a label, what an
 * instruction that trapped left behind, register read-backs. Not printed
 * or not exercised, because the two differ there (cpu/trig.c says why):
 * tval (QEMU 7.2 writes 0; rrsim the address, checked silently below),
 * M-mode triggers while mstatus.MIE is 0 and S-mode ones while SIE is 0
 * with breakpoints delegated (QEMU 7.2 fires, rrsim holds them back), two
 * triggers on one address, misaligned accesses. No tdata1 write has type 1
 * or 8 to 14: QEMU 7.2 aborts on those.
 *
 * Built with SPEC_STRICT (run on rrsim alone) it checks those cases too,
 * against the spec (test_strict()). Built with SDTRIG_OFF, for a hart with
 * debug=off, it checks that the trigger CSRs are gone.
 */
#include "rt.h"

#define CSR_TSELECT  0x7a0
#define CSR_TDATA1   0x7a1
#define CSR_TDATA2   0x7a2
#define CSR_TDATA3   0x7a3
#define CSR_TINFO    0x7a4
#define CSR_TCONTROL 0x7a5
#define CSR_MCONTEXT 0x7a8

#define MSTATUS_SIE  (1UL << 1)
#define MSTATUS_MIE  (1UL << 3)
#define CAUSE_BREAKPOINT 3

#define T2 (2UL << 60)
#define T6 (6UL << 60)
#define LD_ 1UL
#define ST_ 2UL
#define EX_ 4UL
#define U_  8UL
#define S_  16UL
#define M_  64UL
#define SIZE2(code) ((((uint64_t)(code) & 3) << 16) | (((uint64_t)(code) >> 2) << 21))
#define SIZE6(code) ((uint64_t)(code) << 16)

/* No device of the virt board decodes it (between fw_cfg and the flash). */
#define UNMAPPED 0x18000000UL

static uint64_t total;

static void show(const char *name, uint64_t got, uint64_t want)
{
    rt_printf("%-34s %016lx\n", name, got);
    total = rt_mix(total, got);
    if (got != want) {
        rt_printf("  want %016lx\n", want);
        rt_check_fail(__FILE__, __LINE__, name);
    }
}

/* Only triggers touch this buffer: the trap handlers never do. */
static volatile uint64_t tbuf[16] __attribute__((aligned(128)));

static void trig_set(uint64_t i, uint64_t tdata1, uint64_t tdata2)
{
    csr_write(0x7a0, i);
    /* Disarm first so that no half-written trigger can fire. */
    csr_write(0x7a1, tdata1 & ~(U_ | S_ | M_));
    csr_write(0x7a2, tdata2);
    csr_write(0x7a1, tdata1);
}

static void trig_off(void)
{
    for (uint64_t i = 0; i < 2; i++) {
        csr_write(0x7a0, i);
        csr_write(0x7a1, T2);
    }
}

/* tval is 0 (QEMU 7.2) or the matched address (rrsim). */
static void check_tval(uint64_t want)
{
    CHECK(rt_trap.tval == 0 || rt_trap.tval == want);
}

/* ---- registers ----------------------------------------------------------- */

static uint64_t trapping_csr_read_cause(int which)
{
    rt_expect_trap();
    if (which == 0)
        (void)csr_read(0x7a5);
    else
        (void)csr_read(0x7a8);
    rt_disarm();
    return rt_trap.count ? rt_trap.cause : ~0UL;
}

static uint64_t read_tselect(uint64_t arg)
{
    return csr_read(0x7a0) + arg;
}

static void test_registers(void)
{
    rt_puts("-- registers\n");
    show("tinfo", csr_read(0x7a4), 0x44);
    for (uint64_t i = 0; i < 2; i++) {
        csr_write(0x7a0, i);
        show("tselect", csr_read(0x7a0), i);
        show("  tdata1 at reset", csr_read(0x7a1), T2);
        show("  tdata2 at reset", csr_read(0x7a2), 0);
        show("  tdata3", csr_read(0x7a3), 0);
    }
    static const uint64_t bad_sel[] = { 2, 3, 64, 1UL << 63, ~0UL };
    for (unsigned k = 0; k < sizeof(bad_sel) / sizeof(bad_sel[0]); k++) {
        csr_write(0x7a0, bad_sel[k]);
        show("tselect after a write beyond", csr_read(0x7a0), 1);
    }
    csr_write(0x7a0, 0);

    rt_puts("-- tdata1 writes and what reads back\n");
    static const uint64_t writes[] = {
        T2 | M_ | EX_,
        T2 | U_ | S_ | M_ | LD_ | ST_ | EX_,
        T2 | ~(0xfUL << 60),                        /* every field */
        T2 | (1UL << 59) | M_ | LD_,                /* dmode */
        T2 | (1UL << 12) | (3UL << 7) | M_ | LD_,   /* action 1, match 3 */
        T2 | (1UL << 11) | (1UL << 18) | (1UL << 19) | (1UL << 20) | S_ | ST_,
        T2 | SIZE2(1) | U_ | LD_,
        T2 | SIZE2(2) | U_ | LD_,
        T2 | SIZE2(3) | U_ | LD_,
        T2 | SIZE2(4) | U_ | LD_,                   /* 48 bits: not kept */
        T2 | SIZE2(5) | U_ | LD_,
        T2 | SIZE2(6) | U_ | LD_,
        T2 | SIZE2(15) | U_ | LD_,
        T6 | M_ | EX_,
        T6 | ~(0xfUL << 60),
        T6 | (1UL << 23) | (1UL << 24) | U_ | ST_,  /* vu, vs */
        T6 | (1UL << 20) | (1UL << 21) | (1UL << 22) | M_ | LD_,
        T6 | SIZE6(3) | S_ | EX_,
        T6 | SIZE6(4) | S_ | EX_,
        T6 | SIZE6(5) | S_ | EX_,
        T6 | SIZE6(8) | S_ | EX_,
        0,                                          /* type 0: ignored */
        (3UL << 60) | M_ | EX_,
        (4UL << 60) | M_ | EX_,
        (5UL << 60) | M_ | EX_,
        (7UL << 60) | M_ | EX_,
        (15UL << 60) | M_ | EX_,
        T2,
    };
    for (unsigned k = 0; k < sizeof(writes) / sizeof(writes[0]); k++) {
        csr_write(0x7a1, writes[k]);
        rt_printf("tdata1 <- %016lx  reads %016lx\n", writes[k], csr_read(0x7a1));
        total = rt_mix(total, csr_read(0x7a1));
    }
    csr_write(0x7a2, 0x0123456789abcdefUL);
    show("tdata2 read-back", csr_read(0x7a2), 0x0123456789abcdefUL);
    csr_write(0x7a3, 0x55);
    show("tdata3 after a write", csr_read(0x7a3), 0);
    csr_write(0x7a4, 0);
    show("tinfo after a write", csr_read(0x7a4), 0x44);
    csr_write(0x7a0, 1);
    show("trigger 1 tdata2 untouched", csr_read(0x7a2), 0);
    csr_write(0x7a0, 0);
    csr_write(0x7a2, 0);

    show("tcontrol: illegal", trapping_csr_read_cause(0), 2);
    show("mcontext: illegal", trapping_csr_read_cause(1), 2);
    for (int m = 0; m < 2; m++) {
        rt_expect_trap();
        rt_run_mode(m, read_tselect, 0);
        rt_disarm();
        show(m ? "tselect from S: cause" : "tselect from U: cause", rt_trap.cause, 2);
    }
}

/* ---- execute ------------------------------------------------------------- */

extern char exec_first[], exec_here[];

/* arg + 10101, or arg + 10001 when the instruction at exec_here was
 * skipped by the trap handler (arg + 10100 when the one at exec_first was). */
__attribute__((noinline)) static uint64_t exec_fn(uint64_t arg)
{
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     ".globl exec_first\nexec_first:\n\t"
                     "addi %0, %0, 1\n\t"
                     ".globl exec_here\nexec_here:\n\t"
                     "addi %0, %0, 100\n\t"
                     "li t0, 10000\n\t"
                     "add %0, %0, t0\n\t"
                     ".option pop"
                     : "+r"(arg) :: "t0");
    return arg;
}

static const char *const mode_name[] = { "U", "S", "?", "M" };
static const uint64_t mode_bit[] = { U_, S_, 0, M_ };

/* Run exec_fn in mode m (M with MIE set). */
static uint64_t run_exec(int m, uint64_t arg)
{
    if (m != PRV_M)
        return rt_run_mode(m, exec_fn, arg);
    csr_set(mstatus, MSTATUS_MIE);
    uint64_t r = exec_fn(arg);
    csr_clear(mstatus, MSTATUS_MIE);
    return r;
}

static void test_execute(void)
{
    rt_puts("-- execute triggers\n");
    static const int modes[] = { PRV_U, PRV_S, PRV_M };
    for (int t = 0; t < 2; t++) {
        for (int k = 0; k < 3; k++) {
            int m = modes[k];
            rt_printf("type %d, trigger %d, %s mode\n", t ? 6 : 2, t, mode_name[m]);
            trig_set((uint64_t)t, (t ? T6 : T2) | mode_bit[m] | EX_, (uint64_t)exec_here);
            rt_expect_trap();
            uint64_t r = run_exec(m, 5);
            rt_disarm();
            show("  result (the addi skipped)", r, 10006);
            show("  cause", rt_trap.cause, CAUSE_BREAKPOINT);
            show("  from", rt_trap.from, (uint64_t)m);
            show("  to", rt_trap.to, PRV_M);
            show("  epc - exec_here", rt_trap.epc - (uint64_t)exec_here, 0);
            check_tval((uint64_t)exec_here);
            /* The other modes' bits only: nothing. */
            trig_set((uint64_t)t, (t ? T6 : T2) | ((U_ | S_ | M_) & ~mode_bit[m]) | EX_,
                     (uint64_t)exec_here);
            rt_expect_trap();
            r = run_exec(m, 5);
            rt_disarm();
            show("  other modes: result", r, 10106);
            show("  other modes: traps", rt_trap.count, 0);
            trig_off();
        }
    }
    /* Disarmed by clearing the mode bits; a write of 0 changes nothing. */
    trig_set(0, T2 | M_ | EX_, (uint64_t)exec_here);
    csr_write(0x7a1, 0);
    rt_expect_trap();
    uint64_t r = run_exec(PRV_M, 1);
    rt_disarm();
    show("tdata1 <- 0: still fires", rt_trap.count, 1);
    show("  result", r, 10002);
    csr_write(0x7a1, T2 | EX_);
    rt_expect_trap();
    r = run_exec(PRV_M, 1);
    rt_disarm();
    show("no mode bits: no trap", rt_trap.count, 0);
    show("  result", r, 10102);
    trig_off();
}

/* The execute breakpoint comes before the fetch, and its access fault. */
static int unmapped_hook(RtFrame *f, int to)
{
    rt_trap.count++;
    rt_trap.cause = f->cause;
    rt_trap.epc = f->epc;
    rt_trap.tval = f->tval;
    rt_trap.to = (uint64_t)to;
    f->epc = f->x[1];       /* back to the caller */
    return 1;
}

static void test_execute_unmapped(void)
{
    rt_puts("-- execute trigger on an address nothing decodes\n");
    void (*fn)(void) = (void (*)(void))UNMAPPED;
    rt_exc_hook = unmapped_hook;
    for (int armed = 0; armed < 2; armed++) {
        if (armed)
            trig_set(1, T6 | M_ | EX_, UNMAPPED);
        rt_trap.count = 0;
        csr_set(mstatus, MSTATUS_MIE);
        fn();
        csr_clear(mstatus, MSTATUS_MIE);
        show(armed ? "  armed: cause" : "  unarmed: cause", rt_trap.cause,
             armed ? CAUSE_BREAKPOINT : 1);
        show("  epc", rt_trap.epc, UNMAPPED);
        show("  traps", rt_trap.count, 1);
    }
    rt_exc_hook = 0;
    trig_off();
}

/* ---- loads and stores ------------------------------------------------------ */

/* Each access runs at a label, with 77 in the register it stores or
 * loads into (so a load that trapped leaves 77 there). */
#define ACCESS(name, insn)                                                     \
    __attribute__((noinline)) static uint64_t name(uint64_t addr)             \
    {                                                                          \
        uint64_t v = 0x1234, l;                                                \
        __asm__ volatile(".option push\n\t.option norvc\n\t"                   \
                         "la %1, 1f\n\tli %0, 77\n"                            \
                         "1:\t" insn "\n\t.option pop"                         \
                         : "+&r"(v), "=&r"(l) : "r"(addr) : "memory");         \
        last_label = l;                                                        \
        return v;                                                              \
    }
static volatile uint64_t last_label;
ACCESS(do_ld, "ld %0, 0(%2)")
ACCESS(do_lw, "lw %0, 0(%2)")
ACCESS(do_lb, "lb %0, 0(%2)")
ACCESS(do_sd, "sd %0, 0(%2)")
ACCESS(do_sb, "sb %0, 0(%2)")
ACCESS(do_amoadd, "amoadd.d %0, %0, (%2)")
ACCESS(do_amoswap_w, "amoswap.w %0, %0, (%2)")
ACCESS(do_lr, "lr.d %0, (%2)")
ACCESS(do_lrsc, "lr.d %0, (%2)\n\tsc.d %0, %0, (%2)")

typedef uint64_t (*AccessFn)(uint64_t);

static uint64_t run_access(int m, AccessFn fn, uint64_t addr)
{
    if (m != PRV_M)
        return rt_run_mode(m, fn, addr);
    csr_set(mstatus, MSTATUS_MIE);
    uint64_t r = fn(addr);
    csr_clear(mstatus, MSTATUS_MIE);
    return r;
}

/* One access; prints whether it trapped (and its epc matched the label). */
static uint64_t access(const char *what, int m, AccessFn fn, uint64_t addr, uint64_t tval)
{
    rt_expect_trap();
    uint64_t r = run_access(m, fn, addr);
    rt_disarm();
    rt_printf("  %-32s %s", what, rt_trap.count ? "trap" : "no trap");
    total = rt_mix(total, rt_trap.count);
    if (rt_trap.count) {
        rt_printf(" cause %lu from %lu epc-label %lu", rt_trap.cause, rt_trap.from,
                  rt_trap.epc - last_label);
        total = rt_mix(total, rt_trap.cause);
        if (rt_trap.cause == CAUSE_BREAKPOINT)
            check_tval(tval);
    }
    rt_printf(" value %lx\n", r);
    total = rt_mix(total, r);
    return r;
}

static void test_load_store(void)
{
    rt_puts("-- load and store triggers\n");
    static const int modes[] = { PRV_U, PRV_S, PRV_M };
    const uint64_t a = (uint64_t)&tbuf[2];
    for (int t = 0; t < 2; t++) {
        for (int k = 0; k < 3; k++) {
            int m = modes[k];
            uint64_t type = t ? T6 : T2;
            rt_printf("type %d, trigger %d, %s mode\n", t ? 6 : 2, t, mode_name[m]);
            /* This code only touches tbuf while no trigger watches it:
             * QEMU 7.2 would fire on it (MIE = 0 here). */
            tbuf[2] = 0xabcd;
            trig_set((uint64_t)t, type | mode_bit[m] | LD_, a);
            access("load, load trigger", m, do_ld, a, a);
            access("store, load trigger", m, do_sd, a, a);
            trig_off();
            show("  memory", tbuf[2], 77);
            tbuf[2] = 0xabcd;
            trig_set((uint64_t)t, type | mode_bit[m] | ST_, a);
            access("store, store trigger", m, do_sd, a, a);
            access("load, store trigger", m, do_ld, a, a);
            trig_off();
            show("  memory", tbuf[2], 0xabcd);
            trig_set((uint64_t)t, type | ((U_ | S_ | M_) & ~mode_bit[m]) | LD_ | ST_, a);
            access("load, other modes", m, do_ld, a, a);
            access("store, other modes", m, do_sd, a, a);
            trig_off();
        }
    }
}

/* The watched range: XLEN/8 bytes for size "any", else QEMU 7.2's length
 * for the size code. */
static void test_ranges(void)
{
    rt_puts("-- watched ranges\n");
    const uint64_t w = (uint64_t)&tbuf[4];
    static const struct { uint64_t tdata1; const char *name; } trig[] = {
        { T2 | M_ | LD_, "size any" },
        { T2 | M_ | LD_ | SIZE2(1), "size 8 bits" },
        { T2 | M_ | LD_ | SIZE2(2), "size 16 bits" },
        { T2 | M_ | LD_ | SIZE2(3), "size 32 bits" },
        { T2 | M_ | LD_ | SIZE2(5), "size 64 bits" },
        { T6 | M_ | LD_ | SIZE6(3), "mcontrol6 size 32 bits" },
        { T6 | M_ | LD_ | SIZE6(5), "mcontrol6 size 64 bits" },
    };
    for (unsigned k = 0; k < sizeof(trig) / sizeof(trig[0]); k++) {
        rt_printf("%s\n", trig[k].name);
        trig_set(0, trig[k].tdata1, w);
        for (int off = -1; off <= 8; off++)
            access(off < 0 ? "lb before" : "lb", PRV_M, do_lb, w + (uint64_t)off, w + (uint64_t)off);
        access("ld below", PRV_M, do_ld, w - 8, w);
        access("lw at", PRV_M, do_lw, w, w);
        access("lw after", PRV_M, do_lw, w + 4, w + 4);
        access("ld at", PRV_M, do_ld, w, w);
    }
    rt_puts("store, size any\n");
    trig_set(0, T2 | M_ | ST_, w);
    for (int off = -1; off <= 8; off++)
        access("sb", PRV_M, do_sb, w + (uint64_t)off, w + (uint64_t)off);
    trig_off();
}

static void test_atomics(void)
{
    rt_puts("-- AMOs, LR and SC\n");
    const uint64_t a = (uint64_t)&tbuf[8];
    static const struct { uint64_t tdata1; const char *name; } trig[] = {
        { T2 | M_ | LD_, "load trigger" },
        { T2 | M_ | ST_, "store trigger" },
    };
    for (int k = 0; k < 2; k++) {
        rt_printf("%s\n", trig[k].name);
        tbuf[8] = 100;
        trig_set(0, trig[k].tdata1, a);
        access("amoadd.d", PRV_M, do_amoadd, a, a);
        access("amoswap.w", PRV_M, do_amoswap_w, a, a);
        access("lr.d", PRV_M, do_lr, a, a);
        /* SC right after its LR (the reservation holds): a store. */
        if (k == 1)
            access("lr.d; sc.d", PRV_M, do_lrsc, a, a);
        trig_off();
        show("  memory", tbuf[8], 100);
    }
}

/* The load/store breakpoint comes before the access fault. */
static void test_unmapped_access(void)
{
    rt_puts("-- accesses to an address nothing decodes\n");
    access("load, unarmed", PRV_M, do_ld, UNMAPPED, 0);
    access("store, unarmed", PRV_M, do_sd, UNMAPPED, 0);
    trig_set(1, T2 | M_ | LD_ | ST_, UNMAPPED);
    access("load, armed", PRV_M, do_ld, UNMAPPED, UNMAPPED);
    access("store, armed", PRV_M, do_sd, UNMAPPED, UNMAPPED);
    trig_off();
}

/* ---- delegation and two triggers ------------------------------------------- */

static uint64_t s_exec_sie(uint64_t arg)
{
    csr_set(sstatus, MSTATUS_SIE);
    uint64_t r = exec_fn(arg);
    csr_clear(sstatus, MSTATUS_SIE);
    return r;
}

static void test_delegated(void)
{
    rt_puts("-- breakpoints delegated to S\n");
    csr_write(stvec, rt_trap_entry_s);
    csr_write(medeleg, 1UL << CAUSE_BREAKPOINT);
    trig_set(0, T6 | U_ | S_ | EX_, (uint64_t)exec_here);
    rt_expect_trap();
    uint64_t r = rt_run_mode(PRV_U, exec_fn, 0);
    rt_disarm();
    show("U: result", r, 10001);
    show("U: handled in", rt_trap.to, PRV_S);
    show("U: from", rt_trap.from, PRV_U);
    show("U: epc - exec_here", rt_trap.epc - (uint64_t)exec_here, 0);
    check_tval((uint64_t)exec_here);
    rt_expect_trap();
    r = rt_run_mode(PRV_S, s_exec_sie, 0);
    rt_disarm();
    show("S with SIE: result", r, 10001);
    show("S with SIE: handled in", rt_trap.to, PRV_S);
    show("S with SIE: from", rt_trap.from, PRV_S);
    /* M-mode triggers are never delegated. */
    trig_set(0, T6 | M_ | EX_, (uint64_t)exec_here);
    rt_expect_trap();
    r = run_exec(PRV_M, 0);
    rt_disarm();
    show("M: handled in", rt_trap.to, PRV_M);
    csr_write(medeleg, 0);
    trig_off();
}

static void test_two_triggers(void)
{
    rt_puts("-- two triggers\n");
    const uint64_t a = (uint64_t)&tbuf[12], b = (uint64_t)&tbuf[14];
    trig_set(0, T2 | M_ | LD_, a);
    trig_set(1, T6 | M_ | ST_, b);
    access("load a", PRV_M, do_ld, a, a);
    access("store a", PRV_M, do_sd, a, a);
    access("load b", PRV_M, do_ld, b, b);
    access("store b", PRV_M, do_sd, b, b);
    csr_write(0x7a0, 0);
    csr_write(0x7a1, T2 | LD_);
    access("load a, trigger 0 off", PRV_M, do_ld, a, a);
    access("store b, trigger 1 on", PRV_M, do_sd, b, b);
    trig_off();
}

/* A loop that arms an execute trigger inside itself on its second round,
 * once every block of it has run: the trigger fires at the next pass. */
static void test_armed_in_loop(void)
{
    rt_puts("-- armed from inside a loop\n");
    extern char loop_here[];
    uint64_t inner = 0, hits = 0, outer = 0;
    trig_set(0, T6 | EX_, 0);
    csr_write(0x7a2, (uint64_t)loop_here);
    csr_set(mstatus, MSTATUS_MIE);
    rt_expect_trap();
    __asm__ volatile(".option push\n\t.option norvc\n\t"
                     "li t1, " "0x6000000000000004" "\n"    /* T6 | EX_: disarmed */
                     "1:\tli t2, 0\n"
                     "2:\taddi t2, t2, 1\n"
                     ".globl loop_here\nloop_here:\n\t"
                     "addi %1, %1, 1\n\t"
                     "li t3, 5\n\t"
                     "bne t2, t3, 2b\n\t"
                     "csrw 0x7a1, t1\n\t"
                     "ori t1, t1, 64\n\t"                  /* armed from the next round on */
                     "addi %2, %2, 1\n\t"
                     "li t3, 4\n\t"
                     "bne %2, t3, 1b\n\t"
                     "addi %0, t2, 0\n\t"
                     ".option pop"
                     : "+&r"(inner), "+&r"(hits), "+&r"(outer) :: "t1", "t2", "t3", "memory");
    rt_disarm();
    csr_clear(mstatus, MSTATUS_MIE);
    show("traps", rt_trap.count, 10);
    show("loop_here executed", hits, 10);
    show("rounds", outer, 4);
    trig_off();
}

#ifdef SPEC_STRICT
/* Where QEMU 7.2 departs from the spec (cpu/trig.c has the list). */
static void test_strict(void)
{
    rt_puts("-- the spec where QEMU 7.2 departs from it\n");
    const uint64_t a = (uint64_t)&tbuf[2];
    /* tval is the matched address: the pc, or the lowest accessed byte in
     * the watched range (QEMU 7.2: 0). */
    trig_set(0, T2 | M_ | EX_, (uint64_t)exec_here);
    rt_expect_trap();
    run_exec(PRV_M, 0);
    rt_disarm();
    show("execute: tval - exec_here", rt_trap.tval - (uint64_t)exec_here, 0);
    trig_set(0, T6 | U_ | LD_, a);
    access("lb inside, from U", PRV_U, do_lb, a + 3, a + 3);
    show("  tval - address", rt_trap.tval - a, 3);
    access("ld across the start, from U", PRV_U, do_ld, a - 4, a);
    show("  tval - address", rt_trap.tval - a, 0);
    /* M-mode triggers wait for mstatus.MIE (QEMU 7.2 fires without it). */
    trig_set(0, T2 | M_ | EX_ | LD_, (uint64_t)exec_here);
    rt_expect_trap();
    uint64_t r = exec_fn(0);
    rt_disarm();
    show("M, MIE = 0: execute traps", rt_trap.count, 0);
    show("  result", r, 10101);
    trig_set(0, T2 | M_ | LD_ | ST_, a);
    rt_expect_trap();
    r = do_ld(a);
    rt_disarm();
    show("M, MIE = 0: load traps", rt_trap.count, 0);
    trig_off();
    /* Delegated to S, S-mode triggers wait for sstatus.SIE. */
    csr_write(stvec, rt_trap_entry_s);
    csr_write(medeleg, 1UL << CAUSE_BREAKPOINT);
    trig_set(1, T6 | S_ | EX_, (uint64_t)exec_here);
    rt_expect_trap();
    r = rt_run_mode(PRV_S, exec_fn, 0);
    rt_disarm();
    show("S, SIE = 0, delegated: traps", rt_trap.count, 0);
    show("  result", r, 10101);
    csr_write(medeleg, 0);
    rt_expect_trap();
    r = rt_run_mode(PRV_S, exec_fn, 0);
    rt_disarm();
    show("S, SIE = 0, not delegated: traps", rt_trap.count, 1);
    show("  handled in", rt_trap.to, PRV_M);
    /* Each trigger fires on its own conditions: trigger 1 (S only) does not
     * fire in M because trigger 0 (M) fired in the same function (QEMU 7.2
     * takes it twice). */
    trig_set(0, T2 | M_ | EX_, (uint64_t)exec_first);
    rt_expect_trap();
    r = run_exec(PRV_M, 0);
    rt_disarm();
    show("two triggers: traps", rt_trap.count, 1);
    show("  epc - exec_first", rt_trap.epc - (uint64_t)exec_first, 0);
    show("  result", r, 10100);
    trig_off();
}
#endif

#ifdef SDTRIG_OFF
#define CSR_CAUSE(op) ({ rt_expect_trap(); op; rt_disarm(); rt_trap.count ? rt_trap.cause : ~0UL; })

/* A hart without Sdtrig has none of the trigger CSRs. */
static void test_absent(void)
{
    rt_puts("-- debug=off: the trigger CSRs do not exist\n");
    show("csrr tselect", CSR_CAUSE((void)csr_read(0x7a0)), 2);
    show("csrr tdata1", CSR_CAUSE((void)csr_read(0x7a1)), 2);
    show("csrr tdata2", CSR_CAUSE((void)csr_read(0x7a2)), 2);
    show("csrr tdata3", CSR_CAUSE((void)csr_read(0x7a3)), 2);
    show("csrr tinfo", CSR_CAUSE((void)csr_read(0x7a4)), 2);
    show("csrw tselect", CSR_CAUSE(csr_write(0x7a0, 0)), 2);
    show("csrw tdata1", CSR_CAUSE(csr_write(0x7a1, T2 | M_ | EX_)), 2);
    show("csrw tdata2", CSR_CAUSE(csr_write(0x7a2, 0)), 2);
    show("csrw tinfo", CSR_CAUSE(csr_write(0x7a4, 0)), 2);
}
#endif

int main(void)
{
    rt_puts("sdtrig: trigger module\n");
#ifdef SDTRIG_OFF
    test_absent();
    rt_printf("checksum %016lx\n", total);
    return rt_result();
#endif
    test_registers();
    test_execute();
    test_execute_unmapped();
    test_load_store();
    test_ranges();
    test_atomics();
    test_unmapped_access();
    test_delegated();
    test_two_triggers();
    test_armed_in_loop();
#ifdef SPEC_STRICT
    test_strict();
#endif
    rt_printf("checksum %016lx\n", total);
    return rt_result();
}
