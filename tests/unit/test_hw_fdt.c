/* Tests for hw/fdt: the generated virt tree, /chosen edits, -dtb loading. */
#include "test_hw_util.h"

#include <libfdt.h>

#include "hw/fdt.h"

static void assert_compat(const void *fdt, const char *path, const char *compat)
{
    int off = fdt_path_offset(fdt, path);
    if (off < 0) {
        fail_msg("node %s missing", path);
    }
    assert_int_equal(fdt_node_check_compatible(fdt, off, compat), 0);
}

static uint32_t prop_u32(const void *fdt, const char *path, const char *name)
{
    int off = fdt_path_offset(fdt, path);
    assert_true(off >= 0);
    int len;
    const fdt32_t *p = fdt_getprop(fdt, off, name, &len);
    assert_non_null(p);
    return fdt32_to_cpu(*p);
}

static void test_tree_contents(void **state)
{
    void *fdt = virt_fdt_build(256ull << 20, NULL);
    assert_non_null(fdt);
    assert_int_equal(fdt_check_header(fdt), 0);
    assert_int_equal(fdt_check_full(fdt, fdt_totalsize(fdt)), 0);

    assert_compat(fdt, "/soc/clint@2000000", "sifive,clint0");
    assert_compat(fdt, "/soc/clint@2000000", "riscv,clint0");
    assert_compat(fdt, "/soc/plic@c000000", "sifive,plic-1.0.0");
    assert_compat(fdt, "/soc/plic@c000000", "riscv,plic0");
    assert_compat(fdt, "/soc/serial@10000000", "ns16550a");
    assert_compat(fdt, "/soc/test@100000", "sifive,test0");
    assert_compat(fdt, "/soc/test@100000", "syscon");
    assert_compat(fdt, "/soc/rtc@101000", "google,goldfish-rtc");
    assert_compat(fdt, "/poweroff", "syscon-poweroff");
    assert_compat(fdt, "/reboot", "syscon-reboot");
    assert_compat(fdt, "/cpus/cpu@0/interrupt-controller", "riscv,cpu-intc");

    assert_int_equal(prop_u32(fdt, "/cpus", "timebase-frequency"), 10000000);
    assert_int_equal(prop_u32(fdt, "/soc/serial@10000000", "clock-frequency"), 0x384000);
    assert_int_equal(prop_u32(fdt, "/soc/serial@10000000", "interrupts"), 10);
    assert_int_equal(prop_u32(fdt, "/soc/rtc@101000", "interrupts"), 11);
    assert_int_equal(prop_u32(fdt, "/soc/plic@c000000", "riscv,ndev"), 96);
    assert_int_equal(prop_u32(fdt, "/poweroff", "value"), 0x5555);
    assert_int_equal(prop_u32(fdt, "/reboot", "value"), 0x7777);

    /* interrupt-parent of the UART is the PLIC's phandle; regmap is the test device. */
    int plic = fdt_path_offset(fdt, "/soc/plic@c000000");
    assert_int_equal(prop_u32(fdt, "/soc/serial@10000000", "interrupt-parent"),
                     fdt_get_phandle(fdt, plic));
    int test = fdt_path_offset(fdt, "/soc/test@100000");
    assert_int_equal(prop_u32(fdt, "/poweroff", "regmap"), fdt_get_phandle(fdt, test));

    int cpu = fdt_path_offset(fdt, "/cpus/cpu@0");
    assert_string_equal(fdt_getprop(fdt, cpu, "riscv,isa", NULL), "rv64imafdc_zicsr_zifencei");
    int chosen = fdt_path_offset(fdt, "/chosen");
    assert_string_equal(fdt_getprop(fdt, chosen, "stdout-path", NULL), "/soc/serial@10000000");
    assert_null(fdt_getprop(fdt, chosen, "rng-seed", NULL));   /* nothing nondeterministic */

    int mem = fdt_path_offset(fdt, "/memory@80000000");
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, mem, "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(fdt32_to_cpu(reg[1]), 0x80000000);
    assert_int_equal(fdt32_to_cpu(reg[3]), 256u << 20);
    free(fdt);
}

static void test_chosen_and_dump_and_load(void **state)
{
    void *fdt = virt_fdt_build(128ull << 20, NULL);
    assert_true(virt_fdt_set_chosen(&fdt, "console=ttyS0 earlycon", 0x88000000, 0x88001000, NULL));
    virt_fdt_pack(fdt);
    int chosen = fdt_path_offset(fdt, "/chosen");
    assert_string_equal(fdt_getprop(fdt, chosen, "bootargs", NULL), "console=ttyS0 earlycon");
    int len;
    const void *st = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
    assert_int_equal(len, 8);
    fdt64_t raw;
    memcpy(&raw, st, sizeof(raw));   /* properties are only 4-byte aligned */
    assert_int_equal(fdt64_to_cpu(raw), 0x88000000);

    char path[256];
    test_tmp_path(path, sizeof(path), "dump.dtb");
    assert_true(virt_fdt_dump(fdt, path, NULL));
    void *back = virt_fdt_load(path, NULL);
    assert_non_null(back);
    assert_int_equal(fdt_totalsize(back), fdt_totalsize(fdt));
    assert_memory_equal(back, fdt, fdt_totalsize(fdt));
    free(back);

    /* A truncated blob and a non-FDT file are ERR_IMAGE. */
    assert_int_equal(truncate(path, 100), 0);
    Error *err = NULL;
    assert_null(virt_fdt_load(path, &err));
    assert_int_equal(error_get_class(err), ERR_IMAGE);
    assert_non_null(strstr(error_get_message(err), "truncated"));
    error_free(err);
    FILE *f = fopen(path, "wb");
    fputs("not a device tree at all, just text", f);
    fclose(f);
    err = NULL;
    assert_null(virt_fdt_load(path, &err));
    assert_int_equal(error_get_class(err), ERR_IMAGE);
    error_free(err);
    unlink(path);
    free(fdt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_contents),
        cmocka_unit_test(test_chosen_and_dump_and_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
