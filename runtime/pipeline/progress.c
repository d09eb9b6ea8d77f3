/* progress.c: progress line formatting (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

double or_progress_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

void or_progress_init(or_progress *p, int64_t total, int tty, const char *unit, double now)
{
    memset(p, 0, sizeof *p);
    p->total = total > 0 ? total : 0;
    p->tty = tty;
    p->t0 = p->last = now;
    p->unit = unit ? unit : "frames";
}

static void hms(char *b, size_t n, double s)
{
    long t = s < 0 ? 0 : (long)(s + 0.5);
    if (t >= 3600)
        snprintf(b, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(b, n, "%ld:%02ld", t / 60, t % 60);
}

int or_progress_line(or_progress *p, int64_t done, double now, int final, char *buf, size_t len)
{
    double interval = p->tty ? OR_PROGRESS_TTY_S : OR_PROGRESS_PLAIN_S;
    if (!final && now - p->last < interval)
        return 0;
    p->last = now;
    double el = now - p->t0;
    double rate = el > 0 ? done / el : 0;
    char eta[32] = "?", spent[32];
    hms(spent, sizeof spent, el);
    int64_t total = p->total && done > p->total ? done : p->total;
    if (total && rate > 0)
        hms(eta, sizeof eta, (total - done) / rate);
    char count[64];
    if (total)
        snprintf(count, sizeof count, "%lld/%lld %s", (long long)done, (long long)total, p->unit);
    else
        snprintf(count, sizeof count, "%lld %s", (long long)done, p->unit);
    if (!p->tty) {
        snprintf(buf, len, "%s%s, %.1f/s, %s elapsed%s%s\n", count,
                 final ? " done" : "", rate, spent, total && !final ? ", ETA " : "",
                 total && !final ? eta : "");
        return 1;
    }
    char bar[OR_PROGRESS_BAR + 1];
    int fill = total ? (int)(OR_PROGRESS_BAR * done / total) : 0;
    for (int i = 0; i < OR_PROGRESS_BAR; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[OR_PROGRESS_BAR] = 0;
    snprintf(buf, len, "\r[%s] %s  %.1f fps  %s %s  \033[K%s", total ? bar : "", count, rate,
             final ? "took" : "ETA", final ? spent : eta, final ? "\n" : "");
    return 1;
}
