#pragma once
// A real event log in a temp dir, its group-commit writer and a directory bootstrapped with
// one workspace and its admin: the storage every in-process test starts from.
#include <memory>
#include <string>

#include "actors/directory.hpp"
#include "actors/tokens.hpp"
#include "events/group_commit_writer.hpp"
#include "events/log.hpp"
#include "tests/support/temp_dir.hpp"

namespace sb::test {

struct store {
  store() {
    events::status st;
    log = events::event_log::open({dir.path(), nullptr}, st);
    if (!log) throw std::runtime_error("cannot open the test log: " + st.message());
    writer = std::make_unique<events::group_commit_writer>(*log, events::group_commit_writer::options{});
  }
  // Creates the workspace and admin@example.com; returns the workspace id ("" on failure).
  std::string bootstrap() {
    directory_ = std::make_unique<sb::directory>(*log, *writer);
    if (!directory_->bootstrap("admin@example.com", hash_password("password1")).ok()) return {};
    return directory_->user_by_email("admin@example.com")->workspace_id;
  }
  sb::directory& directory() { return *directory_; }

  temp_dir dir;
  std::unique_ptr<events::event_log> log;
  std::unique_ptr<events::group_commit_writer> writer;

 private:
  std::unique_ptr<sb::directory> directory_;
};

}  // namespace sb::test
