/* Tests for hw/fdt: the generated virt tree, /chosen edits, -dtb loading. */
#include "test_hw_util.h"

#include <libfdt.h>

#include "cpu/hart.h"
#include "cpu/isa.h"
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
    void *fdt = virt_fdt_build(256ull << 20, 1, isa_default_ext(), ISA_DEFAULT_PMU_NUM, NULL);
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
    /* QEMU 7.2's default rv64 string without h; zicntr is implied there. */
    assert_string_equal(fdt_getprop(fdt, cpu, "riscv,isa", NULL),
                        "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbc_zbs_sstc");
    assert_string_equal(fdt_getprop(fdt, cpu, "mmu-type", NULL), "riscv,sv57");
    int chosen = fdt_path_offset(fdt, "/chosen");
    assert_string_equal(fdt_getprop(fdt, chosen, "stdout-path", NULL), "/soc/serial@10000000");
    /* QEMU's size for rng-seed, but fixed contents: identical in every run. */
    int seedlen = 0;
    const uint8_t *seed = fdt_getprop(fdt, chosen, "rng-seed", &seedlen);
    assert_non_null(seed);
    assert_int_equal(seedlen, VIRT_FDT_RNG_SEED_LEN);
    assert_int_equal(seed[0], 0x72);
    assert_int_equal(seed[1], (uint8_t)(0x72 + 0x9d));

    int mem = fdt_path_offset(fdt, "/memory@80000000");
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, mem, "reg", &len);
    assert_int_equal(len, 16);
    assert_int_equal(fdt32_to_cpu(reg[1]), 0x80000000);
    assert_int_equal(fdt32_to_cpu(reg[3]), 256u << 20);
    free(fdt);
}

/* The nodes for QEMU's virt devices that carry nothing here, with QEMU 7.2's
 * properties, and the node order QEMU produces. */
/* The ISA properties follow the -cpu given, in the canonical order, and
 * say nothing about extensions that are off. */
static void test_isa_follows_cpu(void **state)
{
    (void)state;
    uint64_t ext;
    bool help;
    assert_true(isa_parse_cpu("rv64,zbkb=on,zba=off,Zicbom=true,zicboz,sstc=off,sv57=off,"
                              "svpbmt=on", &ext, &help, NULL));
    assert_false(help);
    void *fdt = virt_fdt_build(128ull << 20, 1, ext, ISA_DEFAULT_PMU_NUM, NULL);
    assert_non_null(fdt);
    int cpu = fdt_path_offset(fdt, "/cpus/cpu@0");
    assert_string_equal(fdt_getprop(fdt, cpu, "riscv,isa", NULL),
                        "rv64imafdc_zicbom_zicboz_zicsr_zifencei_zihintpause_zbb_zbc_zbkb_zbs_"
                        "svpbmt");
    assert_string_equal(fdt_getprop(fdt, cpu, "mmu-type", NULL), "riscv,sv48");
    assert_string_equal(fdt_getprop(fdt, cpu, "riscv,isa-base", NULL), "rv64i");
    int len;
    const char *list = fdt_getprop(fdt, cpu, "riscv,isa-extensions", &len);
    assert_non_null(list);
    /* The names of the string and the implied ones (zicntr, zihpm, sdtrig),
     * one per entry, single letters first. */
    const char *want[] = { "i", "m", "a", "f", "d", "c", "zicbom", "zicboz", "zicntr", "zicsr",
                           "zifencei", "zihintpause", "zihpm", "zbb", "zbc", "zbkb", "zbs",
                           "sdtrig", "svpbmt" };
    int pos = 0;
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_true(pos < len);
        assert_string_equal(list + pos, want[i]);
        pos += (int)strlen(want[i]) + 1;
    }
    assert_int_equal(pos, len);
    assert_int_equal(prop_u32(fdt, "/cpus/cpu@0", "riscv,cbom-block-size"), 64);
    assert_int_equal(prop_u32(fdt, "/cpus/cpu@0", "riscv,cboz-block-size"), 64);
    assert_null(fdt_getprop(fdt, cpu, "riscv,cbop-block-size", NULL));
    free(fdt);
}

static void test_qemu_board_nodes(void **state)
{
    void *fdt = virt_fdt_build(128ull << 20, 1, isa_default_ext(), ISA_DEFAULT_PMU_NUM, NULL);
    assert_non_null(fdt);
    int len;

    /* Eight virtio-mmio slots, PLIC sources 1..8, listed from the highest. */
    int soc = fdt_path_offset(fdt, "/soc");
    int first = fdt_first_subnode(fdt, soc);
    assert_string_equal(fdt_get_name(fdt, first, NULL), "rtc@101000");
    for (int i = 0; i < 8; i++) {
        char path[64];
        snprintf(path, sizeof(path), "/soc/virtio_mmio@%x", 0x10001000 + i * 0x1000);
        assert_compat(fdt, path, "virtio,mmio");
        assert_int_equal(prop_u32(fdt, path, "interrupts"), 1 + i);
    }
    int v8 = fdt_path_offset(fdt, "/soc/virtio_mmio@10008000");
    assert_string_equal(fdt_get_name(fdt, fdt_next_subnode(fdt, v8), NULL),
                        "virtio_mmio@10007000");

    /* PCIe: ECAM, the three windows, 256 buses, the INTx swizzle. */
    assert_compat(fdt, "/soc/pci@30000000", "pci-host-ecam-generic");
    assert_int_equal(prop_u32(fdt, "/soc/pci@30000000", "#address-cells"), 3);
    int pci = fdt_path_offset(fdt, "/soc/pci@30000000");
    const fdt32_t *p = fdt_getprop(fdt, pci, "bus-range", &len);
    assert_int_equal(len, 8);
    assert_int_equal(fdt32_to_cpu(p[1]), 0xff);
    p = fdt_getprop(fdt, pci, "ranges", &len);
    assert_int_equal(len, 21 * 4);
    assert_int_equal(fdt32_to_cpu(p[4]), 0x3000000);     /* I/O at 0x3000000 */
    assert_int_equal(fdt32_to_cpu(p[7 + 2]), 0x40000000); /* 32-bit window */
    assert_int_equal(fdt32_to_cpu(p[14 + 3]), 0x4);       /* 64-bit window at 16 GiB */
    p = fdt_getprop(fdt, pci, "interrupt-map", &len);
    assert_int_equal(len, 96 * 4);
    /* slot 1 pin INTA -> 0x21; slot 3 pin INTD -> 0x22 */
    assert_int_equal(fdt32_to_cpu(p[4 * 6 + 5]), 0x21);
    assert_int_equal(fdt32_to_cpu(p[15 * 6 + 5]), 0x22);
    assert_non_null(fdt_getprop(fdt, pci, "dma-coherent", NULL));

    /* The high window moves above large RAM, aligned to its size. */
    void *big = virt_fdt_build(16ull << 30, 1, isa_default_ext(), ISA_DEFAULT_PMU_NUM, NULL);
    p = fdt_getprop(big, fdt_path_offset(big, "/soc/pci@30000000"), "ranges", &len);
    assert_int_equal(fdt32_to_cpu(p[14 + 3]), 0x8);
    free(big);

    /* Two 32 MiB flash banks, fw_cfg, platform bus, PMU. */
    assert_compat(fdt, "/flash@20000000", "cfi-flash");
    assert_int_equal(prop_u32(fdt, "/flash@20000000", "bank-width"), 4);
    p = fdt_getprop(fdt, fdt_path_offset(fdt, "/flash@20000000"), "reg", &len);
    assert_int_equal(len, 32);
    assert_int_equal(fdt32_to_cpu(p[5]), 0x22000000);
    assert_int_equal(fdt32_to_cpu(p[7]), 0x2000000);
    assert_compat(fdt, "/fw-cfg@10100000", "qemu,fw-cfg-mmio");
    assert_compat(fdt, "/platform-bus@4000000", "simple-bus");
    assert_compat(fdt, "/pmu", "riscv,pmu");
    assert_string_equal(fdt_get_name(fdt, fdt_first_subnode(fdt, 0), NULL), "pmu");
    free(fdt);
}

/* The PMU event map names the counters the hart has, as QEMU 7.2's does
 * for its pmu-num (and its 3..31 for pmu-num=0). */
static void test_pmu_counters(void **state)
{
    (void)state;
    static const struct { uint64_t drop; uint32_t num, mask; } cases[] = {
        { 0, 16, 0x7fff8 }, { 0, 4, 0x78 }, { 0, 29, 0xfffffff8 },
        { HART_EXT_ZIHPM, 0, 0xfffffff8 }, { HART_EXT_ZIHPM, 16, 0xfffffff8 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        void *fdt = virt_fdt_build(128ull << 20, 1, isa_default_ext() & ~cases[i].drop,
                                   cases[i].num, NULL);
        assert_non_null(fdt);
        int len;
        const fdt32_t *p = fdt_getprop(fdt, fdt_path_offset(fdt, "/pmu"),
                                       "riscv,event-to-mhpmcounters", &len);
        assert_int_equal(len, 20 * 4);
        assert_int_equal(fdt32_to_cpu(p[2]), cases[i].mask | 1);    /* cycles */
        assert_int_equal(fdt32_to_cpu(p[5]), cases[i].mask | 4);    /* instructions */
        assert_int_equal(fdt32_to_cpu(p[8]), cases[i].mask);
        free(fdt);
    }
}

static void test_chosen_and_dump_and_load(void **state)
{
    void *fdt = virt_fdt_build(128ull << 20, 1, isa_default_ext(), ISA_DEFAULT_PMU_NUM, NULL);
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
        cmocka_unit_test(test_qemu_board_nodes),
        cmocka_unit_test(test_isa_follows_cpu),
        cmocka_unit_test(test_chosen_and_dump_and_load),
        cmocka_unit_test(test_pmu_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
