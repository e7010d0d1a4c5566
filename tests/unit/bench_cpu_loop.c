/* Interpreter throughput on a CPU-bound loop (ALU, load/store, branch).
 * Not a test: prints MIPS. Usage: bench_cpu_loop [iterations] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cpu_test_util.h"

int main(int argc, char **argv)
{
    uint64_t iters = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000;
    TestMachine *m = tm_new();
    Asm a = { m, TM_RAM_BASE };
    asm_li(&a, 10, TM_RAM_BASE + 0x10000);
    asm_li(&a, 11, iters);
    uint64_t loop = a.pc;
    emit(&a, ADDI(5, 5, 1));
    emit(&a, ADD(6, 6, 5));
    emit(&a, XOR(7, 7, 6));
    emit(&a, SLLI(8, 7, 3));
    emit(&a, SD(8, 10, 0));
    emit(&a, LD(9, 10, 0));
    emit(&a, ADD(6, 6, 9));
    emit(&a, enc_i(255, 5, 7, 12, 0x13));  /* andi x12, x5, 255 */
    emit(&a, BNE(5, 11, (int32_t)(loop - a.pc)));
    emit(&a, JAL(0, 0));
    uint64_t total = 16 + 9 * iters, done = 0, ex;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (done < total) {
        /* Budgets of the size the machine loop uses between timer deadlines. */
        uint64_t b = total - done < 100000 ? total - done : 100000;
        hart_run(m->h, b, &ex);
        done += ex;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    printf("%llu instructions in %.3f s: %.1f MIPS (x6=%llx)\n", (unsigned long long)done, s,
           (double)done / s / 1e6, (unsigned long long)hart_get_xreg(m->h, 6));
    tm_free(m);
    return 0;
}
