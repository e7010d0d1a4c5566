/* fdt: see fdt.h. Node layout follows QEMU 7.2 hw/riscv/virt.c create_fdt*(). */
#include "hw/fdt.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/board.h"
#include "hw/sifive_test.h"

#define FDT_INITIAL_SIZE 0x10000

enum { PH_CPU0 = 1, PH_CPU0_INTC, PH_PLIC, PH_TEST };

/* libfdt calls in the builder only fail on a full buffer or a bug; collect
 * the first failure instead of checking each call. */
typedef struct FdtBuilder {
    void *fdt;
    int err;
} FdtBuilder;

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

/* A string list property: NUL-separated strings given as one buffer. */
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
    if (b->err) {
        return;
    }
    fdt32_t buf[8];
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

static void build_cpus(FdtBuilder *b, int root)
{
    int cpus = fb_node(b, root, "cpus");
    fb_u32(b, cpus, "#address-cells", 1);
    fb_u32(b, cpus, "#size-cells", 0);
    fb_u32(b, cpus, "timebase-frequency", VIRT_TIMEBASE_FREQ);

    int cpu = fb_node(b, cpus, "cpu@0");
    fb_u32(b, cpu, "phandle", PH_CPU0);
    fb_str(b, cpu, "device_type", "cpu");
    fb_u32(b, cpu, "reg", 0);
    fb_str(b, cpu, "status", "okay");
    fb_str(b, cpu, "compatible", "riscv");
    fb_str(b, cpu, "riscv,isa", VIRT_FDT_ISA);
    fb_str(b, cpu, "mmu-type", VIRT_FDT_MMU);

    int intc = fb_node(b, cpu, "interrupt-controller");
    fb_u32(b, intc, "#interrupt-cells", 1);
    fb_empty(b, intc, "interrupt-controller");
    fb_str(b, intc, "compatible", "riscv,cpu-intc");
    fb_u32(b, intc, "phandle", PH_CPU0_INTC);

    int map = fb_node(b, cpus, "cpu-map");
    int cluster = fb_node(b, map, "cluster0");
    int core = fb_node(b, cluster, "core0");
    fb_u32(b, core, "cpu", PH_CPU0);
}

static void build_soc(FdtBuilder *b, int root)
{
    char name[64];
    int soc = fb_node(b, root, "soc");
    fb_u32(b, soc, "#address-cells", 2);
    fb_u32(b, soc, "#size-cells", 2);
    fb_str(b, soc, "compatible", "simple-bus");
    fb_empty(b, soc, "ranges");

    snprintf(name, sizeof(name), "rtc@%llx", (unsigned long long)VIRT_RTC_BASE);
    int rtc = fb_node(b, soc, name);
    fb_u32(b, rtc, "interrupts", VIRT_RTC_IRQ);
    fb_u32(b, rtc, "interrupt-parent", PH_PLIC);
    fb_reg(b, rtc, VIRT_RTC_BASE, VIRT_RTC_SIZE);
    fb_str(b, rtc, "compatible", "google,goldfish-rtc");

    snprintf(name, sizeof(name), "serial@%llx", (unsigned long long)VIRT_UART0_BASE);
    int uart = fb_node(b, soc, name);
    fb_u32(b, uart, "interrupts", VIRT_UART0_IRQ);
    fb_u32(b, uart, "interrupt-parent", PH_PLIC);
    fb_u32(b, uart, "clock-frequency", VIRT_UART_CLOCK);
    fb_reg(b, uart, VIRT_UART0_BASE, VIRT_UART0_SIZE);
    fb_str(b, uart, "compatible", "ns16550a");

    snprintf(name, sizeof(name), "test@%llx", (unsigned long long)VIRT_TEST_BASE);
    int test = fb_node(b, soc, name);
    fb_u32(b, test, "phandle", PH_TEST);
    fb_reg(b, test, VIRT_TEST_BASE, VIRT_TEST_SIZE);
    fb_strlist(b, test, "compatible", STRLIST("sifive,test1\0sifive,test0\0syscon"));

    snprintf(name, sizeof(name), "plic@%llx", (unsigned long long)VIRT_PLIC_BASE);
    int plic = fb_node(b, soc, name);
    fb_u32(b, plic, "phandle", PH_PLIC);
    fb_u32(b, plic, "riscv,ndev", 96);
    fb_reg(b, plic, VIRT_PLIC_BASE, VIRT_PLIC_SIZE);
    /* Context 0 = hart 0 M-mode external (11), context 1 = S-mode external (9). */
    static const uint32_t plic_irqs[4] = { PH_CPU0_INTC, 11, PH_CPU0_INTC, 9 };
    fb_cells(b, plic, "interrupts-extended", plic_irqs, 4);
    fb_empty(b, plic, "interrupt-controller");
    fb_strlist(b, plic, "compatible", STRLIST("sifive,plic-1.0.0\0riscv,plic0"));
    fb_u32(b, plic, "#address-cells", 0);
    fb_u32(b, plic, "#interrupt-cells", 1);

    snprintf(name, sizeof(name), "clint@%llx", (unsigned long long)VIRT_CLINT_BASE);
    int clint = fb_node(b, soc, name);
    static const uint32_t clint_irqs[4] = { PH_CPU0_INTC, 3, PH_CPU0_INTC, 7 };
    fb_cells(b, clint, "interrupts-extended", clint_irqs, 4);
    fb_reg(b, clint, VIRT_CLINT_BASE, VIRT_CLINT_SIZE);
    fb_strlist(b, clint, "compatible", STRLIST("sifive,clint0\0riscv,clint0"));
}

void *virt_fdt_build(uint64_t ram_size, Error **errp)
{
    FdtBuilder b = { .fdt = calloc(1, FDT_INITIAL_SIZE) };
    char name[64];
    if (!b.fdt) {
        error_setg(errp, "out of memory building the device tree");
        return NULL;
    }
    fb_check(&b, fdt_create_empty_tree(b.fdt, FDT_INITIAL_SIZE));
    int root = 0;
    fb_u32(&b, root, "#address-cells", 2);
    fb_u32(&b, root, "#size-cells", 2);
    fb_str(&b, root, "compatible", "riscv-virtio");
    fb_str(&b, root, "model", "riscv-virtio,qemu");

    int chosen = fb_node(&b, root, "chosen");
    snprintf(name, sizeof(name), "/soc/serial@%llx", (unsigned long long)VIRT_UART0_BASE);
    fb_str(&b, chosen, "stdout-path", name);

    int off = fb_node(&b, root, "poweroff");
    fb_u32(&b, off, "value", SIFIVE_TEST_PASS);
    fb_u32(&b, off, "offset", 0);
    fb_u32(&b, off, "regmap", PH_TEST);
    fb_str(&b, off, "compatible", "syscon-poweroff");

    int reboot = fb_node(&b, root, "reboot");
    fb_u32(&b, reboot, "value", SIFIVE_TEST_RESET);
    fb_u32(&b, reboot, "offset", 0);
    fb_u32(&b, reboot, "regmap", PH_TEST);
    fb_str(&b, reboot, "compatible", "syscon-reboot");

    snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)VIRT_DRAM_BASE);
    int mem = fb_node(&b, root, name);
    fb_str(&b, mem, "device_type", "memory");
    fb_reg(&b, mem, VIRT_DRAM_BASE, ram_size);

    build_cpus(&b, root);
    build_soc(&b, root);

    if (b.err) {
        error_setg(errp, "building the device tree: %s", fdt_strerror(b.err));
        free(b.fdt);
        return NULL;
    }
    return b.fdt;
}

void *virt_fdt_load(const char *path, Error **errp)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        error_setc(errp, ERR_IMAGE, "cannot open device tree '%s': %s", path, strerror(errno));
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
