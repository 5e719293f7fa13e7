// SPDX-License-Identifier: GPL-2.0
/* /proc/net/mchost/: counters, memberships and interfaces, per namespace. */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/mchost.h>
#include "proc.h"
#include "dev.h"
#include "proto.h"

static int mchost_proc_stats_show(struct seq_file *seq, enum mchost_fam fam)
{
	struct mchost_net *mn = mchost_net(seq_file_single_net(seq));
	unsigned int i;

	for (i = 0; i < MCHOST_STAT_MAX; i++)
		seq_printf(seq, "%s %llu\n", mchost_stat_names[i],
			   mchost_stats_sum(mn->stats, fam, i));
	return 0;
}

static int mchost_proc_igmp_show(struct seq_file *seq, void *v)
{
	return mchost_proc_stats_show(seq, MCHOST_IGMP);
}

static int mchost_proc_mld_show(struct seq_file *seq, void *v)
{
	return mchost_proc_stats_show(seq, MCHOST_MLD);
}

static void mchost_proc_addr(struct seq_file *seq, const struct in6_addr *a,
			     u8 family)
{
	if (family == AF_INET)
		seq_printf(seq, "%pI4", &a->s6_addr32[3]);
	else
		seq_printf(seq, "%pI6c", a);
}

static void mchost_proc_group(struct seq_file *seq,
			      const struct mchost_dev *md,
			      const struct mchost_group *grp)
{
	const struct mchost_slist *src = grp->merged.src;
	unsigned int i;

	seq_printf(seq, "%s ", md->dev->name);
	mchost_proc_addr(seq, &grp->addr, grp->family);
	seq_printf(seq, " %s ", grp->merged.mode == MCHOST_FMODE_INCLUDE ?
		   "include" : "exclude");
	if (!mchost_slist_nr(src))
		seq_putc(seq, '-');
	for (i = 0; i < mchost_slist_nr(src); i++) {
		if (i)
			seq_putc(seq, ',');
		mchost_proc_addr(seq, &src->addr[i], grp->family);
	}
	seq_printf(seq, " %u\n", grp->nowners);
}

/*
 * One pass over every membership. single_open() reruns this with a larger
 * buffer until it fits, so the total cost stays linear in the output.
 */
static int mchost_proc_groups_show(struct seq_file *seq, void *v)
{
	struct mchost_net *mn = mchost_net(seq_file_single_net(seq));
	struct mchost_dev *md;
	struct mchost_group *grp;
	unsigned long idx;

	seq_puts(seq, "dev group mode sources owners\n");
	rcu_read_lock();
	xa_for_each(&mn->devs, idx, md) {
		read_lock_bh(&md->lock);
		for (grp = mchost_dev_first(md); grp;
		     grp = mchost_dev_next(md, grp))
			if (grp->nowners)
				mchost_proc_group(seq, md, grp);
		read_unlock_bh(&md->lock);
		if (seq_has_overflowed(seq))
			break;
	}
	rcu_read_unlock();
	return 0;
}

static void mchost_proc_state(struct seq_file *seq, struct mchost_dev *md,
			      enum mchost_fam fam)
{
	struct mchost_proto_state st;

	read_lock_bh(&md->lock);
	mchost_proto_state(md, fam, ktime_get(), &st);
	read_unlock_bh(&md->lock);
	seq_printf(seq, " %u %u %u %u %u %u", st.rv, st.qi_ms, st.qri_ms,
		   st.v1_querier_ms, st.v2_querier_ms, st.general_ms);
}

static int mchost_proc_interfaces_show(struct seq_file *seq, void *v)
{
	struct mchost_net *mn = mchost_net(seq_file_single_net(seq));
	struct mchost_dev *md;
	enum mchost_fam fam;
	unsigned long idx;

	/* New columns go at the end: scripts read them by position. */
	seq_puts(seq,
		 "dev ifindex up mtu igmp_version mld_version groups4 groups6");
	for (fam = 0; fam < MCHOST_NFAM; fam++) {
		const char *p = fam == MCHOST_IGMP ? "igmp" : "mld";

		seq_printf(seq, " %s_rv %s_qi_ms %s_qri_ms", p, p, p);
		seq_printf(seq, " %s_v1_querier_ms %s_v2_querier_ms %s_general_ms",
			   p, p, p);
	}
	seq_putc(seq, '\n');
	rcu_read_lock();
	xa_for_each(&mn->devs, idx, md) {
		const struct net_device *dev = md->dev;
		u32 n4, n6;

		read_lock_bh(&md->lock);
		n4 = md->ngroups[MCHOST_IGMP];
		n6 = md->ngroups[MCHOST_MLD];
		read_unlock_bh(&md->lock);
		seq_printf(seq, "%s %d %d %u %u %u %u %u", dev->name,
			   dev->ifindex,
			   netif_running(dev) && netif_carrier_ok(dev),
			   READ_ONCE(dev->mtu),
			   mchost_proto_version(md, MCHOST_IGMP),
			   mchost_proto_version(md, MCHOST_MLD), n4, n6);
		mchost_proc_state(seq, md, MCHOST_IGMP);
		mchost_proc_state(seq, md, MCHOST_MLD);
		seq_putc(seq, '\n');
	}
	rcu_read_unlock();
	return 0;
}

int mchost_proc_init(struct mchost_net *mn)
{
	struct net *net = mn->net;

	mn->proc_dir = proc_net_mkdir(net, "mchost", net->proc_net);
	if (!mn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("igmp", 0444, mn->proc_dir,
				    mchost_proc_igmp_show, NULL) ||
	    !proc_create_net_single("mld", 0444, mn->proc_dir,
				    mchost_proc_mld_show, NULL) ||
	    !proc_create_net_single("groups", 0444, mn->proc_dir,
				    mchost_proc_groups_show, NULL) ||
	    !proc_create_net_single("interfaces", 0444, mn->proc_dir,
				    mchost_proc_interfaces_show, NULL)) {
		mchost_proc_uninit(mn);
		return -ENOMEM;
	}
	return 0;
}

void mchost_proc_uninit(struct mchost_net *mn)
{
	remove_proc_subtree("mchost", mn->net->proc_net);
	mn->proc_dir = NULL;
}
