/* The boot path's parsers and builders, on memory we make up: what the VMM
 * does with a kernel file, a guest's page tables and the ACPI tables. */
#include <elf.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "abi/guest_access.h"
#include "abi/xen_public.h"
#include "boot/acpi.h"
#include "boot/kernel.h"
#include "guest_memory.h"

#define RAM (16u << 20)

static struct guest_memory mem;

static int setup_memory(void **state)
{
	return guest_memory_create(&mem, RAM);
}

static int teardown_memory(void **state)
{
	guest_memory_destroy(&mem);
	return 0;
}

static uint8_t sum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (len--)
		s += *b++;
	return s;
}

/* --- ACPI ------------------------------------------------------------- */

static const uint8_t *table_at(const uint8_t *page, uint64_t base, uint64_t gpa)
{
	assert_in_range(gpa, base, base + 4095);
	return page + (gpa - base);
}

static void acpi_tables_are_well_formed(void **state)
{
	static uint8_t page[4096];
	const uint64_t base = 0xE0000;
	uint64_t rsdp_gpa = acpi_build(page, base, 3);
	const uint8_t *rsdp = table_at(page, base, rsdp_gpa);

	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(sum(rsdp, 36), 0);

	uint64_t xsdt_gpa;
	memcpy(&xsdt_gpa, rsdp + 24, 8);
	const uint8_t *xsdt = table_at(page, base, xsdt_gpa);
	uint32_t xsdt_len;
	memcpy(&xsdt_len, xsdt + 4, 4);
	assert_memory_equal(xsdt, "XSDT", 4);
	assert_int_equal(sum(xsdt, xsdt_len), 0);
	assert_int_equal((xsdt_len - 36) / 8, 2);

	bool saw_madt = false, saw_fadt = false;
	for (unsigned i = 0; i < 2; i++) {
		uint64_t gpa;
		memcpy(&gpa, xsdt + 36 + 8 * i, 8);
		const uint8_t *t = table_at(page, base, gpa);
		uint32_t len;
		memcpy(&len, t + 4, 4);
		assert_int_equal(sum(t, len), 0);
		if (memcmp(t, "APIC", 4) == 0) {
			saw_madt = true;
			/* Header, LAPIC address and flags, then 8-byte LAPIC entries. */
			assert_int_equal((len - 44) / 8, 3);
			for (unsigned cpu = 0; cpu < 3; cpu++) {
				const uint8_t *e = t + 44 + 8 * cpu;
				assert_int_equal(e[0], 0);   /* processor local APIC */
				assert_int_equal(e[3], cpu); /* its APIC ID */
				assert_int_equal(e[4] & 1, 1); /* enabled */
			}
		} else if (memcmp(t, "FACP", 4) == 0) {
			saw_fadt = true;
			uint32_t flags;
			memcpy(&flags, t + 112, 4);
			assert_true(flags & (1u << 20)); /* hardware-reduced */
			uint64_t dsdt_gpa;
			memcpy(&dsdt_gpa, t + 140, 8);
			const uint8_t *dsdt = table_at(page, base, dsdt_gpa);
			uint32_t dsdt_len;
			memcpy(&dsdt_len, dsdt + 4, 4);
			assert_int_equal(sum(dsdt, dsdt_len), 0);
			assert_non_null(memmem(dsdt, dsdt_len, "_S5_", 4));
		}
	}
	assert_true(saw_madt);
	assert_true(saw_fadt);
}

/* --- ELF and bzImage ---------------------------------------------------- */

#define LOAD_PADDR 0x100000u
#define ENTRY 0x100040u

/* A minimal ELF kernel: one PT_LOAD of `payload`, and optionally a PT_NOTE
 * with Xen's PHYS32_ENTRY. */
static uint8_t *make_elf(const char *payload, bool with_note, uint64_t paddr, size_t *size)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[2];
		Elf64_Nhdr nh;
		char name[4];
		uint64_t desc;
		char data[64];
	} __attribute__((packed)) *f = calloc(1, sizeof(*f));
	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_machine = EM_X86_64;
	f->eh.e_phoff = offsetof(typeof(*f), ph);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->eh.e_phnum = with_note ? 2 : 1;
	f->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = offsetof(typeof(*f), data),
				 .p_paddr = paddr, .p_filesz = strlen(payload), .p_memsz = 4096 };
	f->ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = offsetof(typeof(*f), nh),
				 .p_filesz = sizeof(Elf64_Nhdr) + 4 + 8 };
	f->nh = (Elf64_Nhdr){ .n_namesz = 4, .n_descsz = 8, .n_type = XEN_ELFNOTE_PHYS32_ENTRY };
	memcpy(f->name, "Xen", 4);
	f->desc = ENTRY;
	strcpy(f->data, payload);
	*size = sizeof(*f);
	return (uint8_t *)f;
}

static void elf_kernel_loads_at_its_address(void **state)
{
	size_t size;
	uint8_t *elf = make_elf("kernel text", true, LOAD_PADDR, &size);
	struct loaded_kernel k;
	const char *why = NULL;
	memset(guest_phys(&mem, LOAD_PADDR, 4096), 0xaa, 4096);

	assert_int_equal(elf_load(&mem, elf, size, &k, &why), 0);
	assert_int_equal(k.pvh_entry, ENTRY);
	assert_int_equal(k.end, LOAD_PADDR + 4096);
	assert_string_equal(guest_phys(&mem, LOAD_PADDR, 12), "kernel text");
	/* The rest of the segment (its BSS) is zeroed. */
	assert_int_equal(((uint8_t *)guest_phys(&mem, LOAD_PADDR, 4096))[4095], 0);
	free(elf);
}

static void elf_kernel_without_pvh_note_is_refused(void **state)
{
	size_t size;
	uint8_t *elf = make_elf("kernel text", false, LOAD_PADDR, &size);
	struct loaded_kernel k;
	const char *why = NULL;
	assert_int_equal(elf_load(&mem, elf, size, &k, &why), -1);
	assert_non_null(strstr(why, "CONFIG_PVH"));
	free(elf);
}

static void elf_segment_beyond_memory_is_refused(void **state)
{
	size_t size;
	uint8_t *elf = make_elf("kernel text", true, RAM - 100, &size);
	struct loaded_kernel k;
	const char *why = NULL;
	assert_int_equal(elf_load(&mem, elf, size, &k, &why), -1);
	assert_non_null(strstr(why, "does not fit"));
	free(elf);
}

static void elf_truncated_is_refused(void **state)
{
	size_t size;
	uint8_t *elf = make_elf("kernel text", true, LOAD_PADDR, &size);
	struct loaded_kernel k;
	const char *why = NULL;
	assert_int_equal(elf_load(&mem, elf, 100, &k, &why), -1);
	assert_non_null(why);
	free(elf);
}

enum compression { GZIP, ZSTD };

/* A bzImage around `elf`: a setup header with the payload fields, the
 * compressed payload, and its unpacked size appended as the build does. */
static uint8_t *make_bzimage(const uint8_t *elf, size_t elf_size, enum compression how, size_t *size)
{
	size_t bound = elf_size * 2 + 1024;
	uint8_t *packed = malloc(bound);
	size_t packed_size;
	if (how == ZSTD) {
		packed_size = ZSTD_compress(packed, bound, elf, elf_size, 3);
		assert_false(ZSTD_isError(packed_size));
	} else {
		z_stream z = { 0 };
		assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = (uint8_t *)elf;
		z.avail_in = (uInt)elf_size;
		z.next_out = packed;
		z.avail_out = (uInt)bound;
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		packed_size = z.total_out;
		deflateEnd(&z);
	}
	size_t setup = 5 * 512, payload_offset = 16;
	*size = setup + payload_offset + packed_size + 4;
	uint8_t *img = calloc(1, *size);
	img[0x1f1] = 4;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0f; /* protocol 2.15 */
	img[0x207] = 0x02;
	uint32_t off = (uint32_t)payload_offset, len = (uint32_t)(packed_size + 4), raw = (uint32_t)elf_size;
	memcpy(img + 0x248, &off, 4);
	memcpy(img + 0x24c, &len, 4);
	memcpy(img + setup + payload_offset, packed, packed_size);
	memcpy(img + setup + payload_offset + packed_size, &raw, 4);
	free(packed);
	return img;
}

static void bzimage_unpacks(enum compression how)
{
	size_t elf_size, img_size, got_size;
	uint8_t *elf = make_elf("packed kernel", true, LOAD_PADDR, &elf_size);
	uint8_t *img = make_bzimage(elf, elf_size, how, &img_size);
	const char *why = NULL;
	uint8_t *got = bzimage_unpack(img, img_size, &got_size, &why);
	assert_non_null(got);
	assert_int_equal(got_size, elf_size);
	assert_memory_equal(got, elf, elf_size);
	free(got);
	free(img);
	free(elf);
}

static void bzimage_with_zstd_unpacks(void **state)
{
	bzimage_unpacks(ZSTD);
}

static void bzimage_with_gzip_unpacks(void **state)
{
	bzimage_unpacks(GZIP);
}

static void bzimage_payload_outside_file_is_refused(void **state)
{
	size_t elf_size, img_size, got_size;
	uint8_t *elf = make_elf("packed kernel", true, LOAD_PADDR, &elf_size);
	uint8_t *img = make_bzimage(elf, elf_size, ZSTD, &img_size);
	uint32_t huge = 0x7fffffff;
	memcpy(img + 0x24c, &huge, 4);
	const char *why = NULL;
	assert_null(bzimage_unpack(img, img_size, &got_size, &why));
	assert_non_null(strstr(why, "outside the file"));
	free(img);
	free(elf);
}

static void bzimage_corrupt_payload_is_refused(void **state)
{
	size_t elf_size, img_size, got_size;
	uint8_t *elf = make_elf("packed kernel", true, LOAD_PADDR, &elf_size);
	uint8_t *img = make_bzimage(elf, elf_size, ZSTD, &img_size);
	memset(img + 5 * 512 + 16 + 8, 0x55, 16); /* inside the zstd frame */
	const char *why = NULL;
	assert_null(bzimage_unpack(img, img_size, &got_size, &why));
	assert_non_null(why);
	free(img);
	free(elf);
}

static void not_a_bzimage_is_refused(void **state)
{
	uint8_t junk[4096] = { 0 };
	size_t got_size;
	const char *why = NULL;
	assert_null(bzimage_unpack(junk, sizeof(junk), &got_size, &why));
	assert_non_null(strstr(why, "not a bzImage"));
}

/* --- guest page tables ---------------------------------------------------- */

#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LMA (1ull << 10)
#define P 1ull
#define PS (1ull << 7)

static uint64_t *table(uint64_t gpa)
{
	return guest_phys(&mem, gpa, 4096);
}

/* PML4 at 0x1000, PDPT at 0x2000, PD at 0x3000, PT at 0x4000. */
static void build_tables(void)
{
	memset(table(0x1000), 0, 4 * 4096);
	table(0x1000)[0] = 0x2000 | P;
	table(0x2000)[0] = 0x3000 | P;
	table(0x3000)[2] = 0x4000 | P;          /* 4 MiB..6 MiB: 4 KiB pages */
	table(0x4000)[3] = 0x800000 | P;        /* 4 MiB + 12 KiB -> 8 MiB */
	table(0x3000)[3] = 0xA00000 | P | PS;   /* 6 MiB..8 MiB -> 10 MiB, one 2 MiB page */
	table(0x2000)[1] = 0x40000000 | P | PS; /* 1 GiB..2 GiB, one 1 GiB page */
	table(0x1000)[1] = 0x7fff000 | P;       /* a table beyond the domain's RAM... */
	table(0x2000)[2] = (RAM + 0x1000) | P;  /* ...and one past its end */
}

static int translate(uint64_t gva, uint64_t *gpa)
{
	return guest_translate(&mem, CR0_PG, 0x1000, CR4_PAE, EFER_LMA, gva, gpa);
}

static void page_walk_follows_4k_2m_and_1g_pages(void **state)
{
	uint64_t gpa;
	build_tables();
	assert_int_equal(translate(0x403123, &gpa), 0);
	assert_int_equal(gpa, 0x800123);
	assert_int_equal(translate(0x612345, &gpa), 0);
	assert_int_equal(gpa, 0xA12345);
	assert_int_equal(translate(0x40000000 + 0x123456, &gpa), 0);
	assert_int_equal(gpa, 0x40123456);
}

static void page_walk_refuses_what_is_not_mapped(void **state)
{
	uint64_t gpa;
	build_tables();
	assert_int_equal(translate(0x404000, &gpa), -EFAULT);        /* PTE not present */
	assert_int_equal(translate(0x8000000000ull, &gpa), -EFAULT); /* table outside RAM */
	assert_int_equal(translate(0x80000000, &gpa), -EFAULT);      /* table past RAM's end */
}

static void without_paging_addresses_are_physical(void **state)
{
	uint64_t gpa;
	assert_int_equal(guest_translate(&mem, 0, 0, 0, 0, 0x123456, &gpa), 0);
	assert_int_equal(gpa, 0x123456);
}

static void guest_phys_refuses_ranges_leaving_memory(void **state)
{
	assert_non_null(guest_phys(&mem, RAM - 8, 8));
	assert_null(guest_phys(&mem, RAM - 8, 9));
	assert_null(guest_phys(&mem, UINT64_MAX - 4, 8)); /* wraps around */
	assert_non_null(guest_phys(&mem, SPECIAL_BASE, PAGE_SIZE));
	assert_null(guest_phys(&mem, SPECIAL_BASE - 1, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(acpi_tables_are_well_formed),
		cmocka_unit_test(elf_kernel_loads_at_its_address),
		cmocka_unit_test(elf_kernel_without_pvh_note_is_refused),
		cmocka_unit_test(elf_segment_beyond_memory_is_refused),
		cmocka_unit_test(elf_truncated_is_refused),
		cmocka_unit_test(bzimage_with_zstd_unpacks),
		cmocka_unit_test(bzimage_with_gzip_unpacks),
		cmocka_unit_test(bzimage_payload_outside_file_is_refused),
		cmocka_unit_test(bzimage_corrupt_payload_is_refused),
		cmocka_unit_test(not_a_bzimage_is_refused),
		cmocka_unit_test(page_walk_follows_4k_2m_and_1g_pages),
		cmocka_unit_test(page_walk_refuses_what_is_not_mapped),
		cmocka_unit_test(without_paging_addresses_are_physical),
		cmocka_unit_test(guest_phys_refuses_ranges_leaving_memory),
	};
	return cmocka_run_group_tests(tests, setup_memory, teardown_memory);
}
