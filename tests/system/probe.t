#!/usr/bin/env bash
# Inside the emulated host, xenon-probe finds KVM's Xen support, every flag of
# a 6.12 kernel present, and creates a test VM with a Xen hypercall config.
. "$(dirname "$0")/../lib/tap.sh"
probe=$(repo_root)/build/main/probe/xenon-probe

out=$("$probe")
is "the probe exits 0" "$?" 0
like "the answer is yes" "$out" '^answer: yes, this host.s KVM can run Xen guests$'
like "KVM is served by kvm_amd" "$out" '^KVM module: +kvm_amd$'
like "the in-kernel and split irqchips are there" "$out" '^in-kernel irqchip: yes \(split irqchip: yes\)$'
like "KVM_CAP_XEN_HVM is 0x1ff" "$out" '^KVM_CAP_XEN_HVM: +0x1ff$'
for flag in HYPERCALL_MSR INTERCEPT_HCALL SHARED_INFO RUNSTATE EVTCHN_2LEVEL EVTCHN_SEND \
	RUNSTATE_UPDATE_FLAG PVCLOCK_TSC_UNSTABLE SHARED_INFO_HVA; do
	like "flag $flag is named and present" "$out" "^  $flag +yes"
done
like "a VM took the Xen config" "$out" '^test Xen VM: +created$'

done_testing
