#!/bin/sh
# need.sh CMD... - make sure the programs named on the command line exist.
#
# Missing programs are installed with apt-get (through sudo when not root) on
# Debian and Ubuntu. Elsewhere it prints what to install and exits 1, so that
# `make demo` stops before running a script that cannot work.
#
# Known programs: nslookup dnsmasq bc sqlite3 socat expect. Go is checked, never
# installed: distribution packages of Go are usually too old.
set -eu

# pkg_for CMD prints the Debian/Ubuntu package that provides CMD.
pkg_for() {
	case $1 in
	nslookup)
		# bind9-dnsutils since Debian 11 and Ubuntu 20.10; dnsutils before.
		if ! apt-cache show bind9-dnsutils >/dev/null 2>&1 &&
			apt-cache show dnsutils >/dev/null 2>&1; then
			echo dnsutils
		else
			echo bind9-dnsutils
		fi
		;;
	dnsmasq) echo dnsmasq-base ;;
	*) echo "$1" ;;
	esac
}

# hint_for CMD prints where CMD comes from on systems without apt-get.
hint_for() {
	case $1 in
	nslookup) echo "nslookup: Fedora/RHEL bind-utils, Alpine bind-tools, Arch bind, macOS built in" ;;
	dnsmasq) echo "dnsmasq: Fedora/RHEL dnsmasq, Alpine dnsmasq, Arch dnsmasq, macOS brew install dnsmasq" ;;
	sqlite3) echo "sqlite3: Fedora/RHEL sqlite, Alpine sqlite, Arch sqlite, macOS built in" ;;
	*) echo "$1: package $1 on Fedora/RHEL, Alpine and Arch; macOS brew install $1" ;;
	esac
}

# dnsmasq lives in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

if ! command -v go >/dev/null 2>&1; then
	echo "need.sh: go not found: install Go 1.26 or later from https://go.dev/dl/ and put it on PATH" >&2
	exit 1
fi

missing=
for cmd in "$@"; do
	case $cmd in
	nslookup | dnsmasq | bc | sqlite3 | socat | expect) ;;
	*)
		echo "need.sh: unknown program $cmd (known: nslookup dnsmasq bc sqlite3 socat expect)" >&2
		exit 2
		;;
	esac
	command -v "$cmd" >/dev/null 2>&1 || missing="$missing $cmd"
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "need.sh: missing:$missing" >&2
	echo "need.sh: this system has no apt-get; install these, then run make again:" >&2
	for cmd in $missing; do
		echo "  $(hint_for "$cmd")" >&2
	done
	exit 1
fi

# packages prints the packages that provide the missing programs.
packages() {
	for cmd in $missing; do
		printf ' %s' "$(pkg_for "$cmd")"
	done
}

sudo=
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "need.sh: missing:$missing; not root and no sudo: as root, run" >&2
		echo "  apt-get update && apt-get install -y$(packages)" >&2
		exit 1
	fi
	sudo=sudo
fi

echo "need.sh: missing:$missing; installing with apt-get" >&2
$sudo apt-get update -q
pkgs=$(packages)
echo "need.sh: apt-get install -y$pkgs" >&2
# shellcheck disable=SC2086 # $pkgs is a list of words.
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $pkgs

for cmd in $missing; do
	if ! command -v "$cmd" >/dev/null 2>&1; then
		echo "need.sh: $cmd is still missing after installing$pkgs" >&2
		exit 1
	fi
done
