// Tests of the geo area: every query against a linear scan by WGS84 distance, bed
// reservations under contention, and assignment against a min-cost-flow oracle.
#include <smartkampung/geo.hpp>

// Boost Graph and Karney's formula trip GCC's -Wmaybe-uninitialized when inlined at -O2.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/geometry/formulas/vincenty_inverse.hpp>
#include <boost/geometry/srs/spheroid.hpp>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "geo/assign_solver.hpp"
#include "geo/facility_index_impl.hpp"
#include "geo/geodesy.hpp"

using namespace smartkampung;
using namespace smartkampung::geo;

namespace {

bool small_run() {
  const char* s = std::getenv("SKAMP_TEST_SIZE");
  return s != nullptr && std::string(s) == "small";
}

bool slow_enabled() { return std::getenv("SKAMP_SLOW_TESTS") != nullptr; }

// ---- the oracle: a plain linear scan ---------------------------------------------

bool passes(const Facility& f, const Filter& filter) {
  if (!filter.include_closed && !f.open) return false;
  if (filter.kind && f.kind != *filter.kind) return false;
  if (filter.min_free > 0 && f.capacity - f.occupied < filter.min_free) return false;
  return true;
}

std::vector<Neighbor> scan(const std::vector<Facility>& fs, double lat, double lon,
                           const Filter& filter) {
  std::vector<Neighbor> all;
  for (const auto& f : fs) {
    if (passes(f, filter)) all.push_back({f.id, wgs84_distance(lat, lon, f.lat, f.lon)});
  }
  std::sort(all.begin(), all.end(), [](const Neighbor& a, const Neighbor& b) {
    return a.distance_m < b.distance_m || (a.distance_m == b.distance_m && a.id < b.id);
  });
  return all;
}

void expect_same(const std::vector<Neighbor>& got, const std::vector<Neighbor>& want,
                 const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].id, want[i].id) << what << " at " << i;
    ASSERT_NEAR(got[i].distance_m, want[i].distance_m, 1e-3) << what << " at " << i;
  }
}

enum class Region { kBanyuwangi, kAntimeridian, kNorthPole, kSouthPole, kWorld };

struct Point {
  double lat, lon;
};

Point random_point(std::mt19937_64& rng, Region region) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  switch (region) {
    case Region::kBanyuwangi:
      return {-8.8 + 1.1 * u(rng), 113.8 + 0.8 * u(rng)};
    case Region::kAntimeridian: {
      double lon = 179.0 + 1.0 * u(rng);
      if (u(rng) < 0.5) lon = -lon;
      return {-20.0 + 40.0 * u(rng), lon};
    }
    case Region::kNorthPole:
      return {88.5 + 1.5 * u(rng), -180.0 + 360.0 * u(rng)};
    case Region::kSouthPole:
      return {-90.0 + 1.5 * u(rng), -180.0 + 360.0 * u(rng)};
    case Region::kWorld:
      return {-85.0 + 170.0 * u(rng), -180.0 + 360.0 * u(rng)};
  }
  return {0, 0};
}

// n facilities, `available` of them with free beds, a few closed, some duplicate places.
std::vector<Facility> make_facilities(std::mt19937_64& rng, std::size_t n, double available,
                                      Region region) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Facility> fs;
  for (std::size_t i = 0; i < n; ++i) {
    Facility f;
    f.id = static_cast<std::int64_t>(i * 7 + 3);
    if (i > 0 && u(rng) < 0.05) {
      const auto& twin = fs[std::uniform_int_distribution<std::size_t>(0, i - 1)(rng)];
      f.lat = twin.lat;  // duplicate location: ties broken by id
      f.lon = twin.lon;
    } else {
      const Point p = random_point(rng, region);
      f.lat = p.lat;
      f.lon = p.lon;
    }
    f.capacity = std::uniform_int_distribution<int>(1, 12)(rng);
    f.occupied = u(rng) < available ? std::uniform_int_distribution<int>(0, f.capacity - 1)(rng)
                                    : f.capacity;
    f.open = u(rng) > 0.03;
    f.kind = u(rng) < 0.8 ? "isolation" : "puskesmas";
    fs.push_back(f);
  }
  return fs;
}

void check_queries(const std::vector<Facility>& fs, FacilityIndex& index, std::mt19937_64& rng,
                   Region region, int queries) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const std::vector<Filter> filters = {Filter{},
                                       Filter{1, std::nullopt, false},
                                       Filter{3, std::nullopt, false},
                                       Filter{1, std::string("puskesmas"), false},
                                       Filter{0, std::nullopt, true},
                                       Filter{1, std::string("no such kind"), false}};
  const std::vector<std::size_t> ks = {1, 5, 20, fs.size() + 3};
  for (int q = 0; q < queries; ++q) {
    const Point p = u(rng) < 0.2 && !fs.empty()
                        ? Point{fs[q % fs.size()].lat, fs[q % fs.size()].lon}
                        : random_point(rng, region);
    const Filter& filter = filters[q % filters.size()];
    const std::size_t k = ks[(q / filters.size()) % ks.size()];
    auto want = scan(fs, p.lat, p.lon, filter);
    const std::string what = "query " + std::to_string(q) + " k=" + std::to_string(k) +
                             " min_free=" + std::to_string(filter.min_free) + " at " +
                             std::to_string(p.lat) + "," + std::to_string(p.lon);
    auto got = index.nearest(p.lat, p.lon, k, filter);
    auto want_k = want;
    if (want_k.size() > k) want_k.resize(k);
    expect_same(got, want_k, "nearest " + what);
    // Radius: around the 3rd answer's distance, so the boundary is exercised.
    const double radius =
        want.empty() ? 1000.0 : want[std::min<std::size_t>(2, want.size() - 1)].distance_m;
    auto within = index.within(p.lat, p.lon, radius, filter);
    std::vector<Neighbor> want_within;
    for (const auto& nb : want) {
      if (nb.distance_m <= radius) want_within.push_back(nb);
    }
    expect_same(within, want_within, "within " + what);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

void property_run(std::size_t n, double available, Region region, int queries) {
  std::mt19937_64 rng(n * 1000 + static_cast<std::size_t>(available * 100) +
                      static_cast<std::size_t>(region));
  const auto fs = make_facilities(rng, n, available, region);
  for (const std::size_t linear_below : {std::size_t{0}, std::size_t{1} << 40}) {
    FacilityIndex index(fs);
    index.set_linear_scan_below(linear_below);
    check_queries(fs, index, rng, region, queries);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace

// ---- distances ------------------------------------------------------------------

TEST(GeoDistance, KnownValues) {
  // One degree along the equator is a * pi / 180 exactly.
  EXPECT_NEAR(wgs84_distance(0, 0, 0, 1), 6378137.0 * detail::kPi / 180.0, 1e-6);
  // The quarter meridian of WGS84: 10,001,965.729 m.
  EXPECT_NEAR(wgs84_distance(0, 0, 90, 0), 10001965.7293, 1e-3);
  EXPECT_EQ(wgs84_distance(-8.2, 114.3, -8.2, 114.3), 0.0);
  EXPECT_TRUE(std::isnan(wgs84_distance(91, 0, 0, 0)));
  EXPECT_TRUE(std::isnan(wgs84_distance(std::nan(""), 0, 0, 0)));
  EXPECT_TRUE(std::isnan(wgs84_distance(0, 180.5, 0, 0)));
  // Symmetric across the antimeridian.
  EXPECT_NEAR(wgs84_distance(0, 179.9, 0, -179.9), 6378137.0 * detail::kPi / 180.0 * 0.2, 1e-4);
}

// Meridian arc length by numerical integration of M(phi) (composite Simpson): a reference
// computed independently of Vincenty's iteration.
double meridian_arc(double lat1_deg, double lat2_deg) {
  const double a = detail::kA, e2 = detail::kE2;
  const double p1 = lat1_deg * detail::kDegToRad, p2 = lat2_deg * detail::kDegToRad;
  const int steps = 2000;
  const double h = (p2 - p1) / steps;
  const auto m = [&](double phi) {
    const double s = std::sin(phi);
    return a * (1 - e2) / std::pow(1 - e2 * s * s, 1.5);
  };
  double sum = m(p1) + m(p2);
  for (int i = 1; i < steps; ++i) sum += m(p1 + i * h) * (i % 2 == 1 ? 4 : 2);
  return std::abs(sum * h / 3);
}

TEST(GeoDistance, VincentyAgreesWithIndependentReferencesToACentimetre) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(-89.0, 89.0), lon(-180.0, 180.0), deg(0.0, 170.0);
  for (int i = 0; i < 1000; ++i) {
    // Along a meridian, and over a pole (to the opposite meridian).
    const double lat1 = lat(rng), lat2 = lat(rng), lam = lon(rng);
    ASSERT_NEAR(wgs84_distance(lat1, lam, lat2, lam), meridian_arc(lat1, lat2), 0.01)
        << lat1 << " " << lat2;
    const double opposite = lam > 0 ? lam - 180.0 : lam + 180.0;
    const double over_pole = meridian_arc(lat1, 90.0) + meridian_arc(lat2, 90.0);
    if (lat1 + lat2 > 4.0) {  // far from the nearly antipodal case
      ASSERT_NEAR(wgs84_distance(lat1, lam, lat2, opposite), over_pole, 0.01)
          << lat1 << " " << lat2;
    }
    // Along the equator (a geodesic for arcs below (1 - f) * 180 degrees).
    const double d = deg(rng);
    double lon2 = lam + d;
    if (lon2 > 180.0) lon2 -= 360.0;
    ASSERT_NEAR(wgs84_distance(0.0, lam, 0.0, lon2), detail::kA * d * detail::kDegToRad, 0.01);
  }
  // Published:
  // documentation example (GeodSolve -i) JFK -> LHR on WGS84 is 5,551,759.400319 m.
  EXPECT_NEAR(wgs84_distance(40.6, -73.8, 51.6, -0.5), 5551759.400319, 0.01);
}

// The library's own Vincenty against Boost.Geometry's implementation of the same formula.
TEST(GeoDistance, VincentyEqualsBoostGeometrysToAMicrometre) {
  const boost::geometry::srs::spheroid<double> wgs84(detail::kA,
                                                     detail::kA * (1.0 - 1.0 / 298.257223563));
  std::mt19937_64 rng(13);
  std::uniform_real_distribution<double> lat(-90.0, 90.0), lon(-180.0, 180.0), u(-1.0, 1.0);
  for (int i = 0; i < 20000; ++i) {
    const double lat1 = lat(rng), lon1 = lon(rng);
    double lat2 = lat(rng), lon2 = lon(rng);
    if (i % 2 == 0) {  // nearby
      lat2 = std::clamp(lat1 + 0.2 * u(rng), -90.0, 90.0);
      lon2 = std::clamp(lon1 + 0.2 * u(rng), -180.0, 180.0);
    }
    const auto a = detail::unit_vector(lat1, lon1), b = detail::unit_vector(lat2, lon2);
    if (detail::angle_of_chord2(detail::chord2(a, b)) > 3.0)
      continue;  // nearly antipodal: unreliable
    const double k = detail::kDegToRad;
    const double theirs = boost::geometry::formula::vincenty_inverse<double, true, false>::apply(
                              lon1 * k, lat1 * k, lon2 * k, lat2 * k, wgs84)
                              .distance;
    ASSERT_NEAR(wgs84_distance(lat1, lon1, lat2, lon2), theirs, 1e-6 + 1e-12 * theirs)
        << lat1 << "," << lon1 << " " << lat2 << "," << lon2;
  }
}

TEST(GeoDistance, LowerBoundHolds) {
  // The proven bound d >= a * |ecef(p) - ecef(q)| (a geodesic is never shorter than the
  // straight segment), checked numerically over random pairs, near and far; and the search
  // radius it gives (ecef_search_chord2, ecef_beyond) holds every point within d.
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> lat(-90.0, 90.0), lon(-180.0, 180.0), u(-1.0, 1.0);
  for (int i = 0; i < 40000; ++i) {
    const double lat1 = lat(rng), lon1 = lon(rng);
    double lat2 = lat(rng), lon2 = lon(rng);
    if (i % 2 == 0) {  // nearby: within about 10 km
      lat2 = std::clamp(lat1 + 0.1 * u(rng), -90.0, 90.0);
      lon2 = std::clamp(lon1 + 0.1 * u(rng), -180.0, 180.0);
    }
    const auto a = detail::unit_vector(lat1, lon1), b = detail::unit_vector(lat2, lon2);
    if (detail::angle_of_chord2(detail::chord2(a, b)) > 3.0)
      continue;  // Vincenty is unreliable near antipodes
    const double d = wgs84_distance(lat1, lon1, lat2, lon2);
    const double c2 = detail::chord2(detail::ecef_unit(lat1, lon1), detail::ecef_unit(lat2, lon2));
    // Vincenty itself rounds to some micrometres; the search allows 1 mm.
    EXPECT_GE(d + 1e-4, detail::kA * std::sqrt(c2))
        << lat1 << "," << lon1 << " " << lat2 << "," << lon2;
    EXPECT_LE(c2, detail::ecef_search_chord2(d));
    EXPECT_FALSE(detail::ecef_beyond(c2, d));
    if (d < 5000.0) {
      EXPECT_LT(d - detail::kA * std::sqrt(c2), 5e-4);  // nearly exact at short range (d^3/24R^2)
    }
  }
}

TEST(GeoDistance, UpperBoundHolds) {
  // The batch's seed: d <= a / sqrt(1 - e^2) * theta, theta the angle between the points'
  // images on the unit sphere; checked over random pairs, near and far, poles included.
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> lat(-90.0, 90.0), lon(-180.0, 180.0), u(-1.0, 1.0);
  for (int i = 0; i < 40000; ++i) {
    const double lat1 = lat(rng), lon1 = lon(rng);
    double lat2 = lat(rng), lon2 = lon(rng);
    if (i % 2 == 0) {  // nearby
      lat2 = std::clamp(lat1 + 0.05 * u(rng), -90.0, 90.0);
      lon2 = std::clamp(lon1 + 0.05 * u(rng), -180.0, 180.0);
    }
    const auto a = detail::unit_vector(lat1, lon1), b = detail::unit_vector(lat2, lon2);
    if (detail::angle_of_chord2(detail::chord2(a, b)) > 3.0)
      continue;  // Vincenty is unreliable near antipodes
    const double d = wgs84_distance(lat1, lon1, lat2, lon2);
    detail::Vec3 sa, sb;
    detail::ecef_unit(lat1, lon1, &sa);
    detail::ecef_unit(lat2, lon2, &sb);
    ASSERT_EQ(sa, a);
    EXPECT_LE(d, detail::distance_upper_bound(detail::chord2(sa, sb)) + 1e-4)
        << lat1 << "," << lon1 << " " << lat2 << "," << lon2;
  }
}

// ---- queries equal a linear scan ------------------------------------------------------

class GeoProperty : public ::testing::TestWithParam<std::tuple<std::size_t, double>> {};

TEST_P(GeoProperty, QueriesEqualLinearScan) {
  const auto [n0, available] = GetParam();
  const std::size_t n = small_run() ? std::min<std::size_t>(n0, 1000) : n0;
  const int queries = n >= 10000 ? 100 : 300;
  property_run(n, available, Region::kBanyuwangi, queries);
}

INSTANTIATE_TEST_SUITE_P(Sizes, GeoProperty,
                         ::testing::Combine(::testing::Values(std::size_t{100}, std::size_t{10000}),
                                            ::testing::Values(0.01, 0.5, 1.0)));

TEST(GeoPropertyRegions, AntimeridianPolesWorld) {
  for (const Region r :
       {Region::kAntimeridian, Region::kNorthPole, Region::kSouthPole, Region::kWorld}) {
    for (const double available : {0.01, 0.5, 1.0}) {
      property_run(small_run() ? 300 : 2000, available, r, 100);
      if (HasFatalFailure()) return;
    }
  }
}

TEST(GeoPropertyEdge, EmptyAllFullTinyAndDuplicates) {
  FacilityIndex empty;
  EXPECT_TRUE(empty.nearest(-8.2, 114.3, 5).empty());
  EXPECT_TRUE(empty.within(-8.2, 114.3, 1e7).empty());

  std::vector<Facility> fs;
  for (int i = 0; i < 50; ++i)
    fs.push_back({100 - i, "", -8.2, 114.3, "", 2, 2, true});  // all full, same place
  FacilityIndex full(fs);
  EXPECT_TRUE(full.nearest(-8.3, 114.3, 3, Filter{1, std::nullopt, false}).empty());
  const auto any = full.nearest(-8.3, 114.3, 3);
  ASSERT_EQ(any.size(), 3u);
  EXPECT_EQ(any[0].id, 51);  // ties by id
  EXPECT_EQ(any[1].id, 52);
  EXPECT_EQ(any[0].distance_m, any[2].distance_m);
  const auto all = full.nearest(-8.3, 114.3, 500);
  EXPECT_EQ(all.size(), 50u);
}

TEST(SlowGeoProperty, MillionFacilities) {
  if (!slow_enabled()) GTEST_SKIP() << "set SKAMP_SLOW_TESTS=1";
  for (const double available : {0.01, 0.5, 1.0}) {
    std::mt19937_64 rng(99);
    const auto fs = make_facilities(rng, 1000000, available, Region::kBanyuwangi);
    FacilityIndex index(fs);
    check_queries(fs, index, rng, Region::kBanyuwangi, 40);
  }
}

// ---- batch ---------------------------------------------------------------------------

TEST(GeoBatch, EqualsSingleQueriesWithPadding) {
  std::mt19937_64 rng(5);
  const auto fs = make_facilities(rng, 3000, 0.3, Region::kBanyuwangi);
  FacilityIndex index(fs);
  const std::size_t n = 5000, k = 4;
  std::vector<double> lats(n), lons(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Point p = random_point(rng, Region::kBanyuwangi);
    lats[i] = p.lat;
    lons[i] = p.lon;
  }
  const Filter filter{2, std::string("puskesmas"), false};
  std::vector<std::int64_t> ids(n * k);
  std::vector<double> dists(n * k);
  index.nearest_batch(n, lats.data(), lons.data(), k, filter, ids.data(), dists.data(), 2);
  for (std::size_t i = 0; i < n; i += 7) {
    const auto one = index.nearest(lats[i], lons[i], k, filter);
    for (std::size_t j = 0; j < k; ++j) {
      if (j < one.size()) {
        EXPECT_EQ(ids[i * k + j], one[j].id);
        EXPECT_EQ(dists[i * k + j], one[j].distance_m);
      } else {
        EXPECT_EQ(ids[i * k + j], -1);
        EXPECT_TRUE(std::isinf(dists[i * k + j]));
      }
    }
  }
  lats[17] = std::nan("");
  EXPECT_THROW(
      index.nearest_batch(n, lats.data(), lons.data(), k, filter, ids.data(), dists.data()), Error);
}

// Batches of at least detail::kOrderedBatchMin points take the ordered path (Hilbert order,
// seeded searches, the per-thread cached ball): every row must equal nearest() on its own,
// which the property tests hold to the linear scan; a sample is checked against the scan too.
void check_batch(const std::vector<Facility>& fs, const FacilityIndex& index, std::mt19937_64& rng,
                 Region region, std::size_t n, std::size_t k, const Filter& filter,
                 unsigned threads, const std::string& what) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> lats(n), lons(n);
  for (std::size_t i = 0; i < n; ++i) {
    Point p = random_point(rng, region);
    const double r = u(rng);
    if (r < 0.1 && !fs.empty()) {
      p = {fs[i % fs.size()].lat, fs[i % fs.size()].lon};  // at a facility: distance 0
    } else if (r < 0.2 && i > 0) {
      p = {lats[i - 1], lons[i - 1]};  // the same point again
    }
    lats[i] = p.lat;
    lons[i] = p.lon;
  }
  std::vector<std::int64_t> ids(n * k);
  std::vector<double> dists(n * k);
  index.nearest_batch(n, lats.data(), lons.data(), k, filter, ids.data(), dists.data(), threads);
  for (std::size_t i = 0; i < n; ++i) {
    const auto one = index.nearest(lats[i], lons[i], k, filter);
    for (std::size_t j = 0; j < k; ++j) {
      if (j < one.size()) {
        ASSERT_EQ(ids[i * k + j], one[j].id) << what << " row " << i << " at " << j;
        ASSERT_EQ(dists[i * k + j], one[j].distance_m) << what << " row " << i << " at " << j;
      } else {
        ASSERT_EQ(ids[i * k + j], -1) << what << " row " << i << " at " << j;
        ASSERT_TRUE(std::isinf(dists[i * k + j])) << what << " row " << i << " at " << j;
      }
    }
    if (i % 97 == 0) {
      auto want = scan(fs, lats[i], lons[i], filter);
      if (want.size() > k) want.resize(k);
      expect_same(one, want, what + " scan row " + std::to_string(i));
    }
  }
}

TEST(GeoBatch, OrderedPathEqualsSingleQueriesEverywhere) {
  const std::size_t n = std::max<std::size_t>(detail::kOrderedBatchMin, small_run() ? 2100 : 3000);
  const std::vector<Filter> filters = {Filter{}, Filter{1, std::nullopt, false},
                                       Filter{2, std::string("puskesmas"), false},
                                       Filter{0, std::nullopt, true}};
  for (const Region region : {Region::kBanyuwangi, Region::kAntimeridian, Region::kNorthPole,
                              Region::kSouthPole, Region::kWorld}) {
    for (const double available : {0.01, 0.5, 1.0}) {
      std::mt19937_64 rng(500 + static_cast<int>(region) * 10 + static_cast<int>(available * 4));
      const auto fs = make_facilities(rng, small_run() ? 400 : 1500, available, region);
      FacilityIndex index(fs);
      for (std::size_t f = 0; f < filters.size(); ++f) {
        const std::size_t k = f % 2 == 0 ? 1 : 5;
        const std::string what = "region " + std::to_string(static_cast<int>(region)) +
                                 " available " + std::to_string(available) + " filter " +
                                 std::to_string(f) + " k " + std::to_string(k);
        check_batch(fs, index, rng, region, n, k, filters[f], f % 2 == 0 ? 1 : 2, what);
        if (HasFatalFailure()) return;
      }
    }
  }
}

TEST(GeoBatch, OrderedPathAllFullKAboveNTinyAndDuplicates) {
  const std::size_t n = detail::kOrderedBatchMin + 50;
  std::mt19937_64 rng(77);
  // Every house full: nothing passes a free-bed filter, everything passes none.
  std::vector<Facility> full;
  for (int i = 0; i < 200; ++i) {
    const Point p = random_point(rng, Region::kBanyuwangi);
    full.push_back({i, "", p.lat, p.lon, "", 3, 3, true});
  }
  FacilityIndex full_index(full);
  check_batch(full, full_index, rng, Region::kBanyuwangi, n, 2, Filter{1, std::nullopt, false}, 2,
              "all full");
  check_batch(full, full_index, rng, Region::kBanyuwangi, n, 1, Filter{}, 2, "all full, no filter");
  // k above the number of passing houses: padded rows.
  check_batch(full, full_index, rng, Region::kBanyuwangi, n, full.size() + 3, Filter{}, 2, "k > n");
  // Every house at one of three places (ties broken by id), a few with a free bed.
  std::vector<Facility> piled;
  for (int i = 0; i < 300; ++i) {
    const double lat = -8.2 - 0.01 * (i % 3), lon = 114.3 + 0.01 * (i % 3);
    piled.push_back({1000 - i, "", lat, lon, "", 2, i % 7 == 0 ? 1 : 2, true});
  }
  FacilityIndex piled_index(piled);
  check_batch(piled, piled_index, rng, Region::kBanyuwangi, n, 4, Filter{}, 2, "piled");
  check_batch(piled, piled_index, rng, Region::kBanyuwangi, n, 4, Filter{1, std::nullopt, false}, 1,
              "piled free");
  // Below the linear-scan threshold the batch keeps to the scan.
  std::vector<Facility> tiny(full.begin(), full.begin() + 10);
  tiny[3].occupied = 0;
  FacilityIndex tiny_index(tiny);
  check_batch(tiny, tiny_index, rng, Region::kBanyuwangi, n, 3, Filter{1, std::nullopt, false}, 2,
              "tiny");
  // All points the same (a degenerate bounding box).
  std::vector<double> lats(n, -8.3), lons(n, 114.2);
  std::vector<std::int64_t> ids(n);
  std::vector<double> dists(n);
  full_index.nearest_batch(n, lats.data(), lons.data(), 1, Filter{}, ids.data(), dists.data(), 2);
  const auto one = full_index.nearest(-8.3, 114.2, 1);
  for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(ids[i], one[0].id);
}

TEST(GeoBatch, HilbertKeyWalksTheGridCellByCell) {
  for (int bits = 1; bits <= 7; ++bits) {
    const std::uint32_t side = 1u << bits;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> at(side * side, {side, side});
    for (std::uint32_t x = 0; x < side; ++x) {
      for (std::uint32_t y = 0; y < side; ++y) {
        const std::uint32_t d = detail::hilbert_key(x, y, bits);
        ASSERT_LT(d, side * side);
        ASSERT_EQ(at[d].first, side) << "key " << d << " twice at bits " << bits;
        at[d] = {x, y};
      }
    }
    for (std::size_t d = 1; d < at.size(); ++d) {
      const auto dx = static_cast<int>(at[d].first) - static_cast<int>(at[d - 1].first);
      const auto dy = static_cast<int>(at[d].second) - static_cast<int>(at[d - 1].second);
      ASSERT_EQ(std::abs(dx) + std::abs(dy), 1) << "bits " << bits << " key " << d;
    }
  }
  // The order is a permutation, also for repeated points.
  std::mt19937_64 rng(3);
  std::vector<double> lats, lons;
  for (int i = 0; i < 5000; ++i) {
    const Point p = random_point(rng, Region::kWorld);
    lats.push_back(i % 10 == 0 ? 0.0 : p.lat);
    lons.push_back(i % 10 == 0 ? 0.0 : p.lon);
  }
  auto order = detail::hilbert_order(lats.size(), lats.data(), lons.data(), 2);
  std::sort(order.begin(), order.end());
  for (std::uint32_t i = 0; i < order.size(); ++i) ASSERT_EQ(order[i], i);
}

// ---- updates -------------------------------------------------------------------------

TEST(GeoUpdate, AddRemoveUpdateKeepAnswersExact) {
  std::mt19937_64 rng(21);
  auto fs = make_facilities(rng, 2000, 0.5, Region::kBanyuwangi);
  FacilityIndex index(fs);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int step = 0; step < 600; ++step) {
    const double r = u(rng);
    if (r < 0.3 && !fs.empty()) {
      const std::size_t i = std::uniform_int_distribution<std::size_t>(0, fs.size() - 1)(rng);
      index.remove(fs[i].id);
      fs.erase(fs.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (r < 0.6) {
      Facility f;
      f.id = 100000 + step;
      const Point p = random_point(rng, Region::kBanyuwangi);
      f.lat = p.lat;
      f.lon = p.lon;
      f.capacity = 3;
      index.add(f);
      fs.push_back(f);
    } else if (!fs.empty()) {
      Facility& f = fs[std::uniform_int_distribution<std::size_t>(0, fs.size() - 1)(rng)];
      const Point p = random_point(rng, Region::kBanyuwangi);
      f.lat = p.lat;
      f.lon = p.lon;
      f.occupied = 0;
      f.open = !f.open;
      index.update(f);
    }
  }
  EXPECT_EQ(index.size(), fs.size());
  check_queries(fs, index, rng, Region::kBanyuwangi, 200);
  EXPECT_THROW(index.remove(-5), Error);
  EXPECT_THROW(index.add(fs.front()), Error);
  Facility bad = fs.front();
  bad.id = 999999999;
  bad.lat = std::nan("");
  EXPECT_THROW(index.add(bad), Error);
  EXPECT_FALSE(index.contains(999999999));
}

// The rtree is kept current by insert/remove on every add, move and remove: answers must
// equal the scan in every state (checked after each step, with the tree forced on at this
// small size).
TEST(GeoUpdate, AnswersExactAfterEveryChange) {
  std::mt19937_64 rng(23);
  auto fs = make_facilities(rng, 300, 0.6, Region::kBanyuwangi);
  FacilityIndex index(fs);
  index.set_linear_scan_below(0);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int step = 0; step < 240; ++step) {
    const double r = u(rng);
    if (r < 0.3 && fs.size() > 1) {
      const std::size_t i = std::uniform_int_distribution<std::size_t>(0, fs.size() - 1)(rng);
      index.remove(fs[i].id);
      fs.erase(fs.begin() + static_cast<std::ptrdiff_t>(i));
    } else if (r < 0.65) {
      Facility f;
      f.id = 500000 + step;
      // Often on top of an existing house, so that ties by id are exercised.
      const Point p = u(rng) < 0.3 ? Point{fs.front().lat, fs.front().lon}
                                   : random_point(rng, Region::kBanyuwangi);
      f.lat = p.lat;
      f.lon = p.lon;
      f.capacity = 2;
      index.add(f);
      fs.push_back(f);
    } else {
      Facility& f = fs[std::uniform_int_distribution<std::size_t>(0, fs.size() - 1)(rng)];
      const Point p = random_point(rng, Region::kBanyuwangi);
      f.lat = p.lat;
      f.lon = p.lon;
      index.update(f);
    }
    ASSERT_EQ(index.size(), fs.size());
    check_queries(fs, index, rng, Region::kBanyuwangi, 3);
    if (HasFatalFailure()) return;
  }
}

TEST(GeoUpdate, InvalidInputIsRejected) {
  EXPECT_THROW(FacilityIndex({{1, "", 95.0, 0.0, "", 1, 0, true}}), Error);
  EXPECT_THROW(FacilityIndex({{1, "", 0.0, 0.0, "", -1, 0, true}}), Error);
  EXPECT_THROW(FacilityIndex({{1, "", 0.0, 0.0, "", 1, 2, true}}), Error);
  EXPECT_THROW(
      FacilityIndex({{1, "", 0.0, 0.0, "", 1, 0, true}, {1, "", 0.0, 0.0, "", 1, 0, true}}), Error);
  FacilityIndex index({{1, "", 0.0, 0.0, "", 1, 0, true}});
  EXPECT_THROW(index.nearest(std::nan(""), 0.0), Error);
  EXPECT_THROW(index.within(0.0, 0.0, -1.0), Error);
  try {
    index.free_beds(2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST(GeoPredicate, NearestIfAndWithinIf) {
  std::mt19937_64 rng(3);
  const auto fs = make_facilities(rng, 5000, 1.0, Region::kBanyuwangi);
  FacilityIndex index(fs);
  const auto certified = [](std::int64_t id) { return id % 3 == 0; };
  for (int q = 0; q < 100; ++q) {
    const Point p = random_point(rng, Region::kBanyuwangi);
    std::vector<Neighbor> want;
    for (const auto& f : fs) {
      if (certified(f.id)) want.push_back({f.id, wgs84_distance(p.lat, p.lon, f.lat, f.lon)});
    }
    std::sort(want.begin(), want.end(), [](const Neighbor& a, const Neighbor& b) {
      return a.distance_m < b.distance_m || (a.distance_m == b.distance_m && a.id < b.id);
    });
    auto first = want;
    first.resize(6);
    expect_same(index.nearest_if(p.lat, p.lon, 6, certified), first, "nearest_if");
    std::vector<Neighbor> near;
    for (const auto& nb : want) {
      if (nb.distance_m <= 2500.0) near.push_back(nb);
    }
    expect_same(index.within_if(p.lat, p.lon, 2500.0, certified), near, "within_if");
  }
}

// ---- beds ----------------------------------------------------------------------------

TEST(GeoBeds, ReserveRelease) {
  FacilityIndex index(
      {{1, "a", -8.2, 114.3, "isolation", 3, 1, true}, {2, "b", -8.21, 114.3, "", 2, 0, false}});
  EXPECT_EQ(index.free_beds(1), 2);
  EXPECT_TRUE(index.reserve(1, 2));
  EXPECT_FALSE(index.reserve(1));
  EXPECT_EQ(index.free_beds(1), 0);
  EXPECT_FALSE(index.reserve(2));  // closed
  EXPECT_THROW(index.release(1, 4), Error);
  EXPECT_EQ(index.free_beds(1), 0);
  index.release(1, 3);
  EXPECT_EQ(index.free_beds(1), 3);
  EXPECT_THROW(index.reserve(1, 0), Error);
  EXPECT_THROW(index.reserve(77), Error);
  auto got = index.nearest_reserve(-8.3, 114.3, 3);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, 1);
  EXPECT_FALSE(index.nearest_reserve(-8.3, 114.3));
}

TEST(GeoBeds, ConcurrentReservationsCountEveryBed) {
  std::vector<Facility> fs;
  for (int i = 0; i < 6; ++i)
    fs.push_back({i + 1, "", -8.2 + 0.01 * i, 114.3, "", 50 + 13 * i, 0, true});
  FacilityIndex index(fs);
  const int threads = 8, attempts = 100000 / threads;
  std::atomic<long> reserved{0}, released{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      std::vector<std::int64_t> mine;
      for (int a = 0; a < attempts; ++a) {
        const int op = static_cast<int>(rng() % 10);
        if (op < 6) {
          const std::int64_t id = 1 + static_cast<std::int64_t>(rng() % 6);
          if (index.reserve(id)) {
            ++reserved;
            mine.push_back(id);
          }
        } else if (op < 8) {
          const auto got = index.nearest_reserve(-8.2, 114.3);
          if (got) {
            ++reserved;
            mine.push_back(got->id);
          }
        } else if (!mine.empty()) {
          index.release(mine.back());
          mine.pop_back();
          ++released;
        }
      }
    });
  }
  for (auto& t : pool) t.join();
  long occupied = 0;
  for (const auto& f : index.facilities()) {
    EXPECT_GE(f.occupied, 0);
    EXPECT_LE(f.occupied, f.capacity);
    occupied += f.occupied;
  }
  EXPECT_EQ(occupied, reserved.load() - released.load());
  EXPECT_GT(reserved.load(), 300);
}

// The free-bed tree holds exactly the open, live facilities with a free bed.
void expect_free_tree_consistent(const FacilityIndex& index) {
  const auto& m = index.impl();
  std::size_t members = 0;
  for (std::uint32_t s = 0; s < m.ids.size(); ++s) {
    const bool should =
        m.alive[s] != 0 && m.open[s] != 0 && m.capacity[s] - m.occupied[s].load() > 0;
    EXPECT_EQ(m.in_free[s] != 0, should) << "slot " << s << " id " << m.ids[s];
    members += should ? 1 : 0;
  }
  EXPECT_EQ(m.free_tree.size(), members);
}

TEST(GeoBeds, FreeBedTreeFollowsReserveReleaseAndUpdates) {
  std::mt19937_64 rng(31);
  auto fs = make_facilities(rng, 3000, 0.05, Region::kBanyuwangi);
  FacilityIndex index(fs);
  expect_free_tree_consistent(index);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int step = 0; step < 4000; ++step) {
    Facility& f = fs[std::uniform_int_distribution<std::size_t>(0, fs.size() - 1)(rng)];
    const double r = u(rng);
    if (r < 0.45) {
      const int n = 1 + static_cast<int>(rng() % 2);
      const bool ok = index.reserve(f.id, n);
      EXPECT_EQ(ok, f.open && f.capacity - f.occupied >= n);
      if (ok) f.occupied += n;
    } else if (r < 0.9) {
      if (f.occupied > 0) {
        index.release(f.id, 1);
        --f.occupied;
      }
    } else if (r < 0.95) {
      f.open = !f.open;
      f.capacity = std::max(f.capacity, f.occupied + 1);
      index.update(f);
    } else {  // move it
      const Point p = random_point(rng, Region::kBanyuwangi);
      f.lat = p.lat;
      f.lon = p.lon;
      index.update(f);
    }
  }
  expect_free_tree_consistent(index);
  check_queries(fs, index, rng, Region::kBanyuwangi, 120);
  // nearest_reserve and assign(reserve=true) keep it in step too.
  for (int i = 0; i < 200; ++i) {
    const Point p = random_point(rng, Region::kBanyuwangi);
    index.nearest_reserve(p.lat, p.lon);
  }
  std::vector<double> lats(300), lons(300);
  for (std::size_t i = 0; i < lats.size(); ++i) {
    const Point p = random_point(rng, Region::kBanyuwangi);
    lats[i] = p.lat;
    lons[i] = p.lon;
  }
  index.assign(lats.size(), lats.data(), lons.data(), AssignMode::kGreedy, 20, true);
  expect_free_tree_consistent(index);
  const auto now = index.facilities();
  check_queries(now, index, rng, Region::kBanyuwangi, 60);
  index.remove(now.front().id);
  expect_free_tree_consistent(index);
}

TEST(GeoBeds, FreeBedTreeConsistentAfterConcurrentTransitions) {
  // Few beds per house, so that almost every reservation or release is a 0 <-> >0
  // transition, raced by 8 threads; queries run at the same time.
  std::vector<Facility> fs;
  for (int i = 0; i < 40; ++i)
    fs.push_back({i + 1, "", -8.2 + 0.003 * i, 114.3 + 0.002 * (i % 7), "", 1 + i % 2, 0, true});
  FacilityIndex index(fs);
  index.set_linear_scan_below(0);
  std::vector<std::thread> pool;
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&index, t] {
      std::mt19937 rng(static_cast<unsigned>(t) + 100);
      std::vector<std::int64_t> mine;
      for (int a = 0; a < 20000; ++a) {
        const int op = static_cast<int>(rng() % 10);
        if (op < 4) {
          const std::int64_t id = 1 + static_cast<std::int64_t>(rng() % 40);
          if (index.reserve(id)) mine.push_back(id);
        } else if (op < 6) {
          const auto got = index.nearest_reserve(-8.2, 114.3);
          if (got) mine.push_back(got->id);
        } else if (op < 7) {
          const auto near = index.nearest(-8.15, 114.31, 3, Filter{1, std::nullopt, false});
          EXPECT_LE(near.size(), 3u);
        } else if (!mine.empty()) {
          index.release(mine.back());
          mine.pop_back();
        }
      }
      for (const auto id : mine) index.release(id);
    });
  }
  for (auto& th : pool) th.join();
  expect_free_tree_consistent(index);
  EXPECT_EQ(index.impl().free_tree.size(), 40u);
  std::mt19937_64 rng(5);
  check_queries(index.facilities(), index, rng, Region::kBanyuwangi, 60);
}

TEST(GeoBeds, OrderedBatchDuringConcurrentReservations) {
  // Ordered batches with a free-bed filter while other threads reserve and release: every
  // row holds distinct houses, nearest first, each at its true distance from the point.
  std::mt19937_64 rng(31);
  std::vector<Facility> fs;
  for (int i = 0; i < 2000; ++i) {
    const Point p = random_point(rng, Region::kBanyuwangi);
    fs.push_back({i, "", p.lat, p.lon, "", 3, 0, true});
  }
  FacilityIndex index(fs);
  const std::size_t n = detail::kOrderedBatchMin + 1000, k = 3;
  std::vector<double> lats(n), lons(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Point p = random_point(rng, Region::kBanyuwangi);
    lats[i] = p.lat;
    lons[i] = p.lon;
  }
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < 2; ++t) {
    pool.emplace_back([&index, &stop, t] {
      std::mt19937 r(static_cast<unsigned>(t) + 7);
      std::vector<std::int64_t> mine;
      while (!stop.load()) {
        const std::int64_t id = static_cast<std::int64_t>(r() % 2000);
        if (r() % 3 != 0 && index.reserve(id)) {
          mine.push_back(id);
        } else if (!mine.empty()) {
          index.release(mine.back());
          mine.pop_back();
        }
      }
      for (const auto id : mine) index.release(id);
    });
  }
  std::vector<std::int64_t> ids(n * k);
  std::vector<double> dists(n * k);
  for (int round = 0; round < 6; ++round) {
    index.nearest_batch(n, lats.data(), lons.data(), k, Filter{1, std::nullopt, false}, ids.data(),
                        dists.data(), 2);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < k; ++j) {
        const std::int64_t id = ids[i * k + j];
        ASSERT_GE(id, 0);
        ASSERT_LT(id, 2000);
        ASSERT_EQ(dists[i * k + j],
                  wgs84_distance(lats[i], lons[i], fs[static_cast<std::size_t>(id)].lat,
                                 fs[static_cast<std::size_t>(id)].lon));
        if (j > 0) {
          ASSERT_NE(id, ids[i * k + j - 1]);
          ASSERT_GE(dists[i * k + j], dists[i * k + j - 1]);
        }
      }
    }
  }
  stop = true;
  for (auto& th : pool) th.join();
  // Quiet again: the batch equals single queries.
  check_batch(fs, index, rng, Region::kBanyuwangi, n, k, Filter{1, std::nullopt, false}, 2,
              "after the race");
}

// ---- assignment --------------------------------------------------------------------

namespace {

// Boost Graph's successive shortest path on the same candidate graph.
double oracle_min_cost(const detail::AssignmentProblem& p, long& flow_out) {
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using Graph = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<
          boost::edge_capacity_t, long,
          boost::property<boost::edge_residual_capacity_t, long,
                          boost::property<boost::edge_reverse_t, Traits::edge_descriptor,
                                          boost::property<boost::edge_weight_t, double>>>>>;
  const std::size_t houses = p.beds.size();
  Graph g(p.residents + houses + 2);
  const auto s = p.residents + houses, t = s + 1;
  auto cap = get(boost::edge_capacity, g);
  auto rev = get(boost::edge_reverse, g);
  auto weight = get(boost::edge_weight, g);
  const auto add = [&](std::size_t u, std::size_t v, long c, double w) {
    const auto e = add_edge(u, v, g).first;
    const auto r = add_edge(v, u, g).first;
    cap[e] = c;
    cap[r] = 0;
    weight[e] = w;
    weight[r] = -w;
    rev[e] = r;
    rev[r] = e;
  };
  for (std::size_t i = 0; i < p.residents; ++i) {
    add(s, i, 1, 0.0);
    for (std::uint32_t e = p.offset[i]; e < p.offset[i + 1]; ++e)
      add(i, p.residents + p.house[e], 1, p.cost[e]);
  }
  for (std::size_t h = 0; h < houses; ++h) add(p.residents + h, t, p.beds[h], 0.0);
  boost::successive_shortest_path_nonnegative_weights(g, s, t);
  auto residual = get(boost::edge_residual_capacity, g);
  double cost = 0;
  long flow = 0;
  boost::graph_traits<Graph>::edge_iterator ei, ee;
  for (boost::tie(ei, ee) = edges(g); ei != ee; ++ei) {
    if (cap[*ei] > 0) {
      const long f = cap[*ei] - residual[*ei];
      cost += static_cast<double>(f) * weight[*ei];
      if (source(*ei, g) == s) flow += f;
    }
  }
  flow_out = flow;
  return cost;
}

struct AssignCase {
  std::size_t residents, houses;
  int max_beds;
  double occupied;
};

void check_assignment(const AssignCase& c, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<Facility> fs;
  for (std::size_t h = 0; h < c.houses; ++h) {
    Facility f;
    f.id = static_cast<std::int64_t>(h + 1);
    const Point p = random_point(rng, Region::kBanyuwangi);
    f.lat = p.lat;
    f.lon = p.lon;
    f.capacity = std::uniform_int_distribution<int>(0, c.max_beds)(rng);
    f.occupied = u(rng) < c.occupied ? f.capacity : 0;
    f.open = u(rng) > 0.05;
    fs.push_back(f);
  }
  FacilityIndex index(fs);
  std::vector<double> lats(c.residents), lons(c.residents);
  for (std::size_t i = 0; i < c.residents; ++i) {
    // Clustered residents, so that nearby houses run out.
    const Point p = random_point(rng, Region::kBanyuwangi);
    lats[i] = u(rng) < 0.5 ? -8.25 + 0.05 * u(rng) : p.lat;
    lons[i] = u(rng) < 0.5 ? 114.35 + 0.05 * u(rng) : p.lon;
  }
  long beds = 0;
  for (const auto& f : fs) beds += f.open ? f.capacity - f.occupied : 0;
  const std::size_t target = std::min<std::size_t>(c.residents, static_cast<std::size_t>(beds));

  const Assignment greedy =
      index.assign(c.residents, lats.data(), lons.data(), AssignMode::kGreedy);
  const Assignment optimal =
      index.assign(c.residents, lats.data(), lons.data(), AssignMode::kOptimal, 10);
  for (const Assignment* a : {&greedy, &optimal}) {
    EXPECT_EQ(a->placed, target);
    EXPECT_EQ(a->placed + a->unplaced, c.residents);
    std::map<std::int64_t, int> used;
    double total = 0;
    for (std::size_t i = 0; i < c.residents; ++i) {
      if (a->house[i] < 0) continue;
      ++used[a->house[i]];
      total += wgs84_distance(lats[i], lons[i], fs[static_cast<std::size_t>(a->house[i] - 1)].lat,
                              fs[static_cast<std::size_t>(a->house[i] - 1)].lon);
    }
    for (const auto& [id, count] : used) {
      const Facility& f = fs[static_cast<std::size_t>(id - 1)];
      EXPECT_TRUE(f.open);
      EXPECT_LE(count, f.capacity - f.occupied) << "house " << id;
    }
    EXPECT_NEAR(total, a->total_m, 1e-6 * (1 + total));
  }
  EXPECT_LE(optimal.total_m, greedy.total_m * (1 + 1e-12) + 1e-6);

  const detail::AssignmentProblem problem =
      detail::make_assignment_problem(index, c.residents, lats.data(), lons.data(), 10);
  // In whole millimetres, so that the oracle's reduced costs are exact (Boost's Dijkstra
  // rejects the -1e-12 that rounding in metres can give).
  detail::AssignmentProblem mm = problem;
  for (double& cost : mm.cost) cost = std::round(cost * 1000.0);
  long flow = 0;
  const double best = oracle_min_cost(mm, flow);
  EXPECT_EQ(static_cast<std::size_t>(flow), target);
  const std::vector<std::int32_t> mine = detail::solve_min_cost(mm);
  double mine_total = 0;
  std::size_t mine_placed = 0;
  for (std::size_t i = 0; i < c.residents; ++i) {
    if (mine[i] < 0) continue;
    ++mine_placed;
    for (std::uint32_t e = mm.offset[i]; e < mm.offset[i + 1]; ++e) {
      if (mm.house[e] == static_cast<std::uint32_t>(mine[i])) mine_total += mm.cost[e];
    }
  }
  EXPECT_EQ(mine_placed, target);
  EXPECT_EQ(mine_total, best);
  EXPECT_NEAR(optimal.total_m, best / 1000.0, 1e-3 * static_cast<double>(c.residents));
  // Nothing was reserved.
  for (const auto& f : fs) EXPECT_EQ(index.free_beds(f.id), f.capacity - f.occupied);
}

}  // namespace

TEST(GeoAssign, OptimalEqualsMinCostFlowOracleMoreBedsThanResidents) {
  check_assignment({small_run() ? 150u : 600u, 80, 12, 0.2}, 1);
}

TEST(GeoAssign, OptimalEqualsMinCostFlowOracleFewerBeds) {
  check_assignment({small_run() ? 150u : 500u, 60, 8, 0.3}, 2);
}

TEST(GeoAssign, OptimalEqualsOracleTightCapacity) { check_assignment({200, 40, 6, 0.0}, 3); }

TEST(SlowGeoAssign, OracleAtThousandResidents) {
  if (!slow_enabled()) GTEST_SKIP() << "set SKAMP_SLOW_TESTS=1";
  check_assignment({1000, 100, 12, 0.2}, 4);
  check_assignment({1000, 100, 10, 0.5}, 5);
}

// solve_min_cost trusts greedy's placement to be feasible; when it is not, it must still
// return (all unplaced), not loop on supplies it cannot meet.
TEST(GeoAssign, SolverRejectsAnInfeasibleGreedyPlacement) {
  detail::AssignmentProblem p;
  p.residents = 2;
  p.house_id = {7};
  p.beds = {1};
  p.offset = {0, 1, 2};
  p.house = {0, 0};
  p.cost = {0.0, 0.0};
  p.greedy = {0, 0};  // two residents in one bed
  EXPECT_EQ(detail::solve_min_cost(p), (std::vector<std::int32_t>{-1, -1}));
  p.greedy = {0, -1};  // feasible: one is placed, at zero cost either way
  const auto got = detail::solve_min_cost(p);
  EXPECT_EQ(std::count(got.begin(), got.end(), 0), 1);
  EXPECT_EQ(std::count(got.begin(), got.end(), -1), 1);
  p.greedy = {1, -1};  // not a house
  EXPECT_EQ(detail::solve_min_cost(p), (std::vector<std::int32_t>{-1, -1}));
}

TEST(GeoAssign, ReserveTakesTheBeds) {
  FacilityIndex index({{1, "", -8.2, 114.3, "", 2, 0, true}, {2, "", -8.3, 114.3, "", 1, 0, true}});
  const std::vector<double> lats = {-8.21, -8.22, -8.23, -8.24},
                            lons = {114.3, 114.3, 114.3, 114.3};
  const Assignment a = index.assign(4, lats.data(), lons.data(), AssignMode::kOptimal, 20, true);
  EXPECT_EQ(a.placed, 3u);
  EXPECT_EQ(a.unplaced, 1u);
  EXPECT_EQ(index.free_beds(1), 0);
  EXPECT_EQ(index.free_beds(2), 0);
  const Assignment none = index.assign(4, lats.data(), lons.data(), AssignMode::kGreedy);
  EXPECT_EQ(none.placed, 0u);
  EXPECT_EQ(none.house, std::vector<std::int64_t>(4, -1));
}

// ---- loading ---------------------------------------------------------------------------

TEST(GeoLoad, CsvRejectsEveryBadRowWithLine) {
  const std::string csv =
      "\xEF\xBB\xBFid;name;lat;lon;kind;capacity;occupied;open\r\n"
      "1;Rumah A;-8,21;114,35;isolation;10;2;ya\r\n"
      "2;\"Rumah; B\";nan;114.3;isolation;5;0;1\r\n"
      "3;C;-8.2;200;isolation;5;0;1\r\n"
      "4;D;-8.2;114.3;isolation;-1;0;1\r\n"
      "5;E;-8.2;114.3;isolation;5;0;maybe\r\n"
      "1;F;-8.2;114.3;isolation;5;0;1\r\n"
      "6;G;-8.2;114.3;isolation;5;6;0\r\n"
      "7;H;-8.25;114.3;;3;;\r\n";
  std::vector<RejectedRow> rejected;
  const FacilityIndex index = FacilityIndex::from_csv_text(csv, &rejected);
  EXPECT_EQ(index.size(), 2u);
  ASSERT_EQ(rejected.size(), 6u);
  EXPECT_EQ(rejected[0].line, 3u);
  EXPECT_NE(rejected[0].reason.find("latitude"), std::string::npos);
  EXPECT_EQ(rejected[1].line, 4u);
  EXPECT_EQ(rejected[2].line, 5u);
  EXPECT_NE(rejected[2].reason.find("capacity"), std::string::npos);
  EXPECT_EQ(rejected[3].line, 6u);
  EXPECT_EQ(rejected[4].line, 7u);
  EXPECT_NE(rejected[4].reason.find("duplicate"), std::string::npos);
  EXPECT_EQ(rejected[5].line, 8u);
  const Facility a = index.get(1);
  EXPECT_EQ(a.name, "Rumah A");
  EXPECT_DOUBLE_EQ(a.lat, -8.21);
  EXPECT_EQ(a.occupied, 2);
  EXPECT_TRUE(index.get(7).open);
  try {
    FacilityIndex::from_csv_text(csv);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kParse);
    EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos);
  }
  EXPECT_THROW(FacilityIndex::from_csv_text("id,lat\n1,2\n"), Error);
}

TEST(GeoLoad, Json) {
  const std::string json = R"([
    {"id": 1, "name": "A", "lat": -8.2, "lon": 114.3, "capacity": 4, "occupied": 1, "kind": "isolation"},
    {"id": 2, "lat": "x", "lon": 114.3, "capacity": 4},
    {"id": 3, "lat": -8.2, "lon": 114.3, "capacity": -4},
    {"id": 4, "lat": -8.2, "lon": 114.3, "capacity": 4, "open": false},
    {"id": 5, "lat": NaN, "lon": 114.3, "capacity": 4}
  ])";
  std::vector<RejectedRow> rejected;
  const FacilityIndex index = FacilityIndex::from_json_text(json, &rejected);
  EXPECT_EQ(index.size(), 2u);
  ASSERT_EQ(rejected.size(), 3u);
  EXPECT_EQ(rejected[0].line, 2u);
  EXPECT_EQ(rejected[1].line, 3u);
  EXPECT_EQ(rejected[2].line, 5u);
  EXPECT_FALSE(index.get(4).open);
  EXPECT_EQ(index.free_beds(1), 3);
  EXPECT_THROW(FacilityIndex::from_json_text(json), Error);
  EXPECT_THROW(FacilityIndex::from_json_text("[{"), Error);
  EXPECT_EQ(FacilityIndex::from_json_text(R"({"facilities": []})").size(), 0u);
}

// ---- progress and cancellation ------------------------------------------------------

TEST(GeoProgress, BatchesReportQueriesAndACancelledAssignmentReservesNothing) {
  std::mt19937_64 rng(21);
  std::uniform_real_distribution<double> lat(-8.4, -8.1), lon(114.2, 114.4);
  const std::size_t houses = 300, n = 20000;
  std::vector<Facility> list;
  for (std::size_t i = 0; i < houses; ++i) {
    Facility f;
    f.id = static_cast<std::int64_t>(i);
    f.lat = lat(rng);
    f.lon = lon(rng);
    f.capacity = 20;
    list.push_back(f);
  }
  FacilityIndex index(std::move(list));
  std::vector<double> lats(n), lons(n);
  for (std::size_t i = 0; i < n; ++i) {
    lats[i] = lat(rng);
    lons[i] = lon(rng);
  }
  std::vector<std::int64_t> ids(n * 2);
  std::vector<double> dists(n * 2);
  std::vector<std::size_t> seen;
  std::mutex seen_mutex;
  index.nearest_batch(n, lats.data(), lons.data(), 2, Filter{}, ids.data(), dists.data(), 2,
                      [&](std::size_t done, std::size_t total) {
                        std::lock_guard<std::mutex> lock(seen_mutex);
                        EXPECT_EQ(total, n);
                        seen.push_back(done);
                        return true;
                      });
  ASSERT_GE(seen.size(), 3u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(seen.front(), 0u);
  EXPECT_EQ(seen.back(), n);
  try {
    index.nearest_batch(n, lats.data(), lons.data(), 2, Filter{}, ids.data(), dists.data(), 2,
                        [](std::size_t done, std::size_t) { return done == 0; });
    ADD_FAILURE() << "not cancelled";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kCancelled);
  }
  for (const AssignMode mode : {AssignMode::kGreedy, AssignMode::kOptimal}) {
    std::vector<std::size_t> steps;
    const Assignment whole = index.assign(n / 4, lats.data(), lons.data(), mode, 5, false,
                                          [&](std::size_t done, std::size_t) {
                                            steps.push_back(done);
                                            return true;
                                          });
    ASSERT_GE(steps.size(), 2u);
    EXPECT_TRUE(std::is_sorted(steps.begin(), steps.end()));
    EXPECT_EQ(steps.back(), mode == AssignMode::kOptimal ? 2 * (n / 4) + 1 : n / 4);
    for (const std::size_t stop_at : {std::size_t{1}, steps.size()}) {
      std::size_t calls = 0;
      try {
        (void)index.assign(n / 4, lats.data(), lons.data(), mode, 5, true,
                           [&](std::size_t, std::size_t) { return ++calls < stop_at; });
        ADD_FAILURE() << "not cancelled";
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kCancelled);
      }
      for (std::int64_t id = 0; id < static_cast<std::int64_t>(houses); ++id)
        ASSERT_EQ(index.free_beds(id), 20) << "a cancelled assignment reserved beds";
    }
    EXPECT_EQ(index.assign(n / 4, lats.data(), lons.data(), mode, 5).house, whole.house);
  }
}
