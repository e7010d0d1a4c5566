/*
 * cpu_test_util: a tiny machine for host-side hart tests — RAM at
 * TM_RAM_BASE, a probe device at TM_DEV_BASE, and instruction encoders.
 *
 * Probe device registers (all 8 bytes):
 *   +0x00 W: record the value and hart_icount(); bit 8 set -> drive MEIP to bit 0
 *   +0x08 W: hart_kick()
 *   +0x10 R: hart_icount() at the access
 */
#ifndef RRSIM_TESTS_CPU_TEST_UTIL_H
#define RRSIM_TESTS_CPU_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/hart.h"

#define TM_RAM_BASE 0x80000000ull
#define TM_RAM_SIZE (4u << 20)
#define TM_DEV_BASE 0x10000000ull

typedef struct TestMachine {
    AddressSpace as;
    uint8_t *ram;
    Hart *h;
    uint64_t dev_value, dev_icount;
    int dev_writes;
    uint64_t time;
    uint64_t stimecmp;      /* last HartConfig.stimecmp_changed() report */
    bool stce;
    int stimecmp_calls;
    int slot;               /* scratch for tests placing code snippets */
} TestMachine;

TestMachine *tm_new(void);
/* The same with optional extensions (HART_EXT_*) enabled. */
TestMachine *tm_new_ext(uint64_t ext);
/* ... and HartConfig.pmu_num (Zihpm's programmable counters). */
TestMachine *tm_new_pmu(uint64_t ext, uint32_t pmu_num);
void tm_free(TestMachine *m);
void tm_w32(TestMachine *m, uint64_t addr, uint32_t v);
void tm_w16(TestMachine *m, uint64_t addr, uint16_t v);
void tm_w64(TestMachine *m, uint64_t addr, uint64_t v);
uint32_t tm_r32(TestMachine *m, uint64_t addr);
uint64_t tm_r64(TestMachine *m, uint64_t addr);
/* CSR through the debugger interface. */
uint64_t tm_csr(TestMachine *m, unsigned csr);
void tm_set_csr(TestMachine *m, unsigned csr, uint64_t v);

/* A cursor that appends 32-bit instructions. */
typedef struct Asm {
    TestMachine *m;
    uint64_t pc;
} Asm;
static inline void emit(Asm *a, uint32_t insn) { tm_w32(a->m, a->pc, insn); a->pc += 4; }
static inline void emit16(Asm *a, uint16_t insn) { tm_w16(a->m, a->pc, insn); a->pc += 2; }

/* Encoders (unprivileged spec chapter 2 formats). */
static inline uint32_t enc_r(unsigned f7, unsigned rs2, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{ return (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op; }
static inline uint32_t enc_i(int32_t imm, unsigned rs1, unsigned f3, unsigned rd, unsigned op)
{ return ((uint32_t)imm << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op; }
static inline uint32_t enc_s(int32_t imm, unsigned rs2, unsigned rs1, unsigned f3, unsigned op)
{ uint32_t u = (uint32_t)imm; return ((u >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((u & 31) << 7) | op; }
static inline uint32_t enc_b(int32_t off, unsigned rs2, unsigned rs1, unsigned f3)
{
    uint32_t u = (uint32_t)off;
    return (((u >> 12) & 1) << 31) | (((u >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
           (f3 << 12) | (((u >> 1) & 0xf) << 8) | (((u >> 11) & 1) << 7) | 0x63;
}
static inline uint32_t enc_j(int32_t off, unsigned rd)
{
    uint32_t u = (uint32_t)off;
    return (((u >> 20) & 1) << 31) | (((u >> 1) & 0x3ff) << 21) | (((u >> 11) & 1) << 20) |
           (((u >> 12) & 0xff) << 12) | (rd << 7) | 0x6f;
}
#define ADDI(rd, rs1, imm) enc_i((imm), (rs1), 0, (rd), 0x13)
#define SLLI(rd, rs1, sh)  enc_i((sh), (rs1), 1, (rd), 0x13)
#define ADD(rd, a, b)      enc_r(0, (b), (a), 0, (rd), 0x33)
#define SUB(rd, a, b)      enc_r(0x20, (b), (a), 0, (rd), 0x33)
#define XOR(rd, a, b)      enc_r(0, (b), (a), 4, (rd), 0x33)
#define MUL(rd, a, b)      enc_r(1, (b), (a), 0, (rd), 0x33)
#define DIV(rd, a, b)      enc_r(1, (b), (a), 4, (rd), 0x33)
#define REMU(rd, a, b)     enc_r(1, (b), (a), 7, (rd), 0x33)
#define ADDW(rd, a, b)     enc_r(0, (b), (a), 0, (rd), 0x3b)
#define LUI(rd, imm20)     (((uint32_t)(imm20) << 12) | ((rd) << 7) | 0x37)
#define AUIPC(rd, imm20)   (((uint32_t)(imm20) << 12) | ((rd) << 7) | 0x17)
#define LB(rd, rs1, imm)   enc_i((imm), (rs1), 0, (rd), 0x03)
#define LW(rd, rs1, imm)   enc_i((imm), (rs1), 2, (rd), 0x03)
#define LD(rd, rs1, imm)   enc_i((imm), (rs1), 3, (rd), 0x03)
#define SB(rs2, rs1, imm)  enc_s((imm), (rs2), (rs1), 0, 0x23)
#define SW(rs2, rs1, imm)  enc_s((imm), (rs2), (rs1), 2, 0x23)
#define SD(rs2, rs1, imm)  enc_s((imm), (rs2), (rs1), 3, 0x23)
#define BEQ(a, b, off)     enc_b((off), (b), (a), 0)
#define BNE(a, b, off)     enc_b((off), (b), (a), 1)
#define BLT(a, b, off)     enc_b((off), (b), (a), 4)
#define JAL(rd, off)       enc_j((off), (rd))
#define JALR(rd, rs1, imm) enc_i((imm), (rs1), 0, (rd), 0x67)
#define CSRRW(rd, csr, rs1) enc_i((int32_t)(csr), (rs1), 1, (rd), 0x73)
#define CSRRS(rd, csr, rs1) enc_i((int32_t)(csr), (rs1), 2, (rd), 0x73)
#define CSRRC(rd, csr, rs1) enc_i((int32_t)(csr), (rs1), 3, (rd), 0x73)
#define ECALL  0x00000073u
#define EBREAK 0x00100073u
#define MRET   0x30200073u
#define SRET   0x10200073u
#define WFI    0x10500073u
#define FENCE_I 0x0000100fu
#define SFENCE_VMA 0x12000073u
#define LR_W(rd, rs1)      enc_r(0x02 << 2, 0, (rs1), 2, (rd), 0x2f)
#define SC_W(rd, rs1, rs2) enc_r(0x03 << 2, (rs2), (rs1), 2, (rd), 0x2f)
#define AMOADD_W(rd, rs1, rs2) enc_r(0x00, (rs2), (rs1), 2, (rd), 0x2f)
#define NOP ADDI(0, 0, 0)

/* Load a 64-bit constant into rd (lui/addi/slli sequence, at most 8 insns). */
void asm_li(Asm *a, unsigned rd, uint64_t v);

#endif
