/* Shared between the files of sim/gdbstub only. */
#ifndef RRSIM_SIM_GDBSTUB_INTERNAL_H
#define RRSIM_SIM_GDBSTUB_INTERNAL_H

#include <stddef.h>

/* Width in bytes of a register in 'p'/'P' packets; agrees with target.xml. */
size_t gdb_reg_size(int regno);

#endif
