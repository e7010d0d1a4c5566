/* Tests for the schedule of several harts (hw/machine.c, MachineSched) with
 * the smpsched guest (tests/guest/smpsched.c): the machine is stepped one
 * step at a time and the hart each step ran on is recorded, so the order,
 * the quantum, the WFI skip, the end of a turn at an IPI, the LR/SC grace
 * and the reservation a switch ends are all checked step by step. Also the
 * per-hart CLINT and PLIC registers through the machine's bus. */
#include "test_hw_util.h"

#include "hw/machine.h"

#define STEPS 1200

typedef struct Trace {
    int hart[STEPS];     /* the hart that ran step i (global steps from 0) */
    uint64_t icount[MACHINE_MAX_HARTS];
} Trace;

static Machine *boot(int smp, uint64_t quantum)
{
    MachineOptions o;
    machine_options_init(&o);
    o.bios = "none";
    o.kernel = SMPSCHED_ELF;
    o.serial = "null";
    o.no_signals = true;
    o.smp = smp;
    o.icount.quantum = quantum;
    Error *err = NULL;
    Machine *m = machine_new(&o, &err);
    if (!m) {
        fprintf(stderr, "machine_new: %s\n", error_get_message(err));
    }
    assert_non_null(m);
    return m;
}

/* Step the machine n times, one global step each, noting which hart ran. */
static void trace(Machine *m, Trace *t, int n)
{
    for (int i = 0; i < m->nharts; i++) {
        t->icount[i] = hart_icount(m->harts[i]);
    }
    for (int s = 0; s < n; s++) {
        machine_set_stop_at(m, machine_icount(m) + 1);
        MachineStop why;
        Error *err = NULL;
        assert_true(machine_run(m, &why, &err));
        assert_int_equal(why, MACHINE_STOP_DEBUG);
        int ran = -1;
        for (int i = 0; i < m->nharts; i++) {
            uint64_t now = hart_icount(m->harts[i]);
            if (now != t->icount[i]) {
                assert_int_equal(now, t->icount[i] + 1);
                assert_int_equal(ran, -1);
                ran = i;
                t->icount[i] = now;
            }
        }
        assert_true(ran >= 0);
        t->hart[s] = ran;
    }
}

/* The turns of a trace: hart and length of each run of equal entries. */
static int turns(const Trace *t, int n, int *hart, int *len, int max)
{
    int k = 0;
    for (int s = 0; s < n; s++) {
        if (s == 0 || t->hart[s] != t->hart[s - 1]) {
            assert_true(k < max);
            hart[k] = t->hart[s];
            len[k++] = 0;
        }
        len[k - 1]++;
    }
    return k;
}

static void test_order_quantum_wfi_ipi(void **state)
{
    (void)state;
    Machine *m = boot(4, 100);
    static Trace t;
    trace(m, &t, STEPS);
    int hart[64], len[64];
    int k = turns(&t, STEPS, hart, len, 64);

    /* Turn 1: hart 0 for a whole quantum (both its LR/SC pairs are inside:
     * steps 11 to 13 and 14 to 95, so no grace is due). */
    assert_int_equal(hart[0], 0);
    assert_int_equal(len[0], 100);
    assert_int_equal(hart_get_xreg(m->harts[0], 18), 0);     /* s2: succeeded */
    assert_int_equal(hart_get_xreg(m->harts[0], 19), 0);     /* s3: succeeded */
    /* Turn 2: hart 1, up to its WFI (6 ROM steps, 4 dispatch steps, wfi). */
    assert_int_equal(hart[1], 1);
    assert_int_equal(len[1], 6 + 4 + 1);
    assert_true(hart_in_wfi(m->harts[1]));
    /* Turn 3: hart 2 until its store to hart 3's msip, then hart 3 at once. */
    assert_int_equal(hart[2], 2);
    assert_int_equal(len[2], 6 + 6 + 2 + 1 + 1);   /* ROM, dispatch, li (2), li, sw */
    /* Turn 4: hart 3, whose WFI finds the IPI pending: a whole quantum. */
    assert_int_equal(hart[3], 3);
    assert_int_equal(len[3], 100);
    /* From then on: 0, 2, 3 in turn, hart 1 skipped for good. */
    for (int i = 4; i < k - 1; i++) {
        static const int order[3] = { 0, 2, 3 };
        assert_int_equal(hart[i], order[(i - 4) % 3]);
        assert_int_equal(len[i], 100);
    }
    assert_int_equal(hart_icount(m->harts[1]), 11);
    /* The step count is the sum of the harts'. */
    uint64_t sum = 0;
    for (int i = 0; i < 4; i++) {
        sum += hart_icount(m->harts[i]);
    }
    assert_int_equal(machine_icount(m), sum);
    machine_free(m);
}

static void test_lr_sc_grace_and_switch(void **state)
{
    (void)state;
    /* quantum 11: hart 0's first LR is the last step of its turn. Three
     * harts, so that another one (hart 2) runs between hart 0's turns. */
    Machine *m = boot(3, 11);
    static Trace t;
    trace(m, &t, 600);
    int hart[128], len[128];
    int k = turns(&t, 600, hart, len, 128);
    /* The turn stretched by the two steps to the SC, which succeeded. */
    assert_int_equal(hart[0], 0);
    assert_int_equal(len[0], 11 + 2);
    assert_int_equal(hart[1], 1);
    assert_int_equal(hart[2], 2);
    /* The second LR opens hart 0's second turn, and 80 nops follow: the
     * turn goes on for the grace, then ends, hart 2 runs, and the SC of
     * hart 0's next turn fails. Every other turn is one quantum. */
    int stretched = 0;
    for (int i = 1; i < k - 1; i++) {
        if (len[i] != 11 && hart[i] != 1) {
            assert_int_equal(hart[i], 0);
            assert_int_equal(len[i], 11 + MACHINE_LR_GRACE);
            stretched++;
        }
    }
    assert_int_equal(stretched, 1);
    assert_int_equal(hart_get_xreg(m->harts[0], 18), 0);     /* s2: succeeded */
    assert_int_equal(hart_get_xreg(m->harts[0], 19), 1);     /* s3: failed */
    machine_free(m);
}

static void test_alone_keeps_its_turn(void **state)
{
    (void)state;
    /* Two harts: once hart 1 waits for good, hart 0 runs alone, in one
     * turn that never counts down (and slices as long as one hart's). */
    Machine *m = boot(2, 100);
    static Trace t;
    trace(m, &t, 600);
    int hart[8], len[8];
    int k = turns(&t, 600, hart, len, 8);
    assert_int_equal(k, 3);
    assert_int_equal(hart[0], 0);
    assert_int_equal(len[0], 100);
    assert_int_equal(hart[1], 1);
    assert_int_equal(len[1], 11);
    assert_int_equal(hart[2], 0);
    assert_int_equal(len[2], 600 - 111);
    assert_int_equal(m->sched.cur, 0);
    assert_int_equal(m->sched.left, 100);
    machine_set_stop_at(m, 5000000);
    MachineStop why;
    assert_true(machine_run(m, &why, NULL));
    assert_int_equal(hart_icount(m->harts[1]), 11);
    assert_int_equal(m->sched.left, 100);
    machine_free(m);
}

static void test_one_hart_unchanged(void **state)
{
    (void)state;
    /* One hart: no schedule state in the registry, the step count is the
     * hart's, and no quantum slices anything. */
    Machine *m = boot(1, 7);
    assert_int_equal(m->nharts, 1);
    for (size_t i = 0; i < m->vms.n; i++) {
        assert_string_not_equal(m->vms.entries[i].instance, "smp");
        assert_string_not_equal(m->vms.entries[i].instance, "hart1");
    }
    machine_set_stop_at(m, 1000);
    MachineStop why;
    assert_true(machine_run(m, &why, NULL));
    assert_int_equal(machine_icount(m), 1000);
    assert_int_equal(hart_icount(m->hart), 1000);
    machine_free(m);
}

static uint64_t bus_rd(Machine *m, uint64_t addr)
{
    uint64_t v = 0;
    assert_int_equal(mem_read(&m->as, addr, 4, &v), MEM_OK);
    return v;
}

static void bus_wr(Machine *m, uint64_t addr, uint64_t v)
{
    assert_int_equal(mem_write(&m->as, addr, 4, v), MEM_OK);
}

static uint64_t mip(Machine *m, int hart)
{
    uint64_t v = 0;
    assert_true(hart_read_reg(m->harts[hart], 65 + 0x344, &v));
    return v;
}

static void test_per_hart_clint_and_plic(void **state)
{
    (void)state;
    Machine *m = boot(3, 100);
    /* msip at +4 * hart drives that hart's MSIP only. */
    bus_wr(m, VIRT_CLINT_BASE + 4 * 2, 1);
    assert_int_equal(bus_rd(m, VIRT_CLINT_BASE + 4 * 2), 1);
    assert_int_equal(mip(m, 2) & MIP_MSIP, MIP_MSIP);
    assert_int_equal(mip(m, 0) & MIP_MSIP, 0);
    assert_int_equal(mip(m, 1) & MIP_MSIP, 0);
    bus_wr(m, VIRT_CLINT_BASE + 4 * 2, 0);
    assert_int_equal(mip(m, 2) & MIP_MSIP, 0);
    /* No fourth hart: its msip reads 0 and ignores writes. */
    bus_wr(m, VIRT_CLINT_BASE + 4 * 3, 1);
    assert_int_equal(bus_rd(m, VIRT_CLINT_BASE + 4 * 3), 0);
    /* mtimecmp at +0x4000 + 8 * hart: 0 is due at once for that hart only. */
    bus_wr(m, VIRT_CLINT_BASE + 0x4000 + 8 * 1, 0);
    bus_wr(m, VIRT_CLINT_BASE + 0x4000 + 8 * 1 + 4, 0);
    assert_int_equal(mip(m, 1) & MIP_MTIP, MIP_MTIP);
    assert_int_equal(mip(m, 0) & MIP_MTIP, 0);
    assert_int_equal(mip(m, 2) & MIP_MTIP, 0);
    assert_int_equal(bus_rd(m, VIRT_CLINT_BASE + 0x4000 + 8 * 0), 0xffffffffu);

    /* PLIC: the UART's source enabled for context 5 (hart 2, S mode) with
     * priority 1 raises hart 2's SEIP alone, and context 5 claims it. */
    bus_wr(m, VIRT_PLIC_BASE + 4 * VIRT_UART0_IRQ, 1);
    bus_wr(m, VIRT_PLIC_BASE + 0x2000 + 0x80 * 5, 1u << VIRT_UART0_IRQ);
    assert_int_equal(mem_write(&m->as, VIRT_UART0_BASE + 1, 1, 2), MEM_OK);  /* IER: THRE */
    assert_int_equal(mip(m, 2) & MIP_SEIP, MIP_SEIP);
    for (int h = 0; h < 2; h++) {
        assert_int_equal(mip(m, h) & (MIP_SEIP | MIP_MEIP), 0);
    }
    assert_int_equal(mip(m, 2) & MIP_MEIP, 0);
    assert_int_equal(bus_rd(m, VIRT_PLIC_BASE + 0x200000 + 0x1000 * 4 + 4), 0);
    assert_int_equal(bus_rd(m, VIRT_PLIC_BASE + 0x200000 + 0x1000 * 5 + 4), VIRT_UART0_IRQ);
    assert_int_equal(mip(m, 2) & MIP_SEIP, 0);
    /* Contexts past the last hart's do not exist. */
    bus_wr(m, VIRT_PLIC_BASE + 0x2000 + 0x80 * 6, ~0u);
    assert_int_equal(bus_rd(m, VIRT_PLIC_BASE + 0x2000 + 0x80 * 6), 0);
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_quantum_wfi_ipi),
        cmocka_unit_test(test_lr_sc_grace_and_switch),
        cmocka_unit_test(test_alone_keeps_its_turn),
        cmocka_unit_test(test_one_hart_unchanged),
        cmocka_unit_test(test_per_hart_clint_and_plic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
