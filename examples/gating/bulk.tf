# Onboard a batch only when every ticket in it has passed. The bulk data source reads all
# tickets concurrently and fails as a whole if any cannot be read.
data "cloudauth_verification_statuses" "batch" {
  biz = "RPBasic"
  ticket_ids = [
    "39ecf51e-2f81-4dc5-90ee-ff86125be683",
    "5b7e0c42-9a1d-4f3e-8c6b-2d9f1a7e4c30",
  ]
}

locals {
  not_passed = sort([
    for ticket, status in data.cloudauth_verification_statuses.batch.statuses :
    ticket if !status.passed
  ])
}

resource "terraform_data" "batch_onboarding" {
  input = keys(data.cloudauth_verification_statuses.batch.statuses)

  lifecycle {
    precondition {
      condition     = length(local.not_passed) == 0
      error_message = "Not yet passed: ${join(", ", local.not_passed)}."
    }
  }
}
