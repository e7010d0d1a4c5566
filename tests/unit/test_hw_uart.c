/* Tests for hw/uart16550 through its registers. */
#include "test_hw_util.h"

#include "hw/uart16550.h"

#define U VIRT_UART0_BASE
enum { RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

typedef struct Fixture {
    TestBoard *tb;
    FakeIrq irq;
    CharBackend *be;
    Uart16550 *u;
} Fixture;

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof(*f));
    f->tb = test_board_new();
    f->be = chardev_new_capture(f->tb->loop);
    f->u = uart16550_create(&f->tb->b, "uart0", U, irq_line(fake_irq_set, &f->irq, 10), f->be,
                            NULL);
    assert_non_null(f->u);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    uart16550_free(f->u);
    chardev_free(f->be);
    test_board_free(f->tb);
    free(f);
    return 0;
}

static void test_thr_reaches_backend(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + RBR, 1, 'h');
    wr(f->tb, U + RBR, 1, 'i');
    size_t len;
    const uint8_t *out = chardev_captured(f->be, &len);
    assert_int_equal(len, 2);
    assert_memory_equal(out, "hi", 2);
    /* Transmission is immediate: THR and shifter empty again. */
    assert_int_equal(rd(f->tb, U + LSR, 1) & 0x60, 0x60);
}

static void test_reset_values(void **state)
{
    Fixture *f = *state;
    assert_int_equal(rd(f->tb, U + IIR, 1), 0x01);
    assert_int_equal(rd(f->tb, U + LSR, 1), 0x60);
    assert_int_equal(rd(f->tb, U + MSR, 1) & 0xb0, 0xb0);
    assert_false(f->irq.level[10]);
}

static void test_divisor_latch(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + LCR, 1, 0x83);           /* DLAB + 8N1 */
    wr(f->tb, U + 0, 1, 0x01);
    wr(f->tb, U + 1, 1, 0x02);
    assert_int_equal(rd(f->tb, U + 0, 1), 0x01);
    assert_int_equal(rd(f->tb, U + 1, 1), 0x02);
    size_t len;
    chardev_captured(f->be, &len);
    assert_int_equal(len, 0);              /* DLL write is not a THR write */
    wr(f->tb, U + LCR, 1, 0x03);
    assert_int_equal(rd(f->tb, U + IER, 1), 0);
    assert_int_equal(rd(f->tb, U + LCR, 1), 0x03);
}

static void test_rx_fifo_and_irq(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + FCR, 1, 0x07);           /* FIFO on, trigger 1 */
    wr(f->tb, U + IER, 1, 0x01);           /* RDA */
    assert_int_equal(chardev_can_receive(f->be), 16);
    chardev_deliver(f->be, (const uint8_t *)"abc", 3);
    assert_int_equal(chardev_can_receive(f->be), 13);
    assert_true(f->irq.level[10]);
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xc4);
    assert_int_equal(rd(f->tb, U + LSR, 1) & 1, 1);
    assert_int_equal(rd(f->tb, U + RBR, 1), 'a');
    assert_int_equal(rd(f->tb, U + RBR, 1), 'b');
    assert_int_equal(rd(f->tb, U + RBR, 1), 'c');
    assert_int_equal(rd(f->tb, U + LSR, 1) & 1, 0);
    assert_false(f->irq.level[10]);
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xc1);
}

static void test_fifo_full_limits_receive(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + FCR, 1, 0x01);
    uint8_t buf[20];
    for (int i = 0; i < 20; i++) {
        buf[i] = (uint8_t)i;
    }
    chardev_deliver(f->be, buf, 20);       /* the backend never offers more than fits */
    assert_int_equal(chardev_can_receive(f->be), 0);
    assert_int_equal(rd(f->tb, U + LSR, 1) & 0x02, 0);  /* no overrun */
    for (int i = 0; i < 16; i++) {
        assert_int_equal(rd(f->tb, U + RBR, 1), i);
    }
    /* Without FIFOs the receiver holds a single byte. */
    wr(f->tb, U + FCR, 1, 0x00);
    assert_int_equal(chardev_can_receive(f->be), 1);
}

static void test_trigger_level_and_timeout(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + FCR, 1, 0x81);           /* FIFO, trigger 8 */
    wr(f->tb, U + IER, 1, 0x01);
    chardev_deliver(f->be, (const uint8_t *)"xy", 2);
    assert_false(f->irq.level[10]);        /* below the trigger level */
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xc1);
    /* Four character times at divisor 12: 4*10*16*12 / 3686400 s. */
    int64_t t = 4LL * 10 * 16 * 12 * NS_PER_SEC / 3686400;
    test_board_advance_to(f->tb, t - 1);
    assert_false(f->irq.level[10]);
    test_board_advance_to(f->tb, t);
    assert_true(f->irq.level[10]);
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xcc);
    assert_int_equal(rd(f->tb, U + RBR, 1), 'x');
    assert_false(f->irq.level[10]);        /* reading clears the timeout */
    chardev_deliver(f->be, (const uint8_t *)"12345678", 8);
    assert_true(f->irq.level[10]);         /* 9 bytes >= trigger 8 */
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xc4);
}

static void test_iir_priorities_and_thri(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + FCR, 1, 0x01);
    wr(f->tb, U + IER, 1, 0x03);           /* RDA + THRE */
    /* Enabling THRE with an empty THR raises it at once. */
    assert_true(f->irq.level[10]);
    chardev_deliver(f->be, (const uint8_t *)"z", 1);
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xc4);   /* data beats THRE */
    assert_int_equal(rd(f->tb, U + RBR, 1), 'z');
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xc2);   /* now THRE, and reading clears it */
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xc1);
    assert_false(f->irq.level[10]);
    wr(f->tb, U + RBR, 1, '!');                      /* a transmit re-arms THRE */
    assert_true(f->irq.level[10]);
    assert_int_equal(rd(f->tb, U + IIR, 1), 0xc2);
}

static void test_fcr_clears_rx(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + FCR, 1, 0x01);
    wr(f->tb, U + IER, 1, 0x01);
    chardev_deliver(f->be, (const uint8_t *)"abcd", 4);
    assert_true(f->irq.level[10]);
    wr(f->tb, U + FCR, 1, 0x03);           /* clear RX */
    assert_int_equal(rd(f->tb, U + LSR, 1) & 1, 0);
    assert_false(f->irq.level[10]);
    assert_int_equal(chardev_can_receive(f->be), 16);
}

static void test_loopback_and_scratch(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + SCR, 1, 0x5a);
    assert_int_equal(rd(f->tb, U + SCR, 1), 0x5a);
    wr(f->tb, U + FCR, 1, 0x01);
    wr(f->tb, U + MCR, 1, 0x13);           /* loop + DTR + RTS */
    assert_int_equal(chardev_can_receive(f->be), 0);
    wr(f->tb, U + RBR, 1, 'Q');
    size_t len;
    chardev_captured(f->be, &len);
    assert_int_equal(len, 0);              /* loopback keeps it off the line */
    assert_int_equal(rd(f->tb, U + RBR, 1), 'Q');
    assert_int_equal(rd(f->tb, U + MSR, 1) & 0xf0, 0x30);   /* DSR + CTS from DTR/RTS */
}

static void test_vmstate_round_trip(void **state)
{
    Fixture *f = *state;
    wr(f->tb, U + FCR, 1, 0x81);
    wr(f->tb, U + IER, 1, 0x03);
    wr(f->tb, U + SCR, 1, 0x77);
    chardev_deliver(f->be, (const uint8_t *)"snap", 4);   /* arms the timeout timer */
    assert_vmstate_round_trip(f->tb);
    assert_int_equal(rd(f->tb, U + RBR, 1), 's');
    assert_int_equal(rd(f->tb, U + SCR, 1), 0x77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_thr_reaches_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_divisor_latch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_fifo_and_irq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_full_limits_receive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trigger_level_and_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iir_priorities_and_thri, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fcr_clears_rx, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loopback_and_scratch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmstate_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
