/*
 * res_ami.h - the ec2_ami resource and data source: their schemas (res_ami_schema.c) and what the
 * two share for turning an EC2 image into Terraform attributes (ami_state.c).
 */
#ifndef TF_RES_AMI_H
#define TF_RES_AMI_H

#include "resource.h"

extern const struct tf_schema tf_ami_schema;
extern const struct tf_schema tf_ami_data_schema;

extern const struct tf_resource tf_resource_ami;
extern const struct tf_data_source tf_data_source_ami;

#endif
