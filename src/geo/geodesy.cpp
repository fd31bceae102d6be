#include "geo/geodesy.hpp"

#include <cmath>
#include <limits>
#include <smartkampung/geo.hpp>

namespace smartkampung::geo {
namespace detail {

namespace {
constexpr double kB = kA * (1.0 - kF);                           // semi-minor axis (m)
constexpr double kSecondEcc2 = (kA * kA - kB * kB) / (kB * kB);  // e'^2
}  // namespace

Reduced reduce(double lat_rad, double lon_rad) noexcept {
  const double tan_u = (1.0 - kF) * std::tan(lat_rad);
  const double cos_u = 1.0 / std::sqrt(1.0 + tan_u * tan_u);
  return {tan_u * cos_u, cos_u, lon_rad};
}

// The textbook iteration (T. Vincenty, Survey Review 23(176), 1975): lambda, the longitude
// difference on the auxiliary sphere, until it changes by at most 1e-12 rad (micrometres);
// as Boost.Geometry's formula::vincenty_inverse, it may not converge for nearly antipodal
// points and then stops after 1000 steps. After the first step lambda and sigma move by
// less than f * pi, so their sines, cosines and sigma itself are carried forward by the
// angle-addition formulas with Taylor series of the small step (terms to the 7th or 9th
// power: below 1e-20 for steps under 1e-2) instead of calling sin, cos and atan2 again,
// which took most of a distance's time.
double vincenty(const Reduced& p, const Reduced& q) noexcept {
  double L = q.lon - p.lon;
  if (L > kPi) {
    L -= 2.0 * kPi;
  } else if (L < -kPi) {
    L += 2.0 * kPi;
  }
  constexpr double kSmall = 1e-2;
  const double sin_sin = p.sin_u * q.sin_u, cos_cos = p.cos_u * q.cos_u;
  const double cos_sin = p.cos_u * q.sin_u, sin_cos = p.sin_u * q.cos_u;
  double lambda = L;
  double sin_l = std::sin(lambda), cos_l = std::cos(lambda);
  double sin_sigma = 0.0, cos_sigma = 1.0, sigma = 0.0, cos2_alpha = 1.0, cos_2sm = 0.0;
  bool first = true;
  for (int step = 0; step < 1000; ++step) {
    const double t1 = q.cos_u * sin_l, t2 = cos_sin - sin_cos * cos_l;
    const double new_sin_sigma = std::sqrt(t1 * t1 + t2 * t2);
    const double new_cos_sigma = sin_sin + cos_cos * cos_l;
    if (new_sin_sigma == 0.0) return 0.0;  // the same point
    if (first) {
      sigma = std::atan2(new_sin_sigma, new_cos_sigma);
      first = false;
    } else {
      // sigma moves by atan2 of the sine and cosine of the difference.
      const double y = new_sin_sigma * cos_sigma - new_cos_sigma * sin_sigma;
      const double x = new_cos_sigma * cos_sigma + new_sin_sigma * sin_sigma;
      const double t = x > 0.0 ? y / x : 1.0;
      if (std::abs(t) < kSmall) {
        const double t2s = t * t;
        sigma += t * (1.0 - t2s * (1.0 / 3.0 - t2s * (1.0 / 5.0 - t2s * (1.0 / 7.0 - t2s / 9.0))));
      } else {
        sigma = std::atan2(new_sin_sigma, new_cos_sigma);
      }
    }
    sin_sigma = new_sin_sigma;
    cos_sigma = new_cos_sigma;
    const double sin_alpha = cos_cos * sin_l / sin_sigma;
    cos2_alpha = 1.0 - sin_alpha * sin_alpha;
    cos_2sm = cos2_alpha != 0.0 ? cos_sigma - 2.0 * sin_sin / cos2_alpha : 0.0;  // 0 on the equator
    const double c = kF / 16.0 * cos2_alpha * (4.0 + kF * (4.0 - 3.0 * cos2_alpha));
    const double previous = lambda;
    lambda = L + (1.0 - c) * kF * sin_alpha *
                     (sigma +
                      c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
    if (!(std::abs(lambda - previous) > 1e-12) || !(std::abs(lambda) < kPi)) break;
    const double d = lambda - previous;
    if (std::abs(d) < kSmall) {
      const double d2 = d * d;
      const double sin_d = d * (1.0 - d2 / 6.0 * (1.0 - d2 / 20.0 * (1.0 - d2 / 42.0)));
      const double cos_d =
          1.0 - d2 / 2.0 * (1.0 - d2 / 12.0 * (1.0 - d2 / 30.0 * (1.0 - d2 / 56.0)));
      const double s = sin_l * cos_d + cos_l * sin_d;
      cos_l = cos_l * cos_d - sin_l * sin_d;
      sin_l = s;
    } else {
      sin_l = std::sin(lambda);
      cos_l = std::cos(lambda);
    }
  }
  const double u2 = cos2_alpha * kSecondEcc2;
  const double a = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)));
  const double b = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)));
  const double delta_sigma =
      b * sin_sigma *
      (cos_2sm + b / 4.0 *
                     (cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm) -
                      b / 6.0 * cos_2sm * (-3.0 + 4.0 * sin_sigma * sin_sigma) *
                          (-3.0 + 4.0 * cos_2sm * cos_2sm)));
  return kB * a * (sigma - delta_sigma);
}

double vincenty_rad(double lat1, double lon1, double lat2, double lon2) noexcept {
  return vincenty(reduce(lat1, lon1), reduce(lat2, lon2));
}

}  // namespace detail

double wgs84_distance(double lat1, double lon1, double lat2, double lon2) noexcept {
  using namespace detail;
  if (!valid_lat(lat1) || !valid_lat(lat2) || !valid_lon(lon1) || !valid_lon(lon2)) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return vincenty_rad(lat1 * kDegToRad, lon1 * kDegToRad, lat2 * kDegToRad, lon2 * kDegToRad);
}

}  // namespace smartkampung::geo
