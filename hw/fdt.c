/* fdt: see fdt.h. Node layout follows QEMU 7.2 hw/riscv/virt.c create_fdt*(). */
#include "hw/fdt.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/hart.h"
#include "cpu/isa.h"
#include "hw/board.h"
#include "hw/loader.h"
#include "hw/clint.h"
#include "hw/sifive_test.h"

#define FDT_INITIAL_SIZE 0x10000

/* libfdt calls in the builder only fail on a full buffer or a bug; collect
 * the first failure instead of checking each call. */
typedef struct FdtBuilder {
    void *fdt;
    int err;
    int nharts;
} FdtBuilder;

/* Phandles in QEMU's order: the harts from the last down to hart 0 (each
 * one, then its interrupt controller), then the PLIC and the test device. */
static uint32_t ph_cpu(const FdtBuilder *b, int hart)
{
    return 1 + 2 * (uint32_t)(b->nharts - 1 - hart);
}

static uint32_t ph_intc(const FdtBuilder *b, int hart)
{
    return ph_cpu(b, hart) + 1;
}

static uint32_t ph_plic(const FdtBuilder *b)
{
    return 2 * (uint32_t)b->nharts + 1;
}

static uint32_t ph_test(const FdtBuilder *b)
{
    return 2 * (uint32_t)b->nharts + 2;
}

static int fb_node(FdtBuilder *b, int parent, const char *name)
{
    if (b->err) {
        return -1;
    }
    int off = fdt_add_subnode(b->fdt, parent, name);
    if (off < 0) {
        b->err = off;
    }
    return off;
}

static void fb_check(FdtBuilder *b, int rc)
{
    if (rc < 0 && !b->err) {
        b->err = rc;
    }
}

static void fb_str(FdtBuilder *b, int node, const char *prop, const char *val)
{
    if (!b->err) {
        fb_check(b, fdt_setprop_string(b->fdt, node, prop, val));
    }
}

/* A string list property (NUL-separated strings given as one buffer), or
 * any other property given as raw bytes. */
static void fb_strlist(FdtBuilder *b, int node, const char *prop, const char *val, size_t len)
{
    if (!b->err) {
        fb_check(b, fdt_setprop(b->fdt, node, prop, val, (int)len));
    }
}

static void fb_u32(FdtBuilder *b, int node, const char *prop, uint32_t val)
{
    if (!b->err) {
        fb_check(b, fdt_setprop_u32(b->fdt, node, prop, val));
    }
}

static void fb_empty(FdtBuilder *b, int node, const char *prop)
{
    if (!b->err) {
        fb_check(b, fdt_setprop_empty(b->fdt, node, prop));
    }
}

static void fb_cells(FdtBuilder *b, int node, const char *prop, const uint32_t *cells, int n)
{
    fdt32_t buf[128];
    if (b->err) {
        return;
    }
    if (n > (int)(sizeof(buf) / sizeof(buf[0]))) {
        b->err = -FDT_ERR_NOSPACE;
        return;
    }
    for (int i = 0; i < n; i++) {
        buf[i] = cpu_to_fdt32(cells[i]);
    }
    fb_check(b, fdt_setprop(b->fdt, node, prop, buf, n * (int)sizeof(fdt32_t)));
}

/* reg = <addr size> with #address-cells = #size-cells = 2. */
static void fb_reg(FdtBuilder *b, int node, uint64_t addr, uint64_t size)
{
    uint32_t cells[4] = { (uint32_t)(addr >> 32), (uint32_t)addr,
                          (uint32_t)(size >> 32), (uint32_t)size };
    fb_cells(b, node, "reg", cells, 4);
}

#define STRLIST(s) s, sizeof(s)

/* Adding a node moves the ones after it, so parents are found by path. */
static int fb_path(FdtBuilder *b, const char *path)
{
    if (b->err) {
        return -1;
    }
    int off = fdt_path_offset(b->fdt, path);
    if (off < 0) {
        b->err = off;
    }
    return off;
}

static void build_cpu(FdtBuilder *b, int hart, uint64_t ext)
{
    char name[32];
    snprintf(name, sizeof(name), "core%d", hart);
    int core = fb_node(b, fb_path(b, "/cpus/cpu-map/cluster0"), name);
    fb_u32(b, core, "cpu", ph_cpu(b, hart));

    int cpus = fb_path(b, "/cpus");
    snprintf(name, sizeof(name), "cpu@%d", hart);
    int cpu = fb_node(b, cpus, name);
    fb_str(b, cpu, "mmu-type", isa_mmu_type(ext));
    /* Both spellings of the extension set: riscv,isa for firmware and
     * kernels of QEMU 7.2's time, riscv,isa-base/-extensions for newer
     * ones, which prefer them. */
    char isa[512];
    if (isa_string(ext, false, isa, sizeof(isa)) >= sizeof(isa)) {
        fb_check(b, -FDT_ERR_NOSPACE);
    }
    fb_str(b, cpu, "riscv,isa", isa);
    fb_str(b, cpu, "riscv,isa-base", "rv64i");
    char names[512];
    size_t len = 0;
    for (unsigned i = 0; isa_extension_name(ext, i); i++) {
        const char *n = isa_extension_name(ext, i);
        if (len + strlen(n) + 1 > sizeof(names)) {
            fb_check(b, -FDT_ERR_NOSPACE);
            break;
        }
        memcpy(names + len, n, strlen(n) + 1);
        len += strlen(n) + 1;
    }
    fb_strlist(b, cpu, "riscv,isa-extensions", names, len);
    if (ext & HART_EXT_ZICBOM) {
        fb_u32(b, cpu, "riscv,cbom-block-size", HART_CBO_BLOCK);
    }
    if (ext & HART_EXT_ZICBOP) {
        fb_u32(b, cpu, "riscv,cbop-block-size", HART_CBO_BLOCK);
    }
    if (ext & HART_EXT_ZICBOZ) {
        fb_u32(b, cpu, "riscv,cboz-block-size", HART_CBO_BLOCK);
    }
    fb_str(b, cpu, "compatible", "riscv");
    fb_str(b, cpu, "status", "okay");
    fb_u32(b, cpu, "reg", (uint32_t)hart);
    fb_str(b, cpu, "device_type", "cpu");
    fb_u32(b, cpu, "phandle", ph_cpu(b, hart));

    int intc = fb_node(b, cpu, "interrupt-controller");
    fb_u32(b, intc, "phandle", ph_intc(b, hart));
    fb_str(b, intc, "compatible", "riscv,cpu-intc");
    fb_empty(b, intc, "interrupt-controller");
    fb_u32(b, intc, "#interrupt-cells", 1);

}

/* QEMU 7.2 create_fdt_sockets/create_fdt_socket_cpus: one socket, cluster0,
 * the harts created from the last down (each new node goes first, so the
 * tree lists cpu@0 first), each with its coreN in the cpu-map. */
static void build_cpus(FdtBuilder *b, int root, uint64_t ext)
{
    int cpus = fb_node(b, root, "cpus");
    fb_u32(b, cpus, "timebase-frequency", VIRT_TIMEBASE_FREQ);
    fb_u32(b, cpus, "#size-cells", 0);
    fb_u32(b, cpus, "#address-cells", 1);

    int map = fb_node(b, cpus, "cpu-map");
    fb_node(b, map, "cluster0");
    for (int h = b->nharts - 1; h >= 0; h--) {
        build_cpu(b, h, ext);
    }
}

static void build_pcie(FdtBuilder *b, int soc, uint64_t ram_size)
{
    char name[64];
    snprintf(name, sizeof(name), "pci@%llx", (unsigned long long)VIRT_PCIE_ECAM_BASE);
    int pci = fb_node(b, soc, name);
    fb_u32(b, pci, "#address-cells", 3);
    fb_u32(b, pci, "#interrupt-cells", 1);
    fb_u32(b, pci, "#size-cells", 2);
    fb_str(b, pci, "compatible", "pci-host-ecam-generic");
    fb_str(b, pci, "device_type", "pci");
    fb_u32(b, pci, "linux,pci-domain", 0);
    static const uint32_t bus_range[2] = { 0, VIRT_PCIE_ECAM_SIZE / 0x100000 - 1 };
    fb_cells(b, pci, "bus-range", bus_range, 2);
    fb_empty(b, pci, "dma-coherent");
    fb_reg(b, pci, VIRT_PCIE_ECAM_BASE, VIRT_PCIE_ECAM_SIZE);

    /* The high window sits above RAM, aligned to its size (QEMU's
     * virt_high_pcie_memmap for RV64). */
    uint64_t high = VIRT_DRAM_BASE + ram_size;
    high = (high + VIRT_PCIE_HIGH_MMIO_SIZE - 1) & ~(VIRT_PCIE_HIGH_MMIO_SIZE - 1);
    /* <pci space flags, pci addr (2), cpu addr (2), size (2)> per window. */
    const uint32_t ranges[21] = {
        0x1000000, 0, 0, (uint32_t)(VIRT_PCIE_PIO_BASE >> 32), (uint32_t)VIRT_PCIE_PIO_BASE,
        0, (uint32_t)VIRT_PCIE_PIO_SIZE,
        0x2000000, (uint32_t)(VIRT_PCIE_MMIO_BASE >> 32), (uint32_t)VIRT_PCIE_MMIO_BASE,
        (uint32_t)(VIRT_PCIE_MMIO_BASE >> 32), (uint32_t)VIRT_PCIE_MMIO_BASE,
        (uint32_t)(VIRT_PCIE_MMIO_SIZE >> 32), (uint32_t)VIRT_PCIE_MMIO_SIZE,
        0x3000000, (uint32_t)(high >> 32), (uint32_t)high,
        (uint32_t)(high >> 32), (uint32_t)high,
        (uint32_t)(VIRT_PCIE_HIGH_MMIO_SIZE >> 32), (uint32_t)VIRT_PCIE_HIGH_MMIO_SIZE,
    };
    fb_cells(b, pci, "ranges", ranges, 21);

    /* INTx swizzle: slot s pin p (1..4) -> PLIC 0x20 + (s + p - 1) % 4
     * (PCI-to-PCI Bridge 1.2, 9.1), for slots 0..3, masked by slot bits. */
    uint32_t map[4 * 4 * 6];
    int n = 0;
    for (uint32_t slot = 0; slot < 4; slot++) {
        for (uint32_t pin = 1; pin <= 4; pin++) {
            map[n++] = slot << 11;
            map[n++] = 0;
            map[n++] = 0;
            map[n++] = pin;
            map[n++] = ph_plic(b);
            map[n++] = VIRT_PCIE_IRQ + (slot + pin - 1) % VIRT_PCIE_NUM_IRQS;
        }
    }
    fb_cells(b, pci, "interrupt-map", map, n);
    static const uint32_t map_mask[4] = { 0x1800, 0, 0, 7 };
    fb_cells(b, pci, "interrupt-map-mask", map_mask, 4);
}

static void build_soc(FdtBuilder *b, int root, uint64_t ram_size)
{
    char name[64];
    int soc = fb_node(b, root, "soc");
    fb_empty(b, soc, "ranges");
    fb_str(b, soc, "compatible", "simple-bus");
    fb_u32(b, soc, "#size-cells", 2);
    fb_u32(b, soc, "#address-cells", 2);

    /* Created in QEMU's order; each new node goes first, so the tree lists
     * them in reverse. */
    snprintf(name, sizeof(name), "clint@%llx", (unsigned long long)VIRT_CLINT_BASE);
    int clint = fb_node(b, soc, name);
    uint32_t clint_irqs[4 * CLINT_MAX_HARTS], plic_irqs[4 * CLINT_MAX_HARTS];
    for (int h = 0; h < b->nharts; h++) {
        clint_irqs[4 * h] = clint_irqs[4 * h + 2] = ph_intc(b, h);
        clint_irqs[4 * h + 1] = 3;
        clint_irqs[4 * h + 3] = 7;
        /* Context 2h = hart h's M-mode external (11), 2h + 1 its S-mode one (9). */
        plic_irqs[4 * h] = plic_irqs[4 * h + 2] = ph_intc(b, h);
        plic_irqs[4 * h + 1] = 11;
        plic_irqs[4 * h + 3] = 9;
    }
    fb_strlist(b, clint, "compatible", STRLIST("sifive,clint0\0riscv,clint0"));
    fb_reg(b, clint, VIRT_CLINT_BASE, VIRT_CLINT_SIZE);
    fb_cells(b, clint, "interrupts-extended", clint_irqs, 4 * b->nharts);

    snprintf(name, sizeof(name), "plic@%llx", (unsigned long long)VIRT_PLIC_BASE);
    int plic = fb_node(b, soc, name);
    fb_u32(b, plic, "#interrupt-cells", 1);
    fb_u32(b, plic, "#address-cells", 0);
    fb_strlist(b, plic, "compatible", STRLIST("sifive,plic-1.0.0\0riscv,plic0"));
    fb_empty(b, plic, "interrupt-controller");
    fb_cells(b, plic, "interrupts-extended", plic_irqs, 4 * b->nharts);
    fb_reg(b, plic, VIRT_PLIC_BASE, VIRT_PLIC_SIZE);
    fb_u32(b, plic, "riscv,ndev", 96);
    fb_u32(b, plic, "phandle", ph_plic(b));

    for (int i = 0; i < VIRT_VIRTIO_COUNT; i++) {
        uint64_t base = VIRT_VIRTIO_BASE + (uint64_t)i * VIRT_VIRTIO_SIZE;
        snprintf(name, sizeof(name), "virtio_mmio@%llx", (unsigned long long)base);
        int v = fb_node(b, soc, name);
        fb_str(b, v, "compatible", "virtio,mmio");
        fb_reg(b, v, base, VIRT_VIRTIO_SIZE);
        fb_u32(b, v, "interrupt-parent", ph_plic(b));
        fb_u32(b, v, "interrupts", VIRT_VIRTIO_IRQ + (uint32_t)i);
    }

    build_pcie(b, soc, ram_size);

    snprintf(name, sizeof(name), "test@%llx", (unsigned long long)VIRT_TEST_BASE);
    int test = fb_node(b, soc, name);
    fb_strlist(b, test, "compatible", STRLIST("sifive,test1\0sifive,test0\0syscon"));
    fb_reg(b, test, VIRT_TEST_BASE, VIRT_TEST_SIZE);
    fb_u32(b, test, "phandle", ph_test(b));

    snprintf(name, sizeof(name), "serial@%llx", (unsigned long long)VIRT_UART0_BASE);
    int uart = fb_node(b, soc, name);
    fb_str(b, uart, "compatible", "ns16550a");
    fb_reg(b, uart, VIRT_UART0_BASE, VIRT_UART0_SIZE);
    fb_u32(b, uart, "clock-frequency", VIRT_UART_CLOCK);
    fb_u32(b, uart, "interrupt-parent", ph_plic(b));
    fb_u32(b, uart, "interrupts", VIRT_UART0_IRQ);

    snprintf(name, sizeof(name), "rtc@%llx", (unsigned long long)VIRT_RTC_BASE);
    int rtc = fb_node(b, soc, name);
    fb_str(b, rtc, "compatible", "google,goldfish-rtc");
    fb_reg(b, rtc, VIRT_RTC_BASE, VIRT_RTC_SIZE);
    fb_u32(b, rtc, "interrupt-parent", ph_plic(b));
    fb_u32(b, rtc, "interrupts", VIRT_RTC_IRQ);
}

/* The SBI PMU event map QEMU 7.2 advertises for its virt CPU (see QEMU's
 * riscv_pmu_generate_fdt_node): cycles, instructions, and three cache/TLB
 * events, each countable on the programmable counters 3..(2 + pmu_num).
 * Without counters QEMU computes that mask with a 32-bit shift by 32, which
 * on its hosts comes out as 3..31: the same here. */
static void build_pmu(FdtBuilder *b, int root, uint32_t pmu_num)
{
    int pmu = fb_node(b, root, "pmu");
    uint32_t c = pmu_num ? (0xffffffffu >> (32 - pmu_num)) << 3 : 0xfffffff8u;
    const uint32_t events[20] = {
        0x00001, 0x00001, c | 1,        /* cycles: mcycle or a counter */
        0x00002, 0x00002, c | 4,        /* instructions: minstret or a counter */
        0x10019, 0x10019, c,            /* DTLB read miss */
        0x1001b, 0x1001b, c,            /* DTLB write miss */
        0x10021, 0x10021, c,            /* ITLB read miss */
        0, 0, 0, 0, 0,
    };
    fb_str(b, pmu, "compatible", "riscv,pmu");
    fb_cells(b, pmu, "riscv,event-to-mhpmcounters", events, 20);
}

void *virt_fdt_build(uint64_t ram_size, int nharts, uint64_t cpu_ext, uint32_t pmu_num,
                     Error **errp)
{
    FdtBuilder b = { .fdt = calloc(1, FDT_INITIAL_SIZE), .nharts = nharts };
    char name[64];
    if (nharts < 1 || nharts > CLINT_MAX_HARTS) {
        free(b.fdt);
        error_setg(errp, "device tree: %d harts (1..%d)", nharts, CLINT_MAX_HARTS);
        return NULL;
    }
    if (!b.fdt) {
        error_setg(errp, "out of memory building the device tree");
        return NULL;
    }
    fb_check(&b, fdt_create_empty_tree(b.fdt, FDT_INITIAL_SIZE));
    int root = 0;
    fb_str(&b, root, "model", "riscv-virtio,qemu");
    fb_str(&b, root, "compatible", "riscv-virtio");
    fb_u32(&b, root, "#size-cells", 2);
    fb_u32(&b, root, "#address-cells", 2);

    /* Nodes in QEMU's creation order (each new node goes first). */
    build_soc(&b, root, ram_size);
    build_cpus(&b, root, cpu_ext);

    snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)VIRT_DRAM_BASE);
    int mem = fb_node(&b, root, name);
    fb_reg(&b, mem, VIRT_DRAM_BASE, ram_size);
    fb_str(&b, mem, "device_type", "memory");

    snprintf(name, sizeof(name), "platform-bus@%llx",
             (unsigned long long)VIRT_PLATFORM_BUS_BASE);
    int pbus = fb_node(&b, root, name);
    fb_strlist(&b, pbus, "compatible", STRLIST("qemu,platform\0simple-bus"));
    fb_u32(&b, pbus, "#size-cells", 1);
    fb_u32(&b, pbus, "#address-cells", 1);
    static const uint32_t pbus_ranges[4] = { 0, 0, (uint32_t)VIRT_PLATFORM_BUS_BASE,
                                             (uint32_t)VIRT_PLATFORM_BUS_SIZE };
    fb_cells(&b, pbus, "ranges", pbus_ranges, 4);
    fb_u32(&b, pbus, "interrupt-parent", ph_plic(&b));

    int reboot = fb_node(&b, root, "reboot");
    fb_str(&b, reboot, "compatible", "syscon-reboot");
    fb_u32(&b, reboot, "regmap", ph_test(&b));
    fb_u32(&b, reboot, "offset", 0);
    fb_u32(&b, reboot, "value", SIFIVE_TEST_RESET);

    int off = fb_node(&b, root, "poweroff");
    fb_str(&b, off, "compatible", "syscon-poweroff");
    fb_u32(&b, off, "regmap", ph_test(&b));
    fb_u32(&b, off, "offset", 0);
    fb_u32(&b, off, "value", SIFIVE_TEST_PASS);

    int chosen = fb_node(&b, root, "chosen");
    /* QEMU passes 32 host-random bytes here. rrsim passes 32 fixed ones: the
     * tree keeps QEMU's size and layout (so firmware relocates it to the same
     * address), and no host randomness reaches the guest. */
    uint8_t rng_seed[VIRT_FDT_RNG_SEED_LEN];
    for (size_t i = 0; i < sizeof(rng_seed); i++) {
        rng_seed[i] = (uint8_t)(0x72 + 0x9d * i);
    }
    fb_strlist(&b, chosen, "rng-seed", (const char *)rng_seed, sizeof(rng_seed));
    snprintf(name, sizeof(name), "/soc/serial@%llx", (unsigned long long)VIRT_UART0_BASE);
    fb_str(&b, chosen, "stdout-path", name);

    snprintf(name, sizeof(name), "flash@%llx", (unsigned long long)VIRT_FLASH_BASE);
    int flash = fb_node(&b, root, name);
    const uint32_t flash_reg[8] = {
        0, (uint32_t)VIRT_FLASH_BASE, 0, (uint32_t)VIRT_FLASH_SIZE,
        0, (uint32_t)(VIRT_FLASH_BASE + VIRT_FLASH_SIZE), 0, (uint32_t)VIRT_FLASH_SIZE,
    };
    fb_str(&b, flash, "compatible", "cfi-flash");
    fb_cells(&b, flash, "reg", flash_reg, 8);
    fb_u32(&b, flash, "bank-width", 4);

    snprintf(name, sizeof(name), "fw-cfg@%llx", (unsigned long long)VIRT_FW_CFG_BASE);
    int fwcfg = fb_node(&b, root, name);
    fb_str(&b, fwcfg, "compatible", "qemu,fw-cfg-mmio");
    fb_reg(&b, fwcfg, VIRT_FW_CFG_BASE, VIRT_FW_CFG_SIZE);
    fb_empty(&b, fwcfg, "dma-coherent");

    build_pmu(&b, root, (cpu_ext & HART_EXT_ZIHPM) ? pmu_num : 0);

    if (b.err) {
        error_setg(errp, "building the device tree: %s", fdt_strerror(b.err));
        free(b.fdt);
        return NULL;
    }
    return b.fdt;
}

void *virt_fdt_load(const char *path, Error **errp)
{
    FILE *f = loader_open("device tree", path, errp);
    if (!f) {
        return NULL;
    }
    struct fdt_header hdr;
    if (fread(&hdr, 1, sizeof(hdr), f) != sizeof(hdr) || fdt_magic(&hdr) != FDT_MAGIC) {
        fclose(f);
        error_setc(errp, ERR_IMAGE, "'%s' is not a flattened device tree (bad magic)", path);
        return NULL;
    }
    uint32_t total = fdt_totalsize(&hdr);
    if (total < sizeof(hdr) || total > 64u * 1024 * 1024) {
        fclose(f);
        error_setc(errp, ERR_IMAGE, "device tree '%s' has an implausible size %u", path, total);
        return NULL;
    }
    void *blob = calloc(1, total);
    if (!blob) {
        fclose(f);
        error_setg(errp, "out of memory reading '%s'", path);
        return NULL;
    }
    memcpy(blob, &hdr, sizeof(hdr));
    size_t rest = total - sizeof(hdr);
    bool ok = fread((uint8_t *)blob + sizeof(hdr), 1, rest, f) == rest;
    fclose(f);
    if (!ok) {
        free(blob);
        error_setc(errp, ERR_IMAGE, "device tree '%s' is truncated (header says %u bytes)",
                   path, total);
        return NULL;
    }
    int rc = fdt_check_full(blob, total);
    if (rc < 0) {
        free(blob);
        error_setc(errp, ERR_IMAGE, "device tree '%s' is invalid: %s", path, fdt_strerror(rc));
        return NULL;
    }
    return blob;
}

bool virt_fdt_set_chosen(void **blob, const char *bootargs, uint64_t initrd_start,
                         uint64_t initrd_end, Error **errp)
{
    size_t need = fdt_totalsize(*blob) + 1024 + (bootargs ? strlen(bootargs) : 0);
    void *nb = calloc(1, need);
    if (!nb) {
        error_setg(errp, "out of memory editing the device tree");
        return false;
    }
    FdtBuilder b = { .fdt = nb };
    fb_check(&b, fdt_open_into(*blob, nb, (int)need));
    int chosen = b.err ? -1 : fdt_path_offset(nb, "/chosen");
    if (!b.err && chosen < 0) {
        chosen = fb_node(&b, 0, "chosen");
    }
    if (bootargs) {
        fb_str(&b, chosen, "bootargs", bootargs);
    }
    if (initrd_end > initrd_start) {
        if (!b.err) {
            fb_check(&b, fdt_setprop_u64(nb, chosen, "linux,initrd-start", initrd_start));
            fb_check(&b, fdt_setprop_u64(nb, chosen, "linux,initrd-end", initrd_end));
        }
    }
    if (b.err) {
        free(nb);
        error_setc(errp, ERR_IMAGE, "editing /chosen in the device tree: %s",
                   fdt_strerror(b.err));
        return false;
    }
    free(*blob);
    *blob = nb;
    return true;
}

bool virt_fdt_add_pvpanic(void **blob, Error **errp)
{
    size_t need = fdt_totalsize(*blob) + 256;
    void *nb = calloc(1, need);
    if (!nb) {
        error_setg(errp, "out of memory editing the device tree");
        return false;
    }
    FdtBuilder b = { .fdt = nb };
    fb_check(&b, fdt_open_into(*blob, nb, (int)need));
    int soc = b.err ? -1 : fdt_path_offset(nb, "/soc");
    if (!b.err && soc < 0) {
        b.err = soc;
    }
    char name[32];
    snprintf(name, sizeof(name), "pvpanic@%llx", (unsigned long long)VIRT_PVPANIC_BASE);
    int node = b.err ? -1 : fb_node(&b, soc, name);
    fb_str(&b, node, "compatible", "qemu,pvpanic-mmio");
    /* One byte register; QEMU's arm virt describes its pvpanic-mmio as 2. */
    fb_reg(&b, node, VIRT_PVPANIC_BASE, 2);
    if (b.err) {
        free(nb);
        error_setc(errp, ERR_IMAGE, "adding pvpanic to the device tree: %s", fdt_strerror(b.err));
        return false;
    }
    free(*blob);
    *blob = nb;
    return true;
}

void virt_fdt_pack(void *blob)
{
    fdt_pack(blob);
}

size_t virt_fdt_size(const void *blob)
{
    return fdt_totalsize(blob);
}

bool virt_fdt_dump(const void *blob, const char *path, Error **errp)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        error_setg_errno(errp, errno, "cannot create '%s'", path);
        return false;
    }
    size_t n = fdt_totalsize(blob);
    bool ok = fwrite(blob, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    if (!ok) {
        error_setg_errno(errp, errno, "writing '%s'", path);
    }
    return ok;
}
