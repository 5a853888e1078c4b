# Unit tests of the ec2_ami resource's pure parts: durations, the AMI rules (names, ARNs, times,
# tags, snapshot texts) and the resource's validation, plan defaults and image -> state mapping.
tf_add_unit_test(test_duration SOURCES test_duration.c LIBS tfcore)
tf_add_unit_test(test_ami_util SOURCES test_ami_util.c LIBS tfcore)
tf_add_unit_test(test_res_ami SOURCES test_res_ami.c LIBS tfcore)
