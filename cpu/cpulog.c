/*
 * cpulog: what the hart writes to the log (-d in_asm, exec, cpu, int, mmu),
 * in QEMU 7.2's formats so that its users read it as they read QEMU's.
 *
 * Everything here reads state the run already has: a translated block's
 * Insns (their bits, as decoded: no memory read), the registers through
 * csr_debug_read() (no side effects). Where QEMU prints a host pointer
 * (the translated code in "Trace"), this prints the block's physical
 * address instead, so the log stays the same from run to run.
 */
#include <inttypes.h>
#include <stdio.h>

#include "cpu/disas.h"
#include "cpu/internal.h"

void cpu_log_translated(Hart *h, const TB *tb)
{
    char line[128];
    if (!log_addr_in(h->log, tb->vpc))
        return;
    log_printf(h->log, "----------------\nIN: \nPriv: %u; Virt: 0\n", h->s.priv);
    for (uint32_t i = 0; i < tb->n; i++) {
        const Insn *in = &tb->insns[i];
        riscv_disas(line, sizeof(line), in->pc, in->raw);
        log_printf(h->log, "0x%016" PRIx64 ":  %s\n", in->pc, line);
    }
    log_printf(h->log, "\n");
}

void cpu_log_block(Hart *h, const TB *tb)
{
    if (!log_addr_in(h->log, tb->vpc))
        return;
    /* QEMU: "Trace cpu: host-code [cs_base/pc/flags/cflags] symbol"; here
     * the block's physical address, the privilege as flags, and its
     * instruction count as cflags. */
    if (log_on(h->log, LOG_EXEC))
        log_printf(h->log, "Trace %d: 0x%" PRIx64 " [%016" PRIx64 "/%016" PRIx64 "/%08x/%08x] \n",
                   (int)h->cfg.hartid, tb->ppc, (uint64_t)0, tb->vpc, h->s.priv, tb->n);
    if (log_on(h->log, LOG_CPU))
        hart_dump_state(h, h->log->out, log_on(h->log, LOG_FPU));
}

static const char *const exc_names[] = {
    "misaligned_fetch", "fault_fetch", "illegal_instruction", "breakpoint",
    "misaligned_load", "fault_load", "misaligned_store", "fault_store",
    "user_ecall", "supervisor_ecall", "hypervisor_ecall", "machine_ecall",
    "exec_page_fault", "load_page_fault", "reserved", "store_page_fault",
};

static const char *const irq_names[] = {
    "u_software", "s_software", "vs_software", "m_software",
    "u_timer", "s_timer", "vs_timer", "m_timer",
    "u_external", "s_external", "vs_external", "m_external",
    "reserved", "reserved", "reserved", "reserved",
};

void cpu_log_trap(Hart *h, uint64_t cause, uint64_t tval, uint64_t epc, bool irq)
{
    const char *desc = cause < 16 ? (irq ? irq_names : exc_names)[cause] : "(unknown)";
    if (irq && cause == IRQ_LCOFI)
        desc = "count_overflow";
    if (!log_addr_in(h->log, epc))
        return;
    log_printf(h->log, "riscv_cpu_do_interrupt: hart:%d, async:%d, cause:%016" PRIx64
               ", epc:0x%016" PRIx64 ", tval:0x%016" PRIx64 ", desc=%s\n",
               (int)h->cfg.hartid, irq, cause, epc, tval, desc);
}

void cpu_log_translate(Hart *h, uint64_t va, Access acc, int priv, bool ok, uint64_t pa)
{
    static const int prot[3] = { 1, 2, 4 };    /* QEMU's PAGE_READ, PAGE_WRITE, PAGE_EXEC */
    if (!log_addr_in(h->log, va))
        return;
    log_printf(h->log, "riscv_cpu_tlb_fill ad %" PRIx64 " rw %d mmu_idx %d\n", va, (int)acc, priv);
    log_printf(h->log, "riscv_cpu_tlb_fill address=%" PRIx64 " ret %d physical %016" PRIx64
               " prot %d\n", va, ok ? 0 : 1, pa, ok ? prot[acc] : 0);
}

static uint64_t csr(Hart *h, unsigned num)
{
    uint64_t v = 0;
    csr_debug_read(h, num, &v);
    return v;
}

void hart_dump_state(Hart *h, FILE *out, bool fpu)
{
    static const struct { const char *name; unsigned num; } csrs[] = {
        { "mhartid", 0xf14 }, { "mstatus", 0x300 }, { "mip", 0x344 }, { "mie", 0x304 },
        { "mideleg", 0x303 }, { "medeleg", 0x302 }, { "mtvec", 0x305 }, { "stvec", 0x105 },
        { "mepc", 0x341 }, { "sepc", 0x141 }, { "mcause", 0x342 }, { "scause", 0x142 },
        { "mtval", 0x343 }, { "stval", 0x143 }, { "mscratch", 0x340 },
        { "sscratch", 0x140 }, { "satp", 0x180 },
    };
    static const char *const xn[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2",
        "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9",
        "s10", "s11", "t3", "t4", "t5", "t6",
    };
    static const char *const fn[32] = {
        "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1",
        "fa2", "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7",
        "fs8", "fs9", "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
    };
    char name[16];

    fprintf(out, " %-8s %016" PRIx64 "\n", "pc", h->s.pc);
    for (size_t i = 0; i < sizeof(csrs) / sizeof(csrs[0]); i++)
        fprintf(out, " %-8s %016" PRIx64 "\n", csrs[i].name, csr(h, csrs[i].num));
    for (int i = 0; i < 32; i++) {
        snprintf(name, sizeof(name), "x%d/%s", i, xn[i]);
        fprintf(out, " %-8s %016" PRIx64 "%s", name, i ? h->s.x[i] : 0, (i & 3) == 3 ? "\n" : "");
    }
    if (fpu) {
        for (int i = 0; i < 32; i++) {
            snprintf(name, sizeof(name), "f%d/%s", i, fn[i]);
            fprintf(out, " %-8s %016" PRIx64 "%s", name, h->s.f[i], (i & 3) == 3 ? "\n" : "");
        }
    }
}
