/* Loading the guest kernel for a PVH boot: an ELF vmlinux, or a bzImage as
 * distributions ship it (vmlinuz), whose compressed vmlinux is unpacked here.
 * The kernel must carry Xen's PHYS32_ENTRY note: its PVH entry point. */
#ifndef XENON_VMM_BOOT_KERNEL_H
#define XENON_VMM_BOOT_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#include "guest_memory.h"

struct loaded_kernel {
	uint32_t pvh_entry; /* guest-physical, 32-bit protected mode */
	uint64_t end;       /* first byte after the highest loaded segment */
};

/* Loads `path` into guest memory. Errors are logged with the file's name. */
int kernel_load(struct guest_memory *mem, const char *path, struct loaded_kernel *out);

/* Exposed for tests: unpack a bzImage held in memory into a newly allocated
 * ELF image. Returns NULL (with `why` set) if it cannot. */
uint8_t *bzimage_unpack(const uint8_t *image, size_t size, size_t *elf_size, const char **why);

/* Exposed for tests: load an ELF image held in memory. */
int elf_load(struct guest_memory *mem, const uint8_t *elf, size_t size, struct loaded_kernel *out,
	     const char **why);

#endif
