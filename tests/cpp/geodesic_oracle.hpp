// Test oracle: an independent WGS84 distance (Boost.Geometry's Vincenty) for the tests of
// certified_near, which uses the geo area's FacilityIndex (a different implementation).
#ifndef SMARTKAMPUNG_TESTS_GEODESIC_ORACLE_HPP
#define SMARTKAMPUNG_TESTS_GEODESIC_ORACLE_HPP

namespace smartkampung::cert::detail {

/// Great-circle distance on the mean-radius sphere (metres); a cheap prefilter.
double sphere_distance_m(double lat1, double lon1, double lat2, double lon2) noexcept;
/// WGS84 ellipsoidal distance (Vincenty, via Boost.Geometry), metres.
double wgs84_distance_m(double lat1, double lon1, double lat2, double lon2);

}  // namespace smartkampung::cert::detail

#endif
