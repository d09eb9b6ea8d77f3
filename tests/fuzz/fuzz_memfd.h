/* fuzz_memfd.h: the fuzz input as a file, for readers that take a path
 * (hints, video): written to a memfd and named /proc/self/fd/N. */
#ifndef OR_FUZZ_MEMFD_H
#define OR_FUZZ_MEMFD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

/* The memfd's descriptor (close it after use) with its path in path[64], or
 * -1 when it could not be made. */
static inline int fuzz_memfd(const char *name, const uint8_t *data, size_t size, char path[64])
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -1;
    for (size_t left = size; left;) {
        ssize_t w = write(fd, data + (size - left), left);
        if (w <= 0) {
            close(fd);
            return -1;
        }
        left -= (size_t)w;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
    return fd;
}

#endif
