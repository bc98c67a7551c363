// Command terraform-provider-cloudauth is the Terraform provider for Alibaba Cloud's
// real-person verification service (cloudauth).
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/provider"
)

// Set at release time by the linker.
var (
	version = "dev"
	commit  = "none"
)

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers")
	flag.Parse()

	opts := providerserver.ServeOpts{
		Address: "registry.terraform.io/cloudauth-oss/cloudauth",
		Debug:   debug,
	}
	if err := providerserver.Serve(context.Background(), provider.New(version), opts); err != nil {
		log.Fatalf("%s (commit %s): %v", "terraform-provider-cloudauth", commit, err)
	}
}
