// The store conformance suite: the behaviour every UserStore must show, written once and run
// on every store (in the spirit of dex's storage/conformance).
//
// How a store's test executable uses it:
//
//   #include "store_conformance.hpp"
//
//   mango::conformance::StoreUnderTest my_store() {
//     mango::conformance::StoreUnderTest store;
//     store.name = "mongo";
//     store.open = [](const mango::StoreOptions& options) { ...a fresh, empty collection... };
//     store.reopen = [](const mango::StoreOptions& options) { ...the same collection again... };
//     store.make_unavailable = [] { ...stop the database / cut the connection... };
//     store.make_available = [] { ...bring it back... };
//     return store;
//   }
//   using mango::conformance::StoreConformance;  // the macro needs an unqualified name
//   INSTANTIATE_TEST_SUITE_P(Mongo, StoreConformance, ::testing::Values(my_store()),
//                            mango::conformance::store_name);
//
// and in CMake:   mango_add_test(my_store_test SOURCES my_store_test.cpp
//                                LIBS my_store_lib mango_store_conformance)
// mango_store_conformance is an OBJECT library, so every TEST_P in store_conformance.cpp is
// linked in (no --whole-archive needed). gtest_main comes from mango_add_test.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "mango/user_store.hpp"

namespace mango::conformance {

// GoogleTest evaluates the INSTANTIATE_TEST_SUITE_P values once PER TEST: state that must be
// unique across tests (file or collection name counters) belongs in statics, not in captures.
// State shared by `open` and `reopen` within one test may be captured (a shared_ptr).
struct StoreUnderTest {
  // Shown in the test names: letters, digits and underscores only.
  std::string name;

  // Opens the store on a FRESH, EMPTY collection each call (a new file, a new collection
  // name...). Required.
  std::function<Result<std::unique_ptr<UserStore>>(const StoreOptions&)> open;

  // Opens the store again on the collection of the most recent `open` call, keeping its
  // data (another process start, perhaps with other options). Empty: those tests are skipped.
  std::function<Result<std::unique_ptr<UserStore>>(const StoreOptions&)> reopen;

  // Make the database unreachable / reachable again for an open store. Both empty when the
  // store cannot be made unavailable: the unavailability tests are skipped then. While
  // unavailable, insert / find_one / set_password / ping must return ErrorCode::unavailable
  // in bounded time (the store's own timeouts; the suite only checks the code, the ctest
  // timeout catches a hang). After make_available the same store object must work again.
  std::function<void()> make_unavailable;
  std::function<void()> make_available;
};

// For INSTANTIATE_TEST_SUITE_P's name generator.
std::string store_name(const ::testing::TestParamInfo<StoreUnderTest>& info);

// How GoogleTest prints a parameter in its messages: by name, not as raw bytes.
void PrintTo(const StoreUnderTest& store, std::ostream* out);

// The fixture of every TEST_P in store_conformance.cpp. A store's test file may add its own
// TEST_Ps on it too.
class StoreConformance : public ::testing::TestWithParam<StoreUnderTest> {
 protected:
  void TearDown() override;

  // Opens a fresh store; fails the test (returns nullptr) when it cannot.
  std::unique_ptr<UserStore> open_store(const StoreOptions& options = {});

  // A user document as the auth service writes it: a fresh "ID_<uuid4>"-like id, the email,
  // a Django-format password hash, plus `extra` fields merged in.
  static Document make_user(const std::string& email,
                            const nlohmann::json& extra = nlohmann::json::object());

  // Call the parameter's make_unavailable / make_available; TearDown makes the store
  // available again if a test left it unavailable.
  void make_unavailable();
  void make_available();

 private:
  bool left_unavailable_ = false;
};

}  // namespace mango::conformance
