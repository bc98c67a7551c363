# A precondition stops the apply before onboarding anything unless the applicant passed
# and the face matched the authoritative records at a 0.01% false-accept rate. A
# postcondition then confirms the onboarding record names the verified ticket.
data "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}

resource "terraform_data" "onboarding" {
  input = data.cloudauth_verification_status.applicant.ticket_id

  lifecycle {
    precondition {
      condition     = data.cloudauth_verification_status.applicant.passed
      error_message = "The applicant has not passed real-person verification."
    }

    precondition {
      # A score the service did not report counts as 0: no score, no match.
      condition = (
        coalesce(data.cloudauth_verification_status.applicant.authority_comparison_score, 0)
        >= provider::cloudauth::far_threshold("0.01%")
      )
      error_message = "The face does not match the authoritative records at a 0.01% false-accept rate."
    }

    postcondition {
      condition     = self.output == data.cloudauth_verification_status.applicant.ticket_id
      error_message = "The onboarding record does not name the verified ticket."
    }
  }
}
