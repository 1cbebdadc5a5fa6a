/* The ELF core writer (dump_core.h).
 *
 * Layout: the ELF header, the program headers (PT_NOTE first, then a
 * PT_LOAD per region), the notes, and each region's contents at a page-
 * aligned offset, so the file's pages line up with the guest's. */
#include "dump_core.h"

#include <elf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/user.h>
#include <unistd.h>

#include "../lib/fd_io.h"

#define DUMP_PAGE 4096ull
#define COPY_CHUNK (1ull << 20) /* read and written at a time */

_Static_assert(sizeof(struct user_regs_struct) == sizeof(elf_gregset_t),
	       "Linux's x86-64 pr_reg is its user_regs_struct");

/* The note's name, as Linux's own cores name register notes. */
static const char note_name[] = "CORE";

static uint64_t align_up(uint64_t n, uint64_t to)
{
	return (n + to - 1) / to * to;
}

static uint64_t note_size(void)
{
	return sizeof(Elf64_Nhdr) + align_up(sizeof(note_name), 4) + align_up(sizeof(struct elf_prstatus), 4);
}

static uint64_t headers_size(size_t nregions)
{
	return sizeof(Elf64_Ehdr) + (1 + nregions) * sizeof(Elf64_Phdr);
}

/* Where the first region's contents begin. */
static uint64_t data_start(size_t nregions, size_t nvcpus)
{
	return align_up(headers_size(nregions) + nvcpus * note_size(), DUMP_PAGE);
}

uint64_t dump_core_size(const struct dump_core_region *regions, size_t nregions, size_t nvcpus)
{
	uint64_t size = data_start(nregions, nvcpus);
	for (size_t i = 0; i < nregions; i++)
		size += align_up(regions[i].size, DUMP_PAGE);
	return size;
}

/* The general registers as Linux's x86-64 ptrace lays them out. */
static void fill_prstatus(struct elf_prstatus *s, unsigned vcpu, const struct dump_core_vcpu *c)
{
	const struct kvm_regs *r = &c->regs;
	const struct kvm_sregs *sr = &c->sregs;
	struct user_regs_struct u = {
		.r15 = r->r15, .r14 = r->r14, .r13 = r->r13, .r12 = r->r12,
		.rbp = r->rbp, .rbx = r->rbx, .r11 = r->r11, .r10 = r->r10,
		.r9 = r->r9, .r8 = r->r8, .rax = r->rax, .rcx = r->rcx,
		.rdx = r->rdx, .rsi = r->rsi, .rdi = r->rdi,
		.orig_rax = ~0ull, /* not in a system call */
		.rip = r->rip, .cs = sr->cs.selector, .eflags = r->rflags,
		.rsp = r->rsp, .ss = sr->ss.selector,
		.fs_base = sr->fs.base, .gs_base = sr->gs.base,
		.ds = sr->ds.selector, .es = sr->es.selector,
		.fs = sr->fs.selector, .gs = sr->gs.selector,
	};
	memset(s, 0, sizeof(*s));
	/* gdb makes each note a thread named by its pid: vCPU N is N + 1, as
	 * 0 would read as no thread at all. */
	s->pr_pid = (pid_t)(vcpu + 1);
	memcpy(&s->pr_reg, &u, sizeof(u));
}

static int write_notes(int out, uint64_t at, const struct dump_core_vcpu *vcpus, size_t nvcpus)
{
	size_t len = (size_t)(nvcpus * note_size());
	uint8_t *buf = calloc(1, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	uint8_t *p = buf;
	for (size_t i = 0; i < nvcpus; i++) {
		Elf64_Nhdr h = { .n_namesz = sizeof(note_name), .n_descsz = sizeof(struct elf_prstatus),
				 .n_type = NT_PRSTATUS };
		memcpy(p, &h, sizeof(h));
		p += sizeof(h);
		memcpy(p, note_name, sizeof(note_name));
		p += align_up(sizeof(note_name), 4);
		struct elf_prstatus s;
		fill_prstatus(&s, (unsigned)i, &vcpus[i]);
		memcpy(p, &s, sizeof(s));
		p += align_up(sizeof(s), 4);
	}
	int err = fd_pwrite_all(out, buf, len, at);
	free(buf);
	return err;
}

static int write_headers(int out, const struct dump_core_region *regions, size_t nregions, size_t nvcpus)
{
	size_t len = (size_t)headers_size(nregions);
	uint8_t *buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, EV_CURRENT, ELFOSABI_NONE },
		.e_type = ET_CORE,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = (uint16_t)(1 + nregions),
	};
	memcpy(buf, &eh, sizeof(eh));
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(eh));
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = headers_size(nregions),
			      .p_filesz = nvcpus * note_size(), .p_align = 4 };
	uint64_t at = data_start(nregions, nvcpus);
	for (size_t i = 0; i < nregions; i++) {
		ph[1 + i] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X, .p_offset = at,
					  .p_vaddr = 0, .p_paddr = regions[i].gpa, .p_filesz = regions[i].size,
					  .p_memsz = regions[i].size, .p_align = DUMP_PAGE };
		at += align_up(regions[i].size, DUMP_PAGE);
	}
	int err = fd_pwrite_all(out, buf, len, 0);
	free(buf);
	return err;
}

static bool all_zero(const uint8_t *p, size_t len)
{
	const uint64_t *w = (const uint64_t *)p;
	for (size_t i = 0; i < len / 8; i++)
		if (w[i])
			return false;
	return true;
}

/* Copies [from, to) of the memfd to the core at `at` + (pos - base),
 * leaving pages of zeros unwritten. */
static int copy_data(int out, const struct dump_core_region *r, uint64_t from, uint64_t to, uint64_t at,
		     uint8_t *buf)
{
	for (uint64_t pos = from; pos < to;) {
		size_t want = (size_t)(to - pos < COPY_CHUNK ? to - pos : COPY_CHUNK);
		ssize_t n = pread(r->fd, buf, want, (off_t)pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the memfd is shorter than the region: a bug */
		for (size_t page = 0; page < (size_t)n; page += DUMP_PAGE) {
			size_t len = (size_t)n - page < DUMP_PAGE ? (size_t)n - page : DUMP_PAGE;
			if (all_zero(buf + page, len))
				continue;
			int err = fd_pwrite_all(out, buf + page, len, at + (pos + page - r->offset));
			if (err)
				return err;
		}
		pos += (uint64_t)n;
	}
	return 0;
}

/* One region: only the memfd's data, found with SEEK_DATA / SEEK_HOLE (a
 * hole reads as zeros and would cost a page if touched through a mapping). */
static int write_region(int out, const struct dump_core_region *r, uint64_t at, uint8_t *buf)
{
	uint64_t end = r->offset + r->size;
	for (uint64_t pos = r->offset; pos < end;) {
		off_t data = lseek(r->fd, (off_t)pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			return 0; /* nothing but holes from here */
		if (data < 0) /* a file without hole reporting: copy it all */
			return copy_data(out, r, pos, end, at, buf);
		if ((uint64_t)data >= end)
			return 0;
		off_t hole = lseek(r->fd, data, SEEK_HOLE);
		uint64_t stop = hole < 0 || (uint64_t)hole > end ? end : (uint64_t)hole;
		int err = copy_data(out, r, (uint64_t)data, stop, at, buf);
		if (err)
			return err;
		pos = stop;
	}
	return 0;
}

int dump_core_write(int out, const struct dump_core_region *regions, size_t nregions,
		    const struct dump_core_vcpu *vcpus, size_t nvcpus)
{
	if (1 + nregions >= PN_XNUM)
		return -EINVAL;
	int err = write_headers(out, regions, nregions, nvcpus);
	if (!err)
		err = write_notes(out, headers_size(nregions), vcpus, nvcpus);
	uint8_t *buf = err ? NULL : malloc(COPY_CHUNK);
	if (!err && !buf)
		err = -ENOMEM;
	uint64_t at = data_start(nregions, nvcpus);
	for (size_t i = 0; !err && i < nregions; i++) {
		err = write_region(out, &regions[i], at, buf);
		at += align_up(regions[i].size, DUMP_PAGE);
	}
	free(buf);
	/* The holes left for zeros, up to the end. */
	if (!err && ftruncate(out, (off_t)dump_core_size(regions, nregions, nvcpus)) < 0)
		err = -errno;
	return err;
}
