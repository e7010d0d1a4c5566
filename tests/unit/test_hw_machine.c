/* Tests for hw/machine: boot a tiny bare-metal guest through the real run
 * loop (reset vector, UART output, sifive_test exit code, WFI warp to a CLINT
 * deadline, hang detection, reset, state digests). */
#include "test_hw_util.h"

#include "hw/machine.h"

/* Hand-assembled (riscv64-unknown-elf-as, rv64ima_zicsr) at 0x80000000:
 *   +0x00 ok:     print "OK" on the UART, then fail with code 42 through sifive_test
 *   +0x28 hang:   wfi; j hang (no interrupt enabled, no timer)
 *   +0x30 timer:  mtvec = handler; mtimecmp = 100000; MTIE; MIE; wfi loop
 *   +0x60 handler: sifive_test pass */
static const uint32_t guest[] = {
    0x10000337, 0x04f00393, 0x00730023, 0x04b00393, 0x00730023, 0x001002b7, 0x002a3e37,
    0x333e0e13, 0x01c2a023, 0x0000006f,
    0x10500073, 0xffdff06f,
    0x00000297, 0x03028293, 0x30529073, 0x02004337, 0x000183b7, 0x6a038393, 0x00733023,
    0x08000293, 0x30429073, 0x30046073, 0x10500073, 0xffdff06f,
    0x001002b7, 0x00005e37, 0x555e0e13, 0x01c2a023, 0x0000006f,
};
#define ENTRY_OK    0x80000000ull
#define ENTRY_HANG  0x80000028ull
#define ENTRY_TIMER 0x80000030ull

typedef TestMachineFiles Fixture;

static int setup(void **state)
{
    return test_machine_files_setup(state, "");
}

static int teardown(void **state)
{
    return test_machine_files_teardown(state);
}

static Machine *boot(Fixture *f, uint64_t entry, Error **errp)
{
    TestSeg s = { 0x80000000ull, guest, sizeof(guest), sizeof(guest) };
    test_write_elf(f->elf, 243, 2, entry, &s, 1);
    MachineOptions o;
    machine_options_init(&o);
    o.bios = "none";
    o.kernel = f->elf;
    o.serial = f->serial;
    o.no_signals = true;
    return machine_new(&o, errp);
}

static void test_bare_metal_exit_code_and_output(void **state)
{
    Fixture *f = *state;
    Machine *m = boot(f, ENTRY_OK, NULL);
    assert_non_null(m);
    assert_int_equal(m->start_addr, ENTRY_OK);          /* -bios none: the kernel runs first */
    MachineStop why;
    Error *err = NULL;
    assert_true(machine_run(m, &why, &err));
    assert_int_equal(why, MACHINE_STOP_SHUTDOWN);
    assert_int_equal(m->shutdown_cause, SHUTDOWN_GUEST_POWEROFF);
    assert_int_equal(m->exit_code, 42);
    /* 6 reset-vector instructions + 9 guest instructions up to the sw. */
    assert_int_equal(machine_icount(m), 6 + 9);
    machine_free(m);

    FILE *fp = fopen(f->out, "rb");
    assert_non_null(fp);
    char buf[16] = { 0 };
    assert_int_equal(fread(buf, 1, sizeof(buf), fp), 2);
    fclose(fp);
    assert_string_equal(buf, "OK");
}

static void test_wfi_warps_to_timer(void **state)
{
    Fixture *f = *state;
    Machine *m = boot(f, ENTRY_TIMER, NULL);
    assert_non_null(m);
    MachineStop why;
    assert_true(machine_run(m, &why, NULL));
    assert_int_equal(m->exit_code, 0);
    /* mtimecmp 100000 ticks = 10 ms: reached by warping, not by executing. */
    assert_true(machine_virtual_ns(m) >= 10000000);
    assert_true(machine_icount(m) < 100);
    machine_free(m);
}

static void test_hang_is_reported(void **state)
{
    Fixture *f = *state;
    Machine *m = boot(f, ENTRY_HANG, NULL);
    assert_non_null(m);
    MachineStop why;
    Error *err = NULL;
    assert_false(machine_run(m, &why, &err));
    assert_non_null(err);
    assert_int_equal(error_get_class(err), ERR_GUEST);
    assert_non_null(strstr(error_get_message(err), "WFI"));
    error_free(err);
    machine_free(m);
}

static void test_state_hash_deterministic_and_reset(void **state)
{
    Fixture *f = *state;
    Machine *a = boot(f, ENTRY_TIMER, NULL);
    Machine *b = boot(f, ENTRY_TIMER, NULL);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(hash_equal(machine_state_hash(a), machine_state_hash(b)));
    Hash128 initial = machine_state_hash(a);
    MachineStop why;
    assert_true(machine_run(a, &why, NULL));
    assert_true(machine_run(b, &why, NULL));
    Hash128 ha = machine_state_hash(a);
    assert_true(hash_equal(ha, machine_state_hash(b)));
    assert_false(hash_equal(ha, initial));

    /* Whole-machine VMState round trip keeps the digest. */
    VMBuf buf;
    vmbuf_init(&buf);
    vmstate_save_all(&a->vms, &buf);
    Error *err = NULL;
    if (!vmstate_load_all(&a->vms, buf.data, buf.len, &err)) {
        fail_msg("%s", error_get_message(err));
    }
    vmbuf_free(&buf);
    assert_true(hash_equal(ha, machine_state_hash(a)));

    /* A reset request restarts the guest from the reset vector. */
    loop_request_reset(a->loop);
    assert_true(machine_run(a, &why, NULL));
    assert_int_equal(a->resets, 1);
    assert_int_equal(a->exit_code, 0);
    machine_free(a);
    machine_free(b);
}

static void test_bad_options(void **state)
{
    Fixture *f = *state;
    MachineOptions o;
    machine_options_init(&o);
    o.bios = "none";
    o.kernel = "/nonexistent/kernel.elf";
    o.serial = "null";
    o.no_signals = true;
    Error *err = NULL;
    assert_null(machine_new(&o, &err));
    assert_int_equal(error_get_class(err), ERR_IMAGE);
    error_free(err);

    o.kernel = NULL;
    o.append = "console=ttyS0";
    err = NULL;
    assert_null(machine_new(&o, &err));
    assert_int_equal(error_get_class(err), ERR_USAGE);
    error_free(err);

    o.append = NULL;
    o.serial = "bogus:thing";
    err = NULL;
    assert_null(machine_new(&o, &err));
    assert_int_equal(error_get_class(err), ERR_USAGE);
    error_free(err);
    (void)f;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bare_metal_exit_code_and_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wfi_warps_to_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hang_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_hash_deterministic_and_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
