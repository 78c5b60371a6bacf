/* pattern: holds 64 MiB of patterned memory and checks all of it every 100 ms, printing
 * "ok ROUND" while it is intact and "bad OFFSET" (then exit 1) when it is not. The checkpoint
 * tests compile it statically into a container's rootfs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SIZE (64u << 20)

static uint32_t expected(size_t i) { return (uint32_t)(i * 2654435761u) ^ 0x5a5a5a5au; }

int main(void)
{
    uint32_t *p = malloc(SIZE);
    if (p == NULL)
        return 2;
    for (size_t i = 0; i < SIZE / 4; i++)
        p[i] = expected(i);
    for (unsigned long round = 0;; round++) {
        for (size_t i = 0; i < SIZE / 4; i++) {
            if (p[i] != expected(i)) {
                printf("bad %zu\n", i * 4);
                fflush(stdout);
                return 1;
            }
        }
        printf("ok %lu\n", round);
        fflush(stdout);
        usleep(100000);
    }
}
