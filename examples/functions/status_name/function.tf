# "in_review"
output "status" {
  value = provider::cloudauth::status_name(0)
}
