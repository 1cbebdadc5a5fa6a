/* Grants as a backend in the VMM uses them: an entry the guest filled is
 * checked (granted to us, writable if we write, a frame of its RAM) and
 * pinned with GTF_reading / GTF_writing while mapped, as Xen pins it, so the
 * guest cannot end the grant under the backend. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "abi/gnttab.h"
#include "abi/xen_public.h"
#include "guest_memory.h"

#define RAM (16ull << 20)

static struct guest_memory mem;
static struct gnttab table;

static int setup(void **state)
{
	(void)state;
	memset(&table, 0, sizeof(table));
	pthread_mutex_init(&table.pin_lock, NULL);
	table.nr_frames = 1; /* the guest placed frame 0 */
	return guest_memory_create(&mem, RAM);
}

static int teardown(void **state)
{
	(void)state;
	gnttab_destroy(&table);
	guest_memory_destroy(&mem);
	return 0;
}

static grant_entry_v1_t *grant(uint32_t ref, uint16_t flags, uint16_t domid, uint32_t frame)
{
	grant_entry_v1_t *e = (grant_entry_v1_t *)mem.xen_frames + ref;
	e->domid = domid;
	e->frame = frame;
	e->flags = flags;
	return e;
}

static void test_a_writable_grant_is_mapped_and_pinned(void **state)
{
	(void)state;
	grant_entry_v1_t *e = grant(8, GTF_permit_access, 0, 0x123);
	void *page;
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 8, true, &page), GNTST_okay);
	assert_ptr_equal(page, guest_phys(&mem, 0x123000, PAGE_SIZE));
	assert_true(e->flags & GTF_writing);
	/* Mapped twice, it stays pinned until both end. */
	void *again;
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 8, true, &again), GNTST_okay);
	gnttab_unmap_grant(&table, &mem, 8, true);
	assert_true(e->flags & GTF_writing);
	gnttab_unmap_grant(&table, &mem, 8, true);
	assert_int_equal(e->flags, GTF_permit_access);
}

static void test_a_read_only_grant_is_read_only(void **state)
{
	(void)state;
	grant_entry_v1_t *e = grant(9, GTF_permit_access | GTF_readonly, 0, 0x200);
	void *page;
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 9, true, &page), GNTST_permission_denied);
	assert_null(page);
	assert_false(e->flags & GTF_writing);
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 9, false, &page), GNTST_okay);
	assert_true(e->flags & GTF_reading);
	gnttab_unmap_grant(&table, &mem, 9, false);
	assert_false(e->flags & GTF_reading);
}

static void test_what_is_not_granted_to_us_is_refused(void **state)
{
	(void)state;
	void *page;
	grant(1, GTF_permit_access, 7, 0x100); /* another domain's */
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 1, false, &page), GNTST_general_error);
	grant(2, 0, 0, 0x100); /* ended */
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 2, false, &page), GNTST_general_error);
	grant(3, GTF_accept_transfer, 0, 0x100); /* not an access grant */
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 3, false, &page), GNTST_general_error);
	/* Past the frames the guest placed. */
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, GNTTAB_ENTRIES_PER_FRAME, false, &page),
			 GNTST_bad_gntref);
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, UINT32_MAX, false, &page), GNTST_bad_gntref);
	assert_null(page);
}

static void test_only_the_guests_ram_may_be_granted(void **state)
{
	(void)state;
	void *page;
	grant_entry_v1_t *e = grant(4, GTF_permit_access, 0, 0xfffffff); /* far beyond RAM */
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 4, true, &page), GNTST_bad_page);
	assert_int_equal(e->flags, GTF_permit_access); /* nothing left pinned */
	grant(5, GTF_permit_access, 0, (uint32_t)(SPECIAL_BASE >> PAGE_SHIFT)); /* our XenStore page */
	assert_int_equal(gnttab_map_grant(&table, &mem, 0, 5, true, &page), GNTST_bad_page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_writable_grant_is_mapped_and_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_read_only_grant_is_read_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_what_is_not_granted_to_us_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_the_guests_ram_may_be_granted, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
