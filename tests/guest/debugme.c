/*
 * debugme: a small program for the debugger tests (tests/e2e/gdb_*.sh).
 * It gives them a function to break on (bump), a global written at known
 * points (counter), and a loop, and then exits with status 0.  Nothing here
 * depends on time or input, so a recording of it replays identically.
 */
#include "rt.h"

volatile uint64_t counter;
volatile uint64_t trace;

__attribute__((noinline)) void bump(uint64_t by)
{
    counter = counter + by;
    trace = trace * 31 + counter;
}

int main(void)
{
    rt_puts("debugme start\n");
    for (uint64_t i = 1; i <= 5; i++) {
        bump(i);
    }
    rt_printf("debugme counter=%lu trace=%lx\n", (unsigned long)counter, (unsigned long)trace);
    return 0;
}
