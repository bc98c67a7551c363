#!/usr/bin/env bash
# Runs examples/demo end to end against the bundled mock cloudauth server: builds the
# provider and the mock, starts the mock on loopback with the documented example ticket,
# and runs terraform init, plan and apply through a dev_overrides CLI configuration in a
# temporary folder. Prints the verification status the provider read.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
terraform="${TERRAFORM:-$("$root/internal/tools/cli.sh" terraform)}"

work="$(mktemp -d "${TMPDIR:-/tmp}/cloudauth-demo.XXXXXX")"
mock_pid=""
cleanup() {
	if [[ -n "$mock_pid" ]]; then
		kill "$mock_pid" 2>/dev/null || true
		wait "$mock_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

echo "==> Building the provider and the mock server"
go build -C "$root" -o "$work/bin/terraform-provider-cloudauth" .
go build -C "$root" -o "$work/bin/cloudauth-mock" ./internal/mock/cmd/cloudauth-mock

echo "==> Starting the mock cloudauth server on loopback"
"$work/bin/cloudauth-mock" -config "$root/examples/demo/mock.json" \
	-url-file "$work/url" >/dev/null 2>"$work/mock.log" &
mock_pid=$!
for _ in $(seq 1 100); do
	[[ -s "$work/url" ]] && break
	kill -0 "$mock_pid" 2>/dev/null || { cat "$work/mock.log" >&2; exit 1; }
	sleep 0.1
done
[[ -s "$work/url" ]] || { echo "the mock did not start" >&2; exit 1; }
endpoint="$(cat "$work/url")"
echo "    serving on $endpoint"

# dev_overrides makes plan and apply use the provider just built. Terraform's init still
# looks each provider up, so the same binary also sits in a local filesystem mirror and
# init never reaches for a registry.
platform="$(go env GOOS)_$(go env GOARCH)"
mirror="$work/mirror/registry.terraform.io/cloudauth-oss/cloudauth/0.0.1/$platform"
mkdir -p "$mirror"
cp "$work/bin/terraform-provider-cloudauth" "$mirror/terraform-provider-cloudauth_v0.0.1"

cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "registry.terraform.io/cloudauth-oss/cloudauth" = "$work/bin"
  }
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/cloudauth-oss/cloudauth"]
  }
}
RC

mkdir "$work/config"
cp "$root/examples/demo/main.tf" "$work/config/"

export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_IN_AUTOMATION=1
export TF_VAR_endpoint="$endpoint"
export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tDemoAccessKey
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=demo-secret-for-the-mock-only
export ALIBABA_CLOUD_ECS_METADATA_DISABLED=true
export CHECKPOINT_DISABLE=1
unset ALIBABA_CLOUD_SECURITY_TOKEN ALICLOUD_SECURITY_TOKEN ALIBABA_CLOUD_PROFILE \
	ALICLOUD_PROFILE ALIBABA_CLOUD_ENDPOINT_CLOUDAUTH CLOUDAUTH_ENDPOINT

tf() { "$terraform" -chdir="$work/config" "$@"; }

echo "==> terraform init"
tf init -input=false -no-color >"$work/init.log" 2>&1 || { cat "$work/init.log" >&2; exit 1; }
echo "==> terraform plan"
tf plan -input=false -no-color -out="$work/plan" | sed -n '/Changes to Outputs/,$p'
echo "==> terraform apply"
tf apply -input=false -no-color "$work/plan" | sed -n '/^Apply complete/p'
echo "==> Verification status of ticket 39ecf51e-2f81-4dc5-90ee-ff86125be683 (RPBasic)"
tf output -no-color verification
echo "==> Requests the mock received, each signature checked"
cat "$work/mock.log"
