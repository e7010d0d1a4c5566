/*
 * disas: RISC-V disassembly for the log (-d in_asm) and the debugger.
 *
 * It reads no memory: it formats the bits it is given, using the decoder's
 * table (cpu/insn.def, riscv_decode()) for what the instruction is, so the
 * log shows exactly what the hart executes. The text follows QEMU 7.2's
 * riscv disassembler, so logs of the two compare line by line: the
 * mnemonic padded to 24 columns, then the operands, then "# 0x<target>"
 * at column 48 for pc-relative instructions; QEMU's pseudo-instructions
 * (mv, li-less addi, j, jr, ret, beqz, bgt with swapped operands, frflags,
 * rdtime, ...) and its CSR names (others as 0x<number>); the rounding mode
 * as the first operand of floating-point instructions that have one.
 * Where QEMU 7.2 has no name for an instruction rrsim implements (Zicbo*,
 * Zicond, Zfa, Zfh), the mnemonic is the specification's.
 */
#ifndef RRSIM_CPU_DISAS_H
#define RRSIM_CPU_DISAS_H

#include <stddef.h>
#include <stdint.h>

/* Disassemble the instruction whose bits are raw (16-bit forms in the low
 * half) at virtual address pc into buf (always NUL-terminated; 96 bytes are
 * always enough). Returns its length in bytes, 2 or 4. */
int riscv_disas(char *buf, size_t size, uint64_t pc, uint32_t raw);

#endif
