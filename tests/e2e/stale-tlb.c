// SPDX-License-Identifier: GPL-2.0
/*
 * stale-tlb: checks that once munmap, mprotect or mmap(MAP_FIXED) has
 * returned, no other CPU still uses the old translation, i.e. that the
 * remote TLB flush (flush_tlb_multi, which the pvops engine may replace)
 * really reached every CPU the mm runs on before the syscall returned.
 *
 * One writer thread on the first CPU, one reader thread on each other CPU,
 * all in one process. The test page at address X maps a page of a memfd;
 * every page of the memfd holds one 64-bit generation number, which the
 * writer stores through a second, writable mapping of the whole memfd
 * before X maps that page. The writer publishes a state word after each
 * step: 2 * g once X maps the page of generation g, 2 * g + 1 once the
 * page of generation g can no longer be read through X. Modes:
 *   remap:    mmap(X, MAP_FIXED) of the next page over the old mapping;
 *   munmap:   munmap(X), publish 2 * g + 1, then mmap(X) of the next page;
 *   mprotect: mprotect(X, PROT_NONE), publish 2 * g + 1, store g + 1 into
 *             the (same) page, then mprotect(X, PROT_READ).
 * The old pages stay alive in the memfd, so a stale TLB entry still reads
 * their old generation.
 *
 * Ranges (-p, -H, -k): X may span PAGES pages (-p), each holding the
 * generation, which every step remaps, unmaps or protects together; a
 * reader checks every one of them. The kernel then flushes a range of
 * PAGES entries (up to tlb_single_page_flush_ceiling, 33 by default; a
 * full flush above it). With -H the pages are 2 MiB huge pages of a
 * hugetlbfs memfd (free huge pages needed: vm.nr_hugepages), flushed with a
 * 2 MiB stride. With -k a guard mapping right after X keeps X's page table
 * alive, so munmap (and remap's implicit unmap) frees no page table and
 * the kernel flushes the range; without it, munmap frees X's page table and
 * the flush is a full one (freed_tables). A reader loads the state s (acquire), then reads X
 * (a SIGSEGV sends it back to its loop); a value v with 2 * v < s was read
 * through a translation the writer had already got rid of: a violation.
 * A correct read sees the page X maps at the time of the read or later,
 * whose generation is at least the one s names (and above it for an odd
 * s), so there are no false positives. Pages are reused round-robin, so a
 * stale entry older than NGENS generations (2 with -H) could go unnoticed.
 *
 * usage: stale-tlb [-m remap|mprotect|munmap] [-s SECONDS] [-n ITERATIONS]
 * (defaults: remap, 10 s, no iteration limit). Prints KTAP (kselftest.h),
 * a summary line "# stale-tlb: mode MODE: ..." and two results:
 *   ok 1 MODE: every reader checked every step
 *	(each reader saw the state of the last step within 30 s)
 *   ok 2 MODE: no read through a stale TLB entry
 *	(skipped when no reader ran)
 * exit 0 (KSFT_PASS): both passed; 1 (KSFT_FAIL): a result failed, or a
 * setup error ("Bail out!"), or a usage error; 4 (KSFT_SKIP, "1..0 # SKIP"):
 * fewer than 2 CPUs. Only the KTAP tells a failed check from an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"

#define NGENS		256	/* generations a stale entry is noticed for */
#define MAX_PAGES	64
#define ALIGN		(2L << 20)	/* X's alignment: a page table's span */
#define READY_TIMEOUT	30	/* seconds for the readers to start or catch up */

enum mode { REMAP, MPROTECT, MUNMAP };
static const char * const mode_names[] = { "remap", "mprotect", "munmap" };

struct reader {
	pthread_t thread;
	int cpu;
	/* Written by the reader only; the fields survive a siglongjmp. */
	unsigned long reads, faults, violations;
	unsigned long seen;		/* last state checked */
	unsigned long bad_state, bad_value;	/* first violation */
	long bad_page;				/* its page of X */
	char pad[64];		/* no false sharing between readers */
};

static enum mode mode;
static long page_size;		/* of X's pages: 4 KiB, or 2 MiB with -H */
static long npages = 1;		/* X's size, in pages (-p) */
static int huge, keep_table;	/* -H, -k */
static long ngens = NGENS;	/* generations the memfd holds */
static int memfd;
static unsigned long *gens;		/* writable mapping of the memfd */
static unsigned long *test_page;	/* X */
static long cur_page;			/* the first page of the memfd X maps */
static unsigned long state;
static int stop;

/* The generation word of page k of a mapping of the memfd. */
static unsigned long *gen_at(unsigned long *base, long k)
{
	return base + k * page_size / sizeof(*base);
}

static __thread sigjmp_buf fault_jmp;
static __thread int fault_armed;

static void on_segv(int sig)
{
	if (!fault_armed) {
		signal(sig, SIG_DFL);
		return;		/* the fault repeats and kills us */
	}
	siglongjmp(fault_jmp, 1);
}

static void *reader_thread(void *arg)
{
	struct reader *r = arg;
	int err = pin(r->cpu);

	if (err)
		ksft_exit_fail_msg("pinning a reader to cpu %d: %s\n", r->cpu, strerror(err));
	/* SA_NODEFER: the jump needs no signal mask restore. */
	if (sigsetjmp(fault_jmp, 0))
		__atomic_store_n(&r->faults, r->faults + 1, __ATOMIC_RELAXED);
	fault_armed = 1;
	while (!__atomic_load_n(&stop, __ATOMIC_RELAXED)) {
		unsigned long s, v;

		long k;

		s = __atomic_load_n(&state, __ATOMIC_ACQUIRE);
		for (k = 0; k < npages; k++) {
			v = __atomic_load_n(gen_at(test_page, k), __ATOMIC_RELAXED);
			if (2 * v >= s)
				continue;
			if (!r->violations) {
				__atomic_store_n(&r->bad_state, s, __ATOMIC_RELAXED);
				__atomic_store_n(&r->bad_value, v, __ATOMIC_RELAXED);
				__atomic_store_n(&r->bad_page, k, __ATOMIC_RELAXED);
			}
			__atomic_store_n(&r->violations, r->violations + 1,
					 __ATOMIC_RELAXED);
		}
		__atomic_store_n(&r->reads, r->reads + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&r->seen, s, __ATOMIC_RELEASE);
	}
	fault_armed = 0;
	return NULL;
}

static void publish(unsigned long s)
{
	__atomic_store_n(&state, s, __ATOMIC_RELEASE);
}

/* Fill the pages of generation g and map them at X. */
static void map_gen(unsigned long g, int flags)
{
	long k;

	cur_page = g % ngens * npages;
	for (k = 0; k < npages; k++)
		*gen_at(gens, cur_page + k) = g;
	if (mmap(test_page, npages * page_size, PROT_READ,
		 MAP_SHARED | MAP_POPULATE | flags, memfd,
		 cur_page * page_size) != test_page)
		ksft_exit_fail_msg("mmap of the test page: %s\n", strerror(errno));
}

/* One writer iteration: from generation g - 1 to generation g. */
static void step(unsigned long g)
{
	long k;

	switch (mode) {
	case REMAP:
		map_gen(g, MAP_FIXED);
		break;
	case MUNMAP:
		if (munmap(test_page, npages * page_size))
			ksft_exit_fail_msg("munmap: %s\n", strerror(errno));
		publish(2 * g - 1);
		map_gen(g, MAP_FIXED_NOREPLACE);
		break;
	case MPROTECT:
		if (mprotect(test_page, npages * page_size, PROT_NONE))
			ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
		publish(2 * g - 1);
		for (k = 0; k < npages; k++)
			__atomic_store_n(gen_at(gens, cur_page + k), g, __ATOMIC_RELAXED);
		if (mprotect(test_page, npages * page_size, PROT_READ))
			ksft_exit_fail_msg("mprotect: %s\n", strerror(errno));
		break;
	}
	publish(2 * g);
}

/* Wait until every reader has checked state s; 0 if they all did. */
static int wait_readers(struct reader *r, int n, unsigned long s, const char *why)
{
	double end = now() + READY_TIMEOUT;
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		while (__atomic_load_n(&r[i].seen, __ATOMIC_ACQUIRE) < s && now() < end)
			sched_yield();
		if (__atomic_load_n(&r[i].seen, __ATOMIC_ACQUIRE) < s) {
			ksft_print_msg("stale-tlb: reader on cpu %d %s\n", r[i].cpu, why);
			bad = 1;
		}
	}
	return bad;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: stale-tlb [-m remap|mprotect|munmap] [-s SECONDS] [-n MAX_ITERATIONS]\n"
		"                 [-p PAGES (1..%d)] [-H] [-k]\n", MAX_PAGES);
	exit(KSFT_FAIL);
}

int main(int argc, char **argv)
{
	unsigned long g, iters = 0, max_iters = 0, reads = 0, faults = 0, violations = 0;
	struct sigaction sa = { .sa_handler = on_segv, .sa_flags = SA_NODEFER };
	double secs = 10, end;
	struct reader *r;
	long nmemfd, span, keep;
	void *region;
	cpu_set_t cpus;
	int opt, i, n, cpu, writer_cpu = -1, ran, kept_up, err;
	char *e;

	while ((opt = getopt(argc, argv, "m:s:n:p:Hk")) != -1) {
		switch (opt) {
		case 'm':
			for (i = 0; i < 3 && strcmp(optarg, mode_names[i]); i++)
				;
			if (i == 3)
				bad_usage();
			mode = i;
			break;
		case 's':
			secs = strtod(optarg, &e);
			if (*e || secs <= 0)
				bad_usage();
			break;
		case 'n':
			max_iters = strtoul(optarg, &e, 0);
			if (*e || !*optarg)
				bad_usage();
			break;
		case 'p':
			npages = strtol(optarg, &e, 0);
			if (*e || npages < 1 || npages > MAX_PAGES)
				bad_usage();
			break;
		case 'H':
			huge = 1;
			break;
		case 'k':
			keep_table = 1;
			break;
		default:
			bad_usage();
		}
	}
	if (optind != argc)
		bad_usage();

	ksft_print_header();
	/* The online CPUs (unless we were started with a narrower mask). */
	if (sched_getaffinity(0, sizeof(cpus), &cpus))
		ksft_exit_fail_msg("sched_getaffinity: %s\n", strerror(errno));
	n = CPU_COUNT(&cpus) - 1;
	if (n < 1 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
		ksft_exit_skip("stale-tlb needs at least 2 CPUs, it may run on %d\n", n + 1);
	ksft_set_plan(2);
	r = calloc(n, sizeof(*r));
	if (!r)
		ksft_exit_fail_msg("calloc: %s\n", strerror(errno));
	for (cpu = 0, i = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &cpus))
			continue;
		if (writer_cpu < 0)
			writer_cpu = cpu;
		else
			r[i++].cpu = cpu;
	}

	page_size = huge ? 2L << 20 : sysconf(_SC_PAGESIZE);
	/*
	 * NGENS generations of X's pages; with huge pages, 2 generations
	 * only (NGENS of them would need 512 MiB a page of X): a stale
	 * entry older than that would read a newer generation, unnoticed.
	 */
	if (huge)
		ngens = 2;
	nmemfd = ngens * npages;
	memfd = memfd_create("stale-tlb", huge ? MFD_HUGETLB : 0);
	if (memfd < 0)
		ksft_exit_fail_msg("memfd_create: %s\n", strerror(errno));
	if (ftruncate(memfd, nmemfd * page_size))
		ksft_exit_fail_msg("ftruncate: %s\n", strerror(errno));
	gens = mmap(NULL, nmemfd * page_size, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, memfd, 0);
	if (gens == MAP_FAILED)
		ksft_exit_fail_msg("mmap of the memfd: %s (free huge pages?)\n",
				   strerror(errno));
	/*
	 * X starts a 2 MiB-aligned area (hugetlb needs that) in which it is
	 * the only mapping, with -k the guard page after it too: without -k,
	 * unmapping X frees its page table (unless another mapping lands in
	 * that area later, which nothing here makes). The reservation spans
	 * the whole area whatever the alignment, so that no mapping of before
	 * (the memfd's, right above it) shares X's page table.
	 */
	span = npages * page_size + page_size + ALIGN;
	region = mmap(NULL, span + ALIGN, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (region == MAP_FAILED)
		ksft_exit_fail_msg("mmap of the test region: %s\n", strerror(errno));
	test_page = (void *)(((unsigned long)region + ALIGN - 1) & ~(ALIGN - 1));
	keep = npages * page_size + (keep_table ? page_size : 0);
	if ((test_page != region && munmap(region, (char *)test_page - (char *)region)) ||
	    munmap((char *)test_page + keep, (char *)region + span + ALIGN -
		   ((char *)test_page + keep)))
		ksft_exit_fail_msg("munmap around the test region: %s\n", strerror(errno));
	g = 1;
	map_gen(g, MAP_FIXED);
	publish(2 * g);
	if (sigaction(SIGSEGV, &sa, NULL))
		ksft_exit_fail_msg("sigaction: %s\n", strerror(errno));

	err = pin(writer_cpu);
	if (err)
		ksft_exit_fail_msg("pinning the writer to cpu %d: %s\n", writer_cpu, strerror(err));
	for (i = 0; i < n; i++) {
		err = pthread_create(&r[i].thread, NULL, reader_thread, &r[i]);
		if (err)
			ksft_exit_fail_msg("pthread_create: %s\n", strerror(err));
	}
	/* Start the clock once every reader reads X. */
	ran = !wait_readers(r, n, 2 * g, "never ran");
	end = now() + secs;
	while (ran && (!max_iters || iters < max_iters) && now() < end) {
		step(++g);
		iters++;
	}
	/* Every reader has checked the last step too. */
	kept_up = ran && !wait_readers(r, n, 2 * g, "stalled");
	__atomic_store_n(&stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++)
		pthread_join(r[i].thread, NULL);

	for (i = 0; i < n; i++) {
		reads += r[i].reads;
		faults += r[i].faults;
		violations += r[i].violations;
	}
	ksft_print_msg("stale-tlb: mode %s: %ld %s page(s)%s: ", mode_names[mode],
		       npages, huge ? "2M" : "4K", keep_table ? ", page table kept" : "");
	printf("%lu iterations, %lu reads on %d readers, ", iters, reads, n);
	printf("%lu violations, %lu faults\n", violations, faults);
	for (i = 0; i < n; i++) {
		if (!r[i].violations)
			continue;
		ksft_print_msg("stale-tlb: reader on cpu %d: %lu violations, ",
			       r[i].cpu, r[i].violations);
		printf("first: read generation %lu on page %ld after generation %lu was %s\n",
		       r[i].bad_value, r[i].bad_page,
		       r[i].bad_state / 2,
		       r[i].bad_state & 1 ? (mode == MUNMAP ? "unmapped" : "protected") :
		       "mapped");
	}
	ksft_test_result(kept_up, "%s: every reader checked every step\n", mode_names[mode]);
	if (ran)
		ksft_test_result(!violations, "%s: no read through a stale TLB entry\n",
				 mode_names[mode]);
	else
		ksft_test_result_skip("%s: no read through a stale TLB entry (no reader ran)\n",
				      mode_names[mode]);
	ksft_finished();
}
