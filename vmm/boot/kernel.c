#include "boot/kernel.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "abi/xen_public.h"
#include "log.h"

/* Offsets into a bzImage's setup header (Documentation/arch/x86/boot.rst). */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_MAGIC 0x202           /* "HdrS" */
#define BZ_VERSION 0x206
#define BZ_PAYLOAD_OFFSET 0x248  /* protocol 2.08+ */
#define BZ_PAYLOAD_LENGTH 0x24c

/* No kernel we boot unpacks to more than this. */
#define MAX_VMLINUX_SIZE (512u << 20)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint8_t *unzstd(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size, size_t *got)
{
	size_t n = ZSTD_decompress(out, out_size, in, in_size);
	if (ZSTD_isError(n))
		return NULL;
	*got = n;
	return out;
}

static uint8_t *unxz(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size, size_t *got)
{
	uint64_t memlimit = UINT64_MAX;
	size_t in_pos = 0, out_pos = 0;
	lzma_ret r = lzma_stream_buffer_decode(&memlimit, 0, NULL, in, &in_pos, in_size, out,
					       &out_pos, out_size);
	if (r != LZMA_OK)
		return NULL;
	*got = out_pos;
	return out;
}

static uint8_t *ungzip(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size, size_t *got)
{
	z_stream z = { .next_in = (uint8_t *)in, .avail_in = (uInt)in_size,
		       .next_out = out, .avail_out = (uInt)out_size };
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return NULL;
	int r = inflate(&z, Z_FINISH);
	*got = z.total_out;
	inflateEnd(&z);
	return r == Z_STREAM_END ? out : NULL;
}

uint8_t *bzimage_unpack(const uint8_t *image, size_t size, size_t *elf_size, const char **why)
{
	if (size < 0x250 || memcmp(image + BZ_MAGIC, "HdrS", 4) != 0) {
		*why = "not a bzImage (no HdrS signature)";
		return NULL;
	}
	if ((image[BZ_VERSION] | image[BZ_VERSION + 1] << 8) < 0x208) {
		*why = "bzImage boot protocol older than 2.08 (no payload fields)";
		return NULL;
	}
	size_t setup_sects = image[BZ_SETUP_SECTS] ? image[BZ_SETUP_SECTS] : 4;
	size_t start = (setup_sects + 1) * 512 + le32(image + BZ_PAYLOAD_OFFSET);
	size_t length = le32(image + BZ_PAYLOAD_LENGTH);
	if (start > size || length > size - start || length < 8) {
		*why = "bzImage payload lies outside the file";
		return NULL;
	}
	const uint8_t *payload = image + start;
	/* The build appends the unpacked size to every compressed payload. */
	size_t unpacked = le32(payload + length - 4);
	if (unpacked == 0 || unpacked > MAX_VMLINUX_SIZE) {
		*why = "bzImage payload claims an impossible size";
		return NULL;
	}
	uint8_t *out = malloc(unpacked);
	if (!out) {
		*why = "out of memory";
		return NULL;
	}
	uint8_t *done = NULL;
	size_t got = 0;
	if (memcmp(payload, "\x28\xb5\x2f\xfd", 4) == 0)
		done = unzstd(payload, length - 4, out, unpacked, &got);
	else if (memcmp(payload, "\xfd" "7zXZ", 5) == 0)
		done = unxz(payload, length - 4, out, unpacked, &got);
	else if (memcmp(payload, "\x1f\x8b", 2) == 0)
		done = ungzip(payload, length, out, unpacked, &got);
	else {
		free(out);
		*why = "bzImage payload is compressed with a method we do not unpack (zstd, xz, gzip)";
		return NULL;
	}
	if (!done || got != unpacked) {
		free(out);
		*why = "bzImage payload is corrupt (it does not unpack)";
		return NULL;
	}
	*elf_size = got;
	return out;
}

/* Finds Xen's PHYS32_ENTRY in a PT_NOTE segment's [desc, desc+size). */
static bool find_pvh_entry(const uint8_t *notes, size_t size, uint32_t *entry)
{
	size_t off = 0;
	while (size - off >= sizeof(Elf64_Nhdr)) {
		Elf64_Nhdr nh;
		memcpy(&nh, notes + off, sizeof(nh));
		size_t name_len = (nh.n_namesz + 3) & ~3u, desc_len = (nh.n_descsz + 3) & ~3u;
		off += sizeof(nh);
		if (name_len > size - off || desc_len > size - off - name_len)
			return false;
		const uint8_t *name = notes + off, *desc = notes + off + name_len;
		off += name_len + desc_len;
		if (nh.n_namesz == 4 && memcmp(name, "Xen", 4) == 0 &&
		    nh.n_type == XEN_ELFNOTE_PHYS32_ENTRY && (nh.n_descsz == 4 || nh.n_descsz == 8)) {
			*entry = le32(desc);
			return true;
		}
	}
	return false;
}

int elf_load(struct guest_memory *mem, const uint8_t *elf, size_t size, struct loaded_kernel *out,
	     const char **why)
{
	Elf64_Ehdr eh;
	if (size < sizeof(eh) || memcmp(elf, ELFMAG, SELFMAG) != 0) {
		*why = "not an ELF file";
		return -1;
	}
	memcpy(&eh, elf, sizeof(eh));
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
		*why = "not an x86-64 ELF kernel";
		return -1;
	}
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phoff > size ||
	    (size_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff) {
		*why = "ELF program headers lie outside the file";
		return -1;
	}
	bool have_entry = false;
	*out = (struct loaded_kernel){ 0 };
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, elf + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
			*why = "an ELF segment lies outside the file";
			return -1;
		}
		if (ph.p_type == PT_NOTE && !have_entry)
			have_entry = find_pvh_entry(elf + ph.p_offset, ph.p_filesz, &out->pvh_entry);
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz) {
			*why = "an ELF segment is larger in the file than in memory";
			return -1;
		}
		uint8_t *dst = guest_phys(mem, ph.p_paddr, ph.p_memsz);
		if (!dst) {
			*why = "an ELF segment does not fit in the domain's memory";
			return -1;
		}
		memcpy(dst, elf + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > out->end)
			out->end = ph.p_paddr + ph.p_memsz;
	}
	if (!have_entry) {
		*why = "the kernel has no PVH entry point (Xen ELF note PHYS32_ENTRY); it needs CONFIG_PVH=y";
		return -1;
	}
	return 0;
}

int kernel_load(struct guest_memory *mem, const char *path, struct loaded_kernel *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_err("kernel %s: %s", path, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		log_err("kernel %s: not a regular, non-empty file", path);
		close(fd);
		return -1;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *image = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (image == MAP_FAILED) {
		log_err("kernel %s: %s", path, strerror(errno));
		return -1;
	}

	const char *why = NULL;
	int r = -1;
	if (size >= SELFMAG && memcmp(image, ELFMAG, SELFMAG) == 0) {
		r = elf_load(mem, image, size, out, &why);
	} else {
		size_t elf_size;
		uint8_t *elf = bzimage_unpack(image, size, &elf_size, &why);
		if (elf) {
			r = elf_load(mem, elf, elf_size, out, &why);
			free(elf);
		}
	}
	munmap(image, size);
	if (r < 0)
		log_err("kernel %s: %s", path, why);
	return r;
}
