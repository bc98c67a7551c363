package provider

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/cloudauth"
)

// Defaults of the provider arguments.
const (
	defaultRegion         = "cn-hangzhou"
	defaultMaxRetries     = 3
	maxMaxRetries         = 10
	defaultRequestTimeout = 30 * time.Second
	defaultProfileFile    = "~/.aliyun/config.json"

	defaultMaxConcurrency    = 10
	maxMaxConcurrency        = 100
	defaultRequestsPerSecond = 50
)

// Environment variables each argument falls back to, in order of precedence: the
// ALIBABA_CLOUD_ names of the official tools first, then the older ALICLOUD_ ones.
var (
	envAccessKey     = []string{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALICLOUD_ACCESS_KEY"}
	envSecretKey     = []string{"ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALICLOUD_SECRET_KEY"}
	envSecurityToken = []string{"ALIBABA_CLOUD_SECURITY_TOKEN", "ALICLOUD_SECURITY_TOKEN"}
	envRegion        = []string{"ALIBABA_CLOUD_REGION", "ALICLOUD_REGION"}
	envEndpoint      = []string{"ALIBABA_CLOUD_ENDPOINT_CLOUDAUTH", "CLOUDAUTH_ENDPOINT"}
	envProfile       = []string{"ALIBABA_CLOUD_PROFILE", "ALICLOUD_PROFILE"}
	envProfileFile   = []string{
		"ALIBABA_CLOUD_CREDENTIALS_FILE", "ALICLOUD_SHARED_CREDENTIALS_FILE",
	}
	envOIDCProviderARN = []string{"ALIBABA_CLOUD_OIDC_PROVIDER_ARN"}
	envOIDCTokenFile   = []string{"ALIBABA_CLOUD_OIDC_TOKEN_FILE"}
	envRoleARN         = []string{"ALIBABA_CLOUD_ROLE_ARN"}
	envRoleSessionName = []string{"ALIBABA_CLOUD_ROLE_SESSION_NAME"}
	envECSRoleName     = []string{"ALIBABA_CLOUD_ECS_METADATA"}
	envCredentialsURI  = []string{"ALIBABA_CLOUD_CREDENTIALS_URI"}
)

// providerModel is the provider block.
type providerModel struct {
	Region                types.String     `tfsdk:"region"`
	AccessKey             types.String     `tfsdk:"access_key"`
	SecretKey             types.String     `tfsdk:"secret_key"`
	SecurityToken         types.String     `tfsdk:"security_token"`
	Endpoint              types.String     `tfsdk:"endpoint"`
	MaxRetries            types.Int64      `tfsdk:"max_retries"`
	MaxConcurrency        types.Int64      `tfsdk:"max_concurrency"`
	RequestsPerSecond     types.Int64      `tfsdk:"requests_per_second"`
	RequestTimeout        types.String     `tfsdk:"request_timeout"`
	Profile               types.String     `tfsdk:"profile"`
	SharedCredentialsFile types.String     `tfsdk:"shared_credentials_file"`
	AssumeRole            *assumeRoleModel `tfsdk:"assume_role"`
	AssumeRoleWithOIDC    *oidcModel       `tfsdk:"assume_role_with_oidc"`
	STSEndpoint           types.String     `tfsdk:"sts_endpoint"`
	ECSRoleName           types.String     `tfsdk:"ecs_role_name"`
	CredentialsURI        types.String     `tfsdk:"credentials_uri"`
	CAFile                types.String     `tfsdk:"ca_file"`
	CAPEM                 types.String     `tfsdk:"ca_pem"`
	Insecure              types.Bool       `tfsdk:"insecure"`
}

// assumeRoleModel is the assume_role block.
type assumeRoleModel struct {
	RoleARN           types.String `tfsdk:"role_arn"`
	SessionName       types.String `tfsdk:"session_name"`
	ExternalID        types.String `tfsdk:"external_id"`
	Policy            types.String `tfsdk:"policy"`
	SessionExpiration types.Int64  `tfsdk:"session_expiration"`
}

// oidcModel is the assume_role_with_oidc block.
type oidcModel struct {
	OIDCProviderARN   types.String `tfsdk:"oidc_provider_arn"`
	OIDCTokenFile     types.String `tfsdk:"oidc_token_file"`
	RoleARN           types.String `tfsdk:"role_arn"`
	RoleSessionName   types.String `tfsdk:"role_session_name"`
	Policy            types.String `tfsdk:"policy"`
	SessionExpiration types.Int64  `tfsdk:"session_expiration"`
}

// unknownArguments lists the arguments whose values are not known yet, such as a key
// produced by a resource that is still to be created.
func (m providerModel) unknownArguments() []string {
	values := map[string]attr.Value{
		"region": m.Region, "access_key": m.AccessKey, "secret_key": m.SecretKey,
		"security_token": m.SecurityToken, "endpoint": m.Endpoint,
		"max_retries": m.MaxRetries, "request_timeout": m.RequestTimeout,
		"max_concurrency": m.MaxConcurrency, "requests_per_second": m.RequestsPerSecond,
		"profile": m.Profile, "shared_credentials_file": m.SharedCredentialsFile,
		"sts_endpoint": m.STSEndpoint, "ecs_role_name": m.ECSRoleName,
		"credentials_uri": m.CredentialsURI, "ca_file": m.CAFile, "ca_pem": m.CAPEM,
		"insecure": m.Insecure,
	}
	if r := m.AssumeRole; r != nil {
		values["assume_role.role_arn"] = r.RoleARN
		values["assume_role.session_name"] = r.SessionName
		values["assume_role.external_id"] = r.ExternalID
		values["assume_role.policy"] = r.Policy
		values["assume_role.session_expiration"] = r.SessionExpiration
	}
	if o := m.AssumeRoleWithOIDC; o != nil {
		values["assume_role_with_oidc.oidc_provider_arn"] = o.OIDCProviderARN
		values["assume_role_with_oidc.oidc_token_file"] = o.OIDCTokenFile
		values["assume_role_with_oidc.role_arn"] = o.RoleARN
		values["assume_role_with_oidc.role_session_name"] = o.RoleSessionName
		values["assume_role_with_oidc.policy"] = o.Policy
		values["assume_role_with_oidc.session_expiration"] = o.SessionExpiration
	}

	var unknown []string
	for name, value := range values {
		if value.IsUnknown() {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)

	return unknown
}

// setting is one argument's value and where it came from.
type setting struct {
	value string
	// source is "argument NAME" or "environment variable NAME", for messages; empty when
	// the value is a default or nothing was set.
	source string
	// fromConfig is set when the provider block set the value.
	fromConfig bool
}

func (s setting) set() bool { return s.value != "" }

// stringSetting returns the argument's configured value, else that of the first
// environment variable of envs that is set and not empty, else def.
func stringSetting(name string, v types.String, envs []string, def string) setting {
	if !v.IsNull() && !v.IsUnknown() {
		return setting{value: v.ValueString(), source: "argument " + name, fromConfig: true}
	}
	for _, env := range envs {
		if value := os.Getenv(env); value != "" {
			return setting{value: value, source: "environment variable " + env}
		}
	}

	return setting{value: def}
}

// envList renders environment variable names for a description: `A` or `B`.
func envList(names []string) string {
	quoted := make([]string, len(names))
	for i, name := range names {
		quoted[i] = "`" + name + "`"
	}

	return strings.Join(quoted, " or ")
}

// connection holds the settings of the HTTP calls the provider makes.
type connection struct {
	endpoint       setting
	region         string
	maxRetries     int
	requestTimeout time.Duration
	// maxConcurrency and requestsPerSecond bound the requests of every read together.
	maxConcurrency    int
	requestsPerSecond int
	caFile, caPEM     string
	insecure          bool
}

func resolveConnection(m providerModel) (connection, error) {
	c := connection{
		endpoint: stringSetting("endpoint", m.Endpoint, envEndpoint,
			cloudauth.DefaultEndpoint),
		region:            stringSetting("region", m.Region, envRegion, defaultRegion).value,
		maxRetries:        defaultMaxRetries,
		requestTimeout:    defaultRequestTimeout,
		maxConcurrency:    defaultMaxConcurrency,
		requestsPerSecond: defaultRequestsPerSecond,
		caFile:            m.CAFile.ValueString(),
		caPEM:             m.CAPEM.ValueString(),
		insecure:          m.Insecure.ValueBool(),
	}
	if !m.MaxRetries.IsNull() {
		c.maxRetries = int(m.MaxRetries.ValueInt64())
	}
	if !m.MaxConcurrency.IsNull() {
		c.maxConcurrency = int(m.MaxConcurrency.ValueInt64())
	}
	if !m.RequestsPerSecond.IsNull() {
		c.requestsPerSecond = int(m.RequestsPerSecond.ValueInt64())
	}
	if !m.RequestTimeout.IsNull() {
		d, err := time.ParseDuration(m.RequestTimeout.ValueString())
		if err != nil {
			return c, fmt.Errorf("request_timeout: %w", err)
		}
		c.requestTimeout = d
	}

	return c, nil
}
