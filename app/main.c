/*
 * rrsim: the executable. Parses the command line, builds the machine, runs it
 * and turns the outcome into the exit status. This is the one place errors
 * are reported (error_report_err) and mapped to a status (error_exit_status).
 * stdout carries only the guest console.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app/cmdline.h"
#include "app/debug.h"
#include "app/progress.h"
#include "cpu/isa.h"
#include "hw/machine.h"
#include "hw/machine_replay.h"
#include "sim/monitor/json.h"
#include "sim/replay/journal.h"
#include "sim/replay/pack.h"

static const char *shutdown_cause_name(ShutdownCause c)
{
    switch (c) {
    case SHUTDOWN_GUEST_POWEROFF: return "guest-poweroff";
    case SHUTDOWN_GUEST_RESET:    return "guest-reset";
    case SHUTDOWN_HOST_SIGNAL:    return "host-signal";
    case SHUTDOWN_HOST_MONITOR:   return "host-monitor";
    case SHUTDOWN_REPLAY_END:     return "replay-end";
    case SHUTDOWN_ERROR:          return "error";
    case SHUTDOWN_GUEST_PANIC:    return "guest-panic";
    case SHUTDOWN_TIMEOUT:        return "timeout";
    case SHUTDOWN_CONSOLE_MATCH:  return "console-match";
    default:                      return "none";
    }
}

/* -d summary for scripts: the run's outcome as one JSON object on one line
 * (to the -D file when there is one). matched: whether a replay ended as its
 * recording did (null outside replay). */
static void print_summary_json(const Cmdline *c, Machine *m, int status, bool matched,
                               const char *error)
{
    static const char *const modes[] = { "normal", "record", "replay" };
    int rr = c->mo.icount.rr == ICOUNT_RR_RECORD ? 1 : c->mo.icount.rr == ICOUNT_RR_REPLAY ? 2 : 0;
    JsonValue *o = json_object();
    json_object_set(o, "mode", json_string(modes[rr]));
    json_object_set(o, "exit_status", json_int(status));
    if (m) {
        char state[33];
        hash_to_hex(machine_state_hash(m), state);
        json_object_set(o, "reason", json_string(shutdown_cause_name(m->shutdown_cause)));
        json_object_set(o, "guest_exit_code", json_int(m->exit_code));
        json_object_set(o, "steps", json_int((int64_t)machine_icount(m)));
        json_object_set(o, "virtual_ns", json_int(machine_virtual_ns(m)));
        json_object_set(o, "resets", json_int((int64_t)m->resets));
        json_object_set(o, "state", json_string(state));
    } else {
        json_object_set(o, "reason", json_string("error"));
    }
    json_object_set(o, "journal", rr ? json_string(c->mo.icount.rrfile) : json_null());
    json_object_set(o, "replay_matched", rr == 2 ? json_bool(matched) : json_null());
    json_object_set(o, "error", error ? json_string(error) : json_null());
    char *text = json_serialize(o, NULL);
    FILE *out = c->log.out ? c->log.out : stderr;
    fprintf(out, "%s\n", text);
    fflush(out);
    free(text);
    json_free(o);
}

/* -pidfile: QEMU writes the pid and keeps the file until exit. */
static bool write_pidfile(const char *path, Error **errp)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        error_setc(errp, ERR_IO, "-pidfile %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = fprintf(f, "%ld\n", (long)getpid()) > 0;
    ok &= fclose(f) == 0;
    if (!ok) {
        error_setc(errp, ERR_IO, "-pidfile %s: %s", path, strerror(errno));
    }
    return ok;
}

/* ---- CI runs and packs ---- */

/* The firmware the machine loads without -bios (same search as hw). */
static const char *default_bios_path(void)
{
    static const char *const paths[] = MACHINE_DEFAULT_BIOS_PATHS;
    for (int i = 0; paths[i]; i++) {
        if (access(paths[i], R_OK) == 0) {
            return paths[i];
        }
    }
    return NULL;
}

/* -replay-pack FILE: the pack's options, then the user's others. The pack
 * is extracted into a private directory, removed at exit. */
typedef struct PackRun {
    char dir[4096];
    PackArgs args;
    char **argv;
    int argc;
} PackRun;

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            char p[4400];
            snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    rmdir(dir);
}

static bool pack_run_open(PackRun *pr, int argc, char **argv, Error **errp)
{
    const char *pack = NULL;
    int at = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-replay-pack") || !strcmp(argv[i], "--replay-pack")) {
            if (i + 1 >= argc || !*argv[i + 1]) {
                error_setc(errp, ERR_USAGE, "option '%s' needs a pack file", argv[i]);
                return false;
            }
            if (pack) {
                error_setc(errp, ERR_USAGE, "-replay-pack: one pack at a time");
                return false;
            }
            pack = argv[i + 1];
            at = i;
        }
    }
    if (!pack) {
        return true;
    }
    const char *tmp = getenv("TMPDIR");
    snprintf(pr->dir, sizeof(pr->dir), "%s/rrsim-pack-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(pr->dir)) {
        error_setg_errno(errp, errno, "-replay-pack: cannot create a temporary directory");
        pr->dir[0] = '\0';
        return false;
    }
    if (!pack_extract(pack, pr->dir, &pr->args, errp)) {
        error_prepend(errp, "-replay-pack: ");
        return false;
    }
    pr->argv = calloc((size_t)(argc + pr->args.n + 1), sizeof(char *));
    if (!pr->argv) {
        abort();
    }
    pr->argv[pr->argc++] = argv[0];
    for (int i = 0; i < pr->args.n; i++) {
        pr->argv[pr->argc++] = pr->args.v[i];
    }
    for (int i = 1; i < argc; i++) {
        if (i != at && i != at + 1) {
            pr->argv[pr->argc++] = argv[i];
        }
    }
    return true;
}

static void pack_run_close(PackRun *pr)
{
    if (pr->dir[0]) {
        remove_dir(pr->dir);
    }
    pack_args_free(&pr->args);
    free(pr->argv);
}

/* The files a recording leaves beside its journal. */
static void remove_recording(const char *rrfile)
{
    static const char *const suffixes[] = { "", ".args", ".snap", ".snap-lock", NULL };
    for (int i = 0; suffixes[i]; i++) {
        char p[4200];
        snprintf(p, sizeof(p), "%s%s", rrfile, suffixes[i]);
        unlink(p);
    }
}

/* -ci-record: a failed run (status != 0) leaves exactly one pack in the
 * directory, a passing one nothing. */
static void ci_finish(const Cmdline *c, bool recorded, int status)
{
    const char *rrfile = c->mo.icount.rrfile;
    if (!recorded || status == 0) {
        remove_recording(rrfile);
        return;
    }
    char name[64];
    if (c->name) {
        snprintf(name, sizeof(name), "%.60s", c->name);
        for (char *p = name; *p; p++) {
            if (*p == '/') {
                *p = '_';
            }
        }
    } else {
        /* The recording's own id: unique, and the key of its snapshots. */
        char hex[33] = "run";
        JournalReader *rd = journal_reader_open(rrfile, false, NULL);
        const JournalInput *in = rd ? journal_manifest_find(journal_reader_manifest(rd),
                                                            JOURNAL_INPUT_RECORDING) : NULL;
        if (in) {
            hash_to_hex(in->hash, hex);
            hex[16] = '\0';
        }
        journal_reader_free(rd);
        snprintf(name, sizeof(name), "rrsim-%s", hex);
    }
    /* Packed under a private name, then linked to the first free public
     * one: runs sharing DIR and -name never overwrite each other's pack. */
    char part[4200], out[4200];
    snprintf(part, sizeof(part), "%s.rrpack", rrfile);
    Error *err = NULL;
    if (!pack_create(rrfile, part, NULL, &err)) {
        error_prepend(&err, "-ci-record: the run failed but its recording could not be packed "
                      "(it stays in %s): ", rrfile);
        error_report_err(err);
        return;
    }
    snprintf(out, sizeof(out), "%s/%s.rrpack", c->ci_record, name);
    for (int k = 2; link(part, out) != 0; k++) {
        if (errno != EEXIST || k == 1000) {
            fprintf(stderr, "rrsim: -ci-record: cannot name the pack %s: %s; it is %s\n", out,
                    strerror(errno), part);
            remove_recording(rrfile);
            return;
        }
        snprintf(out, sizeof(out), "%s/%s-%d.rrpack", c->ci_record, name, k);
    }
    unlink(part);
    remove_recording(rrfile);
    fprintf(stderr, "rrsim: the run failed (exit status %d); its recording is %s\n", status, out);
}

/* How the run ended, when the guest did not end it with its own code. */
static void report_outcome(const Machine *m)
{
    unsigned long long steps = (unsigned long long)machine_icount((Machine *)m);
    switch (m->shutdown_cause) {
    case SHUTDOWN_GUEST_PANIC:
        fprintf(stderr, "rrsim: the guest panicked (pvpanic) at step %llu\n", steps);
        break;
    case SHUTDOWN_TIMEOUT:
        fprintf(stderr, "rrsim: timeout at step %llu\n", steps);
        break;
    case SHUTDOWN_CONSOLE_MATCH:
        fprintf(stderr, "rrsim: the console printed \"%s\" (-fail-on) at step %llu\n",
                m->fail_on_matched >= 0 ? m->opts.fail_on[m->fail_on_matched] : "?", steps);
        break;
    default:
        break;
    }
}

static void host_timeout(void *opaque)
{
    Machine *m = opaque;
    fprintf(stderr, "rrsim: -timeout host=: the host-time budget ran out (where this strikes "
            "depends on the host; a recording keeps the step)\n");
    machine_host_shutdown(m, SHUTDOWN_TIMEOUT, 0);
}

/* The run failed: close a recording's journal (a recording of a hang
 * replays it), or, for a guest hang in a replay, check that the recording
 * ended at the same step in the same state: then the replay matched, hang
 * and all. Returns whether it did. */
static bool finish_after_error(MachineReplay *mr, const Error *err)
{
    bool hang = err && error_get_class(err) == ERR_GUEST &&
                machine_replay_mode(mr) == REPLAY_MODE_PLAY;
    Error *fe = NULL;
    bool ok = machine_replay_finish(mr, hang ? &fe : NULL);
    error_free(fe);
    return ok && hang;
}

/*
 * -daemonize, as QEMU: the process forks at once; the parent waits until the
 * child says it is ready (machine built, sockets listening) and exits 0, or
 * exits with the child's status if the child fails before that. Returns the
 * child's end of the pipe (-1 in the parent's failure).
 */
static int daemonize_fork(Error **errp)
{
    int p[2];
    if (pipe(p) < 0) {
        error_setc(errp, ERR_IO, "-daemonize: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        error_setc(errp, ERR_IO, "-daemonize: %s", strerror(errno));
        return -1;
    }
    if (pid > 0) {
        close(p[1]);
        char b;
        ssize_t n;
        do {
            n = read(p[0], &b, 1);
        } while (n < 0 && errno == EINTR);
        if (n == 1) {
            _exit(0);
        }
        int st = 0;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 70);
    }
    close(p[0]);
    setsid();
    return p[1];
}

/* The daemon is ready: let the parent go, and leave the terminal. */
static void daemonize_ready(int fd)
{
    if (fd < 0) {
        return;
    }
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) {
            close(null);
        }
    }
    if (write(fd, "1", 1) < 0) {
        /* the parent is gone: nothing to tell */
    }
    close(fd);
}

/* Progress by default only where it cannot garble the guest's console: on
 * a terminal stderr, when the console is not that terminal too. */
static bool progress_wanted(const Cmdline *c)
{
    const char *serial = c->mo.serial ? c->mo.serial : "mon:stdio";
    bool console_on_tty = (!strcmp(serial, "stdio") || !strcmp(serial, "mon:stdio")) &&
                          (isatty(STDOUT_FILENO) || isatty(STDIN_FILENO));
    return isatty(STDERR_FILENO) && !console_on_tty;
}

int main(int argc, char **argv)
{
    Cmdline c;
    Error *err = NULL;
    int status = 0;
    Machine *m = NULL;
    MachineReplay *mr = NULL;
    Progress *progress = NULL;
    bool pid_written = false;
    int ready_fd = -1;
    DebugSession *dbg = NULL;
    PackRun pr = { 0 };
    Timer host_timer;
    bool host_timer_armed = false, recorded = false;
    uint64_t matched_at = UINT64_MAX;   /* a replay that ended in the recorded hang */

    /* A console reader that goes away must not kill the simulator mid-write. */
    signal(SIGPIPE, SIG_IGN);

    memset(&c, 0, sizeof(c));
    if (!pack_run_open(&pr, argc, argv, &err)) {
        goto fail;
    }
    if (pr.argv) {
        argc = pr.argc;
        argv = pr.argv;
    }
    if (!cmdline_parse(&c, argc, argv, &err)) {
        goto fail;
    }
    if (c.ci_record && mkdir(c.ci_record, 0777) != 0 && errno != EEXIST) {
        error_setg_errno(&err, errno, "-ci-record %s", c.ci_record);
        goto fail;
    }
    if (c.help) {
        cmdline_usage(stdout);
        goto out;
    }
    if (c.version) {
        printf("rrsim %s\n", RRSIM_VERSION);
        goto out;
    }
    if (c.log_help) {
        log_help(stdout);
        goto out;
    }
    if (c.machine_help) {
        printf("Supported machines are:\n"
               "virt                 RISC-V VirtIO board (as QEMU's virt, the default)\n");
        goto out;
    }
    if (c.daemonize && !c.help && !c.version && !c.machine_help &&
        c.cpu_help == CMDLINE_CPU_HELP_NONE && !c.dumpdtb) {
        ready_fd = daemonize_fork(&err);
        if (ready_fd < 0) {
            goto fail;
        }
    }
    if (c.pidfile) {
        if (!write_pidfile(c.pidfile, &err)) {
            goto fail;
        }
        pid_written = true;
    }
    if (c.cpu_help != CMDLINE_CPU_HELP_NONE) {
        isa_help(stdout, c.cpu_help == CMDLINE_CPU_HELP_PROPS);
        goto out;
    }
    if (c.dumpdtb) {
        /* Building the tree needs no console: keep the terminal untouched. */
        c.mo.serial = "null";
        c.mo.no_signals = true;
    }
    /* -D FILE (or stderr) before the machine: the hart logs its reset. */
    if (!log_open(&c.log, c.log_file, &err)) {
        goto fail;
    }
    c.mo.log = &c.log;
    m = machine_new(&c.mo, &err);
    if (!m) {
        goto fail;
    }
    if (c.dumpdtb) {
        if (!machine_dump_dtb(m, c.dumpdtb, &err)) {
            goto fail;
        }
        fprintf(stderr, "rrsim: info: dtb dumped to %s. Exiting.\n", c.dumpdtb);
        goto out;
    }

    /* -icount rr=record|replay: journal the host inputs, or feed them back. */
    mr = machine_replay_new(m, &err);
    if (!mr) {
        goto fail;
    }
    if (machine_replay_mode(mr) == REPLAY_MODE_RECORD) {
        recorded = true;
        /* The options beside the journal: what rrsim-journal pack and check
         * need to rebuild this machine elsewhere. */
        Error *aerr = NULL;
        if (!pack_args_write(c.mo.icount.rrfile, argc, argv, c.mo.bios ? NULL : default_bios_path(),
                             &aerr)) {
            warn_report("%s (the recording cannot be packed)", error_get_message(aerr));
            error_free(aerr);
        }
    }
    if (c.timeout_host_ms && machine_replay_mode(mr) != REPLAY_MODE_PLAY) {
        timer_init(&host_timer, m->loop, CLOCK_REALTIME, host_timeout, m);
        timer_mod(&host_timer, loop_clock_ns(m->loop, CLOCK_REALTIME) +
                               (int64_t)c.timeout_host_ms * 1000000);
        host_timer_armed = true;
    }

    bool playing = machine_replay_mode(mr) == REPLAY_MODE_PLAY;
    if (playing && (c.progress || progress_wanted(&c))) {
        JournalReader *rd = journal_reader_open(c.mo.icount.rrfile, false, &err);
        if (!rd) {
            goto fail;
        }
        progress = progress_new(m, stderr, isatty(STDERR_FILENO), journal_reader_last_steps(rd));
        journal_reader_free(rd);
    }

    if (cmdline_wants_debug(&c)) {
        /* gdb, QMP, -S or snapshots: the session owns the run state. */
        dbg = debug_new(m, mr, &c.debug, &err);
        if (dbg) {
            daemonize_ready(ready_fd);
            ready_fd = -1;
        }
        if (!dbg || !debug_run(dbg, &err)) {
            if (finish_after_error(mr, err)) {
                matched_at = machine_icount(m);
            }
            goto fail;
        }
    } else {
        MachineStop why;
        daemonize_ready(ready_fd);
        ready_fd = -1;
        for (;;) {
            if (!machine_run(m, &why, &err)) {
                /* Close the journal anyway: a recording of a hang replays it. */
                if (finish_after_error(mr, err)) {
                    matched_at = machine_icount(m);
                }
                goto fail;
            }
            if (why == MACHINE_STOP_SHUTDOWN) {
                break;
            }
            /* Nobody to serve a debug stop without a debugger: keep going. */
        }
    }
    progress_free(progress);
    progress = NULL;
    /* Writes the journal's end marker, or checks the replay ended as recorded;
     * a divergence or a truncated journal found during the run is reported here. */
    if (!machine_replay_finish(mr, &err)) {
        goto fail;
    }
    report_outcome(m);
    if (playing) {
        fprintf(stderr, "rrsim: replay completed at step %llu and matched the recording\n",
                (unsigned long long)machine_icount(m));
    }
    status = machine_exit_status(m);
    if (c.summary) {
        char state[33];
        hash_to_hex(machine_state_hash(m), state);
        fprintf(stderr, "rrsim: %s exit=%d steps=%llu virtual_ns=%lld resets=%llu state=%s\n",
                shutdown_cause_name(m->shutdown_cause), status,
                (unsigned long long)machine_icount(m), (long long)machine_virtual_ns(m),
                (unsigned long long)m->resets, state);
        print_summary_json(&c, m, status, playing, NULL);
    }
    goto out;

fail:
    status = error_exit_status(err);
    progress_free(progress);
    progress = NULL;
    if (host_timer_armed) {
        timer_del(&host_timer);
        host_timer_armed = false;
    }
    /* Restore the terminal before the message so it prints cleanly. */
    debug_free(dbg);
    dbg = NULL;
    machine_replay_free(mr);
    mr = NULL;
    machine_free(m);
    m = NULL;
    if (c.summary && err) {
        /* The outcome of a run that failed (a divergence, a hang, a bad
         * journal) is what scripts need most. */
        print_summary_json(&c, NULL, status, false, error_get_message(err));
    }
    error_report_err(err);
    if (matched_at != UINT64_MAX) {
        fprintf(stderr, "rrsim: replay completed at step %llu and matched the recording\n",
                (unsigned long long)matched_at);
    }
out:
    if (pid_written) {
        unlink(c.pidfile);
    }
    if (host_timer_armed) {
        timer_del(&host_timer);
    }
    debug_free(dbg);
    machine_replay_free(mr);
    machine_free(m);
    if (c.ci_record) {
        ci_finish(&c, recorded, status);
    }
    log_close(&c.log);
    cmdline_free(&c);
    pack_run_close(&pr);
    return status;
}
