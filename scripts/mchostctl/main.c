// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl - control the mchost IGMP/MLD membership engine.
 *
 * Memberships are changed and listed through the "mchost" generic netlink
 * family (Documentation/netlink/specs/mchost.yaml); protocol counters are
 * read from /proc/net/mchost. This file: options, usage, and running one
 * command.
 */
#include "mchostctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Where "ip netns add" puts the namespaces that -n names. */
#define NETNS_RUN_DIR "/run/netns"

/* The usage text, built from the command table. Allocated. */
static char *usage_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		fputs("Error: out of memory\n", stderr);
		exit(1);
	}
	fputs("Usage: mchostctl [OPTIONS] COMMAND [ARGUMENTS]\n"
	      "       mchostctl [OPTIONS] -b FILE\n"
	      "       mchostctl help [COMMAND] | COMMAND help | -V\n"
	      "Commands (or a prefix that names one):\n", f);
	cmds_usage(f);
	fputs("Options:\n"
	      "  -j, --json         JSON output for show, save, ifaces, monitor, stats\n"
	      "  -p, --pretty       with -j: indented JSON\n"
	      "  -d, --details      show: the owners; ifaces: the querier state\n"
	      "  -f, --force        leave: no error if there is no such membership\n"
	      "  -n, --netns NETNS  run in network namespace NETNS (as ip -n)\n"
	      "  -b, --batch FILE   run the commands in FILE, one per line (- is stdin)\n"
	      "  -V, --version      print the versions of mchostctl and of the module\n"
	      "  -h, --help         print this help\n"
	      "Exit status: 0 success, 1 error, 2 usage error.\n", f);
	if (fclose(f)) {
		fputs("Error: out of memory\n", stderr);
		exit(1);
	}
	return text;
}

/* The usage text on @f, in one write when @f is unbuffered (stderr). */
void print_usage(FILE *f)
{
	char *text = usage_text();

	fputs(text, f);
	free(text);
}

/*
 * A usage error: the message, then the usage of command @d if it is known,
 * else the whole usage, on stderr (each in one write).
 */
__printf(2, 3)
static int usage_error(const struct cmd_desc *d, const char *fmt, ...)
{
	char *text = NULL;
	size_t len = 0;
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vreport(NULL, "Error", fmt, ap);
	va_end(ap);
	if (!d) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	f = open_memstream(&text, &len);
	if (f) {
		cmd_usage(f, d);
		if (!fclose(f))
			fputs(text, stderr);
		free(text);
	}
	return EXIT_USAGE;
}

/*
 * -n NETNS: from here on, everything happens in that network namespace:
 * the netlink socket, device names and /proc/net/mchost. As "ip -n", a
 * name is looked up in /run/netns, and a name with a slash is a path.
 */
static int enter_netns(const char *name)
{
	char *path;
	int fd, err;

	if (strchr(name, '/'))
		path = xasprintf("%s", name);
	else
		path = xasprintf("%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	err = errno;
	free(path);
	if (fd < 0) {
		error_msg(NULL, "cannot open network namespace \"%s\": %s",
			  name, strerror(err));
		return 1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		error_msg(NULL, "cannot enter network namespace \"%s\": %s",
			  name, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}

/*
 * -V: this program's version, and the loaded module's (its MODULE_VERSION
 * in sysfs), which a DKMS or "make install" update may have left behind.
 */
static int print_version(void)
{
	char buf[64] = "";
	FILE *f;

	printf("mchostctl %s\n", MCHOSTCTL_VERSION);
	f = fopen(MCHOST_SYSMOD_DIR "/version", "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		buf[strcspn(buf, "\n")] = '\0';
	}
	if (*buf)
		printf("mchost module %s\n", buf);
	else if (access(MCHOST_SYSMOD_DIR, F_OK) == 0)
		printf("mchost module loaded, without a version\n");
	else
		printf("mchost module not loaded\n");
	return 0;
}

void finish_output(void)
{
	/*
	 * Scripts must see a failed write (full disk, closed pipe) as a
	 * failure: the exit status is the only thing they check.
	 */
	if (fflush(stdout) || ferror(stdout)) {
		error_msg(NULL, "cannot write output: %s", strerror(errno));
		exit(1);
	}
}

/* Keep the socket, and with it the held memberships, until killed. */
void hold_forever(void)
{
	finish_output();
	/* Nothing more is printed: let readers of our stdout see EOF. */
	if (fclose(stdout)) {
		error_msg(NULL, "cannot write output: %s", strerror(errno));
		exit(1);
	}
	for (;;)
		pause();
}

static int run_single(const struct cmd *c, const struct ctx *ctx)
{
	const struct cmd_desc *d = c->desc;
	struct nl nl;
	int rc;

	if (c->help) {
		cmd_usage(stdout, d);
		return 0;
	}
	if (!cmd_netlink(c))
		return d->run(NULL, ctx, c, 0);
	if (nl_setup(&nl, ctx))
		return 1;
	rc = d->run(&nl, ctx, c, 1);
	if (!rc && c->hold)
		hold_forever();
	nl_close(&nl);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "details", no_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "netns", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx ctx = { 0 };
	const char *batch = NULL, *netns = NULL;
	bool version = false;
	struct cmd c;
	char *err;
	int opt, rc;

	if (argc < 2) {
		print_usage(stdout);
		finish_output();
		return EXIT_USAGE;
	}
	opterr = 0;
	/* "+": options end at the command, whose words are not options. */
	while ((opt = getopt_long(argc, argv, "+jpdfn:b:Vh", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctx.json = true;
			break;
		case 'p':
			ctx.pretty = true;
			break;
		case 'd':
			ctx.details = true;
			break;
		case 'f':
			ctx.force = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'V':
			version = true;
			break;
		case 'h':
			print_usage(stdout);
			finish_output();
			return 0;
		default:
			if (optopt == 'b')
				return usage_error(NULL, "option -b needs a FILE");
			if (optopt == 'n')
				return usage_error(NULL, "option -n needs a NETNS");
			if (optopt && strchr("jpdfVh", optopt))
				return usage_error(NULL, "option %s takes no value",
						   argv[optind - 1]);
			if (optopt)
				return usage_error(NULL, "unknown option -%c",
						   optopt);
			return usage_error(NULL, "unknown option %s",
					   argv[optind - 1]);
		}
	}
	if (version) {
		if (optind < argc || batch)
			return usage_error(NULL, "-V takes no COMMAND");
		print_version();
		finish_output();
		return 0;
	}

	if (batch) {
		if (optind < argc)
			return usage_error(NULL, "no COMMAND allowed with -b");
		if (netns && enter_netns(netns))
			return 1;
		rc = run_batch(batch, &ctx);
	} else {
		if (optind >= argc)
			return usage_error(NULL, "no command given");
		err = parse_cmd(argc - optind, argv + optind, &c);
		if (err) {
			rc = usage_error(c.desc, "%s", err);
			free(err);
			cmd_free(&c);
			return rc;
		}
		/* Switch after parsing: a usage error needs no namespace. */
		if (netns && enter_netns(netns)) {
			cmd_free(&c);
			return 1;
		}
		rc = run_single(&c, &ctx);
		cmd_free(&c);
	}
	finish_output();
	return rc;
}
