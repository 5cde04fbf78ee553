// A service with its own collection next to the users, through the application's pooled MongoDB
// connection (Mango-JWT's `from mongo_auth.db import database`):
//   GET  /api/orders/  the first 10 documents without _id   (MongoDatabase::find)
//   POST /api/orders/  insert the JSON body as a document   (raw libmongoc through a Lease)
// Both are authenticated-only. On the embedded store (no database configured) they answer 501.
// The collection is "orders" unless EXAMPLE_COLLECTION names another.
#include <mango/application.hpp>
#include <mango/mongo.hpp>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

using mango::http::Request;
using mango::http::Response;

namespace {

Response needs_mongodb() {
  return Response::json(501, {{"detail",
                               "This feature needs MongoDB: configure a database (db_host or "
                               "db_uri); the embedded store keeps users only."}});
}

Response store_error(const mango::Error& error) {
  if (error.code == mango::ErrorCode::unavailable)
    return Response::json(503, {{"detail", "The database is unavailable; try again later."}});
  return Response::json(500, {{"detail", "Internal server error."}});
}

class Orders : public mango::http::View {
 public:
  Orders(mango::MongoDatabase* database, std::string collection)
      : database_(database), collection_(std::move(collection)) {}

  Response get(Request&) override {
    if (!database_) return needs_mongodb();
    // list(database.orders.find({}, {"_id": 0}).limit(10))
    auto documents = database_->find(collection_, nlohmann::json::object(), 10);
    if (!documents) return store_error(documents.error());
    return Response::json(200, {{"data", *documents}});
  }

  Response post(Request& request) override {
    if (!database_) return needs_mongodb();
    auto lease = database_->lease();
    if (!lease) return store_error(lease.error());
    // The driver's own calls, for what MongoDatabase does not wrap. Nothing between creation
    // and destruction can throw, so plain pointers are enough.
    bson_error_t error;
    bson_t* document = bson_new_from_json(reinterpret_cast<const uint8_t*>(request.body.data()),
                                          static_cast<ssize_t>(request.body.size()), &error);
    if (!document) return Response::json(400, {{"detail", "The body must be a JSON object."}});
    mongoc_collection_t* collection =
        mongoc_database_get_collection(lease->database(), collection_.c_str());
    const bool inserted =
        mongoc_collection_insert_one(collection, document, nullptr, nullptr, &error);
    mongoc_collection_destroy(collection);
    bson_destroy(document);
    if (!inserted) return store_error({mango::ErrorCode::unavailable, error.message, {}});
    return Response::json(201, {{"data", "created"}});
  }

 private:
  mango::MongoDatabase* database_;  // owned by the Application; null on the embedded store
  std::string collection_;
};

}  // namespace

int main() {
  std::vector<std::string> warnings;
  mango::SettingsSources sources;
  sources.environment = mango::process_environment();
  auto settings = mango::load_settings(sources, warnings);
  if (!settings) {
    std::cerr << "collection_service: " << settings.error().message << "\n";
    return 2;
  }
  auto app = mango::Application::create(*settings, warnings);
  for (const auto& warning : warnings) std::cerr << "collection_service: warning: " << warning << "\n";
  if (!app) {
    std::cerr << "collection_service: " << app.error().message << "\n";
    return 2;
  }

  const char* name = std::getenv("EXAMPLE_COLLECTION");
  (*app)->router().add_view(
      "/api/orders/", std::make_shared<Orders>((*app)->mongo(), name && *name ? name : "orders"),
      mango::http::authenticated_only);

  if (auto started = (*app)->start(); !started) {
    std::cerr << "collection_service: " << started.error().message << "\n";
    return 1;
  }
  std::cout << "collection_service listening on port " << (*app)->port() << " ("
            << ((*app)->mongo() ? "MongoDB" : "embedded store: /api/orders/ answers 501") << ")"
            << std::endl;
  (*app)->wait_for_signal();
}
