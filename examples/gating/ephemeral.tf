# With Terraform 1.10 or later, an ephemeral resource gates the same way without keeping
# the verification result in state or plan files.
ephemeral "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}

resource "terraform_data" "private_onboarding" {
  lifecycle {
    precondition {
      condition     = ephemeral.cloudauth_verification_status.applicant.passed
      error_message = "The applicant has not passed real-person verification."
    }
  }
}
