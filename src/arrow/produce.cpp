// Producing Arrow data: column builders, tables, and their export through the C Data and
// C Stream Interfaces (the structs own a reference to the table, never a copy).
#include <cerrno>
#include <cstring>
#include <limits>
#include <smartkampung/arrow.hpp>
#include <unordered_map>

#include "arrow/column.hpp"

namespace smartkampung::arrow {

using detail::ColumnData;

const char* type_name(Type type) noexcept {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "bool";
    case Type::kInt8:
      return "int8";
    case Type::kInt16:
      return "int16";
    case Type::kInt32:
      return "int32";
    case Type::kInt64:
      return "int64";
    case Type::kUInt8:
      return "uint8";
    case Type::kUInt16:
      return "uint16";
    case Type::kUInt32:
      return "uint32";
    case Type::kUInt64:
      return "uint64";
    case Type::kFloat32:
      return "float32";
    case Type::kFloat64:
      return "float64";
    case Type::kUtf8:
      return "utf8";
    case Type::kDate32:
      return "date32";
    case Type::kDate64:
      return "date64";
    case Type::kTimestamp:
      return "timestamp";
    case Type::kList:
      return "list";
    case Type::kStruct:
      return "struct";
  }
  return "unknown";
}

// ---- Column ----------------------------------------------------------------------------
const std::string& Column::name() const noexcept { return data_->name; }
Type Column::type() const noexcept { return data_->type; }
std::size_t Column::size() const noexcept { return static_cast<std::size_t>(data_->length); }
std::size_t Column::null_count() const noexcept {
  return static_cast<std::size_t>(data_->null_count);
}
bool Column::dictionary_encoded() const noexcept { return data_->dictionary != nullptr; }

// ---- ColumnBuilder ---------------------------------------------------------------------
struct ColumnBuilder::State {
  ColumnData data;
  std::unique_ptr<ColumnBuilder> item;  // lists
  // dictionary columns: the values built so far and their indices
  std::unique_ptr<ColumnData> dict;
  std::unordered_map<std::string, std::int32_t> index_of;
  int width = 0;  // bytes of a fixed-width value

  void set_valid(bool valid) {
    const std::int64_t row = data.length;
    if (!valid && data.validity.bytes == 0) {  // the first null: every earlier row was valid
      data.validity.resize(static_cast<std::size_t>((row + 8) / 8));
      std::memset(data.validity.bytes_ptr(), 0xff, data.validity.bytes);
    }
    if (data.validity.bytes == 0) return;
    const std::size_t need = static_cast<std::size_t>(row / 8 + 1);
    if (need > data.validity.bytes) {
      const std::size_t old = data.validity.bytes;
      if (need / 8 + 1 > data.validity.words.size()) {  // grow the capacity geometrically
        data.validity.words.resize(std::max(data.validity.words.size() * 2, need / 8 + 2), 0);
      }
      data.validity.bytes = need;
      std::memset(data.validity.bytes_ptr() + old, 0, need - old);
    }
    std::uint8_t& byte = data.validity.bytes_ptr()[row / 8];
    const auto bit = static_cast<std::uint8_t>(1u << (row % 8));
    byte = valid ? static_cast<std::uint8_t>(byte | bit) : static_cast<std::uint8_t>(byte & ~bit);
    if (!valid) ++data.null_count;
  }
};

namespace {
int width_of(Type t) {
  switch (t) {
    case Type::kInt8:
      return 1;
    case Type::kInt16:
      return 2;
    case Type::kInt32:
    case Type::kDate32:
      return 4;
    case Type::kInt64:
    case Type::kTimestamp:
    case Type::kFloat64:
      return 8;
    default:
      return 0;
  }
}
}  // namespace

ColumnBuilder::ColumnBuilder(std::string name, Type type, std::string format)
    : state_(std::make_unique<State>()) {
  state_->data.name = std::move(name);
  state_->data.type = type;
  state_->data.format = std::move(format);
  state_->width = width_of(type);
  if (type == Type::kUtf8 || type == Type::kList) state_->data.values.push<std::int32_t>(0);
}
ColumnBuilder::ColumnBuilder(ColumnBuilder&&) noexcept = default;
ColumnBuilder& ColumnBuilder::operator=(ColumnBuilder&&) noexcept = default;
ColumnBuilder::~ColumnBuilder() = default;

ColumnBuilder ColumnBuilder::boolean(std::string name) {
  return ColumnBuilder(std::move(name), Type::kBool, "b");
}
ColumnBuilder ColumnBuilder::int8(std::string name) {
  return ColumnBuilder(std::move(name), Type::kInt8, "c");
}
ColumnBuilder ColumnBuilder::int16(std::string name) {
  return ColumnBuilder(std::move(name), Type::kInt16, "s");
}
ColumnBuilder ColumnBuilder::int32(std::string name) {
  return ColumnBuilder(std::move(name), Type::kInt32, "i");
}
ColumnBuilder ColumnBuilder::int64(std::string name) {
  return ColumnBuilder(std::move(name), Type::kInt64, "l");
}
ColumnBuilder ColumnBuilder::float64(std::string name) {
  return ColumnBuilder(std::move(name), Type::kFloat64, "g");
}
ColumnBuilder ColumnBuilder::utf8(std::string name) {
  return ColumnBuilder(std::move(name), Type::kUtf8, "u");
}
ColumnBuilder ColumnBuilder::date32(std::string name) {
  return ColumnBuilder(std::move(name), Type::kDate32, "tdD");
}
ColumnBuilder ColumnBuilder::timestamp(std::string name, std::string time_zone) {
  return ColumnBuilder(std::move(name), Type::kTimestamp, "tss:" + time_zone);
}
ColumnBuilder ColumnBuilder::dictionary(std::string name) {
  ColumnBuilder b(std::move(name), Type::kUtf8, "i");  // the indices' format; the values are utf8
  b.state_->width = 4;
  b.state_->data.values.bytes = 0;
  b.state_->dict = std::make_unique<ColumnData>();
  b.state_->dict->type = Type::kUtf8;
  b.state_->dict->format = "u";
  b.state_->dict->values.push<std::int32_t>(0);
  return b;
}
ColumnBuilder ColumnBuilder::dictionary(std::string name, const std::vector<std::string>& values) {
  ColumnBuilder b = dictionary(std::move(name));
  for (const std::string& v : values) {
    if (!b.state_->index_of.emplace(v, static_cast<std::int32_t>(b.state_->dict->length)).second) {
      throw Error(ErrorCode::kInvalidArgument, "arrow: a dictionary's values must be distinct");
    }
    b.state_->dict->chars.append(v.data(), v.size());
    b.state_->dict->values.push(static_cast<std::int32_t>(b.state_->dict->chars.bytes));
    ++b.state_->dict->length;
  }
  return b;
}

void ColumnBuilder::append_index(std::int32_t index) {
  State& s = *state_;
  if (!s.dict || index < 0 || index >= s.dict->length) {
    throw Error(ErrorCode::kInvalidArgument,
                "arrow: append_index needs a dictionary column and an index in it");
  }
  s.data.values.push(index);
  s.set_valid(true);
  ++s.data.length;
}

ColumnBuilder ColumnBuilder::list(std::string name, ColumnBuilder item) {
  if (item.size() != 0)
    throw Error(ErrorCode::kInvalidArgument, "arrow: a list's item builder must be empty");
  ColumnBuilder b(std::move(name), Type::kList, "+l");
  if (item.state_->data.name.empty()) item.state_->data.name = "item";
  b.state_->item = std::make_unique<ColumnBuilder>(std::move(item));
  return b;
}

void ColumnBuilder::reserve(std::size_t rows) {
  State& s = *state_;
  if (s.width > 0) s.data.values.reserve(rows * static_cast<std::size_t>(s.width));
  if (s.data.type == Type::kBool) s.data.values.reserve(rows / 8 + 1);
  if ((s.data.type == Type::kUtf8 && !s.dict) || s.data.type == Type::kList)
    s.data.values.reserve((rows + 1) * 4);
}

std::size_t ColumnBuilder::size() const noexcept {
  return static_cast<std::size_t>(state_->data.length);
}
Type ColumnBuilder::type() const noexcept { return state_->data.type; }

void ColumnBuilder::append_null() {
  State& s = *state_;
  s.set_valid(false);
  switch (s.data.type) {
    case Type::kBool:
      if (s.data.length % 8 == 0) s.data.values.push<std::uint8_t>(0);
      break;
    case Type::kUtf8:
      if (s.dict) {
        s.data.values.push<std::int32_t>(0);
      } else {
        s.data.values.push<std::int32_t>(static_cast<std::int32_t>(s.data.chars.bytes));
      }
      break;
    case Type::kList: {
      const std::int32_t end = static_cast<std::int32_t>(s.item->size());
      s.data.values.push<std::int32_t>(end);
      break;
    }
    default: {
      const std::uint64_t zero = 0;
      s.data.values.append(&zero, static_cast<std::size_t>(s.width));
    }
  }
  ++s.data.length;
}

void ColumnBuilder::append_bool(bool value) {
  State& s = *state_;
  if (s.data.type != Type::kBool)
    throw Error(ErrorCode::kInvalidArgument, "arrow: append_bool on a column of another type");
  s.set_valid(true);
  if (s.data.length % 8 == 0) s.data.values.push<std::uint8_t>(0);
  if (value)
    s.data.values.bytes_ptr()[s.data.length / 8] |=
        static_cast<std::uint8_t>(1u << (s.data.length % 8));
  ++s.data.length;
}

void ColumnBuilder::append_int(std::int64_t value) {
  State& s = *state_;
  const auto fits = [&](std::int64_t lo, std::int64_t hi) {
    if (value < lo || value > hi) {
      throw Error(ErrorCode::kInvalidArgument,
                  "arrow: a value does not fit column '" + s.data.name + "'");
    }
  };
  switch (s.data.type) {
    case Type::kInt8:
      fits(INT8_MIN, INT8_MAX);
      s.data.values.push(static_cast<std::int8_t>(value));
      break;
    case Type::kInt16:
      fits(INT16_MIN, INT16_MAX);
      s.data.values.push(static_cast<std::int16_t>(value));
      break;
    case Type::kInt32:
    case Type::kDate32:
      fits(INT32_MIN, INT32_MAX);
      s.data.values.push(static_cast<std::int32_t>(value));
      break;
    case Type::kInt64:
    case Type::kTimestamp:
      s.data.values.push(value);
      break;
    default:
      throw Error(ErrorCode::kInvalidArgument, "arrow: append_int on a column of another type");
  }
  s.set_valid(true);
  ++s.data.length;
}

void ColumnBuilder::append_double(double value) {
  State& s = *state_;
  if (s.data.type != Type::kFloat64)
    throw Error(ErrorCode::kInvalidArgument, "arrow: append_double on a column of another type");
  s.data.values.push(value);
  s.set_valid(true);
  ++s.data.length;
}

void ColumnBuilder::append_text(std::string_view value) {
  State& s = *state_;
  if (s.data.type != Type::kUtf8)
    throw Error(ErrorCode::kInvalidArgument, "arrow: append_text on a column of another type");
  if (s.dict) {
    auto it = s.index_of.find(std::string(value));
    if (it == s.index_of.end()) {
      if (s.index_of.size() >= static_cast<std::size_t>(INT32_MAX))
        throw Error(ErrorCode::kLimit, "arrow: too many distinct values");
      it = s.index_of.emplace(std::string(value), static_cast<std::int32_t>(s.dict->length)).first;
      s.dict->chars.append(value.data(), value.size());
      s.dict->values.push(static_cast<std::int32_t>(s.dict->chars.bytes));
      ++s.dict->length;
    }
    s.data.values.push(it->second);
  } else {
    if (s.data.chars.bytes + value.size() > static_cast<std::size_t>(INT32_MAX)) {
      throw Error(ErrorCode::kLimit,
                  "arrow: column '" + s.data.name + "' holds more than 2 GiB of text");
    }
    s.data.chars.append(value.data(), value.size());
    s.data.values.push(static_cast<std::int32_t>(s.data.chars.bytes));
  }
  s.set_valid(true);
  ++s.data.length;
}

void ColumnBuilder::append_ints(const std::int64_t* values, std::size_t n,
                                const std::uint8_t* known) {
  State& s = *state_;
  if (s.data.type == Type::kInt64 && known == nullptr && s.data.validity.bytes == 0) {
    s.data.values.append(values, n * sizeof(std::int64_t));
    s.data.length += static_cast<std::int64_t>(n);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (known != nullptr && known[i] == 0) {
      append_null();
    } else {
      append_int(values[i]);
    }
  }
}

void ColumnBuilder::append_doubles(const double* values, std::size_t n, const std::uint8_t* known) {
  State& s = *state_;
  if (s.data.type == Type::kFloat64 && known == nullptr && s.data.validity.bytes == 0) {
    s.data.values.append(values, n * sizeof(double));
    s.data.length += static_cast<std::int64_t>(n);
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (known != nullptr && known[i] == 0) {
      append_null();
    } else {
      append_double(values[i]);
    }
  }
}

ColumnBuilder& ColumnBuilder::item() {
  if (!state_->item)
    throw Error(ErrorCode::kInvalidArgument, "arrow: item() of a column that is not a list");
  return *state_->item;
}

void ColumnBuilder::end_list() {
  State& s = *state_;
  if (!s.item)
    throw Error(ErrorCode::kInvalidArgument, "arrow: end_list() on a column that is not a list");
  if (s.item->size() > static_cast<std::size_t>(INT32_MAX))
    throw Error(ErrorCode::kLimit, "arrow: too many list items");
  s.data.values.push(static_cast<std::int32_t>(s.item->size()));
  s.set_valid(true);
  ++s.data.length;
}

Column ColumnBuilder::finish() {
  State& s = *state_;
  auto out = std::make_shared<ColumnData>(std::move(s.data));
  if (s.item) out->children.push_back(s.item->finish().shared_data());
  if (s.dict) out->dictionary = std::shared_ptr<const ColumnData>(std::move(s.dict));
  // A builder is spent once finished: start it again empty of the same kind.
  state_ = std::make_unique<State>();
  state_->data.name = out->name;
  state_->data.type = out->type;
  state_->data.format = out->format;
  return Column(std::move(out));
}

// ---- Table -----------------------------------------------------------------------------
Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (i == 0) rows_ = columns_[i].size();
    if (columns_[i].size() != rows_) {
      throw Error(ErrorCode::kInvalidArgument, "arrow: column '" + columns_[i].name() + "' has " +
                                                   std::to_string(columns_[i].size()) +
                                                   " rows, not " + std::to_string(rows_));
    }
  }
}

std::vector<std::string> Table::names() const {
  std::vector<std::string> out;
  for (const Column& c : columns_) out.push_back(c.name());
  return out;
}

long Table::find(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].name() == name) return static_cast<long>(i);
  }
  return -1;
}

// ---- export: schema ----------------------------------------------------------------------
namespace {

struct SchemaPrivate {
  std::string format, name;
  std::vector<ArrowSchema*> children;
  std::unique_ptr<ArrowSchema[]> child_storage;
  std::unique_ptr<ArrowSchema> dictionary;
};

// An exported schema or array (Struct) with its private part (Private: children, child
// storage, dictionary). Release: the children and the dictionary by their own callbacks,
// then what the private part owns; the struct is then marked released.
template <typename Struct, typename Private>
void release_exported(Struct* s) {
  if (s == nullptr || s->release == nullptr) return;
  auto* priv = static_cast<Private*>(s->private_data);
  for (Struct* child : priv->children) {
    if (child->release != nullptr) child->release(child);
  }
  if (priv->dictionary && priv->dictionary->release != nullptr)
    priv->dictionary->release(priv->dictionary.get());
  delete priv;
  s->release = nullptr;
}

// The private part's n children, zero-filled (released until filled in).
template <typename Struct, typename Private>
void make_children(Private* priv, std::size_t n) {
  priv->child_storage.reset(new Struct[n == 0 ? 1 : n]());
  for (std::size_t i = 0; i < n; ++i) priv->children.push_back(&priv->child_storage[i]);
}

void release_schema(ArrowSchema* schema) { release_exported<ArrowSchema, SchemaPrivate>(schema); }

void fill_schema(ArrowSchema* out, const std::string& name, const std::string& format,
                 std::int64_t flags, std::size_t n_children) {
  auto* priv = new SchemaPrivate();
  priv->format = format;
  priv->name = name;
  make_children<ArrowSchema>(priv, n_children);
  out->format = priv->format.c_str();
  out->name = priv->name.c_str();
  out->metadata = nullptr;
  out->flags = flags;
  out->n_children = static_cast<std::int64_t>(n_children);
  out->children = n_children == 0 ? nullptr : priv->children.data();
  out->dictionary = nullptr;
  out->release = &release_schema;
  out->private_data = priv;
}

void column_schema(const ColumnData& c, ArrowSchema* out) {
  fill_schema(out, c.name, c.format, ARROW_FLAG_NULLABLE, c.children.size());
  auto* priv = static_cast<SchemaPrivate*>(out->private_data);
  for (std::size_t i = 0; i < c.children.size(); ++i)
    column_schema(*c.children[i], priv->children[i]);
  if (c.dictionary) {
    priv->dictionary = std::make_unique<ArrowSchema>();
    fill_schema(priv->dictionary.get(), "", c.dictionary->format, ARROW_FLAG_NULLABLE, 0);
    out->dictionary = priv->dictionary.get();
  }
}

// ---- export: arrays ------------------------------------------------------------------------
struct ArrayPrivate {
  std::shared_ptr<const void> owner;
  const void* buffers[3] = {nullptr, nullptr, nullptr};
  std::vector<ArrowArray*> children;
  std::unique_ptr<ArrowArray[]> child_storage;
  std::unique_ptr<ArrowArray> dictionary;
};

void release_array(ArrowArray* array) { release_exported<ArrowArray, ArrayPrivate>(array); }

ArrayPrivate* fill_array(ArrowArray* out, std::shared_ptr<const void> owner, std::int64_t length,
                         std::int64_t null_count, std::int64_t offset, std::int64_t n_buffers,
                         std::size_t n_children) {
  auto* priv = new ArrayPrivate();
  priv->owner = std::move(owner);
  make_children<ArrowArray>(priv, n_children);
  out->length = length;
  out->null_count = null_count;
  out->offset = offset;
  out->n_buffers = n_buffers;
  out->n_children = static_cast<std::int64_t>(n_children);
  out->buffers = priv->buffers;
  out->children = n_children == 0 ? nullptr : priv->children.data();
  out->dictionary = nullptr;
  out->release = &release_array;
  out->private_data = priv;
  return priv;
}

void column_array(const ColumnData& c, const std::shared_ptr<const void>& owner, std::int64_t first,
                  std::int64_t count, ArrowArray* out) {
  const bool whole = first == 0 && count == c.length;
  const bool var = c.type == Type::kUtf8 && !c.dictionary;
  const std::int64_t n_buffers = var ? 3 : (c.type == Type::kList ? 2 : 2);
  const std::int64_t nulls = c.null_count == 0 ? 0 : (whole ? c.null_count : -1);
  ArrayPrivate* priv = fill_array(out, owner, count, nulls, first, n_buffers, c.children.size());
  priv->buffers[0] = c.null_count == 0 ? nullptr : c.validity.data();
  priv->buffers[1] = c.values.data();
  if (var) priv->buffers[2] = c.chars.data();
  static const std::int32_t kZeroOffset = 0;
  static const std::uint64_t kNoBits = 0;
  if (priv->buffers[1] == nullptr) {  // an empty column still needs its buffers
    priv->buffers[1] = (var || c.type == Type::kList) ? static_cast<const void*>(&kZeroOffset)
                                                      : static_cast<const void*>(&kNoBits);
  }
  if (var && priv->buffers[2] == nullptr) priv->buffers[2] = &kNoBits;
  for (std::size_t i = 0; i < c.children.size(); ++i) {
    column_array(*c.children[i], owner, 0, c.children[i]->length, priv->children[i]);
  }
  if (c.dictionary) {
    priv->dictionary = std::make_unique<ArrowArray>();
    column_array(*c.dictionary, owner, 0, c.dictionary->length, priv->dictionary.get());
    out->dictionary = priv->dictionary.get();
  }
}

// ---- export: the stream -------------------------------------------------------------------
struct StreamPrivate {
  std::shared_ptr<const Table> table;
  std::size_t batch_rows = 0;
  std::size_t next = 0;
  bool sent_one = false;
  std::string error;
};

int stream_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  try {
    export_schema(*priv->table, out);
    return 0;
  } catch (const std::exception& e) {
    priv->error = e.what();
    return ENOMEM;
  }
}

int stream_next(ArrowArrayStream* stream, ArrowArray* out) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  try {
    const std::size_t rows = priv->table->rows();
    if (priv->next >= rows && priv->sent_one) {
      out->release = nullptr;  // the end of the stream
      return 0;
    }
    const std::size_t count =
        priv->batch_rows == 0 ? rows - priv->next : std::min(priv->batch_rows, rows - priv->next);
    export_array(priv->table, out, priv->next, count);
    priv->next += count;
    priv->sent_one = true;
    return 0;
  } catch (const std::exception& e) {
    priv->error = e.what();
    return ENOMEM;
  }
}

const char* stream_error(ArrowArrayStream* stream) {
  auto* priv = static_cast<StreamPrivate*>(stream->private_data);
  return priv->error.empty() ? nullptr : priv->error.c_str();
}

void stream_release(ArrowArrayStream* stream) {
  if (stream == nullptr || stream->release == nullptr) return;
  delete static_cast<StreamPrivate*>(stream->private_data);
  stream->release = nullptr;
}

struct PairPrivate {
  ArrowSchema schema{};
  ArrowArray array{};
  bool sent = false;
  std::string error;
  ~PairPrivate() {
    if (array.release != nullptr) array.release(&array);
    if (schema.release != nullptr) schema.release(&schema);
  }
};

int pair_schema(ArrowArrayStream* stream, ArrowSchema* out) {
  auto* priv = static_cast<PairPrivate*>(stream->private_data);
  // A copy of the schema's description for the consumer: the stream keeps its own.
  // Schemas given out here are shallow: they point into the kept one, released with it.
  *out = priv->schema;
  out->release = [](ArrowSchema* s) { s->release = nullptr; };
  return 0;
}

int pair_next(ArrowArrayStream* stream, ArrowArray* out) {
  auto* priv = static_cast<PairPrivate*>(stream->private_data);
  if (priv->sent || priv->array.release == nullptr) {
    out->release = nullptr;
    return 0;
  }
  *out = priv->array;  // moved
  priv->array.release = nullptr;
  priv->sent = true;
  return 0;
}

const char* pair_error(ArrowArrayStream*) { return nullptr; }

void pair_release(ArrowArrayStream* stream) {
  if (stream == nullptr || stream->release == nullptr) return;
  delete static_cast<PairPrivate*>(stream->private_data);
  stream->release = nullptr;
}

}  // namespace

void stream_of(ArrowSchema* schema, ArrowArray* array, ArrowArrayStream* out) {
  if (schema == nullptr || array == nullptr || schema->release == nullptr ||
      array->release == nullptr) {
    throw Error(ErrorCode::kInvalidArgument, "arrow: a schema and an array are needed");
  }
  auto* priv = new PairPrivate();
  priv->schema = *schema;
  schema->release = nullptr;
  priv->array = *array;
  array->release = nullptr;
  out->get_schema = &pair_schema;
  out->get_next = &pair_next;
  out->get_last_error = &pair_error;
  out->release = &pair_release;
  out->private_data = priv;
}

void export_schema(const Table& table, ArrowSchema* out) {
  fill_schema(out, "", "+s", 0, table.columns().size());
  auto* priv = static_cast<SchemaPrivate*>(out->private_data);
  for (std::size_t i = 0; i < table.columns().size(); ++i)
    column_schema(table.columns()[i].data(), priv->children[i]);
}

void export_array(std::shared_ptr<const Table> table, ArrowArray* out, std::size_t first,
                  std::size_t count) {
  const std::size_t rows = table->rows();
  if (first > rows) first = rows;
  if (count > rows - first) count = rows - first;
  const std::shared_ptr<const void> owner = table;
  ArrayPrivate* priv =
      fill_array(out, owner, static_cast<std::int64_t>(count), 0, 0, 1, table->columns().size());
  for (std::size_t i = 0; i < table->columns().size(); ++i) {
    column_array(table->columns()[i].data(), owner, static_cast<std::int64_t>(first),
                 static_cast<std::int64_t>(count), priv->children[i]);
  }
}

void export_stream(std::shared_ptr<const Table> table, ArrowArrayStream* out,
                   std::size_t batch_rows) {
  auto* priv = new StreamPrivate();
  priv->table = std::move(table);
  priv->batch_rows = batch_rows;
  out->get_schema = &stream_schema;
  out->get_next = &stream_next;
  out->get_last_error = &stream_error;
  out->release = &stream_release;
  out->private_data = priv;
}

}  // namespace smartkampung::arrow
