/* error: see error.h. */
#include "sim/base/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Error {
    ErrorClass cls;
    char *msg;
};

static char *vformat(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        n = 0;
    }
    char *s = malloc((size_t)n + 1);
    if (!s) {
        abort(); /* out of memory: no way to report anything sensible */
    }
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

void error_vsetc(Error **errp, ErrorClass cls, const char *fmt, va_list ap)
{
    if (!errp) {
        return;
    }
    /* Setting an error twice is a programming error: the first one would leak
     * and the caller would report the wrong cause. */
    if (*errp) {
        fprintf(stderr, "rrsim: internal error: error set twice (first: %s)\n",
                (*errp)->msg);
        abort();
    }
    Error *e = malloc(sizeof(*e));
    if (!e) {
        abort();
    }
    e->cls = cls;
    e->msg = vformat(fmt, ap);
    *errp = e;
}

void error_setg(Error **errp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetc(errp, ERR_GENERIC, fmt, ap);
    va_end(ap);
}

void error_setc(Error **errp, ErrorClass cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetc(errp, cls, fmt, ap);
    va_end(ap);
}

void error_setg_errno(Error **errp, int errnum, const char *fmt, ...)
{
    if (!errp) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    error_vsetc(errp, ERR_IO, fmt, ap);
    va_end(ap);
    Error *e = *errp;
    size_t n = strlen(e->msg) + strlen(strerror(errnum)) + 3;
    char *m = malloc(n);
    if (!m) {
        abort();
    }
    snprintf(m, n, "%s: %s", e->msg, strerror(errnum));
    free(e->msg);
    e->msg = m;
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    if (!errp || !*errp) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *prefix = vformat(fmt, ap);
    va_end(ap);
    Error *e = *errp;
    size_t n = strlen(prefix) + strlen(e->msg) + 1;
    char *m = malloc(n);
    if (!m) {
        abort();
    }
    snprintf(m, n, "%s%s", prefix, e->msg);
    free(prefix);
    free(e->msg);
    e->msg = m;
}

void error_propagate(Error **dst, Error *local_err)
{
    if (!local_err) {
        return;
    }
    if (dst && !*dst) {
        *dst = local_err;
    } else {
        error_free(local_err);
    }
}

const char *error_get_message(const Error *err)
{
    return err->msg;
}

ErrorClass error_get_class(const Error *err)
{
    return err->cls;
}

int error_exit_status(const Error *err)
{
    return ERR_EXIT_BASE + (int)err->cls;
}

void error_free(Error *err)
{
    if (err) {
        free(err->msg);
        free(err);
    }
}

void error_report_err(Error *err)
{
    if (err) {
        fprintf(stderr, "rrsim: %s\n", err->msg);
        error_free(err);
    }
}

void error_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rrsim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void warn_report(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rrsim: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
