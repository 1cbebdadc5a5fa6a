/* What xm prints of virtual block devices (xm/block.c): block-list byte for
 * byte as Xen 3.x's xm printed it (scripts parse it), and the disks of xm
 * list --long with their statistics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "block.h"

/* Two disks as xend's block-list gives them: one the guest has connected,
 * one it has not touched yet. */
static const char *const two_devices =
	"[{\"devid\": 51712, \"backend_id\": 0, \"handle\": 0, \"state\": 4, \"event_channel\": 7,"
	"  \"ring_ref\": 8, \"backend_path\": \"/local/domain/0/backend/vbd/1/51712\", \"protocol\": \"x86_64-abi\","
	"  \"device_type\": \"disk\", \"vdev\": \"xvda\", \"mode\": \"w\", \"params\": \"/srv/a.img\"},"
	" {\"devid\": 5632, \"backend_id\": 0, \"handle\": 0, \"state\": 1, \"event_channel\": -1,"
	"  \"ring_ref\": -1, \"backend_path\": \"/local/domain/0/backend/vbd/1/5632\", \"device_type\": \"cdrom\"}]";

static void test_block_list_is_xens_table(void **state)
{
	(void)state;
	json_t *devices = json(two_devices);
	FILE *f = capture();
	xm_block_list_print(f, devices, false);
	fclose(f);
	assert_string_equal(output, "Vdev  BE handle state evt-ch ring-ref BE-path\n"
				    "51712    0   0     4   7   8     /local/domain/0/backend/vbd/1/51712  \n"
				    "5632    0   0     1   -1  -1    /local/domain/0/backend/vbd/1/5632  \n");
	json_decref(devices);
}

static void test_narrow_numbers_fill_their_fields(void **state)
{
	(void)state;
	json_t *devices = json("[{\"devid\": 1, \"backend_id\": 0, \"handle\": 0, \"state\": 6, \"event_channel\": 12,"
			       "  \"ring_ref\": 9}]");
	FILE *f = capture();
	xm_block_list_print(f, devices, false);
	fclose(f);
	/* No backend path: Python's '??'. */
	assert_string_equal(output, "Vdev  BE handle state evt-ch ring-ref BE-path\n"
				    "1      0   0     6   12  9     ??                              \n");
	json_decref(devices);
}

static void test_no_devices_print_nothing(void **state)
{
	(void)state;
	json_t *none = json("[]");
	FILE *f = capture();
	xm_block_list_print(f, none, false);
	xm_block_list_print(f, none, true);
	fclose(f);
	assert_string_equal(output, "");
	json_decref(none);
}

static void test_block_list_long_is_the_frontends_sxp(void **state)
{
	(void)state;
	json_t *devices = json(two_devices);
	FILE *f = capture();
	xm_block_list_print(f, devices, true);
	fclose(f);
	assert_string_equal(output,
			    "(51712 ((backend-id 0) (virtual-device 51712) (device-type disk) (state 4) "
			    "(backend /local/domain/0/backend/vbd/1/51712) (ring-ref 8) (event-channel 7) "
			    "(protocol x86_64-abi)))\n"
			    /* what the guest has not written is not there */
			    "(5632 ((backend-id 0) (virtual-device 5632) (device-type cdrom) (state 1) "
			    "(backend /local/domain/0/backend/vbd/1/5632)))\n");
	json_decref(devices);
}

static void test_list_long_shows_each_disks_statistics(void **state)
{
	(void)state;
	json_t *vbds = json("[{\"devid\": 51728, \"vdev\": \"xvdb\", \"rd_req\": 10, \"wr_req\": 3, \"oo_req\": 0,"
			    "  \"f_req\": 1, \"ds_req\": 2, \"rd_sect\": 80, \"wr_sect\": 24, \"errors\": 0}]");
	FILE *f = capture();
	xm_vbd_sxp_print(f, "phy:/dev/vg0/db,xvdb,w", vbds);
	fputc('\n', f);
	/* A disk the VMM has no figures for keeps the plain line. */
	xm_vbd_sxp_print(f, "file:/srv/a.img,xvda,w", vbds);
	fputc('\n', f);
	xm_vbd_sxp_print(f, "file:/srv/a.img,xvda,w", NULL);
	fclose(f);
	assert_string_equal(output, "(device (vbd (uname 'phy:/dev/vg0/db,xvdb,w') (dev xvdb) (rd_req 10) (wr_req 3) "
				    "(rd_sect 80) (wr_sect 24) (oo_req 0) (f_req 1) (ds_req 2) (errors 0)))\n"
				    "(device (vbd (uname 'file:/srv/a.img,xvda,w')))\n"
				    "(device (vbd (uname 'file:/srv/a.img,xvda,w')))");
	json_decref(vbds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_list_is_xens_table),
		cmocka_unit_test(test_narrow_numbers_fill_their_fields),
		cmocka_unit_test(test_no_devices_print_nothing),
		cmocka_unit_test(test_block_list_long_is_the_frontends_sxp),
		cmocka_unit_test(test_list_long_shows_each_disks_statistics),
	};
	return cmocka_run_group_tests(tests, NULL, capture_teardown);
}
