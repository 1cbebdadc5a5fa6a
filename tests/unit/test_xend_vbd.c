/* Xen's rule for sharing a disk between domains (xend/vbd_share.c), as its
 * block hotplug script applied it: a disk one domain writes is nobody
 * else's unless all who write it said "w!", and a domain never has one disk
 * writable twice. The refusal names both users and the way out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "xend.h"


static const struct vbd_identity image = { .dev = 2049, .ino = 131 };
static const struct vbd_identity other_image = { .dev = 2049, .ino = 132 };
static const struct vbd_identity lv = { .block = true, .dev = 0xfd01 };

static struct vbd_user user(uint32_t domid, const char *domain, const char *vdev, enum vbd_mode mode,
			    struct vbd_identity id)
{
	struct vbd_user u = { .id = id, .mode = mode, .domid = domid, .domain = domain };
	strcpy(u.vdev, vdev);
	return u;
}

static char err[512];

static int check(const struct vbd_user *want, const struct vbd_user *users, size_t n)
{
	err[0] = '\0';
	return vbd_share_check(want, "/srv/a.img", users, n, err, sizeof(err));
}

static void test_a_writer_has_the_disk_to_itself(void **state)
{
	(void)state;
	struct vbd_user web = user(1, "web", "xvda", VBD_READ, image);
	struct vbd_user db = user(2, "db", "xvdb", VBD_WRITE, image);
	assert_int_equal(check(&db, &web, 1), -1);
	assert_string_equal(err, "Disk /srv/a.img (xvdb) is already in use by domain web (id 1) in mode 'r'; "
				 "use 'r' on both to share it read-only, or 'w!' to force sharing");
	web.mode = VBD_WRITE;
	db.mode = VBD_READ; /* nor may another read what it writes */
	assert_int_equal(check(&db, &web, 1), -1);
	assert_string_equal(err, "Disk /srv/a.img (xvdb) is already in use by domain web (id 1) in mode 'w'; "
				 "use 'r' on both to share it read-only, or 'w!' to force sharing");
}

static void test_readers_share(void **state)
{
	(void)state;
	struct vbd_user users[] = { user(1, "web", "xvda", VBD_READ, image), user(2, "db", "xvda", VBD_READ, image) };
	struct vbd_user mail = user(3, "mail", "xvdc", VBD_READ, image);
	assert_int_equal(check(&mail, users, 2), 0);
}

static void test_w_bang_forces_sharing(void **state)
{
	(void)state;
	struct vbd_user web = user(1, "web", "xvda", VBD_WRITE, image);
	struct vbd_user db = user(2, "db", "xvdb", VBD_WRITE_SHARED, image);
	assert_int_equal(check(&db, &web, 1), 0);
	/* A writer with "w!" is still a writer to the next one who asks
	 * without it, as Xen's script reads "w!". */
	struct vbd_user mail = user(3, "mail", "xvdc", VBD_READ, image);
	assert_int_equal(check(&mail, &db, 1), -1);
	assert_non_null(strstr(err, "domain db (id 2) in mode 'w!'"));
}

static void test_other_disks_do_not_matter(void **state)
{
	(void)state;
	struct vbd_user users[] = { user(1, "web", "xvda", VBD_WRITE, other_image),
				    user(1, "web", "xvdb", VBD_WRITE, lv) };
	struct vbd_user db = user(2, "db", "xvda", VBD_WRITE, image);
	assert_int_equal(check(&db, users, 2), 0);
	/* A file whose st_dev and inode happen to read as a device number is
	 * no block device. */
	struct vbd_identity lookalike = { .dev = 0xfd01, .ino = 0 };
	db.id = lookalike;
	assert_int_equal(check(&db, users, 2), 0);
	db.id = lv;
	assert_int_equal(check(&db, users, 2), -1);
	assert_non_null(strstr(err, "(xvda) is already in use by domain web (id 1) in mode 'w'"));
}

static void test_a_domain_has_a_disk_writable_once(void **state)
{
	(void)state;
	struct vbd_user xvda = user(1, "web", "xvda", VBD_WRITE, image);
	struct vbd_user xvdb = user(1, "web", "xvdb", VBD_WRITE, image);
	assert_int_equal(check(&xvdb, &xvda, 1), -1);
	assert_string_equal(err, "Disk /srv/a.img (xvdb) is already attached to domain web (id 1) as xvda in mode "
				 "'w'; a domain may have a disk writable only once");
	xvdb.mode = VBD_WRITE_SHARED; /* "w!" shares with others, not with itself */
	assert_int_equal(check(&xvdb, &xvda, 1), -1);
	xvdb.mode = VBD_READ;
	assert_int_equal(check(&xvdb, &xvda, 1), 0);
	xvda.mode = VBD_READ;
	assert_int_equal(check(&xvdb, &xvda, 1), 0);
}

static void test_nobody_holds_it(void **state)
{
	(void)state;
	struct vbd_user web = user(1, "web", "xvda", VBD_WRITE, image);
	assert_int_equal(check(&web, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_writer_has_the_disk_to_itself),
		cmocka_unit_test(test_readers_share),
		cmocka_unit_test(test_w_bang_forces_sharing),
		cmocka_unit_test(test_other_disks_do_not_matter),
		cmocka_unit_test(test_a_domain_has_a_disk_writable_once),
		cmocka_unit_test(test_nobody_holds_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
