/* Helpers shared by the benchmarks: clocks, process costs, sorting. */
#ifndef TC_BENCH_UTIL_H
#define TC_BENCH_UTIL_H

#include <stdint.h>

/* Monotonic time in nanoseconds. */
uint64_t now_ns(void);
/* CPU time of the whole process (all threads) and its context switches. */
void process_usage(double *cpu_s, long *switches);
/* qsort comparator for doubles, ascending. */
int cmp_double(const void *a, const void *b);

#endif
