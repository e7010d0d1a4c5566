/*
 * json: the small JSON (RFC 8259) value type, parser and serialiser behind
 * the QMP monitor.
 *
 * Contract:
 *  - Values form a tree; containers own their children. Objects keep their
 *    members in insertion order, so serialised output is deterministic.
 *  - Numbers: an integer literal that fits in int64 is JSON_INT; anything
 *    else (fraction, exponent, out of range) is JSON_DOUBLE.
 *  - Strings are UTF-8 with an explicit length. The parser decodes every
 *    escape including \uXXXX surrogate pairs, and rejects invalid UTF-8,
 *    unpaired surrogates, raw control characters and \u0000 (so strings
 *    never contain NUL).
 *  - json_parse() accepts exactly one value (surrounded by optional
 *    whitespace), at most JSON_MAX_DEPTH nested containers and
 *    JSON_MAX_INPUT bytes, and reports errors as "what, at offset N".
 *  - Duplicate object keys are an error, as in QEMU's parser.
 *  - Allocation failure aborts (there is nothing a monitor can do about it).
 */
#ifndef RRSIM_SIM_MONITOR_JSON_H
#define RRSIM_SIM_MONITOR_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/base/error.h"

#define JSON_MAX_DEPTH 64
#define JSON_MAX_INPUT (1u << 20)

typedef enum JsonType {
    JSON_NULL = 0,
    JSON_BOOL,
    JSON_INT,
    JSON_DOUBLE,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT,
} JsonType;

typedef struct JsonValue JsonValue;

/* Constructors; the caller owns the result. json_string() copies s. */
JsonValue *json_null(void);
JsonValue *json_bool(bool b);
JsonValue *json_int(int64_t i);
JsonValue *json_double(double d);
JsonValue *json_string(const char *s);
JsonValue *json_string_len(const char *s, size_t len);
JsonValue *json_array(void);
JsonValue *json_object(void);
JsonValue *json_copy(const JsonValue *v);
void json_free(JsonValue *v);

/* Containers take ownership of v. json_object_set replaces an existing key. */
void json_array_append(JsonValue *arr, JsonValue *v);
void json_object_set(JsonValue *obj, const char *key, JsonValue *v);

JsonType json_type(const JsonValue *v);
const char *json_type_name(JsonType t);
bool json_get_bool(const JsonValue *v);      /* false unless JSON_BOOL true */
int64_t json_get_int(const JsonValue *v);    /* 0 unless JSON_INT */
double json_get_double(const JsonValue *v);  /* JSON_INT converts */
/* NUL-terminated; *len (if not NULL) gets the length. NULL unless JSON_STRING. */
const char *json_get_string(const JsonValue *v, size_t *len);

size_t json_array_size(const JsonValue *arr);
JsonValue *json_array_get(const JsonValue *arr, size_t i);
size_t json_object_size(const JsonValue *obj);
const char *json_object_key(const JsonValue *obj, size_t i);
JsonValue *json_object_value(const JsonValue *obj, size_t i);
/* NULL if obj is not an object or has no such key. */
JsonValue *json_object_get(const JsonValue *obj, const char *key);

/* Parse exactly one JSON value from text[0..len). NULL with an error. */
JsonValue *json_parse(const char *text, size_t len, Error **errp);

/* Compact serialisation as a malloc'd NUL-terminated string; *len gets the
 * length if not NULL. Non-finite doubles become null (JSON has no NaN). */
char *json_serialize(const JsonValue *v, size_t *len);

#endif
