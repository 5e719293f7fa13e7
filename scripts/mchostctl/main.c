// SPDX-License-Identifier: GPL-2.0
/*
 * mchostctl - control the mchost IGMP/MLD membership engine.
 *
 * Memberships are changed and listed through the "mchost" generic netlink
 * family (include/uapi/linux/mchost.h); protocol counters are read from
 * /proc/net/mchost. This file: options, usage, and running one command.
 */
#include "mchostctl.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	fputs("Usage: mchostctl [-j] [-d] [-b FILE] COMMAND\n"
	      "       mchostctl -h\n"
	      "Commands:\n", f);
	cmds_usage(f);
	fputs("Options:\n"
	      "  -j, --json        JSON output for show, ifaces and stats\n"
	      "  -d, --details     ifaces: also the querier state of each protocol\n"
	      "  -b, --batch FILE  run the commands in FILE, one per line (- is stdin)\n"
	      "  -h, --help        print this help\n", f);
	if (fclose(f)) {
		fputs("Error: out of memory\n", stderr);
		exit(1);
	}
	return text;
}

/* The usage text on @f, in one write when @f is unbuffered (stderr). */
static void usage(FILE *f)
{
	char *text = usage_text();

	fputs(text, f);
	free(text);
}

__printf(1, 2)
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(NULL, "Error", fmt, ap);
	va_end(ap);
	usage(stderr);
	return EXIT_USAGE;
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

	if (!(d->flags & CMDF_NETLINK))
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
		{ "details", no_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx ctx = { 0 };
	const char *batch = NULL;
	struct cmd c;
	char *err;
	int opt, rc;

	if (argc < 2) {
		usage(stdout);
		finish_output();
		return EXIT_USAGE;
	}
	opterr = 0;
	/* "+": options end at the command, whose words are not options. */
	while ((opt = getopt_long(argc, argv, "+jdb:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			ctx.json = true;
			break;
		case 'd':
			ctx.details = true;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			usage(stdout);
			finish_output();
			return 0;
		default:
			if (optopt == 'b')
				return usage_error("option -b needs a FILE");
			if (optopt == 'j' || optopt == 'h')
				return usage_error("option %s takes no value",
						   argv[optind - 1]);
			if (optopt)
				return usage_error("unknown option -%c", optopt);
			return usage_error("unknown option %s",
					   argv[optind - 1]);
		}
	}

	if (batch) {
		if (optind < argc)
			return usage_error("no COMMAND allowed with -b");
		rc = run_batch(batch, &ctx);
	} else {
		if (optind >= argc)
			return usage_error("no command given");
		err = parse_cmd(argc - optind, argv + optind, &c);
		if (err) {
			rc = usage_error("%s", err);
			free(err);
			cmd_free(&c);
			return rc;
		}
		rc = run_single(&c, &ctx);
		cmd_free(&c);
	}
	finish_output();
	return rc;
}
