/*
 * rt: the libc-free runtime of the guest test programs.
 *
 * Console output on the virt board's ns16550a, exit through sifive_test,
 * a checksum helper, a small printf, and a trap framework:
 *   - a test arms an expected trap with rt_expect_trap(), runs the faulting
 *     instruction, and reads what was taken from rt_trap (cause, tval, epc,
 *     mode it came from).  The handler resumes after the faulting
 *     instruction (or at the caller for fetch faults, see rt.c);
 *   - an unexpected trap prints its details and exits with RT_EXIT_TRAP;
 *   - interrupts go to rt_irq_hook when set;
 *   - rt_run_mode() calls a function in U or S mode and returns its result.
 * Everything printed must be architecturally defined so that any correct
 * implementation prints the same bytes as QEMU.
 */
#ifndef RT_H
#define RT_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include "rt_asm.h"

#define UART_BASE       0x10000000UL
#define TEST_BASE       0x100000UL
#define CLINT_BASE      0x2000000UL
#define CLINT_MSIP      (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP  (CLINT_BASE + 0x4000)
#define CLINT_MTIME     (CLINT_BASE + 0xbff8)

/* Exit codes (the sifive_test "fail" code). */
#define RT_EXIT_CHECK   1     /* a self-check failed */
#define RT_EXIT_TRAP    99    /* an unexpected trap */

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

#define CAUSE_INTR      (1UL << 63)

typedef struct RtFrame {
    uint64_t x[32];
    uint64_t epc, cause, tval, status;
} RtFrame;

typedef struct RtTrap {
    uint64_t count;         /* traps taken since rt_expect_trap() */
    uint64_t cause;
    uint64_t tval;
    uint64_t epc;
    uint64_t from;          /* privilege the trap came from */
    uint64_t to;            /* PRV_M or PRV_S: who handled it */
    uint64_t status;        /* mstatus/sstatus on entry to the handler */
} RtTrap;

extern volatile RtTrap rt_trap;
extern volatile int rt_trap_armed;
/* Interrupt hook: called from the M or S handler with the frame. */
extern void (*volatile rt_irq_hook)(RtFrame *f, int to_mode);
/* Exception hook: if set and it returns nonzero, the trap was handled. */
extern int (*volatile rt_exc_hook)(RtFrame *f, int to_mode);

void rt_putc(char c);
void rt_puts(const char *s);
void rt_printf(const char *fmt, ...);
void rt_vprintf(const char *fmt, va_list ap);
__attribute__((noreturn)) void rt_exit(int code);

/* Self-check: prints the failing line and counts failures. */
extern int rt_failures;
void rt_check_fail(const char *file, int line, const char *what);
#define CHECK(cond) do { if (!(cond)) rt_check_fail(__FILE__, __LINE__, #cond); } while (0)
#define CHECK_EQ(a, b) do { uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b); \
    if (_a != _b) { rt_printf("  got %lx want %lx\n", _a, _b); \
                    rt_check_fail(__FILE__, __LINE__, #a " == " #b); } } while (0)
/* main() returns this: 0 if every check held. */
int rt_result(void);

/* Order-sensitive 64-bit checksum. */
static inline uint64_t rt_mix(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x100000001b3ULL;
    h ^= h >> 29;
    return h;
}

/* Deterministic xorshift64* generator for sweeps. */
static inline uint64_t rt_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static inline void rt_expect_trap(void)
{
    rt_trap.count = 0;
    rt_trap.cause = rt_trap.tval = rt_trap.epc = ~0UL;
    rt_trap_armed = 1;
    __asm__ volatile("" ::: "memory");
}

static inline void rt_disarm(void)
{
    __asm__ volatile("" ::: "memory");
    rt_trap_armed = 0;
}

uint64_t rt_run_mode(int mode, uint64_t (*fn)(uint64_t), uint64_t arg);
extern char rt_trap_entry_m[], rt_trap_entry_s[], rt_vector_table_m[];
/* rt_vector_hits[n] != 0 once vectored slot n of rt_vector_table_m was used. */
extern volatile uint64_t rt_vector_hits[16];
extern char __image_end[];

#define csr_read(csr) ({ uint64_t _v; __asm__ volatile("csrr %0, " #csr : "=r"(_v) :: "memory"); _v; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" :: "r"((uint64_t)(v)) : "memory")
#define csr_swap(csr, v) ({ uint64_t _v; __asm__ volatile("csrrw %0, " #csr ", %1" : "=r"(_v) : "r"((uint64_t)(v)) : "memory"); _v; })

static inline void mmio_write32(uint64_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }
static inline uint32_t mmio_read32(uint64_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_write64(uint64_t addr, uint64_t v) { *(volatile uint64_t *)addr = v; }
static inline uint64_t mmio_read64(uint64_t addr) { return *(volatile uint64_t *)addr; }

/* Instructions retired so far (minstret). */
static inline uint64_t rt_instret(void) { return csr_read(minstret); }

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif
