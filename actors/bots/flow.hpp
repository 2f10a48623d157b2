#pragma once
// flow: a bot flow definition (the `definition` of POST /flows), parsed and validated once into
// an immutable graph that the interpreter walks. Everything a step needs is precomputed here:
// edges as node indexes, keywords lowercased and split into words, regexes compiled, templates
// split into literal and variable parts. docs/flows.md is the format reference.
//
// Pure: no I/O, no shared state. parse_flow may be called from any thread; a parsed flow is
// read-only and may be shared between threads (std::shared_ptr<const flow>).
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sb::bots {

// A validation error: `node` is the offending node's id ("" for the flow itself).
struct flow_error {
  std::string node;
  std::string message;
};

constexpr std::size_t kMaxNodes = 500;
constexpr int kNoNode = -1;

// Quick replies shown under a message.
struct button {
  std::string label, value;
};

// A variable as templates and conditions name it: visitor.name|email|phone or vars.a.b.c
// (path {"a", "b", "c"}: nested objects, or array indexes for all-digit segments).
struct var_ref {
  enum class source { visitor_name, visitor_email, visitor_phone, vars } from = source::vars;
  std::vector<std::string> path;
};

// "Hi {{visitor.name}}!" as {literal "Hi "}, {ref visitor.name}, {literal "!"}.
struct template_part {
  bool is_ref = false;
  std::string literal;
  var_ref ref;
};
struct text_template {
  std::vector<template_part> parts;
  bool empty() const { return parts.empty(); }
};

// Whole-word, ASCII case-insensitive phrases (a phrase is one or more words; punctuation and
// spacing between words do not matter). `all`: every phrase must occur; otherwise any one.
class keyword_set {
 public:
  keyword_set() = default;
  // false when a keyword has no word characters.
  bool add(std::string_view keyword);
  bool all = false;
  bool empty() const { return phrases_.empty(); }
  bool matches(std::string_view text) const;

 private:
  std::vector<std::vector<std::string>> phrases_;           // lowercased words
  std::vector<std::pair<std::string, int>> by_first_word_;  // sorted: first word -> phrase
};

enum class node_kind { message, condition, wait, set, webhook, handoff, close };
enum class match_kind { keyword, regex, compare, business_hours };
enum class compare_op { eq, ne, contains, exists, gt, lt };

struct node {
  std::string id;
  node_kind kind = node_kind::message;
  // Edges as indexes into flow::nodes() (kNoNode when absent). A webhook's on_error defaults
  // to its next.
  int next = kNoNode, then = kNoNode, otherwise = kNoNode, on_error = kNoNode;

  text_template text;           // message (required); handoff, close (optional)
  std::vector<button> buttons;  // message

  match_kind match = match_kind::keyword;  // condition
  keyword_set keywords;                    // keyword
  std::regex pattern;                      // regex
  var_ref input;                           // keyword, regex: vars.last_input unless "var" is given
  compare_op op = compare_op::eq;          // compare: input `op` value
  text_template value;                     // compare; set

  std::string var;  // wait (optional), set (required): a variable name, no dots

  std::string url, method;  // webhook; method is "POST" or "GET"
  nlohmann::json body;      // POST: the body with template strings as written ({} when absent)
  std::vector<std::pair<nlohmann::json::json_pointer, text_template>> body_templates;
  std::vector<std::pair<std::string, std::vector<std::string>>> store;  // var <- response path
};

class flow {
 public:
  const std::string& name() const { return name_; }
  const std::vector<node>& nodes() const { return nodes_; }
  int start() const { return start_; }
  // nullptr when no node has this id.
  const node* find(const std::string& id) const;
  const keyword_set& handoff_keywords() const { return handoff_keywords_; }

 private:
  friend class flow_parser;
  std::string name_;
  std::vector<node> nodes_;
  std::unordered_map<std::string, int> index_;
  int start_ = 0;
  keyword_set handoff_keywords_;
};

// The parsed flow, or nullptr with the first validation error in `error`. Never throws.
std::shared_ptr<const flow> parse_flow(const nlohmann::json& definition, flow_error& error);

// The words of `text` as keyword matching sees them: runs of ASCII letters, digits, _ and
// non-ASCII bytes, ASCII-lowercased into `buffer` (the views point into it).
std::vector<std::string_view> lowercase_words(std::string_view text, std::string& buffer);

// The value at `path` inside `root` (objects by key, arrays by all-digit index), or nullptr.
const nlohmann::json* find_path(const nlohmann::json& root, const std::vector<std::string>& path);

}  // namespace sb::bots
