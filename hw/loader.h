/*
 * loader: guest images (firmware, kernel, initrd, device tree) as a set of
 * blobs placed in guest physical memory.
 *
 * Loading only parses and validates: each image becomes one or more blobs
 * (address, bytes, zero-filled tail) in a RomSet that refuses anything
 * outside RAM (or the boot ROM) and anything overlapping an earlier blob.
 * The machine copies the set into memory at start and again on every reset,
 * as QEMU's rom_reset() does, so a reset guest boots from pristine images.
 *
 * ELF images must be ELF64, little-endian, EM_RISCV; PT_LOAD segments go to
 * their physical addresses (p_paddr). Every problem is an ERR_IMAGE error
 * naming the file and what is wrong with it.
 */
#ifndef RRSIM_HW_LOADER_H
#define RRSIM_HW_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/base/error.h"
#include "sim/memory/memory.h"

typedef struct RomBlob {
    char *name;          /* for messages: "kernel 'vmlinux' segment 1" */
    uint64_t addr;
    uint8_t *data;       /* file bytes, owned */
    uint64_t len;        /* bytes of data */
    uint64_t memsz;      /* total footprint; bytes past len are zero */
} RomBlob;

typedef struct RomSet {
    RomBlob *blobs;
    size_t n, cap;
    uint64_t ram_base, ram_size;
    uint64_t rom_base, rom_size;
} RomSet;

void romset_init(RomSet *rs, uint64_t ram_base, uint64_t ram_size, uint64_t rom_base,
                 uint64_t rom_size);
void romset_free(RomSet *rs);

/* Add a copy of data (len bytes, footprint memsz >= len). */
bool romset_add(RomSet *rs, const char *name, uint64_t addr, const void *data, uint64_t len,
                uint64_t memsz, Error **errp);
/* Copy every blob into the address space (ROM included). */
bool romset_install(const RomSet *rs, AddressSpace *as, Error **errp);

typedef struct LoadedImage {
    uint64_t entry;      /* ELF entry, or the load address of a raw image */
    uint64_t low, high;  /* footprint [low, high) */
    bool is_elf;
} LoadedImage;

/* Load `path` (what = "firmware", "kernel" ...). An ELF goes to its physical
 * addresses; anything else is taken as a raw image at raw_addr if allow_raw,
 * and refused otherwise. A file that starts with the ELF magic but is broken is
 * an error, never silently loaded raw. */
bool loader_load_image(RomSet *rs, const char *what, const char *path, uint64_t raw_addr,
                       bool allow_raw, LoadedImage *out, Error **errp);
/* Open an image file for reading (what = "kernel", "device tree" ...) without
 * ever blocking: anything but a regular file (a FIFO, a device, a directory)
 * is refused with ERR_IMAGE. */
FILE *loader_open(const char *what, const char *path, Error **errp);
/* Load a raw file (initrd) at addr. */
bool loader_load_raw(RomSet *rs, const char *what, const char *path, uint64_t addr,
                     LoadedImage *out, Error **errp);

#endif
