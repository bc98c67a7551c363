# A check block reports, on every plan and apply, whether the applicant has passed,
# without stopping the run: a failed assertion is a warning.
data "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}

check "applicant_verified" {
  assert {
    condition     = data.cloudauth_verification_status.applicant.passed
    error_message = "Ticket ${data.cloudauth_verification_status.applicant.ticket_id} is ${data.cloudauth_verification_status.applicant.status}, not passed."
  }
}
