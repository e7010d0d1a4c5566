/* Tests for a machine with a virtio-blk disk (the blkprobe guest writes and
 * reads it): with snapshot=on the image is never written, a snapshot holds
 * the disk as it was (loading one taken before the guest's writes takes
 * them back, and running on repeats them exactly), and the state hash
 * covers what the guest wrote; written to its file, the disk gets the
 * writes and snapshots are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hw/machine.h"
#include "hw/machine_replay.h"
#include "hw/machine_snap.h"

#ifndef BLKPROBE_ELF
#define BLKPROBE_ELF "blkprobe.elf"
#endif

#define DISK_BYTES (1u << 20)

typedef struct Fixture {
    char dir[128];
    char image[192], out[192], serial[208], store[192];
} Fixture;

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 7 + (i >> 9));
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_machine_disk.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->image, sizeof(f->image), "%s/disk.img", f->dir);
    snprintf(f->out, sizeof(f->out), "%s/serial.out", f->dir);
    snprintf(f->serial, sizeof(f->serial), "file:%s", f->out);
    snprintf(f->store, sizeof(f->store), "%s/store.snap", f->dir);
    FILE *fp = fopen(f->image, "wb");
    assert_non_null(fp);
    for (size_t i = 0; i < DISK_BYTES; i++) {
        fputc(pattern(i), fp);
    }
    fclose(fp);
    *state = f;
    if (access(BLKPROBE_ELF, R_OK) != 0) {
        fail_msg("no %s (guest programs not built)", BLKPROBE_ELF);
    }
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0) {
        print_message("could not remove %s\n", f->dir);
    }
    free(f);
    return 0;
}

static bool image_pristine(const Fixture *f)
{
    FILE *fp = fopen(f->image, "rb");
    assert_non_null(fp);
    bool same = true;
    for (size_t i = 0; i < DISK_BYTES && same; i++) {
        same = fgetc(fp) == pattern(i);
    }
    fclose(fp);
    return same;
}

static Machine *open_machine(Fixture *f, bool overlay)
{
    MachineOptions o;
    machine_options_init(&o);
    o.bios = "none";
    o.kernel = BLKPROBE_ELF;
    o.serial = f->serial;
    o.no_signals = true;
    o.drives[0] = (MachineDrive){ .spec = "file=disk.img", .id = "hd0", .file = f->image,
                                  .snapshot = overlay };
    o.ndrives = 1;
    o.devices[0] = (MachineDevice){ .spec = "virtio-blk-device,drive=hd0", .drive = "hd0" };
    o.ndevices = 1;
    Error *err = NULL;
    unlink(f->out);
    Machine *m = machine_new(&o, &err);
    if (!m) {
        fail_msg("machine_new: %s", error_get_message(err));
    }
    return m;
}

static void run_to(Machine *m, uint64_t steps)
{
    MachineStop why;
    Error *err = NULL;
    machine_set_stop_at(m, steps);
    assert_true(machine_run(m, &why, &err));
    assert_int_equal(why, MACHINE_STOP_DEBUG);
    assert_int_equal(machine_icount(m), steps);
    machine_set_stop_at(m, UINT64_MAX);
}

static void run_end(Machine *m)
{
    MachineStop why;
    Error *err = NULL;
    assert_true(machine_run(m, &why, &err));
    assert_int_equal(why, MACHINE_STOP_SHUTDOWN);
    assert_int_equal(m->shutdown_cause, SHUTDOWN_GUEST_POWEROFF);
    assert_int_equal(m->exit_code, 0);
}

static uint64_t written_blocks(Machine *m)
{
    return blockdev_overlay_blocks(m->drive[0]);
}

static void test_overlay_snapshots(void **state)
{
    Fixture *f = *state;
    /* A first run: how long, and where the guest first writes. */
    Machine *m = open_machine(f, true);
    uint64_t first_write = 0;
    for (uint64_t s = 1000;; s += 1000) {
        MachineStop why;
        Error *err = NULL;
        machine_set_stop_at(m, s);
        assert_true(machine_run(m, &why, &err));
        if (why == MACHINE_STOP_SHUTDOWN) {
            break;
        }
        if (!first_write && written_blocks(m)) {
            first_write = s;
        }
    }
    uint64_t end = machine_icount(m);
    Hash128 final = machine_state_hash(m);
    assert_true(first_write > 0 && first_write < end);
    assert_int_equal(written_blocks(m), 2);   /* sectors 16..31: blocks 2 and 3 */
    machine_free(m);
    assert_true(image_pristine(f));

    /* Before the writes: save; to the end; back: the writes are gone. */
    uint64_t before = first_write - 1000;
    m = open_machine(f, true);
    MachineSnap *s = machine_snap_new(m, NULL, &(MachineSnapOptions){ .store_path = f->store },
                                      NULL);
    assert_non_null(s);
    run_to(m, before);
    Hash128 h_before = machine_state_hash(m);
    Error *err = NULL;
    if (!machine_snap_save(s, "before", &err)) {
        fail_msg("%s", error_get_message(err));
    }
    run_to(m, first_write + 5000);
    assert_true(written_blocks(m) > 0);
    Hash128 h_mid = machine_state_hash(m);
    if (!machine_snap_save(s, "mid", &err)) {
        fail_msg("%s", error_get_message(err));
    }
    run_end(m);
    assert_true(!memcmp(&final, (Hash128[]){ machine_state_hash(m) }, sizeof(final)));

    assert_true(machine_snap_load(s, "before", &err));
    assert_int_equal(written_blocks(m), 0);
    Hash128 h = machine_state_hash(m);
    assert_memory_equal(&h, &h_before, sizeof(h));
    run_to(m, first_write + 5000);
    h = machine_state_hash(m);
    assert_memory_equal(&h, &h_mid, sizeof(h));
    /* Forward to a later snapshot and back again. */
    assert_true(machine_snap_load(s, "before", &err));
    assert_true(machine_snap_load(s, "mid", &err));
    h = machine_state_hash(m);
    assert_memory_equal(&h, &h_mid, sizeof(h));
    run_end(m);
    h = machine_state_hash(m);
    assert_memory_equal(&h, &final, sizeof(h));
    assert_int_equal(machine_icount(m), end);
    machine_snap_free(s);
    machine_free(m);
    assert_true(image_pristine(f));
}

static void test_file_writes(void **state)
{
    Fixture *f = *state;
    Machine *m = open_machine(f, false);
    MachineSnap *s = machine_snap_new(m, NULL, &(MachineSnapOptions){ .store_path = f->store },
                                      NULL);
    assert_non_null(s);
    run_to(m, 1000);
    Error *err = NULL;
    assert_false(machine_snap_save(s, "x", &err));
    assert_int_equal(error_get_class(err), ERR_SNAPSHOT);
    assert_non_null(strstr(error_get_message(err), "snapshot=on"));
    error_free(err);
    run_end(m);
    assert_null(blockdev_overlay(m->drive[0]));
    machine_snap_free(s);
    machine_free(m);
    /* Sectors 16..31 hold the guest's last pattern now. */
    assert_false(image_pristine(f));
    FILE *fp = fopen(f->image, "rb");
    int diff_lo = 0, diff_hi = 0;
    for (size_t i = 0; i < DISK_BYTES; i++) {
        bool d = fgetc(fp) != pattern(i);
        diff_lo += d && (i < 16 * 512 || i >= 32 * 512);
        diff_hi += d && i >= 16 * 512 && i < 32 * 512;
    }
    fclose(fp);
    assert_int_equal(diff_lo, 0);
    assert_true(diff_hi > 8000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_overlay_snapshots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_writes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
