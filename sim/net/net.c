/* net: see net.h. */
#include "sim/net/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <slirp/libslirp.h>

/* ---- options ---- */

void net_user_options_init(NetUserOptions *o)
{
    memset(o, 0, sizeof(*o));
    o->net = 0x0a000200u;        /* 10.0.2.0/24 */
    o->mask = 0xffffff00u;
    o->host = 0x0a000202u;       /* .2: gateway and the host's alias */
    o->dns = 0x0a000203u;        /* .3 */
    o->dhcpstart = 0x0a00020fu;  /* .15: the guest's address */
    o->ipv6 = true;
}

bool net_parse_ipv4(const char *s, uint32_t *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, s, &a) != 1) {
        return false;
    }
    *out = ntohl(a.s_addr);
    return true;
}

bool net_parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char end;
    if (strlen(s) != 17 ||
        sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
               &end) != 6) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = (uint8_t)v[i];
    }
    return true;
}

static bool parse_port(const char *s, size_t n, uint16_t *out)
{
    char buf[8];
    if (n == 0 || n >= sizeof(buf)) {
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    unsigned long v = strtoul(buf, &end, 10);
    if (*end || v > 65535 || buf[0] < '0' || buf[0] > '9') {
        return false;
    }
    *out = (uint16_t)v;
    return true;
}

/* An address that may be empty (0): the n bytes at s. */
static bool parse_addr_opt(const char *s, size_t n, uint32_t *out)
{
    char buf[INET_ADDRSTRLEN];
    if (n == 0) {
        *out = 0;
        return true;
    }
    if (n >= sizeof(buf)) {
        return false;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    return net_parse_ipv4(buf, out);
}

/* [tcp|udp]:[HADDR]:HPORT-[GADDR]:GPORT, as QEMU's hostfwd. */
static bool parse_hostfwd(const char *v, NetHostFwd *f)
{
    memset(f, 0, sizeof(*f));
    const char *p = v;
    if (!strncmp(p, "tcp:", 4)) {
        p += 4;
    } else if (!strncmp(p, "udp:", 4)) {
        f->udp = true;
        p += 4;
    } else if (*p == ':') {
        p++;
    } else {
        return false;
    }
    const char *colon = strchr(p, ':'), *dash = colon ? strchr(colon, '-') : NULL;
    if (!colon || !dash || !parse_addr_opt(p, (size_t)(colon - p), &f->host_addr) ||
        !parse_port(colon + 1, (size_t)(dash - colon - 1), &f->host_port)) {
        return false;
    }
    p = dash + 1;
    colon = strchr(p, ':');
    return colon && parse_addr_opt(p, (size_t)(colon - p), &f->guest_addr) &&
           parse_port(colon + 1, strlen(colon + 1), &f->guest_port) && f->guest_port != 0;
}

static bool parse_onoff(const char *v, bool *out)
{
    if (!strcmp(v, "on") || !strcmp(v, "yes") || !strcmp(v, "true")) {
        *out = true;
    } else if (!strcmp(v, "off") || !strcmp(v, "no") || !strcmp(v, "false")) {
        *out = false;
    } else {
        return false;
    }
    return true;
}

bool net_user_parse_key(NetUserOptions *o, const char *opt, const char *arg, const char *key,
                        const char *val, Error **errp)
{
    bool ok = true;
    if (!strcmp(key, "hostfwd")) {
        if (o->nfwd == NET_MAX_HOSTFWD) {
            error_setc(errp, ERR_USAGE, "%s %s: at most %d hostfwd rules", opt, arg,
                       NET_MAX_HOSTFWD);
            return false;
        }
        if (!parse_hostfwd(val, &o->fwd[o->nfwd])) {
            error_setc(errp, ERR_USAGE, "%s %s: bad hostfwd '%s' (expected "
                       "tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT)", opt, arg, val);
            return false;
        }
        o->nfwd++;
        return true;
    } else if (!strcmp(key, "net")) {
        /* ADDR[/BITS] or ADDR/MASK */
        char buf[40];
        snprintf(buf, sizeof(buf), "%s", val);
        char *slash = strchr(buf, '/');
        o->mask = 0xffffff00u;
        if (slash) {
            *slash = '\0';
            char *end;
            unsigned long bits = strtoul(slash + 1, &end, 10);
            if (!*end && slash[1] && bits >= 1 && bits <= 30) {
                o->mask = 0xffffffffu << (32 - bits);
            } else if (!net_parse_ipv4(slash + 1, &o->mask)) {
                ok = false;
            }
        }
        ok = ok && net_parse_ipv4(buf, &o->net);
        if (ok) {
            /* QEMU derives the other addresses from the network. */
            o->net &= o->mask;
            o->host = o->net | 2;
            o->dns = o->net | 3;
            o->dhcpstart = o->net | 15;
        }
    } else if (!strcmp(key, "host")) {
        ok = net_parse_ipv4(val, &o->host);
    } else if (!strcmp(key, "dhcpstart")) {
        ok = net_parse_ipv4(val, &o->dhcpstart);
    } else if (!strcmp(key, "dns")) {
        ok = net_parse_ipv4(val, &o->dns);
    } else if (!strcmp(key, "restrict")) {
        ok = parse_onoff(val, &o->restricted);
    } else if (!strcmp(key, "ipv6")) {
        ok = parse_onoff(val, &o->ipv6);
    } else if (!strcmp(key, "ipv4")) {
        bool v4 = true;
        ok = parse_onoff(val, &v4);
        if (ok && !v4) {
            error_setc(errp, ERR_USAGE, "%s %s: ipv4=off is not supported", opt, arg);
            return false;
        }
    } else {
        error_setc(errp, ERR_USAGE, "%s %s: user networking has no property '%s'", opt, arg,
                   key);
        return false;
    }
    if (!ok) {
        error_setc(errp, ERR_USAGE, "%s %s: bad value for %s: '%s'", opt, arg, key, val);
    }
    return ok;
}

bool net_user_check(const NetUserOptions *o, const char *opt, const char *arg, Error **errp)
{
    const char *bad = (o->host & o->mask) != o->net ? "host"
                    : (o->dhcpstart & o->mask) != o->net ? "dhcpstart"
                    : (o->dns & o->mask) != o->net ? "dns" : NULL;
    if (bad) {
        error_setc(errp, ERR_USAGE, "%s %s: %s is not in the network", opt, arg, bad);
        return false;
    }
    return true;
}

/* ---- the backend ---- */

typedef struct NetTimer {
    Timer t;
    NetUser *n;
    SlirpTimerId id;
    SlirpTimerCb cb;             /* the old interface (timer_new) */
    void *cb_opaque;
} NetTimer;

struct NetUser {
    Loop *loop;
    Slirp *slirp;
    LoopPollSource *src;
    NetReceive *rx;
    void *opaque;
    bool in_poll;                /* slirp_pollfds_fill() ran for this poll */
};

static ssize_t nu_send_packet(const void *buf, size_t len, void *opaque)
{
    NetUser *n = opaque;
    n->rx(n->opaque, buf, len);
    return (ssize_t)len;
}

static void nu_guest_error(const char *msg, void *opaque)
{
    warn_report("user networking: %s", msg);
}

static int64_t nu_clock_get_ns(void *opaque)
{
    return hostclock_ns(CLOCK_REALTIME);
}

static void nu_timer_fire(void *opaque)
{
    NetTimer *t = opaque;
    if (t->cb) {
        t->cb(t->cb_opaque);
    } else {
        slirp_handle_timer(t->n->slirp, t->id, t->cb_opaque);
    }
}

static NetTimer *nu_timer_alloc(NetUser *n)
{
    NetTimer *t = calloc(1, sizeof(*t));
    if (!t) {
        abort();   /* slirp cannot take a failure here */
    }
    t->n = n;
    timer_init(&t->t, n->loop, CLOCK_REALTIME, nu_timer_fire, t);
    return t;
}

static void *nu_timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    NetTimer *t = nu_timer_alloc(opaque);
    t->cb = cb;
    t->cb_opaque = cb_opaque;
    return t;
}

static void *nu_timer_new_opaque(SlirpTimerId id, void *cb_opaque, void *opaque)
{
    NetTimer *t = nu_timer_alloc(opaque);
    t->id = id;
    t->cb_opaque = cb_opaque;
    return t;
}

static void nu_timer_free(void *timer, void *opaque)
{
    NetTimer *t = timer;
    timer_del(&t->t);
    free(t);
}

/* expire is in ms of nu_clock_get_ns()'s clock. */
static void nu_timer_mod(void *timer, int64_t expire_ms, void *opaque)
{
    NetTimer *t = timer;
    timer_mod(&t->t, expire_ms * 1000000);
}

static void nu_register_poll_fd(int fd, void *opaque)
{
}

static void nu_unregister_poll_fd(int fd, void *opaque)
{
}

static void nu_notify(void *opaque)
{
}

static const SlirpCb net_user_cb = {
    .send_packet = nu_send_packet,
    .guest_error = nu_guest_error,
    .clock_get_ns = nu_clock_get_ns,
    .timer_new = nu_timer_new,
    .timer_free = nu_timer_free,
    .timer_mod = nu_timer_mod,
    .register_poll_fd = nu_register_poll_fd,
    .unregister_poll_fd = nu_unregister_poll_fd,
    .notify = nu_notify,
    .timer_new_opaque = nu_timer_new_opaque,
};

static int nu_add_poll(int fd, int events, void *opaque)
{
    short ev = (events & SLIRP_POLL_IN ? POLLIN : 0) | (events & SLIRP_POLL_OUT ? POLLOUT : 0) |
               (events & SLIRP_POLL_PRI ? POLLPRI : 0);
    return loop_poll_add(opaque, fd, ev);
}

static int nu_get_revents(int idx, void *opaque)
{
    short r = loop_poll_revents(opaque, idx);
    return (r & POLLIN ? SLIRP_POLL_IN : 0) | (r & POLLOUT ? SLIRP_POLL_OUT : 0) |
           (r & POLLPRI ? SLIRP_POLL_PRI : 0) | (r & POLLERR ? SLIRP_POLL_ERR : 0) |
           (r & POLLHUP ? SLIRP_POLL_HUP : 0);
}

static void nu_prepare(void *opaque, LoopPoll *p, int64_t *timeout_ns)
{
    NetUser *n = opaque;
    uint32_t ms = UINT32_MAX;
    slirp_pollfds_fill(n->slirp, &ms, nu_add_poll, p);
    if (ms != UINT32_MAX && (*timeout_ns < 0 || (int64_t)ms * 1000000 < *timeout_ns)) {
        *timeout_ns = (int64_t)ms * 1000000;
    }
    n->in_poll = true;
}

static void nu_dispatch(void *opaque, LoopPoll *p)
{
    NetUser *n = opaque;
    if (n->in_poll) {
        n->in_poll = false;
        slirp_pollfds_poll(n->slirp, 0, nu_get_revents, p);
    }
}

static struct in_addr in4(uint32_t host_order)
{
    return (struct in_addr){ .s_addr = htonl(host_order) };
}

NetUser *net_user_new(Loop *loop, const NetUserOptions *o, NetReceive *rx, void *opaque,
                      Error **errp)
{
    NetUser *n = calloc(1, sizeof(*n));
    if (!n) {
        error_setg(errp, "out of memory");
        return NULL;
    }
    n->loop = loop;
    n->rx = rx;
    n->opaque = opaque;
    SlirpConfig cfg = {
        .version = 4,
        .restricted = o->restricted,
        .in_enabled = true,
        .vnetwork = in4(o->net),
        .vnetmask = in4(o->mask),
        .vhost = in4(o->host),
        .in6_enabled = o->ipv6,
        .vdhcp_start = in4(o->dhcpstart),
        .vnameserver = in4(o->dns),
    };
    /* QEMU's IPv6 defaults: fec0::/64, host ::2, DNS ::3. */
    inet_pton(AF_INET6, "fec0::", &cfg.vprefix_addr6);
    cfg.vprefix_len = 64;
    inet_pton(AF_INET6, "fec0::2", &cfg.vhost6);
    inet_pton(AF_INET6, "fec0::3", &cfg.vnameserver6);
    n->slirp = slirp_new(&cfg, &net_user_cb, n);
    if (!n->slirp) {
        error_setg(errp, "user networking could not start");
        free(n);
        return NULL;
    }
    for (int i = 0; i < o->nfwd; i++) {
        const NetHostFwd *f = &o->fwd[i];
        uint32_t guest = f->guest_addr ? f->guest_addr : o->dhcpstart;
        if (slirp_add_hostfwd(n->slirp, f->udp, in4(f->host_addr), f->host_port, in4(guest),
                              f->guest_port) < 0) {
            char a[INET_ADDRSTRLEN];
            struct in_addr ha = in4(f->host_addr);
            inet_ntop(AF_INET, &ha, a, sizeof(a));
            error_setc(errp, ERR_IO, "hostfwd %s:%s:%u: cannot listen on the host port "
                       "(in use?): %s", f->udp ? "udp" : "tcp", f->host_addr ? a : "",
                       f->host_port, strerror(errno));
            slirp_cleanup(n->slirp);
            free(n);
            return NULL;
        }
    }
    n->src = loop_add_poll_source(loop, nu_prepare, nu_dispatch, n, errp);
    if (!n->src) {
        slirp_cleanup(n->slirp);
        free(n);
        return NULL;
    }
    return n;
}

void net_user_send(NetUser *n, const uint8_t *frame, size_t len)
{
    if (len <= NET_MAX_FRAME + 4) {
        slirp_input(n->slirp, frame, (int)len);
    }
}

void net_user_free(NetUser *n)
{
    if (!n) {
        return;
    }
    loop_remove_poll_source(n->loop, n->src);
    slirp_cleanup(n->slirp);
    free(n);
}
