/*
 * fdt: the virt board's flattened device tree, built with libfdt to match
 * what QEMU 7.2's virt machine gives firmware for the devices rrsim models
 * (same node names, compatibles, regs, interrupts and phandle wiring), minus
 * anything nondeterministic (QEMU's /chosen/rng-seed is not generated).
 *
 * Blobs are malloc'ed; functions that change a blob may reallocate it.
 */
#ifndef RRSIM_HW_FDT_H
#define RRSIM_HW_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"

/* Length of /chosen/rng-seed: QEMU's size, with fixed contents (see fdt.c). */
#define VIRT_FDT_RNG_SEED_LEN 32

/* The tree for nharts harts (1..CLINT_MAX_HARTS) with the extensions
 * cpu_ext (HART_EXT_*, see cpu/isa.h), pmu_num programmable counters (with
 * Zihpm) and ram_size bytes of DRAM at VIRT_DRAM_BASE. */
void *virt_fdt_build(uint64_t ram_size, int nharts, uint64_t cpu_ext, uint32_t pmu_num,
                     Error **errp);
/* Read a user-supplied blob (-dtb); ERR_IMAGE if it is not a valid FDT. */
void *virt_fdt_load(const char *path, Error **errp);
/* Set /chosen bootargs (if non-NULL) and linux,initrd-start/end (if end > start). */
bool virt_fdt_set_chosen(void **blob, const char *bootargs, uint64_t initrd_start,
                         uint64_t initrd_end, Error **errp);
/* Add the -device pvpanic-mmio node (hw/pvpanic.h) under /soc. */
bool virt_fdt_add_pvpanic(void **blob, Error **errp);
/* Shrink to the used size. */
void virt_fdt_pack(void *blob);
size_t virt_fdt_size(const void *blob);
bool virt_fdt_dump(const void *blob, const char *path, Error **errp);

#endif
