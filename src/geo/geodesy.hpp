// Private: WGS84 distances and the bound that lets a fast unit-sphere index return the
// exact nearest facilities by ellipsoidal distance.
#ifndef SMARTKAMPUNG_SRC_GEO_GEODESY_HPP
#define SMARTKAMPUNG_SRC_GEO_GEODESY_HPP

#include <array>
#include <cmath>

namespace smartkampung::geo::detail {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kDegToRad = kPi / 180.0;
inline constexpr double kA = 6378137.0;            // WGS84 semi-major axis (m)
inline constexpr double kF = 1.0 / 298.257223563;  // WGS84 flattening
inline constexpr double kE2 = kF * (2.0 - kF);     // first eccentricity squared

// Map a geodetic (lat, lon) to the point with the same angles on the unit sphere. The
// ellipsoid's metric ds^2 = M^2 dphi^2 + N^2 cos^2(phi) dlambda^2 lies between
// min(M, N)^2 and max(M, N)^2 times the sphere's dphi^2 + cos^2(phi) dlambda^2, and
// min over latitudes of min(M, N) is M at the equator, a(1 - e^2). So for any two points
// the geodesic distance d and the central angle theta of their images satisfy
// d >= kMinScale * theta: a facility whose angle exceeds d_k / kMinScale cannot be
// closer than d_k.
inline const double kMinScale = kA * (1.0 - kE2);
inline const double kMaxScale = kA / std::sqrt(1.0 - kE2);

using Vec3 = std::array<double, 3>;

inline Vec3 unit_vector(double lat_deg, double lon_deg) {
  const double phi = lat_deg * kDegToRad;
  const double lam = lon_deg * kDegToRad;
  const double c = std::cos(phi);
  return {c * std::cos(lam), c * std::sin(lam), std::sin(phi)};
}

inline double chord2(const Vec3& a, const Vec3& b) {
  const double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return dx * dx + dy * dy + dz * dz;
}

// Central angle (radians) from a squared chord length on the unit sphere.
inline double angle_of_chord2(double c2) {
  const double half = std::sqrt(c2) * 0.5;
  return 2.0 * std::asin(half >= 1.0 ? 1.0 : half);
}

// Squared chord for a central angle (clamped to pi).
inline double chord2_of_angle(double theta) {
  if (theta >= kPi) return 4.0;
  const double c = 2.0 * std::sin(theta * 0.5);
  return c * c;
}

// Largest squared chord that can hold a facility at ellipsoidal distance <= d_m, with a
// slack for rounding in Vincenty's iteration and the vector arithmetic.
inline double search_chord2(double d_m) {
  const double slack = 1e-3 + d_m * 1e-9;
  return chord2_of_angle((d_m + slack) / kMinScale) * (1.0 + 1e-12) + 1e-24;
}

// True when every facility at squared chord >= c2 is certainly farther than d_m.
inline bool beyond(double c2, double d_m) {
  return kMinScale * angle_of_chord2(c2) > d_m + 1e-3 + d_m * 1e-9;
}

// The point on the WGS84 ellipsoid (earth-centred, earth-fixed), in units of a. A geodesic
// is a curve in space between its end points, so it is never shorter than the straight
// segment: for any two points, d >= a * |ecef_unit(p) - ecef_unit(q)|. For the distances
// between houses the bound is nearly exact (d - chord is about d^3 / 24R^2: 0.1 mm at
// 5 km), so the chord orders candidates almost as Vincenty does and prunes nearly all of
// the Vincenty calls.
inline Vec3 ecef_unit(double lat_deg, double lon_deg, Vec3* sphere = nullptr) {
  const double phi = lat_deg * kDegToRad;
  const double lam = lon_deg * kDegToRad;
  const double s = std::sin(phi), c = std::cos(phi);
  const double cos_lam = std::cos(lam), sin_lam = std::sin(lam);
  if (sphere != nullptr) *sphere = {c * cos_lam, c * sin_lam, s};  // as unit_vector
  const double n = 1.0 / std::sqrt(1.0 - kE2 * s * s);             // prime vertical radius / a
  return {n * c * cos_lam, n * c * sin_lam, n * (1.0 - kE2) * s};
}

// An upper bound (metres) on the WGS84 distance between two points whose sphere images
// (unit_vector) are at squared chord c2: the ellipsoid's metric is at most kMaxScale^2
// times the sphere's (see kMinScale; M and N both peak at the poles, at a / sqrt(1 - e^2)),
// so the image of the great circle between the images is a path on the ellipsoid no longer
// than kMaxScale * theta, and the geodesic is no longer than that path.
inline double distance_upper_bound(double c2) {
  return kMaxScale * angle_of_chord2(c2) * (1.0 + 1e-12) + 1e-9;
}

// Rounding allowance on a distance (Vincenty's iteration, the vector arithmetic).
inline double distance_slack(double d_m) { return 1e-3 + d_m * 1e-9; }

// Largest squared ECEF chord (units of a) that can hold a facility at distance <= d_m.
inline double ecef_search_chord2(double d_m) {
  const double r = (d_m + distance_slack(d_m)) / kA * (1.0 + 1e-12);
  return r * r + 1e-30;
}

// True when every facility at squared ECEF chord >= c2 is certainly farther than d_m.
inline bool ecef_beyond(double c2, double d_m) {
  return kA * std::sqrt(c2) * (1.0 - 1e-12) > d_m + distance_slack(d_m);
}

// A point as Vincenty's inverse formula uses it: the sine and cosine of its reduced
// latitude, and its longitude in radians. Computed once per facility and once per query,
// which saves a tangent, a square root and a division per distance.
struct Reduced {
  double sin_u = 0.0, cos_u = 1.0, lon = 0.0;
};
Reduced reduce(double lat_rad, double lon_rad) noexcept;

// Vincenty's inverse on WGS84 (metres). One out-of-line function serves wgs84_distance and
// the index, so that both give the same bits for the same pair.
double vincenty(const Reduced& p, const Reduced& q) noexcept;

// Vincenty inverse on WGS84, angles in radians.
double vincenty_rad(double lat1, double lon1, double lat2, double lon2) noexcept;

inline bool valid_lat(double lat) { return std::isfinite(lat) && lat >= -90.0 && lat <= 90.0; }
inline bool valid_lon(double lon) { return std::isfinite(lon) && lon >= -180.0 && lon <= 180.0; }

}  // namespace smartkampung::geo::detail

#endif
