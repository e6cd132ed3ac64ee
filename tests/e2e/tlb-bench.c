// SPDX-License-Identifier: GPL-2.0
/*
 * tlb-bench: how many TLB-flushing syscalls per second one thread gets
 * through while other threads of its mm are on other CPUs, i.e. the cost
 * of the remote TLB shootdown (flush_tlb_multi), for comparing its
 * implementations.
 *
 * A worker on the first CPU loops over one op:
 *   munmap:   mmap PAGES anonymous pages, write a byte to each, munmap them;
 *   mprotect: on a long-lived mapping of PAGES touched pages, mprotect them
 *             read-only (present pages: a flush), back to read-write, and
 *             write a byte to each again;
 *   ptfree:   as munmap, but at a fixed 2 MiB-aligned address with nothing
 *             else mapped in its 2 MiB, so that munmap also frees the PTE
 *             page (a flush with freed_tables, which the kernel sends to
 *             CPUs in lazy TLB mode too);
 *   reader:   as munmap, at a steady RATE ops a second.
 * The BUSY threads, pinned round-robin to the other CPUs:
 *   munmap, mprotect: spin in user space (no syscalls), so their CPUs stay
 *             in the mm's cpumask and every op needs a remote flush there;
 *   ptfree:   idle: each sleeps IDLE ms, wakes, and sleeps again, so its
 *             CPU is mostly halted in lazy TLB mode with the mm loaded. A
 *             lazy CPU that takes a flush IPI switches to init_mm and
 *             leaves the mm's cpumask (arch/x86/mm/tlb.c, 6.1 and 6.12):
 *             only the next wake puts it back, so a thread that slept for
 *             good would get one flush in all;
 *   reader:   read a shared WSET MiB buffer (touched before the start), one
 *             byte a page and a cache line further each time, and count
 *             the reads: the cost a flush has for the CPUs it reaches (the
 *             TLB refills after it included).
 * -b 0 is the reference without remote flushes; so is -r 0 for reader (the
 * readers with no worker ops: their no-flush limit). -k (ptfree) keeps a
 * touched page at the end of the 2 MiB, so munmap frees no page table: the
 * control, whose flushes skip the lazy CPUs. -f forks the worker into a
 * process of its own, on the same CPU, before the busy threads start: the
 * same ops at the same rate, but in an mm that no other CPU has loaded, so
 * its flushes stay local (the control that separates what the flushes cost
 * the busy threads from what the worker's running, syscalls and exits on
 * its vCPU cost them). The working set is not copied into it
 * (MADV_DONTFORK); it samples the readers' counts, and the parent prints
 * its result once it has exited.
 *
 * usage: tlb-bench [-s SECONDS] [-b BUSY] [-o munmap|mprotect|ptfree|reader]
 *                  [-p PAGES] [-i IDLE] [-r RATE] [-m WSET] [-k] [-f]
 * (defaults: 2 s, one thread on each other CPU, munmap, 1 page, 1 ms idle,
 * 500 ops/s, 64 MiB).
 * Prints one line (tests/bench/tlb-guest splits it into words), no KTAP:
 *   tlb-bench: op munmap busy 3 seconds 2.00 ops 1234 ops_per_sec 617.0
 *   reads 0 reads_per_sec 0.0
 * (one line; reads: the readers' total, 0 but for reader). exit 0; 1
 * (KSFT_FAIL) on a usage error or a setup error (kselftest.h's "Bail out!"
 * line instead; with -f the worker's, or the parent's when the worker
 * ended otherwise than with 0); 4 (KSFT_SKIP, "1..0 # SKIP") when there is
 * no CPU for the busy threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define PMD_SIZE (2UL << 20)

enum op { OP_MUNMAP, OP_MPROTECT, OP_PTFREE, OP_READER };
static const char * const op_names[] = { "munmap", "mprotect", "ptfree", "reader" };

static int stop;
static int running;
static long page_size;
static long idle_ms = 1;
static char *wset;
static size_t wset_len;

struct busy {
	pthread_t thread;
	long cpu;
	enum op op;
	unsigned long reads;
};

static void pin_busy(struct busy *b)
{
	int err = pin(b->cpu);

	if (err)
		ksft_exit_fail_msg("pinning a busy thread to cpu %ld: %s\n", b->cpu,
				   strerror(err));
	__atomic_add_fetch(&running, 1, __ATOMIC_RELEASE);
}

static void spin(void)
{
	unsigned long count = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		count++;
	__asm__ volatile("" : : "r"(count));
}

/* Sleep, wake, sleep: the CPU halts in lazy TLB mode between the wakes. */
static void idle(void)
{
	struct timespec ts = { .tv_sec = idle_ms / 1000,
			       .tv_nsec = idle_ms % 1000 * 1000000 };

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED))
		nanosleep(&ts, NULL);
}

/*
 * One byte a page, a cache line further in the page on each pass, so the
 * reads need the TLB (a page each) and are not all served by one line.
 */
static void read_wset(struct busy *b)
{
	size_t off = 0, line = 0;
	unsigned long reads = 0;
	unsigned int sum = 0;

	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		for (off = line; off < wset_len; off += page_size)
			sum += __atomic_load_n(&wset[off], __ATOMIC_RELAXED);
		reads += wset_len / page_size;
		/* The worker samples it at its start and its end. */
		__atomic_store_n(&b->reads, reads, __ATOMIC_RELAXED);
		line = (line + 64) % page_size;
	}
	/* Keep the sum alive without a store per read. */
	__asm__ volatile("" : : "r"(sum));
}

/* The readers' reads so far (a pass of the working set at a time). */
static unsigned long all_reads(struct busy *threads, long n)
{
	unsigned long sum = 0;
	long i;

	for (i = 0; i < n; i++)
		sum += __atomic_load_n(&threads[i].reads, __ATOMIC_RELAXED);
	return sum;
}

static void *busy_thread(void *arg)
{
	struct busy *b = arg;

	pin_busy(b);
	switch (b->op) {
	case OP_PTFREE:
		idle();
		break;
	case OP_READER:
		read_wset(b);
		break;
	default:
		spin();
	}
	return NULL;
}

static void touch(char *p, long pages)
{
	long i;

	for (i = 0; i < pages; i++)
		__atomic_store_n(&p[i * page_size], (char)i, __ATOMIC_RELAXED);
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: tlb-bench [-s SECONDS] [-b BUSY] [-o munmap|mprotect|ptfree|reader]\n"
		"                 [-p PAGES] [-i IDLE] [-r RATE] [-m WSET] [-k] [-f]\n");
	exit(KSFT_FAIL);
}

static long number(const char *s, long min)
{
	char *e;
	long v = strtol(s, &e, 0);

	if (*e || !*s || v < min)
		bad_usage();
	return v;
}

/*
 * A 2 MiB-aligned address with nothing mapped in its 2 MiB: the aligned
 * 2 MiB of a 4 MiB reservation, given back; the rest stays reserved
 * (PROT_NONE) around it, in other page tables, so that no later mapping
 * lands next to it. The mappings of ptfree go there with
 * MAP_FIXED_NOREPLACE, which fails if anything took the place meanwhile.
 */
static char *pmd_hole(int keep)
{
	char *r = mmap(NULL, 2 * PMD_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (r == MAP_FAILED)
		ksft_exit_fail_msg("mmap (reservation): %s\n", strerror(errno));
	a = (char *)(((uintptr_t)r + PMD_SIZE - 1) & ~(PMD_SIZE - 1));
	if (munmap(a, PMD_SIZE))
		ksft_exit_fail_msg("munmap (reservation): %s\n", strerror(errno));
	/* -k: a page in the same page table keeps it. */
	if (keep) {
		r = mmap(a + PMD_SIZE - page_size, page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (r == MAP_FAILED)
			ksft_exit_fail_msg("mmap (-k): %s\n", strerror(errno));
		touch(r, 1);
	}
	return a;
}

/* Sleep until @t (seconds of now()): the steady rate of reader. */
static void sleep_until(double t)
{
	double d = t - now();
	struct timespec ts;

	if (d <= 0)
		return;
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/*
 * What the worker does and what it gets. In memory shared with the busy
 * threads (MAP_SHARED), so that a worker forked by -f reads their counts
 * and leaves its result where its parent reads it.
 */
struct run {
	enum op op;
	long pages, rate, busy;
	int keep;
	double secs;
	struct busy *threads;
	unsigned long ops, reads;
	double elapsed;
};

static void *shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		ksft_exit_fail_msg("mmap (MAP_SHARED): %s\n", strerror(errno));
	return p;
}

/* The worker, on the first CPU, the busy threads running: its op's loop. */
static void worker(struct run *run)
{
	long i, len = run->pages * page_size;
	unsigned long ops = 0, reads;
	double start, end, t, next;
	char *p = NULL, *hole = NULL;
	enum op op = run->op;
	int batch, flags;

	if (op == OP_MPROTECT) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
		touch(p, run->pages);
	}
	/* After the threads' stacks are mapped. */
	if (op == OP_PTFREE)
		hole = pmd_hole(run->keep);

	/* reader: one op at a time on its schedule; the others in batches. */
	batch = op == OP_READER ? 1 : 64;
	flags = MAP_PRIVATE | MAP_ANONYMOUS | (op == OP_PTFREE ? MAP_FIXED_NOREPLACE : 0);
	reads = all_reads(run->threads, run->busy);
	start = now();
	end = start + run->secs;
	next = start;
	do {
		if (op == OP_READER) {
			if (!run->rate) {
				/* The limit: the readers alone. */
				sleep_until(end);
				t = now();
				break;
			}
			next += 1.0 / run->rate;
			sleep_until(next);
		}
		for (i = 0; i < batch; i++) {
			if (op == OP_MPROTECT) {
				if (mprotect(p, len, PROT_READ) ||
				    mprotect(p, len, PROT_READ | PROT_WRITE))
					ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
			} else {
				p = mmap(hole, len, PROT_READ | PROT_WRITE, flags, -1, 0);
				if (p == MAP_FAILED)
					ksft_exit_fail_msg("mmap: %s\n", strerror(errno));
			}
			touch(p, run->pages);
			if (op != OP_MPROTECT && munmap(p, len))
				ksft_exit_fail_msg("munmap: %s\n", strerror(errno));
		}
		ops += batch;
		t = now();
	} while (t < end);

	run->reads = all_reads(run->threads, run->busy) - reads;
	run->ops = ops;
	run->elapsed = t - start;
}

/*
 * -f: fork the worker before the busy threads exist, so that its mm is
 * never loaded on their CPUs; it inherits the first CPU's pinning. It
 * waits for a byte on @fd[0] (at EOF, its parent died: it ends too) and
 * leaves its result in @run.
 */
static pid_t start_worker(struct run *run, int fd[2])
{
	pid_t pid;
	char c;

	if (pipe(fd))
		ksft_exit_fail_msg("pipe: %s\n", strerror(errno));
	pid = fork();
	if (pid < 0)
		ksft_exit_fail_msg("fork: %s\n", strerror(errno));
	if (pid) {
		close(fd[0]);
		return pid;
	}
	close(fd[1]);
	if (read(fd[0], &c, 1) != 1)
		_exit(KSFT_FAIL);
	worker(run);
	exit(0);
}

int main(int argc, char **argv)
{
	long busy = -1, pages = 1, rate = 500, wset_mib = 64, i, ncpu, *cpu;
	int opt, err, keep = 0, forked = 0, status, go[2];
	enum op op = OP_MUNMAP;
	struct busy *threads;
	double secs = 2;
	struct run *run;
	cpu_set_t cpus;
	pid_t pid = 0;
	char *e;

	while ((opt = getopt(argc, argv, "s:b:o:p:i:r:m:kf")) != -1) {
		switch (opt) {
		case 's':
			secs = strtod(optarg, &e);
			if (*e || secs <= 0)
				bad_usage();
			break;
		case 'b':
			busy = number(optarg, 0);
			break;
		case 'o':
			for (i = 0; i < 4 && strcmp(optarg, op_names[i]); i++)
				;
			if (i == 4)
				bad_usage();
			op = i;
			break;
		case 'p':
			pages = number(optarg, 1);
			break;
		case 'i':
			idle_ms = number(optarg, 1);
			break;
		case 'r':
			rate = number(optarg, 0);
			break;
		case 'm':
			wset_mib = number(optarg, 1);
			break;
		case 'k':
			keep = 1;
			break;
		case 'f':
			forked = 1;
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc)
		bad_usage();

	/* The online CPUs (unless we were started with a narrower mask). */
	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		ksft_exit_fail_msg("sched_getaffinity: %s\n", strerror(errno));
	cpu = calloc(CPU_SETSIZE, sizeof(*cpu));
	if (!cpu)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	for (i = 0, ncpu = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &cpus))
			cpu[ncpu++] = i;
	if (busy < 0)
		busy = ncpu - 1;
	if (busy > 0 && ncpu < 2)
		ksft_exit_skip("no CPU for the busy threads\n");
	threads = shared((busy + 1) * sizeof(*threads));
	run = shared(sizeof(*run));

	page_size = sysconf(_SC_PAGESIZE);
	if (op == OP_PTFREE && pages * page_size > (long)PMD_SIZE - keep * page_size)
		ksft_exit_fail_msg("ptfree: %ld pages do not fit in 2 MiB\n", pages);
	if (op == OP_READER) {
		wset_len = wset_mib << 20;
		wset = mmap(NULL, wset_len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (wset == MAP_FAILED)
			ksft_exit_fail_msg("mmap (%ld MiB working set): %s\n", wset_mib,
					   strerror(errno));
		/* Private pages of its own, not the shared zero page. */
		touch(wset, wset_len / page_size);
		/* Only the readers read it: a forked worker gets no copy. */
		if (forked && madvise(wset, wset_len, MADV_DONTFORK))
			ksft_exit_fail_msg("madvise (working set): %s\n", strerror(errno));
	}
	*run = (struct run){ .op = op, .pages = pages, .rate = rate, .busy = busy,
			     .keep = keep, .secs = secs, .threads = threads };
	err = pin(cpu[0]);
	if (err)
		ksft_exit_fail_msg("pinning the worker to cpu %ld: %s\n", cpu[0], strerror(err));
	if (forked)
		pid = start_worker(run, go);
	for (i = 0; i < busy; i++) {
		threads[i].cpu = cpu[1 + i % (ncpu - 1)];
		threads[i].op = op;
		err = pthread_create(&threads[i].thread, NULL, busy_thread, &threads[i]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
	}
	while (__atomic_load_n(&running, __ATOMIC_ACQUIRE) < busy)
		sched_yield();

	if (forked) {
		if (write(go[1], "", 1) != 1)
			ksft_exit_fail_msg("starting the worker: %s\n", strerror(errno));
		if (waitpid(pid, &status, 0) != pid)
			ksft_exit_fail_msg("waitpid: %s\n", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			ksft_exit_fail_msg("the worker (pid %d) ended with status %#x\n",
					   (int)pid, status);
	} else {
		worker(run);
	}

	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < busy; i++)
		pthread_join(threads[i].thread, NULL);
	printf("tlb-bench: op %s busy %ld seconds %.2f ops %lu ops_per_sec %.1f",
	       op_names[op], busy, run->elapsed, run->ops, run->ops / run->elapsed);
	printf(" reads %lu reads_per_sec %.1f\n", run->reads, run->reads / run->elapsed);
	return 0;
}
