/* pipeline_queue.c: a bounded FIFO of pointers between threads (see pipeline.h). */
#include <pthread.h>
#include <stdlib.h>

#include "pipeline.h"

struct or_queue {
    pthread_mutex_t lock;
    pthread_cond_t not_full, not_empty;
    void **items;
    int cap, head, n, closed, high;
};

or_status or_queue_new(int capacity, or_queue **out, or_err *err)
{
    if (capacity < 1)
        capacity = 1;
    or_queue *q = calloc(1, sizeof *q);
    if (!q || !(q->items = malloc((size_t)capacity * sizeof *q->items))) {
        free(q);
        return or_errf(err, OR_ENOMEM, "queue of %d: out of memory", capacity);
    }
    q->cap = capacity;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->not_full, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    *out = q;
    return OR_OK;
}

void or_queue_free(or_queue *q)
{
    if (!q)
        return;
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->not_full);
    pthread_cond_destroy(&q->not_empty);
    free(q->items);
    free(q);
}

int or_queue_push(or_queue *q, void *item)
{
    pthread_mutex_lock(&q->lock);
    while (q->n == q->cap && !q->closed)
        pthread_cond_wait(&q->not_full, &q->lock);
    int rc = -1;
    if (!q->closed) {
        q->items[(q->head + q->n++) % q->cap] = item;
        if (q->n > q->high)
            q->high = q->n;
        pthread_cond_signal(&q->not_empty);
        rc = 0;
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

void *or_queue_pop(or_queue *q)
{
    pthread_mutex_lock(&q->lock);
    while (!q->n && !q->closed)
        pthread_cond_wait(&q->not_empty, &q->lock);
    void *item = NULL;
    if (q->n) {
        item = q->items[q->head];
        q->head = (q->head + 1) % q->cap;
        q->n--;
        pthread_cond_signal(&q->not_full);
    }
    pthread_mutex_unlock(&q->lock);
    return item;
}

void or_queue_close(or_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->closed = 1;
    pthread_cond_broadcast(&q->not_full);
    pthread_cond_broadcast(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

int or_queue_high_water(const or_queue *q)
{
    return q->high;
}
