/*
 * cpu_bench: a CPU-bound guest for comparing simulator speed.
 *
 * Integer work in the spirit of CoreMark: linked-list walking and
 * reordering, a small integer matrix multiply, a byte-driven state machine
 * and a bitwise CRC-32.  CPU_BENCH_ITERS (a build-time define) sets the
 * amount of work; the guest prints how many instructions it retired
 * (minstret) and a checksum, so runs on different simulators can be checked
 * for equal work.
 */
#include "rt.h"

#ifndef CPU_BENCH_ITERS
#define CPU_BENCH_ITERS 25000
#endif

#define LIST_N 256
#define MAT_N 12
#define BUF_N 512

typedef struct Node { struct Node *next; uint32_t key, val; } Node;

static Node nodes[LIST_N];
static int32_t ma[MAT_N][MAT_N], mb[MAT_N][MAT_N], mc[MAT_N][MAT_N];
static uint8_t buf[BUF_N];

static Node *list_build(uint64_t *seed)
{
    Node *head = 0;
    for (int i = LIST_N - 1; i >= 0; i--) {
        nodes[i].key = (uint32_t)rt_rand(seed) & 0xffff;
        nodes[i].val = (uint32_t)i;
        nodes[i].next = head;
        head = &nodes[i];
    }
    return head;
}

static Node *list_reverse(Node *h)
{
    Node *prev = 0;
    while (h) {
        Node *n = h->next;
        h->next = prev;
        prev = h;
        h = n;
    }
    return prev;
}

/* One pass of a bubble step over the list: swaps payloads out of key order. */
static uint32_t list_work(Node *h, uint32_t salt)
{
    uint32_t acc = 0;
    for (Node *n = h; n && n->next; n = n->next) {
        if ((n->key ^ salt) > (n->next->key ^ salt)) {
            uint32_t k = n->key, v = n->val;
            n->key = n->next->key; n->val = n->next->val;
            n->next->key = k; n->next->val = v;
        }
        acc += n->val * 3 + (n->key >> 2);
    }
    return acc;
}

static uint32_t matrix_work(uint32_t salt)
{
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MAT_N; k++)
                s += ma[i][k] * mb[k][j];
            mc[i][j] = s + (int32_t)salt;
        }
    uint32_t acc = 0;
    for (int i = 0; i < MAT_N; i++) {
        acc = acc * 31 + (uint32_t)mc[i][(i + salt) % MAT_N];
        ma[i][salt % MAT_N] = mc[i][i] & 0xff;
    }
    return acc;
}

/* Classifies bytes as number/identifier/space/punct tokens. */
static uint32_t state_machine(uint32_t salt)
{
    enum { START, NUM, IDENT, SPACE, PUNCT } st = START;
    uint32_t counts[5] = { 0 };
    for (int i = 0; i < BUF_N; i++) {
        uint8_t c = (uint8_t)(buf[i] ^ salt);
        switch (st) {
        case START:
        case SPACE:
        case PUNCT:
            if (c >= '0' && c <= '9') st = NUM;
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') st = IDENT;
            else if (c == ' ' || c == '\t') st = SPACE;
            else st = PUNCT;
            break;
        case NUM:
            if (!(c >= '0' && c <= '9')) st = c == ' ' ? SPACE : PUNCT;
            break;
        case IDENT:
            if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(c >= '0' && c <= '9'))
                st = c == ' ' ? SPACE : PUNCT;
            break;
        }
        counts[st]++;
    }
    return counts[1] * 7 + counts[2] * 5 + counts[3] * 3 + counts[4];
}

static uint32_t crc32(const uint8_t *p, int n, uint32_t crc)
{
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320U & -(crc & 1));
    }
    return ~crc;
}

int main(void)
{
    uint64_t seed = 0x243f6a8885a308d3ULL;
    Node *list = list_build(&seed);
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            ma[i][j] = (int32_t)(rt_rand(&seed) & 0xff) - 128;
            mb[i][j] = (int32_t)(rt_rand(&seed) & 0xff) - 128;
        }
    for (int i = 0; i < BUF_N; i++)
        buf[i] = (uint8_t)(0x20 + rt_rand(&seed) % 0x5f);

    rt_printf("cpu_bench: %u iterations\n", (unsigned)CPU_BENCH_ITERS);
    uint64_t start = rt_instret();
    uint32_t acc = 0;
    for (uint32_t it = 0; it < CPU_BENCH_ITERS; it++) {
        acc += list_work(list, it);
        if ((it & 7) == 0)
            list = list_reverse(list);
        acc ^= matrix_work(it);
        acc += state_machine(it);
        if ((it & 3) == 0)
            acc = crc32(buf, BUF_N, acc);
    }
    uint64_t n = rt_instret() - start;
    rt_printf("instructions %lu\n", n);
    rt_printf("checksum %08x\n", acc);
    return rt_result();
}
