/* tcctl: everything that reaches stdout/stderr — redaction of secrets,
 * colours, aligned tables, JSON documents and the progress bar. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tcctl.h"

#define MAX_SECRETS 8

static const char *secrets[MAX_SECRETS];
static size_t secret_count = 0;
static int json_mode = 0;
static int use_color = 0;

void tcctl_add_secret(const char *secret) {
    if (secret == NULL || strlen(secret) < 4 || secret_count >= MAX_SECRETS) return;
    secrets[secret_count++] = secret;
}

void tcctl_output_init(int json) {
    const char *no_color = getenv("NO_COLOR");
    json_mode = json;
    use_color = !json && isatty(STDOUT_FILENO) && (no_color == NULL || no_color[0] == '\0');
}

int tcctl_json_mode(void) { return json_mode; }

/* ---- the one way out ----
 * Everything tcctl prints goes through emit(), unbuffered, so that a stop
 * signal never finds the process stuck in write(): each chunk is written
 * only once poll() says the fd takes it, and at most PIPE_BUF bytes, which a
 * pipe that polls writable accepts without blocking. When the fd does not
 * take more and a stop signal has arrived (stop.c's signal fd), the rest of
 * that stream's output is dropped: its reader is gone or stuck, and the user
 * asked us to stop. Without blocked signals (the fd is -1) this is a plain
 * blocking write, and a signal kills the process. A write error (EPIPE: the
 * reader closed) drops the rest too. */

static int abandoned[3]; /* by fd: stdout, stderr */

static void emit(int fd, const char *data, size_t len) {
    while (len > 0 && !abandoned[fd]) {
        struct pollfd p[2];
        int nfds = 1;
        ssize_t n;
        p[0].fd = fd;
        p[0].events = POLLOUT;
        p[0].revents = 0;
        p[1].fd = tcctl_stop_signal_fd();
        p[1].events = POLLIN;
        p[1].revents = 0;
        if (p[1].fd >= 0) nfds = 2;
        if (poll(p, (nfds_t)nfds, -1) < 0) {
            if (errno == EINTR) continue;
            abandoned[fd] = 1;
            break;
        }
        if (p[0].revents == 0) { /* not writable, and a stop signal arrived */
            abandoned[fd] = 1;
            break;
        }
        n = write(fd, data, len < PIPE_BUF ? len : PIPE_BUF);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            abandoned[fd] = 1; /* EPIPE, EBADF, ...: nobody will read the rest */
            break;
        }
        data += n;
        len -= (size_t)n;
    }
}

void tcctl_print_raw(const char *text) { emit(STDOUT_FILENO, text, strlen(text)); }
const char *tcctl_color(const char *ansi) { return use_color ? ansi : ""; }
const char *tcctl_reset(void) { return use_color ? "\033[0m" : ""; }

/* ---- redaction ----
 * A secret can reach the output raw, JSON-escaped (by tcctl or the library,
 * with any legal spelling: \/ or /, \u001b or \u001B, \t or \u0009) or
 * terminal-escaped (see escape_for_terminal). Rather than list the spellings,
 * the matcher decodes escapes while comparing, so every form is found. In
 * both output modes a backslash always starts an escape (text mode escapes a
 * literal backslash as \\), so decoding is unambiguous. */

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static long hex_run(const char *p, int digits) {
    long v = 0;
    int k;
    for (k = 0; k < digits; k++) {
        int h = hex_value(p[k]);
        if (h < 0) return -1;
        v = v * 16 + h;
    }
    return v;
}

/* Decodes the escape at p (p[0] == '\\') into out (UTF-8, up to 4 bytes);
 * returns the bytes consumed from p, 0 if it is not an escape. */
static size_t decode_escape(const char *p, unsigned char *out, size_t *out_len) {
    long cp;
    size_t used = 6;
    *out_len = 1;
    switch (p[1]) {
    case '"': case '\\': case '/': out[0] = (unsigned char)p[1]; return 2;
    case 'b': out[0] = '\b'; return 2;
    case 'f': out[0] = '\f'; return 2;
    case 'n': out[0] = '\n'; return 2;
    case 'r': out[0] = '\r'; return 2;
    case 't': out[0] = '\t'; return 2;
    case 'x':
        cp = hex_run(p + 2, 2);
        if (cp < 0) return 0;
        out[0] = (unsigned char)cp;
        return 4;
    case 'u':
        cp = hex_run(p + 2, 4);
        if (cp < 0) return 0;
        if (cp >= 0xD800 && cp <= 0xDBFF && p[6] == '\\' && p[7] == 'u') {
            long lo = hex_run(p + 8, 4);
            if (lo < 0xDC00 || lo > 0xDFFF) return 0;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            used = 12;
        }
        if (cp < 0x80) {
            out[0] = (unsigned char)cp;
        } else if (cp < 0x800) {
            out[0] = (unsigned char)(0xC0 | (cp >> 6));
            out[1] = (unsigned char)(0x80 | (cp & 0x3F));
            *out_len = 2;
        } else if (cp < 0x10000) {
            out[0] = (unsigned char)(0xE0 | (cp >> 12));
            out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            out[2] = (unsigned char)(0x80 | (cp & 0x3F));
            *out_len = 3;
        } else {
            out[0] = (unsigned char)(0xF0 | (cp >> 18));
            out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
            out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
            out[3] = (unsigned char)(0x80 | (cp & 0x3F));
            *out_len = 4;
        }
        return used;
    default: return 0;
    }
}

/* How many bytes of text at p spell secret (raw or with escapes); 0 if none. */
static size_t secret_at(const char *p, const char *secret) {
    const char *q = p;
    const unsigned char *s = (const unsigned char *)secret;
    size_t n = strlen(secret);
    if (strncmp(p, secret, n) == 0) return n;
    while (*s != '\0') {
        if (*q == '\\') {
            unsigned char dec[4];
            size_t dec_len, used = decode_escape(q, dec, &dec_len), k;
            if (used == 0) return 0;
            for (k = 0; k < dec_len; k++, s++)
                if (*s != dec[k]) return 0;
            q += used;
        } else {
            if ((unsigned char)*q != *s) return 0;
            q++;
            s++;
        }
    }
    return (size_t)(q - p);
}

/* A copy of text with every registered secret, in any spelling, replaced by "***". */
static char *redact(const char *text) {
    tcctl_buf b = {NULL, 0, 0};
    const char *p = text;
    while (*p != '\0') {
        size_t k, hit_len = 0;
        for (k = 0; k < secret_count; k++) {
            size_t n = secret_at(p, secrets[k]);
            if (n > hit_len) hit_len = n;
        }
        if (hit_len > 0) {
            tcctl_buf_add(&b, "***");
            p += hit_len;
        } else {
            char one[2] = {*p, '\0'};
            tcctl_buf_add(&b, one);
            p++;
        }
    }
    if (b.data == NULL) tcctl_buf_add(&b, "");
    return b.data;
}

/* ---- terminal escaping ----
 * Human-readable output escapes every control character of the values it
 * prints (C0, DEL, UTF-8 encoded C1, bytes that are not UTF-8) as \xNN,
 * \n, \r, \t or \u0080..\u009f, and a backslash as \\, so that nothing a
 * server or a webhook sender wrote can move the cursor, erase the screen or
 * fake a line. Only the format strings are trusted: they are literals in
 * tcctl's source, so their own newlines stay; every substituted value
 * (%s, %c) is escaped. The one exception is tcctl's own colours: when colour
 * is on (a terminal, no NO_COLOR, no --json), the exact SGR sequences of the
 * table below pass through, because tcctl embeds them in values (coloured
 * table cells); they only change colours, never position or content. With
 * colour off every ESC is escaped. JSON output is never escaped here. */

static const char *const styles[] = {"\033[0m", "\033[1m", "\033[31m", "\033[32m", "\033[33m",
                                     "\033[34m", "\033[35m", "\033[36m", "\033[K"};

static size_t style_at(const char *p) {
    size_t k;
    if (!use_color) return 0;
    for (k = 0; k < sizeof styles / sizeof styles[0]; k++) {
        size_t n = strlen(styles[k]);
        if (strncmp(p, styles[k], n) == 0 && styles[k][n - 1] == 'm') return n;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at p (2..4), 0 if it is not one. */
static size_t utf8_len(const unsigned char *p) {
    size_t n, k;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) n = 2;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF) n = 3;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4) n = 4;
    else return 0;
    for (k = 1; k < n; k++)
        if ((p[k] & 0xC0) != 0x80) return 0;
    if (p[0] == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
    if (p[0] == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
    if (p[0] == 0xF0 && p[1] < 0x90) return 0;  /* overlong */
    if (p[0] == 0xF4 && p[1] >= 0x90) return 0; /* above U+10FFFF */
    return n;
}

static void escape_for_terminal(tcctl_buf *b, const char *text, size_t len) {
    const unsigned char *p = (const unsigned char *)text, *end = p + len;
    while (p < end) {
        size_t n = style_at((const char *)p);
        if (n > 0 && p + n <= end) {
            char seq[16];
            memcpy(seq, p, n);
            seq[n] = '\0';
            tcctl_buf_add(b, seq);
            p += n;
        } else if (*p == '\\') {
            tcctl_buf_add(b, "\\\\");
            p++;
        } else if (*p == '\n' || *p == '\r' || *p == '\t') {
            tcctl_buf_add(b, *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : "\\t");
            p++;
        } else if (*p < 0x20 || *p == 0x7F) {
            tcctl_buf_addf(b, "\\x%02x", *p);
            p++;
        } else if (*p < 0x80) {
            char one[2] = {(char)*p, '\0'};
            tcctl_buf_add(b, one);
            p++;
        } else if ((n = utf8_len(p)) == 0 || p + n > end) {
            tcctl_buf_addf(b, "\\x%02x", *p);
            p++;
        } else if (p[0] == 0xC2 && p[1] < 0xA0) {
            tcctl_buf_addf(b, "\\u%04x", p[1]);
            p += 2;
        } else {
            char seq[5] = {0};
            memcpy(seq, p, n);
            tcctl_buf_add(b, seq);
            p += n;
        }
    }
}

/* Formats fmt like vsnprintf, but escapes every %s and %c value (see above).
 * Each conversion is formatted alone with the argument taken from ap by its
 * type; the compiler's format check on tcctl_out/tcctl_err guarantees the
 * types match. */
static void format_escaped(tcctl_buf *out, const char *fmt, va_list ap) {
    const char *p = fmt;
    if (out->data == NULL) tcctl_buf_add(out, "");
    while (*p != '\0') {
        const char *spec = p, *lit = p;
        char one[64], conv, len[3] = {0};
        int width = 0, prec = -1, star_w = 0, star_p = 0;
        size_t speclen;
        if (*p != '%') {
            while (*p != '\0' && *p != '%') p++;
            escape_literal:
            {
                size_t n = (size_t)(p - lit);
                char *chunk = malloc(n + 1);
                if (chunk == NULL) exit(TCCTL_EXIT_FAILURE);
                memcpy(chunk, lit, n);
                chunk[n] = '\0';
                tcctl_buf_add(out, chunk);
                free(chunk);
            }
            continue;
        }
        p++;
        if (*p == '%') {
            lit = p;
            p++;
            goto escape_literal;
        }
        while (*p != '\0' && strchr("-+ #0", *p) != NULL) p++;
        if (*p == '*') {
            star_w = 1;
            p++;
        } else {
            while (*p >= '0' && *p <= '9') p++;
        }
        if (*p == '.') {
            p++;
            if (*p == '*') {
                star_p = 1;
                p++;
            } else {
                prec = 0;
                while (*p >= '0' && *p <= '9') prec = prec * 10 + (*p++ - '0');
            }
        }
        while (*p != '\0' && strchr("hlzjtL", *p) != NULL && strlen(len) < 2) len[strlen(len)] = *p++;
        conv = *p;
        if (conv == '\0') break;
        p++;
        speclen = (size_t)(p - spec);
        if (speclen >= sizeof one) break;
        memcpy(one, spec, speclen);
        one[speclen] = '\0';
        if (star_w) width = va_arg(ap, int);
        if (star_p) prec = va_arg(ap, int);
        if (conv == 's' || conv == 'c') {
            /* the value, cut to its precision, escaped; then the width on the escaped text */
            tcctl_buf esc = {NULL, 0, 0};
            char cbuf[2] = {0, 0};
            const char *v;
            size_t vlen;
            char wfmt[32];
            if (conv == 'c') {
                cbuf[0] = (char)va_arg(ap, int);
                v = cbuf;
                vlen = 1;
            } else {
                v = va_arg(ap, const char *);
                if (v == NULL) v = "(null)";
                vlen = prec >= 0 ? strnlen(v, (size_t)prec) : strlen(v);
            }
            escape_for_terminal(&esc, v, vlen);
            if (esc.data == NULL) tcctl_buf_add(&esc, "");
            /* keep only the flags and width of the spec */
            snprintf(wfmt, sizeof wfmt, "%%%s*s", strchr(one, '-') != NULL ? "-" : "");
            if (!star_w) width = atoi(one + 1 + (one[1] == '-'));
            tcctl_buf_addf(out, wfmt, width, esc.data);
            tcctl_buf_free(&esc);
            continue;
        }
#define ONE(T)                                                                                                       \
    do {                                                                                                             \
        T value_ = va_arg(ap, T);                                                                                    \
        if (star_w && star_p) tcctl_buf_addf(out, one, width, prec, value_);                                         \
        else if (star_w) tcctl_buf_addf(out, one, width, value_);                                                   \
        else if (star_p) tcctl_buf_addf(out, one, prec, value_);                                                    \
        else tcctl_buf_addf(out, one, value_);                                                                       \
    } while (0)
        _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wformat-nonliteral\"")
        if (strchr("diouxX", conv) != NULL) {
            int is_signed = conv == 'd' || conv == 'i';
            if (strcmp(len, "l") == 0) {
                if (is_signed) ONE(long); else ONE(unsigned long);
            } else if (strcmp(len, "ll") == 0) {
                if (is_signed) ONE(long long); else ONE(unsigned long long);
            } else if (strcmp(len, "z") == 0 || strcmp(len, "t") == 0 || strcmp(len, "j") == 0) {
                if (strcmp(len, "j") == 0) ONE(uintmax_t); else ONE(size_t);
            } else {
                if (is_signed) ONE(int); else ONE(unsigned int);
            }
        } else if (strchr("fFeEgGaA", conv) != NULL) {
            if (strcmp(len, "L") == 0) ONE(long double); else ONE(double);
        } else if (conv == 'p') {
            ONE(void *);
        } else {
            break; /* %n or unknown: stop rather than guess the argument */
        }
        _Pragma("GCC diagnostic pop")
#undef ONE
    }
}

/* prefix + the escaped, redacted text + suffix, in one write. */
static void vprint_escaped(int fd, const char *prefix, const char *suffix, const char *fmt, va_list ap) {
    tcctl_buf b = {NULL, 0, 0}, line = {NULL, 0, 0};
    char *clean;
    format_escaped(&b, fmt, ap);
    clean = redact(b.data);
    tcctl_buf_add(&line, prefix);
    tcctl_buf_add(&line, clean);
    tcctl_buf_add(&line, suffix);
    emit(fd, line.data, line.len);
    free(clean);
    tcctl_buf_free(&b);
    tcctl_buf_free(&line);
}

void tcctl_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprint_escaped(STDERR_FILENO, "tcctl: ", "\n", fmt, ap);
    va_end(ap);
}

void tcctl_out(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprint_escaped(STDOUT_FILENO, "", "", fmt, ap);
    va_end(ap);
}

void tcctl_print_json(const char *json) {
    char *clean = redact(json);
    tcctl_buf line = {NULL, 0, 0};
    tcctl_buf_add(&line, clean);
    tcctl_buf_add(&line, "\n");
    emit(STDOUT_FILENO, line.data, line.len);
    tcctl_buf_free(&line);
    free(clean);
}

/* ---- growable strings ---- */

static void buf_reserve(tcctl_buf *b, size_t extra) {
    size_t want = b->len + extra + 1;
    if (want <= b->cap) return;
    while (b->cap < want) b->cap = b->cap ? b->cap * 2 : 256;
    b->data = realloc(b->data, b->cap);
    if (b->data == NULL) {
        fputs("tcctl: out of memory\n", stderr);
        exit(TCCTL_EXIT_FAILURE);
    }
}

void tcctl_buf_add(tcctl_buf *b, const char *text) {
    size_t n = strlen(text);
    buf_reserve(b, n);
    memcpy(b->data + b->len, text, n + 1);
    b->len += n;
}

void tcctl_buf_addf(tcctl_buf *b, const char *fmt, ...) {
    va_list ap, copy;
    int n;
    va_start(ap, fmt);
    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n > 0) {
        buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
    }
    va_end(ap);
}

void tcctl_buf_json_str(tcctl_buf *b, const char *text) {
    const unsigned char *p;
    if (text == NULL) {
        tcctl_buf_add(b, "null");
        return;
    }
    tcctl_buf_add(b, "\"");
    for (p = (const unsigned char *)text; *p != '\0'; p++) {
        switch (*p) {
        case '"': tcctl_buf_add(b, "\\\""); break;
        case '\\': tcctl_buf_add(b, "\\\\"); break;
        case '\n': tcctl_buf_add(b, "\\n"); break;
        case '\r': tcctl_buf_add(b, "\\r"); break;
        case '\t': tcctl_buf_add(b, "\\t"); break;
        default:
            if (*p < 0x20) {
                tcctl_buf_addf(b, "\\u%04x", *p);
            } else {
                char one[2] = {(char)*p, '\0'};
                tcctl_buf_add(b, one);
            }
        }
    }
    tcctl_buf_add(b, "\"");
}

void tcctl_buf_free(tcctl_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- tables ---- */

struct tcctl_table {
    size_t columns, rows, cap;
    char **cells; /* (rows + 1) * columns, row 0 is the header */
};

/* Cells are escaped when added (tables print only in text mode), so that
 * the column widths are those of what is printed. */
static char *dup_cell(const char *s) {
    tcctl_buf b = {NULL, 0, 0};
    const char *v = s != NULL && s[0] != '\0' ? s : "-";
    escape_for_terminal(&b, v, strlen(v));
    if (b.data == NULL) tcctl_buf_add(&b, "");
    return b.data;
}

tcctl_table *tcctl_table_new(size_t columns, const char *const *headers) {
    tcctl_table *t = calloc(1, sizeof *t);
    if (t == NULL) exit(TCCTL_EXIT_FAILURE);
    t->columns = columns;
    t->rows = 0;
    t->cap = 0;
    tcctl_table_row(t, headers);
    t->rows = 0; /* the header is not a row */
    return t;
}

void tcctl_table_row(tcctl_table *t, const char *const *cells) {
    size_t used = t->cells == NULL ? 0 : (t->rows + 1) * t->columns, k;
    if (t->cells == NULL || used + t->columns > t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16 * t->columns;
        while (t->cap < used + t->columns) t->cap *= 2;
        t->cells = realloc(t->cells, t->cap * sizeof *t->cells);
        if (t->cells == NULL) exit(TCCTL_EXIT_FAILURE);
    }
    if (used == 0) {
        for (k = 0; k < t->columns; k++) t->cells[k] = dup_cell(cells[k]);
        return;
    }
    for (k = 0; k < t->columns; k++) t->cells[used + k] = dup_cell(cells[k]);
    t->rows++;
}

size_t tcctl_table_rows(const tcctl_table *t) { return t->rows; }

/* Display width: counts UTF-8 code points, not bytes, and skips colour
 * escapes (ESC [ ... m). */
static size_t width_of(const char *s) {
    size_t w = 0;
    for (; *s != '\0'; s++) {
        if (*s == '\033' && s[1] == '[') {
            s += 2;
            while (*s != '\0' && *s != 'm') s++;
            if (*s == '\0') break;
            continue;
        }
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    }
    return w;
}

void tcctl_table_print(const tcctl_table *t) {
    size_t *widths = calloc(t->columns, sizeof *widths), r, k;
    tcctl_buf all = {NULL, 0, 0}; /* printed in one go */
    if (widths == NULL) exit(TCCTL_EXIT_FAILURE);
    for (r = 0; r <= t->rows; r++)
        for (k = 0; k < t->columns; k++) {
            size_t w = width_of(t->cells[r * t->columns + k]);
            if (w > widths[k]) widths[k] = w;
        }
    for (r = 0; r <= t->rows; r++) {
        tcctl_buf line = {NULL, 0, 0};
        if (r == 0) tcctl_buf_add(&line, tcctl_color("\033[1m"));
        for (k = 0; k < t->columns; k++) {
            const char *cell = t->cells[r * t->columns + k];
            tcctl_buf_add(&line, cell);
            if (k + 1 < t->columns) {
                size_t pad = widths[k] - width_of(cell) + 2;
                while (pad-- > 0) tcctl_buf_add(&line, " ");
            }
        }
        if (r == 0) tcctl_buf_add(&line, tcctl_reset());
        {
            char *clean = redact(line.data); /* cells are escaped already: print as they are */
            tcctl_buf_add(&all, clean);
            tcctl_buf_add(&all, "\n");
            free(clean);
        }
        tcctl_buf_free(&line);
    }
    if (all.data != NULL) emit(STDOUT_FILENO, all.data, all.len);
    tcctl_buf_free(&all);
    free(widths);
}

void tcctl_table_free(tcctl_table *t) {
    size_t k;
    if (t == NULL) return;
    for (k = 0; k < (t->rows + 1) * t->columns; k++) free(t->cells[k]);
    free(t->cells);
    free(t);
}

/* ---- progress ---- */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

void tcctl_progress_start(tcctl_progress *p, const char *label) {
    p->started_ms = now_ms();
    p->active = isatty(STDERR_FILENO);
    p->label = label;
}

void tcctl_progress_cb(size_t done, size_t total, void *userdata) {
    tcctl_progress *p = (tcctl_progress *)userdata;
    double elapsed_s, rate, eta;
    size_t filled;
    char bar[31];
    if (p == NULL || !p->active || total == 0) return;
    elapsed_s = (now_ms() - p->started_ms) / 1000.0;
    rate = elapsed_s > 0 ? (double)done / elapsed_s : 0.0;
    eta = rate > 0 ? (double)(total - done) / rate : 0.0;
    filled = 30 * done / total;
    memset(bar, '#', filled);
    memset(bar + filled, '.', 30 - filled);
    bar[30] = '\0';
    {
        tcctl_buf line = {NULL, 0, 0};
        tcctl_buf_addf(&line, "\r%s [%s] %zu/%zu  %.0f/s  ETA %.0fs   ", p->label, bar, done, total, rate, eta);
        emit(STDERR_FILENO, line.data, line.len);
        tcctl_buf_free(&line);
    }
}

void tcctl_progress_end(tcctl_progress *p) {
    if (p->active) emit(STDERR_FILENO, "\r\033[K", 4);
}
