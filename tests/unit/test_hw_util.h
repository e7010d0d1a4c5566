/* Shared fixtures for the hw device tests: a bare board (loop, address
 * space, VMState registry), a recording IrqLine, and a VMState round trip. */
#ifndef RRSIM_TEST_HW_UTIL_H
#define RRSIM_TEST_HW_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <stdio.h>
#include <unistd.h>

#include "hw/board.h"
#include "hw/irq.h"

typedef struct TestBoard {
    Loop *loop;
    AddressSpace as;
    VMStateRegistry vms;
    Board b;
} TestBoard;

static inline TestBoard *test_board_new(void)
{
    TestBoard *tb = calloc(1, sizeof(*tb));
    assert_non_null(tb);
    tb->loop = loop_new(NULL);
    assert_non_null(tb->loop);
    loop_set_virtual_ns(tb->loop, 0);
    mem_init(&tb->as);
    vmstate_registry_init(&tb->vms);
    tb->b = (Board){ .loop = tb->loop, .as = &tb->as, .vms = &tb->vms };
    return tb;
}

static inline void test_board_free(TestBoard *tb)
{
    vmstate_registry_free(&tb->vms);
    mem_destroy(&tb->as);
    loop_free(tb->loop);
    free(tb);
}

/* Advance CLOCK_VIRTUAL and run what expired. */
static inline void test_board_advance_to(TestBoard *tb, int64_t ns)
{
    loop_set_virtual_ns(tb->loop, ns);
    loop_run_timers(tb->loop, CLOCK_VIRTUAL);
}

/* A fake interrupt receiver: level per input number and a count of changes. */
typedef struct FakeIrq {
    bool level[128];
    int changes;
} FakeIrq;

static inline void fake_irq_set(void *opaque, int n, bool level)
{
    FakeIrq *f = opaque;
    if (f->level[n] != level) {
        f->changes++;
    }
    f->level[n] = level;
}

static inline uint64_t rd(TestBoard *tb, uint64_t addr, unsigned size)
{
    uint64_t v = 0xdeadbeef;
    assert_int_equal(mem_read(&tb->as, addr, size, &v), MEM_OK);
    return v;
}

static inline void wr(TestBoard *tb, uint64_t addr, unsigned size, uint64_t v)
{
    assert_int_equal(mem_write(&tb->as, addr, size, v), MEM_OK);
}

/* save -> load -> save must give identical bytes, and loading must succeed. */
static inline void assert_vmstate_round_trip(TestBoard *tb)
{
    VMBuf a, b;
    vmbuf_init(&a);
    vmbuf_init(&b);
    vmstate_save_all(&tb->vms, &a);
    assert_true(a.len > 0);
    Error *err = NULL;
    bool ok = vmstate_load_all(&tb->vms, a.data, a.len, &err);
    if (!ok) {
        fail_msg("load failed: %s", error_get_message(err));
    }
    vmstate_save_all(&tb->vms, &b);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    vmbuf_free(&a);
    vmbuf_free(&b);
}

/* ---- a minimal ELF64 writer for loader and machine tests ---- */

typedef struct TestSeg {
    uint64_t paddr;
    const void *data;
    uint64_t filesz, memsz;
} TestSeg;

static inline void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

/* Write an ELF with the given segments; machine/cls override the header
 * (243 / 2 for a valid RISC-V ELF64). Returns the file size written. */
static inline size_t test_write_elf(const char *path, uint16_t machine, uint8_t cls,
                                    uint64_t entry, const TestSeg *segs, int nsegs)
{
    size_t off = 64 + 56 * (size_t)nsegs, total = off;
    for (int i = 0; i < nsegs; i++) {
        total += segs[i].filesz;
    }
    uint8_t *f = calloc(1, total);
    memcpy(f, "\177ELF", 4);
    f[4] = cls;
    f[5] = 1;
    f[6] = 1;
    put_le(f + 16, 2, 2);          /* ET_EXEC */
    put_le(f + 18, machine, 2);
    put_le(f + 20, 1, 4);
    put_le(f + 24, entry, 8);
    put_le(f + 32, 64, 8);         /* phoff */
    put_le(f + 52, 64, 2);
    put_le(f + 54, 56, 2);
    put_le(f + 56, (uint64_t)nsegs, 2);
    for (int i = 0; i < nsegs; i++) {
        uint8_t *ph = f + 64 + 56 * i;
        put_le(ph, 1, 4);          /* PT_LOAD */
        put_le(ph + 4, 7, 4);
        put_le(ph + 8, off, 8);
        put_le(ph + 16, segs[i].paddr, 8);
        put_le(ph + 24, segs[i].paddr, 8);
        put_le(ph + 32, segs[i].filesz, 8);
        put_le(ph + 40, segs[i].memsz, 8);
        put_le(ph + 48, 4, 8);
        memcpy(f + off, segs[i].data, segs[i].filesz);
        off += segs[i].filesz;
    }
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(f, 1, total, fp), total);
    fclose(fp);
    free(f);
    return total;
}

/* A per-test scratch file name under the build directory's temp area. */
static inline void test_tmp_path(char *buf, size_t n, const char *name)
{
    const char *dir = getenv("TMPDIR");
    snprintf(buf, n, "%s/rrsim-test-%d-%s", dir ? dir : "/tmp", (int)getpid(), name);
}

/* Scratch files for a test that boots a whole machine: the guest ELF it
 * writes, and the file its serial port writes to ("file:<out>"). Used as a
 * cmocka fixture through test_machine_files_setup/_teardown. */
typedef struct TestMachineFiles {
    char elf[256], out[256], serial[300];
} TestMachineFiles;

static inline int test_machine_files_setup(void **state, const char *prefix)
{
    TestMachineFiles *f = calloc(1, sizeof(*f));
    char name[64];
    snprintf(name, sizeof(name), "%sguest.elf", prefix);
    test_tmp_path(f->elf, sizeof(f->elf), name);
    snprintf(name, sizeof(name), "%sserial.out", prefix);
    test_tmp_path(f->out, sizeof(f->out), name);
    snprintf(f->serial, sizeof(f->serial), "file:%s", f->out);
    *state = f;
    return 0;
}

static inline int test_machine_files_teardown(void **state)
{
    TestMachineFiles *f = *state;
    unlink(f->elf);
    unlink(f->out);
    free(f);
    return 0;
}

#endif
