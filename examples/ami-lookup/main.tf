terraform {
  required_providers {
    ec2 = { source = "registry.terraform.io/ami-tools/ec2" }
  }
}

provider "ec2" {
  region = "us-east-1"
}

data "ec2_ami" "web" {
  owners      = ["self"]
  most_recent = true
  name_regex  = "^web-[0-9]{4}\\.[0-9]{2}$"

  filter {
    name   = "name"
    values = ["web-*"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

output "ami_id" {
  value = data.ec2_ami.web.id
}

output "ami_name" {
  value = data.ec2_ami.web.name
}

output "root_snapshot_id" {
  value = data.ec2_ami.web.root_snapshot_id
}
