#include "boot/pvh.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "abi/xen_public.h"
#include "boot/acpi.h"
#include "boot/kernel.h"
#include "log.h"


/* The start_info page: the struct, then the module list, the memory map, and
 * the command line in what is left of the page. */
struct start_info_page {
	struct hvm_start_info info;
	struct hvm_modlist_entry modules[1];
	struct hvm_memmap_table_entry memmap[8];
	char cmdline[];
};
#define MAX_CMDLINE ((size_t)(PAGE_SIZE - sizeof(struct start_info_page)))

/* Loads the ramdisk as high in low RAM as it fits, above the kernel. */
static int load_ramdisk(struct guest_memory *mem, const char *path, uint64_t kernel_end,
			struct hvm_modlist_entry *module)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_err("ramdisk %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("ramdisk %s: not a regular file", path);
		close(fd);
		return -1;
	}
	uint64_t size = (uint64_t)st.st_size;
	uint64_t top = guest_low_ram_end(mem);
	uint64_t gpa = size <= top ? (top - size) & ~(PAGE_SIZE - 1) : 0;
	if (size > top || gpa < ((kernel_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))) {
		log_err("ramdisk %s: %llu MiB does not fit in the domain's memory beside the kernel",
			path, (unsigned long long)(size >> 20));
		close(fd);
		return -1;
	}
	uint8_t *dst = guest_phys(mem, gpa, size);
	for (uint64_t done = 0; done < size;) {
		ssize_t n = read(fd, dst + done, size - done);
		if (n <= 0) {
			log_err("ramdisk %s: %s", path, n < 0 ? strerror(errno) : "shorter than its size");
			close(fd);
			return -1;
		}
		done += (uint64_t)n;
	}
	close(fd);
	*module = (struct hvm_modlist_entry){ .paddr = gpa, .size = size };
	return 0;
}

static void add_range(struct hvm_memmap_table_entry *map, unsigned *n, uint64_t addr, uint64_t size,
		      uint32_t type)
{
	map[(*n)++] = (struct hvm_memmap_table_entry){ .addr = addr, .size = size, .type = type };
}

static unsigned build_memmap(const struct guest_memory *mem, struct hvm_memmap_table_entry *map)
{
	unsigned n = 0;
	uint64_t low = guest_low_ram_end(mem);

	add_range(map, &n, 0, LEGACY_HOLE_START, XEN_HVM_MEMMAP_TYPE_RAM);
	add_range(map, &n, LEGACY_HOLE_START, LEGACY_HOLE_END - LEGACY_HOLE_START,
		  XEN_HVM_MEMMAP_TYPE_RESERVED);
	add_range(map, &n, LEGACY_HOLE_END, low - LEGACY_HOLE_END, XEN_HVM_MEMMAP_TYPE_RAM);
	add_range(map, &n, SPECIAL_BASE, SPECIAL_PAGES * PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_RESERVED);
	if (mem->ram_size > low)
		add_range(map, &n, HIGH_RAM_START, mem->ram_size - low, XEN_HVM_MEMMAP_TYPE_RAM);
	return n;
}

int pvh_prepare(struct guest_memory *mem, const struct pvh_boot *boot, uint32_t *entry)
{
	struct loaded_kernel kernel;
	uint64_t page_gpa = BOOT_START_INFO_GPA;
	struct start_info_page *page = guest_phys(mem, page_gpa, PAGE_SIZE);

	if (kernel_load(mem, boot->kernel, &kernel) < 0)
		return -1;
	memset(page, 0, PAGE_SIZE);
	page->info.magic = XEN_HVM_START_MAGIC_VALUE;
	page->info.version = 1;
	if (boot->ramdisk) {
		if (load_ramdisk(mem, boot->ramdisk, kernel.end, &page->modules[0]) < 0)
			return -1;
		page->info.nr_modules = 1;
		page->info.modlist_paddr = page_gpa + offsetof(struct start_info_page, modules);
	}
	if (boot->cmdline) {
		if (strlen(boot->cmdline) >= MAX_CMDLINE) {
			log_err("the kernel command line is %zu bytes; at most %zu fit",
				strlen(boot->cmdline), MAX_CMDLINE - 1);
			return -1;
		}
		strcpy(page->cmdline, boot->cmdline);
		page->info.cmdline_paddr = page_gpa + offsetof(struct start_info_page, cmdline);
	}
	page->info.memmap_entries = build_memmap(mem, page->memmap);
	page->info.memmap_paddr = page_gpa + offsetof(struct start_info_page, memmap);

	void *acpi = guest_phys(mem, BOOT_ACPI_GPA, PAGE_SIZE);
	page->info.rsdp_paddr = acpi_build(acpi, BOOT_ACPI_GPA, boot->vcpus);

	*entry = kernel.pvh_entry;
	return 0;
}

void pvh_boot_regs(uint32_t entry, struct kvm_regs *regs, struct kvm_sregs *sregs)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = 0x8, .type = 0xb, /* execute/read, accessed */
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
	struct kvm_segment data = code;
	data.selector = 0x10;
	data.type = 0x3; /* read/write, accessed */

	*regs = (struct kvm_regs){
		.rip = entry,
		.rbx = BOOT_START_INFO_GPA,
		.rflags = 0x2,
	};
	sregs->cs = code;
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data;
	sregs->tr = (struct kvm_segment){ .limit = 0x67, .type = 0xb, .present = 1 }; /* 32-bit busy TSS */
	sregs->cr0 = 0x11; /* PE | ET */
	sregs->cr3 = 0;
	sregs->cr4 = 0;
	sregs->efer = 0;
}
