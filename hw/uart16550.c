/* uart16550: see uart16550.h. Register semantics follow the PC16550D datasheet. */
#include "hw/uart16550.h"

#include <stdlib.h>
#include <string.h>

#define UART_FIFO_SIZE 16

/* Register offsets (regshift 0). */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0,
    UART_IER = 1, UART_DLM = 1,
    UART_IIR = 2, UART_FCR = 2,
    UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};

#define IER_ERBFI 0x01  /* received data available */
#define IER_ETBEI 0x02  /* transmitter holding register empty */
#define IER_ELSI  0x04  /* receiver line status */
#define IER_EDSSI 0x08  /* modem status */

#define IIR_NO_INT 0x01
#define IIR_MSI    0x00
#define IIR_THRI   0x02
#define IIR_RDI    0x04
#define IIR_RLSI   0x06
#define IIR_CTI    0x0c
#define IIR_FIFO   0xc0

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04

#define LCR_DLAB 0x80

#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10

#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_ERR  0x1e   /* OE | PE | FE | BI: the line status interrupt sources */

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80
#define MSR_DELTAS 0x0f

typedef struct UartState {
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint16_t divisor;
    uint8_t rx_fifo[UART_FIFO_SIZE];
    uint8_t rx_head, rx_count;
    uint8_t thr_ipending;     /* THR-empty interrupt latched (cleared by reading IIR) */
    uint8_t timeout_ipending; /* character timeout interrupt */
    uint8_t irq_level;        /* last level driven, so repeats are skipped */
    Timer timeout_timer;
} UartState;

struct Uart16550 {
    UartState s;              /* first: the VMState description covers it */
    Loop *loop;
    IrqLine irq;
    CharBackend *be;
};

static const uint8_t uart_trigger_levels[4] = { 1, 4, 8, 14 };

static bool uart_fifo_enabled(const UartState *s)
{
    return s->fcr & FCR_ENABLE;
}

static unsigned uart_rx_capacity(const UartState *s)
{
    return uart_fifo_enabled(s) ? UART_FIFO_SIZE : 1;
}

/* Four character times at the programmed rate: 10 bits per character with
 * 16 samples per bit of VIRT_UART_CLOCK / divisor. */
static int64_t uart_timeout_ns(const UartState *s)
{
    int64_t div = s->divisor ? s->divisor : 1;
    return 4 * 10 * 16 * div * NS_PER_SEC / VIRT_UART_CLOCK;
}

static uint8_t uart_iir(const UartState *s)
{
    uint8_t fifo = uart_fifo_enabled(s) ? IIR_FIFO : 0;
    if ((s->ier & IER_ELSI) && (s->lsr & LSR_ERR)) {
        return IIR_RLSI | fifo;
    }
    if ((s->ier & IER_ERBFI) && s->timeout_ipending) {
        return IIR_CTI | fifo;
    }
    if ((s->ier & IER_ERBFI) && (s->lsr & LSR_DR)) {
        unsigned trigger = uart_fifo_enabled(s) ? uart_trigger_levels[s->fcr >> 6] : 1;
        if (s->rx_count >= trigger) {
            return IIR_RDI | fifo;
        }
    }
    if ((s->ier & IER_ETBEI) && s->thr_ipending) {
        return IIR_THRI | fifo;
    }
    if ((s->ier & IER_EDSSI) && (s->msr & MSR_DELTAS)) {
        return IIR_MSI | fifo;
    }
    return IIR_NO_INT | fifo;
}

static void uart_update_irq(Uart16550 *u)
{
    uint8_t level = (uart_iir(&u->s) & IIR_NO_INT) ? 0 : 1;
    if (level != u->s.irq_level) {
        u->s.irq_level = level;
        irq_set(u->irq, level);
    }
}

/* Put one received byte in the FIFO; a full FIFO is an overrun (datasheet:
 * the new character is lost). */
static void uart_rx_push(Uart16550 *u, uint8_t byte)
{
    UartState *s = &u->s;
    if (s->rx_count >= uart_rx_capacity(s)) {
        s->lsr |= LSR_OE;
        return;
    }
    s->rx_fifo[(s->rx_head + s->rx_count) % UART_FIFO_SIZE] = byte;
    s->rx_count++;
    s->lsr |= LSR_DR;
    if (uart_fifo_enabled(s)) {
        s->timeout_ipending = 0;
        timer_mod(&s->timeout_timer,
                  loop_clock_ns(u->loop, CLOCK_VIRTUAL) + uart_timeout_ns(s));
    }
}

static void uart_rx_clear(UartState *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    s->lsr &= ~LSR_DR;
    s->timeout_ipending = 0;
    timer_del(&s->timeout_timer);
}

static void uart_timeout_cb(void *opaque)
{
    Uart16550 *u = opaque;
    if (u->s.rx_count > 0) {
        u->s.timeout_ipending = 1;
        uart_update_irq(u);
    }
}

/* Modem status in loopback mirrors MCR (datasheet: DTR->DSR, RTS->CTS,
 * OUT1->RI, OUT2->DCD); otherwise the virtual line is always ready. */
static uint8_t uart_modem_lines(const UartState *s)
{
    if (s->mcr & MCR_LOOP) {
        return (uint8_t)(((s->mcr & MCR_DTR) ? MSR_DSR : 0) | ((s->mcr & MCR_RTS) ? MSR_CTS : 0) |
                         ((s->mcr & MCR_OUT1) ? MSR_RI : 0) | ((s->mcr & MCR_OUT2) ? MSR_DCD : 0));
    }
    return MSR_DCD | MSR_DSR | MSR_CTS;
}

static void uart_update_msr(UartState *s)
{
    uint8_t lines = uart_modem_lines(s);
    uint8_t old = s->msr;
    uint8_t delta = 0;
    if ((lines ^ old) & MSR_CTS) delta |= MSR_DCTS;
    if ((lines ^ old) & MSR_DSR) delta |= MSR_DDSR;
    if ((lines ^ old) & MSR_DCD) delta |= MSR_DDCD;
    if ((old & MSR_RI) && !(lines & MSR_RI)) delta |= MSR_TERI;
    s->msr = (uint8_t)(lines | (old & MSR_DELTAS) | delta);
}

static uint64_t uart_read(void *opaque, uint64_t offset, unsigned size)
{
    Uart16550 *u = opaque;
    UartState *s = &u->s;
    uint8_t v = 0;

    switch (offset & 7) {
    case UART_RBR:
        if (s->lcr & LCR_DLAB) {
            v = (uint8_t)s->divisor;
            break;
        }
        if (s->rx_count) {
            bool was_full = s->rx_count >= uart_rx_capacity(s);
            v = s->rx_fifo[s->rx_head];
            s->rx_head = (uint8_t)((s->rx_head + 1) % UART_FIFO_SIZE);
            s->rx_count--;
            s->timeout_ipending = 0;
            if (s->rx_count == 0) {
                s->lsr &= ~LSR_DR;
                timer_del(&s->timeout_timer);
            } else if (uart_fifo_enabled(s)) {
                timer_mod(&s->timeout_timer,
                          loop_clock_ns(u->loop, CLOCK_VIRTUAL) + uart_timeout_ns(s));
            }
            uart_update_irq(u);
            if (was_full && u->be && !(s->mcr & MCR_LOOP)) {
                chardev_accept_input(u->be);
            }
        }
        break;
    case UART_IER:
        v = (s->lcr & LCR_DLAB) ? (uint8_t)(s->divisor >> 8) : s->ier;
        break;
    case UART_IIR:
        v = uart_iir(s);
        /* Reading IIR while it reports THRE clears that source (datasheet table 4). */
        if ((v & 0x0f) == IIR_THRI) {
            s->thr_ipending = 0;
            uart_update_irq(u);
        }
        break;
    case UART_LCR:
        v = s->lcr;
        break;
    case UART_MCR:
        v = s->mcr;
        break;
    case UART_LSR:
        v = s->lsr;
        if (s->lsr & LSR_ERR) {
            s->lsr &= ~LSR_ERR;
            uart_update_irq(u);
        }
        break;
    case UART_MSR:
        v = s->msr;
        if (s->msr & MSR_DELTAS) {
            s->msr &= ~MSR_DELTAS;
            uart_update_irq(u);
        }
        break;
    case UART_SCR:
        v = s->scr;
        break;
    }
    return v;
}

static void uart_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    Uart16550 *u = opaque;
    UartState *s = &u->s;
    uint8_t v = (uint8_t)value;

    switch (offset & 7) {
    case UART_THR:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0xff00) | v);
            break;
        }
        if (s->mcr & MCR_LOOP) {
            uart_rx_push(u, v);
        } else if (u->be) {
            chardev_write(u->be, &v, 1);
        }
        /* The byte left at once: THR and the shifter are empty again. */
        s->lsr |= LSR_THRE | LSR_TEMT;
        s->thr_ipending = 1;
        uart_update_irq(u);
        break;
    case UART_IER:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (uint16_t)((s->divisor & 0x00ff) | (v << 8));
            break;
        }
        {
            uint8_t old = s->ier;
            s->ier = v & 0x0f;
            /* Enabling ETBEI with THR empty raises THRE at once (as 8250 drivers expect). */
            if (!(old & IER_ETBEI) && (s->ier & IER_ETBEI) && (s->lsr & LSR_THRE)) {
                s->thr_ipending = 1;
            }
        }
        uart_update_irq(u);
        break;
    case UART_FCR: {
        uint8_t old = s->fcr;
        bool was_full = s->rx_count >= uart_rx_capacity(s);
        if ((v ^ old) & FCR_ENABLE) {
            /* Changing the FIFO mode resets both FIFOs (datasheet FCR bit 0). */
            v |= FCR_CLEAR_RX | FCR_CLEAR_TX;
        }
        if (v & FCR_CLEAR_RX) {
            uart_rx_clear(s);
        }
        s->fcr = v & (FCR_ENABLE | 0xc0);
        if (!(s->fcr & FCR_ENABLE)) {
            s->fcr = 0;
        }
        uart_update_irq(u);
        if (was_full && s->rx_count < uart_rx_capacity(s) && u->be && !(s->mcr & MCR_LOOP)) {
            chardev_accept_input(u->be);
        }
        break;
    }
    case UART_LCR:
        s->lcr = v;
        break;
    case UART_MCR: {
        bool was_loop = s->mcr & MCR_LOOP;
        s->mcr = v & 0x1f;
        uart_update_msr(s);
        uart_update_irq(u);
        if (was_loop && !(s->mcr & MCR_LOOP) && u->be) {
            chardev_accept_input(u->be);
        }
        break;
    }
    case UART_LSR:
    case UART_MSR:
        break;  /* read-only on the 16550A */
    case UART_SCR:
        s->scr = v;
        break;
    }
}

static const MmioOps uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .valid = { 1, 8 },
    .impl = { 1, 8 },
};

static size_t uart_can_receive(void *opaque)
{
    Uart16550 *u = opaque;
    const UartState *s = &u->s;
    if (s->mcr & MCR_LOOP) {
        return 0;  /* in loopback the line is disconnected from the outside */
    }
    return uart_rx_capacity(s) - s->rx_count;
}

static void uart_receive(void *opaque, const uint8_t *buf, size_t len)
{
    Uart16550 *u = opaque;
    for (size_t i = 0; i < len; i++) {
        uart_rx_push(u, buf[i]);
    }
    uart_update_irq(u);
}

static bool uart_post_load(void *opaque, int version_id, Error **errp)
{
    Uart16550 *u = opaque;
    UartState *s = &u->s;
    if (s->rx_head >= UART_FIFO_SIZE || s->rx_count > UART_FIFO_SIZE) {
        error_setc(errp, ERR_SNAPSHOT, "uart16550: FIFO indices out of range (%u, %u)",
                   s->rx_head, s->rx_count);
        return false;
    }
    /* The line level is part of the state; drive it so the receiver agrees. */
    irq_set(u->irq, s->irq_level);
    return true;
}

static const VMStateField uart_fields[] = {
    VMSTATE_UINT8(ier, UartState),
    VMSTATE_UINT8(lcr, UartState),
    VMSTATE_UINT8(mcr, UartState),
    VMSTATE_UINT8(lsr, UartState),
    VMSTATE_UINT8(msr, UartState),
    VMSTATE_UINT8(scr, UartState),
    VMSTATE_UINT8(fcr, UartState),
    VMSTATE_UINT16(divisor, UartState),
    VMSTATE_UINT8_ARRAY(rx_fifo, UartState, UART_FIFO_SIZE),
    VMSTATE_UINT8(rx_head, UartState),
    VMSTATE_UINT8(rx_count, UartState),
    VMSTATE_UINT8(thr_ipending, UartState),
    VMSTATE_UINT8(timeout_ipending, UartState),
    VMSTATE_UINT8(irq_level, UartState),
    VMSTATE_TIMER(timeout_timer, UartState),
    VMSTATE_END_OF_LIST()
};

static const VMStateDescription uart_vmsd = {
    .name = "uart16550",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = uart_post_load,
    .fields = uart_fields,
};

void uart16550_reset(Uart16550 *u)
{
    UartState *s = &u->s;
    timer_del(&s->timeout_timer);
    s->ier = 0;
    s->lcr = 0;
    s->mcr = MCR_OUT2;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = MSR_DCD | MSR_DSR | MSR_CTS;
    s->scr = 0;
    s->fcr = 0;
    s->divisor = 12;  /* 9600 baud at 1.8432 MHz; firmware reprograms it */
    memset(s->rx_fifo, 0, sizeof(s->rx_fifo));
    s->rx_head = s->rx_count = 0;
    s->thr_ipending = 0;
    s->timeout_ipending = 0;
    if (s->irq_level) {
        s->irq_level = 0;
        irq_set(u->irq, false);
    }
    if (u->be) {
        chardev_accept_input(u->be);
    }
}

Uart16550 *uart16550_create(const Board *b, const char *name, uint64_t base, IrqLine irq,
                            CharBackend *be, Error **errp)
{
    Uart16550 *u = calloc(1, sizeof(*u));
    if (!u) {
        error_setg(errp, "out of memory creating %s", name);
        return NULL;
    }
    u->loop = b->loop;
    u->irq = irq;
    u->be = be;
    timer_init(&u->s.timeout_timer, b->loop, CLOCK_VIRTUAL, uart_timeout_cb, u);
    if (!mem_map_mmio(b->as, name, base, VIRT_UART0_SIZE, &uart_ops, u, errp)) {
        free(u);
        return NULL;
    }
    uart16550_reset(u);
    if (be) {
        chardev_set_frontend(be, uart_can_receive, uart_receive, u);
    }
    vmstate_register(b->vms, name, &uart_vmsd, &u->s);
    return u;
}

void uart16550_free(Uart16550 *u)
{
    if (!u) {
        return;
    }
    timer_del(&u->s.timeout_timer);
    if (u->be) {
        chardev_set_frontend(u->be, NULL, NULL, NULL);
    }
    free(u);
}
