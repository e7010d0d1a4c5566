/* Tests for app/cmdline's options: -rtc (QEMU's date forms, refused
 * clocks), -monitor against the serial port's terminal, -no-shutdown,
 * -daemonize, the -machine properties accepted as no-ops, and the hints
 * for QEMU's record/replay drives. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "app/cmdline.h"

static bool parse(Cmdline *c, Error **errp, ...)
{
    char *argv[32] = { "rrsim" };
    int argc = 1;
    va_list ap;
    va_start(ap, errp);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;) {
        argv[argc++] = a;
    }
    va_end(ap);
    return cmdline_parse(c, argc, argv, errp);
}

/* Parse, expect a usage error whose message contains `want`. */
static void refused(const char *want, ...)
{
    char *argv[32] = { "rrsim" };
    int argc = 1;
    va_list ap;
    va_start(ap, want);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;) {
        argv[argc++] = a;
    }
    va_end(ap);
    Cmdline c;
    Error *err = NULL;
    if (cmdline_parse(&c, argc, argv, &err)) {
        fail_msg("accepted: %s ...", argv[1]);
    }
    assert_int_equal(error_get_class(err), ERR_USAGE);
    if (!strstr(error_get_message(err), want)) {
        fail_msg("message '%s' lacks '%s'", error_get_message(err), want);
    }
    error_free(err);
    cmdline_free(&c);
}

static void test_rtc_dates(void **state)
{
    (void)state;
    MachineRtcOptions o;
    assert_true(cmdline_parse_rtc("base=2006-06-17T16:01:21", &o, NULL));
    assert_int_equal(o.base, MACHINE_RTC_DATE);
    assert_int_equal(o.date_s, 1150560081);   /* date -u -d 2006-06-17T16:01:21 +%s */
    assert_true(cmdline_parse_rtc("base=2006-06-17,clock=vm,driftfix=slew", &o, NULL));
    assert_int_equal(o.date_s, 1150502400);
    assert_true(cmdline_parse_rtc("base=utc", &o, NULL));
    assert_int_equal(o.base, MACHINE_RTC_UTC);
    assert_true(cmdline_parse_rtc("clock=vm", &o, NULL));
    assert_int_equal(o.base, MACHINE_RTC_UTC);
    assert_true(cmdline_parse_rtc("base=localtime", &o, NULL));
    assert_int_equal(o.base, MACHINE_RTC_LOCALTIME);
    static const char *const bad[] = {
        "base=2006-02-30", "base=2006-13-01", "base=2006-06-17T24:00:00", "base=1969-12-31",
        "base=2006-06-17T16:01", "base=2006-06-17x", "base=tomorrow", "clock=host",
        "clock=rt", "clock=other", "foo=bar", "base", "driftfix=fast",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Error *err = NULL;
        if (cmdline_parse_rtc(bad[i], &o, &err)) {
            fail_msg("-rtc %s accepted", bad[i]);
        }
        assert_int_equal(error_get_class(err), ERR_USAGE);
        assert_non_null(strstr(error_get_message(err), "-rtc"));
        error_free(err);
    }
    Cmdline c;
    assert_true(parse(&c, NULL, "-rtc", "base=2021-02-03T04:05:06", NULL));
    assert_int_equal(c.mo.rtc.base, MACHINE_RTC_DATE);
    cmdline_free(&c);
    refused("clock=vm", "-rtc", "base=utc,clock=host", NULL);
}

static void test_monitor(void **state)
{
    (void)state;
    Cmdline c;
    /* The terminal goes to the monitor; the serial port to nowhere. */
    assert_true(parse(&c, NULL, "-monitor", "stdio", NULL));
    assert_string_equal(c.mo.serial, "null");
    assert_true(cmdline_wants_debug(&c));
    cmdline_free(&c);
    assert_true(parse(&c, NULL, "-monitor", "unix:/tmp/x.sock,server,nowait", NULL));
    assert_string_equal(c.mo.serial, "stdio");
    cmdline_free(&c);
    assert_true(parse(&c, NULL, "-nographic", NULL));
    assert_true(c.debug.mux_monitor);
    cmdline_free(&c);
    assert_true(parse(&c, NULL, "-monitor", "none", NULL));
    assert_false(cmdline_wants_debug(&c));
    cmdline_free(&c);
    refused("-serial mon:stdio", "-monitor", "stdio", "-nographic", NULL);
    refused("-serial mon:stdio", "-monitor", "stdio", "-serial", "stdio", NULL);
    refused("-monitor", "-monitor", "tcp::0,server,nowait", NULL);
    refused("-monitor", "-monitor", "vc", NULL);
}

static void test_shutdown_daemonize(void **state)
{
    (void)state;
    Cmdline c;
    assert_true(parse(&c, NULL, "-no-shutdown", NULL));
    assert_true(c.debug.no_shutdown);
    assert_true(cmdline_wants_debug(&c));
    cmdline_free(&c);
    assert_true(parse(&c, NULL, "-daemonize", "-pidfile", "/tmp/p", NULL));
    assert_true(c.daemonize);
    assert_string_equal(c.mo.serial, "null");
    cmdline_free(&c);
    refused("-daemonize", "-daemonize", "-nographic", NULL);
    refused("-daemonize", "-daemonize", "-serial", "stdio", NULL);
}

static void test_machine_properties(void **state)
{
    (void)state;
    Cmdline c;
    assert_true(parse(&c, NULL, "-M", "virt,acpi=off,iommu-sys=off,usb=off,graphics=off,"
                      "dump-guest-core=off,mem-merge=on,aclint=off,aia=none", NULL));
    cmdline_free(&c);
    refused("no ACPI", "-M", "virt,acpi=on", NULL);
    refused("no IOMMU", "-M", "virt,iommu-sys=on", NULL);
    refused("-m SIZE", "-M", "virt,memory-backend=ram0", NULL);
    refused("unsupported property 'frob'", "-M", "virt,frob=1", NULL);
}

static void test_qemu_rr_hints(void **state)
{
    (void)state;
    refused("-snapshot-store", "-drive", "file=empty.qcow2,if=none,id=rr", NULL);
    refused("blkreplay", "-drive", "driver=blkreplay,if=none,image=img,id=disk", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtc_dates),
        cmocka_unit_test(test_monitor),
        cmocka_unit_test(test_shutdown_daemonize),
        cmocka_unit_test(test_machine_properties),
        cmocka_unit_test(test_qemu_rr_hints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
