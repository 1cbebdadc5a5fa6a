#include "boot/acpi.h"

#include <string.h>

#include "util.h"

struct __attribute__((packed)) acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
};

struct __attribute__((packed)) acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
};

struct __attribute__((packed)) acpi_madt_lapic {
	uint8_t type; /* 0: processor local APIC */
	uint8_t length;
	uint8_t processor_id;
	uint8_t apic_id;
	uint32_t flags; /* bit 0: enabled */
};

/* A Generic Address Structure: where a register is. */
struct __attribute__((packed)) acpi_gas {
	uint8_t space_id; /* 1: system I/O */
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size; /* 1: byte */
	uint64_t address;
};

/* FADT revision 6: only the fields we set are named. */
struct __attribute__((packed)) acpi_fadt {
	struct acpi_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t unused1[109 - 44];
	uint16_t iapc_boot_arch;
	uint8_t reserved;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_revision;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	uint8_t unused3[244 - 148];
	struct acpi_gas sleep_control;
	struct acpi_gas sleep_status;
	char hypervisor_vendor[8];
};
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT revision 6 is 276 bytes");

#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED_ACPI (1u << 20)
#define GAS_SYSTEM_IO 1
#define IAPC_VGA_NOT_PRESENT (1u << 2)
#define IAPC_CMOS_RTC_NOT_PRESENT (1u << 5)

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;
	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

static void header(struct acpi_header *h, const char *sig, uint32_t length, uint8_t revision)
{
	memcpy(h->signature, sig, 4);
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, "XENON ", 6);
	memcpy(h->oem_table_id, "XENONVMM", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "XNON", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = checksum(h, length);
}

/* Where each table sits in the page. */
enum { RSDP_AT = 0, XSDT_AT = 64, DSDT_AT = 128, FADT_AT = 192, MADT_AT = 512 };
_Static_assert(DSDT_AT + 36 + 12 <= FADT_AT && FADT_AT + 276 <= MADT_AT, "ACPI tables overlap");

uint64_t acpi_build(void *page, uint64_t gpa, unsigned vcpus)
{
	uint8_t *p = page;
	memset(p, 0, 4096);
	if (vcpus > ACPI_MAX_VCPUS)
		vcpus = ACPI_MAX_VCPUS;

	/* MADT: the local APIC at its usual address, one entry per vCPU. */
	struct acpi_header *madt = (void *)(p + MADT_AT);
	uint32_t *lapic_addr = (uint32_t *)(madt + 1), *madt_flags = lapic_addr + 1;
	struct acpi_madt_lapic *lapic = (void *)(madt_flags + 1);
	*lapic_addr = 0xFEE00000;
	*madt_flags = 0; /* no dual 8259 PICs */
	for (unsigned i = 0; i < vcpus; i++)
		lapic[i] = (struct acpi_madt_lapic){ .type = 0, .length = sizeof(*lapic),
						     .processor_id = (uint8_t)i, .apic_id = (uint8_t)i,
						     .flags = 1 };
	header(madt, "APIC", (uint32_t)((uint8_t *)(lapic + vcpus) - (uint8_t *)madt), 4);

	/* DSDT: only Name (_S5_, Package () { 5, 0 }), the sleep type for soft-off. */
	static const uint8_t s5[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, ACPI_S5_SLEEP_TYPE,
				      0x0a, 0x00 };
	memcpy(p + DSDT_AT + sizeof(struct acpi_header), s5, sizeof(s5));
	header((void *)(p + DSDT_AT), "DSDT", sizeof(struct acpi_header) + sizeof(s5), 2);

	struct acpi_fadt *fadt = (void *)(p + FADT_AT);
	fadt->dsdt = (uint32_t)(gpa + DSDT_AT);
	fadt->x_dsdt = gpa + DSDT_AT;
	fadt->flags = FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP;
	fadt->reset_reg = (struct acpi_gas){ GAS_SYSTEM_IO, 8, 0, 1, ACPI_RESET_PORT };
	fadt->reset_value = ACPI_RESET_VALUE;
	fadt->sleep_control = (struct acpi_gas){ GAS_SYSTEM_IO, 8, 0, 1, ACPI_SLEEP_CONTROL_PORT };
	fadt->sleep_status = (struct acpi_gas){ GAS_SYSTEM_IO, 8, 0, 1, ACPI_SLEEP_STATUS_PORT };
	fadt->iapc_boot_arch = IAPC_VGA_NOT_PRESENT | IAPC_CMOS_RTC_NOT_PRESENT;
	fadt->minor_revision = 3;
	memcpy(fadt->hypervisor_vendor, "XenVMM", 6);
	header(&fadt->header, "FACP", sizeof(*fadt), 6);

	struct acpi_header *xsdt = (void *)(p + XSDT_AT);
	uint64_t entries[] = { gpa + FADT_AT, gpa + MADT_AT };
	memcpy(xsdt + 1, entries, sizeof(entries));
	header(xsdt, "XSDT", sizeof(*xsdt) + sizeof(entries), 1);

	struct acpi_rsdp *rsdp = (void *)(p + RSDP_AT);
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "XENON ", 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = gpa + XSDT_AT;
	rsdp->checksum = checksum(rsdp, 20);
	rsdp->extended_checksum = checksum(rsdp, sizeof(*rsdp));
	return gpa + RSDP_AT;
}
