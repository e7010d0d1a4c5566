/* cmdline: see cmdline.h. Option spellings follow qemu-system-riscv64. */
#include "app/cmdline.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "cpu/isa.h"
#include "sim/base/sock.h"

/* The smallest rrcheckpoint= (steps between recorded digests) besides 0.
 * Each digest hashes the hart, the devices and all of RAM: measured with
 * bench/cpu_bench.elf (1.1e9 steps, 128 MiB, 2.3 s of CPU recorded with the
 * default 1e8), a digest costs about 7.4 ms, i.e. as long as ~3.6e6 steps
 * run. rrcheckpoint=1000000 made the recording 4.6x slower, 100000 41x,
 * 10000 did not finish in 300 s, and 1 looked like a hang; at 1e7 the
 * recording takes 1.4x the default's time. More RAM makes digests dearer.
 * Since then digests cover RAM at most every 1e7 steps
 * (MACHINE_REPLAY_RAM_DIGEST) and the hart and devices, microseconds, at
 * every checkpoint: with 100 as the floor a run is at most about ten times
 * slower (1 made it a hang), and short test guests keep fine-grained checks. */
#define CMDLINE_MIN_CHECKPOINT 100ull

void cmdline_usage(FILE *out)
{
    fputs("usage: rrsim [options]\n"
          "\n"
          "Machine:\n"
          "  -M, -machine virt[,dumpdtb=FILE]  the QEMU-compatible virt board (the only one);\n"
          "                            dumpdtb writes the device tree and exits; aclint=off and\n"
          "                            aia=none (QEMU's defaults) are accepted, and so are\n"
          "                            acpi=off, iommu-sys=off, usb=off, graphics=on|off,\n"
          "                            mem-merge, dump-guest-core and memory-backend\n"
          "                            (nothing here they change); -M help\n"
          "  -accel tcg                accepted: rrsim's interpreter is its only accelerator\n"
          "  -name NAME                a label (nothing the guest sees)\n"
          "  -nodefaults               no default serial port (the UART talks to nothing\n"
          "                            unless -serial says otherwise)\n"
          "  -pidfile FILE             write rrsim's process id to FILE (removed at exit)\n"
          "  -m SIZE                   guest RAM, default 128M (suffixes K, M, G; plain = MiB)\n"
          "  -smp N                    N harts (1..8; also cpus=N,cores=,threads=,maxcpus=N),\n"
          "                            run one at a time in turns of -icount quantum= steps\n"
          "  -cpu rv64[,EXT=on|off...] the hart and its extensions, with QEMU's property\n"
          "                            names (zba=, sstc=, svpbmt=, ...); default: QEMU 7.2's\n"
          "                            rv64 without H. -cpu help and -cpu rv64,help list them\n"
          "Boot:\n"
          "  -bios FILE|none|default   firmware at 0x80000000 (ELF or raw); default: OpenSBI fw_dynamic\n"
          "  -kernel FILE              kernel (ELF at its physical addresses, or a raw Image)\n"
          "  -initrd FILE              initial ramdisk\n"
          "  -append STRING            kernel command line (/chosen/bootargs)\n"
          "  -dtb FILE                 use this device tree instead of the generated one\n"
          "  -no-reboot                exit instead of resetting when the guest resets\n"
          "  -no-shutdown              a guest poweroff stops the machine instead of exiting;\n"
          "                            the monitors and gdb can still look; quit exits\n"
          "  -daemonize                run in the background once ready (no stdio console)\n"
          "  -rtc base=utc|localtime|DATE[,clock=vm]  the RTC runs on the virtual clock\n"
          "                            from DATE (2006-06-17T16:01:21, UTC) or the host's\n"
          "                            time read once (journaled); without -rtc every RTC\n"
          "                            read is the host's clock (journaled)\n"
          "Disks:\n"
          "  -drive file=F[,format=raw][,if=none|virtio][,id=ID][,readonly=on|off][,snapshot=on|off]\n"
          "                            a raw disk image; if=virtio attaches a virtio-blk disk\n"
          "                            (on virtio-mmio; QEMU attaches it to PCI); snapshot=on\n"
          "                            keeps the guest's writes in memory. Record and replay\n"
          "                            always do: the image is never written, only hashed\n"
          "  -device virtio-blk-device,drive=ID[,serial=S]  a virtio-blk disk on the next\n"
          "                            virtio-mmio slot, from the highest down (vda first)\n"
          "  -snapshot                 snapshot=on for every drive\n"
          "Entropy:\n"
          "  -device virtio-rng-device[,rng=ID]  a virtio-rng device on the next virtio-mmio\n"
          "                            slot (in order with the disks); bytes from ID's source,\n"
          "                            else /dev/urandom; recorded, and replayed from the journal\n"
          "  -object rng-random,id=ID[,filename=F]  an entropy source (default /dev/urandom)\n"
          "  -object rng-builtin,id=ID  the default source\n"
          "  -global virtio-mmio.force-legacy=false  modern (version 2) virtio-mmio registers\n"
          "  -netdev user,id=ID[,hostfwd=tcp:[HADDR]:HPORT-[GADDR]:GPORT][,net=A/N][,host=A]\n"
          "         [,dhcpstart=A][,dns=A][,restrict=on|off][,ipv6=on|off]\n"
          "                            user-mode networking (libslirp), as QEMU's\n"
          "  -device virtio-net-device,netdev=ID[,mac=52:54:00:12:34:56]  a virtio-net card\n"
          "                            on the next virtio-mmio slot\n"
          "  -nic user[,model=virtio-net-device][,mac=M][,NETDEV OPTIONS]  both at once\n"
          "Console:\n"
          "  -serial DEV               stdio, mon:stdio, null, file:PATH, pipe:PATH,\n"
          "                            tcp:[HOST]:PORT,server[,nowait], unix:PATH,server[,nowait]\n"
          "  -nographic                serial on the terminal (Ctrl-A x quits, Ctrl-A c monitor,\n"
          "                            Ctrl-A h help)\n"
          "  -display none             accepted; rrsim has no display\n"
          "Time and recording:\n"
          "  -icount shift=N|auto[,sleep=on|off][,align=on|off][,rr=record|replay,rrfile=PATH]\n"
          "  -icount ...,quantum=N     with -smp: steps per hart turn (default 10000)\n"
          "  -icount ...,rrsnapshot=NAME  record: take snapshot NAME at the start;\n"
          "                            replay: start from it\n"
          "  -icount ...,rrcheckpoint=N  record a state digest every N steps: 0 (none) or\n"
          "                            at least 100 (default 100000000)\n"
          "Debugging:\n"
          "  -gdb DEV                  wait for gdb on tcp::PORT, tcp:HOST:PORT or unix:PATH\n"
          "  -s                        shorthand for -gdb tcp::1234\n"
          "  -S                        do not start the guest until gdb, QMP or the monitor\n"
          "                            says continue\n"
          "  -monitor DEV              the human monitor (HMP, prompt '(qemu) '): stdio, none,\n"
          "                            unix:PATH,server,nowait or tcp:HOST:PORT,server,nowait;\n"
          "                            -serial mon:stdio has one behind Ctrl-A c\n"
          "  -qmp DEV                  QMP monitor on unix:PATH,server,nowait or\n"
          "                            tcp:HOST:PORT,server,nowait\n"
          "  -loadvm NAME              start from snapshot NAME\n"
          "  -snapshot-store PATH      the snapshot store (an LMDB file)\n"
          "                            In replay, gdb can go backwards (reverse-stepi,\n"
          "                            reverse-continue) and QMP can seek (replay-seek).\n"
          "  -d ITEM[,ITEM...]         log as QEMU does: in_asm, int, exec, cpu, fpu, mmu,\n"
          "                            cpu_reset, unimp, guest_errors (-d help lists them)\n"
          "  -D FILE                   the log goes to FILE instead of stderr\n"
          "  -dfilter RANGE[,RANGE...] log only addresses in 0x1000+0x100, 0x1000-0x1fff or\n"
          "                            0x1000..0x1fff\n"
          "  -d summary                at exit: one line with steps, virtual time, exit cause\n"
          "                            and the final machine state hash on stderr, then one\n"
          "                            JSON object with the run's outcome (to -D FILE if given)\n"
          "  -d progress               a replay's progress on stderr (step, percent, rate,\n"
          "                            time left); shown anyway when stderr is a terminal\n"
          "                            the guest's console is not on. -d summary,progress\n"
          "CI runs:\n"
          "  -ci-record DIR            record the run; if it fails (a non-zero exit status:\n"
          "                            the guest's, a panic, a timeout, -fail-on), leave one\n"
          "                            pack of it in DIR (DIR/NAME.rrpack, NAME from -name),\n"
          "                            else leave nothing\n"
          "  -replay-pack FILE         replay a pack (from -ci-record or rrsim-journal pack),\n"
          "                            extracted to a private temporary directory; add -s -S\n"
          "                            to debug it with gdb\n"
          "  -fail-on TEXT             end the run when the console prints TEXT (status 77)\n"
          "  -timeout steps=N[,host=S] end the run after N steps (exact), or S seconds of\n"
          "                            host time (not deterministic; journaled) (status 76)\n"
          "  -device pvpanic-mmio      QEMU's pvpanic-mmio at 0x102000: a guest panic ends the\n"
          "                            run (status 75)\n"
          "Other:\n"
          "  -h, --help                this text\n"
          "  --version                 print the version\n"
          "\n"
          "Exit status: the guest's sifive_test code on poweroff (0 = pass); 64 + error class on\n"
          "errors (65 usage, 66 I/O, 67 image, ..., 74 guest hang or trap loop); 75 guest panic,\n"
          "76 timeout, 77 -fail-on matched.\n",
          out);
}

/* QEMU's size syntax: plain numbers are MiB; K/M/G/T suffixes (optionally
 * followed by B or iB). */
static bool parse_size(const char *s, uint64_t *out, Error **errp)
{
    if (!strncmp(s, "size=", 5)) {
        s += 5;
    }
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    /* strtoull would also take leading spaces and signs ("-1" wraps). */
    if (end == s || errno || !isdigit((unsigned char)s[0])) {
        error_setc(errp, ERR_USAGE, "-m: invalid size '%s'", s);
        return false;
    }
    uint64_t mult = 1ull << 20;
    if (*end) {
        switch (toupper((unsigned char)*end)) {
        case 'B': mult = 1; break;
        case 'K': mult = 1ull << 10; break;
        case 'M': mult = 1ull << 20; break;
        case 'G': mult = 1ull << 30; break;
        case 'T': mult = 1ull << 40; break;
        default:
            error_setc(errp, ERR_USAGE, "-m: invalid size suffix in '%s'", s);
            return false;
        }
        end++;
        if (*end && strcasecmp(end, "B") && strcasecmp(end, "iB")) {
            error_setc(errp, ERR_USAGE, "-m: invalid size suffix in '%s'", s);
            return false;
        }
    }
    if (v == 0 || v > UINT64_MAX / mult) {
        error_setc(errp, ERR_USAGE, "-m: size '%s' out of range", s);
        return false;
    }
    *out = v * mult;
    if (*out < (16ull << 20) || *out > (64ull << 30)) {
        error_setc(errp, ERR_USAGE, "-m: %s is outside the supported 16M..64G", s);
        return false;
    }
    if (*out & 0xfff) {
        error_setc(errp, ERR_USAGE, "-m: %s is not a multiple of 4 KiB", s);
        return false;
    }
    return true;
}

static char *cmdline_own(Cmdline *c, const char *opt, const char *arg, Error **errp);

/* "virt[,dumpdtb=FILE]" (keys may come without the type too, as QEMU allows). */
static bool parse_machine(Cmdline *c, const char *arg, Error **errp)
{
    char *copy = cmdline_own(c, "-machine", arg, errp);
    if (!copy) {
        return false;
    }
    char *save = NULL;
    bool first = true;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), first = false) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            if (first && !strcmp(tok, "virt")) {
                continue;
            }
            if (first && (!strcmp(tok, "help") || !strcmp(tok, "?"))) {
                c->machine_help = true;
                continue;
            }
            error_setc(errp, ERR_USAGE, "-machine: unsupported machine '%s' (only 'virt')", tok);
            return false;
        }
        *eq = '\0';
        const char *val = eq + 1;
        if (!strcmp(tok, "type")) {
            if (strcmp(val, "virt")) {
                error_setc(errp, ERR_USAGE, "-machine: unsupported machine '%s' (only 'virt')", val);
                return false;
            }
        } else if (!strcmp(tok, "dumpdtb")) {
            if (!*val) {
                error_setc(errp, ERR_USAGE, "-machine dumpdtb needs a file name");
                return false;
            }
            c->dumpdtb = val;
        } else if (!strcmp(tok, "aclint") || !strcmp(tok, "aia")) {
            /* QEMU's defaults, which are what this board is: a SiFive CLINT
             * and a PLIC. The other choices change the device tree. */
            const char *dflt = !strcmp(tok, "aclint") ? "off" : "none";
            if (strcmp(val, dflt) && !(!strcmp(tok, "aclint") && (!strcmp(val, "false") ||
                                                                !strcmp(val, "no")))) {
                error_setc(errp, ERR_USAGE,
                           "-machine %s=%s: not modelled; this board has QEMU's default "
                           "(%s=%s: a CLINT and a PLIC)", tok, val, tok, dflt);
                return false;
            }
        } else if (!strcmp(tok, "acpi") || !strcmp(tok, "iommu-sys") || !strcmp(tok, "usb") ||
                   !strcmp(tok, "iommu") || !strcmp(tok, "graphics") ||
                   !strcmp(tok, "mem-merge") || !strcmp(tok, "dump-guest-core") ||
                   !strcmp(tok, "suppress-vmdesc") || !strcmp(tok, "memory-backend")) {
            /* QEMU's virt properties that change nothing on this board: no
             * ACPI tables, no IOMMU, no USB, no display, host memory
             * hints. Turning on what the board lacks is refused. */
            bool on = !strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "yes");
            bool off = !strcmp(val, "off") || !strcmp(val, "false") || !strcmp(val, "no") ||
                       !strcmp(val, "auto");
            bool any = !strcmp(tok, "graphics") || !strcmp(tok, "mem-merge") ||
                       !strcmp(tok, "dump-guest-core") || !strcmp(tok, "suppress-vmdesc");
            if (!strcmp(tok, "memory-backend")) {
                error_setc(errp, ERR_USAGE, "-machine memory-backend=%s: rrsim's RAM is its "
                           "own (use -m SIZE)", val);
                return false;
            }
            if (!off && !(any && on)) {
                error_setc(errp, ERR_USAGE, "-machine %s=%s: not modelled; rrsim's virt board has "
                           "no %s (%s=off is accepted)", tok, val,
                           !strcmp(tok, "acpi") ? "ACPI" : !strcmp(tok, "usb") ? "USB" : "IOMMU",
                           tok);
                return false;
            }
        } else {
            error_setc(errp, ERR_USAGE, "-machine: unsupported property '%s'", tok);
            return false;
        }
    }
    return true;
}

/* A plain decimal count: no sign, no spaces, no suffix, no overflow. */
static bool parse_count(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s) {
        return false;
    }
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10) {
            return false;
        }
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *out = v;
    return true;
}

/* "N", "cpus=N", and QEMU's topology keys, as long as they describe N harts
 * in one socket (QEMU virt gives each socket its own CLINT and PLIC, which
 * rrsim does not model): cores * threads = N, maxcpus = N. */
static bool parse_smp(const char *arg, int *out, Error **errp)
{
    static const char *const keys[] = { "cpus", "maxcpus", "sockets", "dies", "clusters",
                                        "cores", "threads", NULL };
    uint64_t val_of[7] = { 0 };
    bool given[7] = { false };
    char *copy = strdup(arg);
    if (!copy) {
        abort();
    }
    bool ok = true;
    char *save = NULL;
    bool first = true;
    for (char *tok = strtok_r(copy, ",", &save); ok && tok;
         tok = strtok_r(NULL, ",", &save), first = false) {
        char *eq = strchr(tok, '=');
        const char *val = tok;
        int key = 0;    /* a bare first value is cpus */
        if (eq) {
            *eq = '\0';
            val = eq + 1;
            key = -1;
            for (int k = 0; keys[k]; k++) {
                if (!strcmp(tok, keys[k])) {
                    key = k;
                }
            }
            if (key < 0) {
                error_setc(errp, ERR_USAGE, "-smp: unknown property '%s' in '%s'", tok, arg);
                ok = false;
                break;
            }
        } else if (!first) {
            error_setc(errp, ERR_USAGE, "-smp: invalid value '%s'", arg);
            ok = false;
            break;
        }
        uint64_t n;
        if (!parse_count(val, &n) || n < 1) {
            error_setc(errp, ERR_USAGE, "-smp: invalid value '%s'", arg);
            ok = false;
        } else {
            val_of[key] = n;
            given[key] = true;
        }
    }
    if (ok && first) {
        error_setc(errp, ERR_USAGE, "-smp: invalid value '%s'", arg);
        ok = false;
    }
    free(copy);
    if (!ok) {
        return false;
    }
    for (int k = 2; k <= 4; k++) {
        if (given[k] && val_of[k] != 1) {
            error_setc(errp, ERR_USAGE, "-smp %s: rrsim's virt board has one socket, die and "
                       "cluster (%s must be 1)", arg, keys[k]);
            return false;
        }
    }
    uint64_t cores = given[5] ? val_of[5] : 0, threads = given[6] ? val_of[6] : 1;
    uint64_t n = given[0] ? val_of[0] : (given[5] ? cores * threads : (given[1] ? val_of[1] : threads));
    if (given[5] && cores * threads != n) {
        error_setc(errp, ERR_USAGE, "-smp %s: cores * threads is %llu, not %llu harts", arg,
                   (unsigned long long)(cores * threads), (unsigned long long)n);
        return false;
    }
    if (!given[5] && n % threads) {
        error_setc(errp, ERR_USAGE, "-smp %s: %llu harts are not a multiple of threads=%llu",
                   arg, (unsigned long long)n, (unsigned long long)threads);
        return false;
    }
    if (given[1] && val_of[1] != n) {
        error_setc(errp, ERR_USAGE, "-smp %s: maxcpus must equal the hart count (no hotplug)",
                   arg);
        return false;
    }
    if (n > MACHINE_MAX_HARTS) {
        error_setc(errp, ERR_USAGE, "-smp %s: at most %d harts", arg, MACHINE_MAX_HARTS);
        return false;
    }
    *out = (int)n;
    return true;
}

static char *cmdline_own(Cmdline *c, const char *opt, const char *arg, Error **errp)
{
    if (c->nowned == (int)(sizeof(c->owned) / sizeof(c->owned[0]))) {
        error_setc(errp, ERR_USAGE, "%s: too many options of this kind", opt);
        return NULL;
    }
    char *copy = strdup(arg);
    if (!copy) {
        abort();
    }
    c->owned[c->nowned++] = copy;
    return copy;
}

#define OPTS_MAX 16

/*
 * QEMU's key=value,... syntax in place: ",," is a comma inside a value.
 * The first item may be a bare word (first_bare: -device's driver).
 * Returns the number of items, -1 on a syntax error.
 */
static int opts_split(char *s, char *keys[OPTS_MAX], char *vals[OPTS_MAX], bool first_bare)
{
    int n = 0;
    char *p = s;
    while (*p) {
        if (n == OPTS_MAX) {
            return -1;
        }
        char *start = p, *w = p, *eq = NULL;
        for (; *p; p++) {
            if (*p == ',' && p[1] == ',') {
                *w++ = ',';
                p++;
            } else if (*p == ',') {
                break;
            } else {
                if (*p == '=' && !eq) {
                    eq = w;
                }
                *w++ = *p;
            }
        }
        bool more = *p == ',';
        *w = '\0';
        if (more) {
            p++;
        }
        if (eq) {
            *eq = '\0';
            keys[n] = start;
            vals[n] = eq + 1;
        } else if (n == 0 && first_bare) {
            keys[n] = start;
            vals[n] = NULL;
        } else {
            return -1;
        }
        n++;
        if (more && !*p) {
            return -1;   /* a trailing comma */
        }
    }
    return n;
}

static bool parse_onoff(const char *opt, const char *arg, const char *key, const char *val,
                        bool *out, Error **errp)
{
    if (!strcmp(val, "on") || !strcmp(val, "true") || !strcmp(val, "yes")) {
        *out = true;
    } else if (!strcmp(val, "off") || !strcmp(val, "false") || !strcmp(val, "no")) {
        *out = false;
    } else {
        error_setc(errp, ERR_USAGE, "%s %s: %s=%s: expected on or off", opt, arg, key, val);
        return false;
    }
    return true;
}

/* -drive file=F[,format=raw][,if=none|virtio][,id=ID][,readonly=..][,snapshot=..] */
static bool parse_drive(Cmdline *c, const char *arg, Error **errp)
{
    MachineOptions *mo = &c->mo;
    if (mo->ndrives == MACHINE_MAX_DRIVES) {
        error_setc(errp, ERR_USAGE, "-drive %s: at most %d drives", arg, MACHINE_MAX_DRIVES);
        return false;
    }
    char *copy = cmdline_own(c, "-drive", arg, errp);
    char *keys[OPTS_MAX], *vals[OPTS_MAX];
    int n = copy ? opts_split(copy, keys, vals, false) : -1;
    if (!copy) {
        return false;
    }
    if (n <= 0) {
        error_setc(errp, ERR_USAGE, "-drive %s: expected key=value[,key=value...]", arg);
        return false;
    }
    MachineDrive d = { .spec = arg };
    bool format_given = false;
    for (int i = 0; i < n; i++) {
        /* QEMU's record/replay plumbing, which rrsim does not need. */
        if ((!strcmp(keys[i], "id") && vals[i] && !strcmp(vals[i], "rr")) ||
            (!strcmp(keys[i], "driver") && vals[i] && !strcmp(vals[i], "blkreplay"))) {
            error_setc(errp, ERR_USAGE, "-drive %s: %s; rrsim keeps record/replay snapshots "
                       "in its snapshot store (-snapshot-store PATH, default RRFILE.snap; "
                       "-icount ...,rrsnapshot=NAME names one) and replays disks by content, so "
                       "give only the disk itself (-drive file=IMG,format=raw,if=virtio)", arg,
                       !strcmp(keys[i], "id") ? "QEMU's rr snapshot drive is not needed"
                                              : "blkreplay is not needed");
            return false;
        }
    }
    for (int i = 0; i < n; i++) {
        const char *k = keys[i], *v = vals[i];
        if (!strcmp(k, "file")) {
            d.file = v;
        } else if (!strcmp(k, "format")) {
            if (strcmp(v, "raw")) {
                error_setc(errp, ERR_USAGE, "-drive %s: format '%s' is not supported (raw only)",
                           arg, v);
                return false;
            }
            format_given = true;
        } else if (!strcmp(k, "if")) {
            if (strcmp(v, "none") && strcmp(v, "virtio")) {
                error_setc(errp, ERR_USAGE, "-drive %s: if=%s is not supported (none or virtio)",
                           arg, v);
                return false;
            }
            d.if_virtio = !strcmp(v, "virtio");
        } else if (!strcmp(k, "id")) {
            if (!*v) {
                error_setc(errp, ERR_USAGE, "-drive %s: empty id", arg);
                return false;
            }
            d.id = v;
        } else if (!strcmp(k, "readonly") || !strcmp(k, "read-only")) {
            if (!parse_onoff("-drive", arg, k, v, &d.readonly, errp)) {
                return false;
            }
        } else if (!strcmp(k, "snapshot")) {
            if (!parse_onoff("-drive", arg, k, v, &d.snapshot, errp)) {
                return false;
            }
        } else if ((!strcmp(k, "media") && !strcmp(v, "disk")) ||
                   (!strcmp(k, "cache") && !strcmp(v, "writeback")) ||
                   (!strcmp(k, "discard") && !strcmp(v, "ignore"))) {
            /* QEMU's defaults, spelled out. */
        } else {
            error_setc(errp, ERR_USAGE, "-drive %s: %s=%s is not supported", arg, k, v);
            return false;
        }
    }
    if (!d.file || !*d.file) {
        error_setc(errp, ERR_USAGE, "-drive %s: file= is required", arg);
        return false;
    }
    if (!format_given) {
        warn_report("-drive %s: no format given: the image is used as raw (QEMU probes it; "
                    "give format=raw)", arg);
    }
    if (!d.id) {
        /* QEMU's automatic names: interface and index. */
        char name[32];
        int index = 0;
        for (int i = 0; i < mo->ndrives; i++) {
            index += mo->drives[i].if_virtio == d.if_virtio;
        }
        snprintf(name, sizeof(name), "%s%d", d.if_virtio ? "virtio" : "none", index);
        d.id = cmdline_own(c, "-drive", name, errp);
        if (!d.id) {
            return false;
        }
    }
    mo->drives[mo->ndrives++] = d;
    return true;
}

/* netdev= and mac= of a network card. */
static bool parse_nic_key(MachineDevice *d, const char *opt, const char *arg, const char *key,
                          const char *val, Error **errp)
{
    if (!strcmp(key, "netdev")) {
        d->netdev = val;
        return true;
    }
    if (!net_parse_mac(val, d->mac) || (d->mac[0] & 1)) {
        error_setc(errp, ERR_USAGE, "%s %s: bad mac '%s' (expected a unicast address like "
                   "52:54:00:12:34:56)", opt, arg, val);
        return false;
    }
    d->has_mac = true;
    return true;
}

/* -device virtio-blk-device,drive=ID[,serial=S][,id=NAME]
 * -device virtio-rng-device[,rng=ID][,id=NAME] */
static bool parse_device(Cmdline *c, const char *arg, Error **errp)
{
    MachineOptions *mo = &c->mo;
    char *copy = cmdline_own(c, "-device", arg, errp);
    char *keys[OPTS_MAX], *vals[OPTS_MAX];
    int n = copy ? opts_split(copy, keys, vals, true) : -1;
    if (!copy) {
        return false;
    }
    if (n <= 0) {
        error_setc(errp, ERR_USAGE, "-device %s: expected DRIVER[,key=value...]", arg);
        return false;
    }
    const char *driver = vals[0] ? NULL : keys[0];
    int first = 1;
    if (!driver && !strcmp(keys[0], "driver")) {
        driver = vals[0];
    } else if (!driver) {
        first = 0;
    }
    if (driver && !strcmp(driver, "pvpanic-mmio")) {
        /* Not on QEMU's riscv virt (it has pvpanic-pci); see hw/pvpanic.h. */
        for (int i = first; i < n; i++) {
            if (strcmp(keys[i], "id")) {
                error_setc(errp, ERR_USAGE, "-device %s: property '%s' is not supported", arg,
                           keys[i]);
                return false;
            }
        }
        if (mo->pvpanic) {
            error_setc(errp, ERR_USAGE, "-device %s: only one pvpanic-mmio", arg);
            return false;
        }
        mo->pvpanic = true;
        return true;
    }
    bool rng = driver && !strcmp(driver, "virtio-rng-device");
    bool net = driver && !strcmp(driver, "virtio-net-device");
    if (!driver || (!rng && !net && strcmp(driver, "virtio-blk-device") != 0)) {
        error_setc(errp, ERR_USAGE, "-device %s: unsupported device '%s' (rrsim offers "
                   "virtio-blk-device, virtio-rng-device, virtio-net-device and pvpanic-mmio)",
                   arg, driver ? driver : "");
        return false;
    }
    if (mo->ndevices == VIRT_VIRTIO_COUNT) {
        error_setc(errp, ERR_USAGE, "-device %s: the virt board has %d virtio-mmio slots", arg,
                   VIRT_VIRTIO_COUNT);
        return false;
    }
    MachineDevice d = { .spec = arg, .rng = rng, .net = net };
    for (int i = first; i < n; i++) {
        if (net && (!strcmp(keys[i], "netdev") || !strcmp(keys[i], "mac"))) {
            if (!parse_nic_key(&d, "-device", arg, keys[i], vals[i], errp)) {
                return false;
            }
        } else if (rng && !strcmp(keys[i], "rng")) {
            d.rng_id = vals[i];
        } else if (!rng && !strcmp(keys[i], "drive")) {
            d.drive = vals[i];
        } else if (!rng && !strcmp(keys[i], "serial")) {
            d.serial = vals[i];
        } else if (!strcmp(keys[i], "id")) {
            /* a name for the device: nothing refers to it here */
        } else {
            error_setc(errp, ERR_USAGE, "-device %s: property '%s' is not supported", arg,
                       keys[i]);
            return false;
        }
    }
    if (!rng && !net && !d.drive) {
        error_setc(errp, ERR_USAGE, "-device %s: drive= is required", arg);
        return false;
    }
    mo->devices[mo->ndevices++] = d;
    return true;
}

/* -netdev user,id=ID,... ; -nic user,...: the same plus a card (model,
 * mac), placed like a -device at that point of the command line. Only user
 * networking: the others reach the host's network or devices directly. */
static bool parse_netdev(Cmdline *c, const char *opt, const char *arg, Error **errp)
{
    MachineOptions *mo = &c->mo;
    bool nic = !strcmp(opt, "-nic");
    char *copy = cmdline_own(c, opt, arg, errp);
    char *keys[OPTS_MAX], *vals[OPTS_MAX];
    int n = copy ? opts_split(copy, keys, vals, true) : -1;
    if (!copy) {
        return false;
    }
    if (n <= 0 || vals[0]) {
        error_setc(errp, ERR_USAGE, "%s %s: expected TYPE[,key=value...]", opt, arg);
        return false;
    }
    if (strcmp(keys[0], "user") != 0) {
        error_setc(errp, ERR_USAGE, "%s %s: network backend '%s' is not supported: rrsim "
                   "offers user networking only (%s user,...), whose traffic it can record "
                   "and replay", opt, arg, keys[0], opt);
        return false;
    }
    if (mo->nnetdevs == MACHINE_MAX_NETDEVS) {
        error_setc(errp, ERR_USAGE, "%s %s: at most %d netdevs", opt, arg, MACHINE_MAX_NETDEVS);
        return false;
    }
    MachineNetdev nd = { .spec = arg, .opt = nic ? "-nic" : "-netdev" };
    net_user_options_init(&nd.user);
    MachineDevice d = { .spec = arg, .net = true };
    for (int i = 1; i < n; i++) {
        if (!strcmp(keys[i], "id")) {
            nd.user.id = vals[i];
        } else if (nic && !strcmp(keys[i], "model")) {
            if (strcmp(vals[i], "virtio-net-device") != 0) {
                error_setc(errp, ERR_USAGE, "%s %s: model '%s' is not supported "
                           "(virtio-net-device)", opt, arg, vals[i]);
                return false;
            }
        } else if (nic && !strcmp(keys[i], "mac")) {
            if (!parse_nic_key(&d, opt, arg, keys[i], vals[i], errp)) {
                return false;
            }
        } else if (!net_user_parse_key(&nd.user, opt, arg, keys[i], vals[i], errp)) {
            return false;
        }
    }
    if (!net_user_check(&nd.user, opt, arg, errp)) {
        return false;
    }
    if (nic) {
        if (mo->ndevices == VIRT_VIRTIO_COUNT) {
            error_setc(errp, ERR_USAGE, "%s %s: the virt board has %d virtio-mmio slots", opt,
                       arg, VIRT_VIRTIO_COUNT);
            return false;
        }
        if (!nd.user.id) {
            /* A name of its own no -netdev can take (QEMU's are "__org.qemu.nicN"). */
            char name[32];
            snprintf(name, sizeof(name), "__nic%d", mo->nnetdevs);
            nd.user.id = cmdline_own(c, opt, name, errp);
        }
        d.netdev = nd.user.id;
        mo->devices[mo->ndevices++] = d;
    } else if (!nd.user.id || !*nd.user.id) {
        error_setc(errp, ERR_USAGE, "%s %s: id= is required", opt, arg);
        return false;
    }
    mo->netdevs[mo->nnetdevs++] = nd;
    return true;
}

/* -object rng-random,id=ID[,filename=F] or -object rng-builtin,id=ID */
static bool parse_object(Cmdline *c, const char *arg, Error **errp)
{
    MachineOptions *mo = &c->mo;
    char *copy = cmdline_own(c, "-object", arg, errp);
    char *keys[OPTS_MAX], *vals[OPTS_MAX];
    int n = copy ? opts_split(copy, keys, vals, true) : -1;
    if (!copy) {
        return false;
    }
    if (n <= 0) {
        error_setc(errp, ERR_USAGE, "-object %s: expected TYPE,id=ID[,key=value...]", arg);
        return false;
    }
    const char *type = vals[0] ? NULL : keys[0];
    int first = 1;
    if (!type && !strcmp(keys[0], "qom-type")) {
        type = vals[0];
    } else if (!type) {
        first = 0;
    }
    bool builtin = type && !strcmp(type, "rng-builtin");
    if (!type || (!builtin && strcmp(type, "rng-random") != 0)) {
        error_setc(errp, ERR_USAGE, "-object %s: unsupported object type '%s' (rrsim offers "
                   "rng-random and rng-builtin)", arg, type ? type : "");
        return false;
    }
    if (mo->nrng_objects == MACHINE_MAX_RNG_OBJECTS) {
        error_setc(errp, ERR_USAGE, "-object %s: at most %d rng objects", arg,
                   MACHINE_MAX_RNG_OBJECTS);
        return false;
    }
    MachineRngObject o = { .spec = arg };
    for (int i = first; i < n; i++) {
        if (!strcmp(keys[i], "id")) {
            o.id = vals[i];
        } else if (!builtin && !strcmp(keys[i], "filename")) {
            o.filename = vals[i];
        } else {
            error_setc(errp, ERR_USAGE, "-object %s: property '%s' is not supported", arg,
                       keys[i]);
            return false;
        }
    }
    if (!o.id || !*o.id) {
        error_setc(errp, ERR_USAGE, "-object %s: id= is required", arg);
        return false;
    }
    for (int i = 0; i < mo->nrng_objects; i++) {
        if (!strcmp(mo->rng_objects[i].id, o.id)) {
            error_setc(errp, ERR_USAGE, "-object %s: duplicate id '%s'", arg, o.id);
            return false;
        }
    }
    mo->rng_objects[mo->nrng_objects++] = o;
    return true;
}

/* -timeout steps=N[,host=SECONDS]: steps are exact and deterministic; host
 * time is not (the step it strikes at is journaled like a signal). */
static bool parse_timeout(Cmdline *c, const char *arg, Error **errp)
{
    char *copy = cmdline_own(c, "-timeout", arg, errp);
    char *keys[OPTS_MAX], *vals[OPTS_MAX];
    int n = copy ? opts_split(copy, keys, vals, false) : -1;
    if (!copy) {
        return false;
    }
    if (n <= 0) {
        error_setc(errp, ERR_USAGE, "-timeout %s: expected steps=N and/or host=SECONDS", arg);
        return false;
    }
    for (int i = 0; i < n; i++) {
        uint64_t v;
        if (!parse_count(vals[i], &v) || v == 0) {
            error_setc(errp, ERR_USAGE, "-timeout %s: %s=%s: expected a positive whole number",
                       arg, keys[i], vals[i]);
            return false;
        }
        if (!strcmp(keys[i], "steps")) {
            c->mo.timeout_steps = v;
        } else if (!strcmp(keys[i], "host")) {
            if (v > UINT64_MAX / 1000000000ull) {
                error_setc(errp, ERR_USAGE, "-timeout %s: host=%s is too large", arg, vals[i]);
                return false;
            }
            c->timeout_host_ms = v * 1000;
        } else {
            error_setc(errp, ERR_USAGE, "-timeout %s: unknown key '%s' (steps=, host=)", arg,
                       keys[i]);
            return false;
        }
    }
    return true;
}

/* -global DRIVER.PROP=VALUE: virtio-mmio.force-legacy only. */
static bool parse_global(Cmdline *c, const char *arg, Error **errp)
{
    const char *eq = strchr(arg, '=');
    size_t kl = eq ? (size_t)(eq - arg) : 0;
    bool legacy;
    if (!eq || kl != strlen("virtio-mmio.force-legacy") ||
        strncmp(arg, "virtio-mmio.force-legacy", kl)) {
        error_setc(errp, ERR_USAGE, "-global %s: unsupported (rrsim knows "
                   "virtio-mmio.force-legacy=on|off)", arg);
        return false;
    }
    if (!parse_onoff("-global", arg, "force-legacy", eq + 1, &legacy, errp)) {
        return false;
    }
    c->mo.virtio_modern = !legacy;
    return true;
}

/* -serial tcp:/unix:, -gdb and -qmp name sockets: parse them now, with the
 * parser their front ends use, so a bad port is a usage error naming the
 * option before anything starts. Port 0 (any free port) is refused: nobody
 * could know where to connect. */
static bool check_socket(const char *opt, const char *spec, unsigned flags, Error **errp)
{
    SockSpec ss;
    if (!sock_parse(spec, flags, &ss, errp)) {
        error_prepend(errp, "%s %s: ", opt, spec);
        return false;
    }
    if (ss.kind == SOCK_KIND_TCP && ss.port_num == 0) {
        error_setc(errp, ERR_USAGE, "%s %s: port 0 is not allowed (1 to 65535)", opt, spec);
        return false;
    }
    return true;
}

bool cmdline_parse_rtc(const char *arg, MachineRtcOptions *o, Error **errp)
{
    MachineRtcOptions r = { .base = MACHINE_RTC_UTC };
    char copy[256];
    if (strlen(arg) >= sizeof(copy)) {
        error_setc(errp, ERR_USAGE, "-rtc %s: too long", arg);
        return false;
    }
    strcpy(copy, arg);
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            error_setc(errp, ERR_USAGE, "-rtc %s: expected key=value", arg);
            return false;
        }
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(tok, "base")) {
            int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
            if (!strcmp(v, "utc")) {
                r.base = MACHINE_RTC_UTC;
            } else if (!strcmp(v, "localtime")) {
                r.base = MACHINE_RTC_LOCALTIME;
            } else if ((sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6 ||
                        (h = mi = sec = 0, sscanf(v, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3)) &&
                       !v[n] && y >= 1970 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 &&
                       d <= 31 && h < 24 && mi < 60 && sec < 60 && h >= 0 && mi >= 0 && sec >= 0) {
                struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
                                 .tm_hour = h, .tm_min = mi, .tm_sec = sec };
                time_t t = timegm(&tm);
                /* timegm normalises 02-31 to 03-03: refuse what it changed. */
                if (tm.tm_mday != d || tm.tm_mon != mo - 1) {
                    error_setc(errp, ERR_USAGE, "-rtc %s: invalid date '%s'", arg, v);
                    return false;
                }
                r.base = MACHINE_RTC_DATE;
                r.date_s = (int64_t)t;
            } else {
                error_setc(errp, ERR_USAGE, "-rtc %s: invalid base '%s' (utc, localtime, or a "
                           "date as 2006-06-17T16:01:21 or 2006-06-17)", arg, v);
                return false;
            }
        } else if (!strcmp(tok, "clock")) {
            if (!strcmp(v, "host") || !strcmp(v, "rt")) {
                error_setc(errp, ERR_USAGE, "-rtc %s: clock=%s is not offered: with -rtc the RTC "
                           "runs on the virtual clock (clock=vm), so every replay shows the "
                           "guest the same times; without -rtc it reads the host's clock, "
                           "journaled when recording", arg, v);
                return false;
            }
            if (strcmp(v, "vm")) {
                error_setc(errp, ERR_USAGE, "-rtc %s: invalid clock '%s' (vm)", arg, v);
                return false;
            }
        } else if (!strcmp(tok, "driftfix")) {
            if (strcmp(v, "none") && strcmp(v, "slew")) {
                error_setc(errp, ERR_USAGE, "-rtc %s: invalid driftfix '%s'", arg, v);
                return false;
            }
            /* slew is for x86's RTC interrupts; nothing to do here, as QEMU on riscv. */
        } else {
            error_setc(errp, ERR_USAGE, "-rtc %s: unknown property '%s' (base, clock, driftfix)",
                       arg, tok);
            return false;
        }
    }
    if (r.base == MACHINE_RTC_LOCALTIME) {
        /* The host's offset now; it goes into a recording's manifest. */
        time_t now = time(NULL);
        struct tm lt;
        if (localtime_r(&now, &lt)) {
            r.utc_offset_s = lt.tm_gmtoff;
        }
    }
    *o = r;
    return true;
}

bool cmdline_parse(Cmdline *c, int argc, char **argv, Error **errp)
{
    memset(c, 0, sizeof(*c));
    machine_options_init(&c->mo);
    bool nographic = false, serial_given = false, nodefaults = false;

    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        /* QEMU accepts --opt for every -opt. */
        if (opt[0] == '-' && opt[1] == '-' && opt[2]) {
            opt++;
        }
        if (!strcmp(opt, "-h") || !strcmp(opt, "-help")) {
            c->help = true;
            continue;
        }
        if (!strcmp(opt, "-version")) {
            c->version = true;
            continue;
        }
        if (!strcmp(opt, "-nographic")) {
            nographic = true;
            continue;
        }
        if (!strcmp(opt, "-no-reboot")) {
            c->mo.no_reboot = true;
            continue;
        }
        if (!strcmp(opt, "-no-shutdown")) {
            c->debug.no_shutdown = true;
            continue;
        }
        if (!strcmp(opt, "-daemonize")) {
            c->daemonize = true;
            continue;
        }
        if (!strcmp(opt, "-s")) {
            c->debug.gdb = "tcp::1234";
            continue;
        }
        if (!strcmp(opt, "-S")) {
            c->debug.start_stopped = true;
            continue;
        }
        if (!strcmp(opt, "-snapshot")) {
            c->mo.snapshot = true;
            continue;
        }
        if (!strcmp(opt, "-nodefaults")) {
            nodefaults = true;
            continue;
        }
        if (!strcmp(opt, "-enable-kvm")) {
            error_setc(errp, ERR_USAGE, "-enable-kvm: rrsim has no KVM; it interprets every "
                       "instruction itself (what -accel tcg names)");
            return false;
        }
        static const char *const with_arg[] = {
            "-M", "-machine", "-m", "-bios", "-kernel", "-initrd", "-append", "-dtb", "-serial",
            "-display", "-icount", "-smp", "-cpu", "-gdb", "-qmp", "-d", "-loadvm", "-snapshot-store",
            "-drive", "-device", "-object", "-global", "-accel", "-name", "-pidfile",
            "-monitor", "-rtc", "-D", "-dfilter", "-netdev", "-nic", "-ci-record", "-fail-on",
            "-timeout", NULL };
        bool known = false;
        for (int k = 0; with_arg[k]; k++) {
            known |= !strcmp(opt, with_arg[k]);
        }
        if (!known) {
            error_setc(errp, ERR_USAGE, "unknown option '%s' (try --help)", argv[i]);
            return false;
        }
        if (i + 1 >= argc) {
            error_setc(errp, ERR_USAGE, "option '%s' needs an argument", argv[i]);
            return false;
        }
        const char *arg = argv[++i];
        if (!strcmp(opt, "-M") || !strcmp(opt, "-machine")) {
            if (!parse_machine(c, arg, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-m")) {
            if (!parse_size(arg, &c->mo.ram_size, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-bios")) {
            /* QEMU's "default" is the firmware it would pick without -bios. */
            c->mo.bios = strcmp(arg, "default") ? arg : NULL;
        } else if (!strcmp(opt, "-accel")) {
            if (strcmp(arg, "tcg") && strncmp(arg, "tcg,", 4)) {
                error_setc(errp, ERR_USAGE, "-accel %s: rrsim has one accelerator, its own "
                           "interpreter (-accel tcg)", arg);
                return false;
            }
        } else if (!strcmp(opt, "-name")) {
            c->name = arg;     /* a label for the user; nothing the guest sees */
        } else if (!strcmp(opt, "-pidfile")) {
            c->pidfile = arg;
        } else if (!strcmp(opt, "-monitor")) {
            if (strcmp(arg, "stdio") && strcmp(arg, "none") &&
                !check_socket("-monitor", arg, 0, errp)) {
                return false;
            }
            c->debug.monitor = arg;
        } else if (!strcmp(opt, "-rtc")) {
            if (!cmdline_parse_rtc(arg, &c->mo.rtc, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-kernel")) {
            c->mo.kernel = arg;
        } else if (!strcmp(opt, "-initrd")) {
            c->mo.initrd = arg;
        } else if (!strcmp(opt, "-append")) {
            c->mo.append = arg;
        } else if (!strcmp(opt, "-dtb")) {
            c->mo.dtb = arg;
        } else if (!strcmp(opt, "-serial")) {
            if (serial_given) {
                error_setc(errp, ERR_USAGE, "-serial: the virt board has one UART in rrsim");
                return false;
            }
            serial_given = true;
            if ((!strncmp(arg, "tcp:", 4) || !strncmp(arg, "unix:", 5)) &&
                !check_socket("-serial", arg, 0, errp)) {
                return false;
            }
            c->mo.serial = arg;
        } else if (!strcmp(opt, "-display")) {
            if (strcmp(arg, "none")) {
                error_setc(errp, ERR_USAGE, "-display %s: rrsim has no display (use -display none)", arg);
                return false;
            }
        } else if (!strcmp(opt, "-icount")) {
            if (!icount_options_parse(&c->mo.icount, arg, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-smp")) {
            if (!parse_smp(arg, &c->mo.smp, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-cpu")) {
            bool help_models = !strcmp(arg, "help") || !strcmp(arg, "?");
            bool help = false;
            if (!isa_parse_cpu_pmu(arg, &c->mo.cpu_ext, &c->mo.cpu_pmu_num, &help, errp)) {
                return false;
            }
            if (help) {
                c->cpu_help = help_models ? CMDLINE_CPU_HELP_MODELS : CMDLINE_CPU_HELP_PROPS;
            }
        } else if (!strcmp(opt, "-gdb")) {
            if (!*arg || !strcmp(arg, "none")) {
                c->debug.gdb = NULL;
            } else {
                /* gdb's short forms, as sim/gdbstub accepts them. */
                if (!check_socket("-gdb", arg, SOCK_SPEC_SHORTHAND | SOCK_SPEC_NO_OPTIONS, errp)) {
                    return false;
                }
                c->debug.gdb = arg;
            }
        } else if (!strcmp(opt, "-qmp")) {
            if (!*arg) {
                error_setc(errp, ERR_USAGE, "-qmp needs a socket (unix:PATH,server,nowait)");
                return false;
            }
            if (!check_socket("-qmp", arg, 0, errp)) {
                return false;
            }
            c->debug.qmp = arg;
        } else if (!strcmp(opt, "-loadvm")) {
            if (!*arg) {
                error_setc(errp, ERR_USAGE, "-loadvm needs a snapshot name");
                return false;
            }
            c->debug.loadvm = arg;
        } else if (!strcmp(opt, "-snapshot-store")) {
            if (!*arg) {
                error_setc(errp, ERR_USAGE, "-snapshot-store needs a path");
                return false;
            }
            c->debug.snapshot_store = arg;
        } else if (!strcmp(opt, "-drive")) {
            if (!parse_drive(c, arg, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-device")) {
            if (!parse_device(c, arg, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-netdev") || !strcmp(opt, "-nic")) {
            if (!parse_netdev(c, opt, arg, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-object")) {
            if (!parse_object(c, arg, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-global")) {
            if (!parse_global(c, arg, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-ci-record")) {
            if (!*arg) {
                error_setc(errp, ERR_USAGE, "-ci-record needs a directory");
                return false;
            }
            c->ci_record = arg;
        } else if (!strcmp(opt, "-fail-on")) {
            if (!*arg) {
                error_setc(errp, ERR_USAGE, "-fail-on needs a text to look for");
                return false;
            }
            if (strlen(arg) > sizeof(((Machine *)0)->console_tail) / 2) {
                error_setc(errp, ERR_USAGE, "-fail-on '%s': at most %zu characters", arg,
                           sizeof(((Machine *)0)->console_tail) / 2);
                return false;
            }
            if (c->mo.nfail_on == MACHINE_MAX_FAIL_ON) {
                error_setc(errp, ERR_USAGE, "-fail-on: at most %d patterns", MACHINE_MAX_FAIL_ON);
                return false;
            }
            c->mo.fail_on[c->mo.nfail_on++] = arg;
        } else if (!strcmp(opt, "-timeout")) {
            if (!parse_timeout(c, arg, errp)) {
                return false;
            }
        } else if (!strcmp(opt, "-d")) {
            /* QEMU's comma-separated list of items (sim/base/log.h). */
            bool help = false;
            if (!log_parse_items(arg, &c->log.mask, &help, errp)) {
                return false;
            }
            c->log_help |= help;
            c->summary = (c->log.mask & LOG_SUMMARY) != 0;
            c->progress = (c->log.mask & LOG_PROGRESS) != 0;
        } else if (!strcmp(opt, "-D")) {
            if (!*arg) {
                error_setc(errp, ERR_USAGE, "-D needs a file name");
                return false;
            }
            c->log_file = arg;
        } else if (!strcmp(opt, "-dfilter")) {
            if (!log_parse_dfilter(&c->log, arg, errp)) {
                return false;
            }
        }
    }
    /* rrsim has no display: the serial port is on the terminal unless
     * -serial says otherwise; -nographic (like QEMU) multiplexes Ctrl-A keys. */
    bool mon_stdio = c->debug.monitor && !strcmp(c->debug.monitor, "stdio");
    if (!serial_given) {
        /* -nodefaults: no default serial port, as in QEMU (even with
         * -nographic); the UART is there, talking to nothing. The same
         * when the terminal is the monitor's or there is none (-daemonize):
         * as QEMU's serial on a display nobody sees. */
        c->mo.serial = nodefaults || (!nographic && (mon_stdio || c->daemonize)) ? "null"
                     : nographic ? "mon:stdio" : "stdio";
    }
    if (c->ci_record && c->mo.icount.rr != ICOUNT_RR_NONE) {
        error_setc(errp, ERR_USAGE, "-ci-record records by itself: drop rr= from -icount");
        return false;
    }
    if (c->ci_record) {
        /* A hidden journal in DIR: renamed into a pack if the run fails,
         * removed otherwise (app/main.c). */
        char path[4096];
        snprintf(path, sizeof(path), "%s/.rrsim-ci-%ld.rr", c->ci_record, (long)getpid());
        c->mo.icount.rr = ICOUNT_RR_RECORD;
        free(c->mo.icount.rrfile);
        c->mo.icount.rrfile = strdup(path);
        if (!c->mo.icount.rrfile) {
            abort();
        }
    }
    bool serial_stdio = !strcmp(c->mo.serial, "stdio") || !strcmp(c->mo.serial, "mon:stdio");
    if (mon_stdio && serial_stdio) {
        error_setc(errp, ERR_USAGE, "-monitor stdio: the terminal is the serial port's "
                   "(-serial %s); use -serial mon:stdio for both (Ctrl-A c switches) or put "
                   "the serial port elsewhere (-serial file:PATH, null, ...)", c->mo.serial);
        return false;
    }
    if (c->daemonize && (serial_stdio || mon_stdio)) {
        error_setc(errp, ERR_USAGE, "-daemonize: a daemon has no terminal; put the %s "
                   "elsewhere (-serial file:PATH or unix:PATH,server,nowait)",
                   mon_stdio ? "monitor" : "serial port");
        return false;
    }
    c->debug.mux_monitor = !strcmp(c->mo.serial, "mon:stdio");
    uint64_t cp = c->mo.icount.rrcheckpoint;
    if (cp != 0 && cp < CMDLINE_MIN_CHECKPOINT) {
        error_setc(errp, ERR_USAGE, "-icount rrcheckpoint=%llu: must be 0 (no digests) or from "
                   "%llu to %llu steps", (unsigned long long)cp, CMDLINE_MIN_CHECKPOINT,
                   (unsigned long long)UINT64_MAX);
        return false;
    }
    return true;
}

bool cmdline_wants_debug(const Cmdline *c)
{
    const DebugOptions *d = &c->debug;
    /* Record and replay take periodic snapshots, which the session owns. */
    return d->gdb || d->qmp || d->start_stopped || d->loadvm || d->snapshot_store ||
           (d->monitor && strcmp(d->monitor, "none")) || d->mux_monitor || d->no_shutdown ||
           c->mo.icount.rrsnapshot || c->mo.icount.rr != ICOUNT_RR_NONE;
}

void cmdline_free(Cmdline *c)
{
    for (int i = 0; i < c->nowned; i++) {
        free(c->owned[i]);
    }
    icount_options_free(&c->mo.icount);
    c->nowned = 0;
}
