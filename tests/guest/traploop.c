/*
 * traploop: a guest stuck for good in a trap loop, for the hang detection
 * test (tests/e2e/run_ci.sh): mtvec points at an address with nothing
 * mapped, so the first exception traps there, the fetch there faults and
 * traps there again, forever, without an instruction retiring.
 */
#include "rt.h"

int main(void)
{
    rt_puts("traploop: mtvec -> unmapped\n");
    /* 0x200: the unmapped space below the boot ROM on virt. */
    __asm__ volatile("csrw mtvec, %0\n\t"
                     "ecall" : : "r"(0x200ul) : "memory");
    rt_puts("traploop: not reached\n");
    return 1;
}
