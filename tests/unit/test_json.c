/* Tests for sim/monitor/json: values, parsing (valid and malformed), escapes
 * and UTF-8, limits, and serialise/parse round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/monitor/json.h"

static JsonValue *parse(const char *s)
{
    Error *err = NULL;
    JsonValue *v = json_parse(s, strlen(s), &err);
    if (!v) {
        fprintf(stderr, "unexpected error for %s: %s\n", s, error_get_message(err));
        error_free(err);
    }
    assert_non_null(v);
    return v;
}

/* Parse must fail, and the message must mention `what`. */
static void parse_fails(const char *s, size_t len, const char *what)
{
    Error *err = NULL;
    JsonValue *v = json_parse(s, len, &err);
    if (v) {
        fprintf(stderr, "accepted: %.*s\n", (int)len, s);
    }
    assert_null(v);
    assert_non_null(err);
    if (what && !strstr(error_get_message(err), what)) {
        fprintf(stderr, "'%s' not in '%s'\n", what, error_get_message(err));
        fail();
    }
    error_free(err);
}

static void bad(const char *s, const char *what)
{
    parse_fails(s, strlen(s), what);
}

static void test_scalars(void **state)
{
    JsonValue *v = parse(" null ");
    assert_int_equal(json_type(v), JSON_NULL);
    json_free(v);
    v = parse("true");
    assert_true(json_get_bool(v));
    json_free(v);
    v = parse("false");
    assert_int_equal(json_type(v), JSON_BOOL);
    assert_false(json_get_bool(v));
    json_free(v);
    v = parse("-42");
    assert_int_equal(json_type(v), JSON_INT);
    assert_int_equal(json_get_int(v), -42);
    json_free(v);
    v = parse("9223372036854775807");
    assert_int_equal(json_type(v), JSON_INT);
    assert_true(json_get_int(v) == INT64_MAX);
    json_free(v);
    v = parse("-9223372036854775808");
    assert_true(json_get_int(v) == INT64_MIN);
    json_free(v);
    v = parse("9223372036854775808");  /* overflows: becomes a double */
    assert_int_equal(json_type(v), JSON_DOUBLE);
    assert_true(json_get_double(v) == 9223372036854775808.0);
    json_free(v);
    v = parse("1.5e3");
    assert_int_equal(json_type(v), JSON_DOUBLE);
    assert_true(json_get_double(v) == 1500.0);
    json_free(v);
    v = parse("-0.25");
    assert_true(json_get_double(v) == -0.25);
    json_free(v);
    v = parse("0");
    assert_int_equal(json_get_int(v), 0);
    json_free(v);
}

static void test_containers(void **state)
{
    JsonValue *v = parse("{\"a\": [1, 2, {\"b\": null}], \"c\": {}, \"d\": []}");
    assert_int_equal(json_type(v), JSON_OBJECT);
    assert_int_equal(json_object_size(v), 3);
    assert_string_equal(json_object_key(v, 0), "a");
    assert_string_equal(json_object_key(v, 2), "d");
    JsonValue *a = json_object_get(v, "a");
    assert_int_equal(json_array_size(a), 3);
    assert_int_equal(json_get_int(json_array_get(a, 1)), 2);
    assert_int_equal(json_type(json_object_get(json_array_get(a, 2), "b")), JSON_NULL);
    assert_null(json_array_get(a, 3));
    assert_null(json_object_get(v, "zz"));
    assert_null(json_object_get(a, "a"));  /* not an object */
    assert_int_equal(json_object_size(json_object_get(v, "c")), 0);
    json_free(v);
}

static void test_strings_and_escapes(void **state)
{
    size_t len;
    JsonValue *v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
    assert_string_equal(json_get_string(v, &len), "a\"b\\c/d\b\f\n\r\t");
    assert_int_equal(len, 12);
    json_free(v);
    v = parse("\"\\u0041\\u00e9\\u20ac\"");  /* A, e-acute, euro sign */
    assert_string_equal(json_get_string(v, NULL), "A\xc3\xa9\xe2\x82\xac");
    json_free(v);
    v = parse("\"\\ud83d\\ude00\"");  /* U+1F600 as a surrogate pair */
    assert_string_equal(json_get_string(v, NULL), "\xf0\x9f\x98\x80");
    json_free(v);
    v = parse("\"\xf0\x9f\x98\x80 raw UTF-8 \xc3\xa9\"");
    assert_string_equal(json_get_string(v, NULL), "\xf0\x9f\x98\x80 raw UTF-8 \xc3\xa9");
    json_free(v);
    v = parse("\"\\uDBFF\\uDFFF\"");  /* highest code point, upper-case hex */
    assert_string_equal(json_get_string(v, NULL), "\xf4\x8f\xbf\xbf");
    json_free(v);
}

static void test_malformed(void **state)
{
    bad("", "unexpected end");
    bad("   ", "unexpected end");
    bad("{", "expected string key");
    bad("{\"a\"", "expected ':'");
    bad("{\"a\":", "unexpected end");
    bad("{\"a\":1", "expected ',' or '}'");
    bad("{\"a\":1,}", "expected string key");
    bad("{a:1}", "expected string key");
    bad("[1,]", "unexpected character");
    bad("[1 2]", "expected ',' or ']'");
    bad("[", "unexpected end");
    bad("]", "unexpected character");
    bad("tru", "unexpected character");
    bad("nul", "unexpected character");
    bad("01", "trailing");
    bad("1.", "digit expected");
    bad("1e", "digit expected in exponent");
    bad("-", "bad number");
    bad("+1", "unexpected character");
    bad(".5", "unexpected character");
    bad("{} {}", "trailing");
    bad("\"abc", "unterminated string");
    bad("\"a\nb\"", "control character");
    bad("\"\\x\"", "invalid escape");
    bad("\"\\u12\"", "bad \\u escape");
    bad("\"\\u12g4\"", "bad \\u escape");
    bad("\"\\ud800\"", "unpaired high surrogate");
    bad("\"\\ud800\\u0041\"", "unpaired high surrogate");
    bad("\"\\udc00\"", "unpaired low surrogate");
    bad("\"\\u0000\"", "\\u0000");
    bad("\"\\", "unterminated escape");
    bad("\"\xc3\"", "invalid UTF-8");            /* truncated sequence */
    bad("\"\xc0\xaf\"", "invalid UTF-8");        /* overlong '/' */
    bad("\"\xed\xa0\x80\"", "invalid UTF-8");    /* encoded surrogate */
    bad("\"\xf4\x90\x80\x80\"", "invalid UTF-8"); /* above U+10FFFF */
    bad("\"\xff\"", "invalid UTF-8");
    bad("{\"a\":1,\"a\":2}", "duplicate key");
    parse_fails("[1,\0 2]", 7, "unexpected character");
    parse_fails("\"a\0b\"", 5, "control character");
    /* The error names where it happened. */
    Error *err = NULL;
    assert_null(json_parse("[1, 2, x]", 9, &err));
    assert_non_null(strstr(error_get_message(err), "offset 7"));
    error_free(err);
}

static void test_limits(void **state)
{
    char deep[2 * JSON_MAX_DEPTH + 8];
    size_t n = 0;
    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        deep[n++] = '[';
    }
    for (int i = 0; i < JSON_MAX_DEPTH; i++) {
        deep[n++] = ']';
    }
    Error *err = NULL;
    JsonValue *v = json_parse(deep, n, &err);
    assert_non_null(v);  /* exactly at the limit */
    json_free(v);
    memmove(deep + 1, deep, n);
    deep[0] = '[';
    deep[++n] = ']';
    n++;
    parse_fails(deep, n, "nesting too deep");
    /* Far deeper input fails the same way without recursing further. */
    size_t huge = 200000;
    char *h = malloc(huge);
    memset(h, '[', huge);
    parse_fails(h, huge, "nesting too deep");
    free(h);
    h = malloc(JSON_MAX_INPUT + 2);
    memset(h, ' ', JSON_MAX_INPUT + 2);
    h[0] = '1';
    parse_fails(h, JSON_MAX_INPUT + 1, "limit");
    free(h);
}

static void test_build_and_serialize(void **state)
{
    JsonValue *o = json_object();
    json_object_set(o, "str", json_string("q\"uo\\te\n\x01\xc3\xa9"));
    json_object_set(o, "int", json_int(-7));
    json_object_set(o, "dbl", json_double(2.0));
    json_object_set(o, "t", json_bool(true));
    json_object_set(o, "n", json_null());
    JsonValue *a = json_array();
    json_array_append(a, json_int(1));
    json_array_append(a, json_string(""));
    json_object_set(o, "arr", a);
    json_object_set(o, "int", json_int(8));  /* replaces, keeps position */
    json_object_set(o, "nan", json_double(NAN));
    char *s = json_serialize(o, NULL);
    assert_string_equal(s, "{\"str\": \"q\\\"uo\\\\te\\n\\u0001\xc3\xa9\", \"int\": 8, "
                           "\"dbl\": 2.0, \"t\": true, \"n\": null, \"arr\": [1, \"\"], "
                           "\"nan\": null}");
    /* Round trip: parse(serialize(v)) serialises identically. */
    JsonValue *back = parse(s);
    assert_int_equal(json_type(json_object_get(back, "dbl")), JSON_DOUBLE);
    char *s2 = json_serialize(back, NULL);
    assert_string_equal(s, s2);
    JsonValue *copy = json_copy(back);
    char *s3 = json_serialize(copy, NULL);
    assert_string_equal(s, s3);
    free(s);
    free(s2);
    free(s3);
    json_free(o);
    json_free(back);
    json_free(copy);

    JsonValue *d = json_double(0.1);
    s = json_serialize(d, NULL);
    JsonValue *d2 = parse(s);
    assert_true(json_get_double(d2) == 0.1);  /* %.17g round-trips exactly */
    free(s);
    json_free(d);
    json_free(d2);
    assert_string_equal(json_type_name(JSON_INT), "integer");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_strings_and_escapes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_build_and_serialize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
