terraform {
  required_providers {
    ec2 = {
      source  = "registry.terraform.io/ami-tools/ec2"
      version = "0.1.0"
    }
  }
}

provider "ec2" {
  region = "us-east-1"
}

resource "ec2_ami" "example" {
  name             = "example-image"
  root_device_name = "/dev/xvda"

  ebs_block_device {
    device_name = "/dev/xvda"
    snapshot_id = "snap-0123456789abcdef0"
  }
}
