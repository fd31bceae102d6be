#include "geo/geodesy.hpp"

#include <smartkampung/geo.hpp>

#include <cmath>
#include <limits>

namespace smartkampung::geo {
namespace detail {

namespace {
constexpr double kB = kA * (1.0 - kF);                      // semi-minor axis (m)
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
// points and then stops after 1000 steps.
double vincenty(const Reduced& p, const Reduced& q) noexcept {
  double L = q.lon - p.lon;
  if (L > kPi) {
    L -= 2.0 * kPi;
  } else if (L < -kPi) {
    L += 2.0 * kPi;
  }
  const double sin_sin = p.sin_u * q.sin_u, cos_cos = p.cos_u * q.cos_u;
  const double cos_sin = p.cos_u * q.sin_u, sin_cos = p.sin_u * q.cos_u;
  double lambda = L;
  double sin_sigma = 0.0, cos_sigma = 1.0, sigma = 0.0, cos2_alpha = 1.0, cos_2sm = 0.0;
  for (int step = 0; step < 1000; ++step) {
    const double sin_l = std::sin(lambda), cos_l = std::cos(lambda);
    const double t1 = q.cos_u * sin_l, t2 = cos_sin - sin_cos * cos_l;
    sin_sigma = std::sqrt(t1 * t1 + t2 * t2);
    cos_sigma = sin_sin + cos_cos * cos_l;
    if (sin_sigma == 0.0) return 0.0;  // the same point
    sigma = std::atan2(sin_sigma, cos_sigma);
    const double sin_alpha = cos_cos * sin_l / sin_sigma;
    cos2_alpha = 1.0 - sin_alpha * sin_alpha;
    cos_2sm = cos2_alpha != 0.0 ? cos_sigma - 2.0 * sin_sin / cos2_alpha : 0.0;  // 0 on the equator
    const double c = kF / 16.0 * cos2_alpha * (4.0 + kF * (4.0 - 3.0 * cos2_alpha));
    const double previous = lambda;
    lambda = L + (1.0 - c) * kF * sin_alpha *
                     (sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm)));
    if (!(std::abs(lambda - previous) > 1e-12) || !(std::abs(lambda) < kPi)) break;
  }
  const double u2 = cos2_alpha * kSecondEcc2;
  const double a = 1.0 + u2 / 16384.0 * (4096.0 + u2 * (-768.0 + u2 * (320.0 - 175.0 * u2)));
  const double b = u2 / 1024.0 * (256.0 + u2 * (-128.0 + u2 * (74.0 - 47.0 * u2)));
  const double delta_sigma =
      b * sin_sigma *
      (cos_2sm + b / 4.0 *
                     (cos_sigma * (-1.0 + 2.0 * cos_2sm * cos_2sm) -
                      b / 6.0 * cos_2sm * (-3.0 + 4.0 * sin_sigma * sin_sigma) * (-3.0 + 4.0 * cos_2sm * cos_2sm)));
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
