package provider

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

func TestAccProvider_requestTimeoutBoundsEachAttempt(t *testing.T) {
	server := newMock(t)
	if err := server.Inject(mock.Fault{Kind: mock.FaultDelay,
		Delay: mock.Duration(5 * time.Second)}); err != nil {
		t.Fatal(err)
	}

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProviders,
		Steps: []resource.TestStep{{
			Config: providerBlock(server, `request_timeout = "300ms"`, "max_retries = 1") +
				readExample,
			ExpectError: diagRegexp("Cloudauth Unreachable",
				"no answer within the request timeout of 300ms", "Attempts: 2"),
		}},
	})

	if n := len(server.Requests()); n != 2 {
		t.Errorf("%d attempts, want 2: the first and one retry", n)
	}
}

// TestReadStatus_cancelStopsAtOnce stands for Ctrl-C: Terraform stops the provider, which
// cancels the context of the read in flight.
func TestReadStatus_cancelStopsAtOnce(t *testing.T) {
	server := newMock(t)
	if err := server.Inject(mock.Fault{Kind: mock.FaultDelay,
		Delay: mock.Duration(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	creds, _, diags := resolveCredentials(credentialInputs{model: providerModel{
		AccessKey: types.StringValue(testKeyID), SecretKey: types.StringValue(testSecret),
	}, proxy: environmentProxy()})
	if diags.HasError() {
		t.Fatal(diags)
	}
	client, err := cloudauth.NewClient(cloudauth.Config{
		Endpoint: server.URL, RegionID: "cn-hangzhou", Credentials: creds,
		HTTPClient: &http.Client{}, MaxRetries: 3,
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, problem := readStatus(ctx, client, exampleBiz, exampleTicket)

	if problem == nil || problem.Summary() != "Read Canceled" {
		t.Fatalf("diagnostic %v, want Read Canceled", problem)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("returned %s after the start, want within a second", elapsed)
	}
	if n := len(server.Requests()); n != 1 {
		t.Errorf("%d attempts, want 1: no retry after Ctrl-C", n)
	}
}
