// Package provider is the Terraform side of the cloudauth provider: its configuration,
// the data source that reads a verification ticket's status, and the diagnostics that
// explain the service's errors.
package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// cloudauthProvider configures the cloudauth client the data sources share.
type cloudauthProvider struct {
	version string
}

var (
	_ provider.Provider                       = (*cloudauthProvider)(nil)
	_ provider.ProviderWithFunctions          = (*cloudauthProvider)(nil)
	_ provider.ProviderWithEphemeralResources = (*cloudauthProvider)(nil)
)

// New returns a constructor of the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &cloudauthProvider{version: version}
	}
}

// Metadata names the provider and its version.
func (p *cloudauthProvider) Metadata(
	_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse,
) {
	resp.TypeName = "cloudauth"
	resp.Version = p.version
}

// Validators and arguments shared by several parts of the schema.
var (
	nonEmpty = []validator.String{stringvalidator.LengthAtLeast(1)}

	sessionPolicyAttribute = schema.StringAttribute{
		Optional:    true,
		Description: "JSON policy that further restricts the session's permissions.",
		Validators:  nonEmpty,
	}
	sessionExpirationAttribute = schema.Int64Attribute{
		Optional: true,
		Description: "Lifetime of the session's credentials in seconds, 900 to 43200. " +
			"Defaults to 3600.",
		Validators: []validator.Int64{int64validator.Between(900, 43200)},
	}
)

// Schema describes the provider block.
func (p *cloudauthProvider) Schema(
	_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse,
) {
	resp.Schema = schema.Schema{
		Description: "Reads the status of Alibaba Cloud real-person verification (cloudauth) " +
			"tickets, signed with Alibaba Cloud credentials.",
		Attributes: map[string]schema.Attribute{
			"region": schema.StringAttribute{
				Optional: true,
				Description: "Region sent as RegionId. Defaults to `" + defaultRegion + "`, " +
					"the region of the service's one public endpoint. Falls back to " +
					envList(envRegion) + ".",
				Validators: nonEmpty,
			},
			"access_key": schema.StringAttribute{
				Optional: true,
				Description: "Access key id to sign requests with. Falls back to " +
					envList(envAccessKey) + ". Surrounding whitespace is trimmed, with a " +
					"warning.",
				Validators: nonEmpty,
			},
			"secret_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				Description: "Access key secret to sign requests with. Falls back to " +
					envList(envSecretKey) + ". Surrounding whitespace is trimmed, with a " +
					"warning.",
				Validators: nonEmpty,
			},
			"security_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				Description: "Security token of temporary STS credentials, sent with every " +
					"request when set, together with access_key and secret_key. Falls back " +
					"to " + envList(envSecurityToken) + ".",
				Validators: nonEmpty,
			},
			"profile": schema.StringAttribute{
				Optional: true,
				Description: "Profile of the aliyun CLI configuration file to take " +
					"credentials from (modes `AK`, `StsToken`, `RamRoleArn`, `EcsRamRole`, " +
					"`OIDC`, `ChainableRamRoleArn`, `External`, `CloudSSO`, `OAuth`). " +
					"Defaults to the file's current profile. Falls back to " +
					envList(envProfile) + ".",
				Validators: nonEmpty,
			},
			"shared_credentials_file": schema.StringAttribute{
				Optional: true,
				Description: "Path of the aliyun CLI configuration file. Defaults to `" +
					defaultProfileFile + "`. Falls back to " + envList(envProfileFile) + ".",
				Validators: nonEmpty,
			},
			"sts_endpoint": schema.StringAttribute{
				Optional: true,
				Description: "Host name (optionally with a port) of the STS endpoint that " +
					"`assume_role` and `assume_role_with_oidc` call, for example " +
					"`sts.cn-hangzhou.aliyuncs.com`. Defaults to `sts.aliyuncs.com`. STS is " +
					"always reached over HTTPS.",
				Validators: []validator.String{stsEndpointCheck},
			},
			"ecs_role_name": schema.StringAttribute{
				Optional: true,
				Description: "RAM role of the ECS instance the provider runs on, whose " +
					"temporary credentials are read from the instance metadata service. " +
					"Falls back to " + envList(envECSRoleName) + ".",
				Validators: nonEmpty,
			},
			"credentials_uri": schema.StringAttribute{
				Optional: true,
				Description: "URL that serves temporary credentials as JSON " +
					"(`AccessKeyId`, `AccessKeySecret`, `SecurityToken`, `Expiration`); " +
					"`https://`, or `http://` to a loopback host. Falls back to " +
					envList(envCredentialsURI) + ".",
				Validators: []validator.String{credentialsURICheck},
			},
			"endpoint": schema.StringAttribute{
				Optional: true,
				Description: "Full URL of the cloudauth API, scheme included. Defaults to `" +
					cloudauth.DefaultEndpoint + "`. Plain `http://` is accepted only for " +
					"a loopback host, since credentials travel in every request. Falls back " +
					"to " + envList(envEndpoint) + ".",
				Validators: []validator.String{endpointCheck},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				Description: fmt.Sprintf("How many times a throttled, unavailable or "+
					"unreachable request is retried, with exponential backoff. Defaults to "+
					"%d; at most %d.", defaultMaxRetries, maxMaxRetries),
				Validators: []validator.Int64{int64validator.Between(0, maxMaxRetries)},
			},
			"max_concurrency": schema.Int64Attribute{
				Optional: true,
				Description: fmt.Sprintf("Most requests in flight at once, across every "+
					"read of this provider (bulk reads run concurrently). Defaults to %d; "+
					"1 to %d.", defaultMaxConcurrency, maxMaxConcurrency),
				Validators: []validator.Int64{
					int64validator.Between(1, maxMaxConcurrency),
				},
			},
			"requests_per_second": schema.Int64Attribute{
				Optional: true,
				Description: fmt.Sprintf("Most requests started per second, retries "+
					"included, across every read of this provider. Defaults to %d, well "+
					"under the service's published limit of 500 per second; 1 to 500.",
					defaultRequestsPerSecond),
				Validators: []validator.Int64{int64validator.Between(1, 500)},
			},
			"request_timeout": schema.StringAttribute{
				Optional: true,
				Description: "Time limit of each attempt of each request, as a duration " +
					"string such as `30s` or `1m`. Defaults to `" +
					defaultRequestTimeout.String() + "`.",
				Validators: []validator.String{durationValidator{}},
			},
			"ca_file": schema.StringAttribute{
				Optional: true,
				Description: "Path of a PEM file of certificate authorities to trust, in " +
					"addition to the system's, for the cloudauth endpoint (a private CA " +
					"behind a TLS-inspecting proxy, say).",
				Validators: nonEmpty,
			},
			"ca_pem": schema.StringAttribute{
				Optional: true,
				Description: "PEM certificate authorities to trust, in addition to the " +
					"system's, for the cloudauth endpoint.",
				Validators: nonEmpty,
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				Description: "Skip verification of the cloudauth endpoint's TLS " +
					"certificate. Defaults to false. Never set it outside a test: anyone " +
					"on the path could then read and answer the requests.",
			},
		},
		Blocks: map[string]schema.Block{
			"assume_role": schema.SingleNestedBlock{
				Description: "Assume a RAM role with the credentials found otherwise, and " +
					"sign with the role's temporary credentials, refreshed before they " +
					"expire.",
				Attributes: map[string]schema.Attribute{
					"role_arn": schema.StringAttribute{
						Optional: true,
						Description: "ARN of the role to assume, such as " +
							"`acs:ram::123456789012:role/cloudauth-reader`. Required in " +
							"the block.",
						Validators: nonEmpty,
					},
					"session_name": schema.StringAttribute{
						Optional: true,
						Description: "Name of the role session. Defaults to `" +
							defaultSessionName + "`.",
						Validators: nonEmpty,
					},
					"external_id": schema.StringAttribute{
						Optional:    true,
						Description: "External id the role's trust policy requires, if any.",
						Validators:  nonEmpty,
					},
					"policy":             sessionPolicyAttribute,
					"session_expiration": sessionExpirationAttribute,
				},
			},
			"assume_role_with_oidc": schema.SingleNestedBlock{
				Description: "Assume a RAM role with an OIDC token, as in Kubernetes with " +
					"RAM Roles for Service Accounts (RRSA). Each argument falls back to the " +
					"environment variable RRSA sets.",
				Attributes: map[string]schema.Attribute{
					"oidc_provider_arn": schema.StringAttribute{
						Optional: true,
						Description: "ARN of the OIDC identity provider. Falls back to " +
							envList(envOIDCProviderARN) + ".",
						Validators: nonEmpty,
					},
					"oidc_token_file": schema.StringAttribute{
						Optional: true,
						Description: "Path of the file holding the OIDC token, read anew " +
							"at each refresh. Falls back to " + envList(envOIDCTokenFile) + ".",
						Validators: nonEmpty,
					},
					"role_arn": schema.StringAttribute{
						Optional: true,
						Description: "ARN of the role to assume. Falls back to " +
							envList(envRoleARN) + ".",
						Validators: nonEmpty,
					},
					"role_session_name": schema.StringAttribute{
						Optional: true,
						Description: "Name of the role session. Falls back to " +
							envList(envRoleSessionName) + ", then `" + defaultSessionName + "`.",
						Validators: nonEmpty,
					},
					"policy":             sessionPolicyAttribute,
					"session_expiration": sessionExpirationAttribute,
				},
			},
		},
	}
}

// Configure builds the client the data sources and ephemeral resource share: its
// transport, its credentials and its limits.
func (p *cloudauthProvider) Configure(
	ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse,
) {
	var cfg providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &cfg)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if unknown := cfg.unknownArguments(); len(unknown) > 0 {
		tflog.Debug(ctx, "deferring configuration: arguments unknown",
			map[string]any{"arguments": unknown})
		resp.DataSourceData = &providerData{unknown: unknown}
		resp.EphemeralResourceData = resp.DataSourceData
		return
	}

	if cfg.AssumeRole != nil && cfg.AssumeRole.RoleARN.IsNull() {
		resp.Diagnostics.AddAttributeError(path.Root("assume_role").AtName("role_arn"),
			"Missing Role ARN", "The assume_role block needs role_arn, the ARN of the role "+
				"to assume.")
		return
	}

	conn, err := resolveConnection(cfg)
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("request_timeout"),
			"Invalid Request Timeout", err.Error())
		return
	}
	if problem := checkEndpoint(conn.endpoint.value); problem != "" {
		resp.Diagnostics.AddError("Invalid Endpoint", fmt.Sprintf("The endpoint from %s %s.",
			conn.endpoint.source, problem))
		return
	}
	if conn.insecure {
		resp.Diagnostics.AddAttributeWarning(path.Root("insecure"),
			"TLS Verification Disabled", "insecure is true: the cloudauth endpoint's "+
				"certificate is not verified, so anyone on the network path could read the "+
				"requests and forge the answers, including whether a ticket passed. Use "+
				"ca_file or ca_pem to trust a private CA instead.")
	}

	sts, err := stsHost(cfg.STSEndpoint.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("sts_endpoint"), "Invalid STS Endpoint",
			err.Error())
		return
	}

	proxy := environmentProxy()
	transport, err := newTransport(conn, proxy)
	if err != nil {
		resp.Diagnostics.AddError("Invalid Certificate Authority", err.Error())
		return
	}

	creds, source, diags := resolveCredentials(credentialInputs{
		model: cfg, conn: conn, proxy: proxy, stsEndpoint: sts,
	})
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	client, err := cloudauth.NewClient(cloudauth.Config{
		Endpoint:          conn.endpoint.value,
		RegionID:          conn.region,
		Credentials:       creds,
		CredentialsSource: source,
		HTTPClient:        &http.Client{Transport: transport},
		MaxRetries:        conn.maxRetries,
		RequestTimeout:    conn.requestTimeout,
		MaxConcurrency:    conn.maxConcurrency,
		RequestsPerSecond: float64(conn.requestsPerSecond),
		UserAgent:         userAgent(p.version, req.TerraformVersion),
	})
	if err != nil {
		resp.Diagnostics.AddError("Provider Configuration Failed", err.Error())
		return
	}

	tflog.Debug(ctx, "configured cloudauth client", map[string]any{
		"endpoint": conn.endpoint.value, "region": conn.region,
		"max_retries": conn.maxRetries, "request_timeout": conn.requestTimeout.String(),
		"credentials": source,
	})
	resp.DataSourceData = &providerData{client: client}
	resp.EphemeralResourceData = resp.DataSourceData
}

// DataSources lists the provider's data sources.
func (p *cloudauthProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewVerificationStatusDataSource,
		NewVerificationStatusesDataSource,
	}
}

// EphemeralResources lists the provider's ephemeral resources.
func (p *cloudauthProvider) EphemeralResources(
	context.Context,
) []func() ephemeral.EphemeralResource {
	return []func() ephemeral.EphemeralResource{
		NewVerificationStatusEphemeralResource,
	}
}

// Functions lists the provider's functions.
func (p *cloudauthProvider) Functions(context.Context) []func() function.Function {
	return []func() function.Function{
		NewFarThresholdFunction,
		NewStatusNameFunction,
	}
}

// Resources lists the provider's managed resources: none, it only reads.
func (p *cloudauthProvider) Resources(context.Context) []func() resource.Resource {
	return nil
}

// providerData is what the provider hands its data sources: a client, or the names of
// the arguments that were unknown when the provider was configured.
type providerData struct {
	client  *cloudauth.Client
	unknown []string
}

// userAgent names the provider and Terraform, with TF_APPEND_USER_AGENT appended.
func userAgent(providerVersion, terraformVersion string) string {
	ua := fmt.Sprintf("terraform-provider-cloudauth/%s", providerVersion)
	if terraformVersion != "" {
		ua += fmt.Sprintf(" Terraform/%s", terraformVersion)
	}
	// A control character (a newline, say) would make every request invalid.
	extra := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, os.Getenv("TF_APPEND_USER_AGENT"))
	if extra = strings.TrimSpace(extra); extra != "" {
		ua += " " + extra
	}

	return ua
}
