// Linkage: clustering kept pairs into persons (union-find that refuses merges the
// household rule or contradicting identities forbid).
#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

#include "linkage/engine.hpp"

namespace smartkampung::detail {

namespace {

// Records grouped by a key (CSR), for keys given per record (0 = none): each record knows
// its group, so visiting a record's group is an index, not a hash look-up (the look-up
// was a sixth of clustering's time).
struct Groups {
  static constexpr std::uint32_t kAlone = 0xFFFFFFFFU;
  std::vector<std::uint32_t> order;   // the records of groups of two or more, group by group
  std::vector<std::uint32_t> starts;  // group g is order[starts[g], starts[g + 1])
  std::vector<std::uint32_t> group;   // per record: its group, or kAlone
  template <typename KeyOf>
  Groups(std::size_t n, KeyOf&& key_of) : group(n, kAlone) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> keyed;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t k = key_of(i);
      if (k != 0) keyed.emplace_back(k, static_cast<std::uint32_t>(i));
    }
    std::sort(keyed.begin(), keyed.end());
    for (std::size_t i = 0; i < keyed.size();) {
      std::size_t j = i;
      while (j < keyed.size() && keyed[j].first == keyed[i].first) ++j;
      if (j - i > 1) {
        const auto g = static_cast<std::uint32_t>(starts.size());
        starts.push_back(static_cast<std::uint32_t>(order.size()));
        for (std::size_t k = i; k < j; ++k) {
          order.push_back(keyed[k].second);
          group[keyed[k].second] = g;
        }
      }
      i = j;
    }
    starts.push_back(static_cast<std::uint32_t>(order.size()));
  }
  /// fn(record) for every record with the key of `self` (`self` alone when none shares it).
  template <typename Fn>
  void for_each_sharing_key(std::uint32_t self, Fn&& fn) const {
    const std::uint32_t g = group[self];
    if (g == kAlone) {
      fn(self);
      return;
    }
    for (std::uint32_t k = starts[g]; k < starts[g + 1]; ++k) fn(order[k]);
  }
};

// Union-find that refuses a merge when the household rule keeps two members apart or two
// members' identities contradict (LinkModel::identity_conflict). Union by size; a check
// looks only at the smaller cluster's members' households (records grouped by household
// key) and at the two clusters' distinct well-formed NIKs, so clustering costs about
// O(pairs + n log n) for clusters of persons, not the product of cluster sizes.
class Clusters {
 public:
  Clusters(const LinkModel& m, std::size_t n)
      : m_(m),
        parent_(n),
        size_(n, 1),
        with_household_(n),
        niks_(n),
        confidence_(n, 1.0),
        households_(n, [&](std::size_t i) { return m.household[i]; }),
        nik_groups_(n, [&](std::size_t i) { return well_formed_nik(i); }) {
    for (std::size_t i = 0; i < n; ++i) {
      parent_[i] = static_cast<std::uint32_t>(i);
      if (const std::uint64_t h = well_formed_nik(i))
        niks_[i].push_back({h, static_cast<std::uint32_t>(i)});
      if (m.household[i] != 0) with_household_[i].push_back(static_cast<std::uint32_t>(i));
    }
    check_households_ = m.household_name_field >= 0 && m.household_date_field >= 0;
  }

  std::uint32_t find(std::uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }

  /// Merges the clusters of a and b unless a check forbids it; false when refused.
  bool merge(std::uint32_t a, std::uint32_t b, double probability) {
    std::uint32_t ra = find(a), rb = find(b);
    if (ra == rb) return true;
    if (size_[ra] < size_[rb]) std::swap(ra, rb);
    if (!allowed(ra, rb)) {
      ++refused_;
      return false;
    }
    parent_[rb] = ra;
    size_[ra] += size_[rb];
    for (const auto& id : niks_[rb]) {
      const bool known = std::any_of(niks_[ra].begin(), niks_[ra].end(),
                                     [&](const auto& x) { return x.first == id.first; });
      if (!known) niks_[ra].push_back(id);
    }
    std::vector<std::pair<std::uint64_t, std::uint32_t>>().swap(niks_[rb]);
    with_household_[ra].insert(with_household_[ra].end(), with_household_[rb].begin(),
                               with_household_[rb].end());
    std::vector<std::uint32_t>().swap(with_household_[rb]);
    confidence_[ra] = std::min({confidence_[ra], confidence_[rb], probability});
    return true;
  }

  std::uint32_t size_of_root(std::uint32_t root) const { return size_[root]; }
  double confidence_of_root(std::uint32_t root) const { return confidence_[root]; }
  std::size_t refused() const { return refused_; }

 private:
  const FieldValue* values(std::uint32_t i) const { return &m_.values[i * m_.field_count()]; }
  std::uint64_t well_formed_nik(std::size_t i) const {
    if (m_.nik_field < 0) return 0;
    const FieldValue& v = m_.values[i * m_.field_count() + static_cast<std::size_t>(m_.nik_field)];
    return (v.h3 & kNikWellFormed) != 0 ? v.h : 0;
  }

  // rb is the smaller cluster.
  bool allowed(std::uint32_t ra, std::uint32_t rb) {
    if (check_households_) {
      // The members of rb with a household key, against the records of that household in ra.
      for (std::uint32_t x : with_household_[rb]) {
        bool apart = false;
        households_.for_each_sharing_key(x, [&](std::uint32_t y) {
          if (apart || find(y) != ra) return;
          if (m_.household_apart(m_.household[x], m_.household[y], m_.pattern(x, y))) apart = true;
        });
        if (apart) return false;
      }
    }
    if (m_.nik_field >= 0) {
      const auto nf = static_cast<std::size_t>(m_.nik_field);
      for (const auto& ia : niks_[ra]) {
        for (const auto& ib : niks_[rb]) {
          if (compare_field(m_.fields[nf], values(ia.second)[nf], values(ib.second)[nf]) !=
              kNikContradicts)
            continue;
          // Every record of either NIK in the two clusters: a direct comparison above the
          // threshold is the only way past a contradiction.
          bool conflict = false;
          nik_groups_.for_each_sharing_key(ia.second, [&](std::uint32_t x) {
            if (conflict || find(x) != ra) return;
            nik_groups_.for_each_sharing_key(ib.second, [&](std::uint32_t y) {
              if (!conflict && find(y) == rb && m_.identity_conflict(values(x), values(y)))
                conflict = true;
            });
          });
          if (conflict) return false;
        }
      }
    }
    return true;
  }

  const LinkModel& m_;
  std::vector<std::uint32_t> parent_, size_;
  std::vector<std::vector<std::uint32_t>> with_household_;  // members with a household key
  std::vector<std::vector<std::pair<std::uint64_t, std::uint32_t>>>
      niks_;  // distinct (NIK hash, a member)
  std::vector<double> confidence_;
  Groups households_, nik_groups_;
  bool check_households_ = false;
  std::size_t refused_ = 0;
};

}  // namespace

void cluster_pairs(const LinkModel& m, LinkResult& result) {
  const std::size_t n = m.size();
  std::sort(result.pairs.begin(), result.pairs.end(), [](const LinkPair& a, const LinkPair& b) {
    if (a.weight != b.weight) return a.weight > b.weight;
    return std::tie(a.i, a.j) < std::tie(b.i, b.j);
  });
  Clusters clusters(m, n);
  for (const LinkPair& p : result.pairs) clusters.merge(p.i, p.j, p.probability);
  std::sort(result.pairs.begin(), result.pairs.end(), [](const LinkPair& a, const LinkPair& b) {
    return std::tie(a.i, a.j) < std::tie(b.i, b.j);
  });
  // Cluster ids: the smallest member of each cluster (members are visited in order).
  result.cluster_ids.assign(n, -1);
  result.confidence.assign(n, 1.0);
  result.stats.clusters = result.stats.largest_cluster = result.stats.large_clusters = 0;
  std::vector<std::int64_t> id_of_root(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t root = clusters.find(static_cast<std::uint32_t>(i));
    if (id_of_root[root] < 0) {
      id_of_root[root] = static_cast<std::int64_t>(i);
      ++result.stats.clusters;
      const std::size_t size = clusters.size_of_root(root);
      result.stats.largest_cluster = std::max(result.stats.largest_cluster, size);
      if (size > m.settings.max_cluster_size) ++result.stats.large_clusters;
    }
    result.cluster_ids[i] = id_of_root[root];
    result.confidence[i] = clusters.confidence_of_root(root);
  }
  result.stats.refused_merges = clusters.refused();
}

}  // namespace smartkampung::detail
