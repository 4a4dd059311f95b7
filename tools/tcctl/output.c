/* tcctl: everything that reaches stdout/stderr — redaction of secrets,
 * colours, aligned tables, JSON documents and the progress bar. */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
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
const char *tcctl_color(const char *ansi) { return use_color ? ansi : ""; }
const char *tcctl_reset(void) { return use_color ? "\033[0m" : ""; }

/* A copy of text with every registered secret replaced by "***". */
static char *redact(const char *text) {
    tcctl_buf b = {NULL, 0, 0};
    const char *p = text;
    while (*p != '\0') {
        size_t k, hit_len = 0;
        for (k = 0; k < secret_count; k++) {
            size_t n = strlen(secrets[k]);
            if (strncmp(p, secrets[k], n) == 0 && n > hit_len) hit_len = n;
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

static void vprint_redacted(FILE *f, const char *prefix, const char *fmt, va_list ap) {
    tcctl_buf b = {NULL, 0, 0};
    char *clean;
    va_list copy;
    int n;
    char small[1];
    va_copy(copy, ap);
    n = vsnprintf(small, sizeof small, fmt, copy);
    va_end(copy);
    if (n < 0) return;
    b.data = malloc((size_t)n + 1);
    if (b.data == NULL) return;
    vsnprintf(b.data, (size_t)n + 1, fmt, ap);
    clean = redact(b.data);
    fprintf(f, "%s%s", prefix, clean);
    free(clean);
    free(b.data);
}

void tcctl_err(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprint_redacted(stderr, "tcctl: ", fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void tcctl_out(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprint_redacted(stdout, "", fmt, ap);
    va_end(ap);
}

void tcctl_print_json(const char *json) {
    char *clean = redact(json);
    fputs(clean, stdout);
    fputc('\n', stdout);
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

static char *dup_cell(const char *s) {
    const char *v = s != NULL && s[0] != '\0' ? s : "-";
    char *copy = malloc(strlen(v) + 1);
    if (copy == NULL) {
        fputs("tcctl: out of memory\n", stderr);
        exit(TCCTL_EXIT_FAILURE);
    }
    strcpy(copy, v);
    return copy;
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
        tcctl_out("%s\n", line.data);
        tcctl_buf_free(&line);
    }
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
    fprintf(stderr, "\r%s [%s] %zu/%zu  %.0f/s  ETA %.0fs   ", p->label, bar, done, total, rate, eta);
    fflush(stderr);
}

void tcctl_progress_end(tcctl_progress *p) {
    if (p->active) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}
