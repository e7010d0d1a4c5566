/* Tests for sim/memory: region mapping, RAM access and dirty bits, MMIO size rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sim/memory/memory.h"

typedef struct FakeDev {
    uint64_t last_off, last_val;
    unsigned last_size;
    int reads, writes;
    uint64_t regs[4];
} FakeDev;

static uint64_t fake_read(void *opaque, uint64_t off, unsigned size)
{
    FakeDev *d = opaque;
    d->reads++;
    d->last_off = off;
    d->last_size = size;
    return d->regs[(off / 4) & 3] & 0xffffffffu;
}

static void fake_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    FakeDev *d = opaque;
    d->writes++;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
    d->regs[(off / 4) & 3] = val;
}

/* A 32-bit register device: the guest may use 1..4-byte accesses, the device
 * implements only 4-byte ones. */
static const MmioOps fake_ops = {
    .read = fake_read,
    .write = fake_write,
    .valid = { 1, 4 },
    .impl = { 4, 4 },
};

/* Guest may use 4..8 bytes; device handles 4 (8-byte accesses are split). */
static const MmioOps split_ops = {
    .read = fake_read,
    .write = fake_write,
    .valid = { 4, 8 },
    .impl = { 4, 4 },
};

static void test_map_and_overlap(void **state)
{
    AddressSpace as;
    mem_init(&as);
    static uint8_t ram[8192];
    FakeDev d = {0};
    Error *err = NULL;
    assert_true(mem_map_ram(&as, "ram", 0x80000000, sizeof(ram), ram, false, NULL));
    assert_true(mem_map_mmio(&as, "dev", 0x1000, 0x100, &fake_ops, &d, NULL));
    assert_false(mem_map_mmio(&as, "dev2", 0x10f0, 0x100, &fake_ops, &d, &err));
    assert_non_null(err);
    assert_non_null(strstr(error_get_message(err), "overlaps 'dev'"));
    error_free(err);
    err = NULL;
    assert_false(mem_map_mmio(&as, "zero", 0x5000, 0, &fake_ops, &d, &err));
    error_free(err);
    assert_false(mem_map_ram(&as, "odd", 0x90000001, 4096, ram, false, NULL));
    assert_ptr_equal(mem_find(&as, 0x1000, 4)->opaque, &d);
    assert_null(mem_find(&as, 0x10fe, 4));      /* straddles the end */
    assert_null(mem_find(&as, 0x2000, 1));
    assert_string_equal(mem_find(&as, 0x80001fff, 1)->name, "ram");
    mem_destroy(&as);
}

static void test_ram_access_and_dirty(void **state)
{
    AddressSpace as;
    mem_init(&as);
    static uint8_t ram[4 * MEM_PAGE_SIZE];
    memset(ram, 0, sizeof(ram));
    assert_true(mem_map_ram(&as, "ram", 0x80000000, sizeof(ram), ram, false, NULL));
    const MemRegion *r = mem_find(&as, 0x80000000, 1);
    assert_int_equal(r->dirty[0], 0);
    assert_int_equal(mem_write(&as, 0x80001ffc, 8, 0x1122334455667788ull), MEM_OK);
    /* little-endian bytes, and both pages the access touched are dirty */
    assert_int_equal(ram[0x1ffc], 0x88);
    assert_int_equal(ram[0x2003], 0x11);
    assert_int_equal(r->dirty[0], 0x6);
    uint64_t v = 0;
    assert_int_equal(mem_read(&as, 0x80001ffe, 2, &v), MEM_OK);
    assert_int_equal(v, 0x5566);
    assert_int_equal(mem_read(&as, 0x80000000, 3, &v), MEM_ERR_SIZE);
    assert_int_equal(mem_read(&as, 0x70000000, 4, &v), MEM_ERR_UNMAPPED);
    assert_int_equal(mem_write(&as, 0x80003ffe, 4, 0), MEM_ERR_UNMAPPED); /* runs off the end */
    uint8_t buf[16];
    memset(buf, 0xab, sizeof(buf));
    assert_true(mem_copy_to(&as, 0x80003ff8, buf, 8, false));
    assert_int_equal(r->dirty[0], 0xe);
    assert_false(mem_copy_to(&as, 0x80003ff8, buf, 16, false));
    assert_true(mem_copy_from(&as, 0x80001ffc, buf, 4));
    assert_int_equal(buf[0], 0x88);
    mem_destroy(&as);
}

static void test_rom_ignores_writes(void **state)
{
    AddressSpace as;
    mem_init(&as);
    static uint8_t rom[MEM_PAGE_SIZE];
    memset(rom, 0x5a, sizeof(rom));
    assert_true(mem_map_ram(&as, "rom", 0x1000, sizeof(rom), rom, true, NULL));
    assert_int_equal(mem_write(&as, 0x1000, 4, 0), MEM_OK);
    assert_int_equal(rom[0], 0x5a);
    uint8_t b = 1;
    assert_false(mem_copy_to(&as, 0x1000, &b, 1, false));
    assert_true(mem_copy_to(&as, 0x1000, &b, 1, true));
    assert_int_equal(rom[0], 1);
    mem_destroy(&as);
}

static void test_mmio_valid_and_impl(void **state)
{
    AddressSpace as;
    mem_init(&as);
    FakeDev d = {0};
    assert_true(mem_map_mmio(&as, "dev", 0x1000, 0x100, &fake_ops, &d, NULL));
    uint64_t v;
    /* 8 bytes exceeds .valid: rejected before the device sees it */
    assert_int_equal(mem_read(&as, 0x1000, 8, &v), MEM_ERR_SIZE);
    assert_int_equal(d.reads, 0);
    /* misaligned */
    assert_int_equal(mem_write(&as, 0x1002, 4, 1), MEM_ERR_SIZE);
    assert_int_equal(d.writes, 0);
    /* a 1-byte read of byte 1 is widened to the 4-byte register */
    d.regs[1] = 0xa1b2c3d4;
    assert_int_equal(mem_read(&as, 0x1005, 1, &v), MEM_OK);
    assert_int_equal(d.last_off, 4);
    assert_int_equal(d.last_size, 4);
    assert_int_equal(v, 0xc3);
    /* a 1-byte write of byte 2 is passed widened, value shifted into place */
    assert_int_equal(mem_write(&as, 0x100a, 1, 0x7f), MEM_OK);
    assert_int_equal(d.last_off, 8);
    assert_int_equal(d.last_size, 4);
    assert_int_equal(d.last_val, 0x7f0000);
    mem_destroy(&as);

    mem_init(&as);
    memset(&d, 0, sizeof(d));
    assert_true(mem_map_mmio(&as, "split", 0x2000, 0x100, &split_ops, &d, NULL));
    assert_int_equal(mem_write(&as, 0x2000, 8, 0x1111111122222222ull), MEM_OK);
    assert_int_equal(d.writes, 2);
    assert_int_equal(d.regs[0], 0x22222222);
    assert_int_equal(d.regs[1], 0x11111111);
    assert_int_equal(mem_read(&as, 0x2000, 8, &v), MEM_OK);
    assert_int_equal(v, 0x1111111122222222ull);
    assert_int_equal(mem_read(&as, 0x2000, 2, &v), MEM_ERR_SIZE);
    mem_destroy(&as);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_and_overlap),
        cmocka_unit_test(test_ram_access_and_dirty),
        cmocka_unit_test(test_rom_ignores_writes),
        cmocka_unit_test(test_mmio_valid_and_impl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
