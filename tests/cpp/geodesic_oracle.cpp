#include "geodesic_oracle.hpp"

#include <algorithm>
#include <boost/geometry.hpp>
#include <cmath>

namespace smartkampung::cert::detail {

namespace {
constexpr double kPi = 3.14159265358979323846;
constexpr double kMeanRadius = 6371008.8;
constexpr double rad(double deg) noexcept { return deg * kPi / 180.0; }
}  // namespace

double sphere_distance_m(double lat1, double lon1, double lat2, double lon2) noexcept {
  const double dlat = rad(lat2 - lat1);
  const double dlon = rad(lon2 - lon1);
  const double a =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(rad(lat1)) * std::cos(rad(lat2)) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2.0 * kMeanRadius * std::asin(std::min(1.0, std::sqrt(a)));
}

double wgs84_distance_m(double lat1, double lon1, double lat2, double lon2) {
  namespace bg = boost::geometry;
  using Point = bg::model::point<double, 2, bg::cs::geographic<bg::degree>>;
  static const bg::strategy::distance::vincenty<bg::srs::spheroid<double>> strategy(
      bg::srs::spheroid<double>(6378137.0, 6356752.3142451793));
  return bg::distance(Point(lon1, lat1), Point(lon2, lat2), strategy);
}

}  // namespace smartkampung::cert::detail
