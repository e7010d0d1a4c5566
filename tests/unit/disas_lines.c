/* disas_lines: disassemble "ADDRESS BITS" lines (hex) from stdin, one
 * riscv_disas() result per line on stdout (tests/e2e/log_items.py compares
 * them with objdump's reading of whole guest programs). */
#include <stdio.h>

#include "cpu/disas.h"

int main(void)
{
    unsigned long long pc;
    unsigned raw;
    char buf[128];
    while (scanf("%llx %x", &pc, &raw) == 2) {
        riscv_disas(buf, sizeof(buf), pc, raw);
        printf("%s\n", buf);
    }
    return 0;
}
