# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
# bash completion for mchostctl(8): options, commands, keywords, device
# names (from `ip link`) and, after `leave ... group`, the joined groups
# (from `mchostctl show`), in the namespace that -n names. Needs nothing
# but bash; installed as share/bash-completion/completions/mchostctl.

# The devices of the namespace (-n): names without the "@peer" suffix.
_mchostctl_devs() {
	local ns=$1
	ip ${ns:+-n "$ns"} -o link show 2>/dev/null |
		awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
}

# The groups joined (on device $3 if given), read from `show`.
_mchostctl_groups() {
	local ctl=$1 ns=$2 dev=$3
	"$ctl" ${ns:+-n "$ns"} show ${dev:+dev "$dev"} 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "group") print $(i + 1) }'
}

_mchostctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local cmds="join leave flush show save apply ifaces set monitor stats help"
	local opts="-j -p -d -f -n -b -V -h --json --pretty --details --force
		--netns --batch --version --help"
	local i w ns="" cmd="" cmdi=0 dev="" keys used=" "
	COMPREPLY=()

	# Options come first; the first other word is the command.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-n | --netns)
			ns=${COMP_WORDS[i + 1]}
			i=$((i + 1))
			;;
		-b | --batch) i=$((i + 1)) ;;
		-*) ;;
		*)
			cmd=$w
			cmdi=$i
			break
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		case $prev in
		-n | --netns)
			mapfile -t COMPREPLY < <(compgen -W "$(ip netns list 2>/dev/null | awk '{ print $1 }')" -- "$cur")
			return
			;;
		-b | --batch)
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return
			;;
		esac
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
		fi
		return
	fi

	# A prefix names the command, as mchostctl matches it.
	for w in $cmds; do
		if [[ $w == "$cmd"* ]]; then
			[[ -z $keys ]] || { keys=""; break; } # ambiguous
			keys=$w
		fi
	done
	for w in $cmds; do
		[[ $w == "$cmd" ]] && keys=$w
	done
	cmd=$keys
	case $cmd in
	join) keys="dev group mode source hold pending" ;;
	leave) keys="dev group if-exists" ;;
	flush | show | save | ifaces | stats) keys="dev" ;;
	set) keys="dev igmp_version mld_version robustness report_link_local" ;;
	help)
		((COMP_CWORD == cmdi + 1)) &&
			mapfile -t COMPREPLY < <(compgen -W "$cmds" -- "$cur")
		return
		;;
	apply)
		((COMP_CWORD == cmdi + 1)) &&
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	*) return ;;
	esac

	# The keywords given so far (each once; a value is no keyword).
	for ((i = cmdi + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		dev | group | mode | source | igmp_version | mld_version | robustness | report_link_local)
			[[ $w == dev ]] && dev=${COMP_WORDS[i + 1]}
			used+="$w "
			i=$((i + 1))
			;;
		*) used+="$w " ;;
		esac
	done

	case $prev in
	dev)
		mapfile -t COMPREPLY < <(compgen -W "$(_mchostctl_devs "$ns")" -- "$cur")
		return
		;;
	group)
		[[ $cmd == leave ]] &&
			mapfile -t COMPREPLY < <(compgen -W "$(_mchostctl_groups "${COMP_WORDS[0]}" "$ns" "$dev")" -- "$cur")
		return
		;;
	mode)
		mapfile -t COMPREPLY < <(compgen -W "include exclude" -- "$cur")
		return
		;;
	source) return ;;
	igmp_version | mld_version | robustness | report_link_local)
		case $prev in
		igmp_version) w="1 2 3" ;;
		mld_version) w="1 2" ;;
		robustness) w="1 2 3 4 5 6 7" ;;
		*) w="0 1" ;;
		esac
		mapfile -t COMPREPLY < <(compgen -W "$w default" -- "$cur")
		return
		;;
	esac
	local left=""
	for w in $keys; do
		[[ $w == source || $used != *" $w "* ]] && left+="$w "
	done
	# hold and pending exclude each other.
	[[ $used == *" hold "* ]] && left=${left/pending /}
	[[ $used == *" pending "* ]] && left=${left/hold /}
	mapfile -t COMPREPLY < <(compgen -W "$left" -- "$cur")
}
complete -F _mchostctl mchostctl
