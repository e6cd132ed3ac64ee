// SPDX-License-Identifier: GPL-2.0
/*
 * For the kexec tests (tests/e2e/kexec-checks): in the kernel that a kexec
 * or a crash kexec started, look at the clock page that pvclock registered
 * in the kernel before, at guest physical address @gpa, which this kernel
 * must not use as RAM (a crash kernel does not; a kexec'd one is booted
 * with memmap=4K$GPA).
 *
 * /sys/kernel/debug/pvclock_oldpage/:
 *   msr     MSR_KVM_CLOCK_PAGE as the host has it now, in hex: 0x0 when no
 *           page is registered (the old kernel unregistered it)
 *   intact  1 when every byte of the frame still holds the pattern that
 *           the last write of 1 here filled it with, else 0
 * At load, one line gives the frame's first fields as the last writer left
 * them (a clock page: version and size).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/kvm_para.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <asm/msr.h>

#include <pvops/abi.h>

static unsigned long long gpa;
module_param(gpa, ullong, 0444);
MODULE_PARM_DESC(gpa, "Guest physical address of the earlier kernel's clock page (page aligned)");

static u8 *frame;
static struct dentry *dir;
static DEFINE_MUTEX(lock);

/* A byte per offset that no clock page write leaves in place. */
static u8 pattern(unsigned int off)
{
	return 0xa5 ^ (off * 7);
}

static int msr_show(struct seq_file *m, void *v)
{
	u64 val;

	if (rdmsrl_safe(MSR_KVM_CLOCK_PAGE, &val))
		return -EIO;
	seq_printf(m, "0x%llx\n", val);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(msr);

static int intact_get(void *data, u64 *val)
{
	unsigned int off;

	mutex_lock(&lock);
	*val = 1;
	for (off = 0; off < PAGE_SIZE; off++) {
		if (READ_ONCE(frame[off]) != pattern(off)) {
			*val = 0;
			break;
		}
	}
	mutex_unlock(&lock);
	return 0;
}

static int intact_set(void *data, u64 val)
{
	unsigned int off;

	if (val != 1)
		return -EINVAL;
	mutex_lock(&lock);
	for (off = 0; off < PAGE_SIZE; off++)
		WRITE_ONCE(frame[off], pattern(off));
	mutex_unlock(&lock);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(intact_fops, intact_get, intact_set, "%llu\n");

static int __init oldpage_init(void)
{
	struct kvm_clock_page *cp;

	if (!gpa || offset_in_page(gpa)) {
		pr_err("gpa=%#llx: give the page-aligned address of the old clock page\n",
		       gpa);
		return -EINVAL;
	}
	/*
	 * Never RAM of this kernel (memremap() would hand out its direct map,
	 * and the pattern would land in memory in use): the frame must have
	 * been kept out of it (memmap=, or a crash kernel's own memory).
	 */
	if (region_intersects(gpa, PAGE_SIZE, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT) {
		pr_err("%#llx is RAM of this kernel: boot it with memmap=4K$%#llx\n",
		       gpa, gpa);
		return -EINVAL;
	}
	frame = memremap(gpa, PAGE_SIZE, MEMREMAP_WB);
	if (!frame) {
		pr_err("cannot map %#llx\n", gpa);
		return -ENOMEM;
	}
	cp = (struct kvm_clock_page *)frame;
	pr_info("frame %#llx as last written: version %u size %u marker %llu flags %#x\n",
		gpa, READ_ONCE(cp->version), READ_ONCE(cp->size),
		READ_ONCE(cp->disruption_marker), READ_ONCE(cp->flags));
	dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("msr", 0444, dir, NULL, &msr_fops);
	debugfs_create_file_unsafe("intact", 0644, dir, NULL, &intact_fops);
	return 0;
}
module_init(oldpage_init);

static void __exit oldpage_exit(void)
{
	debugfs_remove_recursive(dir);
	memunmap(frame);
}
module_exit(oldpage_exit);

MODULE_DESCRIPTION("Test module: the clock page an earlier kernel registered, after a kexec");
MODULE_LICENSE("GPL");
