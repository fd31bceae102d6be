#include "geo/geodesy.hpp"

#include <smartkampung/geo.hpp>

#include <boost/geometry/formulas/vincenty_inverse.hpp>
#include <boost/geometry/srs/spheroid.hpp>

#include <limits>

namespace smartkampung::geo {
namespace detail {

double vincenty_rad(double lat1, double lon1, double lat2, double lon2) noexcept {
  static const boost::geometry::srs::spheroid<double> wgs84(kA, kA * (1.0 - kF));
  return boost::geometry::formula::vincenty_inverse<double, true, false>::apply(lon1, lat1, lon2, lat2, wgs84)
      .distance;
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
