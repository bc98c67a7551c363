# Reads the documented example ticket from a cloudauth endpoint: `make demo` aims it at
# the bundled mock on loopback, with the mock's demo keys in the environment.
terraform {
  required_providers {
    cloudauth = {
      source = "cloudauth-oss/cloudauth"
    }
  }
}

variable "endpoint" {
  type        = string
  description = "Base URL of the cloudauth API."
}

provider "cloudauth" {
  endpoint = var.endpoint
}

data "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}

output "verification" {
  value = {
    status_code                = data.cloudauth_verification_status.applicant.status_code
    status                     = data.cloudauth_verification_status.applicant.status
    passed                     = data.cloudauth_verification_status.applicant.passed
    authority_comparison_score = data.cloudauth_verification_status.applicant.authority_comparison_score
    similarity_score           = data.cloudauth_verification_status.applicant.similarity_score
    audit_conclusions          = data.cloudauth_verification_status.applicant.audit_conclusions
  }
}
