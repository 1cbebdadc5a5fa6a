/* The ACPI tables a PVH guest reads to find its CPUs and to power off: RSDP,
 * XSDT, a MADT with one local APIC per vCPU, a hardware-reduced FADT (no
 * legacy devices) and a DSDT naming the soft-off sleep state. One page. */
#ifndef XENON_VMM_BOOT_ACPI_H
#define XENON_VMM_BOOT_ACPI_H

#include <stdint.h>

#define ACPI_MAX_VCPUS 128

/* Hardware-reduced ACPI's registers, as I/O ports: the guest powers off by
 * writing SLP_EN with the _S5_ sleep type to the sleep control register, and
 * reboots by writing the reset value to the reset register. */
#define ACPI_SLEEP_CONTROL_PORT 0x600
#define ACPI_SLEEP_STATUS_PORT 0x601
#define ACPI_RESET_PORT 0x602
#define ACPI_RESET_VALUE 0x0e
#define ACPI_S5_SLEEP_TYPE 5
#define ACPI_SLEEP_ENABLE (1u << 5)
#define ACPI_SLEEP_TYPE(value) (((value) >> 2) & 7)

/* Writes the tables into `page` (guest-physical `gpa`) and returns the RSDP's
 * guest-physical address. */
uint64_t acpi_build(void *page, uint64_t gpa, unsigned vcpus);

#endif
