// The range of the policy's global standard deviation sigma, shared by the
// network (which clamps log sigma to it) and the learner's config validation
// (which refuses an initial sigma outside it). Torch-free.
#ifndef HEM_LEARNER_SIGMA_LIMITS_H_
#define HEM_LEARNER_SIGMA_LIMITS_H_

namespace hem {

// log sigma is clamped to this range, so a learned sigma can neither collapse
// to 0 (infinite log-likelihood) nor explode.
inline constexpr double kMinLogSigma = -5.0;
inline constexpr double kMaxLogSigma = 2.0;

}  // namespace hem

#endif  // HEM_LEARNER_SIGMA_LIMITS_H_
