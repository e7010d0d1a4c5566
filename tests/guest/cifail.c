/*
 * cifail: a guest test that fails, for the CI recording tests
 * (tests/e2e/run_ci.sh). It computes in a loop through a function to break
 * on (step), prints its result and a failure line, and exits through
 * sifive_test with code 3. Built with -DCI_PASS it passes instead.
 */
#include "rt.h"

volatile uint64_t acc;

__attribute__((noinline)) void step(uint64_t i)
{
    acc = acc * 6364136223846793005ull + i;
}

int main(void)
{
    rt_puts("cifail: start\n");
    for (uint64_t i = 0; i < 1000; i++) {
        step(i);
    }
    rt_printf("cifail: acc=%lx\n", (unsigned long)acc);
#ifdef CI_PASS
    rt_puts("cifail: PASS\n");
    return 0;
#else
    rt_puts("cifail: FAILED (expected value not reached)\n");
    return 3;
#endif
}
