// Package provider is the Terraform side of the cloudauth provider: its configuration,
// the data source that reads a verification ticket's status, and the diagnostics that
// explain the service's errors.
package provider

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// Defaults of the provider arguments.
const (
	defaultRegion     = "cn-hangzhou"
	defaultMaxRetries = 3
	maxMaxRetries     = 10
)

// Environment variables each argument falls back to, in order of precedence: the
// ALIBABA_CLOUD_ names of the official tools first, then the older ALICLOUD_ ones.
var (
	envAccessKey     = []string{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"}
	envSecretKey     = []string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"}
	envSecurityToken = []string{"ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"}
	envRegion        = []string{"ALIBABA_CLOUD_REGION", "ALICLOUD_REGION"}
	envEndpoint      = []string{"ALIBABA_CLOUD_ENDPOINT_CLOUDAUTH", "CLOUDAUTH_ENDPOINT"}
)

// cloudauthProvider configures the cloudauth client the data sources share.
type cloudauthProvider struct {
	version string
}

var _ provider.Provider = (*cloudauthProvider)(nil)

// New returns a constructor of the provider at the given version.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &cloudauthProvider{version: version}
	}
}

// providerModel is the provider block.
type providerModel struct {
	Region        types.String `tfsdk:"region"`
	AccessKey     types.String `tfsdk:"access_key"`
	SecretKey     types.String `tfsdk:"secret_key"`
	SecurityToken types.String `tfsdk:"security_token"`
	Endpoint      types.String `tfsdk:"endpoint"`
	MaxRetries    types.Int64  `tfsdk:"max_retries"`
}

func (p *cloudauthProvider) Metadata(
	_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse,
) {
	resp.TypeName = "cloudauth"
	resp.Version = p.version
}

func (p *cloudauthProvider) Schema(
	_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse,
) {
	nonEmpty := []validator.String{stringvalidator.LengthAtLeast(1)}

	resp.Schema = schema.Schema{
		Description: "Reads the status of Alibaba Cloud real-person verification (cloudauth) " +
			"tickets, signed with an Alibaba Cloud access key.",
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
					envList(envAccessKey) + ".",
				Validators: nonEmpty,
			},
			"secret_key": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				Description: "Access key secret to sign requests with. Falls back to " +
					envList(envSecretKey) + ".",
				Validators: nonEmpty,
			},
			"security_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				Description: "Security token of temporary STS credentials, sent with every " +
					"request when set. Falls back to " + envList(envSecurityToken) + ".",
				Validators: nonEmpty,
			},
			"endpoint": schema.StringAttribute{
				Optional: true,
				Description: "Full URL of the cloudauth API, scheme included. Defaults to `" +
					cloudauth.DefaultEndpoint + "`. Plain `http://` is accepted only for " +
					"a loopback host. Falls back to " + envList(envEndpoint) + ".",
				Validators: []validator.String{endpointValidator{}},
			},
			"max_retries": schema.Int64Attribute{
				Optional: true,
				Description: fmt.Sprintf("How many times a throttled, unavailable or "+
					"unreachable request is retried, with exponential backoff. Defaults to "+
					"%d; at most %d.", defaultMaxRetries, maxMaxRetries),
				Validators: []validator.Int64{int64validator.Between(0, maxMaxRetries)},
			},
		},
	}
}

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
		return
	}

	settings := resolveSettings(cfg)
	if problem := checkEndpoint(settings.endpoint); problem != "" {
		resp.Diagnostics.AddError("Invalid Endpoint", fmt.Sprintf("The endpoint from %s %s.",
			envList(envEndpoint), problem))
		return
	}

	creds, summary, detail := staticCredentials(settings)
	if summary != "" {
		resp.Diagnostics.AddError(summary, detail)
		return
	}

	client, err := cloudauth.NewClient(cloudauth.Config{
		Endpoint:    settings.endpoint,
		RegionID:    settings.region,
		Credentials: creds,
		HTTPClient:  &http.Client{Transport: newTransport()},
		MaxRetries:  int(settings.maxRetries),
		UserAgent:   userAgent(p.version, req.TerraformVersion),
	})
	if err != nil {
		resp.Diagnostics.AddError("Provider Configuration Failed", err.Error())
		return
	}

	tflog.Debug(ctx, "configured cloudauth client", map[string]any{
		"endpoint": settings.endpoint, "region": settings.region,
		"max_retries": settings.maxRetries, "credentials": creds.GetProviderName(),
	})
	resp.DataSourceData = &providerData{client: client}
}

func (p *cloudauthProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{
		NewVerificationStatusDataSource,
	}
}

func (p *cloudauthProvider) Resources(context.Context) []func() resource.Resource {
	return nil
}

// providerData is what the provider hands its data sources: a client, or the names of
// the arguments that were unknown when the provider was configured.
type providerData struct {
	client  *cloudauth.Client
	unknown []string
}

// unknownArguments lists the arguments whose values are not known yet.
func (m providerModel) unknownArguments() []string {
	var unknown []string
	for name, value := range map[string]interface{ IsUnknown() bool }{
		"region": m.Region, "access_key": m.AccessKey, "secret_key": m.SecretKey,
		"security_token": m.SecurityToken, "endpoint": m.Endpoint,
		"max_retries": m.MaxRetries,
	} {
		if value.IsUnknown() {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)

	return unknown
}

// settings are the provider's arguments with environment fallbacks and defaults applied.
type settings struct {
	region, accessKey, secretKey, securityToken, endpoint string
	maxRetries                                            int64
}

func resolveSettings(cfg providerModel) settings {
	s := settings{
		region:        stringSetting(cfg.Region, envRegion, defaultRegion),
		accessKey:     stringSetting(cfg.AccessKey, envAccessKey, ""),
		secretKey:     stringSetting(cfg.SecretKey, envSecretKey, ""),
		securityToken: stringSetting(cfg.SecurityToken, envSecurityToken, ""),
		endpoint:      stringSetting(cfg.Endpoint, envEndpoint, cloudauth.DefaultEndpoint),
		maxRetries:    defaultMaxRetries,
	}
	if !cfg.MaxRetries.IsNull() {
		s.maxRetries = cfg.MaxRetries.ValueInt64()
	}

	return s
}

// stringSetting returns the configured value, else the first environment variable of
// envs that is set and not empty, else def.
func stringSetting(v types.String, envs []string, def string) string {
	if !v.IsNull() {
		return v.ValueString()
	}
	for _, name := range envs {
		if value := os.Getenv(name); value != "" {
			return value
		}
	}

	return def
}

// envList renders environment variable names for a description: `A` or `B`.
func envList(names []string) string {
	quoted := make([]string, len(names))
	for i, name := range names {
		quoted[i] = "`" + name + "`"
	}

	return strings.Join(quoted, " or ")
}

// newTransport returns the one transport every request of a configured provider shares:
// Go's default, with its proxy from the environment and connection pooling.
func newTransport() *http.Transport {
	return http.DefaultTransport.(*http.Transport).Clone()
}

// userAgent names the provider and Terraform, with TF_APPEND_USER_AGENT appended.
func userAgent(providerVersion, terraformVersion string) string {
	ua := fmt.Sprintf("terraform-provider-cloudauth/%s", providerVersion)
	if terraformVersion != "" {
		ua += fmt.Sprintf(" Terraform/%s", terraformVersion)
	}
	if extra := strings.TrimSpace(os.Getenv("TF_APPEND_USER_AGENT")); extra != "" {
		ua += " " + extra
	}

	return ua
}
