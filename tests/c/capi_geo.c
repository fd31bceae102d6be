/* The geo C API from plain C99: build, query, reserve, assign, errors. */
#include <math.h>
#include <string.h>

#include "capi_test.h"

void skamp_test_geo(void) {
  const int64_t ids[4] = {10, 11, 12, 13};
  const double lats[4] = {-8.20, -8.21, -8.30, -8.20};
  const double lons[4] = {114.30, 114.30, 114.30, 114.30};
  const int32_t capacity[4] = {2, 5, 4, 3};
  const int32_t occupied[4] = {2, 0, 1, 0};
  const uint8_t open[4] = {1, 1, 1, 0};
  const char* kinds[4] = {"isolation", "isolation", "puskesmas", NULL};
  skamp_facility_index* index = NULL;
  size_t size = 0, count = 0;
  int64_t out_ids[3];
  double out_dists[3];
  skamp_facility_filter filter;
  int reserved = -1;
  int32_t beds = -1;
  int64_t id = 0;
  double dist = 0.0, total = 0.0, max = 0.0;
  int64_t* within_ids = NULL;
  double* within_dists = NULL;
  double qlats[2] = {-8.205, -8.29}, qlons[2] = {114.3, 114.3};
  int64_t batch_ids[4];
  double batch_dists[4];
  int64_t houses[2];
  skamp_facility extra;

  CHECK(skamp_geo_index_new(&index, 4, ids, lats, lons, capacity, occupied, open, kinds) ==
        SKAMP_OK);
  CHECK(skamp_geo_index_size(&size, index) == SKAMP_OK && size == 4);

  /* Nearest open house with a free bed: 10 is full and 13 closed, so 11 then 12. */
  memset(&filter, 0, sizeof filter);
  filter.size = sizeof filter;
  filter.min_free = 1;
  CHECK(skamp_geo_index_nearest(&count, out_ids, out_dists, index, -8.2, 114.3, 3, &filter) ==
        SKAMP_OK);
  CHECK(count == 2);
  CHECK(out_ids[0] == 11 && out_ids[1] == 12 && out_ids[2] == -1);
  CHECK(out_dists[0] > 1100.0 && out_dists[0] < 1110.0 && isinf(out_dists[2]));
  filter.kind = "puskesmas";
  CHECK(skamp_geo_index_nearest(&count, out_ids, out_dists, index, -8.2, 114.3, 3, &filter) ==
        SKAMP_OK);
  CHECK(count == 1 && out_ids[0] == 12);
  CHECK(skamp_geo_index_nearest(&count, out_ids, out_dists, index, -8.2, 114.3, 3, NULL) ==
        SKAMP_OK);
  CHECK(count == 3 && out_ids[0] == 10);

  CHECK(skamp_geo_index_nearest_batch(batch_ids, batch_dists, index, 2, qlats, qlons, 2, NULL) ==
        SKAMP_OK);
  CHECK(batch_ids[0] == 10 && batch_ids[2] == 12);

  CHECK(skamp_geo_index_within(&within_ids, &within_dists, &count, index, -8.2, 114.3, 2000.0,
                               NULL) == SKAMP_OK);
  CHECK(count == 2 && within_ids[0] == 10 && within_ids[1] == 11 && within_dists[0] == 0.0);
  skamp_free(within_ids);
  skamp_free(within_dists);

  /* Beds. */
  CHECK(skamp_geo_index_reserve(&reserved, index, 10, 1) == SKAMP_OK && reserved == 0);
  CHECK(skamp_geo_index_reserve(&reserved, index, 11, 2) == SKAMP_OK && reserved == 1);
  CHECK(skamp_geo_index_free_beds(&beds, index, 11) == SKAMP_OK && beds == 3);
  CHECK(skamp_geo_index_release(index, 11, 9) == SKAMP_EINVALID);
  CHECK(strlen(skamp_last_error()) > 0);
  CHECK(skamp_geo_index_release(index, 11, 2) == SKAMP_OK);
  CHECK(skamp_geo_index_reserve(&reserved, index, 99, 1) == SKAMP_ENOTFOUND);
  CHECK(skamp_geo_index_nearest_reserve(&id, &dist, index, -8.2, 114.3, 1, NULL) == SKAMP_OK &&
        id == 11);
  CHECK(skamp_geo_index_free_beds(&beds, index, 11) == SKAMP_OK && beds == 4);

  /* Assignment. */
  CHECK(skamp_geo_index_assign(houses, &total, &max, index, 2, qlats, qlons, SKAMP_ASSIGN_OPTIMAL,
                               20, 0) == SKAMP_OK);
  CHECK(houses[0] == 11 && houses[1] == 12 && total > 0.0 && max <= total);
  CHECK(skamp_geo_index_assign(houses, NULL, NULL, index, 2, qlats, qlons, (skamp_assign_mode)7, 20,
                               0) == SKAMP_EINVALID);

  /* Issue 16, item 1: k = SIZE_MAX (or any k above the facility count) means all of them,
   * never want = k + 1 wrapping to 0. Only min(k, facilities) = 4 entries are written: the
   * fifth entry of each array keeps its sentinel. */
  {
    int64_t all_ids[5] = {77, 77, 77, 77, 77};
    double all_dists[5] = {-1.0, -1.0, -1.0, -1.0, -1.0};
    int64_t row_ids[2 * 4 + 1];
    double row_dists[2 * 4 + 1];
    int64_t more_houses[3];
    const double rlats[3] = {-8.2, -8.25, -8.3}, rlons[3] = {114.3, 114.3, 114.3};
    size_t i;
    CHECK(skamp_geo_index_nearest(&count, all_ids, all_dists, index, -8.2, 114.3, SIZE_MAX, NULL) ==
          SKAMP_OK);
    CHECK(count == 3); /* 13 is closed */
    CHECK(all_ids[0] == 10 && all_ids[1] == 11 && all_ids[2] == 12 && all_ids[3] == -1 &&
          isinf(all_dists[3]));
    CHECK(all_ids[4] == 77 && all_dists[4] == -1.0);
    memset(&filter, 0, sizeof filter);
    filter.size = sizeof filter;
    filter.include_closed = 1;
    CHECK(skamp_geo_index_nearest(&count, all_ids, all_dists, index, -8.2, 114.3, SIZE_MAX - 1,
                                  &filter) == SKAMP_OK);
    CHECK(count == 4 && all_ids[3] == 12 && all_ids[4] == 77);
    for (i = 0; i < 9; ++i) row_ids[i] = 55;
    CHECK(skamp_geo_index_nearest_batch(row_ids, row_dists, index, 2, qlats, qlons, SIZE_MAX,
                                        &filter) == SKAMP_OK);
    CHECK(row_ids[0] == 10 && row_ids[4] == 12 && row_ids[8] == 55); /* rows of 4 */
    CHECK(skamp_geo_index_assign(more_houses, &total, &max, index, 3, rlats, rlons,
                                 SKAMP_ASSIGN_OPTIMAL, SIZE_MAX, 0) == SKAMP_OK);
    CHECK(more_houses[0] == 11 && more_houses[1] == 11 && more_houses[2] == 12);
    CHECK(skamp_geo_index_assign(more_houses, &total, &max, index, 3, rlats, rlons,
                                 SKAMP_ASSIGN_GREEDY, SIZE_MAX, 0) == SKAMP_OK);
    CHECK(skamp_geo_index_assign(more_houses, &total, &max, index, 3, rlats, rlons,
                                 SKAMP_ASSIGN_OPTIMAL, (size_t)1 << 62, 1) == SKAMP_OK);
    CHECK(skamp_geo_index_release(index, more_houses[0], 1) == SKAMP_OK);
    CHECK(skamp_geo_index_release(index, more_houses[1], 1) == SKAMP_OK);
    CHECK(skamp_geo_index_release(index, more_houses[2], 1) == SKAMP_OK);
  }

  /* Updates. */
  memset(&extra, 0, sizeof extra);
  extra.size = sizeof extra;
  extra.id = 20;
  extra.lat = -8.2001;
  extra.lon = 114.3;
  extra.capacity = 1;
  extra.open = 1;
  extra.name = "Rumah baru";
  CHECK(skamp_geo_index_add(index, &extra) == SKAMP_OK);
  CHECK(skamp_geo_index_add(index, &extra) == SKAMP_EINVALID);
  extra.lat = NAN;
  CHECK(skamp_geo_index_update(index, &extra) == SKAMP_EINVALID);
  extra.lat = -8.2;
  extra.open = 0;
  CHECK(skamp_geo_index_update(index, &extra) == SKAMP_OK);
  CHECK(skamp_geo_index_remove(index, 20) == SKAMP_OK);
  CHECK(skamp_geo_index_remove(index, 20) == SKAMP_ENOTFOUND);

  /* Errors: NULL arguments, bad coordinates, bad rows. */
  CHECK(skamp_geo_index_nearest(&count, out_ids, out_dists, NULL, 0, 0, 1, NULL) == SKAMP_EINVALID);
  CHECK(skamp_geo_index_nearest(&count, out_ids, out_dists, index, 91.0, 0, 1, NULL) ==
        SKAMP_EINVALID);
  CHECK(skamp_geo_index_size(NULL, index) == SKAMP_EINVALID);
  CHECK(skamp_geo_distance(&dist, 0, 0, 0, 1) == SKAMP_OK && fabs(dist - 111319.4908) < 1e-3);
  CHECK(skamp_geo_distance(&dist, NAN, 0, 0, 1) == SKAMP_EINVALID);
  skamp_geo_index_free(index);
  skamp_geo_index_free(NULL);

  index = NULL;
  {
    const double bad_lats[2] = {-8.2, 123.0};
    CHECK(skamp_geo_index_new(&index, 2, ids, bad_lats, lons, capacity, NULL, NULL, NULL) ==
          SKAMP_EINVALID);
    CHECK(index == NULL);
  }
  CHECK(skamp_geo_index_new_csv(&index, "/nonexistent/facilities.csv") == SKAMP_EIO);
  CHECK(skamp_geo_index_new_json_file(&index, NULL) == SKAMP_EINVALID);
}
