/* Tests for sim/net: -netdev user option parsing (QEMU's defaults and
 * syntax, malformed values refused), and the slirp backend answering an ARP
 * request for its gateway without any traffic leaving the machine, a
 * forwarding rule on a port already in use refused with ERR_IO. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim/net/net.h"

static bool parse(NetUserOptions *o, const char *key, const char *val)
{
    Error *err = NULL;
    bool ok = net_user_parse_key(o, "-netdev", "test", key, val, &err);
    if (!ok) {
        assert_int_equal(error_get_class(err), ERR_USAGE);
        assert_non_null(strstr(error_get_message(err), "-netdev test"));
        error_free(err);
    }
    return ok;
}

static void test_options(void **state)
{
    NetUserOptions o;
    net_user_options_init(&o);
    assert_int_equal(o.net, 0x0a000200);
    assert_int_equal(o.dhcpstart, 0x0a00020f);
    assert_true(parse(&o, "hostfwd", "tcp:127.0.0.1:5555-:22"));
    assert_int_equal(o.nfwd, 1);
    assert_false(o.fwd[0].udp);
    assert_int_equal(o.fwd[0].host_addr, 0x7f000001);
    assert_int_equal(o.fwd[0].host_port, 5555);
    assert_int_equal(o.fwd[0].guest_addr, 0);
    assert_int_equal(o.fwd[0].guest_port, 22);
    assert_true(parse(&o, "hostfwd", "udp::7-10.0.2.16:7"));
    assert_true(o.fwd[1].udp);
    assert_int_equal(o.fwd[1].guest_addr, 0x0a000210);
    assert_false(parse(&o, "hostfwd", "tcp:127.0.0.1:5555"));
    assert_false(parse(&o, "hostfwd", "sctp::1-:2"));
    assert_false(parse(&o, "hostfwd", "tcp::70000-:22"));
    assert_false(parse(&o, "hostfwd", "tcp::1-:0"));
    assert_false(parse(&o, "hostfwd", "tcp:1.2.3:1-:2"));
    assert_false(parse(&o, "bogus", "1"));
    assert_false(parse(&o, "restrict", "maybe"));
    assert_true(parse(&o, "net", "192.168.76.0/24"));
    assert_int_equal(o.host, 0xc0a84c02);
    assert_int_equal(o.dhcpstart, 0xc0a84c0f);
    Error *err = NULL;
    assert_true(net_user_check(&o, "-netdev", "test", &err));
    assert_true(parse(&o, "host", "10.0.0.2"));
    assert_false(net_user_check(&o, "-netdev", "test", &err));
    assert_non_null(strstr(error_get_message(err), "host is not in the network"));
    error_free(err);

    uint8_t mac[6];
    assert_true(net_parse_mac("52:54:00:12:34:5a", mac));
    assert_int_equal(mac[5], 0x5a);
    assert_false(net_parse_mac("52:54:00:12:34", mac));
    assert_false(net_parse_mac("52:54:00:12:34:56:78", mac));
}

typedef struct Rx {
    uint8_t frame[NET_MAX_FRAME];
    size_t len;
    int n;
} Rx;

static void rx_cb(void *opaque, const uint8_t *frame, size_t len)
{
    Rx *r = opaque;
    memcpy(r->frame, frame, len < sizeof(r->frame) ? len : sizeof(r->frame));
    r->len = len;
    r->n++;
}

static void test_arp(void **state)
{
    Loop *loop = loop_new(NULL);
    NetUserOptions o;
    net_user_options_init(&o);
    Rx rx = { 0 };
    Error *err = NULL;
    NetUser *n = net_user_new(loop, &o, rx_cb, &rx, &err);
    assert_non_null(n);
    /* Who has 10.0.2.2? Tell 10.0.2.15 (52:54:00:12:34:56). */
    static const uint8_t arp[42] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 10, 0, 2, 15,
        0, 0, 0, 0, 0, 0, 10, 0, 2, 2,
    };
    net_user_send(n, arp, sizeof(arp));
    for (int i = 0; i < 10 && !rx.n; i++) {
        main_loop_wait(loop, true, NULL);
    }
    assert_int_equal(rx.n, 1);
    assert_true(rx.len >= 42);
    assert_memory_equal(rx.frame, arp + 6, 6);              /* to us */
    assert_int_equal(rx.frame[12], 0x08);
    assert_int_equal(rx.frame[13], 0x06);
    assert_int_equal(rx.frame[21], 2);                      /* a reply */
    static const uint8_t gw[4] = { 10, 0, 2, 2 };
    assert_memory_equal(rx.frame + 28, gw, 4);
    net_user_free(n);
    loop_free(loop);
}

static void test_port_in_use(void **state)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof(a);
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s, 1), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &al), 0);
    char rule[64];
    snprintf(rule, sizeof(rule), "tcp:127.0.0.1:%u-:22", ntohs(a.sin_port));
    Loop *loop = loop_new(NULL);
    NetUserOptions o;
    net_user_options_init(&o);
    assert_true(parse(&o, "hostfwd", rule));
    Rx rx = { 0 };
    Error *err = NULL;
    assert_null(net_user_new(loop, &o, rx_cb, &rx, &err));
    assert_int_equal(error_get_class(err), ERR_IO);
    assert_non_null(strstr(error_get_message(err), "hostfwd tcp:127.0.0.1:"));
    error_free(err);
    loop_free(loop);
    close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_arp),
        cmocka_unit_test(test_port_in_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
