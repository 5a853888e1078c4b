# The provider core: diagnostics, the provider block, the protocol adapters, the lifecycle rules
# and the resources. (Values and codec are listed in values.cmake, the transport in transport.cmake.)
list(APPEND TF_CORE_SOURCES
  diag.c
  plan.c
  provider.c
  provider_config.c
  protocol.c
  res_ami_schema.c
  res_ami.c
  ds_ami.c
  ami_util.c
  ami_state.c
  ami_plan.c
  ami_destroy.c
  duration.c
)
