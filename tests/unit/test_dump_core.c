/* xm dump-core's file: an ELF64 core of a fake guest (a guest_memory memfd
 * with a few pages written, and made-up vCPU registers), read back field by
 * field and by binutils' readelf, as gdb and crash would read it. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <unistd.h>

#include <cmocka.h>

#include "dump_core.h"
/* <sys/user.h> has its own (equal) page size. */
#undef PAGE_SHIFT
#undef PAGE_SIZE
#include "guest_memory.h"

#define RAM (16ull << 20)
#define HALF (RAM / 2)

static struct guest_memory mem;
static char path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_dump_core.XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return guest_memory_create(&mem, RAM);
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	guest_memory_destroy(&mem);
	return 0;
}

static void fake_vcpus(struct dump_core_vcpu *v, size_t n)
{
	memset(v, 0, n * sizeof(*v));
	for (size_t i = 0; i < n; i++) {
		v[i].regs.rip = 0xffffffff81000000ull + i;
		v[i].regs.rsp = 0xffffc90000000000ull + 0x1000 * i;
		v[i].regs.rax = 0xa0 + i;
		v[i].regs.r15 = 0xf0 + i;
		v[i].regs.rflags = 0x202;
		v[i].sregs.cs.selector = 0x10;
		v[i].sregs.ss.selector = 0x18;
		v[i].sregs.gs.base = 0xffff888000000000ull + i;
	}
}

/* Writes the core of `regions` and `nvcpus` vCPUs to `path`. */
static int write_core(const struct dump_core_region *regions, size_t n, size_t nvcpus)
{
	struct dump_core_vcpu vcpus[4];
	fake_vcpus(vcpus, nvcpus);
	int fd = open(path, O_RDWR | O_TRUNC);
	assert_true(fd >= 0);
	int err = dump_core_write(fd, regions, n, vcpus, nvcpus);
	close(fd);
	return err;
}

static uint8_t *read_file(size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	uint8_t *buf = malloc(*len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, *len, f), *len);
	fclose(f);
	return buf;
}

/* The low 8 MiB at 0 and the high 8 MiB at 4 GiB, as a guest of more than
 * 3 GiB has them (smaller here). */
static size_t two_regions(struct dump_core_region r[2])
{
	r[0] = (struct dump_core_region){ .gpa = 0, .size = HALF, .fd = mem.fd, .offset = 0 };
	r[1] = (struct dump_core_region){ .gpa = HIGH_RAM_START, .size = HALF, .fd = mem.fd, .offset = HALF };
	return 2;
}

static void core_has_headers_notes_and_memory(void **state)
{
	(void)state;
	memcpy(mem.ram + 0x5000, "low page", 9);
	memcpy(mem.ram + HALF + 0x3000, "high page", 10);
	mem.ram[RAM - 1] = 0x5a;
	struct dump_core_region r[2];
	size_t n = two_regions(r);
	assert_int_equal(write_core(r, n, 2), 0);

	size_t len;
	uint8_t *f = read_file(&len);
	assert_int_equal(len, dump_core_size(r, n, 2));
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	assert_memory_equal(eh->e_ident, ELFMAG, SELFMAG);
	assert_int_equal(eh->e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh->e_type, ET_CORE);
	assert_int_equal(eh->e_machine, EM_X86_64);
	assert_int_equal(eh->e_phnum, 3);

	Elf64_Phdr *ph = (Elf64_Phdr *)(f + eh->e_phoff);
	assert_int_equal(ph[0].p_type, PT_NOTE);
	uint64_t total = 0;
	for (int i = 1; i < 3; i++) {
		assert_int_equal(ph[i].p_type, PT_LOAD);
		assert_int_equal(ph[i].p_vaddr, 0);
		assert_int_equal(ph[i].p_filesz, HALF);
		assert_int_equal(ph[i].p_memsz, HALF);
		assert_int_equal(ph[i].p_offset % 4096, 0);
		assert_true(ph[i].p_offset + ph[i].p_filesz <= len);
		total += ph[i].p_memsz;
	}
	assert_int_equal(total, RAM);
	assert_int_equal(ph[1].p_paddr, 0);
	assert_int_equal(ph[2].p_paddr, HIGH_RAM_START);
	/* The guest's bytes where its physical addresses say. */
	assert_string_equal((char *)f + ph[1].p_offset + 0x5000, "low page");
	assert_string_equal((char *)f + ph[2].p_offset + 0x3000, "high page");
	assert_int_equal(f[ph[2].p_offset + HALF - 1], 0x5a);
	assert_int_equal(f[ph[1].p_offset + 0x6000], 0);

	/* One NT_PRSTATUS per vCPU, its registers where Linux puts them. */
	uint8_t *p = f + ph[0].p_offset, *end = p + ph[0].p_filesz;
	unsigned notes = 0;
	while (p < end) {
		Elf64_Nhdr *nh = (Elf64_Nhdr *)p;
		assert_int_equal(nh->n_type, NT_PRSTATUS);
		assert_string_equal((char *)(nh + 1), "CORE");
		assert_int_equal(nh->n_descsz, sizeof(struct elf_prstatus));
		struct elf_prstatus s;
		memcpy(&s, p + sizeof(*nh) + ((nh->n_namesz + 3) & ~3u), sizeof(s));
		struct user_regs_struct u;
		memcpy(&u, &s.pr_reg, sizeof(u));
		assert_int_equal(s.pr_pid, notes + 1);
		assert_int_equal(u.rip, 0xffffffff81000000ull + notes);
		assert_int_equal(u.rsp, 0xffffc90000000000ull + 0x1000 * notes);
		assert_int_equal(u.rax, 0xa0 + notes);
		assert_int_equal(u.r15, 0xf0 + notes);
		assert_int_equal(u.eflags, 0x202);
		assert_int_equal(u.cs, 0x10);
		assert_int_equal(u.ss, 0x18);
		assert_int_equal(u.gs_base, 0xffff888000000000ull + notes);
		p += sizeof(*nh) + ((nh->n_namesz + 3) & ~3u) + ((nh->n_descsz + 3) & ~3u);
		notes++;
	}
	assert_int_equal(notes, 2);
	free(f);
}

/* What the guest never touched costs the file nothing. */
static void untouched_memory_is_a_hole(void **state)
{
	(void)state;
	memcpy(mem.ram + 0x1000, "x", 1);
	struct dump_core_region r = { .gpa = 0, .size = RAM, .fd = mem.fd, .offset = 0 };
	assert_int_equal(write_core(&r, 1, 1), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((uint64_t)st.st_size, dump_core_size(&r, 1, 1));
	assert_true((uint64_t)st.st_blocks * 512 < RAM / 4);
}

/* Runs `readelf ARGS path`; its output (malloc'd) and exit status. */
static char *readelf(const char *args, int *status)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "readelf %s %s 2>&1", args, path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	size_t n;
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (len + 1 == cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
	}
	out[len] = '\0';
	*status = pclose(p);
	return out;
}

static unsigned count(const char *text, const char *word)
{
	unsigned n = 0;
	for (const char *p = text; (p = strstr(p, word)); p += strlen(word))
		n++;
	return n;
}

static void readelf_accepts_it(void **state)
{
	(void)state;
	struct dump_core_region r[2];
	size_t n = two_regions(r);
	assert_int_equal(write_core(r, n, 3), 0);
	int status;
	char *all = readelf("-a", &status);
	if (status != 0 || strstr(all, "Warning") || strstr(all, "Error"))
		fail_msg("readelf -a complains (status %d):\n%s", status, all);
	assert_non_null(strstr(all, "CORE (Core file)"));
	assert_int_equal(count(all, "LOAD"), 2);
	free(all);
	char *notes = readelf("-n", &status);
	assert_int_equal(status, 0);
	assert_int_equal(count(notes, "NT_PRSTATUS"), 3);
	free(notes);
}

/* A full disk is an error the caller hears of. */
static void a_full_disk_is_an_error(void **state)
{
	(void)state;
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		skip();
	struct dump_core_vcpu v;
	fake_vcpus(&v, 1);
	struct dump_core_region r = { .gpa = 0, .size = RAM, .fd = mem.fd, .offset = 0 };
	int err = dump_core_write(fd, &r, 1, &v, 1);
	close(fd);
	assert_int_equal(err, -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(core_has_headers_notes_and_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(untouched_memory_is_a_hole, setup, teardown),
		cmocka_unit_test_setup_teardown(readelf_accepts_it, setup, teardown),
		cmocka_unit_test_setup_teardown(a_full_disk_is_an_error, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
