terraform {
  required_providers {
    ec2 = { source = "registry.terraform.io/ami-tools/ec2" }
  }
}

provider "ec2" {
  region = "us-east-1"
}

variable "root_snapshot_id" {
  type        = string
  description = "Snapshot of the root volume (snap-...)."
}

variable "data_snapshot_id" {
  type        = string
  description = "Snapshot of the data volume (snap-...)."
}

resource "ec2_ami" "web" {
  name                = "web-2030.01"
  description         = "Web server image built from snapshots"
  architecture        = "x86_64"
  virtualization_type = "hvm"
  root_device_name    = "/dev/xvda"
  ena_support         = true
  boot_mode           = "uefi-preferred"
  imds_support        = "v2.0"

  ebs_block_device {
    device_name           = "/dev/xvda"
    snapshot_id           = var.root_snapshot_id
    volume_type           = "gp3"
    delete_on_termination = true
  }

  ebs_block_device {
    device_name = "/dev/xvdb"
    snapshot_id = var.data_snapshot_id
    volume_size = 20
    volume_type = "gp3"
  }

  ephemeral_block_device {
    device_name  = "/dev/sdc"
    virtual_name = "ephemeral0"
  }

  deprecation_time = "2030-01-01T00:00:00Z"

  tags = {
    Name = "web"
    Team = "platform"
  }

  timeouts {
    create = "1h"
  }
}

output "ami_id" {
  value = ec2_ami.web.id
}

output "ami_arn" {
  value = ec2_ami.web.arn
}
