data "cloudauth_verification_status" "applicant" {
  biz       = "RPBasic"
  ticket_id = "39ecf51e-2f81-4dc5-90ee-ff86125be683"
}

output "applicant_passed" {
  value = data.cloudauth_verification_status.applicant.passed
}

output "applicant_similarity_score" {
  value = data.cloudauth_verification_status.applicant.similarity_score
}
