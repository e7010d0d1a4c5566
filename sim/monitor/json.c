/*
 * JSON values, a recursive-descent parser (RFC 8259 grammar, section 9
 * limits on depth and size) and a compact serialiser.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/monitor/json.h"

typedef struct JsonMember {
    char *key;
    JsonValue *value;
} JsonMember;

struct JsonValue {
    JsonType type;
    union {
        bool b;
        int64_t i;
        double d;
        struct {
            char *s;
            size_t len;
        } str;
        struct {
            JsonValue **items;
            size_t n, cap;
        } arr;
        struct {
            JsonMember *members;
            size_t n, cap;
        } obj;
    } u;
};

static void *xrealloc(void *p, size_t n)
{
    void *r = realloc(p, n ? n : 1);
    if (!r) {
        abort();
    }
    return r;
}

static JsonValue *new_value(JsonType t)
{
    JsonValue *v = calloc(1, sizeof(*v));
    if (!v) {
        abort();
    }
    v->type = t;
    return v;
}

JsonValue *json_null(void)
{
    return new_value(JSON_NULL);
}

JsonValue *json_bool(bool b)
{
    JsonValue *v = new_value(JSON_BOOL);
    v->u.b = b;
    return v;
}

JsonValue *json_int(int64_t i)
{
    JsonValue *v = new_value(JSON_INT);
    v->u.i = i;
    return v;
}

JsonValue *json_double(double d)
{
    JsonValue *v = new_value(JSON_DOUBLE);
    v->u.d = d;
    return v;
}

JsonValue *json_string_len(const char *s, size_t len)
{
    JsonValue *v = new_value(JSON_STRING);
    v->u.str.s = xrealloc(NULL, len + 1);
    memcpy(v->u.str.s, s, len);
    v->u.str.s[len] = 0;
    v->u.str.len = len;
    return v;
}

JsonValue *json_string(const char *s)
{
    return json_string_len(s, strlen(s));
}

JsonValue *json_array(void)
{
    return new_value(JSON_ARRAY);
}

JsonValue *json_object(void)
{
    return new_value(JSON_OBJECT);
}

void json_free(JsonValue *v)
{
    if (!v) {
        return;
    }
    switch (v->type) {
    case JSON_STRING:
        free(v->u.str.s);
        break;
    case JSON_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) {
            json_free(v->u.arr.items[i]);
        }
        free(v->u.arr.items);
        break;
    case JSON_OBJECT:
        for (size_t i = 0; i < v->u.obj.n; i++) {
            free(v->u.obj.members[i].key);
            json_free(v->u.obj.members[i].value);
        }
        free(v->u.obj.members);
        break;
    default:
        break;
    }
    free(v);
}

JsonValue *json_copy(const JsonValue *v)
{
    switch (v->type) {
    case JSON_NULL:
        return json_null();
    case JSON_BOOL:
        return json_bool(v->u.b);
    case JSON_INT:
        return json_int(v->u.i);
    case JSON_DOUBLE:
        return json_double(v->u.d);
    case JSON_STRING:
        return json_string_len(v->u.str.s, v->u.str.len);
    case JSON_ARRAY: {
        JsonValue *a = json_array();
        for (size_t i = 0; i < v->u.arr.n; i++) {
            json_array_append(a, json_copy(v->u.arr.items[i]));
        }
        return a;
    }
    case JSON_OBJECT:
    default: {
        JsonValue *o = json_object();
        for (size_t i = 0; i < v->u.obj.n; i++) {
            json_object_set(o, v->u.obj.members[i].key, json_copy(v->u.obj.members[i].value));
        }
        return o;
    }
    }
}

void json_array_append(JsonValue *arr, JsonValue *v)
{
    if (arr->u.arr.n == arr->u.arr.cap) {
        arr->u.arr.cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
        arr->u.arr.items = xrealloc(arr->u.arr.items, arr->u.arr.cap * sizeof(JsonValue *));
    }
    arr->u.arr.items[arr->u.arr.n++] = v;
}

static JsonMember *find_member(const JsonValue *obj, const char *key)
{
    for (size_t i = 0; i < obj->u.obj.n; i++) {
        if (strcmp(obj->u.obj.members[i].key, key) == 0) {
            return &obj->u.obj.members[i];
        }
    }
    return NULL;
}

void json_object_set(JsonValue *obj, const char *key, JsonValue *v)
{
    JsonMember *m = find_member(obj, key);
    if (m) {
        json_free(m->value);
        m->value = v;
        return;
    }
    if (obj->u.obj.n == obj->u.obj.cap) {
        obj->u.obj.cap = obj->u.obj.cap ? obj->u.obj.cap * 2 : 4;
        obj->u.obj.members = xrealloc(obj->u.obj.members, obj->u.obj.cap * sizeof(JsonMember));
    }
    size_t klen = strlen(key);
    char *k = xrealloc(NULL, klen + 1);
    memcpy(k, key, klen + 1);
    obj->u.obj.members[obj->u.obj.n++] = (JsonMember){ k, v };
}

JsonType json_type(const JsonValue *v)
{
    return v->type;
}

const char *json_type_name(JsonType t)
{
    static const char *const NAMES[] = { "null", "boolean", "integer", "number", "string",
                                         "array", "object" };
    return (unsigned)t < sizeof(NAMES) / sizeof(NAMES[0]) ? NAMES[t] : "?";
}

bool json_get_bool(const JsonValue *v)
{
    return v->type == JSON_BOOL && v->u.b;
}

int64_t json_get_int(const JsonValue *v)
{
    return v->type == JSON_INT ? v->u.i : 0;
}

double json_get_double(const JsonValue *v)
{
    return v->type == JSON_DOUBLE ? v->u.d : v->type == JSON_INT ? (double)v->u.i : 0.0;
}

const char *json_get_string(const JsonValue *v, size_t *len)
{
    if (v->type != JSON_STRING) {
        return NULL;
    }
    if (len) {
        *len = v->u.str.len;
    }
    return v->u.str.s;
}

size_t json_array_size(const JsonValue *arr)
{
    return arr->type == JSON_ARRAY ? arr->u.arr.n : 0;
}

JsonValue *json_array_get(const JsonValue *arr, size_t i)
{
    return arr->type == JSON_ARRAY && i < arr->u.arr.n ? arr->u.arr.items[i] : NULL;
}

size_t json_object_size(const JsonValue *obj)
{
    return obj->type == JSON_OBJECT ? obj->u.obj.n : 0;
}

const char *json_object_key(const JsonValue *obj, size_t i)
{
    return obj->type == JSON_OBJECT && i < obj->u.obj.n ? obj->u.obj.members[i].key : NULL;
}

JsonValue *json_object_value(const JsonValue *obj, size_t i)
{
    return obj->type == JSON_OBJECT && i < obj->u.obj.n ? obj->u.obj.members[i].value : NULL;
}

JsonValue *json_object_get(const JsonValue *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT) {
        return NULL;
    }
    JsonMember *m = find_member(obj, key);
    return m ? m->value : NULL;
}

/* ---- parser ---- */

typedef struct Parser {
    const char *s;
    size_t len, pos;
    Error **errp;
    bool failed;
} Parser;

static void perr(Parser *p, const char *what)
{
    if (!p->failed) {
        p->failed = true;
        error_setg(p->errp, "JSON parse error: %s at offset %zu", what, p->pos);
    }
}

static void skip_ws(Parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            break;
        }
        p->pos++;
    }
}

static bool literal(Parser *p, const char *word)
{
    size_t n = strlen(word);
    if (p->len - p->pos >= n && memcmp(p->s + p->pos, word, n) == 0) {
        p->pos += n;
        return true;
    }
    return false;
}

static int hex4(Parser *p)
{
    if (p->len - p->pos < 4) {
        return -1;
    }
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos + (size_t)i];
        int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
        if (d < 0) {
            return -1;
        }
        v = v << 4 | d;
    }
    p->pos += 4;
    return v;
}

typedef struct Buf {
    char *b;
    size_t n, cap;
} Buf;

static void buf_put(Buf *b, const void *data, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->b = xrealloc(b->b, b->cap);
    }
    memcpy(b->b + b->n, data, n);
    b->n += n;
    b->b[b->n] = 0;
}

static void buf_utf8(Buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    buf_put(b, u, n);
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 (RFC 3629
 * section 4: no overlongs, no surrogates, nothing above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) {
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

static JsonValue *parse_string(Parser *p)
{
    p->pos++;  /* opening quote */
    Buf b = { 0 };
    buf_put(&b, "", 0);
    while (!p->failed) {
        if (p->pos >= p->len) {
            perr(p, "unterminated string");
            break;
        }
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c == '"') {
            p->pos++;
            JsonValue *v = new_value(JSON_STRING);
            v->u.str.s = b.b;
            v->u.str.len = b.n;
            return v;
        }
        if (c < 0x20) {
            perr(p, "control character in string");
            break;
        }
        if (c != '\\') {
            size_t n = utf8_len((const unsigned char *)p->s + p->pos, p->len - p->pos);
            if (!n) {
                perr(p, "invalid UTF-8 in string");
                break;
            }
            buf_put(&b, p->s + p->pos, n);
            p->pos += n;
            continue;
        }
        p->pos++;
        if (p->pos >= p->len) {
            perr(p, "unterminated escape");
            break;
        }
        char e = p->s[p->pos++];
        const char *simple = NULL;
        switch (e) {
        case '"': simple = "\""; break;
        case '\\': simple = "\\"; break;
        case '/': simple = "/"; break;
        case 'b': simple = "\b"; break;
        case 'f': simple = "\f"; break;
        case 'n': simple = "\n"; break;
        case 'r': simple = "\r"; break;
        case 't': simple = "\t"; break;
        case 'u': {
            int hi = hex4(p);
            if (hi < 0) {
                perr(p, "bad \\u escape");
                break;
            }
            uint32_t cp = (uint32_t)hi;
            if (hi >= 0xdc00 && hi <= 0xdfff) {
                perr(p, "unpaired low surrogate");
                break;
            }
            if (hi >= 0xd800 && hi <= 0xdbff) {
                /* RFC 8259 section 7: a pair of \u escapes for one code point. */
                int lo = -1;
                if (p->len - p->pos >= 2 && p->s[p->pos] == '\\' && p->s[p->pos + 1] == 'u') {
                    p->pos += 2;
                    lo = hex4(p);
                }
                if (lo < 0xdc00 || lo > 0xdfff) {
                    perr(p, "unpaired high surrogate");
                    break;
                }
                cp = 0x10000 + (((uint32_t)hi - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
            }
            if (cp == 0) {
                perr(p, "\\u0000 is not supported");
                break;
            }
            buf_utf8(&b, cp);
            break;
        }
        default:
            perr(p, "invalid escape");
            break;
        }
        if (simple) {
            buf_put(&b, simple, 1);
        }
    }
    free(b.b);
    return NULL;
}

static JsonValue *parse_number(Parser *p)
{
    size_t start = p->pos;
    bool is_int = true;
    if (p->pos < p->len && p->s[p->pos] == '-') {
        p->pos++;
    }
    if (p->pos >= p->len || p->s[p->pos] < '0' || p->s[p->pos] > '9') {
        perr(p, "bad number");
        return NULL;
    }
    if (p->s[p->pos] == '0') {
        p->pos++;
    } else {
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            p->pos++;
        }
    }
    if (p->pos < p->len && p->s[p->pos] == '.') {
        is_int = false;
        p->pos++;
        size_t d = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            p->pos++;
        }
        if (p->pos == d) {
            perr(p, "digit expected after '.'");
            return NULL;
        }
    }
    if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
        is_int = false;
        p->pos++;
        if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-')) {
            p->pos++;
        }
        size_t d = p->pos;
        while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
            p->pos++;
        }
        if (p->pos == d) {
            perr(p, "digit expected in exponent");
            return NULL;
        }
    }
    size_t n = p->pos - start;
    char tmp[64];
    char *num = n < sizeof(tmp) ? tmp : xrealloc(NULL, n + 1);
    memcpy(num, p->s + start, n);
    num[n] = 0;
    JsonValue *v;
    errno = 0;
    long long ll = is_int ? strtoll(num, NULL, 10) : 0;
    if (is_int && errno == 0) {
        v = json_int((int64_t)ll);
    } else {
        /* Out-of-range integers become doubles, as in QEMU. */
        v = json_double(strtod(num, NULL));
    }
    if (num != tmp) {
        free(num);
    }
    return v;
}

static JsonValue *parse_value(Parser *p, int depth);

static JsonValue *parse_array(Parser *p, int depth)
{
    p->pos++;
    JsonValue *a = json_array();
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == ']') {
        p->pos++;
        return a;
    }
    for (;;) {
        JsonValue *v = parse_value(p, depth + 1);
        if (!v) {
            break;
        }
        json_array_append(a, v);
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == ']') {
            p->pos++;
            return a;
        }
        perr(p, "expected ',' or ']'");
        break;
    }
    json_free(a);
    return NULL;
}

static JsonValue *parse_object(Parser *p, int depth)
{
    p->pos++;
    JsonValue *o = json_object();
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == '}') {
        p->pos++;
        return o;
    }
    for (;;) {
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != '"') {
            perr(p, "expected string key");
            break;
        }
        size_t key_pos = p->pos;
        JsonValue *k = parse_string(p);
        if (!k) {
            break;
        }
        skip_ws(p);
        if (p->pos >= p->len || p->s[p->pos] != ':') {
            json_free(k);
            perr(p, "expected ':'");
            break;
        }
        p->pos++;
        JsonValue *v = parse_value(p, depth + 1);
        if (!v) {
            json_free(k);
            break;
        }
        if (find_member(o, k->u.str.s)) {
            json_free(k);
            json_free(v);
            p->pos = key_pos;
            perr(p, "duplicate key");
            break;
        }
        json_object_set(o, k->u.str.s, v);
        json_free(k);
        skip_ws(p);
        if (p->pos < p->len && p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->pos < p->len && p->s[p->pos] == '}') {
            p->pos++;
            return o;
        }
        perr(p, "expected ',' or '}'");
        break;
    }
    json_free(o);
    return NULL;
}

static JsonValue *parse_value(Parser *p, int depth)
{
    skip_ws(p);
    if (p->pos >= p->len) {
        perr(p, "unexpected end of input");
        return NULL;
    }
    char c = p->s[p->pos];
    if ((c == '{' || c == '[') && depth >= JSON_MAX_DEPTH) {
        perr(p, "nesting too deep");
        return NULL;
    }
    switch (c) {
    case '{':
        return parse_object(p, depth);
    case '[':
        return parse_array(p, depth);
    case '"':
        return parse_string(p);
    case 't':
        if (literal(p, "true")) {
            return json_bool(true);
        }
        break;
    case 'f':
        if (literal(p, "false")) {
            return json_bool(false);
        }
        break;
    case 'n':
        if (literal(p, "null")) {
            return json_null();
        }
        break;
    default:
        if (c == '-' || (c >= '0' && c <= '9')) {
            return parse_number(p);
        }
        break;
    }
    perr(p, "unexpected character");
    return NULL;
}

JsonValue *json_parse(const char *text, size_t len, Error **errp)
{
    if (len > JSON_MAX_INPUT) {
        error_setg(errp, "JSON parse error: input of %zu bytes exceeds the %u byte limit", len,
                   JSON_MAX_INPUT);
        return NULL;
    }
    Parser p = { .s = text, .len = len, .errp = errp };
    JsonValue *v = parse_value(&p, 0);
    if (v) {
        skip_ws(&p);
        if (p.pos != p.len) {
            perr(&p, "trailing characters");
            json_free(v);
            return NULL;
        }
    }
    return v;
}

/* ---- serialiser ---- */

static void ser_string(Buf *b, const char *s, size_t len)
{
    buf_put(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        switch (c) {
        case '"': buf_put(b, "\\\"", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        case '\b': buf_put(b, "\\b", 2); break;
        case '\f': buf_put(b, "\\f", 2); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                buf_put(b, esc, 6);
            } else {
                buf_put(b, &s[i], 1);
            }
            break;
        }
    }
    buf_put(b, "\"", 1);
}

static void ser(Buf *b, const JsonValue *v)
{
    char num[40];
    switch (v->type) {
    case JSON_NULL:
        buf_put(b, "null", 4);
        break;
    case JSON_BOOL:
        v->u.b ? buf_put(b, "true", 4) : buf_put(b, "false", 5);
        break;
    case JSON_INT:
        snprintf(num, sizeof(num), "%lld", (long long)v->u.i);
        buf_put(b, num, strlen(num));
        break;
    case JSON_DOUBLE:
        if (!isfinite(v->u.d)) {
            buf_put(b, "null", 4);
            break;
        }
        snprintf(num, sizeof(num), "%.17g", v->u.d);
        buf_put(b, num, strlen(num));
        /* Keep it a double when read back. */
        if (!strpbrk(num, ".eE")) {
            buf_put(b, ".0", 2);
        }
        break;
    case JSON_STRING:
        ser_string(b, v->u.str.s, v->u.str.len);
        break;
    case JSON_ARRAY:
        buf_put(b, "[", 1);
        for (size_t i = 0; i < v->u.arr.n; i++) {
            if (i) {
                buf_put(b, ", ", 2);
            }
            ser(b, v->u.arr.items[i]);
        }
        buf_put(b, "]", 1);
        break;
    case JSON_OBJECT:
        buf_put(b, "{", 1);
        for (size_t i = 0; i < v->u.obj.n; i++) {
            if (i) {
                buf_put(b, ", ", 2);
            }
            ser_string(b, v->u.obj.members[i].key, strlen(v->u.obj.members[i].key));
            buf_put(b, ": ", 2);
            ser(b, v->u.obj.members[i].value);
        }
        buf_put(b, "}", 1);
        break;
    }
}

char *json_serialize(const JsonValue *v, size_t *len)
{
    Buf b = { 0 };
    buf_put(&b, "", 0);
    ser(&b, v);
    if (len) {
        *len = b.n;
    }
    return b.b;
}
