# 90: the reference authority_comparison_score for a 0.01% false-accept rate.
output "threshold" {
  value = provider::cloudauth::far_threshold("0.01%")
}
