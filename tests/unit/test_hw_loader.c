/* Tests for hw/loader (ELF and raw images, validation) and hw/bootrom. */
#include "test_hw_util.h"

#include "hw/bootrom.h"
#include "hw/loader.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16ull << 20)

static const uint32_t code[4] = { 0x00000013, 0x00000013, 0x00000013, 0x0000006f };

static RomSet rs;
static char path[256];

static int setup(void **state)
{
    romset_init(&rs, RAM_BASE, RAM_SIZE, 0x1000, 0xf000);
    test_tmp_path(path, sizeof(path), "image");
    return 0;
}

static int teardown(void **state)
{
    romset_free(&rs);
    unlink(path);
    return 0;
}

static void expect_image_error(Error **errp, const char *needle)
{
    Error *err = *errp;
    *errp = NULL;
    assert_non_null(err);
    assert_int_equal(error_get_class(err), ERR_IMAGE);
    if (!strstr(error_get_message(err), needle)) {
        fail_msg("message '%s' lacks '%s'", error_get_message(err), needle);
    }
    error_free(err);
}

static void test_good_elf(void **state)
{
    TestSeg s[2] = { { RAM_BASE, code, sizeof(code), sizeof(code) },
                     { RAM_BASE + 0x1000, code, 8, 0x2000 } };
    test_write_elf(path, 243, 2, RAM_BASE + 4, s, 2);
    LoadedImage img;
    Error *err = NULL;
    assert_true(loader_load_image(&rs, "kernel", path, RAM_BASE, true, &img, &err));
    assert_true(img.is_elf);
    assert_int_equal(img.entry, RAM_BASE + 4);
    assert_int_equal(img.low, RAM_BASE);
    assert_int_equal(img.high, RAM_BASE + 0x3000);
    assert_int_equal(rs.n, 2);
    assert_int_equal(rs.blobs[1].len, 8);
    assert_int_equal(rs.blobs[1].memsz, 0x2000);

    /* Installing copies data and zero-fills the tail. */
    AddressSpace as;
    mem_init(&as);
    uint8_t *ram = malloc(RAM_SIZE);
    memset(ram, 0xaa, RAM_SIZE);
    assert_true(mem_map_ram(&as, "ram", RAM_BASE, RAM_SIZE, ram, false, NULL));
    assert_true(romset_install(&rs, &as, NULL));
    assert_memory_equal(ram, code, sizeof(code));
    assert_int_equal(ram[0x1000 + 8], 0);
    assert_int_equal(ram[0x1000 + 0x1fff], 0);
    assert_int_equal(ram[0x3000], 0xaa);
    mem_destroy(&as);
    free(ram);
}

static void test_missing_file(void **state)
{
    LoadedImage img;
    Error *err = NULL;
    assert_false(loader_load_image(&rs, "kernel", "/nonexistent/vmlinux", RAM_BASE, true, &img, &err));
    expect_image_error(&err, "cannot open kernel '/nonexistent/vmlinux'");
}

static void test_truncated_elf(void **state)
{
    TestSeg s = { RAM_BASE, code, sizeof(code), sizeof(code) };
    size_t n = test_write_elf(path, 243, 2, RAM_BASE, &s, 1);
    assert_int_equal(truncate(path, (off_t)n - 8), 0);   /* cut the segment data */
    LoadedImage img;
    Error *err = NULL;
    assert_false(loader_load_image(&rs, "kernel", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "truncated");
    assert_int_equal(rs.n, 0);
    assert_int_equal(truncate(path, 30), 0);               /* cut the header */
    assert_false(loader_load_image(&rs, "kernel", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "truncated ELF header");
}

static void test_wrong_machine_and_class(void **state)
{
    TestSeg s = { RAM_BASE, code, sizeof(code), sizeof(code) };
    test_write_elf(path, 62 /* x86-64 */, 2, RAM_BASE, &s, 1);
    LoadedImage img;
    Error *err = NULL;
    assert_false(loader_load_image(&rs, "firmware", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "not RISC-V");
    test_write_elf(path, 243, 1, RAM_BASE, &s, 1);
    assert_false(loader_load_image(&rs, "firmware", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "not a 64-bit ELF");
}

static void test_overlap(void **state)
{
    TestSeg s[2] = { { RAM_BASE, code, sizeof(code), 0x100 },
                     { RAM_BASE + 0x80, code, sizeof(code), sizeof(code) } };
    test_write_elf(path, 243, 2, RAM_BASE, s, 2);
    LoadedImage img;
    Error *err = NULL;
    assert_false(loader_load_image(&rs, "kernel", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "overlaps");
    assert_int_equal(rs.n, 0);   /* a failed image leaves nothing behind */

    /* Overlap between two images (firmware, then a kernel on top of it). */
    test_write_elf(path, 243, 2, RAM_BASE, s, 1);
    assert_true(loader_load_image(&rs, "firmware", path, RAM_BASE, true, &img, &err));
    assert_false(loader_load_image(&rs, "kernel", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "overlaps firmware");
}

static void test_outside_ram(void **state)
{
    TestSeg s = { 0x10000000, code, sizeof(code), sizeof(code) };
    test_write_elf(path, 243, 2, 0x10000000, &s, 1);
    LoadedImage img;
    Error *err = NULL;
    assert_false(loader_load_image(&rs, "kernel", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "outside RAM");
    /* Straddling the end of RAM. */
    TestSeg e = { RAM_BASE + RAM_SIZE - 8, code, sizeof(code), sizeof(code) };
    test_write_elf(path, 243, 2, RAM_BASE, &e, 1);
    assert_false(loader_load_image(&rs, "kernel", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "outside RAM");
}

static void test_raw_images(void **state)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(code, 1, sizeof(code), f);
    fclose(f);
    LoadedImage img;
    Error *err = NULL;
    assert_true(loader_load_image(&rs, "kernel", path, RAM_BASE + 0x200000, true, &img, &err));
    assert_false(img.is_elf);
    assert_int_equal(img.entry, RAM_BASE + 0x200000);
    assert_int_equal(img.high, RAM_BASE + 0x200000 + sizeof(code));
    /* Refused where only ELF is allowed; empty files are refused. */
    assert_false(loader_load_image(&rs, "kernel", path, RAM_BASE, false, &img, &err));
    expect_image_error(&err, "not an ELF");
    f = fopen(path, "wb");
    fclose(f);
    assert_false(loader_load_image(&rs, "kernel", path, RAM_BASE, true, &img, &err));
    expect_image_error(&err, "empty");
}

static void test_larger_than_ram(void **state)
{
    /* A raw image bigger than RAM: sparse file so the test stays cheap. */
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(truncate(path, (off_t)RAM_SIZE + 4096), 0);
    LoadedImage img;
    Error *err = NULL;
    assert_false(loader_load_raw(&rs, "initrd", path, RAM_BASE, &img, &err));
    expect_image_error(&err, "larger than RAM");
}

static uint32_t le32_at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64_at(const uint8_t *p)
{
    return le32_at(p) | (uint64_t)le32_at(p + 4) << 32;
}

static void test_bootrom_layout(void **state)
{
    uint8_t rom[BOOTROM_IMAGE_SIZE];
    assert_true(bootrom_build(rom, sizeof(rom), 0x80000000, 0x87e00000, 0x80200000, NULL));
    assert_int_equal(le32_at(rom), 0x00000297);            /* auipc t0, 0 */
    assert_int_equal(le32_at(rom + 4), 0x02828613);        /* addi a2, t0, 40 */
    assert_int_equal(le32_at(rom + 20), 0x00028067);       /* jr t0 */
    assert_int_equal(le64_at(rom + 24), 0x80000000);
    assert_int_equal(le64_at(rom + 32), 0x87e00000);
    const uint8_t *dyn = rom + BOOTROM_FW_DYN_OFFSET;
    assert_int_equal(le64_at(dyn), 0x4942534f);            /* "OSBI" */
    assert_int_equal(le64_at(dyn + 8), 2);
    assert_int_equal(le64_at(dyn + 16), 0x80200000);
    assert_int_equal(le64_at(dyn + 24), 1);                /* next mode S */
    Error *err = NULL;
    assert_false(bootrom_build(rom, 8, 0, 0, 0, &err));
    error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_good_elf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_elf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_machine_and_class, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outside_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_raw_images, setup, teardown),
        cmocka_unit_test_setup_teardown(test_larger_than_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bootrom_layout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
