/*
 * error: the one way rrsim reports failures upward.
 *
 * A function that can fail takes `Error **errp` as its last parameter, sets it
 * with error_setg()/error_setc() and returns a failure value (false, -1, NULL).
 * The caller either handles the error, adds context with error_prepend() and
 * passes it on with error_propagate(), or, at the very top (main() or a
 * monitor command), reports it once with error_report_err(). Nothing below
 * main() calls exit() or prints an error itself.
 *
 * Each error carries a class; main() turns the class into the process exit
 * status so scripts can tell a bad journal from a bad command line.
 * Passing errp == NULL means "I do not care why", and the error is dropped.
 */
#ifndef RRSIM_SIM_BASE_ERROR_H
#define RRSIM_SIM_BASE_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

/* Error classes; the exit status of rrsim is ERR_EXIT_BASE + class. */
typedef enum ErrorClass {
    ERR_GENERIC = 0,      /* anything not listed below */
    ERR_USAGE,            /* bad command line or option value */
    ERR_IO,               /* host file or socket failure */
    ERR_IMAGE,            /* bad firmware / kernel / dtb image */
    ERR_JOURNAL_TRUNCATED,/* journal ends before its end marker */
    ERR_JOURNAL_CORRUPT,  /* checksum, framing or decoding failure */
    ERR_JOURNAL_VERSION,  /* journal from another format version */
    ERR_JOURNAL_MISMATCH, /* journal recorded with other inputs */
    ERR_DIVERGENCE,       /* replay state differs from the recording */
    ERR_SNAPSHOT,         /* snapshot store damaged or incompatible */
    ERR_GUEST,            /* the guest did something fatal (e.g. double fault policy) */
    ERR_CLASS_COUNT
} ErrorClass;

#define ERR_EXIT_BASE 64  /* keeps clear of 0/1 (guest pass/fail) and 2 (usage by convention) */

typedef struct Error Error;

void error_setg(Error **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_setc(Error **errp, ErrorClass cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Like error_setc() with ": strerror(errnum)" appended. */
void error_setg_errno(Error **errp, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void error_vsetc(Error **errp, ErrorClass cls, const char *fmt, va_list ap);

/* Prefix context ("loading kernel: ") to an error already set in *errp. */
void error_prepend(Error **errp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Move local_err into *dst (or free it if dst is NULL or already set). */
void error_propagate(Error **dst, Error *local_err);

const char *error_get_message(const Error *err);
ErrorClass error_get_class(const Error *err);
/* Exit status main() uses for this error. */
int error_exit_status(const Error *err);
void error_free(Error *err);

/* Print "rrsim: <message>" on stderr, then free. Only main() and monitor-like
 * top levels call this. */
void error_report_err(Error *err);
/* Print one diagnostic line on stderr (warnings, top-level messages). */
void error_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
