/*
 * cmdline: rrsim's QEMU-style command line, parsed into MachineOptions plus
 * the few things only main() acts on (dumpdtb, --help, --version, -d) and the
 * debugging front ends (-gdb/-s, -S, -qmp, -loadvm, -snapshot-store).
 */
#ifndef RRSIM_APP_CMDLINE_H
#define RRSIM_APP_CMDLINE_H

#include <stdbool.h>
#include <stdio.h>

#include "app/debug.h"
#include "hw/machine.h"
#include "sim/base/error.h"
#include "sim/base/log.h"

typedef struct Cmdline {
    MachineOptions mo;          /* strings point into argv or into owned fields below */
    const char *dumpdtb;
    bool help, version;
    bool machine_help;          /* -M help */
    const char *name;           /* -name (not guest visible) */
    const char *pidfile;        /* -pidfile: written at start, removed at exit */
    bool daemonize;             /* -daemonize: run in the background once ready */
    enum { CMDLINE_CPU_HELP_NONE, CMDLINE_CPU_HELP_MODELS, CMDLINE_CPU_HELP_PROPS } cpu_help;
    bool summary;               /* -d summary: the outcome at exit (a line and a JSON object) */
    bool progress;              /* -d progress: replay progress even off a terminal */
    SimLog log;                 /* -d items and -dfilter ranges (opened by main) */
    bool log_help;              /* -d help */
    const char *log_file;       /* -D FILE (NULL: stderr) */
    DebugOptions debug;         /* -gdb, -s, -S, -qmp, -loadvm, -snapshot-store */
    const char *ci_record;      /* -ci-record DIR: keep a pack there only if the run fails */
    uint64_t timeout_host_ms;   /* -timeout host=SECONDS (0: none) */
    char *owned[64];            /* strings cmdline_parse allocated (freed by cmdline_free) */
    int nowned;
} Cmdline;

/* -rtc base=utc|localtime|DATE[,clock=vm][,driftfix=none|slew] into o.
 * DATE is QEMU's 2006-06-17T16:01:21 or 2006-06-17, in UTC. */
bool cmdline_parse_rtc(const char *arg, MachineRtcOptions *o, Error **errp);

/* Errors are ERR_USAGE with the offending option named. */
/* Whether any option needs the debug session's sockets, stop or snapshots. */
bool cmdline_wants_debug(const Cmdline *c);
bool cmdline_parse(Cmdline *c, int argc, char **argv, Error **errp);
void cmdline_free(Cmdline *c);
void cmdline_usage(FILE *out);

#endif
