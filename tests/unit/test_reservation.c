/* The balloon's side in the VMM: frames a guest gives back leave the host
 * at once and are counted; frames it takes back are counted against its
 * maximum; anything that is not RAM the guest holds is refused, and a
 * list of extents stops at the first that cannot be done. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "abi/reservation.h"
#include "guest_memory.h"

#define RAM (16ull << 20)
#define FRAMES (RAM >> PAGE_SHIFT)

static struct guest_memory mem;

static int setup(void **state)
{
	(void)state;
	return guest_memory_create(&mem, RAM);
}

static int teardown(void **state)
{
	(void)state;
	guest_memory_destroy(&mem);
	return 0;
}

static uint64_t populated(void)
{
	uint64_t p, max;
	guest_memory_reservation(&mem, &p, &max);
	return p;
}

/* Bytes of the memfd the host holds. */
static uint64_t resident(void)
{
	struct stat st;
	assert_int_equal(fstat(mem.fd, &st), 0);
	return (uint64_t)st.st_blocks * 512;
}

static void test_a_new_domain_holds_all_its_ram(void **state)
{
	(void)state;
	uint64_t p, max;
	guest_memory_reservation(&mem, &p, &max);
	assert_int_equal(p, FRAMES);
	assert_int_equal(max, FRAMES);
}

static void test_a_frame_given_back_leaves_the_host(void **state)
{
	(void)state;
	uint8_t *page = guest_phys(&mem, 0x200000, PAGE_SIZE);
	memset(page, 0xa5, 64 * PAGE_SIZE); /* the guest used 64 frames */
	uint64_t before = resident();
	assert_true(before >= 64 * PAGE_SIZE);

	for (uint64_t gfn = 0x200; gfn < 0x240; gfn++)
		assert_int_equal(guest_memory_give_back(&mem, gfn, 0), 0);
	assert_int_equal(populated(), FRAMES - 64);
	assert_int_equal(resident(), before - 64 * PAGE_SIZE);
	/* A guest that touches one again finds it zeroed, not its old data. */
	assert_int_equal(page[0], 0);
}

static void test_a_frame_is_given_back_once(void **state)
{
	(void)state;
	assert_int_equal(guest_memory_give_back(&mem, 0x300, 0), 0);
	assert_int_equal(guest_memory_give_back(&mem, 0x300, 0), -EINVAL);
	assert_int_equal(populated(), FRAMES - 1);
}

static void test_only_ram_is_given_back(void **state)
{
	(void)state;
	assert_int_equal(guest_memory_give_back(&mem, FRAMES, 0), -EINVAL);           /* past RAM */
	assert_int_equal(guest_memory_give_back(&mem, SPECIAL_PFN(SPECIAL_XENSTORE), 0), -EINVAL);
	assert_int_equal(guest_memory_give_back(&mem, HIGH_RAM_START >> PAGE_SHIFT, 0), -EINVAL);
	assert_int_equal(guest_memory_give_back(&mem, UINT64_MAX, 0), -EINVAL);
	assert_int_equal(populated(), FRAMES);
}

static void test_an_extent_is_aligned_and_at_most_2_mib(void **state)
{
	(void)state;
	assert_int_equal(guest_memory_give_back(&mem, 0x401, 1), -EINVAL);
	assert_int_equal(guest_memory_give_back(&mem, 0x800, 10), -EINVAL);
	assert_int_equal(guest_memory_give_back(&mem, 0x800, 9), 0);
	assert_int_equal(populated(), FRAMES - 512);
	/* Taken back whole, and a frame half of it given back refuses the
	 * extent: nothing of it changes. */
	assert_int_equal(guest_memory_take_back(&mem, 0x800, 9), 0);
	assert_int_equal(guest_memory_give_back(&mem, 0x801, 0), 0);
	assert_int_equal(guest_memory_give_back(&mem, 0x800, 1), -EINVAL);
	assert_int_equal(populated(), FRAMES - 1);
}

static void test_taking_back_counts_against_the_maximum(void **state)
{
	(void)state;
	for (uint64_t gfn = 0x100; gfn < 0x110; gfn++)
		assert_int_equal(guest_memory_give_back(&mem, gfn, 0), 0);
	/* mem-max below what it holds: it may give, not take. */
	guest_memory_set_max(&mem, FRAMES - 20);
	assert_int_equal(guest_memory_take_back(&mem, 0x100, 0), -ENOMEM);
	for (uint64_t gfn = 0x110; gfn < 0x114; gfn++)
		assert_int_equal(guest_memory_give_back(&mem, gfn, 0), 0);
	assert_int_equal(populated(), FRAMES - 20);
	assert_int_equal(guest_memory_take_back(&mem, 0x100, 0), -ENOMEM);
	guest_memory_set_max(&mem, FRAMES - 18);
	assert_int_equal(guest_memory_take_back(&mem, 0x100, 0), 0);
	assert_int_equal(guest_memory_take_back(&mem, 0x101, 0), 0);
	assert_int_equal(guest_memory_take_back(&mem, 0x102, 0), -ENOMEM);
	/* A frame it still holds costs nothing, even at the maximum. */
	assert_int_equal(guest_memory_take_back(&mem, 0x500, 0), 0);
	assert_int_equal(populated(), FRAMES - 18);
}

static void test_only_ram_is_taken_back(void **state)
{
	(void)state;
	assert_int_equal(guest_memory_take_back(&mem, FRAMES, 0), -EINVAL);
	assert_int_equal(guest_memory_take_back(&mem, SPECIAL_PFN(SPECIAL_CONSOLE), 0), -EINVAL);
}

static void test_a_list_stops_at_the_first_it_cannot_do(void **state)
{
	(void)state;
	const xen_pfn_t give[] = { 0x10, 0x11, 0x10, 0x12 };
	assert_int_equal(reservation_apply(&mem, XENMEM_decrease_reservation, 0, give, 4), 2);
	assert_int_equal(populated(), FRAMES - 2);

	/* Taking back stops where the maximum is reached: that many done. */
	const xen_pfn_t more[] = { 0x20, 0x21, 0x22 };
	assert_int_equal(reservation_apply(&mem, XENMEM_decrease_reservation, 0, more, 3), 3);
	guest_memory_set_max(&mem, FRAMES - 3);
	const xen_pfn_t take[] = { 0x10, 0x11, 0x20, 0x21, 0x22 };
	assert_int_equal(reservation_apply(&mem, XENMEM_populate_physmap, 0, take, 5), 2);
	assert_int_equal(populated(), FRAMES - 3);
}

/* Hypercalls come on every vCPU's thread at once. */
#define THREADS 4
#define PER_THREAD 256

static void *give_and_take(void *arg)
{
	uint64_t base = 0x400 + (uint64_t)(uintptr_t)arg * PER_THREAD;
	for (int round = 0; round < 4; round++) {
		for (uint64_t i = 0; i < PER_THREAD; i++)
			if (guest_memory_give_back(&mem, base + i, 0) < 0)
				return (void *)1;
		for (uint64_t i = 0; i < PER_THREAD / 2; i++)
			if (guest_memory_take_back(&mem, base + i, 0) < 0)
				return (void *)1;
		for (uint64_t i = 0; i < PER_THREAD / 2; i++)
			if (guest_memory_give_back(&mem, base + i, 0) < 0)
				return (void *)1;
		for (uint64_t i = 0; i < PER_THREAD; i++)
			if (guest_memory_take_back(&mem, base + i, 0) < 0)
				return (void *)1;
	}
	return NULL;
}

static void test_vcpus_balloon_at_once(void **state)
{
	(void)state;
	pthread_t t[THREADS];
	for (uintptr_t i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, give_and_take, (void *)i), 0);
	for (int i = 0; i < THREADS; i++) {
		void *failed;
		pthread_join(t[i], &failed);
		assert_null(failed);
	}
	assert_int_equal(populated(), FRAMES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_new_domain_holds_all_its_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_frame_given_back_leaves_the_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_frame_is_given_back_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_ram_is_given_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_an_extent_is_aligned_and_at_most_2_mib, setup, teardown),
		cmocka_unit_test_setup_teardown(test_taking_back_counts_against_the_maximum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_ram_is_taken_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_list_stops_at_the_first_it_cannot_do, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpus_balloon_at_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
