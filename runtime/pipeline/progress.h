/* progress.h: progress lines for long runs (the CLI prints them on stderr).
 * On a terminal: one line redrawn in place (leading '\r'), at most 5 times a
 * second: a bar, frames done / total, frames per second and the ETA.  Not a
 * terminal (a log file, a pipe): a plain line every OR_PROGRESS_PLAIN_S
 * seconds.  The library formats, the caller writes. */
#ifndef OR_PROGRESS_H
#define OR_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#define OR_PROGRESS_TTY_S 0.2
#define OR_PROGRESS_PLAIN_S 5.0
#define OR_PROGRESS_BAR 24

typedef struct {
    int64_t total;      /* 0 when unknown (no bar, no ETA) */
    int tty;
    double t0, last;    /* start, last line (seconds, any monotonic clock) */
    const char *unit;   /* "frames", "images" */
} or_progress;

void or_progress_init(or_progress *p, int64_t total, int tty, const char *unit, double now);
/* When a line is due (or final), formats it into buf and returns 1; else 0.
 * tty lines start with '\r' and have no newline (the final one ends with '\n');
 * plain lines end with '\n'. */
int or_progress_line(or_progress *p, int64_t done, double now, int final, char *buf, size_t len);
/* Seconds since an arbitrary point (CLOCK_MONOTONIC). */
double or_progress_now(void);

#endif
