/*
 * isa: the hart's CPU models and extension properties, spelled as QEMU
 * spells them for -cpu (rv64,zba=on,sstc=off,...), and the names the device
 * tree and the journal manifest use for the resulting extension set.
 *
 * The extension set is configuration, not state: it is fixed when the hart
 * is created (HartConfig.ext), goes into the manifest as the canonical ISA
 * string (so a replay or snapshot load on another -cpu is refused by name),
 * and is advertised to the guest through riscv,isa / riscv,isa-extensions.
 */
#ifndef RRSIM_CPU_ISA_H
#define RRSIM_CPU_ISA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/base/error.h"

/* The virt board's default hart: QEMU 7.2's default rv64 without H (this
 * hart has no hypervisor extension). */
uint64_t isa_default_ext(void);

/* Parse a -cpu argument: a model (rv64, max) then comma-separated
 * properties. "help" as the model or a property asks for a listing:
 * *help is set and the caller prints isa_help(). Errors are ERR_USAGE. */
bool isa_parse_cpu(const char *arg, uint64_t *ext, bool *help, Error **errp);

/* QEMU 7.2's pmu-num: the default, and the most there are CSRs for. */
#define ISA_DEFAULT_PMU_NUM 16
#define ISA_MAX_PMU_NUM 29

/* isa_parse_cpu() that also gives the number of programmable counters
 * (HartConfig.pmu_num): pmu-num=N, or ISA_DEFAULT_PMU_NUM with zihpm and
 * 0 without it (pmu-num=0 turns zihpm off, another N on). */
bool isa_parse_cpu_pmu(const char *arg, uint64_t *ext, uint32_t *pmu_num, bool *help,
                       Error **errp);

/* Models, or with props the properties of the default model. */
void isa_help(FILE *out, bool props);

/* The canonical ISA string: "rv64imafdc" then "_ext" for each enabled
 * multi-letter extension in the order the ISA manual prescribes. With
 * implied false, extensions QEMU 7.2 leaves out of riscv,isa (zicntr; they
 * are implied there) are left out, so firmware printing the string prints
 * what it prints on QEMU; riscv,isa-extensions and the manifest name them
 * all. Returns the length it needed (snprintf-style). */
size_t isa_string(uint64_t ext, bool implied, char *buf, size_t len);

/* What the journal manifest records: the ISA string with every extension
 * (implied ones too, such as sdtrig), then "_sv57" when Sv57 paging is on
 * (a property, not an extension name). Returns the length it needed
 * (snprintf-style). */
size_t isa_manifest_string(uint64_t ext, char *buf, size_t len);

/* The names of riscv,isa-extensions, one per call: index 0, 1, ... until
 * NULL. Single letters first, then the multi-letter names of ext. */
const char *isa_extension_name(uint64_t ext, unsigned index);

/* The device tree's mmu-type for the largest paging mode ext allows. */
const char *isa_mmu_type(uint64_t ext);

#endif
