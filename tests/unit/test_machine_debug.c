/* Debug stops through the real run loop: a breakpoint reached exactly where
 * machine_run() slices execution still stops the machine, and
 * machine_last_debug_exit() says which kind of debug stop ended a run. */
#include "test_hw_util.h"

#include "cpu_test_util.h"      /* instruction encoders */
#include "hw/machine.h"

#define ENTRY      0x80000000ull
#define LOOP_BP    (ENTRY + 8)      /* addi x1, x1, 1 */
#define AFTER_SD   (ENTRY + 16)     /* jal back to LOOP_BP */
#define DATA       (ENTRY + 0x1000)
#define BOOT_STEPS 6                /* reset vector instructions before ENTRY */

typedef TestMachineFiles Fixture;

static int setup(void **state)
{
    return test_machine_files_setup(state, "debug_");
}

static int teardown(void **state)
{
    return test_machine_files_teardown(state);
}

static Machine *boot(Fixture *f)
{
    const uint32_t guest[] = {
        AUIPC(5, 1),        /* x5 = DATA */
        ADDI(1, 0, 0),
        ADDI(1, 1, 1),      /* LOOP_BP */
        SD(1, 5, 0),        /* the watched store */
        JAL(0, -8),         /* AFTER_SD */
    };
    TestSeg s = { ENTRY, guest, sizeof(guest), sizeof(guest) };
    test_write_elf(f->elf, 243, 2, ENTRY, &s, 1);
    MachineOptions o;
    machine_options_init(&o);
    o.bios = "none";
    o.kernel = f->elf;
    o.serial = f->serial;
    o.no_signals = true;
    Error *err = NULL;
    Machine *m = machine_new(&o, &err);
    assert_null(err);
    assert_non_null(m);
    return m;
}

static MachineDebugExit run_debug(Machine *m)
{
    MachineStop why;
    Error *err = NULL;
    assert_true(machine_run(m, &why, &err));
    assert_int_equal(why, MACHINE_STOP_DEBUG);
    return machine_last_debug_exit(m);
}

static void test_debug_exits(void **state)
{
    Machine *m = boot(*state);
    assert_int_equal(machine_last_debug_exit(m), MACHINE_DEBUG_NONE);
    assert_true(hart_breakpoint_insert(m->hart, LOOP_BP));

    /* A slice ends exactly on the breakpoint (here stop_at; a timer
     * deadline, a journal event or MACHINE_MAX_SLICE alike). */
    uint64_t at_bp = BOOT_STEPS + 2;
    machine_set_stop_at(m, at_bp);
    assert_int_equal(run_debug(m), MACHINE_DEBUG_STOP_AT);
    assert_int_equal(machine_icount(m), at_bp);
    assert_int_equal(hart_get_pc(m->hart), LOOP_BP);
    machine_set_stop_at(m, UINT64_MAX);
    /* The next run starts on it and must stop before executing it. */
    assert_int_equal(run_debug(m), MACHINE_DEBUG_BREAKPOINT);
    assert_int_equal(machine_icount(m), at_bp);
    assert_int_equal(hart_get_xreg(m->hart, 1), 0);

    /* Resuming from the breakpoint: one pass round the loop. */
    hart_breakpoint_skip_once(m->hart);
    assert_int_equal(run_debug(m), MACHINE_DEBUG_BREAKPOINT);
    assert_int_equal(machine_icount(m), at_bp + 3);
    assert_int_equal(hart_get_xreg(m->hart, 1), 1);

    /* A watchpoint stops before the store; resumed with its skip, the
     * store is made and the run goes on to the breakpoint after it. */
    assert_true(hart_breakpoint_insert(m->hart, AFTER_SD));
    assert_true(hart_watchpoint_insert(m->hart, DATA, 8, WATCH_WRITE));
    hart_breakpoint_skip_once(m->hart);
    assert_int_equal(run_debug(m), MACHINE_DEBUG_WATCHPOINT);
    assert_int_equal(hart_watch_hit_addr(m->hart), DATA);
    assert_int_equal(hart_get_pc(m->hart), AFTER_SD - 4);
    assert_int_equal(machine_icount(m), at_bp + 4);
    hart_watchpoint_skip_once(m->hart);
    uint64_t after_sd = at_bp + 5;
    assert_int_equal(run_debug(m), MACHINE_DEBUG_BREAKPOINT);
    assert_int_equal(machine_icount(m), after_sd);
    assert_int_equal(hart_get_pc(m->hart), AFTER_SD);

    /* A stop request wins before anything runs. */
    hart_breakpoint_skip_once(m->hart);
    loop_request_debug_stop(m->loop);
    assert_int_equal(run_debug(m), MACHINE_DEBUG_REQUEST);
    assert_int_equal(machine_icount(m), after_sd);
    /* ... and the skip armed before it still applies afterwards. */
    assert_int_equal(run_debug(m), MACHINE_DEBUG_BREAKPOINT);
    assert_int_equal(machine_icount(m), after_sd + 1);
    assert_int_equal(hart_get_pc(m->hart), LOOP_BP);
    machine_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_debug_exits, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
