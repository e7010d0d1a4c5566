/*
 * smpsched: four harts with fixed roles, for the schedule's unit tests
 * (tests/unit/test_machine_smp.c), which watch which hart each step runs on.
 *
 *   hart 0: an LR/SC pair whose LR is the 11th step of its first turn
 *           (6 in the boot ROM, 5 here): with quantum=11 the turn must
 *           stretch to the SC (s2 = 0, success); then an LR followed by more
 *           steps than the grace allows before its SC (the turn ends, the
 *           reservation with it: s3 = 1, failure); then counts in t5 forever.
 *   hart 1: waits in WFI with no interrupt enabled: skipped for good.
 *   hart 2: sends hart 3 an IPI (its msip), then counts forever.
 *   hart 3: enables its software interrupt (mie.MSIE, not mstatus.MIE) and
 *           waits in WFI until it is pending, then counts forever.
 */
__asm__(".section .text.init, \"ax\"\n"
        ".option push\n"
        ".option norvc\n"
        ".option norelax\n"
        ".globl _start\n"
        "_start:\n"
        "  csrr t0, mhartid\n"
        "  beqz t0, hart0\n"
        "  li t1, 1\n"
        "  beq t0, t1, hart1\n"
        "  li t1, 2\n"
        "  beq t0, t1, hart2\n"
        "  li t1, 3\n"
        "  beq t0, t1, hart3\n"
        "hart1:\n"
        "  wfi\n"
        "  j hart1\n"
        "hart0:\n"
        "  la a0, word\n"
        "  lr.w t0, (a0)\n"
        "  addi t0, t0, 1\n"
        "  sc.w s2, t0, (a0)\n"
        "  lr.w t0, (a0)\n"
        "  .rept 80\n"
        "  nop\n"
        "  .endr\n"
        "  sc.w s3, t0, (a0)\n"
        "  j count\n"
        "hart2:\n"
        "  li t0, 0x2000000 + 4 * 3\n"
        "  li t1, 1\n"
        "  sw t1, 0(t0)\n"
        "  j count\n"
        "hart3:\n"
        "  li t0, 8\n"
        "  csrw mie, t0\n"
        "  wfi\n"
        "count:\n"
        "  addi t5, t5, 1\n"
        "  j count\n"
        ".option pop\n"
        ".data\n"
        ".balign 8\n"
        "word: .word 0\n"
        ".text\n");
