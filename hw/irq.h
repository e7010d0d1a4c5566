/*
 * irq: an interrupt line as a tiny value, as TinyEMU does.
 *
 * A device holds an IrqLine by value and drives it with irq_set(); whoever
 * built the line decides what a level means (a hart MIP bit, a PLIC source).
 * Lines are level-sensitive: the device sets the level it currently wants and
 * may repeat it; receivers must tolerate repeated levels.
 */
#ifndef RRSIM_HW_IRQ_H
#define RRSIM_HW_IRQ_H

#include <stdbool.h>
#include <stddef.h>

typedef void IrqSetFn(void *opaque, int n, bool level);

typedef struct IrqLine {
    IrqSetFn *set;   /* NULL: an unconnected line, levels are dropped */
    void *opaque;
    int n;           /* the receiver's input number */
} IrqLine;

static inline IrqLine irq_line(IrqSetFn *set, void *opaque, int n)
{
    IrqLine l = { set, opaque, n };
    return l;
}

static inline void irq_set(IrqLine l, bool level)
{
    if (l.set) {
        l.set(l.opaque, l.n, level);
    }
}

#endif
