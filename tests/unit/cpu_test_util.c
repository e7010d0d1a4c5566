#include "cpu_test_util.h"

#include <stdlib.h>
#include <string.h>

static uint64_t dev_read(void *opaque, uint64_t off, unsigned size)
{
    TestMachine *m = opaque;
    (void)size;
    if (off == 0x10)
        return hart_icount(m->h);
    return 0;
}

static void dev_write(void *opaque, uint64_t off, uint64_t v, unsigned size)
{
    TestMachine *m = opaque;
    (void)size;
    if (off == 0) {
        m->dev_value = v;
        m->dev_icount = hart_icount(m->h);
        m->dev_writes++;
        if (v & 0x100)
            hart_set_irq(m->h, MIP_MEIP, v & 1);
    } else if (off == 8) {
        hart_kick(m->h);
    }
}

static const MmioOps dev_ops = {
    .read = dev_read,
    .write = dev_write,
    .valid = { 1, 8 },
    .impl = { 8, 8 },
};

static uint64_t tm_time(void *opaque)
{
    TestMachine *m = opaque;
    return m->time + hart_icount(m->h);
}

static void tm_stimecmp(void *opaque, uint64_t stimecmp, bool enabled)
{
    TestMachine *m = opaque;
    m->stimecmp = stimecmp;
    m->stce = enabled;
    m->stimecmp_calls++;
}

TestMachine *tm_new(void)
{
    return tm_new_ext(0);
}

TestMachine *tm_new_ext(uint64_t ext)
{
    return tm_new_pmu(ext, 0);
}

TestMachine *tm_new_pmu(uint64_t ext, uint32_t pmu_num)
{
    TestMachine *m = calloc(1, sizeof(*m));
    HartConfig cfg = { .hartid = 0, .ext = ext, .pmu_num = pmu_num, .reset_pc = TM_RAM_BASE,
                       .read_time = tm_time, .stimecmp_changed = tm_stimecmp };
    mem_init(&m->as);
    m->ram = calloc(1, TM_RAM_SIZE);
    if (!mem_map_ram(&m->as, "ram", TM_RAM_BASE, TM_RAM_SIZE, m->ram, false, NULL) ||
        !mem_map_mmio(&m->as, "probe", TM_DEV_BASE, 0x1000, &dev_ops, m, NULL))
        abort();
    cfg.time_opaque = m;
    m->h = hart_new(&m->as, &cfg, NULL);
    if (!m->h)
        abort();
    return m;
}

void tm_free(TestMachine *m)
{
    hart_free(m->h);
    mem_destroy(&m->as);
    free(m->ram);
    free(m);
}

void tm_w32(TestMachine *m, uint64_t addr, uint32_t v) { memcpy(m->ram + (addr - TM_RAM_BASE), &v, 4); }
void tm_w16(TestMachine *m, uint64_t addr, uint16_t v) { memcpy(m->ram + (addr - TM_RAM_BASE), &v, 2); }
void tm_w64(TestMachine *m, uint64_t addr, uint64_t v) { memcpy(m->ram + (addr - TM_RAM_BASE), &v, 8); }
uint32_t tm_r32(TestMachine *m, uint64_t addr) { uint32_t v; memcpy(&v, m->ram + (addr - TM_RAM_BASE), 4); return v; }
uint64_t tm_r64(TestMachine *m, uint64_t addr) { uint64_t v; memcpy(&v, m->ram + (addr - TM_RAM_BASE), 8); return v; }

uint64_t tm_csr(TestMachine *m, unsigned csr)
{
    uint64_t v = 0;
    if (!hart_read_reg(m->h, 65 + (int)csr, &v))
        abort();
    return v;
}

void tm_set_csr(TestMachine *m, unsigned csr, uint64_t v)
{
    if (!hart_write_reg(m->h, 65 + (int)csr, v))
        abort();
}

void asm_li(Asm *a, unsigned rd, uint64_t v)
{
    /* Build from the top 32 bits down, 11 bits at a time; simple and exact. */
    int64_t hi = (int64_t)v >> 32;
    uint32_t lo = (uint32_t)v;
    int32_t h20 = (int32_t)((hi + 0x800) >> 12);
    int32_t l12 = (int32_t)(hi - (int64_t)h20 * 4096);
    emit(a, LUI(rd, (uint32_t)h20 & 0xfffff));
    emit(a, ADDI(rd, rd, l12));
    emit(a, SLLI(rd, rd, 11));
    emit(a, ADDI(rd, rd, (int32_t)((lo >> 21) & 0x7ff)));
    emit(a, SLLI(rd, rd, 11));
    emit(a, ADDI(rd, rd, (int32_t)((lo >> 10) & 0x7ff)));
    emit(a, SLLI(rd, rd, 10));
    emit(a, ADDI(rd, rd, (int32_t)(lo & 0x3ff)));
}
