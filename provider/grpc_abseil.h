/*
 * grpc_abseil.h - settings of abseil, the C++ library under gRPC core, that gRPC's C API does not
 * reach. Implemented in C++ (grpc_abseil.cc), the provider's only C++ file.
 */
#ifndef TF_GRPC_ABSEIL_H
#define TF_GRPC_ABSEIL_H

#ifdef __cplusplus
extern "C" {
#endif

/* Turns off absl::Mutex deadlock detection; call before gRPC starts. Debian builds abseil without
 * NDEBUG, so every lock of a gRPC mutex also updated a lock-order graph to look for cycles: 1.1 us
 * of the 11.1 us of provider CPU a PlanResourceChange call took (bench/plugin_bench.py, provider
 * and client on separate CPUs). Release builds of abseil compile that check out; this gives the
 * same behaviour at run time. */
void tf_abseil_no_deadlock_detection(void);

#ifdef __cplusplus
}
#endif

#endif
