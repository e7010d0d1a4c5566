/*
 * Start code and trap entry points shared by all guest programs.
 *
 * _start runs in M mode straight from the reset vector (QEMU's -bios none
 * jumps here with a0 = hartid, a1 = FDT).  It parks secondary harts, sets up
 * the stack, clears .bss, turns the FPU on, installs a catch-all PMP entry
 * (priv spec 3.7.1: S/U accesses that match no entry fail) and calls main().
 *
 * Trap entries save the integer registers into a RtFrame on a dedicated
 * trap stack (reached through mscratch/sscratch, so a trap from a lower mode
 * with any sp is safe) and call rt_trap_m / rt_trap_s in rt.c.  The handler
 * may change epc and status in the frame; they are written back before xRET.
 */
#include "rt_asm.h"

    .section .text.init, "ax"
    .option norvc
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    la      sp, __stack_top
    la      t0, __bss_start
    la      t1, __bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    /* PMP may be absent: skip the writes if they trap. */
    la      t0, 3f
    csrw    mtvec, t0
    li      t0, -1
    csrw    pmpaddr15, t0
    li      t0, (0x1f << 56)            /* entry 15: NAPOT, RWX */
    csrw    pmpcfg2, t0
    .balign 4
3:
    li      t0, MSTATUS_FS_INITIAL
    csrs    mstatus, t0
    csrwi   fcsr, 0
    la      t0, __trap_stack_m_top
    csrw    mscratch, t0
    la      t0, __trap_stack_s_top
    csrw    sscratch, t0
    la      t0, rt_trap_entry_m
    csrw    mtvec, t0
    call    main
    call    rt_exit
park:
    wfi
    j       park

/* ---- M-mode trap entry ------------------------------------------------ */
.macro SAVE_REGS
    sd      x1, 1*8(sp)
    sd      x3, 3*8(sp)
    sd      x4, 4*8(sp)
    sd      x5, 5*8(sp)
    sd      x6, 6*8(sp)
    sd      x7, 7*8(sp)
    sd      x8, 8*8(sp)
    sd      x9, 9*8(sp)
    sd      x10, 10*8(sp)
    sd      x11, 11*8(sp)
    sd      x12, 12*8(sp)
    sd      x13, 13*8(sp)
    sd      x14, 14*8(sp)
    sd      x15, 15*8(sp)
    sd      x16, 16*8(sp)
    sd      x17, 17*8(sp)
    sd      x18, 18*8(sp)
    sd      x19, 19*8(sp)
    sd      x20, 20*8(sp)
    sd      x21, 21*8(sp)
    sd      x22, 22*8(sp)
    sd      x23, 23*8(sp)
    sd      x24, 24*8(sp)
    sd      x25, 25*8(sp)
    sd      x26, 26*8(sp)
    sd      x27, 27*8(sp)
    sd      x28, 28*8(sp)
    sd      x29, 29*8(sp)
    sd      x30, 30*8(sp)
    sd      x31, 31*8(sp)
.endm

.macro RESTORE_REGS
    ld      x1, 1*8(sp)
    ld      x3, 3*8(sp)
    ld      x4, 4*8(sp)
    ld      x5, 5*8(sp)
    ld      x6, 6*8(sp)
    ld      x7, 7*8(sp)
    ld      x8, 8*8(sp)
    ld      x9, 9*8(sp)
    ld      x10, 10*8(sp)
    ld      x11, 11*8(sp)
    ld      x12, 12*8(sp)
    ld      x13, 13*8(sp)
    ld      x14, 14*8(sp)
    ld      x15, 15*8(sp)
    ld      x16, 16*8(sp)
    ld      x17, 17*8(sp)
    ld      x18, 18*8(sp)
    ld      x19, 19*8(sp)
    ld      x20, 20*8(sp)
    ld      x21, 21*8(sp)
    ld      x22, 22*8(sp)
    ld      x23, 23*8(sp)
    ld      x24, 24*8(sp)
    ld      x25, 25*8(sp)
    ld      x26, 26*8(sp)
    ld      x27, 27*8(sp)
    ld      x28, 28*8(sp)
    ld      x29, 29*8(sp)
    ld      x30, 30*8(sp)
    ld      x31, 31*8(sp)
.endm

    .text
    .balign 256
    .globl rt_trap_entry_m
rt_trap_entry_m:
    csrrw   sp, mscratch, sp
    addi    sp, sp, -FRAME_SIZE
    SAVE_REGS
    csrr    t0, mscratch
    sd      t0, 2*8(sp)
    csrr    t0, mepc
    sd      t0, FRAME_EPC(sp)
    csrr    t0, mcause
    sd      t0, FRAME_CAUSE(sp)
    csrr    t0, mtval
    sd      t0, FRAME_TVAL(sp)
    csrr    t0, mstatus
    sd      t0, FRAME_STATUS(sp)
    mv      a0, sp
    call    rt_trap_m
    ld      t0, FRAME_EPC(sp)
    csrw    mepc, t0
    ld      t0, FRAME_STATUS(sp)
    csrw    mstatus, t0
    addi    t0, sp, FRAME_SIZE
    csrw    mscratch, t0
    RESTORE_REGS
    ld      sp, 2*8(sp)
    mret

/*
 * Vectored M-mode table (mtvec.MODE = 1): exceptions use entry 0, interrupt
 * cause N jumps to base + 4*N (priv spec 3.1.7).  Every slot lands in the
 * common entry; the C handler sees the cause in the frame.  Slots 1-15
 * first record that they were used, so a test can tell the vector taken.
 */
    .balign 256
    .globl rt_vector_table_m
rt_vector_table_m:
    j       rt_trap_entry_m
    .irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    j       rt_vslot_\n
    .endr

/* Slot n marks rt_vector_hits[n] (with any nonzero value) before the common entry. */
    .irp n, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
rt_vslot_\n:
    csrrw   sp, mscratch, sp
    sd      t0, -8(sp)
    la      t0, rt_vector_hits + 8 * \n
    sd      sp, 0(t0)
    ld      t0, -8(sp)
    csrrw   sp, mscratch, sp
    j       rt_trap_entry_m
    .endr

/* ---- S-mode trap entry ------------------------------------------------ */
    .balign 256
    .globl rt_trap_entry_s
rt_trap_entry_s:
    csrrw   sp, sscratch, sp
    addi    sp, sp, -FRAME_SIZE
    SAVE_REGS
    csrr    t0, sscratch
    sd      t0, 2*8(sp)
    csrr    t0, sepc
    sd      t0, FRAME_EPC(sp)
    csrr    t0, scause
    sd      t0, FRAME_CAUSE(sp)
    csrr    t0, stval
    sd      t0, FRAME_TVAL(sp)
    csrr    t0, sstatus
    sd      t0, FRAME_STATUS(sp)
    mv      a0, sp
    call    rt_trap_s
    ld      t0, FRAME_EPC(sp)
    csrw    sepc, t0
    ld      t0, FRAME_STATUS(sp)
    csrw    sstatus, t0
    addi    t0, sp, FRAME_SIZE
    csrw    sscratch, t0
    RESTORE_REGS
    ld      sp, 2*8(sp)
    sret

/*
 * uint64_t rt_run_mode(int mode, uint64_t (*fn)(uint64_t), uint64_t arg)
 * Calls fn(arg) in privilege `mode` (0 = U, 1 = S) through mret.  When fn
 * returns it lands on rt_lower_return, whose ecall carries RT_ECALL_RETURN;
 * rt_trap_m then calls rt_resume_m, which restores this M-mode context and
 * returns fn's result from rt_run_mode.
 */
    .globl rt_run_mode
rt_run_mode:
    la      t0, rt_mctx
    sd      ra, 0*8(t0)
    sd      sp, 1*8(t0)
    sd      s0, 2*8(t0)
    sd      s1, 3*8(t0)
    sd      s2, 4*8(t0)
    sd      s3, 5*8(t0)
    sd      s4, 6*8(t0)
    sd      s5, 7*8(t0)
    sd      s6, 8*8(t0)
    sd      s7, 9*8(t0)
    sd      s8, 10*8(t0)
    sd      s9, 11*8(t0)
    sd      s10, 12*8(t0)
    sd      s11, 13*8(t0)
    li      t1, MSTATUS_MPP_MASK
    csrc    mstatus, t1
    slli    t2, a0, MSTATUS_MPP_SHIFT
    csrs    mstatus, t2
    csrw    mepc, a1
    mv      a0, a2
    la      ra, rt_lower_return
    mret

    .globl rt_lower_return
rt_lower_return:
    li      a7, RT_ECALL_RETURN
    ecall
1:  j       1b

/* void rt_resume_m(uint64_t value): back into rt_run_mode's caller. */
    .globl rt_resume_m
rt_resume_m:
    la      t0, __trap_stack_m_top
    csrw    mscratch, t0
    la      t0, __trap_stack_s_top
    csrw    sscratch, t0
    la      t0, rt_mctx
    ld      ra, 0*8(t0)
    ld      sp, 1*8(t0)
    ld      s0, 2*8(t0)
    ld      s1, 3*8(t0)
    ld      s2, 4*8(t0)
    ld      s3, 5*8(t0)
    ld      s4, 6*8(t0)
    ld      s5, 7*8(t0)
    ld      s6, 8*8(t0)
    ld      s7, 9*8(t0)
    ld      s8, 10*8(t0)
    ld      s9, 11*8(t0)
    ld      s10, 12*8(t0)
    ld      s11, 13*8(t0)
    ret

    .bss
    .balign 8
rt_mctx:
    .space 14*8
    .globl rt_vector_hits
rt_vector_hits:
    .space 16*8
