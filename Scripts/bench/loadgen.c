/*
 * loadgen — a small HTTP/1.1 load generator over mutual TLS (OpenSSL 3), for Scripts/bench/run.sh.
 *
 *   gcc -O2 -pthread -o loadgen Scripts/bench/loadgen.c -lssl -lcrypto
 *   loadgen --url https://127.0.0.1:8443/v1/requests --method POST --body-file req.json \
 *           --header 'Content-Type: application/json' --cert c.crt --key c.key --ca ca.crt \
 *           --connections 16 --duration 20 [--new-connection] [--tls12] [--rate R] [--requests N]
 *
 * One thread per connection, blocking sockets. Each thread sends a request, reads the whole
 * response (status line, headers, a Content-Length, chunked or close-delimited body), records
 * the latency and sends the next one (closed loop). With --rate R the threads together start
 * R requests per second on a fixed schedule (open loop) and a latency is measured from the
 * moment the request was due, not from when it could be sent, so a stalled server shows up as
 * latency instead of being hidden (no coordinated omission).
 *
 * Keep-alive by default: latency excludes the connection's setup. With --new-connection each
 * request opens a TCP connection and does a full mutual-TLS handshake (no session resumption:
 * the client never offers a session), sends `Connection: close`, and the latency covers
 * connect + handshake + request + response.
 *
 * The server certificate is verified against --ca, and its name against the URL's host (an IP
 * address must be in the certificate's IP SANs). A failed connection, handshake, read, write or
 * parse is counted in "errors" (by kind in "error_kinds"), the connection is closed and a new one
 * is opened; the first few error messages go to stderr. Latencies go into a log-bucket histogram
 * (HDR-like: 128 sub-buckets per power of two, under 0.8 % relative error; the maximum is exact).
 *
 * --unique TOKEN: each occurrence of TOKEN in the body is replaced, in every request, by 16 hex
 * digits unique within the run (so that each POST creates a new object at the server).
 * A POST body gets `Content-Type: application/json` unless a --header sets another.
 *
 * Output: one JSON line on stdout:
 *   {"requests":..,"seconds":..,"rps":..,"p50_ms":..,"p90_ms":..,"p99_ms":..,"max_ms":..,
 *    "mean_ms":..,"status":{"201":..},"errors":..,"error_kinds":{..},"handshakes":..,"cpu_s":..}
 * "requests" counts complete responses of any status; "handshakes" the TLS connections opened;
 * "cpu_s" the load generator's own CPU time (user + system).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* ---------------------------------------------------------------- options */

#define MAX_HEADERS 32
#define MAX_UNIQUE 16
#define UNIQUE_LEN 16 /* hex digits that replace each --unique token */

static struct {
    char host[256];
    char port[16];
    char path[2048];
    char host_header[300];
    int host_is_ip;
    const char *method;
    char *body;
    size_t body_len;
    const char *headers[MAX_HEADERS];
    int header_count;
    const char *cert, *key, *ca;
    int connections;
    double duration;
    long requests;
    int new_connection;
    int tls12;
    double rate;
    double timeout;
    const char *unique;
} opt = {.method = "GET", .connections = 1, .duration = -1, .timeout = 30};

static void usage(void) {
    fprintf(stderr,
            "usage: loadgen --url https://HOST:PORT/PATH --cert F --key F --ca F\n"
            "               [--method GET|POST] [--body-file F] [--header 'K: V']...\n"
            "               [--connections N] [--duration S | --requests N] [--new-connection]\n"
            "               [--tls12] [--rate R] [--timeout S] [--unique TOKEN]\n");
    exit(2);
}

static void die(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void parse_url(const char *url) {
    const char *p = url;
    if (strncmp(p, "https://", 8) != 0) die("--url must start with https://");
    p += 8;
    const char *host_end, *rest;
    if (*p == '[') {
        host_end = strchr(p, ']');
        if (!host_end) die("bad IPv6 address in --url");
        snprintf(opt.host, sizeof opt.host, "%.*s", (int)(host_end - p - 1), p + 1);
        rest = host_end + 1;
    } else {
        rest = p + strcspn(p, ":/");
        snprintf(opt.host, sizeof opt.host, "%.*s", (int)(rest - p), p);
    }
    if (*rest == ':') {
        const char *pe = rest + 1 + strcspn(rest + 1, "/");
        snprintf(opt.port, sizeof opt.port, "%.*s", (int)(pe - rest - 1), rest + 1);
        rest = pe;
    } else {
        strcpy(opt.port, "443");
    }
    snprintf(opt.path, sizeof opt.path, "%s", *rest ? rest : "/");
    if (!opt.host[0]) die("no host in --url");
    unsigned char tmp[16];
    opt.host_is_ip = inet_pton(AF_INET, opt.host, tmp) == 1 || inet_pton(AF_INET6, opt.host, tmp) == 1;
    int v6 = strchr(opt.host, ':') != NULL;
    snprintf(opt.host_header, sizeof opt.host_header, v6 ? "[%s]:%s" : "%s:%s", opt.host, opt.port);
}

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0) break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void parse_args(int argc, char **argv) {
    int have_url = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
#define VALUE() (has_value ? argv[++i] : (usage(), (char *)0))
        if (!strcmp(a, "--url")) { parse_url(VALUE()); have_url = 1; }
        else if (!strcmp(a, "--method")) opt.method = VALUE();
        else if (!strcmp(a, "--body-file")) opt.body = read_file(VALUE(), &opt.body_len);
        else if (!strcmp(a, "--header")) {
            if (opt.header_count == MAX_HEADERS) die("too many --header");
            const char *h = VALUE();
            if (!strchr(h, ':') || strpbrk(h, "\r\n")) die("bad --header '%s' (want 'Name: value')", h);
            opt.headers[opt.header_count++] = h;
        }
        else if (!strcmp(a, "--cert")) opt.cert = VALUE();
        else if (!strcmp(a, "--key")) opt.key = VALUE();
        else if (!strcmp(a, "--ca")) opt.ca = VALUE();
        else if (!strcmp(a, "--connections") || !strcmp(a, "-c")) opt.connections = atoi(VALUE());
        else if (!strcmp(a, "--duration") || !strcmp(a, "-d")) opt.duration = atof(VALUE());
        else if (!strcmp(a, "--requests") || !strcmp(a, "-n")) opt.requests = atol(VALUE());
        else if (!strcmp(a, "--new-connection")) opt.new_connection = 1;
        else if (!strcmp(a, "--tls12")) opt.tls12 = 1;
        else if (!strcmp(a, "--rate")) opt.rate = atof(VALUE());
        else if (!strcmp(a, "--timeout")) opt.timeout = atof(VALUE());
        else if (!strcmp(a, "--unique")) opt.unique = VALUE();
        else if (!strcmp(a, "-h") || !strcmp(a, "--help")) usage();
        else { fprintf(stderr, "loadgen: unknown option %s\n", a); usage(); }
#undef VALUE
    }
    if (!have_url || !opt.ca) usage();
    if ((opt.cert == NULL) != (opt.key == NULL)) die("--cert and --key go together");
    if (strcmp(opt.method, "GET") && strcmp(opt.method, "POST")) die("--method must be GET or POST");
    if (opt.connections < 1 || opt.connections > 10000) die("--connections must be 1..10000");
    if (opt.duration < 0) opt.duration = opt.requests > 0 ? 0 : 10; /* --requests alone: no time limit */
    if (opt.duration == 0 && opt.requests <= 0) die("--duration or --requests must be positive");
    if (opt.rate < 0 || opt.timeout <= 0) die("--rate must be >= 0 and --timeout > 0");
    if (opt.unique && (!opt.unique[0] || !opt.body || !memmem(opt.body, opt.body_len, opt.unique, strlen(opt.unique))))
        die("--unique needs a --body-file that contains the token");
}

/* ---------------------------------------------------------------- time and histogram */

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t) {
    struct timespec ts = {.tv_sec = (time_t)(t / 1000000000u), .tv_nsec = (long)(t % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

/* Values below 2^SUB_BITS ns are exact; above, each power of two is cut into 2^(SUB_BITS-1)
 * buckets. Index = (exponent + 1) * HALF + (v >> exponent) - HALF … see bucket_of. */
#define SUB_BITS 8
#define HALF (1u << (SUB_BITS - 1))
#define BUCKETS ((64 - SUB_BITS + 2) * HALF)

typedef struct {
    uint64_t counts[BUCKETS];
    uint64_t total, max, sum;
} histogram;

static inline unsigned bucket_of(uint64_t v) {
    if (v < (1u << SUB_BITS)) return (unsigned)v;
    unsigned e = 63 - (unsigned)__builtin_clzll(v) - (SUB_BITS - 1); /* v >> e in [HALF, 2*HALF) */
    return (e + 1) * HALF + (unsigned)(v >> e) - HALF;
}

/* The middle of a bucket's value range. */
static double bucket_mid(unsigned b) {
    if (b < (1u << SUB_BITS)) return b;
    unsigned e = b / HALF - 1, m = b % HALF + HALF;
    double lo = (double)((uint64_t)m << e), width = (double)(1ull << e);
    return lo + (width - 1) / 2;
}

static void hist_add(histogram *h, uint64_t v) {
    h->counts[bucket_of(v)]++;
    h->total++;
    h->sum += v;
    if (v > h->max) h->max = v;
}

static void hist_merge(histogram *into, const histogram *h) {
    for (unsigned i = 0; i < BUCKETS; i++) into->counts[i] += h->counts[i];
    into->total += h->total;
    into->sum += h->sum;
    if (h->max > into->max) into->max = h->max;
}

static double hist_percentile_ns(const histogram *h, double q) {
    if (h->total == 0) return 0;
    uint64_t rank = (uint64_t)(q * (double)h->total + 0.5);
    if (rank < 1) rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < BUCKETS; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            double v = bucket_mid(i);
            return v > (double)h->max ? (double)h->max : v;
        }
    }
    return (double)h->max;
}

/* ---------------------------------------------------------------- errors */

enum err_kind { E_CONNECT, E_TLS, E_WRITE, E_READ, E_EOF, E_TIMEOUT, E_PARSE, E_KINDS };
static const char *err_names[E_KINDS] = {"connect", "tls", "write", "read", "eof", "timeout", "parse"};

static atomic_int messages_left = 8;

/* Prints one error message to stderr (only the first few of the run). */
static void report(enum err_kind k, const char *fmt, ...) {
    if (atomic_fetch_sub(&messages_left, 1) <= 0) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned long e = ERR_peek_last_error();
    char ossl[256] = "";
    if (e) ERR_error_string_n(e, ossl, sizeof ossl);
    fprintf(stderr, "loadgen: %s error: %s%s%s\n", err_names[k], msg, ossl[0] ? " — " : "", ossl);
}

/* ---------------------------------------------------------------- connection */

static SSL_CTX *ctx;
static struct addrinfo *server_addr;
static atomic_int stop;
static atomic_long issued;

typedef struct {
    int fd;
    SSL *ssl;
    char buf[16384];
    size_t start, end; /* unread bytes are buf[start..end) */
    int eof;
} conn;

typedef struct {
    int index;
    pthread_t thread;
    histogram hist;
    uint64_t status[600];
    uint64_t errors[E_KINDS];
    uint64_t requests, handshakes;
    char *request;
    size_t request_len;
    size_t unique_at[MAX_UNIQUE]; /* offsets in request of the --unique placeholders */
    int unique_count;
    uint64_t sequence;
} worker;

static void conn_close(conn *c, int clean) {
    if (c->ssl) {
        if (clean) SSL_shutdown(c->ssl); /* send close_notify; never after an SSL or syscall error */
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->start = c->end = 0;
    c->eof = 0;
}

static void set_timeouts(int fd) {
    struct timeval tv = {.tv_sec = (time_t)opt.timeout, .tv_usec = (suseconds_t)((opt.timeout - (time_t)opt.timeout) * 1e6)};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

/* TCP connect and a full TLS handshake with the client certificate. Returns 0 or an error kind + 1. */
static int conn_open(conn *c) {
    c->fd = socket(server_addr->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) { report(E_CONNECT, "socket: %s", strerror(errno)); return E_CONNECT + 1; }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    set_timeouts(c->fd);
    if (connect(c->fd, server_addr->ai_addr, server_addr->ai_addrlen) != 0) {
        int e = errno;
        report(E_CONNECT, "connect %s:%s: %s", opt.host, opt.port, strerror(e));
        conn_close(c, 0);
        return (e == EAGAIN || e == ETIMEDOUT ? E_TIMEOUT : E_CONNECT) + 1;
    }
    c->ssl = SSL_new(ctx);
    SSL_set_fd(c->ssl, c->fd);
    if (opt.host_is_ip) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), opt.host);
    } else {
        SSL_set_tlsext_host_name(c->ssl, opt.host);
        SSL_set1_host(c->ssl, opt.host);
    }
    ERR_clear_error();
    errno = 0;
    int r = SSL_connect(c->ssl);
    if (r != 1) {
        int e = SSL_get_error(c->ssl, r);
        int timed_out = e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ||
                        (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK));
        long v = SSL_get_verify_result(c->ssl);
        report(timed_out ? E_TIMEOUT : E_TLS, "handshake failed (SSL_get_error %d%s%s)", e,
               v != X509_V_OK ? ", verify: " : "", v != X509_V_OK ? X509_verify_cert_error_string(v) : "");
        conn_close(c, 0);
        return (timed_out ? E_TIMEOUT : E_TLS) + 1;
    }
    return 0;
}

/* Fills the buffer with more bytes. Returns 1, or 0 at a clean EOF, or -(kind+1). */
static int conn_fill(conn *c) {
    if (c->start > 0 && c->start == c->end) c->start = c->end = 0;
    if (c->end == sizeof c->buf) {
        if (c->start == 0) { report(E_PARSE, "a header line longer than %zu bytes", sizeof c->buf); return -(E_PARSE + 1); }
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    ERR_clear_error();
    errno = 0;
    int n = SSL_read(c->ssl, c->buf + c->end, (int)(sizeof c->buf - c->end));
    if (n > 0) { c->end += (size_t)n; return 1; }
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_ZERO_RETURN) { c->eof = 1; return 0; }
    /* The peer closed without close_notify: an EOF all the same (a framed body cut short is
     * still caught by the caller); no SSL_shutdown afterwards. */
    if ((e == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) ||
        (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
        c->eof = 1;
        return 0;
    }
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ||
        (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
        report(E_TIMEOUT, "no response within %.0f s", opt.timeout);
        return -(E_TIMEOUT + 1);
    }
    report(E_READ, "read (SSL_get_error %d, errno %s)", e, strerror(errno));
    return -(E_READ + 1);
}

/* Reads one CRLF-terminated line (a bare LF is accepted); *line points into the buffer and is
 * valid until the next read. Returns its length, or a negative error as conn_fill. */
static long conn_line(conn *c, char **line) {
    size_t scanned = 0;
    for (;;) {
        char *nl = memchr(c->buf + c->start + scanned, '\n', c->end - c->start - scanned);
        if (nl) {
            char *s = c->buf + c->start;
            size_t len = (size_t)(nl - s);
            if (len > 0 && s[len - 1] == '\r') len--;
            s[len] = '\0';
            c->start = (size_t)(nl - c->buf) + 1;
            *line = s;
            return (long)len;
        }
        scanned = c->end - c->start;
        int r = conn_fill(c);
        if (r == 0) return -(E_EOF + 1);
        if (r < 0) return r; /* compaction keeps start..end, so `scanned` still holds */
    }
}

/* Discards n body bytes. */
static int conn_skip(conn *c, uint64_t n) {
    while (n > 0) {
        if (c->start == c->end) {
            int r = conn_fill(c);
            if (r == 0) return -(E_EOF + 1);
            if (r < 0) return r;
        }
        size_t have = c->end - c->start;
        size_t take = have < n ? have : (size_t)n;
        c->start += take;
        n -= take;
    }
    return 0;
}

typedef struct {
    int status;
    int close; /* the connection ends after this response */
} response;

static int parse_uint(const char *s, int base, uint64_t *out) {
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, base);
    if (errno || end == s) return -1;
    while (*end == ' ' || *end == '\t') end++;
    if (base == 16 ? (*end && *end != ';') : *end) return -1;
    *out = v;
    return 0;
}

/* Reads one complete response. Returns 0, or a negative error kind + 1. */
static int read_response(conn *c, response *resp) {
    for (;;) { /* skip 1xx interim responses */
        char *line;
        long n = conn_line(c, &line);
        if (n < 0) return (int)n;
        int major, minor, status;
        if (sscanf(line, "HTTP/%d.%d %3d", &major, &minor, &status) != 3 || major != 1 || status < 100 || status > 599) {
            report(E_PARSE, "bad status line '%.80s'", line);
            return -(E_PARSE + 1);
        }
        resp->status = status;
        resp->close = minor == 0;
        int chunked = 0, have_length = 0;
        uint64_t length = 0;
        for (;;) {
            n = conn_line(c, &line);
            if (n < 0) return (int)n;
            if (n == 0) break;
            char *colon = strchr(line, ':');
            if (!colon) { report(E_PARSE, "bad header line '%.80s'", line); return -(E_PARSE + 1); }
            *colon = '\0';
            const char *value = colon + 1;
            while (*value == ' ' || *value == '\t') value++;
            if (!strcasecmp(line, "content-length")) {
                uint64_t v;
                if (parse_uint(value, 10, &v) || (have_length && v != length)) {
                    report(E_PARSE, "bad Content-Length '%.40s'", value);
                    return -(E_PARSE + 1);
                }
                length = v;
                have_length = 1;
            } else if (!strcasecmp(line, "transfer-encoding")) {
                chunked = strcasestr(value, "chunked") != NULL;
            } else if (!strcasecmp(line, "connection")) {
                if (strcasestr(value, "close")) resp->close = 1;
                else if (strcasestr(value, "keep-alive")) resp->close = 0;
            }
        }
        if (status < 200) continue;
        if (status == 204 || status == 304) return 0;
        if (chunked) {
            for (;;) {
                n = conn_line(c, &line);
                if (n < 0) return (int)n;
                uint64_t size;
                if (parse_uint(line, 16, &size)) { report(E_PARSE, "bad chunk size '%.40s'", line); return -(E_PARSE + 1); }
                if (size == 0) break;
                int r = conn_skip(c, size);
                if (r < 0) return r;
                n = conn_line(c, &line);
                if (n < 0) return (int)n;
                if (n != 0) { report(E_PARSE, "no CRLF after a chunk"); return -(E_PARSE + 1); }
            }
            do { /* trailers, up to the empty line */
                n = conn_line(c, &line);
                if (n < 0) return (int)n;
            } while (n > 0);
            return 0;
        }
        if (have_length) return conn_skip(c, length);
        /* Neither: the body runs to the end of the connection. */
        resp->close = 1;
        for (;;) {
            c->start = c->end;
            int r = conn_fill(c);
            if (r == 0) return 0;
            if (r < 0) return r;
        }
    }
}

static int write_all(conn *c, const char *p, size_t len) {
    ERR_clear_error();
    errno = 0;
    size_t written;
    int r = SSL_write_ex(c->ssl, p, len, &written);
    if (r == 1 && written == len) return 0;
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ||
        (e == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK))) {
        report(E_TIMEOUT, "write blocked for %.0f s", opt.timeout);
        return -(E_TIMEOUT + 1);
    }
    report(E_WRITE, "write (SSL_get_error %d, errno %s)", e, strerror(errno));
    return -(E_WRITE + 1);
}

/* The body as sent: each --unique token becomes UNIQUE_LEN placeholder digits, whose offsets
 * (relative to the body) are noted. */
static char *sent_body;
static size_t sent_body_len, unique_offsets[MAX_UNIQUE];
static int unique_count;

static void prepare_body(void) {
    if (!opt.body || !opt.unique) { sent_body = opt.body; sent_body_len = opt.body_len; return; }
    size_t tl = strlen(opt.unique);
    sent_body = malloc(opt.body_len + MAX_UNIQUE * UNIQUE_LEN + 1);
    const char *p = opt.body, *end = opt.body + opt.body_len;
    size_t n = 0;
    for (;;) {
        const char *hit = memmem(p, (size_t)(end - p), opt.unique, tl);
        if (!hit || unique_count == MAX_UNIQUE) { memcpy(sent_body + n, p, (size_t)(end - p)); n += (size_t)(end - p); break; }
        memcpy(sent_body + n, p, (size_t)(hit - p));
        n += (size_t)(hit - p);
        unique_offsets[unique_count++] = n;
        memset(sent_body + n, '0', UNIQUE_LEN);
        n += UNIQUE_LEN;
        p = hit + tl;
    }
    sent_body_len = n;
}

/* Writes this request's unique value (thread index and sequence number, in hex) into the body. */
static void stamp_request(worker *w) {
    if (!w->unique_count) return;
    uint64_t v = ((uint64_t)w->index << 44) | (w->sequence++ & ((1ull << 44) - 1));
    char hex[UNIQUE_LEN + 1];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)v);
    for (int i = 0; i < w->unique_count; i++) memcpy(w->request + w->unique_at[i], hex, UNIQUE_LEN);
}

static void build_request(worker *w) {
    size_t cap = 1024 + sent_body_len + (size_t)opt.header_count * 256 + strlen(opt.path);
    for (int i = 0; i < opt.header_count; i++) cap += strlen(opt.headers[i]);
    char *r = malloc(cap);
    int has_type = 0;
    for (int i = 0; i < opt.header_count; i++) has_type |= !strncasecmp(opt.headers[i], "content-type:", 13);
    size_t n = (size_t)snprintf(r, cap, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: contactpoint-loadgen\r\nAccept: */*\r\n",
                                opt.method, opt.path, opt.host_header);
    for (int i = 0; i < opt.header_count; i++) n += (size_t)snprintf(r + n, cap - n, "%s\r\n", opt.headers[i]);
    if (sent_body) {
        if (!has_type) n += (size_t)snprintf(r + n, cap - n, "Content-Type: application/json\r\n");
        n += (size_t)snprintf(r + n, cap - n, "Content-Length: %zu\r\n", sent_body_len);
    }
    if (opt.new_connection) n += (size_t)snprintf(r + n, cap - n, "Connection: close\r\n");
    n += (size_t)snprintf(r + n, cap - n, "\r\n");
    if (sent_body) {
        for (int i = 0; i < unique_count; i++) w->unique_at[i] = n + unique_offsets[i];
        w->unique_count = unique_count;
        memcpy(r + n, sent_body, sent_body_len);
        n += sent_body_len;
    }
    w->request = r;
    w->request_len = n;
}

static uint64_t run_start, run_end;

static void *worker_main(void *arg) {
    worker *w = arg;
    conn c = {.fd = -1};
    build_request(w);
    /* Open loop: this thread's share of --rate, offset so the threads interleave. */
    double interval = opt.rate > 0 ? 1e9 * opt.connections / opt.rate : 0;
    uint64_t due = run_start + (uint64_t)(interval * w->index / opt.connections);
    int failures_in_a_row = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        if (opt.requests > 0 && atomic_fetch_add(&issued, 1) >= opt.requests) break;
        uint64_t t0 = 0;
        if (interval > 0) {
            sleep_until(due);
            if (atomic_load_explicit(&stop, memory_order_relaxed) || now_ns() >= run_end) break;
            t0 = due;
            due += (uint64_t)interval;
        }
        if (c.ssl == NULL) {
            uint64_t h0 = now_ns();
            int r = conn_open(&c);
            if (r) {
                w->errors[r - 1]++;
                /* A refusing server is not hammered in a busy loop. */
                if (++failures_in_a_row > 1) usleep(failures_in_a_row > 100 ? 100000 : 1000u * (unsigned)failures_in_a_row);
                continue;
            }
            w->handshakes++;
            if (interval == 0) t0 = opt.new_connection ? h0 : now_ns();
        } else if (interval == 0) {
            t0 = now_ns();
        }
        stamp_request(w);
        int r = write_all(&c, w->request, w->request_len);
        response resp = {0};
        if (r == 0) r = read_response(&c, &resp);
        if (r < 0) {
            w->errors[-r - 1]++;
            conn_close(&c, 0);
            if (++failures_in_a_row > 1) usleep(failures_in_a_row > 100 ? 100000 : 1000u * (unsigned)failures_in_a_row);
            continue;
        }
        failures_in_a_row = 0;
        uint64_t t1 = now_ns();
        hist_add(&w->hist, t1 - t0);
        w->status[resp.status]++;
        w->requests++;
        if (resp.close || opt.new_connection) conn_close(&c, !c.eof);
    }
    if (c.ssl) conn_close(&c, 1);
    ERR_clear_error();
    return NULL;
}

/* ---------------------------------------------------------------- main */

static void setup_tls(void) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) die("SSL_CTX_new failed");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (opt.tls12) SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    /* Every handshake is a full one: no session is ever offered, none is kept. */
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
    if (SSL_CTX_load_verify_locations(ctx, opt.ca, NULL) != 1) die("cannot load --ca %s", opt.ca);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (opt.cert) {
        if (SSL_CTX_use_certificate_chain_file(ctx, opt.cert) != 1) die("cannot load --cert %s", opt.cert);
        if (SSL_CTX_use_PrivateKey_file(ctx, opt.key, SSL_FILETYPE_PEM) != 1) die("cannot load --key %s", opt.key);
        if (SSL_CTX_check_private_key(ctx) != 1) die("--key does not match --cert");
    }
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    setup_tls();
    prepare_body();
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    int g = getaddrinfo(opt.host, opt.port, &hints, &server_addr);
    if (g) die("cannot resolve %s:%s: %s", opt.host, opt.port, gai_strerror(g));

    worker *workers = calloc((size_t)opt.connections, sizeof *workers);
    if (!workers) die("out of memory");
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    run_start = now_ns() + 1000000; /* 1 ms: the threads start together */
    run_end = opt.duration > 0 ? run_start + (uint64_t)(opt.duration * 1e9) : UINT64_MAX;
    for (int i = 0; i < opt.connections; i++) {
        workers[i].index = i;
        if (pthread_create(&workers[i].thread, &attr, worker_main, &workers[i])) die("pthread_create failed");
    }
    if (opt.duration > 0) {
        sleep_until(run_end);
        atomic_store(&stop, 1);
    }
    for (int i = 0; i < opt.connections; i++) pthread_join(workers[i].thread, NULL);
    uint64_t finished = now_ns();
    double seconds = (double)(finished - run_start) / 1e9;

    static histogram all;
    uint64_t status[600] = {0}, errors[E_KINDS] = {0}, requests = 0, handshakes = 0, error_total = 0;
    for (int i = 0; i < opt.connections; i++) {
        worker *w = &workers[i];
        hist_merge(&all, &w->hist);
        for (int s = 0; s < 600; s++) status[s] += w->status[s];
        for (int k = 0; k < E_KINDS; k++) errors[k] += w->errors[k];
        requests += w->requests;
        handshakes += w->handshakes;
    }
    for (int k = 0; k < E_KINDS; k++) error_total += errors[k];

    printf("{\"requests\":%llu,\"seconds\":%.3f,\"rps\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
           "\"max_ms\":%.3f,\"mean_ms\":%.3f,\"status\":{",
           (unsigned long long)requests, seconds, seconds > 0 ? (double)requests / seconds : 0,
           hist_percentile_ns(&all, 0.50) / 1e6, hist_percentile_ns(&all, 0.90) / 1e6,
           hist_percentile_ns(&all, 0.99) / 1e6, (double)all.max / 1e6,
           all.total ? (double)all.sum / (double)all.total / 1e6 : 0);
    const char *sep = "";
    for (int s = 0; s < 600; s++) {
        if (status[s]) { printf("%s\"%d\":%llu", sep, s, (unsigned long long)status[s]); sep = ","; }
    }
    printf("},\"errors\":%llu,\"error_kinds\":{", (unsigned long long)error_total);
    sep = "";
    for (int k = 0; k < E_KINDS; k++) {
        if (errors[k]) { printf("%s\"%s\":%llu", sep, err_names[k], (unsigned long long)errors[k]); sep = ","; }
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
                 (double)ru.ru_stime.tv_usec / 1e6;
    printf("},\"handshakes\":%llu,\"connections\":%d,\"new_connection\":%s,\"rate\":%.1f,\"cpu_s\":%.2f}\n",
           (unsigned long long)handshakes, opt.connections, opt.new_connection ? "true" : "false", opt.rate, cpu);
    freeaddrinfo(server_addr);
    SSL_CTX_free(ctx);
    return 0;
}
