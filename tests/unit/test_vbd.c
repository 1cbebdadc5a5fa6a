/* disk = [...] entries as the books write them, and Xen's vbd numbers for
 * the device names guests see (docs/misc/vbd-interface.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vbd.h"

static uint32_t number(const char *vdev)
{
	uint32_t n = 0;
	assert_int_equal(vbd_number(vdev, &n), 0);
	return n;
}

static void test_xen_numbers_its_devices(void **state)
{
	(void)state;
	assert_int_equal(number("xvda"), 51712);     /* 202 << 8 */
	assert_int_equal(number("xvda1"), 51713);
	assert_int_equal(number("xvdb"), 51728);
	assert_int_equal(number("xvdp15"), 202 << 8 | 15 << 4 | 15);
	assert_int_equal(number("xvdq"), 1 << 28 | 16 << 8);     /* the 17th disk: extended */
	assert_int_equal(number("xvda16"), 1 << 28 | 16);         /* partition 16: extended */
	assert_int_equal(number("xvdaa"), 1 << 28 | 26 << 8);     /* after z comes aa */
	assert_int_equal(number("hda"), 768);                     /* 3 << 8 */
	assert_int_equal(number("hdb2"), 3 << 8 | 1 << 6 | 2);
	assert_int_equal(number("hdc"), 5632);                    /* 22 << 8 */
	assert_int_equal(number("hdd63"), 22 << 8 | 1 << 6 | 63);
	assert_int_equal(number("sda"), 2048);                    /* 8 << 8 */
	assert_int_equal(number("sdb3"), 8 << 8 | 1 << 4 | 3);
	assert_int_equal(number("sdq"), 1 << 28 | 16 << 8);
	assert_int_equal(number("d0p1"), 51713);
	assert_int_equal(number("d20"), 1 << 28 | 20 << 8);
	assert_int_equal(number("51712"), 51712);
}

static void test_names_xen_does_not_know_are_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "", "xvd", "xvdA", "xvda0", "xvda01", "xvda1x", "hde", "hda64",
					   "vda", "sd", "0", "d", "dxp1", "d1p", "xvdaaaaa", "xvda1000" };
	uint32_t n;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (vbd_number(bad[i], &n) == 0)
			fail_msg("'%s' was taken as vbd %u", bad[i], n);
}

static void test_the_books_disk_lines(void **state)
{
	(void)state;
	struct vbd_spec s;
	char err[256];
	assert_int_equal(vbd_parse("file:/srv/xen/web.img,xvda1,w", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, VBD_FILE);
	assert_string_equal(s.target, "/srv/xen/web.img");
	assert_string_equal(s.vdev, "xvda1");
	assert_int_equal(s.number, 51713);
	assert_int_equal(s.mode, VBD_WRITE);
	assert_false(s.cdrom);
	vbd_spec_free(&s);

	assert_int_equal(vbd_parse("phy:vg0/web-root, sda1, r", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, VBD_PHY);
	assert_string_equal(s.target, "/dev/vg0/web-root"); /* relative names are under /dev */
	assert_int_equal(s.mode, VBD_READ);
	vbd_spec_free(&s);

	assert_int_equal(vbd_parse("tap:aio:/srv/a.img,xvdb,w!", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, VBD_FILE);
	assert_int_equal(s.mode, VBD_WRITE_SHARED);
	vbd_spec_free(&s);

	assert_int_equal(vbd_parse("tap:qcow2:/srv/b.qcow2,xvdc,w", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, VBD_QCOW2);
	vbd_spec_free(&s);

	assert_int_equal(vbd_parse("file:/srv/debian.iso,hdc:cdrom,r", &s, err, sizeof(err)), 0);
	assert_true(s.cdrom);
	assert_int_equal(s.number, 5632);
	vbd_spec_free(&s);

	/* An NBD URI may hold commas: the device and mode are the last two fields. */
	assert_int_equal(vbd_parse("nbd:nbd://10.0.0.2:10809/web?tls=off,x=1,xvdd,w", &s, err, sizeof(err)), 0);
	assert_int_equal(s.kind, VBD_NBD);
	assert_string_equal(s.target, "nbd://10.0.0.2:10809/web?tls=off,x=1");
	vbd_spec_free(&s);

	assert_int_equal(vbd_parse("/srv/plain.img,xvde,w", &s, err, sizeof(err)), 0); /* xl's bare path */
	assert_int_equal(s.kind, VBD_FILE);
	vbd_spec_free(&s);
}

static void test_bad_disk_lines_say_what_is_wrong(void **state)
{
	(void)state;
	static const struct { const char *entry, *says; } bad[] = {
		{ "file:/srv/a.img,xvda", "not TARGET,DEVICE,MODE" },
		{ "file:/srv/a.img,xvda,x", "mode 'x' is none of r, w and w!" },
		{ "file:/srv/a.img,vda,w", "'vda' is not a device name Xen knows" },
		{ "file:/srv/a.iso,hdc:cdrom,w", "a cdrom is read-only" },
		{ "file:/srv/a.img,xvda:floppy,w", "device type 'floppy'" },
		{ "tap:vhd:/srv/a.vhd,xvda,w", "only tap:aio: (raw) and tap:qcow2:" },
		{ "iscsi:target,xvda,w", "unknown kind of disk" },
		{ "file:relative.img,xvda,w", "must be absolute" },
		{ "phy:,xvda,w", "names no path" },
		{ "nbd:,xvda,w", "names no server" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vbd_spec s;
		char err[256] = "";
		if (vbd_parse(bad[i].entry, &s, err, sizeof(err)) == 0)
			fail_msg("'%s' was accepted", bad[i].entry);
		if (!strstr(err, bad[i].says))
			fail_msg("'%s': the error '%s' does not say '%s'", bad[i].entry, err, bad[i].says);
		assert_null(s.target); /* nothing left behind */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xen_numbers_its_devices),
		cmocka_unit_test(test_names_xen_does_not_know_are_refused),
		cmocka_unit_test(test_the_books_disk_lines),
		cmocka_unit_test(test_bad_disk_lines_say_what_is_wrong),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
