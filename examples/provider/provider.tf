terraform {
  required_providers {
    cloudauth = {
      source = "cloudauth-oss/cloudauth"
    }
  }
}

# Keys usually come from the environment (ALIBABA_CLOUD_ACCESS_KEY_ID and
# ALIBABA_CLOUD_ACCESS_KEY_SECRET); set them here only from variables.
provider "cloudauth" {
  region     = "cn-hangzhou"
  access_key = var.access_key
  secret_key = var.secret_key
}

variable "access_key" {
  type = string
}

variable "secret_key" {
  type      = string
  sensitive = true
}
