/* rt: console, exit, checks and trap dispatch for the guest programs (see rt.h). */
#include "rt.h"

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

volatile RtTrap rt_trap;
volatile int rt_trap_armed;
void (*volatile rt_irq_hook)(RtFrame *f, int to_mode);
int (*volatile rt_exc_hook)(RtFrame *f, int to_mode);
int rt_failures;

__attribute__((noreturn)) void rt_resume_m(uint64_t value);

void rt_putc(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    while (!(uart[UART_LSR] & UART_LSR_THRE))
        ;
    uart[UART_THR] = (uint8_t)c;
}

void rt_puts(const char *s)
{
    while (*s)
        rt_putc(*s++);
}

static void put_num(uint64_t v, unsigned base, int width, char pad, int neg)
{
    char buf[24];
    int n = 0;
    do {
        unsigned d = v % base;
        buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v);
    if (neg)
        buf[n++] = '-';
    while (n < width--)
        rt_putc(pad);
    while (n)
        rt_putc(buf[--n]);
}

/* Supports %[-][0][width][l]{d,u,x,s,c} and %%; '-' applies to %s only. */
void rt_vprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            rt_putc(*fmt);
            continue;
        }
        fmt++;
        char pad = ' ';
        int width = 0, lng = 0, left = 0;
        if (*fmt == '-') {
            left = 1;
            fmt++;
        }
        if (*fmt == '0') {
            pad = '0';
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            lng = 1;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_num(v < 0 ? -(uint64_t)v : (uint64_t)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
            put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad, 0);
            break;
        case 'x':
            put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad, 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            int len = 0;
            while (s[len])
                len++;
            if (!left)
                for (; len < width; width--)
                    rt_putc(' ');
            rt_puts(s);
            if (left)
                for (; len < width; width--)
                    rt_putc(' ');
            break;
        }
        case 'c':
            rt_putc((char)va_arg(ap, int));
            break;
        case '%':
            rt_putc('%');
            break;
        default:
            return;
        }
    }
}

void rt_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_vprintf(fmt, ap);
    va_end(ap);
}

void rt_exit(int code)
{
    uint32_t v = code == 0 ? 0x5555 : (0x3333 | ((uint32_t)code << 16));
    mmio_write32(TEST_BASE, v);
    for (;;)
        __asm__ volatile("wfi");
}

void rt_check_fail(const char *file, int line, const char *what)
{
    rt_printf("CHECK FAILED %s:%d: %s\n", file, line, what);
    rt_failures++;
}

int rt_result(void)
{
    if (rt_failures) {
        rt_printf("RESULT: FAIL (%d checks)\n", rt_failures);
        return RT_EXIT_CHECK;
    }
    rt_puts("RESULT: PASS\n");
    return 0;
}

/* Length of the instruction at pc; read as halfwords since pc may be 2-aligned. */
static uint64_t insn_len(uint64_t pc)
{
    uint16_t lo = *(volatile uint16_t *)pc;
    return (lo & 3) == 3 ? 4 : 2;
}

static void unexpected(RtFrame *f, int to, int from)
{
    rt_printf("UNEXPECTED TRAP cause=%lx epc=%lx tval=%lx from=%d to=%d\n",
              f->cause, f->epc, f->tval, from, to);
    rt_exit(RT_EXIT_TRAP);
}

static void handle(RtFrame *f, int to, int from)
{
    if (f->cause & CAUSE_INTR) {
        if (!rt_irq_hook)
            unexpected(f, to, from);
        rt_irq_hook(f, to);
        return;
    }
    if (rt_exc_hook && rt_exc_hook(f, to))
        return;
    if (!rt_trap_armed)
        unexpected(f, to, from);
    rt_trap.count++;
    rt_trap.cause = f->cause;
    rt_trap.tval = f->tval;
    rt_trap.epc = f->epc;
    rt_trap.from = from;
    rt_trap.to = to;
    rt_trap.status = f->status;
    switch (f->cause) {
    case 0: case 1: case 12:
        /* Fetch faults: the target was called as a function; return to the caller. */
        f->epc = f->x[1];
        break;
    default:
        f->epc += insn_len(f->epc);
        break;
    }
}

void rt_trap_m(RtFrame *f)
{
    int from = (f->status >> 11) & 3;
    if ((f->cause == 8 || f->cause == 9) && f->x[17] == RT_ECALL_RETURN)
        rt_resume_m(f->x[10]);
    handle(f, PRV_M, from);
}

#define SSTATUS_SUM (1UL << 18)

void rt_trap_s(RtFrame *f)
{
    int from = (f->status >> 8) & 1;
    /* The faulting code may sit on a U page; SUM lets insn_len read it. */
    csr_set(sstatus, SSTATUS_SUM);
    if (f->cause == 8 && f->x[17] == RT_ECALL_RETURN) {
        /* A delegated U-mode "return" ecall: pass it on to M mode. */
        register uint64_t a0 __asm__("a0") = f->x[10];
        register uint64_t a7 __asm__("a7") = RT_ECALL_RETURN;
        __asm__ volatile("ecall" :: "r"(a0), "r"(a7) : "memory");
    }
    handle(f, PRV_S, from);
}

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    while (n--)
        *p++ = *q++;
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p < *q ? -1 : 1;
    return 0;
}
