// MongoDatabase: the process-wide client pool, URI building and the application helpers.
#include <string_view>
#include <memory>
#include <mutex>

#include <spdlog/spdlog.h>

#include "bson_json.hpp"
#include "driver_error.hpp"
#include "handles.hpp"
#include "mango/mongo.hpp"

namespace mango {

using namespace mongo_detail;

namespace {

// The logger the driver's messages go to: spdlog's default logger when the driver is first
// used. Held in a pointer that is never freed, because a pool destroyed during static
// destruction (after spdlog's registry is gone) still logs.
spdlog::logger& driver_logger() {
  static auto* const logger = new std::shared_ptr<spdlog::logger>(spdlog::default_logger());
  return **logger;
}

// libmongoc writes its own log lines to stderr by default; send them to our log instead.
void forward_driver_log(mongoc_log_level_t level, const char* domain, const char* message, void*) {
  spdlog::logger& logger = driver_logger();
  switch (level) {
    case MONGOC_LOG_LEVEL_ERROR:
    case MONGOC_LOG_LEVEL_CRITICAL:
      logger.error("libmongoc {}: {}", domain, message);
      break;
    case MONGOC_LOG_LEVEL_WARNING:
      // Servers without sessions (FerretDB) refuse the endSessions sent at exit: not a problem.
      if (std::string_view(message).find("endSessions") != std::string_view::npos)
        logger.debug("libmongoc {}: {}", domain, message);
      else
        logger.warn("libmongoc {}: {}", domain, message);
      break;
    case MONGOC_LOG_LEVEL_MESSAGE:
    case MONGOC_LOG_LEVEL_INFO:
      logger.debug("libmongoc {}: {}", domain, message);
      break;
    default:
      logger.trace("libmongoc {}: {}", domain, message);
      break;
  }
}

// mongoc_init must run once before any other driver call. mongoc_cleanup is never called: the
// pool may be used until the process ends.
void initialise_driver_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    driver_logger();
    mongoc_init();
    mongoc_log_set_handler(forward_driver_log, nullptr);
  });
}

std::int32_t clamp_to_int32_ms(std::chrono::milliseconds value) {
  const auto count = value.count();
  if (count < 0) return 0;
  if (count > INT32_MAX) return INT32_MAX;
  return static_cast<std::int32_t>(count);
}

void set_unless_in_uri(mongoc_uri_t* uri, const char* option, std::int32_t value) {
  if (!mongoc_uri_has_option(uri, option)) mongoc_uri_set_option_as_int32(uri, option, value);
}

}  // namespace

std::string python_url_quote(std::string_view text) {
  // urllib.parse.quote keeps ASCII letters, digits, "_.-~" and the safe characters ("/").
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string quoted;
  quoted.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    const bool keep = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                      (byte >= '0' && byte <= '9') || byte == '_' || byte == '.' || byte == '-' ||
                      byte == '~' || byte == '/';
    if (keep) {
      quoted.push_back(c);
    } else {
      quoted.push_back('%');
      quoted.push_back(kHex[byte >> 4]);
      quoted.push_back(kHex[byte & 0x0f]);
    }
  }
  return quoted;
}

std::string mongo_uri_from_settings(const Settings& settings) {
  if (!settings.db_uri.empty()) return settings.db_uri;
  const std::string credentials =
      python_url_quote(settings.db_user) + ":" + python_url_quote(settings.db_pass) + "@";
  if (settings.db_port)
    return "mongodb://" + credentials + settings.db_host + ":" + *settings.db_port + "/" +
           settings.db_name;
  return "mongodb+srv://" + credentials + settings.db_host + "/" + settings.db_name;
}

MongoOptions mongo_options_from_settings(const Settings& settings) {
  MongoOptions options;
  options.uri = mongo_uri_from_settings(settings);
  options.database = settings.db_name;
  options.server_selection_timeout = settings.db_timeout;
  options.socket_timeout = settings.db_timeout;
  options.connect_timeout = settings.db_timeout;
  return options;
}

struct MongoDatabase::Impl {
  UriHandle uri;
  ClientPoolHandle pool;
  std::string name;
};

struct MongoDatabase::Lease::Handles {
  PooledClient client;      // declared first: destroyed after the database handle
  DatabaseHandle database;
};

MongoDatabase::Lease::Lease(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {}
MongoDatabase::Lease::Lease(Lease&&) noexcept = default;
MongoDatabase::Lease& MongoDatabase::Lease::operator=(Lease&&) noexcept = default;
MongoDatabase::Lease::~Lease() = default;
mongoc_client_t* MongoDatabase::Lease::client() const { return handles_->client.get(); }
mongoc_database_t* MongoDatabase::Lease::database() const { return handles_->database.get(); }

MongoDatabase::MongoDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MongoDatabase::~MongoDatabase() = default;

Result<std::shared_ptr<MongoDatabase>> MongoDatabase::open(const MongoOptions& options) {
  initialise_driver_once();
  auto impl = std::make_unique<Impl>();

  bson_error_t error;
  impl->uri.reset(mongoc_uri_new_with_error(options.uri.c_str(), &error));
  if (!impl->uri) {
    // The driver's text may quote the URI, and with it the password: log only.
    spdlog::error("mongo: the MongoDB URI is invalid: {}", error.message);
    return fail(ErrorCode::invalid_argument, "the MongoDB URI is invalid (details in the log)");
  }
  set_unless_in_uri(impl->uri.get(), MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                    clamp_to_int32_ms(options.server_selection_timeout));
  set_unless_in_uri(impl->uri.get(), MONGOC_URI_SOCKETTIMEOUTMS,
                    clamp_to_int32_ms(options.socket_timeout));
  set_unless_in_uri(impl->uri.get(), MONGOC_URI_CONNECTTIMEOUTMS,
                    clamp_to_int32_ms(options.connect_timeout));
  if (!mongoc_uri_has_option(impl->uri.get(), MONGOC_URI_MAXPOOLSIZE))
    mongoc_uri_set_option_as_int32(impl->uri.get(), MONGOC_URI_MAXPOOLSIZE,
                                   static_cast<std::int32_t>(std::min<std::uint32_t>(
                                       options.max_pool_size, INT32_MAX)));

  impl->name = options.database;
  if (impl->name.empty()) {
    const char* from_uri = mongoc_uri_get_database(impl->uri.get());
    if (from_uri != nullptr) impl->name = from_uri;
  }
  if (impl->name.empty())
    return fail(ErrorCode::invalid_argument,
                "no MongoDB database name: set db_name or name it in the URI path");

  impl->pool.reset(mongoc_client_pool_new_with_error(impl->uri.get(), &error));
  if (!impl->pool) {
    spdlog::error("mongo: cannot create the client pool: {}", error.message);
    return fail(ErrorCode::unavailable, "the database is unavailable");
  }
  // Error API 2: server errors arrive in the MONGOC_ERROR_SERVER domain with the server's code.
  mongoc_client_pool_set_error_api(impl->pool.get(), MONGOC_ERROR_API_VERSION_2);
  mongoc_client_pool_set_appname(impl->pool.get(), "mango-jwt");
  return std::shared_ptr<MongoDatabase>(new MongoDatabase(std::move(impl)));
}

Result<MongoDatabase::Lease> MongoDatabase::lease() const {
  mongoc_client_t* client = mongoc_client_pool_pop(impl_->pool.get());
  if (client == nullptr) return fail(ErrorCode::unavailable, "no database connection is free");
  auto handles = std::make_unique<Lease::Handles>(
      Lease::Handles{PooledClient(impl_->pool.get(), client),
                     DatabaseHandle(mongoc_client_get_database(client, impl_->name.c_str()))});
  return Lease(std::move(handles));
}

const std::string& MongoDatabase::name() const { return impl_->name; }

Result<std::vector<nlohmann::json>> MongoDatabase::find(std::string_view collection,
                                                        const nlohmann::json& filter,
                                                        std::int64_t limit) const {
  // `{}` at a call site makes a JSON null: read it as "no filter".
  auto filter_bson = json_to_bson(filter.is_null() ? nlohmann::json::object() : filter);
  if (!filter_bson) return std::unexpected(filter_bson.error());
  BsonHandle options = new_bson();
  bson_t projection;
  BSON_APPEND_DOCUMENT_BEGIN(options.get(), "projection", &projection);
  BSON_APPEND_INT32(&projection, "_id", 0);
  bson_append_document_end(options.get(), &projection);
  if (limit > 0) BSON_APPEND_INT64(options.get(), "limit", limit);

  auto leased = lease();
  if (!leased) return std::unexpected(leased.error());
  const std::string collection_name(collection);
  CollectionHandle handle(mongoc_database_get_collection(leased->database(), collection_name.c_str()));
  CursorHandle cursor(
      mongoc_collection_find_with_opts(handle.get(), filter_bson->get(), options.get(), nullptr));

  std::vector<nlohmann::json> documents;
  const bson_t* document = nullptr;
  while (mongoc_cursor_next(cursor.get(), &document)) documents.push_back(bson_to_json(*document, "_id"));
  bson_error_t error;
  const bson_t* error_reply = nullptr;
  if (mongoc_cursor_error_document(cursor.get(), &error, &error_reply))
    return std::unexpected(translate_driver_error("find", error, error_reply));
  return documents;
}

Result<void> MongoDatabase::ping() const {
  auto leased = lease();
  if (!leased) return std::unexpected(leased.error());
  BsonHandle command = new_bson();
  BSON_APPEND_INT32(command.get(), "ping", 1);
  ReplyBson reply;
  bson_error_t error;
  if (!mongoc_database_command_simple(leased->database(), command.get(), nullptr, reply.get(), &error))
    return std::unexpected(translate_driver_error("ping", error, reply.get()));
  return {};
}

}  // namespace mango
