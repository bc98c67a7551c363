#!/usr/bin/env bash
# Prints the absolute path of a Terraform-compatible CLI for acceptance tests.
#
# Usage:
#   internal/tools/cli.sh terraform   # terraform on PATH, else builds v1.5.7 from source
#   internal/tools/cli.sh tofu        # tofu >= 1.11 on PATH, else builds v1.12.6 from source
#
# Only the path is written to stdout; progress goes to stderr, so callers can do
#   TF_ACC_TERRAFORM_PATH="$(internal/tools/cli.sh tofu)"
#
# Builds use the Go toolchain and the Go module proxy only, and are cached in
#   ${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-cloudauth
# Environment:
#   CLOUDAUTH_IGNORE_PATH_TERRAFORM=1  ignore any terraform on PATH (force the source build)
#   CLOUDAUTH_IGNORE_PATH_TOFU=1       ignore any tofu on PATH (force the source build)
#   CLOUDAUTH_CLI_CACHE_DIR=DIR        override the cache directory
set -euo pipefail

readonly TERRAFORM_VERSION=1.5.7
readonly TERRAFORM_MODULE=github.com/hashicorp/terraform
readonly TOFU_VERSION=1.12.6
readonly TOFU_MODULE=github.com/opentofu/opentofu
# Oldest tofu found on PATH that is accepted instead of building TOFU_VERSION.
readonly TOFU_MIN_MAJOR=1
readonly TOFU_MIN_MINOR=11

CACHE_DIR="${CLOUDAUTH_CLI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/terraform-provider-cloudauth}"

log() { printf 'cli.sh: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

usage() {
	cat >&2 <<'EOF'
usage: cli.sh terraform|tofu
  Prints the absolute path of the requested CLI, building it from the Go
  module proxy into the user cache when none suitable is on PATH.
EOF
	exit 2
}

# abspath FILE: absolute, symlink-free path of an existing file.
abspath() {
	local f=$1
	if command -v realpath >/dev/null 2>&1; then
		realpath "$f"
	elif readlink -f / >/dev/null 2>&1; then
		readlink -f "$f"
	else
		(cd "$(dirname "$f")" && printf '%s/%s\n' "$(pwd -P)" "$(basename "$f")")
	fi
}

require_go() {
	command -v go >/dev/null 2>&1 || die "go is not on PATH; it is needed to build $1"
}

# go_env: run the go command isolated from any surrounding module or workspace.
go_env() {
	GOWORK=off GOFLAGS="${GOFLAGS:-} -buildvcs=false" ALIBABA_CLOUD_ECS_METADATA_DISABLED=true "$@"
}

# lock NAME: hold an exclusive lock on NAME for the rest of this process, so
# that concurrent invocations do not build the same CLI twice. Without flock the
# builds still stay correct, as every result is moved into place atomically.
lock() {
	mkdir -p "$CACHE_DIR"
	if command -v flock >/dev/null 2>&1; then
		# fd 9 stays open, and so locked, until this process exits.
		exec 9>"$CACHE_DIR/.$1.lock"
		if ! flock -n 9; then
			log "waiting for another cli.sh building $1"
			flock 9
		fi
	fi
}

elapsed() { printf '%ss' "$((SECONDS - $1))"; }

cli_terraform() {
	if [[ "${CLOUDAUTH_IGNORE_PATH_TERRAFORM:-}" != 1 ]] && command -v terraform >/dev/null 2>&1; then
		abspath "$(command -v terraform)"
		return
	fi

	local dir="$CACHE_DIR/terraform-$TERRAFORM_VERSION"
	local bin="$dir/terraform"
	if [[ -x "$bin" ]]; then
		printf '%s\n' "$bin"
		return
	fi

	require_go "terraform $TERRAFORM_VERSION"
	lock "terraform-$TERRAFORM_VERSION"
	if [[ -x "$bin" ]]; then # built by a concurrent invocation while we waited
		printf '%s\n' "$bin"
		return
	fi

	log "building terraform $TERRAFORM_VERSION from $TERRAFORM_MODULE@v$TERRAFORM_VERSION (takes a few minutes once)"
	mkdir -p "$dir"
	local tmp start=$SECONDS
	tmp="$(mktemp -d "$dir/.gobin.XXXXXX")"
	# shellcheck disable=SC2064 # expand tmp now: it is local to this function
	trap "rm -rf '$tmp'" EXIT
	(cd "$dir" && GOBIN="$tmp" CGO_ENABLED=0 go_env go install -trimpath -ldflags "-s -w" \
		"$TERRAFORM_MODULE@v$TERRAFORM_VERSION") >&2 ||
		die "building terraform $TERRAFORM_VERSION failed"
	mv -f "$tmp/terraform" "$bin"
	rm -rf "$tmp"
	trap - EXIT
	log "built terraform $TERRAFORM_VERSION in $(elapsed "$start"): $bin"
	printf '%s\n' "$bin"
}

# tofu_version_ok PATH: true when PATH reports an OpenTofu version >= the minimum.
tofu_version_ok() {
	local out major minor
	out="$("$1" version 2>/dev/null)" || return 1
	# The version line reads like "OpenTofu v1.12.6"; warnings may precede it.
	[[ "$out" =~ OpenTofu\ v([0-9]+)\.([0-9]+)\. ]] || return 1
	major=${BASH_REMATCH[1]}
	minor=${BASH_REMATCH[2]}
	((major > TOFU_MIN_MAJOR || (major == TOFU_MIN_MAJOR && minor >= TOFU_MIN_MINOR)))
}

cli_tofu() {
	if [[ "${CLOUDAUTH_IGNORE_PATH_TOFU:-}" != 1 ]] && command -v tofu >/dev/null 2>&1; then
		local found
		found="$(abspath "$(command -v tofu)")"
		if tofu_version_ok "$found"; then
			printf '%s\n' "$found"
			return
		fi
		log "ignoring $found: older than $TOFU_MIN_MAJOR.$TOFU_MIN_MINOR"
	fi

	local dir="$CACHE_DIR/tofu-$TOFU_VERSION"
	local bin="$dir/tofu"
	if [[ -x "$bin" ]]; then
		printf '%s\n' "$bin"
		return
	fi

	require_go "tofu $TOFU_VERSION"
	lock "tofu-$TOFU_VERSION"
	if [[ -x "$bin" ]]; then # built by a concurrent invocation while we waited
		printf '%s\n' "$bin"
		return
	fi

	log "building tofu $TOFU_VERSION from $TOFU_MODULE@v$TOFU_VERSION (takes a few minutes once)"
	mkdir -p "$dir"
	local start=$SECONDS json src tmp
	# OpenTofu's go.mod has replace directives, so `go install module@version`
	# refuses it: download the module source and build inside a writable copy.
	json="$(cd "$dir" && go_env go mod download -json "$TOFU_MODULE@v$TOFU_VERSION")" ||
		die "downloading $TOFU_MODULE@v$TOFU_VERSION failed: $json"
	src="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n 1)"
	[[ -n "$src" && -f "$src/go.mod" ]] || die "no module directory in go mod download output: $json"

	tmp="$(mktemp -d "$dir/.src.XXXXXX")"
	# shellcheck disable=SC2064 # expand tmp now: it is local to this function
	trap "chmod -R u+w '$tmp' 2>/dev/null; rm -rf '$tmp'" EXIT
	cp -R "$src/." "$tmp/"
	chmod -R u+w "$tmp"
	# The same flags as OpenTofu's own release builds; version.dev=no drops "-dev".
	(cd "$tmp" && CGO_ENABLED=0 go_env go build -mod=readonly -trimpath \
		-ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" \
		-o "$tmp/tofu.bin" ./cmd/tofu) >&2 ||
		die "building tofu $TOFU_VERSION failed"
	mv -f "$tmp/tofu.bin" "$bin"
	rm -rf "$tmp"
	trap - EXIT
	log "built tofu $TOFU_VERSION in $(elapsed "$start"): $bin"
	printf '%s\n' "$bin"
}

main() {
	[[ $# -eq 1 ]] || usage
	case "$1" in
	terraform) cli_terraform ;;
	tofu) cli_tofu ;;
	-h | --help | help) usage ;;
	*)
		log "unknown CLI: $1"
		usage
		;;
	esac
}

main "$@"
