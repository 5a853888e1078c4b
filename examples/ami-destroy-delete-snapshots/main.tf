terraform {
  required_providers {
    ec2 = { source = "registry.terraform.io/ami-tools/ec2" }
  }
}

provider "ec2" {
  region = "us-east-1"
  # One warning per snapshot, including those deleted (default: only problems).
  snapshot_report = "all"
}

variable "root_snapshot_id" {
  type = string
}

variable "shared_snapshot_id" {
  type        = string
  description = "A data snapshot both images use."
}

resource "ec2_ami" "app" {
  name             = "app-v1"
  root_device_name = "/dev/xvda"
  delete_snapshots = true

  ebs_block_device {
    device_name = "/dev/xvda"
    snapshot_id = var.root_snapshot_id
  }

  ebs_block_device {
    device_name = "/dev/xvdb"
    snapshot_id = var.shared_snapshot_id
  }

  timeouts {
    delete = "30m"
  }
}

resource "ec2_ami" "app_copy" {
  name             = "app-v1-copy"
  root_device_name = "/dev/xvdb"
  delete_snapshots = true

  ebs_block_device {
    device_name = "/dev/xvdb"
    snapshot_id = var.shared_snapshot_id
  }
}
