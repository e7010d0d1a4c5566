/* pcie_host: see pcie_host.h (config space as QEMU's hw/pci-host/gpex.c root function). */
#include "hw/pcie_host.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Type 0 header offsets (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR_ID        0x00
#define PCI_DEVICE_ID        0x02
#define PCI_COMMAND          0x04
#define PCI_CLASS_DEVICE     0x0a
#define PCI_CACHE_LINE_SIZE  0x0c
#define PCI_SUBSYSTEM_VENDOR 0x2c
#define PCI_SUBSYSTEM_ID     0x2e
#define PCI_INTERRUPT_LINE   0x3c
#define PCI_HEADER_END       0x40

/* Command bits the guest may set: I/O, memory, bus master, INTx disable
 * (as QEMU's pci_init_wmask). */
#define PCI_COMMAND_WMASK    0x0407

#define ECAM_FN_SHIFT        12   /* bus << 20 | dev << 15 | fn << 12 | reg */

/* Only the bytes the guest can change are state; the rest of the config
 * space is fixed. */
typedef struct PcieHostState {
    uint16_t command;
    uint8_t cache_line_size;
    uint8_t interrupt_line;
    uint8_t device_specific[PCIE_HOST_CONFIG_SIZE - PCI_HEADER_END];
} PcieHostState;

struct PcieHost {
    PcieHostState s;   /* first: the VMState description covers it */
    char region_names[3][48];   /* the address space keeps them by reference */
};

static uint64_t all_ones(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

static uint8_t pcie_host_fixed_byte(unsigned reg)
{
    switch (reg) {
    case PCI_VENDOR_ID:            return PCIE_HOST_VENDOR_ID & 0xff;
    case PCI_VENDOR_ID + 1:        return PCIE_HOST_VENDOR_ID >> 8;
    case PCI_DEVICE_ID:            return PCIE_HOST_DEVICE_ID & 0xff;
    case PCI_DEVICE_ID + 1:        return PCIE_HOST_DEVICE_ID >> 8;
    case PCI_CLASS_DEVICE + 1:     return 0x06;   /* bridge; subclass 00: host */
    case PCI_SUBSYSTEM_VENDOR:     return 0xf4;   /* 1af4:1100, QEMU's default */
    case PCI_SUBSYSTEM_VENDOR + 1: return 0x1a;
    case PCI_SUBSYSTEM_ID + 1:     return 0x11;
    default:                       return 0;
    }
}

static uint8_t pcie_host_config_byte(const PcieHost *p, unsigned reg)
{
    uint16_t command = p->s.command & PCI_COMMAND_WMASK;
    if (reg >= PCI_HEADER_END) {
        return p->s.device_specific[reg - PCI_HEADER_END];
    }
    switch (reg) {
    case PCI_COMMAND:         return (uint8_t)command;
    case PCI_COMMAND + 1:     return (uint8_t)(command >> 8);
    case PCI_CACHE_LINE_SIZE: return p->s.cache_line_size;
    case PCI_INTERRUPT_LINE:  return p->s.interrupt_line;
    default:                  return pcie_host_fixed_byte(reg);
    }
}

static void pcie_host_config_write(PcieHost *p, unsigned reg, uint8_t v)
{
    PcieHostState *s = &p->s;
    if (reg >= PCI_HEADER_END) {
        s->device_specific[reg - PCI_HEADER_END] = v;
        return;
    }
    switch (reg) {
    case PCI_COMMAND:
        s->command = (uint16_t)((s->command & 0xff00) | (v & PCI_COMMAND_WMASK & 0xff));
        break;
    case PCI_COMMAND + 1:
        s->command = (uint16_t)((s->command & 0x00ff) | ((v << 8) & PCI_COMMAND_WMASK & 0xff00));
        break;
    case PCI_CACHE_LINE_SIZE:
        s->cache_line_size = v;
        break;
    case PCI_INTERRUPT_LINE:
        s->interrupt_line = v;
        break;
    default:
        break;   /* read-only */
    }
}

static uint64_t pcie_host_ecam_read(void *opaque, uint64_t offset, unsigned size)
{
    PcieHost *p = opaque;
    uint64_t fn = offset >> ECAM_FN_SHIFT;
    unsigned reg = (unsigned)(offset & ((1u << ECAM_FN_SHIFT) - 1));
    if (fn != 0 || reg + size > PCIE_HOST_CONFIG_SIZE) {
        return all_ones(size);
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)pcie_host_config_byte(p, reg + i) << (8 * i);
    }
    return v;
}

static void pcie_host_ecam_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    PcieHost *p = opaque;
    uint64_t fn = offset >> ECAM_FN_SHIFT;
    unsigned reg = (unsigned)(offset & ((1u << ECAM_FN_SHIFT) - 1));
    if (fn != 0 || reg + size > PCIE_HOST_CONFIG_SIZE) {
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        pcie_host_config_write(p, reg + i, (uint8_t)(value >> (8 * i)));
    }
}

static const MmioOps pcie_host_ecam_ops = {
    .read = pcie_host_ecam_read,
    .write = pcie_host_ecam_write,
    .valid = { 1, 4 },
    .impl = { 1, 4 },
};

/* The I/O and memory windows: no device claims any address. */
static uint64_t pcie_host_window_read(void *opaque, uint64_t offset, unsigned size)
{
    return all_ones(size);
}

static void pcie_host_window_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
}

static const MmioOps pcie_host_window_ops = {
    .read = pcie_host_window_read,
    .write = pcie_host_window_write,
    .valid = { 1, 8 },
    .impl = { 1, 8 },
};

/* Any saved value is a state the guest could have written: command bits
 * outside the writable mask are never shown, so nothing needs refusing. */
static const VMStateField pcie_host_fields[] = {
    VMSTATE_UINT16(command, PcieHostState),
    VMSTATE_UINT8(cache_line_size, PcieHostState),
    VMSTATE_UINT8(interrupt_line, PcieHostState),
    VMSTATE_BUFFER(device_specific, PcieHostState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription pcie_host_vmsd = {
    .name = "pcie_host",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = pcie_host_fields,
};

void pcie_host_reset(PcieHost *p)
{
    memset(&p->s, 0, sizeof(p->s));
}

static bool pcie_host_map(const Board *b, const char *name, int n, const char *part,
                          uint64_t base, uint64_t size, const MmioOps *ops, PcieHost *p,
                          Error **errp)
{
    char *region = p->region_names[n];
    snprintf(region, sizeof(p->region_names[n]), "%s-%s", name, part);
    return mem_map_mmio(b->as, region, base, size, ops, p, errp);
}

PcieHost *pcie_host_create(const Board *b, const char *name, Error **errp)
{
    PcieHost *p = calloc(1, sizeof(*p));
    if (!p) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    if (!pcie_host_map(b, name, 0, "ecam", VIRT_PCIE_ECAM_BASE, VIRT_PCIE_ECAM_SIZE,
                       &pcie_host_ecam_ops, p, errp) ||
        !pcie_host_map(b, name, 1, "pio", VIRT_PCIE_PIO_BASE, VIRT_PCIE_PIO_SIZE,
                       &pcie_host_window_ops, p, errp) ||
        !pcie_host_map(b, name, 2, "mmio", VIRT_PCIE_MMIO_BASE, VIRT_PCIE_MMIO_SIZE,
                       &pcie_host_window_ops, p, errp)) {
        free(p);
        return NULL;
    }
    pcie_host_reset(p);
    vmstate_register(b->vms, name, &pcie_host_vmsd, &p->s);
    return p;
}

void pcie_host_free(PcieHost *p)
{
    free(p);
}
