/*
 * rrsim-journal: inspect a recording without running it.
 *
 *   rrsim-journal info FILE     manifest, event counts, length, how it ends
 *   rrsim-journal info --json FILE   the same as one JSON object
 *   rrsim-journal dump FILE     every event, one per line
 *   rrsim-journal verify FILE   full integrity check
 *   rrsim-journal pack RECORDING OUT   the recording and its images in one file
 *   rrsim-journal check [--list] DIR|FILE...   replay each, one process each
 *   rrsim-journal timeline FILE [OUT.svg]   the events as a picture
 *
 * The exit status is rrsim's: 0 when fine, 64 + error class otherwise
 * (65 usage, 66 I/O, 68 truncated, 69 corrupt, 70 other format version).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/monitor/json.h"
#include "sim/replay/journal.h"
#include "sim/replay/pack.h"

/* info --json: the facts of `info` as one JSON object, for scripts. */
static bool info_json(const char *path, FILE *out, Error **errp)
{
    static const char *const ends[] = { "clean", "no-index", "truncated" };
    JournalInfo in;
    if (!journal_info_collect(path, &in, errp)) {
        return false;
    }
    const JournalManifest *m = &in.manifest;
    JsonValue *o = json_object();
    json_object_set(o, "journal", json_string(path));
    json_object_set(o, "format", json_int(m->format_version));
    json_object_set(o, "rrsim", json_string(m->rrsim_version ? m->rrsim_version : ""));
    json_object_set(o, "machine", json_string(m->machine ? m->machine : ""));
    json_object_set(o, "icount_shift", json_int(m->icount_shift));
    JsonValue *inputs = json_object();
    for (size_t i = 0; i < m->n_inputs; i++) {
        char h[33];
        hash_to_hex(m->inputs[i].hash, h);
        json_object_set(inputs, m->inputs[i].name, json_string(h));
    }
    json_object_set(o, "inputs", inputs);
    json_object_set(o, "frames", json_int((int64_t)in.frames));
    json_object_set(o, "index_used", json_bool(in.index_used));
    json_object_set(o, "events", json_int((int64_t)in.events));
    JsonValue *counts = json_object();
    for (int k = 1; k < JOURNAL_EV_KIND_COUNT; k++) {
        json_object_set(counts, journal_event_kind_name(k), json_int((int64_t)in.counts[k]));
    }
    json_object_set(o, "event_counts", counts);
    json_object_set(o, "steps", json_int((int64_t)in.steps));
    json_object_set(o, "virtual_ns", json_int(in.virtual_ns));
    json_object_set(o, "virtual_ns_exact", json_bool(in.virtual_exact));
    json_object_set(o, "end", json_string(ends[in.end]));
    json_object_set(o, "end_error", in.end_message ? json_string(in.end_message) : json_null());
    char *text = json_serialize(o, NULL);
    fprintf(out, "%s\n", text);
    free(text);
    json_free(o);
    journal_info_free(&in);
    return true;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rrsim-journal info [--json]|dump|verify FILE\n"
            "       rrsim-journal timeline FILE [OUT.svg]\n"
            "  info    manifest, event counts by kind, length in steps and virtual time\n"
            "          (--json: the same as one JSON object)\n"
            "  dump    every event, one per line\n"
            "  verify  check the whole file; exit status tells what is wrong\n"
            "  timeline  the events as an SVG picture (a row per kind, steps across),\n"
            "          to OUT.svg or standard output\n"
            "usage: rrsim-journal pack RECORDING OUT\n"
            "  pack    journal, options and every image the manifest names, in one file\n"
            "          for rrsim -replay-pack OUT (the images must still match its hashes)\n"
            "usage: rrsim-journal unpack PACK DIR\n"
            "  unpack  extract a pack's files (kernel, images, journal) into DIR, e.g. for\n"
            "          gdb's symbols; prints the replay's options and the entries\n"
            "usage: rrsim-journal check [--list] DIR|FILE...\n"
            "  check   replay every journal and pack, each in its own rrsim process, and\n"
            "          report those that no longer replay (exit status 1 if any);\n"
            "          --list prints the commands instead, one per line, to spread them\n"
            "          over ctest -j, a CI matrix or a job array\n");
}

/* ---- pack ---- */

static bool tool_pack(const char *recording, const char *out, Error **errp)
{
    if (!pack_create(recording, out, stdout, errp)) {
        return false;
    }
    printf("packed %s into %s\n", recording, out);
    return true;
}

/* The files of a pack, e.g. the kernel for gdb's symbols. */
static bool tool_unpack(const char *pack, const char *dir, Error **errp)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        error_setg_errno(errp, errno, "cannot create %s", dir);
        return false;
    }
    PackArgs args = { 0 };
    if (!pack_extract(pack, dir, &args, errp)) {
        return false;
    }
    printf("replay options:");
    for (int i = 0; i < args.n; i++) {
        printf(" %s", args.v[i]);
    }
    printf("\n");
    pack_args_free(&args);
    return pack_list(pack, stdout, errp);
}

/* ---- check: one replay process per recording ---- */

/* rrsim beside this tool (both land at the top of the build tree and are
 * installed together), else $RRSIM, else rrsim on PATH. */
static char *find_rrsim(void)
{
    const char *env = getenv("RRSIM");
    if (env && *env) {
        return strdup(env);
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            snprintf(slash + 1, sizeof(self) - (size_t)(slash + 1 - self), "rrsim");
            if (access(self, X_OK) == 0) {
                return strdup(self);
            }
        }
    }
    return strdup("rrsim");
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static bool is_journal(const char *path)
{
    char magic[8];
    FILE *f = fopen(path, "rb");
    bool yes = f && fread(magic, 1, 8, f) == 8 && !memcmp(magic, JOURNAL_MAGIC, 8);
    if (f) {
        fclose(f);
    }
    return yes;
}

/* The command that replays one recording: rrsim's argv (NULL-terminated).
 * The console goes nowhere: only the outcome counts. */
static bool check_command(const char *rrsim, const char *path, PackArgs *cmd, Error **errp)
{
    PackArgs a = { 0 };
    if (!has_suffix(path, ".rrpack") && !pack_replay_args(path, &a, errp)) {
        return false;
    }
    cmd->n = 0;
    cmd->v = calloc((size_t)a.n + 8, sizeof(char *));
    if (!cmd->v) {
        abort();
    }
    cmd->v[cmd->n++] = strdup(rrsim);
    if (has_suffix(path, ".rrpack")) {
        cmd->v[cmd->n++] = strdup("-replay-pack");
        cmd->v[cmd->n++] = strdup(path);
    }
    for (int i = 0; i < a.n; i++) {
        cmd->v[cmd->n++] = strdup(a.v[i]);
    }
    cmd->v[cmd->n++] = strdup("-serial");
    cmd->v[cmd->n++] = strdup("null");
    pack_args_free(&a);
    return true;
}

static void print_quoted(FILE *f, const PackArgs *cmd)
{
    for (int i = 0; i < cmd->n; i++) {
        fputs(i ? " '" : "'", f);
        for (const char *p = cmd->v[i]; *p; p++) {
            if (*p == '\'') {
                fputs("'\\''", f);
            } else {
                fputc(*p, f);
            }
        }
        fputc('\'', f);
    }
    fputc('\n', f);
}

/* Run one replay; true when it completed and matched the recording (its
 * last words say so, whatever the guest's own exit status was). */
static bool check_run(const PackArgs *cmd, char *why, size_t whylen)
{
    char errf[] = "/tmp/rrsim-check-XXXXXX";
    int efd = mkstemp(errf);
    if (efd < 0) {
        snprintf(why, whylen, "cannot create a temporary file: %s", strerror(errno));
        return false;
    }
    unlink(errf);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(efd, 2);
        execvp(cmd->v[0], cmd->v);
        fprintf(stderr, "rrsim-journal: cannot run %s: %s\n", cmd->v[0], strerror(errno));
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0) {
        snprintf(why, whylen, "cannot run %s", cmd->v[0]);
        close(efd);
        return false;
    }
    /* The replay's stderr: keep the last line and look for the verdict. */
    char buf[8192];
    off_t size = lseek(efd, 0, SEEK_END);
    off_t from = size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0;
    ssize_t n = pread(efd, buf, sizeof(buf) - 1, from);
    close(efd);
    buf[n > 0 ? n : 0] = '\0';
    bool matched = strstr(buf, "rrsim: replay completed at step") != NULL &&
                   strstr(buf, "and matched the recording") != NULL;
    while (n > 0 && buf[n - 1] == '\n') {
        buf[--n] = '\0';
    }
    char *last = strrchr(buf, '\n');
    last = last ? last + 1 : buf;
    int status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    snprintf(why, whylen, "exit status %d: %.900s", status, *last ? last : "(no message)");
    return matched;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The recordings named: files as given, directories' journals and packs
 * in name order. */
static void collect(const char *arg, PackArgs *out)
{
    struct stat st;
    if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode)) {
        char **nv = realloc(out->v, sizeof(char *) * (size_t)(out->n + 1));
        if (!nv) {
            abort();
        }
        out->v = nv;
        out->v[out->n++] = strdup(arg);
        return;
    }
    DIR *d = opendir(arg);
    struct dirent *e;
    int first = out->n;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.') {
            continue;
        }
        size_t len = strlen(arg) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p) {
            abort();
        }
        /* "dir/" names its entries dir/x, not dir//x. */
        bool slash = arg[0] && arg[strlen(arg) - 1] == '/';
        snprintf(p, len, "%s%s%s", arg, slash ? "" : "/", e->d_name);
        if (has_suffix(p, ".rrpack") || is_journal(p)) {
            char **nv = realloc(out->v, sizeof(char *) * (size_t)(out->n + 1));
            if (!nv) {
                abort();
            }
            out->v = nv;
            out->v[out->n++] = p;
        } else {
            free(p);
        }
    }
    if (d) {
        closedir(d);
    }
    qsort(out->v + first, (size_t)(out->n - first), sizeof(char *), name_cmp);
}

static int tool_check(int argc, char **argv)
{
    bool list = false;
    PackArgs paths = { 0 };
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--list")) {
            list = true;
        } else {
            collect(argv[i], &paths);
        }
    }
    if (paths.n == 0) {
        fprintf(stderr, "rrsim-journal: check: no journals or packs found\n");
        pack_args_free(&paths);
        return list ? 0 : 1;
    }
    char *rrsim = find_rrsim();
    int broken = 0;
    for (int i = 0; i < paths.n; i++) {
        PackArgs cmd = { 0 };
        Error *err = NULL;
        char why[1024];
        bool ok = check_command(rrsim, paths.v[i], &cmd, &err);
        if (!ok) {
            snprintf(why, sizeof(why), "%s", error_get_message(err));
            error_free(err);
        } else if (list) {
            print_quoted(stdout, &cmd);
        } else {
            ok = check_run(&cmd, why, sizeof(why));
        }
        if (!list || !ok) {
            fprintf(list ? stderr : stdout, "%s %s%s%s\n", ok ? "ok    " : "BROKEN", paths.v[i], ok ? "" : ": ",
                   ok ? "" : why);
        }
        broken += !ok;
        pack_args_free(&cmd);
    }
    if (!list) {
        printf("%d of %d recordings replay; %d broken\n", paths.n - broken, paths.n, broken);
    }
    free(rrsim);
    pack_args_free(&paths);
    return broken ? 1 : 0;
}

/* Into a file that only appears once it is complete, so a failure leaves
 * no half picture behind. */
static bool journal_timeline_to(const char *path, const char *svg, Error **errp)
{
    char *tmp = malloc(strlen(svg) + 8);
    if (!tmp) {
        error_setg(errp, "out of memory");
        return false;
    }
    sprintf(tmp, "%s.tmp", svg);
    FILE *f = fopen(tmp, "w");
    bool ok = false;
    if (!f) {
        error_setg_errno(errp, errno, "cannot create %s", tmp);
    } else {
        ok = journal_timeline_svg(path, f, errp);
        if (fclose(f) && ok) {
            error_setc(errp, ERR_IO, "writing %s failed", tmp);
            ok = false;
        }
        if (ok && rename(tmp, svg)) {
            error_setc(errp, ERR_IO, "cannot rename %s to %s", tmp, svg);
            ok = false;
        }
        if (!ok) {
            remove(tmp);
        }
    }
    free(tmp);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        usage(stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        printf("rrsim-journal %s (journal format %u)\n", RRSIM_VERSION, JOURNAL_FORMAT_VERSION);
        return 0;
    }
    Error *err = NULL;
    if (argc >= 2 && !strcmp(argv[1], "check")) {
        return tool_check(argc, argv);
    }
    if (argc == 4 && !strcmp(argv[1], "pack")) {
        tool_pack(argv[2], argv[3], &err);
    } else if (argc == 4 && !strcmp(argv[1], "unpack")) {
        tool_unpack(argv[2], argv[3], &err);
    } else if (argc == 4 && !strcmp(argv[1], "timeline")) {
        journal_timeline_to(argv[2], argv[3], &err);
    } else if (argc == 4 && !strcmp(argv[1], "info") && !strcmp(argv[2], "--json")) {
        info_json(argv[3], stdout, &err);
    } else if (argc != 3) {
        usage(stderr);
        error_setc(&err, ERR_USAGE, "expected a command and a file");
    } else if (!strcmp(argv[1], "info")) {
        journal_info(argv[2], stdout, &err);
    } else if (!strcmp(argv[1], "dump")) {
        journal_dump(argv[2], stdout, &err);
    } else if (!strcmp(argv[1], "verify")) {
        journal_verify(argv[2], stdout, &err);
    } else if (!strcmp(argv[1], "timeline")) {
        journal_timeline_svg(argv[2], stdout, &err);
    } else {
        usage(stderr);
        error_setc(&err, ERR_USAGE, "unknown command '%s'", argv[1]);
    }
    fflush(stdout);
    if (err) {
        int status = error_exit_status(err);
        error_report_err(err);
        return status;
    }
    return 0;
}
