/*
 * grpc_abseil.cc - see grpc_abseil.h. C++ only because abseil's switches are C++ functions; it uses
 * no exceptions, RTTI or standard library, so the executable still links as C.
 */
#include "grpc_abseil.h"

#include <absl/synchronization/mutex.h>

void tf_abseil_no_deadlock_detection(void)
{
    absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}
